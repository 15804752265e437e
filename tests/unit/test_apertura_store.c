/*
 * test_apertura_store - opening, the deemed step and the reply's
 *			 notification in a real SQLite store
 *			 (core/notification_{open,deemed,reply,acuse}.c)
 *
 * "Abierta: se registra el momento y la notificación legal (regla
 * notification); una segunda apertura no cambia el instante. Sin apertura
 * en los tres días hábiles siguientes al aviso, se tiene por notificada el
 * cuarto día hábil a las 9:30, una sola vez aunque el paso corra dos
 * veces, a la vez, o tras una caída." Each notification here is a real
 * department filing (spooled message, record) with its NT row, signed
 * acuses by the test PKI's institution key.
 */
#include "build-aux/config.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buzon/apertura.h"
#include "buzon/buf.h"
#include "buzon/db.h"
#include "buzon/calendar.h"
#include "buzon/consulta.h"
#include "buzon/notification.h"
#include "buzon/receipt.h"
#include "buzon/store.h"
#include "buzon/store_sql.h"
#include "pki.h"
#include "suites.h"

/* Mexico City is UTC-6 (no DST since 2022). */
#define MON_2000	1780365600	/* 2026-06-02T02:00:00Z: Monday 20:00 local */
#define TUE_0930	1780414200	/* 2026-06-02T15:30:00Z */
#define TUE_1000	1780416000	/* 2026-06-02T16:00:00Z: aviso released */
#define WED_1000	1780502400	/* 2026-06-03T16:00:00Z */
#define WED_1100	1780506000	/* 2026-06-03T17:00:00Z */
#define WED_2000	1780538400	/* 2026-06-04T02:00:00Z */
#define THU_0930	1780587000	/* 2026-06-04T15:30:00Z */
#define MON_0929	1780932540	/* 2026-06-08T15:29:00Z */
#define MON_0930	1780932600	/* 2026-06-08T15:30:00Z: day 4 */

#define SHA_X "1111111111111111111111111111111111111111111111111111111111111111"

static char db_path[512];

/* fixture - store, calendar, signer and one released notification */
struct fixture {
	struct bz_store *st;
	struct bz_calendar *cal;
	struct bz_receipt_signer *signer;
	struct bz_notif_acuse_opts o;
	char	 folio[BZ_NOTIF_FOLIO_LEN];
	int64_t	 id;
};

/* department_filing - the official's message on disk and its record */
static void
department_filing(struct bz_store *st, char folio[BZ_FOLIO_LEN])
{
	static const char *const rcpts[] = { "notificaciones@imss.test" };
	struct bz_submission s;
	struct bz_submission_out out;
	char spool[600];
	FILE *fp;

	snprintf(spool, sizeof(spool), "%s/notified.eml", test_tmpdir());
	fp = fopen(spool, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("From: cobranza@imss.test\r\nSubject: x\r\n\r\nRequerimiento.\r\n", fp);
	fclose(fp);
	memset(&s, 0, sizeof(s));
	s.qid = "t";
	s.arrival_utc = s.legal_utc = TUE_1000;
	s.legal_year = 2026;
	s.legal_rule = BZ_RULE_SUBMISSION_ARRIVAL;
	s.legal_basis = "lft";
	s.first_hour = "00:00";
	s.calendar_version = "sha256:none";
	s.signer.rfc = (char *)"PEGJ800101AB3";
	s.signer.name = (char *)"JUAN PEREZ GARCIA";
	s.signer.no_certificado = (char *)"30001000000700000001";
	s.signer.cert_sha256 = (char *)SHA_X;
	s.integrity = s.trust = s.identity = BZ_CHECK_PASS;
	s.verdict = BZ_VERDICT_ACCEPTED;
	bz_reasons_init(&s.reasons);
	s.message_sha256 = SHA_X;
	s.signed_sha256 = SHA_X;
	s.env_from = "cobranza@imss.test";
	s.env_rcpts = rcpts;
	s.n_rcpts = 1;
	s.spool_path = spool;
	ck_assert_int_eq(bz_store_record_submission(st, &s, NULL, NULL, &out), BZ_STORE_OK);
	memcpy(folio, out.folio, BZ_FOLIO_LEN);
}

/* setup_at - a notification of EBU200101AB8 accepted at created (Monday
 * 20:00 or Tuesday 10:00: days 06-03..06-05, deemed Monday 06-08 09:30) */
static void
setup_at(struct fixture *f, const char *name, int64_t created)
{
	static struct bz_official off = { "PEGJ800101AB3", "cobranza@imss.test",
	    "Jefatura de Cobranza" };
	static struct bz_notif_request req = { "EBU200101AB8", "Requerimiento", NULL };
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_notif_new n;
	struct bz_window w;
	char bz[BZ_FOLIO_LEN], cert[512], key[512];

	memset(f, 0, sizeof(f[0]));
	snprintf(db_path, sizeof(db_path), "%s/%s", test_tmpdir(), name);
	unlink(db_path);
	f->st = bz_store_open(db_path, 5000, 0, &err);
	ck_assert_msg(f->st != NULL, "%s", bz_buf_str(&err));
	f->cal = bz_calendar_load(NULL, 0, BZ_BASIS_LFT, 0, &err);
	ck_assert_msg(f->cal != NULL, "%s", bz_buf_str(&err));
	snprintf(cert, sizeof(cert), "%s", test_pki_path("institution.crt"));
	snprintf(key, sizeof(key), "%s", test_pki_path("institution.key"));
	f->signer = bz_receipt_signer_load(cert, key, NULL, &err);
	ck_assert_msg(f->signer != NULL, "%s", bz_buf_str(&err));
	bz_buf_free(&err);
	f->o.signer = f->signer;
	f->o.tz = bz_calendar_zone(f->cal);
	f->o.from = "buzon@imss.test";
	f->o.now = TUE_1000;

	department_filing(f->st, bz);
	memset(&n, 0, sizeof(n));
	n.submission_folio = bz;
	n.req = &req;
	n.official = &off;
	n.message_id_domain = "imss.test";
	n.created_utc = created;
	n.year = 2026;
	ck_assert_int_eq(bz_notification_plan(f->cal, created, &n.planned_utc, &w), 0);
	n.day = w.day;
	n.deemed = &w.deemed;
	n.deemed_due_utc = w.deemed_utc;
	n.window_rule = w.rule;
	n.calendar_version = w.version;
	ck_assert_int_eq(w.deemed_utc, MON_0930);
	ck_assert_int_eq(store_begin(f->st, "t"), 0);
	ck_assert_int_eq(bz_notification_create_locked(f->st, "t", &n), 0);
	ck_assert_int_eq(store_commit(f->st, "t"), 0);
	snprintf(f->folio, sizeof(f->folio), "%s", n.folio);
	f->id = n.id;
}

/* setup - accepted Tuesday 10:00 (see release below) */
static void
setup(struct fixture *f, const char *name)
{
	setup_at(f, name, TUE_1000);
}

/* release - the aviso queued (as the release step does: row and event) */
static void
release(struct fixture *f)
{
	ck_assert_int_eq(store_begin(f->st, "t"), 0);
	ck_assert_int_eq(sqlite3_exec(bz_db_sqlite(store_db(f->st)), "UPDATE notifications SET "
	    "aviso_queued_utc = 1780416000", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(bz_notification_event_locked(f->st, "t", TUE_1000,
	    BZ_NOTIF_EV_QUEUED, f->id, "recipients", "1"), 0);
	ck_assert_int_eq(store_commit(f->st, "t"), 0);
}

static void
teardown(struct fixture *f)
{
	bz_receipt_signer_unref(f->signer);
	bz_calendar_free(f->cal);
	bz_store_close(f->st);
}

/* count - one integer from SQL */
static int64_t
count(struct bz_store *st, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(bz_db_sqlite(store_db(st)), sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* bad_rows - rows verify_rows names */
static void
bad(void *arg, const char *label, const char *why)
{
	(void)label;
	(void)why;
	(*(int *)arg)++;
}

static int
bad_rows(struct bz_store *st)
{
	int64_t checked;
	int n = 0;

	ck_assert_int_eq(bz_notification_verify_rows(st, bad, &n, &checked), BZ_STORE_OK);
	return n;
}

/* open_at - bz_notification_open_locked in its own transaction */
static int
open_at(struct fixture *f, int64_t when)
{
	struct bz_buf err = BZ_BUF_INIT;
	int r;

	ck_assert_int_eq(store_begin(f->st, "t"), 0);
	r = bz_notification_open_locked(f->st, "t", f->folio, f->cal, when,
	    "BZ-2026-00000099", &f->o, &err);
	ck_assert_msg(r >= 0, "%s", bz_buf_str(&err));
	ck_assert_int_eq(store_commit(f->st, "t"), 0);
	bz_buf_free(&err);
	return r;
}

/* issue_due - the worker's step for due acuses; how many it issued */
static size_t
issue_due(struct fixture *f)
{
	size_t k;

	ck_assert_int_eq(bz_notification_acuse_due(f->st, &f->o, &k), BZ_STORE_OK);
	return k;
}

/* The deemed step is due only from 09:30 of the fourth working day, and
 * issues its constancia once however often it runs. */
START_TEST(test_deem_once)
{
	struct fixture f;
	struct bz_notification n;
	size_t k;

	setup(&f, "deem.db");
	/* an aviso still held is never deemed */
	ck_assert_int_eq(bz_notification_deem(f.st, &f.o, MON_0930, &k), BZ_STORE_OK);
	ck_assert_uint_eq(k, 0);
	release(&f);
	ck_assert_int_eq(bz_notification_deem(f.st, &f.o, MON_0929, &k), BZ_STORE_OK);
	ck_assert_uint_eq(k, 0);
	ck_assert_int_eq(bz_notification_deem(f.st, &f.o, MON_0930, &k), BZ_STORE_OK);
	ck_assert_uint_eq(k, 1);
	ck_assert_int_eq(bz_notification_deem(f.st, &f.o, MON_0930, &k), BZ_STORE_OK);
	ck_assert_uint_eq(k, 0);
	ck_assert_int_eq(bz_notification_deem(f.st, &f.o, MON_0930 + 86400, &k), BZ_STORE_OK);
	ck_assert_uint_eq(k, 0);
	ck_assert_int_eq(count(f.st, "SELECT count(*) FROM outbox WHERE kind = "
	    "'constancia-notificacion'"), 1);	/* the department: no confirmed address */
	ck_assert_int_eq(count(f.st, "SELECT count(*) FROM events WHERE kind = "
	    "'notification-deemed'"), 1);
	ck_assert_int_eq(bz_notification_get(f.st, f.folio, &n), BZ_STORE_OK);
	ck_assert_str_eq(n.state, "deemed");
	ck_assert_int_eq(n.legal_utc, MON_0930);
	ck_assert_int_eq(n.deemed_utc, MON_0930);
	ck_assert_str_eq(n.rule, BZ_RULE_WINDOW_FOURTH_DAY);
	bz_notification_free(&n);
	/* a deemed notification cannot be opened any more */
	ck_assert_int_eq(open_at(&f, MON_0930 + 60), 0);
	ck_assert_int_eq(bad_rows(f.st), 0);
	teardown(&f);
}
END_TEST

/* A constancia that cannot be issued (the notified message gone from the
 * spool) leaves nothing: the row still "sent", no outbox row, no event;
 * once it can, the next run issues it. */
START_TEST(test_deem_failure_atomic)
{
	struct fixture f;
	struct bz_notification n;
	char spool[600], moved[620];
	size_t k;

	setup(&f, "deem-fail.db");
	release(&f);
	snprintf(spool, sizeof(spool), "%s/notified.eml", test_tmpdir());
	snprintf(moved, sizeof(moved), "%s.away", spool);
	ck_assert_int_eq(rename(spool, moved), 0);
	ck_assert_int_eq(bz_notification_deem(f.st, &f.o, MON_0930, &k), BZ_STORE_TEMPFAIL);
	ck_assert_uint_eq(k, 0);
	ck_assert_int_eq(bz_notification_get(f.st, f.folio, &n), BZ_STORE_OK);
	ck_assert_str_eq(n.state, "sent");
	ck_assert_int_eq(n.deemed_utc, 0);
	bz_notification_free(&n);
	ck_assert_int_eq(count(f.st, "SELECT count(*) FROM outbox"), 0);
	ck_assert_int_eq(count(f.st, "SELECT count(*) FROM events WHERE kind = "
	    "'notification-deemed'"), 0);
	ck_assert_int_eq(bad_rows(f.st), 0);
	ck_assert_int_eq(rename(moved, spool), 0);
	ck_assert_int_eq(bz_notification_deem(f.st, &f.o, MON_0930, &k), BZ_STORE_OK);
	ck_assert_uint_eq(k, 1);
	ck_assert_int_eq(count(f.st, "SELECT count(*) FROM outbox"), 1);
	teardown(&f);
}
END_TEST

struct racer {
	int64_t	 clock;
	size_t	 n;
	int	 rc;
	int	 due;		/* the due acuses' step instead */
};

/* race - one more connection runs the deemed step (or the due acuses') */
static void *
race(void *arg)
{
	struct racer *r = arg;
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_store *st = bz_store_open(db_path, 10000, 0, &err);
	struct bz_calendar *cal = bz_calendar_load(NULL, 0, BZ_BASIS_LFT, 0, &err);
	struct bz_receipt_signer *s;
	struct bz_notif_acuse_opts o;
	char cert[512], key[512];

	snprintf(cert, sizeof(cert), "%s/institution.crt", test_pki_dir());
	snprintf(key, sizeof(key), "%s/institution.key", test_pki_dir());
	s = bz_receipt_signer_load(cert, key, NULL, &err);
	memset(&o, 0, sizeof(o));
	o.signer = s;
	o.tz = cal != NULL ? bz_calendar_zone(cal) : NULL;
	o.from = "buzon@imss.test";
	o.now = r->clock;
	r->rc = st == NULL || cal == NULL || s == NULL ? -1 : r->due ?
	    (int)bz_notification_acuse_due(st, &o, &r->n) :
	    (int)bz_notification_deem(st, &o, r->clock, &r->n);
	bz_receipt_signer_unref(s);
	bz_calendar_free(cal);
	bz_store_close(st);
	bz_buf_free(&err);
	return NULL;
}

/* Four connections at once (the daemon's thread and buzonctl tick):
 * exactly one of them deems it. */
START_TEST(test_deem_race)
{
	struct fixture f;
	struct racer r[4];
	pthread_t t[4];
	size_t total = 0;

	setup(&f, "race.db");
	release(&f);
	(void)test_pki_dir();	/* generated before the threads start */
	for (int i = 0; i < 4; i++) {
		r[i].clock = MON_0930 + i;
		r[i].n = 0;
		r[i].due = 0;
		ck_assert_int_eq(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(r[i].rc, BZ_STORE_OK);
		total += r[i].n;
	}
	ck_assert_uint_eq(total, 1);
	ck_assert_int_eq(count(f.st, "SELECT count(*) FROM outbox WHERE kind = "
	    "'constancia-notificacion'"), 1);
	teardown(&f);
}
END_TEST

/* Four connections run the due acuses' step at once: exactly one issues
 * the acuse de notificacion. */
START_TEST(test_acuse_due_race)
{
	struct fixture f;
	struct racer r[4];
	pthread_t t[4];
	size_t total = 0;

	setup(&f, "due-race.db");
	release(&f);
	ck_assert_int_eq(open_at(&f, WED_2000), 1);
	(void)test_pki_dir();
	for (int i = 0; i < 4; i++) {
		r[i].clock = WED_2000;
		r[i].n = 0;
		r[i].due = 1;
		ck_assert_int_eq(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(r[i].rc, BZ_STORE_OK);
		total += r[i].n;
	}
	ck_assert_uint_eq(total, 1);
	ck_assert_int_eq(count(f.st, "SELECT count(*) FROM outbox WHERE kind = "
	    "'acuse-notificacion'"), 1);
	ck_assert_int_eq(count(f.st, "SELECT acuse_due FROM notifications"), 0);
	teardown(&f);
}
END_TEST

/* Opening sets the instant once by the notification rule; the second
 * opening and the deemed step change nothing; a re-send leaves it. */
START_TEST(test_open_once)
{
	struct fixture f;
	struct bz_notification n;
	size_t k;

	setup(&f, "open.db");
	ck_assert_int_eq(open_at(&f, WED_1100), 0);	/* aviso still held */
	release(&f);
	ck_assert_int_eq(open_at(&f, WED_2000), 1);
	ck_assert_int_eq(open_at(&f, WED_1100), 0);
	ck_assert_int_eq(bz_notification_get(f.st, f.folio, &n), BZ_STORE_OK);
	ck_assert_str_eq(n.state, "opened");
	ck_assert_int_eq(n.opened_utc, WED_2000);
	ck_assert_int_eq(n.legal_utc, THU_0930);	/* after 18:00: next day 09:30 */
	ck_assert_str_eq(n.rule, BZ_RULE_NOTIF_AFTER_WINDOW);
	ck_assert_str_eq(n.acuse_folio, "BZ-2026-00000099");
	bz_notification_free(&n);
	ck_assert_int_eq(bz_notification_deem(f.st, &f.o, MON_0930, &k), BZ_STORE_OK);
	ck_assert_uint_eq(k, 0);
	ck_assert_uint_eq(issue_due(&f), 1);
	ck_assert_int_eq(bz_notification_resend(f.st, "t", f.folio, &f.o, WED_2000 + 10,
	    0, &k), BZ_STORE_OK);
	ck_assert_uint_eq(k, 1);
	/* within RepeatResendInterval: nothing */
	ck_assert_int_eq(bz_notification_resend(f.st, "t", f.folio, &f.o, WED_2000 + 20,
	    3600, &k), BZ_STORE_OK);
	ck_assert_uint_eq(k, 0);
	ck_assert_int_eq(bz_notification_get(f.st, f.folio, &n), BZ_STORE_OK);
	ck_assert_int_eq(n.legal_utc, THU_0930);
	bz_notification_free(&n);
	ck_assert_int_eq(count(f.st, "SELECT count(*) FROM outbox WHERE kind = "
	    "'acuse-notificacion'"), 2);
	ck_assert_int_eq(bad_rows(f.st), 0);
	teardown(&f);
}
END_TEST

/* release_step - bz_notification_release at clock (no confirmed address:
 * no aviso mail, the row and its events as always); 1 when it released */
static size_t
release_step(struct fixture *f, int64_t clock)
{
	struct bz_notif_release_opts ro;
	size_t k;

	memset(&ro, 0, sizeof(ro));
	ro.signer = f->signer;
	ro.cal = f->cal;
	ro.from = "notificaciones@imss.test";
	ck_assert_int_eq(bz_notification_release(f->st, &ro, clock, &k), BZ_STORE_OK);
	return k;
}

/* "The release instant is recorded; the three days count from it." An
 * aviso accepted Monday 20:00 is planned for Tuesday 09:30; released on
 * time its days are 06-03..06-05 (deemed Monday 06-08); not released on
 * Tuesday (the daemon down all day) but Wednesday 10:00, they count from
 * Wednesday: 06-04, 06-05, 06-08, deemed Tuesday 06-09 09:30, sealed by
 * an event, stated by the aviso, and the constancia's llegada is the
 * release. */
START_TEST(test_release_late)
{
	struct fixture f;
	struct bz_notification n;
	struct bz_buf text = BZ_BUF_INIT;
	size_t k;

	/* on time: nothing recounted */
	setup_at(&f, "late0.db", MON_2000);
	ck_assert_uint_eq(release_step(&f, TUE_0930 + 5), 1);
	ck_assert_int_eq(bz_notification_get(f.st, f.folio, &n), BZ_STORE_OK);
	ck_assert_str_eq(n.day1, "2026-06-03");
	ck_assert_str_eq(n.day3, "2026-06-05");
	ck_assert_str_eq(n.deemed_date, "2026-06-08");
	ck_assert_int_eq(n.deemed_due_utc, MON_0930);
	bz_notification_free(&n);
	ck_assert_int_eq(count(f.st, "SELECT count(*) FROM events WHERE kind = '"
	    BZ_NOTIF_EV_RECOUNTED "'"), 0);
	teardown(&f);

	/* late: counted from Wednesday */
	setup_at(&f, "late1.db", MON_2000);
	ck_assert_uint_eq(release_step(&f, WED_1000), 1);
	ck_assert_int_eq(bz_notification_get(f.st, f.folio, &n), BZ_STORE_OK);
	ck_assert_int_eq(n.aviso_planned_utc, TUE_0930);	/* the plan stays */
	ck_assert_int_eq(n.aviso_queued_utc, WED_1000);
	ck_assert_str_eq(n.day1, "2026-06-04");
	ck_assert_str_eq(n.day2, "2026-06-05");
	ck_assert_str_eq(n.day3, "2026-06-08");
	ck_assert_str_eq(n.deemed_date, "2026-06-09");
	ck_assert_int_eq(n.deemed_due_utc, MON_0930 + 86400);
	bz_notification_aviso_text(&text, &n, f.cal);
	ck_assert_msg(strstr(bz_buf_str(&text), "abrirla: 2026-06-04, 2026-06-05 y "
	    "2026-06-08.") != NULL, "%s", bz_buf_str(&text));
	ck_assert_msg(strstr(bz_buf_str(&text), "notificada el 2026-06-09 a las "
	    "09:30") != NULL, "%s", bz_buf_str(&text));
	ck_assert_msg(strstr(bz_buf_str(&text), "a partir de 2026-06-03 10:00")
	    != NULL, "%s", bz_buf_str(&text));
	bz_notification_free(&n);
	ck_assert_int_eq(count(f.st, "SELECT count(*) FROM events WHERE kind = '"
	    BZ_NOTIF_EV_RECOUNTED "' AND detail LIKE '%aviso_date%2026-06-03%'"),
	    1);
	ck_assert_int_eq(bad_rows(f.st), 0);
	/* the release step again: already queued, nothing recounted twice */
	ck_assert_uint_eq(release_step(&f, WED_1000 + 86400), 0);
	/* the old deemed instant no longer deems it; the new one does */
	ck_assert_int_eq(bz_notification_deem(f.st, &f.o, MON_0930, &k), BZ_STORE_OK);
	ck_assert_uint_eq(k, 0);
	ck_assert_int_eq(bz_notification_deem(f.st, &f.o, MON_0930 + 86400, &k),
	    BZ_STORE_OK);
	ck_assert_uint_eq(k, 1);
	ck_assert_int_eq(bz_notification_get(f.st, f.folio, &n), BZ_STORE_OK);
	ck_assert_int_eq(n.legal_utc, MON_0930 + 86400);
	{
		struct bz_submission sub;
		struct bz_receipt r;

		memset(&sub, 0, sizeof(sub));
		ck_assert_int_eq(bz_store_submission_get(f.st, n.submission_folio,
		    &sub), BZ_STORE_OK);
		bz_receipt_init(&r);
		bz_notification_acuse_record(&r, &n, &sub, f.o.tz);
		ck_assert_str_eq(r.arrival_utc, "2026-06-03T16:00:00Z");
		bz_receipt_free(&r);
		bz_submission_free(&sub);
	}
	bz_notification_free(&n);
	ck_assert_int_eq(bad_rows(f.st), 0);
	bz_buf_free(&text);
	teardown(&f);
}
END_TEST

/* CONSULTA of a notification re-sends the acuse de notificacion as first
 * queued: not a later re-send (a new rendering, with the repeat note),
 * nothing before the opening, no constancia of an opened one. */
START_TEST(test_consulta_kept)
{
	struct fixture f;
	struct bz_notification n;
	struct bz_buf kept = BZ_BUF_INIT, first = BZ_BUF_INIT;
	sqlite3_stmt *s;
	size_t k;

	setup(&f, "kept.db");
	release(&f);
	ck_assert_int_eq(bz_notification_get(f.st, f.folio, &n), BZ_STORE_OK);
	ck_assert_int_eq(bz_store_consulta_notification_kept(f.st, n.submission_folio,
	    BZ_NOTIF_OUTBOX_ACUSE, &kept), BZ_STORE_NOTFOUND);
	ck_assert_int_eq(open_at(&f, WED_2000), 1);
	/* opened, its acuse not issued yet: CONSULTA's 451 path */
	ck_assert_int_eq(bz_store_consulta_notification_kept(f.st, n.submission_folio,
	    BZ_NOTIF_OUTBOX_ACUSE, &kept), BZ_STORE_NOTFOUND);
	ck_assert_uint_eq(issue_due(&f), 1);
	f.o.appendix = "\nAviso: reenvio.\n";
	ck_assert_int_eq(bz_notification_resend(f.st, "t", f.folio, &f.o, WED_2000 + 10,
	    0, &k), BZ_STORE_OK);
	ck_assert_uint_eq(k, 1);
	ck_assert_int_eq(sqlite3_prepare_v2(bz_db_sqlite(store_db(f.st)), "SELECT message FROM outbox "
	    "WHERE kind = 'acuse-notificacion' ORDER BY id", -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	bz_buf_append(&first, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0));
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);	/* the re-send differs */
	ck_assert(first.len != (size_t)sqlite3_column_bytes(s, 0) || memcmp(first.data,
	    sqlite3_column_blob(s, 0), first.len) != 0);
	sqlite3_finalize(s);
	ck_assert_int_eq(bz_store_consulta_notification_kept(f.st, n.submission_folio,
	    BZ_NOTIF_OUTBOX_ACUSE, &kept), BZ_STORE_OK);
	ck_assert_uint_eq(kept.len, first.len);
	ck_assert_mem_eq(kept.data, first.data, first.len);
	bz_buf_reset(&kept);
	ck_assert_int_eq(bz_store_consulta_notification_kept(f.st, n.submission_folio,
	    BZ_NOTIF_OUTBOX_CONSTANCIA, &kept), BZ_STORE_NOTFOUND);
	bz_notification_free(&n);
	bz_buf_free(&kept);
	bz_buf_free(&first);
	teardown(&f);
}
END_TEST

/* employer_address - one enabled registration of the employer with two
 * confirmed addresses (the acuse goes to them and the department) */
static void
employer_addresses(struct fixture *f)
{
	ck_assert_int_eq(sqlite3_exec(bz_db_sqlite(store_db(f->st)), "INSERT INTO registrations "
	    "(id, rfc, state, mobile, mobile_code_sha256, created_utc, expires_utc) "
	    "VALUES (7, 'EBU200101AB8', 'enabled', '5500000000', 'x', 1, 2);"
	    "INSERT INTO registration_addresses (registration_id, idx, address, "
	    "token_sha256, confirmed_utc) VALUES "
	    "(7, 0, 'rh@empresa.test', 't0', 1), (7, 1, 'legal@empresa.test', 't1', 1)",
	    NULL, NULL, NULL), SQLITE_OK);
}

/* The opening only marks the acuse de notificacion due: no outbox row in
 * its transaction; the worker's step issues it once per address and
 * clears the mark, a second step does nothing, and a mark left by a
 * crash (the step never ran) is issued once after the store is opened
 * again. The acuse carries the opening's instant and the cadena its
 * event sealed. */
START_TEST(test_acuse_due)
{
	static const char *const q_rows = "SELECT count(*) FROM outbox WHERE kind = "
	    "'acuse-notificacion'";
	static const char *const q_due = "SELECT acuse_due FROM notifications";
	struct fixture f;
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_notification n;
	char cadena[65], needle[256];

	setup(&f, "due.db");
	employer_addresses(&f);
	release(&f);
	ck_assert_int_eq(open_at(&f, WED_2000), 1);
	ck_assert_int_eq(count(f.st, q_rows), 0);
	ck_assert_int_eq(count(f.st, q_due), 1);
	ck_assert_int_eq(bad_rows(f.st), 0);
	ck_assert_uint_eq(issue_due(&f), 1);
	ck_assert_int_eq(count(f.st, q_rows), 3);	/* two addresses, department */
	ck_assert_int_eq(count(f.st, "SELECT count(DISTINCT recipient) FROM outbox WHERE "
	    "kind = 'acuse-notificacion'"), 3);
	ck_assert_int_eq(count(f.st, "SELECT count(DISTINCT message) FROM outbox WHERE "
	    "kind = 'acuse-notificacion'"), 1);
	ck_assert_int_eq(count(f.st, q_due), 0);
	ck_assert_uint_eq(issue_due(&f), 0);
	ck_assert_int_eq(count(f.st, q_rows), 3);
	ck_assert_int_eq(bad_rows(f.st), 0);
	/* the same acuse as rendered synchronously: cadena sealed by the
	 * opening's event */
	ck_assert_int_eq(bz_notification_get(f.st, f.folio, &n), BZ_STORE_OK);
	ck_assert_int_eq(bz_notification_acuse_cadena(f.st, &n, &f.o, cadena, &err), 0);
	bz_notification_free(&n);
	snprintf(needle, sizeof(needle), "SELECT count(*) FROM events WHERE kind = "
	    "'notification-opened' AND instr(detail, '%s') > 0", cadena);
	ck_assert_int_eq(count(f.st, needle), 1);
	teardown(&f);

	/* a crash: the opening committed, the step never ran */
	setup(&f, "due-crash.db");
	release(&f);
	ck_assert_int_eq(open_at(&f, WED_2000), 1);
	bz_store_close(f.st);
	f.st = bz_store_open(db_path, 5000, 0, &err);
	ck_assert_msg(f.st != NULL, "%s", bz_buf_str(&err));
	ck_assert_int_eq(count(f.st, q_due), 1);
	ck_assert_int_eq(count(f.st, q_rows), 0);
	ck_assert_uint_eq(issue_due(&f), 1);
	ck_assert_uint_eq(issue_due(&f), 0);
	ck_assert_int_eq(count(f.st, q_rows), 1);	/* the department */
	ck_assert_int_eq(count(f.st, q_due), 0);
	teardown(&f);

	/* a row changed behind the log before the step: not issued, the
	 * mark kept */
	setup(&f, "due-tamper.db");
	release(&f);
	ck_assert_int_eq(open_at(&f, WED_2000), 1);
	ck_assert_int_eq(sqlite3_exec(bz_db_sqlite(store_db(f.st)), "UPDATE notifications SET "
	    "legal_utc = legal_utc + 60", NULL, NULL, NULL), SQLITE_OK);
	{
		size_t k;

		ck_assert_int_eq(bz_notification_acuse_due(f.st, &f.o, &k),
		    BZ_STORE_TEMPFAIL);
		ck_assert_uint_eq(k, 0);
	}
	ck_assert_int_eq(count(f.st, q_rows), 0);
	ck_assert_int_eq(count(f.st, q_due), 1);
	teardown(&f);
	bz_buf_free(&err);
}
END_TEST

/* A repeat that finds the first acuse still due issues that one (no
 * note), so the kept acuse is never the repeat's. */
START_TEST(test_repeat_while_due)
{
	struct fixture f;
	struct bz_buf kept = BZ_BUF_INIT;
	struct bz_notification n;
	size_t k;

	setup(&f, "due-repeat.db");
	release(&f);
	ck_assert_int_eq(open_at(&f, WED_2000), 1);
	f.o.appendix = "\nAviso: reenvio.\n";
	ck_assert_int_eq(bz_notification_resend(f.st, "t", f.folio, &f.o, WED_2000 + 10,
	    0, &k), BZ_STORE_OK);
	ck_assert_uint_eq(k, 1);
	ck_assert_int_eq(count(f.st, "SELECT acuse_due FROM notifications"), 0);
	ck_assert_uint_eq(issue_due(&f), 0);
	ck_assert_int_eq(bz_notification_get(f.st, f.folio, &n), BZ_STORE_OK);
	ck_assert_int_eq(bz_store_consulta_notification_kept(f.st, n.submission_folio,
	    BZ_NOTIF_OUTBOX_ACUSE, &kept), BZ_STORE_OK);
	ck_assert_ptr_null(strstr(bz_buf_str(&kept), "reenvio"));
	bz_notification_free(&n);
	bz_buf_free(&kept);
	teardown(&f);
}
END_TEST

/* The acuse de notificacion and the constancia: the record names the NT
 * folio, the employer, the rule; the sello is the same when rendered
 * again (a re-send is the same acuse). */
START_TEST(test_acuse_record)
{
	struct fixture f;
	struct bz_notification n;
	struct bz_buf a = BZ_BUF_INIT, b = BZ_BUF_INIT, err = BZ_BUF_INIT;
	char ca[65], cb[65];

	setup(&f, "acuse.db");
	release(&f);
	ck_assert_int_eq(open_at(&f, WED_1100), 1);
	ck_assert_int_eq(bz_notification_get(f.st, f.folio, &n), BZ_STORE_OK);
	ck_assert_int_eq(bz_notification_acuse_render(f.st, &n, &f.o, &a, ca, &err), 0);
	f.o.now += 100;
	ck_assert_int_eq(bz_notification_acuse_render(f.st, &n, &f.o, &b, cb, &err), 0);
	ck_assert_str_eq(ca, cb);
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&a), "Subject: Acuse de notificacion NT-2026-"));
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&a), "In-Reply-To: <aviso.NT-2026-"));
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&a), "notificacion-NT-2026-"));
	bz_notification_free(&n);
	bz_buf_free(&a);
	bz_buf_free(&b);
	bz_buf_free(&err);
	teardown(&f);
}
END_TEST

/* A row changed behind the log after the opening or the deemed step is
 * named by verify_rows (buzonctl store verify-chain). */
START_TEST(test_tamper)
{
	static const char *const edits[] = {
		"UPDATE notifications SET legal_utc = legal_utc + 60",
		"UPDATE notifications SET opened_utc = opened_utc - 60",
		"UPDATE notifications SET rule = 'notification.in-window'",
		"UPDATE notifications SET state = 'sent'",
	};
	struct fixture f;

	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		char name[32];

		snprintf(name, sizeof(name), "tamper%zu.db", i);
		setup(&f, name);
		release(&f);
		ck_assert_int_eq(open_at(&f, WED_2000), 1);
		ck_assert_int_eq(bad_rows(f.st), 0);
		ck_assert_int_eq(sqlite3_exec(bz_db_sqlite(store_db(f.st)), edits[i], NULL, NULL, NULL),
		    SQLITE_OK);
		ck_assert_msg(bad_rows(f.st) == 1, "edit %zu not detected", i);
		teardown(&f);
	}
	/* the deemed instant too */
	setup(&f, "tamper-deemed.db");
	release(&f);
	{
		size_t k;

		ck_assert_int_eq(bz_notification_deem(f.st, &f.o, MON_0930, &k), BZ_STORE_OK);
	}
	ck_assert_int_eq(sqlite3_exec(bz_db_sqlite(store_db(f.st)), "UPDATE notifications SET "
	    "deemed_utc = deemed_utc + 86400", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(bad_rows(f.st), 1);
	teardown(&f);
}
END_TEST

/* A reply's candidates count only for a released notification the
 * signer may act on: the employer, or its recorded representative. */
START_TEST(test_answered)
{
	struct fixture f;
	struct bz_apertura_refs refs;
	struct bz_notification n;
	char msgid[80];

	setup(&f, "answered.db");
	memset(&refs, 0, sizeof(refs));
	snprintf(msgid, sizeof(msgid), "<aviso.%s@imss.test>", f.folio);
	refs.msgids[refs.nmsgids++] = strdup("<otro@x.test>");
	refs.msgids[refs.nmsgids++] = strdup(msgid);
	/* held aviso: the employer was not told yet */
	ck_assert_int_eq(bz_notification_answered(f.st, &refs, "EBU200101AB8", &n),
	    BZ_STORE_NOTFOUND);
	release(&f);
	ck_assert_int_eq(bz_notification_answered(f.st, &refs, "EBU200101AB8", &n),
	    BZ_STORE_OK);
	ck_assert_str_eq(n.folio, f.folio);
	bz_notification_free(&n);
	/* another employer, and a representative never recorded */
	ck_assert_int_eq(bz_notification_answered(f.st, &refs, "SICO800101AB1", &n),
	    BZ_STORE_NOTFOUND);
	ck_assert_int_eq(bz_notification_answered(f.st, &refs, "PEGJ800101AB3", &n),
	    BZ_STORE_NOTFOUND);
	bz_apertura_refs_free(&refs);
	/* by the Subject's folio */
	refs.folios[refs.nfolios++] = strdup("NT-2026-99999999");
	refs.folios[refs.nfolios++] = strdup(f.folio);
	ck_assert_int_eq(bz_notification_answered(f.st, &refs, "EBU200101AB8", &n),
	    BZ_STORE_OK);
	bz_notification_free(&n);
	/* the representative recorded at registration may act on it */
	ck_assert_int_eq(sqlite3_exec(bz_db_sqlite(store_db(f.st)), "INSERT INTO registrations (rfc, "
	    "rfc_representante, state, mobile, mobile_code_sha256, created_utc, "
	    "expires_utc) VALUES ('EBU200101AB8', 'PEGJ800101AB3', 'enabled', "
	    "'+525511112222', 'x', 1, 2)", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(bz_notification_answered(f.st, &refs, "PEGJ800101AB3", &n),
	    BZ_STORE_OK);
	bz_notification_free(&n);
	bz_apertura_refs_free(&refs);
	teardown(&f);
}
END_TEST

/* suite_apertura_store - the suite */
Suite *
suite_apertura_store(void)
{
	Suite *s = suite_create("apertura_store");
	TCase *tc = tcase_create("store");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_deem_once);
	tcase_add_test(tc, test_deem_race);
	tcase_add_test(tc, test_deem_failure_atomic);
	tcase_add_test(tc, test_open_once);
	tcase_add_test(tc, test_acuse_due);
	tcase_add_test(tc, test_acuse_due_race);
	tcase_add_test(tc, test_repeat_while_due);
	tcase_add_test(tc, test_consulta_kept);
	tcase_add_test(tc, test_acuse_record);
	tcase_add_test(tc, test_release_late);
	tcase_add_test(tc, test_tamper);
	tcase_add_test(tc, test_answered);
	suite_add_tcase(s, tc);
	return s;
}
