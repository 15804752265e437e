/*
 * fuzz_ocsp - libFuzzer target over the OCSP response handling
 *
 * Each input is the body an OCSP responder sends back. bz_ocsp_status()
 * is called whole, as efirma calls it for a message's signer, with the
 * test PKI's e.firma fisica as the certificate asked about; only the
 * network is replaced: this file defines OSSL_HTTP_transfer(), which the
 * linker binds ahead of libcrypto's, and it answers every request with
 * the input. So the DER decoding of the OCSPResponse, the status, the
 * basic response, the nonce check, OCSP_basic_verify against the test
 * PKI's trust anchors, the CertID match, freshness and the revocation
 * time all see sender-shaped bytes. $BUZON_FUZZ_PKI names the test PKI
 * (tests/pki/gen-pki.sh). Any crash, leak or sanitizer report is a
 * finding.
 *
 * Build and run: tests/fuzz/run-fuzz.sh SECONDS WORKDIR ocsp
 */
#include "build-aux/config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/http.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "buzon/buf.h"
#include "buzon/log.h"
#include "buzon/revocation.h"
#include "buzon/xalloc.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static X509_STORE *store;
static STACK_OF(X509) *chain;
static X509 *leaf, *revoked, *issuer;
static const uint8_t *answer;
static size_t answer_len;

/* OSSL_HTTP_transfer - the responder: every request gets the input back */
BIO *
OSSL_HTTP_transfer(OSSL_HTTP_REQ_CTX **prctx, const char *server,
    const char *port, const char *path, int use_ssl, const char *proxy,
    const char *no_proxy, BIO *bio, BIO *rbio, OSSL_HTTP_bio_cb_t bio_update_fn,
    void *arg, int buf_size, const STACK_OF(CONF_VALUE) *headers,
    const char *content_type, BIO *req, const char *expected_content_type,
    int expect_asn1, size_t max_resp_len, int timeout, int keep_alive)
{
	(void)prctx; (void)server; (void)port; (void)path; (void)use_ssl;
	(void)proxy; (void)no_proxy; (void)bio; (void)rbio; (void)bio_update_fn;
	(void)arg; (void)buf_size; (void)headers; (void)content_type; (void)req;
	(void)expected_content_type; (void)expect_asn1; (void)timeout;
	(void)keep_alive;
	if (answer_len > max_resp_len)
		return NULL;	/* what the real client does with an oversize body */
	return BIO_new_mem_buf(answer_len ? answer : (const uint8_t *)"",
	    (int)answer_len);
}

/* load_cert - one PEM certificate of the test PKI */
static X509 *
load_cert(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(path, "r");
	X509 *x = fp ? PEM_read_X509(fp, NULL, NULL, NULL) : NULL;

	if (fp != NULL)
		fclose(fp);
	if (x == NULL) {
		fprintf(stderr, "fuzz_ocsp: cannot read %s\n", path);
		exit(2);
	}
	free(path);
	return x;
}

/* LLVMFuzzerInitialize - the certificate asked about, its chain, the anchors */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *pki = getenv("BUZON_FUZZ_PKI");
	char *anchors;

	(void)argc;
	(void)argv;
	if (pki == NULL) {
		fprintf(stderr, "fuzz_ocsp: set BUZON_FUZZ_PKI (see run-fuzz.sh)\n");
		exit(2);
	}
	bz_log_set_level(LOG_ERR);
	leaf = load_cert(pki, "efirma-fisica.crt");
	revoked = load_cert(pki, "revoked.crt");
	issuer = load_cert(pki, "ca.crt");
	chain = sk_X509_new_null();
	X509_up_ref(issuer);
	sk_X509_push(chain, issuer);
	anchors = xasprintf("%s/trust-anchors.pem", pki);
	if ((store = X509_STORE_new()) == NULL ||
	    X509_STORE_load_file(store, anchors) != 1) {
		fprintf(stderr, "fuzz_ocsp: cannot load %s\n", anchors);
		exit(2);
	}
	free(anchors);
	return 0;
}

/* LLVMFuzzerTestOneInput - one responder answer */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bz_buf why = BZ_BUF_INIT;
	enum bz_rev_status st;

	/* Every OCSPNonce policy in turn (the input's size picks one), the
	 * default OCSPMaxAge of a day. */
	static const enum bz_ocsp_nonce nonces[] = { BZ_OCSP_NONCE_PREFER,
	    BZ_OCSP_NONCE_REQUIRE, BZ_OCSP_NONCE_OFF };
	struct bz_ocsp_opts o = { "http://127.0.0.1:9/ocsp", 5, NULL,
	    nonces[size % 3], 86400 };

	answer = data;
	answer_len = size;
	/* 2026-06-01T12:00:00Z: the test PKI's pinned instant. */
	st = bz_ocsp_status(&o, store, chain, leaf, issuer, 1780315200, &why);
	if (st == BZ_REV_UNAVAILABLE && strstr(bz_buf_str(&why), "no status") != NULL) {
		/* maybe an answer about the revoked certificate: ask about it,
		 * once before and once after its revocation */
		bz_buf_reset(&why);
		st = bz_ocsp_status(&o, store, chain, revoked, issuer,
		    size % 2 ? 1780315200 : INT64_MAX / 2, &why);
	}
	if (st == BZ_REV_UNAVAILABLE && why.len == 0)
		abort();	/* an unusable answer always says why */
	if (getenv("BUZON_FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "fuzz_ocsp: %s %s\n", st == BZ_REV_GOOD ? "good" :
		    st == BZ_REV_REVOKED ? "revoked" : "unavailable", bz_buf_str(&why));
	bz_buf_free(&why);
	return 0;
}
