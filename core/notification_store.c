/*
 * notification_store - the notifications table: creation and its events
 *
 * bz_notification_create_locked() runs inside the transaction of the
 * department's filing (the render hook of core/submission_notification.c):
 * the NT folio from notification_counter, the row, and a
 * "notification-sent" event. Every later change of the row (the aviso
 * queued and released here and in core/notification_aviso.c; the opening
 * and the deemed step of part B) appends its event through
 * bz_notification_event_locked(), whose detail carries the digest of the
 * row after the change ("state_sha256"), so bz_notification_verify_rows
 * (core/notification_query.c) names a row changed behind the log.
 *
 * Failure: SQLite errors are logged (with the queue id) and give -1; the
 * caller rolls the transaction back.
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/calendar.h"
#include "buzon/json.h"
#include "buzon/log.h"
#include "buzon/notification.h"
#include "buzon/store_sql.h"
#include "buzon/xalloc.h"

/*
 * bz_notification_plan - the aviso's planned release and its window
 *
 * The planned release is bz_calendar_notification() of the intake: the
 * intake itself inside 09:30-18:00 of a working day, else 09:30 of the
 * next working day. The window (days 1-3, deemed date) counts from the
 * planned release's local date. The actual hand-off (aviso_released_utc)
 * is recorded later; it is never before the planned release and, with the
 * daemon running, within seconds of it, on the same local date. Should the
 * release step come on a later date (the daemon down through a whole
 * window), it counts the days again from that date before rendering the
 * aviso (core/notification_aviso.c, recount()): the days count from the
 * release, and the aviso states the days that count.
 */
int
bz_notification_plan(const struct bz_calendar *cal, int64_t created_utc,
    int64_t *planned_utc, struct bz_window *w)
{
	struct bz_legal_instant li;

	if (bz_calendar_notification(cal, created_utc, &li) != 0)
		return -1;
	*planned_utc = li.utc;
	return bz_calendar_window(cal, &li.local.date, w);
}

/* next_folio - notification_counter of year + 1, inside the transaction */
static int
next_folio(struct bz_store *st, const char *qid, int year, int64_t *seq)
{
	struct bz_db_stmt *s;
	int rc;

	if ((s = store_prepare(st, qid, "INSERT INTO notification_counter (year, last) "
	    "VALUES (?1, 1) ON CONFLICT (year) DO UPDATE SET "
	    /* qualified: PostgreSQL finds a bare "last" ambiguous */
	    "last = notification_counter.last + 1")) == NULL)
		return -1;
	bz_db_bind_int64(s, 1, year);
	if (store_step_done(st, s, qid, "notification counter") < 0)
		return -1;
	if ((s = store_prepare(st, qid,
	    "SELECT last FROM notification_counter WHERE year = ?")) == NULL)
		return -1;
	bz_db_bind_int64(s, 1, year);
	if ((rc = bz_db_step(s)) == BZ_DB_ROW)
		*seq = bz_db_column_int64(s, 0);
	else
		store_log_error(st, qid, "notification counter");
	bz_db_finalize(s);
	if (rc != BZ_DB_ROW)
		return -1;
	if (*seq > 99999999) {
		bz_log(BZ_LOG_ERR, qid, "notification counter of %d exhausted", year);
		return -1;
	}
	return 0;
}

/* bz_notification_event_locked - kind for row id, sealing its digest */
int
bz_notification_event_locked(struct bz_store *st, const char *qid, int64_t now,
    const char *kind, int64_t id, const char *name, const char *value)
{
	struct bz_buf detail = BZ_BUF_INIT;
	struct bz_json j;
	struct bz_db_stmt *s;
	char digest[65], *folio = NULL, *state = NULL;
	int r;

	if (bz_notification_row_digest(st, id, digest) < 0)
		return -1;
	if ((s = store_prepare(st, qid, "SELECT folio, state FROM notifications "
	    "WHERE id = ?")) == NULL)
		return -1;
	bz_db_bind_int64(s, 1, id);
	if (bz_db_step(s) == BZ_DB_ROW) {
		folio = store_column_dup(s, 0);
		state = store_column_dup(s, 1);
	}
	bz_db_finalize(s);
	if (folio == NULL) {
		bz_log(BZ_LOG_ERR, qid, "notification %lld vanished", (long long)id);
		free(state);
		return -1;
	}
	bz_json_init(&j, &detail);
	bz_json_object(&j, NULL);
	bz_json_int(&j, "notification", id);
	bz_json_str(&j, "state", state);
	if (name != NULL)
		bz_json_str(&j, name, value);
	bz_json_str(&j, "state_sha256", digest);
	bz_json_end(&j);
	r = store_event_append_locked(st, qid, now, kind, folio, bz_buf_str(&detail));
	bz_buf_free(&detail);
	free(folio);
	free(state);
	return r;
}

/* bz_notification_create_locked - folio, row and its first event */
int
bz_notification_create_locked(struct bz_store *st, const char *qid,
    struct bz_notif_new *n)
{
	struct bz_db_stmt *s;
	char days[4][BZ_INSTANT_UTC_LEN], *msgid;
	int64_t seq;
	int i = 1, year = n->year;

	if (year < 1000 || year > 9999 || next_folio(st, qid, year, &seq) < 0)
		return -1;
	snprintf(n->folio, sizeof(n->folio), "NT-%04d-%08lld", year, (long long)seq);
	for (int d = 0; d < 3; d++)
		bz_date_format(&n->day[d], days[d]);
	bz_date_format(n->deemed, days[3]);
	msgid = xasprintf("<aviso.%s@%s>", n->folio, n->message_id_domain);
	if ((s = store_prepare(st, qid, "INSERT INTO notifications (folio, year, seq, "
	    "submission_folio, rfc, subject, official_rfc, department_address, "
	    "department_name, reply_to, state, created_utc, aviso_message_id, "
	    "aviso_planned_utc, day1, day2, day3, deemed_date, deemed_due_utc, "
	    "window_rule, calendar_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "'sent', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")) == NULL) {
		free(msgid);
		return -1;
	}
	store_bind_text(s, i++, n->folio);
	bz_db_bind_int64(s, i++, year);
	bz_db_bind_int64(s, i++, seq);
	store_bind_text(s, i++, n->submission_folio);
	store_bind_text(s, i++, n->req->rfc);
	store_bind_text(s, i++, n->req->subject);
	store_bind_text(s, i++, n->official->rfc);
	store_bind_text(s, i++, n->official->address);
	store_bind_text(s, i++, n->official->name);
	store_bind_text(s, i++, n->req->reply_to);
	bz_db_bind_int64(s, i++, n->created_utc);
	store_bind_text(s, i++, msgid);
	bz_db_bind_int64(s, i++, n->planned_utc);
	for (int d = 0; d < 4; d++)
		store_bind_text(s, i++, days[d]);
	bz_db_bind_int64(s, i++, n->deemed_due_utc);
	store_bind_text(s, i++, n->window_rule);
	store_bind_text(s, i++, n->calendar_version);
	free(msgid);
	if (store_step_id(st, s, qid, "insert notification", &n->id) < 0)
		return -1;
	return bz_notification_event_locked(st, qid, n->created_utc, BZ_NOTIF_EV_SENT,
	    n->id, "submission", n->submission_folio);
}
