/*
 * test_smime - CMS integrity and the algorithm policy, with real OpenSSL
 *
 * Issue 3: "SHA-256 or stronger; SHA-1/MD5 rejected (BZ-DIGEST-WEAK); RSA
 * only, PKCS#1 v1.5 or PSS; at most one signer; signingTime, when present,
 * must lie within the certificate's validity." Weak digests are policy
 * reasons: the integrity verdict stays PASS when the bytes are intact.
 * Each row signs a fresh CMS with OpenSSL in the test, optionally
 * tampers with it, and checks integrity and the exact reason list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "buzon/smime.h"
#include "core/smime_int.h"
#include "suites.h"

enum key_kind { K_RSA, K_EC };
enum tamper { T_NONE, T_CONTENT, T_SIGNATURE, T_OTHER_CONTENT };

static const char content[] =
    "Content-Type: text/plain; charset=utf-8\r\n\r\nDeclaracion anual 2026\r\n";

static const struct {
	const char	*name;
	enum key_kind	 key;
	const char	*md;
	int		 opaque;
	int		 pss;		/* 1 RSASSA-PSS, 2 PSS with MGF1-SHA1 */
	int		 nocerts;	/* CMS without certificates */
	int		 extra;		/* ... but the caller supplies it */
	int		 two_signers;
	int		 expired_cert;	/* cert validity ended before signing */
	enum tamper	 tamper;
	enum bz_check	 integrity;
	const char	*reasons;
} cases[] = {
	{ "detached sha256", K_RSA, "sha256", 0, 0, 0, 0, 0, 0, T_NONE, BZ_CHECK_PASS, "" },
	{ "opaque sha256", K_RSA, "sha256", 1, 0, 0, 0, 0, 0, T_NONE, BZ_CHECK_PASS, "" },
	{ "detached sha512", K_RSA, "sha512", 0, 0, 0, 0, 0, 0, T_NONE, BZ_CHECK_PASS, "" },
	{ "detached sha384 pss", K_RSA, "sha384", 0, 1, 0, 0, 0, 0, T_NONE, BZ_CHECK_PASS, "" },
	{ "pss with MGF1-SHA1 inside", K_RSA, "sha256", 0, 2, 0, 0, 0, 0, T_NONE,
	  BZ_CHECK_PASS, "BZ-DIGEST-WEAK" },
	{ "sha1 is weak, not broken", K_RSA, "sha1", 0, 0, 0, 0, 0, 0, T_NONE,
	  BZ_CHECK_PASS, "BZ-DIGEST-WEAK" },
	{ "md5 is weak", K_RSA, "md5", 1, 0, 0, 0, 0, 0, T_NONE,
	  BZ_CHECK_PASS, "BZ-DIGEST-WEAK" },
	{ "sha224 is below sha256", K_RSA, "sha224", 0, 0, 0, 0, 0, 0, T_NONE,
	  BZ_CHECK_PASS, "BZ-DIGEST-WEAK" },
	{ "ecdsa is not RSA", K_EC, "sha256", 0, 0, 0, 0, 0, 0, T_NONE,
	  BZ_CHECK_PASS, "BZ-SIG-ALGORITHM" },
	{ "content flipped (detached)", K_RSA, "sha256", 0, 0, 0, 0, 0, 0, T_CONTENT,
	  BZ_CHECK_FAIL, "BZ-SIG-INVALID" },
	{ "eContent flipped (opaque)", K_RSA, "sha256", 1, 0, 0, 0, 0, 0, T_CONTENT,
	  BZ_CHECK_FAIL, "BZ-SIG-INVALID" },
	{ "signature flipped", K_RSA, "sha256", 0, 0, 0, 0, 0, 0, T_SIGNATURE,
	  BZ_CHECK_FAIL, "BZ-SIG-INVALID" },
	{ "signature flipped pss opaque", K_RSA, "sha256", 1, 1, 0, 0, 0, 0, T_SIGNATURE,
	  BZ_CHECK_FAIL, "BZ-SIG-INVALID" },
	{ "embedded eContent differs from the MIME part (CVE-2018-18509)", K_RSA,
	  "sha256", 1, 0, 0, 0, 0, 0, T_OTHER_CONTENT, BZ_CHECK_FAIL, "BZ-SIG-INVALID" },
	{ "no certificate anywhere", K_RSA, "sha256", 0, 0, 1, 0, 0, 0, T_NONE,
	  BZ_CHECK_UNKNOWN, "BZ-SIG-NO-CERT" },
	{ "no certificate in CMS, supplied", K_RSA, "sha256", 0, 0, 1, 1, 0, 0, T_NONE,
	  BZ_CHECK_PASS, "" },
	{ "two signers", K_RSA, "sha256", 0, 0, 0, 0, 1, 0, T_NONE,
	  BZ_CHECK_PASS, "BZ-SIG-MULTIPLE-SIGNERS" },
	{ "signingTime after the certificate expired", K_RSA, "sha256", 0, 0, 0, 0, 0, 1,
	  T_NONE, BZ_CHECK_PASS, "BZ-SIG-TIME" },
	{ "everything wrong at once", K_RSA, "sha1", 0, 0, 0, 0, 1, 1, T_CONTENT,
	  BZ_CHECK_FAIL, "BZ-SIG-MULTIPLE-SIGNERS BZ-DIGEST-WEAK BZ-SIG-TIME BZ-SIG-INVALID" },
};

static EVP_PKEY *rsa_key, *rsa_key2, *ec_key;

/* keys_setup - one RSA and one EC key per test process */
static void
keys_setup(void)
{
	rsa_key = EVP_RSA_gen(2048);
	rsa_key2 = EVP_RSA_gen(2048);
	ec_key = EVP_EC_gen("P-256");
	ck_assert(rsa_key && rsa_key2 && ec_key);
}

static void
keys_teardown(void)
{
	EVP_PKEY_free(rsa_key);
	EVP_PKEY_free(rsa_key2);
	EVP_PKEY_free(ec_key);
}

/* make_cert - self-signed certificate valid from..to days from now */
static X509 *
make_cert(EVP_PKEY *key, long from_days, long to_days, const char *cn)
{
	X509 *x = X509_new();
	X509_NAME *n;

	ck_assert_ptr_nonnull(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), from_days * 86400L);
	X509_gmtime_adj(X509_getm_notAfter(x), to_days * 86400L);
	X509_set_pubkey(x, key);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, n);
	ck_assert(X509_sign(x, key, EVP_sha256()) > 0);
	return x;
}

/* add_signer - one SignerInfo, PSS when asked */
static void
add_signer(CMS_ContentInfo *cms, X509 *cert, EVP_PKEY *key, const char *md,
    int pss, unsigned flags)
{
	CMS_SignerInfo *si = CMS_add1_signer(cms, cert, key, EVP_get_digestbyname(md),
	    flags | (pss ? CMS_KEY_PARAM : 0));

	ck_assert_ptr_nonnull(si);
	if (pss) {
		EVP_PKEY_CTX *pctx = CMS_SignerInfo_get0_pkey_ctx(si);

		ck_assert(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0);
		ck_assert(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) > 0);
		if (pss == 2)
			ck_assert(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha1()) > 0);
	}
}

START_TEST(test_smime_table)
{
	const __typeof__(cases[0]) *c = &cases[_i];
	EVP_PKEY *key = c->key == K_EC ? ec_key : rsa_key;
	X509 *cert = c->expired_cert ? make_cert(key, -800, -400, "viejo") :
	    make_cert(key, -1, 365, "firmante");
	X509 *cert2 = make_cert(rsa_key2, -1, 365, "segundo");
	unsigned flags = CMS_BINARY | CMS_PARTIAL | (c->opaque ? 0 : CMS_DETACHED);
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
	BIO *in = BIO_new_mem_buf(content, sizeof(content) - 1);
	unsigned char *der = NULL;
	char *data = strdup(content);
	size_t datalen = sizeof(content) - 1;
	int derlen;
	STACK_OF(X509) *extra = NULL;
	struct bz_smime_result res;
	struct bz_reasons r;
	struct bz_buf got = BZ_BUF_INIT;

	ck_assert_ptr_nonnull(cms);
	add_signer(cms, cert, key, c->md, c->pss, c->nocerts ? CMS_NOCERTS : 0);
	if (c->two_signers)
		add_signer(cms, cert2, rsa_key2, "sha256", 0, 0);
	ck_assert(CMS_final(cms, in, NULL, flags) == 1);
	if (c->tamper == T_SIGNATURE) {
		CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
		ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);

		ASN1_STRING_get0_data(sig);
		sig->data[sig->length / 2] ^= 0x01;
	}
	if (c->tamper == T_CONTENT && c->opaque) {
		ASN1_OCTET_STRING **pos = CMS_get0_content(cms);

		(*pos)->data[(*pos)->length - 5] ^= 0x20;
	}
	if (c->tamper == T_CONTENT && !c->opaque)
		data[datalen - 5] ^= 0x20;
	if (c->tamper == T_OTHER_CONTENT)
		memcpy(data + datalen - 10, "FALSA", 5);
	derlen = i2d_CMS_ContentInfo(cms, &der);
	ck_assert_int_gt(derlen, 0);
	if (c->extra) {
		extra = sk_X509_new_null();
		sk_X509_push(extra, cert);
	}

	bz_reasons_init(&r);
	ck_assert_int_eq(bz_smime_verify(der, (size_t)derlen,
	    c->opaque && c->tamper != T_OTHER_CONTENT ? NULL : (unsigned char *)data,
	    datalen, extra, &res, &r), 0);
	for (size_t i = 0; i < r.n; i++) {
		if (i)
			bz_buf_putc(&got, ' ');
		bz_buf_puts(&got, r.items[i]->code);
	}
	ck_assert_msg(res.integrity == c->integrity, "%s: integrity %s", c->name,
	    bz_check_name(res.integrity));
	ck_assert_msg(strcmp(bz_buf_str(&got), c->reasons) == 0, "%s: reasons [%s]",
	    c->name, bz_buf_str(&got));
	if (c->integrity == BZ_CHECK_PASS) {
		ck_assert_ptr_nonnull(res.signer);
		/* SignerInfos is a SET OF: DER sorts it, so with two signers
		 * either may come first. */
		ck_assert(X509_cmp(res.signer, cert) == 0 ||
		    (c->two_signers && X509_cmp(res.signer, cert2) == 0));
		ck_assert_int_eq(res.nsigners, c->two_signers ? 2 : 1);
		ck_assert(res.has_signing_time);
		ck_assert_str_eq(res.sigalg, c->key == K_EC ? "ecdsa-with-SHA256" :
		    c->pss ? "rsa-pss" : "rsa");
	}
	if (c->opaque && c->integrity == BZ_CHECK_PASS) {
		/* The opaque form hands back the signed entity itself. */
		ck_assert_int_eq(res.econtent.len, sizeof(content) - 1);
		ck_assert(memcmp(res.econtent.data, content, res.econtent.len) == 0);
	}
	if (c->two_signers)
		ck_assert_int_ge(sk_X509_num(res.untrusted), 2);

	bz_buf_free(&got);
	bz_reasons_free(&r);
	bz_smime_result_free(&res);
	if (extra)
		sk_X509_free(extra);
	OPENSSL_free(der);
	free(data);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	X509_free(cert);
	X509_free(cert2);
}
END_TEST

START_TEST(test_not_signed_data)
{
	static const struct {
		const char *name;
		const unsigned char *der;
		size_t len;
		const char *reason;
	} rows[] = {
		{ "garbage", (const unsigned char *)"\x30\x03\x02\x01", 4, "BZ-SIG-MALFORMED" },
		{ "empty", (const unsigned char *)"", 0, "BZ-SIG-MALFORMED" },
		{ "id-data, not SignedData", (const unsigned char *)
		  "\x30\x0f\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01\xa0\x02\x04\x00",
		  17, "BZ-SIG-MALFORMED" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct bz_smime_result res;
		struct bz_reasons r;

		bz_reasons_init(&r);
		ck_assert_int_eq(bz_smime_verify(rows[i].der, rows[i].len,
		    (const unsigned char *)"x", 1, NULL, &res, &r), 0);
		ck_assert_msg(r.n == 1 && bz_reasons_has(&r, rows[i].reason), "%s", rows[i].name);
		ck_assert_int_eq(res.integrity, BZ_CHECK_UNKNOWN);
		ck_assert_ptr_null(res.signer);
		bz_smime_result_free(&res);
		bz_reasons_free(&r);
	}
}
END_TEST

/*
 * Issue 8: "a CMS with 15,000 extra certificates (10 MB) took 3.2 s CPU and
 * was accepted". The certificates a CMS carries are capped (the milter's
 * MaxCmsCertificates, default BZ_SMIME_MAX_CERTS_DEFAULT); over the cap
 * nothing else is looked at: no signer, integrity unknown, one reason.
 */
static const struct {
	const char	*name;
	int		 extra;		/* certificates besides the signer's */
	size_t		 cap;		/* 0: bz_smime_verify's default */
	int		 refused;
} caps[] = {
	{ "signer and 15 more: at the default cap", BZ_SMIME_MAX_CERTS_DEFAULT - 1, 0, 0 },
	{ "signer and 16 more: over the default cap", BZ_SMIME_MAX_CERTS_DEFAULT, 0, 1 },
	{ "signer and 2 more under a cap of 3", 2, 3, 0 },
	{ "signer and 3 more under a cap of 3", 3, 3, 1 },
	{ "signer alone under a cap of 1", 0, 1, 0 },
};

START_TEST(test_cert_cap)
{
	X509 *cert = make_cert(rsa_key, -1, 30, "firmante");
	STACK_OF(X509) *chain = sk_X509_new_null();
	BIO *in = BIO_new_mem_buf(content, sizeof(content) - 1);
	unsigned flags = CMS_DETACHED | CMS_BINARY;
	CMS_ContentInfo *cms;
	struct bz_smime_result res;
	struct bz_reasons r;
	unsigned char *der = NULL;
	int derlen;

	for (int i = 0; i < caps[_i].extra; i++) {
		char cn[32];

		snprintf(cn, sizeof(cn), "relleno %d", i);
		sk_X509_push(chain, make_cert(rsa_key2, -1, 30, cn));
	}
	cms = CMS_sign(cert, rsa_key, chain, in, flags);
	ck_assert_ptr_nonnull(cms);
	ck_assert_int_gt(derlen = i2d_CMS_ContentInfo(cms, &der), 0);
	/* the header walk that refuses before parsing counts right */
	ck_assert_int_eq(smime_der_cert_count(der, (size_t)derlen, 1000), caps[_i].extra + 1);
	ck_assert_int_eq(smime_der_cert_count(der, (size_t)derlen, 0), 1);
	bz_reasons_init(&r);
	if (caps[_i].cap == 0)
		ck_assert_int_eq(bz_smime_verify(der, (size_t)derlen,
		    (const unsigned char *)content, sizeof(content) - 1, NULL, &res, &r), 0);
	else
		ck_assert_int_eq(bz_smime_verify_capped(der, (size_t)derlen,
		    (const unsigned char *)content, sizeof(content) - 1, NULL,
		    caps[_i].cap, &res, &r), 0);
	if (caps[_i].refused) {
		ck_assert_msg(r.n == 1 && bz_reasons_has(&r, "BZ-SIG-TOO-MANY-CERTS"),
		    "%s: %zu reasons", caps[_i].name, r.n);
		ck_assert_int_eq(res.integrity, BZ_CHECK_UNKNOWN);
		ck_assert_ptr_null(res.signer);
	} else {
		ck_assert_msg(r.n == 0, "%s: %s", caps[_i].name, r.n ? r.items[0]->code : "");
		ck_assert_int_eq(res.integrity, BZ_CHECK_PASS);
		ck_assert_ptr_nonnull(res.signer);
	}
	bz_smime_result_free(&res);
	bz_reasons_free(&r);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	sk_X509_pop_free(chain, X509_free);
	X509_free(cert);
}
END_TEST

/* The same count over BER with indefinite lengths, as a streaming
 * producer (openssl cms -sign -stream -nodetach, many mail clients)
 * writes it; and nothing countable in what is not a SignedData. */
START_TEST(test_cert_count_ber)
{
	X509 *cert = make_cert(rsa_key, -1, 30, "firmante");
	STACK_OF(X509) *chain = sk_X509_new_null();
	BIO *in = BIO_new_mem_buf(content, sizeof(content) - 1), *out = BIO_new(BIO_s_mem());
	CMS_ContentInfo *cms;
	unsigned char *p;
	long n;

	for (int i = 0; i < 20; i++) {
		char cn[32];

		snprintf(cn, sizeof(cn), "relleno %d", i);
		sk_X509_push(chain, make_cert(rsa_key2, -1, 30, cn));
	}
	cms = CMS_sign(cert, rsa_key, chain, in, CMS_BINARY | CMS_STREAM);
	ck_assert_ptr_nonnull(cms);
	ck_assert_int_eq(i2d_CMS_bio_stream(out, cms, in, CMS_BINARY | CMS_STREAM), 1);
	n = BIO_get_mem_data(out, (char **)&p);
	ck_assert_int_gt(n, 4);
	ck_assert_msg(p[1] == 0x80, "not indefinite-length BER: %02x %02x", p[0], p[1]);
	ck_assert_int_eq(smime_der_cert_count(p, (size_t)n, 1000), 21);
	ck_assert_int_eq(smime_der_cert_count(p, (size_t)n, 16), 17);
	ck_assert_int_eq(smime_der_cert_count(p, (size_t)n / 2, 1000) < 21, 1);
	ck_assert_int_eq(smime_der_cert_count((const unsigned char *)"\x30\x03\x02\x01", 4, 16), -1);
	ck_assert_int_eq(smime_der_cert_count((const unsigned char *)"", 0, 16), -1);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	BIO_free(out);
	sk_X509_pop_free(chain, X509_free);
	X509_free(cert);
}
END_TEST

/* Issue 16: OpenSSL 3.0's CMS_verify leaks its copy of a memory BIO given
 * as detached content when it cannot set up the SignedData's
 * digestAlgorithms (include/buzon/cms_check.h). Such a CMS is refused as
 * malformed before CMS_verify; under LeakSanitizer (--enable-sanitizers)
 * the old code fails these rows with a leak of 272 bytes each. */
static const struct {
	const char	*name;
	const char	*set;		/* contents of the new SET, DER */
	size_t		 setlen;
	enum bz_check	 integrity;
	const char	*reason;	/* NULL: none */
} digest_sets[] = {
	{ "empty digestAlgorithms", "", 0, BZ_CHECK_UNKNOWN, "BZ-SIG-MALFORMED" },
	/* not listed: CMS_verify has no digest for the signer and fails it
	 * (the memory BIO is freed on that path) */
	{ "signer's sha256 not listed (sha512 only)",
	  "\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x03\x05\x00", 15,
	  BZ_CHECK_FAIL, "BZ-SIG-INVALID" },
	{ "sha256 and an unknown digest 1.2.3.4",
	  "\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00"
	  "\x30\x05\x06\x03\x2a\x03\x04", 22, BZ_CHECK_UNKNOWN, "BZ-SIG-MALFORMED" },
	{ "sha256 and sha512: a spare digest is fine",
	  "\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00"
	  "\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x03\x05\x00", 30,
	  BZ_CHECK_PASS, NULL },
	{ "sha256 without NULL parameters", "\x30\x0b\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01",
	  13, BZ_CHECK_PASS, NULL },
};

/* tlv - the DER element at p: returns its header length, sets *clen */
static size_t
tlv(const unsigned char *p, size_t *clen)
{
	size_t n = 0, k;

	if (!(p[1] & 0x80)) {
		*clen = p[1];
		return 2;
	}
	k = p[1] & 0x7f;
	for (size_t i = 0; i < k; i++)
		n = (n << 8) | p[2 + i];
	*clen = n;
	return 2 + k;
}

/* put_tlv - append tag, DER length and contents */
static void
put_tlv(struct bz_buf *out, unsigned char tag, const void *c, size_t n)
{
	unsigned char h[6];
	size_t hl = 0;

	h[hl++] = tag;
	if (n < 0x80)
		h[hl++] = (unsigned char)n;
	else if (n < 0x100) {
		h[hl++] = 0x81;
		h[hl++] = (unsigned char)n;
	} else {
		h[hl++] = 0x82;
		h[hl++] = (unsigned char)(n >> 8);
		h[hl++] = (unsigned char)n;
	}
	bz_buf_append(out, h, hl);
	bz_buf_append(out, c, n);
}

/* with_digest_set - the DER ContentInfo der with SignedData's
 * digestAlgorithms replaced by a SET of set[0..setlen) */
static void
with_digest_set(const unsigned char *der, const char *set, size_t setlen,
    struct bz_buf *out)
{
	struct bz_buf sd = BZ_BUF_INIT, a0 = BZ_BUF_INIT, ci = BZ_BUF_INIT,
	    tmp = BZ_BUF_INIT;
	const unsigned char *p = der, *oid, *sdc, *sdend, *ver;
	size_t c, h, oidlen, verlen;

	p += tlv(p, &c);			/* ContentInfo SEQUENCE */
	oid = p;
	h = tlv(p, &c);
	oidlen = h + c;
	p += oidlen;
	p += tlv(p, &c);			/* [0] */
	h = tlv(p, &c);				/* SignedData SEQUENCE */
	sdc = p + h;
	sdend = sdc + c;
	ver = sdc;
	h = tlv(ver, &c);
	verlen = h + c;
	p = ver + verlen;
	ck_assert_int_eq(*p, 0x31);
	h = tlv(p, &c);
	p += h + c;				/* past digestAlgorithms */
	bz_buf_append(&tmp, ver, verlen);
	put_tlv(&tmp, 0x31, set, setlen);
	bz_buf_append(&tmp, p, (size_t)(sdend - p));
	put_tlv(&sd, 0x30, tmp.data, tmp.len);
	put_tlv(&a0, 0xa0, sd.data, sd.len);
	bz_buf_append(&ci, oid, oidlen);
	bz_buf_append(&ci, a0.data, a0.len);
	put_tlv(out, 0x30, ci.data, ci.len);
	bz_buf_free(&sd);
	bz_buf_free(&a0);
	bz_buf_free(&ci);
	bz_buf_free(&tmp);
}

START_TEST(test_digest_algorithms_set)
{
	X509 *cert = make_cert(rsa_key, -1, 365, "firmante");
	unsigned flags = CMS_BINARY | CMS_PARTIAL | CMS_DETACHED;
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
	BIO *in = BIO_new_mem_buf(content, sizeof(content) - 1);
	unsigned char *der = NULL;
	struct bz_buf mod = BZ_BUF_INIT;
	struct bz_smime_result res;
	struct bz_reasons r;

	ck_assert_ptr_nonnull(cms);
	add_signer(cms, cert, rsa_key, "sha256", 0, 0);
	ck_assert(CMS_final(cms, in, NULL, flags) == 1);
	ck_assert_int_gt(i2d_CMS_ContentInfo(cms, &der), 0);
	with_digest_set(der, digest_sets[_i].set, digest_sets[_i].setlen, &mod);

	bz_reasons_init(&r);
	ck_assert_int_eq(bz_smime_verify((unsigned char *)mod.data, mod.len,
	    (const unsigned char *)content, sizeof(content) - 1, NULL, &res, &r), 0);
	ck_assert_msg(res.integrity == digest_sets[_i].integrity, "%s: integrity %s",
	    digest_sets[_i].name, bz_check_name(res.integrity));
	if (digest_sets[_i].reason == NULL)
		ck_assert_msg(r.n == 0, "%s: reason %s", digest_sets[_i].name,
		    r.n ? r.items[0]->code : "");
	else
		ck_assert_msg(r.n == 1 && bz_reasons_has(&r, digest_sets[_i].reason),
		    "%s: %zu reasons (first %s)", digest_sets[_i].name, r.n,
		    r.n ? r.items[0]->code : "-");
	bz_smime_result_free(&res);
	bz_reasons_free(&r);
	bz_buf_free(&mod);
	OPENSSL_free(der);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	X509_free(cert);
}
END_TEST

Suite *
suite_smime(void)
{
	Suite *s = suite_create("smime");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, keys_setup, keys_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_smime_table, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_not_signed_data);
	tcase_add_loop_test(tc, test_cert_cap, 0, sizeof(caps) / sizeof(caps[0]));
	tcase_add_test(tc, test_cert_count_ber);
	tcase_add_loop_test(tc, test_digest_algorithms_set, 0,
	    sizeof(digest_sets) / sizeof(digest_sets[0]));
	suite_add_tcase(s, tc);
	return s;
}
