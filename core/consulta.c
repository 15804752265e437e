/*
 * consulta - reading a CONSULTA: the Subject word and the signed folio
 *
 * Pure parsing, no store (include/buzon/consulta.h). A folio is printed by
 * the store in upper case letters, digits and dashes; anything else cannot
 * be one of ours and is not looked up.
 */
#include "build-aux/config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buzon/consulta.h"
#include "buzon/subject.h"
#include "buzon/xalloc.h"

/* folio_ok - the folio alphabet and length */
static int
folio_ok(const char *s, size_t n)
{
	if (n == 0 || n > BZ_CONSULTA_FOLIO_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) &&
		    s[i] != '-')
			return 0;
	return 1;
}

/* bz_consulta_subject - CONSULTA and its second word */
int
bz_consulta_subject(const char *subject, char **folio)
{
	const char *w;
	size_t n;

	*folio = NULL;
	if (!bz_subject_command(subject, "consulta", &w, &n))
		return 0;
	if (n > 0)
		*folio = xstrndup(w, n);
	return 1;
}

/* bz_consulta_signed_folio - the one "Folio:" line of the signed text */
char *
bz_consulta_signed_folio(const char *text, size_t len)
{
	const char *p = text, *end = text + len, *eol, *vs, *ve;
	char *found = NULL;
	int n = 0, bad = 0;

	while (p < end) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		if (eol - p > 6 && strncasecmp(p, "folio:", 6) == 0) {
			vs = p + 6;
			ve = eol;
			while (vs < ve && (*vs == ' ' || *vs == '\t'))
				vs++;
			while (ve > vs && (ve[-1] == '\r' || ve[-1] == ' ' ||
			    ve[-1] == '\t'))
				ve--;
			if (n++ == 0 && folio_ok(vs, (size_t)(ve - vs)))
				found = xstrndup(vs, (size_t)(ve - vs));
			else
				bad = 1;
		}
		p = eol + 1;
	}
	if (bad) {
		free(found);
		return NULL;
	}
	return found;
}
