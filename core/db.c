/*
 * db - the public side of include/buzon/db.h: open by target, dispatch
 *
 * The backends (core/db_sqlite.c, core/db_pg.c) do the work; this file
 * chooses one from the target's form and masks a password before the
 * target is ever logged.
 */
#include "build-aux/config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/db.h"
#include "buzon/log.h"
#include "buzon/xalloc.h"
#include "db_int.h"

/* bz_db_target_is_pg - a libpq URI, or a key=value string naming dbname */
int
bz_db_target_is_pg(const char *target)
{
	if (target == NULL)
		return 0;
	if (strncmp(target, "postgresql://", 13) == 0 ||
	    strncmp(target, "postgres://", 11) == 0)
		return 1;
	return strncmp(target, "dbname=", 7) == 0 || strstr(target, " dbname=") != NULL;
}

/* mask_password - the target with the password of a URI's userinfo (or a
 * password= word) replaced by *** */
static char *
mask_password(const char *target)
{
	struct bz_buf b = BZ_BUF_INIT;
	const char *p, *at, *colon, *end;

	if ((p = strstr(target, "://")) != NULL) {
		p += 3;
		end = p + strcspn(p, "/?");
		at = memchr(p, '@', (size_t)(end - p));
		colon = at ? memchr(p, ':', (size_t)(at - p)) : NULL;
		if (colon != NULL) {
			bz_buf_append(&b, target, (size_t)(colon - target) + 1);
			bz_buf_puts(&b, "***");
			bz_buf_puts(&b, at);
		} else
			bz_buf_puts(&b, target);
		/* ...?password=... in the query string */
		p = bz_buf_str(&b);
	} else
		bz_buf_puts(&b, target);
	if ((p = strstr(bz_buf_str(&b), "password=")) != NULL) {
		size_t off = (size_t)(p - bz_buf_str(&b)) + 9;
		size_t len = strcspn(bz_buf_str(&b) + off, " &");
		struct bz_buf m = BZ_BUF_INIT;

		bz_buf_append(&m, bz_buf_str(&b), off);
		bz_buf_puts(&m, "***");
		bz_buf_puts(&m, bz_buf_str(&b) + off + len);
		bz_buf_free(&b);
		b = m;
	}
	return bz_buf_steal(&b);
}

/* db_set_error - keep the last error of the connection */
void
db_set_error(struct bz_db *db, int transient, const char *fmt, ...)
{
	va_list ap;

	bz_buf_reset(&db->err);
	va_start(ap, fmt);
	bz_buf_vprintf(&db->err, fmt, ap);
	va_end(ap);
	/* libpq ends its messages with a newline and continues some on a
	 * tab-indented line ("...failed: No such file or directory\n\tIs
	 * the server running..."): a log line should be one line. */
	while (db->err.len > 0 && (db->err.data[db->err.len - 1] == '\n' ||
	    db->err.data[db->err.len - 1] == ' '))
		db->err.data[--db->err.len] = '\0';
	for (size_t i = 0, j = 0; db->err.data != NULL && i <= db->err.len; i++) {
		if (db->err.data[i] == '\n' || db->err.data[i] == '\t') {
			if (j == 0 || db->err.data[j - 1] != ' ')
				db->err.data[j++] = ' ';
		} else if (i == db->err.len) {
			db->err.data[j] = '\0';
			db->err.len = j;
		} else
			db->err.data[j++] = db->err.data[i];
	}
	db->transient = transient;
}

/* bz_db_open - a connection of the kind the target names */
struct bz_db *
bz_db_open(const char *target, int flags, struct bz_buf *err)
{
	struct bz_db *db;
	int r;

	if (target == NULL || *target == '\0')
		bz_panic("bz_db_open: no target");
	db = xcalloc(1, sizeof(*db));
	db->target = mask_password(target);
	if (bz_db_target_is_pg(target)) {
		db->kind = BZ_DB_PG;
		db->ops = &db_pg_ops;
		r = db_pg_open(db, target, flags);
	} else {
		db->kind = BZ_DB_SQLITE;
		db->ops = &db_sqlite_ops;
		r = db_sqlite_open(db, target, flags);
	}
	if (r < 0) {
		bz_buf_printf(err, "cannot open database %s: %s", db->target,
		    bz_buf_str(&db->err));
		bz_buf_free(&db->err);
		free(db->target);
		free(db);
		return NULL;
	}
	return db;
}

void
bz_db_close(struct bz_db *db)
{
	if (db == NULL)
		return;
	db->ops->close(db);
	bz_buf_free(&db->err);
	free(db->target);
	free(db);
}

enum bz_db_kind bz_db_kind(const struct bz_db *db) { return db->kind; }
const char *bz_db_target(const struct bz_db *db) { return db->target; }
const char *bz_db_errmsg(struct bz_db *db) { return bz_buf_str(&db->err); }
int bz_db_error_transient(struct bz_db *db) { return db->transient; }
int bz_db_exec(struct bz_db *db, const char *sql) { return db->ops->exec(db, sql); }
int bz_db_begin_write(struct bz_db *db) { return db->ops->begin_write(db); }
int bz_db_begin_read(struct bz_db *db) { return db->ops->begin_read(db); }
int bz_db_commit(struct bz_db *db) { return db->ops->commit(db); }
void bz_db_rollback(struct bz_db *db) { db->ops->rollback(db); }
int bz_db_in_transaction(struct bz_db *db) { return db->ops->in_transaction(db); }
int64_t bz_db_changes(struct bz_db *db) { return db->changes; }
int bz_db_user_version(struct bz_db *db) { return db->ops->user_version(db); }

int
bz_db_set_user_version(struct bz_db *db, int version)
{
	return db->ops->set_user_version(db, version);
}

char *
bz_db_ddl(const struct bz_db *db, const char *sqlite_ddl)
{
	return db->ops->ddl(sqlite_ddl);
}

/* bz_db_prepare - a statement, or NULL (the connection's error says why) */
struct bz_db_stmt *
bz_db_prepare(struct bz_db *db, const char *sql)
{
	struct bz_db_stmt *s;
	void *impl;

	if ((impl = db->ops->prepare(db, sql)) == NULL)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->db = db;
	s->impl = impl;
	return s;
}

void bz_db_bind_int64(struct bz_db_stmt *s, int i, int64_t v) { s->db->ops->bind_int64(s, i, v); }
void bz_db_bind_null(struct bz_db_stmt *s, int i) { s->db->ops->bind_null(s, i); }

void
bz_db_bind_text(struct bz_db_stmt *s, int i, const char *v)
{
	/* NULL too: the backend learns that the parameter is text (what
	 * PostgreSQL needs to resolve "?1 IS NULL OR col = ?1"). */
	s->db->ops->bind_text(s, i, v);
}

void
bz_db_bind_blob(struct bz_db_stmt *s, int i, const void *p, size_t n)
{
	s->db->ops->bind_blob(s, i, p, n);
}

int bz_db_step(struct bz_db_stmt *s) { return s->db->ops->step(s); }
int bz_db_column_count(struct bz_db_stmt *s) { return s->db->ops->column_count(s); }
const char *bz_db_column_name(struct bz_db_stmt *s, int i) { return s->db->ops->column_name(s, i); }
enum bz_db_type bz_db_column_type(struct bz_db_stmt *s, int i) { return s->db->ops->column_type(s, i); }
int64_t bz_db_column_int64(struct bz_db_stmt *s, int i) { return s->db->ops->column_int64(s, i); }
const char *bz_db_column_text(struct bz_db_stmt *s, int i) { return s->db->ops->column_text(s, i); }
const void *bz_db_column_blob(struct bz_db_stmt *s, int i) { return s->db->ops->column_blob(s, i); }
size_t bz_db_column_bytes(struct bz_db_stmt *s, int i) { return s->db->ops->column_bytes(s, i); }

void
bz_db_finalize(struct bz_db_stmt *s)
{
	if (s == NULL)
		return;
	s->db->ops->finalize(s);
	free(s);
}
