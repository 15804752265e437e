/*
 * test_submission - the end-of-message pipeline without libmilter
 *
 * bz_submission_decide() (core/submission.c) over a real runtime (test PKI, TestMode,
 * TestClock 2026-06-01T12:00:00Z, the statutory calendar), a real SQLite
 * store and spool under the test's directory, and messages signed here by
 * OpenSSL. The rules (DESIGN.md, issues 3, 5 and 8): "Valid: accept" with
 * a folio, a committed record and its acuse in the outbox; "the acuse goes
 * to the address in the signer's certificate, not back to the sender"; a
 * second copy of the same signed entity by the same certificate is a
 * repeat that keeps its folio; a rejection is a 5xx with every coded
 * reason; anything that cannot be decided for sure (no store, no trust
 * configuration) is a 451, nothing accepted without its record.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "buzon/calendar.h"
#include "buzon/receipt.h"
#include "buzon/runtime.h"
#include "buzon/store.h"
#include "buzon/submission.h"
#include "buzon/xalloc.h"
#include "pki.h"
#include "suites.h"

#define MAILBOX		"buzon@example.test"
#define CERT_ADDRESS	"juan.perez@pruebas.buzon.test"	/* in efirma-fisica.crt */
#define ENVELOPE_FROM	"<otro.remitente@example.org>"	/* not the certificate's */

/* One message through bz_submission_decide() and everything it needs. */
struct pipeline {
	struct bz_runtime *rt;
	struct bz_store_pool *pool;
	char	*db;
};

/* pipeline_open - runtime and store under the test directory; trust: with
 * TrustAnchors/IssuingCAs of the test PKI (0: unconfigured verification) */
static void
pipeline_open(struct pipeline *p, int trust)
{
	struct bz_buf err = BZ_BUF_INIT;
	char *spool = xasprintf("%s/spool", test_tmpdir());
	char *conf = xasprintf("%s/submission.conf", test_tmpdir());
	char *anchors = xstrdup(test_pki_path("trust-anchors.pem"));
	char *cas = xstrdup(test_pki_path("issuing-cas.pem"));
	char *icert = xstrdup(test_pki_path("institution.crt"));
	char *ikey = xstrdup(test_pki_path("institution.key"));
	FILE *f;

	p->db = xasprintf("%s/buzon.db", test_tmpdir());
	ck_assert(mkdir(spool, 0700) == 0 || errno == EEXIST);
	ck_assert_ptr_nonnull(f = fopen(conf, "w"));
	fprintf(f, "Socket unix:/tmp/unused.sock\nMailboxAddress " MAILBOX "\n"
	    "TestMode yes\nTestClock 2026-06-01T12:00:00Z\nRevocation none\n"
	    "SpoolDirectory %s\nDatabase %s\n"
	    /* the test PKI's signers never registered (issue 9) */
	    "RequireEnabledMailbox no\n"
	    "InstitutionCertificate %s\nInstitutionKey %s\n",
	    spool, p->db, icert, ikey);
	if (trust)
		fprintf(f, "TrustAnchors %s\nIssuingCAs %s\n", anchors, cas);
	fclose(f);
	p->rt = bz_runtime_load(conf, &err);
	ck_assert_msg(p->rt != NULL, "runtime: %s", bz_buf_str(&err));
	p->pool = bz_store_pool_new(p->db, 5000, 2, &err);
	ck_assert_msg(p->pool != NULL, "store: %s", bz_buf_str(&err));
	bz_buf_free(&err);
	free(spool);
	free(conf);
	free(anchors);
	free(cas);
	free(icert);
	free(ikey);
}

/* pipeline_close - release what pipeline_open made */
static void
pipeline_close(struct pipeline *p)
{
	bz_store_pool_free(p->pool);
	bz_runtime_unref(p->rt);
	free(p->db);
}

/* 1: run() seals the acuse and leaves its signature for later, as the
 * daemon does (bz_submission_input.sign_later). */
static int sign_later;

/* run - bz_submission_decide() on msg sent to the mailbox; store NULL: none */
static void
run(struct pipeline *p, const char *msg, struct bz_store_pool *store,
    struct bz_decision *d)
{
	char *rcpts[] = { "<" MAILBOX ">" };
	struct bz_submission_input in;

	memset(&in, 0, sizeof(in));
	in.qid = "TESTQID";
	in.rt = p->rt;
	in.msg = (const unsigned char *)msg;
	in.len = strlen(msg);
	in.envfrom = ENVELOPE_FROM;
	in.rcpts = rcpts;
	in.nrcpts = 1;
	in.arrival = (time_t)TEST_PKI_INSTANT;
	in.store = store;
	in.sign_later = sign_later;
	bz_decision_init(d);
	bz_submission_decide(&in, d);
}

/* header - the value of one of our headers in an accepted decision */
static const char *
header(const struct bz_decision *d, const char *name)
{
	for (size_t i = 0; i < d->nheaders; i++)
		if (strcmp(d->headers[i].name, name) == 0)
			return d->headers[i].value;
	return NULL;
}

/* has_reason - is code among the decision's reasons? */
static int
has_reason(const struct bz_decision *d, const char *code)
{
	for (size_t i = 0; i < d->reasons.n; i++)
		if (strcmp(d->reasons.items[i]->code, code) == 0)
			return 1;
	return 0;
}

/* outbox - every outbox row of the store; *n rows */
static struct bz_outbox_item *
outbox(struct pipeline *p, size_t *n)
{
	struct bz_store *st = bz_store_pool_get(p->pool);
	struct bz_outbox_item *items = NULL;

	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(bz_store_outbox_list(st, NULL, &items, n), BZ_STORE_OK);
	bz_store_pool_put(p->pool, st);
	return items;
}

/* An accepted submission: folio, headers, a committed record, the acuse
 * queued to the certificate's address (not MAIL FROM, not the mailbox). */
START_TEST(test_accepted)
{
	struct pipeline p;
	struct bz_decision d;
	struct bz_submission sub;
	struct bz_outbox_item *items;
	struct bz_store *st;
	char *msg = test_signed_message("efirma-fisica", DETACHED, 0);
	size_t n;

	pipeline_open(&p, 1);
	run(&p, msg, p.pool, &d);
	ck_assert_msg(d.action == BZ_DECISION_ACCEPT, "action %d, %zu reasons: %s",
	    (int)d.action, d.reasons.n, d.reasons.n ? d.reasons.items[0]->code : "-");
	ck_assert_str_eq(header(&d, "X-Buzon-Status"), "accepted");
	ck_assert_str_eq(header(&d, "X-Buzon-Folio"), "BZ-2026-00000001");
	ck_assert_str_eq(header(&d, "X-Buzon-Signer-RFC"), "PEGJ800101AB3");
	ck_assert_str_eq(header(&d, "X-Buzon-Signer-Cert"), "30001000000700000001");
	ck_assert_str_eq(header(&d, "X-Buzon-Verdict"),
	    "integrity=pass; trust=pass; identity=pass");
	/* Monday 2026-06-01 06:00 in Mexico City: a working day, on time. */
	ck_assert_str_eq(header(&d, "X-Buzon-Received"), "2026-06-01T06:00:00-06:00");
	ck_assert_ptr_null(header(&d, "X-Buzon-Repeat"));

	ck_assert_ptr_nonnull(st = bz_store_pool_get(p.pool));
	memset(&sub, 0, sizeof(sub));
	ck_assert_int_eq(bz_store_submission_get(st, "BZ-2026-00000001", &sub),
	    BZ_STORE_OK);
	ck_assert_str_eq(sub.signer.rfc, "PEGJ800101AB3");
	ck_assert_str_eq(sub.env_from, "otro.remitente@example.org");
	ck_assert_int_eq(sub.arrival_utc, TEST_PKI_INSTANT);
	ck_assert_ptr_nonnull(sub.spool_path);
	bz_submission_free(&sub);
	bz_store_pool_put(p.pool, st);

	items = outbox(&p, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(items[0].folio, "BZ-2026-00000001");
	ck_assert_str_eq(items[0].kind, "acuse");
	ck_assert_str_eq(items[0].recipient, CERT_ADDRESS);
	bz_outbox_items_free(items, n);

	bz_decision_free(&d);
	pipeline_close(&p);
	free(msg);
}
END_TEST

/* The same signed entity by the same certificate again: a repeat, with the
 * original folio and instants and no second filing. */
START_TEST(test_repeat)
{
	struct pipeline p;
	struct bz_decision d1, d2;
	struct bz_store_stats stats;
	struct bz_store *st;
	char *msg = test_signed_message("efirma-fisica", DETACHED, 0);

	pipeline_open(&p, 1);
	run(&p, msg, p.pool, &d1);
	ck_assert_int_eq(d1.action, BZ_DECISION_ACCEPT);
	run(&p, msg, p.pool, &d2);
	ck_assert_int_eq(d2.action, BZ_DECISION_ACCEPT);
	ck_assert_str_eq(header(&d2, "X-Buzon-Repeat"), "yes");
	ck_assert_str_eq(header(&d2, "X-Buzon-Folio"), header(&d1, "X-Buzon-Folio"));
	ck_assert_str_eq(header(&d2, "X-Buzon-Legal-Received"),
	    header(&d1, "X-Buzon-Legal-Received"));
	ck_assert_ptr_nonnull(st = bz_store_pool_get(p.pool));
	ck_assert_int_eq(bz_store_stats(st, &stats), BZ_STORE_OK);
	ck_assert_int_eq(stats.submissions, 1);
	ck_assert_int_eq(stats.repeats, 1);
	bz_store_pool_put(p.pool, st);
	bz_decision_free(&d1);
	bz_decision_free(&d2);
	pipeline_close(&p);
	free(msg);
}
END_TEST

/* Rejections give their coded reasons and record nothing. */
static const struct {
	const char	*name;
	const char	*leaf;		/* NULL: unsigned */
	enum form	 form;
	int		 tamper;
	const char	*reason;
} rejections[] = {
	{ "unsigned", NULL, UNSIGNED, 0, "BZ-MSG-UNSIGNED" },
	{ "tampered", "efirma-fisica", DETACHED, 1, "BZ-SIG-INVALID" },
	{ "CSD, not an e.firma", "csd", DETACHED, 0, "BZ-CERT-CSD" },
};

START_TEST(test_rejected)
{
	struct pipeline p;
	struct bz_decision d;
	struct bz_store_stats stats;
	struct bz_store *st;
	char *msg = test_signed_message(rejections[_i].leaf, rejections[_i].form,
	    rejections[_i].tamper);

	pipeline_open(&p, 1);
	run(&p, msg, p.pool, &d);
	ck_assert_msg(d.action == BZ_DECISION_REJECT, "%s: action %d", rejections[_i].name,
	    (int)d.action);
	ck_assert_msg(has_reason(&d, rejections[_i].reason), "%s: no %s",
	    rejections[_i].name, rejections[_i].reason);
	ck_assert_uint_eq(d.nheaders, 0);
	ck_assert_ptr_nonnull(st = bz_store_pool_get(p.pool));
	ck_assert_int_eq(bz_store_stats(st, &stats), BZ_STORE_OK);
	ck_assert_int_eq(stats.submissions, 0);
	bz_store_pool_put(p.pool, st);
	bz_decision_free(&d);
	pipeline_close(&p);
	free(msg);
}
END_TEST

/* A valid e.firma without an e-mail address: filed, no acuse queued (the
 * envelope sender is never a recipient of its own). */
START_TEST(test_no_certificate_address)
{
	struct pipeline p;
	struct bz_decision d;
	struct bz_outbox_item *items;
	char *msg = test_signed_message("efirma-sincorreo", DETACHED, 0);
	size_t n;

	pipeline_open(&p, 1);
	run(&p, msg, p.pool, &d);
	ck_assert_int_eq(d.action, BZ_DECISION_ACCEPT);
	ck_assert_str_eq(header(&d, "X-Buzon-Folio"), "BZ-2026-00000001");
	items = outbox(&p, &n);
	ck_assert_uint_eq(n, 0);
	bz_outbox_items_free(items, n);
	bz_decision_free(&d);
	pipeline_close(&p);
	free(msg);
}
END_TEST

/* Cannot decide for sure: 451 with the reason, no headers. */
START_TEST(test_tempfail)
{
	struct pipeline p;
	struct bz_decision d;
	char *msg = test_signed_message("efirma-fisica", DETACHED, 0);

	pipeline_open(&p, 1);
	run(&p, msg, NULL, &d);			/* no store */
	ck_assert_int_eq(d.action, BZ_DECISION_TEMPFAIL);
	ck_assert(has_reason(&d, "BZ-STORE"));
	ck_assert_uint_eq(d.nheaders, 0);
	bz_decision_free(&d);
	pipeline_close(&p);

	pipeline_open(&p, 0);			/* no TrustAnchors */
	run(&p, msg, p.pool, &d);
	ck_assert_int_eq(d.action, BZ_DECISION_TEMPFAIL);
	ck_assert(has_reason(&d, "BZ-UNCONFIGURED"));
	bz_decision_free(&d);
	pipeline_close(&p);
	free(msg);
}
END_TEST

/* sign - bz_receipt_sign_pending with the pipeline's key; signed count */
static size_t
sign(struct pipeline *p, size_t *refused)
{
	struct bz_store *st = bz_store_pool_get(p->pool);
	size_t nsigned = 0, nrefused = 0;

	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(bz_receipt_sign_pending(st, p->rt->signer,
	    bz_calendar_zone(p->rt->calendar), INT64_MAX, 1000, 64, NULL,
	    &nsigned, &nrefused), 0);
	bz_store_pool_put(p->pool, st);
	if (refused != NULL)
		*refused = nrefused;
	return nsigned;
}

/* db_exec - one statement on the database, behind the store's back */
static void
db_exec(struct pipeline *p, const char *sql)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(p->db, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/*
 * Issue 12: the acuse sealed at the commit, signed afterwards. After the
 * 250 the record and a pending acuse are committed and nothing is queued
 * (a crash here loses nothing: the pending row is durable); a repeat
 * meanwhile queues nothing more; signing keeps, seals and queues the
 * acuse once, a second run signs nothing again; the sello is the one a
 * fresh sello over the record gives (PKCS#1 v1.5 is deterministic); the
 * acuse verifies. A pending row changed behind the log is refused.
 */
START_TEST(test_sign_later)
{
	struct pipeline p;
	struct bz_decision d;
	struct bz_submission sub;
	struct bz_acuse_pending pend;
	struct bz_outbox_item *items;
	struct bz_receipt r;
	struct bz_receipt_verify_opts vo;
	struct bz_receipt_verify_result res;
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_store *st;
	char *msg = test_signed_message("efirma-fisica", DETACHED, 0);
	char *msg2 = test_signed_message("efirma-moral", DETACHED, 0);
	char *msg3 = test_signed_message("efirma-sincorreo", DETACHED, 0);
	size_t n, refused;

	sign_later = 1;
	pipeline_open(&p, 1);
	run(&p, msg, p.pool, &d);
	ck_assert_int_eq(d.action, BZ_DECISION_ACCEPT);
	ck_assert_str_eq(header(&d, "X-Buzon-Folio"), "BZ-2026-00000001");
	bz_decision_free(&d);
	items = outbox(&p, &n);
	ck_assert_uint_eq(n, 0);
	bz_outbox_items_free(items, n);
	ck_assert_ptr_nonnull(st = bz_store_pool_get(p.pool));
	ck_assert_int_eq(bz_store_pending_get(st, "BZ-2026-00000001", &pend),
	    BZ_STORE_OK);
	ck_assert_uint_eq(pend.n_rcpts, 1);
	ck_assert_str_eq(pend.rcpts[0], CERT_ADDRESS);
	ck_assert_str_eq(pend.mail_from, MAILBOX);
	bz_acuse_pending_free(&pend);
	ck_assert_int_eq(bz_store_submission_get(st, "BZ-2026-00000001", &sub),
	    BZ_STORE_OK);
	ck_assert_ptr_null(sub.acuse);
	ck_assert_str_eq(sub.acuse_status, "queued");
	bz_submission_free(&sub);
	bz_store_pool_put(p.pool, st);

	/* A repeat before the signature: no second acuse. */
	run(&p, msg, p.pool, &d);
	ck_assert_str_eq(header(&d, "X-Buzon-Repeat"), "yes");
	bz_decision_free(&d);

	ck_assert_uint_eq(sign(&p, NULL), 1);
	ck_assert_uint_eq(sign(&p, NULL), 0);		/* exactly once */
	items = outbox(&p, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(items[0].recipient, CERT_ADDRESS);
	bz_outbox_items_free(items, n);

	ck_assert_ptr_nonnull(st = bz_store_pool_get(p.pool));
	ck_assert_int_eq(bz_store_submission_get(st, "BZ-2026-00000001", &sub),
	    BZ_STORE_OK);
	ck_assert_ptr_nonnull(sub.acuse);
	memset(&vo, 0, sizeof(vo));
	vo.ca_file = test_pki_path("institution-ca.crt");
	bz_receipt_verify_result_init(&res);
	(void)bz_receipt_verify(sub.acuse, sub.acuse_len, &vo, &res);
	ck_assert_int_eq(res.check[BZ_RECEIPT_CHECK_SMIME], BZ_CHECK_PASS);
	ck_assert_int_eq(res.check[BZ_RECEIPT_CHECK_SELLO], BZ_CHECK_PASS);
	ck_assert(res.have_record);
	/* Signed again from the row (as after a crash): the same sello. */
	bz_receipt_init(&r);
	bz_receipt_from_submission(&r, sub.folio, &sub, bz_calendar_zone(p.rt->calendar),
	    NULL);
	ck_assert_int_eq(bz_receipt_seal(p.rt->signer, &r, &err), 0);
	ck_assert_str_eq(r.sello, res.record.sello);
	bz_receipt_free(&r);
	bz_receipt_verify_result_free(&res);
	bz_submission_free(&sub);
	bz_store_pool_put(p.pool, st);

	/* A pending acuse redirected behind the log is not signed. */
	run(&p, msg2, p.pool, &d);
	ck_assert_int_eq(d.action, BZ_DECISION_ACCEPT);
	ck_assert_str_eq(header(&d, "X-Buzon-Folio"), "BZ-2026-00000002");
	bz_decision_free(&d);
	db_exec(&p, "UPDATE acuse_pending SET rcpts = 'otro@example.org'");
	ck_assert_uint_eq(sign(&p, &refused), 0);
	ck_assert_uint_eq(refused, 1);
	items = outbox(&p, &n);
	ck_assert_uint_eq(n, 1);
	bz_outbox_items_free(items, n);
	db_exec(&p, "DELETE FROM acuse_pending");

	/* Sealed under another institution certificate (rotated since):
	 * only that key may sign its cadena, so it waits, neither signed
	 * nor refused, and is signed once that certificate is back. */
	run(&p, msg3, p.pool, &d);
	ck_assert_str_eq(header(&d, "X-Buzon-Folio"), "BZ-2026-00000003");
	bz_decision_free(&d);
	db_exec(&p, "UPDATE submissions SET institution_no_certificado = "
	    "'99999999999999999999' WHERE folio = 'BZ-2026-00000003'");
	ck_assert_uint_eq(sign(&p, &refused), 0);
	ck_assert_uint_eq(refused, 0);
	db_exec(&p, "UPDATE submissions SET institution_no_certificado = (SELECT "
	    "institution_no_certificado FROM submissions WHERE folio = "
	    "'BZ-2026-00000001') WHERE folio = 'BZ-2026-00000003'");
	ck_assert_uint_eq(sign(&p, &refused), 1);
	ck_assert_uint_eq(refused, 0);

	bz_buf_free(&err);
	pipeline_close(&p);
	sign_later = 0;
	free(msg);
	free(msg2);
	free(msg3);
}
END_TEST

Suite *
suite_submission(void)
{
	Suite *s = suite_create("submission");
	TCase *tc = tcase_create("decide");

	/* Signing, verifying and a SQLite commit per test: sanitizer builds
	 * need more than Check's default 4 s. */
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_accepted);
	tcase_add_test(tc, test_repeat);
	tcase_add_loop_test(tc, test_rejected, 0,
	    (int)(sizeof(rejections) / sizeof(rejections[0])));
	tcase_add_test(tc, test_no_certificate_address);
	tcase_add_test(tc, test_tempfail);
	tcase_add_test(tc, test_sign_later);
	suite_add_tcase(s, tc);
	return s;
}
