/*
 * notification_aviso - the aviso to the employer: held, released inside
 *			the notification window, its hand-off recorded
 *
 * At intake (core/submission_notification.c) nothing goes to the outbox:
 * the notifications row is the hold (aviso_queued_utc NULL) with its
 * planned release, the first window instant at or after the intake.
 * bz_notification_release(), run every second by the registration worker
 * at the notification clock (TestClock under TestMode), takes the rows
 * whose planned release has come, only while that clock is inside
 * 09:30-18:00 of a working day (an aviso never leaves at 20:00, even when
 * the daemon was down at 09:30), and in one transaction per notification
 * renders one signed aviso per confirmed address of the employer (From:
 * NotifierAddress, Message-ID the row's aviso_message_id, so replies can
 * name it), queues them (outbox kind "aviso-notificacion"), queues the
 * courtesy SMS to the enabled registration's mobile, sets
 * aviso_queued_utc and appends "notification-aviso-queued".
 * bz_notification_handoffs() then records the hand-off: once an aviso's
 * outbox row is sent, aviso_released_utc = the clock (never before the
 * planned release) and "notification-aviso-released". A queued aviso
 * whose first attempt failed is held again outside the window
 * (bz_notification_hold), so a retry never leaves at night either.
 *
 * The aviso is rendered at release, not at intake, so its Date: is the
 * instant it leaves and its recipients the addresses confirmed then. Its
 * days are the row's: computed at intake from the planned release and,
 * when the release comes on a later local date (the daemon down through
 * the whole window, or a release pass that failed until the next working
 * day), counted again from the release date in the same transaction
 * (recount(): day1..day3, deemed_date, deemed_due_utc and a sealed
 * "notification-days-recounted" event), so the three days count from the
 * release, as the issue says, and the aviso states the new ones.
 *
 * Failure: database errors roll back that notification's transaction and
 * give BZ_STORE_TEMPFAIL; the next pass tries again.
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buzon/calendar.h"
#include "buzon/log.h"
#include "buzon/notification.h"
#include "buzon/registration.h"
#include "buzon/store_sql.h"
#include "buzon/tz.h"
#include "buzon/xalloc.h"

#define RELEASE_BATCH	32	/* notifications per pass (the LIMITs below) */

/* local_text - an instant as "YYYY-MM-DD HH:MM (hora de la Ciudad de Mexico)" */
static void
local_text(const struct bz_calendar *cal, int64_t utc, struct bz_buf *out)
{
	struct bz_local_time lt;

	bz_tz_to_local(bz_calendar_zone(cal), utc, &lt);
	bz_buf_printf(out, "%04d-%02d-%02d %02d:%02d (hora de la Ciudad de Mexico)",
	    lt.date.year, lt.date.month, lt.date.day, lt.seconds / 3600,
	    lt.seconds / 60 % 60);
}

/* same_date - 1 when a and b fall on the same Mexico City date */
static int
same_date(const struct bz_calendar *cal, int64_t a, int64_t b)
{
	struct bz_local_time la, lb;

	bz_tz_to_local(bz_calendar_zone(cal), a, &la);
	bz_tz_to_local(bz_calendar_zone(cal), b, &lb);
	return la.date.year == lb.date.year && la.date.month == lb.date.month &&
	    la.date.day == lb.date.day;
}

/* bz_notification_aviso_text - what the aviso says: the Institute's words
 * and the row's values, nothing the department wrote except the subject */
void
bz_notification_aviso_text(struct bz_buf *out, const struct bz_notification *n,
    const struct bz_calendar *cal)
{
	bz_buf_printf(out,
	    "Instituto Mexicano del Seguro Social - Buzon IMSS\n\n"
	    "AVISO DE NOTIFICACION\n\n"
	    "Tiene una notificacion en su buzon.\n\n"
	    "Folio: %s\n"
	    "Patron (RFC): %s\n"
	    "Dependencia: %s\n"
	    "Asunto: %s\n\n"
	    "Dispone de tres dias habiles para abrirla: %s, %s y %s.\n"
	    "Para abrirla, envie al buzon un mensaje firmado con su e.firma con\n"
	    "el asunto\n\n    APERTURA %s\n\n"
	    "Si no la abre, se tendra por notificada el %s a las 09:30\n"
	    "(hora de la Ciudad de Mexico).\n\n"
	    "Aviso generado el ",
	    n->folio, n->rfc, n->department_name, n->subject, n->day1, n->day2,
	    n->day3, n->folio, n->deemed_date);
	local_text(cal, n->created_utc, out);
	bz_buf_puts(out, "; sale en horario de notificacion a partir de ");
	local_text(cal, n->aviso_queued_utc > n->aviso_planned_utc &&
	    !same_date(cal, n->aviso_queued_utc, n->aviso_planned_utc) ?
	    n->aviso_queued_utc : n->aviso_planned_utc, out);
	bz_buf_puts(out, ".\n");
}

/* in_window - 1 when clock is inside 09:30-18:00 of a working day */
static int
in_window(const struct bz_calendar *cal, int64_t clock)
{
	struct bz_legal_instant li;

	return bz_calendar_notification(cal, clock, &li) == 0 && li.utc == clock;
}

/* queue_sms - the courtesy SMS to the enabled registration's mobile */
static int
queue_sms(struct bz_store *st, const struct bz_notification *n, int64_t now)
{
	struct bz_registration r;
	enum bz_store_status rc;
	char *text;
	int res = 0;

	if ((rc = bz_registration_get(st, n->rfc, &r)) == BZ_STORE_NOTFOUND)
		return 0;
	if (rc != BZ_STORE_OK)
		return -1;
	if (strcmp(r.state, "enabled") == 0 && r.mobile != NULL) {
		text = xasprintf("Buzon IMSS: tiene la notificacion %s en su buzon; "
		    "abrala a mas tardar el %s.\n", n->folio, n->day3);
		res = bz_sms_queue_locked(st, NULL, r.id, r.mobile, text, now);
		free(text);
	}
	bz_registration_free(&r);
	return res;
}

/* queue_avisos - one signed aviso per confirmed address; *count queued */
static int
queue_avisos(struct bz_store *st, const struct bz_notif_release_opts *o,
    const struct bz_notification *n, int64_t now, size_t *count)
{
	struct bz_buf text = BZ_BUF_INIT, msg = BZ_BUF_INIT, err = BZ_BUF_INIT;
	struct bz_reg_notice notice;
	char **addrs = NULL, *subject;
	size_t na = 0;
	int rc = 0;

	*count = 0;
	if (bz_registration_confirmed_addresses(st, n->rfc, &addrs, &na) != BZ_STORE_OK)
		return -1;
	bz_notification_aviso_text(&text, n, o->cal);
	subject = xasprintf("Aviso de notificacion %s", n->folio);
	for (size_t i = 0; rc == 0 && i < na; i++) {
		memset(&notice, 0, sizeof(notice));
		notice.from = o->from;
		notice.to = addrs[i];
		notice.subject = subject;
		notice.text = bz_buf_str(&text);
		notice.date = now;
		notice.message_id = n->aviso_message_id;
		bz_buf_reset(&msg);
		if (bz_reg_notice_render(o->signer, &notice, &msg, &err) != 0) {
			bz_log(BZ_LOG_ERR, NULL, "aviso of %s: %s", n->folio,
			    bz_buf_str(&err));
			rc = -1;
		} else if (store_outbox_enqueue_locked(st, NULL, n->submission_folio,
		    BZ_NOTIF_OUTBOX_KIND, addrs[i], msg.data, msg.len, now) != 0)
			rc = -1;
		else
			(*count)++;
	}
	if (rc == 0 && na == 0)
		bz_log(BZ_LOG_WARNING, NULL, "aviso of %s: the employer has no "
		    "confirmed address any more; nothing sent", n->folio);
	for (size_t i = 0; i < na; i++)
		free(addrs[i]);
	free(addrs);
	free(subject);
	bz_buf_free(&text);
	bz_buf_free(&msg);
	bz_buf_free(&err);
	return rc;
}

/*
 * recount - the days counted again from the release date, when the
 * release (clock) is on a later local date than the planned one: the row's
 * day1..day3, deemed_date, deemed_due_utc, window_rule and calendar_version
 * updated and a BZ_NOTIF_EV_RECOUNTED event sealing them (detail
 * "aviso_date"), inside the caller's transaction; n updated to match, so
 * the aviso rendered next states the new days. 0 or -1.
 */
static int
recount(struct bz_store *st, const struct bz_calendar *cal,
    struct bz_notification *n, int64_t clock)
{
	struct bz_local_time lt;
	struct bz_window w;
	struct bz_db_stmt *s;
	char days[4][BZ_INSTANT_UTC_LEN], date[BZ_INSTANT_UTC_LEN];

	if (clock <= n->aviso_planned_utc || same_date(cal, clock, n->aviso_planned_utc))
		return 0;
	bz_tz_to_local(bz_calendar_zone(cal), clock, &lt);
	if (bz_calendar_window(cal, &lt.date, &w) != 0) {
		bz_log(BZ_LOG_ERR, NULL, "notification %s: no opening window from "
		    "the release date (beyond the calendar's horizon)", n->folio);
		return -1;
	}
	for (int d = 0; d < 3; d++)
		bz_date_format(&w.day[d], days[d]);
	bz_date_format(&w.deemed, days[3]);
	bz_date_format(&lt.date, date);
	if ((s = store_prepare(st, NULL, "UPDATE notifications SET day1 = ?, "
	    "day2 = ?, day3 = ?, deemed_date = ?, deemed_due_utc = ?, "
	    "window_rule = ?, calendar_version = ? WHERE id = ? AND "
	    "aviso_queued_utc IS NULL")) == NULL)
		return -1;
	for (int d = 0; d < 4; d++)
		store_bind_text(s, d + 1, days[d]);
	bz_db_bind_int64(s, 5, w.deemed_utc);
	store_bind_text(s, 6, w.rule);
	store_bind_text(s, 7, w.version);
	bz_db_bind_int64(s, 8, n->id);
	if (store_step_done(st, s, NULL, "days recounted") < 0 ||
	    bz_notification_event_locked(st, NULL, clock, BZ_NOTIF_EV_RECOUNTED,
	    n->id, "aviso_date", date) < 0)
		return -1;
	bz_log(BZ_LOG_NOTICE, NULL, "notification %s: released on %s, after its "
	    "planned date; opening days %s..%s, deemed %s (were %s..%s, %s)",
	    n->folio, date, days[0], days[2], days[3], n->day1, n->day3,
	    n->deemed_date);
	/* "YYYY-MM-DD" and its NUL: the char[11] of the row's days. */
	memcpy(n->day1, days[0], sizeof(n->day1));
	memcpy(n->day2, days[1], sizeof(n->day2));
	memcpy(n->day3, days[2], sizeof(n->day3));
	memcpy(n->deemed_date, days[3], sizeof(n->deemed_date));
	n->deemed_due_utc = w.deemed_utc;
	free(n->window_rule);
	n->window_rule = xstrdup(w.rule);
	free(n->calendar_version);
	n->calendar_version = xstrdup(w.version);
	return 0;
}

/* release_one - the avisos of one held notification, one transaction */
static int
release_one(struct bz_store *st, const struct bz_notif_release_opts *o,
    const char *folio, int64_t clock)
{
	struct bz_notification n;
	struct bz_db_stmt *s;
	int64_t now = (int64_t)time(NULL);
	size_t count = 0;
	char num[32];

	if (store_begin(st, NULL) < 0)
		return -1;
	if (bz_notification_get(st, folio, &n) != BZ_STORE_OK) {
		store_rollback(st);
		return -1;
	}
	/* Another process released it meanwhile: nothing to do. */
	if (n.aviso_queued_utc != 0) {
		bz_notification_free(&n);
		store_rollback(st);
		return 0;
	}
	if (recount(st, o->cal, &n, clock) != 0)
		goto fail;
	n.aviso_queued_utc = clock;	/* the aviso text's release instant */
	if (queue_avisos(st, o, &n, now, &count) != 0 ||
	    (o->sms && queue_sms(st, &n, now) != 0))
		goto fail;
	if ((s = store_prepare(st, NULL, "UPDATE notifications SET "
	    "aviso_queued_utc = ? WHERE id = ? AND aviso_queued_utc IS NULL")) == NULL)
		goto fail;
	bz_db_bind_int64(s, 1, clock);
	bz_db_bind_int64(s, 2, n.id);
	snprintf(num, sizeof(num), "%zu", count);
	if (store_step_done(st, s, NULL, "aviso queued") < 0 ||
	    bz_notification_event_locked(st, NULL, clock, BZ_NOTIF_EV_QUEUED, n.id,
	    "recipients", num) < 0 || store_commit(st, NULL) < 0)
		goto fail;
	bz_log(BZ_LOG_NOTICE, NULL, "notification %s: aviso queued to %zu "
	    "address(es)", n.folio, count);
	bz_notification_free(&n);
	return 1;
fail:
	store_rollback(st);
	bz_notification_free(&n);
	return -1;
}

/* bz_notification_release - every held aviso that is due (see above) */
enum bz_store_status
bz_notification_release(struct bz_store *st, const struct bz_notif_release_opts *o,
    int64_t clock, size_t *n)
{
	struct bz_db_stmt *s;
	char **folios = NULL;
	size_t nf = 0;
	enum bz_store_status rc;
	int bad = 0;

	*n = 0;
	if (o->signer == NULL || o->cal == NULL || o->from == NULL ||
	    !in_window(o->cal, clock))
		return BZ_STORE_OK;
	if ((s = store_prepare(st, NULL, "SELECT folio FROM notifications WHERE "
	    "aviso_queued_utc IS NULL AND aviso_planned_utc <= ? ORDER BY id "
	    "LIMIT 32")) == NULL)
		return BZ_STORE_TEMPFAIL;
	bz_db_bind_int64(s, 1, clock);
	if ((rc = store_column_strings(st, s, "held avisos", &folios, &nf)) !=
	    BZ_STORE_OK)
		return rc;
	for (size_t i = 0; i < nf; i++) {
		int r = release_one(st, o, folios[i], clock);

		if (r < 0)
			bad = 1;
		else
			*n += (size_t)r;
		free(folios[i]);
	}
	free(folios);
	return bad ? BZ_STORE_TEMPFAIL : BZ_STORE_OK;
}

/*
 * bz_notification_hold - outside the window, avisos queued but not yet
 * handed to the MTA (a first attempt that failed) wait: their outbox rows
 * due within BZ_NOTIF_HOLD_PUSH / 2 seconds of wall are put
 * BZ_NOTIF_HOLD_PUSH seconds ahead,
 * pass after pass, so no retry leaves between 18:00 and 09:30 or on a
 * non-working day; once the clock is inside the window the outbox's own
 * schedule resumes (the row is due at most BZ_NOTIF_HOLD_PUSH seconds
 * later).
 * The outbox itself (core/outbox.c) knows nothing of windows.
 */
enum bz_store_status
bz_notification_hold(struct bz_store *st, const struct bz_calendar *cal,
    int64_t clock, int64_t wall, size_t *n)
{
	struct bz_db_stmt *s;

	*n = 0;
	if (in_window(cal, clock))
		return BZ_STORE_OK;
	if ((s = store_prepare(st, NULL, "UPDATE outbox SET next_attempt_utc = ?1 + ?2 "
	    "WHERE kind = '" BZ_NOTIF_OUTBOX_KIND "' AND status = 'pending' AND "
	    "next_attempt_utc <= ?1 + ?2 / 2")) == NULL)
		return BZ_STORE_TEMPFAIL;
	bz_db_bind_int64(s, 1, wall);
	bz_db_bind_int64(s, 2, BZ_NOTIF_HOLD_PUSH);
	if (store_step_done(st, s, NULL, "hold avisos outside the window") < 0)
		return BZ_STORE_TEMPFAIL;
	*n = (size_t)bz_db_changes(store_db(st));
	return BZ_STORE_OK;
}

/* bz_notification_handoffs - aviso_released_utc once an aviso was sent */
enum bz_store_status
bz_notification_handoffs(struct bz_store *st, int64_t clock, size_t *n)
{
	struct bz_db_stmt *s;
	int64_t ids[RELEASE_BATCH];
	size_t k = 0;
	int rc;

	*n = 0;
	if ((s = store_prepare(st, NULL, "SELECT id FROM notifications n WHERE "
	    "aviso_queued_utc IS NOT NULL AND aviso_released_utc IS NULL AND EXISTS "
	    "(SELECT 1 FROM outbox o WHERE o.folio = n.submission_folio AND "
	    "o.kind = '" BZ_NOTIF_OUTBOX_KIND "' AND o.status = 'sent') "
	    "ORDER BY id LIMIT 32")) == NULL)
		return BZ_STORE_TEMPFAIL;
	while ((rc = bz_db_step(s)) == BZ_DB_ROW)
		ids[k++] = bz_db_column_int64(s, 0);
	bz_db_finalize(s);
	if (rc != BZ_DB_DONE)
		return BZ_STORE_TEMPFAIL;
	for (size_t i = 0; i < k; i++) {
		if (store_begin(st, NULL) < 0)
			return BZ_STORE_TEMPFAIL;
		/* The clock may lag the planned release only in tests stepping
		 * TestClock back; the hand-off is never before the release. */
		if ((s = store_prepare(st, NULL, "UPDATE notifications SET "
		    "aviso_released_utc = CASE WHEN ?1 > aviso_planned_utc THEN ?1 ELSE "
		    "aviso_planned_utc END WHERE id = ?2 "
		    "AND aviso_released_utc IS NULL")) == NULL) {
			store_rollback(st);
			return BZ_STORE_TEMPFAIL;
		}
		bz_db_bind_int64(s, 1, clock);
		bz_db_bind_int64(s, 2, ids[i]);
		if (store_step_done(st, s, NULL, "aviso released") < 0 ||
		    bz_notification_event_locked(st, NULL, clock, BZ_NOTIF_EV_RELEASED,
		    ids[i], NULL, NULL) < 0 || store_commit(st, NULL) < 0) {
			store_rollback(st);
			return BZ_STORE_TEMPFAIL;
		}
		(*n)++;
	}
	return BZ_STORE_OK;
}
