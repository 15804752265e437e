/*
 * notification_officials - OfficialsFile: who may notify, for which
 *			    department
 *
 * One official per line: `RFC department-address "department name"`.
 * '#' starts a comment line; blank lines are skipped. The name is quoted
 * (it has blanks) and may hold \" and \\. The file is read with the
 * configuration generation (core/runtime.c), so `buzon-milter -t` and
 * `buzonctl config --check` refuse a broken one before a reload swaps it
 * in; an error names the line. Lines are not long: sender-controlled data
 * never reaches this parser, but it still has no fixed-size buffer.
 */
#include "build-aux/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buzon/address.h"
#include "buzon/buf.h"
#include "buzon/notification.h"
#include "buzon/utf8.h"
#include "buzon/xalloc.h"

#define OFFICIALS_MAX	(1024 * 1024)	/* bytes: thousands of officials */

/* word - the next blank-delimited word of p..end, xmalloc'ed; NULL: none */
static char *
word(const char **p, const char *end)
{
	const char *s;

	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
	s = *p;
	while (*p < end && **p != ' ' && **p != '\t')
		(*p)++;
	return *p > s ? xstrndup(s, (size_t)(*p - s)) : NULL;
}

/* quoted - the "..." at p, unescaped, xmalloc'ed; NULL when malformed */
static char *
quoted(const char **p, const char *end)
{
	struct bz_buf b = BZ_BUF_INIT;
	char *s;

	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
	if (*p >= end || **p != '"')
		return NULL;
	for ((*p)++; *p < end && **p != '"'; (*p)++) {
		if (**p == '\\' && *p + 1 < end)
			(*p)++;
		bz_buf_putc(&b, **p);
	}
	if (*p >= end) {
		bz_buf_free(&b);
		return NULL;
	}
	(*p)++;
	s = xstrdup(bz_buf_str(&b));
	bz_buf_free(&b);
	return s;
}

/* parse_line - one official; NULL, or the reason the line is wrong */
static const char *
parse_line(const char *p, const char *end, struct bz_official *o)
{
	const char *why = NULL;

	memset(o, 0, sizeof(*o));
	o->rfc = word(&p, end);
	for (char *c = o->rfc; c != NULL && *c != '\0'; c++)
		*c = (char)toupper((unsigned char)*c);
	if (o->rfc == NULL || !bz_notif_rfc_ok(o->rfc))
		why = "the first word is not an RFC";
	else if ((o->address = word(&p, end)) == NULL || !bz_address_plain(o->address))
		why = "the second word is not a plain address (local@domain)";
	else if ((o->name = quoted(&p, end)) == NULL)
		why = "the department name must follow in double quotes";
	else if (o->name[0] == '\0' ||
	    !bz_utf8_valid((const unsigned char *)o->name, strlen(o->name)))
		why = "the department name is empty or not UTF-8";
	else {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p < end)
			why = "text after the department name";
	}
	if (why == NULL)
		for (char *c = o->address; *c != '\0'; c++)
			*c = (char)tolower((unsigned char)*c);
	return why;
}

/* free_one - release one official */
static void
free_one(struct bz_official *o)
{
	free(o->rfc);
	free(o->address);
	free(o->name);
}

/* bz_officials_parse - the file's text; err "name:line: reason" */
int
bz_officials_parse(const char *text, size_t len, const char *name,
    struct bz_officials *out, struct bz_buf *err)
{
	const char *p = text, *end = text + len;
	unsigned line = 0;

	out->items = NULL;
	out->n = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl != NULL ? nl : end, *q = p, *why;
		struct bz_official o;

		line++;
		if (eol > p && eol[-1] == '\r')
			eol--;
		while (q < eol && (*q == ' ' || *q == '\t'))
			q++;
		p = nl != NULL ? nl + 1 : end;
		if (q == eol || *q == '#')
			continue;
		if (memchr(q, '\0', (size_t)(eol - q)) != NULL)
			why = "a NUL byte";
		else
			why = parse_line(q, eol, &o);
		if (why == NULL && bz_officials_find(out, o.rfc) != NULL)
			why = "this RFC is already listed";
		if (why != NULL) {
			if (memchr(q, '\0', (size_t)(eol - q)) == NULL)
				free_one(&o);
			bz_buf_printf(err, "%s:%u: %s", name, line, why);
			bz_officials_free(out);
			return -1;
		}
		out->items = xrealloc(out->items, (out->n + 1) * sizeof(*out->items));
		out->items[out->n++] = o;
	}
	return 0;
}

/* bz_officials_load - read and parse path */
int
bz_officials_load(const char *path, struct bz_officials *out, struct bz_buf *err)
{
	struct bz_buf text = BZ_BUF_INIT;
	int rc;

	out->items = NULL;
	out->n = 0;
	if (bz_buf_read_file(&text, path, OFFICIALS_MAX) != 0) {
		bz_buf_printf(err, "%s: %s", path, errno == EFBIG ?
		    "larger than 1 MiB" : strerror(errno));
		bz_buf_free(&text);
		return -1;
	}
	rc = bz_officials_parse(text.data ? text.data : "", text.len, path, out, err);
	bz_buf_free(&text);
	return rc;
}

/* bz_officials_find - the official with rfc (any case), NULL if none */
const struct bz_official *
bz_officials_find(const struct bz_officials *o, const char *rfc)
{
	for (size_t i = 0; rfc != NULL && i < o->n; i++)
		if (strcasecmp(o->items[i].rfc, rfc) == 0)
			return &o->items[i];
	return NULL;
}

/* bz_officials_free - release the list */
void
bz_officials_free(struct bz_officials *o)
{
	for (size_t i = 0; i < o->n; i++)
		free_one(&o->items[i]);
	free(o->items);
	o->items = NULL;
	o->n = 0;
}
