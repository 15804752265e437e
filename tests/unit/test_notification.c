/*
 * test_notification - notifications from the Institute (issue 10, part A):
 *		       OfficialsFile, the signed request's lines, the
 *		       notifications table in a real SQLite store
 *
 * "Departments send to NotifierAddress ... S/MIME-signed with the e.firma
 * of an official listed in OfficialsFile (lines: RFC department-address
 * "department name") ... a first text/plain part with Destinatario:
 * <employer RFC> and Asunto: <subject> lines ... its own folio
 * (NT-YYYY-NNNNNNNN)."
 */
#include "build-aux/config.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buzon/buf.h"
#include "buzon/db.h"
#include "buzon/calendar.h"
#include "buzon/notification.h"
#include "buzon/store.h"
#include "buzon/store_sql.h"
#include "suites.h"

/* ---- OfficialsFile ---- */
static const char officials_ok[] =
	"# officials who may notify\n"
	"\n"
	"  SAGM800101AB1 subdelegacion.centro@imss.test \"Subdelegacion Centro\"\n"
	"sagm800102ab2\tCobranza@IMSS.test\t\"Jefatura de Cobranza \\\"Norte\\\"\"   \r\n"
	"IMS421231I45 juridico@imss.test \"Coordinaci\xc3\xb3n Jur\xc3\xad" "dica\"";

START_TEST(test_officials_ok)
{
	struct bz_officials o;
	struct bz_buf err = BZ_BUF_INIT;
	const struct bz_official *f;

	ck_assert_msg(bz_officials_parse(officials_ok, strlen(officials_ok), "off",
	    &o, &err) == 0, "%s", bz_buf_str(&err));
	ck_assert_uint_eq(o.n, 3);
	f = bz_officials_find(&o, "sagm800102AB2");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->rfc, "SAGM800102AB2");
	ck_assert_str_eq(f->address, "cobranza@imss.test");
	ck_assert_str_eq(f->name, "Jefatura de Cobranza \"Norte\"");
	f = bz_officials_find(&o, "IMS421231I45");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->name, "Coordinaci\xc3\xb3n Jur\xc3\xad" "dica");
	ck_assert_ptr_null(bz_officials_find(&o, "XAXX010101000"));
	ck_assert_ptr_null(bz_officials_find(&o, NULL));
	bz_officials_free(&o);
	bz_buf_free(&err);
}
END_TEST

static const struct {
	const char *text;
	const char *err;		/* expected start of the error */
} officials_bad[] = {
	{ "# a\nNOESRFC a@b.mx \"X\"\n", "f:2: the first word is not an RFC" },
	{ "SAGM800101AB1 no-es-correo \"X\"\n", "f:1: the second word is not a plain" },
	{ "SAGM800101AB1 a@b.mx\n", "f:1: the department name must follow" },
	{ "SAGM800101AB1 a@b.mx Sin comillas\n", "f:1: the department name must follow" },
	{ "SAGM800101AB1 a@b.mx \"abierta\n", "f:1: the department name must follow" },
	{ "SAGM800101AB1 a@b.mx \"\"\n", "f:1: the department name is empty" },
	{ "SAGM800101AB1 a@b.mx \"X\" sobra\n", "f:1: text after the department name" },
	{ "\n\nSAGM800101AB1 a@b.mx \"X\"\nsagm800101ab1 c@b.mx \"Y\"\n",
	  "f:4: this RFC is already listed" },
	{ "SAGM800101AB1 a@b.mx \"\xff\"\n", "f:1: the department name is empty or not UTF-8" },
};

START_TEST(test_officials_bad)
{
	struct bz_officials o;
	struct bz_buf err = BZ_BUF_INIT;

	ck_assert_int_eq(bz_officials_parse(officials_bad[_i].text,
	    strlen(officials_bad[_i].text), "f", &o, &err), -1);
	ck_assert_msg(strncmp(bz_buf_str(&err), officials_bad[_i].err,
	    strlen(officials_bad[_i].err)) == 0, "case %d: %s", _i, bz_buf_str(&err));
	ck_assert_uint_eq(o.n, 0);
	bz_buf_free(&err);
}
END_TEST

START_TEST(test_officials_load)
{
	struct bz_officials o;
	struct bz_buf err = BZ_BUF_INIT;
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/officials", test_tmpdir());
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs(officials_ok, fp);
	fclose(fp);
	ck_assert_int_eq(bz_officials_load(path, &o, &err), 0);
	ck_assert_uint_eq(o.n, 3);
	bz_officials_free(&o);
	unlink(path);
	ck_assert_int_eq(bz_officials_load(path, &o, &err), -1);
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&err), "officials"));
	bz_buf_free(&err);
}
END_TEST

/* ---- the signed request ---- */
static const struct {
	const char *text;
	const char *code;	/* NULL: accepted */
	const char *rfc, *subject, *reply_to;
} requests[] = {
	{ "Destinatario: EBU200101AB8\nAsunto: Requerimiento de pago\n\nTexto.\n",
	  NULL, "EBU200101AB8", "Requerimiento de pago", NULL },
	{ "destinatario:ebu200101ab8\r\nASUNTO:   Multa  \r\nResponder-a: Cobranza@IMSS.test\r\n",
	  NULL, "EBU200101AB8", "Multa", "cobranza@imss.test" },
	{ "Asunto: x\nDestinatario: PEGJ800101AB3\n", NULL, "PEGJ800101AB3", "x", NULL },
	{ "Asunto: Multa\n", "BZ-NOTIF-NO-RECIPIENT", NULL, NULL, NULL },
	{ "Destinatario: EBU200101AB8 y otro\nAsunto: x\n", "BZ-NOTIF-NO-RECIPIENT", NULL, NULL, NULL },
	{ "Destinatario: EBU200101AB8\nDestinatario: PEGJ800101AB3\nAsunto: x\n",
	  "BZ-NOTIF-NO-RECIPIENT", NULL, NULL, NULL },
	{ "Destinatario: EBU200101AB8\n", "BZ-NOTIF-NO-SUBJECT", NULL, NULL, NULL },
	{ "Destinatario: EBU200101AB8\nAsunto:   \n", "BZ-NOTIF-NO-SUBJECT", NULL, NULL, NULL },
	{ "Destinatario: EBU200101AB8\nAsunto: a\nAsunto: b\n", "BZ-NOTIF-NO-SUBJECT",
	  NULL, NULL, NULL },
	/* a CR inside the subject: no header or line injection in the aviso */
	{ "Destinatario: EBU200101AB8\nAsunto: a\rBcc: x@y.mx\n", "BZ-NOTIF-NO-SUBJECT",
	  NULL, NULL, NULL },
	{ "Destinatario: EBU200101AB8\nAsunto: \xc3\n", "BZ-NOTIF-NO-SUBJECT", NULL, NULL, NULL },
	{ "Destinatario: EBU200101AB8\nAsunto: a\nResponder-a: a@b.mx, c@d.mx\n",
	  "BZ-NOTIF-BAD-REPLY-TO", NULL, NULL, NULL },
	{ "", "BZ-NOTIF-NO-RECIPIENT", NULL, NULL, NULL },
};

START_TEST(test_request)
{
	struct bz_notif_request r;
	const char *code;
	int rc = bz_notif_request_parse(requests[_i].text, strlen(requests[_i].text),
	    &r, &code);

	if (requests[_i].code == NULL) {
		ck_assert_msg(rc == 0, "case %d: %s", _i, code ? code : "-");
		ck_assert_str_eq(r.rfc, requests[_i].rfc);
		ck_assert_str_eq(r.subject, requests[_i].subject);
		if (requests[_i].reply_to == NULL)
			ck_assert_ptr_null(r.reply_to);
		else
			ck_assert_str_eq(r.reply_to, requests[_i].reply_to);
		bz_notif_request_free(&r);
	} else {
		ck_assert_msg(rc == -1 && code != NULL &&
		    strcmp(code, requests[_i].code) == 0, "case %d: %s", _i,
		    code ? code : "accepted");
		ck_assert_ptr_null(r.rfc);
	}
}
END_TEST

START_TEST(test_subject_bound)
{
	struct bz_buf t = BZ_BUF_INIT;
	struct bz_notif_request r;
	const char *code;

	bz_buf_puts(&t, "Destinatario: EBU200101AB8\nAsunto: ");
	for (int i = 0; i < BZ_NOTIF_SUBJECT_MAX; i++)
		bz_buf_putc(&t, 'a');
	ck_assert_int_eq(bz_notif_request_parse(t.data, t.len, &r, &code), 0);
	bz_notif_request_free(&r);
	bz_buf_putc(&t, 'a');
	ck_assert_int_eq(bz_notif_request_parse(t.data, t.len, &r, &code), -1);
	ck_assert_str_eq(code, "BZ-NOTIF-NO-SUBJECT");
	bz_buf_free(&t);
}
END_TEST

/* ---- the store ---- */
/* 2026-06-01 (Monday) 20:00 in Mexico City (UTC-6, no DST since 2022) */
#define MON_2000	1780365600
#define TUE_0930	1780414200	/* 2026-06-02T15:30:00Z */
#define MON_1000	1780329600	/* 2026-06-01T10:00 local */

static struct bz_calendar *
calendar(void)
{
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_calendar *cal = bz_calendar_load(NULL, 0, BZ_BASIS_LFT, 0, &err);

	ck_assert_msg(cal != NULL, "%s", bz_buf_str(&err));
	bz_buf_free(&err);
	return cal;
}

static struct bz_store *
fresh_store(const char *name, char path[512])
{
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_store *st;

	snprintf(path, 512, "%s/%s", test_tmpdir(), name);
	unlink(path);
	st = bz_store_open(path, 5000, 0, &err);
	ck_assert_msg(st != NULL, "%s", bz_buf_str(&err));
	bz_buf_free(&err);
	/* The rows name a department's filing (submission_folio); this
	 * suite tests the notifications table alone. */
	ck_assert_int_eq(sqlite3_exec(bz_db_sqlite(store_db(st)), "PRAGMA foreign_keys = OFF",
	    NULL, NULL, NULL), SQLITE_OK);
	return st;
}

/* create - one notification accepted at created, as the intake writes it */
static void
create(struct bz_store *st, const struct bz_calendar *cal, int64_t created,
    const char *rfc, struct bz_notif_new *n)
{
	static struct bz_official off = { "SAGM800101AB1", "cobranza@imss.test",
	    "Jefatura de Cobranza" };
	static struct bz_notif_request req;
	static struct bz_window w;

	req.rfc = (char *)rfc;
	req.subject = (char *)"Requerimiento";
	req.reply_to = NULL;
	memset(n, 0, sizeof(*n));
	n->submission_folio = "BZ-2026-00000007";
	n->req = &req;
	n->official = &off;
	n->message_id_domain = "imss.test";
	n->created_utc = created;
	n->year = 2026;
	ck_assert_int_eq(bz_notification_plan(cal, created, &n->planned_utc, &w), 0);
	n->day = w.day;
	n->deemed = &w.deemed;
	n->deemed_due_utc = w.deemed_utc;
	n->window_rule = w.rule;
	n->calendar_version = w.version;
	ck_assert_int_eq(store_begin(st, "t"), 0);
	ck_assert_int_eq(bz_notification_create_locked(st, "t", n), 0);
	ck_assert_int_eq(store_commit(st, "t"), 0);
}

/* At 20:00 the aviso is planned for 09:30 of the next working day, and
 * the three days and the deemed date count from that day. */
START_TEST(test_plan_and_row)
{
	char path[512];
	struct bz_store *st = fresh_store("notif.db", path);
	struct bz_calendar *cal = calendar();
	struct bz_notif_new a, b;
	struct bz_notification n;

	create(st, cal, MON_2000, "EBU200101AB8", &a);
	ck_assert_str_eq(a.folio, "NT-2026-00000001");
	ck_assert_int_eq(a.planned_utc, TUE_0930);
	create(st, cal, MON_1000, "PEGJ800101AB3", &b);
	ck_assert_str_eq(b.folio, "NT-2026-00000002");
	ck_assert_int_eq(b.planned_utc, MON_1000);	/* inside the window */

	ck_assert_int_eq(bz_notification_get(st, "NT-2026-00000001", &n), BZ_STORE_OK);
	ck_assert_str_eq(n.rfc, "EBU200101AB8");
	ck_assert_str_eq(n.state, "sent");
	ck_assert_str_eq(n.department_name, "Jefatura de Cobranza");
	ck_assert_str_eq(n.department_address, "cobranza@imss.test");
	ck_assert_str_eq(n.submission_folio, "BZ-2026-00000007");
	ck_assert_str_eq(n.aviso_message_id, "<aviso.NT-2026-00000001@imss.test>");
	ck_assert_int_eq(n.created_utc, MON_2000);
	ck_assert_int_eq(n.aviso_planned_utc, TUE_0930);
	ck_assert_int_eq(n.aviso_queued_utc, 0);
	ck_assert_int_eq(n.aviso_released_utc, 0);
	ck_assert_str_eq(n.day1, "2026-06-03");
	ck_assert_str_eq(n.day2, "2026-06-04");
	ck_assert_str_eq(n.day3, "2026-06-05");
	ck_assert_str_eq(n.deemed_date, "2026-06-08");	/* Monday after */
	ck_assert_int_eq(n.deemed_due_utc, 1780932600);	/* 2026-06-08T15:30Z */
	ck_assert_int_eq(n.opened_utc, 0);
	ck_assert_ptr_null(n.rule);
	bz_notification_free(&n);
	ck_assert_int_eq(bz_notification_get(st, "NT-2026-00000099", &n),
	    BZ_STORE_NOTFOUND);
	bz_calendar_free(cal);
	bz_store_close(st);
}
END_TEST

START_TEST(test_list)
{
	char path[512];
	struct bz_store *st = fresh_store("notif-list.db", path);
	struct bz_calendar *cal = calendar();
	struct bz_notif_new a;
	struct bz_notification *v;
	size_t n;

	create(st, cal, MON_2000, "EBU200101AB8", &a);
	create(st, cal, MON_1000, "PEGJ800101AB3", &a);
	create(st, cal, MON_1000, "EBU200101AB8", &a);
	ck_assert_int_eq(bz_notification_list(st, NULL, NULL, &v, &n), BZ_STORE_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(v[0].folio, "NT-2026-00000003");	/* newest first */
	bz_notification_list_free(v, n);
	ck_assert_int_eq(bz_notification_list(st, "EBU200101AB8", "sent", &v, &n),
	    BZ_STORE_OK);
	ck_assert_uint_eq(n, 2);
	bz_notification_list_free(v, n);
	ck_assert_int_eq(bz_notification_list(st, NULL, "opened", &v, &n), BZ_STORE_OK);
	ck_assert_uint_eq(n, 0);
	bz_notification_list_free(v, n);
	bz_calendar_free(cal);
	bz_store_close(st);
}
END_TEST

/* bad_row - count rows bz_notification_verify_rows names */
static void
bad_row(void *arg, const char *label, const char *why)
{
	(void)label;
	(void)why;
	(*(int *)arg)++;
}

/* A row changed behind the log (a day moved, the state or the release
 * instant set with SQL, triggers untouched) no longer matches its newest
 * event; a change made through the API with its event does. */
START_TEST(test_row_tamper)
{
	static const char *const edits[] = {
		"UPDATE notifications SET day3 = '2026-06-09' WHERE id = 1",
		"UPDATE notifications SET state = 'deemed' WHERE id = 1",
		"UPDATE notifications SET aviso_released_utc = 1780414200 WHERE id = 1",
		"UPDATE notifications SET department_address = 'x@y.mx' WHERE id = 1",
	};
	char path[512];
	struct bz_store *st = fresh_store("notif-row.db", path);
	struct bz_calendar *cal = calendar();
	struct bz_notif_new a;
	int64_t checked;
	int nbad = 0;

	create(st, cal, MON_2000, "EBU200101AB8", &a);
	create(st, cal, MON_1000, "PEGJ800101AB3", &a);
	ck_assert_int_eq(bz_notification_verify_rows(st, bad_row, &nbad, &checked),
	    BZ_STORE_OK);
	ck_assert_int_eq(checked, 2);
	ck_assert_int_eq(nbad, 0);
	/* Through the API: a change and its event. */
	ck_assert_int_eq(store_begin(st, "t"), 0);
	ck_assert_int_eq(sqlite3_exec(bz_db_sqlite(store_db(st)), "UPDATE notifications SET "
	    "aviso_queued_utc = 1780414200 WHERE id = 2", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(bz_notification_event_locked(st, "t", 1780414200,
	    BZ_NOTIF_EV_QUEUED, 2, "recipients", "1"), 0);
	ck_assert_int_eq(store_commit(st, "t"), 0);
	ck_assert_int_eq(bz_notification_verify_rows(st, bad_row, &nbad, &checked),
	    BZ_STORE_OK);
	ck_assert_int_eq(nbad, 0);
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		char digest[65];
		sqlite3 *db;

		ck_assert_int_eq(bz_notification_row_digest(st, 1, digest), 0);
		ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
		ck_assert_int_eq(sqlite3_exec(db, edits[i], NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		nbad = 0;
		ck_assert_int_eq(bz_notification_verify_rows(st, bad_row, &nbad,
		    &checked), BZ_STORE_OK);
		ck_assert_msg(nbad == 1, "edit %zu not detected", i);
	}
	bz_calendar_free(cal);
	bz_store_close(st);
}
END_TEST

/* A row deleted behind the log is named by the event that created it. */
START_TEST(test_row_deleted)
{
	char path[512];
	struct bz_store *st = fresh_store("notif-deleted.db", path);
	struct bz_calendar *cal = calendar();
	struct bz_notif_new a;
	int64_t checked;
	int nbad = 0;

	create(st, cal, MON_2000, "EBU200101AB8", &a);
	create(st, cal, MON_1000, "PEGJ800101AB3", &a);
	ck_assert_int_eq(sqlite3_exec(bz_db_sqlite(store_db(st)), "DELETE FROM notifications "
	    "WHERE folio = 'NT-2026-00000001'", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(bz_notification_verify_rows(st, bad_row, &nbad, &checked),
	    BZ_STORE_OK);
	ck_assert_int_eq(checked, 1);
	ck_assert_int_eq(nbad, 1);
	bz_calendar_free(cal);
	bz_store_close(st);
}
END_TEST

/* A row without any event (inserted with SQL) is named too. */
START_TEST(test_row_without_event)
{
	char path[512];
	struct bz_store *st = fresh_store("notif-noevent.db", path);
	int64_t checked;
	int nbad = 0;

	ck_assert_int_eq(sqlite3_exec(bz_db_sqlite(store_db(st)), "INSERT INTO notifications (folio, "
	    "year, seq, submission_folio, rfc, subject, official_rfc, "
	    "department_address, department_name, created_utc, aviso_message_id, "
	    "aviso_planned_utc, day1, day2, day3, deemed_date, deemed_due_utc, "
	    "window_rule, calendar_version) VALUES ('NT-2026-00000001', 2026, 1, "
	    "'BZ-2026-00000001', 'EBU200101AB8', 's', 'SAGM800101AB1', 'a@b.mx', 'd', "
	    "1, '<x@y>', 1, '2026-06-03', '2026-06-04', '2026-06-05', '2026-06-08', 1, "
	    "'r', 'v')", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(bz_notification_verify_rows(st, bad_row, &nbad, &checked),
	    BZ_STORE_OK);
	ck_assert_int_eq(nbad, 1);
	bz_store_close(st);
}
END_TEST

/* next_attempt - of outbox row id */
static int64_t
next_attempt(struct bz_store *st, int64_t id)
{
	sqlite3_stmt *s;
	int64_t v = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(bz_db_sqlite(store_db(st)), "SELECT next_attempt_utc "
	    "FROM outbox WHERE id = ?", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* A queued aviso whose first attempt failed is not retried at night: its
 * outbox row is pushed ahead while the clock is outside the window, left
 * alone inside it; other kinds of mail are never touched. */
START_TEST(test_hold_outside_window)
{
	char path[512];
	struct bz_store *st = fresh_store("notif-hold.db", path);
	struct bz_calendar *cal = calendar();
	int64_t wall = 1900000000, aviso, acuse;
	size_t n;

	ck_assert_int_eq(store_begin(st, "t"), 0);
	ck_assert_int_eq(store_outbox_enqueue_locked(st, "t", "BZ-2026-00000007",
	    BZ_NOTIF_OUTBOX_KIND, "uno@empresa.test", "m", 1, wall), 0);
	aviso = sqlite3_last_insert_rowid(bz_db_sqlite(store_db(st)));
	ck_assert_int_eq(store_outbox_enqueue_locked(st, "t", "BZ-2026-00000007",
	    "acuse", "juan@imss.test", "m", 1, wall), 0);
	acuse = sqlite3_last_insert_rowid(bz_db_sqlite(store_db(st)));
	ck_assert_int_eq(store_commit(st, "t"), 0);
	/* 10:00 on a working day: the outbox's schedule stands */
	ck_assert_int_eq(bz_notification_hold(st, cal, MON_1000, wall, &n), BZ_STORE_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(next_attempt(st, aviso), wall);
	/* 20:00: held */
	ck_assert_int_eq(bz_notification_hold(st, cal, MON_2000, wall, &n), BZ_STORE_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(next_attempt(st, aviso), wall + BZ_NOTIF_HOLD_PUSH);
	ck_assert_int_eq(next_attempt(st, acuse), wall);
	/* pushed again only when it comes near */
	ck_assert_int_eq(bz_notification_hold(st, cal, MON_2000, wall + 1, &n), BZ_STORE_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(bz_notification_hold(st, cal, MON_2000,
	    wall + BZ_NOTIF_HOLD_PUSH, &n), BZ_STORE_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(next_attempt(st, aviso), wall + 2 * BZ_NOTIF_HOLD_PUSH);
	bz_calendar_free(cal);
	bz_store_close(st);
}
END_TEST

Suite *
suite_notification(void)
{
	Suite *s = suite_create("notification");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_officials_ok);
	tcase_add_loop_test(tc, test_officials_bad, 0,
	    (int)(sizeof(officials_bad) / sizeof(officials_bad[0])));
	tcase_add_test(tc, test_officials_load);
	tcase_add_loop_test(tc, test_request, 0,
	    (int)(sizeof(requests) / sizeof(requests[0])));
	tcase_add_test(tc, test_subject_bound);
	tcase_add_test(tc, test_plan_and_row);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_row_tamper);
	tcase_add_test(tc, test_row_without_event);
	tcase_add_test(tc, test_row_deleted);
	tcase_add_test(tc, test_hold_outside_window);
	suite_add_tcase(s, tc);
	return s;
}
