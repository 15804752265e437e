/*
 * efirma_int - helpers shared by the efirma module's files and smime.c
 * (not an API)
 */
#ifndef BUZON_EFIRMA_INT_H
#define BUZON_EFIRMA_INT_H

#include <stdint.h>

#include <openssl/asn1.h>
#include <openssl/x509.h>

int	bz_efirma_rfc_valid(const char *s, int nletters);
int	bz_efirma_cert_sha256(X509 *cert, unsigned char md[32]);
int	bz_efirma_time(const ASN1_TIME *t, int64_t *out);

#endif
