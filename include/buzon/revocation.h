/*
 * revocation - is a certificate revoked? CRL files and OCSP
 *
 * Used by efirma once a leaf's chain is trusted (its issuer known).
 *   CRL:  bz_crl_load_dir() reads every CRL (PEM or DER) of a directory
 *         once per configuration generation; bz_crl_status() uses the CRL
 *         of the leaf's issuer that verifies with the issuer's key and is
 *         not stale at `at` (nextUpdate >= at).
 *   OCSP: bz_ocsp_status() POSTs a request (SHA-1 CertID, as SAT's
 *         responder expects, plus a nonce) to the responder URL with a
 *         timeout, and accepts the answer only when its signature verifies
 *         to a trust anchor of `store` through the issuer itself or a
 *         delegated responder issued by it (EKU OCSPSigning), the CertID
 *         matches, the nonce is as OCSPNonce asks, and thisUpdate/nextUpdate
 *         are fresh against the wall clock (the responder speaks about now)
 *         with 5 minutes' skew; an answer without nextUpdate only while
 *         thisUpdate is younger than OCSPMaxAge.
 *   Either way a certificate revoked at or before `at` is REVOKED; one
 *   revoked later was good when the message arrived.
 *
 * Failure: anything that prevents a trustworthy answer (no CRL for the
 * issuer, stale CRL, responder down, timeout, bad or forged response,
 * status "unknown") is BZ_REV_UNAVAILABLE with an English explanation in
 * `why`; the caller applies RevocationFailure. No function here panics on
 * bad input. Thread-safe: the CRL stack is read-only after loading.
 */
#ifndef BUZON_REVOCATION_H
#define BUZON_REVOCATION_H

#include <stdint.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "buzon/buf.h"

enum bz_rev_status {
	BZ_REV_GOOD,
	BZ_REV_REVOKED,
	BZ_REV_UNAVAILABLE,
};

STACK_OF(X509_CRL) *bz_crl_load_dir(const char *dir, struct bz_buf *err);
enum bz_rev_status bz_crl_status(STACK_OF(X509_CRL) *crls, X509 *leaf,
	    X509 *issuer, int64_t at, struct bz_buf *why);

/* OCSPNonce: what an answer that drops the nonce we sent means */
enum bz_ocsp_nonce {
	BZ_OCSP_NONCE_OFF,	/* send none (pre-produced answers only) */
	BZ_OCSP_NONCE_PREFER,	/* send one; a dropped nonce is accepted */
	BZ_OCSP_NONCE_REQUIRE,	/* send one; a dropped nonce is refused */
};

/* How to ask. url: http://host[:port]/path (https:// when built with TLS
 * support). timeout in seconds. tls: the client context for https
 * (bz_ocsp_tls_new, shared read-only by threads; NULL: one is built per
 * request). max_age: OCSPMaxAge, in seconds. */
struct bz_ocsp_opts {
	const char	*url;
	int		 timeout;
	SSL_CTX		*tls;
	enum bz_ocsp_nonce nonce;
	long		 max_age;
};

/* BZ_OCSP_NONCE_* from the OCSPNonce value; prefer when unknown */
enum bz_ocsp_nonce bz_ocsp_nonce_from_name(const char *name);
/* chain: certificates to build the responder's chain with (the issuer at
 * least); store: the trust anchors. */
enum bz_rev_status bz_ocsp_status(const struct bz_ocsp_opts *o,
	    X509_STORE *store, STACK_OF(X509) *chain, X509 *leaf, X509 *issuer,
	    int64_t at, struct bz_buf *why);
/* A TLS client context on the system trust store, peer verified; NULL on
 * an OpenSSL failure. Free with SSL_CTX_free. */
SSL_CTX *bz_ocsp_tls_new(void);
/* 1 when the URL's scheme is supported by this build */
int	bz_ocsp_url_supported(const char *url);

#endif
