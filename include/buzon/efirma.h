/*
 * efirma - is this certificate a genuine SAT e.firma, and whose is it?
 *
 * The certificate half of verification (issue 3). smime/verify find the
 * signer certificate in the CMS and hand it here, with the other
 * certificates the CMS carried; this module decides trust and identity:
 *
 *   trust	chain to a configured root (TrustAnchors) whose issuing CA is a
 *		pinned SAT CA (IssuingCAs; production: compiled-in SHA-256
 *		fingerprints of AC5/AC6/AC7, TestMode: the CAs of the file are
 *		the pins), validity at the arrival instant, not a CSD, RSA
 *		>= 2048 with SHA-2, not revoked (Revocation none|crl|ocsp).
 *   identity	RFC / RFC del representante (2.5.4.45), CURP (2.5.4.5),
 *		name (2.5.4.41, CN, O), noCertificado (20 ASCII digits).
 *
 * Interface:
 *   bz_efirma_ctx_new()	once per configuration generation: loads
 *				TrustAnchors, IssuingCAs (checked against the
 *				pins), CRLDirectory, Revocation, OCSPResponder,
 *				RevocationFailure. The context is immutable and
 *				may be used by many threads at once.
 *   bz_efirma_check()		the whole decision for one leaf at instant
 *				`at` (UTC seconds: the arrival instant, or
 *				TestClock, never the signing time).
 *   bz_efirma_identity()	identity fields only, no trust (buzonctl, tests).
 *   bz_efirma_time()		an ASN1_TIME as UTC seconds (certificate
 *				validity, signing time, CRL and OCSP times).
 *
 * Verdicts and reasons (codes in core/reason.c):
 *   *trust:    PASS, FAIL (any reject-class certificate reason), or UNKNOWN
 *		(revocation status unobtainable under RevocationFailure tempfail:
 *		reason BZ-REVOCATION-UNAVAILABLE, class TEMPFAIL, 451 4.7.0).
 *   *identity: PASS when the subject carries a well-formed SAT identity
 *		(RFC grammar, CURP consistent with persona, 20-digit serial),
 *		else FAIL with BZ-CERT-IDENTITY / BZ-CERT-SERIAL.
 *   Every reason found is added (not just the first): BZ-CERT-UNTRUSTED,
 *   BZ-CERT-EXPIRED, BZ-CERT-NOT-YET-VALID, BZ-CERT-CSD, BZ-CERT-NOT-EFIRMA,
 *   BZ-CERT-WEAK-KEY, BZ-CERT-WEAK-SIG, BZ-CERT-REVOKED, BZ-CERT-IDENTITY,
 *   BZ-CERT-SERIAL, BZ-REVOCATION-UNAVAILABLE.
 *   The signer fields are filled whenever the leaf parses, even when trust
 *   fails (the admin wants to know who was refused); the caller frees them
 *   with bz_signer_free(). OpenSSL objects passed in are borrowed, never
 *   freed or modified.
 *
 * Failure: bz_efirma_ctx_new() returns NULL with one line in err (bad file,
 * production CA not matching a pin, missing OCSPResponder, ...): start-up
 * or reload refuses the configuration. bz_efirma_check() and
 * bz_efirma_identity() return 0, or -1 only on an internal error (then
 * BZ-INTERNAL is in reasons); bad certificates are reasons, not errors.
 *
 * CMS note for callers: run bz_efirma_check() on the signer certificate
 * and then CMS_verify(..., CMS_NO_SIGNER_CERT_VERIFY): the chain check is
 * ours (OpenSSL's S/MIME purpose accepts CSDs).
 */
#ifndef BUZON_EFIRMA_H
#define BUZON_EFIRMA_H

#include <stdint.h>

#include <openssl/asn1.h>
#include <openssl/x509.h>

#include "buzon/buf.h"
#include "buzon/config.h"
#include "buzon/reason.h"
#include "buzon/verdict.h"

struct bz_efirma_ctx;

struct bz_efirma_ctx *bz_efirma_ctx_new(const struct bz_config *cfg,
	    struct bz_buf *err);
void	bz_efirma_ctx_free(struct bz_efirma_ctx *ctx);

int	bz_efirma_check(const struct bz_efirma_ctx *ctx, X509 *leaf,
	    STACK_OF(X509) *untrusted, int64_t at, struct bz_signer *signer,
	    enum bz_check *trust, enum bz_check *identity,
	    struct bz_reasons *reasons);

/*
 * Same with flags. BZ_EFIRMA_SKIP_REVOCATION: the caller already knows the
 * message is rejected (integrity failed), so the revocation service is
 * not asked (no OCSP request on behalf of a tampered message, no
 * BZ-REVOCATION-UNAVAILABLE next to a certain rejection); when the other
 * trust checks pass, *trust is UNKNOWN (not evaluated), not PASS.
 */
#define BZ_EFIRMA_SKIP_REVOCATION	0x01
int	bz_efirma_check_flags(const struct bz_efirma_ctx *ctx, X509 *leaf,
	    STACK_OF(X509) *untrusted, int64_t at, int flags,
	    struct bz_signer *signer, enum bz_check *trust,
	    enum bz_check *identity, struct bz_reasons *reasons);

/* Identity fields only; *signer is overwritten (call bz_signer_free after).
 * Adds BZ-CERT-IDENTITY / BZ-CERT-SERIAL when malformed. Returns 1 when the
 * identity is well formed, 0 when not, -1 on internal error. */
int	bz_efirma_identity(X509 *leaf, struct bz_signer *signer,
	    struct bz_reasons *reasons);

/* An ASN1_TIME as UTC seconds; 0 ok, -1 unreadable (or t NULL). */
int	bz_efirma_time(const ASN1_TIME *t, int64_t *out);

#endif
