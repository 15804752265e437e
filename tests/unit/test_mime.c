/*
 * test_mime - finding the signed entity and its exact bytes
 *
 * RFC 1847 2.1 / RFC 2046 5.1.1: the signed content is the first body part
 * of multipart/signed exactly as transmitted; "the CRLF preceding the
 * boundary delimiter line is conceptually attached to the boundary". Mail
 * saved with LF is read as it travelled (CRLF). The messages are written
 * with "\n" and canonicalised by the module unless the case says CRLF.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/digest.h"
#include "buzon/mime.h"
#include "buzon/xalloc.h"
#include "suites.h"

/* "AAEC" = base64 of 00 01 02; "MIIB" decodes to 30 82 01 */
static const struct {
	const char	*name;
	const char	*msg;
	enum bz_mime_form form;
	const char	*content;	/* detached: exact signed bytes */
	const char	*cms_hex;	/* decoded CMS bytes (prefix), hex */
	int		 wrapped;
	const char	*reasons;	/* every code expected, space-separated */
} finds[] = {
	{ "detached, LF stored",
	  "From: a@b\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\";"
	  " micalg=sha-256; boundary=\"XX\"\n\n"
	  "preamble\n--XX\nContent-Type: text/plain\n\nhola\n\n--XX\n"
	  "Content-Type: application/pkcs7-signature\nContent-Transfer-Encoding: base64\n\n"
	  "AAEC\n--XX--\n",
	  BZ_MIME_DETACHED, "Content-Type: text/plain\r\n\r\nhola\r\n", "000102", 0, "" },
	{ "detached, CRLF as received, x-pkcs7-signature, padding after boundary",
	  "Content-Type: multipart/signed; protocol=\"application/x-pkcs7-signature\"; boundary=b\r\n\r\n"
	  "--b  \r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
	  "caf=C3=A9 =\r\nfin\r\n--b\t\r\nContent-Type: application/x-pkcs7-signature\r\n"
	  "Content-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b--\r\n",
	  BZ_MIME_DETACHED, "Content-Type: text/plain\r\nContent-Transfer-Encoding: "
	  "quoted-printable\r\n\r\ncaf=C3=A9 =\r\nfin", "000102", 0, "" },
	{ "boundary on a folded continuation line (Eudora 1996)",
	  "Mime-Version: 1.0\nContent-Type: multipart/signed; protocol=\"application/x-pkcs7-signature\";"
	  " micalg=rsa-sha1; boundary=\n \"---=_=_ 65 9 _=_=---\"\n\n"
	  "-----=_=_ 65 9 _=_=---\nhola\n-----=_=_ 65 9 _=_=---\n"
	  "Content-Transfer-Encoding: base64\n\nAAEC\n-----=_=_ 65 9 _=_=-----\n",
	  BZ_MIME_DETACHED, "hola", "000102", 0, "" },
	{ "a longer boundary that starts like ours is not a delimiter",
	  "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b\n\n"
	  "--b\nContent-Type: multipart/mixed; boundary=bb\n\n--bb\n\nx\n--bb--\n--b\n"
	  "Content-Transfer-Encoding: base64\n\nAAEC\n--b--\n",
	  BZ_MIME_DETACHED, "Content-Type: multipart/mixed; boundary=bb\r\n\r\n--bb\r\n\r\nx\r\n--bb--",
	  "000102", 0, "" },
	{ "wrapped by a mailing list inside multipart/mixed",
	  "Content-Type: multipart/mixed; boundary=L\n\n--L\n\nlist header\n--L\n"
	  "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=S\n\n"
	  "--S\n\nfirmado\n--S\nContent-Transfer-Encoding: base64\n\nAAEC\n--S--\n"
	  "--L\n\nlist footer\n--L--\n",
	  BZ_MIME_DETACHED, "\r\nfirmado", "000102", 1, "BZ-MSG-OUTSIDE-SIGNATURE" },
	{ "signed part beside an unsigned attachment (issue 8)",
	  "Content-Type: multipart/mixed; boundary=L\n\n"
	  "--L\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=S\n\n"
	  "--S\n\nfirmado\n--S\nContent-Transfer-Encoding: base64\n\nAAEC\n--S--\n"
	  "--L\nContent-Type: application/pdf; name=desistimiento.pdf\n\n%PDF\n--L--\n",
	  BZ_MIME_DETACHED, "\r\nfirmado", "000102", 1, "BZ-MSG-OUTSIDE-SIGNATURE" },
	{ "opaque pkcs7-mime inside multipart/mixed",
	  "Content-Type: multipart/mixed; boundary=L\n\n--L\n\nextra\n--L\n"
	  "Content-Type: application/pkcs7-mime; smime-type=signed-data\n"
	  "Content-Transfer-Encoding: base64\n\nMIIB\n--L--\n",
	  BZ_MIME_OPAQUE, NULL, "308201", 1, "BZ-MSG-OUTSIDE-SIGNATURE" },
	{ "multipart/signed alone inside multipart/alternative is still wrapped",
	  "Content-Type: multipart/alternative; boundary=L\n\n--L\n"
	  "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=S\n\n"
	  "--S\n\nfirmado\n--S\nContent-Transfer-Encoding: base64\n\nAAEC\n--S--\n--L--\n",
	  BZ_MIME_DETACHED, "\r\nfirmado", "000102", 1, "BZ-MSG-OUTSIDE-SIGNATURE" },
	{ "two top-level Content-Type fields: which body is the message is ambiguous",
	  "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=S\n"
	  "Content-type : multipart/mixed; boundary=L\n\n"
	  "--S\n\nfirmado\n--S\nContent-Transfer-Encoding: base64\n\nAAEC\n--S--\n",
	  BZ_MIME_DETACHED, "\r\nfirmado", "000102", 0, "BZ-MSG-MALFORMED" },
	{ "preamble and epilogue of the top-level multipart/signed are not signed content",
	  "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=S\n\n"
	  "desistimiento en el preambulo\n--S\n\nfirmado\n--S\n"
	  "Content-Transfer-Encoding: base64\n\nAAEC\n--S--\nepilogo\n",
	  BZ_MIME_DETACHED, "\r\nfirmado", "000102", 0, "" },
	{ "opaque pkcs7-mime signed-data",
	  "Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\n"
	  "Content-Transfer-Encoding: base64\n\nMIIB\n",
	  BZ_MIME_OPAQUE, NULL, "308201", 0, "" },
	{ "opaque x-pkcs7-mime without smime-type",
	  "Content-Type: application/x-pkcs7-mime\nContent-Transfer-Encoding: base64\n\nMIIB\n",
	  BZ_MIME_OPAQUE, NULL, "308201", 0, "" },
	{ "opaque as octet-stream named .p7m",
	  "Content-Type: application/octet-stream\nContent-Disposition: attachment;"
	  " filename=\"x.P7M\"\nContent-Transfer-Encoding: base64\n\nMIIB\n",
	  BZ_MIME_OPAQUE, NULL, "308201", 0, "" },
	{ "octet-stream not .p7m is unsigned",
	  "Content-Type: application/octet-stream\n\nMIIB\n",
	  BZ_MIME_UNSIGNED, NULL, NULL, 0, "BZ-MSG-UNSIGNED" },
	{ "plain text is unsigned",
	  "Subject: x\n\nhola\n", BZ_MIME_UNSIGNED, NULL, NULL, 0, "BZ-MSG-UNSIGNED" },
	{ "empty input is unsigned", "", BZ_MIME_UNSIGNED, NULL, NULL, 0, "BZ-MSG-UNSIGNED" },
	{ "PGP/MIME is not S/MIME",
	  "Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=b\n\n"
	  "--b\n\nx\n--b\n\nsig\n--b--\n",
	  BZ_MIME_UNSIGNED, NULL, NULL, 0, "BZ-MSG-UNSIGNED" },
	{ "encrypted is named as such",
	  "Content-Type: application/pkcs7-mime; smime-type=enveloped-data\n\nMIIB\n",
	  BZ_MIME_UNSIGNED, NULL, NULL, 0, "BZ-MSG-ENCRYPTED" },
	{ "multipart without a boundary parameter",
	  "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"\n\nx\n",
	  BZ_MIME_UNSIGNED, NULL, NULL, 0, "BZ-MSG-MALFORMED BZ-MSG-UNSIGNED" },
	{ "boundary never appears",
	  "Content-Type: multipart/mixed; boundary=zz\n\nx\n",
	  BZ_MIME_UNSIGNED, NULL, NULL, 0, "BZ-MSG-MALFORMED BZ-MSG-UNSIGNED" },
	{ "truncated: no close delimiter",
	  "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b\n\n"
	  "--b\n\nhola\n--b\nContent-Transfer-Encoding: base64\n\nAAEC\n",
	  BZ_MIME_DETACHED, "\r\nhola", "000102", 0, "BZ-MSG-MALFORMED" },
	{ "multipart/signed with one part only",
	  "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b\n\n"
	  "--b\n\nhola\n--b--\n",
	  BZ_MIME_UNSIGNED, NULL, NULL, 0, "BZ-MSG-MALFORMED BZ-MSG-UNSIGNED" },
	{ "signature part with invalid base64",
	  "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b\n\n"
	  "--b\n\nhola\n--b\nContent-Transfer-Encoding: base64\n\nAA*EC\n--b--\n",
	  BZ_MIME_DETACHED, "\r\nhola", NULL, 0, "BZ-MSG-ENCODING" },
	{ "empty signed part",
	  "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b\n\n"
	  "--b\n--b\nContent-Transfer-Encoding: base64\n\nAAEC\n--b--\n",
	  BZ_MIME_DETACHED, "", "000102", 0, "" },
};

/* hex - lowercase hex of bytes */
static void
hex(const char *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", (unsigned char)p[i]);
	out[2 * n] = '\0';
}

/* reasons_str - the codes of a list, space-separated */
static void
reasons_str(const struct bz_reasons *r, struct bz_buf *out)
{
	for (size_t i = 0; i < r->n; i++) {
		if (i)
			bz_buf_putc(out, ' ');
		bz_buf_puts(out, r->items[i]->code);
	}
}

START_TEST(test_find_signed_table)
{
	struct bz_reasons r;
	struct bz_mime_signed ms;
	struct bz_buf got = BZ_BUF_INIT;
	enum bz_mime_form form;

	bz_reasons_init(&r);
	form = bz_mime_find_signed((const unsigned char *)finds[_i].msg,
	    strlen(finds[_i].msg), NULL, &ms, &r);
	ck_assert_msg(form == finds[_i].form, "%s: form %d", finds[_i].name, form);
	ck_assert_int_eq(ms.form, form);
	if (finds[_i].content != NULL) {
		size_t n = strlen(finds[_i].content);

		ck_assert_msg(ms.content_len == n && memcmp(bz_mime_signed_content(&ms),
		    finds[_i].content, n) == 0, "%s: content [%.*s]", finds[_i].name,
		    (int)ms.content_len, bz_mime_signed_content(&ms));
	}
	if (finds[_i].cms_hex != NULL) {
		char *h = malloc(2 * ms.cms.len + 1);

		hex(ms.cms.data ? ms.cms.data : "", ms.cms.len, h);
		ck_assert_msg(strcmp(h, finds[_i].cms_hex) == 0, "%s: cms %s",
		    finds[_i].name, h);
		free(h);
	}
	ck_assert_int_eq(ms.wrapped, finds[_i].wrapped);
	reasons_str(&r, &got);
	ck_assert_msg(strcmp(bz_buf_str(&got), finds[_i].reasons) == 0, "%s: reasons [%s]",
	    finds[_i].name, bz_buf_str(&got));
	bz_buf_free(&got);
	bz_mime_signed_free(&ms);
	bz_reasons_free(&r);
}
END_TEST

/* nested - n levels of multipart/mixed around one text part */
static char *
nested(unsigned levels, unsigned width)
{
	struct bz_buf b = BZ_BUF_INIT;

	for (unsigned i = 0; i < levels; i++)
		bz_buf_printf(&b, "Content-Type: multipart/mixed; boundary=B%u\n\n--B%u\n", i, i);
	for (unsigned w = 0; w < width; w++)
		bz_buf_printf(&b, "%s\nparte %u\n", w ? "--B0\n" : "", w);
	for (unsigned i = levels; i-- > 0;)
		bz_buf_printf(&b, "--B%u--\n", i);
	return bz_buf_steal(&b);
}

START_TEST(test_limits)
{
	static const struct {
		unsigned levels, width, max_depth, max_parts;
		const char *reason;
	} cases[] = {
		{ 5, 1, 5, 100, NULL },		/* depth 5 allowed */
		{ 6, 1, 5, 100, "BZ-MSG-TOO-DEEP" },
		{ 1, 9, 5, 10, NULL },		/* 1 + 9 entities */
		{ 1, 10, 5, 10, "BZ-MSG-TOO-MANY-PARTS" },
		{ 200, 1, 20, 500, "BZ-MSG-TOO-DEEP" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bz_mime_limits lim = { cases[i].max_depth, cases[i].max_parts, NULL };
		char *msg = nested(cases[i].levels, cases[i].width);
		struct bz_reasons r;
		struct bz_mime_signed ms;
		struct bz_part *parts;
		size_t n;

		bz_reasons_init(&r);
		bz_mime_find_signed((const unsigned char *)msg, strlen(msg), &lim, &ms, &r);
		if (cases[i].reason) {
			ck_assert_msg(bz_reasons_has(&r, cases[i].reason), "case %zu", i);
			ck_assert(!bz_reasons_has(&r, "BZ-MSG-UNSIGNED"));
		} else {
			ck_assert_msg(r.n == 1 && bz_reasons_has(&r, "BZ-MSG-UNSIGNED"),
			    "case %zu: %zu reasons", i, r.n);
		}
		bz_mime_signed_free(&ms);
		bz_reasons_free(&r);
		bz_reasons_init(&r);
		bz_mime_parts((const unsigned char *)msg, strlen(msg), &lim, &parts, &n, &r);
		if (cases[i].reason)
			ck_assert(bz_reasons_has(&r, cases[i].reason));
		else
			ck_assert_msg(r.n == 0 && n == cases[i].width, "case %zu: %zu parts", i, n);
		bz_mime_parts_free(parts, n);
		bz_reasons_free(&r);
		free(msg);
	}
}
END_TEST

/* The acuse lists every leaf: name and type here, sizes and digests below. */
static const struct {
	const char	*ctype;
	const char	*name;
} parts_expected[] = {
	{ "text/plain", NULL },
	{ "application/pdf", "Declaraci\xc3\xb3n anual.pdf" },	/* RFC 2231 */
	{ "image/png", "a.png" },
	{ "message/rfc822", NULL },
};

START_TEST(test_parts)
{
	static const char entity[] =
	    "Content-Type: multipart/mixed; boundary=\"m\"\n\n--m\n"
	    "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
	    "caf=C3=A9\n--m\n"
	    "Content-Type: APPLICATION/PDF\nContent-Disposition: attachment;\n"
	    " filename*=UTF-8''Declaraci%C3%B3n%20anual.pdf\nContent-Transfer-Encoding: base64\n\n"
	    "AAEC\n--m\nContent-Type: image/png; name=\"a.png\"\nContent-Transfer-Encoding: base64\n\n"
	    "aG9s\nYQ==\n--m\nContent-Type: message/rfc822\n\nSubject: x\n\ny\n--m--\n";
	struct bz_reasons r;
	struct bz_part *parts;
	size_t n;
	char sha[65];

	bz_reasons_init(&r);
	bz_mime_parts((const unsigned char *)entity, strlen(entity), NULL, &parts, &n, &r);
	ck_assert_int_eq(r.n, 0);
	ck_assert_int_eq(n, 4);
	bz_sha256_hex("caf\xc3\xa9", 5, sha);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(parts[i].content_type, parts_expected[i].ctype);
		if (parts_expected[i].name == NULL)
			ck_assert_ptr_null(parts[i].name);
		else
			ck_assert_str_eq(parts[i].name, parts_expected[i].name);
	}
	/* "caf\xc3\xa9" is 5 bytes: QP decoding, not the 9 encoded chars. */
	ck_assert_int_eq(parts[0].size, 5);
	ck_assert_str_eq(parts[0].sha256, sha);
	ck_assert_int_eq(parts[1].size, 3);
	bz_sha256_hex("\x00\x01\x02", 3, sha);
	ck_assert_str_eq(parts[1].sha256, sha);
	ck_assert_int_eq(parts[2].size, 4);	/* "hola" across two base64 lines */
	bz_sha256_hex("hola", 4, sha);
	ck_assert_str_eq(parts[2].sha256, sha);
	ck_assert_int_eq(parts[3].size, strlen("Subject: x\r\n\r\ny"));
	bz_mime_parts_free(parts, n);
	bz_reasons_free(&r);
}
END_TEST

START_TEST(test_canonical)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "a\nb\n", "a\r\nb\r\n" },
		{ "a\r\nb\r\n", "a\r\nb\r\n" },
		{ "\n\n", "\r\n\r\n" },
		{ "a\rb\r\n", "a\rb\r\n" },	/* a bare CR is not a line end */
		{ "", "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bz_buf b = BZ_BUF_INIT;

		bz_buf_append_crlf(&b, cases[i].in, strlen(cases[i].in));
		ck_assert_str_eq(bz_buf_str(&b), cases[i].out);
		bz_buf_free(&b);
	}
}
END_TEST

START_TEST(test_headers)
{
	static const char msg[] =
	    "Message-ID:\n <abc@x.example>\nSubject: =?UTF-8?Q?Declaraci=C3=B3n?=\n"
	    " anual\nX: y\n\nSubject: not a header\n";
	char *v;

	v = bz_mime_header_value((const unsigned char *)msg, strlen(msg), "message-id");
	ck_assert_str_eq(v, "<abc@x.example>");
	free(v);
	v = bz_mime_subject((const unsigned char *)msg, strlen(msg));
	ck_assert_str_eq(v, "Declaraci\xc3\xb3n anual");
	free(v);
	v = bz_mime_header_value((const unsigned char *)msg, strlen(msg), "Date");
	ck_assert_ptr_null(v);
	v = bz_mime_subject((const unsigned char *)"X: y\n\n", 6);
	ck_assert_ptr_null(v);
}
END_TEST

/* Where the header block ends, whatever the line endings. */
static const struct {
	const char *msg, *name, *want;	/* want NULL: not a header */
} header_ends[] = {
	{ "A: 1\r\nB: 2\r\n\r\nC: 3\r\n", "B", "2" },
	{ "A: 1\r\nB: 2\r\n\r\nC: 3\r\n", "C", NULL },
	{ "A: 1\nB: 2\n\nC: 3\n", "C", NULL },
	{ "A: 1\r\nB: 2\n\r\nC: 3\n", "B", "2" },
	{ "A: 1\r\nB: 2\n\r\nC: 3\n", "C", NULL },
	{ "A: 1\nB: 2\r\n\nC: 3\n", "C", NULL },
	{ "A: 1\n\tfolded\r\nB: 2", "B", "2" },
	{ "A: 1\n\tfolded\r\nB: 2", "A", "1\tfolded" },
	{ "A: 1\rB: 2\n\n", "A", "1\rB: 2" },
	{ "\nA: 1\n", "A", NULL },
	{ "\r\nA: 1\r\n", "A", NULL },
	{ "A: 1", "A", "1" },
	{ "", "A", NULL },
};

START_TEST(test_header_block_end)
{
	const char *msg = header_ends[_i].msg;
	char *v = bz_mime_header_value((const unsigned char *)msg, strlen(msg),
	    header_ends[_i].name);

	if (header_ends[_i].want == NULL)
		ck_assert_msg(v == NULL, "case %d: got \"%s\"", _i, v);
	else
		ck_assert_str_eq(v, header_ends[_i].want);
	free(v);
}
END_TEST

/* SHA-256 and hex (core/digest.c): a FIPS 180-2 vector, one-shot and in
 * pieces alike, upper-case hex for serial numbers */
START_TEST(test_digest)
{
	char one[65], parts[65], up[5];
	struct bz_sha256 *d = bz_sha256_begin();

	bz_sha256_hex("abc", 3, one);
	ck_assert_str_eq(one,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	bz_sha256_update(d, "a", 1);
	bz_sha256_update(d, "", 0);
	bz_sha256_update(d, "bc", 2);
	bz_sha256_end(d, parts);
	ck_assert_str_eq(parts, one);
	bz_hex_upper("\xab\x01", 2, up);
	ck_assert_str_eq(up, "AB01");
	bz_hex("\xab\x01", 2, up);
	ck_assert_str_eq(up, "ab01");
}
END_TEST

/* bz_buf_read_file (core/buf.c): the bound is inclusive, one byte past it
 * is EFBIG, a missing file keeps fopen's errno */
START_TEST(test_read_file)
{
	char *path = xasprintf("%s/ten", test_tmpdir());
	char *missing = xasprintf("%s/missing", test_tmpdir());
	struct bz_buf b = BZ_BUF_INIT;
	FILE *fp = fopen(path, "wb");

	ck_assert_ptr_nonnull(fp);
	fputs("0123456789", fp);
	fclose(fp);
	ck_assert_int_eq(bz_buf_read_file(&b, path, 10), 0);
	ck_assert_str_eq(bz_buf_str(&b), "0123456789");
	bz_buf_reset(&b);
	ck_assert_int_eq(bz_buf_read_file(&b, path, 9), -1);
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_int_eq(bz_buf_read_file(&b, missing, 10), -1);
	ck_assert_int_eq(errno, ENOENT);
	bz_buf_free(&b);
	free(path);
	free(missing);
}
END_TEST

Suite *
suite_mime(void)
{
	Suite *s = suite_create("mime");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_find_signed_table, 0, sizeof(finds) / sizeof(finds[0]));
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_parts);
	tcase_add_test(tc, test_canonical);
	tcase_add_test(tc, test_digest);
	tcase_add_test(tc, test_read_file);
	tcase_add_test(tc, test_headers);
	tcase_add_loop_test(tc, test_header_block_end, 0,
	    sizeof(header_ends) / sizeof(header_ends[0]));
	suite_add_tcase(s, tc);
	return s;
}
