/*
 * registration_clock - the 72-hour rule: hand-offs start the clocks,
 * expiry drops what ran out
 *
 * bz_registration_handoffs records when each validation notice and each
 * SMS was handed off (the instants the clocks count from);
 * bz_registration_expire drops unconfirmed addresses whose clock ran out
 * and expires pending registrations whose clocks all ran out, each
 * change an event in the chain (core/registration_store.c holds the
 * state machine and the event helper; the SQL conditions are in
 * registration_int.h, shared with the token and code checks there).
 *
 * Failure: SQLite errors are logged and give BZ_STORE_TEMPFAIL; the
 * transaction is rolled back.
 */
#include "build-aux/config.h"

#include <stdlib.h>

#include "buzon/registration.h"
#include "buzon/store_sql.h"
#include "buzon/xalloc.h"
#include "registration_int.h"

/* bz_registration_expire - the 72-hour rule at instant now */
enum bz_store_status
bz_registration_expire(struct bz_store *st, int64_t now, size_t *n)
{
	struct bz_db_stmt *s;
	int64_t *ids = NULL;
	size_t nids = 0;
	int rc, ok = 1;

	*n = 0;
	/* The daemon asks every second: take the write lock only when there
	 * is something to expire. */
	if ((s = store_prepare(st, NULL, "SELECT 1 FROM registrations r WHERE "
	    EXPIRABLE " LIMIT 1")) == NULL)
		return BZ_STORE_TEMPFAIL;
	bz_db_bind_int64(s, 1, now);
	rc = bz_db_step(s);
	bz_db_finalize(s);
	if (rc == BZ_DB_DONE)
		return BZ_STORE_OK;
	if (rc != BZ_DB_ROW)
		return BZ_STORE_TEMPFAIL;
	if (store_begin(st, NULL) < 0)
		return BZ_STORE_TEMPFAIL;
	if ((s = store_prepare(st, NULL, "SELECT id FROM registrations r WHERE "
	    EXPIRABLE)) == NULL) {
		store_rollback(st);
		return BZ_STORE_TEMPFAIL;
	}
	bz_db_bind_int64(s, 1, now);
	while ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		ids = xrealloc(ids, (nids + 1) * sizeof(*ids));
		ids[nids++] = bz_db_column_int64(s, 0);
	}
	bz_db_finalize(s);
	ok = rc == BZ_DB_DONE;
	for (size_t i = 0; ok && i < nids; i++) {
		int changes;

		ok = registration_exec_id(st, NULL, "UPDATE registration_addresses AS a SET "
		    "dropped = 1 WHERE a.registration_id = ?2 AND " ADDR_OUT, now,
		    ids[i], "drop unconfirmed") == 0;
		changes = bz_db_changes(store_db(st));
		if (ok && changes > 0)
			ok = registration_event(st, NULL, now, "contact-dropped", ids[i], NULL,
			    NULL) == 0;
		/* Confirmed (mobile + an address) stays confirmed, waiting for
		 * consent with what was confirmed; a pending one expires once
		 * all its clocks have run out. */
		if (ok && (ok = registration_exec_id(st, NULL, "UPDATE registrations AS r SET "
		    "state = 'expired' WHERE r.id = ?2 AND r.state = 'pending' AND "
		    SETTLED, now, ids[i], "expire registration") == 0) &&
		    bz_db_changes(store_db(st)) == 1) {
			(*n)++;
			ok = registration_event(st, NULL, now, "registration-expired", ids[i],
			    NULL, NULL) == 0;
		}
	}
	free(ids);
	if (!ok) {
		store_rollback(st);
		return BZ_STORE_TEMPFAIL;
	}
	return store_commit(st, NULL) < 0 ? BZ_STORE_TEMPFAIL : BZ_STORE_OK;
}

/* bz_registration_link_notices_locked - each address of registration id
 * to the outbox row of its validation notice, just queued in this
 * transaction (the newest "aviso" to that address: the write lock is
 * held, no other can be newer) */
int
bz_registration_link_notices_locked(struct bz_store *st, const char *qid,
    int64_t id)
{
	return registration_exec_id(st, qid, "UPDATE registration_addresses SET notice_outbox_id = "
	    "(SELECT max(o.id) FROM outbox o WHERE o.kind = 'aviso' AND "
	    "o.recipient = registration_addresses.address) WHERE registration_id = ? "
	    "AND notice_outbox_id IS NULL", 0, id, "link the notices");
}

/* The registrations with a notice or an SMS handed off whose clock has not
 * started yet: one text for the cheap probe and the list of ids. */
#define HANDED_OFF_IDS \
	"SELECT a.registration_id FROM registration_addresses a JOIN outbox o " \
	"ON o.id = a.notice_outbox_id WHERE a.notice_sent_utc IS NULL AND " \
	"o.status = 'sent' UNION SELECT r.id FROM registrations r JOIN sms_queue " \
	"q ON q.registration_id = r.id WHERE r.mobile_sent_utc IS NULL AND " \
	"q.status = 'sent'"

/* The two steps of bz_registration_handoffs, with the larger of two
 * values spelt GREATEST: SQLite's scalar max(a, b), PostgreSQL's
 * greatest(a, b) (its max() is only the aggregate). */
#define HANDOFF_STEPS(GREATEST) { \
	"UPDATE registration_addresses SET notice_sent_utc = " GREATEST "(" \
	"(SELECT r.created_utc FROM registrations r WHERE r.id = " \
	"registration_id), ?1 - " GREATEST "(0, ?2 - (SELECT o.sent_utc FROM " \
	"outbox o WHERE o.id = notice_outbox_id))) WHERE notice_sent_utc IS " \
	"NULL AND notice_outbox_id IN (SELECT id FROM outbox WHERE status = " \
	"'sent')", \
	"UPDATE registrations SET mobile_sent_utc = " GREATEST "(created_utc, " \
	"?1 - " GREATEST "(0, ?2 - (SELECT max(q.sent_utc) FROM sms_queue q " \
	"WHERE q.registration_id = registrations.id AND q.status = 'sent'))) " \
	"WHERE mobile_sent_utc IS NULL AND EXISTS (SELECT 1 FROM sms_queue q " \
	"WHERE q.registration_id = registrations.id AND q.status = 'sent')", \
}

/*
 * bz_registration_handoffs - start the clocks of the means handed off:
 * each address whose notice the outbox marked sent, each mobile whose SMS
 * SmsCommand took. The outbox and the SMS queue stamp the wall clock
 * (wall = now there); the registration's clock is clock (TestClock under
 * TestMode), so the instant recorded is clock minus the time since the
 * hand-off, never before the REGISTRO itself.
 */
enum bz_store_status
bz_registration_handoffs(struct bz_store *st, int64_t clock, int64_t wall,
    size_t *n)
{
	static const char *const sql_sqlite[] = HANDOFF_STEPS("max");
	static const char *const sql_pg[] = HANDOFF_STEPS("greatest");
	const char *const *sql = bz_db_kind(store_db(st)) == BZ_DB_PG ?
	    sql_pg : sql_sqlite;
	struct bz_db_stmt *s;
	int64_t *ids = NULL;
	size_t nids = 0;
	int rc, ok;

	*n = 0;
	/* Asked every second: the write lock only when there is work. */
	if ((s = store_prepare(st, NULL, "SELECT 1 WHERE EXISTS ("
	    HANDED_OFF_IDS ")")) == NULL)
		return BZ_STORE_TEMPFAIL;
	rc = bz_db_step(s);
	bz_db_finalize(s);
	if (rc == BZ_DB_DONE)
		return BZ_STORE_OK;
	if (rc != BZ_DB_ROW || store_begin(st, NULL) < 0)
		return BZ_STORE_TEMPFAIL;
	/* The registrations whose clocks start now: each gets an event
	 * sealing its row with the new instants, so an instant moved behind
	 * the log (a clock restarted to keep a token alive) is named by
	 * verify-chain like any other edited row. */
	if ((s = store_prepare(st, NULL, HANDED_OFF_IDS)) == NULL) {
		store_rollback(st);
		return BZ_STORE_TEMPFAIL;
	}
	while ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		ids = xrealloc(ids, (nids + 1) * sizeof(*ids));
		ids[nids++] = bz_db_column_int64(s, 0);
	}
	bz_db_finalize(s);
	ok = rc == BZ_DB_DONE;
	for (size_t i = 0; ok && i < sizeof(sql_pg) / sizeof(sql_pg[0]); i++) {
		if ((s = store_prepare(st, NULL, sql[i])) == NULL) {
			ok = 0;
			break;
		}
		bz_db_bind_int64(s, 1, clock);
		bz_db_bind_int64(s, 2, wall);
		ok = store_step_done(st, s, NULL, "record hand-offs") == 0;
		if (ok)
			*n += (size_t)bz_db_changes(store_db(st));
	}
	for (size_t i = 0; ok && i < nids; i++)
		ok = registration_event(st, NULL, clock, "contact-handed-off", ids[i],
		    NULL, NULL) == 0;
	free(ids);
	if (!ok) {
		store_rollback(st);
		return BZ_STORE_TEMPFAIL;
	}
	return store_commit(st, NULL) < 0 ? BZ_STORE_TEMPFAIL : BZ_STORE_OK;
}
