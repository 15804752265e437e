/*
 * notification_open - the store side of an opening and of a re-sent acuse
 *		       de notificacion (issue 10 part B; include/buzon/apertura.h)
 *
 * The instant of an opening is set once: the row is claimed with
 * "UPDATE ... WHERE state = 'sent'" inside the transaction that also
 * appends its event and marks its acuse due (acuse_due), so of two
 * openings racing (two connections, or an opening and the deemed step)
 * exactly one changes the row and the other finds it no longer "sent".
 * The notification worker issues the due acuse (core/notification_due.c).
 * A later opening only re-sends the acuse built again from the row: the
 * instant stays; if the first acuse is still due, it is issued then
 * instead of a re-send, so the kept acuse (the first outbox row) is
 * always the one without the repeat's note.
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>

#include "buzon/apertura.h"
#include "buzon/calendar.h"
#include "buzon/log.h"
#include "buzon/notification.h"
#include "buzon/store.h"
#include "buzon/store_sql.h"

/* bz_notification_open_locked - claim, instant, event, the acuse due */
int
bz_notification_open_locked(struct bz_store *st, const char *qid, const char *folio,
    const struct bz_calendar *cal, int64_t opened, const char *by_folio,
    const struct bz_notif_acuse_opts *o, struct bz_buf *err)
{
	struct bz_legal_instant li;
	struct bz_notification n;
	struct bz_db_stmt *s;
	char cadena[65];
	int rc;

	if (bz_calendar_notification(cal, opened, &li) != 0) {
		bz_buf_puts(err, "no working day within the calendar's horizon for the "
		    "legal notification instant");
		return -1;
	}
	/* acuse_due: the notification worker renders, signs and queues the
	 * acuse de notificacion (core/notification_due.c); everything that
	 * fixes its content is written here. */
	if ((s = store_prepare(st, qid, "UPDATE notifications SET state = 'opened', "
	    "opened_utc = ?2, legal_utc = ?3, rule = ?4, acuse_folio = ?5, "
	    "acuse_due = 1 WHERE folio = ?1 AND state = 'sent' AND "
	    "aviso_queued_utc IS NOT NULL AND deemed_due_utc > ?2")) == NULL) {
		bz_buf_puts(err, "the notification could not be updated");
		return -1;
	}
	store_bind_text(s, 1, folio);
	bz_db_bind_int64(s, 2, opened);
	bz_db_bind_int64(s, 3, li.utc);
	store_bind_text(s, 4, li.rule);
	store_bind_text(s, 5, by_folio);
	if (store_step_done(st, s, qid, "open notification") != 0) {
		bz_buf_puts(err, "the notification could not be updated");
		return -1;
	}
	if (bz_db_changes(store_db(st)) != 1)
		return 0;
	if (bz_notification_get(st, folio, &n) != BZ_STORE_OK) {
		bz_buf_puts(err, "the opened notification could not be read back");
		return -1;
	}
	/* The event seals the cadena the acuse will carry (no RSA: the
	 * record alone), so the one signed later is checked against it. */
	rc = bz_notification_acuse_cadena(st, &n, o, cadena, err) == 0 &&
	    bz_notification_event_locked(st, qid, opened, BZ_NOTIF_EV_OPENED, n.id,
	    "cadena_sha256", cadena) == 0 ? 1 : -1;
	if (rc < 0 && err->len == 0)
		bz_buf_puts(err, "the opening's event could not be appended");
	bz_notification_free(&n);
	return rc;
}

/* last_resend - the instant of the newest re-send of folio (0: none) */
static int
last_resend(struct bz_store *st, const char *folio, int64_t *last)
{
	struct bz_db_stmt *s;
	int rc;

	*last = 0;
	if ((s = store_prepare(st, NULL, "SELECT coalesce(max(at_utc), 0) FROM events "
	    "WHERE folio = ?1 AND kind = '" BZ_NOTIF_EV_RESENT "'")) == NULL)
		return -1;
	store_bind_text(s, 1, folio);
	if ((rc = bz_db_step(s)) == BZ_DB_ROW)
		*last = bz_db_column_int64(s, 0);
	bz_db_finalize(s);
	return rc == BZ_DB_ROW ? 0 : -1;
}

/* bz_notification_resend - the kept acuse again, instant unchanged */
enum bz_store_status
bz_notification_resend(struct bz_store *st, const char *qid, const char *folio,
    const struct bz_notif_acuse_opts *o, int64_t now, int64_t interval,
    size_t *queued)
{
	struct bz_notification n;
	struct bz_buf err = BZ_BUF_INIT;
	enum bz_store_status rc;
	char cadena[65];
	int64_t last;
	int due = 0;

	*queued = 0;
	if (store_begin(st, qid) != 0)
		return BZ_STORE_TEMPFAIL;
	if ((rc = bz_notification_get(st, folio, &n)) != BZ_STORE_OK) {
		store_rollback(st);
		return rc;
	}
	if (strcmp(n.state, "opened") != 0 && strcmp(n.state, "deemed") != 0) {
		rc = BZ_STORE_NOTFOUND;
	} else if (strcmp(n.state, "opened") == 0 &&
	    (due = bz_notification_acuse_issue_locked(st, qid, n.id, o, queued,
	    &err)) != 0) {
		/* The first acuse was still due (the worker had not run):
		 * it is issued now, as it stands, instead of a re-send. */
		if (due < 0) {
			bz_log(BZ_LOG_ERR, qid, "notification %s: acuse not issued: %s",
			    folio, bz_buf_str(&err));
			rc = BZ_STORE_TEMPFAIL;
		}
	} else if (last_resend(st, folio, &last) != 0) {
		rc = BZ_STORE_TEMPFAIL;
	} else if (last > 0 && interval > 0 && now - last < interval) {
		/* A replayed opening must not flood the employer. */
		bz_log(BZ_LOG_NOTICE, qid, "notification %s: acuse not re-sent "
		    "(last re-send %lld s ago, RepeatResendInterval %lld)", folio,
		    (long long)(now - last), (long long)interval);
		rc = BZ_STORE_OK;
	} else if (bz_notification_acuse_queue_locked(st, qid, &n, o, now, queued,
	    cadena, &err) != 0 || bz_notification_event_locked(st, qid, now,
	    BZ_NOTIF_EV_RESENT, n.id, "cadena_sha256", cadena) != 0) {
		bz_log(BZ_LOG_ERR, qid, "notification %s: acuse not re-sent: %s",
		    folio, err.len ? bz_buf_str(&err) : "event not appended");
		rc = BZ_STORE_TEMPFAIL;
	}
	bz_notification_free(&n);
	bz_buf_free(&err);
	if (rc == BZ_STORE_OK && *queued > 0)
		return store_commit(st, qid) == 0 ? BZ_STORE_OK : BZ_STORE_TEMPFAIL;
	store_rollback(st);
	return rc;
}
