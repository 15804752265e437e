/*
 * smime_int - internals of the smime module shared between its files
 *
 *   smime_der_cert_count()	certificates of a CMS SignedData counted by
 *				walking its BER/DER headers, without parsing
 *				any certificate (OpenSSL 3 spends ~0.2 ms on
 *				each: 15,000 cost 3 s). Stops counting past
 *				`stop_after`. Returns -1 when the structure
 *				cannot be walked (d2i then decides).
 */
#ifndef BUZON_SMIME_INT_H
#define BUZON_SMIME_INT_H

#include <stddef.h>

long	smime_der_cert_count(const unsigned char *der, size_t len, size_t stop_after);

#endif
