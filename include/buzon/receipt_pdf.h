/*
 * receipt_pdf - the printable acuse: a Letter-size PDF with the Spanish
 *		 text, the cadena original, the sello and a QR code
 *
 * The PDF is one more rendering of struct bz_receipt, like the XML and
 * the Spanish text: it draws bz_receipt_text() (which walks the field
 * table of core/receipt_fields.c, and ends with the cadena original and
 * the sello) wrapped to the page, on as many pages as it needs, with a
 * QR code on the first page.
 *
 * The QR code holds the payload below (UTF-8, LF-separated, no trailing
 * LF), every value normalised (bz_receipt_normalize), so no value can add
 * a line:
 *
 *	BZ-ACUSE 1
 *	folio=BZ-2026-00000001
 *	rfc=PEGJ800101AB3
 *	sha256=<hex SHA-256 of the cadena original>
 *	url=<VerifyURL with {folio} replaced by the folio>
 *
 * Deterministic: the same record and URL give the same bytes (with the
 * same cairo): the PDF's creation and modification dates are the acuse's
 * own legal instant (else its arrival), and the fonts are DejaVu Sans and
 * DejaVu Sans Mono (fonts-dejavu-core), looked up by name through
 * fontconfig; rendering fails when fontconfig resolves them to another
 * family rather than silently printing with whatever font is there.
 *
 * core/receipt_qr.c has the payload and the URL template (no external
 * library); core/receipt_pdf.c the drawing (cairo, libqrencode, kept in
 * libbuzon_pdf.a so only buzonctl links them).
 *
 * Functions returning int give 0 on success and -1 with one English line
 * in err. Memory exhaustion ends the process (xalloc).
 */
#ifndef BUZON_RECEIPT_PDF_H
#define BUZON_RECEIPT_PDF_H

#include "buzon/buf.h"

struct bz_receipt;

/* The placeholder VerifyURL must contain exactly once. */
#define BZ_VERIFY_URL_FOLIO	"{folio}"
#define BZ_RECEIPT_QR_MAGIC	"BZ-ACUSE 1"

/* The parsed QR payload; each string owned (xstrdup). */
struct bz_receipt_qr {
	char	*folio;
	char	*rfc;
	char	*sha256;
	char	*url;
};

/* NULL when tmpl is a usable VerifyURL, else why not (a constant). */
const char *bz_verify_url_check(const char *tmpl);
/* Append tmpl with BZ_VERIFY_URL_FOLIO replaced by the folio. */
void	bz_verify_url(const char *tmpl, const char *folio, struct bz_buf *out);

/* Append the QR payload of r (url: the expanded VerifyURL). */
void	bz_receipt_qr_payload(const struct bz_receipt *r, const char *url,
	    struct bz_buf *out);
/* Parse a payload (as a QR reader gives it, one trailing LF allowed). */
int	bz_receipt_qr_parse(struct bz_receipt_qr *qr, const char *text, size_t len,
	    struct bz_buf *err);
void	bz_receipt_qr_free(struct bz_receipt_qr *qr);
/*
 * Compare a decoded payload with r: folio, RFC and the SHA-256 of r's
 * cadena must be equal; the URL must equal url when url is not NULL,
 * else it must contain the folio. 0 when they match, -1 and the first
 * difference in err.
 */
int	bz_receipt_qr_match(const struct bz_receipt_qr *qr, const struct bz_receipt *r,
	    const char *url, struct bz_buf *err);

/* Render r (sealed) as a PDF; verify_url is the VerifyURL template. */
int	bz_receipt_pdf(const struct bz_receipt *r, const char *verify_url,
	    struct bz_buf *out, struct bz_buf *err);
/* Release cairo's and fontconfig's process-wide caches: once, before
 * exit, when no thread is drawing (keeps leak checkers quiet). */
void	bz_receipt_pdf_library_end(void);

#endif
