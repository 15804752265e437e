/*
 * utf8 - decoding UTF-8, and printing untrusted text safely
 *
 * Names in certificates, Message-IDs, file names and every other value a
 * sender controls may hold any bytes: ESC sequences that drive a terminal,
 * newlines that start a fake line of a report or a log, bytes that are not
 * UTF-8. Whatever prints such a value as text goes through
 * bz_text_escape() (JSON output through buzon/json.h instead).
 *
 *   bz_utf8_next()	one well-formed sequence (RFC 3629: no overlongs,
 *			surrogates or values past U+10FFFF), or 0.
 *   bz_utf8_valid()	the whole string is well-formed.
 *   bz_text_escape()	append a value with nothing in it that can change
 *			the layout of the output: backslash doubled, \n \r
 *			\t spelt so, other C0 controls, DEL and bytes that
 *			are not UTF-8 as \xHH, C1 controls, the line and
 *			paragraph separators and the bidirectional overrides
 *			as \uHHHH. Printable UTF-8 (Ñ, accents) is kept.
 *   bz_text_safe()	the same into a new string (xmalloc'ed).
 *
 * Failure: none; every input has an output. bz_text_safe(NULL) gives
 * "(null)"; bz_text_escape takes a length and is never given NULL.
 */
#ifndef BUZON_UTF8_H
#define BUZON_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "buzon/buf.h"

size_t	bz_utf8_next(const unsigned char *p, size_t n, uint32_t *cp);
int	bz_utf8_valid(const unsigned char *s, size_t n);
/*
 * bz_utf8_repair - a copy of s that is well-formed UTF-8: each stray byte
 * becomes U+FFFD. Text a sender controls (Subject, Message-ID, envelope
 * addresses, part names and types) is repaired once where a filing is
 * recorded (core/submission.c), so the record, its digests and the acuse
 * all hold the same text, and a PostgreSQL store (which refuses
 * ill-formed UTF-8 in text columns) files it too. Reports of a message
 * (buzonctl verify) still show the sender's bytes, escaped.
 */
char	*bz_utf8_repair(const char *s);
/* 1 for a code point that must not reach a terminal or log raw */
int	bz_text_is_control(uint32_t cp);
void	bz_text_escape(struct bz_buf *out, const char *s, size_t n);
char	*bz_text_safe(const char *s);

#endif
