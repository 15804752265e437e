/*
 * receipt_cadena - canonical values and the cadena original of an acuse
 *
 * See include/buzon/receipt.h for the order of fields and the rules;
 * contrib/acuse.md explains them for people who verify an acuse by hand.
 * Pure functions: no allocation beyond the output buffer, no state.
 */
#include "build-aux/config.h"

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "buzon/receipt.h"
#include "buzon/utf8.h"

/* is_space_like - code points that become one ASCII space */
static int
is_space_like(uint32_t c)
{
	/* C0 controls, DEL, C1 controls (NEL among them), NBSP, LS, PS. */
	return c < 0x20 || c == ' ' || (c >= 0x7f && c <= 0xa0) ||
	    c == 0x2028 || c == 0x2029;
}

/*
 * bz_receipt_normalize - the canonical form of one value
 *
 * Invalid UTF-8 and the non-characters XML forbids become U+FFFD; controls
 * and white space runs become one space; no leading or trailing space.
 * NULL gives the empty string. Idempotent.
 */
void
bz_receipt_normalize(struct bz_buf *out, const char *value)
{
	const unsigned char *p = (const unsigned char *)value;
	size_t n = value ? strlen(value) : 0, i = 0, len;
	int pending_space = 0, started = 0, replace;
	uint32_t cp;

	while (i < n) {
		len = bz_utf8_next(p + i, n - i, &cp);
		replace = 0;
		if (len == 0) {
			cp = 0xfffd;
			len = 1;
			replace = 1;
		} else if (cp == 0xfffe || cp == 0xffff) {
			cp = 0xfffd;
			replace = 1;
		}
		if (is_space_like(cp)) {
			pending_space = started;
			i += len;
			continue;
		}
		if (pending_space)
			bz_buf_putc(out, ' ');
		pending_space = 0;
		started = 1;
		if (replace)
			bz_buf_puts(out, "\xef\xbf\xbd");
		else
			bz_buf_append(out, p + i, len);
		i += len;
	}
	if (out->data == NULL)
		bz_buf_puts(out, "");
}

/* put_field - one normalised, escaped value followed by "|" */
static void
put_field(struct bz_buf *out, const char *value)
{
	struct bz_buf norm = BZ_BUF_INIT;

	bz_receipt_normalize(&norm, value);
	for (size_t i = 0; i < norm.len; i++) {
		if (norm.data[i] == '|' || norm.data[i] == '\\')
			bz_buf_putc(out, '\\');
		bz_buf_putc(out, norm.data[i]);
	}
	bz_buf_putc(out, '|');
	bz_buf_free(&norm);
}

/*
 * put_optional - a field that acuses issued before it existed lack:
 * absent (NULL) leaves it out, separator and all, as the SAT's cadenas
 * leave out optional data; present, even empty, it is a field
 */
static void
put_optional(struct bz_buf *out, const char *value)
{
	if (value != NULL)
		put_field(out, value);
}

/* put_number - an unsigned decimal field */
static void
put_number(struct bz_buf *out, uint64_t v)
{
	bz_buf_printf(out, "%" PRIu64 "|", v);
}

/* put_parts - the number of parts, then each part's fields */
static void
put_parts(struct bz_buf *out, const struct bz_receipt *r)
{
	put_number(out, r->nparts);
	for (size_t i = 0; i < r->nparts; i++)
		for (size_t k = 0; k < bz_receipt_npart_fields; k++) {
			const struct bz_receipt_part_field *f = &bz_receipt_part_fields[k];

			if (f->number)
				put_number(out, r->parts[i].size);
			else
				put_field(out, bz_receipt_part_string(&r->parts[i], f));
		}
}

/* bz_receipt_cadena - "||v1|v2|...||" in the order of bz_receipt_fields[] */
void
bz_receipt_cadena(const struct bz_receipt *r, struct bz_buf *out)
{
	bz_buf_puts(out, "||");
	for (size_t i = 0; i < bz_receipt_nfields; i++) {
		const struct bz_receipt_field *f = &bz_receipt_fields[i];

		if (!(f->flags & BZ_RECEIPT_F_CADENA))
			continue;
		if (f->flags & BZ_RECEIPT_F_PARTS)
			put_parts(out, r);
		/* An optional field is left out when absent, so the cadena of
		 * an acuse sealed before the rule set was recorded is still
		 * the one its sello covers. Removing them from a sealed acuse
		 * cannot keep its sello: two fewer fields, and the part count
		 * fixes every other field's place. */
		else if (f->flags & BZ_RECEIPT_F_OPTIONAL)
			put_optional(out, bz_receipt_field_value(r, f));
		else
			put_field(out, bz_receipt_field_value(r, f));
	}
	/* put_field left one "|": the closing "||" needs one more. */
	bz_buf_putc(out, '|');
}
