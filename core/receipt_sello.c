/*
 * receipt_sello - the institution signer and the sello of the cadena
 *
 * A bz_receipt_signer holds the institution certificate, its private key
 * and optional intermediates. It is loaded once per configuration
 * generation, never changed afterwards, and reference-counted, so every
 * thread may sign with it at once (each signature uses its own OpenSSL
 * context; the key itself is only read).
 *
 * The sello is RSA PKCS#1 v1.5 with SHA-256 over the UTF-8 bytes of the
 * cadena original, base64 without line breaks, as the SAT does for its
 * own sellos.
 *
 * Failure: load and seal return NULL/-1 with the OpenSSL reason in err.
 */
#include "build-aux/config.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "buzon/config.h"
#include "buzon/receipt.h"
#include "buzon/xalloc.h"
#include "receipt_impl.h"

struct bz_receipt_signer {
	atomic_uint	 refs;
	X509		*cert;
	EVP_PKEY	*key;
	STACK_OF(X509)	*chain;
	char		*no_certificado;
};

/*
 * bz_receipt_ossl_error - describe the OpenSSL error queue and clear it:
 * appends "what: error; error" to err, as every error path does (the
 * convention is in include/buzon/buf.h: append, never reset the caller's
 * buffer)
 */
void
bz_receipt_ossl_error(struct bz_buf *err, const char *what)
{
	unsigned long e;
	char line[256];
	int first = 1;

	bz_buf_puts(err, what);
	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, line, sizeof(line));
		bz_buf_printf(err, "%s%s", first ? ": " : "; ", line);
		first = 0;
	}
}

/* bz_receipt_cert_number - SAT noCertificado, else the decimal serial */
char *
bz_receipt_cert_number(X509 *cert)
{
	const ASN1_INTEGER *serial = X509_get0_serialNumber(cert);
	BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
	unsigned char *bytes;
	int n, digits = 1;
	char *out, *dec;

	if (bn == NULL)
		return xstrdup("");
	n = BN_num_bytes(bn);
	bytes = xmalloc((size_t)n + 1);
	BN_bn2bin(bn, bytes);
	for (int i = 0; i < n; i++)
		if (bytes[i] < '0' || bytes[i] > '9')
			digits = 0;
	if (digits && n > 0) {
		/* The SAT encodes the 20-digit number as the serial's bytes. */
		out = xstrndup((const char *)bytes, (size_t)n);
	} else {
		dec = BN_bn2dec(bn);
		out = xstrdup(dec ? dec : "");
		OPENSSL_free(dec);
	}
	free(bytes);
	BN_free(bn);
	return out;
}

/* read_file_bio - open a file for OpenSSL with a clear error */
static BIO *
read_file_bio(const char *path, const char *what, struct bz_buf *err)
{
	BIO *bio = BIO_new_file(path, "r");

	if (bio == NULL) {
		bz_receipt_ossl_error(err, what);
		bz_buf_printf(err, " (%s)", path);
	}
	return bio;
}

/* self_test - one RSA-SHA256 signature verified with the certificate */
static int
self_test(struct bz_receipt_signer *s, struct bz_buf *err)
{
	static const unsigned char probe[] = "||buzon-milter self-test||";
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *sig = NULL;
	size_t siglen = 0;
	int ok;

	ok = EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, s->key) == 1 &&
	    EVP_DigestSign(md, NULL, &siglen, probe, sizeof(probe) - 1) == 1;
	if (ok) {
		sig = xmalloc(siglen);
		ok = EVP_DigestSign(md, sig, &siglen, probe, sizeof(probe) - 1) == 1;
	}
	EVP_MD_CTX_free(md);
	if (ok) {
		md = EVP_MD_CTX_new();
		ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
		    X509_get0_pubkey(s->cert)) == 1 &&
		    EVP_DigestVerify(md, sig, siglen, probe, sizeof(probe) - 1) == 1;
		EVP_MD_CTX_free(md);
	}
	free(sig);
	if (!ok)
		bz_receipt_ossl_error(err, "the institution key cannot sign (self-test)");
	return ok ? 0 : -1;
}

/* bz_receipt_signer_load - certificate, matching key, optional chain */
struct bz_receipt_signer *
bz_receipt_signer_load(const char *cert_path, const char *key_path,
    const char *chain_path, struct bz_buf *err)
{
	struct bz_receipt_signer *s = xcalloc(1, sizeof(*s));
	BIO *bio;
	X509 *x;

	atomic_init(&s->refs, 1);
	if ((bio = read_file_bio(cert_path, "cannot open InstitutionCertificate", err)) == NULL)
		goto fail;
	s->cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (s->cert == NULL) {
		bz_receipt_ossl_error(err, "InstitutionCertificate is not a PEM certificate");
		goto fail;
	}
	if ((bio = read_file_bio(key_path, "cannot open InstitutionKey", err)) == NULL)
		goto fail;
	/* An empty passphrase callback: an encrypted key fails, never prompts. */
	s->key = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
	BIO_free(bio);
	if (s->key == NULL) {
		bz_receipt_ossl_error(err, "InstitutionKey is not an unencrypted PEM private key");
		goto fail;
	}
	if (EVP_PKEY_get_base_id(s->key) != EVP_PKEY_RSA) {
		bz_buf_puts(err, "InstitutionKey is not an RSA key");
		goto fail;
	}
	if (X509_check_private_key(s->cert, s->key) != 1) {
		bz_receipt_ossl_error(err, "InstitutionKey does not match InstitutionCertificate");
		goto fail;
	}
	s->chain = sk_X509_new_null();
	if (chain_path != NULL) {
		if ((bio = read_file_bio(chain_path, "cannot open InstitutionChain", err)) == NULL)
			goto fail;
		while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
			sk_X509_push(s->chain, x);
		BIO_free(bio);
		ERR_clear_error();	/* the end of the file reads as an error */
	}
	s->no_certificado = bz_receipt_cert_number(s->cert);
	/*
	 * Sign once now, while the signer is private to this thread: OpenSSL
	 * fills the key's provider caches on first use, and a signer shared
	 * by many threads must only ever be read. A key that cannot sign is
	 * refused at load, not at the first acuse.
	 */
	if (self_test(s, err) != 0)
		goto fail;
	return s;
fail:
	bz_receipt_signer_unref(s);
	return NULL;
}

/* bz_receipt_signer_from_config - the signer named by the configuration */
struct bz_receipt_signer *
bz_receipt_signer_from_config(const struct bz_config *cfg, struct bz_buf *err)
{
	const char *cert = bz_config_str(cfg, BZ_KEY_InstitutionCertificate);
	const char *key = bz_config_str(cfg, BZ_KEY_InstitutionKey);

	if (cert == NULL || key == NULL) {
		bz_buf_puts(err, "InstitutionCertificate and InstitutionKey are required to sign acuses");
		return NULL;
	}
	return bz_receipt_signer_load(cert, key,
	    bz_config_str(cfg, BZ_KEY_InstitutionChain), err);
}

/* bz_receipt_signer_ref - one more holder */
struct bz_receipt_signer *
bz_receipt_signer_ref(struct bz_receipt_signer *s)
{
	atomic_fetch_add(&s->refs, 1);
	return s;
}

/* bz_receipt_signer_unref - drop a holder; the last one frees */
void
bz_receipt_signer_unref(struct bz_receipt_signer *s)
{
	if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	X509_free(s->cert);
	EVP_PKEY_free(s->key);
	sk_X509_pop_free(s->chain, X509_free);
	free(s->no_certificado);
	free(s);
}

X509 *
bz_receipt_signer_cert(const struct bz_receipt_signer *s)
{
	return s->cert;
}

EVP_PKEY *
bz_receipt_signer_key(const struct bz_receipt_signer *s)
{
	return s->key;
}

STACK_OF(X509) *
bz_receipt_signer_chain(const struct bz_receipt_signer *s)
{
	return s->chain;
}

/* bz_receipt_base64 - encode, optionally wrapped with CRLF */
void
bz_receipt_base64(struct bz_buf *out, const void *p, size_t n, int wrap)
{
	const unsigned char *in = p;
	unsigned char chunk[4 * 57 / 3 + 1];
	size_t step = wrap > 0 ? (size_t)wrap / 4 * 3 : 48;

	for (size_t off = 0; off < n; off += step) {
		size_t take = n - off < step ? n - off : step;
		int len = EVP_EncodeBlock(chunk, in + off, (int)take);

		bz_buf_append(out, chunk, (size_t)len);
		if (wrap > 0)
			bz_buf_puts(out, "\r\n");
	}
	if (out->data == NULL)
		bz_buf_puts(out, "");
}

/* bz_receipt_unbase64 - decode; white space ignored, anything else strict */
int
bz_receipt_unbase64(struct bz_buf *out, const char *p, size_t n)
{
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	unsigned char *tmp = xmalloc(n + 4);
	int len = 0, fin = 0, rc = -1;

	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, tmp, &len, (const unsigned char *)p, (int)n) >= 0 &&
	    EVP_DecodeFinal(ctx, tmp + len, &fin) == 1) {
		bz_buf_append(out, tmp, (size_t)len + (size_t)fin);
		rc = 0;
	}
	EVP_ENCODE_CTX_free(ctx);
	free(tmp);
	return rc;
}

/* bz_receipt_signer_no_certificado - the number the cadena names */
const char *
bz_receipt_signer_no_certificado(const struct bz_receipt_signer *s)
{
	return s->no_certificado;
}

/* bz_receipt_seal - institution number into the record, then the sello */
int
bz_receipt_seal(const struct bz_receipt_signer *s, struct bz_receipt *r,
    struct bz_buf *err)
{
	struct bz_buf cadena = BZ_BUF_INIT, b64 = BZ_BUF_INIT;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *sig = NULL;
	size_t siglen = 0;
	int rc = -1;

	bz_receipt_set(&r->institution_no_certificado, s->no_certificado);
	bz_receipt_set(&r->sello, NULL);
	bz_receipt_cadena(r, &cadena);
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, s->key) != 1 ||
	    EVP_DigestSign(md, NULL, &siglen, (unsigned char *)cadena.data, cadena.len) != 1) {
		bz_receipt_ossl_error(err, "cannot compute the sello");
		goto out;
	}
	sig = xmalloc(siglen);
	if (EVP_DigestSign(md, sig, &siglen, (unsigned char *)cadena.data, cadena.len) != 1) {
		bz_receipt_ossl_error(err, "cannot compute the sello");
		goto out;
	}
	bz_receipt_base64(&b64, sig, siglen, 0);
	bz_receipt_set(&r->sello, bz_buf_str(&b64));
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	free(sig);
	bz_buf_free(&cadena);
	bz_buf_free(&b64);
	return rc;
}

/* bz_receipt_sello_verify_key - check the sello with a public key */
int
bz_receipt_sello_verify_key(const struct bz_receipt *r, EVP_PKEY *pub,
    struct bz_buf *err)
{
	struct bz_buf cadena = BZ_BUF_INIT, sig = BZ_BUF_INIT;
	EVP_MD_CTX *md;
	int rc = -1;

	if (r->sello == NULL || *r->sello == '\0') {
		bz_buf_puts(err, "the acuse has no sello");
		return -1;
	}
	if (bz_receipt_unbase64(&sig, r->sello, strlen(r->sello)) != 0) {
		bz_buf_puts(err, "the sello is not valid base64");
		bz_buf_free(&sig);
		return -1;
	}
	bz_receipt_cadena(r, &cadena);
	md = EVP_MD_CTX_new();
	if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) == 1 &&
	    EVP_DigestVerify(md, (unsigned char *)sig.data, sig.len,
	    (unsigned char *)cadena.data, cadena.len) == 1)
		rc = 0;
	else
		bz_receipt_ossl_error(err, "the sello does not match the cadena original");
	EVP_MD_CTX_free(md);
	bz_buf_free(&cadena);
	bz_buf_free(&sig);
	return rc;
}

/* bz_receipt_sello_verify - same, with a PEM or DER certificate */
int
bz_receipt_sello_verify(const struct bz_receipt *r, const void *cert,
    size_t cert_len, struct bz_buf *err)
{
	BIO *bio;
	X509 *x;
	const unsigned char *p = cert;
	int rc;

	if (cert_len > INT_MAX) {
		bz_buf_puts(err, "not a certificate");
		return -1;
	}
	bio = BIO_new_mem_buf(cert, (int)cert_len);
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (x == NULL)
		x = d2i_X509(NULL, &p, (long)cert_len);
	ERR_clear_error();
	if (x == NULL) {
		bz_buf_puts(err, "not a certificate");
		return -1;
	}
	rc = bz_receipt_sello_verify_key(r, X509_get0_pubkey(x), err);
	X509_free(x);
	return rc;
}
