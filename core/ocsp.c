/*
 * ocsp - ask an OCSP responder whether a certificate is revoked
 *
 * See include/buzon/revocation.h. One request per call: SHA-1 CertID (what
 * SAT's responder indexes by) and a nonce, POSTed over HTTP or HTTPS with
 * OpenSSL's HTTP client and an overall timeout. The answer is believed
 * only after OCSP_basic_verify() (signature; signer chain to a trust
 * anchor; signer is the issuer or a responder it delegated with EKU
 * OCSPSigning), a CertID match, the nonce as OCSPNonce says, and
 * freshness: thisUpdate no more than 5 minutes in the future and
 * nextUpdate, when given, not past; without nextUpdate (the responder
 * promises nothing) thisUpdate no older than OCSPMaxAge, so an old signed
 * "good" cannot be replayed for ever. Nonce: require refuses an answer that
 * drops the nonce we sent; prefer (SAT's responder may not echo it) accepts
 * it, leaving replay to the freshness limits; off sends none, for
 * responders that only serve pre-produced answers. A nonce that comes back
 * different is a replay or a forgery under any policy that sent one. The
 * freshness clock is the wall clock, not the arrival instant: the
 * responder speaks about now, and a pinned TestClock must not make every
 * live answer look stale. The revocation time is compared with `at`.
 *
 * HTTPS verifies the server against the system's default CA store and
 * host name. Proxies: from the environment (http_proxy/https_proxy), never
 * for loopback.
 *
 * Failure: every problem is BZ_REV_UNAVAILABLE with the reason in `why`.
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/http.h>
#include <openssl/ocsp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "buzon/efirma.h"
#include "buzon/revocation.h"
#include "buzon/xalloc.h"

#define OCSP_SKEW	300L	/* seconds of clock difference tolerated */
#define OCSP_MAX_RESP	(100 * 1024)

struct tls_arg {
	SSL_CTX		*ssl_ctx;
	const char	*host;
};

/* host_check - the server certificate must name host (a DNS name, with
 * SNI, or an IP literal, matched against an IP subjectAltName) */
static int
host_check(SSL *ssl, const char *host)
{
	ASN1_OCTET_STRING *ip = a2i_IPADDRESS(host);

	if (ip != NULL) {
		ASN1_OCTET_STRING_free(ip);
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host);
	}
	ERR_clear_error();
	return SSL_set_tlsext_host_name(ssl, host) && SSL_set1_host(ssl, host);
}

/* tls_cb - OpenSSL HTTP client hook: wrap the connection in TLS */
static BIO *
tls_cb(BIO *bio, void *arg, int connect, int detail)
{
	struct tls_arg *t = arg;
	BIO *sbio;
	SSL *ssl = NULL;

	if (connect && detail) {
		if ((sbio = BIO_new_ssl(t->ssl_ctx, 1)) == NULL)
			return NULL;
		BIO_get_ssl(sbio, &ssl);
		if (ssl == NULL || !host_check(ssl, t->host)) {
			BIO_free(sbio);
			return NULL;
		}
		return BIO_push(sbio, bio);
	}
	if (!connect && detail) {	/* disconnect after success: pop TLS */
		BIO *next;

		BIO_ssl_shutdown(bio);
		next = BIO_pop(bio);
		BIO_free(bio);
		return next;
	}
	return bio;
}

/* bz_ocsp_nonce_from_name - OCSPNonce value to policy (prefer if unknown:
 * the configuration parser has already refused anything else) */
enum bz_ocsp_nonce
bz_ocsp_nonce_from_name(const char *name)
{
	if (name != NULL && strcmp(name, "require") == 0)
		return BZ_OCSP_NONCE_REQUIRE;
	if (name != NULL && strcmp(name, "off") == 0)
		return BZ_OCSP_NONCE_OFF;
	return BZ_OCSP_NONCE_PREFER;
}

/* bz_ocsp_url_supported - http:// or https:// with a host */
int
bz_ocsp_url_supported(const char *url)
{
	char *host = NULL;
	int ssl, ok;

	ok = OSSL_HTTP_parse_url(url, &ssl, NULL, &host, NULL, NULL, NULL, NULL,
	    NULL) && host != NULL && *host != '\0';
	OPENSSL_free(host);
	ERR_clear_error();
	return ok;
}

/* bz_ocsp_tls_new - TLS client context for an https responder: the
 * system's trust store (OpenSSL's default verify paths), peer verified */
SSL_CTX *
bz_ocsp_tls_new(void)
{
	SSL_CTX *tls = SSL_CTX_new(TLS_client_method());

	if (tls == NULL || !SSL_CTX_set_default_verify_paths(tls)) {
		SSL_CTX_free(tls);
		ERR_clear_error();
		return NULL;
	}
	SSL_CTX_set_verify(tls, SSL_VERIFY_PEER, NULL);
	return tls;
}

/* post - send req to url, return the parsed response or NULL with why */
static OCSP_RESPONSE *
post(const char *url, int timeout, SSL_CTX *tls, OCSP_REQUEST *req,
    struct bz_buf *why)
{
	char *host = NULL, *port = NULL, *path = NULL;
	struct tls_arg targ = { NULL, NULL };
	OCSP_RESPONSE *resp = NULL;
	BIO *reqbio = NULL, *rspbio = NULL;
	unsigned long e;
	int use_ssl = 0;

	if (!OSSL_HTTP_parse_url(url, &use_ssl, NULL, &host, &port, NULL, &path,
	    NULL, NULL)) {
		bz_buf_printf(why, "bad OCSPResponder URL");
		goto out;
	}
	if (use_ssl) {
		/* The caller's context (built once per generation: loading the
		 * system trust store per message is wasted work), else one for
		 * this request. */
		if (tls != NULL && SSL_CTX_up_ref(tls))
			targ.ssl_ctx = tls;
		else if ((targ.ssl_ctx = bz_ocsp_tls_new()) == NULL) {
			bz_buf_printf(why, "cannot set up TLS");
			goto out;
		}
		targ.host = host;
	}
	reqbio = ASN1_item_i2d_mem_bio(ASN1_ITEM_rptr(OCSP_REQUEST),
	    (const ASN1_VALUE *)req);
	if (reqbio == NULL) {
		bz_buf_printf(why, "cannot encode the OCSP request");
		goto out;
	}
	rspbio = OSSL_HTTP_transfer(NULL, host, port, path, use_ssl, NULL,
	    "localhost,127.0.0.1,::1", NULL, NULL, use_ssl ? tls_cb : NULL,
	    use_ssl ? &targ : NULL, 0, NULL, "application/ocsp-request", reqbio,
	    "application/ocsp-response", 1, OCSP_MAX_RESP, timeout, 0);
	if (rspbio == NULL) {
		e = ERR_peek_last_error();
		bz_buf_printf(why, "OCSP responder %s unreachable or failed: %s",
		    host, e != 0 ? ERR_reason_error_string(e) : "no answer");
		goto out;
	}
	if ((resp = d2i_OCSP_RESPONSE_bio(rspbio, NULL)) == NULL)
		bz_buf_printf(why, "OCSP responder %s sent no OCSP response", host);
out:
	ERR_clear_error();
	BIO_free(reqbio);
	BIO_free(rspbio);
	SSL_CTX_free(targ.ssl_ctx);
	OPENSSL_free(host);
	OPENSSL_free(port);
	OPENSSL_free(path);
	return resp;
}

/* bz_ocsp_status - ask url about leaf (issued by issuer) */
enum bz_rev_status
bz_ocsp_status(const struct bz_ocsp_opts *o, X509_STORE *store,
    STACK_OF(X509) *chain, X509 *leaf, X509 *issuer, int64_t at,
    struct bz_buf *why)
{
	enum bz_rev_status result = BZ_REV_UNAVAILABLE;
	OCSP_CERTID *id = NULL;
	OCSP_REQUEST *req = NULL;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	ASN1_GENERALIZEDTIME *revtime = NULL, *thisupd = NULL, *nextupd = NULL;
	int status, reason, nonce;
	int64_t when;

	if ((id = OCSP_cert_to_id(EVP_sha1(), leaf, issuer)) == NULL ||
	    (req = OCSP_REQUEST_new()) == NULL ||
	    OCSP_request_add0_id(req, OCSP_CERTID_dup(id)) == NULL ||
	    (o->nonce != BZ_OCSP_NONCE_OFF &&
	    !OCSP_request_add1_nonce(req, NULL, -1))) {
		bz_buf_puts(why, "cannot build the OCSP request");
		goto out;
	}
	if ((resp = post(o->url, o->timeout, o->tls, req, why)) == NULL)
		goto out;
	if ((status = OCSP_response_status(resp)) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		bz_buf_printf(why, "OCSP responder answered %s",
		    OCSP_response_status_str(status));
		goto out;
	}
	if ((bs = OCSP_response_get1_basic(resp)) == NULL) {
		bz_buf_puts(why, "OCSP response is not a basic response");
		goto out;
	}
	/* 1 echoed, -1 dropped, 0 different (replay or forgery); with no
	 * nonce sent: 2 (the responder added one) or 3 (none either way) */
	nonce = OCSP_check_nonce(req, bs);
	if (nonce == 0) {
		bz_buf_puts(why, "OCSP response nonce does not match the request");
		goto out;
	}
	if (nonce == -1 && o->nonce == BZ_OCSP_NONCE_REQUIRE) {
		bz_buf_puts(why, "OCSP response does not echo the request's nonce "
		    "(OCSPNonce require)");
		goto out;
	}
	if (OCSP_basic_verify(bs, chain, store, 0) <= 0) {
		unsigned long e = ERR_peek_last_error();

		bz_buf_printf(why, "OCSP response signature or signer not trusted: %s",
		    e != 0 ? ERR_reason_error_string(e) : "unknown");
		goto out;
	}
	if (!OCSP_resp_find_status(bs, id, &status, &reason, &revtime, &thisupd,
	    &nextupd)) {
		bz_buf_puts(why, "OCSP response has no status for this certificate");
		goto out;
	}
	if (!OCSP_check_validity(thisupd, nextupd, OCSP_SKEW, -1)) {
		bz_buf_puts(why, "OCSP response is not fresh (thisUpdate/nextUpdate)");
		goto out;
	}
	if (nextupd == NULL &&
	    !OCSP_check_validity(thisupd, NULL, OCSP_SKEW, o->max_age)) {
		bz_buf_printf(why, "OCSP response without nextUpdate is older than "
		    "OCSPMaxAge (%ld seconds)", o->max_age);
		goto out;
	}
	switch (status) {
	case V_OCSP_CERTSTATUS_GOOD:
		result = BZ_REV_GOOD;
		break;
	case V_OCSP_CERTSTATUS_REVOKED:
		/* revoked after the message arrived: it was good then */
		if (bz_efirma_time(revtime, &when) == 0 && when > at)
			result = BZ_REV_GOOD;
		else
			result = BZ_REV_REVOKED;
		break;
	default:
		bz_buf_puts(why, "OCSP responder does not know the certificate");
		break;
	}
out:
	ERR_clear_error();
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	OCSP_REQUEST_free(req);
	OCSP_CERTID_free(id);
	return result;
}
