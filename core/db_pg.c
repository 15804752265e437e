/*
 * db_pg - the PostgreSQL backend of include/buzon/db.h (libpq)
 *
 * A statement is kept as text (its ?/?NNN placeholders rewritten to $NNN)
 * and run with PQexecParams at its first step; the steps then walk the
 * rows of the result. Parameters go typed (int8, text, bytea) so that
 * the server never has to guess; results come back as text, bytea
 * columns unescaped on demand.
 *
 * Writers serialise on one transaction-scoped advisory lock
 * (begin_write), which gives every host the single-writer model SQLite
 * gives one host: the folio counters, the event chain's head and every
 * claim-then-mark step stay correct when several milters share the
 * database. A lost connection is reset by the next begin, exec or
 * statement outside a transaction, and a begin that finds the server
 * gone (restarted, failed over) reconnects and tries once more, so only
 * work that was in flight sees an error.
 */
#include "build-aux/config.h"

#include <libpq-fe.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/db.h"
#include "buzon/log.h"
#include "buzon/xalloc.h"
#include "db_int.h"

/* Type oids (server/catalog/pg_type_d.h, which libpq-dev does not ship;
 * these are fixed by the wire protocol). */
#define OID_BOOL	16
#define OID_BYTEA	17
#define OID_INT8	20
#define OID_INT2	21
#define OID_INT4	23
#define OID_TEXT	25
#define OID_OID		26
#define OID_NUMERIC	1700

/* The advisory lock every writer takes: "Buzon" in ASCII. */
#define WRITER_LOCK	"331575414382"

/* How long a writer waits for that lock (or any row lock) before its
 * transaction fails as transient (451, the MTA retries): a host that
 * hangs holding it must not stop the others for ever. */
#define LOCK_TIMEOUT	"60s"

struct pg {
	PGconn	*conn;
	int	 readonly;
	int	 tx;		/* inside bz_db_begin_* */
};

struct pg_param {
	char		*owned;		/* text or int8 as text */
	const void	*blob;		/* not owned */
	int		 len;
	int		 fmt;		/* 0 text, 1 binary */
	Oid		 type;		/* 0: NULL, let the server infer */
	int		 null;
};

struct pg_stmt {
	char		*sql;		/* $NNN placeholders */
	int		 nparams;	/* the highest placeholder */
	struct pg_param	*params;
	PGresult	*res;
	int		 executed;
	int		 failed;
	int		 row;		/* current row, -1 before the first */
	int		 nrows;
	unsigned char	**unescaped;	/* per column, current row */
	size_t		*unescaped_len;
};

#define PG(db)		((struct pg *)(db)->impl)
#define PGS(s)		((struct pg_stmt *)(s)->impl)

/* transient_state - SQLSTATEs worth retrying later: a connection lost or
 * refused, a server shutting down or starting, a serialisation failure
 * or deadlock, a lock wait timed out, resources exhausted */
static int
transient_state(const char *st)
{
	if (st == NULL || strlen(st) != 5)
		return 0;
	return strncmp(st, "08", 2) == 0 || strncmp(st, "53", 2) == 0 ||
	    strncmp(st, "57P", 3) == 0 || strcmp(st, "40001") == 0 ||
	    strcmp(st, "40P01") == 0 || strcmp(st, "55P03") == 0 ||
	    strcmp(st, "57014") == 0;
}

/* pg_error - record the error of res (or of the connection) */
static void
pg_error(struct bz_db *db, const PGresult *res, const char *what)
{
	PGconn *c = PG(db)->conn;
	const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorMessage(res) : "";
	int lost = c == NULL || PQstatus(c) != CONNECTION_OK;

	if (msg == NULL || *msg == '\0')
		msg = c ? PQerrorMessage(c) : "no connection";
	if (msg == NULL || *msg == '\0')
		msg = "unknown error";
	db_set_error(db, lost || transient_state(st), "%s%s%s%s%s%s",
	    what ? what : "", what ? ": " : "", msg, st ? " (SQLSTATE " : "",
	    st ? st : "", st ? ")" : "");
}

/* Quiet the server's notices ("relation already exists, skipping"). */
static void
pg_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* pg_session - what every (re)connection sets */
static int
pg_session(struct bz_db *db)
{
	struct pg *p = PG(db);
	PGresult *res;
	int ok;

	PQsetNoticeProcessor(p->conn, pg_notice, NULL);
	res = PQexec(p->conn, p->readonly ?
	    "SET lock_timeout = '" LOCK_TIMEOUT "';"
	    "SET default_transaction_read_only = on" :
	    "SET lock_timeout = '" LOCK_TIMEOUT "'");
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		pg_error(db, res, "session setup");
	PQclear(res);
	return ok ? 0 : -1;
}

/* pg_ensure - outside a transaction, reconnect a connection that broke */
static int
pg_ensure(struct bz_db *db)
{
	struct pg *p = PG(db);

	/* A server that shut down (a restart, a failover) told its idle
	 * clients so and closed their sockets: read that now, so that the
	 * first statement after a restart runs on a new connection instead
	 * of failing with a 451. Two reads: one takes the server's last
	 * message, the next finds the end of file (libpq reports it only
	 * on a read that gets nothing else). Never blocks: libpq keeps its
	 * socket non-blocking. A connection that went silently away (a
	 * network cut) is found only when a statement fails. */
	for (int i = 0; i < 2 && !p->tx && PQstatus(p->conn) == CONNECTION_OK; i++)
		if (PQconsumeInput(p->conn) == 0)
			break;
	if (PQstatus(p->conn) == CONNECTION_OK)
		return 0;
	if (p->tx) {
		db_set_error(db, 1, "connection to the database lost");
		return -1;
	}
	PQreset(p->conn);
	if (PQstatus(p->conn) != CONNECTION_OK) {
		db_set_error(db, 1, "cannot reconnect: %s", PQerrorMessage(p->conn));
		return -1;
	}
	bz_log(BZ_LOG_NOTICE, NULL, "database %s: reconnected", db->target);
	return pg_session(db);
}

int
db_pg_open(struct bz_db *db, const char *conninfo, int flags)
{
	/* Defaults first, the operator's string last: what it names wins
	 * (libpq processes the keywords in order; expand_dbname). Without a
	 * connect_timeout libpq would wait on an unreachable host for as
	 * long as the kernel lets a TCP connect hang. */
	const char *const keys[] = { "connect_timeout", "application_name",
	    "dbname", NULL };
	const char *const vals[] = { "10", PACKAGE_NAME, conninfo, NULL };
	struct pg *p = xcalloc(1, sizeof(*p));

	db->impl = p;
	p->readonly = (flags & BZ_DB_READONLY) != 0;
	p->conn = PQconnectdbParams(keys, vals, 1);
	if (p->conn == NULL || PQstatus(p->conn) != CONNECTION_OK) {
		db_set_error(db, 1, "%s", p->conn ? PQerrorMessage(p->conn) :
		    "out of memory");
		goto fail;
	}
	if (PQclientEncoding(p->conn) != pg_char_to_encoding("UTF8") &&
	    PQsetClientEncoding(p->conn, "UTF8") != 0) {
		db_set_error(db, 0, "cannot set client encoding UTF8: %s",
		    PQerrorMessage(p->conn));
		goto fail;
	}
	if (pg_session(db) < 0)
		goto fail;
	return 0;
fail:
	PQfinish(p->conn);
	free(p);
	db->impl = NULL;
	return -1;
}

static void
pg_close(struct bz_db *db)
{
	PQfinish(PG(db)->conn);
	free(PG(db));
}

/* pg_command - one or several statements without parameters */
static int
pg_command(struct bz_db *db, const char *sql, const char *what)
{
	PGresult *res = PQexec(PG(db)->conn, sql);
	ExecStatusType st = PQresultStatus(res);
	int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	if (!ok)
		pg_error(db, res, what);
	PQclear(res);
	return ok ? 0 : -1;
}

static int
pg_exec(struct bz_db *db, const char *sql)
{
	if (pg_ensure(db) < 0)
		return -1;
	return pg_command(db, sql, NULL);
}

/* pg_begin - BEGIN (and what follows it), once more after a reconnect
 * when the server turned out to be gone: nothing ran yet */
static int
pg_begin(struct bz_db *db, const char *sql)
{
	struct pg *p = PG(db);
	int attempt;

	if (p->tx) {
		db_set_error(db, 0, "a transaction is already open");
		return -1;
	}
	for (attempt = 0; attempt < 2; attempt++) {
		if (pg_ensure(db) < 0)
			return -1;
		if (pg_command(db, sql, "begin") == 0) {
			p->tx = 1;
			return 0;
		}
		if (PQstatus(p->conn) == CONNECTION_OK) {
			/* BEGIN ran but what followed failed (the lock timed
			 * out): leave no transaction behind. */
			PQclear(PQexec(p->conn, "ROLLBACK"));
			return -1;
		}
	}
	return -1;
}

static int
pg_begin_write(struct bz_db *db)
{
	return pg_begin(db, "BEGIN; SELECT pg_advisory_xact_lock(" WRITER_LOCK ")");
}

static int
pg_begin_read(struct bz_db *db)
{
	return pg_begin(db, "BEGIN ISOLATION LEVEL REPEATABLE READ");
}

static int
pg_commit(struct bz_db *db)
{
	struct pg *p = PG(db);
	PGresult *res;
	int ok;

	if (!p->tx) {
		db_set_error(db, 0, "commit outside a transaction");
		return -1;
	}
	p->tx = 0;
	res = PQexec(p->conn, "COMMIT");
	/* COMMIT of a transaction that failed earlier "succeeds" as ROLLBACK. */
	ok = PQresultStatus(res) == PGRES_COMMAND_OK &&
	    strcmp(PQcmdStatus(res), "COMMIT") == 0;
	if (!ok) {
		if (PQresultStatus(res) == PGRES_COMMAND_OK)
			db_set_error(db, 0, "commit: the transaction had failed "
			    "and was rolled back");
		else
			pg_error(db, res, "commit");
	}
	PQclear(res);
	return ok ? 0 : -1;
}

static void
pg_rollback(struct bz_db *db)
{
	struct pg *p = PG(db);

	if (!p->tx)
		return;
	p->tx = 0;
	if (PQstatus(p->conn) == CONNECTION_OK)
		PQclear(PQexec(p->conn, "ROLLBACK"));
}

static int pg_in_transaction(struct bz_db *db) { return PG(db)->tx; }

static int
pg_user_version(struct bz_db *db)
{
	PGresult *res;
	int v = -1;

	if (pg_ensure(db) < 0)
		return -1;
	/* Two statements: the server resolves every name of a statement
	 * before it runs, so one that reads a table not created yet fails
	 * (and would abort the transaction around it). */
	res = PQexec(PG(db)->conn, "SELECT to_regclass('buzon_schema_version') IS NULL");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		pg_error(db, res, "schema version");
		PQclear(res);
		return -1;
	}
	if (PQgetvalue(res, 0, 0)[0] == 't') {
		PQclear(res);
		return 0;
	}
	PQclear(res);
	res = PQexec(PG(db)->conn, "SELECT max(version) FROM buzon_schema_version");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		v = PQgetisnull(res, 0, 0) ? 0 : atoi(PQgetvalue(res, 0, 0));
	else
		pg_error(db, res, "schema version");
	PQclear(res);
	return v;
}

static int
pg_set_user_version(struct bz_db *db, int version)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "CREATE TABLE IF NOT EXISTS buzon_schema_version "
	    "(version INTEGER NOT NULL); DELETE FROM buzon_schema_version; "
	    "INSERT INTO buzon_schema_version (version) VALUES (%d)", version);
	return pg_command(db, sql, "schema version");
}

/* replace_word - every whole-word occurrence of from in *b made to */
static void
replace_word(struct bz_buf *b, const char *from, const char *to)
{
	struct bz_buf out = BZ_BUF_INIT;
	const char *s = bz_buf_str(b), *p;
	size_t n = strlen(from);

	while ((p = strstr(s, from)) != NULL) {
		int before = p > bz_buf_str(b) && (p[-1] == '_' ||
		    (p[-1] >= 'A' && p[-1] <= 'Z') || (p[-1] >= 'a' && p[-1] <= 'z'));
		int after = p[n] == '_' || (p[n] >= 'A' && p[n] <= 'Z') ||
		    (p[n] >= 'a' && p[n] <= 'z');

		bz_buf_append(&out, s, (size_t)(p - s));
		bz_buf_puts(&out, before || after ? from : to);
		s = p + n;
	}
	bz_buf_puts(&out, s);
	bz_buf_free(b);
	*b = out;
}

/* pg_ddl - SQLite's DDL as PostgreSQL spells it. The migrations write
 * their types in capitals (core/store_schema.c); a rowid key becomes an
 * identity column, so INSERT ... RETURNING id works on both. */
static char *
pg_ddl(const char *ddl)
{
	struct bz_buf b = BZ_BUF_INIT;

	bz_buf_puts(&b, ddl);
	replace_word(&b, "INTEGER PRIMARY KEY AUTOINCREMENT",
	    "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
	replace_word(&b, "id INTEGER PRIMARY KEY",
	    "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
	replace_word(&b, "INTEGER", "BIGINT");
	replace_word(&b, "BLOB", "BYTEA");
	return bz_buf_steal(&b);
}

/* rewrite_placeholders - ? and ?NNN as $NNN outside literals, quoted
 * names and comments; *nparams: the highest number. As in SQLite, a bare
 * ? takes the number after the highest so far. */
static char *
rewrite_placeholders(const char *sql, int *nparams)
{
	struct bz_buf out = BZ_BUF_INIT;
	const char *p = sql;
	int max = 0;

	while (*p != '\0') {
		if (*p == '\'' || *p == '"') {
			char q = *p;
			const char *e = p + 1;

			/* '' (or "") inside is an escaped quote: two literals
			 * back to back scan the same way. */
			while (*e != '\0' && *e != q)
				e++;
			if (*e == q)
				e++;
			bz_buf_append(&out, p, (size_t)(e - p));
			p = e;
		} else if (p[0] == '-' && p[1] == '-') {
			size_t n = strcspn(p, "\n");

			bz_buf_append(&out, p, n);
			p += n;
		} else if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			size_t n = e ? (size_t)(e + 2 - p) : strlen(p);

			bz_buf_append(&out, p, n);
			p += n;
		} else if (*p == '?') {
			int n = 0;

			p++;
			if (*p >= '0' && *p <= '9') {
				while (*p >= '0' && *p <= '9' && n < 100000)
					n = n * 10 + (*p++ - '0');
			} else
				n = max + 1;
			if (n > max)
				max = n;
			bz_buf_printf(&out, "$%d", n);
		} else
			bz_buf_append(&out, p++, 1);
	}
	*nparams = max;
	return bz_buf_steal(&out);
}

static void *
pg_prepare(struct bz_db *db, const char *sql)
{
	struct pg_stmt *st;

	if (!PG(db)->tx && pg_ensure(db) < 0)
		return NULL;
	st = xcalloc(1, sizeof(*st));
	st->sql = rewrite_placeholders(sql, &st->nparams);
	st->params = xcalloc((size_t)st->nparams + 1, sizeof(*st->params));
	st->row = -1;
	return st;
}

/* param - the slot for placeholder i, NULL when the statement has no
 * such placeholder: a caller may bind a fixed set of numbers to each of
 * several statements (core/store_outbox.c), and a parameter the server
 * never sees cannot fail its type inference */
static struct pg_param *
param(struct bz_db_stmt *s, int i)
{
	struct pg_stmt *st = PGS(s);
	struct pg_param *pp;

	if (i < 1 || i > st->nparams)
		return NULL;
	pp = &st->params[i - 1];
	free(pp->owned);
	memset(pp, 0, sizeof(*pp));
	return pp;
}

static void
pg_bind_int64(struct bz_db_stmt *s, int i, int64_t v)
{
	struct pg_param *pp = param(s, i);

	if (pp == NULL)
		return;
	pp->owned = xasprintf("%" PRId64, v);
	pp->type = OID_INT8;
}

static void
pg_bind_text(struct bz_db_stmt *s, int i, const char *v)
{
	struct pg_param *pp = param(s, i);

	if (pp == NULL)
		return;
	if (v == NULL)
		pp->null = 1;	/* a NULL of type text */
	else
		pp->owned = xstrdup(v);
	pp->type = OID_TEXT;
}

static void
pg_bind_blob(struct bz_db_stmt *s, int i, const void *p, size_t n)
{
	struct pg_param *pp = param(s, i);

	if (pp == NULL)
		return;
	if (n > (size_t)0x7fffffff)
		bz_panic("bz_db_bind_blob: %zu bytes", n);
	pp->blob = p ? p : "";
	pp->len = (int)n;
	pp->fmt = 1;
	pp->type = OID_BYTEA;
}

static void
pg_bind_null(struct bz_db_stmt *s, int i)
{
	struct pg_param *pp = param(s, i);

	if (pp != NULL)
		pp->null = 1;
}

static void
clear_unescaped(struct pg_stmt *st)
{
	int i, n;

	if (st->unescaped == NULL)
		return;
	n = PQnfields(st->res);
	for (i = 0; i < n; i++) {
		free(st->unescaped[i]);
		st->unescaped[i] = NULL;
	}
}

/* run - execute the statement (its first step) */
static int
run(struct bz_db_stmt *s)
{
	struct bz_db *db = s->db;
	struct pg_stmt *st = PGS(s);
	const char **values = NULL;
	int *lengths = NULL, *formats = NULL, i, n = st->nparams;
	Oid *types = NULL;
	ExecStatusType es;

	st->executed = 1;
	if (!PG(db)->tx && pg_ensure(db) < 0)
		return -1;
	if (n > 0) {
		values = xcalloc((size_t)n, sizeof(*values));
		lengths = xcalloc((size_t)n, sizeof(*lengths));
		formats = xcalloc((size_t)n, sizeof(*formats));
		types = xcalloc((size_t)n, sizeof(*types));
	}
	for (i = 0; i < n; i++) {
		struct pg_param *pp = &st->params[i];

		types[i] = pp->type;	/* 0: inferred by the server */
		if (pp->null || pp->type == 0)
			continue;
		values[i] = pp->owned ? pp->owned : pp->blob;
		lengths[i] = pp->len;
		formats[i] = pp->fmt;
	}
	st->res = PQexecParams(PG(db)->conn, st->sql, n, types, values, lengths,
	    formats, 0);
	free(values);
	free(lengths);
	free(formats);
	free(types);
	es = PQresultStatus(st->res);
	if (es == PGRES_TUPLES_OK) {
		st->nrows = PQntuples(st->res);
		st->unescaped = xcalloc((size_t)PQnfields(st->res) + 1,
		    sizeof(*st->unescaped));
		st->unescaped_len = xcalloc((size_t)PQnfields(st->res) + 1,
		    sizeof(*st->unescaped_len));
	} else if (es != PGRES_COMMAND_OK) {
		pg_error(db, st->res, NULL);
		return -1;
	}
	return 0;
}

static int
pg_step(struct bz_db_stmt *s)
{
	struct pg_stmt *st = PGS(s);

	if (st->failed)
		return BZ_DB_ERROR;
	if (!st->executed && run(s) < 0) {
		st->failed = 1;
		return BZ_DB_ERROR;
	}
	clear_unescaped(st);
	if (st->row < st->nrows)
		st->row++;
	if (st->row < st->nrows)
		return BZ_DB_ROW;
	s->db->changes = strtoll(PQcmdTuples(st->res), NULL, 10);
	return BZ_DB_DONE;
}

static int
pg_column_count(struct bz_db_stmt *s)
{
	return PGS(s)->res ? PQnfields(PGS(s)->res) : 0;
}

static const char *
pg_column_name(struct bz_db_stmt *s, int i)
{
	return PGS(s)->res ? PQfname(PGS(s)->res, i) : NULL;
}

/* in_row - column i of a current row */
static int
in_row(struct bz_db_stmt *s, int i)
{
	struct pg_stmt *st = PGS(s);

	return st->res != NULL && st->row >= 0 && st->row < st->nrows &&
	    i >= 0 && i < PQnfields(st->res);
}

static enum bz_db_type
pg_column_type(struct bz_db_stmt *s, int i)
{
	struct pg_stmt *st = PGS(s);

	if (!in_row(s, i) || PQgetisnull(st->res, st->row, i))
		return BZ_DB_NULL;
	switch (PQftype(st->res, i)) {
	case OID_BOOL: case OID_INT2: case OID_INT4: case OID_INT8:
	case OID_OID: case OID_NUMERIC:
		return BZ_DB_INTEGER;
	case OID_BYTEA:
		return BZ_DB_BLOB;
	default:
		return BZ_DB_TEXT;
	}
}

static int64_t
pg_column_int64(struct bz_db_stmt *s, int i)
{
	struct pg_stmt *st = PGS(s);
	const char *v;

	if (!in_row(s, i) || PQgetisnull(st->res, st->row, i))
		return 0;
	v = PQgetvalue(st->res, st->row, i);
	if (PQftype(st->res, i) == OID_BOOL)
		return v[0] == 't';
	return strtoll(v, NULL, 10);
}

/* unescaped - a bytea column's bytes of the current row, NUL-terminated
 * (column_text may read them); kept until the next step */
static const unsigned char *
unescaped(struct bz_db_stmt *s, int i, size_t *len)
{
	struct pg_stmt *st = PGS(s);

	if (st->unescaped[i] == NULL) {
		const unsigned char *v = (const unsigned char *)
		    PQgetvalue(st->res, st->row, i);
		size_t n = 0;
		unsigned char *raw = PQunescapeBytea(v, &n);

		if (raw == NULL)
			bz_panic("PQunescapeBytea: out of memory");
		st->unescaped[i] = xmalloc(n + 1);
		memcpy(st->unescaped[i], raw, n);
		st->unescaped[i][n] = '\0';
		st->unescaped_len[i] = n;
		PQfreemem(raw);
	}
	*len = st->unescaped_len[i];
	return st->unescaped[i];
}

static const char *
pg_column_text(struct bz_db_stmt *s, int i)
{
	struct pg_stmt *st = PGS(s);
	size_t n;

	if (!in_row(s, i) || PQgetisnull(st->res, st->row, i))
		return NULL;
	if (PQftype(st->res, i) == OID_BYTEA)
		return (const char *)unescaped(s, i, &n);
	return PQgetvalue(st->res, st->row, i);
}

static const void *
pg_column_blob(struct bz_db_stmt *s, int i)
{
	struct pg_stmt *st = PGS(s);
	size_t n;

	if (!in_row(s, i) || PQgetisnull(st->res, st->row, i))
		return NULL;
	if (PQftype(st->res, i) == OID_BYTEA)
		return unescaped(s, i, &n);
	return PQgetvalue(st->res, st->row, i);
}

static size_t
pg_column_bytes(struct bz_db_stmt *s, int i)
{
	struct pg_stmt *st = PGS(s);
	size_t n = 0;

	if (!in_row(s, i) || PQgetisnull(st->res, st->row, i))
		return 0;
	if (PQftype(st->res, i) == OID_BYTEA) {
		unescaped(s, i, &n);
		return n;
	}
	return (size_t)PQgetlength(st->res, st->row, i);
}

static void
pg_finalize(struct bz_db_stmt *s)
{
	struct pg_stmt *st = PGS(s);
	int i;

	for (i = 0; i < st->nparams; i++)
		free(st->params[i].owned);
	free(st->params);
	clear_unescaped(st);
	PQclear(st->res);
	free(st->unescaped);
	free(st->unescaped_len);
	free(st->sql);
	free(st);
}

const struct db_ops db_pg_ops = {
	.close = pg_close,
	.exec = pg_exec,
	.begin_write = pg_begin_write,
	.begin_read = pg_begin_read,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.in_transaction = pg_in_transaction,
	.user_version = pg_user_version,
	.set_user_version = pg_set_user_version,
	.ddl = pg_ddl,
	.prepare = pg_prepare,
	.bind_int64 = pg_bind_int64,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.column_count = pg_column_count,
	.column_name = pg_column_name,
	.column_type = pg_column_type,
	.column_int64 = pg_column_int64,
	.column_text = pg_column_text,
	.column_blob = pg_column_blob,
	.column_bytes = pg_column_bytes,
	.finalize = pg_finalize,
};
