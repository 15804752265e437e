/*
 * receipt_impl - helpers shared by the receipt_*.c files, not public
 */
#ifndef BUZON_RECEIPT_IMPL_H
#define BUZON_RECEIPT_IMPL_H

#include <openssl/x509.h>

#include "buzon/buf.h"
#include "buzon/receipt.h"

/* noCertificado of a certificate: SAT style (serial bytes as ASCII digits) or decimal. */
char	*bz_receipt_cert_number(X509 *cert);
/* Decode base64 ignoring CR/LF/space; -1 when malformed. */
int	bz_receipt_unbase64(struct bz_buf *out, const char *p, size_t n);
/* The signer's certificate, key and chain (borrowed). */
X509	*bz_receipt_signer_cert(const struct bz_receipt_signer *s);
EVP_PKEY *bz_receipt_signer_key(const struct bz_receipt_signer *s);
STACK_OF(X509) *bz_receipt_signer_chain(const struct bz_receipt_signer *s);
/* Verify the sello with a public key. */
int	bz_receipt_sello_verify_key(const struct bz_receipt *r, EVP_PKEY *pub,
	    struct bz_buf *err);

#endif
