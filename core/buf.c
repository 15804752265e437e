/*
 * buf - growable, length-carrying byte strings
 *
 * See include/buzon/buf.h. Growth is geometric; allocation failure ends
 * the process through xalloc.
 */
#include "build-aux/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/xalloc.h"

/* bz_buf_init - empty buffer, no allocation yet */
void
bz_buf_init(struct bz_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

/* bz_buf_free - release storage and return to the empty state */
void
bz_buf_free(struct bz_buf *b)
{
	free(b->data);
	bz_buf_init(b);
}

/* bz_buf_reset - keep storage, forget contents */
void
bz_buf_reset(struct bz_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* bz_buf_reserve - make room for extra bytes plus the terminator */
void
bz_buf_reserve(struct bz_buf *b, size_t extra)
{
	size_t need, cap;

	if (extra > (size_t)-1 - b->len - 1)
		abort();	/* a length that cannot exist: programmer error */
	need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

/* bz_buf_append - append n bytes */
void
bz_buf_append(struct bz_buf *b, const void *p, size_t n)
{
	bz_buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* bz_buf_puts - append a NUL-terminated string */
void
bz_buf_puts(struct bz_buf *b, const char *s)
{
	bz_buf_append(b, s, strlen(s));
}

/* bz_buf_putc - append one byte */
void
bz_buf_putc(struct bz_buf *b, char c)
{
	bz_buf_append(b, &c, 1);
}

/* bz_buf_vprintf - append formatted text */
void
bz_buf_vprintf(struct bz_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		abort();
	bz_buf_reserve(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

/* bz_buf_printf - append formatted text */
void
bz_buf_printf(struct bz_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bz_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* bz_buf_str - the contents as a C string (never NULL) */
const char *
bz_buf_str(const struct bz_buf *b)
{
	return b->data ? b->data : "";
}

/* bz_buf_steal - hand the storage to the caller; the buffer becomes empty */
char *
bz_buf_steal(struct bz_buf *b)
{
	char *s;

	if (b->data == NULL)
		return xstrdup("");
	s = b->data;
	bz_buf_init(b);
	return s;
}

/* bz_buf_append_crlf - append with LF made CRLF (a CR already before it kept) */
void
bz_buf_append_crlf(struct bz_buf *b, const void *p, size_t n)
{
	const unsigned char *in = p;
	size_t from = 0;

	bz_buf_reserve(b, n + n / 32 + 2);
	for (size_t i = 0; i < n; i++) {
		if (in[i] != '\n' || (i > 0 && in[i - 1] == '\r'))
			continue;
		bz_buf_append(b, in + from, i - from);
		bz_buf_append(b, "\r\n", 2);
		from = i + 1;
	}
	bz_buf_append(b, in + from, n - from);
}

/* bz_buf_read_file - append a whole file of at most max bytes */
int
bz_buf_read_file(struct bz_buf *b, const char *path, size_t max)
{
	FILE *fp = path == NULL ? stdin : fopen(path, "rb");
	size_t start = b->len, n;
	char chunk[65536];
	int e = 0;

	if (fp == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		bz_buf_append(b, chunk, n);
		if (b->len - start > max) {
			e = EFBIG;
			break;
		}
	}
	if (e == 0 && ferror(fp))
		e = EIO;
	if (fp != stdin)
		fclose(fp);
	errno = e;
	return e ? -1 : 0;
}
