/*
 * receipt_qr - what the QR code of the printable acuse says, and the
 *		VerifyURL template it names
 *
 * The payload format is in include/buzon/receipt_pdf.h. It is written
 * here and read back here (by buzonctl receipt verify --pdf, from what a
 * QR reader decoded), so the two cannot disagree. No external library:
 * this file is in libbuzon.a, the drawing is in receipt_pdf.c.
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>

#include "buzon/digest.h"
#include "buzon/receipt.h"
#include "buzon/receipt_pdf.h"
#include "buzon/xalloc.h"

/* bz_verify_url_check - NULL when tmpl is an http(s) URL with one {folio} */
const char *
bz_verify_url_check(const char *tmpl)
{
	const char *p;

	if (strncmp(tmpl, "http://", 7) != 0 && strncmp(tmpl, "https://", 8) != 0)
		return "expected an http:// or https:// URL";
	if ((p = strstr(tmpl, BZ_VERIFY_URL_FOLIO)) == NULL)
		return "the URL must contain " BZ_VERIFY_URL_FOLIO
		    " where the folio goes";
	if (strstr(p + 1, BZ_VERIFY_URL_FOLIO) != NULL)
		return "the URL must contain " BZ_VERIFY_URL_FOLIO " only once";
	/* The payload is one line per value: the URL cannot hold a blank
	 * or a control character (the config parser keeps inner blanks). */
	for (p = tmpl; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return "the URL must not contain blanks or control characters";
	return NULL;
}

/* bz_verify_url - tmpl with the placeholder replaced by the folio */
void
bz_verify_url(const char *tmpl, const char *folio, struct bz_buf *out)
{
	const char *p = strstr(tmpl, BZ_VERIFY_URL_FOLIO);
	struct bz_buf f = BZ_BUF_INIT;

	if (p == NULL) {
		bz_buf_puts(out, tmpl);
		return;
	}
	bz_receipt_normalize(&f, folio);
	bz_buf_append(out, tmpl, (size_t)(p - tmpl));
	bz_buf_puts(out, bz_buf_str(&f));
	bz_buf_puts(out, p + strlen(BZ_VERIFY_URL_FOLIO));
	bz_buf_free(&f);
}

/* put_value - "name=value\n" with the value normalised */
static void
put_value(struct bz_buf *out, const char *name, const char *value, int last)
{
	struct bz_buf v = BZ_BUF_INIT;

	bz_receipt_normalize(&v, value);
	bz_buf_printf(out, "%s=%s%s", name, bz_buf_str(&v), last ? "" : "\n");
	bz_buf_free(&v);
}

/* cadena_sha256 - hex SHA-256 of the cadena original of r */
static void
cadena_sha256(const struct bz_receipt *r, char hex[65])
{
	struct bz_buf c = BZ_BUF_INIT;

	bz_receipt_cadena(r, &c);
	bz_sha256_hex(c.data ? c.data : "", c.len, hex);
	bz_buf_free(&c);
}

/* bz_receipt_qr_payload - the text the QR code encodes */
void
bz_receipt_qr_payload(const struct bz_receipt *r, const char *url, struct bz_buf *out)
{
	char hex[65];

	cadena_sha256(r, hex);
	bz_buf_puts(out, BZ_RECEIPT_QR_MAGIC "\n");
	put_value(out, "folio", r->folio, 0);
	put_value(out, "rfc", r->rfc, 0);
	put_value(out, "sha256", hex, 0);
	put_value(out, "url", url, 1);
}

/* bz_receipt_qr_free - release a parsed payload */
void
bz_receipt_qr_free(struct bz_receipt_qr *qr)
{
	free(qr->folio);
	free(qr->rfc);
	free(qr->sha256);
	free(qr->url);
	memset(qr, 0, sizeof(*qr));
}

/* bz_receipt_qr_parse - the five lines, in order, nothing else */
int
bz_receipt_qr_parse(struct bz_receipt_qr *qr, const char *text, size_t len,
    struct bz_buf *err)
{
	static const char *const names[] = { "folio", "rfc", "sha256", "url" };
	char **slots[] = { &qr->folio, &qr->rfc, &qr->sha256, &qr->url };
	const char *p = text, *end = text + len, *nl;
	size_t i, n;

	memset(qr, 0, sizeof(*qr));
	if (len > 0 && text[len - 1] == '\n')
		end--;
	if (memchr(text, '\0', (size_t)(end - text)) != NULL) {
		bz_buf_puts(err, "the QR code holds a NUL byte");
		return -1;
	}
	for (i = 0; i <= 4; i++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if ((i < 4) != (nl < end) || p > end) {
			bz_buf_puts(err, "the QR code does not hold the five lines of an acuse");
			goto fail;
		}
		n = (size_t)(nl - p);
		if (i == 0) {
			if (n != strlen(BZ_RECEIPT_QR_MAGIC) ||
			    memcmp(p, BZ_RECEIPT_QR_MAGIC, n) != 0) {
				bz_buf_puts(err, "the QR code is not a buzon-milter acuse ("
				    BZ_RECEIPT_QR_MAGIC " line missing)");
				goto fail;
			}
		} else {
			size_t k = strlen(names[i - 1]);

			if (n <= k + 1 || memcmp(p, names[i - 1], k) != 0 || p[k] != '=') {
				bz_buf_printf(err, "line %zu of the QR code is not %s=VALUE",
				    i + 1, names[i - 1]);
				goto fail;
			}
			*slots[i - 1] = xstrndup(p + k + 1, n - k - 1);
		}
		p = nl + 1;
	}
	return 0;
fail:
	bz_receipt_qr_free(qr);
	return -1;
}

/* differ - report one field that does not match; 1 when it differs */
static int
differ(const char *what, const char *in_qr, const char *want, struct bz_buf *err)
{
	if (strcmp(in_qr, want) == 0)
		return 0;
	bz_buf_printf(err, "the QR code's %s \"%s\" differs from the acuse's \"%s\"",
	    what, in_qr, want);
	return 1;
}

/* bz_receipt_qr_match - the decoded payload says what the record says */
int
bz_receipt_qr_match(const struct bz_receipt_qr *qr, const struct bz_receipt *r,
    const char *url, struct bz_buf *err)
{
	struct bz_buf folio = BZ_BUF_INIT, rfc = BZ_BUF_INIT;
	char hex[65];
	int bad;

	bz_receipt_normalize(&folio, r->folio);
	bz_receipt_normalize(&rfc, r->rfc);
	cadena_sha256(r, hex);
	bad = differ("folio", qr->folio, bz_buf_str(&folio), err) ||
	    differ("RFC", qr->rfc, bz_buf_str(&rfc), err) ||
	    differ("SHA-256 of the cadena original", qr->sha256, hex, err);
	if (!bad && url != NULL)
		bad = differ("verification address", qr->url, url, err);
	else if (!bad && (folio.len == 0 || strstr(qr->url, bz_buf_str(&folio)) == NULL)) {
		bz_buf_printf(err, "the QR code's verification address \"%s\" does not "
		    "name the folio %s", qr->url, bz_buf_str(&folio));
		bad = 1;
	}
	bz_buf_free(&folio);
	bz_buf_free(&rfc);
	return bad ? -1 : 0;
}
