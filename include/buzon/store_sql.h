/*
 * store_sql - the store's connection for the modules that keep tables in
 *	       its database (registrations, the SMS queue)
 *
 * Their rows are written in the store's transactions, next to the record
 * and its events, so they use the store's own helpers: every writer rolls
 * back and reports errors the same way, and store_event_append_locked()
 * appends to the hash chain inside a transaction the caller already
 * holds. The store's state (struct bz_store) stays private to
 * core/store*.c; store_db() is the connection (include/buzon/db.h).
 */
#ifndef BUZON_STORE_SQL_H
#define BUZON_STORE_SQL_H

#include <stddef.h>
#include <stdint.h>

#include "buzon/db.h"
#include "buzon/store.h"

struct bz_db *store_db(struct bz_store *st);

/*
 * STORE_CLAIMABLE_PG(now) - a queue row (outbox, sms_queue) no live worker
 * holds; now is the SQL of the caller's clock (a parameter). On a shared
 * PostgreSQL store a worker marks the rows it takes with its server
 * process and the time (claimed_by, claimed_utc; schema 11) while it hands
 * them over; the other hosts leave them alone while that process lives,
 * and take them over once its connection is gone (its host died, the
 * daemon was killed) and STORE_CLAIM_GRACE seconds have passed since the
 * claim. The grace is for a restarted database: every connection breaks
 * at once, the worker that claimed the rows is alive and saves what it
 * handed over as soon as the server is back (core/outbox.c), and another
 * host must not hand the same rows over again before it could.
 * pg_stat_activity lists every live server process to every role. A
 * pooler that switches server processes under a session (pgbouncer's
 * transaction mode) would defeat this: connect directly.
 */
#define STORE_CLAIM_GRACE "60"
#define STORE_CLAIMABLE_PG(now) "(claimed_by IS NULL OR claimed_by = pg_backend_pid() " \
	"OR (claimed_utc <= " now " - " STORE_CLAIM_GRACE " AND " \
	"claimed_by NOT IN (SELECT pid FROM pg_stat_activity)))"
/* STORE_CLAIMABLE_FROM_PG - when a row becomes claimable for this worker:
 * NULL while another live worker holds it */
#define STORE_CLAIMABLE_FROM_PG "(CASE WHEN claimed_by IS NULL OR claimed_by = " \
	"pg_backend_pid() THEN next_attempt_utc WHEN claimed_by NOT IN (SELECT pid " \
	"FROM pg_stat_activity) THEN greatest(next_attempt_utc, claimed_utc + " \
	STORE_CLAIM_GRACE ") END)"

/* Transactions: 0 or -1 (already logged with qid). */
int	store_begin(struct bz_store *st, const char *qid);
int	store_commit(struct bz_store *st, const char *qid);
void	store_rollback(struct bz_store *st);

/* Log the connection's last error: "what: the database's message". */
void	store_log_error(struct bz_store *st, const char *qid, const char *what);
struct bz_db_stmt *store_prepare(struct bz_store *st, const char *qid, const char *sql);
/* Step a statement expected to return no row, log on error, finalize:
 * 0 done, -1 failed. */
int	store_step_done(struct bz_store *st, struct bz_db_stmt *s, const char *qid,
	    const char *what);

/* Step an INSERT ... RETURNING id to its end and finalize it, keeping the
 * new row's id: 0, or -1 (logged as what). */
int	store_step_id(struct bz_store *st, struct bz_db_stmt *s, const char *qid,
	    const char *what, int64_t *id);

/* Bind helpers: NULL text binds SQL NULL. */
void	store_bind_text(struct bz_db_stmt *s, int i, const char *v);
/* Column as xstrdup'ed text or NULL. */
char	*store_column_dup(struct bz_db_stmt *s, int i);
/* Step s (prepared and bound) to its end and finalize it: the text values
 * of its column 0 (NULLs skipped) as an xmalloc'ed vector; an error is
 * logged as what and gives BZ_STORE_TEMPFAIL and no vector. */
enum bz_store_status store_column_strings(struct bz_store *st,
	    struct bz_db_stmt *s, const char *what, char ***values, size_t *n);

/* Chain (core/store_events.c), inside a held transaction. */
int	store_event_append_locked(struct bz_store *st, const char *qid,
	    int64_t at_utc, const char *kind, const char *folio, const char *detail);

/* The bytes of a message under their SHA-256 in spool_messages, in rows of
 * at most 1 MiB (core/store_message.c), unless that digest is there; the
 * caller holds the writers' lock (bz_db_begin_write): 1 written, 0 there
 * already, -1 (bz_db_errmsg). */
int	store_message_put(struct bz_db *db, const char *sha, const unsigned char *p,
	    size_t n, int64_t now);

/* Outbox (core/store_outbox.c): bz_store_outbox_enqueue inside a held
 * transaction; 0 or -1 (logged). */
int	store_outbox_enqueue_locked(struct bz_store *st, const char *qid,
	    const char *folio, const char *kind, const char *recipient,
	    const void *msg, size_t len, int64_t now);

#endif
