/*
 * mkfiling - record a filing through the store with the real acuse renderer
 *
 *   mkfiling record DATABASE CERT KEY [--cinco-de-mayo | --late-evening]
 *                                        prints the folio
 *   mkfiling dump DATABASE DIR           writes each pending outbox mail to
 *                                        DIR/<id>.eml, prints the file names
 *   mkfiling forget-rule-set DATABASE FOLIO CERT KEY
 *                                        sets legal_basis and first_hour of
 *                                        the filing to NULL and drops its
 *                                        kept acuse, as a filing recorded
 *                                        before schema version 3 reads after
 *                                        the migration, and puts in its
 *                                        outbox rows the acuse that release
 *                                        rendered from such a row
 *
 * record does what the daemon does at end of message: it calls
 * bz_store_record_submission() with bz_receipt_store_render() as the
 * render callback, so the acuse is built inside the store transaction from
 * the stored fields. The filing arrives on Saturday 2026-06-06 12:00 local
 * (18:00Z) and is legally received on Monday 2026-06-08 00:00 local
 * (statutory calendar, no institution file: version sha256:none), under
 * LegalBasis lft and SubmissionFirstHour 00:00.
 *
 * --cinco-de-mayo files under LegalBasis lft+cff and SubmissionFirstHour
 * 09:30 instead: it arrives on Tuesday 2026-05-05 10:00 local (16:00Z),
 * a working day under lft but a rest day under lft+cff (CFF art. 12), and
 * is legally received on Wednesday 2026-05-06 at 09:30 local (15:30Z).
 *
 * --late-evening files on Friday 2026-06-05 at 23:30 local, which is
 * already Saturday 2026-06-06 05:30 in UTC (a working day: legally
 * received at arrival), signed by another signer (RFC LOPM700101MA1): it
 * tells a local date (receipt list --since) from a UTC one.
 */
#include "build-aux/config.h"

#include <sqlite3.h>
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
record(const char *db, const char *cert, const char *key, int cinco_de_mayo,
    int late_evening)
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
	in.legal_basis = "lft";
	in.first_hour = "00:00";
	in.calendar_version = "sha256:none";
	in.signer.rfc = (char *)"PEGJ800101AB3";
	in.signer.curp = (char *)"PEGJ800101HDFRRN09";
	in.signer.name = (char *)"JUAN PÉREZ GARCÍA";
	in.signer.no_certificado = (char *)"30001000000700000001";
	in.signer.cert_sha256 = (char *)HASH_A;
	in.signer.email = (char *)"juan.perez@pruebas.buzon.test";
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
	if (cinco_de_mayo) {
		in.arrival_utc = 1777996800;	/* 2026-05-05T16:00:00Z */
		in.legal_utc = 1778081400;	/* 2026-05-06T15:30:00Z */
		in.legal_basis = "lft+cff";
		in.first_hour = "09:30";
		in.signed_sha256 = HASH_A;	/* another filing, not a repeat */
		in.message_id = "<promocion.8@pruebas.buzon.test>";
	}
	if (late_evening) {
		in.arrival_utc = 1780723800;	/* 2026-06-06T05:30:00Z */
		in.legal_utc = 1780723800;
		in.legal_rule = "submission.arrival";
		in.signer.rfc = (char *)"LOPM700101MA1";
		in.signer.curp = (char *)"LOPM700101MDFPRR05";
		in.signer.name = (char *)"MARÍA LÓPEZ PÉREZ";
		in.signer.cert_sha256 = (char *)HASH_B;
		in.signer.email = (char *)"maria.lopez@pruebas.buzon.test";
		in.signed_sha256 = HASH_A;	/* another filing, not a repeat */
		in.message_id = "<promocion.9@pruebas.buzon.test>";
	}
	/* As the daemon: the acuse goes to the certificate's address. */
	ctx.to = in.signer.email;
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

/* exec_folio - run one statement with the folio bound to ?1 (and blob ?2) */
static int
exec_folio(sqlite3 *h, const char *sql, const char *folio, const struct bz_buf *blob)
{
	sqlite3_stmt *s;
	int ok;

	if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "mkfiling: %s\n", sqlite3_errmsg(h));
		return -1;
	}
	sqlite3_bind_text(s, 1, folio, -1, SQLITE_STATIC);
	if (blob != NULL)
		sqlite3_bind_blob(s, 2, blob->data, (int)blob->len, SQLITE_STATIC);
	ok = sqlite3_step(s) == SQLITE_DONE && sqlite3_changes(h) >= 1;
	if (!ok)
		fprintf(stderr, "mkfiling: no filing %s updated: %s\n", folio,
		    sqlite3_errmsg(h));
	sqlite3_finalize(s);
	return ok ? 0 : -1;
}

/*
 * forget_rule_set - the filing as one recorded before schema version 3:
 * no rule set in the row, no acuse kept in it, and in the outbox the acuse
 * that release rendered from such a row (naming no basis or first hour)
 */
static int
forget_rule_set(const char *db, const char *folio, const char *cert, const char *key)
{
	struct bz_buf err = BZ_BUF_INIT, msg = BZ_BUF_INIT;
	struct bz_receipt_render_ctx ctx;
	struct bz_submission sub;
	struct bz_store *st = NULL;
	sqlite3 *h = NULL;
	int rc = 1;

	memset(&ctx, 0, sizeof(ctx));
	memset(&sub, 0, sizeof(sub));
	bz_receipt_library_init();
	if (sqlite3_open(db, &h) != SQLITE_OK ||
	    exec_folio(h, "UPDATE submissions SET legal_basis = NULL, first_hour = NULL, "
	    "acuse = NULL, institution_no_certificado = NULL WHERE folio = ?1",
	    folio, NULL) < 0)
		goto out;
	if ((ctx.signer = bz_receipt_signer_load(cert, key, NULL, &err)) == NULL ||
	    (ctx.tz = bz_tz_load(BZ_TZ_MEXICO_CITY, &err)) == NULL ||
	    (st = bz_store_open(db, 5000, 0, &err)) == NULL ||
	    bz_store_submission_get(st, folio, &sub) != BZ_STORE_OK) {
		fprintf(stderr, "mkfiling: %s\n", bz_buf_str(&err));
		goto out;
	}
	ctx.mailbox = "buzon@imss.pruebas.test";
	ctx.now = 1780790400;
	ctx.to = sub.signer.email;
	if (bz_receipt_render_submission(&ctx, folio, &sub, &msg, &err) != 0) {
		fprintf(stderr, "mkfiling: %s\n", bz_buf_str(&err));
		goto out;
	}
	if (exec_folio(h, "UPDATE outbox SET message = ?2 WHERE folio = ?1", folio, &msg) == 0)
		rc = 0;
out:
	if (sub.qid != NULL)
		bz_submission_free(&sub);
	if (st != NULL)
		bz_store_close(st);
	bz_tz_free((struct bz_tz *)ctx.tz);
	bz_receipt_signer_unref((struct bz_receipt_signer *)ctx.signer);
	sqlite3_close(h);
	bz_buf_free(&err);
	bz_buf_free(&msg);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "record") == 0)
		return record(argv[2], argv[3], argv[4], 0, 0);
	if (argc == 6 && strcmp(argv[1], "record") == 0 &&
	    strcmp(argv[5], "--cinco-de-mayo") == 0)
		return record(argv[2], argv[3], argv[4], 1, 0);
	if (argc == 6 && strcmp(argv[1], "record") == 0 &&
	    strcmp(argv[5], "--late-evening") == 0)
		return record(argv[2], argv[3], argv[4], 0, 1);
	if (argc == 6 && strcmp(argv[1], "forget-rule-set") == 0)
		return forget_rule_set(argv[2], argv[3], argv[4], argv[5]);
	if (argc == 4 && strcmp(argv[1], "dump") == 0)
		return dump(argv[2], argv[3]);
	fprintf(stderr, "usage: mkfiling record DATABASE CERT KEY "
	    "[--cinco-de-mayo | --late-evening] | "
	    "dump DATABASE DIR | forget-rule-set DATABASE FOLIO CERT KEY\n");
	return 2;
}
