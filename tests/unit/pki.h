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
 *
 * Signed messages (verify, submission): test_signed_message("efirma-fisica",
 * DETACHED, 0) is a whole message around test_entity signed by that leaf
 * the day before TEST_PKI_INSTANT; test_sign_entity() gives every knob.
 */
#ifndef BUZON_TEST_PKI_H
#define BUZON_TEST_PKI_H

#include <stdint.h>

#include <openssl/evp.h>
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

enum form { DETACHED, OPAQUE, UNSIGNED };

/* What is done to the CMS after signing: nothing, one byte of the signed
 * text flipped, the messageDigest attribute flipped (the signature over the
 * attributes no longer matches), or the SignerInfo's digestAlgorithm
 * changed to SHA-512 (the digest of the content no longer matches). */
enum mutation { MUT_NONE, MUT_TAMPER, MUT_MSGDIGEST, MUT_DIGESTALG };

#define MSG_HEADERS	"From: contribuyente@pruebas.buzon.test\r\nSubject: promocion\r\n" \
			"MIME-Version: 1.0\r\n"

/* The opaque form's Content-Type parameters after smime-type=signed-data:
 * none, or the file name most mail clients add. */
#define P7M_BARE	""
#define P7M_NAMED	"; name=smime.p7m"

extern const char test_entity[];
char	*test_sign_entity(X509 *cert, EVP_PKEY *key, STACK_OF(X509) *chain,
	    enum form form, int64_t signed_at, enum mutation tamper,
	    const char *p7m_params);
EVP_PKEY *test_pki_key(const char *leaf);	/* LEAF.key of the PKI */
char	*test_signed_message(const char *leaf, enum form form, int tamper);

#endif
