/*
 * utf8 - decoding UTF-8, and printing untrusted text safely
 *
 * See include/buzon/utf8.h. The escapes are chosen so that the output is
 * plain printable text a reader can still decode: nothing a sender puts in
 * a certificate or a header can start a line, move the cursor or change
 * colours, and two different inputs never print the same.
 */
#include "build-aux/config.h"

#include <string.h>

#include "buzon/utf8.h"
#include "buzon/xalloc.h"

/* bz_utf8_next - decode one well-formed UTF-8 sequence; 0 when ill-formed */
size_t
bz_utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len;

	if (n == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		c = p[0] & 0x1f;
		len = 2;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		c = p[0] & 0x0f;
		len = 3;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		c = p[0] & 0x07;
		len = 4;
	} else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past Unicode are ill-formed. */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return len;
}

/* bz_utf8_valid - s[0..n) is well-formed UTF-8 */
int
bz_utf8_valid(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	for (size_t i = 0; i < n; i += len)
		if ((len = bz_utf8_next(s + i, n - i, &cp)) == 0)
			return 0;
	return 1;
}

/* bz_utf8_repair - s with each byte that is not part of a well-formed
 * UTF-8 sequence replaced by U+FFFD (NULL stays NULL); xfree'd by free() */
char *
bz_utf8_repair(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct bz_buf b = BZ_BUF_INIT;
	size_t n, len;
	uint32_t cp;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	for (size_t i = 0; i < n; i += len) {
		if ((len = bz_utf8_next(p + i, n - i, &cp)) == 0) {
			bz_buf_puts(&b, "\xef\xbf\xbd");
			len = 1;
		} else
			bz_buf_append(&b, p + i, len);
	}
	return bz_buf_steal(&b);
}

/* bz_text_is_control - C0, DEL, C1, LS/PS and the bidirectional
 * embeddings, overrides and isolates (they reorder what a reader sees) */
int
bz_text_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 ||
	    cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069);
}

/* bz_text_escape - append s[0..n) with its controls and bad bytes escaped */
void
bz_text_escape(struct bz_buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		if ((len = bz_utf8_next(p + i, n - i, &cp)) == 0) {
			bz_buf_printf(out, "\\x%02x", p[i]);
			i++;
			continue;
		}
		if (cp == '\\')
			bz_buf_puts(out, "\\\\");
		else if (cp == '\n')
			bz_buf_puts(out, "\\n");
		else if (cp == '\r')
			bz_buf_puts(out, "\\r");
		else if (cp == '\t')
			bz_buf_puts(out, "\\t");
		else if (cp < 0x20 || cp == 0x7f)
			bz_buf_printf(out, "\\x%02x", (unsigned)cp);
		else if (bz_text_is_control(cp))
			bz_buf_printf(out, "\\u%04x", (unsigned)cp);
		else
			bz_buf_append(out, p + i, len);
		i += len;
	}
	if (out->data == NULL)
		bz_buf_puts(out, "");
}

/* bz_text_safe - s escaped as bz_text_escape does, in a new string */
char *
bz_text_safe(const char *s)
{
	struct bz_buf b = BZ_BUF_INIT;

	if (s == NULL)
		return xstrdup("(null)");
	bz_text_escape(&b, s, strlen(s));
	return bz_buf_steal(&b);
}
