/*
 * subject - a command word in a Subject and the word after it
 *
 * Shared by APERTURA (core/apertura.c) and CONSULTA (core/consulta.c),
 * which differ only in what the word after may be. The Subject is not
 * signed: these only route a message; what it may do is decided from the
 * signed content and the signer (see the callers).
 */
#include "build-aux/config.h"

#include <string.h>
#include <strings.h>

#include "buzon/subject.h"

/* bz_subject_command - keyword first, then one word */
int
bz_subject_command(const char *subject, const char *keyword, const char **arg,
    size_t *len)
{
	const char *p = subject, *w;
	size_t k = strlen(keyword);

	*arg = NULL;
	*len = 0;
	if (p == NULL)
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, keyword, k) != 0 || (p[k] != '\0' && p[k] != ' ' &&
	    p[k] != '\t' && p[k] != ':'))
		return 0;
	p += k;
	while (*p == ' ' || *p == '\t' || *p == ':')
		p++;
	for (w = p; *p != '\0' && *p != ' ' && *p != '\t'; p++)
		;
	*arg = w;
	*len = (size_t)(p - w);
	return 1;
}
