/*
 * smime - CMS signature integrity and algorithm policy
 *
 * Verifies a CMS SignedData with OpenSSL: the detached form over the exact
 * bytes mime found (CMS_DETACHED, CMS_BINARY: they are already canonical),
 * the opaque form over its own eContent, which is returned. Signed
 * attributes are checked (messageDigest, contentType). Chain trust is NOT
 * judged here (CMS_NO_SIGNER_CERT_VERIFY): that is efirma's job, since
 * OpenSSL's S/MIME purpose accepts CSDs.
 *
 * Policy, as reasons (never integrity failures):
 *   BZ-DIGEST-WEAK		digest other than SHA-256/384/512 (MD5, SHA-1, SHA-224)
 *   BZ-SIG-ALGORITHM	signature not RSA (PKCS#1 v1.5 or PSS)
 *   BZ-SIG-MULTIPLE-SIGNERS	more than one SignerInfo
 *   BZ-SIG-TIME		signingTime outside the signer certificate validity
 * Integrity:
 *   PASS	the signature and message digest verify
 *   FAIL	BZ-SIG-INVALID (digest mismatch, bad signature)
 *   UNKNOWN	BZ-SIG-MALFORMED (not a SignedData) or BZ-SIG-NO-CERT (the
 *		signer certificate is neither in the CMS nor in `extra`), or
 *		BZ-SIG-TOO-MANY-CERTS (more certificates than the cap: not
 *		looked at further)
 * The detached content is read through a view BIO (buzon/view.h): a large
 * mapped message is hashed without staying resident.
 *
 * Failure: bz_smime_verify() returns 0 after any verdict; -1 only on an
 * internal error (BZ-INTERNAL added). Thread-safe.
 */
#ifndef BUZON_SMIME_H
#define BUZON_SMIME_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "buzon/buf.h"
#include "buzon/reason.h"
#include "buzon/verdict.h"

/* Certificates a CMS may carry by default (MaxCmsCertificates): the
 * signer's and its chain are three or four; mail clients add a few. */
#define BZ_SMIME_MAX_CERTS_DEFAULT	16

struct bz_smime_result {
	enum bz_check	 integrity;
	X509		*signer;	/* owned reference; NULL when not found */
	STACK_OF(X509)	*untrusted;	/* the CMS's other certificates (owned) */
	int		 has_signing_time;
	int64_t		 signing_time;	/* UTC seconds */
	int		 nsigners;
	char		 digest[32];	/* "sha256", ... ("" when unknown) */
	char		 sigalg[32];	/* "rsa", "rsa-pss", ... */
	struct bz_buf	 econtent;	/* opaque form: the signed entity */
};

/* content == NULL: opaque (the content is inside the CMS and copied to
 * out->econtent). extra: further certificates to find the signer by (may
 * be NULL; borrowed). */
int	bz_smime_verify(const unsigned char *der, size_t der_len,
	    const unsigned char *content, size_t content_len,
	    STACK_OF(X509) *extra, struct bz_smime_result *out,
	    struct bz_reasons *reasons);
/* The same with a cap on the certificates the CMS may carry (0: none):
 * more give BZ-SIG-TOO-MANY-CERTS and nothing else is checked.
 * bz_smime_verify uses BZ_SMIME_MAX_CERTS_DEFAULT. */
int	bz_smime_verify_capped(const unsigned char *der, size_t der_len,
	    const unsigned char *content, size_t content_len,
	    STACK_OF(X509) *extra, size_t max_certs,
	    struct bz_smime_result *out, struct bz_reasons *reasons);
void	bz_smime_result_free(struct bz_smime_result *r);

#endif
