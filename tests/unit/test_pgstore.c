/*
 * test_pgstore - the store on a real PostgreSQL server (issue 15)
 *
 * Run by tests/store/pg-store.sh, which starts a throwaway cluster
 * (tests/pg/pg-cluster.sh) and names its database in BUZON_TEST_PG_URI;
 * without that variable the suite is not built (run-unit says SKIP).
 * Each test empties the database's public schema first, so tests are
 * independent. What is tested is what a shared store must give several
 * MX hosts: the SQL layer's typing and quoting, unique folios and one
 * chain under concurrent writers on separate connections, repeats seen
 * across connections, outbox rows claimed by one worker at a time and
 * taken over when its connection dies, a reconnect after the server
 * dropped the connection, and the append-only event log.
 */
#include "build-aux/config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buzon/buf.h"
#include "buzon/db.h"
#include "buzon/store.h"
#include "buzon/store_sql.h"
#include "buzon/utf8.h"
#include "suites.h"

static const char *
uri(void)
{
	return getenv("BUZON_TEST_PG_URI");
}

/* raw - a connection of the SQL layer, or fail */
static struct bz_db *
raw(void)
{
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_db *db = bz_db_open(uri(), 0, &err);

	ck_assert_msg(db != NULL, "%s", bz_buf_str(&err));
	bz_buf_free(&err);
	return db;
}

/* one_int - the integer of a one-row query */
static int64_t
one_int(struct bz_db *db, const char *sql)
{
	struct bz_db_stmt *s = bz_db_prepare(db, sql);
	int64_t v;

	ck_assert_msg(s != NULL, "%s: %s", sql, bz_db_errmsg(db));
	ck_assert_msg(bz_db_step(s) == BZ_DB_ROW, "%s: %s", sql, bz_db_errmsg(db));
	v = bz_db_column_int64(s, 0);
	bz_db_finalize(s);
	return v;
}

/* fresh - an empty database for this test */
static void
fresh(void)
{
	struct bz_db *db = raw();

	ck_assert_msg(bz_db_exec(db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public") == 0,
	    "%s", bz_db_errmsg(db));
	bz_db_close(db);
}

static struct bz_store *
open_store(void)
{
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_store *st = bz_store_open(uri(), 5000, 0, &err);

	ck_assert_msg(st != NULL, "%s", bz_buf_str(&err));
	bz_buf_free(&err);
	return st;
}

/* render - a stand-in acuse for the filer (as tests/store/mkstore) */
static int
render(void *arg, const char *folio, const struct bz_submission *sub,
    struct bz_outmail *mail)
{
	(void)arg;
	bz_buf_printf(&mail->message, "Subject: Acuse %s\n\nFolio %s\n", folio, folio);
	bz_outmail_add_rcpt(mail, sub->env_from);
	return 0;
}

/* record_with - one accepted submission whose signed digest is made of
 * n, with the sender's Subject and Message-ID (NULL: none) */
static enum bz_store_status
record_with(struct bz_store *st, int n, const char *subject, const char *msgid,
    struct bz_submission_out *out)
{
	static const char *const rcpts[] = { "buzon@imss.gob.mx" };
	struct bz_submission in;
	char sig[65];

	memset(&in, 0, sizeof(in));
	snprintf(sig, sizeof(sig), "%064x", n);
	in.qid = "PGTEST";
	in.arrival_utc = in.legal_utc = 1781600000 + n;
	in.legal_year = 2026;
	in.legal_rule = "arrival";
	in.legal_basis = "lft";
	in.first_hour = "00:00";
	in.calendar_version = "test";
	in.signer.rfc = (char *)"AAA010101AAA";
	in.signer.cert_sha256 = (char *)
	    "5555555555555555555555555555555555555555555555555555555555555555";
	in.integrity = in.trust = in.identity = BZ_CHECK_PASS;
	in.verdict = BZ_VERDICT_ACCEPTED;
	in.message_sha256 = sig;
	in.signed_sha256 = sig;
	in.env_from = "rh@empresa.example";
	in.env_rcpts = rcpts;
	in.n_rcpts = 1;
	in.subject = subject;
	in.message_id = msgid;
	return bz_store_record_submission(st, &in, render, NULL, out);
}

static enum bz_store_status
record(struct bz_store *st, int n, struct bz_submission_out *out)
{
	return record_with(st, n, NULL, NULL, out);
}

static void
assert_chain_intact(struct bz_store *st, int64_t rows)
{
	struct bz_chain_result res;

	ck_assert_int_eq(bz_store_verify_chain(st, &res), BZ_STORE_OK);
	ck_assert_msg(res.broken_id == 0, "chain broken at %lld: %s",
	    (long long)res.broken_id, res.why ? res.why : "");
	ck_assert_int_eq(res.rows, rows);
}

/* The SQL layer: placeholders outside literals, typed NULLs, bytes with
 * NULs, 64-bit integers, row counts, a failed transaction's COMMIT. */
START_TEST(t_db_layer)
{
	static const unsigned char bytes[] = { 0, 1, '\\', 'x', 0xff, 0, '\'' };
	struct bz_db *db;
	struct bz_db_stmt *s;

	fresh();
	db = raw();
	ck_assert_int_eq(bz_db_exec(db, "CREATE TABLE t (id BIGINT, s TEXT, b BYTEA)"), 0);
	s = bz_db_prepare(db, "INSERT INTO t (id, s, b) VALUES (?1, ?2, ?3)");
	ck_assert_ptr_nonnull(s);
	bz_db_bind_int64(s, 1, INT64_MIN);
	bz_db_bind_text(s, 2, "it's ?1 -- not a comment");
	bz_db_bind_blob(s, 3, bytes, sizeof(bytes));
	ck_assert_int_eq(bz_db_step(s), BZ_DB_DONE);
	ck_assert_int_eq(bz_db_changes(db), 1);
	bz_db_finalize(s);
	s = bz_db_prepare(db, "INSERT INTO t (id, s, b) VALUES (?, ?, ?)");
	bz_db_bind_int64(s, 1, INT64_MAX);
	bz_db_bind_text(s, 2, NULL);
	bz_db_bind_blob(s, 3, NULL, 0);
	ck_assert_msg(bz_db_step(s) == BZ_DB_DONE, "%s", bz_db_errmsg(db));
	bz_db_finalize(s);

	/* A ? inside a literal is text, the one outside a parameter. */
	s = bz_db_prepare(db, "SELECT id, s, b, 'a?1''?' FROM t WHERE s = ? OR "
	    "(?2 IS NULL AND s IS NULL) ORDER BY id");
	bz_db_bind_text(s, 1, "it's ?1 -- not a comment");
	bz_db_bind_text(s, 2, NULL);
	ck_assert_int_eq(bz_db_step(s), BZ_DB_ROW);
	ck_assert_int_eq(bz_db_column_int64(s, 0), INT64_MIN);
	ck_assert_str_eq(bz_db_column_text(s, 1), "it's ?1 -- not a comment");
	ck_assert_int_eq(bz_db_column_type(s, 2), BZ_DB_BLOB);
	ck_assert_uint_eq(bz_db_column_bytes(s, 2), sizeof(bytes));
	ck_assert_mem_eq(bz_db_column_blob(s, 2), bytes, sizeof(bytes));
	ck_assert_str_eq(bz_db_column_text(s, 3), "a?1'?");
	ck_assert_int_eq(bz_db_step(s), BZ_DB_ROW);
	ck_assert_int_eq(bz_db_column_int64(s, 0), INT64_MAX);
	ck_assert_int_eq(bz_db_column_type(s, 1), BZ_DB_NULL);
	ck_assert_ptr_null(bz_db_column_text(s, 1));
	ck_assert_uint_eq(bz_db_column_bytes(s, 2), 0);
	ck_assert_int_eq(bz_db_step(s), BZ_DB_DONE);
	bz_db_finalize(s);

	/* A boolean reads as 1/0; a parameter the text does not use is
	 * ignored (core/store_outbox.c binds a fixed set). */
	s = bz_db_prepare(db, "SELECT count(*) > 1, ?1 + 1 FROM t");
	bz_db_bind_int64(s, 1, 41);
	bz_db_bind_text(s, 4, "unused");
	ck_assert_msg(bz_db_step(s) == BZ_DB_ROW, "%s", bz_db_errmsg(db));
	ck_assert_int_eq(bz_db_column_int64(s, 0), 1);
	ck_assert_int_eq(bz_db_column_int64(s, 1), 42);
	bz_db_finalize(s);

	ck_assert_int_eq(bz_db_exec(db, "UPDATE t SET s = 'x'"), 0);
	s = bz_db_prepare(db, "UPDATE t SET s = 'y' WHERE id > ?");
	bz_db_bind_int64(s, 1, 0);
	ck_assert_int_eq(bz_db_step(s), BZ_DB_DONE);
	ck_assert_int_eq(bz_db_changes(db), 1);
	bz_db_finalize(s);

	/* An error inside a transaction: COMMIT must not report success
	 * (the server answers ROLLBACK to it). */
	ck_assert_int_eq(bz_db_begin_write(db), 0);
	ck_assert_int_eq(bz_db_in_transaction(db), 1);
	ck_assert_int_ne(bz_db_exec(db, "INSERT INTO no_such_table VALUES (1)"), 0);
	ck_assert_int_eq(bz_db_error_transient(db), 0);
	ck_assert_int_ne(bz_db_commit(db), 0);
	ck_assert_int_eq(bz_db_in_transaction(db), 0);
	ck_assert_int_eq(one_int(db, "SELECT count(*) FROM t"), 2);
	bz_db_close(db);
}
END_TEST

/* The same migrations as SQLite's, once; a second open does nothing. */
START_TEST(t_migrate)
{
	struct bz_store *st;
	struct bz_submission_out out;
	struct bz_db *db;

	fresh();
	st = open_store();
	ck_assert_int_eq(bz_store_schema_version(st), BZ_STORE_SCHEMA_VERSION);
	bz_store_close(st);
	st = open_store();
	ck_assert_int_eq(bz_store_schema_version(st), BZ_STORE_SCHEMA_VERSION);
	bz_store_close(st);
	db = raw();
	ck_assert_int_eq(one_int(db, "SELECT count(*) FROM buzon_schema_version"), 1);
	/* the first_hour check, spelt as a regular expression here */
	st = open_store();
	ck_assert_int_eq(record(st, 1, &out), BZ_STORE_OK);
	ck_assert_int_eq(bz_db_exec(db, "UPDATE submissions SET first_hour = '23:59'"), 0);
	ck_assert_int_ne(bz_db_exec(db, "UPDATE submissions SET first_hour = '24:00'"), 0);
	ck_assert_int_ne(bz_db_exec(db, "UPDATE submissions SET first_hour = '9:30'"), 0);
	bz_store_close(st);
	bz_db_close(db);
}
END_TEST

struct writer {
	int		 first, count;
	char		 folios[25][BZ_FOLIO_LEN];
	int		 failures;
};

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_store *st = bz_store_open(uri(), 5000, 0, &err);

	if (st == NULL) {
		w->failures = w->count;
		bz_buf_free(&err);
		return NULL;
	}
	for (int i = 0; i < w->count; i++) {
		struct bz_submission_out out;

		if (record(st, w->first + i, &out) != BZ_STORE_OK || out.repeat)
			w->failures++;
		else
			memcpy(w->folios[i], out.folio, BZ_FOLIO_LEN);
	}
	bz_store_close(st);
	return NULL;
}

/* Four writers on four connections (four hosts, as far as the server can
 * tell): 100 distinct folios 1..100 and one unbroken chain. */
START_TEST(t_concurrent_writers)
{
	struct writer w[4];
	pthread_t th[4];
	struct bz_store *st;
	struct bz_db *db;

	fresh();
	st = open_store();	/* migrate once before the race */
	memset(w, 0, sizeof(w));
	for (int i = 0; i < 4; i++) {
		w[i].first = 1 + 25 * i;
		w[i].count = 25;
		ck_assert_int_eq(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(w[i].failures, 0);
	}
	db = raw();
	ck_assert_int_eq(one_int(db, "SELECT count(DISTINCT folio) FROM submissions"), 100);
	ck_assert_int_eq(one_int(db, "SELECT max(seq) FROM submissions"), 100);
	ck_assert_int_eq(one_int(db, "SELECT last FROM folio_counter WHERE year = 2026"), 100);
	ck_assert_int_eq(one_int(db, "SELECT count(*) FROM outbox"), 100);
	bz_db_close(db);
	/* one "submission" event per record */
	assert_chain_intact(st, 100);
	bz_store_close(st);
}
END_TEST

/* A repeat is recognised whichever connection saw the first copy. */
START_TEST(t_repeat_across_connections)
{
	struct bz_store *a, *b;
	struct bz_submission_out first, again;

	fresh();
	a = open_store();
	b = open_store();
	ck_assert_int_eq(record(a, 7, &first), BZ_STORE_OK);
	ck_assert_int_eq(first.repeat, 0);
	ck_assert_int_eq(record(b, 7, &again), BZ_STORE_OK);
	ck_assert_int_eq(again.repeat, 1);
	ck_assert_str_eq(again.folio, first.folio);
	bz_store_close(a);
	bz_store_close(b);
}
END_TEST

/* An outbox row is handed over by one worker only; a worker whose
 * connection died leaves its rows to the next. */
START_TEST(t_outbox_claim)
{
	struct bz_store *a, *b;
	struct bz_outbox_item *items;
	struct bz_submission_out out;
	size_t n;

	fresh();
	a = open_store();
	b = open_store();
	for (int i = 1; i <= 3; i++)
		ck_assert_int_eq(record(a, i, &out), BZ_STORE_OK);
	ck_assert_int_eq(bz_store_outbox_due(a, INT64_MAX / 2, 16, &items, &n), BZ_STORE_OK);
	ck_assert_uint_eq(n, 3);
	bz_outbox_items_free(items, n);
	/* A holds them: B gets none, even asking again. */
	ck_assert_int_eq(bz_store_outbox_due(b, INT64_MAX / 2, 16, &items, &n), BZ_STORE_OK);
	ck_assert_uint_eq(n, 0);
	bz_outbox_items_free(items, n);
	/* A again (its own claim, e.g. after a failed save) gets them back. */
	ck_assert_int_eq(bz_store_outbox_due(a, INT64_MAX / 2, 16, &items, &n), BZ_STORE_OK);
	ck_assert_uint_eq(n, 3);
	bz_outbox_items_free(items, n);
	/* A's host dies: its server process goes with the connection. B
	 * leaves the rows alone for the grace period after A's claim (A may
	 * only have lost its connection to a restarted server, and save what
	 * it handed over once back: core/outbox.c), then takes them over. */
	bz_store_close(a);
	for (int tries = 0; ; tries++) {
		int64_t next;

		ck_assert_int_eq(bz_store_outbox_due(b, INT64_MAX / 2 +
		    atoi(STORE_CLAIM_GRACE) - 1, 16, &items, &n), BZ_STORE_OK);
		ck_assert_uint_eq(n, 0);
		bz_outbox_items_free(items, n);
		/* NOTFOUND while A's server process lives: nothing for B */
		if (bz_store_outbox_next_due(b, &next) == BZ_STORE_OK &&
		    next == INT64_MAX / 2 + atoi(STORE_CLAIM_GRACE))
			break;
		ck_assert_int_lt(tries, 200);
		usleep(50 * 1000);	/* the server process takes a moment to go */
	}
	for (int tries = 0; ; tries++) {
		ck_assert_int_eq(bz_store_outbox_due(b, INT64_MAX / 2 +
		    atoi(STORE_CLAIM_GRACE), 16, &items, &n), BZ_STORE_OK);
		if (n == 3 || tries > 200)
			break;
		bz_outbox_items_free(items, n);
		usleep(50 * 1000);	/* the server process takes a moment to go */
	}
	ck_assert_uint_eq(n, 3);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(bz_store_outbox_mark_sent(b, items[i].id, 1781600100),
		    BZ_STORE_OK);
	bz_outbox_items_free(items, n);
	ck_assert_int_eq(bz_store_outbox_due(b, INT64_MAX / 2, 16, &items, &n), BZ_STORE_OK);
	ck_assert_uint_eq(n, 0);
	bz_outbox_items_free(items, n);
	bz_store_close(b);
}
END_TEST

/* The server drops a connection (restart, failover, an administrator's
 * pg_terminate_backend): the next transaction reconnects by itself. */
START_TEST(t_reconnect)
{
	struct bz_store *st;
	struct bz_submission_out out;
	struct bz_db *admin;
	struct bz_db_stmt *s;
	int64_t pid;

	fresh();
	st = open_store();
	ck_assert_int_eq(record(st, 1, &out), BZ_STORE_OK);
	pid = one_int(store_db(st), "SELECT pg_backend_pid()");
	admin = raw();
	/* int8 parameters: the function takes an integer */
	s = bz_db_prepare(admin, "SELECT pg_terminate_backend(CAST(? AS INTEGER))");
	bz_db_bind_int64(s, 1, pid);
	ck_assert_int_eq(bz_db_step(s), BZ_DB_ROW);
	ck_assert_int_eq(bz_db_column_int64(s, 0), 1);
	bz_db_finalize(s);
	/* wait until the server process is gone */
	for (int tries = 0, alive = 1; alive && tries < 200; tries++) {
		s = bz_db_prepare(admin, "SELECT count(*) FROM pg_stat_activity WHERE pid = ?");
		bz_db_bind_int64(s, 1, pid);
		ck_assert_int_eq(bz_db_step(s), BZ_DB_ROW);
		if ((alive = bz_db_column_int64(s, 0) != 0))
			usleep(50 * 1000);
		bz_db_finalize(s);
	}
	ck_assert_int_eq(record(st, 2, &out), BZ_STORE_OK);
	ck_assert_str_eq(out.folio, "BZ-2026-00000002");
	ck_assert_int_ne(one_int(store_db(st), "SELECT pg_backend_pid()"), pid);
	bz_db_close(admin);
	bz_store_close(st);
}
END_TEST

/* The log is append-only on the server too, TRUNCATE included. */
START_TEST(t_append_only)
{
	struct bz_store *st;
	struct bz_submission_out out;
	struct bz_db *db;

	fresh();
	st = open_store();
	ck_assert_int_eq(record(st, 1, &out), BZ_STORE_OK);
	db = raw();
	ck_assert_int_ne(bz_db_exec(db, "UPDATE events SET kind = 'x'"), 0);
	ck_assert_msg(strstr(bz_db_errmsg(db), "append-only") != NULL, "%s", bz_db_errmsg(db));
	ck_assert_int_ne(bz_db_exec(db, "DELETE FROM events"), 0);
	ck_assert_int_ne(bz_db_exec(db, "TRUNCATE events CASCADE"), 0);
	ck_assert_int_eq(one_int(db, "SELECT count(*) FROM events"), 1);
	bz_db_close(db);
	assert_chain_intact(st, 1);
	bz_store_close(st);
}
END_TEST

/* Text a sender controls need not be UTF-8 (a raw Latin-1 Subject, 8-bit
 * in a Message-ID), which PostgreSQL refuses in a text column: intake
 * repairs it (core/submission.c, bz_utf8_repair) and the repaired text
 * is filed and sealed; raw bytes reaching the store are refused, never
 * silently changed (the digests would no longer match the row). */
START_TEST(t_hostile_text)
{
	struct bz_store *st;
	struct bz_submission_out out;
	char *subject = bz_utf8_repair("Promoci\xf3n \xff\xfe");
	char *msgid = bz_utf8_repair("<a\xe9" "b@x>");
	struct bz_db *db;
	struct bz_db_stmt *s;

	fresh();
	st = open_store();
	ck_assert_int_eq(record_with(st, 1, subject, msgid, &out), BZ_STORE_OK);
	ck_assert_int_eq(record_with(st, 2, "ok \xc3\xb3", "<b@x>", &out), BZ_STORE_OK);
	ck_assert_int_eq(record_with(st, 3, "raw \xf3", "<c@x>", &out), BZ_STORE_TEMPFAIL);
	assert_chain_intact(st, 2);
	db = raw();
	s = bz_db_prepare(db, "SELECT subject, message_id FROM submissions WHERE seq = 1");
	ck_assert_int_eq(bz_db_step(s), BZ_DB_ROW);
	ck_assert_str_eq(bz_db_column_text(s, 0), subject);
	ck_assert_str_eq(bz_db_column_text(s, 1), msgid);
	bz_db_finalize(s);
	bz_db_close(db);
	free(subject);
	free(msgid);
	bz_store_close(st);
}
END_TEST

Suite *
suite_pgstore(void)
{
	Suite *s;
	TCase *tc;

	if (uri() == NULL || *uri() == '\0')
		return NULL;	/* run-unit: SKIP (tests/store/pg-store.sh sets it) */
	s = suite_create("pgstore");
	tc = tcase_create("pgstore");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, t_db_layer);
	tcase_add_test(tc, t_migrate);
	tcase_add_test(tc, t_concurrent_writers);
	tcase_add_test(tc, t_repeat_across_connections);
	tcase_add_test(tc, t_outbox_claim);
	tcase_add_test(tc, t_reconnect);
	tcase_add_test(tc, t_append_only);
	tcase_add_test(tc, t_hostile_text);
	suite_add_tcase(s, tc);
	return s;
}
