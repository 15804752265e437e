/*
 * xalloc - memory allocation that succeeds or ends the process
 *
 * See include/buzon/xalloc.h. Failure writes one line to stderr and
 * aborts; no allocation result ever needs a NULL check.
 */
#include "build-aux/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/xalloc.h"

/* out_of_memory - the one place that gives up */
static void __attribute__((noreturn))
out_of_memory(size_t size)
{
	fprintf(stderr, "buzon: out of memory allocating %zu bytes\n", size);
	abort();
}

/* xmalloc - malloc that never returns NULL (size 0 yields a unique pointer) */
void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		out_of_memory(size);
	return p;
}

/* xcalloc - zeroed allocation, overflow-checked */
void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		out_of_memory(nmemb * size);
	return p;
}

/* xrealloc - realloc that never returns NULL */
void *
xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (p == NULL)
		out_of_memory(size);
	return p;
}

/* xstrdup - copy a NUL-terminated string */
char *
xstrdup(const char *s)
{
	return xmemdup(s, strlen(s) + 1);
}

/* xstrndup - copy at most n bytes of s and terminate */
char *
xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* xmemdup - copy n bytes */
void *
xmemdup(const void *src, size_t n)
{
	void *p = xmalloc(n);

	if (n)
		memcpy(p, src, n);
	return p;
}

/* xasprintf - formatted string in fresh memory */
char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		out_of_memory(0);
	return s;
}
