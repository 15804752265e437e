/*
 * test_verify - the `buzonctl verify --json` object, byte for byte
 *
 * Issue 3: "With --json, one object: {"verdict", "integrity", "trust",
 * "identity" (each "pass"|"fail"|"unknown"), "reasons": [{"code",
 * "text"}], "signer": {"rfc", "rfc_representante", "curp",
 * "curp_representante", "name", "persona": "fisica"|"moral",
 * "no_certificado", "cert_sha256"}, "parts": [{"name", "content_type",
 * "size", "sha256"}]} (signer is null when there is none)." Scripts parse
 * it, so the exact text is the contract.
 *
 * The verdict rule, with messages signed here by OpenSSL with the test
 * PKI's keys: "Valid: accept. Unsigned, tampered, untrusted, CSD, expired
 * ...: 550 listing every reason found. Cannot decide (revocation service
 * down under tempfail policy): 451." A definite failure outweighs a
 * tempfail: a tampered message is rejected even when OCSP is down (and
 * the responder is not asked for it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "buzon/mime.h"
#include "buzon/verify.h"
#include "buzon/xalloc.h"
#include "pki.h"
#include "suites.h"

START_TEST(test_json_unsigned)
{
	struct bz_verification v;
	struct bz_buf out = BZ_BUF_INIT;

	memset(&v, 0, sizeof(v));
	bz_reasons_init(&v.reasons);
	v.verdict = BZ_VERDICT_REJECTED;
	bz_reasons_add(&v.reasons, "BZ-MSG-UNSIGNED");
	bz_verification_json(&v, &out);
	ck_assert_str_eq(bz_buf_str(&out),
	    "{\"verdict\": \"rejected\", \"integrity\": \"unknown\", \"trust\": \"unknown\", "
	    "\"identity\": \"unknown\", \"reasons\": [{\"code\": \"BZ-MSG-UNSIGNED\", "
	    "\"text\": \"El mensaje no esta firmado con S/MIME (multipart/signed o pkcs7-mime)\"}], "
	    "\"signer\": null, \"parts\": []}");
	bz_buf_free(&out);
	bz_verification_free(&v);
}
END_TEST

START_TEST(test_json_moral_with_parts)
{
	struct bz_verification v;
	struct bz_buf out = BZ_BUF_INIT;

	memset(&v, 0, sizeof(v));
	bz_reasons_init(&v.reasons);
	v.verdict = BZ_VERDICT_ACCEPTED;
	v.integrity = v.trust = v.identity = BZ_CHECK_PASS;
	v.signer = xcalloc(1, sizeof(*v.signer));
	v.signer->rfc = xstrdup("EBU200101AB8");
	v.signer->rfc_representante = xstrdup("PEGJ800101AB3");
	v.signer->curp_representante = xstrdup("PEGJ800101HDFRRN09");
	v.signer->name = xstrdup("EMPRESA \"BUZON\" \xc3\x91" "ANDU SA DE CV");
	v.signer->moral = 1;
	v.signer->no_certificado = xstrdup("30001000000700000002");
	v.signer->cert_sha256 = xstrdup("ab");
	v.nparts = 2;
	v.parts = xcalloc(2, sizeof(*v.parts));
	v.parts[0].content_type = xstrdup("text/plain");
	v.parts[0].size = 5;
	strcpy(v.parts[0].sha256, "cd");
	v.parts[1].name = xstrdup("declaraci\xc3\xb3n.pdf");
	v.parts[1].content_type = xstrdup("application/pdf");
	v.parts[1].size = 1048576;
	strcpy(v.parts[1].sha256, "ef");
	bz_verification_json(&v, &out);
	ck_assert_str_eq(bz_buf_str(&out),
	    "{\"verdict\": \"accepted\", \"integrity\": \"pass\", \"trust\": \"pass\", "
	    "\"identity\": \"pass\", \"reasons\": [], \"signer\": {\"rfc\": \"EBU200101AB8\", "
	    "\"rfc_representante\": \"PEGJ800101AB3\", \"curp\": null, "
	    "\"curp_representante\": \"PEGJ800101HDFRRN09\", "
	    "\"name\": \"EMPRESA \\\"BUZON\\\" \xc3\x91" "ANDU SA DE CV\", \"persona\": \"moral\", "
	    "\"no_certificado\": \"30001000000700000002\", \"cert_sha256\": \"ab\"}, "
	    "\"parts\": [{\"name\": null, \"content_type\": \"text/plain\", \"size\": 5, "
	    "\"sha256\": \"cd\"}, {\"name\": \"declaraci\xc3\xb3n.pdf\", "
	    "\"content_type\": \"application/pdf\", \"size\": 1048576, \"sha256\": \"ef\"}]}");
	bz_buf_free(&out);
	bz_verification_free(&v);
	ck_assert_ptr_null(v.signer);
	ck_assert_ptr_null(v.parts);
}
END_TEST

static const char entity[] =
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    "Declaraci=C3=B3n anual 2026";

enum form { DETACHED, OPAQUE, UNSIGNED };

/* signed_message - a whole message signed by a test PKI leaf */
static char *
signed_message(const char *leaf, enum form form, int tamper)
{
	struct bz_buf m = BZ_BUF_INIT;
	char *keyname = xasprintf("%s.key", leaf ? leaf : "none");
	char *keypath = xstrdup(test_pki_path(keyname));
	X509 *cert = leaf ? test_pki_cert(leaf) : NULL, *ca = test_pki_cert("ca");
	STACK_OF(X509) *chain = sk_X509_new_null();
	EVP_PKEY *key;
	FILE *fp;
	CMS_ContentInfo *cms;
	BIO *in = BIO_new_mem_buf(entity, sizeof(entity) - 1);
	unsigned char *der = NULL, *b64;
	int derlen;

	bz_buf_puts(&m, "From: a@pruebas.buzon.test\r\nSubject: prueba\r\n");
	if (form == UNSIGNED) {
		bz_buf_puts(&m, entity);
		goto out;
	}
	ck_assert_ptr_nonnull(fp = fopen(keypath, "r"));
	ck_assert_ptr_nonnull(key = PEM_read_PrivateKey(fp, NULL, NULL, NULL));
	fclose(fp);
	sk_X509_push(chain, ca);
	cms = CMS_sign(cert, key, chain, in, CMS_BINARY | (form == DETACHED ? CMS_DETACHED : 0));
	ck_assert_ptr_nonnull(cms);
	if (tamper && form == OPAQUE)
		(*CMS_get0_content(cms))->data[10] ^= 1;
	ck_assert_int_gt(derlen = i2d_CMS_ContentInfo(cms, &der), 0);
	b64 = xmalloc(4 * ((size_t)derlen / 3 + 2) + 1);
	EVP_EncodeBlock(b64, der, derlen);
	if (form == DETACHED) {
		bz_buf_puts(&m, "Content-Type: multipart/signed; protocol=\"application/"
		    "pkcs7-signature\"; micalg=sha-256; boundary=\"f\"\r\n\r\n--f\r\n");
		bz_buf_puts(&m, entity);
		if (tamper)
			m.data[m.len - 1] ^= 1;
		bz_buf_puts(&m, "\r\n--f\r\nContent-Type: application/pkcs7-signature\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n");
		bz_buf_puts(&m, (char *)b64);
		bz_buf_puts(&m, "\r\n--f--\r\n");
	} else {
		bz_buf_puts(&m, "Content-Type: application/pkcs7-mime; smime-type=signed-data\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n");
		bz_buf_puts(&m, (char *)b64);
		bz_buf_puts(&m, "\r\n");
	}
	free(b64);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	EVP_PKEY_free(key);
out:
	BIO_free(in);
	sk_X509_free(chain);
	X509_free(ca);
	X509_free(cert);
	free(keypath);
	free(keyname);
	return bz_buf_steal(&m);
}

#define OCSP_DOWN "Revocation ocsp\nOCSPResponder http://127.0.0.1:9/\nOCSPTimeout 2\n"

static const struct {
	const char	*name;
	const char	*leaf;
	enum form	 form;
	int		 tamper;
	const char	*config;
	enum bz_verdict	 verdict;
	enum bz_check	 integrity, trust, identity;
	const char	*reasons;	/* each must be present */
	int		 nreasons;	/* exact count, -1 for "at least" */
} verdicts[] = {
	{ "valid e.firma, detached", "efirma-fisica", DETACHED, 0, "Revocation none\n",
	  BZ_VERDICT_ACCEPTED, BZ_CHECK_PASS, BZ_CHECK_PASS, BZ_CHECK_PASS, "", 0 },
	{ "valid e.firma moral, opaque", "efirma-moral", OPAQUE, 0, "Revocation none\n",
	  BZ_VERDICT_ACCEPTED, BZ_CHECK_PASS, BZ_CHECK_PASS, BZ_CHECK_PASS, "", 0 },
	{ "unsigned", NULL, UNSIGNED, 0, "Revocation none\n", BZ_VERDICT_REJECTED,
	  BZ_CHECK_UNKNOWN, BZ_CHECK_UNKNOWN, BZ_CHECK_UNKNOWN, "BZ-MSG-UNSIGNED", 1 },
	{ "tampered content", "efirma-fisica", DETACHED, 1, "Revocation none\n",
	  BZ_VERDICT_REJECTED, BZ_CHECK_FAIL, BZ_CHECK_PASS, BZ_CHECK_PASS, "BZ-SIG-INVALID", 1 },
	{ "tampered eContent", "efirma-fisica", OPAQUE, 1, "Revocation none\n",
	  BZ_VERDICT_REJECTED, BZ_CHECK_FAIL, BZ_CHECK_PASS, BZ_CHECK_PASS, "BZ-SIG-INVALID", 1 },
	{ "CSD: signature fine, not an e.firma", "csd", DETACHED, 0, "Revocation none\n",
	  BZ_VERDICT_REJECTED, BZ_CHECK_PASS, BZ_CHECK_FAIL, BZ_CHECK_UNKNOWN, "BZ-CERT-CSD", -1 },
	{ "OCSP down: cannot decide", "efirma-fisica", DETACHED, 0, OCSP_DOWN,
	  BZ_VERDICT_TEMPFAIL, BZ_CHECK_PASS, BZ_CHECK_UNKNOWN, BZ_CHECK_PASS,
	  "BZ-REVOCATION-UNAVAILABLE", 1 },
	/* Integrity failed: the responder is not even asked (no
	 * BZ-REVOCATION-UNAVAILABLE), trust stays "not evaluated". */
	{ "OCSP down and tampered: rejected, responder not asked", "efirma-fisica",
	  DETACHED, 1, OCSP_DOWN, BZ_VERDICT_REJECTED, BZ_CHECK_FAIL, BZ_CHECK_UNKNOWN,
	  BZ_CHECK_PASS, "BZ-SIG-INVALID", 1 },
};

START_TEST(test_verdict_table)
{
	const __typeof__(verdicts[0]) *c = &verdicts[_i];
	struct bz_config *cfg = test_pki_config(c->config);
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_verify_ctx *ctx;
	struct bz_verification v;
	char *msg, *codes, *save = NULL;

	ck_assert_ptr_nonnull(cfg);
	ctx = bz_verify_ctx_new(cfg, &err);
	ck_assert_msg(ctx != NULL, "%s", bz_buf_str(&err));
	msg = signed_message(c->leaf, c->form, c->tamper);
	bz_verify_message(ctx, (const unsigned char *)msg, strlen(msg), TEST_PKI_INSTANT, &v);
	ck_assert_msg(v.verdict == c->verdict, "%s: verdict %s", c->name,
	    bz_verdict_name(v.verdict));
	ck_assert_msg(v.integrity == c->integrity, "%s: integrity %s", c->name,
	    bz_check_name(v.integrity));
	ck_assert_msg(v.trust == c->trust, "%s: trust %s", c->name, bz_check_name(v.trust));
	if (c->identity != BZ_CHECK_UNKNOWN || c->leaf == NULL)
		ck_assert_msg(v.identity == c->identity, "%s: identity %s", c->name,
		    bz_check_name(v.identity));
	codes = xstrdup(c->reasons);
	for (char *t = strtok_r(codes, " ", &save); t; t = strtok_r(NULL, " ", &save))
		ck_assert_msg(bz_reasons_has(&v.reasons, t), "%s: no %s", c->name, t);
	free(codes);
	if (c->nreasons >= 0)
		ck_assert_msg(v.reasons.n == (size_t)c->nreasons, "%s: %zu reasons (first %s)",
		    c->name, v.reasons.n, v.reasons.n ? v.reasons.items[0]->code : "-");
	if (c->leaf == NULL) {
		ck_assert_ptr_null(v.signer);
		ck_assert_str_eq(v.entity_sha256, "");
	} else {
		ck_assert_ptr_nonnull(v.signer);
		ck_assert(v.has_signing_time);
	}
	if (c->integrity == BZ_CHECK_PASS) {
		char sha[65];

		/* The signed entity and its one part, as the acuse lists them. */
		bz_sha256_hex(entity, sizeof(entity) - 1, sha);
		ck_assert_str_eq(v.entity_sha256, sha);
		ck_assert_int_eq(v.nparts, 1);
		ck_assert_str_eq(v.parts[0].content_type, "text/plain");
		ck_assert_int_eq(v.parts[0].size, strlen("Declaraci\xc3\xb3n anual 2026"));
		ck_assert_int_eq(v.opaque, c->form == OPAQUE);
	}
	if (c->verdict == BZ_VERDICT_ACCEPTED)
		ck_assert_str_eq(v.signer->rfc, c->form == OPAQUE ? "EBU200101AB8" :
		    "PEGJ800101AB3");
	bz_verification_free(&v);
	bz_verify_ctx_free(ctx);
	bz_config_unref(cfg);
	bz_buf_free(&err);
	free(msg);
}
END_TEST

/* MIME limits at the edges of their range build a context; values outside
 * it never reach here: the configuration refuses them (test_config). */
static const char *mime_limits[] = {
	"MaxMimeDepth 1\n",
	"MaxMimeDepth 100\n",
	"MaxMimeParts 1\n",
	"MaxMimeParts 1000000\n",
};

START_TEST(test_mime_limits)
{
	struct bz_config *cfg = test_pki_config(mime_limits[_i]);
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_verify_ctx *ctx;

	ck_assert_ptr_nonnull(cfg);
	ctx = bz_verify_ctx_new(cfg, &err);
	ck_assert_msg(ctx != NULL, "%s", bz_buf_str(&err));
	bz_verify_ctx_free(ctx);
	bz_config_unref(cfg);
	bz_buf_free(&err);
}
END_TEST

Suite *
suite_verify(void)
{
	Suite *s = suite_create("verify");
	TCase *tc = tcase_create("json");

	tcase_add_test(tc, test_json_unsigned);
	tcase_add_test(tc, test_json_moral_with_parts);
	tcase_add_loop_test(tc, test_mime_limits, 0,
	    sizeof(mime_limits) / sizeof(mime_limits[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("verdict");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_verdict_table, 0, sizeof(verdicts) / sizeof(verdicts[0]));
	suite_add_tcase(s, tc);
	return s;
}
