/*
 * test_receipt_pdf - the printable acuse: VerifyURL, the QR payload and
 * the PDF drawing (core/receipt_qr.c, core/receipt_pdf.c)
 *
 * The record here is filled by hand with a stand-in sello (the PDF prints
 * the sello, it does not check it: tests/receipt/pdf.sh prints real
 * sealed acuses and reads them back with pdftotext and zbarimg).
 */
#include <stdlib.h>
#include <string.h>

#include "buzon/digest.h"
#include "buzon/receipt.h"
#include "buzon/receipt_pdf.h"
#include "suites.h"

#define HASH_A	"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define URL	"https://buzon.imss.test/verifica/{folio}"

/* record - a sealed-looking record; nparts documents */
static void
record(struct bz_receipt *r, size_t nparts)
{
	struct bz_buf sello = BZ_BUF_INIT;

	bz_receipt_init(r);
	bz_receipt_set(&r->folio, "BZ-2026-00000042");
	bz_receipt_set(&r->event, BZ_RECEIPT_EVENT_SUBMISSION);
	bz_receipt_set(&r->rfc, "EBU200101AB8");
	bz_receipt_set(&r->name, "EMPRESA BUZÓN SA DE CV");
	bz_receipt_set(&r->no_certificado, "30001000000700000002");
	bz_receipt_set(&r->cert_sha256, HASH_A);
	bz_receipt_set_outcome(r, BZ_CHECK_PASS, BZ_CHECK_PASS, BZ_CHECK_PASS,
	    BZ_VERDICT_ACCEPTED);
	bz_receipt_set(&r->message_sha256, HASH_A);
	for (size_t i = 0; i < nparts; i++)
		bz_receipt_add_part(r, "escrito.pdf", "application/pdf", 1234 + i, HASH_A);
	bz_receipt_set(&r->arrival_utc, "2026-06-06T18:00:00Z");
	bz_receipt_set(&r->arrival_local, "2026-06-06T12:00:00-06:00");
	bz_receipt_set(&r->legal_utc, "2026-06-08T06:00:00Z");
	bz_receipt_set(&r->legal_local, "2026-06-08T00:00:00-06:00");
	bz_receipt_set(&r->legal_rule, "submission.next-working-day");
	bz_receipt_set(&r->calendar_version, "sha256:none");
	bz_receipt_set(&r->institution_no_certificado, "2");
	for (int i = 0; i < 86; i++)
		bz_buf_puts(&sello, "Ab+/");
	bz_receipt_set(&r->sello, bz_buf_str(&sello));
	bz_buf_free(&sello);
}

START_TEST(test_verify_url)
{
	static const char *const bad[] = {
		"https://buzon.imss.test/verifica",		/* no {folio} */
		"https://x.test/{folio}/{folio}",		/* twice */
		"ftp://x.test/{folio}",				/* not http(s) */
		"buzon.imss.test/{folio}",
		"https://x.test/a b/{folio}",			/* a blank */
		"https://x.test/\x01/{folio}",
	};
	struct bz_buf u = BZ_BUF_INIT;

	ck_assert_ptr_null(bz_verify_url_check(URL));
	ck_assert_ptr_null(bz_verify_url_check("http://x.test/v?folio={folio}&x=1"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(bz_verify_url_check(bad[i]) != NULL, "accepted %s", bad[i]);
	bz_verify_url("http://x.test/v?folio={folio}&x=1", "BZ-2026-00000001", &u);
	ck_assert_str_eq(bz_buf_str(&u), "http://x.test/v?folio=BZ-2026-00000001&x=1");
	bz_buf_free(&u);
}
END_TEST

START_TEST(test_qr_payload_round_trip)
{
	struct bz_receipt r;
	struct bz_receipt_qr qr;
	struct bz_buf p = BZ_BUF_INIT, url = BZ_BUF_INIT, err = BZ_BUF_INIT, c = BZ_BUF_INIT;
	char hex[65], want[512];

	record(&r, 1);
	bz_verify_url(URL, r.folio, &url);
	bz_receipt_qr_payload(&r, bz_buf_str(&url), &p);
	bz_receipt_cadena(&r, &c);
	bz_sha256_hex(c.data, c.len, hex);
	snprintf(want, sizeof(want), "BZ-ACUSE 1\nfolio=BZ-2026-00000042\n"
	    "rfc=EBU200101AB8\nsha256=%s\n"
	    "url=https://buzon.imss.test/verifica/BZ-2026-00000042", hex);
	ck_assert_str_eq(bz_buf_str(&p), want);
	/* As a QR reader gives it back, with a trailing newline. */
	bz_buf_putc(&p, '\n');
	ck_assert_int_eq(bz_receipt_qr_parse(&qr, p.data, p.len, &err), 0);
	ck_assert_int_eq(bz_receipt_qr_match(&qr, &r, bz_buf_str(&url), &err), 0);
	ck_assert_int_eq(bz_receipt_qr_match(&qr, &r, NULL, &err), 0);

	/* Every field the QR code names is compared. */
	bz_receipt_set(&r.folio, "BZ-2026-00000043");
	ck_assert_int_eq(bz_receipt_qr_match(&qr, &r, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&err), "folio"));
	bz_receipt_set(&r.folio, "BZ-2026-00000042");
	bz_buf_reset(&err);
	bz_receipt_set(&r.rfc, "XAXX010101000");
	ck_assert_int_eq(bz_receipt_qr_match(&qr, &r, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&err), "RFC"));
	bz_receipt_set(&r.rfc, "EBU200101AB8");
	bz_buf_reset(&err);
	bz_receipt_set(&r.verdict, "rejected");		/* any field of the cadena */
	ck_assert_int_eq(bz_receipt_qr_match(&qr, &r, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&err), "SHA-256"));
	bz_receipt_set(&r.verdict, "accepted");
	bz_buf_reset(&err);
	ck_assert_int_eq(bz_receipt_qr_match(&qr, &r,
	    "https://otro.example/BZ-2026-00000042", &err), -1);
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&err), "verification address"));
	bz_receipt_qr_free(&qr);

	/* Without the configured address, the address must name the folio. */
	bz_buf_reset(&p);
	bz_receipt_qr_payload(&r, "https://otro.example/x", &p);
	ck_assert_int_eq(bz_receipt_qr_parse(&qr, p.data, p.len, &err), 0);
	bz_buf_reset(&err);
	ck_assert_int_eq(bz_receipt_qr_match(&qr, &r, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&err), "does not name the folio"));
	bz_receipt_qr_free(&qr);

	/* A value cannot add a line: normalised like the cadena. */
	bz_receipt_set(&r.rfc, "EBU200101AB8\nurl=https://evil.example/");
	bz_buf_reset(&p);
	bz_receipt_qr_payload(&r, bz_buf_str(&url), &p);
	ck_assert_int_eq(bz_receipt_qr_parse(&qr, p.data, p.len, &err), 0);
	ck_assert_str_eq(qr.rfc, "EBU200101AB8 url=https://evil.example/");
	ck_assert_str_eq(qr.url, "https://buzon.imss.test/verifica/BZ-2026-00000042");
	bz_receipt_qr_free(&qr);

	bz_receipt_free(&r);
	bz_buf_free(&p);
	bz_buf_free(&url);
	bz_buf_free(&err);
	bz_buf_free(&c);
}
END_TEST

START_TEST(test_qr_parse_refusals)
{
	static const char *const bad[] = {
		"",
		"hello",
		"BZ-ACUSE 2\nfolio=a\nrfc=b\nsha256=c\nurl=d",
		"BZ-ACUSE 1\nfolio=a\nrfc=b\nsha256=c",			/* a line short */
		"BZ-ACUSE 1\nfolio=a\nrfc=b\nsha256=c\nurl=d\nx=e",	/* one too many */
		"BZ-ACUSE 1\nrfc=b\nfolio=a\nsha256=c\nurl=d",		/* order */
		"BZ-ACUSE 1\nfolio=\nrfc=b\nsha256=c\nurl=d",		/* empty value */
		"BZ-ACUSE 1\nfolio a\nrfc=b\nsha256=c\nurl=d",
		"BZ-ACUSE 1\nfolio=a\nrfc=b\nsha256=c\nurl=d\n\n",
	};
	struct bz_receipt_qr qr;
	struct bz_buf err = BZ_BUF_INIT;
	const char nul[] = "BZ-ACUSE 1\nfolio=a\0b\nrfc=b\nsha256=c\nurl=d";

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bz_buf_reset(&err);
		ck_assert_msg(bz_receipt_qr_parse(&qr, bad[i], strlen(bad[i]), &err) == -1,
		    "accepted case %zu", i);
		ck_assert(err.len > 0);
		ck_assert_ptr_null(qr.folio);
	}
	ck_assert_int_eq(bz_receipt_qr_parse(&qr, nul, sizeof(nul) - 1, &err), -1);
	bz_buf_free(&err);
}
END_TEST

/* count - occurrences of needle in the buffer */
static size_t
count(const struct bz_buf *b, const char *needle)
{
	size_t n = 0, k = strlen(needle);

	for (size_t i = 0; i + k <= b->len; i++)
		if (memcmp(b->data + i, needle, k) == 0)
			n++;
	return n;
}

START_TEST(test_pdf_render)
{
	struct bz_receipt r;
	struct bz_buf a = BZ_BUF_INIT, b = BZ_BUF_INIT, err = BZ_BUF_INIT;
	struct bz_buf name = BZ_BUF_INIT;

	/* Sixty documents and a name of 400 characters without a blank: many
	 * pages, and a word longer than a line. */
	record(&r, 60);
	for (int i = 0; i < 40; i++)
		bz_buf_puts(&name, "ÑANDÚPEÑAS");
	bz_receipt_set(&r.name, bz_buf_str(&name));
	ck_assert_int_eq(bz_receipt_pdf(&r, URL, &a, &err), 0);
	ck_assert_int_eq(bz_receipt_pdf(&r, URL, &b, &err), 0);
	ck_assert(a.len > 1000 && memcmp(a.data, "%PDF-1.5", 8) == 0);
	ck_assert_msg(a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
	    "two renderings differ");
	ck_assert_msg(count(&a, "/Type /Page\n") + count(&a, "/Type /Page ") >= 4,
	    "expected four pages or more");
	ck_assert_uint_eq(count(&a, "/MediaBox [ 0 0 612 792 ]"), count(&a, "/Type /Page\n") +
	    count(&a, "/Type /Page "));
	/* The legal instant (cairo 1.16 leaves out the "D:" prefix). */
	ck_assert_uint_eq(count(&a, "/CreationDate (D:20260608060000") +
	    count(&a, "/CreationDate (20260608060000"), 1);
	ck_assert_uint_eq(count(&a, "/ModDate (D:20260608060000") +
	    count(&a, "/ModDate (20260608060000"), 1);
	ck_assert_uint_ge(count(&a, "DejaVuSans"), 1);
	ck_assert_uint_ge(count(&a, "DejaVuSansMono"), 1);

	/* A notificacion draws too (its own labels in the text). */
	bz_receipt_set(&r.event, "notificacion");
	bz_buf_reset(&b);
	ck_assert_int_eq(bz_receipt_pdf(&r, URL, &b, &err), 0);
	ck_assert(b.len > 1000 && (b.len != a.len || memcmp(a.data, b.data, a.len) != 0));
	bz_receipt_set(&r.event, BZ_RECEIPT_EVENT_SUBMISSION);

	/* Refusals: no VerifyURL, a bad one, an unsealed record. */
	bz_buf_reset(&a);
	ck_assert_int_eq(bz_receipt_pdf(&r, NULL, &a, &err), -1);
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&err), "VerifyURL"));
	bz_buf_reset(&err);
	ck_assert_int_eq(bz_receipt_pdf(&r, "https://x.test/", &a, &err), -1);
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&err), "{folio}"));
	bz_buf_reset(&err);
	bz_receipt_set(&r.sello, NULL);
	ck_assert_int_eq(bz_receipt_pdf(&r, URL, &a, &err), -1);
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&err), "not sealed"));
	ck_assert_uint_eq(a.len, 0);

	bz_receipt_free(&r);
	bz_buf_free(&a);
	bz_buf_free(&b);
	bz_buf_free(&err);
	bz_buf_free(&name);
	bz_receipt_pdf_library_end();
}
END_TEST

Suite *
suite_receipt_pdf(void)
{
	Suite *s = suite_create("receipt_pdf");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_verify_url);
	tcase_add_test(tc, test_qr_payload_round_trip);
	tcase_add_test(tc, test_qr_parse_refusals);
	tcase_add_test(tc, test_pdf_render);
	suite_add_tcase(s, tc);
	return s;
}
