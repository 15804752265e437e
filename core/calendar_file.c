/*
 * calendar_file - the institution calendar file, one declaration a line
 *
 * See include/buzon/calendar_file.h for the format. The parser is strict
 * (unknown kinds and attributes, missing sources and reversed ranges are
 * errors naming the line): this file moves legal deadlines, so a typo must
 * stop a reload rather than be ignored.
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>

#include "buzon/calendar_file.h"
#include "buzon/instant.h"
#include "buzon/utf8.h"
#include "buzon/xalloc.h"

/* is_blank - space or tab */
static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * next_token - split one token off *p: a run of non-blanks, where a double
 * quote opens a quoted part that may contain blanks. Returns NULL at the
 * end of the line or at a comment; *why is set on an unterminated quote.
 */
static char *
next_token(char **p, const char **why)
{
	char *s = *p, *start;
	int quoted = 0;

	while (is_blank(*s))
		s++;
	if (*s == '\0' || *s == '#')
		return NULL;
	start = s;
	for (; *s; s++) {
		if (*s == '"')
			quoted = !quoted;
		else if (!quoted && is_blank(*s))
			break;
	}
	if (quoted) {
		*why = "unterminated quoted text";
		return NULL;
	}
	if (*s)
		*s++ = '\0';
	*p = s;
	return start;
}

/* unquote - "text" to text in place; NULL when not a whole quoted string */
static char *
unquote(char *tok)
{
	size_t n = strlen(tok);

	if (n < 2 || tok[0] != '"' || tok[n - 1] != '"' ||
	    memchr(tok + 1, '"', n - 2) != NULL)
		return NULL;
	tok[n - 1] = '\0';
	return tok + 1;
}

/* parse_day - YYYY-MM-DD to a day number */
static int
parse_day(const char *s, int64_t *day)
{
	struct bz_date d;

	if (bz_date_parse(s, &d))
		return -1;
	*day = bz_days_from_civil(d.year, d.month, d.day);
	return 0;
}

/* parse_dates - DATE, DATE..DATE or DATE.. */
static const char *
parse_dates(char *tok, int64_t *first, int64_t *last)
{
	char *dots = strstr(tok, "..");

	if (dots == NULL) {
		if (parse_day(tok, first))
			return "expected a date YYYY-MM-DD or a range DATE..DATE";
		*last = *first;
		return NULL;
	}
	*dots = '\0';
	if (parse_day(tok, first))
		return "bad first date of the range (YYYY-MM-DD, an existing day)";
	if (dots[2] == '\0') {
		*last = BZ_ENTRY_OPEN_END;
		return NULL;
	}
	if (parse_day(dots + 2, last))
		return "bad last date of the range (YYYY-MM-DD, an existing day)";
	if (*last < *first)
		return "the range ends before it starts";
	return NULL;
}

/* parse_kind - inhabil, suspension or habil */
static int
parse_kind(const char *s, enum bz_cal_entry_kind *kind)
{
	for (int k = BZ_ENTRY_INHABIL; k <= BZ_ENTRY_HABIL; k++)
		if (strcmp(s, bz_cal_entry_kind_name((enum bz_cal_entry_kind)k)) == 0) {
			*kind = (enum bz_cal_entry_kind)k;
			return 0;
		}
	return -1;
}

/* parse_entry - one declaration line (already split off the file) */
static const char *
parse_entry(char *line, struct bz_cal_entry *e)
{
	const char *why = NULL;
	char *p = line, *tok, *text;

	if ((tok = next_token(&p, &why)) == NULL)
		return why ? why : "missing date";
	if ((why = parse_dates(tok, &e->first, &e->last)) != NULL)
		return why;
	if ((tok = next_token(&p, &why)) == NULL)
		return why ? why : "missing kind (inhabil, suspension or habil)";
	if (parse_kind(tok, &e->kind))
		return "unknown kind (expected inhabil, suspension or habil)";
	if ((tok = next_token(&p, &why)) == NULL)
		return why ? why : "missing quoted description";
	if ((text = unquote(tok)) == NULL || *text == '\0')
		return "the description must be non-empty text in double quotes";
	e->description = xstrdup(text);
	while ((tok = next_token(&p, &why)) != NULL) {
		if (strncmp(tok, "source=", 7) != 0)
			return "unknown attribute (only source=\"...\" is known)";
		if (e->source != NULL)
			return "source= given twice";
		if ((text = unquote(tok + 7)) == NULL || *text == '\0')
			return "source= needs non-empty text in double quotes";
		e->source = xstrdup(text);
	}
	if (why)
		return why;
	if (e->source == NULL)
		return "missing source=\"DOF YYYY-MM-DD\" (where it was published)";
	return NULL;
}

/* bz_calendar_file_parse - append the file's entries to out */
int
bz_calendar_file_parse(const char *path, const char *data, size_t len,
    struct bz_cal_entries *out, struct bz_buf *err)
{
	const char *p = data, *end = data + len;
	unsigned lineno = 0;
	int seen_format = 0;

	if (memchr(data, '\0', len) != NULL) {
		bz_buf_printf(err, "%s: contains a NUL byte: not a text file", path);
		return -1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line, *s, *tok;
		const char *why = NULL;

		lineno++;
		if (!bz_utf8_valid((const unsigned char *)p, n)) {
			bz_buf_printf(err, "%s:%u: not valid UTF-8", path, lineno);
			return -1;
		}
		line = xstrndup(p, n);
		p += n + (nl != NULL);
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		s = line;
		while (is_blank(*s))
			s++;
		if (*s == '\0' || *s == '#') {
			free(line);
			continue;
		}
		if (!seen_format) {
			char *q = s;

			tok = next_token(&q, &why);
			if (tok == NULL || strcmp(tok, "format") != 0)
				why = "the first line must be \"format 1\"";
			else if ((tok = next_token(&q, &why)) == NULL ||
			    strcmp(tok, "1") != 0 || next_token(&q, &why) != NULL)
				why = "unsupported format (this version reads \"format 1\")";
			seen_format = 1;
		} else {
			struct bz_cal_entry *e;

			out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
			e = &out->v[out->n++];
			memset(e, 0, sizeof(*e));
			e->file = xstrdup(path);
			e->line = lineno;
			why = parse_entry(s, e);
		}
		free(line);
		if (why) {
			bz_buf_printf(err, "%s:%u: %s", path, lineno, why);
			return -1;
		}
	}
	if (!seen_format) {
		bz_buf_printf(err, "%s:%u: missing \"format 1\" line", path,
		    lineno ? lineno : 1);
		return -1;
	}
	return 0;
}

/* bz_cal_entries_free - release every entry */
void
bz_cal_entries_free(struct bz_cal_entries *list)
{
	for (size_t i = 0; i < list->n; i++) {
		free(list->v[i].description);
		free(list->v[i].source);
		free(list->v[i].file);
	}
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

/* bz_cal_entry_kind_name - the keyword of a kind */
const char *
bz_cal_entry_kind_name(enum bz_cal_entry_kind kind)
{
	switch (kind) {
	case BZ_ENTRY_INHABIL:		return "inhabil";
	case BZ_ENTRY_SUSPENSION:	return "suspension";
	case BZ_ENTRY_HABIL:		return "habil";
	}
	return "?";
}
