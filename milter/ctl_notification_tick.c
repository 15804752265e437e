/*
 * ctl_notification_tick - buzonctl notification tick [--at INSTANT]
 *
 * The daemon's notification step (core/notification_worker.c) run once,
 * for cron and tests: the acuses de notificacion the openings marked due
 * are issued (core/notification_due.c); then every notification whose
 * fourth working day's 09:30
 * has come (at INSTANT, ISO-8601 UTC, or the configuration's now:
 * TestClock under TestMode) without an opening is deemed made and its
 * constancia queued in the outbox (the daemon sends it). Idempotent: a
 * notification is claimed in the transaction that queues its constancia,
 * so running it twice, or beside the daemon, issues one constancia.
 * Needs the whole configuration (the Institute's signer and the
 * calendar), loaded as the daemon loads it.
 * Exit: 0 done (the count printed), 2 usage, 3 the configuration or the
 * database could not be used.
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buzon/apertura.h"
#include "buzon/buf.h"
#include "buzon/config.h"
#include "buzon/instant.h"
#include "buzon/receipt.h"
#include "buzon/receipt_pdf.h"
#include "buzon/runtime.h"
#include "buzon/store.h"
#include "buzonctl.h"

/* ctl_notification_tick - argv[0] is "tick" */
int
ctl_notification_tick(int argc, char **argv, const char *config_path)
{
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_runtime *rt;
	struct bz_store *st;
	enum bz_store_status rc;
	const char *at = NULL;
	int64_t when;
	size_t acuses = 0, n = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--at") == 0 && i + 1 < argc)
			at = argv[++i];
		else {
			fprintf(stderr, "usage: buzonctl [-c FILE] notification tick "
			    "[--at INSTANT]\n");
			return CTL_EXIT_USAGE;
		}
	}
	if (at != NULL && bz_instant_parse(at, &when) != 0) {
		fprintf(stderr, "buzonctl notification: --at %s is not an ISO-8601 "
		    "instant\n", ctl_safe(at));
		return CTL_EXIT_USAGE;
	}
	if ((rt = bz_runtime_load(config_path, &err)) == NULL) {
		fprintf(stderr, "buzonctl notification: %s\n", bz_buf_str(&err));
		bz_buf_free(&err);
		return CTL_EXIT_TEMPFAIL;
	}
	if ((st = bz_store_open_config(rt->cfg, 0, &err)) == NULL) {
		fprintf(stderr, "buzonctl notification: %s\n", bz_buf_str(&err));
		bz_buf_free(&err);
		bz_runtime_unref(rt);
		return CTL_EXIT_TEMPFAIL;
	}
	if (at == NULL)
		when = bz_config_now(rt->cfg, (int64_t)time(NULL));
	/* A constancia issued here carries its PDF like the daemon's. */
	bz_receipt_mail_pdf_renderer(bz_receipt_pdf);
	bz_runtime_acuse_pdf(rt);
	rc = bz_notification_tick(st, rt, when, &acuses, &n);
	if (rc == BZ_STORE_NOTFOUND)
		fprintf(stderr, "buzonctl notification: no InstitutionCertificate/"
		    "InstitutionKey or MailboxAddress: no constancia can be issued\n");
	if (acuses > 0)
		printf("%zu acuse(s) de notificacion issued\n", acuses);
	if (rc == BZ_STORE_OK)
		printf("%zu notification(s) deemed made\n", n);
	bz_store_close(st);
	bz_runtime_unref(rt);
	bz_buf_free(&err);
	bz_receipt_pdf_library_end();
	return rc == BZ_STORE_OK ? CTL_EXIT_OK : CTL_EXIT_TEMPFAIL;
}
