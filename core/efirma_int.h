/*
 * efirma_int - helpers shared by the efirma module's files (not an API)
 */
#ifndef BUZON_EFIRMA_INT_H
#define BUZON_EFIRMA_INT_H

#include <openssl/x509.h>

int	bz_efirma_rfc_valid(const char *s, int nletters);
int	bz_efirma_cert_sha256(X509 *cert, unsigned char md[32]);

#endif
