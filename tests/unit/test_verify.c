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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "buzon/digest.h"
#include "buzon/verify.h"
#include "buzon/xalloc.h"
#include "milter/buzonctl.h"
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
	ctl_verification_json(&v, &out);
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
	ctl_verification_json(&v, &out);
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
	msg = test_signed_message(c->leaf, c->form, c->tamper);
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
		bz_sha256_hex(test_entity, strlen(test_entity), sha);
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

/* --- messages signed with SAT's own test keys (../shared/sat-test-certs) ---
 *
 * Issue 3: "the e.firma EKU9003173C9 and CACX7605101P8 must be accepted
 * (test mode pinning "AC UAT", time pinned before 2027-05-17), the CSD
 * EKU9003173C9 rejected as CSD even though its signature is valid". The
 * certificate checks alone are in test_efirma; here a real CMS made with
 * SAT's published test keys (PKCS#8 DER, password 12345678a) goes through
 * the whole parse-and-verify entry point, as the milter runs it. The
 * signingTime is pinned (2025-12-31) so the rows do not depend on today's
 * date; the CMS carries only the leaf, as mail clients send it, and AC UAT
 * comes from IssuingCAs. Files are read in place; SKIP when absent.
 */
#define SAT_PASS	"12345678a"
#define SAT_AT		((int64_t)1767225600)	/* 2026-01-01T00:00:00Z */
#define SAT_SIGNED	((int64_t)1767139200)	/* 2025-12-31T00:00:00Z */

/* sat_file - ../shared/sat-test-certs/<rel> (caller frees), NULL with SKIP */
static char *
sat_file(const char *rel)
{
	char *p = xasprintf("%s/sat-test-certs/%s", test_shared_dir(), rel);

	if (access(p, R_OK) != 0) {
		printf("SKIP: %s not found (SAT test material absent)\n", p);
		fflush(stdout);
		free(p);
		return NULL;
	}
	return p;
}

/* sat_key - a SAT .key file: encrypted PKCS#8 DER */
static EVP_PKEY *
sat_key(const char *path)
{
	BIO *b = BIO_new_file(path, "rb");
	EVP_PKEY *k;

	ck_assert_ptr_nonnull(b);
	k = d2i_PKCS8PrivateKey_bio(b, NULL, NULL, (void *)SAT_PASS);
	BIO_free(b);
	ck_assert_msg(k != NULL, "%s does not decrypt with the published password", path);
	return k;
}

/* sat_config - TestMode pinning AC UAT under the Banxico test root, or
 * (production) the compiled-in pins with ARC5 and AC5; NULL with SKIP */
static struct bz_config *
sat_config(int production)
{
	char *root = sat_file(production ? "production-ca/ARC5_IES.crt" :
	    "test-chain/ARC_UAT_2022.crt");
	char *ac = sat_file(production ? "production-ca/AC5_SAT.crt" :
	    "test-chain/AC_UAT_2022.crt");
	struct bz_config *cfg = NULL;
	char *text;

	if (root != NULL && ac != NULL) {
		text = xasprintf("%sTrustAnchors %s\nIssuingCAs %s\nRevocation none\n",
		    production ? "" : "TestMode yes\n", root, ac);
		cfg = test_config_text(text);
		ck_assert_ptr_nonnull(cfg);
		free(text);
	}
	free(root);
	free(ac);
	return cfg;
}

static const struct sat_msg_case {
	const char	*name;
	const char	*dir;		/* under sat-test-certs */
	const char	*cer, *key;
	enum form	 form;
	enum mutation	 tamper;
	int		 production;	/* production pins instead of TestMode */
	int64_t		 signed_at, at;
	enum bz_verdict	 verdict;
	enum bz_check	 integrity, trust, identity;
	const char	*reasons;	/* exact list, in order */
	const char	*rfc, *no_cert, *persona;
} sat_msgs[] = {
	{ "e.firma moral EKU9003173C9, detached", "fiel-moral-EKU9003173C9",
	  "EKU9003173C9.cer", "EKU9003173C9.key", DETACHED, MUT_NONE, 0, SAT_SIGNED, SAT_AT,
	  BZ_VERDICT_ACCEPTED, BZ_CHECK_PASS, BZ_CHECK_PASS, BZ_CHECK_PASS, "",
	  "EKU9003173C9", "30001000000500003415", "moral" },
	{ "e.firma moral EKU9003173C9, opaque", "fiel-moral-EKU9003173C9",
	  "EKU9003173C9.cer", "EKU9003173C9.key", OPAQUE, MUT_NONE, 0, SAT_SIGNED, SAT_AT,
	  BZ_VERDICT_ACCEPTED, BZ_CHECK_PASS, BZ_CHECK_PASS, BZ_CHECK_PASS, "",
	  "EKU9003173C9", "30001000000500003415", "moral" },
	{ "e.firma fisica CACX7605101P8, detached", "fiel-fisica-CACX7605101P8",
	  "goodCertificate.cer", "goodPrivateKeyEncrypt.key", DETACHED, MUT_NONE, 0, SAT_SIGNED,
	  SAT_AT, BZ_VERDICT_ACCEPTED, BZ_CHECK_PASS, BZ_CHECK_PASS, BZ_CHECK_PASS, "",
	  "CACX7605101P8", "30001000000500003282", "fisica" },
	{ "e.firma fisica CACX7605101P8, opaque", "fiel-fisica-CACX7605101P8",
	  "goodCertificate.cer", "goodPrivateKeyEncrypt.key", OPAQUE, MUT_NONE, 0, SAT_SIGNED,
	  SAT_AT, BZ_VERDICT_ACCEPTED, BZ_CHECK_PASS, BZ_CHECK_PASS, BZ_CHECK_PASS, "",
	  "CACX7605101P8", "30001000000500003282", "fisica" },
	/* a valid CMS signature by SAT's CSD: integrity passes, still refused */
	{ "CSD EKU9003173C9: valid signature, rejected as CSD", "csd-moral-EKU9003173C9",
	  "EKU9003173C9.cer", "EKU9003173C9.key", DETACHED, MUT_NONE, 0, SAT_SIGNED, SAT_AT,
	  BZ_VERDICT_REJECTED, BZ_CHECK_PASS, BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-CSD",
	  "EKU9003173C9", "30001000000500003416", "moral" },
	{ "CSD EKU9003173C9, opaque", "csd-moral-EKU9003173C9",
	  "EKU9003173C9.cer", "EKU9003173C9.key", OPAQUE, MUT_NONE, 0, SAT_SIGNED, SAT_AT,
	  BZ_VERDICT_REJECTED, BZ_CHECK_PASS, BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-CSD",
	  "EKU9003173C9", "30001000000500003416", "moral" },
	{ "e.firma fisica, one byte of the text changed", "fiel-fisica-CACX7605101P8",
	  "goodCertificate.cer", "goodPrivateKeyEncrypt.key", DETACHED, MUT_TAMPER, 0,
	  SAT_SIGNED, SAT_AT, BZ_VERDICT_REJECTED, BZ_CHECK_FAIL, BZ_CHECK_PASS, BZ_CHECK_PASS,
	  "BZ-SIG-INVALID", "CACX7605101P8", "30001000000500003282", "fisica" },
	{ "e.firma moral, eContent changed", "fiel-moral-EKU9003173C9",
	  "EKU9003173C9.cer", "EKU9003173C9.key", OPAQUE, MUT_TAMPER, 0, SAT_SIGNED, SAT_AT,
	  BZ_VERDICT_REJECTED, BZ_CHECK_FAIL, BZ_CHECK_PASS, BZ_CHECK_PASS,
	  "BZ-SIG-INVALID", "EKU9003173C9", "30001000000500003415", "moral" },
	/* arrival 2027-06-01, after the 2027-05-17 expiry; signed in time */
	{ "e.firma moral arriving after its expiry", "fiel-moral-EKU9003173C9",
	  "EKU9003173C9.cer", "EKU9003173C9.key", DETACHED, MUT_NONE, 0, SAT_SIGNED,
	  1811808000, BZ_VERDICT_REJECTED, BZ_CHECK_PASS, BZ_CHECK_FAIL, BZ_CHECK_PASS,
	  "BZ-CERT-EXPIRED", "EKU9003173C9", "30001000000500003415", "moral" },
	/* signingTime 2022-01-01, before the certificate existed (2023-05-18) */
	{ "signingTime before notBefore", "fiel-moral-EKU9003173C9",
	  "EKU9003173C9.cer", "EKU9003173C9.key", DETACHED, MUT_NONE, 0, 1640995200, SAT_AT,
	  BZ_VERDICT_REJECTED, BZ_CHECK_PASS, BZ_CHECK_PASS, BZ_CHECK_PASS,
	  "BZ-SIG-TIME", "EKU9003173C9", "30001000000500003415", "moral" },
	/* production pins (ARC5/AC5): SAT's *test* e.firma is not trusted */
	{ "production mode: a test e.firma is untrusted", "fiel-moral-EKU9003173C9",
	  "EKU9003173C9.cer", "EKU9003173C9.key", DETACHED, MUT_NONE, 1, SAT_SIGNED, SAT_AT,
	  BZ_VERDICT_REJECTED, BZ_CHECK_PASS, BZ_CHECK_FAIL, BZ_CHECK_PASS,
	  "BZ-CERT-UNTRUSTED", "EKU9003173C9", "30001000000500003415", "moral" },
};

START_TEST(test_sat_messages)
{
	const struct sat_msg_case *c = &sat_msgs[_i];
	char *cer = NULL, *key = NULL, *msg = NULL, *rel;
	struct bz_config *cfg;
	struct bz_buf err = BZ_BUF_INIT, got = BZ_BUF_INIT, json = BZ_BUF_INIT;
	struct bz_verify_ctx *ctx;
	struct bz_verification v;
	EVP_PKEY *pk;
	X509 *x;

	rel = xasprintf("%s/%s", c->dir, c->cer);
	cer = sat_file(rel);
	free(rel);
	rel = xasprintf("%s/%s", c->dir, c->key);
	key = sat_file(rel);
	free(rel);
	if (cer == NULL || key == NULL || (cfg = sat_config(c->production)) == NULL)
		goto out;
	ck_assert_msg((ctx = bz_verify_ctx_new(cfg, &err)) != NULL, "%s", bz_buf_str(&err));
	ck_assert_ptr_nonnull(x = test_load_cert(cer));
	pk = sat_key(key);
	msg = test_sign_entity(x, pk, NULL, c->form, c->signed_at, c->tamper, P7M_NAMED);
	bz_verify_message(ctx, (const unsigned char *)msg, strlen(msg), c->at, &v);
	for (size_t i = 0; i < v.reasons.n; i++)
		bz_buf_printf(&got, "%s%s", i ? " " : "", v.reasons.items[i]->code);
	ck_assert_msg(strcmp(bz_buf_str(&got), c->reasons) == 0, "%s: reasons [%s], want [%s]",
	    c->name, bz_buf_str(&got), c->reasons);
	ck_assert_msg(v.verdict == c->verdict, "%s: verdict %s", c->name,
	    bz_verdict_name(v.verdict));
	ck_assert_msg(v.integrity == c->integrity && v.trust == c->trust &&
	    v.identity == c->identity, "%s: integrity %s trust %s identity %s", c->name,
	    bz_check_name(v.integrity), bz_check_name(v.trust), bz_check_name(v.identity));
	ck_assert_int_eq(v.opaque, c->form == OPAQUE);
	ck_assert_ptr_nonnull(v.signer);
	ck_assert_str_eq(v.signer->rfc, c->rfc);
	ck_assert_str_eq(v.signer->no_certificado, c->no_cert);
	ck_assert_int_eq(v.has_signing_time, 1);
	ck_assert(v.signing_time == c->signed_at);
	/* what `buzonctl verify --json` prints for it */
	ctl_verification_json(&v, &json);
	rel = xasprintf("\"persona\": \"%s\", \"no_certificado\": \"%s\"", c->persona,
	    c->no_cert);
	ck_assert_msg(strstr(bz_buf_str(&json), rel) != NULL, "%s: %s", c->name,
	    bz_buf_str(&json));
	free(rel);
	if (c->integrity == BZ_CHECK_PASS) {
		ck_assert_int_eq(v.nparts, 1);
		ck_assert_str_eq(v.parts[0].content_type, "text/plain");
	}
	bz_verification_free(&v);
	EVP_PKEY_free(pk);
	X509_free(x);
	bz_verify_ctx_free(ctx);
	bz_config_unref(cfg);
out:
	free(msg);
	free(cer);
	free(key);
	bz_buf_free(&err);
	bz_buf_free(&got);
	bz_buf_free(&json);
}
END_TEST

/* --- every kind of bad input gets a coded reason ---
 *
 * Mission rule: "Every kind of bad input (unsigned, tampered, expired, CSD,
 * truncated MIME, huge, malformed base64, wrong digest, spoofed X-Buzon-*
 * headers) gets a clear, coded reason, and a test." Unsigned, tampered,
 * expired and CSD are rows of the verdict table above; huge is the
 * milter's MaxMessageSize (tests/milter/too-large.lua, tests/e2e/oversize.sh)
 * and forged X-Buzon-* headers are removed or refused by the milter
 * (tests/milter/forged-headers.lua, tests/e2e/forged-header.sh). Here: a
 * message signed by the test PKI's e.firma, then broken after signing at
 * the MIME level (cut short at several places, base64 corrupted, micalg
 * lying) or inside the CMS (messageDigest or digestAlgorithm wrong). Each
 * row gives the exact reason list: never accepted, never a tempfail, never
 * a reason-less rejection. The same message under the legacy spellings of
 * the two forms is accepted.
 */
enum edit {
	ED_NONE,
	ED_CUT_SIGNED,		/* cut inside the signed part */
	ED_CUT_SIG,		/* cut half way through the base64 CMS */
	ED_CUT_CLOSE,		/* only the close delimiter missing */
	ED_BAD_B64,		/* "*!" inside the base64 CMS */
	ED_MICALG_SHA1,		/* micalg=sha-1 over a SHA-256 CMS */
	ED_LEGACY_X,		/* x-pkcs7-signature / x-pkcs7-mime spellings */
	ED_OCTET_P7M,		/* opaque as application/octet-stream smime.p7m */
	ED_WRAP_MIXED,		/* the signed body put inside a multipart/mixed
				 * beside unsigned text and a desistimiento.pdf */
	ED_PREAMBLE,		/* text in the multipart/signed preamble and
				 * epilogue (outside the signed part) */
};

/* The unsigned parts an attacker adds around a genuine signed body. */
#define WRAP_HEAD	"Content-Type: multipart/mixed; boundary=\"W\"\r\n\r\n" \
			"--W\r\nContent-Type: text/plain\r\n\r\nDesisto de la promocion.\r\n" \
			"--W\r\n"
#define WRAP_TAIL	"--W\r\nContent-Type: application/pdf; name=desistimiento.pdf\r\n" \
			"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--W--\r\n"

/* replace - the first `from` in msg becomes `to` (msg is reallocated) */
static char *
replace(char *msg, const char *from, const char *to)
{
	char *p = strstr(msg, from), *out;

	ck_assert_msg(p != NULL, "no \"%s\" in the message", from);
	out = xasprintf("%.*s%s%s", (int)(p - msg), msg, to, p + strlen(from));
	free(msg);
	return out;
}

/* edit_message - break or respell msg (ours, NUL-terminated) as asked */
static char *
edit_message(char *msg, enum edit e)
{
	char *b64 = strstr(msg, "base64\r\n\r\n"), *end;
	char *p;

	ck_assert_ptr_nonnull(b64);
	b64 += strlen("base64\r\n\r\n");
	end = strstr(b64, "\r\n");
	ck_assert_ptr_nonnull(end);
	switch (e) {
	case ED_NONE:
		break;
	case ED_CUT_SIGNED:
		ck_assert_ptr_nonnull(p = strstr(msg, "Declaraci"));
		p[4] = '\0';
		break;
	case ED_CUT_SIG:
		/* a multiple of 4 characters: valid base64, half a DER */
		b64[((size_t)(end - b64) / 2) & ~(size_t)3] = '\0';
		break;
	case ED_CUT_CLOSE:
		ck_assert_ptr_nonnull(p = strstr(msg, "\r\n--f--\r\n"));
		p[2] = '\0';
		break;
	case ED_BAD_B64:
		p = b64 + (end - b64) / 2;
		p[0] = '*';
		p[1] = '!';
		break;
	case ED_MICALG_SHA1:
		ck_assert_ptr_nonnull(p = strstr(msg, "micalg=sha-256;"));
		memcpy(p, "micalg=sha-1;  ", 15);
		break;
	case ED_LEGACY_X:
		if (strstr(msg, "multipart/signed") != NULL) {
			msg = replace(msg, "protocol=\"application/pkcs7-signature\"",
			    "protocol=\"application/x-pkcs7-signature\"");
			msg = replace(msg, "Content-Type: application/pkcs7-signature",
			    "Content-Type: application/x-pkcs7-signature");
		} else
			msg = replace(msg, "application/pkcs7-mime; smime-type=signed-data;",
			    "application/x-pkcs7-mime;");
		break;
	case ED_WRAP_MIXED:
		ck_assert_ptr_nonnull(p = strstr(msg, "Content-Type: "));
		p = xasprintf("%.*s" WRAP_HEAD "%s" WRAP_TAIL, (int)(p - msg), msg, p);
		free(msg);
		msg = p;
		break;
	case ED_PREAMBLE:
		msg = replace(msg, "boundary=\"f\"\r\n\r\n--f\r\n",
		    "boundary=\"f\"\r\n\r\nDesisto de la promocion.\r\n--f\r\n");
		msg = replace(msg, "\r\n--f--\r\n", "\r\n--f--\r\nDesisto de la promocion.\r\n");
		break;
	case ED_OCTET_P7M:
		msg = replace(msg, "Content-Type: application/pkcs7-mime; smime-type=signed-data;"
		    " name=smime.p7m\r\n", "Content-Type: application/octet-stream\r\n"
		    "Content-Disposition: attachment; filename=\"smime.p7m\"\r\n");
		break;
	}
	return msg;
}

static const struct bad_case {
	const char	*name;
	enum form	 form;
	enum mutation	 mutation;
	enum edit	 edit;
	enum bz_verdict	 verdict;
	enum bz_check	 integrity;
	const char	*reasons;	/* exact list, in order */
} bad_inputs[] = {
	{ "intact (the rows below break this one)", DETACHED, MUT_NONE, ED_NONE,
	  BZ_VERDICT_ACCEPTED, BZ_CHECK_PASS, "" },
	{ "truncated inside the signed part", DETACHED, MUT_NONE, ED_CUT_SIGNED,
	  BZ_VERDICT_REJECTED, BZ_CHECK_UNKNOWN, "BZ-MSG-MALFORMED BZ-MSG-UNSIGNED" },
	{ "truncated inside the signature", DETACHED, MUT_NONE, ED_CUT_SIG,
	  BZ_VERDICT_REJECTED, BZ_CHECK_UNKNOWN, "BZ-MSG-MALFORMED BZ-SIG-MALFORMED" },
	{ "truncated before the close delimiter", DETACHED, MUT_NONE, ED_CUT_CLOSE,
	  BZ_VERDICT_REJECTED, BZ_CHECK_PASS, "BZ-MSG-MALFORMED" },
	{ "opaque, truncated inside the CMS", OPAQUE, MUT_NONE, ED_CUT_SIG,
	  BZ_VERDICT_REJECTED, BZ_CHECK_UNKNOWN, "BZ-SIG-MALFORMED" },
	{ "malformed base64 in the signature part", DETACHED, MUT_NONE, ED_BAD_B64,
	  BZ_VERDICT_REJECTED, BZ_CHECK_UNKNOWN, "BZ-MSG-ENCODING BZ-SIG-MALFORMED" },
	{ "malformed base64 in the opaque body", OPAQUE, MUT_NONE, ED_BAD_B64,
	  BZ_VERDICT_REJECTED, BZ_CHECK_UNKNOWN, "BZ-MSG-ENCODING BZ-SIG-MALFORMED" },
	{ "wrong messageDigest attribute", DETACHED, MUT_MSGDIGEST, ED_NONE,
	  BZ_VERDICT_REJECTED, BZ_CHECK_FAIL, "BZ-SIG-INVALID" },
	{ "wrong messageDigest attribute, opaque", OPAQUE, MUT_MSGDIGEST, ED_NONE,
	  BZ_VERDICT_REJECTED, BZ_CHECK_FAIL, "BZ-SIG-INVALID" },
	{ "digestAlgorithm says SHA-512, digest is SHA-256", DETACHED, MUT_DIGESTALG,
	  ED_NONE, BZ_VERDICT_REJECTED, BZ_CHECK_FAIL, "BZ-SIG-INVALID" },
	/* issue 3: "also the legacy application/x-pkcs7-signature", "also
	 * x-pkcs7-mime, .p7m": the same signature under the other spellings */
	{ "detached, x-pkcs7-signature", DETACHED, MUT_NONE, ED_LEGACY_X,
	  BZ_VERDICT_ACCEPTED, BZ_CHECK_PASS, "" },
	{ "opaque, x-pkcs7-mime without smime-type", OPAQUE, MUT_NONE, ED_LEGACY_X,
	  BZ_VERDICT_ACCEPTED, BZ_CHECK_PASS, "" },
	{ "opaque, octet-stream named smime.p7m", OPAQUE, MUT_NONE, ED_OCTET_P7M,
	  BZ_VERDICT_ACCEPTED, BZ_CHECK_PASS, "" },
	/* issue 8: the signed entity must be the top-level body; a genuine
	 * signature wrapped with unsigned content is refused, its integrity
	 * still reported. The preamble and epilogue of the top-level
	 * multipart/signed are not content (test_preamble_not_a_part). */
	{ "detached inside multipart/mixed with unsigned parts", DETACHED, MUT_NONE,
	  ED_WRAP_MIXED, BZ_VERDICT_REJECTED, BZ_CHECK_PASS, "BZ-MSG-OUTSIDE-SIGNATURE" },
	{ "opaque inside multipart/mixed with unsigned parts", OPAQUE, MUT_NONE,
	  ED_WRAP_MIXED, BZ_VERDICT_REJECTED, BZ_CHECK_PASS, "BZ-MSG-OUTSIDE-SIGNATURE" },
	{ "text in the multipart/signed preamble and epilogue", DETACHED, MUT_NONE,
	  ED_PREAMBLE, BZ_VERDICT_ACCEPTED, BZ_CHECK_PASS, "" },
	/* micalg is advisory (RFC 8551 3.5.3): the CMS says what was used */
	{ "micalg lies (sha-1), the CMS is SHA-256", DETACHED, MUT_NONE, ED_MICALG_SHA1,
	  BZ_VERDICT_ACCEPTED, BZ_CHECK_PASS, "" },
};

START_TEST(test_bad_inputs)
{
	const struct bad_case *c = &bad_inputs[_i];
	struct bz_config *cfg = test_pki_config("Revocation none\n");
	struct bz_buf err = BZ_BUF_INIT, got = BZ_BUF_INIT;
	struct bz_verify_ctx *ctx;
	struct bz_verification v;
	X509 *cert = test_pki_cert("efirma-fisica");
	EVP_PKEY *key;
	char *msg;

	ck_assert_ptr_nonnull(cfg);
	ck_assert_msg((ctx = bz_verify_ctx_new(cfg, &err)) != NULL, "%s", bz_buf_str(&err));
	key = test_pki_key("efirma-fisica");
	/* signed 2026-05-31, validated at TEST_PKI_INSTANT */
	msg = test_sign_entity(cert, key, NULL, c->form, TEST_PKI_INSTANT - 86400, c->mutation,
	    P7M_NAMED);
	msg = edit_message(msg, c->edit);
	bz_verify_message(ctx, (const unsigned char *)msg, strlen(msg), TEST_PKI_INSTANT, &v);
	for (size_t i = 0; i < v.reasons.n; i++)
		bz_buf_printf(&got, "%s%s", i ? " " : "", v.reasons.items[i]->code);
	ck_assert_msg(strcmp(bz_buf_str(&got), c->reasons) == 0, "%s: reasons [%s], want [%s]",
	    c->name, bz_buf_str(&got), c->reasons);
	ck_assert_msg(v.verdict == c->verdict, "%s: verdict %s", c->name,
	    bz_verdict_name(v.verdict));
	ck_assert_msg(v.integrity == c->integrity, "%s: integrity %s", c->name,
	    bz_check_name(v.integrity));
	bz_verification_free(&v);
	free(msg);
	EVP_PKEY_free(key);
	X509_free(cert);
	bz_verify_ctx_free(ctx);
	bz_config_unref(cfg);
	bz_buf_free(&err);
	bz_buf_free(&got);
}
END_TEST

/* issue 8: "The preamble and epilogue of the top-level multipart/signed
 * are not documents and are never listed as such": the parts are the
 * signed entity's leaves only, and the entity digest is the signed part's. */
START_TEST(test_preamble_not_a_part)
{
	struct bz_config *cfg = test_pki_config("Revocation none\n");
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_verify_ctx *ctx;
	struct bz_verification v;
	X509 *cert = test_pki_cert("efirma-fisica");
	EVP_PKEY *key = test_pki_key("efirma-fisica");
	char *msg, sha[65];

	ck_assert_ptr_nonnull(cfg);
	ck_assert_msg((ctx = bz_verify_ctx_new(cfg, &err)) != NULL, "%s", bz_buf_str(&err));
	msg = test_sign_entity(cert, key, NULL, DETACHED, TEST_PKI_INSTANT - 86400, MUT_NONE,
	    P7M_NAMED);
	msg = edit_message(msg, ED_PREAMBLE);
	bz_verify_message(ctx, (const unsigned char *)msg, strlen(msg), TEST_PKI_INSTANT, &v);
	ck_assert_int_eq(v.verdict, BZ_VERDICT_ACCEPTED);
	ck_assert_uint_eq(v.nparts, 1);
	ck_assert_str_eq(v.parts[0].content_type, "text/plain");
	ck_assert_uint_eq(v.parts[0].size, strlen("Declaraci\xc3\xb3n anual 2026"));
	bz_sha256_hex(test_entity, strlen(test_entity), sha);
	ck_assert_str_eq(v.entity_sha256, sha);
	bz_verification_free(&v);
	free(msg);
	EVP_PKEY_free(key);
	X509_free(cert);
	bz_verify_ctx_free(ctx);
	bz_config_unref(cfg);
	bz_buf_free(&err);
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

/* Issue 16: the regression file of the fuzz corpus (a detached SignedData
 * whose digestAlgorithms is empty, tests/fuzz/digestless.py) through the
 * milter's entry point: refused as malformed, and, under LeakSanitizer,
 * without the 272 bytes OpenSSL 3.0's CMS_verify leaks for it. */
START_TEST(test_empty_digest_set_message)
{
	struct bz_config *cfg = test_pki_config("");
	struct bz_buf err = BZ_BUF_INIT, msg = BZ_BUF_INIT;
	struct bz_verify_ctx *ctx;
	struct bz_verification v;
	char *path = xasprintf("%s/tests/fuzz/regressions/verify/"
	    "cms-empty-digest-algorithms.eml", test_srcdir());
	FILE *fp = fopen(path, "rb");
	char chunk[4096];
	size_t n;

	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		bz_buf_append(&msg, chunk, n);
	fclose(fp);
	ck_assert_ptr_nonnull(cfg);
	ctx = bz_verify_ctx_new(cfg, &err);
	ck_assert_msg(ctx != NULL, "%s", bz_buf_str(&err));
	for (int i = 0; i < 100; i++) {
		bz_verify_message(ctx, (const unsigned char *)msg.data, msg.len,
		    TEST_PKI_INSTANT, &v);
		ck_assert_int_eq(v.verdict, BZ_VERDICT_REJECTED);
		ck_assert_int_eq(v.integrity, BZ_CHECK_UNKNOWN);
		ck_assert_msg(v.reasons.n == 1 && bz_reasons_has(&v.reasons,
		    "BZ-SIG-MALFORMED"), "%zu reasons (first %s)", v.reasons.n,
		    v.reasons.n ? v.reasons.items[0]->code : "-");
		bz_verification_free(&v);
	}
	bz_verify_ctx_free(ctx);
	bz_config_unref(cfg);
	bz_buf_free(&err);
	bz_buf_free(&msg);
	free(path);
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
	tc = tcase_create("sat-messages");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_sat_messages, 0, sizeof(sat_msgs) / sizeof(sat_msgs[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("bad-input");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_bad_inputs, 0,
	    sizeof(bad_inputs) / sizeof(bad_inputs[0]));
	tcase_add_test(tc, test_preamble_not_a_part);
	tcase_add_test(tc, test_empty_digest_set_message);
	suite_add_tcase(s, tc);
	return s;
}
