/*
 * test_outbox - loop safety, backoff, running sendmail, the worker
 *
 * SendmailCommand is a real executable shell script written into the
 * test's temporary directory: it records its arguments and standard
 * input, and exits 0, 75 (EX_TEMPFAIL) or sleeps, as the file "mode" says.
 * The outbox state lives in a real SQLite file that is closed and
 * reopened between attempts, as across a daemon restart.
 */
#include "build-aux/config.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buzon/buf.h"
#include "buzon/outbox.h"
#include "buzon/store.h"
#include "suites.h"

/* RFC 3834 section 2, and never answer ourselves. */
static const char *const mailboxes[] = { "buzon@imss.gob.mx", "Acuses@IMSS.gob.mx" };

static const struct {
	const char *from;
	const char *auto_submitted;	/* NULL: header absent */
	int reply;
} loop_cases[] = {
	{ "rh@empresa.example", NULL, 1 },
	{ "<rh@empresa.example>", NULL, 1 },
	{ "rh@empresa.example", "no", 1 },
	{ "rh@empresa.example", " No ", 1 },
	{ "rh@empresa.example", "no (manual)", 1 },
	{ "rh@empresa.example", "(x) no; y=z", 1 },
	{ "", NULL, 0 },			/* null sender */
	{ "<>", NULL, 0 },
	{ " <> ", NULL, 0 },
	{ NULL, NULL, 0 },
	{ "buzon@imss.gob.mx", NULL, 0 },	/* the mailbox itself */
	{ "<BUZON@imss.GOB.MX>", NULL, 0 },
	{ "acuses@imss.gob.mx", NULL, 0 },
	{ "MAILER-DAEMON@empresa.example", NULL, 0 },
	{ "mailer-daemon", NULL, 0 },
	{ "rh@empresa.example", "auto-replied", 0 },
	{ "rh@empresa.example", "auto-generated", 0 },
	{ "rh@empresa.example", "auto-notified", 0 },
	{ "rh@empresa.example", "AUTO-REPLIED (acuse)", 0 },
	{ "rh@empresa.example", "", 0 },	/* present but not "no" */
	{ "rh@empresa.example", "nonsense", 0 },
	{ "rh@empresa.example", "no-thanks", 0 },
	{ "buzon@imss.gob.mx.example", NULL, 1 },	/* not our address */
	{ "\"buzon\"@imss.gob.mx", NULL, 0 },	/* ours, however spelled */
	{ "<@relay.example:acuses@imss.gob.mx>", NULL, 0 },
	{ "\"MAILER-DAEMON\"@empresa.example", NULL, 0 },
};

START_TEST(test_should_reply)
{
	ck_assert_msg(bz_outbox_should_reply(loop_cases[_i].from, mailboxes, 2,
	    loop_cases[_i].auto_submitted) == loop_cases[_i].reply,
	    "from %s auto-submitted %s: want %d", loop_cases[_i].from ?
	    loop_cases[_i].from : "(null)", loop_cases[_i].auto_submitted ?
	    loop_cases[_i].auto_submitted : "(absent)", loop_cases[_i].reply);
}
END_TEST

/*
 * Issue 8 item 9 (RFC 3834): any Auto-Submitted other than "no", not only
 * the first; Precedence bulk, junk or list; List-Id or List-Post; and a
 * sender that is any form of the mailbox, delimiter extensions included.
 * The header is read from the raw message, folded or not, LF or CRLF.
 */
static const struct {
	const char *from;
	const char *header;	/* the top-level header, then a body */
	const char *why;	/* NULL: answered; else the start of the reason */
} rfc3834_cases[] = {
	{ "rh@empresa.example", "Subject: x\r\n\r\nbody\r\n", NULL },
	{ "rh@empresa.example", "Auto-Submitted: no\r\nPrecedence: first-class\r\n\r\n", NULL },
	{ "rh@empresa.example", "Auto-Submitted: no\r\nAuto-Submitted: auto-replied\r\n\r\n",
	  "Auto-Submitted" },
	{ "rh@empresa.example", "Auto-Submitted: no\nX: y\nauto-submitted:\n auto-generated\n\n",
	  "Auto-Submitted" },
	{ "rh@empresa.example", "Auto-Submitted: no\r\n\r\nAuto-Submitted: auto-replied\r\n", NULL },
	{ "rh@empresa.example", "Auto-Submitted : auto-replied\r\n\r\n", "Auto-Submitted" },
	{ "rh@empresa.example", "Precedence: bulk\r\n\r\n", "Precedence" },
	{ "rh@empresa.example", "Precedence: JUNK\r\n\r\n", "Precedence" },
	{ "rh@empresa.example", "Precedence: (x) list\r\n\r\n", "Precedence" },
	{ "rh@empresa.example", "Precedence: first-class\r\nPrecedence: bulk\r\n\r\n", "Precedence" },
	{ "rh@empresa.example", "Precedence: bulky\r\n\r\n", NULL },
	{ "rh@empresa.example", "List-Id: Patrones <patrones.lists.example>\r\n\r\n", "mailing list" },
	{ "rh@empresa.example", "list-post: <mailto:p@lists.example>\r\n\r\n", "mailing list" },
	{ "rh@empresa.example", "List-Unsubscribe: <mailto:u@lists.example>\r\n\r\n", NULL },
	{ "rh@empresa.example", "X-List-Id: x\r\n\r\n", NULL },
	{ "rh@empresa.example", "Subject: Precedence: bulk\r\n\r\n", NULL },
	{ "rh@empresa.example", "Auto-Submitted: auto-replied", "Auto-Submitted" },	/* no body */
	{ "buzon+acuse@imss.gob.mx", "Subject: x\r\n\r\n", "the sender is the mailbox" },
	{ "<Acuses+1@IMSS.gob.mx>", "Subject: x\r\n\r\n", "the sender is the mailbox" },
	{ "<@relay.example:buzon+x@imss.gob.mx>", "\r\n", "the sender is the mailbox" },
	{ "buzon-x@imss.gob.mx", "\r\n", NULL },	/* "-" is not a delimiter here */
	{ "buzonx+y@imss.gob.mx", "\r\n", NULL },
	{ "<>", "\r\n", "null sender" },
	{ "MAILER-DAEMON@empresa.example", "\r\n", "MAILER-DAEMON" },
};

START_TEST(test_rfc3834)
{
	struct bz_loop_headers h;
	const char *why;

	bz_loop_headers_scan(&h, rfc3834_cases[_i].header,
	    strlen(rfc3834_cases[_i].header));
	why = bz_outbox_loop_reason(rfc3834_cases[_i].from, mailboxes, 2, "+", &h);
	if (rfc3834_cases[_i].why == NULL)
		ck_assert_msg(why == NULL, "from %s header [%s]: withheld: %s",
		    rfc3834_cases[_i].from, rfc3834_cases[_i].header, why);
	else
		ck_assert_msg(why != NULL && strncmp(why, rfc3834_cases[_i].why,
		    strlen(rfc3834_cases[_i].why)) == 0,
		    "from %s header [%s]: want %s, got %s", rfc3834_cases[_i].from,
		    rfc3834_cases[_i].header, rfc3834_cases[_i].why,
		    why ? why : "(answered)");
}
END_TEST

/* Backoff: 60 s doubling per failure, capped at one hour. */
static const struct {
	int n;
	long long wait;
} backoff_cases[] = {
	{ 1, 60 }, { 2, 120 }, { 3, 240 }, { 4, 480 }, { 5, 960 }, { 6, 1920 },
	{ 7, 3600 }, { 8, 3600 }, { 30, 3600 }, { 1000, 3600 },
};

START_TEST(test_backoff)
{
	struct bz_outbox_opts o = { 0 };

	o.retry_interval = 60;
	o.retry_max_interval = 3600;
	ck_assert_int_eq(bz_outbox_backoff(&o, backoff_cases[_i].n),
	    backoff_cases[_i].wait);
}
END_TEST

static const char fake_script[] =
    "#!/bin/sh\n"
    "dir=$(dirname \"$0\")\n"
    "n=$(cat \"$dir/calls\" 2>/dev/null || echo 0)\n"
    "n=$((n + 1))\n"
    "echo $n > \"$dir/calls\"\n"
    "printf '%s\\n' \"$@\" > \"$dir/args\"\n"
    "if [ -e /proc/$$/fd/50 ]; then echo leaked > \"$dir/fd50\"; fi\n"
    "cat > \"$dir/stdin.$n\"\n"
    "mode=$(cat \"$dir/mode\" 2>/dev/null || echo ok)\n"
    "case $mode in\n"
    "ok) exit 0 ;;\n"
    "fail) echo 'postdrop: warning: unable to look up public/pickup'; exit 75 ;;\n"
    "sleep) exec sleep 30 ;;\n"
    "esac\n"
    "exit 1\n";

/* fake_dir - a fresh directory holding the fake sendmail */
static char *
fake_dir(const char *name, const char *mode)
{
	static char dir[512];
	char path[600];
	FILE *fp;

	snprintf(dir, sizeof(dir), "%s/%s", test_tmpdir(), name);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/sendmail", dir);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(fake_script, fp);
	fclose(fp);
	ck_assert_int_eq(chmod(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/mode", dir);
	fp = fopen(path, "w");
	fprintf(fp, "%s\n", mode);
	fclose(fp);
	return dir;
}

/* set_mode - switch the fake's behaviour */
static void
set_mode(const char *dir, const char *mode)
{
	char path[600];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/mode", dir);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "%s\n", mode);
	fclose(fp);
}

/* slurp - a small file as a string ("" when missing) */
static void
slurp(const char *dir, const char *name, struct bz_buf *b)
{
	char path[600], chunk[4096];
	ssize_t k;
	int fd;

	bz_buf_reset(b);
	bz_buf_puts(b, "");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY)) < 0)
		return;
	while ((k = read(fd, chunk, sizeof(chunk))) > 0)
		bz_buf_append(b, chunk, (size_t)k);
	close(fd);
}

/* calls - how many times the fake ran */
static int
calls(const char *dir)
{
	struct bz_buf b = BZ_BUF_INIT;
	int n;

	slurp(dir, "calls", &b);
	n = atoi(bz_buf_str(&b));
	bz_buf_free(&b);
	return n;
}

START_TEST(test_sendmail_success)
{
	const char *dir = fake_dir("ok", "ok");
	char cmd[600];
	char *argv[] = { cmd, (char *)"-C", (char *)"/etc/postfix-test", NULL };
	struct bz_buf diag = BZ_BUF_INIT, b = BZ_BUF_INIT;
	const char msg[] = "From: buzon@imss.gob.mx\nSubject: Acuse\n\n\0binary\n";

	snprintf(cmd, sizeof(cmd), "%s/sendmail", dir);
	ck_assert_int_eq(bz_outbox_sendmail(argv, "rh@empresa.example", msg,
	    sizeof(msg) - 1, 10, &diag), 0);
	slurp(dir, "args", &b);
	/* The configured arguments, then exactly what the MTA needs. */
	ck_assert_str_eq(bz_buf_str(&b),
	    "-C\n/etc/postfix-test\n-i\n-f\n<>\n--\nrh@empresa.example\n");
	slurp(dir, "stdin.1", &b);
	ck_assert_int_eq(b.len, sizeof(msg) - 1);
	ck_assert_int_eq(memcmp(b.data, msg, b.len), 0);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	/* A descriptor the daemon left open (libmilter's) is not inherited. */
	{
		int fd = open("/dev/null", O_RDONLY);

		ck_assert_int_eq(dup2(fd, 50), 50);
		ck_assert_int_eq(bz_outbox_sendmail(argv, "rh@empresa.example", "x", 1, 10,
		    &diag), 0);
		close(50);
		close(fd);
		slurp(dir, "fd50", &b);
		ck_assert_str_eq(bz_buf_str(&b), "");
	}
#endif
	/* A recipient that looks like an option stays an argument after "--". */
	ck_assert_int_eq(bz_outbox_sendmail(argv, "-bi", "x", 1, 10, &diag), 0);
	slurp(dir, "args", &b);
	ck_assert_str_eq(bz_buf_str(&b),
	    "-C\n/etc/postfix-test\n-i\n-f\n<>\n--\n-bi\n");
	bz_buf_free(&diag);
	bz_buf_free(&b);
}
END_TEST

START_TEST(test_sendmail_failures)
{
	const char *dir = fake_dir("fail", "fail");
	char cmd[600], missing[600];
	char *argv[] = { cmd, NULL };
	char *argv_missing[] = { missing, NULL };
	struct bz_buf diag = BZ_BUF_INIT;
	const char *shell_argv[] = { "/bin/sh", "-c", "exit 0;", NULL };

	snprintf(cmd, sizeof(cmd), "%s/sendmail", dir);
	ck_assert_int_eq(bz_outbox_sendmail(argv, "rh@empresa.example", "x", 1, 10,
	    &diag), 75);
	ck_assert_msg(strstr(bz_buf_str(&diag), "exited with status 75: postdrop: "
	    "warning") != NULL, "%s", bz_buf_str(&diag));

	snprintf(missing, sizeof(missing), "%s/no-such-sendmail", dir);
	ck_assert_int_eq(bz_outbox_sendmail(argv_missing, "rh@empresa.example", "x", 1,
	    10, &diag), -1);
	ck_assert_msg(strstr(bz_buf_str(&diag), "No such file") != NULL, "%s",
	    bz_buf_str(&diag));

	/* Killed after the timeout; reported, never mistaken for success. */
	set_mode(dir, "sleep");
	ck_assert_int_eq(bz_outbox_sendmail(argv, "rh@empresa.example", "x", 1, 1,
	    &diag), -1);
	ck_assert_msg(strstr(bz_buf_str(&diag), "timed out after 1s") != NULL, "%s",
	    bz_buf_str(&diag));

	/* No shell: the recipient is one argument, metacharacters and all. */
	ck_assert_int_eq(bz_outbox_sendmail((char *const *)shell_argv, "; exit 3", "x",
	    1, 10, &diag), 0);
	bz_buf_free(&diag);
}
END_TEST

/* opts_for - outbox options using the fake in dir */
static void
opts_for(struct bz_outbox_opts *o, const char *db, const char *dir, char *cmd,
    size_t cmdlen, char **argv)
{
	memset(o, 0, sizeof(*o));
	snprintf(cmd, cmdlen, "%s/sendmail", dir);
	argv[0] = cmd;
	argv[1] = NULL;
	o->db_path = (char *)db;
	o->busy_timeout_ms = 5000;
	o->sendmail_argv = argv;
	o->max_attempts = 4;
	o->retry_interval = 60;
	o->retry_max_interval = 3600;
	o->timeout = 10;
}

/* render - the acuse stand-in: folio in the body, to the envelope sender */
static int
render(void *arg, const char *folio, const struct bz_submission *sub,
    struct bz_outmail *mail)
{
	bz_buf_printf(&mail->message, "Subject: Acuse de recibo %s\n\nFolio %s\n",
	    folio, folio);
	bz_outmail_add_rcpt(mail, sub->env_from);
	return 0;
}

/* record_one - a submission whose acuse lands in the outbox */
static void
record_one(struct bz_store *st, const char *sig, struct bz_submission_out *out)
{
	static const char *const rcpts[] = { "buzon@imss.gob.mx" };
	struct bz_submission in;

	memset(&in, 0, sizeof(in));
	in.qid = "Q1";
	in.arrival_utc = in.legal_utc = 1781600000;
	in.legal_year = 2026;
	in.legal_rule = "arrival";
	in.legal_basis = "lft";
	in.first_hour = "00:00";
	in.calendar_version = sig;
	in.signer.cert_sha256 = (char *)sig;
	in.verdict = BZ_VERDICT_ACCEPTED;
	in.message_sha256 = sig;
	in.signed_sha256 = sig;
	in.env_from = "rh@empresa.example";
	in.env_rcpts = rcpts;
	in.n_rcpts = 1;
	ck_assert_int_eq(bz_store_record_submission(st, &in, render, NULL, out),
	    BZ_STORE_OK);
	ck_assert_int_eq(out->queued, 1);
}

/* open_db - read-write store or fail */
static struct bz_store *
open_db(const char *path)
{
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_store *st = bz_store_open(path, 5000, 0, &err);

	ck_assert_msg(st != NULL, "%s", bz_buf_str(&err));
	bz_buf_free(&err);
	return st;
}

/* one_item - the single outbox row, listed */
static void
one_item(struct bz_store *st, struct bz_outbox_item **items)
{
	size_t n;

	ck_assert_int_eq(bz_store_outbox_list(st, NULL, items, &n), BZ_STORE_OK);
	ck_assert_int_eq(n, 1);
}

#define SIG1 "1111111111111111111111111111111111111111111111111111111111111111"
/*
 * The store stamps queued rows with the real clock; the tests count from
 * a little after it, so every expectation is relative to T0.
 */
#define T0 (t0_base)

START_TEST(test_retry_survives_restart)
{
	const char *dir = fake_dir("retry", "fail");
	char db[600], cmd[600], *argv[2];
	struct bz_outbox_opts o;
	struct bz_outbox_pass pass;
	struct bz_outbox_item *it;
	struct bz_submission_out out;
	struct bz_submission sub;
	struct bz_chain_result chain;
	struct bz_store *st;
	struct bz_buf b = BZ_BUF_INIT;
	const int64_t t0_base = (int64_t)time(NULL) + 10;

	snprintf(db, sizeof(db), "%s/buzon.db", dir);
	opts_for(&o, db, dir, cmd, sizeof(cmd), argv);
	st = open_db(db);
	record_one(st, SIG1, &out);

	/* Attempt 1 fails (EX_TEMPFAIL): pending, retry in 60 s. */
	ck_assert_int_eq(bz_outbox_run_once(st, &o, T0 + 1000, &pass), 0);
	ck_assert_int_eq(pass.retried, 1);
	ck_assert_int_eq(calls(dir), 1);
	one_item(st, &it);
	ck_assert_str_eq(it->status, "pending");
	ck_assert_int_eq(it->attempts, 1);
	ck_assert_int_eq(it->next_attempt_utc, T0 + 1060);
	ck_assert_msg(strstr(it->last_error, "status 75") != NULL, "%s", it->last_error);
	bz_outbox_items_free(it, 1);
	bz_store_close(st);

	/* "Restart": a new connection; not due yet at +59 s. */
	st = open_db(db);
	ck_assert_int_eq(bz_outbox_run_once(st, &o, T0 + 1059, &pass), 0);
	ck_assert_int_eq(pass.sent + pass.retried + pass.gave_up, 0);
	ck_assert_int_eq(calls(dir), 1);
	/* Due at +60 s: attempt 2 fails, the wait doubles. */
	ck_assert_int_eq(bz_outbox_run_once(st, &o, T0 + 1060, &pass), 0);
	ck_assert_int_eq(pass.retried, 1);
	one_item(st, &it);
	ck_assert_int_eq(it->attempts, 2);
	ck_assert_int_eq(it->next_attempt_utc, T0 + 1060 + 120);
	bz_outbox_items_free(it, 1);
	bz_store_close(st);

	/* The MTA is back: attempt 3 succeeds and is recorded. */
	set_mode(dir, "ok");
	st = open_db(db);
	ck_assert_int_eq(bz_outbox_run_once(st, &o, T0 + 1180, &pass), 0);
	ck_assert_int_eq(pass.sent, 1);
	one_item(st, &it);
	ck_assert_str_eq(it->status, "sent");
	ck_assert_int_eq(it->attempts, 3);
	ck_assert_int_eq(it->sent_utc, T0 + 1180);
	ck_assert_ptr_null(it->last_error);
	bz_outbox_items_free(it, 1);
	slurp(dir, "stdin.3", &b);
	ck_assert_str_eq(bz_buf_str(&b), "Subject: Acuse de recibo BZ-2026-00000001\n\n"
	    "Folio BZ-2026-00000001\n");
	ck_assert_int_eq(bz_store_submission_get(st, out.folio, &sub), BZ_STORE_OK);
	ck_assert_str_eq(sub.acuse_status, "sent");
	bz_submission_free(&sub);
	/* Sent is final: nothing more to do, and the event chain holds. */
	ck_assert_int_eq(bz_outbox_run_once(st, &o, T0 + 99999, &pass), 0);
	ck_assert_int_eq(calls(dir), 3);
	ck_assert_int_eq(bz_store_verify_chain(st, &chain), BZ_STORE_OK);
	ck_assert_int_eq(chain.broken_id, 0);
	ck_assert_int_eq(chain.rows, 2);	/* submission, outbox-sent */
	bz_store_close(st);
	bz_buf_free(&b);
}
END_TEST

START_TEST(test_gives_up)
{
	const char *dir = fake_dir("giveup", "fail");
	char db[600], cmd[600], *argv[2];
	struct bz_outbox_opts o;
	struct bz_outbox_pass pass;
	struct bz_outbox_item *it;
	struct bz_submission_out out;
	struct bz_store_stats stats;
	struct bz_store *st;
	const int64_t t0_base = (int64_t)time(NULL) + 10;
	int64_t now = T0;

	snprintf(db, sizeof(db), "%s/buzon.db", dir);
	opts_for(&o, db, dir, cmd, sizeof(cmd), argv);
	o.max_attempts = 3;
	st = open_db(db);
	record_one(st, SIG1, &out);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(bz_outbox_run_once(st, &o, now, &pass), 0);
		ck_assert_int_eq(pass.retried + pass.gave_up, 1);
		now += 3600;
	}
	ck_assert_int_eq(pass.gave_up, 1);
	one_item(st, &it);
	ck_assert_str_eq(it->status, "failed");
	ck_assert_int_eq(it->attempts, 3);
	bz_outbox_items_free(it, 1);
	ck_assert_int_eq(bz_outbox_run_once(st, &o, now + 86400, &pass), 0);
	ck_assert_int_eq(calls(dir), 3);
	ck_assert_int_eq(bz_store_stats(st, &stats), BZ_STORE_OK);
	ck_assert_int_eq(stats.outbox_failed, 1);
	ck_assert_int_eq(stats.outbox_pending, 0);
	ck_assert_int_eq(stats.events, 2);	/* submission, outbox-gave-up */
	bz_store_close(st);
}
END_TEST

START_TEST(test_worker_thread)
{
	const char *dir = fake_dir("worker", "ok");
	char db[600], cmd[600], *argv[2];
	struct bz_outbox_opts o;
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_outbox_item *it;
	struct bz_submission_out out;
	struct bz_outbox *ob;
	struct bz_store *st;
	int i;

	snprintf(db, sizeof(db), "%s/buzon.db", dir);
	opts_for(&o, db, dir, cmd, sizeof(cmd), argv);
	st = open_db(db);
	ob = bz_outbox_start(&o, &err);
	ck_assert_msg(ob != NULL, "%s", bz_buf_str(&err));
	/* Queued after the worker went to sleep: the wake-up gets it sent. */
	record_one(st, SIG1, &out);
	bz_outbox_wake(ob);
	for (i = 0; i < 200 * test_timeout_scale() && calls(dir) < 1; i++)
		usleep(50000);
	ck_assert_int_eq(calls(dir), 1);
	bz_outbox_stop(ob);
	one_item(st, &it);
	ck_assert_str_eq(it->status, "sent");
	bz_outbox_items_free(it, 1);
	bz_store_close(st);
	bz_buf_free(&err);
}
END_TEST

START_TEST(test_start_refuses_bad_setup)
{
	const char *dir = fake_dir("bad", "ok");
	char db[600], cmd[600], *argv[2];
	struct bz_outbox_opts o;
	struct bz_buf err = BZ_BUF_INIT;

	snprintf(db, sizeof(db), "%s/missing-dir/buzon.db", dir);
	opts_for(&o, db, dir, cmd, sizeof(cmd), argv);
	ck_assert_ptr_null(bz_outbox_start(&o, &err));
	ck_assert_msg(strstr(bz_buf_str(&err), "missing-dir") != NULL, "%s",
	    bz_buf_str(&err));
	argv[0] = NULL;
	bz_buf_reset(&err);
	ck_assert_ptr_null(bz_outbox_start(&o, &err));
	bz_buf_free(&err);
}
END_TEST

Suite *
suite_outbox(void)
{
	Suite *s = suite_create("outbox");
	TCase *tc = tcase_create("outbox");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_should_reply, 0,
	    sizeof(loop_cases) / sizeof(loop_cases[0]));
	tcase_add_loop_test(tc, test_rfc3834, 0,
	    sizeof(rfc3834_cases) / sizeof(rfc3834_cases[0]));
	tcase_add_loop_test(tc, test_backoff, 0,
	    sizeof(backoff_cases) / sizeof(backoff_cases[0]));
	tcase_add_test(tc, test_sendmail_success);
	tcase_add_test(tc, test_sendmail_failures);
	tcase_add_test(tc, test_retry_survives_restart);
	tcase_add_test(tc, test_gives_up);
	tcase_add_test(tc, test_worker_thread);
	tcase_add_test(tc, test_start_refuses_bad_setup);
	suite_add_tcase(s, tc);
	return s;
}
