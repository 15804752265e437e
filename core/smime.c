/*
 * smime - CMS signature integrity and algorithm policy
 *
 * See include/buzon/smime.h. The signer is located first (from the CMS
 * certificates, else `extra`) so that "no certificate" and "does not
 * verify" are different answers; the algorithm policy is read from the
 * SignerInfo itself (the micalg parameter is advisory and often wrong);
 * then CMS_verify checks messageDigest and the signature over the signed
 * attributes with our exact bytes as the content.
 *
 * Failure: see the header. The OpenSSL error queue is always left empty.
 */
#include "build-aux/config.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "buzon/cms_check.h"
#include "buzon/efirma.h"
#include "buzon/log.h"
#include "buzon/smime.h"
#include "buzon/view.h"
#include "smime_int.h"

/* digest_policy - 0 strong enough, 1 weak, 2 unknown algorithm */
static int
digest_policy(int nid)
{
	switch (nid) {
	case NID_sha256:
	case NID_sha384:
	case NID_sha512:
	case NID_sha3_256:
	case NID_sha3_384:
	case NID_sha3_512:
		return 0;
	case NID_md2:
	case NID_md4:
	case NID_md5:
	case NID_sha1:
	case NID_sha224:
	case NID_sha512_224:
	case NID_sha3_224:
		return 1;
	default:
		return 2;
	}
}

/* digest_reason - the reason, if any, a digest algorithm earns */
static void
digest_reason(int nid, struct bz_reasons *reasons)
{
	switch (digest_policy(nid)) {
	case 1:
		bz_reasons_add(reasons, "BZ-DIGEST-WEAK");
		break;
	case 2:
		bz_reasons_add(reasons, "BZ-SIG-ALGORITHM");
		break;
	}
}

/* signature_is_rsa - RSA PKCS#1 v1.5 (any OID spelling) or RSASSA-PSS */
static int
signature_is_rsa(int nid)
{
	int dnid, pknid;

	if (nid == NID_rsaEncryption || nid == NID_rsa || nid == NID_rsassaPss)
		return 1;
	if (OBJ_find_sigid_algs(nid, &dnid, &pknid))
		return pknid == NID_rsaEncryption || pknid == NID_rsassaPss;
	return 0;
}

/* pss_hashes_policy - RSASSA-PSS carries its own hash and MGF1 hash, which
 * default to SHA-1 when absent: hold both to the digest policy. */
static void
pss_hashes_policy(const X509_ALGOR *sig, struct bz_reasons *reasons)
{
	const ASN1_OBJECT *obj;
	const void *pval;
	int ptype, hnid = NID_sha1, mnid = NID_sha1;
	RSA_PSS_PARAMS *pss = NULL;

	X509_ALGOR_get0(&obj, &ptype, &pval, sig);
	if (ptype != V_ASN1_SEQUENCE || (pss = ASN1_TYPE_unpack_sequence(
	    ASN1_ITEM_rptr(RSA_PSS_PARAMS), sig->parameter)) == NULL) {
		bz_reasons_add(reasons, "BZ-SIG-ALGORITHM");
		return;
	}
	if (pss->hashAlgorithm != NULL)
		hnid = OBJ_obj2nid(pss->hashAlgorithm->algorithm);
	if (pss->maskGenAlgorithm != NULL) {
		X509_ALGOR *mh = NULL;

		if (OBJ_obj2nid(pss->maskGenAlgorithm->algorithm) != NID_mgf1 ||
		    (mh = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR),
		    pss->maskGenAlgorithm->parameter)) == NULL)
			mnid = NID_undef;
		else
			mnid = OBJ_obj2nid(mh->algorithm);
		X509_ALGOR_free(mh);
	}
	RSA_PSS_PARAMS_free(pss);
	digest_reason(hnid, reasons);
	digest_reason(mnid, reasons);
}

/* signing_time - the signingTime signed attribute, if any */
static const ASN1_TIME *
signing_time(CMS_SignerInfo *si)
{
	int idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
	X509_ATTRIBUTE *attr;
	ASN1_TYPE *at;

	if (idx < 0 || (attr = CMS_signed_get_attr(si, idx)) == NULL)
		return NULL;
	if ((at = X509_ATTRIBUTE_get0_type(attr, 0)) == NULL)
		return NULL;
	if (at->type == V_ASN1_UTCTIME)
		return at->value.utctime;
	if (at->type == V_ASN1_GENERALIZEDTIME)
		return at->value.generalizedtime;
	return NULL;
}

static void check_signing_time(CMS_SignerInfo *, X509 *, struct bz_smime_result *,
	    int, struct bz_reasons *);

/* check_signer_info - algorithm policy and signing time of one SignerInfo */
static void
check_signer_info(CMS_SignerInfo *si, struct bz_smime_result *out, int first,
    struct bz_reasons *reasons)
{
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	X509_ALGOR *dig = NULL, *sig = NULL;
	const ASN1_OBJECT *obj;
	int dnid, snid;

	CMS_SignerInfo_get0_algs(si, &pk, &x, &dig, &sig);
	X509_ALGOR_get0(&obj, NULL, NULL, dig);
	dnid = OBJ_obj2nid(obj);
	X509_ALGOR_get0(&obj, NULL, NULL, sig);
	snid = OBJ_obj2nid(obj);
	digest_reason(dnid, reasons);
	if (!signature_is_rsa(snid))
		bz_reasons_add(reasons, "BZ-SIG-ALGORITHM");
	if (snid == NID_rsassaPss)
		pss_hashes_policy(sig, reasons);
	if (pk != NULL && EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA &&
	    EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA_PSS)
		bz_reasons_add(reasons, "BZ-SIG-ALGORITHM");
	check_signing_time(si, x, out, first, reasons);
	if (!first)
		return;
	snprintf(out->digest, sizeof(out->digest), "%s",
	    dnid != NID_undef ? OBJ_nid2sn(dnid) : "");
	snprintf(out->sigalg, sizeof(out->sigalg), "%s",
	    snid == NID_rsassaPss ? "rsa-pss" : signature_is_rsa(snid) ? "rsa" :
	    snid != NID_undef ? OBJ_nid2sn(snid) : "");
	if (x != NULL) {
		X509_up_ref(x);
		out->signer = x;
	}
}

/* check_signing_time - record signingTime and hold it to the validity */
static void
check_signing_time(CMS_SignerInfo *si, X509 *cert, struct bz_smime_result *out,
    int first, struct bz_reasons *reasons)
{
	const ASN1_TIME *st = signing_time(si);
	int64_t t;

	if (st == NULL)
		return;
	if (bz_efirma_time(st, &t) != 0) {
		bz_reasons_add(reasons, "BZ-SIG-TIME");
		return;
	}
	if (first) {
		out->has_signing_time = 1;
		out->signing_time = t;
	}
	if (cert != NULL &&
	    (ASN1_TIME_compare(st, X509_get0_notBefore(cert)) < 0 ||
	    ASN1_TIME_compare(st, X509_get0_notAfter(cert)) > 0))
		bz_reasons_add(reasons, "BZ-SIG-TIME");
}

/* cert_count - certificates the CMS carries (not the signer lookup's) */
static size_t
cert_count(CMS_ContentInfo *cms)
{
	STACK_OF(X509) *certs = CMS_get1_certs(cms);
	size_t n = certs != NULL ? (size_t)sk_X509_num(certs) : 0;

	if (certs != NULL)
		sk_X509_pop_free(certs, X509_free);
	return n;
}

/* bz_smime_verify - integrity and policy, default certificate cap */
int
bz_smime_verify(const unsigned char *der, size_t der_len,
    const unsigned char *content, size_t content_len, STACK_OF(X509) *extra,
    struct bz_smime_result *out, struct bz_reasons *reasons)
{
	return bz_smime_verify_capped(der, der_len, content, content_len, extra,
	    BZ_SMIME_MAX_CERTS_DEFAULT, out, reasons);
}

/* bz_smime_verify_capped - integrity and policy of one CMS SignedData */
int
bz_smime_verify_capped(const unsigned char *der, size_t der_len,
    const unsigned char *content, size_t content_len, STACK_OF(X509) *extra,
    size_t max_certs, struct bz_smime_result *out, struct bz_reasons *reasons)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms = NULL;
	STACK_OF(CMS_SignerInfo) *sis;
	BIO *dcont = NULL, *outb = NULL;
	int n, rc = 0;

	memset(out, 0, sizeof(*out));
	out->integrity = BZ_CHECK_UNKNOWN;
	bz_buf_init(&out->econtent);
	ERR_clear_error();
	/* Counted before parsing: OpenSSL's parse of each certificate is
	 * the expensive part of 15,000 of them. */
	if (max_certs > 0 && smime_der_cert_count(der, der_len, max_certs) > (long)max_certs) {
		bz_reasons_add(reasons, "BZ-SIG-TOO-MANY-CERTS");
		goto done;
	}
	if (der_len > 0 && der_len < (size_t)INT32_MAX)
		cms = d2i_CMS_ContentInfo(NULL, &p, (long)der_len);
	if (cms == NULL) {
		bz_reasons_add(reasons, "BZ-SIG-MALFORMED");
		goto done;
	}
	switch (OBJ_obj2nid(CMS_get0_type(cms))) {
	case NID_pkcs7_signed:
		break;
	case NID_pkcs7_enveloped:
	case NID_id_smime_ct_authEnvelopedData:
		bz_reasons_add(reasons, "BZ-MSG-ENCRYPTED");
		goto done;
	default:
		bz_reasons_add(reasons, "BZ-SIG-MALFORMED");
		goto done;
	}
	/* Thousands of certificates cost seconds of CPU to parse and in
	 * the chain and signer lookups; a signer needs a handful. Counted
	 * again once parsed, in case the header walk above gave up. */
	if (max_certs > 0 && cert_count(cms) > max_certs) {
		bz_reasons_add(reasons, "BZ-SIG-TOO-MANY-CERTS");
		goto done;
	}
	if ((sis = CMS_get0_SignerInfos(cms)) == NULL ||
	    (n = sk_CMS_SignerInfo_num(sis)) == 0) {
		/* A certificates-only SignedData signs nothing. */
		bz_reasons_add(reasons, "BZ-MSG-UNSIGNED");
		goto done;
	}
	out->nsigners = n;
	if (n > 1)
		bz_reasons_add(reasons, "BZ-SIG-MULTIPLE-SIGNERS");
	if (content == NULL && CMS_is_detached(cms)) {
		/* Opaque form without eContent: there is nothing signed. */
		bz_reasons_add(reasons, "BZ-SIG-MALFORMED");
		goto done;
	}
	/* OpenSSL 3.0's CMS_verify leaks when it cannot set these digests up:
	 * see include/buzon/cms_check.h. */
	if (bz_cms_check_digests(der, der_len) != 0) {
		bz_reasons_add(reasons, "BZ-SIG-MALFORMED");
		goto done;
	}
	if (CMS_set1_signers_certs(cms, extra, 0) < 0)
		ERR_clear_error();
	for (int i = 0; i < n; i++)
		check_signer_info(sk_CMS_SignerInfo_value(sis, i), out, i == 0,
		    reasons);
	out->untrusted = CMS_get1_certs(cms);
	if (out->untrusted == NULL)
		out->untrusted = sk_X509_new_null();
	if (out->signer == NULL) {
		bz_reasons_add(reasons, "BZ-SIG-NO-CERT");
		goto done;
	}
	if (content != NULL) {
		/* Read through a view BIO: a large mapped message is
		 * trimmed as OpenSSL hashes it, never resident whole. */
		if ((dcont = bz_view_bio(content, content_len)) == NULL)
			goto internal;
	} else if ((outb = BIO_new(BIO_s_mem())) == NULL) {
		goto internal;
	}
	/* Bytes are canonical already: CMS_BINARY keeps OpenSSL from
	 * rewriting them; chain trust is efirma's. */
	if (CMS_verify(cms, extra, NULL, dcont, outb,
	    CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) == 1) {
		out->integrity = BZ_CHECK_PASS;
	} else {
		unsigned long e = ERR_peek_last_error();

		bz_log(LOG_DEBUG, NULL, "smime: CMS_verify failed: %s",
		    e ? ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "?" : "?");
		out->integrity = BZ_CHECK_FAIL;
		bz_reasons_add(reasons, "BZ-SIG-INVALID");
	}
	if (outb != NULL && out->integrity == BZ_CHECK_PASS) {
		char *data;
		long len = BIO_get_mem_data(outb, &data);

		if (len > 0)
			bz_buf_append(&out->econtent, data, (size_t)len);
	}
	goto done;
internal:
	bz_reasons_add(reasons, "BZ-INTERNAL");
	rc = -1;
done:
	BIO_free(dcont);
	BIO_free(outb);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return rc;
}

/* bz_smime_result_free - release what bz_smime_verify filled */
void
bz_smime_result_free(struct bz_smime_result *r)
{
	X509_free(r->signer);
	r->signer = NULL;
	if (r->untrusted != NULL)
		sk_X509_pop_free(r->untrusted, X509_free);
	r->untrusted = NULL;
	bz_buf_free(&r->econtent);
}
