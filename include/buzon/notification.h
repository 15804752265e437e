/*
 * notification - notifications from the Institute to an employer (issue 10)
 *
 * A department sends to NotifierAddress a message S/MIME-signed with the
 * e.firma of an official listed in OfficialsFile. The signed text's first
 * text/plain part names the employer (Destinatario:) and the subject
 * (Asunto:); the other parts are the documents. Accepted, it is filed like
 * a promocion (its own BZ- submission record: spool copy, parts, event,
 * acuse de envio to the signer) and gets a row in `notifications` with its
 * own folio NT-YYYY-NNNNNNNN.
 *
 * The aviso to the employer's confirmed addresses (and a courtesy SMS) is
 * not written at intake: the row holds it (aviso_queued_utc NULL) until
 * its planned release, the first instant of the notification window
 * (09:30-18:00 of a working day, bz_calendar_notification) at or after
 * the intake. bz_notification_release() renders and queues the held
 * avisos that are due; bz_notification_handoffs() records the instant the
 * first of them reached the MTA (aviso_released_utc). The opening days
 * (day1..day3) and the deemed date are computed at intake from the
 * planned release (bz_calendar_window); a release on a later local date
 * counts them again from its own date before the aviso, which states
 * them, is rendered (BZ_NOTIF_EV_RECOUNTED).
 *
 * Every change of a row appends an event to the hash chain, under the NT
 * folio, whose detail carries "state_sha256", the digest of the row after
 * the change (bz_notification_event_locked); bz_notification_verify_rows
 * names a row changed behind the log (buzonctl store verify-chain).
 *
 * Failure: SQLite errors are logged and give BZ_STORE_TEMPFAIL or -1; the
 * caller's transaction is rolled back by the caller.
 */
#ifndef BUZON_NOTIFICATION_H
#define BUZON_NOTIFICATION_H

#include <stddef.h>
#include <stdint.h>

#include "buzon/buf.h"
#include "buzon/instant.h"
#include "buzon/store.h"

/* The acuse de envio's event (acuse XML Evento, filed like a promocion). */
#define BZ_RECEIPT_EVENT_NOTIF_ENVIO	"envio-notificacion"
/* Outbox kind of an aviso (not "aviso": registration notices are wiped). */
#define BZ_NOTIF_OUTBOX_KIND		"aviso-notificacion"
#define BZ_NOTIF_FOLIO_LEN		32	/* "NT-YYYY-NNNNNNNN": 16 used */
#define BZ_NOTIF_SUBJECT_MAX		200	/* bytes of Asunto: */

/* Events of the chain (kind), each under the NT folio. */
#define BZ_NOTIF_EV_SENT	"notification-sent"	/* accepted, aviso held */
#define BZ_NOTIF_EV_QUEUED	"notification-aviso-queued"
#define BZ_NOTIF_EV_RELEASED	"notification-aviso-released"
/* Released on a later date than planned: the days counted from it. */
#define BZ_NOTIF_EV_RECOUNTED	"notification-days-recounted"

/* ---- OfficialsFile (core/notification_officials.c) ---- */
struct bz_official {
	char	*rfc;		/* upper case */
	char	*address;	/* the department's address, lower case */
	char	*name;		/* the department's name, UTF-8 */
};

struct bz_officials {
	struct bz_official *items;
	size_t	 n;
};

/*
 * Lines "RFC department-address "department name"", '#' comments and
 * blank lines allowed. 0, or -1 with err "name:line: reason". An RFC
 * listed twice is an error (which department would it be?).
 */
int	bz_officials_parse(const char *text, size_t len, const char *name,
	    struct bz_officials *out, struct bz_buf *err);
int	bz_officials_load(const char *path, struct bz_officials *out,
	    struct bz_buf *err);
const struct bz_official *bz_officials_find(const struct bz_officials *o,
	    const char *rfc);
void	bz_officials_free(struct bz_officials *o);

/* ---- the signed request (core/notification_request.c) ---- */
struct bz_notif_request {
	char	*rfc;		/* Destinatario:, upper case, a valid RFC */
	char	*subject;	/* Asunto:, UTF-8, no control characters */
	char	*reply_to;	/* Responder-a:, a plain address, or NULL */
};

/*
 * The lines of the signed text (LF or CRLF; labels case-insensitive, each
 * at most once). 0, or -1 with *code the coded reason:
 * BZ-NOTIF-NO-RECIPIENT (Destinatario missing, repeated or not an RFC),
 * BZ-NOTIF-NO-SUBJECT (Asunto missing, repeated, empty, too long or with
 * control characters), BZ-NOTIF-BAD-REPLY-TO.
 */
int	bz_notif_request_parse(const char *text, size_t len,
	    struct bz_notif_request *out, const char **code);
void	bz_notif_request_free(struct bz_notif_request *r);
/* 1 when s (upper case) has the form of an RFC (12 or 13 characters). */
int	bz_notif_rfc_ok(const char *s);

/* ---- rows (core/notification_store.c, core/notification_query.c) ---- */
struct bz_notification {
	int64_t	 id;
	char	*folio;			/* NT-YYYY-NNNNNNNN */
	char	*submission_folio;	/* BZ- record of the department's message */
	char	*rfc;			/* employer */
	char	*subject;
	char	*official_rfc;
	char	*department_address;
	char	*department_name;
	char	*reply_to;		/* NULL: the department address */
	char	*state;			/* "sent" | "opened" | "deemed" */
	int64_t	 created_utc;
	char	*aviso_message_id;	/* "<...>", the aviso's Message-ID */
	int64_t	 aviso_planned_utc;
	int64_t	 aviso_queued_utc;	/* 0: held */
	int64_t	 aviso_released_utc;	/* 0: not handed to the MTA yet */
	char	 day1[11], day2[11], day3[11], deemed_date[11];
	int64_t	 deemed_due_utc;
	char	*window_rule;
	char	*calendar_version;
	/* Part B (0 / NULL until set). */
	int64_t	 opened_utc;
	int64_t	 legal_utc;
	char	*rule;
	int64_t	 deemed_utc;
	char	*acuse_folio;
	char	*constancia_folio;
};

void	bz_notification_free(struct bz_notification *n);

/* What bz_notification_create_locked needs; created_utc is the
 * notification clock (TestClock under TestMode). */
struct bz_notif_new {
	const char	*submission_folio;
	const struct bz_notif_request *req;
	const struct bz_official *official;
	const char	*message_id_domain;	/* right side of the aviso's Message-ID */
	int64_t		 created_utc;
	int		 year;			/* local (Mexico City) year of created_utc */
	int64_t		 planned_utc;		/* bz_notification_plan */
	const struct bz_date *day;		/* [3] */
	const struct bz_date *deemed;
	int64_t		 deemed_due_utc;
	const char	*window_rule;
	const char	*calendar_version;
	/* out */
	char		 folio[BZ_NOTIF_FOLIO_LEN];
	int64_t		 id;
};

struct bz_calendar;
struct bz_window;

/*
 * The aviso's planned release for a notification accepted at created_utc
 * (the first window instant at or after it) and the opening window
 * counted from that release's date. 0, or -1 beyond the calendar's horizon.
 */
int	bz_notification_plan(const struct bz_calendar *cal, int64_t created_utc,
	    int64_t *planned_utc, struct bz_window *w);

/* Inside the caller's transaction: NT folio (notification_counter of
 * n->year), the row (state "sent", aviso held), its BZ_NOTIF_EV_SENT
 * event. 0 or -1. */
int	bz_notification_create_locked(struct bz_store *st, const char *qid,
	    struct bz_notif_new *n);
/* Append kind for notification id with the row's digest; name/value, when
 * not NULL, one more string member of the detail. Inside a transaction. */
int	bz_notification_event_locked(struct bz_store *st, const char *qid,
	    int64_t now, const char *kind, int64_t id, const char *name,
	    const char *value);

enum bz_store_status bz_notification_get(struct bz_store *st, const char *folio,
	    struct bz_notification *n);
/* Rows (newest first) of rfc and/or state (NULL: any). */
enum bz_store_status bz_notification_list(struct bz_store *st, const char *rfc,
	    const char *state, struct bz_notification **v, size_t *n);
void	bz_notification_list_free(struct bz_notification *v, size_t n);

/* SHA-256 hex of the row, as the events seal it. 0 or -1. */
int	bz_notification_row_digest(struct bz_store *st, int64_t id, char out[65]);
/* Every row against the state_sha256 of its newest event. */
enum bz_store_status bz_notification_verify_rows(struct bz_store *st,
	    void (*bad)(void *arg, const char *label, const char *why), void *arg,
	    int64_t *checked);

/* ---- the aviso's release (core/notification_aviso.c) ---- */
struct bz_receipt_signer;

struct bz_notif_release_opts {
	const struct bz_receipt_signer *signer;	/* the Institute */
	const struct bz_calendar *cal;
	const char	*from;		/* NotifierAddress */
	int		 sms;		/* queue the courtesy SMS */
};

/*
 * Every held aviso whose planned release has come (clock: the notification
 * clock, TestClock under TestMode) while clock is inside the window:
 * rendered (signed) once per confirmed address of the employer, queued in
 * the outbox, the SMS queued, aviso_queued_utc = clock and a
 * BZ_NOTIF_EV_QUEUED event, one transaction per notification. *n: how
 * many were queued.
 */
enum bz_store_status bz_notification_release(struct bz_store *st,
	    const struct bz_notif_release_opts *o, int64_t clock, size_t *n);
/*
 * While clock is outside the window: the avisos' pending outbox rows due
 * within BZ_NOTIF_HOLD_PUSH / 2 seconds of wall are set to wall +
 * BZ_NOTIF_HOLD_PUSH (a failed first attempt is not retried at night).
 * *n: rows pushed.
 */
#define BZ_NOTIF_HOLD_PUSH	60	/* seconds */
enum bz_store_status bz_notification_hold(struct bz_store *st,
	    const struct bz_calendar *cal, int64_t clock, int64_t wall, size_t *n);
/*
 * Queued avisos whose first outbox row is now sent: aviso_released_utc =
 * clock (never before the planned release) and a BZ_NOTIF_EV_RELEASED
 * event. *n: how many.
 */
enum bz_store_status bz_notification_handoffs(struct bz_store *st, int64_t clock,
	    size_t *n);

/* The aviso's text (UTF-8, LF). */
void	bz_notification_aviso_text(struct bz_buf *out, const struct bz_notification *n,
	    const struct bz_calendar *cal);

#endif
