/*
 * verify - the whole decision for one message: signature, signer, verdict
 *
 * Glues mime (find the signed entity and its exact bytes), smime (CMS
 * integrity and algorithm policy) and efirma (trust and identity of the
 * signer certificate at the arrival instant) into one call that the milter
 * (at end of message, over the whole spooled message) and `buzonctl
 * verify` share, so both always give the same answer.
 *
 * Interface:
 *   bz_verify_ctx_new()	once per configuration generation: builds the
 *				efirma context (TrustAnchors, IssuingCAs,
 *				revocation) and reads MaxMimeDepth/MaxMimeParts.
 *				Immutable afterwards; shared by threads.
 *   bz_verify_message()	verify the raw message (LF or CRLF) at instant
 *				`at` (UTC seconds: the arrival instant).
 *
 * Verdict rule: any reject-class reason -> REJECTED; else any
 * tempfail-class reason -> TEMPFAIL; else ACCEPTED (which needs integrity,
 * trust and identity all PASS: a check left UNKNOWN without a reason is an
 * internal error, BZ-INTERNAL). Every reason found is listed, not only the
 * first. The signed entity must be the message's top-level body: a signed
 * part wrapped with unsigned text or attachments around it (a mailing
 * list header or footer, or anyone's additions) is rejected with
 * BZ-MSG-OUTSIDE-SIGNATURE, its signature still checked and reported.
 *
 * Failure: bz_verify_ctx_new() returns NULL with one line in err.
 * bz_verify_message() always fills *out (resource problems become
 * BZ-INTERNAL, a tempfail).
 */
#ifndef BUZON_VERIFY_H
#define BUZON_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "buzon/buf.h"
#include "buzon/config.h"
#include "buzon/reason.h"
#include "buzon/verdict.h"

struct bz_verify_ctx;

struct bz_verification {
	enum bz_verdict	 verdict;
	enum bz_check	 integrity;	/* CMS signature over the exact bytes */
	enum bz_check	 trust;		/* SAT chain, not a CSD, validity, revocation */
	enum bz_check	 identity;	/* well-formed SAT identity fields */
	struct bz_reasons reasons;	/* every reason found, in order */
	struct bz_signer *signer;	/* NULL when no signer certificate */
	struct bz_part	*parts;		/* leaf parts of the signed entity */
	size_t		 nparts;
	char		 entity_sha256[65];	/* of the signed entity; "" if none */
	int		 has_signing_time;
	int64_t		 signing_time;	/* signingTime attribute, UTC seconds */
	int		 opaque;	/* 1 pkcs7-mime, 0 multipart/signed */
	int		 wrapped;	/* signed part found below the top level */
	char		 digest[32];	/* "sha256", ... */
};

struct bz_verify_ctx *bz_verify_ctx_new(const struct bz_config *cfg,
	    struct bz_buf *err);
void	bz_verify_ctx_free(struct bz_verify_ctx *ctx);

/* Certificates (PEM file) used only to find a signer certificate that the
 * CMS omits (tests with third-party mail; never trust anchors).
 * Returns 0, or -1 with one line in err. Call before sharing ctx. */
int	bz_verify_ctx_add_signer_certs(struct bz_verify_ctx *ctx,
	    const char *pem_file, struct bz_buf *err);

void	bz_verify_message(const struct bz_verify_ctx *ctx,
	    const unsigned char *msg, size_t len, int64_t at,
	    struct bz_verification *out);
void	bz_verification_free(struct bz_verification *v);

#endif
