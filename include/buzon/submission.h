/*
 * submission - what happens to one message of ours at end of message
 *
 * The single place where the outcome for a message of ours is decided:
 * accept (with our X-Buzon-* headers), reject (5xx, every reason found) or
 * tempfail (4xx). The libmilter glue (callbacks.c) gathers the input, calls
 * bz_submission_decide() once, and applies the result: it always removes
 * incoming X-Buzon-* headers first, then adds the headers listed here, or
 * sets the SMTP reply from the reasons. bz_submission_decide() knows
 * nothing of libmilter, so the steps plugged in here (verification,
 * calendar, store) are plain libbuzon calls that buzonctl can repeat.
 *
 * Pipeline for a message of ours (core/submission.c): verify (signature, signer at
 * the arrival instant: now, or TestClock under TestMode) -> rejected: 5xx
 * with every reason; cannot decide: 4xx -> accepted: legal instant from
 * the calendar -> the message into the content-addressed spool (fsync'd)
 * -> one store transaction: folio, record, event, and the signed acuse in
 * the outbox unless loop safety says not to answer (a repeat: the original
 * acuse again, at most once per RepeatResendInterval) -> wake the outbox ->
 * X-Buzon-Status/-Folio/-Signer-RFC/-Signer-Cert/-Verdict/-Received/
 * -Legal-Received/-Legal-Rule. Any failure after verification is a 451
 * (BZ-STORE, BZ-UNCONFIGURED, BZ-INTERNAL): nothing is accepted without
 * its committed record.
 *
 * Failure: bz_submission_decide() never fails; an internal error is a decision to
 * tempfail with reason BZ-INTERNAL.
 */
#ifndef BUZON_SUBMISSION_H
#define BUZON_SUBMISSION_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buzon/reason.h"
#include "buzon/runtime.h"

struct bz_store_pool;
struct bz_outbox;

/* What the glue knows about the message when it is complete. */
struct bz_submission_input {
	const char	*qid;		/* MTA queue id, for log lines ("" if unknown) */
	struct bz_runtime *rt;		/* the connection's generation */
	const unsigned char *msg;	/* the whole message, wire form (spool map) */
	size_t		 len;
	const char	*envfrom;	/* MAIL FROM address as given by the MTA */
	const char	*envfrom_resolved; /* {mail_addr}: as the MTA resolved it;
					 * NULL when the MTA gave none */
	char	*const	*rcpts;		/* RCPT TO addresses as given, nrcpts of them */
	size_t		 nrcpts;
	time_t		 arrival;	/* when the MTA sent end of message */
	struct bz_store_pool *store;	/* process-wide (main.c); NULL: none */
	struct bz_outbox *outbox;	/* woken when an acuse is queued; may be NULL */
	/* 1: the acuse is sealed in the record's transaction and signed
	 * after the commit by the outbox's signer thread (bz_submission_sign_pending,
	 * core/receipt_pending.c), off the end-of-message path; 0: signed
	 * inside the transaction. The daemon sets it when it runs an outbox. */
	int		 sign_later;
	/* Set by the pipeline, not the glue: the notification (NT- folio) a
	 * promocion answers, recorded with it (issue 10); NULL: none. */
	const char	*notification_folio;
};

/*
 * The outbox signer thread's sign_pending hook (core/submission_sign.c): the
 * acuses sealed at their commit, signed with the current generation's
 * institution key. Returns how many it signed, -1 on a database error.
 */
struct bz_store;
int	bz_submission_sign_pending(struct bz_store *st, int64_t now);

enum bz_decision_action {
	BZ_DECISION_ACCEPT,		/* deliver, with headers[] added */
	BZ_DECISION_REJECT,		/* 5xx with every reason in reasons */
	BZ_DECISION_TEMPFAIL,	/* 4xx: the sender's MTA retries */
};

struct bz_decision_header {
	char	*name;		/* must start with "X-Buzon-" */
	char	*value;
};

struct bz_decision {
	enum bz_decision_action action;
	struct bz_reasons reasons;	/* why (REJECT/TEMPFAIL; may be empty on ACCEPT) */
	struct bz_decision_header *headers;	/* added on ACCEPT, in this order */
	size_t		 nheaders;
	/* Envelope recipients added on ACCEPT (smfi_addrcpt): a reply to a
	 * notification also goes to its department (issue 10). */
	char		**rcpts;
	size_t		 nrcpts;
};

void	bz_decision_init(struct bz_decision *d);
void	bz_decision_free(struct bz_decision *d);
void	bz_decision_add_header(struct bz_decision *d, const char *name,
	    const char *value);
/* Record a reason; its class (reject/tempfail) sets the action, a
 * tempfail reason winning over reject ones. */
void	bz_decision_add_reason(struct bz_decision *d, const char *code);
/* One more envelope recipient for an accepted message (plain local@domain). */
void	bz_decision_add_rcpt(struct bz_decision *d, const char *address);

/* bz_submission_decide - fill out (initialised by the caller) for the
 * message in in. */
void	bz_submission_decide(const struct bz_submission_input *in,
	    struct bz_decision *out);

/*
 * Registration steps (core/submission_registration.c, issue 9). A step
 * signed with an e.firma is filed like a promocion (folio, record, acuse)
 * through bz_submission_record with a hook: hook->render runs inside the store
 * transaction, with the acuse context (rctx) that record() fills in, and
 * does the step's own writes through the transaction's connection
 * (struct bz_outmail's st).
 */
struct bz_verification;
struct bz_receipt_render_ctx;
struct bz_store;
struct bz_submission;
struct bz_outmail;

struct bz_submission_hook {
	const char	*event;		/* the acuse's event ("registro", ...) */
	int		(*render)(void *arg, const char *folio,
			    const struct bz_submission *sub, struct bz_outmail *mail);
	void		*arg;
	struct bz_receipt_render_ctx *rctx;	/* set by record() */
	int		 repeat;		/* set by record() */
};

void	bz_submission_record(const struct bz_submission_input *in,
	    const struct bz_verification *v, int64_t arrival, struct bz_decision *out,
	    struct bz_submission_hook *hook);
/* CONFIRMACION <token>: no signature needed. */
void	bz_submission_confirm_token(const struct bz_submission_input *in,
	    const char *token, int64_t now, struct bz_decision *out);
/* REGISTRO, CONFIRMACION (code), CONFORMIDAD, ACTUALIZACION, verified. */
void	bz_submission_registration(const struct bz_submission_input *in,
	    const struct bz_verification *v, int64_t arrival, int action,
	    struct bz_decision *out);
/* CONSULTA <folio> (core/submission_consulta.c, issue 11), verified;
 * subject_folio is the Subject's folio or NULL. */
void	bz_submission_consulta(const struct bz_submission_input *in,
	    const struct bz_verification *v, int64_t arrival,
	    const char *subject_folio, struct bz_decision *out);
/* A verified message to NotifierAddress (core/submission_notification.c,
 * issue 10): an official's notification, filed with its NT folio. */
void	bz_submission_notification(const struct bz_submission_input *in,
	    const struct bz_verification *v, int64_t arrival, struct bz_decision *out);
/* APERTURA <folio> (core/submission_apertura.c, issue 10 part B),
 * verified; folio is the Subject's notification folio or NULL. */
void	bz_submission_apertura(const struct bz_submission_input *in,
	    const struct bz_verification *v, int64_t arrival, const char *folio,
	    struct bz_decision *out);
/* A verified promocion that may answer a notification (core/submission_reply.c,
 * issue 10 part B): filed by bz_submission_promocion naming it, and
 * delivered also to its department. */
void	bz_submission_reply(const struct bz_submission_input *in,
	    const struct bz_verification *v, int64_t arrival, struct bz_decision *out);
/* A verified promocion: RequireEnabledMailbox, then filed with its acuse
 * also to the RFC's confirmed contact addresses. */
void	bz_submission_promocion(const struct bz_submission_input *in,
	    const struct bz_verification *v, int64_t arrival, struct bz_decision *out);

#endif
