/*
 * db_sqlite - the SQLite backend of include/buzon/db.h
 *
 * A thin pass-through: the interface follows SQLite's own model. The
 * store (core/store.c) creates the file with mode 0600 and sets the
 * pragmas (WAL, synchronous=FULL, foreign keys, busy timeout) through
 * bz_db_sqlite(); here the file is only opened.
 */
#include "build-aux/config.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/db.h"
#include "buzon/log.h"
#include "buzon/xalloc.h"
#include "db_int.h"

#define LITE(db)	((sqlite3 *)(db)->impl)
#define STMT(s)		((sqlite3_stmt *)(s)->impl)

/* lite_error - copy SQLite's message; busy and locked may pass */
static void
lite_error(struct bz_db *db, const char *what)
{
	int code = sqlite3_extended_errcode(LITE(db));
	int prim = code & 0xff;

	db_set_error(db, prim == SQLITE_BUSY || prim == SQLITE_LOCKED, "%s%s%s (%d)",
	    what ? what : "", what ? ": " : "", sqlite3_errmsg(LITE(db)), code);
}

int
db_sqlite_open(struct bz_db *db, const char *path, int flags)
{
	sqlite3 *h = NULL;
	/* The store creates its file first (mode 0600, core/store.c); CREATE
	 * is for the tools and tests that open a new file directly. */
	int oflags = (flags & BZ_DB_READONLY) ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

	/* NOMUTEX: one thread at a time per connection, as the store does. */
	if (sqlite3_open_v2(path, &h, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		db_set_error(db, 0, "%s", h ? sqlite3_errmsg(h) : "out of memory");
		sqlite3_close(h);
		return -1;
	}
	sqlite3_extended_result_codes(h, 1);
	db->impl = h;
	return 0;
}

struct sqlite3 *
bz_db_sqlite(struct bz_db *db)
{
	return db->kind == BZ_DB_SQLITE ? LITE(db) : NULL;
}

static void
lite_close(struct bz_db *db)
{
	if (sqlite3_close(LITE(db)) != SQLITE_OK)
		bz_panic("bz_db_close: statements left open on %s", db->target);
}

static int
lite_exec(struct bz_db *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(LITE(db), sql, NULL, NULL, &msg) != SQLITE_OK) {
		if (msg != NULL) {
			int code = sqlite3_extended_errcode(LITE(db));

			db_set_error(db, (code & 0xff) == SQLITE_BUSY ||
			    (code & 0xff) == SQLITE_LOCKED, "%s (%d)", msg, code);
			sqlite3_free(msg);
		} else
			lite_error(db, NULL);
		return -1;
	}
	return 0;
}

static int lite_begin_write(struct bz_db *db) { return lite_exec(db, "BEGIN IMMEDIATE"); }
static int lite_begin_read(struct bz_db *db) { return lite_exec(db, "BEGIN"); }
static int lite_commit(struct bz_db *db) { return lite_exec(db, "COMMIT"); }
static int lite_in_transaction(struct bz_db *db) { return !sqlite3_get_autocommit(LITE(db)); }

static void
lite_rollback(struct bz_db *db)
{
	/* SQLite may have rolled back by itself (an I/O error, SQLITE_FULL). */
	if (!sqlite3_get_autocommit(LITE(db)))
		sqlite3_exec(LITE(db), "ROLLBACK", NULL, NULL, NULL);
}

static int
lite_user_version(struct bz_db *db)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(LITE(db), "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK) {
		lite_error(db, "PRAGMA user_version");
		return -1;
	}
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	else
		lite_error(db, "PRAGMA user_version");
	sqlite3_finalize(s);
	return v;
}

static int
lite_set_user_version(struct bz_db *db, int version)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version);
	return lite_exec(db, sql);
}

static char *
lite_ddl(const char *ddl)
{
	return xstrdup(ddl);
}

static void *
lite_prepare(struct bz_db *db, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(LITE(db), sql, -1, &s, NULL) != SQLITE_OK) {
		lite_error(db, "prepare");
		return NULL;
	}
	return s;
}

static void lite_bind_int64(struct bz_db_stmt *s, int i, int64_t v) { sqlite3_bind_int64(STMT(s), i, v); }
static void lite_bind_null(struct bz_db_stmt *s, int i) { sqlite3_bind_null(STMT(s), i); }

static void
lite_bind_text(struct bz_db_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(STMT(s), i, v, -1, SQLITE_TRANSIENT);
}

static void
lite_bind_blob(struct bz_db_stmt *s, int i, const void *p, size_t n)
{
	/* A zero-length blob is an empty value, not NULL: SQLite needs a
	 * non-NULL pointer for that. */
	sqlite3_bind_blob64(STMT(s), i, p ? p : "", n, SQLITE_STATIC);
}

static int
lite_step(struct bz_db_stmt *s)
{
	int rc = sqlite3_step(STMT(s));

	if (rc == SQLITE_ROW)
		return BZ_DB_ROW;
	if (rc == SQLITE_DONE) {
		s->db->changes = sqlite3_changes(LITE(s->db));
		return BZ_DB_DONE;
	}
	lite_error(s->db, NULL);
	return BZ_DB_ERROR;
}

static int lite_column_count(struct bz_db_stmt *s) { return sqlite3_column_count(STMT(s)); }
static const char *lite_column_name(struct bz_db_stmt *s, int i) { return sqlite3_column_name(STMT(s), i); }

static enum bz_db_type
lite_column_type(struct bz_db_stmt *s, int i)
{
	switch (sqlite3_column_type(STMT(s), i)) {
	case SQLITE_NULL:	return BZ_DB_NULL;
	case SQLITE_INTEGER:	return BZ_DB_INTEGER;
	case SQLITE_BLOB:	return BZ_DB_BLOB;
	default:		return BZ_DB_TEXT;	/* FLOAT never stored */
	}
}

static int64_t lite_column_int64(struct bz_db_stmt *s, int i) { return sqlite3_column_int64(STMT(s), i); }

static const char *
lite_column_text(struct bz_db_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(STMT(s), i);
}

static const void *lite_column_blob(struct bz_db_stmt *s, int i) { return sqlite3_column_blob(STMT(s), i); }

static size_t
lite_column_bytes(struct bz_db_stmt *s, int i)
{
	return (size_t)sqlite3_column_bytes(STMT(s), i);
}

static void lite_finalize(struct bz_db_stmt *s) { sqlite3_finalize(STMT(s)); }

const struct db_ops db_sqlite_ops = {
	.close = lite_close,
	.exec = lite_exec,
	.begin_write = lite_begin_write,
	.begin_read = lite_begin_read,
	.commit = lite_commit,
	.rollback = lite_rollback,
	.in_transaction = lite_in_transaction,
	.user_version = lite_user_version,
	.set_user_version = lite_set_user_version,
	.ddl = lite_ddl,
	.prepare = lite_prepare,
	.bind_int64 = lite_bind_int64,
	.bind_text = lite_bind_text,
	.bind_blob = lite_bind_blob,
	.bind_null = lite_bind_null,
	.step = lite_step,
	.column_count = lite_column_count,
	.column_name = lite_column_name,
	.column_type = lite_column_type,
	.column_int64 = lite_column_int64,
	.column_text = lite_column_text,
	.column_blob = lite_column_blob,
	.column_bytes = lite_column_bytes,
	.finalize = lite_finalize,
};
