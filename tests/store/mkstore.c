/*
 * mkstore - fill a database through the store API (for shell tests)
 *
 *   mkstore DATABASE COUNT [YEAR]
 *   mkstore --flush DATABASE COMMAND [ARGS...]
 *
 * The first form records COUNT accepted submissions (distinct signed
 * digests, one signer) with a short stand-in acuse queued for
 * rh@empresa.example, exactly as the daemon would through
 * bz_store_record_submission, and prints each folio.
 * The second runs one outbox pass (bz_outbox_run_once, the worker's body)
 * with COMMAND as SendmailCommand and prints "sent N retried N gave-up N".
 * Exit 0, 1 on a store failure or when something was not sent, 2 on bad
 * usage.
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "buzon/buf.h"
#include "buzon/outbox.h"
#include "buzon/store.h"

/* render - stand-in acuse carrying the folio */
static int
render(void *arg, const char *folio, const struct bz_submission *sub,
    struct bz_outmail *mail)
{
	bz_buf_printf(&mail->message, "From: buzon@imss.gob.mx\nTo: %s\n"
	    "Subject: Acuse de recibo %s\nAuto-Submitted: auto-replied\n"
	    "Message-ID: <%s.%s@buzon.test>\n\nFolio %s\n", sub->env_from, folio,
	    folio, sub->signed_sha256, folio);
	bz_outmail_add_rcpt(mail, sub->env_from);
	return 0;
}

/* flush - one outbox pass with the given command */
static int
flush(const char *db, char **argv)
{
	struct bz_outbox_opts o;
	struct bz_outbox_pass pass;
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_store *st;
	int r;

	if ((st = bz_store_open(db, 5000, 0, &err)) == NULL) {
		fprintf(stderr, "mkstore: %s\n", bz_buf_str(&err));
		bz_buf_free(&err);
		return 1;
	}
	memset(&o, 0, sizeof(o));
	o.sendmail_argv = argv;
	o.max_attempts = 5;
	o.retry_interval = 60;
	o.retry_max_interval = 3600;
	o.timeout = 60;
	r = bz_outbox_run_once(st, &o, (int64_t)time(NULL), &pass);
	printf("sent %zu retried %zu gave-up %zu\n", pass.sent, pass.retried,
	    pass.gave_up);
	bz_store_close(st);
	return r == 0 && pass.retried + pass.gave_up == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static const char *const rcpts[] = { "buzon@imss.gob.mx" };
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_store *st;
	char sig[65];
	int count, year;

	if (argc >= 4 && strcmp(argv[1], "--flush") == 0)
		return flush(argv[2], argv + 3);
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: mkstore DATABASE COUNT [YEAR]\n"
		    "       mkstore --flush DATABASE COMMAND [ARGS...]\n");
		return 2;
	}
	count = atoi(argv[2]);
	year = argc == 4 ? atoi(argv[3]) : 2026;
	if ((st = bz_store_open(argv[1], 5000, 0, &err)) == NULL) {
		fprintf(stderr, "mkstore: %s\n", bz_buf_str(&err));
		return 1;
	}
	for (int i = 0; i < count; i++) {
		struct bz_submission in;
		struct bz_submission_out out;

		memset(&in, 0, sizeof(in));
		snprintf(sig, sizeof(sig), "%064x", i + 1);
		in.qid = "MKSTORE";
		in.arrival_utc = in.legal_utc = 1781600000 + i;
		in.legal_year = year;
		in.legal_rule = "arrival";
		in.legal_basis = "lft";
		in.first_hour = "00:00";
		in.calendar_version = sig;
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
		if (bz_store_record_submission(st, &in, render, NULL, &out) != BZ_STORE_OK) {
			bz_store_close(st);
			return 1;
		}
		printf("%s\n", out.folio);
	}
	bz_store_close(st);
	bz_buf_free(&err);
	return 0;
}
