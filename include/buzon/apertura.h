/*
 * apertura - an employer's side of a notification (issue 10, part B):
 *	      opening it (APERTURA), the deemed notification, and replies
 *	      that answer it
 *
 * Reading (core/apertura.c, pure, no store):
 *   - the Subject "APERTURA <folio>" of an opening; the folio is a
 *     notification folio NT-YYYY-NNNNNNNN, anything else is no folio;
 *   - the references of a reply: Message-IDs of In-Reply-To and
 *     References, and notification folios in the Subject. These headers
 *     are not signed: they only propose candidates, each of which is
 *     looked up and used only when the notification belongs to the
 *     signer's RFC. The number of candidates is bounded
 *     (BZ_APERTURA_MAX_MSGIDS, BZ_APERTURA_MAX_FOLIOS) whatever the
 *     headers hold, so a hostile message costs a bounded number of
 *     lookups.
 *
 * Failure: parsing never fails; malformed input yields no candidate.
 */
#ifndef BUZON_APERTURA_H
#define BUZON_APERTURA_H

#include <stddef.h>
#include <stdint.h>

#define BZ_APERTURA_FOLIO_LEN	16	/* NT-YYYY-NNNNNNNN */
#define BZ_APERTURA_MAX_MSGIDS	16	/* Message-IDs looked at per reply */
#define BZ_APERTURA_MAX_FOLIOS	4	/* NT- folios of a Subject looked at */
#define BZ_APERTURA_MSGID_MAX	250	/* longer is no Message-ID of ours */

/* Event of the acuse de notificacion and of the constancia (the rule id
 * tells them apart: notification.* or window.fourth-working-day). */
#define BZ_RECEIPT_EVENT_NOTIFICACION	"notificacion"
#define BZ_RECEIPT_EVENT_CONSTANCIA	"constancia"

/* 1 when s (n bytes) is a notification folio NT-YYYY-NNNNNNNN. */
int	bz_apertura_folio_ok(const char *s, size_t n);
/*
 * 1 when the decoded Subject's first word is APERTURA (any case; a ':'
 * may follow it), with *folio (xmalloc'ed, upper case) the second word
 * when it is a notification folio, else NULL; 0 otherwise (*folio NULL).
 */
int	bz_apertura_subject(const char *subject, char **folio);

/*
 * Does the signed text of an APERTURA agree with the Subject's folio?
 * 1 it names folio, 0 it names no notification folio (the Subject alone
 * decides, as the guidelines ask), -1 it names only others: the Subject
 * is not signed, so an opening re-sent with another Subject must not open
 * another notification of the same employer.
 */
int	bz_apertura_text_names(const char *text, size_t len, const char *folio);

/* Candidates for "this message answers notification X". */
struct bz_apertura_refs {
	char	*msgids[BZ_APERTURA_MAX_MSGIDS];	/* "<id>", brackets kept */
	size_t	 nmsgids;
	char	*folios[BZ_APERTURA_MAX_FOLIOS];	/* NT-YYYY-NNNNNNNN */
	size_t	 nfolios;
};

/*
 * The candidates of a message (wire form): In-Reply-To's Message-IDs,
 * then References' (the first and the last ones when there are more
 * than fit: the thread's root, the aviso, is first; its latest parents
 * last), duplicates dropped; then the folios NT-YYYY-NNNNNNNN written in
 * the decoded Subject. refs is filled from scratch.
 */
void	bz_apertura_refs_scan(const unsigned char *msg, size_t len,
	    struct bz_apertura_refs *refs);
void	bz_apertura_refs_free(struct bz_apertura_refs *refs);

/* ---- the store side (core/notification_acuse.c, notification_open.c,
 * notification_deemed.c) ---- */
#include "buzon/buf.h"
#include "buzon/store.h"

struct bz_notification;
struct bz_receipt;
struct bz_receipt_signer;
struct bz_calendar;
struct bz_submission;
struct bz_tz;

/* Outbox kinds of the acuse de notificacion and the constancia. */
#define BZ_NOTIF_OUTBOX_ACUSE		"acuse-notificacion"
#define BZ_NOTIF_OUTBOX_CONSTANCIA	"constancia-notificacion"
/* Chain events (under the NT folio, bz_notification_event_locked). */
#define BZ_NOTIF_EV_OPENED	"notification-opened"
#define BZ_NOTIF_EV_DEEMED	"notification-deemed"
#define BZ_NOTIF_EV_RESENT	"notification-acuse-resent"

struct bz_notif_acuse_opts {
	const struct bz_receipt_signer *signer;	/* the Institute */
	const struct bz_tz *tz;			/* Mexico City */
	const char	*from;			/* From: (the mailbox address) */
	int64_t		 now;			/* Date: */
	const char	*appendix;		/* text after the acuse's (a coded
						 * note on a repeat); NULL: none */
};

/* The canonical record of n's acuse de notificacion (state opened) or
 * constancia (deemed), from sub, the record of the department's filing. */
void	bz_notification_acuse_record(struct bz_receipt *r,
	    const struct bz_notification *n, const struct bz_submission *sub,
	    const struct bz_tz *tz);
/* Its signed mail, the notified message attached; 0 or -1 (err). */
int	bz_notification_acuse_render(struct bz_store *st,
	    const struct bz_notification *n, const struct bz_notif_acuse_opts *o,
	    struct bz_buf *out, char cadena_sha256[65], struct bz_buf *err);
/* The hex SHA-256 of the cadena of n's acuse (the record and o's
 * signer's certificate number, no signing); 0 or -1 (err). */
int	bz_notification_acuse_cadena(struct bz_store *st,
	    const struct bz_notification *n, const struct bz_notif_acuse_opts *o,
	    char cadena_sha256[65], struct bz_buf *err);
/* Rendered once and queued to the employer's confirmed addresses and the
 * department, inside the held transaction; *queued rows. 0 or -1. */
int	bz_notification_acuse_queue_locked(struct bz_store *st, const char *qid,
	    const struct bz_notification *n, const struct bz_notif_acuse_opts *o,
	    int64_t now, size_t *queued, char cadena_sha256[65], struct bz_buf *err);

/*
 * The opening of notification folio at instant opened (TestClock under
 * TestMode), inside the held transaction: the row is claimed only while
 * it is "sent", its aviso queued and its deemed instant not reached
 * (UPDATE ... WHERE state = 'sent'), so two openings cannot both set the
 * instant; then opened_utc, legal_utc and rule (bz_calendar_notification),
 * acuse_folio = by_folio (the opening message's own filing), the
 * BZ_NOTIF_EV_OPENED event sealing the acuse's cadena and the mark
 * acuse_due: the acuse is rendered, signed and queued later by
 * bz_notification_acuse_due (o: its signer and tz for the cadena). 1
 * opened, 0 not
 * claimable (nothing written), -1 error (err).
 */
int	bz_notification_open_locked(struct bz_store *st, const char *qid,
	    const char *folio, const struct bz_calendar *cal, int64_t opened,
	    const char *by_folio, const struct bz_notif_acuse_opts *o,
	    struct bz_buf *err);
/*
 * The due acuse de notificacion of row id, inside the held transaction:
 * the mark is claimed (UPDATE ... WHERE acuse_due = 1), the acuse
 * rendered without any appendix, queued to the employer's confirmed
 * addresses and the department, and its cadena checked against the one
 * the opening's event sealed. 1 issued (*queued rows), 0 not due
 * (nothing written), -1 error (err; the caller rolls back).
 */
int	bz_notification_acuse_issue_locked(struct bz_store *st, const char *qid,
	    int64_t id, const struct bz_notif_acuse_opts *o, size_t *queued,
	    struct bz_buf *err);
/*
 * Every due acuse de notificacion, each in ONE transaction of its own
 * (bz_notification_acuse_issue_locked): exactly once across crashes and
 * concurrent runs. *n: how many were issued now.
 */
enum bz_store_status bz_notification_acuse_due(struct bz_store *st,
	    const struct bz_notif_acuse_opts *o, size_t *n);
/*
 * The kept acuse (opened) or constancia (deemed) of folio queued again,
 * its instant unchanged, in a transaction of its own with a
 * BZ_NOTIF_EV_RESENT event; not when the last re-send is younger than
 * interval seconds (*queued 0, OK). NOTFOUND when it is neither opened
 * nor deemed.
 */
enum bz_store_status bz_notification_resend(struct bz_store *st, const char *qid,
	    const char *folio, const struct bz_notif_acuse_opts *o, int64_t now,
	    int64_t interval, size_t *queued);

/*
 * The deemed step at instant clock: every notification still "sent" whose
 * aviso was queued and whose deemed instant (09:30 of the fourth working
 * day) has come is claimed (state "deemed", legal_utc = deemed_utc = that
 * instant, rule window.fourth-working-day), its BZ_NOTIF_EV_DEEMED event
 * appended and its constancia queued, all in ONE transaction per
 * notification: a crash leaves either all of it or none, and a second
 * run (or a concurrent one) finds nothing to claim. *n: how many were
 * deemed now.
 */
enum bz_store_status bz_notification_deem(struct bz_store *st,
	    const struct bz_notif_acuse_opts *o, int64_t clock, size_t *n);

/* ---- who may act on a notification (core/notification_reply.c) ---- */
/* May rfc act on n (the employer, or the representative recorded at its
 * registration)? 1 yes, 0 no, -1 database error. */
int	bz_notification_owner(struct bz_store *st, const struct bz_notification *n,
	    const char *rfc);
/*
 * The notification a message answers: the first of refs' candidates
 * (Message-IDs first, then folios) that exists, whose aviso was queued
 * and on which rfc may act. OK (n filled, free with
 * bz_notification_free), NOTFOUND (none: a plain promocion), TEMPFAIL.
 */
enum bz_store_status bz_notification_answered(struct bz_store *st,
	    const struct bz_apertura_refs *refs, const char *rfc,
	    struct bz_notification *n);

/* ---- the scheduler (core/notification_worker.c) ---- */
struct bz_runtime;
struct bz_outbox;
struct bz_notif_worker;

/*
 * The due acuses de notificacion, then the deemed step at clock, with a
 * configuration's signer, calendar and mailbox (the daemon's thread and
 * `buzonctl notification tick`): *acuses issued, *n deemed. NOTFOUND when
 * it lacks the signer or a mailbox (nothing done).
 */
enum bz_store_status bz_notification_tick(struct bz_store *st,
	    const struct bz_runtime *rt, int64_t clock, size_t *acuses, size_t *n);
/* The daemon's thread: the step every second at bz_config_now. */
struct bz_notif_worker *bz_notif_worker_start(const char *db_path,
	    int busy_timeout_ms, struct bz_outbox *outbox, struct bz_buf *err);
void	bz_notif_worker_stop(struct bz_notif_worker *w);

#endif
