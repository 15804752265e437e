/*
 * db - one SQL connection, SQLite or PostgreSQL, behind one small interface
 *
 * The store and the modules that keep tables in its database (core/store*,
 * registration, notifications, the SMS queue) speak SQL through this
 * interface only, so the same statements and the same migrations run on
 * the embedded SQLite file (one host) and on a PostgreSQL server shared
 * by several MX hosts (issue 15). It follows SQLite's prepare/bind/step/
 * column model, which the code was written against, so porting a call is
 * a rename; the PostgreSQL backend (core/db_pg.c, libpq) runs the
 * statement at its first step and walks the rows of the result.
 *
 * Why our own layer and not a library: no Debian-packaged C library
 * abstracts SQLite and libpq with prepared statements (libdbi's drivers
 * lack bound parameters), and what we need is small.
 *
 * Portable SQL (what both backends accept):
 *  - placeholders are ? or ?NNN (numbered from 1), as in SQLite; the
 *    PostgreSQL backend rewrites them to $NNN outside string literals;
 *  - types: bind integers with bz_db_bind_int64 (sent as int8), text with
 *    bz_db_bind_text (sent as text), bytes with bz_db_bind_blob (bytea);
 *    a NULL has no type, so a parameter that may be NULL and is not
 *    compared with a column needs CAST(? AS TEXT) / CAST(? AS BIGINT);
 *  - new ids: INSERT ... RETURNING id (SQLite >= 3.35), never
 *    last_insert_rowid();
 *  - upserts: INSERT ... ON CONFLICT (cols) DO NOTHING / DO UPDATE;
 *  - no SQLite-only functions (max(a, b) scalar, instr, GLOB, json_extract,
 *    printf, hex, strftime) and no PostgreSQL-only ones: where a query
 *    must differ, choose its text with bz_db_kind();
 *  - a boolean result (x > 0) reads as 1/0 through bz_db_column_int64;
 *  - one statement per bz_db_prepare; bz_db_exec runs several (no
 *    parameters).
 *
 * Transactions: bz_db_begin_write() serialises writers across every
 * connection and every host (SQLite: BEGIN IMMEDIATE; PostgreSQL: BEGIN
 * and a transaction-scoped advisory lock), so code written for SQLite's
 * single writer - the folio counter, the hash chain's head, the
 * claim-then-mark steps - keeps its meaning on a shared server. Any error
 * inside a transaction means roll back (PostgreSQL refuses every further
 * statement of an aborted transaction).
 *
 * Connections are used by one thread at a time. A PostgreSQL connection
 * that broke (server restart, failover) is reset by the next
 * bz_db_begin_*, bz_db_exec or bz_db_prepare outside a transaction: the
 * failing call reports BZ_DB_ERROR (the caller answers 451) and a later
 * one reconnects by itself.
 */
#ifndef BUZON_DB_H
#define BUZON_DB_H

#include <stddef.h>
#include <stdint.h>

#include "buzon/buf.h"

struct bz_db;
struct bz_db_stmt;

enum bz_db_kind {
	BZ_DB_SQLITE,
	BZ_DB_PG
};

/* bz_db_step results */
enum {
	BZ_DB_ERROR = -1,	/* see bz_db_errmsg(); roll back */
	BZ_DB_DONE = 0,		/* no (more) rows */
	BZ_DB_ROW = 1		/* a row is ready for bz_db_column_* */
};

/* Column types as bz_db_column_type reports them. */
enum bz_db_type {
	BZ_DB_NULL,
	BZ_DB_INTEGER,
	BZ_DB_TEXT,
	BZ_DB_BLOB
};

#define BZ_DB_READONLY	0x1	/* open without write access */

/* 1 when target names a PostgreSQL database (postgresql:// or
 * postgres:// URI, or a libpq "key=value" string containing dbname=). */
int	bz_db_target_is_pg(const char *target);

/*
 * bz_db_open - a connection to target: a PostgreSQL URI, or a SQLite file
 * name (opened as is: the store creates the file and sets its pragmas).
 * NULL with err set on failure. The PostgreSQL password, if the URI holds
 * one, never appears in err or in bz_db_target().
 */
struct bz_db *bz_db_open(const char *target, int flags, struct bz_buf *err);
void	bz_db_close(struct bz_db *db);		/* NULL is fine */
enum bz_db_kind bz_db_kind(const struct bz_db *db);
/* The target as given, with any password replaced by "***" (for logs). */
const char *bz_db_target(const struct bz_db *db);

/* The last error of this connection, for logs (never NULL). */
const char *bz_db_errmsg(struct bz_db *db);
/* 1 when the last error was a lost or refused connection, a server
 * shutting down, a lock or serialisation conflict: worth retrying later. */
int	bz_db_error_transient(struct bz_db *db);

/* Several statements without parameters: 0, or -1 (bz_db_errmsg). */
int	bz_db_exec(struct bz_db *db, const char *sql);

/* Transactions: 0 or -1. begin_write serialises with every other writer
 * (see above); begin_read gives one consistent snapshot for several
 * SELECTs. rollback is a no-op outside a transaction. */
int	bz_db_begin_write(struct bz_db *db);
int	bz_db_begin_read(struct bz_db *db);
int	bz_db_commit(struct bz_db *db);
void	bz_db_rollback(struct bz_db *db);
int	bz_db_in_transaction(struct bz_db *db);

/* Rows changed by the last INSERT/UPDATE/DELETE stepped to its end. */
int64_t	bz_db_changes(struct bz_db *db);

/* The schema version (SQLite: PRAGMA user_version; PostgreSQL: the one
 * row of table buzon_schema_version, 0 when it does not exist yet): -1
 * on error. set: inside the migration's transaction. */
int	bz_db_user_version(struct bz_db *db);
int	bz_db_set_user_version(struct bz_db *db, int version);

/* A migration written in SQLite's DDL, as this backend runs it: SQLite
 * verbatim; PostgreSQL with INTEGER PRIMARY KEY [AUTOINCREMENT] made a
 * BIGINT identity, INTEGER made BIGINT, BLOB made BYTEA. xmalloc'ed. */
char	*bz_db_ddl(const struct bz_db *db, const char *sqlite_ddl);

/* Statements. prepare: NULL on error (bz_db_errmsg). */
struct bz_db_stmt *bz_db_prepare(struct bz_db *db, const char *sql);
/* Binds: i from 1. text is copied (NULL binds SQL NULL); blob is NOT
 * copied: it must stay valid until the statement is finalized. */
void	bz_db_bind_int64(struct bz_db_stmt *s, int i, int64_t v);
void	bz_db_bind_text(struct bz_db_stmt *s, int i, const char *v);
void	bz_db_bind_blob(struct bz_db_stmt *s, int i, const void *p, size_t n);
void	bz_db_bind_null(struct bz_db_stmt *s, int i);
/* BZ_DB_ROW, BZ_DB_DONE or BZ_DB_ERROR. */
int	bz_db_step(struct bz_db_stmt *s);
/* Columns of the current row, i from 0. Text and blob pointers stay valid
 * until the next step or finalize. int64 of NULL is 0, text of NULL is
 * NULL; column_blob of an empty value may be NULL (check bytes). */
int	bz_db_column_count(struct bz_db_stmt *s);
const char *bz_db_column_name(struct bz_db_stmt *s, int i);
enum bz_db_type bz_db_column_type(struct bz_db_stmt *s, int i);
int64_t	bz_db_column_int64(struct bz_db_stmt *s, int i);
const char *bz_db_column_text(struct bz_db_stmt *s, int i);
const void *bz_db_column_blob(struct bz_db_stmt *s, int i);
size_t	bz_db_column_bytes(struct bz_db_stmt *s, int i);
void	bz_db_finalize(struct bz_db_stmt *s);	/* NULL is fine */

/* The SQLite handle for what only SQLite has (pragmas, busy timeout, the
 * online backup API); NULL for PostgreSQL. */
struct sqlite3 *bz_db_sqlite(struct bz_db *db);

#endif
