/*
 * mkstore - fill a database through the store API (for shell tests)
 *
 *   mkstore [--spool DIR] [--first N] [--size BYTES] DATABASE COUNT [YEAR]
 *   mkstore --flush DATABASE COMMAND [ARGS...]
 *   mkstore --message DATABASE FOLIO
 *
 * The first form records COUNT accepted submissions (distinct signed
 * digests, one signer) with a short stand-in acuse queued for
 * rh@empresa.example, exactly as the daemon would through
 * bz_store_record_submission, and prints each folio. The signed digests
 * are those of 1..COUNT, or of N..N+COUNT-1 with --first N (a later run
 * then files new folios instead of repeats). With --spool each
 * submission also keeps a message of its own (about BYTES bytes with
 * --size) the way core/submission.c does: a file in DIR (bz_cas_put) on
 * SQLite, the bytes in the record's transaction ("db:<sha256>") on a
 * store that keeps them (PostgreSQL).
 * The second runs one outbox pass (bz_outbox_run_once, the worker's body)
 * with COMMAND as SendmailCommand and prints "sent N retried N gave-up N".
 * The third writes the message FOLIO names to standard output, read back
 * with bz_store_message_get (the reader the notification code uses).
 * Exit 0, 1 on a store failure or when something was not sent, 2 on bad
 * usage.
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "buzon/buf.h"
#include "buzon/cas.h"
#include "buzon/digest.h"
#include "buzon/outbox.h"
#include "buzon/receipt.h"
#include "buzon/tz.h"
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
	/* With --spool the event seals the cadena and envelope digests (the
	 * envelope names spool_path), so verify-chain checks each row. */
	if (arg != NULL)
		bz_receipt_submission_digests(folio, sub, arg, NULL,
		    mail->cadena_sha256, mail->envelope_sha256);
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

/* message - print the bytes FOLIO names */
static int
message(const char *db, const char *folio)
{
	struct bz_buf err = BZ_BUF_INIT, out = BZ_BUF_INIT;
	struct bz_submission sub;
	struct bz_store *st;
	int r = 1;

	if ((st = bz_store_open(db, 5000, BZ_STORE_READONLY, &err)) == NULL) {
		fprintf(stderr, "mkstore: %s\n", bz_buf_str(&err));
		bz_buf_free(&err);
		return 1;
	}
	if (bz_store_submission_get(st, folio, &sub) == BZ_STORE_OK) {
		if (bz_store_message_get(st, &sub, (size_t)1 << 30, &out) == BZ_STORE_OK &&
		    fwrite(out.data, 1, out.len, stdout) == out.len)
			r = 0;
		else
			fprintf(stderr, "mkstore: the message of %s cannot be read\n", folio);
		bz_submission_free(&sub);
	} else
		fprintf(stderr, "mkstore: no folio %s\n", folio);
	bz_store_close(st);
	bz_buf_free(&out);
	return r;
}

/* usage - bad arguments */
static int
usage(void)
{
	fprintf(stderr, "usage: mkstore [--spool DIR] [--first N] [--size BYTES] "
	    "DATABASE COUNT [YEAR]\n"
	    "       mkstore --flush DATABASE COMMAND [ARGS...]\n"
	    "       mkstore --message DATABASE FOLIO\n");
	return 2;
}

int
main(int argc, char **argv)
{
	static const char *const rcpts[] = { "buzon@imss.gob.mx" };
	struct bz_buf err = BZ_BUF_INIT, msg = BZ_BUF_INIT, path = BZ_BUF_INIT;
	struct bz_store *st;
	struct bz_tz *tz = NULL;
	const char *spool = NULL;
	char sig[65], msha[65];
	long first = 1, size = 0;
	int count, year;

	if (argc >= 4 && strcmp(argv[1], "--flush") == 0)
		return flush(argv[2], argv + 3);
	if (argc == 4 && strcmp(argv[1], "--message") == 0)
		return message(argv[2], argv[3]);
	while (argc >= 3 && strncmp(argv[1], "--", 2) == 0) {
		if (strcmp(argv[1], "--spool") == 0)
			spool = argv[2];
		else if (strcmp(argv[1], "--first") == 0)
			first = atol(argv[2]);
		else if (strcmp(argv[1], "--size") == 0)
			size = atol(argv[2]);
		else
			return usage();
		argc -= 2;
		argv += 2;
	}
	if (argc < 3 || argc > 4 || first < 1 || size < 0)
		return usage();
	count = atoi(argv[2]);
	year = argc == 4 ? atoi(argv[3]) : 2026;
	if (spool != NULL && (tz = bz_tz_load("America/Mexico_City", &err)) == NULL) {
		fprintf(stderr, "mkstore: %s\n", bz_buf_str(&err));
		return 1;
	}
	if ((st = bz_store_open(argv[1], 5000, 0, &err)) == NULL) {
		fprintf(stderr, "mkstore: %s\n", bz_buf_str(&err));
		return 1;
	}
	for (int i = 0; i < count; i++) {
		struct bz_submission in;
		struct bz_submission_out out;

		memset(&in, 0, sizeof(in));
		snprintf(sig, sizeof(sig), "%064lx", first + i);
		in.qid = "MKSTORE";
		in.arrival_utc = in.legal_utc = 1781600000 + first - 1 + i;
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
		if (spool != NULL) {
			/* A message of its own, body padded to about --size. */
			bz_buf_reset(&msg);
			bz_buf_reset(&path);
			bz_buf_printf(&msg, "From: rh@empresa.example\r\nTo: "
			    "buzon@imss.gob.mx\r\nSubject: mkstore %s\r\n\r\n", sig);
			for (long k = 0; (long)msg.len < size; k++)
				bz_buf_printf(&msg, "%08lx line of the stand-in body\r\n", k);
			bz_sha256_hex(msg.data, msg.len, msha);
			if (bz_store_keeps_messages(st))
				bz_buf_printf(&path, "%s%s", BZ_STORE_MESSAGE_DB, msha);
			else if (bz_cas_put(spool, msg.data, msg.len, msha, &path, &err) != 0) {
				fprintf(stderr, "mkstore: %s\n", bz_buf_str(&err));
				bz_store_close(st);
				return 1;
			}
			in.message_sha256 = msha;
			in.spool_path = bz_buf_str(&path);
			in.message = (const unsigned char *)msg.data;
			in.message_len = msg.len;
		}
		if (bz_store_record_submission(st, &in, render, tz, &out) != BZ_STORE_OK) {
			bz_store_close(st);
			return 1;
		}
		printf("%s\n", out.folio);
	}
	bz_store_close(st);
	bz_tz_free(tz);
	bz_buf_free(&err);
	bz_buf_free(&msg);
	bz_buf_free(&path);
	return 0;
}
