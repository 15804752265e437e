/*
 * runtime - one generation of everything built from the configuration
 *
 * A generation bundles the configuration (struct bz_config) with the
 * resources derived from it (the mailbox address list now; later the legal
 * calendar, the trust store, the database handle...). It is built whole at
 * start-up and on every reload (SIGUSR1), never changed afterwards, and
 * reference-counted: the milter takes a reference for each SMTP connection
 * at connect and drops it at close, so a connection keeps the generation
 * it started with while new connections see the new one. The last
 * reference frees the generation and its resources.
 *
 * HOW TO ADD A RESOURCE (e.g. the calendar):
 *   1. add a field to struct bz_runtime below (e.g. struct bz_calendar *cal);
 *   2. in core/runtime.c write a pair
 *        static int  cal_init(struct bz_runtime *rt, struct bz_buf *err);
 *        static void cal_free(struct bz_runtime *rt);
 *      init reads rt->cfg, fills the field and returns 0, or returns -1
 *      having written one line "file:line: Key: reason" (or "what: why")
 *      into err; free must accept a field left NULL by a failed init;
 *   3. add { "calendar", cal_init, cal_free } to resources[] in runtime.c.
 *   Resources are initialised in table order and freed in reverse order; a
 *   failing init makes bz_runtime_load() fail (start-up refused, or reload
 *   refused with the old generation kept). A resource used from several
 *   connection threads at once must be thread-safe or be read-only.
 *
 * Failure: bz_runtime_load() returns NULL with the reason in err.
 * Thread-safety: bz_runtime_acquire/install/ref/unref may be called from
 * any thread.
 */
#ifndef BUZON_RUNTIME_H
#define BUZON_RUNTIME_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "buzon/buf.h"
#include "buzon/config.h"

struct bz_calendar;
struct bz_officials;
struct bz_receipt_signer;
struct bz_verify_ctx;

struct bz_runtime {
	atomic_uint	 refs;
	uint64_t	 generation;	/* = bz_config_generation(cfg) */
	struct bz_config *cfg;		/* this generation's configuration */

	/* ---- resources: one field per row of resources[] in runtime.c ---- */
	char		**mailboxes;	/* MailboxAddress values, lower case */
	size_t		 nmailboxes;
	const char	*delimiters;	/* RecipientDelimiter ("" for none; in cfg) */
	struct bz_calendar *calendar;	/* CalendarFile, LegalBasis, SubmissionFirstHour */
	/*
	 * Signature verification (TrustAnchors, IssuingCAs, revocation) and
	 * the institution signer of acuses (InstitutionCertificate/Key). Both
	 * are NULL when their keys are not set: the daemon still starts (mail
	 * not for the mailbox flows) but defers every message for the mailbox
	 * with 451 4.3.5 BZ-UNCONFIGURED, and says so at start-up. Set but
	 * unusable (unreadable file, wrong key) refuses the generation. The
	 * InstitutionKey must be readable by UserID: a reload runs after the
	 * privilege drop and is refused (old generation kept) otherwise.
	 */
	struct bz_verify_ctx *verify;
	struct bz_receipt_signer *signer;
	const char	*verify_missing;	/* why verify is NULL (static text) */
	const char	*signer_missing;	/* why signer is NULL (static text) */
	/*
	 * Notifications (issue 10): NotifierAddress (lower case, also the
	 * last entry of mailboxes, so its mail is ours) and OfficialsFile.
	 * Both NULL when NotifierAddress is unset.
	 */
	const char	*notifier;
	struct bz_officials *officials;
};

/* Read path and build every resource; NULL and err on failure. */
struct bz_runtime *bz_runtime_load(const char *path, struct bz_buf *err);
struct bz_runtime *bz_runtime_ref(struct bz_runtime *rt);
void	bz_runtime_unref(struct bz_runtime *rt);

/* The process-wide current generation. install takes over the caller's
 * reference (NULL clears it) and drops the previous one; acquire returns
 * the current generation with a new reference, or NULL if none. */
void	bz_runtime_install(struct bz_runtime *rt);
/*
 * Set the PDF part of the acuse mails rendered from now on from rt
 * (AcusePdf, VerifyURL; rt NULL: none): bz_runtime_install does it for
 * the daemon; a program that renders acuses from a configuration it
 * loaded without installing it (buzonctl notification tick) calls it
 * after registering the drawing (bz_receipt_mail_pdf_renderer).
 */
void	bz_runtime_acuse_pdf(const struct bz_runtime *rt);
struct bz_runtime *bz_runtime_acquire(void);

/* Is addr (as in RCPT TO, with or without <>) one of the mailbox
 * addresses? Every spelling the MTA delivers to it (bz_address_key),
 * case-insensitive, with or without a RecipientDelimiter extension
 * (bz_address_is_mailbox). */
int	bz_runtime_is_mailbox(const struct bz_runtime *rt, const char *addr);
/* The configured mailbox (lower case) that addr is, or NULL. */
const char *bz_runtime_mailbox_of(const struct bz_runtime *rt, const char *addr);
/* Is addr the NotifierAddress (the same comparison)? */
int	bz_runtime_is_notifier(const struct bz_runtime *rt, const char *addr);

#endif
