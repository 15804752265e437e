/*
 * receipt_impl - helpers shared by the receipt_*.c files, not public
 */
#ifndef BUZON_RECEIPT_IMPL_H
#define BUZON_RECEIPT_IMPL_H

#include <openssl/x509.h>

#include "buzon/buf.h"
#include "buzon/receipt.h"

/* err = "what: <OpenSSL error queue>", the queue emptied. */
void	bz_receipt_ossl_error(struct bz_buf *err, const char *what);
/* noCertificado of a certificate: SAT style (serial bytes as ASCII digits) or decimal. */
char	*bz_receipt_cert_number(X509 *cert);
/* Base64 of bytes; wrap > 0 inserts CRLF every wrap characters. */
void	bz_receipt_base64(struct bz_buf *out, const void *p, size_t n, int wrap);
/* Decode base64 ignoring CR/LF/space; -1 when malformed. */
int	bz_receipt_unbase64(struct bz_buf *out, const char *p, size_t n);
/* The signer's certificate, key and chain (borrowed). */
X509	*bz_receipt_signer_cert(const struct bz_receipt_signer *s);
EVP_PKEY *bz_receipt_signer_key(const struct bz_receipt_signer *s);
STACK_OF(X509) *bz_receipt_signer_chain(const struct bz_receipt_signer *s);
/* Detached CMS (SHA-256, DER) by the institution over entity's exact bytes. */
int	bz_receipt_sign_detached(const struct bz_receipt_signer *s,
	    const struct bz_buf *entity, struct bz_buf *der, struct bz_buf *err);
/* "Date: ..." CRLF, RFC 5322 in UTC. */
void	bz_receipt_date_header(struct bz_buf *out, int64_t when);
/* The multipart/signed body (Content-Type header, entity, signature part)
 * with boundary "=_firma_<tag>"; the caller has written the other headers. */
void	bz_receipt_put_signed(struct bz_buf *out, const char *tag,
	    const struct bz_buf *entity, const struct bz_buf *der);
/* Verify the sello with a public key. */
int	bz_receipt_sello_verify_key(const struct bz_receipt *r, EVP_PKEY *pub,
	    struct bz_buf *err);

#endif
