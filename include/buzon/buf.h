/*
 * buf - growable, length-carrying byte strings
 *
 * Used for every piece of data a sender or a file controls: no fixed-size
 * buffers. The data is always NUL-terminated past len for convenience, but
 * len is authoritative (mail may carry NUL bytes).
 *
 * bz_buf_append_crlf() appends bytes with every LF that has no CR before
 * it made CRLF, as an MTA stores and relays mail (a bare CR is kept).
 *
 * bz_buf_read_file() appends a whole file (path NULL: standard input,
 * left open) of at most max bytes; -1 with errno on failure: that of
 * fopen, EFBIG past max, EIO for a read error. What was read before a
 * failure stays appended.
 *
 * Error reasons (the one convention of the tree): a function that can
 * fail takes `struct bz_buf *err` and, on failure, APPENDS one English
 * line saying why; it never resets the caller's buffer, and writes nothing
 * on success. A caller passes an empty buffer, or resets one it reuses
 * before the next call; it may also prefix context of its own
 * ("acuse signer: " then the callee's reason). Helpers that describe an
 * error (bz_receipt_ossl_error) follow the same rule.
 */
#ifndef BUZON_BUF_H
#define BUZON_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct bz_buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

#define BZ_BUF_INIT { NULL, 0, 0 }

void	 bz_buf_init(struct bz_buf *b);
void	 bz_buf_free(struct bz_buf *b);
void	 bz_buf_reset(struct bz_buf *b);
void	 bz_buf_reserve(struct bz_buf *b, size_t extra);
void	 bz_buf_append(struct bz_buf *b, const void *p, size_t n);
void	 bz_buf_append_crlf(struct bz_buf *b, const void *p, size_t n);
void	 bz_buf_puts(struct bz_buf *b, const char *s);
void	 bz_buf_putc(struct bz_buf *b, char c);
void	 bz_buf_printf(struct bz_buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 bz_buf_vprintf(struct bz_buf *b, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
const char *bz_buf_str(const struct bz_buf *b);
char	*bz_buf_steal(struct bz_buf *b);
int	 bz_buf_read_file(struct bz_buf *b, const char *path, size_t max);

#endif
