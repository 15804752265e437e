/*
 * test_receipt - the acuse: canonical values, cadena, sello, XML, mail
 *
 * The institution key here is made in-process (RSA-2048, self-signed,
 * fixed validity 2020..2049) so the suite needs no fixture; certificates
 * are checked at the pinned instant 2026-06-01T12:00:00Z.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "buzon/address.h"
#include "buzon/receipt.h"
#include "suites.h"

#define PINNED	1780315200	/* 2026-06-01T12:00:00Z */
#define HASH_A	"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define HASH_B	"60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"

static char cert_path[512], key_path[512];

/* make_institution - a throwaway institution key and certificate on disk */
static void
make_institution(void)
{
	EVP_PKEY *key;
	X509 *x;
	X509_NAME *n;
	FILE *fp;

	if (cert_path[0] != '\0')
		return;
	key = EVP_RSA_gen(2048);
	ck_assert_ptr_nonnull(key);
	x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	ck_assert_int_eq(ASN1_TIME_set_string(X509_getm_notBefore(x), "20200101000000Z"), 1);
	ck_assert_int_eq(ASN1_TIME_set_string(X509_getm_notAfter(x), "20491231000000Z"), 1);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"Institucion de prueba", -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_set_pubkey(x, key);
	ck_assert_int_gt(X509_sign(x, key, EVP_sha256()), 0);
	snprintf(cert_path, sizeof(cert_path), "%s/institution.crt", test_tmpdir());
	snprintf(key_path, sizeof(key_path), "%s/institution.key", test_tmpdir());
	fp = fopen(cert_path, "w");
	ck_assert_ptr_nonnull(fp);
	PEM_write_X509(fp, x);
	fclose(fp);
	fp = fopen(key_path, "w");
	ck_assert_ptr_nonnull(fp);
	PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL);
	fclose(fp);
	X509_free(x);
	EVP_PKEY_free(key);
}

/* signer - the institution signer of this process */
static struct bz_receipt_signer *
signer(void)
{
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_receipt_signer *s;

	make_institution();
	s = bz_receipt_signer_load(cert_path, key_path, NULL, &err);
	ck_assert_msg(s != NULL, "%s", bz_buf_str(&err));
	bz_buf_free(&err);
	return s;
}

/* sample - a complete record */
static void
sample(struct bz_receipt *r)
{
	bz_receipt_init(r);
	bz_receipt_set(&r->folio, "BZ-2026-00000042");
	bz_receipt_set(&r->event, BZ_RECEIPT_EVENT_SUBMISSION);
	bz_receipt_set(&r->rfc, "EBU200101AB8");
	bz_receipt_set(&r->name, "EMPRESA BUZÓN SA DE CV");
	bz_receipt_set(&r->rfc_representante, "PEGJ800101AB3");
	bz_receipt_set(&r->curp_representante, "PEGJ800101HDFRRN09");
	bz_receipt_set(&r->no_certificado, "30001000000700000002");
	bz_receipt_set(&r->cert_sha256, HASH_A);
	bz_receipt_set_outcome(r, BZ_CHECK_PASS, BZ_CHECK_PASS, BZ_CHECK_PASS,
	    BZ_VERDICT_ACCEPTED);
	bz_receipt_set(&r->message_id, "<m1@pruebas.test>");
	bz_receipt_set(&r->subject, "Aviso | anexo");
	bz_receipt_set(&r->message_sha256, HASH_B);
	bz_receipt_add_part(r, "escrito.pdf", "application/pdf", 1234, HASH_A);
	bz_receipt_set(&r->arrival_utc, "2026-06-06T18:00:00Z");
	bz_receipt_set(&r->arrival_local, "2026-06-06T12:00:00-06:00");
	bz_receipt_set(&r->legal_utc, "2026-06-08T06:00:00Z");
	bz_receipt_set(&r->legal_local, "2026-06-08T00:00:00-06:00");
	bz_receipt_set(&r->legal_rule, "submission.next-working-day");
	bz_receipt_set(&r->legal_basis, "lft");
	bz_receipt_set(&r->first_hour, "00:00");
	bz_receipt_set(&r->calendar_version, "sha256:none");
}

/* Canonical values: what each input becomes in cadena, XML and text. */
static const struct {
	const char *in, *out;
} norm_cases[] = {
	{ NULL, "" },
	{ "", "" },
	{ "plain", "plain" },
	{ "  lead and trail  ", "lead and trail" },
	{ "two\r\nlines", "two lines" },
	{ "tab\there", "tab here" },
	{ "many \t\r\n  blanks", "many blanks" },
	{ "nul\x01" "ctl\x7f" "del", "nul ctl del" },
	{ "C1 \xc2\x85 next line", "C1 next line" },
	{ "nbsp\xc2\xa0here", "nbsp here" },
	{ "line\xe2\x80\xa8sep", "line sep" },
	{ "Ñandú Peñasco", "Ñandú Peñasco" },
	{ "bad \xff byte", "bad \xef\xbf\xbd byte" },
	{ "overlong \xc0\xaf", "overlong \xef\xbf\xbd\xef\xbf\xbd" },
	{ "surrogate \xed\xa0\x80", "surrogate \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "cut \xe2\x82", "cut \xef\xbf\xbd\xef\xbf\xbd" },
	{ "nonchar \xef\xbf\xbe", "nonchar \xef\xbf\xbd" },
	{ "emoji \xf0\x9f\x93\x84 ok", "emoji \xf0\x9f\x93\x84 ok" },
	{ "pipe|and\\back", "pipe|and\\back" },
};

START_TEST(test_normalize)
{
	for (size_t i = 0; i < sizeof(norm_cases) / sizeof(norm_cases[0]); i++) {
		struct bz_buf a = BZ_BUF_INIT, b = BZ_BUF_INIT;

		bz_receipt_normalize(&a, norm_cases[i].in);
		ck_assert_msg(strcmp(bz_buf_str(&a), norm_cases[i].out) == 0,
		    "case %zu: got \"%s\"", i, bz_buf_str(&a));
		bz_receipt_normalize(&b, bz_buf_str(&a));	/* idempotent */
		ck_assert_str_eq(bz_buf_str(&b), bz_buf_str(&a));
		bz_buf_free(&a);
		bz_buf_free(&b);
	}
}
END_TEST

/* The cadena of sample() up to field 24 (regla), the same in both forms. */
#define SAMPLE_CADENA_TO_RULE \
	"||1.0|BZ-2026-00000042|promocion|EBU200101AB8|EMPRESA BUZÓN SA DE CV||" \
	"PEGJ800101AB3|PEGJ800101HDFRRN09|30001000000700000002|" HASH_A "|" \
	"pass|pass|pass|accepted|<m1@pruebas.test>|Aviso \\| anexo|" HASH_B "|" \
	"1|escrito.pdf|application/pdf|1234|" HASH_A "|" \
	"2026-06-06T18:00:00Z|2026-06-06T12:00:00-06:00|2026-06-08T06:00:00Z|" \
	"2026-06-08T00:00:00-06:00|submission.next-working-day|"

START_TEST(test_cadena_order)
{
	struct bz_receipt r;
	struct bz_buf c = BZ_BUF_INIT;

	sample(&r);
	bz_receipt_set(&r.institution_no_certificado, "7");
	bz_receipt_cadena(&r, &c);
	ck_assert_str_eq(bz_buf_str(&c),
	    SAMPLE_CADENA_TO_RULE "lft|00:00|sha256:none|7||");

	/* Without the rule set (an acuse issued, or rebuilt from a filing
	 * recorded, before it was recorded) fields 25 and 26 are left out
	 * with their separators: the cadena is the one sealed then, so those
	 * acuses keep verifying and a resend keeps their sello. */
	bz_buf_reset(&c);
	bz_receipt_set(&r.legal_basis, NULL);
	bz_receipt_set(&r.first_hour, NULL);
	bz_receipt_cadena(&r, &c);
	ck_assert_str_eq(bz_buf_str(&c), SAMPLE_CADENA_TO_RULE "sha256:none|7||");
	bz_buf_free(&c);
	bz_receipt_free(&r);
}
END_TEST

/* split_fields - count unescaped separators and return the subject field */
static size_t
split_fields(const char *c, size_t want, struct bz_buf *field)
{
	size_t seps = 0;

	for (const char *p = c; *p; p++) {
		if (*p == '\\' && p[1] != '\0') {
			if (seps == want)
				bz_buf_append(field, p, 2);
			p++;
		} else if (*p == '|')
			seps++;
		else if (seps == want)
			bz_buf_putc(field, *p);
	}
	return seps;
}

/* Escaping: the subject (field 16) as it must appear in the cadena. */
static const struct {
	const char *subject, *field;
} esc_cases[] = {
	{ "a|b", "a\\|b" },
	{ "a\\b", "a\\\\b" },
	{ "\\|", "\\\\\\|" },
	{ "||", "\\|\\|" },
	{ "end\\", "end\\\\" },
	{ "line1\nline2|x", "line1 line2\\|x" },
	{ "Ñ|ñ", "Ñ\\|ñ" },
	{ "\r\n|\r\n", "\\|" },
	{ "", "" },
};

START_TEST(test_cadena_escaping)
{
	struct bz_receipt r;
	struct bz_buf ref = BZ_BUF_INIT;
	size_t nsep;

	sample(&r);
	bz_receipt_cadena(&r, &ref);
	nsep = split_fields(bz_buf_str(&ref), 0, &ref);
	for (size_t i = 0; i < sizeof(esc_cases) / sizeof(esc_cases[0]); i++) {
		struct bz_buf c = BZ_BUF_INIT, f = BZ_BUF_INIT;

		bz_receipt_set(&r.subject, esc_cases[i].subject);
		bz_receipt_cadena(&r, &c);
		/* "||" then version is field 2 after two separators: subject is 17. */
		ck_assert_uint_eq(split_fields(bz_buf_str(&c), 17, &f), nsep);
		ck_assert_msg(strcmp(bz_buf_str(&f), esc_cases[i].field) == 0,
		    "case %zu: field \"%s\"", i, bz_buf_str(&f));
		bz_buf_free(&c);
		bz_buf_free(&f);
	}
	bz_buf_free(&ref);
	bz_receipt_free(&r);
}
END_TEST

/* cert_pem - the institution certificate as PEM, to verify sellos with */
static void
cert_pem(struct bz_buf *pem)
{
	FILE *fp = fopen(cert_path, "r");
	char chunk[4096];
	size_t n;

	ck_assert_ptr_nonnull(fp);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		bz_buf_append(pem, chunk, n);
	fclose(fp);
}

START_TEST(test_sello_covers_every_field)
{
	struct bz_receipt_signer *s = signer();
	struct bz_buf err = BZ_BUF_INIT, pem = BZ_BUF_INIT;
	struct bz_receipt r;

	cert_pem(&pem);
	sample(&r);
	ck_assert_int_eq(bz_receipt_seal(s, &r, &err), 0);
	ck_assert_str_eq(r.institution_no_certificado, "7");
	ck_assert_int_eq(bz_receipt_sello_verify(&r, pem.data, pem.len, &err), 0);

	/* Change one field at a time: the sello must no longer hold. */
	char **fields[] = { &r.folio, &r.event, &r.rfc, &r.name, &r.curp,
	    &r.rfc_representante, &r.curp_representante, &r.no_certificado,
	    &r.cert_sha256, &r.integrity, &r.trust, &r.identity, &r.verdict,
	    &r.message_id, &r.subject, &r.message_sha256, &r.arrival_utc,
	    &r.arrival_local, &r.legal_utc, &r.legal_local, &r.legal_rule,
	    &r.legal_basis, &r.first_hour, &r.calendar_version, &r.institution_no_certificado, &r.version,
	    &r.parts[0].name, &r.parts[0].content_type, &r.parts[0].sha256 };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char *saved = *fields[i] ? strdup(*fields[i]) : NULL;

		bz_receipt_set(fields[i], "X");
		ck_assert_msg(bz_receipt_sello_verify(&r, pem.data, pem.len, &err) != 0,
		    "field %zu changed but the sello still verifies", i);
		bz_receipt_set(fields[i], saved);
		free(saved);
		ck_assert_int_eq(bz_receipt_sello_verify(&r, pem.data, pem.len, &err), 0);
	}
	r.parts[0].size++;
	ck_assert_int_ne(bz_receipt_sello_verify(&r, pem.data, pem.len, &err), 0);
	r.parts[0].size--;
	/* A field moved across a separator changes the cadena too. */
	bz_receipt_set(&r.name, "EMPRESA BUZÓN SA DE CV|");
	bz_receipt_set(&r.curp, NULL);
	ck_assert_int_ne(bz_receipt_sello_verify(&r, pem.data, pem.len, &err), 0);
	bz_receipt_free(&r);
	bz_receipt_signer_unref(s);
	bz_buf_free(&err);
	bz_buf_free(&pem);
}
END_TEST

/*
 * Downgrade: the rule set is optional in the schema (acuses issued before
 * it was recorded have none), so removing it from a sealed acuse, or
 * adding one to an acuse sealed without it, must change the cadena and
 * break the sello. Each row seals with the first pair and verifies with
 * the second.
 */
static const struct {
	const char *what;
	const char *seal_basis, *seal_first, *basis, *first;
	int holds;
} rule_set_strip[] = {
	{ "as sealed, with the rule set", "lft+cff", "09:30", "lft+cff", "09:30", 1 },
	{ "as sealed, without", NULL, NULL, NULL, NULL, 1 },
	{ "both removed", "lft+cff", "09:30", NULL, NULL, 0 },
	{ "basis removed", "lft+cff", "09:30", NULL, "09:30", 0 },
	{ "first hour removed", "lft+cff", "09:30", "lft+cff", NULL, 0 },
	{ "both emptied", "lft+cff", "09:30", "", "", 0 },
	{ "both added", NULL, NULL, "lft", "00:00", 0 },
	{ "emptied ones added", NULL, NULL, "", "", 0 },
	{ "basis added", NULL, NULL, "lft", NULL, 0 },
};

START_TEST(test_sello_rule_set_downgrade)
{
	struct bz_receipt_signer *s = signer();
	struct bz_buf err = BZ_BUF_INIT, pem = BZ_BUF_INIT;

	cert_pem(&pem);
	for (size_t i = 0; i < sizeof(rule_set_strip) / sizeof(rule_set_strip[0]); i++) {
		struct bz_receipt r;
		int rc;

		sample(&r);
		bz_receipt_set(&r.legal_basis, rule_set_strip[i].seal_basis);
		bz_receipt_set(&r.first_hour, rule_set_strip[i].seal_first);
		ck_assert_int_eq(bz_receipt_seal(s, &r, &err), 0);
		bz_receipt_set(&r.legal_basis, rule_set_strip[i].basis);
		bz_receipt_set(&r.first_hour, rule_set_strip[i].first);
		rc = bz_receipt_sello_verify(&r, pem.data, pem.len, &err);
		ck_assert_msg((rc == 0) == rule_set_strip[i].holds, "%s: the sello %s",
		    rule_set_strip[i].what, rc == 0 ? "still holds" : "fails");
		bz_receipt_free(&r);
	}
	bz_receipt_signer_unref(s);
	bz_buf_free(&err);
	bz_buf_free(&pem);
}
END_TEST

/* schema_path - the XSD in the source tree */
static const char *
schema_path(void)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/contrib/acuse-v1.xsd", test_srcdir());
	return path;
}

static const char *hostile_subjects[] = {
	"</asunto></mensaje></acuse><x>",
	"]]><!-- -->",
	"<![CDATA[x]]>",
	"&amp; &lt; &#0; &xxe;",
	"\"quoted\" 'single'",
	"<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x \"y\">]>",
	"Ñandú\x01\x02 \xff",
};

START_TEST(test_xml_valid_and_hostile_text_stays_text)
{
	struct bz_receipt_signer *s = signer();
	struct bz_buf err = BZ_BUF_INIT;

	for (size_t i = 0; i < sizeof(hostile_subjects) / sizeof(hostile_subjects[0]); i++) {
		struct bz_receipt r, back;
		struct bz_buf xml = BZ_BUF_INIT, c1 = BZ_BUF_INIT, c2 = BZ_BUF_INIT,
		    norm = BZ_BUF_INIT;

		sample(&r);
		bz_receipt_set(&r.subject, hostile_subjects[i]);
		bz_receipt_set(&r.name, hostile_subjects[i]);
		ck_assert_int_eq(bz_receipt_seal(s, &r, &err), 0);
		ck_assert_int_eq(bz_receipt_xml(&r, &xml, &err), 0);
		ck_assert_msg(bz_receipt_xml_validate(xml.data, xml.len, schema_path(), &err) == 0,
		    "case %zu: %s", i, bz_buf_str(&err));
		ck_assert_ptr_null(strstr(xml.data, "<x>"));
		ck_assert_ptr_null(strstr(xml.data, "<![CDATA"));
		ck_assert_ptr_null(strstr(xml.data, "<!DOCTYPE"));
		bz_receipt_init(&back);
		ck_assert_int_eq(bz_receipt_from_xml(&back, xml.data, xml.len, &err), 0);
		bz_receipt_normalize(&norm, hostile_subjects[i]);
		ck_assert_str_eq(back.subject, bz_buf_str(&norm));
		bz_receipt_cadena(&r, &c1);
		bz_receipt_cadena(&back, &c2);
		ck_assert_str_eq(bz_buf_str(&c1), bz_buf_str(&c2));
		ck_assert_str_eq(back.sello, r.sello);
		bz_receipt_free(&r);
		bz_receipt_free(&back);
		bz_buf_free(&xml);
		bz_buf_free(&c1);
		bz_buf_free(&c2);
		bz_buf_free(&norm);
	}
	bz_receipt_signer_unref(s);
	bz_buf_free(&err);
}
END_TEST

START_TEST(test_xml_refusals)
{
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_receipt r;
	static const char *bad[] = {
		"<acuse version=\"1.0\"/>",	/* no namespace */
		"<acuse xmlns=\"" BZ_RECEIPT_XMLNS "\" version=\"2.0\"/>",
		"<!DOCTYPE acuse [<!ENTITY e \"x\">]><acuse xmlns=\"" BZ_RECEIPT_XMLNS
		    "\" version=\"1.0\"><folio>&e;</folio></acuse>",
		"<acuse",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bz_receipt_init(&r);
		ck_assert_msg(bz_receipt_from_xml(&r, bad[i], strlen(bad[i]), &err) != 0,
		    "case %zu accepted", i);
		ck_assert_uint_gt(err.len, 0);
		bz_receipt_free(&r);
	}
	/* Schema: a record without its sello is not a valid acuse. */
	sample(&r);
	{
		struct bz_buf xml = BZ_BUF_INIT;

		ck_assert_int_eq(bz_receipt_xml(&r, &xml, &err), 0);
		ck_assert_int_ne(bz_receipt_xml_validate(xml.data, xml.len, schema_path(), &err), 0);
		ck_assert_ptr_nonnull(strstr(bz_buf_str(&err), "schema"));
		bz_buf_free(&xml);
	}
	bz_receipt_free(&r);
	bz_buf_free(&err);
}
END_TEST

static const struct {
	const char *s;
	int addr, msgid;
} header_cases[] = {
	{ "juan@pruebas.test", 1, 0 },
	{ "juan.perez+x@sub.pruebas.test", 1, 0 },
	{ "<a.b@c.d>", 0, 1 },
	{ "<a@[10.0.0.1]>", 0, 1 },
	{ "<a@b>\r\nBcc: x@y", 0, 0 },
	{ "juan@pruebas.test\r\nBcc: x@y", 0, 0 },
	{ "\"juan perez\"@pruebas.test", 0, 0 },
	{ "juan@pru ebas.test", 0, 0 },
	{ ".juan@pruebas.test", 0, 0 },
	{ "juan..p@pruebas.test", 0, 0 },
	{ "juan@", 0, 0 },
	{ "@pruebas.test", 0, 0 },
	{ "", 0, 0 },
	{ "<>", 0, 0 },
	{ "<a@b> trailing", 0, 0 },
	{ "<a@b", 0, 0 },
	{ "<a b@c>", 0, 0 },
	{ "<ñ@c>", 0, 0 },
	{ "juañ@pruebas.test", 0, 0 },
	{ "<a@[x]y]>", 0, 0 },
	{ "<a@[\\]]>", 0, 0 },
};

START_TEST(test_header_safety)
{
	for (size_t i = 0; i < sizeof(header_cases) / sizeof(header_cases[0]); i++) {
		ck_assert_msg(bz_address_plain(header_cases[i].s) == header_cases[i].addr,
		    "address case %zu", i);
		ck_assert_msg(bz_receipt_safe_msgid(header_cases[i].s) == header_cases[i].msgid,
		    "msgid case %zu", i);
	}
	ck_assert_int_eq(bz_address_plain(NULL), 0);
	ck_assert_int_eq(bz_receipt_safe_msgid(NULL), 0);
}
END_TEST

/* pass_check - a calendar stand-in for the verification callback */
static enum bz_check
pass_check(const struct bz_receipt *r, void *arg, struct bz_buf *d)
{
	bz_buf_puts(d, "stand-in");
	return strcmp(r->legal_rule, "submission.next-working-day") == 0 ?
	    BZ_CHECK_PASS : BZ_CHECK_FAIL;
}

/* header_block - the header section of a rendered mail */
static char *
header_block(const struct bz_buf *mail)
{
	const char *end = strstr(mail->data, "\r\n\r\n");

	ck_assert_ptr_nonnull(end);
	return strndup(mail->data, (size_t)(end - mail->data) + 2);
}

/* text_part - the decoded text/plain part of a rendered acuse (malloc'ed) */
static char *
text_part(const struct bz_buf *mail)
{
	const char *p = strstr(mail->data, "Content-Language: es-MX\r\n\r\n"), *e;
	struct bz_buf b64 = BZ_BUF_INIT;
	unsigned char *out;
	int n;

	ck_assert_ptr_nonnull(p);
	p += strlen("Content-Language: es-MX\r\n\r\n");
	e = strstr(p, "\r\n--");
	ck_assert_ptr_nonnull(e);
	for (; p < e; p++)
		if (*p != '\r' && *p != '\n')
			bz_buf_putc(&b64, *p);
	out = calloc(1, b64.len + 1);
	n = EVP_DecodeBlock(out, (const unsigned char *)b64.data, (int)b64.len);
	ck_assert_int_ge(n, 0);
	bz_buf_free(&b64);
	return (char *)out;
}

/* text_appendix (the consent text of an acuse de registro): at the end of
 * the signed text part, outside the cadena and the XML, so the acuse
 * still verifies (S/MIME, schema, sello) like every other kind */
START_TEST(test_render_text_appendix)
{
	struct bz_receipt_signer *s = signer();
	struct bz_buf err = BZ_BUF_INIT, mail = BZ_BUF_INIT, plain = BZ_BUF_INIT;
	struct bz_receipt_mail m = { "buzon@imss.pruebas.test", "juan@pruebas.test",
	    "<m1@pruebas.test>", PINNED, "\nTexto de conformidad\n  SHA-256: abc123\n\n"
	    "CONFORMIDAD PARA EL USO DEL BUZON IMSS\n", NULL, 0 };
	struct bz_receipt_verify_opts vo = { cert_path, schema_path(), PINNED, NULL, NULL };
	struct bz_receipt_verify_result res;
	struct bz_receipt r;
	char *t, *u;

	sample(&r);
	ck_assert_msg(bz_receipt_render(s, &r, &m, &mail, NULL, &err) == 0, "%s",
	    bz_buf_str(&err));
	t = text_part(&mail);
	ck_assert_ptr_nonnull(strstr(t, "Sello digital:"));
	u = strstr(t, "\r\nTexto de conformidad\r\n  SHA-256: abc123\r\n\r\n"
	    "CONFORMIDAD PARA EL USO DEL BUZON IMSS\r\n");
	ck_assert_msg(u != NULL, "%s", t);
	ck_assert(strstr(t, "Sello digital:") < u);
	free(t);
	bz_receipt_verify_result_init(&res);
	bz_receipt_verify(mail.data, mail.len, &vo, &res);
	ck_assert_int_eq(res.check[BZ_RECEIPT_CHECK_SMIME], BZ_CHECK_PASS);
	ck_assert_int_eq(res.check[BZ_RECEIPT_CHECK_SCHEMA], BZ_CHECK_PASS);
	ck_assert_int_eq(res.check[BZ_RECEIPT_CHECK_SELLO], BZ_CHECK_PASS);
	bz_receipt_verify_result_free(&res);
	/* without it: the text of every other acuse, unchanged */
	bz_buf_reset(&mail);
	m.text_appendix = NULL;
	ck_assert_int_eq(bz_receipt_render(s, &r, &m, &mail, NULL, &err), 0);
	t = text_part(&mail);
	ck_assert_ptr_null(strstr(t, "Texto de conformidad"));
	free(t);
	bz_receipt_free(&r);
	bz_receipt_signer_unref(s);
	bz_buf_free(&err);
	bz_buf_free(&mail);
	bz_buf_free(&plain);
}
END_TEST

START_TEST(test_render_and_verify)
{
	struct bz_receipt_signer *s = signer();
	struct bz_buf err = BZ_BUF_INIT, mail = BZ_BUF_INIT, id = BZ_BUF_INIT;
	struct bz_receipt_mail m = { "buzon@imss.pruebas.test", "juan@pruebas.test",
	    "<m1@pruebas.test>", PINNED, NULL, NULL, 0 };
	struct bz_receipt_verify_opts vo = { cert_path, schema_path(), PINNED, NULL, NULL };
	struct bz_receipt_verify_result res;
	struct bz_receipt r;
	char *h, *p;

	sample(&r);
	bz_receipt_set(&r.subject, "Asunto\r\nBcc: victima@x.test");
	ck_assert_msg(bz_receipt_render(s, &r, &m, &mail, &id, &err) == 0, "%s", bz_buf_str(&err));
	h = header_block(&mail);
	ck_assert_ptr_nonnull(strstr(h, "From: <buzon@imss.pruebas.test>\r\n"));
	ck_assert_ptr_nonnull(strstr(h, "To: <juan@pruebas.test>\r\n"));
	ck_assert_ptr_nonnull(strstr(h, "Subject: Acuse de recibo BZ-2026-00000042\r\n"));
	ck_assert_ptr_nonnull(strstr(h, "In-Reply-To: <m1@pruebas.test>\r\n"));
	ck_assert_ptr_nonnull(strstr(h, "References: <m1@pruebas.test>\r\n"));
	ck_assert_ptr_nonnull(strstr(h, "Auto-Submitted: auto-replied\r\n"));
	ck_assert_ptr_nonnull(strstr(h, "Date: Mon, 1 Jun 2026 12:00:00 +0000\r\n"));
	ck_assert_ptr_nonnull(strstr(h, "micalg=sha-256"));
	ck_assert_ptr_nonnull(strstr(h, bz_buf_str(&id)));
	/* No header line anywhere; a bare "Bcc" may occur by chance in the
	 * base64 of the signature (random boundaries change it each run). */
	ck_assert_ptr_null(strstr(h, "Bcc"));
	ck_assert_ptr_null(strstr(mail.data, "\nBcc:"));
	free(h);
	/* 7-bit, CRLF only. */
	for (size_t i = 0; i < mail.len; i++) {
		ck_assert_int_lt((unsigned char)mail.data[i], 0x80);
		if (mail.data[i] == '\n')
			ck_assert_int_eq(mail.data[i - 1], '\r');
	}

	bz_receipt_verify_result_init(&res);
	ck_assert_int_ne(bz_receipt_verify(mail.data, mail.len, &vo, &res), 0);
	ck_assert_int_eq(res.check[BZ_RECEIPT_CHECK_SMIME], BZ_CHECK_PASS);
	ck_assert_int_eq(res.check[BZ_RECEIPT_CHECK_SCHEMA], BZ_CHECK_PASS);
	ck_assert_int_eq(res.check[BZ_RECEIPT_CHECK_SELLO], BZ_CHECK_PASS);
	ck_assert_int_eq(res.check[BZ_RECEIPT_CHECK_CALENDAR], BZ_CHECK_UNKNOWN);
	ck_assert_str_eq(res.record.folio, "BZ-2026-00000042");
	bz_receipt_verify_result_free(&res);

	vo.legal_check = pass_check;
	bz_receipt_verify_result_init(&res);
	ck_assert_int_eq(bz_receipt_verify(mail.data, mail.len, &vo, &res), 0);
	bz_receipt_verify_result_free(&res);

	/* One byte of the text part: the S/MIME check names it. */
	p = strstr(mail.data, "Content-Language: es-MX\r\n\r\n");
	ck_assert_ptr_nonnull(p);
	p += strlen("Content-Language: es-MX\r\n\r\n");
	*p = *p == 'Q' ? 'R' : 'Q';
	bz_receipt_verify_result_init(&res);
	ck_assert_int_ne(bz_receipt_verify(mail.data, mail.len, &vo, &res), 0);
	ck_assert_int_eq(res.check[BZ_RECEIPT_CHECK_SMIME], BZ_CHECK_FAIL);
	ck_assert_int_eq(res.check[BZ_RECEIPT_CHECK_SELLO], BZ_CHECK_PASS);
	bz_receipt_verify_result_free(&res);

	/* Not a signed mail at all. */
	bz_receipt_verify_result_init(&res);
	ck_assert_int_ne(bz_receipt_verify("From: x\r\n\r\nhola\r\n", 19, &vo, &res), 0);
	ck_assert_int_eq(res.check[BZ_RECEIPT_CHECK_SMIME], BZ_CHECK_FAIL);
	ck_assert_int_ne(res.check[BZ_RECEIPT_CHECK_SELLO], BZ_CHECK_PASS);
	bz_receipt_verify_result_free(&res);

	bz_receipt_free(&r);
	bz_receipt_signer_unref(s);
	bz_buf_free(&err);
	bz_buf_free(&mail);
	bz_buf_free(&id);
}
END_TEST

START_TEST(test_unsafe_headers_omitted)
{
	struct bz_receipt_signer *s = signer();
	struct bz_buf err = BZ_BUF_INIT, mail = BZ_BUF_INIT;
	struct bz_receipt_mail m = { "buzon@imss.pruebas.test", "x@y\r\nBcc: v@w",
	    "<a@b>\r\nBcc: v@w", PINNED, NULL, NULL, 0 };
	struct bz_receipt r;
	char *h;

	sample(&r);
	ck_assert_int_eq(bz_receipt_render(s, &r, &m, &mail, NULL, &err), 0);
	h = header_block(&mail);
	ck_assert_ptr_nonnull(strstr(h, "To: undisclosed-recipients:;\r\n"));
	ck_assert_ptr_null(strstr(h, "In-Reply-To"));
	ck_assert_ptr_null(strstr(h, "References"));
	/* No header line anywhere; a bare "Bcc" may occur by chance in the
	 * base64 of the signature (random boundaries change it each run). */
	ck_assert_ptr_null(strstr(h, "Bcc"));
	ck_assert_ptr_null(strstr(mail.data, "\nBcc:"));
	free(h);
	/* A folio that could inject a header is refused outright. */
	bz_receipt_set(&r.folio, "BZ-1\r\nBcc: v@w");
	bz_buf_reset(&mail);
	ck_assert_int_ne(bz_receipt_render(s, &r, &m, &mail, NULL, &err), 0);
	m.from = "buzon@imss.pruebas.test\r\nX: y";
	bz_receipt_set(&r.folio, "BZ-2026-00000042");
	ck_assert_int_ne(bz_receipt_render(s, &r, &m, &mail, NULL, &err), 0);
	bz_receipt_free(&r);
	bz_receipt_signer_unref(s);
	bz_buf_free(&err);
	bz_buf_free(&mail);
}
END_TEST

#define NTHREADS	4
#define PER_THREAD	3

struct worker {
	struct bz_receipt_signer *signer;
	struct bz_buf	 mail[PER_THREAD];
	int		 failures;
};

/* render_worker - one thread rendering acuses with the shared signer */
static void *
render_worker(void *arg)
{
	struct worker *w = arg;
	struct bz_receipt_mail m = { "buzon@imss.pruebas.test", "juan@pruebas.test",
	    "<m1@pruebas.test>", PINNED, NULL, NULL, 0 };
	struct bz_buf err = BZ_BUF_INIT;

	for (int i = 0; i < PER_THREAD; i++) {
		struct bz_receipt r;

		sample(&r);
		bz_buf_init(&w->mail[i]);
		if (bz_receipt_render(w->signer, &r, &m, &w->mail[i], NULL, &err) != 0)
			w->failures++;
		bz_receipt_free(&r);
	}
	bz_buf_free(&err);
	return NULL;
}

/* One signer, several threads at once (the daemon's libmilter threads). */
START_TEST(test_concurrent_render)
{
	struct bz_receipt_signer *s = signer();
	struct bz_receipt_verify_opts vo = { cert_path, schema_path(), PINNED, pass_check, NULL };
	struct worker w[NTHREADS];
	pthread_t t[NTHREADS];

	for (int i = 0; i < NTHREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].signer = bz_receipt_signer_ref(s);
		ck_assert_int_eq(pthread_create(&t[i], NULL, render_worker, &w[i]), 0);
	}
	bz_receipt_signer_unref(s);	/* the threads hold the last references */
	for (int i = 0; i < NTHREADS; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_int_eq(w[i].failures, 0);
		for (int j = 0; j < PER_THREAD; j++) {
			struct bz_receipt_verify_result res;

			bz_receipt_verify_result_init(&res);
			ck_assert_int_eq(bz_receipt_verify(w[i].mail[j].data, w[i].mail[j].len,
			    &vo, &res), 0);
			bz_receipt_verify_result_free(&res);
			bz_buf_free(&w[i].mail[j]);
		}
		bz_receipt_signer_unref(w[i].signer);
	}
}
END_TEST

START_TEST(test_signer_refusals)
{
	struct bz_buf err = BZ_BUF_INIT;
	char other[512];
	EVP_PKEY *k = EVP_RSA_gen(2048);
	FILE *fp;

	make_institution();
	ck_assert_ptr_null(bz_receipt_signer_load("/nonexistent.crt", key_path, NULL, &err));
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&err), "InstitutionCertificate"));
	ck_assert_ptr_null(bz_receipt_signer_load(cert_path, cert_path, NULL, &err));
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&err), "InstitutionKey"));
	snprintf(other, sizeof(other), "%s/other.key", test_tmpdir());
	fp = fopen(other, "w");
	PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL, NULL);
	fclose(fp);
	EVP_PKEY_free(k);
	ck_assert_ptr_null(bz_receipt_signer_load(cert_path, other, NULL, &err));
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&err), "does not match"));
	bz_buf_free(&err);
}
END_TEST

START_TEST(test_rule_text)
{
	ck_assert_ptr_nonnull(strstr(bz_receipt_rule_text("submission.next-working-day"),
	    "siguiente día hábil"));
	ck_assert_ptr_nonnull(strstr(bz_receipt_rule_text("submission.arrival"), "llegada"));
	ck_assert_str_eq(bz_receipt_rule_text("regla.nueva"), "regla.nueva");
	ck_assert_str_eq(bz_receipt_rule_text(NULL), "");
}
END_TEST

START_TEST(test_text_part)
{
	struct bz_receipt r;
	struct bz_buf t = BZ_BUF_INIT;

	sample(&r);
	bz_receipt_set(&r.subject, "Asunto\nFolio: BZ-2026-99999999");
	bz_receipt_text(&r, &t);
	ck_assert_ptr_nonnull(strstr(t.data, "Folio: BZ-2026-00000042\n"));
	ck_assert_ptr_nonnull(strstr(t.data, "Asunto: Asunto Folio: BZ-2026-99999999\n"));
	ck_assert_ptr_null(strstr(t.data, "\nFolio: BZ-2026-99999999"));
	ck_assert_ptr_nonnull(strstr(t.data, "escrito.pdf"));
	ck_assert_ptr_nonnull(strstr(t.data, "tamaño: 1234 bytes"));
	ck_assert_ptr_nonnull(strstr(t.data, "SHA-256: " HASH_A));
	ck_assert_ptr_nonnull(strstr(t.data, "06/06/2026 12:00:00, hora de la Ciudad de México (UTC-06:00)"));
	ck_assert_ptr_nonnull(strstr(t.data, "08/06/2026 00:00:00"));
	ck_assert_ptr_nonnull(strstr(t.data, "buzonctl receipt verify"));
	ck_assert_ptr_nonnull(strstr(t.data, "openssl cms -verify"));
	bz_buf_free(&t);
	bz_receipt_free(&r);
}
END_TEST

/* The acuse de envio of a department's notification (event
 * envio-notificacion, issue 10) says the Institute received a
 * notification, not a promocion (the cadena and XML are unchanged). */
START_TEST(test_text_envio)
{
	struct bz_receipt r;
	struct bz_buf t = BZ_BUF_INIT;

	sample(&r);
	bz_receipt_text(&r, &t);
	ck_assert_ptr_nonnull(strstr(t.data, "recibió por el Buzón IMSS la promoción "
	    "descrita abajo."));
	ck_assert_ptr_nonnull(strstr(t.data, "La promoción llegó en día inhábil"));
	bz_buf_reset(&t);
	bz_receipt_set(&r.event, "envio-notificacion");
	bz_receipt_text(&r, &t);
	ck_assert_msg(strstr(t.data, "recibió por el Buzón IMSS la notificación "
	    "descrita abajo, para notificarla al patrón") != NULL, "%s", t.data);
	ck_assert_ptr_nonnull(strstr(t.data, "La notificación llegó en día inhábil: se "
	    "tiene por recibida a las 00:00 horas"));
	ck_assert_ptr_null(strstr(t.data, "promoción"));
	ck_assert_ptr_nonnull(strstr(t.data, "ACUSE DE RECIBO - Buzón IMSS"));
	bz_buf_reset(&t);
	bz_receipt_set(&r.legal_rule, "submission.arrival");
	bz_receipt_text(&r, &t);
	ck_assert_ptr_nonnull(strstr(t.data, "La notificación llegó en día hábil: se "
	    "tiene por recibida en el momento de su llegada."));
	bz_buf_free(&t);
	bz_receipt_free(&r);
}
END_TEST

/*
 * The rule set of the legal instant (LegalBasis, SubmissionFirstHour) in
 * the XML: valid values pass the schema and round-trip into the same
 * cadena; an acuse rebuilt from a filing recorded before the store kept
 * them omits both (and their cadena fields) and is still valid; anything
 * else is refused by the schema.
 */
static const struct {
	const char *basis, *first;
	int valid;
} rule_set_cases[] = {
	{ "lft", "00:00", 1 },
	{ "lft+cff", "09:30", 1 },
	{ "lft+cff", "23:59", 1 },
	{ NULL, NULL, 1 },		/* filed before schema version 3 */
	{ "cff", "09:30", 0 },
	{ "LFT", "09:30", 0 },
	{ "lft", "24:00", 0 },
	{ "lft", "9:30", 0 },
	{ "lft", "09:60", 0 },
	{ "lft", "09:30 ", 1 },		/* normalised to "09:30" first */
};

START_TEST(test_xml_rule_set)
{
	struct bz_receipt_signer *s = signer();
	struct bz_buf err = BZ_BUF_INIT;

	for (size_t i = 0; i < sizeof(rule_set_cases) / sizeof(rule_set_cases[0]); i++) {
		struct bz_receipt r, back;
		struct bz_buf xml = BZ_BUF_INIT, c1 = BZ_BUF_INIT, c2 = BZ_BUF_INIT;
		int rc;

		sample(&r);
		bz_receipt_set(&r.legal_basis, rule_set_cases[i].basis);
		bz_receipt_set(&r.first_hour, rule_set_cases[i].first);
		ck_assert_int_eq(bz_receipt_seal(s, &r, &err), 0);
		ck_assert_int_eq(bz_receipt_xml(&r, &xml, &err), 0);
		rc = bz_receipt_xml_validate(xml.data, xml.len, schema_path(), &err);
		ck_assert_msg((rc == 0) == rule_set_cases[i].valid, "case %zu: %s", i,
		    rc == 0 ? "valid" : bz_buf_str(&err));
		ck_assert_msg((strstr(xml.data, "<baseLegal>") != NULL) ==
		    (rule_set_cases[i].basis != NULL), "case %zu: baseLegal", i);
		bz_receipt_init(&back);
		ck_assert_int_eq(bz_receipt_from_xml(&back, xml.data, xml.len, &err), 0);
		bz_receipt_cadena(&r, &c1);
		bz_receipt_cadena(&back, &c2);
		ck_assert_str_eq(bz_buf_str(&c1), bz_buf_str(&c2));
		if (rule_set_cases[i].basis == NULL) {
			ck_assert_ptr_null(back.legal_basis);
			ck_assert_ptr_null(back.first_hour);
			ck_assert_ptr_nonnull(strstr(c1.data,
			    "|submission.next-working-day|sha256:none|"));
		}
		bz_receipt_free(&r);
		bz_receipt_free(&back);
		bz_buf_free(&xml);
		bz_buf_free(&c1);
		bz_buf_free(&c2);
	}
	bz_receipt_signer_unref(s);
	bz_buf_free(&err);
}
END_TEST

/* The Spanish text states the rule set in words, from the record only. */
static const struct {
	const char *basis, *first, *rule;
	const char *want[3];	/* substrings that must appear */
	const char *never;	/* and one that must not */
} rule_words[] = {
	{ "lft+cff", "09:30", "submission.next-working-day",
	  { "se tiene por recibida a las 09:30 horas (primera hora) del siguiente día hábil",
	    "Días inhábiles por ley: artículo 74 de la Ley Federal del Trabajo y artículo 12 "
	    "del Código Fiscal de la Federación (lft+cff)",
	    "Primera hora hábil para promociones: 09:30" }, "a la primera hora" },
	{ "lft", "00:00", "submission.next-working-day",
	  { "a las 00:00 horas (primera hora)",
	    "Días inhábiles por ley: artículo 74 de la Ley Federal del Trabajo (lft)\n",
	    "Primera hora hábil para promociones: 00:00" }, "Código Fiscal" },
	{ "lft", "09:30", "submission.arrival",
	  { "recibida en el momento de su llegada",
	    "Primera hora hábil para promociones: 09:30", "(lft)" }, "a las 09:30 horas" },
	{ NULL, NULL, "submission.next-working-day",
	  { "a la primera hora del siguiente día hábil", "Clave de la regla", "Versión" },
	  "Días inhábiles por ley" },
};

START_TEST(test_text_rule_set)
{
	for (size_t i = 0; i < sizeof(rule_words) / sizeof(rule_words[0]); i++) {
		struct bz_receipt r;
		struct bz_buf t = BZ_BUF_INIT;

		sample(&r);
		bz_receipt_set(&r.legal_basis, rule_words[i].basis);
		bz_receipt_set(&r.first_hour, rule_words[i].first);
		bz_receipt_set(&r.legal_rule, rule_words[i].rule);
		bz_receipt_text(&r, &t);
		for (size_t j = 0; j < 3; j++)
			ck_assert_msg(strstr(t.data, rule_words[i].want[j]) != NULL,
			    "case %zu: no \"%s\" in\n%s", i, rule_words[i].want[j], t.data);
		ck_assert_msg(strstr(t.data, rule_words[i].never) == NULL,
		    "case %zu: \"%s\" in\n%s", i, rule_words[i].never, t.data);
		bz_buf_free(&t);
		bz_receipt_free(&r);
	}
}
END_TEST

/*
 * The field table drives every rendering, so it must name each string of
 * struct bz_receipt exactly once, keep the cadena order of receipt.h
 * (fields 2 and 28 in their places), and give the text one line per place
 * 1..N without gaps.
 */
START_TEST(test_field_table)
{
	size_t strings = 0, maxrank = 0;
	int seen[64] = { 0 };

	for (size_t i = 0; i < bz_receipt_nfields; i++) {
		const struct bz_receipt_field *f = &bz_receipt_fields[i];

		if (!(f->flags & BZ_RECEIPT_F_PARTS)) {
			strings++;
			for (size_t k = 0; k < i; k++)
				ck_assert_msg(bz_receipt_fields[k].offset != f->offset ||
				    (bz_receipt_fields[k].flags & BZ_RECEIPT_F_PARTS),
				    "rows %zu and %zu name the same field", k, i);
		}
		if (f->text_rank > 0) {
			ck_assert_int_lt(f->text_rank, 64);
			ck_assert_msg(!seen[f->text_rank], "text place %d twice", f->text_rank);
			seen[f->text_rank] = 1;
			if ((size_t)f->text_rank > maxrank)
				maxrank = (size_t)f->text_rank;
		}
	}
	/* every char * of struct bz_receipt: all but parts and nparts */
	ck_assert_uint_eq(strings, (offsetof(struct bz_receipt, parts) / sizeof(char *)) +
	    (sizeof(struct bz_receipt) - offsetof(struct bz_receipt, arrival_utc)) /
	    sizeof(char *));
	for (size_t r = 1; r <= maxrank; r++)
		ck_assert_msg(seen[r], "no text line at place %zu", r);
	ck_assert_uint_eq(bz_receipt_fields[1].offset, offsetof(struct bz_receipt, folio));
	ck_assert_uint_eq(bz_receipt_fields[bz_receipt_nfields - 2].offset,
	    offsetof(struct bz_receipt, institution_no_certificado));
}
END_TEST

/*
 * The error convention (include/buzon/buf.h): a failing function appends
 * its reason to the caller's buffer and never resets it, so a caller's
 * context prefix survives (the receipt functions used to reset it).
 */
START_TEST(test_errors_append)
{
	struct bz_receipt r;
	struct bz_buf err = BZ_BUF_INIT;

	bz_receipt_init(&r);
	bz_buf_puts(&err, "context: ");
	ck_assert_int_eq(bz_receipt_from_xml(&r, "<no", 3, &err), -1);
	ck_assert_msg(strncmp(bz_buf_str(&err), "context: the acuse XML is not well-formed",
	    41) == 0, "%s", bz_buf_str(&err));
	bz_buf_reset(&err);
	bz_buf_puts(&err, "context: ");
	ck_assert_int_eq(bz_receipt_sello_verify(&r, "x", 1, &err), -1);
	ck_assert_str_eq(bz_buf_str(&err), "context: not a certificate");
	bz_receipt_free(&r);
	bz_buf_free(&err);
}
END_TEST

Suite *
suite_receipt(void)
{
	Suite *s = suite_create("receipt");
	TCase *tc = tcase_create("receipt");

	bz_receipt_library_init();
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_normalize);
	tcase_add_test(tc, test_cadena_order);
	tcase_add_test(tc, test_cadena_escaping);
	tcase_add_test(tc, test_sello_covers_every_field);
	tcase_add_test(tc, test_sello_rule_set_downgrade);
	tcase_add_test(tc, test_xml_valid_and_hostile_text_stays_text);
	tcase_add_test(tc, test_xml_refusals);
	tcase_add_test(tc, test_header_safety);
	tcase_add_test(tc, test_render_and_verify);
	tcase_add_test(tc, test_render_text_appendix);
	tcase_add_test(tc, test_unsafe_headers_omitted);
	tcase_add_test(tc, test_concurrent_render);
	tcase_add_test(tc, test_signer_refusals);
	tcase_add_test(tc, test_rule_text);
	tcase_add_test(tc, test_text_part);
	tcase_add_test(tc, test_text_envio);
	tcase_add_test(tc, test_xml_rule_set);
	tcase_add_test(tc, test_text_rule_set);
	tcase_add_test(tc, test_field_table);
	tcase_add_test(tc, test_errors_append);
	suite_add_tcase(s, tc);
	return s;
}
