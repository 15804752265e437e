/*
 * store_int - what the store's own files share (not a public interface)
 *
 * struct bz_store is one SQLite connection. The helpers here wrap
 * transactions and error reporting so every writer rolls back the same
 * way; store_event_append_locked() appends to the hash chain inside a
 * transaction the caller already holds.
 */
#ifndef BUZON_STORE_INT_H
#define BUZON_STORE_INT_H

#include <sqlite3.h>
#include <stdint.h>

#include "buzon/buf.h"
#include "buzon/store.h"

struct bz_store {
	sqlite3		*db;
	char		*path;
	int		 flags;
	int		 busy_timeout_ms;
};

/* fsync the directory holding path, best effort (a new file's name). */
void	store_fsync_parent(const char *path);

/* Migrations (core/store_schema.c). */
int	store_schema_version(sqlite3 *db);
int	store_schema_migrate(sqlite3 *db, int target, struct bz_buf *err);

/* Transactions: 0 or -1 (already logged with qid). */
int	store_begin(struct bz_store *st, const char *qid);
int	store_commit(struct bz_store *st, const char *qid);
void	store_rollback(struct bz_store *st);

/* Log the connection's last error: "what: sqlite message". */
void	store_log_error(struct bz_store *st, const char *qid, const char *what);
sqlite3_stmt *store_prepare(struct bz_store *st, const char *qid, const char *sql);
/* Step a statement expected to return no row, log on error, finalize:
 * 0 done, -1 failed. */
int	store_step_done(struct bz_store *st, sqlite3_stmt *s, const char *qid,
	    const char *what);

/* Bind helpers: NULL text binds SQL NULL. */
void	store_bind_text(sqlite3_stmt *s, int i, const char *v);
/* Column as xstrdup'ed text or NULL. */
char	*store_column_dup(sqlite3_stmt *s, int i);
/* Step s (prepared and bound) to its end and finalize it: the text values
 * of its column 0 (NULLs skipped) as an xmalloc'ed vector; an error is
 * logged as what and gives BZ_STORE_TEMPFAIL and no vector. */
enum bz_store_status store_column_strings(struct bz_store *st,
	    sqlite3_stmt *s, const char *what, char ***values, size_t *n);

/* Steps 1-2 of a record (core/store_submission.c) inside a transaction
 * the caller holds: 0, or -1 (the caller rolls back). */
int	store_record_in_tx(struct bz_store *st, const struct bz_submission *in,
	    bz_store_render_fn render, void *arg, const struct bz_record_opts *opts,
	    struct bz_submission_out *out);

/* The pool's group committer (core/store_commit.c). */
struct store_committer;
struct store_committer *store_committer_start(const char *path, int busy_timeout_ms,
	    struct bz_buf *err);
enum bz_store_status store_committer_record(struct store_committer *c,
	    const struct bz_submission *in, bz_store_render_fn render, void *arg,
	    const struct bz_record_opts *opts, struct bz_submission_out *out);
void	store_committer_stats(struct store_committer *c, uint64_t *records,
	    uint64_t *transactions);
void	store_committer_stop(struct store_committer *c);

/* Chain (core/store_events.c), inside a held transaction. */
int	store_event_append_locked(struct bz_store *st, const char *qid,
	    int64_t at_utc, const char *kind, const char *folio, const char *detail);

/* Outbox (core/store_outbox.c): bz_store_outbox_enqueue inside a held
 * transaction; 0 or -1 (logged). */
int	store_outbox_enqueue_locked(struct bz_store *st, const char *qid,
	    const char *folio, const char *kind, const char *recipient,
	    const void *msg, size_t len, int64_t now);

#endif
