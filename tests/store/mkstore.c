/*
 * mkstore - fill a database through the store API (for shell tests)
 *
 *   mkstore DATABASE COUNT [YEAR]
 *
 * Records COUNT accepted submissions (distinct signed digests, one signer)
 * with a one-line stand-in acuse queued for rh@empresa.example, exactly as
 * the daemon would through bz_store_record_submission. Prints each folio.
 * Exit 0, 1 on a store failure, 2 on bad usage.
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/store.h"

/* render - stand-in acuse carrying the folio */
static int
render(void *arg, const char *folio, const struct bz_submission *sub,
    struct bz_outmail *mail)
{
	bz_buf_printf(&mail->message, "From: buzon@imss.gob.mx\nTo: %s\n"
	    "Subject: Acuse de recibo %s\nAuto-Submitted: auto-replied\n\n"
	    "Folio %s\n", sub->env_from, folio, folio);
	bz_outmail_add_rcpt(mail, sub->env_from);
	return 0;
}

int
main(int argc, char **argv)
{
	static const char *const rcpts[] = { "buzon@imss.gob.mx" };
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_store *st;
	char sig[65];
	int count, year;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: mkstore DATABASE COUNT [YEAR]\n");
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
