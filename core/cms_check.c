/*
 * cms_check - refuse a SignedData that OpenSSL 3.0's CMS_verify would leak on
 *
 * See include/buzon/cms_check.h for the OpenSSL defect. OpenSSL has no
 * public accessor for SignedData.digestAlgorithms, so the set is read from
 * the DER itself: ContentInfo SEQUENCE, contentType OID, [0] EXPLICIT,
 * SignedData SEQUENCE, version INTEGER, then the SET OF
 * AlgorithmIdentifier. d2i_CMS_ContentInfo() accepted the same bytes, so
 * they are BER: the walk follows definite and indefinite lengths. Each
 * entry is then set up exactly as OpenSSL 3.0's
 * ossl_cms_DigestAlgorithm_init_bio() does (fetch by name, else by object;
 * then BIO_set_md on a message digest BIO), so that a digest this check
 * accepts cannot make CMS_dataInit() fail.
 */
#include "build-aux/config.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "buzon/cms_check.h"

/* OpenSSL's OSSL_MAX_NAME_SIZE (internal): the buffer its CMS code names
 * a digest OID into. */
#define CMS_DIGEST_NAME_MAX	50

/* header - one BER header of the expected tag and class; *end is the end of
 * its contents (NULL for an indefinite length). 0 or -1. */
static int
header(const unsigned char **p, const unsigned char *limit, int want_tag,
    int want_class, const unsigned char **end)
{
	long len;
	int tag, xclass, ret;

	if (*p >= limit)
		return -1;
	ret = ASN1_get_object(p, &len, &tag, &xclass, limit - *p);
	if ((ret & 0x80) || tag != want_tag || xclass != want_class)
		return -1;
	*end = (ret & 0x01) ? NULL : *p + len;
	return 0;
}

/* digest_algorithms - the SignedData's digestAlgorithms, or NULL */
static STACK_OF(X509_ALGOR) *
digest_algorithms(const unsigned char *der, size_t len)
{
	const unsigned char *p = der, *limit = der + len, *end;
	STACK_OF(X509_ALGOR) *set;
	X509_ALGOR *a;

	if (header(&p, limit, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, &end) != 0 ||
	    header(&p, limit, V_ASN1_OBJECT, V_ASN1_UNIVERSAL, &end) != 0 ||
	    end == NULL)
		return NULL;
	p = end;
	if (header(&p, limit, 0, V_ASN1_CONTEXT_SPECIFIC, &end) != 0 ||
	    header(&p, limit, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, &end) != 0 ||
	    header(&p, limit, V_ASN1_INTEGER, V_ASN1_UNIVERSAL, &end) != 0 ||
	    end == NULL)
		return NULL;
	p = end;
	if (header(&p, limit, V_ASN1_SET, V_ASN1_UNIVERSAL, &end) != 0)
		return NULL;
	if (end != NULL)
		limit = end;
	if ((set = sk_X509_ALGOR_new_null()) == NULL)
		return NULL;
	while (p < limit) {
		/* indefinite length: the set ends at an end-of-contents */
		if (end == NULL && limit - p >= 2 && p[0] == 0 && p[1] == 0)
			return set;
		if ((a = d2i_X509_ALGOR(NULL, &p, limit - p)) == NULL)
			break;
		if (!sk_X509_ALGOR_push(set, a)) {
			X509_ALGOR_free(a);
			break;
		}
	}
	if (end != NULL && p == limit)
		return set;
	sk_X509_ALGOR_pop_free(set, X509_ALGOR_free);
	return NULL;
}

/* digest_usable - can CMS_dataInit() set this digest up? */
static int
digest_usable(const X509_ALGOR *alg)
{
	const ASN1_OBJECT *obj;
	char name[CMS_DIGEST_NAME_MAX];
	EVP_MD *fetched;
	const EVP_MD *md;
	BIO *mdbio;
	int ok = 0;

	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	if (obj == NULL || OBJ_obj2txt(name, sizeof(name), obj, 0) <= 0)
		return 0;
	fetched = EVP_MD_fetch(NULL, name, NULL);
	md = fetched != NULL ? fetched : EVP_get_digestbyobj(obj);
	if (md != NULL && (mdbio = BIO_new(BIO_f_md())) != NULL) {
		ok = BIO_set_md(mdbio, md) > 0;
		BIO_free(mdbio);
	}
	EVP_MD_free(fetched);
	return ok;
}

/* bz_cms_check_digests - 0 when CMS_verify() can set the digests up */
int
bz_cms_check_digests(const unsigned char *der, size_t len)
{
	STACK_OF(X509_ALGOR) *set = digest_algorithms(der, len);
	int rc = -1;

	if (set == NULL || sk_X509_ALGOR_num(set) == 0)
		goto out;
	for (int i = 0; i < sk_X509_ALGOR_num(set); i++)
		if (!digest_usable(sk_X509_ALGOR_value(set, i)))
			goto out;
	rc = 0;
out:
	sk_X509_ALGOR_pop_free(set, X509_ALGOR_free);
	ERR_clear_error();
	return rc;
}
