/*
 * test_store - the SQLite store and the content-addressed spool
 *
 * Real SQLite files in the test's private temporary directory; the disk
 * full cases mount a small tmpfs (root only; otherwise they print SKIP).
 */
#include "build-aux/config.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buzon/buf.h"
#include "buzon/db.h"
#include "buzon/cas.h"
#include "buzon/digest.h"
#include "buzon/store.h"
#include "core/store_int.h"
#include "suites.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SHA_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define SHA_D "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"

/* db_path - a fresh database name in the tmpdir */
static const char *
db_path(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	unlink(path);
	return path;
}

/* open_ok - open read-write or fail the test */
static struct bz_store *
open_ok(const char *path, int busy_ms)
{
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_store *st = bz_store_open(path, busy_ms, 0, &err);

	ck_assert_msg(st != NULL, "%s", bz_buf_str(&err));
	bz_buf_free(&err);
	return st;
}

/* count_rows - SELECT count(*) through a separate raw connection */
static long long
count_rows(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long long n = -1;
	int rc;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	/* A writer may hold the lock, or a killed one may leave WAL recovery to
	 * do: wait for it like the daemon does, never fail on a transient BUSY. */
	sqlite3_busy_timeout(db, 10000);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	rc = sqlite3_step(s);
	ck_assert_msg(rc == SQLITE_ROW || rc == SQLITE_DONE, "%s: %s", sql, sqlite3_errmsg(db));
	if (rc == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

/* exec_raw - run SQL through a raw connection */
static void
exec_raw(const char *path, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s",
	    sql, msg ? msg : "");
	sqlite3_close(db);
}

static const char *const rcpts[] = { "buzon@imss.gob.mx" };
static const struct bz_part parts[] = {
	{ "escrito.pdf", "application/pdf", 12345, SHA_C },
	{ NULL, "text/plain", 10, SHA_D },
};

/* sample - a plausible accepted submission; signed/cert digests vary */
static struct bz_submission
sample(int year, const char *signed_sha, const char *cert_sha)
{
	struct bz_submission s;

	memset(&s, 0, sizeof(s));
	s.qid = "4XyZ1";
	s.arrival_utc = 1781600000;
	s.legal_utc = 1781600000;
	s.legal_year = year;
	s.legal_rule = "arrival";
	s.legal_basis = "lft";
	s.first_hour = "00:00";
	s.calendar_version = SHA_D;
	s.signer.rfc = (char *)"AAA010101AAA";
	s.signer.name = (char *)"EMPRESA DE PRUEBA SA DE CV";
	s.signer.moral = 1;
	s.signer.no_certificado = (char *)"30001000000500003416";
	s.signer.cert_sha256 = (char *)cert_sha;
	s.integrity = s.trust = s.identity = BZ_CHECK_PASS;
	s.verdict = BZ_VERDICT_ACCEPTED;
	bz_reasons_init(&s.reasons);
	s.message_sha256 = SHA_A;
	s.signed_sha256 = signed_sha;
	s.message_id = "<1@empresa.example>";
	s.subject = "Escrito";
	s.env_from = "rh@empresa.example";
	s.env_rcpts = rcpts;
	s.n_rcpts = 1;
	s.spool_path = "/var/spool/buzon-milter/aa/aaaa";
	s.parts = parts;
	s.n_parts = 2;
	return s;
}

struct render_state {
	int	calls;
	int	fail;
	char	last_folio[BZ_FOLIO_LEN];
	size_t	pad;		/* extra body bytes, to make the row big */
};

/* render - a stand-in for the receipt module: the folio in the body */
static int
render(void *arg, const char *folio, const struct bz_submission *sub,
    struct bz_outmail *mail)
{
	struct render_state *rs = arg;

	rs->calls++;
	snprintf(rs->last_folio, sizeof(rs->last_folio), "%s", folio);
	if (rs->fail)
		return -1;
	bz_buf_printf(&mail->message, "Subject: Acuse de recibo %s\n\nFolio %s\n",
	    folio, folio);
	for (size_t i = 0; i < rs->pad; i++)
		bz_buf_putc(&mail->message, i % 64 == 63 ? '\n' : (char)('a' + i % 26));
	bz_outmail_add_rcpt(mail, sub->env_from);
	return 0;
}

/* Folio text form: BZ-YYYY-NNNNNNNN, strict parse. */
static const struct {
	const char *text;
	int ok, year;
	long long seq;
} folio_cases[] = {
	{ "BZ-2026-00000001", 1, 2026, 1 },
	{ "BZ-2027-12345678", 1, 2027, 12345678 },
	{ "BZ-2026-99999999", 1, 2026, 99999999 },
	{ "BZ-2026-00000000", 0, 0, 0 },
	{ "BZ-2026-0000001", 0, 0, 0 },
	{ "BZ-2026-000000001", 0, 0, 0 },
	{ "bz-2026-00000001", 0, 0, 0 },
	{ "BZ-20a6-00000001", 0, 0, 0 },
	{ "BZ_2026_00000001", 0, 0, 0 },
	{ "", 0, 0, 0 },
};

START_TEST(test_folio_format_parse)
{
	int year;
	int64_t seq;
	char out[BZ_FOLIO_LEN];
	int ok = bz_folio_parse(folio_cases[_i].text, &year, &seq) == 0;

	ck_assert_msg(ok == folio_cases[_i].ok, "%s", folio_cases[_i].text);
	if (ok) {
		ck_assert_int_eq(year, folio_cases[_i].year);
		ck_assert_int_eq(seq, folio_cases[_i].seq);
		bz_folio_format(year, seq, out);
		ck_assert_str_eq(out, folio_cases[_i].text);
	}
}
END_TEST

/* file_mode - permission bits of a path, -1 when absent */
static int
file_mode(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (int)(sb.st_mode & 07777) : -1;
}

START_TEST(test_create_schema_and_modes)
{
	const char *path = db_path("create.db");
	struct render_state rs = { 0 };
	struct bz_submission in = sample(2026, SHA_A, SHA_B);
	struct bz_submission_out out;
	char side[600];
	mode_t old = umask(022);
	struct bz_store *st = open_ok(path, 1000);

	ck_assert_int_eq(bz_store_schema_version(st), BZ_STORE_SCHEMA_VERSION);
	ck_assert_int_eq(bz_store_record_submission(st, &in, render, &rs, &out),
	    BZ_STORE_OK);
	/* Personal data at rest: the database and its WAL/SHM files are 0600. */
	ck_assert_int_eq(file_mode(path), 0600);
	snprintf(side, sizeof(side), "%s-wal", path);
	ck_assert_int_eq(file_mode(side), 0600);
	snprintf(side, sizeof(side), "%s-shm", path);
	ck_assert_int_eq(file_mode(side), 0600);
	ck_assert_int_eq(count_rows(path, "PRAGMA journal_mode = WAL") >= 0, 1);
	bz_store_close(st);
	umask(old);
}
END_TEST

/*
 * The connection settings issue 5 names, read back from the store's own
 * connection (they are per connection: another one cannot see them):
 * WAL, synchronous=FULL, foreign keys on, the busy timeout given; the
 * read-only connection of buzonctl gets the same except the journal mode,
 * which it finds already WAL in the file.
 */
static const struct {
	const char *pragma;
	const char *want;
} pragma_cases[] = {
	{ "PRAGMA journal_mode", "wal" },
	{ "PRAGMA synchronous", "2" },		/* FULL */
	{ "PRAGMA foreign_keys", "1" },
	{ "PRAGMA busy_timeout", "1234" },
};

/* pragma_value - the first column of a PRAGMA on a connection, as text */
static void
pragma_value(sqlite3 *db, const char *sql, char *out, size_t len)
{
	sqlite3_stmt *s;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	snprintf(out, len, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
}

START_TEST(test_connection_settings)
{
	const char *path = db_path("pragmas.db");
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_store *rw = open_ok(path, 1234);
	struct bz_store *ro = bz_store_open(path, 1234, BZ_STORE_READONLY, &err);
	char got[64];

	ck_assert_msg(ro != NULL, "%s", bz_buf_str(&err));
	pragma_value(bz_db_sqlite(rw->db), pragma_cases[_i].pragma, got, sizeof(got));
	ck_assert_msg(strcmp(got, pragma_cases[_i].want) == 0, "%s: %s, want %s",
	    pragma_cases[_i].pragma, got, pragma_cases[_i].want);
	pragma_value(bz_db_sqlite(ro->db), pragma_cases[_i].pragma, got, sizeof(got));
	ck_assert_msg(strcmp(got, pragma_cases[_i].want) == 0, "read-only: %s: %s, want %s",
	    pragma_cases[_i].pragma, got, pragma_cases[_i].want);
	bz_store_close(ro);
	bz_store_close(rw);
	bz_buf_free(&err);
}
END_TEST

START_TEST(test_migrate_from_v1)
{
	const char *path = db_path("v1.db");
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_submission got;
	struct bz_store *st;
	struct bz_db *db;

	/* A database as the first release left it: schema version 1. */
	ck_assert_ptr_nonnull(db = bz_db_open(path, 0, &err));
	ck_assert_int_eq(store_schema_migrate(db, 1, &err), 0);
	ck_assert_int_eq(store_schema_version(db), 1);
	ck_assert_int_eq(bz_db_exec(db, "INSERT INTO submissions (folio, year, seq, "
	    "arrival_utc, legal_utc, legal_rule, calendar_version, signer_cert_sha256, "
	    "integrity, trust, identity, verdict, message_sha256, signed_sha256, "
	    "env_from, env_rcpts, created_utc) VALUES ('BZ-2025-00000007', 2025, 7, 1, "
	    "1, 'arrival', 'x', 'c', 'pass', 'pass', 'pass', 'accepted', '" SHA_A
	    "', '" SHA_B "', 'a@b', 'buzon@imss.gob.mx', 1);"
	    "INSERT INTO folio_counter VALUES (2025, 7);"), 0);
	bz_db_close(db);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM sqlite_master WHERE "
	    "name = 'outbox'"), 0);

	st = open_ok(path, 1000);
	ck_assert_int_eq(bz_store_schema_version(st), BZ_STORE_SCHEMA_VERSION);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM sqlite_master WHERE "
	    "name = 'outbox'"), 1);
	ck_assert_int_eq(bz_store_submission_get(st, "BZ-2025-00000007", &got), BZ_STORE_OK);
	ck_assert_str_eq(got.acuse_status, "none");
	ck_assert_str_eq(got.env_rcpts[0], "buzon@imss.gob.mx");
	bz_submission_free(&got);
	bz_store_close(st);
	bz_buf_free(&err);
}
END_TEST

/* A row of schema version 2, written with plain SQL as that release did. */
#define V2_ROW(folio, seq, signed) \
	"INSERT INTO submissions (folio, year, seq, arrival_utc, legal_utc, " \
	"legal_rule, calendar_version, signer_cert_sha256, integrity, trust, " \
	"identity, verdict, message_sha256, signed_sha256, env_from, env_rcpts, " \
	"created_utc, acuse_status) VALUES ('" folio "', 2026, " seq ", " \
	"1777996800, 1778081400, 'submission.next-working-day', 'sha256:none', " \
	"'c', 'pass', 'pass', 'pass', 'accepted', '" SHA_A "', '" signed "', " \
	"'a@b', 'buzon@imss.gob.mx', 1, 'sent');"

/*
 * Schema 2 -> 3 adds submissions.legal_basis and submissions.first_hour.
 * Rows filed before keep NULL in both (the configuration of that time is
 * not known); the row still reads; a new filing records both.
 */
START_TEST(test_migrate_from_v2)
{
	const char *path = db_path("v2.db");
	struct bz_buf err = BZ_BUF_INIT;
	struct render_state rs = { 0 };
	struct bz_submission in = sample(2026, SHA_C, SHA_B), got;
	struct bz_submission_out out;
	struct bz_store *st;
	struct bz_db *db;

	/* The database as the previous release left it, by its own migrations. */
	ck_assert_ptr_nonnull(db = bz_db_open(path, 0, &err));
	ck_assert_int_eq(store_schema_migrate(db, 2, &err), 0);
	ck_assert_int_eq(store_schema_version(db), 2);
	ck_assert_int_eq(bz_db_exec(db, V2_ROW("BZ-2026-00000001", "1", SHA_A)
	    V2_ROW("BZ-2026-00000002", "2", SHA_B)
	    "INSERT INTO folio_counter VALUES (2026, 2);"), 0);
	bz_db_close(db);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM pragma_table_info("
	    "'submissions') WHERE name IN ('legal_basis', 'first_hour')"), 0);

	st = open_ok(path, 1000);
	ck_assert_int_eq(bz_store_schema_version(st), BZ_STORE_SCHEMA_VERSION);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM pragma_table_info("
	    "'submissions') WHERE name IN ('legal_basis', 'first_hour') AND "
	    "type = 'TEXT' AND \"notnull\" = 0"), 2);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM submissions WHERE "
	    "legal_basis IS NULL AND first_hour IS NULL"), 2);
	/* The old rows read as before, naming no rule set. */
	ck_assert_int_eq(bz_store_submission_get(st, "BZ-2026-00000002", &got), BZ_STORE_OK);
	ck_assert_str_eq(got.legal_rule, "submission.next-working-day");
	ck_assert_str_eq(got.calendar_version, "sha256:none");
	ck_assert_str_eq(got.acuse_status, "sent");
	ck_assert_int_eq(got.legal_utc, 1778081400);
	ck_assert_ptr_null(got.legal_basis);
	ck_assert_ptr_null(got.first_hour);
	bz_submission_free(&got);
	/* A new filing after the migration records both, and its folio follows. */
	in.legal_basis = "lft+cff";
	in.first_hour = "09:30";
	ck_assert_int_eq(bz_store_record_submission(st, &in, render, &rs, &out), BZ_STORE_OK);
	ck_assert_str_eq(out.folio, "BZ-2026-00000003");
	ck_assert_int_eq(bz_store_submission_get(st, out.folio, &got), BZ_STORE_OK);
	ck_assert_str_eq(got.legal_basis, "lft+cff");
	ck_assert_str_eq(got.first_hour, "09:30");
	bz_submission_free(&got);
	bz_store_close(st);
	/* Opening again migrates nothing more. */
	st = open_ok(path, 1000);
	ck_assert_int_eq(bz_store_schema_version(st), BZ_STORE_SCHEMA_VERSION);
	bz_store_close(st);
	bz_reasons_free(&in.reasons);
	bz_buf_free(&err);
}
END_TEST

/* The columns accept only what LegalBasis and SubmissionFirstHour can be. */
static const struct {
	const char *basis, *first;
	int ok;
} rule_set_rows[] = {
	{ "'lft'", "'00:00'", 1 },
	{ "'lft+cff'", "'09:30'", 1 },
	{ "'lft'", "'23:59'", 1 },
	{ "NULL", "NULL", 1 },		/* a row filed before version 3 */
	{ "'cff'", "'09:30'", 0 },
	{ "''", "'09:30'", 0 },
	{ "'lft'", "'24:00'", 0 },
	{ "'lft'", "'9:30'", 0 },
	{ "'lft'", "'09:60'", 0 },
	{ "'lft'", "'09:30 '", 0 },
};

START_TEST(test_rule_set_columns)
{
	const char *path = db_path("ruleset.db");
	struct bz_store *st = open_ok(path, 1000);
	char sql[1024];
	sqlite3 *db;
	int rc;

	bz_store_close(st);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	for (size_t i = 0; i < sizeof(rule_set_rows) / sizeof(rule_set_rows[0]); i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO submissions (folio, year, seq, "
		    "arrival_utc, legal_utc, legal_rule, legal_basis, first_hour, "
		    "calendar_version, signer_cert_sha256, integrity, trust, identity, "
		    "verdict, message_sha256, signed_sha256, env_from, env_rcpts, "
		    "created_utc) VALUES ('BZ-2026-%08zu', 2026, %zu, 1, 1, 'arrival', "
		    "%s, %s, 'x', 'c', 'pass', 'pass', 'pass', 'accepted', 'm', 's%zu', "
		    "'a@b', 'b@c', 1)", i + 1, i + 1, rule_set_rows[i].basis,
		    rule_set_rows[i].first, i);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
		ck_assert_msg((rc == SQLITE_OK) == rule_set_rows[i].ok,
		    "case %zu (%s, %s): %s", i, rule_set_rows[i].basis,
		    rule_set_rows[i].first, sqlite3_errmsg(db));
	}
	sqlite3_close(db);
}
END_TEST

START_TEST(test_newer_database_refused)
{
	const char *path = db_path("newer.db");
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_store *st = open_ok(path, 1000);

	bz_store_close(st);
	exec_raw(path, "PRAGMA user_version = 99");
	ck_assert_ptr_null(bz_store_open(path, 1000, 0, &err));
	ck_assert_msg(strstr(bz_buf_str(&err), "schema version 99, newer") != NULL,
	    "%s", bz_buf_str(&err));
	bz_buf_reset(&err);
	ck_assert_ptr_null(bz_store_open(path, 1000, BZ_STORE_READONLY, &err));
	ck_assert_int_eq(count_rows(path, "PRAGMA user_version"), 99);
	bz_buf_free(&err);
}
END_TEST

/*
 * A database SQLite cannot put in WAL mode is refused, not run without it:
 * ":memory:" (a name the configuration's absolute-path rule keeps out, used
 * here because it is the one such database every SQLite build makes)
 * answers "memory" to PRAGMA journal_mode = WAL instead of failing.
 */
START_TEST(test_not_wal_refused)
{
	struct bz_buf err = BZ_BUF_INIT;

	/* The store creates the file name before SQLite opens it: keep that
	 * stray ":memory:" file in the tmpdir (Check forks each test). */
	ck_assert_int_eq(chdir(test_tmpdir()), 0);
	ck_assert_ptr_null(bz_store_open(":memory:", 1000, 0, &err));
	ck_assert_msg(strstr(bz_buf_str(&err), "journal mode stays \"memory\", not wal")
	    != NULL, "%s", bz_buf_str(&err));
	unlink(":memory:");
	bz_buf_free(&err);
}
END_TEST

/* Folios: per legal year, strictly increasing, restarting at 1 each year. */
static const struct {
	int year;
	const char *expect;
} year_seq[] = {
	{ 2026, "BZ-2026-00000001" },
	{ 2026, "BZ-2026-00000002" },
	{ 2027, "BZ-2027-00000001" },
	{ 2026, "BZ-2026-00000003" },	/* a late legal instant of 2026 */
	{ 2027, "BZ-2027-00000002" },
};

START_TEST(test_folio_per_year)
{
	const char *path = db_path("years.db");
	struct bz_store *st = open_ok(path, 1000);
	struct render_state rs = { 0 };
	char sig[65];

	for (size_t i = 0; i < sizeof(year_seq) / sizeof(year_seq[0]); i++) {
		struct bz_submission in;
		struct bz_submission_out out;

		snprintf(sig, sizeof(sig), "%064zx", i + 1);
		in = sample(year_seq[i].year, sig, SHA_B);
		ck_assert_int_eq(bz_store_record_submission(st, &in, render, &rs, &out),
		    BZ_STORE_OK);
		ck_assert_str_eq(out.folio, year_seq[i].expect);
		ck_assert_str_eq(rs.last_folio, year_seq[i].expect);
		ck_assert_int_eq(out.repeat, 0);
		ck_assert_int_eq(out.queued, 1);
	}
	bz_store_close(st);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM outbox"), 5);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM parts"), 10);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM events WHERE kind = "
	    "'submission'"), 5);
}
END_TEST

#define NTHREADS 4
#define PER_THREAD 25

struct worker {
	const char *path;
	int base;
	int failures;
};

/* insert_many - one connection per thread, as in the daemon's pool */
static void *
insert_many(void *arg)
{
	struct worker *w = arg;
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_store *st = bz_store_open(w->path, 30000, 0, &err);
	struct render_state rs = { 0 };
	char sig[65];

	if (st == NULL) {
		w->failures = PER_THREAD;
		bz_buf_free(&err);
		return NULL;
	}
	for (int i = 0; i < PER_THREAD; i++) {
		struct bz_submission in;
		struct bz_submission_out out;

		snprintf(sig, sizeof(sig), "%064x", w->base + i);
		in = sample(2026, sig, SHA_B);
		if (bz_store_record_submission(st, &in, render, &rs, &out) != BZ_STORE_OK)
			w->failures++;
	}
	bz_store_close(st);
	bz_buf_free(&err);
	return NULL;
}

START_TEST(test_folio_unique_under_threads)
{
	const char *path = db_path("threads.db");
	struct bz_store *st = open_ok(path, 1000);
	pthread_t t[NTHREADS];
	struct worker w[NTHREADS];

	bz_store_close(st);
	for (int i = 0; i < NTHREADS; i++) {
		w[i].path = path;
		w[i].base = 1000 * (i + 1);
		w[i].failures = 0;
		ck_assert_int_eq(pthread_create(&t[i], NULL, insert_many, &w[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(w[i].failures, 0);
	}
	ck_assert_int_eq(count_rows(path, "SELECT count(DISTINCT folio) FROM submissions"),
	    NTHREADS * PER_THREAD);
	/* Sequence 1..N with no gap or duplicate, and ids in folio order. */
	ck_assert_int_eq(count_rows(path, "SELECT min(seq) FROM submissions"), 1);
	ck_assert_int_eq(count_rows(path, "SELECT max(seq) FROM submissions"),
	    NTHREADS * PER_THREAD);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM submissions a JOIN "
	    "submissions b ON a.id < b.id AND a.seq >= b.seq"), 0);
}
END_TEST

/*
 * Group commit (issue 12): "several messages' records in one transaction
 * and one fsync, each reply still only after its own record is durable".
 * The first record's render holds the committer until the seven other
 * threads have queued theirs: those seven then share the second
 * transaction. One of them fails to render: it alone is rolled back (its
 * savepoint), the other six commit, and the folio sequence has no gap.
 */
#define GC_THREADS 8
#define GC_FAILING 3

struct gc_job {
	struct bz_store_pool	*pool;
	int			 n;
	enum bz_store_status	 status;
	struct bz_submission_out out;
};

static atomic_int gc_queued, gc_holding;

/* gc_render - the first holds the committer; GC_FAILING fails */
static int
gc_render(void *arg, const char *folio, const struct bz_submission *sub,
    struct bz_outmail *mail)
{
	struct gc_job *j = arg;
	struct render_state rs = { 0 };

	if (j->n == 0) {
		atomic_store(&gc_holding, 1);
		while (atomic_load(&gc_queued) < GC_THREADS - 1)
			usleep(1000);
		usleep(200000);	/* they are inside bz_store_pool_record by now */
	}
	rs.fail = j->n == GC_FAILING;
	return render(&rs, folio, sub, mail);
}

/* gc_record - one thread's record through the pool's committer */
static void *
gc_record(void *arg)
{
	struct gc_job *j = arg;
	struct bz_record_opts opts = { 1781600000, 0, 0 };
	struct bz_submission in;
	char sig[65];

	snprintf(sig, sizeof(sig), "%064x", 7000 + j->n);
	in = sample(2026, sig, SHA_B);
	if (j->n != 0)
		atomic_fetch_add(&gc_queued, 1);
	j->status = bz_store_pool_record(j->pool, &in, gc_render, j, &opts, &j->out);
	return NULL;
}

START_TEST(test_group_commit)
{
	const char *path = db_path("group.db");
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_store_pool *pool = bz_store_pool_new(path, 30000, 2, &err);
	pthread_t t[GC_THREADS];
	struct gc_job j[GC_THREADS];
	uint64_t records, transactions;

	ck_assert_msg(pool != NULL, "%s", bz_buf_str(&err));
	atomic_store(&gc_queued, 0);
	atomic_store(&gc_holding, 0);
	memset(j, 0, sizeof(j));
	for (int i = 0; i < GC_THREADS; i++) {
		j[i].pool = pool;
		j[i].n = i;
		ck_assert_int_eq(pthread_create(&t[i], NULL, gc_record, &j[i]), 0);
		/* the first is inside the committer before the others start */
		while (i == 0 && !atomic_load(&gc_holding))
			usleep(1000);
	}
	for (int i = 0; i < GC_THREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < GC_THREADS; i++)
		ck_assert_int_eq(j[i].status, i == GC_FAILING ? BZ_STORE_TEMPFAIL : BZ_STORE_OK);
	ck_assert_str_eq(j[GC_FAILING].out.folio, "");
	bz_store_pool_stats(pool, &records, &transactions);
	ck_assert_int_eq((int)records, GC_THREADS);
	ck_assert_int_eq((int)transactions, 2);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM submissions"), GC_THREADS - 1);
	ck_assert_int_eq(count_rows(path, "SELECT max(seq) FROM submissions"), GC_THREADS - 1);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM outbox"), GC_THREADS - 1);
	bz_store_pool_free(pool);
	bz_buf_free(&err);
}
END_TEST

/*
 * The outbox worker saves a pass's outcomes in one transaction
 * (bz_store_outbox_mark_all): a sent row, a retried one and one given up,
 * each as the single-row calls would leave it.
 */
START_TEST(test_outbox_mark_all)
{
	const char *path = db_path("markall.db");
	struct bz_store *st = open_ok(path, 1000);
	struct render_state rs = { 0 };
	struct bz_outbox_mark m[3];
	char sig[65];

	for (int i = 0; i < 3; i++) {
		struct bz_submission in;
		struct bz_submission_out out;

		snprintf(sig, sizeof(sig), "%064x", 9000 + i);
		in = sample(2026, sig, SHA_B);
		ck_assert_int_eq(bz_store_record_submission(st, &in, render, &rs, &out),
		    BZ_STORE_OK);
	}
	memset(m, 0, sizeof(m));
	m[0].id = 1;
	m[0].sent = 1;
	m[1].id = 2;
	m[1].next_attempt_utc = 1781600600;
	m[1].error = "SMTP to smtp://127.0.0.1:25/: Couldn't connect to server";
	m[2].id = 3;
	m[2].error = "gave up";
	m[2].give_up = 1;
	ck_assert_int_eq(bz_store_outbox_mark_all(st, m, 3, 1781600000), BZ_STORE_OK);
	bz_store_close(st);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM outbox WHERE id = 1 AND "
	    "status = 'sent' AND attempts = 1 AND sent_utc = 1781600000"), 1);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM outbox WHERE id = 2 AND "
	    "status = 'pending' AND attempts = 1 AND next_attempt_utc = 1781600600 AND "
	    "last_error LIKE 'SMTP to %'"), 1);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM outbox WHERE id = 3 AND "
	    "status = 'failed' AND attempts = 1"), 1);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM events WHERE kind IN "
	    "('outbox-sent', 'outbox-gave-up')"), 2);

	/* Saved again, as the worker does when the reply to that COMMIT was
	 * lost (core/outbox.c save_unsaved): the sent and the given-up rows
	 * are left as they were, no second event. */
	st = open_ok(path, 1000);
	ck_assert_int_eq(bz_store_outbox_mark_all(st, (struct bz_outbox_mark[]){ m[0], m[2] },
	    2, 1781600900), BZ_STORE_OK);
	bz_store_close(st);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM outbox WHERE id = 1 AND "
	    "status = 'sent' AND attempts = 1 AND sent_utc = 1781600000"), 1);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM outbox WHERE id = 3 AND "
	    "status = 'failed' AND attempts = 1"), 1);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM events WHERE kind IN "
	    "('outbox-sent', 'outbox-gave-up')"), 2);
}
END_TEST

START_TEST(test_repeat_same_folio)
{
	const char *path = db_path("repeat.db");
	struct bz_store *st = open_ok(path, 1000);
	struct render_state rs = { 0 };
	struct bz_submission in = sample(2026, SHA_A, SHA_B);
	struct bz_submission_out first, again, other;

	ck_assert_int_eq(bz_store_record_submission(st, &in, render, &rs, &first),
	    BZ_STORE_OK);
	/* Same signed entity, same signer, new outer message: a repeat. */
	in.message_sha256 = SHA_C;
	in.arrival_utc += 3600;
	in.qid = "5AbC2";
	ck_assert_int_eq(bz_store_record_submission(st, &in, render, &rs, &again),
	    BZ_STORE_OK);
	ck_assert_int_eq(again.repeat, 1);
	ck_assert_str_eq(again.folio, first.folio);
	ck_assert_int_eq(again.id, first.id);
	ck_assert_int_eq(again.arrival_utc, first.arrival_utc);
	ck_assert_int_eq(again.queued, 1);
	ck_assert_int_eq(rs.calls, 1);	/* the original acuse, not a new render */
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM submissions"), 1);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM events WHERE kind = "
	    "'repeat' AND folio = 'BZ-2026-00000001'"), 1);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM outbox a JOIN outbox b "
	    "ON b.repeat_of = a.id AND a.message = b.message AND a.recipient = "
	    "b.recipient"), 1);
	/* A third copy queues the original once more, not two rows. */
	ck_assert_int_eq(bz_store_record_submission(st, &in, render, &rs, &again),
	    BZ_STORE_OK);
	ck_assert_int_eq(again.queued, 1);
	/* Without a reply (loop safety): event only, nothing queued. */
	ck_assert_int_eq(bz_store_record_submission(st, &in, NULL, NULL, &again),
	    BZ_STORE_OK);
	ck_assert_int_eq(again.repeat, 1);
	ck_assert_int_eq(again.queued, 0);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM outbox"), 3);
	/* Another signer with the same content is a new filing. */
	in.signer.cert_sha256 = (char *)SHA_D;
	ck_assert_int_eq(bz_store_record_submission(st, &in, render, &rs, &other),
	    BZ_STORE_OK);
	ck_assert_int_eq(other.repeat, 0);
	ck_assert_str_eq(other.folio, "BZ-2026-00000002");
	bz_store_close(st);
}
END_TEST

/*
 * The acuse is kept in the row exactly as rendered, the submission event
 * seals the digests the render callback gave and the kept acuse's; with
 * no_reply it is kept but nothing is queued. bz_store_find_repeat sees a
 * filed entity before any spooling; a repeat without a spooled copy names
 * the arriving hash and no path, and bz_store_named_copies lists what
 * spool gc must keep. A later repeat that may be answered sends the kept
 * acuse to the certificate's address.
 */
static int
render_digests(void *arg, const char *folio, const struct bz_submission *sub,
    struct bz_outmail *mail)
{
	if (render(arg, folio, sub, mail) < 0)
		return -1;
	memcpy(mail->cadena_sha256, SHA_C, 65);
	memcpy(mail->envelope_sha256, SHA_D, 65);
	mail->institution_no_certificado = strdup("00001000000500000001");
	return 0;
}

START_TEST(test_kept_acuse_and_digests)
{
	const char *path = db_path("kept.db");
	struct bz_store *st = open_ok(path, 1000);
	struct render_state rs = { 0 };
	struct bz_submission in = sample(2026, SHA_A, SHA_B), got;
	struct bz_submission_out out;
	struct bz_record_opts opts = { 1781600000, 0, 1 };
	struct bz_buf acuse = BZ_BUF_INIT;
	char folio[BZ_FOLIO_LEN], c[65], e[65], a[65], want[65];
	char **names;
	size_t n;
	int found_msg = 0, found_path = 0, found_repeat = 0;

	ck_assert_int_eq(bz_store_find_repeat(st, SHA_A, SHA_B, folio), BZ_STORE_NOTFOUND);
	in.signer.email = (char *)"rh@empresa.example";
	ck_assert_int_eq(bz_store_record_submission_at(st, &in, render_digests, &rs,
	    &opts, &out), BZ_STORE_OK);
	ck_assert_int_eq(out.queued, 0);	/* no_reply: kept, not sent */
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM outbox"), 0);
	ck_assert_int_eq(bz_store_find_repeat(st, SHA_A, SHA_B, folio), BZ_STORE_OK);
	ck_assert_str_eq(folio, out.folio);

	ck_assert_int_eq(bz_store_submission_get(st, out.folio, &got), BZ_STORE_OK);
	ck_assert_ptr_nonnull(got.acuse);
	ck_assert_uint_gt(got.acuse_len, 42);
	ck_assert(memcmp(got.acuse, "Subject: Acuse de recibo BZ-2026-00000001\n", 42) == 0);
	ck_assert_str_eq(got.signer.email, "rh@empresa.example");
	ck_assert_str_eq(got.institution_no_certificado, "00001000000500000001");
	bz_sha256_hex(got.acuse, got.acuse_len, want);
	ck_assert_int_eq(bz_store_sealed_digests(st, out.folio, c, e, a), BZ_STORE_OK);
	ck_assert_str_eq(c, SHA_C);
	ck_assert_str_eq(e, SHA_D);
	ck_assert_str_eq(a, want);
	bz_submission_free(&got);
	/* Nothing was queued, so there is nothing to resend. */
	ck_assert_int_eq(bz_store_acuse_get(st, out.folio, &acuse, &names, &n),
	    BZ_STORE_NOTFOUND);
	ck_assert_uint_eq(n, 0);
	free(names);
	bz_buf_free(&acuse);

	/* A repeat whose copy was not spooled: its hash named, no path. */
	in.message_sha256 = SHA_D;
	in.spool_path = NULL;
	ck_assert_int_eq(bz_store_record_submission_at(st, &in, render_digests, &rs,
	    &opts, &out), BZ_STORE_OK);
	ck_assert_int_eq(out.repeat, 1);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM events WHERE kind = "
	    "'repeat' AND json_extract(detail, '$.message_sha256') = '" SHA_D "' AND "
	    "json_type(detail, '$.spool_path') = 'null'"), 1);
	ck_assert_int_eq(bz_store_named_copies(st, &names, &n), BZ_STORE_OK);
	for (size_t i = 0; i < n; i++) {
		found_msg |= strcmp(names[i], SHA_A) == 0;
		found_path |= strcmp(names[i], "/var/spool/buzon-milter/aa/aaaa") == 0;
		found_repeat |= strcmp(names[i], SHA_D) == 0;
		free(names[i]);
	}
	free(names);
	ck_assert(found_msg && found_path && found_repeat);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM outbox"), 0);

	/* A repeat that may be answered, of a filing whose acuse was withheld:
	 * the kept acuse goes to the certificate's address, byte for byte. */
	opts.no_reply = 0;
	ck_assert_int_eq(bz_store_record_submission_at(st, &in, render_digests, &rs,
	    &opts, &out), BZ_STORE_OK);
	ck_assert_int_eq(out.repeat, 1);
	ck_assert_int_eq(out.queued, 1);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM outbox o JOIN "
	    "submissions s ON s.folio = o.folio WHERE o.recipient = "
	    "'rh@empresa.example' AND o.message = s.acuse AND o.kind = 'acuse'"), 1);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM submissions WHERE "
	    "acuse_status = 'queued'"), 1);
	bz_store_close(st);
}
END_TEST

START_TEST(test_repeat_after_resend)
{
	const char *path = db_path("resend.db");
	struct bz_store *st = open_ok(path, 1000);
	struct render_state rs = { 0 };
	struct bz_submission in = sample(2026, SHA_A, SHA_B);
	struct bz_submission_out first, again;

	ck_assert_int_eq(bz_store_record_submission(st, &in, render, &rs, &first),
	    BZ_STORE_OK);
	/* An operator's resend (fresh render) is queued and logged ... */
	ck_assert_int_eq(bz_store_outbox_enqueue(st, first.folio, "acuse",
	    "rh@empresa.example", "resent", 6, 1), BZ_STORE_OK);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM events WHERE kind = "
	    "'outbox-queued' AND folio = 'BZ-2026-00000001'"), 1);
	/* ... but a repeat queues only the acuse of the filing itself. */
	ck_assert_int_eq(bz_store_record_submission(st, &in, render, &rs, &again),
	    BZ_STORE_OK);
	ck_assert_int_eq(again.repeat, 1);
	ck_assert_int_eq(again.queued, 1);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM outbox WHERE "
	    "repeat_of = 1"), 1);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM outbox WHERE "
	    "message = CAST('resent' AS BLOB)"), 1);
	bz_store_close(st);
}
END_TEST

/*
 * Repeat amplification: anyone holding a copy can replay it. A repeat
 * queues the original acuse again only when the last acuse queued for the
 * folio (filing, repeat or operator resend) is at least resend_interval
 * seconds old; otherwise it is still recorded and gets the folio, but the
 * event says "reply": false, "reason": "rate limited". The clock is the
 * opts.now of each call (T0 = the filing), one step after the other.
 */
#define T0	1781600000
static const struct {
	const char *what;
	int64_t now;
	int64_t interval;
	int reply;		/* 0: render NULL (loop safety) */
	int resend_first;	/* an operator resend at now - 100 before */
	size_t queued;
	int rate_limited;
} resend_steps[] = {
	{ "right after the filing", T0, 3600, 1, 0, 0, 1 },
	{ "one second short", T0 + 3599, 3600, 1, 0, 0, 1 },
	{ "exactly the interval", T0 + 3600, 3600, 1, 0, 1, 0 },
	{ "counted from that resend, not the filing", T0 + 3601, 3600, 1, 0, 0, 1 },
	{ "interval 0 always resends", T0 + 3601, 0, 1, 0, 1, 0 },
	{ "loop safety is not rate limiting", T0 + 3602, 3600, 0, 0, 0, 0 },
	{ "an operator's resend counts", T0 + 20000, 3600, 1, 1, 0, 1 },
	{ "an hour after the operator's resend", T0 + 19900 + 3600, 3600, 1, 0, 1, 0 },
	{ "clock stepped back", T0 + 100, 3600, 1, 0, 0, 1 },
	{ "the limit is the configured one", T0 + 19900 + 3600 + 60, 60, 1, 0, 1, 0 },
};

START_TEST(test_repeat_rate_limited)
{
	const char *path = db_path("ratelimit.db");
	struct bz_store *st = open_ok(path, 1000);
	struct render_state rs = { 0 };
	struct bz_submission in = sample(2026, SHA_A, SHA_B);
	struct bz_record_opts opts = { T0, 3600, 0 };
	struct bz_submission_out first, again;
	size_t rows = 1, limited = 0, answered = 0;
	char sql[256];

	ck_assert_int_eq(bz_store_record_submission_at(st, &in, render, &rs, &opts,
	    &first), BZ_STORE_OK);
	ck_assert_int_eq(first.queued, 1);
	ck_assert_int_eq(first.rate_limited, 0);
	in.message_sha256 = SHA_C;	/* another outer message, same content */
	for (size_t i = 0; i < sizeof(resend_steps) / sizeof(resend_steps[0]); i++) {
		if (resend_steps[i].resend_first) {
			ck_assert_int_eq(bz_store_outbox_enqueue(st, first.folio, "acuse",
			    "rh@empresa.example", "resent", 6, resend_steps[i].now - 100),
			    BZ_STORE_OK);
			rows++;
		}
		opts.now = resend_steps[i].now;
		opts.resend_interval = resend_steps[i].interval;
		ck_assert_int_eq(bz_store_record_submission_at(st, &in,
		    resend_steps[i].reply ? render : NULL, &rs, &opts, &again),
		    BZ_STORE_OK);
		ck_assert_msg(again.repeat == 1 && strcmp(again.folio, first.folio) == 0 &&
		    again.arrival_utc == first.arrival_utc,
		    "%s: not the original filing (%s)", resend_steps[i].what, again.folio);
		ck_assert_msg(again.queued == resend_steps[i].queued &&
		    again.rate_limited == resend_steps[i].rate_limited,
		    "%s: queued %zu rate_limited %d, want %zu %d", resend_steps[i].what,
		    again.queued, again.rate_limited, resend_steps[i].queued,
		    resend_steps[i].rate_limited);
		rows += again.queued;
		limited += (size_t)again.rate_limited;
		answered += resend_steps[i].reply && !again.rate_limited;
		ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM outbox"), rows);
		/* A queued copy carries this step's instant, so the next step
		 * counts from it. */
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE "
		    "created_utc = %lld", (long long)resend_steps[i].now);
		ck_assert_int_ge(count_rows(path, sql), (long long)again.queued);
	}
	ck_assert_int_eq(rs.calls, 1);	/* only the filing rendered */
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM submissions"), 1);
	/* Every repeat is in the log; the limited ones say why. */
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM events WHERE kind = "
	    "'repeat'"), sizeof(resend_steps) / sizeof(resend_steps[0]));
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM events WHERE kind = "
	    "'repeat' AND detail LIKE '%\"reply\": false, \"reason\": \"rate limited\"%'"),
	    (long long)limited);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM events WHERE kind = "
	    "'repeat' AND detail LIKE '%\"reply\": true%'"), (long long)answered);
	ck_assert_uint_eq(answered, 4);
	ck_assert_uint_eq(limited, 5);
	bz_store_close(st);
}
END_TEST

/* A filing never answered (loop safety) has no acuse to limit or resend. */
START_TEST(test_repeat_of_unanswered_not_limited)
{
	const char *path = db_path("unanswered.db");
	struct bz_store *st = open_ok(path, 1000);
	struct render_state rs = { 0 };
	struct bz_submission in = sample(2026, SHA_A, SHA_B);
	struct bz_record_opts opts = { T0, 3600, 0 };
	struct bz_submission_out first, again;

	ck_assert_int_eq(bz_store_record_submission_at(st, &in, NULL, NULL, &opts,
	    &first), BZ_STORE_OK);
	ck_assert_int_eq(first.queued, 0);
	opts.now = T0 + 1;
	ck_assert_int_eq(bz_store_record_submission_at(st, &in, render, &rs, &opts,
	    &again), BZ_STORE_OK);
	ck_assert_int_eq(again.repeat, 1);
	ck_assert_int_eq(again.queued, 0);
	ck_assert_int_eq(again.rate_limited, 0);
	ck_assert_int_eq(rs.calls, 0);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM events WHERE "
	    "detail LIKE '%rate limited%'"), 0);
	bz_store_close(st);
}
END_TEST

/* Listing by signer RFC and arrival. */
START_TEST(test_list)
{
	const char *path = db_path("list.db");
	struct bz_store *st = open_ok(path, 1000);
	struct render_state rs = { 0 };
	struct bz_submission in;
	struct bz_submission_out out;
	char **folios;
	size_t n;

	in = sample(2026, SHA_A, SHA_B);
	ck_assert_int_eq(bz_store_record_submission(st, &in, NULL, NULL, &out), BZ_STORE_OK);
	in = sample(2026, SHA_C, SHA_B);
	in.signer.rfc = (char *)"BBB020202BBB";
	in.arrival_utc += 86400;
	ck_assert_int_eq(bz_store_record_submission(st, &in, render, &rs, &out), BZ_STORE_OK);
	in = sample(2026, SHA_D, SHA_B);
	in.arrival_utc += 2 * 86400;
	ck_assert_int_eq(bz_store_record_submission(st, &in, NULL, NULL, &out), BZ_STORE_OK);

	ck_assert_int_eq(bz_store_submission_list(st, NULL, 0, &folios, &n), BZ_STORE_OK);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(folios[2], "BZ-2026-00000003");
	for (size_t i = 0; i < n; i++)
		free(folios[i]);
	free(folios);
	ck_assert_int_eq(bz_store_submission_list(st, "AAA010101AAA", 0, &folios, &n),
	    BZ_STORE_OK);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(folios[0], "BZ-2026-00000001");
	ck_assert_str_eq(folios[1], "BZ-2026-00000003");
	for (size_t i = 0; i < n; i++)
		free(folios[i]);
	free(folios);
	ck_assert_int_eq(bz_store_submission_list(st, "AAA010101AAA", 1781600000 + 86400,
	    &folios, &n), BZ_STORE_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(folios[0], "BZ-2026-00000003");
	free(folios[0]);
	free(folios);
	ck_assert_int_eq(bz_store_submission_list(st, "ZZZ", 0, &folios, &n), BZ_STORE_OK);
	ck_assert_int_eq(n, 0);
	bz_store_close(st);
}
END_TEST

START_TEST(test_roundtrip_get)
{
	const char *path = db_path("get.db");
	struct bz_store *st = open_ok(path, 1000);
	struct render_state rs = { 0 };
	struct bz_submission in = sample(2026, SHA_A, SHA_B), got;
	struct bz_submission_out out;
	const char *two[] = { "buzon@imss.gob.mx", "otro@imss.gob.mx" };
	size_t nr;

	bz_reasons_add(&in.reasons, bz_reason_all(&nr)[0].code);
	in.legal_basis = "lft+cff";
	in.first_hour = "09:30";
	in.env_rcpts = two;
	in.n_rcpts = 2;
	ck_assert_int_eq(bz_store_record_submission(st, &in, render, &rs, &out),
	    BZ_STORE_OK);
	ck_assert_int_eq(bz_store_submission_get(st, out.folio, &got), BZ_STORE_OK);
	ck_assert_str_eq(got.folio, out.folio);
	ck_assert_str_eq(got.signer.rfc, "AAA010101AAA");
	ck_assert_str_eq(got.signer.cert_sha256, SHA_B);
	ck_assert_int_eq(got.signer.moral, 1);
	ck_assert_ptr_null(got.signer.curp);
	ck_assert_int_eq(got.n_parts, 2);
	ck_assert_str_eq(got.parts[0].name, "escrito.pdf");
	ck_assert_ptr_null(got.parts[1].name);
	ck_assert_int_eq(got.parts[0].size, 12345);
	ck_assert_str_eq(got.parts[1].sha256, SHA_D);
	ck_assert_int_eq(got.n_rcpts, 2);
	ck_assert_str_eq(got.env_rcpts[1], "otro@imss.gob.mx");
	ck_assert_int_eq(got.reasons.n, 1);
	ck_assert_int_eq(got.verdict, BZ_VERDICT_ACCEPTED);
	ck_assert_int_eq(got.trust, BZ_CHECK_PASS);
	ck_assert_str_eq(got.acuse_status, "queued");
	ck_assert_int_eq(got.legal_year, 2026);
	ck_assert_str_eq(got.legal_basis, "lft+cff");
	ck_assert_str_eq(got.first_hour, "09:30");
	bz_submission_free(&got);
	ck_assert_int_eq(bz_store_submission_get(st, "BZ-2026-00000099", &got),
	    BZ_STORE_NOTFOUND);
	bz_store_close(st);
	bz_reasons_free(&in.reasons);
}
END_TEST

START_TEST(test_render_failure_rolls_back)
{
	const char *path = db_path("renderfail.db");
	struct bz_store *st = open_ok(path, 1000);
	struct render_state rs = { 0, 1, "", 0 };
	struct bz_submission in = sample(2026, SHA_A, SHA_B);
	struct bz_submission_out out;

	ck_assert_int_eq(bz_store_record_submission(st, &in, render, &rs, &out),
	    BZ_STORE_TEMPFAIL);
	ck_assert_str_eq(out.folio, "");
	bz_store_close(st);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM submissions"), 0);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM parts"), 0);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM events"), 0);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM outbox"), 0);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM folio_counter"), 0);
	/* The folio was not consumed: the next filing still gets 1. */
	st = open_ok(path, 1000);
	rs.fail = 0;
	ck_assert_int_eq(bz_store_record_submission(st, &in, render, &rs, &out),
	    BZ_STORE_OK);
	ck_assert_str_eq(out.folio, "BZ-2026-00000001");
	bz_store_close(st);
}
END_TEST

/* fill_chain - three submissions and an event: four+ chained rows */
static void
fill_chain(const char *path)
{
	struct bz_store *st = open_ok(path, 1000);
	struct render_state rs = { 0 };
	struct bz_chain_result res;

	for (int i = 0; i < 3; i++) {
		struct bz_submission in = sample(2026, i == 0 ? SHA_A : i == 1 ? SHA_C :
		    SHA_D, SHA_B);
		struct bz_submission_out out;

		ck_assert_int_eq(bz_store_record_submission(st, &in, render, &rs, &out),
		    BZ_STORE_OK);
	}
	ck_assert_int_eq(bz_store_event_append(st, 1781600100, "note", NULL, "{}"),
	    BZ_STORE_OK);
	ck_assert_int_eq(bz_store_verify_chain(st, &res), BZ_STORE_OK);
	ck_assert_int_eq(res.rows, 4);
	ck_assert_int_eq(res.broken_id, 0);
	ck_assert_int_eq(strlen(res.head), 64);
	bz_store_close(st);
}

/* How the log can be tampered with, and which row verify-chain must name. */
static const struct {
	const char *sql;
	long long broken;
} tamper[] = {
	{ "UPDATE events SET detail = '{\"qid\": \"forged\"}' WHERE id = 2", 2 },
	{ "UPDATE events SET at_utc = at_utc - 86400 WHERE id = 3", 3 },
	{ "UPDATE events SET folio = 'BZ-2026-00000009' WHERE id = 1", 1 },
	{ "UPDATE events SET kind = 'x' WHERE id = 4", 4 },
	{ "DELETE FROM events WHERE id = 2", 3 },
	{ "UPDATE events SET hash = '" SHA_A "' WHERE id = 2", 2 },
	{ "UPDATE events SET prev_hash = '" SHA_A "' WHERE id = 3", 3 },
};

START_TEST(test_chain_tamper)
{
	const char *path = db_path("chain.db");
	struct bz_store *st;
	struct bz_chain_result res;
	char sql[512];
	sqlite3 *db;

	fill_chain(path);
	/* Through SQLite the log refuses changes ... */
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_ne(sqlite3_exec(db, tamper[_i].sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	/* ... and with the triggers dropped the chain shows the change. */
	snprintf(sql, sizeof(sql), "DROP TRIGGER events_no_update; DROP TRIGGER "
	    "events_no_delete; %s", tamper[_i].sql);
	exec_raw(path, sql);
	st = open_ok(path, 1000);
	ck_assert_int_eq(bz_store_verify_chain(st, &res), BZ_STORE_OK);
	ck_assert_msg(res.broken_id == tamper[_i].broken, "%s: broken %lld, want %lld",
	    tamper[_i].sql, (long long)res.broken_id, tamper[_i].broken);
	ck_assert_ptr_nonnull(res.why);
	bz_store_close(st);
}
END_TEST

/* writer_child - record filings until killed (never returns) */
static void
writer_child(const char *path, int base)
{
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_store *st = bz_store_open(path, 30000, 0, &err);
	struct render_state rs = { 0 };
	char sig[65];

	if (st == NULL)
		_exit(3);
	for (int i = 0;; i++) {
		struct bz_submission in;
		struct bz_submission_out out;

		snprintf(sig, sizeof(sig), "%064x", base + i);
		in = sample(2026, sig, SHA_B);
		if (bz_store_record_submission(st, &in, render, &rs, &out) != BZ_STORE_OK)
			_exit(4);
	}
}

/*
 * Crash safety at the store level: a writer killed with SIGKILL at an
 * arbitrary point, five times. After recovery every filing has its event
 * and its acuse row, folios have no gap or duplicate, the chain holds.
 */
START_TEST(test_kill9_consistency)
{
	const char *path = db_path("kill9.db");
	struct bz_store *st = open_ok(path, 1000);
	struct bz_chain_result chain;
	long long n;

	bz_store_close(st);
	for (int round = 0; round < 5; round++) {
		long long before = count_rows(path, "SELECT count(*) FROM submissions");
		pid_t pid = fork();
		int status, waited = 0;

		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			writer_child(path, (round + 1) * 1000000);
		/* Let it commit some filings (progress, not speed, is awaited). */
		while (count_rows(path, "SELECT count(*) FROM submissions") < before + 15 &&
		    waited++ < 3000 * test_timeout_scale()) {
			ck_assert_int_eq(waitpid(pid, &status, WNOHANG), 0);
			usleep(10000);
		}
		usleep(1000 * (round * 7 % 5));	/* vary where the kill lands */
		kill(pid, SIGKILL);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	}
	st = open_ok(path, 1000);
	ck_assert_int_eq(bz_store_verify_chain(st, &chain), BZ_STORE_OK);
	ck_assert_int_eq(chain.broken_id, 0);
	bz_store_close(st);
	n = count_rows(path, "SELECT count(*) FROM submissions");
	ck_assert_int_ge(n, 75);
	ck_assert_int_eq(count_rows(path, "SELECT max(seq) FROM submissions"), n);
	ck_assert_int_eq(count_rows(path, "SELECT last FROM folio_counter WHERE year = "
	    "2026"), n);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM events WHERE kind = "
	    "'submission'"), n);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM submissions s WHERE "
	    "NOT EXISTS (SELECT 1 FROM outbox o WHERE o.folio = s.folio) OR "
	    "(SELECT count(*) FROM parts p WHERE p.folio = s.folio) != 2"), 0);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM outbox"), n);
}
END_TEST

START_TEST(test_locked_database_tempfail)
{
	const char *path = db_path("locked.db");
	struct bz_store *st = open_ok(path, 200);
	struct render_state rs = { 0 };
	struct bz_submission in = sample(2026, SHA_A, SHA_B);
	struct bz_submission_out out;
	sqlite3 *holder;

	ck_assert_int_eq(sqlite3_open(path, &holder), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(holder, "BEGIN EXCLUSIVE", NULL, NULL, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(bz_store_record_submission(st, &in, render, &rs, &out),
	    BZ_STORE_TEMPFAIL);
	ck_assert_int_eq(rs.calls, 0);
	ck_assert_int_eq(bz_store_outbox_enqueue(st, NULL, "acuse", "a@b", "x", 1, 1),
	    BZ_STORE_TEMPFAIL);
	sqlite3_exec(holder, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(holder);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM submissions"), 0);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM events"), 0);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM outbox"), 0);
	/* The same connection works once the lock is gone. */
	ck_assert_int_eq(bz_store_record_submission(st, &in, render, &rs, &out),
	    BZ_STORE_OK);
	ck_assert_str_eq(out.folio, "BZ-2026-00000001");
	bz_store_close(st);
}
END_TEST

START_TEST(test_pool)
{
	const char *path = db_path("pool.db");
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_store_pool *pool = bz_store_pool_new(path, 1000, 2, &err);
	struct bz_store *a, *b, *c;

	ck_assert_msg(pool != NULL, "%s", bz_buf_str(&err));
	a = bz_store_pool_get(pool);
	b = bz_store_pool_get(pool);
	c = bz_store_pool_get(pool);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_ne(a, b);
	ck_assert_ptr_ne(b, c);
	bz_store_pool_put(pool, a);
	bz_store_pool_put(pool, b);
	bz_store_pool_put(pool, c);	/* beyond max_idle: closed */
	ck_assert_ptr_eq(bz_store_pool_get(pool), b);
	bz_store_pool_put(pool, b);
	bz_store_pool_free(pool);
	bz_buf_free(&err);
	/* A pool on a newer database fails at start-up, not at the first mail. */
	exec_raw(path, "PRAGMA user_version = 99");
	ck_assert_ptr_null(bz_store_pool_new(path, 1000, 2, &err));
	bz_buf_free(&err);
}
END_TEST

/* ---- content-addressed spool ---- */

/* read_file - whole file into a buffer; -1 when missing */
static long
read_file(const char *path, struct bz_buf *b)
{
	char chunk[4096];
	ssize_t k;
	int fd = open(path, O_RDONLY);

	bz_buf_reset(b);
	if (fd < 0)
		return -1;
	while ((k = read(fd, chunk, sizeof(chunk))) > 0)
		bz_buf_append(b, chunk, (size_t)k);
	close(fd);
	return (long)b->len;
}

/* count_tmp - temporary files (.cas-*) left in a spool directory */
static int
count_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, ".cas-", 5) == 0)
			n++;
	closedir(d);
	return n;
}

/* The SHA-256 of "abc" (FIPS 180-2 example). */
#define ABC_SHA "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

START_TEST(test_cas_put)
{
	char dir[512], sha[65], sha2[65];
	struct bz_buf path = BZ_BUF_INIT, err = BZ_BUF_INIT, data = BZ_BUF_INIT,
	    expect = BZ_BUF_INIT;
	mode_t old = umask(0);
	int fd;

	snprintf(dir, sizeof(dir), "%s/cas", test_tmpdir());
	ck_assert_int_eq(mkdir(dir, 0700) == 0 || errno == EEXIST, 1);
	ck_assert_msg(bz_cas_put(dir, "abc", 3, sha, &path, &err) == 0, "%s",
	    bz_buf_str(&err));
	ck_assert_str_eq(sha, ABC_SHA);
	bz_buf_printf(&expect, "%s/ba/%s", dir, ABC_SHA + 2);
	ck_assert_str_eq(bz_buf_str(&path), bz_buf_str(&expect));
	ck_assert_int_eq(read_file(bz_buf_str(&path), &data), 3);
	ck_assert_int_eq(memcmp(data.data, "abc", 3), 0);
	ck_assert_int_eq(file_mode(bz_buf_str(&path)), 0600);
	/* Idempotent: the same content again is fine. */
	ck_assert_int_eq(bz_cas_put(dir, "abc", 3, sha2, &path, &err), 0);
	ck_assert_str_eq(sha2, ABC_SHA);
	/* A damaged copy is replaced by the right bytes. */
	fd = open(bz_buf_str(&expect), O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "abd", 3), 3);
	close(fd);
	ck_assert_int_eq(bz_cas_put(dir, "abc", 3, sha2, &path, &err), 0);
	ck_assert_int_eq(read_file(bz_buf_str(&path), &data), 3);
	ck_assert_int_eq(memcmp(data.data, "abc", 3), 0);
	/* From a file descriptor (the daemon's spool file), from its offset. */
	fd = open(bz_buf_str(&expect), O_RDONLY);
	ck_assert_int_eq(lseek(fd, 1, SEEK_SET), 1);
	ck_assert_int_eq(bz_cas_put_fd(dir, fd, sha2, &path, &err), 0);
	close(fd);
	ck_assert_int_eq(read_file(bz_buf_str(&path), &data), 2);
	ck_assert_int_eq(memcmp(data.data, "bc", 2), 0);
	/* No temporary file left behind. */
	ck_assert_int_eq(count_tmp(dir), 0);
	umask(old);
	bz_buf_free(&path);
	bz_buf_free(&err);
	bz_buf_free(&data);
	bz_buf_free(&expect);
}
END_TEST

/* mount_small - a tmpfs of size bytes at dir; 0, or -1 with SKIP printed */
static int
mount_small(const char *dir, const char *size)
{
	char opts[64];

	ck_assert_int_eq(mkdir(dir, 0700) == 0 || errno == EEXIST, 1);
	snprintf(opts, sizeof(opts), "size=%s,mode=0700", size);
	if (geteuid() != 0 || mount("tmpfs", dir, "tmpfs", 0, opts) < 0) {
		printf("SKIP: disk-full test needs root to mount a small tmpfs "
		    "(%s)\n", geteuid() != 0 ? "not root" : strerror(errno));
		fflush(stdout);
		return -1;
	}
	return 0;
}

/* fill_up - write a file until the file system is full */
static void
fill_up(const char *dir)
{
	char path[600], block[4096];
	int fd;

	memset(block, 'f', sizeof(block));
	snprintf(path, sizeof(path), "%s/filler", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	while (write(fd, block, sizeof(block)) > 0)
		;
	ck_assert_int_eq(errno, ENOSPC);
	close(fd);
}

START_TEST(test_disk_full_tempfail)
{
	char dir[512], path[600], sha[65];
	struct bz_buf err = BZ_BUF_INIT, cpath = BZ_BUF_INIT;
	struct render_state rs = { 0 };
	struct bz_submission in = sample(2026, SHA_A, SHA_B);
	struct bz_submission_out out;
	struct bz_store *st;
	char *big;

	snprintf(dir, sizeof(dir), "%s/full", test_tmpdir());
	if (mount_small(dir, "2m") < 0)
		return;
	snprintf(path, sizeof(path), "%s/buzon.db", dir);
	st = open_ok(path, 1000);
	ck_assert_int_eq(bz_store_record_submission(st, &in, render, &rs, &out),
	    BZ_STORE_OK);
	fill_up(dir);

	/* The spool refuses cleanly: errno says why, no temporary file stays. */
	big = calloc(1, 256 * 1024);
	ck_assert_int_eq(bz_cas_put(dir, big, 256 * 1024, sha, &cpath, &err), -1);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_msg(strstr(bz_buf_str(&err), "No space") != NULL, "%s",
	    bz_buf_str(&err));
	ck_assert_int_eq(count_tmp(dir), 0);
	free(big);

	/* The database refuses cleanly: tempfail and nothing half-written. */
	in.signed_sha256 = SHA_C;
	rs.pad = 512 * 1024;
	ck_assert_int_eq(bz_store_record_submission(st, &in, render, &rs, &out),
	    BZ_STORE_TEMPFAIL);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM submissions"), 1);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM events"), 1);
	ck_assert_int_eq(count_rows(path, "SELECT count(*) FROM outbox"), 1);
	ck_assert_int_eq(count_rows(path, "SELECT last FROM folio_counter"), 1);

	/* Space again: the same connection records the filing with folio 2. */
	snprintf(path, sizeof(path), "%s/filler", dir);
	unlink(path);
	rs.pad = 0;
	ck_assert_int_eq(bz_store_record_submission(st, &in, render, &rs, &out),
	    BZ_STORE_OK);
	ck_assert_str_eq(out.folio, "BZ-2026-00000002");
	bz_store_close(st);
	umount2(dir, MNT_DETACH);
	bz_buf_free(&err);
	bz_buf_free(&cpath);
}
END_TEST

Suite *
suite_store(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_folio_format_parse, 0,
	    sizeof(folio_cases) / sizeof(folio_cases[0]));
	tcase_add_test(tc, test_create_schema_and_modes);
	tcase_add_loop_test(tc, test_connection_settings, 0,
	    sizeof(pragma_cases) / sizeof(pragma_cases[0]));
	tcase_add_test(tc, test_migrate_from_v1);
	tcase_add_test(tc, test_migrate_from_v2);
	tcase_add_test(tc, test_rule_set_columns);
	tcase_add_test(tc, test_newer_database_refused);
	tcase_add_test(tc, test_not_wal_refused);
	tcase_add_test(tc, test_folio_per_year);
	tcase_add_test(tc, test_folio_unique_under_threads);
	tcase_add_test(tc, test_group_commit);
	tcase_add_test(tc, test_outbox_mark_all);
	tcase_add_test(tc, test_repeat_same_folio);
	tcase_add_test(tc, test_repeat_after_resend);
	tcase_add_test(tc, test_kept_acuse_and_digests);
	tcase_add_test(tc, test_repeat_rate_limited);
	tcase_add_test(tc, test_repeat_of_unanswered_not_limited);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_roundtrip_get);
	tcase_add_test(tc, test_render_failure_rolls_back);
	tcase_add_loop_test(tc, test_chain_tamper, 0, sizeof(tamper) / sizeof(tamper[0]));
	tcase_add_test(tc, test_kill9_consistency);
	tcase_add_test(tc, test_locked_database_tempfail);
	tcase_add_test(tc, test_pool);
	tcase_add_test(tc, test_cas_put);
	tcase_add_test(tc, test_disk_full_tempfail);
	suite_add_tcase(s, tc);
	return s;
}
