/*
 * store_outbox - outbox rows and store statistics
 *
 * The SQL side of the outbox: queueing, picking due rows, recording the
 * result of an attempt. Every state change of a row and the matching
 * event ("acuse-sent", "outbox-gave-up") are written in one transaction.
 * The worker (core/outbox.c) holds no transaction while sendmail runs, so
 * milter threads never wait on the MTA.
 */
#include "build-aux/config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/json.h"
#include "buzon/log.h"
#include "buzon/store.h"
#include "buzon/xalloc.h"
#include "store_int.h"

static int row_event(struct bz_store *, int64_t, int64_t, const char *, const char *);

/* bz_outbox_items_free - free a vector from due/list */
void
bz_outbox_items_free(struct bz_outbox_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].folio);
		free(items[i].kind);
		free(items[i].recipient);
		bz_buf_free(&items[i].message);
		free(items[i].status);
		free(items[i].last_error);
	}
	free(items);
}

/* store_outbox_enqueue_locked - one pending mail and its event, inside a
 * transaction the caller holds (a registration queues its notices in the
 * transaction that records it) */
int
store_outbox_enqueue_locked(struct bz_store *st, const char *qid,
    const char *folio, const char *kind, const char *recipient, const void *msg,
    size_t len, int64_t now)
{
	struct bz_db_stmt *s;
	int64_t id;

	if (kind == NULL || recipient == NULL || msg == NULL)
		bz_panic("bz_store_outbox_enqueue: kind, recipient, message required");
	if ((s = store_prepare(st, qid, "INSERT INTO outbox (folio, kind, recipient, "
	    "message, status, attempts, next_attempt_utc, created_utc) "
	    "VALUES (?, ?, ?, ?, 'pending', 0, ?, ?) RETURNING id")) == NULL)
		return -1;
	store_bind_text(s, 1, folio);
	store_bind_text(s, 2, kind);
	store_bind_text(s, 3, recipient);
	bz_db_bind_blob(s, 4, msg, len);
	bz_db_bind_int64(s, 5, now);
	bz_db_bind_int64(s, 6, now);
	if (store_step_id(st, s, qid, "queue mail", &id) < 0)
		return -1;
	return row_event(st, id, now, "outbox-queued", NULL);
}

/* bz_store_outbox_enqueue - one pending mail in its own transaction */
enum bz_store_status
bz_store_outbox_enqueue(struct bz_store *st, const char *folio, const char *kind,
    const char *recipient, const void *msg, size_t len, int64_t now)
{
	if (store_begin(st, NULL) < 0)
		return BZ_STORE_TEMPFAIL;
	if (store_outbox_enqueue_locked(st, NULL, folio, kind, recipient, msg, len,
	    now) < 0) {
		store_rollback(st);
		return BZ_STORE_TEMPFAIL;
	}
	return store_commit(st, NULL) < 0 ? BZ_STORE_TEMPFAIL : BZ_STORE_OK;
}

/* read_items - rows of a SELECT with the item columns in order */
static enum bz_store_status
read_items(struct bz_store *st, struct bz_db_stmt *s, int with_message,
    struct bz_outbox_item **items, size_t *n)
{
	struct bz_outbox_item *v = NULL;
	size_t k = 0;
	int rc;

	while ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		struct bz_outbox_item *it;

		v = xrealloc(v, (k + 1) * sizeof(*v));
		it = &v[k++];
		memset(it, 0, sizeof(*it));
		it->id = bz_db_column_int64(s, 0);
		it->folio = store_column_dup(s, 1);
		it->kind = store_column_dup(s, 2);
		it->recipient = store_column_dup(s, 3);
		it->size = (size_t)bz_db_column_int64(s, 4);
		it->status = store_column_dup(s, 5);
		it->attempts = (int)bz_db_column_int64(s, 6);
		it->next_attempt_utc = bz_db_column_int64(s, 7);
		it->last_error = store_column_dup(s, 8);
		it->created_utc = bz_db_column_int64(s, 9);
		it->sent_utc = bz_db_column_int64(s, 10);
		if (with_message)
			bz_buf_append(&it->message, bz_db_column_blob(s, 11),
			    (size_t)bz_db_column_bytes(s, 11));
	}
	bz_db_finalize(s);
	if (rc != BZ_DB_DONE) {
		store_log_error(st, NULL, "read outbox");
		bz_outbox_items_free(v, k);
		*items = NULL;
		*n = 0;
		return BZ_STORE_TEMPFAIL;
	}
	*items = v;
	*n = k;
	return BZ_STORE_OK;
}

#define ITEM_COLUMNS "id, folio, kind, recipient, length(message), status, " \
	"attempts, next_attempt_utc, last_error, created_utc, sent_utc"

/* bz_store_outbox_due - pending rows whose time has come, claimed for this
 * worker where the store is shared */
enum bz_store_status
bz_store_outbox_due(struct bz_store *st, int64_t now, size_t max,
    struct bz_outbox_item **items, size_t *n)
{
	struct bz_db_stmt *s;

	*items = NULL;
	*n = 0;
	if (bz_db_kind(store_db(st)) == BZ_DB_PG)
		/* One statement, outside the writers' lock: SKIP LOCKED lets
		 * two hosts claim at once without waiting on each other's
		 * rows, and never both the same row. */
		s = store_prepare(st, NULL, "UPDATE outbox SET claimed_by = "
		    "pg_backend_pid(), claimed_utc = ?1 WHERE id IN (SELECT id FROM "
		    "outbox WHERE status = 'pending' AND next_attempt_utc <= ?1 AND "
		    STORE_CLAIMABLE_PG("?1") " ORDER BY next_attempt_utc, id LIMIT ?2 "
		    "FOR UPDATE SKIP LOCKED) RETURNING " ITEM_COLUMNS ", message");
	else
		/* One host, one outbox worker: nothing to claim. */
		s = store_prepare(st, NULL, "SELECT " ITEM_COLUMNS ", message "
		    "FROM outbox WHERE status = 'pending' AND next_attempt_utc <= ?1 "
		    "ORDER BY next_attempt_utc, id LIMIT ?2");
	if (s == NULL)
		return BZ_STORE_TEMPFAIL;
	bz_db_bind_int64(s, 1, now);
	bz_db_bind_int64(s, 2, (int64_t)max);
	return read_items(st, s, 1, items, n);
}

/* bz_store_outbox_list - rows for display, without the message */
enum bz_store_status
bz_store_outbox_list(struct bz_store *st, const char *status,
    struct bz_outbox_item **items, size_t *n)
{
	struct bz_db_stmt *s;

	*items = NULL;
	*n = 0;
	if ((s = store_prepare(st, NULL, "SELECT " ITEM_COLUMNS " FROM outbox "
	    "WHERE ?1 IS NULL OR status = ?1 ORDER BY id")) == NULL)
		return BZ_STORE_TEMPFAIL;
	store_bind_text(s, 1, status);
	return read_items(st, s, 0, items, n);
}

/* bz_store_outbox_next_due - when the worker has something to do next */
enum bz_store_status
bz_store_outbox_next_due(struct bz_store *st, int64_t *when)
{
	struct bz_db_stmt *s;
	enum bz_store_status r = BZ_STORE_NOTFOUND;

	if ((s = store_prepare(st, NULL, bz_db_kind(store_db(st)) == BZ_DB_PG ?
	    "SELECT min(" STORE_CLAIMABLE_FROM_PG ") FROM outbox WHERE "
	    "status = 'pending'" :
	    "SELECT min(next_attempt_utc) FROM outbox WHERE status = 'pending'")) == NULL)
		return BZ_STORE_TEMPFAIL;
	if (bz_db_step(s) == BZ_DB_ROW) {
		if (bz_db_column_type(s, 0) != BZ_DB_NULL) {
			*when = bz_db_column_int64(s, 0);
			r = BZ_STORE_OK;
		}
	} else {
		store_log_error(st, NULL, "outbox next due");
		r = BZ_STORE_TEMPFAIL;
	}
	bz_db_finalize(s);
	return r;
}

/*
 * exec_bound - prepare, bind ?1..?4 = (a, b, text, c), step once. A
 * statement may use only some of them: binding an absent index is a
 * harmless SQLITE_RANGE.
 */
static int
exec_bound(struct bz_store *st, const char *sql, int64_t a, int64_t b,
    const char *text, int64_t c)
{
	struct bz_db_stmt *s;

	if ((s = store_prepare(st, NULL, sql)) == NULL)
		return -1;
	bz_db_bind_int64(s, 1, a);
	bz_db_bind_int64(s, 2, b);
	store_bind_text(s, 3, text);
	bz_db_bind_int64(s, 4, c);
	return store_step_done(st, s, NULL, "update outbox");
}

/* row_event - event row describing an outbox state change */
static int
row_event(struct bz_store *st, int64_t id, int64_t now, const char *kind,
    const char *error)
{
	struct bz_buf detail = BZ_BUF_INIT;
	struct bz_json j;
	struct bz_db_stmt *s;
	char *folio = NULL;
	int attempts = 0, r;

	if ((s = store_prepare(st, NULL,
	    "SELECT folio, attempts FROM outbox WHERE id = ?")) == NULL)
		return -1;
	bz_db_bind_int64(s, 1, id);
	if (bz_db_step(s) == BZ_DB_ROW) {
		folio = store_column_dup(s, 0);
		attempts = (int)bz_db_column_int64(s, 1);
	}
	bz_db_finalize(s);
	bz_json_init(&j, &detail);
	bz_json_object(&j, NULL);
	bz_json_int(&j, "outbox_id", id);
	bz_json_int(&j, "attempts", attempts);
	if (error != NULL)
		bz_json_str(&j, "error", error);
	bz_json_end(&j);
	r = store_event_append_locked(st, NULL, now, kind, folio, bz_buf_str(&detail));
	bz_buf_free(&detail);
	free(folio);
	return r;
}

/*
 * mark_locked - one attempt's outcome, inside a held transaction; 0 or -1.
 * Only a row still pending takes it: the outbox worker saves again the
 * outcomes of a pass whose save failed (core/outbox.c), and that COMMIT
 * may have been applied before its reply was lost; saving a hand-off or a
 * give-up twice must neither count it twice nor append a second event. (A
 * retry saved twice counts one attempt more: the row gives up one attempt
 * sooner, nothing is sent twice.)
 */
static int
mark_locked(struct bz_store *st, const struct bz_outbox_mark *m, int64_t now)
{
	if (exec_bound(st, m->sent ?
	    "UPDATE outbox SET status = 'sent', attempts = attempts + 1, "
	    "sent_utc = ?2, last_error = NULL, claimed_by = NULL "
	    "WHERE id = ?1 AND status = 'pending'" : m->give_up ?
	    "UPDATE outbox SET status = 'failed', attempts = attempts + 1, "
	    "next_attempt_utc = ?4, last_error = ?3, claimed_by = NULL "
	    "WHERE id = ?1 AND status = 'pending'" :
	    "UPDATE outbox SET attempts = attempts + 1, next_attempt_utc = ?4, "
	    "last_error = ?3, claimed_by = NULL WHERE id = ?1 AND status = 'pending'",
	    m->id, now, m->sent ? NULL : m->error, m->next_attempt_utc) < 0)
		return -1;
	if (bz_db_changes(store_db(st)) == 0)
		return 0;	/* saved already, or no longer ours to mark */
	if (m->sent)
		return exec_bound(st, "UPDATE submissions SET acuse_status = 'sent' WHERE "
		    "folio = (SELECT folio FROM outbox WHERE id = ?1 AND kind = 'acuse')",
		    m->id, now, NULL, 0) < 0 ||
		    row_event(st, m->id, now, "outbox-sent", NULL) < 0 ? -1 : 0;
	return m->give_up && row_event(st, m->id, now, "outbox-gave-up", m->error) < 0 ?
	    -1 : 0;
}

/* bz_store_outbox_mark_all - several outcomes, one transaction (one fsync) */
enum bz_store_status
bz_store_outbox_mark_all(struct bz_store *st, const struct bz_outbox_mark *m, size_t n,
    int64_t now)
{
	if (n == 0)
		return BZ_STORE_OK;
	if (store_begin(st, NULL) < 0)
		return BZ_STORE_TEMPFAIL;
	for (size_t i = 0; i < n; i++)
		if (mark_locked(st, &m[i], now) < 0) {
			store_rollback(st);
			return BZ_STORE_TEMPFAIL;
		}
	return store_commit(st, NULL) < 0 ? BZ_STORE_TEMPFAIL : BZ_STORE_OK;
}

/* bz_store_outbox_mark_sent - the MTA took it (exit status 0) */
enum bz_store_status
bz_store_outbox_mark_sent(struct bz_store *st, int64_t id, int64_t now)
{
	struct bz_outbox_mark m = { id, 1, 0, NULL, 0 };

	return bz_store_outbox_mark_all(st, &m, 1, now);
}

/* bz_store_outbox_mark_failed - count the attempt; retry later or give up */
enum bz_store_status
bz_store_outbox_mark_failed(struct bz_store *st, int64_t id, int64_t now,
    int64_t next_attempt_utc, const char *error, int give_up)
{
	struct bz_outbox_mark m = { id, 0, next_attempt_utc, error, give_up };

	return bz_store_outbox_mark_all(st, &m, 1, now);
}

/* count - one integer from a query without parameters */
static int
count(struct bz_store *st, const char *sql, int64_t *v)
{
	struct bz_db_stmt *s;
	int rc;

	if ((s = store_prepare(st, NULL, sql)) == NULL)
		return -1;
	rc = bz_db_step(s);
	*v = rc == BZ_DB_ROW ? bz_db_column_int64(s, 0) : 0;
	bz_db_finalize(s);
	if (rc != BZ_DB_ROW && rc != BZ_DB_DONE) {
		store_log_error(st, NULL, "statistics");
		return -1;
	}
	return 0;
}

/* bz_store_stats - counts for `buzonctl store stats` */
enum bz_store_status
bz_store_stats(struct bz_store *st, struct bz_store_stats *s)
{
	int64_t year = 0;

	memset(s, 0, sizeof(*s));
	if (count(st, "SELECT count(*) FROM submissions", &s->submissions) < 0 ||
	    count(st, "SELECT count(*) FROM events WHERE kind = 'repeat'",
	    &s->repeats) < 0 ||
	    count(st, "SELECT count(*) FROM events", &s->events) < 0 ||
	    count(st, "SELECT count(*) FROM outbox WHERE status = 'pending'",
	    &s->outbox_pending) < 0 ||
	    count(st, "SELECT count(*) FROM outbox WHERE status = 'sent'",
	    &s->outbox_sent) < 0 ||
	    count(st, "SELECT count(*) FROM outbox WHERE status = 'failed'",
	    &s->outbox_failed) < 0 ||
	    count(st, "SELECT max(year) FROM folio_counter", &year) < 0)
		return BZ_STORE_TEMPFAIL;
	s->last_year = (int)year;
	if (year > 0) {
		struct bz_db_stmt *q;

		if ((q = store_prepare(st, NULL,
		    "SELECT last FROM folio_counter WHERE year = ?")) == NULL)
			return BZ_STORE_TEMPFAIL;
		bz_db_bind_int64(q, 1, year);
		if (bz_db_step(q) == BZ_DB_ROW)
			s->last_seq = bz_db_column_int64(q, 0);
		bz_db_finalize(q);
	}
	return BZ_STORE_OK;
}
