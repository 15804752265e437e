/*
 * ctl_store_migrate - buzonctl store migrate: a SQLite store into PostgreSQL
 *
 *   buzonctl [-c FILE] store migrate --to URI
 *
 * Copies the store named by `Database` (a SQLite file, opened read-only,
 * read in one snapshot) into the PostgreSQL database URI, which
 * bz_store_open creates or migrates to the current schema, in one
 * transaction: either everything is copied or nothing is.
 *
 * What is copied: every table of the SQLite file (sqlite_master, so a
 * table or column added by a later schema is not forgotten), row by row in
 * rowid order, every column by its name with the ids as they are: folios,
 * the event log with its hashes (verify-chain gives the same head on
 * both), the counters, the outbox, registrations, notifications, ...
 * Values are bound by the PostgreSQL column's type (bigint, bytea, text),
 * so SQLite's loose typing cannot turn a byte string into text. Tables
 * are copied parents first (PRAGMA foreign_key_list); a table that names
 * itself (outbox.repeat_of) is fine in rowid order. The identity
 * sequences are then moved past the largest id copied, or the next
 * INSERT ... RETURNING id would collide with a copied row.
 *
 * The messages: every spool copy a record or an event names as a file
 * (bz_store_named_copies) is read and stored in spool_messages under the
 * SHA-256 of its bytes. spool_path keeps the file's name: the envelope
 * digest each "submission" event sealed covers it (receipt_store.c), so
 * rewriting it to "db:<sha256>" would break verify-chain. On PostgreSQL a
 * path that is not "db:" is read as the spool_messages row of the
 * filing's message_sha256 (core/store_message.c). A named file that is
 * missing, or whose bytes are not those its name says, is reported and
 * counted, not copied; the copy goes on.
 *
 * Refused (exit 2): the source is not SQLite or not at this binary's
 * schema version, the target is not PostgreSQL, or the target already
 * holds submissions or events. Exit 3 when the copy fails (rolled back).
 */
#include "build-aux/config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buzon/buf.h"
#include "buzon/config.h"
#include "buzon/db.h"
#include "buzon/digest.h"
#include "buzon/store.h"
#include "buzon/store_sql.h"
#include "buzon/xalloc.h"
#include "buzonctl.h"

/* A spool copy larger than this is not a message we accepted. */
#define MIGRATE_FILE_MAX	((size_t)1 << 30)

/* One table of the source. */
struct table {
	char	*name;
	char	**parents;		/* tables its foreign keys name */
	size_t	 nparents;
	int	 done;
};

/* What one run copied. */
struct migrate {
	struct bz_db	*src, *dst;
	struct table	*t;
	size_t		 nt;
	int64_t		 rows, files, bytes, missing;
};

/* quote_ident - "name" with inner quotes doubled (names from the catalog) */
static void
quote_ident(struct bz_buf *b, const char *name)
{
	bz_buf_putc(b, '"');
	for (const char *p = name; *p != '\0'; p++) {
		if (*p == '"')
			bz_buf_putc(b, '"');
		bz_buf_putc(b, *p);
	}
	bz_buf_putc(b, '"');
}

/* strings_free - a vector of xmalloc'ed strings */
static void
strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* column_strings - column col of every row of sql on db (NULLs skipped) */
static int
column_strings(struct bz_db *db, const char *sql, const char *arg, int col,
    char ***v, size_t *n)
{
	struct bz_db_stmt *s;
	int rc;

	*v = NULL;
	*n = 0;
	if ((s = bz_db_prepare(db, sql)) == NULL)
		return -1;
	if (arg != NULL)
		bz_db_bind_text(s, 1, arg);
	while ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		const char *t = bz_db_column_text(s, col);

		if (t == NULL)
			continue;
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = xstrdup(t);
	}
	bz_db_finalize(s);
	return rc == BZ_DB_DONE ? 0 : -1;
}

/* load_tables - the source's tables and the tables each one references */
static int
load_tables(struct migrate *m)
{
	struct bz_buf sql = BZ_BUF_INIT;
	char **names;
	size_t n;
	int rc = 0;

	if (column_strings(m->src, "SELECT name FROM sqlite_master WHERE type = "
	    "'table' AND name NOT LIKE 'sqlite_%' ORDER BY name", NULL, 0,
	    &names, &n) < 0)
		return -1;
	m->t = xcalloc(n ? n : 1, sizeof(*m->t));
	m->nt = n;
	for (size_t i = 0; i < n; i++)
		m->t[i].name = names[i];
	for (size_t i = 0; i < n && rc == 0; i++) {
		bz_buf_reset(&sql);
		bz_buf_puts(&sql, "PRAGMA foreign_key_list(");
		quote_ident(&sql, names[i]);
		bz_buf_puts(&sql, ")");
		/* column 2 of foreign_key_list: the referenced table */
		rc = column_strings(m->src, bz_buf_str(&sql), NULL, 2,
		    &m->t[i].parents, &m->t[i].nparents);
	}
	free(names);
	bz_buf_free(&sql);
	return rc;
}

/* ready - every table t references (other than itself) is copied */
static int
ready(const struct migrate *m, const struct table *t)
{
	for (size_t p = 0; p < t->nparents; p++) {
		if (strcmp(t->parents[p], t->name) == 0)
			continue;
		for (size_t i = 0; i < m->nt; i++)
			if (strcmp(m->t[i].name, t->parents[p]) == 0 && !m->t[i].done)
				return 0;
	}
	return 1;
}

/* Bind kinds, from the target column's type. */
enum bind { BIND_TEXT, BIND_INT, BIND_BLOB };

/* target_types - how to bind each source column, by the target's type */
static int
target_types(struct migrate *m, const char *table, struct bz_db_stmt *src,
    enum bind *kind, int ncol)
{
	struct bz_db_stmt *s;
	int rc, found;

	for (int c = 0; c < ncol; c++) {
		if ((s = bz_db_prepare(m->dst, "SELECT data_type FROM "
		    "information_schema.columns WHERE table_schema = current_schema() "
		    "AND table_name = ? AND column_name = ?")) == NULL)
			return -1;
		bz_db_bind_text(s, 1, table);
		bz_db_bind_text(s, 2, bz_db_column_name(src, c));
		found = (rc = bz_db_step(s)) == BZ_DB_ROW;
		if (found) {
			const char *t = bz_db_column_text(s, 0);

			kind[c] = strcmp(t, "bigint") == 0 || strcmp(t, "integer") == 0 ||
			    strcmp(t, "smallint") == 0 ? BIND_INT :
			    strcmp(t, "bytea") == 0 ? BIND_BLOB : BIND_TEXT;
		}
		bz_db_finalize(s);
		if (!found) {
			fprintf(stderr, "buzonctl store migrate: the target has no "
			    "column %s.%s%s\n", table, bz_db_column_name(src, c),
			    rc == BZ_DB_DONE ? "" : " (catalog not readable)");
			return -1;
		}
	}
	return 0;
}

/* insert_sql - INSERT INTO table (the source's columns) VALUES (?, ...) */
static void
insert_sql(struct bz_buf *b, const char *table, struct bz_db_stmt *src, int ncol)
{
	bz_buf_puts(b, "INSERT INTO ");
	quote_ident(b, table);
	bz_buf_puts(b, " (");
	for (int c = 0; c < ncol; c++) {
		if (c > 0)
			bz_buf_puts(b, ", ");
		quote_ident(b, bz_db_column_name(src, c));
	}
	bz_buf_puts(b, ") VALUES (");
	for (int c = 0; c < ncol; c++)
		bz_buf_puts(b, c > 0 ? ", ?" : "?");
	bz_buf_puts(b, ")");
}

/* copy_table - every row of one table; its row count on stdout */
static int
copy_table(struct migrate *m, const char *table)
{
	struct bz_buf sql = BZ_BUF_INIT;
	struct bz_db_stmt *src, *ins;
	enum bind *kind = NULL;
	int64_t rows = 0;
	int ncol = 0, rc, ret = -1;

	bz_buf_puts(&sql, "SELECT * FROM ");
	quote_ident(&sql, table);
	bz_buf_puts(&sql, " ORDER BY rowid");
	if ((src = bz_db_prepare(m->src, bz_buf_str(&sql))) == NULL) {
		fprintf(stderr, "buzonctl store migrate: %s: %s\n", table,
		    bz_db_errmsg(m->src));
		bz_buf_free(&sql);
		return -1;
	}
	while ((rc = bz_db_step(src)) == BZ_DB_ROW) {
		if (kind == NULL) {
			ncol = bz_db_column_count(src);
			kind = xcalloc((size_t)ncol + 1, sizeof(*kind));
			if (target_types(m, table, src, kind, ncol) < 0)
				goto out;
			bz_buf_reset(&sql);
			insert_sql(&sql, table, src, ncol);
		}
		if ((ins = bz_db_prepare(m->dst, bz_buf_str(&sql))) == NULL)
			goto fail;
		for (int c = 0; c < ncol; c++) {
			if (bz_db_column_type(src, c) == BZ_DB_NULL)
				bz_db_bind_null(ins, c + 1);
			else if (kind[c] == BIND_INT)
				bz_db_bind_int64(ins, c + 1, bz_db_column_int64(src, c));
			else if (kind[c] == BIND_BLOB)
				/* not copied: src's row stays until the next step */
				bz_db_bind_blob(ins, c + 1, bz_db_column_blob(src, c),
				    bz_db_column_bytes(src, c));
			else
				bz_db_bind_text(ins, c + 1, bz_db_column_text(src, c));
		}
		rc = bz_db_step(ins);
		bz_db_finalize(ins);
		if (rc != BZ_DB_DONE)
			goto fail;
		rows++;
	}
	if (rc != BZ_DB_DONE) {
		fprintf(stderr, "buzonctl store migrate: reading %s: %s\n", table,
		    bz_db_errmsg(m->src));
		goto out;
	}
	printf("  %-24s %" PRId64 " row%s\n", table, rows, rows == 1 ? "" : "s");
	m->rows += rows;
	ret = 0;
	goto out;
fail:
	fprintf(stderr, "buzonctl store migrate: writing %s: %s\n", table,
	    bz_db_errmsg(m->dst));
out:
	bz_db_finalize(src);
	free(kind);
	bz_buf_free(&sql);
	return ret;
}

/* copy_tables - every table, parents before the tables that name them */
static int
copy_tables(struct migrate *m)
{
	size_t left = m->nt;

	while (left > 0) {
		size_t before = left;

		for (size_t i = 0; i < m->nt; i++) {
			if (m->t[i].done || !ready(m, &m->t[i]))
				continue;
			if (copy_table(m, m->t[i].name) < 0)
				return -1;
			m->t[i].done = 1;
			left--;
		}
		if (left == before) {
			fprintf(stderr, "buzonctl store migrate: the tables' foreign "
			    "keys form a cycle\n");
			return -1;
		}
	}
	return 0;
}

/* advance_identities - each identity sequence past the largest id copied */
static int
advance_identities(struct migrate *m)
{
	static const char q[] = "SELECT table_name, column_name FROM "
	    "information_schema.columns WHERE table_schema = current_schema() "
	    "AND is_identity = 'YES' ORDER BY table_name, column_name";
	struct bz_buf sql = BZ_BUF_INIT;
	struct bz_db_stmt *s;
	char **tab = NULL, **col = NULL;
	size_t nt = 0, nc = 0;
	int rc;

	rc = column_strings(m->dst, q, NULL, 0, &tab, &nt) < 0 ||
	    column_strings(m->dst, q, NULL, 1, &col, &nc) < 0 || nt != nc ? -1 : 0;
	for (size_t i = 0; i < nt && rc == 0; i++) {
		/* is_called false: the next value is max + 1 (1 when empty) */
		bz_buf_reset(&sql);
		bz_buf_puts(&sql, "SELECT setval(pg_get_serial_sequence(?, ?), "
		    "(SELECT COALESCE(max(");
		quote_ident(&sql, col[i]);
		bz_buf_puts(&sql, "), 0) + 1 FROM ");
		quote_ident(&sql, tab[i]);
		bz_buf_puts(&sql, "), false)");
		if ((s = bz_db_prepare(m->dst, bz_buf_str(&sql))) == NULL) {
			rc = -1;
			break;
		}
		bz_db_bind_text(s, 1, tab[i]);
		bz_db_bind_text(s, 2, col[i]);
		rc = bz_db_step(s) == BZ_DB_ROW ? 0 : -1;
		bz_db_finalize(s);
	}
	if (rc < 0)
		fprintf(stderr, "buzonctl store migrate: identity sequences: %s\n",
		    bz_db_errmsg(m->dst));
	strings_free(tab, nt);
	strings_free(col, nc);
	bz_buf_free(&sql);
	return rc;
}

/* cas_name - the digest a content-addressed path .../ab/cdef... stands
 * for, in out (65 bytes); 0, or -1 when the path is not of that form */
static int
cas_name(const char *path, char out[65])
{
	size_t n = strlen(path);

	/* ".../" + 2 hex + "/" + 62 hex */
	if (n < 66 || path[n - 63] != '/' || path[n - 66] != '/')
		return -1;
	memcpy(out, path + n - 65, 2);
	memcpy(out + 2, path + n - 62, 62);
	out[64] = '\0';
	for (int i = 0; i < 64; i++)
		if (strchr("0123456789abcdef", out[i]) == NULL)
			return -1;
	return 0;
}

/* copy_messages - every spool file a record or an event names, into
 * spool_messages under its content's digest; a file whose content is not
 * the one its name says is reported, not copied */
static int
copy_messages(struct migrate *m, struct bz_store *src)
{
	struct bz_buf data = BZ_BUF_INIT;
	char **names = NULL, sha[65], named[65];
	size_t n = 0;
	int rc = 0;

	if (bz_store_named_copies(src, &names, &n) != BZ_STORE_OK) {
		fprintf(stderr, "buzonctl store migrate: cannot list the spool copies\n");
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		/* digests and "db:" names come with their rows */
		if (names[i][0] != '/')
			continue;
		bz_buf_reset(&data);
		if (bz_buf_read_file(&data, names[i], MIGRATE_FILE_MAX) != 0) {
			fprintf(stderr, "buzonctl store migrate: warning: %s is named "
			    "but cannot be read; its bytes are not copied\n",
			    ctl_safe(names[i]));
			m->missing++;
			continue;
		}
		bz_sha256_hex(data.data, data.len, sha);
		if (cas_name(names[i], named) == 0 && strcmp(named, sha) != 0) {
			fprintf(stderr, "buzonctl store migrate: warning: %s is damaged "
			    "(its bytes hash to %s); not copied\n", ctl_safe(names[i]), sha);
			m->missing++;
			continue;
		}
		if ((rc = store_message_put(m->dst, sha, (const unsigned char *)data.data,
		    data.len, (int64_t)time(NULL))) < 0)
			break;
		if (rc > 0) {
			m->files++;
			m->bytes += (int64_t)data.len;
		}
		rc = 0;
	}
	if (rc < 0)
		fprintf(stderr, "buzonctl store migrate: writing spool_messages: %s\n",
		    bz_db_errmsg(m->dst));
	strings_free(names, n);
	bz_buf_free(&data);
	return rc;
}

/* target_empty - 1 when the target holds no submission and no event */
static int
target_empty(struct bz_db *dst)
{
	struct bz_db_stmt *s;
	int r = -1;

	if ((s = bz_db_prepare(dst, "SELECT (SELECT count(*) FROM submissions) + "
	    "(SELECT count(*) FROM events)")) == NULL)
		return -1;
	if (bz_db_step(s) == BZ_DB_ROW)
		r = bz_db_column_int64(s, 0) == 0;
	bz_db_finalize(s);
	return r;
}

/* ctl_store_migrate - "store migrate --to URI" */
int
ctl_store_migrate(const char *config_path, const char *uri)
{
	struct bz_config *cfg = NULL;
	struct bz_store *src = NULL, *dst = NULL;
	struct bz_buf err = BZ_BUF_INIT;
	struct migrate m;
	int status = CTL_EXIT_USAGE, empty;

	memset(&m, 0, sizeof(m));
	if (!bz_db_target_is_pg(uri)) {
		fprintf(stderr, "buzonctl store migrate: --to must be a postgresql:// URI\n");
		return CTL_EXIT_USAGE;
	}
	if ((src = ctl_open_store(config_path, "store migrate", BZ_STORE_READONLY,
	    &cfg)) == NULL)
		return CTL_EXIT_USAGE;
	m.src = store_db(src);
	if (bz_db_kind(m.src) != BZ_DB_SQLITE) {
		fprintf(stderr, "buzonctl store migrate: Database %s is not a SQLite "
		    "file\n", bz_store_path(src));
		goto out;
	}
	if (bz_store_schema_version(src) != BZ_STORE_SCHEMA_VERSION) {
		fprintf(stderr, "buzonctl store migrate: %s is at schema version %d, "
		    "this buzonctl copies version %d: start buzon-milter %s once on it "
		    "first (it migrates the file)\n", bz_store_path(src),
		    bz_store_schema_version(src), BZ_STORE_SCHEMA_VERSION, PACKAGE_VERSION);
		goto out;
	}
	/* Creates or migrates the target's schema. */
	if ((dst = bz_store_open(uri, (int)bz_config_num(cfg,
	    BZ_KEY_DatabaseBusyTimeout), 0, &err)) == NULL) {
		fprintf(stderr, "buzonctl store migrate: %s\n", bz_buf_str(&err));
		goto out;
	}
	m.dst = store_db(dst);
	status = CTL_EXIT_TEMPFAIL;
	if (bz_db_begin_read(m.src) < 0 || bz_db_begin_write(m.dst) < 0) {
		fprintf(stderr, "buzonctl store migrate: cannot begin: %s / %s\n",
		    bz_db_errmsg(m.src), bz_db_errmsg(m.dst));
		goto out;
	}
	if ((empty = target_empty(m.dst)) != 1) {
		if (empty == 0)
			fprintf(stderr, "buzonctl store migrate: %s already holds "
			    "submissions or events: refusing to copy into it (migrate "
			    "into a new, empty database)\n", bz_store_path(dst));
		else
			fprintf(stderr, "buzonctl store migrate: %s: %s\n",
			    bz_store_path(dst), bz_db_errmsg(m.dst));
		status = empty == 0 ? CTL_EXIT_USAGE : CTL_EXIT_TEMPFAIL;
		goto out;
	}
	printf("copying %s to %s\n", bz_store_path(src), bz_store_path(dst));
	if (load_tables(&m) < 0 || copy_tables(&m) < 0 || advance_identities(&m) < 0 ||
	    copy_messages(&m, src) < 0)
		goto out;
	if (bz_db_commit(m.dst) < 0) {
		fprintf(stderr, "buzonctl store migrate: commit: %s\n", bz_db_errmsg(m.dst));
		goto out;
	}
	printf("copied %" PRId64 " rows in %zu tables and %" PRId64 " spool "
	    "message%s (%" PRId64 " bytes)", m.rows, m.nt, m.files,
	    m.files == 1 ? "" : "s", m.bytes);
	if (m.missing > 0)
		printf("; %" PRId64 " named spool file%s missing or damaged", m.missing,
		    m.missing == 1 ? "" : "s");
	printf("\n");
	status = CTL_EXIT_OK;
out:
	if (status != CTL_EXIT_OK && m.dst != NULL) {
		bz_db_rollback(m.dst);
		if (status == CTL_EXIT_TEMPFAIL)
			fprintf(stderr, "buzonctl store migrate: nothing copied "
			    "(rolled back)\n");
	}
	if (m.src != NULL)
		bz_db_rollback(m.src);
	for (size_t i = 0; i < m.nt; i++) {
		free(m.t[i].name);
		strings_free(m.t[i].parents, m.t[i].nparents);
	}
	free(m.t);
	bz_store_close(dst);
	bz_store_close(src);
	bz_config_unref(cfg);
	bz_buf_free(&err);
	return status;
}
