/*
 * store - opening the database, connection pool, transactions, folios
 *
 * See include/buzon/store.h for the interface and the threading rule.
 * Submissions are in core/store_submission.c, the event chain in
 * core/store_events.c, the outbox rows in core/store_outbox.c, the schema
 * in core/store_schema.c.
 *
 * Opening a SQLite file: it is created here with open(O_CREAT, 0600)
 * before SQLite sees it, so personal data is never readable by others
 * whatever the process umask; SQLite creates -wal and -shm with the mode
 * of the database file. Then: busy_timeout, journal_mode=WAL,
 * synchronous=FULL, foreign_keys=ON, schema check and migration.
 */
#include "build-aux/config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buzon/buf.h"
#include "buzon/config.h"
#include "buzon/db.h"
#include "buzon/log.h"
#include "buzon/store.h"
#include "buzon/xalloc.h"
#include "store_int.h"

/* store_fsync_parent - make a new file's directory entry durable (best
 * effort; also the backup's new name, core/store_backup.c) */
void
store_fsync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? xstrdup(".") : slash == path ? xstrdup("/") :
	    xstrndup(path, (size_t)(slash - path));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

/* create_private - make sure the database file exists with mode 0600 */
static int
create_private(const char *path, struct bz_buf *err)
{
	struct stat sb;
	int fd;

	if (stat(path, &sb) == 0) {
		if ((sb.st_mode & 077) != 0)
			bz_log(BZ_LOG_WARNING, NULL, "database %s is accessible by group "
			    "or others (mode %04o); it holds personal data", path,
			    (unsigned)(sb.st_mode & 07777));
		return 0;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		if (errno == EEXIST)
			return 0;
		bz_buf_printf(err, "cannot create database %s: %s", path, strerror(errno));
		return -1;
	}
	/* The umask may have removed bits but never added any; be explicit. */
	if (fchmod(fd, 0600) < 0 || fsync(fd) < 0) {
		bz_buf_printf(err, "cannot create database %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	store_fsync_parent(path);
	return 0;
}

/* pragma - run one PRAGMA, reporting failure into err */
static int
pragma(struct bz_db *db, const char *sql, struct bz_buf *err)
{
	if (bz_db_exec(db, sql) != 0) {
		bz_buf_printf(err, "database %s: %s: %s", bz_db_target(db), sql,
		    bz_db_errmsg(db));
		return -1;
	}
	return 0;
}

/*
 * set_wal - switch to write-ahead logging, or refuse the database
 *
 * SQLite answers the mode in force rather than failing when it cannot
 * change it (an in-memory database, a VFS without shared memory): the
 * store would then run without the durability it promises, so anything
 * but "wal" is an error.
 */
static int
set_wal(struct bz_db *db, struct bz_buf *err)
{
	struct bz_db_stmt *s;
	const char *mode;
	int r = -1;

	if ((s = bz_db_prepare(db, "PRAGMA journal_mode = WAL")) == NULL ||
	    bz_db_step(s) != BZ_DB_ROW) {
		bz_buf_printf(err, "database %s: PRAGMA journal_mode = WAL: %s",
		    bz_db_target(db), bz_db_errmsg(db));
	} else if ((mode = bz_db_column_text(s, 0)) == NULL ||
	    strcasecmp(mode, "wal") != 0) {
		bz_buf_printf(err, "database %s: journal mode stays \"%s\", not wal "
		    "(it needs a local file system with shared memory): refusing it",
		    bz_db_target(db), mode ? mode : "");
	} else
		r = 0;
	bz_db_finalize(s);
	return r;
}

/* open_sqlite - the file (created 0600) with WAL, synchronous=FULL,
 * foreign keys and the busy timeout */
static struct bz_db *
open_sqlite(const char *path, int busy_timeout_ms, int flags, struct bz_buf *err)
{
	struct bz_db *db;

	if (!(flags & BZ_STORE_READONLY) && create_private(path, err) < 0)
		return NULL;
	if ((db = bz_db_open(path, (flags & BZ_STORE_READONLY) ? BZ_DB_READONLY : 0,
	    err)) == NULL)
		return NULL;
	sqlite3_busy_timeout(bz_db_sqlite(db), busy_timeout_ms);
	if ((!(flags & BZ_STORE_READONLY) && set_wal(db, err) < 0) ||
	    pragma(db, "PRAGMA synchronous = FULL", err) < 0 ||
	    pragma(db, "PRAGMA foreign_keys = ON", err) < 0) {
		bz_db_close(db);
		return NULL;
	}
	return db;
}

/* bz_store_open - open (create, migrate) the database: a SQLite file or a
 * PostgreSQL URI (include/buzon/db.h) */
struct bz_store *
bz_store_open(const char *path, int busy_timeout_ms, int flags, struct bz_buf *err)
{
	struct bz_store *st;
	struct bz_db *db;
	int version;

	if (path == NULL || *path == '\0')
		bz_panic("bz_store_open: no path");
	if (bz_db_target_is_pg(path))
		db = bz_db_open(path, (flags & BZ_STORE_READONLY) ? BZ_DB_READONLY : 0,
		    err);
	else
		db = open_sqlite(path, busy_timeout_ms, flags, err);
	if (db == NULL)
		return NULL;
	if ((version = store_schema_version(db)) < 0) {
		bz_buf_printf(err, "database %s: cannot read schema version: %s",
		    bz_db_target(db), bz_db_errmsg(db));
		goto fail;
	}
	if (version > BZ_STORE_SCHEMA_VERSION) {
		bz_buf_printf(err, "database %s has schema version %d, newer than this "
		    "buzon-milter understands (%d): refusing to open it; install the "
		    "newer buzon-milter that wrote it", bz_db_target(db), version,
		    BZ_STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (version < BZ_STORE_SCHEMA_VERSION) {
		if (flags & BZ_STORE_READONLY) {
			bz_buf_printf(err, "database %s has schema version %d, older than "
			    "%d: start buzon-milter once to migrate it", bz_db_target(db),
			    version, BZ_STORE_SCHEMA_VERSION);
			goto fail;
		}
		if (store_schema_migrate(db, BZ_STORE_SCHEMA_VERSION, err) < 0)
			goto fail;
		if (version > 0)
			bz_log(BZ_LOG_NOTICE, NULL, "database %s migrated from schema "
			    "version %d to %d", bz_db_target(db), version,
			    BZ_STORE_SCHEMA_VERSION);
	}
	st = xcalloc(1, sizeof(*st));
	st->db = db;
	st->path = xstrdup(path);
	st->flags = flags;
	st->busy_timeout_ms = busy_timeout_ms;
	return st;
fail:
	bz_db_close(db);
	return NULL;
}

/* bz_store_open_config - open `Database` with `DatabaseBusyTimeout` */
struct bz_store *
bz_store_open_config(const struct bz_config *cfg, int flags, struct bz_buf *err)
{
	return bz_store_open(bz_config_str(cfg, BZ_KEY_Database),
	    (int)bz_config_num(cfg, BZ_KEY_DatabaseBusyTimeout), flags, err);
}

/* bz_store_close - close the connection (NULL is fine) */
void
bz_store_close(struct bz_store *st)
{
	if (st == NULL)
		return;
	bz_db_close(st->db);
	free(st->path);
	free(st);
}

/* bz_store_path - the database as named for logs (a PostgreSQL URI's
 * password masked) */
const char *
bz_store_path(const struct bz_store *st)
{
	return bz_db_target(st->db);
}

/* bz_store_schema_version - the schema version of the open database */
int
bz_store_schema_version(struct bz_store *st)
{
	return store_schema_version(st->db);
}

/* store_log_error - one log line naming the operation and the reason */
void
store_log_error(struct bz_store *st, const char *qid, const char *what)
{
	bz_log(BZ_LOG_ERR, qid, "database %s: %s: %s", bz_db_target(st->db), what,
	    bz_db_errmsg(st->db));
}

/* store_prepare - prepare or log; NULL on failure */
struct bz_db_stmt *
store_prepare(struct bz_store *st, const char *qid, const char *sql)
{
	struct bz_db_stmt *s;

	if ((s = bz_db_prepare(st->db, sql)) == NULL)
		store_log_error(st, qid, "prepare");
	return s;
}

/* store_begin - the write lock now (SQLite: BEGIN IMMEDIATE, waiting up
 * to the busy timeout; PostgreSQL: the store's advisory lock) */
int
store_begin(struct bz_store *st, const char *qid)
{
	if (bz_db_begin_write(st->db) != 0) {
		store_log_error(st, qid, "begin transaction");
		return -1;
	}
	return 0;
}

/* store_commit - COMMIT, or roll back and fail */
int
store_commit(struct bz_store *st, const char *qid)
{
	if (bz_db_commit(st->db) != 0) {
		store_log_error(st, qid, "commit");
		store_rollback(st);
		return -1;
	}
	return 0;
}

/* store_rollback - ROLLBACK if the database has not already done it */
void
store_rollback(struct bz_store *st)
{
	bz_db_rollback(st->db);
}

/* store_step_done - run a statement expected to return no row, then finalize */
int
store_step_done(struct bz_store *st, struct bz_db_stmt *s, const char *qid, const char *what)
{
	int rc = bz_db_step(s);

	/* Log before finalizing: the message belongs to this step. */
	if (rc != BZ_DB_DONE)
		store_log_error(st, qid, what);
	bz_db_finalize(s);
	return rc == BZ_DB_DONE ? 0 : -1;
}

/* store_step_id - run an INSERT ... RETURNING id, keep the id, finalize:
 * 0 done, -1 failed (the portable form of last_insert_rowid) */
int
store_step_id(struct bz_store *st, struct bz_db_stmt *s, const char *qid,
    const char *what, int64_t *id)
{
	int rc = bz_db_step(s);

	if (rc == BZ_DB_ROW) {
		*id = bz_db_column_int64(s, 0);
		rc = bz_db_step(s);
	} else if (rc == BZ_DB_DONE)
		rc = BZ_DB_ERROR;	/* no row: not an INSERT ... RETURNING */
	if (rc != BZ_DB_DONE)
		store_log_error(st, qid, what);
	bz_db_finalize(s);
	return rc == BZ_DB_DONE ? 0 : -1;
}

/* store_bind_text - bind a copy of v, or NULL */
void
store_bind_text(struct bz_db_stmt *s, int i, const char *v)
{
	bz_db_bind_text(s, i, v);
}

/* store_column_dup - text column as an owned string, NULL for SQL NULL */
char *
store_column_dup(struct bz_db_stmt *s, int i)
{
	const char *t = bz_db_column_text(s, i);

	return t ? xstrdup(t) : NULL;
}

/* store_db - the connection, for the modules with tables in the database */
struct bz_db *
store_db(struct bz_store *st)
{
	return st->db;
}

/* store_column_strings - the text values of column 0 of a prepared
 * query, NULLs skipped; s finalized */
enum bz_store_status
store_column_strings(struct bz_store *st, struct bz_db_stmt *s, const char *what,
    char ***values, size_t *n)
{
	char **v = NULL;
	size_t k = 0;
	int rc;

	*values = NULL;
	*n = 0;
	while ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		if (bz_db_column_type(s, 0) != BZ_DB_TEXT)
			continue;
		v = xrealloc(v, (k + 1) * sizeof(*v));
		v[k++] = store_column_dup(s, 0);
	}
	bz_db_finalize(s);
	if (rc != BZ_DB_DONE) {
		store_log_error(st, NULL, what);
		for (size_t i = 0; i < k; i++)
			free(v[i]);
		free(v);
		return BZ_STORE_TEMPFAIL;
	}
	*values = v;
	*n = k;
	return BZ_STORE_OK;
}

/* bz_folio_format - "BZ-YYYY-NNNNNNNN" */
void
bz_folio_format(int year, int64_t seq, char out[BZ_FOLIO_LEN])
{
	if (year < 1000 || year > 9999 || seq < 1 || seq > 99999999)
		bz_panic("bz_folio_format: year %d seq %lld out of range", year,
		    (long long)seq);
	snprintf(out, BZ_FOLIO_LEN, "BZ-%04d-%08lld", year, (long long)seq);
}

/* bz_folio_parse - inverse of bz_folio_format; strict */
int
bz_folio_parse(const char *s, int *year, int64_t *seq)
{
	int y = 0;
	int64_t n = 0;

	if (s == NULL || strlen(s) != 16 || strncmp(s, "BZ-", 3) != 0 || s[7] != '-')
		return -1;
	for (int i = 3; i < 7; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		y = y * 10 + (s[i] - '0');
	}
	for (int i = 8; i < 16; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (s[i] - '0');
	}
	if (y < 1000 || n < 1)
		return -1;
	*year = y;
	*seq = n;
	return 0;
}

/* ---- connection pool ---- */

struct bz_store_pool {
	pthread_mutex_t	 lock;
	char		*path;
	int		 busy_timeout_ms;
	size_t		 max_idle;
	struct bz_store	**idle;
	size_t		 nidle;
	struct store_committer *committer;	/* group commit of records */
};

/* bz_store_pool_new - open and migrate once; keep that connection idle */
struct bz_store_pool *
bz_store_pool_new(const char *path, int busy_timeout_ms, size_t max_idle,
    struct bz_buf *err)
{
	struct bz_store_pool *pool;
	struct bz_store *st;

	if ((st = bz_store_open(path, busy_timeout_ms, 0, err)) == NULL)
		return NULL;
	pool = xcalloc(1, sizeof(*pool));
	if ((pool->committer = store_committer_start(path, busy_timeout_ms, err)) == NULL) {
		bz_store_close(st);
		free(pool);
		return NULL;
	}
	pthread_mutex_init(&pool->lock, NULL);
	pool->path = xstrdup(path);
	pool->busy_timeout_ms = busy_timeout_ms;
	pool->max_idle = max_idle ? max_idle : 1;
	pool->idle = xcalloc(pool->max_idle, sizeof(*pool->idle));
	pool->idle[pool->nidle++] = st;
	return pool;
}

/* bz_store_pool_get - an idle connection, else a new one */
struct bz_store *
bz_store_pool_get(struct bz_store_pool *pool)
{
	struct bz_store *st = NULL;
	struct bz_buf err = BZ_BUF_INIT;

	pthread_mutex_lock(&pool->lock);
	if (pool->nidle > 0)
		st = pool->idle[--pool->nidle];
	pthread_mutex_unlock(&pool->lock);
	if (st != NULL)
		return st;
	if ((st = bz_store_open(pool->path, pool->busy_timeout_ms, 0, &err)) == NULL)
		bz_log(BZ_LOG_ERR, NULL, "%s", bz_buf_str(&err));
	bz_buf_free(&err);
	return st;
}

/* bz_store_pool_put - give a connection back; close it if enough are idle */
void
bz_store_pool_put(struct bz_store_pool *pool, struct bz_store *st)
{
	if (st == NULL)
		return;
	/* A caller that bailed out mid-transaction must not poison the next. */
	store_rollback(st);
	pthread_mutex_lock(&pool->lock);
	if (pool->nidle < pool->max_idle) {
		pool->idle[pool->nidle++] = st;
		st = NULL;
	}
	pthread_mutex_unlock(&pool->lock);
	bz_store_close(st);
}

/* bz_store_pool_record - record through the pool's group committer */
enum bz_store_status
bz_store_pool_record(struct bz_store_pool *pool, const struct bz_submission *in,
    bz_store_render_fn render, void *arg, const struct bz_record_opts *opts,
    struct bz_submission_out *out)
{
	return store_committer_record(pool->committer, in, render, arg, opts, out);
}

/* bz_store_pool_stats - how well the group commit batched */
void
bz_store_pool_stats(struct bz_store_pool *pool, uint64_t *records,
    uint64_t *transactions)
{
	store_committer_stats(pool->committer, records, transactions);
}

/* bz_store_pool_free - close every idle connection (all must be put back) */
void
bz_store_pool_free(struct bz_store_pool *pool)
{
	if (pool == NULL)
		return;
	store_committer_stop(pool->committer);
	for (size_t i = 0; i < pool->nidle; i++)
		bz_store_close(pool->idle[i]);
	pthread_mutex_destroy(&pool->lock);
	free(pool->idle);
	free(pool->path);
	free(pool);
}
