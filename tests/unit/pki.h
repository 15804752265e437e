/*
 * pki - the generated test PKI, for unit tests (efirma, smime, receipt)
 *
 * test_pki_dir() runs tests/pki/gen-pki.sh into
 * "$top_builddir/tests/pki/generated" (idempotent, safe in parallel; the
 * first call of a fresh build takes a few seconds) and returns that
 * directory; see gen-pki.sh for the files. A failure to generate is a hard
 * error (exit 99): the tests cannot mean anything without it.
 *
 * test_pki_path("ca.crt") is "$dir/ca.crt" (static buffer, next call
 * overwrites). test_pki_cert("efirma-fisica") loads "$dir/efirma-fisica.crt".
 * test_pki_config(extra) writes and loads a configuration with TestMode
 * yes, TrustAnchors and IssuingCAs of the test PKI, plus the lines in
 * extra (may be NULL), e.g. "Revocation crl\nCRLDirectory /x\n".
 */
#ifndef BUZON_TEST_PKI_H
#define BUZON_TEST_PKI_H

#include <openssl/x509.h>

#include "buzon/config.h"

/* 2026-06-01T12:00:00Z: every generated leaf is valid except expired/future */
#define TEST_PKI_INSTANT	((int64_t)1780315200)

const char *test_pki_dir(void);
const char *test_pki_path(const char *name);
X509	*test_pki_cert(const char *name);
X509	*test_load_cert(const char *path);	/* PEM or DER; NULL if absent */
struct bz_config *test_pki_config(const char *extra);
/* Any configuration text, with Socket/MailboxAddress added. */
struct bz_config *test_config_text(const char *text);

#endif
