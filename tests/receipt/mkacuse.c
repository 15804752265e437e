/*
 * mkacuse - write a sample acuse mail for the receipt shell tests
 *
 *   mkacuse CERT KEY [--subject TEXT] [--in-reply-to ID] [--to ADDR]
 *           [--tamper-after-seal] [--bad-sello] [--legal-utc INSTANT]
 *           [--rule-set BASIS HH:MM] [--no-rule-set]
 *           [--arrival UTC LOCAL] [--legal UTC LOCAL RULE]
 *           [--tamper-basis BASIS] [--tamper-first-hour HH:MM]
 *
 * Builds a fixed record (arrival pinned at 2026-06-01T12:00:00Z, a Monday
 * and a working day, so the legal instant is the arrival under the
 * statutory calendar without institution files, version "sha256:none";
 * rule set lft, 00:00), seals it with the institution key and prints the
 * signed mail on standard output. --rule-set, --arrival and --legal
 * replace the rule set and the instants (the caller gives them as the
 * calendar computes them); --no-rule-set leaves basis and first hour out,
 * as in an acuse of a filing recorded before the store kept them. The
 * tamper options produce acuses whose S/MIME signature is valid but whose
 * content is wrong, so `receipt verify` must name the one check that fails:
 *   --tamper-after-seal  the RFC is changed after sealing (sello fails)
 *   --tamper-basis, --tamper-first-hour
 *                        the rule set is changed after sealing (sello fails)
 *   --bad-sello          the sello is replaced by another valid base64
 *   --legal-utc          a legal instant the calendar does not give
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/receipt.h"

#define HASH_A "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define HASH_B "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"
#define HASH_C "fd61a03af4f77d870fc21e05e7e80678095c92d808cfb3b5c279ee04c74aca13"

/* sample - the fixed record of the tests */
static void
sample(struct bz_receipt *r, const char *subject, const char *legal_utc)
{
	bz_receipt_set(&r->folio, "BZ-2026-00000042");
	bz_receipt_set(&r->event, BZ_RECEIPT_EVENT_SUBMISSION);
	bz_receipt_set(&r->rfc, "PEGJ800101AB3");
	bz_receipt_set(&r->name, "JUAN PEREZ GARCIA");
	bz_receipt_set(&r->curp, "PEGJ800101HDFRRN09");
	bz_receipt_set(&r->no_certificado, "30001000000700000001");
	bz_receipt_set(&r->cert_sha256, HASH_A);
	bz_receipt_set_outcome(r, BZ_CHECK_PASS, BZ_CHECK_PASS, BZ_CHECK_PASS,
	    BZ_VERDICT_ACCEPTED);
	bz_receipt_set(&r->message_id, "<promocion.1@pruebas.buzon.test>");
	bz_receipt_set(&r->subject, subject);
	bz_receipt_set(&r->message_sha256, HASH_B);
	bz_receipt_add_part(r, "escrito.pdf", "application/pdf", 123456, HASH_C);
	bz_receipt_add_part(r, "anexo|1 Ñandú.xml", "application/xml", 789, HASH_A);
	bz_receipt_set(&r->arrival_utc, "2026-06-01T12:00:00Z");
	bz_receipt_set(&r->arrival_local, "2026-06-01T06:00:00-06:00");
	bz_receipt_set(&r->legal_utc, legal_utc);
	bz_receipt_set(&r->legal_local, strcmp(legal_utc, "2026-06-01T12:00:00Z") == 0 ?
	    "2026-06-01T06:00:00-06:00" : "2026-06-02T06:00:00-06:00");
	bz_receipt_set(&r->legal_rule, "submission.arrival");
	bz_receipt_set(&r->legal_basis, "lft");
	bz_receipt_set(&r->first_hour, "00:00");
	bz_receipt_set(&r->calendar_version, "sha256:none");
}

int
main(int argc, char **argv)
{
	struct bz_buf err = BZ_BUF_INIT, out = BZ_BUF_INIT;
	struct bz_receipt_mail m = {
		.from = "buzon@imss.pruebas.test",
		.to = "juan.perez@pruebas.buzon.test",
		.in_reply_to = "<promocion.1@pruebas.buzon.test>",
		.date = 1780315200,
	};
	const char *subject = "Promoción de prueba: aviso | anexo";
	const char *legal_utc = "2026-06-01T12:00:00Z";
	const char *basis = NULL, *first = NULL, *tamper_basis = NULL, *tamper_first = NULL;
	const char *arrival[2] = { NULL, NULL }, *legal[3] = { NULL, NULL, NULL };
	int no_rule_set = 0;
	struct bz_receipt_signer *s;
	struct bz_receipt r;
	int tamper = 0, bad_sello = 0, rc;

	if (argc < 3) {
		fprintf(stderr, "usage: mkacuse CERT KEY [options]\n");
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--subject") == 0 && i + 1 < argc)
			subject = argv[++i];
		else if (strcmp(argv[i], "--in-reply-to") == 0 && i + 1 < argc)
			m.in_reply_to = argv[++i];
		else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
			m.to = argv[++i];
		else if (strcmp(argv[i], "--legal-utc") == 0 && i + 1 < argc)
			legal_utc = argv[++i];
		else if (strcmp(argv[i], "--rule-set") == 0 && i + 2 < argc) {
			basis = argv[++i];
			first = argv[++i];
		} else if (strcmp(argv[i], "--no-rule-set") == 0)
			no_rule_set = 1;
		else if (strcmp(argv[i], "--arrival") == 0 && i + 2 < argc) {
			arrival[0] = argv[++i];
			arrival[1] = argv[++i];
		} else if (strcmp(argv[i], "--legal") == 0 && i + 3 < argc) {
			legal[0] = argv[++i];
			legal[1] = argv[++i];
			legal[2] = argv[++i];
		} else if (strcmp(argv[i], "--tamper-basis") == 0 && i + 1 < argc)
			tamper_basis = argv[++i];
		else if (strcmp(argv[i], "--tamper-first-hour") == 0 && i + 1 < argc)
			tamper_first = argv[++i];
		else if (strcmp(argv[i], "--tamper-after-seal") == 0)
			tamper = 1;
		else if (strcmp(argv[i], "--bad-sello") == 0)
			bad_sello = 1;
		else {
			fprintf(stderr, "mkacuse: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	bz_receipt_library_init();
	if ((s = bz_receipt_signer_load(argv[1], argv[2], NULL, &err)) == NULL) {
		fprintf(stderr, "mkacuse: %s\n", bz_buf_str(&err));
		return 1;
	}
	bz_receipt_init(&r);
	sample(&r, subject, legal_utc);
	if (basis != NULL) {
		bz_receipt_set(&r.legal_basis, basis);
		bz_receipt_set(&r.first_hour, first);
	}
	if (no_rule_set) {
		bz_receipt_set(&r.legal_basis, NULL);
		bz_receipt_set(&r.first_hour, NULL);
	}
	if (arrival[0] != NULL) {
		bz_receipt_set(&r.arrival_utc, arrival[0]);
		bz_receipt_set(&r.arrival_local, arrival[1]);
	}
	if (legal[0] != NULL) {
		bz_receipt_set(&r.legal_utc, legal[0]);
		bz_receipt_set(&r.legal_local, legal[1]);
		bz_receipt_set(&r.legal_rule, legal[2]);
	}
	if (bz_receipt_seal(s, &r, &err) != 0) {
		fprintf(stderr, "mkacuse: %s\n", bz_buf_str(&err));
		return 1;
	}
	if (tamper)
		bz_receipt_set(&r.rfc, "XAXX010101000");
	if (tamper_basis != NULL)
		bz_receipt_set(&r.legal_basis, tamper_basis);
	if (tamper_first != NULL)
		bz_receipt_set(&r.first_hour, tamper_first);
	if (bad_sello)
		bz_receipt_set(&r.sello, "QUJDRA==");
	rc = bz_receipt_render_sealed(s, &r, &m, &out, NULL, &err);
	if (rc != 0) {
		fprintf(stderr, "mkacuse: %s\n", bz_buf_str(&err));
		return 1;
	}
	fwrite(out.data, 1, out.len, stdout);
	bz_receipt_free(&r);
	bz_receipt_signer_unref(s);
	bz_buf_free(&out);
	bz_buf_free(&err);
	return 0;
}
