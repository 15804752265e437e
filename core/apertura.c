/*
 * apertura - reading an opening and the references of a reply
 *	      (include/buzon/apertura.h)
 *
 * Pure parsing, no store. Everything read here comes from headers nobody
 * signed, so it only proposes what to look up: the caller decides, by
 * the signer's RFC, whether a candidate counts. The bounds keep a header
 * of thousands of Message-IDs from costing thousands of lookups; no
 * candidate is copied before it passes its syntax check.
 */
#include "build-aux/config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buzon/apertura.h"
#include "buzon/mime.h"
#include "buzon/subject.h"
#include "buzon/xalloc.h"

#define IRT_MAX		4	/* In-Reply-To names one parent, rarely more */
#define REFS_HEAD	6	/* References: the first ones (the root) ... */
#define REFS_TAIL	6	/* ... and the last ones (the latest parents) */

/* bz_apertura_folio_ok - NT-YYYY-NNNNNNNN, upper case */
int
bz_apertura_folio_ok(const char *s, size_t n)
{
	if (n != BZ_APERTURA_FOLIO_LEN || s[0] != 'N' || s[1] != 'T' || s[2] != '-' ||
	    s[7] != '-')
		return 0;
	for (size_t i = 3; i < n; i++)
		if (i != 7 && !isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* bz_apertura_subject - APERTURA and its folio */
int
bz_apertura_subject(const char *subject, char **folio)
{
	const char *w;
	size_t n;

	*folio = NULL;
	if (!bz_subject_command(subject, "apertura", &w, &n))
		return 0;
	if (bz_apertura_folio_ok(w, n))
		*folio = xstrndup(w, n);
	return 1;
}

/* msgid_ok - the inside of <...>: printable, no blanks or brackets */
static int
msgid_ok(const char *s, size_t n)
{
	if (n == 0 || n > BZ_APERTURA_MSGID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7f || c == '<' || c == '>')
			return 0;
	}
	return 1;
}

/* a well-formed <id> in a header value: where it starts (the '<') and its
 * length with the brackets */
struct span {
	const char	*p;
	size_t		 n;
};

/* next_msgid - the next well-formed <id> at or after *pos; 0 at the end */
static int
next_msgid(const char **pos, struct span *out)
{
	const char *p = *pos, *lt, *gt;

	while ((lt = strchr(p, '<')) != NULL) {
		if ((gt = strchr(lt + 1, '>')) == NULL)
			break;
		p = gt + 1;
		if (msgid_ok(lt + 1, (size_t)(gt - lt - 1))) {
			out->p = lt;
			out->n = (size_t)(gt - lt + 1);
			*pos = p;
			return 1;
		}
	}
	*pos = p + strlen(p);
	return 0;
}

/* add_msgid - one more candidate, unless already there or full */
static void
add_msgid(struct bz_apertura_refs *r, const struct span *s)
{
	if (r->nmsgids >= BZ_APERTURA_MAX_MSGIDS)
		return;
	for (size_t i = 0; i < r->nmsgids; i++)
		if (strlen(r->msgids[i]) == s->n && memcmp(r->msgids[i], s->p, s->n) == 0)
			return;
	r->msgids[r->nmsgids++] = xstrndup(s->p, s->n);
}

/* scan_references - the first REFS_HEAD and the last REFS_TAIL ids of a
 * References value, without keeping the ones in between */
static void
scan_references(struct bz_apertura_refs *r, const char *v)
{
	struct span tail[REFS_TAIL], s;
	size_t seen = 0;

	while (next_msgid(&v, &s)) {
		if (seen < REFS_HEAD)
			add_msgid(r, &s);
		else
			tail[(seen - REFS_HEAD) % REFS_TAIL] = s;
		seen++;
	}
	if (seen <= REFS_HEAD)
		return;
	/* oldest of the kept tail first */
	for (size_t k = seen - REFS_HEAD > REFS_TAIL ? seen - REFS_HEAD - REFS_TAIL : 0;
	    k < seen - REFS_HEAD; k++)
		add_msgid(r, &tail[k % REFS_TAIL]);
}

/* scan_folios - NT-YYYY-NNNNNNNN written in a Subject, as a word */
static void
scan_folios(struct bz_apertura_refs *r, const char *subject)
{
	const char *p = subject;
	char f[BZ_APERTURA_FOLIO_LEN + 1];
	int dup;

	for (; *p != '\0' && r->nfolios < BZ_APERTURA_MAX_FOLIOS; p++) {
		if (p > subject && (isalnum((unsigned char)p[-1]) || p[-1] == '-'))
			continue;
		if (strncasecmp(p, "NT-", 3) != 0 || strlen(p) < BZ_APERTURA_FOLIO_LEN)
			continue;
		if (isalnum((unsigned char)p[BZ_APERTURA_FOLIO_LEN]) ||
		    p[BZ_APERTURA_FOLIO_LEN] == '-')
			continue;
		memcpy(f, p, BZ_APERTURA_FOLIO_LEN);
		f[0] = 'N';
		f[1] = 'T';
		f[BZ_APERTURA_FOLIO_LEN] = '\0';
		if (!bz_apertura_folio_ok(f, BZ_APERTURA_FOLIO_LEN))
			continue;
		dup = 0;
		for (size_t i = 0; i < r->nfolios; i++)
			dup |= strcmp(r->folios[i], f) == 0;
		if (!dup)
			r->folios[r->nfolios++] = xstrdup(f);
	}
}

/* bz_apertura_text_names - does a signed text agree with the folio? */
int
bz_apertura_text_names(const char *text, size_t len, const char *folio)
{
	const char *p = text, *end = text + len;
	int others = 0;

	for (; end - p >= BZ_APERTURA_FOLIO_LEN; p++) {
		if (p[0] != 'N' || p[1] != 'T' || p[2] != '-' ||
		    (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '-')) ||
		    !bz_apertura_folio_ok(p, BZ_APERTURA_FOLIO_LEN) ||
		    (end - p > BZ_APERTURA_FOLIO_LEN &&
		    (isalnum((unsigned char)p[BZ_APERTURA_FOLIO_LEN]) ||
		    p[BZ_APERTURA_FOLIO_LEN] == '-')))
			continue;
		if (memcmp(p, folio, BZ_APERTURA_FOLIO_LEN) == 0)
			return 1;
		others = 1;
	}
	return others ? -1 : 0;
}

/* bz_apertura_refs_scan - the candidates of a message */
void
bz_apertura_refs_scan(const unsigned char *msg, size_t len, struct bz_apertura_refs *r)
{
	struct span s;
	const char *p;
	char *v;
	size_t n = 0;

	memset(r, 0, sizeof(*r));
	if ((v = bz_mime_header_value(msg, len, "In-Reply-To")) != NULL) {
		for (p = v; n < IRT_MAX && next_msgid(&p, &s); n++)
			add_msgid(r, &s);
		free(v);
	}
	if ((v = bz_mime_header_value(msg, len, "References")) != NULL) {
		scan_references(r, v);
		free(v);
	}
	if ((v = bz_mime_subject(msg, len)) != NULL) {
		scan_folios(r, v);
		free(v);
	}
}

/* bz_apertura_refs_free - release the candidates */
void
bz_apertura_refs_free(struct bz_apertura_refs *r)
{
	for (size_t i = 0; i < r->nmsgids; i++)
		free(r->msgids[i]);
	for (size_t i = 0; i < r->nfolios; i++)
		free(r->folios[i]);
	memset(r, 0, sizeof(*r));
}
