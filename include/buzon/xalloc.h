/*
 * xalloc - memory allocation that succeeds or ends the process
 *
 * Every allocator here either returns usable memory or logs and aborts:
 * callers never test for NULL. Out of memory in a mail filter is an
 * environment failure the MTA recovers from (milter_default_action =
 * tempfail), so dying loudly is safer than limping on.
 */
#ifndef BUZON_XALLOC_H
#define BUZON_XALLOC_H

#include <stddef.h>

void	*xmalloc(size_t size);
void	*xcalloc(size_t nmemb, size_t size);
void	*xrealloc(void *ptr, size_t size);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);
void	*xmemdup(const void *p, size_t n);
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
