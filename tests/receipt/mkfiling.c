/*
 * mkfiling - record a filing through the store with the real acuse renderer
 *
 *   mkfiling record DATABASE CERT KEY    prints the folio
 *   mkfiling dump DATABASE DIR           writes each pending outbox mail to
 *                                        DIR/<id>.eml, prints the file names
 *
 * record does what the daemon does at end of message: it calls
 * bz_store_record_submission() with bz_receipt_store_render() as the
 * render callback, so the acuse is built inside the store transaction from
 * the stored fields. The filing arrives on Saturday 2026-06-06 12:00 local
 * (18:00Z) and is legally received on Monday 2026-06-08 00:00 local
 * (statutory calendar, no institution file: version sha256:none).
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/receipt.h"
#include "buzon/store.h"
#include "buzon/tz.h"

#define HASH_A "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define HASH_B "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"

/* record - one filing, its acuse rendered by the receipt module */
static int
record(const char *db, const char *cert, const char *key)
{
	static const char *const rcpts[] = { "buzon@imss.pruebas.test" };
	struct bz_part parts[1] = { { (char *)"escrito.pdf", (char *)"application/pdf",
	    4321, HASH_A } };
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_receipt_render_ctx ctx;
	struct bz_submission in;
	struct bz_submission_out out;
	struct bz_store *st;
	int rc = 1;

	memset(&ctx, 0, sizeof(ctx));
	bz_receipt_library_init();
	if ((ctx.signer = bz_receipt_signer_load(cert, key, NULL, &err)) == NULL ||
	    (ctx.tz = bz_tz_load(BZ_TZ_MEXICO_CITY, &err)) == NULL ||
	    (st = bz_store_open(db, 5000, 0, &err)) == NULL) {
		fprintf(stderr, "mkfiling: %s\n", bz_buf_str(&err));
		return 1;
	}
	ctx.mailbox = rcpts[0];
	ctx.now = 1780790400;
	memset(&in, 0, sizeof(in));
	in.qid = "MKFILING";
	in.arrival_utc = 1780768800;	/* 2026-06-06T18:00:00Z */
	in.legal_utc = 1780898400;	/* 2026-06-08T06:00:00Z */
	in.legal_year = 2026;
	in.legal_rule = "submission.next-working-day";
	in.calendar_version = "sha256:none";
	in.signer.rfc = (char *)"PEGJ800101AB3";
	in.signer.curp = (char *)"PEGJ800101HDFRRN09";
	in.signer.name = (char *)"JUAN PÉREZ GARCÍA";
	in.signer.no_certificado = (char *)"30001000000700000001";
	in.signer.cert_sha256 = (char *)HASH_A;
	in.integrity = in.trust = in.identity = BZ_CHECK_PASS;
	in.verdict = BZ_VERDICT_ACCEPTED;
	in.message_sha256 = HASH_B;
	in.signed_sha256 = HASH_B;
	in.message_id = " <promocion.7@pruebas.buzon.test>";
	in.subject = "Aviso de dictamen | ejercicio 2025";
	in.env_from = "juan.perez@pruebas.buzon.test";
	in.env_rcpts = rcpts;
	in.n_rcpts = 1;
	in.parts = parts;
	in.n_parts = 1;
	if (bz_store_record_submission(st, &in, bz_receipt_store_render, &ctx, &out) ==
	    BZ_STORE_OK) {
		printf("%s\n", out.folio);
		rc = 0;
	} else
		fprintf(stderr, "mkfiling: not recorded: %s\n", bz_buf_str(&ctx.err));
	bz_store_close(st);
	bz_tz_free((struct bz_tz *)ctx.tz);
	bz_receipt_signer_unref((struct bz_receipt_signer *)ctx.signer);
	bz_buf_free(&ctx.err);
	bz_buf_free(&err);
	return rc;
}

/* dump - the pending outbox mails as files */
static int
dump(const char *db, const char *dir)
{
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_outbox_item *items = NULL;
	struct bz_store *st;
	size_t n = 0;
	char path[4096];

	if ((st = bz_store_open(db, 5000, 0, &err)) == NULL) {
		fprintf(stderr, "mkfiling: %s\n", bz_buf_str(&err));
		return 1;
	}
	if (bz_store_outbox_due(st, INT64_MAX, 100, &items, &n) != BZ_STORE_OK)
		return 1;
	for (size_t i = 0; i < n; i++) {
		FILE *fp;

		snprintf(path, sizeof(path), "%s/%lld.eml", dir, (long long)items[i].id);
		if ((fp = fopen(path, "wb")) == NULL)
			return 1;
		fwrite(items[i].message.data, 1, items[i].message.len, fp);
		fclose(fp);
		printf("%s\n", path);
	}
	bz_outbox_items_free(items, n);
	bz_store_close(st);
	bz_buf_free(&err);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "record") == 0)
		return record(argv[2], argv[3], argv[4]);
	if (argc == 4 && strcmp(argv[1], "dump") == 0)
		return dump(argv[2], argv[3]);
	fprintf(stderr, "usage: mkfiling record DATABASE CERT KEY | dump DATABASE DIR\n");
	return 2;
}
