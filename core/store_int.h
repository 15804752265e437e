/*
 * store_int - what the store's own files share (not a public interface)
 *
 * struct bz_store is one database connection (include/buzon/db.h). The helpers that wrap its
 * transactions and error reporting, which the modules keeping tables in
 * the same database use too, are in include/buzon/store_sql.h.
 */
#ifndef BUZON_STORE_INT_H
#define BUZON_STORE_INT_H

#include <stdint.h>

#include "buzon/buf.h"
#include "buzon/store.h"
#include "buzon/store_sql.h"

struct bz_store {
	struct bz_db	*db;
	char		*path;
	int		 flags;
	int		 busy_timeout_ms;
};

/* fsync the directory holding path, best effort (a new file's name). */
void	store_fsync_parent(const char *path);

/* Migrations (core/store_schema.c). */
int	store_schema_version(struct bz_db *db);
int	store_schema_migrate(struct bz_db *db, int target, struct bz_buf *err);

/* Steps 1-2 of a record (core/store_submission.c) inside a transaction
 * the caller holds: 0, or -1 (the caller rolls back). */
int	store_record_in_tx(struct bz_store *st, const struct bz_submission *in,
	    bz_store_render_fn render, void *arg, const struct bz_record_opts *opts,
	    struct bz_submission_out *out);

/* The bytes a "db:" spool_path names, into spool_messages inside the
 * record's transaction (core/store_message.c): 0, or -1 (logged). */
int	store_message_put_locked(struct bz_store *st, const struct bz_submission *in,
	    int64_t now);

/* The pending row of a deferred acuse, inside the record's transaction
 * (core/store_pending.c); hex: its digest, sealed by the event. */
int	store_pending_insert(struct bz_store *st, const char *qid,
	    const char *folio, const struct bz_outmail *mail, int reply,
	    int64_t now, char hex[65]);

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

#endif
