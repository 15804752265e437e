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

/* bz_receipt_cadena - "||v1|v2|...||" in the documented order */
void
bz_receipt_cadena(const struct bz_receipt *r, struct bz_buf *out)
{
	bz_buf_puts(out, "||");
	put_field(out, r->version);
	put_field(out, r->folio);
	put_field(out, r->event);
	put_field(out, r->rfc);
	put_field(out, r->name);
	put_field(out, r->curp);
	put_field(out, r->rfc_representante);
	put_field(out, r->curp_representante);
	put_field(out, r->no_certificado);
	put_field(out, r->cert_sha256);
	put_field(out, r->integrity);
	put_field(out, r->trust);
	put_field(out, r->identity);
	put_field(out, r->verdict);
	put_field(out, r->message_id);
	put_field(out, r->subject);
	put_field(out, r->message_sha256);
	put_number(out, r->nparts);
	for (size_t i = 0; i < r->nparts; i++) {
		put_field(out, r->parts[i].name);
		put_field(out, r->parts[i].content_type);
		put_number(out, r->parts[i].size);
		put_field(out, r->parts[i].sha256);
	}
	put_field(out, r->arrival_utc);
	put_field(out, r->arrival_local);
	put_field(out, r->legal_utc);
	put_field(out, r->legal_local);
	put_field(out, r->legal_rule);
	/* Left out when absent, so the cadena of an acuse sealed before the
	 * rule set was recorded is still the one its sello covers. Removing
	 * them from a sealed acuse cannot keep its sello: two fewer fields,
	 * and the part count fixes every other field's place. */
	put_optional(out, r->legal_basis);
	put_optional(out, r->first_hour);
	put_field(out, r->calendar_version);
	put_field(out, r->institution_no_certificado);
	/* put_field left one "|": the closing "||" needs one more. */
	bz_buf_putc(out, '|');
}
