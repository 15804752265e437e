/*
 * test_efirma - is it a genuine SAT e.firma, and whose? (issue 3)
 *
 * Against the generated test PKI (tests/pki/gen-pki.sh, via pki.c) at the
 * pinned instant 2026-06-01T12:00:00Z, and, when ../shared/sat-test-certs
 * exists, against SAT's own test certificates (read in place; when absent
 * the tests print "SKIP: ..." and pass without asserting). Revocation is
 * tested with CRL files and with a real `openssl ocsp` responder on
 * loopback started by the test.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <pthread.h>
#include <unistd.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "buzon/efirma.h"
#include "buzon/reason.h"
#include "buzon/sat_pins.h"
#include "buzon/xalloc.h"
#include "pki.h"
#include "suites.h"

/* One verdict expectation: trust, identity and the exact set of reasons. */
struct outcome {
	enum bz_check	 trust;
	enum bz_check	 identity;
	const char	*reasons;	/* space-separated, exact set; "" none */
};

/* run_check - bz_efirma_check of cert (untrusted: extra, may be NULL) */
static void
run_check(const struct bz_efirma_ctx *ctx, X509 *cert, X509 *extra, int64_t at,
    struct bz_signer *s, enum bz_check *trust, enum bz_check *identity,
    struct bz_reasons *r)
{
	STACK_OF(X509) *unt = NULL;

	if (extra != NULL) {
		unt = sk_X509_new_null();
		sk_X509_push(unt, extra);
	}
	bz_reasons_init(r);
	ck_assert_int_eq(bz_efirma_check(ctx, cert, unt, at, s, trust, identity, r), 0);
	sk_X509_free(unt);
}

/* assert_outcome - verdicts and the exact set of reasons */
static void
assert_outcome(const char *label, enum bz_check trust, enum bz_check identity,
    const struct bz_reasons *r, const struct outcome *want)
{
	char *list = xstrdup(want->reasons), *save = NULL, *code;
	size_t n = 0;

	ck_assert_msg(trust == want->trust, "%s: trust %s, want %s", label,
	    bz_check_name(trust), bz_check_name(want->trust));
	ck_assert_msg(identity == want->identity, "%s: identity %s, want %s", label,
	    bz_check_name(identity), bz_check_name(want->identity));
	for (code = strtok_r(list, " ", &save); code != NULL;
	    code = strtok_r(NULL, " ", &save), n++)
		ck_assert_msg(bz_reasons_has(r, code), "%s: missing reason %s", label,
		    code);
	for (size_t i = 0; i < r->n; i++)
		ck_assert_msg(strstr(want->reasons, r->items[i]->code) != NULL,
		    "%s: unexpected reason %s", label, r->items[i]->code);
	ck_assert_msg(r->n == n, "%s: %zu reasons, want %zu", label, r->n, n);
	free(list);
}

/* streq_null - equal strings, or both NULL */
static void
assert_field(const char *label, const char *field, const char *got,
    const char *want)
{
	if (want == NULL)
		ck_assert_msg(got == NULL, "%s: %s = \"%s\", want none", label, field,
		    got);
	else
		ck_assert_msg(got != NULL && strcmp(got, want) == 0,
		    "%s: %s = \"%s\", want \"%s\"", label, field, got ? got : "(null)",
		    want);
}

/*
 * The generated PKI, Revocation none, TestMode pins = "AC de pruebas buzon".
 * EFIRMA.md 6: chain to a pinned issuer, not a CSD (no OU, EKU
 * emailProtection, KU digitalSignature+nonRepudiation), RSA >= 2048 with
 * SHA-2, within validity at the arrival instant; identity from 2.5.4.45,
 * 2.5.4.5, 2.5.4.41 and the 20-digit serial.
 */
static const struct leaf_case {
	const char	*cert;
	const char	*extra;		/* a CA the CMS would carry, or NULL */
	struct outcome	 want;
	const char	*rfc, *rfc_rep, *curp, *curp_rep, *name;
	int		 moral;
	const char	*no_cert;
} leaf_cases[] = {
	{ "efirma-fisica", NULL, { BZ_CHECK_PASS, BZ_CHECK_PASS, "" },
	  "PEGJ800101AB3", NULL, "PEGJ800101HDFRRN09", NULL, "JUAN PEREZ GARCIA", 0,
	  "30001000000700000001" },
	{ "efirma-moral", NULL, { BZ_CHECK_PASS, BZ_CHECK_PASS, "" },
	  "EBU200101AB8", "PEGJ800101AB3", NULL, "PEGJ800101HDFRRN09",
	  "EMPRESA BUZON SA DE CV", 1, "30001000000700000002" },
	/* the leaf's CA in the CMS too (as clients send it): same answer */
	{ "efirma-fisica", "ca", { BZ_CHECK_PASS, BZ_CHECK_PASS, "" },
	  "PEGJ800101AB3", NULL, "PEGJ800101HDFRRN09", NULL, "JUAN PEREZ GARCIA", 0,
	  "30001000000700000001" },
	{ "csd", NULL, { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-CSD" },
	  "EBU200101AB8", "PEGJ800101AB3", NULL, "PEGJ800101HDFRRN09",
	  "EMPRESA BUZON SA DE CV", 1, "30001000000700000003" },
	{ "expired", NULL, { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-EXPIRED" },
	  "LOPM700101AB1", NULL, "LOPM700101MDFPRR01", NULL, "MARIA LOPEZ MORA", 0,
	  "30001000000700000004" },
	{ "future", NULL, { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-NOT-YET-VALID" },
	  "FUTU800101AB6", NULL, "FUTU800101HDFTRR06", NULL, "FUTURO FUTURO", 0,
	  "30001000000700000009" },
	/* revocation is not asked (Revocation none) */
	{ "revoked", NULL, { BZ_CHECK_PASS, BZ_CHECK_PASS, "" },
	  "RERE800101AB2", NULL, "RERR800101HDFVMB02", NULL,
	  "ROBERTO REVOCADO RAMOS", 0, "30001000000700000005" },
	{ "weak-key", NULL, { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-WEAK-KEY" },
	  "DEBI800101AB4", NULL, "DEBI800101HDFBTS04", NULL, "DEBIL BITS", 0,
	  "30001000000700000006" },
	{ "sha1", NULL, { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-WEAK-SIG" },
	  "SHAU800101AB5", NULL, "SHAU800101HDFHNN05", NULL, "SHA UNO", 0,
	  "30001000000700000007" },
	/* T61String with the Latin-1 byte 0xD1 comes out as UTF-8 C3 91 */
	{ "t61", NULL, { BZ_CHECK_PASS, BZ_CHECK_PASS, "" },
	  "IA\xC3\x91L750210963", NULL, "IAXL750210HDFNZS09", NULL,
	  "LUIS IAN \xC3\x91UZCO", 0, "30001000000700000008" },
	{ "noeku", NULL, { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-NOT-EFIRMA" },
	  "NOEK800101AB7", NULL, "NOEK800101HDFKKK07", NULL, "SIN EKU", 0,
	  "30001000000700000010" },
	{ "badid", NULL, { BZ_CHECK_PASS, BZ_CHECK_FAIL, "BZ-CERT-IDENTITY" },
	  "NO ES UN RFC", NULL, "XYZ", NULL, "SIN IDENTIDAD", 0,
	  "30001000000700000011" },
	{ "badserial", NULL, { BZ_CHECK_PASS, BZ_CHECK_FAIL, "BZ-CERT-SERIAL" },
	  "BASE800101AB8", NULL, "BASE800101HDFRRR08", NULL, "SERIE MALA", 0, NULL },
	/* chains to the configured root, but its CA is not pinned */
	{ "efirma-otherca", "other-ca", { BZ_CHECK_FAIL, BZ_CHECK_PASS,
	  "BZ-CERT-UNTRUSTED" },
	  "OTRA800101AB9", NULL, "OTRA800101HDFTRR09", NULL, "OTRA AC PEREZ", 0,
	  "30001000000800000001" },
	/* the leaf's issuer missing altogether: the pinned CA still builds it */
	{ "efirma-otherca", NULL, { BZ_CHECK_FAIL, BZ_CHECK_PASS,
	  "BZ-CERT-UNTRUSTED" },
	  "OTRA800101AB9", NULL, "OTRA800101HDFTRR09", NULL, "OTRA AC PEREZ", 0,
	  "30001000000800000001" },
	/* not e.firmas at all: an OCSP responder, the institution's cert */
	{ "ocsp", NULL, { BZ_CHECK_FAIL, BZ_CHECK_FAIL,
	  "BZ-CERT-NOT-EFIRMA BZ-CERT-IDENTITY" },
	  NULL, NULL, NULL, NULL, "OCSP de pruebas buzon", 0, "30001000000700000090" },
	{ "institution", "institution-ca", { BZ_CHECK_FAIL, BZ_CHECK_FAIL,
	  "BZ-CERT-UNTRUSTED BZ-CERT-IDENTITY BZ-CERT-SERIAL" },
	  NULL, NULL, NULL, NULL, "Buzon Tributario IMSS (pruebas)", 0, NULL },
};

START_TEST(test_generated_leaves)
{
	const struct leaf_case *c = &leaf_cases[_i];
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_config *cfg = test_pki_config(NULL);
	struct bz_efirma_ctx *ctx;
	X509 *cert = test_pki_cert(c->cert);
	X509 *extra = c->extra ? test_pki_cert(c->extra) : NULL;
	struct bz_signer s;
	struct bz_reasons r;
	enum bz_check trust, identity;

	ck_assert_ptr_nonnull(cfg);
	ctx = bz_efirma_ctx_new(cfg, &err);
	ck_assert_msg(ctx != NULL, "ctx: %s", bz_buf_str(&err));
	run_check(ctx, cert, extra, TEST_PKI_INSTANT, &s, &trust, &identity, &r);
	assert_outcome(c->cert, trust, identity, &r, &c->want);
	assert_field(c->cert, "rfc", s.rfc, c->rfc);
	assert_field(c->cert, "rfc_representante", s.rfc_representante, c->rfc_rep);
	assert_field(c->cert, "curp", s.curp, c->curp);
	assert_field(c->cert, "curp_representante", s.curp_representante, c->curp_rep);
	assert_field(c->cert, "name", s.name, c->name);
	assert_field(c->cert, "no_certificado", s.no_certificado, c->no_cert);
	if (c->rfc != NULL)
		ck_assert_int_eq(s.moral, c->moral);
	ck_assert_ptr_nonnull(s.cert_sha256);
	ck_assert_uint_eq(strlen(s.cert_sha256), 64);
	ck_assert_ptr_nonnull(s.serial_hex);
	ck_assert(s.not_before < s.not_after);

	bz_signer_free(&s);
	bz_reasons_free(&r);
	X509_free(cert);
	X509_free(extra);
	bz_efirma_ctx_free(ctx);
	bz_config_unref(cfg);
	bz_buf_free(&err);
}
END_TEST

/* The instant decides, not the clock: the same leaf at several instants. */
static const struct instant_case {
	const char	*cert;
	int64_t		 at;
	const char	*reasons;
} instant_cases[] = {
	{ "efirma-fisica", 1735689600, "" },			/* 2025-01-01T00:00:00Z */
	{ "efirma-fisica", 1735689599, "BZ-CERT-NOT-YET-VALID" },
	{ "efirma-fisica", 1893456000, "" },			/* 2030-01-01T00:00:00Z */
	{ "efirma-fisica", 1893456001, "BZ-CERT-EXPIRED" },
	{ "expired", 1704067199, "" },				/* 2023-12-31T23:59:59Z */
	{ "future", 1798761600, "" },				/* 2027-01-01T00:00:00Z */
	/* 2018-12-31T23:59:59Z: the CAs above the leaf are not valid yet either */
	{ "efirma-fisica", 1546300799, "BZ-CERT-NOT-YET-VALID BZ-CERT-UNTRUSTED" },
};

START_TEST(test_instants)
{
	const struct instant_case *c = &instant_cases[_i];
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_config *cfg = test_pki_config(NULL);
	struct bz_efirma_ctx *ctx = bz_efirma_ctx_new(cfg, &err);
	X509 *cert = test_pki_cert(c->cert);
	struct outcome want = { *c->reasons ? BZ_CHECK_FAIL : BZ_CHECK_PASS,
	    BZ_CHECK_PASS, c->reasons };
	struct bz_signer s;
	struct bz_reasons r;
	enum bz_check trust, identity;

	ck_assert_msg(ctx != NULL, "ctx: %s", bz_buf_str(&err));
	run_check(ctx, cert, NULL, c->at, &s, &trust, &identity, &r);
	assert_outcome(c->cert, trust, identity, &r, &want);
	bz_signer_free(&s);
	bz_reasons_free(&r);
	X509_free(cert);
	bz_efirma_ctx_free(ctx);
	bz_config_unref(cfg);
	bz_buf_free(&err);
}
END_TEST

/* Configurations that must be refused at start-up. */
static const struct bad_ctx_case {
	const char	*text;		/* @ = the PKI directory */
	const char	*err;		/* substring of the error */
} bad_ctx_cases[] = {
	/* production mode: the test hierarchy is not SAT's */
	{ "TrustAnchors @/trust-anchors.pem\nIssuingCAs @/issuing-cas.pem\n",
	  "not a pinned SAT root" },
	{ "TestMode yes\nIssuingCAs @/issuing-cas.pem\n", "TrustAnchors: not set" },
	{ "TestMode yes\nTrustAnchors @/trust-anchors.pem\n", "IssuingCAs: not set" },
	{ "TestMode yes\nTrustAnchors @/nonexistent.pem\nIssuingCAs @/ca.crt\n",
	  "TrustAnchors: cannot open" },
	{ "TestMode yes\nTrustAnchors @/root.key\nIssuingCAs @/ca.crt\n",
	  "TrustAnchors: no PEM certificate" },
	{ "TestMode yes\nTrustAnchors @/root.crt\nIssuingCAs @/ca.crt\n"
	  "Revocation crl\n", "CRLDirectory: not set" },
	/* every file of CRLDirectory must be a CRL */
	{ "TestMode yes\nTrustAnchors @/root.crt\nIssuingCAs @/ca.crt\n"
	  "Revocation crl\nCRLDirectory @/ca\n", "is not a CRL" },
};

START_TEST(test_bad_ctx)
{
	const struct bad_ctx_case *c = &bad_ctx_cases[_i];
	struct bz_buf err = BZ_BUF_INIT, text = BZ_BUF_INIT;
	struct bz_config *cfg;

	for (const char *p = c->text; *p != '\0'; p++)
		if (*p == '@')
			bz_buf_puts(&text, test_pki_dir());
		else
			bz_buf_putc(&text, *p);
	cfg = test_config_text(bz_buf_str(&text));

	ck_assert_ptr_nonnull(cfg);
	ck_assert_ptr_null(bz_efirma_ctx_new(cfg, &err));
	ck_assert_msg(strstr(bz_buf_str(&err), c->err) != NULL, "error \"%s\", want %s",
	    bz_buf_str(&err), c->err);
	/* configuration errors name the file (and the line when the key is set) */
	ck_assert_msg(strstr(bz_buf_str(&err), ".conf:") != NULL, "error \"%s\" "
	    "does not name the file", bz_buf_str(&err));
	bz_config_unref(cfg);
	bz_buf_free(&err);
	bz_buf_free(&text);
}
END_TEST

/* RFC grammar (EFIRMA.md 1.2): letters incl. N-tilde and &, a real date. */
START_TEST(test_identity_fields)
{
	/* bz_efirma_identity alone: no trust needed, no context */
	X509 *cert = test_pki_cert("efirma-moral");
	struct bz_signer s;
	struct bz_reasons r;

	bz_reasons_init(&r);
	ck_assert_int_eq(bz_efirma_identity(cert, &s, &r), 1);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_str_eq(s.rfc, "EBU200101AB8");
	ck_assert_str_eq(s.serial_hex, "3330303031303030303030373030303030303032");
	ck_assert_int_eq(s.moral, 1);
	bz_signer_free(&s);
	bz_reasons_free(&r);
	X509_free(cert);
}
END_TEST

/*
 * Edges of the e.firma test and of the identity rules, one change at a
 * time: the generated e.firma fisica is copied, changed and signed again
 * by the test CA's key, so only that change differs. Issue 3: "an e.firma
 * has no OU in its subject, has extendedKeyUsage emailProtection, and
 * keyUsage digitalSignature and nonRepudiation"; "name from 2.5.4.41 (then
 * CN, then O)"; "RSA >= 2048 bits; signature RSA with SHA-2"; EFIRMA.md 6.3
 * (basicConstraints CA:FALSE) and 6.5 (exactly one 2.5.4.45).
 */
enum cert_edit {
	CE_NONE,
	CE_ADD_OU,		/* otherwise an e.firma: an OU is still not one */
	CE_CSD_LAYOUT,		/* OU and no EKU: SAT's CSD layout */
	CE_CSD_NO_RFC,		/* the same without 2.5.4.45: not SAT's */
	CE_KU_NO_NR,		/* keyUsage digitalSignature only */
	CE_NO_KU,
	CE_EKU_CLIENT,		/* EKU clientAuth, no emailProtection */
	CE_CA_TRUE,
	CE_NO_BC,
	CE_NAME_FROM_CN,	/* no 2.5.4.41: the CN */
	CE_NAME_FROM_O,		/* no 2.5.4.41 nor CN: the O */
	CE_NO_NAME,		/* none of the three */
	CE_TWO_UIDS,		/* a second 2.5.4.45 */
	CE_RFC_AMP,		/* '&' is an RFC letter */
	CE_RFC_BAD_DATE,	/* month 13 */
	CE_SERIAL_19,		/* 19 digits: not a noCertificado */
	CE_EC_KEY,
	CE_SIG_PSS,		/* RSASSA-PSS with SHA-256 is RSA with SHA-2 */
	CE_SIG_SHA512,
};

/* name_set - replace (or with value NULL, remove) every nid entry */
static void
name_set(X509_NAME *n, int nid, const char *value)
{
	int i;

	while ((i = X509_NAME_get_index_by_NID(n, nid, -1)) >= 0)
		X509_NAME_ENTRY_free(X509_NAME_delete_entry(n, i));
	if (value != NULL)
		ck_assert(X509_NAME_add_entry_by_NID(n, nid, MBSTRING_ASC,
		    (const unsigned char *)value, -1, -1, 0));
}

/* ext_set - replace (or with value NULL, remove) an extension */
static void
ext_set(X509 *x, int nid, const char *value)
{
	int i;

	while ((i = X509_get_ext_by_NID(x, nid, -1)) >= 0)
		X509_EXTENSION_free(X509_delete_ext(x, i));
	if (value != NULL) {
		X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL, nid, value);

		ck_assert_ptr_nonnull(e);
		ck_assert(X509_add_ext(x, e, -1));
		X509_EXTENSION_free(e);
	}
}

/* edited_leaf - efirma-fisica with one change, signed again by the test CA */
static X509 *
edited_leaf(enum cert_edit e)
{
	X509 *x = test_pki_cert("efirma-fisica");
	X509_NAME *n = X509_get_subject_name(x);
	EVP_PKEY *cakey, *ec = NULL;
	const EVP_MD *md = EVP_sha256();
	EVP_MD_CTX *mctx;
	EVP_PKEY_CTX *pctx = NULL;
	FILE *fp;

	ck_assert_ptr_nonnull(fp = fopen(test_pki_path("ca.key"), "r"));
	ck_assert_ptr_nonnull(cakey = PEM_read_PrivateKey(fp, NULL, NULL, NULL));
	fclose(fp);
	switch (e) {
	case CE_NONE:
		break;
	case CE_ADD_OU:
		name_set(n, NID_organizationalUnitName, "Sucursal 1");
		break;
	case CE_CSD_LAYOUT:
		name_set(n, NID_organizationalUnitName, "Sucursal 1");
		ext_set(x, NID_ext_key_usage, NULL);
		break;
	case CE_CSD_NO_RFC:
		name_set(n, NID_organizationalUnitName, "Digital ID Class 1");
		ext_set(x, NID_ext_key_usage, NULL);
		name_set(n, NID_x500UniqueIdentifier, NULL);
		break;
	case CE_KU_NO_NR:
		ext_set(x, NID_key_usage, "digitalSignature");
		break;
	case CE_NO_KU:
		ext_set(x, NID_key_usage, NULL);
		break;
	case CE_EKU_CLIENT:
		ext_set(x, NID_ext_key_usage, "clientAuth");
		break;
	case CE_CA_TRUE:
		ext_set(x, NID_basic_constraints, "critical,CA:TRUE");
		break;
	case CE_NO_BC:
		ext_set(x, NID_basic_constraints, NULL);
		break;
	case CE_NAME_FROM_CN:
		name_set(n, NID_name, NULL);
		name_set(n, NID_commonName, "JUAN DEL CN");
		break;
	case CE_NAME_FROM_O:
		name_set(n, NID_name, NULL);
		name_set(n, NID_commonName, NULL);
		name_set(n, NID_organizationName, "JUAN DE LA O");
		break;
	case CE_NO_NAME:
		name_set(n, NID_name, NULL);
		name_set(n, NID_commonName, NULL);
		name_set(n, NID_organizationName, NULL);
		break;
	case CE_TWO_UIDS:
		ck_assert(X509_NAME_add_entry_by_NID(n, NID_x500UniqueIdentifier,
		    MBSTRING_ASC, (const unsigned char *)"LOPM700101AB1", -1, -1, 0));
		break;
	case CE_RFC_AMP:
		name_set(n, NID_x500UniqueIdentifier, "P&GJ800101AB3");
		break;
	case CE_RFC_BAD_DATE:
		name_set(n, NID_x500UniqueIdentifier, "PEGJ801301AB3");
		break;
	case CE_SERIAL_19:
		ck_assert(ASN1_STRING_set(X509_get_serialNumber(x),
		    "3000100000070000001", 19));
		break;
	case CE_EC_KEY:
		ck_assert_ptr_nonnull(ec = EVP_EC_gen("P-256"));
		ck_assert(X509_set_pubkey(x, ec));
		break;
	case CE_SIG_PSS:
	case CE_SIG_SHA512:
		md = EVP_sha512();
		break;
	}
	ck_assert_ptr_nonnull(mctx = EVP_MD_CTX_new());
	if (e == CE_SIG_PSS)
		md = EVP_sha256();
	ck_assert(EVP_DigestSignInit(mctx, &pctx, md, NULL, cakey) == 1);
	if (e == CE_SIG_PSS) {
		ck_assert(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0);
		ck_assert(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) > 0);
	}
	ck_assert(X509_sign_ctx(x, mctx) > 0);
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(cakey);
	return x;
}

static const struct edit_case {
	const char	*name;
	enum cert_edit	 edit;
	struct outcome	 want;
	const char	*rfc, *field_name;	/* expected rfc and name, NULL: none */
} edit_cases[] = {
	{ "unchanged, signed again", CE_NONE, { BZ_CHECK_PASS, BZ_CHECK_PASS, "" },
	  "PEGJ800101AB3", "JUAN PEREZ GARCIA" },
	{ "OU added to an e.firma", CE_ADD_OU,
	  { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-NOT-EFIRMA" },
	  "PEGJ800101AB3", "JUAN PEREZ GARCIA" },
	{ "OU and no EKU: a CSD", CE_CSD_LAYOUT,
	  { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-CSD" },
	  "PEGJ800101AB3", "JUAN PEREZ GARCIA" },
	/* not SAT's layout: "use your e.firma, not the CSD" would mislead */
	{ "OU and no EKU but no RFC: not called a CSD", CE_CSD_NO_RFC,
	  { BZ_CHECK_FAIL, BZ_CHECK_FAIL, "BZ-CERT-NOT-EFIRMA BZ-CERT-IDENTITY" },
	  NULL, "JUAN PEREZ GARCIA" },
	{ "keyUsage without nonRepudiation", CE_KU_NO_NR,
	  { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-NOT-EFIRMA" },
	  "PEGJ800101AB3", "JUAN PEREZ GARCIA" },
	{ "no keyUsage", CE_NO_KU,
	  { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-NOT-EFIRMA" },
	  "PEGJ800101AB3", "JUAN PEREZ GARCIA" },
	{ "EKU without emailProtection", CE_EKU_CLIENT,
	  { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-NOT-EFIRMA" },
	  "PEGJ800101AB3", "JUAN PEREZ GARCIA" },
	{ "basicConstraints CA:TRUE", CE_CA_TRUE,
	  { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-NOT-EFIRMA" },
	  "PEGJ800101AB3", "JUAN PEREZ GARCIA" },
	{ "no basicConstraints", CE_NO_BC,
	  { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-NOT-EFIRMA" },
	  "PEGJ800101AB3", "JUAN PEREZ GARCIA" },
	{ "no 2.5.4.41: name from the CN", CE_NAME_FROM_CN,
	  { BZ_CHECK_PASS, BZ_CHECK_PASS, "" }, "PEGJ800101AB3", "JUAN DEL CN" },
	{ "no 2.5.4.41 nor CN: name from the O", CE_NAME_FROM_O,
	  { BZ_CHECK_PASS, BZ_CHECK_PASS, "" }, "PEGJ800101AB3", "JUAN DE LA O" },
	{ "no name at all", CE_NO_NAME,
	  { BZ_CHECK_PASS, BZ_CHECK_FAIL, "BZ-CERT-IDENTITY" }, "PEGJ800101AB3", NULL },
	{ "two 2.5.4.45 values", CE_TWO_UIDS,
	  { BZ_CHECK_PASS, BZ_CHECK_FAIL, "BZ-CERT-IDENTITY" }, NULL, "JUAN PEREZ GARCIA" },
	{ "RFC with an ampersand", CE_RFC_AMP,
	  { BZ_CHECK_PASS, BZ_CHECK_PASS, "" }, "P&GJ800101AB3", "JUAN PEREZ GARCIA" },
	{ "RFC with month 13", CE_RFC_BAD_DATE,
	  { BZ_CHECK_PASS, BZ_CHECK_FAIL, "BZ-CERT-IDENTITY" }, "PEGJ801301AB3",
	  "JUAN PEREZ GARCIA" },
	{ "serial of 19 digits", CE_SERIAL_19,
	  { BZ_CHECK_PASS, BZ_CHECK_FAIL, "BZ-CERT-SERIAL" }, "PEGJ800101AB3",
	  "JUAN PEREZ GARCIA" },
	{ "EC key", CE_EC_KEY,
	  { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-WEAK-KEY" }, "PEGJ800101AB3",
	  "JUAN PEREZ GARCIA" },
	{ "signed RSASSA-PSS SHA-256", CE_SIG_PSS,
	  { BZ_CHECK_PASS, BZ_CHECK_PASS, "" }, "PEGJ800101AB3", "JUAN PEREZ GARCIA" },
	{ "signed RSA SHA-512", CE_SIG_SHA512,
	  { BZ_CHECK_PASS, BZ_CHECK_PASS, "" }, "PEGJ800101AB3", "JUAN PEREZ GARCIA" },
};

START_TEST(test_edited_leaves)
{
	const struct edit_case *c = &edit_cases[_i];
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_config *cfg = test_pki_config(NULL);
	struct bz_efirma_ctx *ctx;
	X509 *cert = edited_leaf(c->edit);
	struct bz_signer s;
	struct bz_reasons r;
	enum bz_check trust, identity;

	ck_assert_ptr_nonnull(cfg);
	ctx = bz_efirma_ctx_new(cfg, &err);
	ck_assert_msg(ctx != NULL, "ctx: %s", bz_buf_str(&err));
	run_check(ctx, cert, NULL, TEST_PKI_INSTANT, &s, &trust, &identity, &r);
	assert_outcome(c->name, trust, identity, &r, &c->want);
	if (c->edit != CE_TWO_UIDS)
		assert_field(c->name, "rfc", s.rfc, c->rfc);
	assert_field(c->name, "name", s.name, c->field_name);
	bz_signer_free(&s);
	bz_reasons_free(&r);
	X509_free(cert);
	bz_efirma_ctx_free(ctx);
	bz_config_unref(cfg);
	bz_buf_free(&err);
}
END_TEST

/* --- SAT's own test material, read in place --- */

/* sat_path - ../shared/sat-test-certs/<rel>, or NULL (SKIP printed) */
static char *
sat_path(const char *rel)
{
	char *p = xasprintf("%s/sat-test-certs/%s", test_shared_dir(), rel);
	struct stat st;

	if (stat(p, &st) != 0) {
		printf("SKIP: %s not found (SAT test material absent)\n", p);
		fflush(stdout);
		free(p);
		return NULL;
	}
	return p;
}

/* sat_test_config - TestMode pinning "AC UAT" under the Banxico test root */
static struct bz_config *
sat_test_config(void)
{
	char *root = sat_path("test-chain/ARC_UAT_2022.crt");
	char *ac = sat_path("test-chain/AC_UAT_2022.crt");
	struct bz_config *cfg = NULL;
	char *text;

	if (root != NULL && ac != NULL) {
		text = xasprintf("TestMode yes\nTrustAnchors %s\nIssuingCAs %s\n", root, ac);
		cfg = test_config_text(text);
		free(text);
	}
	free(root);
	free(ac);
	return cfg;
}

/* 2026-01-01T00:00:00Z: before the 2027-05 expiry of SAT's test certs */
#define SAT_INSTANT	((int64_t)1767225600)

static const struct sat_case {
	const char	*file;
	int64_t		 at;
	struct outcome	 want;
	const char	*rfc, *rfc_rep, *curp, *curp_rep, *no_cert;
} sat_cases[] = {
	{ "fiel-moral-EKU9003173C9/EKU9003173C9.cer", SAT_INSTANT,
	  { BZ_CHECK_PASS, BZ_CHECK_PASS, "" },
	  "EKU9003173C9", "VADA800927DJ3", NULL, "VADA800927HSRSRL05",
	  "30001000000500003415" },
	{ "fiel-fisica-CACX7605101P8/goodCertificate.cer", SAT_INSTANT,
	  { BZ_CHECK_PASS, BZ_CHECK_PASS, "" },
	  "CACX7605101P8", NULL, "CACX760510MGTSHC04", NULL, "30001000000500003282" },
	/* the CSD: valid chain, valid signature, still not an e.firma */
	{ "csd-moral-EKU9003173C9/EKU9003173C9.cer", SAT_INSTANT,
	  { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-CSD" },
	  "EKU9003173C9", "VADA800927DJ3", NULL, "VADA800927HSRSRL05",
	  "30001000000500003416" },
	/* 2027-06-01: after the expiry */
	{ "fiel-moral-EKU9003173C9/EKU9003173C9.cer", 1811808000,
	  { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-EXPIRED" },
	  "EKU9003173C9", "VADA800927DJ3", NULL, "VADA800927HSRSRL05",
	  "30001000000500003415" },
	/* T61String certificates of an older test CA: identity only matters;
	 * their chain is not the pinned AC UAT and they expired in 2023 */
	{ "parsing/ianl750210963_T61String.cer", SAT_INSTANT,
	  { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-UNTRUSTED BZ-CERT-EXPIRED" },
	  "IA\xC3\x91L750210963", NULL, "IANL750210HSRNZS09", NULL,
	  "30001000000400002431" },
	{ "parsing/han930228sm9_T61String.cer", SAT_INSTANT,
	  { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-UNTRUSTED BZ-CERT-EXPIRED" },
	  "HA\xC3\x91" "930228SM9", "KAHO641101B39", NULL, "KAHO641101HNTLKS06",
	  "30001000000400002421" },
	{ "expired-2017/FIEL_AAA010101AAA.cer", SAT_INSTANT,
	  { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-UNTRUSTED BZ-CERT-EXPIRED" },
	  "AAA010101AAA", "HEGT7610034S2", NULL, "HEGT761003MDFRNN09",
	  "30001000000300023685" },
	{ "expired-2017/CSD01_AAA010101AAA.cer", SAT_INSTANT,
	  { BZ_CHECK_FAIL, BZ_CHECK_PASS,
	    "BZ-CERT-UNTRUSTED BZ-CERT-EXPIRED BZ-CERT-CSD" },
	  "AAA010101AAA", "HEGT7610034S2", NULL, "HEGT761003MDFRNN09", NULL },
};

START_TEST(test_sat_material)
{
	const struct sat_case *c = &sat_cases[_i];
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_config *cfg = sat_test_config();
	char *path = sat_path(c->file);
	struct bz_efirma_ctx *ctx;
	struct bz_signer s;
	struct bz_reasons r;
	enum bz_check trust, identity;
	X509 *cert;

	if (cfg == NULL || path == NULL) {
		if (cfg != NULL)
			bz_config_unref(cfg);
		free(path);
		return;
	}
	ctx = bz_efirma_ctx_new(cfg, &err);
	ck_assert_msg(ctx != NULL, "ctx: %s", bz_buf_str(&err));
	ck_assert_msg((cert = test_load_cert(path)) != NULL, "cannot read %s", path);
	run_check(ctx, cert, NULL, c->at, &s, &trust, &identity, &r);
	assert_outcome(c->file, trust, identity, &r, &c->want);
	assert_field(c->file, "rfc", s.rfc, c->rfc);
	assert_field(c->file, "rfc_representante", s.rfc_representante, c->rfc_rep);
	assert_field(c->file, "curp", s.curp, c->curp);
	assert_field(c->file, "curp_representante", s.curp_representante, c->curp_rep);
	if (c->no_cert != NULL)
		assert_field(c->file, "no_certificado", s.no_certificado, c->no_cert);
	bz_signer_free(&s);
	bz_reasons_free(&r);
	X509_free(cert);
	bz_efirma_ctx_free(ctx);
	bz_config_unref(cfg);
	free(path);
	bz_buf_free(&err);
}
END_TEST

/* The compiled-in pins are the fingerprints of SAT's published CAs, and a
 * production configuration with exactly those files starts. */
static const struct pin_case {
	const char	*file;
	const char	*label;
} pin_cases[] = {
	{ "production-ca/ARC5_IES.crt", "ARC5" },
	{ "production-ca/ARC6_IES.crt", "ARC6" },
	{ "production-ca/AC5_SAT.crt", "AC5" },
	{ "production-ca/AC6_SAT.crt", "AC6" },
	{ "production-ca/AC7.crt", "AC7" },
};

START_TEST(test_production_pins)
{
	const struct pin_case *c = &pin_cases[_i];
	char *path = sat_path(c->file);
	unsigned char md[32];
	unsigned int len;
	const struct bz_sat_pin *pin;
	X509 *cert;

	if (path == NULL)
		return;
	ck_assert_ptr_nonnull(cert = test_load_cert(path));
	ck_assert(X509_digest(cert, EVP_sha256(), md, &len) && len == 32);
	ck_assert_msg((pin = bz_sat_pin_find(md)) != NULL, "%s not pinned", c->file);
	ck_assert_str_eq(pin->label, c->label);
	X509_free(cert);
	free(path);
}
END_TEST

START_TEST(test_production_config)
{
	char *arc5 = sat_path("production-ca/ARC5_IES.crt");
	char *ac5 = sat_path("production-ca/AC5_SAT.crt");
	char *uat = sat_path("test-chain/AC_UAT_2022.crt");
	char *dir = xasprintf("%s/prod", test_tmpdir());
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_efirma_ctx *ctx;
	struct bz_config *cfg;
	char *text;

	if (arc5 == NULL || ac5 == NULL || uat == NULL)
		goto out;
	/* production: pinned files start */
	text = xasprintf("TrustAnchors %s\nIssuingCAs %s\n", arc5, ac5);
	ck_assert_ptr_nonnull(cfg = test_config_text(text));
	ctx = bz_efirma_ctx_new(cfg, &err);
	ck_assert_msg(ctx != NULL, "production ctx: %s", bz_buf_str(&err));
	bz_efirma_ctx_free(ctx);
	bz_config_unref(cfg);
	free(text);
	/* production: SAT's *test* CA as issuing CA is refused */
	text = xasprintf("TrustAnchors %s\nIssuingCAs %s\n", arc5, uat);
	ck_assert_ptr_nonnull(cfg = test_config_text(text));
	ck_assert_ptr_null(bz_efirma_ctx_new(cfg, &err));
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&err), "not a pinned SAT issuing CA"));
	bz_config_unref(cfg);
	free(text);
out:
	free(arc5);
	free(ac5);
	free(uat);
	free(dir);
	bz_buf_free(&err);
}
END_TEST

/* Production pins at work: SAT's OCSP responder certificates chain through
 * AC5, AC6 (double-encoded UTF-8 subject) and AC7 to ARC5/ARC6, so the chain
 * is trusted; they are simply not e.firmas (OU, EKU OCSPSigning, no RFC). */
static const char *const responder_files[] = {
	"production-ca/ocsp.ac5_sat.cer",
	"production-ca/OCSP.AC6_SAT.cer",
	"production-ca/OCSP7.crt",
};

START_TEST(test_production_chains)
{
	static const char *const roots[] = { "production-ca/ARC5_IES.crt",
	    "production-ca/ARC6_IES.crt" };
	static const char *const acs[] = { "production-ca/AC5_SAT.crt",
	    "production-ca/AC6_SAT.crt", "production-ca/AC7.crt" };
	struct outcome want = { BZ_CHECK_FAIL, BZ_CHECK_FAIL,
	    "BZ-CERT-NOT-EFIRMA BZ-CERT-IDENTITY" };
	char *anchors = xasprintf("%s/prod-roots-%d.pem", test_tmpdir(), (int)getpid());
	char *issuing = xasprintf("%s/prod-acs-%d.pem", test_tmpdir(), (int)getpid());
	char *path = sat_path(responder_files[_i]), *text, *p;
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_efirma_ctx *ctx;
	struct bz_config *cfg;
	struct bz_signer s;
	struct bz_reasons r;
	enum bz_check trust, identity;
	X509 *cert;
	FILE *f;

	if (path == NULL)
		goto out;
	/* concatenate the PEM files as an administrator would */
	for (int k = 0; k < 2; k++) {
		const char *const *list = k ? acs : roots;
		size_t n = k ? 3 : 2;

		ck_assert_ptr_nonnull(f = fopen(k ? issuing : anchors, "w"));
		for (size_t i = 0; i < n; i++) {
			X509 *x;

			if ((p = sat_path(list[i])) == NULL) {
				fclose(f);
				goto out;
			}
			ck_assert_ptr_nonnull(x = test_load_cert(p));
			PEM_write_X509(f, x);
			X509_free(x);
			free(p);
		}
		fclose(f);
	}
	text = xasprintf("TrustAnchors %s\nIssuingCAs %s\n", anchors, issuing);
	ck_assert_ptr_nonnull(cfg = test_config_text(text));
	ctx = bz_efirma_ctx_new(cfg, &err);
	ck_assert_msg(ctx != NULL, "production ctx: %s", bz_buf_str(&err));
	ck_assert_ptr_nonnull(cert = test_load_cert(path));
	run_check(ctx, cert, NULL, SAT_INSTANT, &s, &trust, &identity, &r);
	assert_outcome(responder_files[_i], trust, identity, &r, &want);
	bz_signer_free(&s);
	bz_reasons_free(&r);
	X509_free(cert);
	bz_efirma_ctx_free(ctx);
	bz_config_unref(cfg);
	free(text);
out:
	free(path);
	free(anchors);
	free(issuing);
	bz_buf_free(&err);
}
END_TEST

/* --- revocation by CRL --- */

static const struct crl_case {
	const char	*dir;		/* under the PKI directory */
	const char	*policy;	/* RevocationFailure */
	const char	*cert;
	int64_t		 at;
	struct outcome	 want;
} crl_cases[] = {
	{ "crl", "tempfail", "efirma-fisica", TEST_PKI_INSTANT,
	  { BZ_CHECK_PASS, BZ_CHECK_PASS, "" } },
	{ "crl", "tempfail", "revoked", TEST_PKI_INSTANT,
	  { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-REVOKED" } },
	/* revoked 2026-01-15: a message of 2025-06-01 was signed in time */
	{ "crl", "tempfail", "revoked", 1748779200,
	  { BZ_CHECK_PASS, BZ_CHECK_PASS, "" } },
	/* stale CRL (nextUpdate 2025-02-01): no answer -> policy */
	{ "crl-stale", "tempfail", "efirma-fisica", TEST_PKI_INSTANT,
	  { BZ_CHECK_UNKNOWN, BZ_CHECK_PASS, "BZ-REVOCATION-UNAVAILABLE" } },
	{ "crl-stale", "accept", "efirma-fisica", TEST_PKI_INSTANT,
	  { BZ_CHECK_PASS, BZ_CHECK_PASS, "" } },
	/* issuer's name, another key: ignored */
	{ "crl-forged", "tempfail", "revoked", TEST_PKI_INSTANT,
	  { BZ_CHECK_UNKNOWN, BZ_CHECK_PASS, "BZ-REVOCATION-UNAVAILABLE" } },
	/* other failures first: no revocation question asked */
	{ "crl-stale", "tempfail", "csd", TEST_PKI_INSTANT,
	  { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-CSD" } },
};

START_TEST(test_crl)
{
	const struct crl_case *c = &crl_cases[_i];
	struct bz_buf err = BZ_BUF_INIT;
	char *extra = xasprintf("Revocation crl\nRevocationFailure %s\nCRLDirectory %s\n",
	    c->policy, test_pki_path(c->dir));
	struct bz_config *cfg = test_pki_config(extra);
	struct bz_efirma_ctx *ctx = bz_efirma_ctx_new(cfg, &err);
	X509 *cert = test_pki_cert(c->cert);
	struct bz_signer s;
	struct bz_reasons r;
	enum bz_check trust, identity;

	ck_assert_msg(ctx != NULL, "ctx: %s", bz_buf_str(&err));
	run_check(ctx, cert, NULL, c->at, &s, &trust, &identity, &r);
	assert_outcome(c->cert, trust, identity, &r, &c->want);
	ck_assert_int_eq(bz_reasons_tempfail(&r),
	    c->want.trust == BZ_CHECK_UNKNOWN);
	bz_signer_free(&s);
	bz_reasons_free(&r);
	X509_free(cert);
	bz_efirma_ctx_free(ctx);
	bz_config_unref(cfg);
	free(extra);
	bz_buf_free(&err);
}
END_TEST

/* One context, many threads at once (the milter's use): every thread gets
 * the single-threaded answers. */
struct thread_job {
	const struct bz_efirma_ctx *ctx;
	X509		*certs[3];	/* efirma-fisica, revoked, csd */
	int		 bad;		/* answers that differ */
};

static void *
thread_run(void *arg)
{
	struct thread_job *job = arg;
	static const char *want[3] = { "", "BZ-CERT-REVOKED", "BZ-CERT-CSD" };

	for (int i = 0; i < 60; i++) {
		struct bz_signer s;
		struct bz_reasons r;
		enum bz_check trust, identity;
		int k = i % 3;

		bz_reasons_init(&r);
		if (bz_efirma_check(job->ctx, job->certs[k], NULL, TEST_PKI_INSTANT, &s,
		    &trust, &identity, &r) != 0 ||
		    trust != (k == 0 ? BZ_CHECK_PASS : BZ_CHECK_FAIL) ||
		    (k == 0 ? r.n != 0 : (r.n != 1 || strcmp(r.items[0]->code, want[k]) != 0)))
			job->bad++;
		bz_signer_free(&s);
		bz_reasons_free(&r);
	}
	return NULL;
}

START_TEST(test_threads)
{
	struct bz_buf err = BZ_BUF_INIT;
	char *extra = xasprintf("Revocation crl\nCRLDirectory %s\n",
	    test_pki_path("crl"));
	struct bz_config *cfg = test_pki_config(extra);
	struct bz_efirma_ctx *ctx = bz_efirma_ctx_new(cfg, &err);
	struct thread_job jobs[4];
	pthread_t th[4];
	X509 *certs[3] = { test_pki_cert("efirma-fisica"), test_pki_cert("revoked"),
	    test_pki_cert("csd") };

	ck_assert_msg(ctx != NULL, "ctx: %s", bz_buf_str(&err));
	for (int i = 0; i < 4; i++) {
		jobs[i].ctx = ctx;
		memcpy(jobs[i].certs, certs, sizeof(certs));
		jobs[i].bad = 0;
		ck_assert_int_eq(pthread_create(&th[i], NULL, thread_run, &jobs[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
		ck_assert_int_eq(jobs[i].bad, 0);
	}
	for (int i = 0; i < 3; i++)
		X509_free(certs[i]);
	bz_efirma_ctx_free(ctx);
	bz_config_unref(cfg);
	free(extra);
	bz_buf_free(&err);
}
END_TEST

/* --- revocation by OCSP: a real `openssl ocsp` responder on loopback --- */

struct responder {
	pid_t	pid;
	int	port;
};

/* spawn - run argv in the PKI directory, standard output to a file, and
 * wait for the line announcing its port: "ACCEPT [::]:PORT PID=N" (openssl
 * ocsp) or "PORT N" (tls-proxy.py) */
static struct responder
spawn(char *const argv[])
{
	static int seq;
	char *out = xasprintf("%s/spawn-%d-%d.out", test_tmpdir(), (int)getpid(),
	    seq++);
	struct responder r = { -1, 0 };
	char line[256];
	FILE *f;

	unlink(out);
	if ((r.pid = fork()) == 0) {
		int fd;

		alarm(60);	/* survives exec: no orphan if the test dies */
		if (chdir(test_pki_dir()) != 0 ||
		    (fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
			_exit(127);
		dup2(fd, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	ck_assert_int_gt(r.pid, 0);
	for (int tries = 0; tries < 500 * test_timeout_scale() && r.port == 0; tries++) {
		if ((f = fopen(out, "r")) != NULL) {
			while (fgets(line, sizeof(line), f) != NULL) {
				char *colon = strrchr(line, ':');

				/* whole lines only: a half-written port would mislead */
				if (strchr(line, '\n') == NULL)
					continue;
				if (strncmp(line, "ACCEPT ", 7) == 0 && colon != NULL &&
				    strstr(line, " PID=") != NULL)
					r.port = atoi(colon + 1);
				else if (strncmp(line, "PORT ", 5) == 0)
					r.port = atoi(line + 5);
			}
			fclose(f);
		}
		if (r.port == 0)
			usleep(10000);
		if (waitpid(r.pid, NULL, WNOHANG) == r.pid)
			ck_abort_msg("%s exited before listening", argv[0]);
	}
	ck_assert_msg(r.port > 0, "%s did not report its port", argv[0]);
	free(out);
	return r;
}

/* responder_start - openssl ocsp over the PKI's index, signed by signer,
 * answering one request */
static struct responder
responder_start(const char *signer)
{
	const char *openssl = getenv("OPENSSL");
	char *crt = xasprintf("%s.crt", signer), *key = xasprintf("%s.key", signer);
	struct responder r;

	if (openssl == NULL || *openssl == '\0')
		openssl = "openssl";
	{
		char *const argv[] = { (char *)openssl, (char *)"ocsp",
		    (char *)"-index", (char *)"ca/index.txt", (char *)"-CA",
		    (char *)"ca.crt", (char *)"-rsigner", crt, (char *)"-rkey", key,
		    (char *)"-port", (char *)"0", (char *)"-nmin", (char *)"10",
		    (char *)"-nrequest", (char *)"1", NULL };

		r = spawn(argv);
	}
	free(crt);
	free(key);
	return r;
}

/* responder_stop - end the responder we started, by its pid */
static void
responder_stop(struct responder *r)
{
	if (r->pid > 0) {
		kill(r->pid, SIGTERM);
		waitpid(r->pid, NULL, 0);
	}
	r->pid = -1;
}

/* closed_port - a loopback port with nobody listening */
static int
closed_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	ck_assert(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	port = ntohs(sin.sin_port);
	close(fd);	/* bound, never listened: connections are refused */
	return port;
}

static const struct ocsp_case {
	const char	*signer;	/* responder key; NULL: nobody listening */
	const char	*policy;
	const char	*cert;
	int64_t		 at;
	struct outcome	 want;
} ocsp_cases[] = {
	{ "ocsp", "tempfail", "efirma-fisica", TEST_PKI_INSTANT,
	  { BZ_CHECK_PASS, BZ_CHECK_PASS, "" } },
	{ "ocsp", "tempfail", "efirma-moral", TEST_PKI_INSTANT,
	  { BZ_CHECK_PASS, BZ_CHECK_PASS, "" } },
	{ "ocsp", "tempfail", "revoked", TEST_PKI_INSTANT,
	  { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-REVOKED" } },
	{ "ocsp", "accept", "revoked", TEST_PKI_INSTANT,
	  { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-REVOKED" } },
	/* revoked 2026-01-15, the message arrived 2025-06-01 */
	{ "ocsp", "tempfail", "revoked", 1748779200,
	  { BZ_CHECK_PASS, BZ_CHECK_PASS, "" } },
	/* the issuing CA signing its own responses is fine too */
	{ "ca", "tempfail", "efirma-fisica", TEST_PKI_INSTANT,
	  { BZ_CHECK_PASS, BZ_CHECK_PASS, "" } },
	/* signed by a key that is not the CA's nor delegated by it */
	{ "rogue-ocsp", "tempfail", "efirma-fisica", TEST_PKI_INSTANT,
	  { BZ_CHECK_UNKNOWN, BZ_CHECK_PASS, "BZ-REVOCATION-UNAVAILABLE" } },
	{ "rogue-ocsp", "tempfail", "revoked", TEST_PKI_INSTANT,
	  { BZ_CHECK_UNKNOWN, BZ_CHECK_PASS, "BZ-REVOCATION-UNAVAILABLE" } },
	/* responder down */
	{ NULL, "tempfail", "efirma-fisica", TEST_PKI_INSTANT,
	  { BZ_CHECK_UNKNOWN, BZ_CHECK_PASS, "BZ-REVOCATION-UNAVAILABLE" } },
	{ NULL, "accept", "efirma-fisica", TEST_PKI_INSTANT,
	  { BZ_CHECK_PASS, BZ_CHECK_PASS, "" } },
	/* an expired certificate is rejected without asking anybody */
	{ NULL, "tempfail", "expired", TEST_PKI_INSTANT,
	  { BZ_CHECK_FAIL, BZ_CHECK_PASS, "BZ-CERT-EXPIRED" } },
};

START_TEST(test_ocsp)
{
	const struct ocsp_case *c = &ocsp_cases[_i];
	struct responder resp = { -1, 0 };
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_efirma_ctx *ctx;
	struct bz_config *cfg;
	struct bz_signer s;
	struct bz_reasons r;
	enum bz_check trust, identity;
	X509 *cert = test_pki_cert(c->cert);
	char *extra;

	if (c->signer != NULL)
		resp = responder_start(c->signer);
	extra = xasprintf("Revocation ocsp\nRevocationFailure %s\n"
	    "OCSPResponder http://127.0.0.1:%d/\nOCSPTimeout 3\n", c->policy,
	    c->signer != NULL ? resp.port : closed_port());
	cfg = test_pki_config(extra);
	ck_assert_ptr_nonnull(cfg);
	ctx = bz_efirma_ctx_new(cfg, &err);
	ck_assert_msg(ctx != NULL, "ctx: %s", bz_buf_str(&err));
	run_check(ctx, cert, NULL, c->at, &s, &trust, &identity, &r);
	responder_stop(&resp);
	assert_outcome(c->cert, trust, identity, &r, &c->want);
	bz_signer_free(&s);
	bz_reasons_free(&r);
	X509_free(cert);
	bz_efirma_ctx_free(ctx);
	bz_config_unref(cfg);
	free(extra);
	bz_buf_free(&err);
}
END_TEST

/*
 * OCSP answers `openssl ocsp` never gives: issue 3 says the response
 * signature, the CertID and freshness are checked. A one-shot responder
 * thread on loopback reads the real request and answers with a basic
 * response built here (signed by the delegated responder ocsp.crt), sound
 * but for one thing per row. thisUpdate/nextUpdate are relative to the
 * wall clock (freshness is judged against it: a live answer is fresh now,
 * whatever the message's arrival instant).
 */
enum canned {
	CAN_GOOD,		/* fresh, nonce echoed, right CertID */
	CAN_NO_NONCE,		/* nonce not echoed: allowed */
	CAN_WRONG_NONCE,	/* replayed or forged */
	CAN_STALE,		/* nextUpdate already past */
	CAN_FUTURE,		/* thisUpdate a day ahead */
	CAN_OTHER_CERT,		/* status for another certificate only */
	CAN_UNKNOWN,		/* certStatus unknown */
	CAN_REVOKED,		/* revoked 2026-01-15, before the arrival */
	CAN_TRY_LATER,		/* responseStatus tryLater */
	CAN_SELF_SIGNED_BY_LEAF,	/* signed by a key the CA never delegated */
	CAN_OTHER_CA_RESPONDER,	/* OCSPSigning, but delegated by another CA */
	CAN_NO_NEXT_YOUNG,	/* no nextUpdate, thisUpdate a minute ago */
	CAN_NO_NEXT_OLD,	/* no nextUpdate, thisUpdate two days ago */
};

struct canned_srv {
	int		 fd;
	enum canned	 kind;
	int		 asked_nonce;	/* out: the request carried a nonce */
};

/* canned_response - the OCSP answer of kind for req */
static OCSP_RESPONSE *
canned_response(OCSP_REQUEST *req, enum canned kind)
{
	X509 *rcert = test_pki_cert(kind == CAN_SELF_SIGNED_BY_LEAF ? "efirma-moral" : "ocsp");
	X509 *ca = test_pki_cert("ca"), *other = test_pki_cert("efirma-moral");
	EVP_PKEY *rkey;
	FILE *fp;
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	OCSP_ONEREQ *one = OCSP_request_onereq_get0(req, 0);
	OCSP_CERTID *id = OCSP_onereq_get0_id(one), *oid = NULL;
	ASN1_TIME *thisupd = X509_gmtime_adj(NULL, kind == CAN_STALE ||
	    kind == CAN_NO_NEXT_OLD ? -2 * 86400L : kind == CAN_FUTURE ? 86400L : -60L);
	ASN1_TIME *nextupd = kind == CAN_NO_NEXT_YOUNG || kind == CAN_NO_NEXT_OLD ?
	    NULL : X509_gmtime_adj(NULL, kind == CAN_STALE ? -86400L :
	    kind == CAN_FUTURE ? 2 * 86400L : 3600L);
	ASN1_TIME *revtime = ASN1_TIME_set(NULL, (time_t)1768435200);	/* 2026-01-15 */
	OCSP_RESPONSE *resp;
	STACK_OF(X509) *extra = NULL;

	ck_assert_ptr_nonnull(id);
	ck_assert_ptr_nonnull(fp = fopen(test_pki_path(kind == CAN_SELF_SIGNED_BY_LEAF ?
	    "efirma-moral.key" : "ocsp.key"), "r"));
	ck_assert_ptr_nonnull(rkey = PEM_read_PrivateKey(fp, NULL, NULL, NULL));
	fclose(fp);
	if (kind == CAN_OTHER_CA_RESPONDER) {
		/* the same responder certificate, issued by other-ca (which
		 * chains to the same root and travels in the response): a
		 * valid chain, but not a delegation by the leaf's issuer */
		X509 *oca = test_pki_cert("other-ca");
		EVP_PKEY *okey;
		int i;

		ck_assert_ptr_nonnull(fp = fopen(test_pki_path("other-ca.key"), "r"));
		ck_assert_ptr_nonnull(okey = PEM_read_PrivateKey(fp, NULL, NULL, NULL));
		fclose(fp);
		ck_assert(X509_set_issuer_name(rcert, X509_get_subject_name(oca)));
		while ((i = X509_get_ext_by_NID(rcert, NID_authority_key_identifier, -1)) >= 0)
			X509_EXTENSION_free(X509_delete_ext(rcert, i));
		ck_assert(X509_sign(rcert, okey, EVP_sha256()) > 0);
		extra = sk_X509_new_null();
		sk_X509_push(extra, oca);
		EVP_PKEY_free(okey);
	}
	if (kind == CAN_TRY_LATER) {
		resp = OCSP_response_create(OCSP_RESPONSE_STATUS_TRYLATER, NULL);
		goto out;
	}
	if (kind == CAN_OTHER_CERT)
		id = oid = OCSP_cert_to_id(EVP_sha1(), other, ca);
	ck_assert(OCSP_basic_add1_status(bs, id,
	    kind == CAN_UNKNOWN ? V_OCSP_CERTSTATUS_UNKNOWN :
	    kind == CAN_REVOKED ? V_OCSP_CERTSTATUS_REVOKED : V_OCSP_CERTSTATUS_GOOD,
	    kind == CAN_REVOKED ? OCSP_REVOKED_STATUS_KEYCOMPROMISE : 0,
	    kind == CAN_REVOKED ? revtime : NULL, thisupd, nextupd) != NULL);
	if (kind == CAN_WRONG_NONCE) {
		static const unsigned char n[16] = "otro nonce viejo";

		ck_assert(OCSP_basic_add1_nonce(bs, (unsigned char *)n, sizeof(n)) == 1);
	} else if (kind != CAN_NO_NONCE)
		ck_assert(OCSP_copy_nonce(bs, req) > 0);	/* 2: none asked */
	ck_assert(OCSP_basic_sign(bs, rcert, rkey, EVP_sha256(), extra, 0) == 1);
	resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
out:
	ck_assert_ptr_nonnull(resp);
	OCSP_CERTID_free(oid);
	if (extra != NULL)
		sk_X509_pop_free(extra, X509_free);
	OCSP_BASICRESP_free(bs);
	ASN1_TIME_free(thisupd);
	ASN1_TIME_free(nextupd);
	ASN1_TIME_free(revtime);
	EVP_PKEY_free(rkey);
	X509_free(rcert);
	X509_free(ca);
	X509_free(other);
	return resp;
}

/* canned_serve - accept one connection, read the POST, answer it */
static void *
canned_serve(void *arg)
{
	struct canned_srv *srv = arg;
	struct bz_buf in = BZ_BUF_INIT;
	struct timeval tv = { 10, 0 };
	const unsigned char *p;
	char chunk[4096], *end;
	size_t body = 0, want = 0;	/* offsets: the buffer moves as it grows */
	ssize_t n;
	OCSP_REQUEST *req;
	OCSP_RESPONSE *resp;
	unsigned char *der = NULL;
	int derlen, c = accept(srv->fd, NULL, NULL);

	if (c < 0)
		return NULL;
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while ((n = read(c, chunk, sizeof(chunk))) > 0) {
		bz_buf_append(&in, chunk, (size_t)n);
		if (body == 0 && (end = strstr(bz_buf_str(&in), "\r\n\r\n")) != NULL) {
			body = (size_t)(end - in.data) + 4;
			want = body;
			for (const char *h = in.data; h < end; h++)
				if (strncasecmp(h, "\nContent-Length:", 16) == 0)
					want = body + strtoul(h + 16, NULL, 10);
		}
		if (body != 0 && in.len >= want)
			break;
	}
	if (body != 0) {
		p = (const unsigned char *)in.data + body;
		req = d2i_OCSP_REQUEST(NULL, &p, (long)(in.len - body));
		if (req != NULL) {
			srv->asked_nonce = OCSP_REQUEST_get_ext_by_NID(req,
			    NID_id_pkix_OCSP_Nonce, -1) >= 0;
			resp = canned_response(req, srv->kind);
			derlen = i2d_OCSP_RESPONSE(resp, &der);
			dprintf(c, "HTTP/1.0 200 OK\r\nContent-Type: application/ocsp-response\r\n"
			    "Content-Length: %d\r\n\r\n", derlen);
			if (derlen > 0 && write(c, der, (size_t)derlen) != derlen)
				perror("canned_serve: write");
			OPENSSL_free(der);
			OCSP_RESPONSE_free(resp);
			OCSP_REQUEST_free(req);
		}
	}
	close(c);
	bz_buf_free(&in);
	return NULL;
}

/* OCSPNonce (issue 8): the nonce policy of a row; NULL leaves the default
 * (prefer). OCSPMaxAge is the default day. */
static const struct canned_case {
	enum canned	 kind;
	const char	*nonce;
	const char	*label;
	struct outcome	 want;
} canned_cases[] = {
	{ CAN_GOOD, NULL, "good", { BZ_CHECK_PASS, BZ_CHECK_PASS, "" } },
	{ CAN_NO_NONCE, NULL, "nonce not echoed (prefer by default)",
	  { BZ_CHECK_PASS, BZ_CHECK_PASS, "" } },
	{ CAN_WRONG_NONCE, NULL, "wrong nonce", { BZ_CHECK_UNKNOWN, BZ_CHECK_PASS,
	  "BZ-REVOCATION-UNAVAILABLE" } },
	{ CAN_STALE, NULL, "stale", { BZ_CHECK_UNKNOWN, BZ_CHECK_PASS,
	  "BZ-REVOCATION-UNAVAILABLE" } },
	{ CAN_FUTURE, NULL, "thisUpdate in the future", { BZ_CHECK_UNKNOWN, BZ_CHECK_PASS,
	  "BZ-REVOCATION-UNAVAILABLE" } },
	{ CAN_OTHER_CERT, NULL, "CertID of another certificate", { BZ_CHECK_UNKNOWN,
	  BZ_CHECK_PASS, "BZ-REVOCATION-UNAVAILABLE" } },
	{ CAN_UNKNOWN, NULL, "status unknown", { BZ_CHECK_UNKNOWN, BZ_CHECK_PASS,
	  "BZ-REVOCATION-UNAVAILABLE" } },
	{ CAN_REVOKED, NULL, "revoked before arrival", { BZ_CHECK_FAIL, BZ_CHECK_PASS,
	  "BZ-CERT-REVOKED" } },
	{ CAN_TRY_LATER, NULL, "tryLater", { BZ_CHECK_UNKNOWN, BZ_CHECK_PASS,
	  "BZ-REVOCATION-UNAVAILABLE" } },
	{ CAN_SELF_SIGNED_BY_LEAF, NULL, "signed by a non-delegated key", { BZ_CHECK_UNKNOWN,
	  BZ_CHECK_PASS, "BZ-REVOCATION-UNAVAILABLE" } },
	{ CAN_OTHER_CA_RESPONDER, NULL, "responder delegated by another CA", { BZ_CHECK_UNKNOWN,
	  BZ_CHECK_PASS, "BZ-REVOCATION-UNAVAILABLE" } },
	/* issue 8: "an OCSP answer without nextUpdate is accepted only while
	 * younger than OCSPMaxAge (default 1 day)" */
	{ CAN_NO_NEXT_YOUNG, NULL, "no nextUpdate, a minute old", { BZ_CHECK_PASS,
	  BZ_CHECK_PASS, "" } },
	{ CAN_NO_NEXT_OLD, NULL, "no nextUpdate, two days old", { BZ_CHECK_UNKNOWN,
	  BZ_CHECK_PASS, "BZ-REVOCATION-UNAVAILABLE" } },
	/* issue 8: "a response that drops the nonce we sent is handled as
	 * OCSPNonce says (require, prefer default, off)" */
	{ CAN_NO_NONCE, "require", "nonce dropped, OCSPNonce require", { BZ_CHECK_UNKNOWN,
	  BZ_CHECK_PASS, "BZ-REVOCATION-UNAVAILABLE" } },
	{ CAN_NO_NONCE, "prefer", "nonce dropped, OCSPNonce prefer", { BZ_CHECK_PASS,
	  BZ_CHECK_PASS, "" } },
	{ CAN_NO_NONCE, "off", "no nonce asked, OCSPNonce off", { BZ_CHECK_PASS,
	  BZ_CHECK_PASS, "" } },
	{ CAN_GOOD, "require", "nonce echoed, OCSPNonce require", { BZ_CHECK_PASS,
	  BZ_CHECK_PASS, "" } },
	{ CAN_WRONG_NONCE, "require", "wrong nonce, OCSPNonce require", { BZ_CHECK_UNKNOWN,
	  BZ_CHECK_PASS, "BZ-REVOCATION-UNAVAILABLE" } },
	{ CAN_WRONG_NONCE, "prefer", "wrong nonce, OCSPNonce prefer", { BZ_CHECK_UNKNOWN,
	  BZ_CHECK_PASS, "BZ-REVOCATION-UNAVAILABLE" } },
	/* none was sent, so the responder's own nonce answers nothing of ours */
	{ CAN_WRONG_NONCE, "off", "responder's own nonce, OCSPNonce off", { BZ_CHECK_PASS,
	  BZ_CHECK_PASS, "" } },
	/* off trades replay protection for freshness: an old answer is still
	 * refused */
	{ CAN_NO_NEXT_OLD, "off", "no nextUpdate, two days old, OCSPNonce off",
	  { BZ_CHECK_UNKNOWN, BZ_CHECK_PASS, "BZ-REVOCATION-UNAVAILABLE" } },
};

START_TEST(test_ocsp_canned)
{
	const struct canned_case *c = &canned_cases[_i];
	struct canned_srv srv = { -1, c->kind, -1 };
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_efirma_ctx *ctx;
	struct bz_config *cfg;
	struct bz_signer s;
	struct bz_reasons r;
	enum bz_check trust, identity;
	X509 *cert = test_pki_cert("efirma-fisica");
	pthread_t th;
	char *extra;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert((srv.fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	ck_assert(bind(srv.fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	ck_assert(listen(srv.fd, 1) == 0);
	ck_assert(getsockname(srv.fd, (struct sockaddr *)&sin, &len) == 0);
	ck_assert_int_eq(pthread_create(&th, NULL, canned_serve, &srv), 0);
	extra = xasprintf("Revocation ocsp\nOCSPResponder http://127.0.0.1:%d/\n"
	    "OCSPTimeout 5\n%s%s%s", ntohs(sin.sin_port),
	    c->nonce ? "OCSPNonce " : "", c->nonce ? c->nonce : "",
	    c->nonce ? "\n" : "");
	cfg = test_pki_config(extra);
	ck_assert_ptr_nonnull(cfg);
	ctx = bz_efirma_ctx_new(cfg, &err);
	ck_assert_msg(ctx != NULL, "ctx: %s", bz_buf_str(&err));
	run_check(ctx, cert, NULL, TEST_PKI_INSTANT, &s, &trust, &identity, &r);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	close(srv.fd);
	/* a nonce is sent unless OCSPNonce off */
	if (srv.asked_nonce >= 0)
		ck_assert_msg(srv.asked_nonce == (c->nonce == NULL ||
		    strcmp(c->nonce, "off") != 0), "%s: request nonce %d",
		    c->label, srv.asked_nonce);
	assert_outcome(c->label, trust, identity, &r, &c->want);
	bz_signer_free(&s);
	bz_reasons_free(&r);
	X509_free(cert);
	bz_efirma_ctx_free(ctx);
	bz_config_unref(cfg);
	free(extra);
	bz_buf_free(&err);
}
END_TEST

/* OCSP over HTTPS: `openssl ocsp` behind tests/efirma/tls-proxy.py, the
 * server certificate checked against SSL_CERT_FILE (OpenSSL's default
 * verify path, which the daemon uses for SAT's https responder). */
static const struct https_case {
	const char	*cafile;	/* what SSL_CERT_FILE trusts */
	struct outcome	 want;
} https_cases[] = {
	{ "root.crt", { BZ_CHECK_PASS, BZ_CHECK_PASS, "" } },
	/* the server's certificate is not trusted: no answer */
	{ "institution-ca.crt", { BZ_CHECK_UNKNOWN, BZ_CHECK_PASS,
	  "BZ-REVOCATION-UNAVAILABLE" } },
};

START_TEST(test_ocsp_https)
{
	const struct https_case *c = &https_cases[_i];
	struct responder resp, proxy;
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_efirma_ctx *ctx;
	struct bz_config *cfg;
	struct bz_signer s;
	struct bz_reasons r;
	enum bz_check trust, identity;
	char *script, *port, *extra;
	X509 *cert;

	if (system("command -v python3 >/dev/null 2>&1") != 0) {
		printf("SKIP: python3 not found (needed for the HTTPS OCSP test)\n");
		fflush(stdout);
		return;
	}
	resp = responder_start("ocsp");
	script = xasprintf("%s/tests/efirma/tls-proxy.py", test_srcdir());
	port = xasprintf("%d", resp.port);
	{
		char *const argv[] = { (char *)"python3", script,
		    (char *)"tls-server.crt", (char *)"tls-server.key", port, NULL };

		proxy = spawn(argv);
	}
	setenv("SSL_CERT_FILE", test_pki_path(c->cafile), 1);
	setenv("SSL_CERT_DIR", test_tmpdir(), 1);	/* nothing else trusted */
	extra = xasprintf("Revocation ocsp\nOCSPResponder https://127.0.0.1:%d/\n"
	    "OCSPTimeout 5\n", proxy.port);
	cfg = test_pki_config(extra);
	ck_assert_ptr_nonnull(cfg);
	ctx = bz_efirma_ctx_new(cfg, &err);
	ck_assert_msg(ctx != NULL, "ctx: %s", bz_buf_str(&err));
	cert = test_pki_cert("efirma-fisica");
	run_check(ctx, cert, NULL, TEST_PKI_INSTANT, &s, &trust, &identity, &r);
	responder_stop(&proxy);
	responder_stop(&resp);
	assert_outcome(c->cafile, trust, identity, &r, &c->want);
	bz_signer_free(&s);
	bz_reasons_free(&r);
	X509_free(cert);
	bz_efirma_ctx_free(ctx);
	bz_config_unref(cfg);
	free(extra);
	free(port);
	free(script);
	bz_buf_free(&err);
}
END_TEST

Suite *
suite_efirma(void)
{
	Suite *s = suite_create("efirma");
	TCase *tc = tcase_create("generated-pki");
	TCase *sat = tcase_create("sat-test-certs");
	TCase *rev = tcase_create("revocation");

	tcase_set_timeout(tc, 60);	/* the first test may generate the PKI */
	tcase_add_loop_test(tc, test_generated_leaves, 0,
	    sizeof(leaf_cases) / sizeof(leaf_cases[0]));
	tcase_add_loop_test(tc, test_instants, 0,
	    sizeof(instant_cases) / sizeof(instant_cases[0]));
	tcase_add_loop_test(tc, test_bad_ctx, 0,
	    sizeof(bad_ctx_cases) / sizeof(bad_ctx_cases[0]));
	tcase_add_test(tc, test_identity_fields);
	tcase_add_loop_test(tc, test_edited_leaves, 0,
	    sizeof(edit_cases) / sizeof(edit_cases[0]));
	suite_add_tcase(s, tc);

	tcase_add_loop_test(sat, test_sat_material, 0,
	    sizeof(sat_cases) / sizeof(sat_cases[0]));
	tcase_add_loop_test(sat, test_production_pins, 0,
	    sizeof(pin_cases) / sizeof(pin_cases[0]));
	tcase_add_test(sat, test_production_config);
	tcase_add_loop_test(sat, test_production_chains, 0,
	    sizeof(responder_files) / sizeof(responder_files[0]));
	suite_add_tcase(s, sat);

	tcase_set_timeout(rev, 60);
	tcase_add_loop_test(rev, test_crl, 0, sizeof(crl_cases) / sizeof(crl_cases[0]));
	tcase_add_test(rev, test_threads);
	tcase_add_loop_test(rev, test_ocsp, 0,
	    sizeof(ocsp_cases) / sizeof(ocsp_cases[0]));
	tcase_add_loop_test(rev, test_ocsp_canned, 0,
	    sizeof(canned_cases) / sizeof(canned_cases[0]));
	tcase_add_loop_test(rev, test_ocsp_https, 0,
	    sizeof(https_cases) / sizeof(https_cases[0]));
	suite_add_tcase(s, rev);
	return s;
}
