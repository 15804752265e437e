/*
 * json - the one JSON writer
 *
 * See include/buzon/json.h. Strings are decoded as UTF-8 and re-encoded:
 * well-formed printable characters are copied, the characters JSON
 * requires escaped (and those a terminal or a log would act on) are
 * \u-escaped, and each byte that is not part of well-formed UTF-8 becomes
 * U+FFFD (RFC 8259 section 8.1: JSON text is UTF-8; a strict parser such
 * as Python's refuses anything else).
 */
#include "build-aux/config.h"

#include <inttypes.h>
#include <string.h>

#include "buzon/json.h"
#include "buzon/log.h"
#include "buzon/utf8.h"

/* bz_json_stringn - append s[0..len) as a quoted JSON string */
void
bz_json_stringn(struct bz_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t cp;

	bz_buf_putc(b, '"');
	while (i < len) {
		if ((n = bz_utf8_next(p + i, len - i, &cp)) == 0) {
			bz_buf_puts(b, "\\ufffd");
			i++;
			continue;
		}
		switch (cp) {
		case '"':  bz_buf_puts(b, "\\\""); break;
		case '\\': bz_buf_puts(b, "\\\\"); break;
		case '\n': bz_buf_puts(b, "\\n"); break;
		case '\r': bz_buf_puts(b, "\\r"); break;
		case '\t': bz_buf_puts(b, "\\t"); break;
		default:
			if (bz_text_is_control(cp))
				bz_buf_printf(b, "\\u%04x", (unsigned)cp);
			else
				bz_buf_append(b, p + i, n);
		}
		i += n;
	}
	bz_buf_putc(b, '"');
}

/* bz_json_string - append s as a quoted JSON string (NULL gives null) */
void
bz_json_string(struct bz_buf *b, const char *s)
{
	if (s == NULL)
		bz_buf_puts(b, "null");
	else
		bz_json_stringn(b, s, strlen(s));
}

/* bz_json_init - a writer appending to out */
void
bz_json_init(struct bz_json *j, struct bz_buf *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

/* member - the separator and name before a value at the current level */
static void
member(struct bz_json *j, const char *name)
{
	int d = j->depth;

	if (d > 0) {
		if ((j->close[d - 1] == '}') != (name != NULL))
			bz_panic("json: %s", name ? "a name inside an array" :
			    "a value without a name inside an object");
		if (j->used[d - 1])
			bz_buf_putc(j->out, ',');
		if (j->rows[d - 1])
			bz_buf_puts(j->out, "\n  ");
		else if (j->used[d - 1])
			bz_buf_putc(j->out, ' ');
		j->used[d - 1] = 1;
	} else if (name != NULL)
		bz_panic("json: a name outside any object");
	if (name != NULL) {
		bz_json_string(j->out, name);
		bz_buf_puts(j->out, ": ");
	}
}

/* open_level - begin an object or array */
static void
open_level(struct bz_json *j, const char *name, char open, char close, int rows)
{
	member(j, name);
	if (j->depth >= BZ_JSON_DEPTH)
		bz_panic("json: nested deeper than %d", BZ_JSON_DEPTH);
	bz_buf_putc(j->out, open);
	j->close[j->depth] = close;
	j->used[j->depth] = 0;
	j->rows[j->depth] = (unsigned char)rows;
	j->depth++;
}

/* bz_json_object - begin an object */
void
bz_json_object(struct bz_json *j, const char *name)
{
	open_level(j, name, '{', '}', 0);
}

/* bz_json_array - begin an array */
void
bz_json_array(struct bz_json *j, const char *name)
{
	open_level(j, name, '[', ']', 0);
}

/* bz_json_rows - begin an array laid out one element per line */
void
bz_json_rows(struct bz_json *j, const char *name)
{
	open_level(j, name, '[', ']', 1);
}

/* bz_json_end - close the innermost object or array */
void
bz_json_end(struct bz_json *j)
{
	if (j->depth == 0)
		bz_panic("json: an end without a begin");
	j->depth--;
	if (j->rows[j->depth])
		bz_buf_putc(j->out, '\n');
	bz_buf_putc(j->out, j->close[j->depth]);
}

/* bz_json_str - a string member or element (NULL: null) */
void
bz_json_str(struct bz_json *j, const char *name, const char *value)
{
	member(j, name);
	bz_json_string(j->out, value);
}

/* bz_json_strn - a string of known length (may hold NUL bytes) */
void
bz_json_strn(struct bz_json *j, const char *name, const char *value, size_t len)
{
	member(j, name);
	if (value == NULL)
		bz_buf_puts(j->out, "null");
	else
		bz_json_stringn(j->out, value, len);
}

/* bz_json_int - an integer member or element */
void
bz_json_int(struct bz_json *j, const char *name, int64_t value)
{
	member(j, name);
	bz_buf_printf(j->out, "%" PRId64, value);
}

/* bz_json_bool - true or false */
void
bz_json_bool(struct bz_json *j, const char *name, int value)
{
	member(j, name);
	bz_buf_puts(j->out, value ? "true" : "false");
}

/* bz_json_null - null */
void
bz_json_null(struct bz_json *j, const char *name)
{
	member(j, name);
	bz_buf_puts(j->out, "null");
}
