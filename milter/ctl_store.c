/*
 * ctl_store - buzonctl store: inspect the database the daemon writes
 *
 *   buzonctl [-c FILE] store verify-chain [--json]
 *       walk the event log, then recompute, from every submissions row,
 *       the SHA-256 of its cadena original, of its unsigned envelope data
 *       and of its kept acuse, and compare them with what the folio's
 *       "submission" event sealed; exit 0 when everything matches, 1
 *       naming the first broken event row and every folio whose row no
 *       longer matches; the head hash printed can be kept elsewhere as an
 *       anchor. Rows filed before the events carried digests are counted
 *       as unsealed, not as altered. An acuse sealed at its commit and
 *       not signed yet (schema 8) must still have the pending row its
 *       event sealed; one signed since is compared with the digest of its
 *       "acuse-signed" event. The local instants of the cadena are
 *       recomputed with the zone data installed now (America/Mexico_City
 *       has had one offset since 2022; a zone-data change for an earlier
 *       instant would show as a mismatch, and the kept acuse says which).
 *   buzonctl [-c FILE] store stats [--json]
 *   buzonctl [-c FILE] store outbox [--all] [--json]
 *       mail waiting for the MTA (with --all also sent and failed)
 *   buzonctl [-c FILE] store backup DEST
 *       a consistent copy made with SQLite's online backup while the
 *       daemon keeps writing (bz_store_backup); never overwrites DEST
 *   buzonctl [-c FILE] store migrate --to URI
 *       copy the SQLite store into an empty PostgreSQL database
 *       (milter/ctl_store_migrate.c)
 *
 * The database (`Database` from FILE) is opened read-only: buzonctl never
 * migrates or changes it (migrate writes only the target URI). Exit 2 when it cannot be opened (or DEST
 * exists), 3 when reading fails (e.g. locked past `DatabaseBusyTimeout`).
 */
#include "build-aux/config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/config.h"
#include "buzon/digest.h"
#include "buzon/instant.h"
#include "buzon/json.h"
#include "buzon/receipt.h"
#include "buzon/notification.h"
#include "buzon/registration.h"
#include "buzon/store.h"
#include "buzon/tz.h"
#include "buzon/xalloc.h"
#include "buzonctl.h"

/* store_usage - help for this command */
static int
store_usage(FILE *fp, int status)
{
	fprintf(fp, "usage: buzonctl [-c FILE] store verify-chain [--json]\n"
	    "       buzonctl [-c FILE] store stats [--json]\n"
	    "       buzonctl [-c FILE] store outbox [--all] [--json]\n"
	    "       buzonctl [-c FILE] store backup DEST\n"
	    "       buzonctl [-c FILE] store migrate --to URI\n\n"
	    "  verify-chain  check the hash chain of the event log end to end and every\n"
	    "                record against the digests its event sealed; exit 0 when\n"
	    "                intact, 1 naming the first broken event row and every\n"
	    "                folio whose row no longer matches\n"
	    "  stats         submissions, repeats, events, outbox and the last folio\n"
	    "  outbox        mail waiting to be handed to the MTA (--all: every row)\n"
	    "  backup        copy the live database to DEST (a new file) with SQLite's\n"
	    "                online backup, safe while buzon-milter writes; exit 2 if\n"
	    "                DEST exists, 3 if the copy fails\n"
	    "  migrate       copy the SQLite store (every table, ids, folios, the event\n"
	    "                log and its head, the spool files' bytes) into the empty\n"
	    "                PostgreSQL database URI in one transaction; exit 2 if the\n"
	    "                target already holds submissions or events, 3 if the copy\n"
	    "                fails (nothing is kept)\n"
	    "  --json        one JSON document on standard output\n\n"
	    "The database named by Database in FILE is opened read-only.\n");
	return status;
}

/* What the rows say against what their events sealed. */
struct records_check {
	int64_t		 checked;	/* rows compared with their event */
	int64_t		 unsealed;	/* rows whose event predates the digests */
	int64_t		 pending;	/* acuses sealed, not signed yet */
	char		**altered;	/* folios */
	const char	**why;
	size_t		 n_altered;
};

/* altered - note one folio that no longer matches */
static void
altered(struct records_check *rc, const char *folio, const char *why)
{
	rc->altered = xrealloc(rc->altered, (rc->n_altered + 1) * sizeof(*rc->altered));
	rc->why = xrealloc(rc->why, (rc->n_altered + 1) * sizeof(*rc->why));
	rc->altered[rc->n_altered] = xstrdup(folio);
	rc->why[rc->n_altered++] = why;
}

/*
 * check_pending - an acuse sealed at its commit and signed afterwards
 * (schema 8): until it is signed its pending row must be the one the
 * event sealed; once signed there must be no pending row left. 0 or -1.
 */
static int
check_pending(struct bz_store *st, const char *folio, const char *acuse,
    struct records_check *rc)
{
	struct bz_acuse_pending p;
	char sealed[65], now[65];
	enum bz_store_status r;

	if (bz_store_sealed_pending(st, folio, sealed) != BZ_STORE_OK)
		return -1;
	if ((r = bz_store_pending_get(st, folio, &p)) == BZ_STORE_TEMPFAIL)
		return -1;
	if (r == BZ_STORE_OK)
		bz_acuse_pending_digest(&p, now);
	if (r == BZ_STORE_OK && acuse[0] != '\0')
		altered(rc, folio, "an acuse is pending signature for a filing whose "
		    "acuse was signed already");
	else if (r == BZ_STORE_OK && strcmp(sealed, now) != 0)
		altered(rc, folio, "the acuse pending signature (From, To, Date, "
		    "recipients) is not the one its event sealed");
	else if (r == BZ_STORE_OK)
		rc->pending++;
	else if (sealed[0] != '\0' && acuse[0] == '\0')
		altered(rc, folio, "its event sealed an acuse to be signed, but it is "
		    "neither signed nor pending");
	if (r == BZ_STORE_OK)
		bz_acuse_pending_free(&p);
	return 0;
}

/* check_row - one submissions row against its "submission" event */
static int
check_row(struct bz_store *st, const struct bz_tz *tz, const char *folio,
    struct records_check *rc)
{
	struct bz_submission sub;
	char cadena[65], envelope[65], acuse[65], c2[65], e2[65], a2[65] = "";
	enum bz_store_status r;

	if (bz_store_submission_get(st, folio, &sub) != BZ_STORE_OK)
		return -1;
	r = bz_store_sealed_digests(st, folio, cadena, envelope, acuse);
	if (r == BZ_STORE_TEMPFAIL) {
		bz_submission_free(&sub);
		return -1;
	}
	if (r == BZ_STORE_NOTFOUND)
		altered(rc, folio, "no submission event names this row");
	else if (cadena[0] == '\0')
		rc->unsealed++;
	else {
		rc->checked++;
		bz_receipt_submission_digests(folio, &sub, tz,
		    sub.institution_no_certificado, c2, e2);
		if (sub.acuse != NULL)
			bz_sha256_hex(sub.acuse, sub.acuse_len, a2);
		if (strcmp(cadena, c2) != 0)
			altered(rc, folio, "the row no longer gives the cadena original "
			    "its event sealed");
		else if (envelope[0] != '\0' && strcmp(envelope, e2) != 0)
			altered(rc, folio, "the row's envelope data (Subject, Message-ID, "
			    "MAIL FROM, recipients, spool path, e-mail) changed");
		else if (strcmp(acuse, a2) != 0)
			altered(rc, folio, "the kept acuse is not the one its event sealed");
		else if (check_pending(st, folio, acuse, rc) < 0) {
			bz_submission_free(&sub);
			return -1;
		}
	}
	bz_submission_free(&sub);
	return 0;
}

/* altered_cb - altered() for bz_registration_verify_rows */
static void
altered_cb(void *arg, const char *label, const char *why)
{
	altered(arg, label, why);
}

/* check_records - every row, and every sealed folio that lost its row */
static int
check_records(struct bz_store *st, const struct bz_tz *tz, struct records_check *rc)
{
	char **rows = NULL, **sealed = NULL;
	size_t nrows = 0, nsealed = 0;
	int status = 0;

	if (bz_store_submission_list(st, NULL, 0, &rows, &nrows) != BZ_STORE_OK ||
	    bz_store_sealed_folios(st, &sealed, &nsealed) != BZ_STORE_OK)
		status = -1;
	for (size_t i = 0; status == 0 && i < nrows; i++)
		status = check_row(st, tz, rows[i], rc);
	/* Registrations (issue 9): each row against its newest event. */
	if (status == 0) {
		int64_t n = 0;

		status = bz_registration_verify_rows(st, altered_cb, rc, &n) ==
		    BZ_STORE_OK ? 0 : -1;
		rc->checked += n;
	}
	/* Notifications (issue 10): each row against its newest event. */
	if (status == 0) {
		int64_t n = 0;

		status = bz_notification_verify_rows(st, altered_cb, rc, &n) ==
		    BZ_STORE_OK ? 0 : -1;
		rc->checked += n;
	}
	for (size_t i = 0; status == 0 && i < nsealed; i++) {
		size_t j = 0;

		while (j < nrows && strcmp(rows[j], sealed[i]) != 0)
			j++;
		if (j == nrows)
			altered(rc, sealed[i], "its event names a filing that has no row");
	}
	for (size_t i = 0; i < nrows; i++)
		free(rows[i]);
	for (size_t i = 0; i < nsealed; i++)
		free(sealed[i]);
	free(rows);
	free(sealed);
	return status;
}

/* verify_chain - the chain and the records, in text or JSON */
static int
verify_chain(struct bz_store *st, int json)
{
	struct bz_chain_result res;
	struct records_check rc;
	struct bz_buf out = BZ_BUF_INIT, err = BZ_BUF_INIT;
	struct bz_tz *tz;
	int status;

	if (bz_store_verify_chain(st, &res) != BZ_STORE_OK) {
		fprintf(stderr, "buzonctl store: cannot read the event log of %s\n",
		    bz_store_path(st));
		return CTL_EXIT_TEMPFAIL;
	}
	if ((tz = bz_tz_load(BZ_TZ_MEXICO_CITY, &err)) == NULL) {
		fprintf(stderr, "buzonctl store: %s\n", bz_buf_str(&err));
		bz_buf_free(&err);
		return CTL_EXIT_USAGE;
	}
	bz_buf_free(&err);
	memset(&rc, 0, sizeof(rc));
	if (check_records(st, tz, &rc) < 0) {
		fprintf(stderr, "buzonctl store: cannot read the records of %s\n",
		    bz_store_path(st));
		status = CTL_EXIT_TEMPFAIL;
		goto out;
	}
	if (json) {
		struct bz_json j;

		bz_json_init(&j, &out);
		bz_json_object(&j, NULL);
		bz_json_str(&j, "database", bz_store_path(st));
		bz_json_bool(&j, "intact", res.broken_id == 0 && rc.n_altered == 0);
		bz_json_int(&j, "events", res.rows);
		if (res.broken_id)
			bz_json_int(&j, "broken_id", res.broken_id);
		else
			bz_json_null(&j, "broken_id");
		bz_json_str(&j, "reason", res.why);
		bz_json_str(&j, "head", res.broken_id || res.rows == 0 ? NULL : res.head);
		bz_json_int(&j, "records_checked", rc.checked);
		bz_json_int(&j, "records_unsealed", rc.unsealed);
		bz_json_int(&j, "acuses_pending_signature", rc.pending);
		bz_json_array(&j, "altered");
		for (size_t i = 0; i < rc.n_altered; i++) {
			bz_json_object(&j, NULL);
			bz_json_str(&j, "folio", rc.altered[i]);
			bz_json_str(&j, "reason", rc.why[i]);
			bz_json_end(&j);
		}
		bz_json_end(&j);
		bz_json_end(&j);
		ctl_print_json(&out);
	} else {
		if (res.broken_id)
			printf("event log BROKEN at row %" PRId64 ": %s (%" PRId64 " rows read)\n",
			    res.broken_id, res.why, res.rows);
		else
			printf("event log intact: %" PRId64 " rows, head %s\n", res.rows,
			    res.rows ? res.head : "(empty)");
		for (size_t i = 0; i < rc.n_altered; i++)
			printf("record %s ALTERED: %s\n", rc.altered[i], rc.why[i]);
		printf("records: %" PRId64 " match their event, %zu altered, %" PRId64
		    " filed before events sealed digests\n", rc.checked -
		    (int64_t)rc.n_altered, rc.n_altered, rc.unsealed);
		if (rc.pending > 0)
			printf("acuses sealed and not signed yet: %" PRId64 " (the "
			    "daemon's signer thread signs them)\n", rc.pending);
	}
	status = res.broken_id || rc.n_altered ? CTL_EXIT_NO : CTL_EXIT_OK;
out:
	for (size_t i = 0; i < rc.n_altered; i++)
		free(rc.altered[i]);
	free(rc.altered);
	free(rc.why);
	bz_buf_free(&out);
	bz_tz_free(tz);
	return status;
}

/* stats - counts, in text or JSON */
static int
stats(struct bz_store *st, int json)
{
	struct bz_store_stats s;
	char folio[BZ_FOLIO_LEN] = "";
	int64_t pending;

	if (bz_store_stats(st, &s) != BZ_STORE_OK ||
	    bz_store_pending_count(st, &pending) != BZ_STORE_OK) {
		fprintf(stderr, "buzonctl store: cannot read %s\n", bz_store_path(st));
		return CTL_EXIT_TEMPFAIL;
	}
	if (s.last_year >= 1000 && s.last_seq >= 1 && s.last_seq <= 99999999)
		bz_folio_format(s.last_year, s.last_seq, folio);
	if (json) {
		struct bz_buf out = BZ_BUF_INIT;
		struct bz_json j;

		bz_json_init(&j, &out);
		bz_json_object(&j, NULL);
		bz_json_str(&j, "database", bz_store_path(st));
		bz_json_int(&j, "schema_version", bz_store_schema_version(st));
		bz_json_int(&j, "submissions", s.submissions);
		bz_json_int(&j, "repeats", s.repeats);
		bz_json_int(&j, "events", s.events);
		bz_json_int(&j, "acuses_pending_signature", pending);
		bz_json_object(&j, "outbox");
		bz_json_int(&j, "pending", s.outbox_pending);
		bz_json_int(&j, "sent", s.outbox_sent);
		bz_json_int(&j, "failed", s.outbox_failed);
		bz_json_end(&j);
		bz_json_str(&j, "last_folio", folio[0] ? folio : NULL);
		bz_json_end(&j);
		ctl_print_json(&out);
	} else {
		printf("database        %s (schema %d)\n", bz_store_path(st),
		    bz_store_schema_version(st));
		printf("submissions     %" PRId64 "\n", s.submissions);
		printf("repeats         %" PRId64 "\n", s.repeats);
		printf("events          %" PRId64 "\n", s.events);
		printf("acuses to sign  %" PRId64 "\n", pending);
		printf("outbox pending  %" PRId64 "\n", s.outbox_pending);
		printf("outbox sent     %" PRId64 "\n", s.outbox_sent);
		printf("outbox failed   %" PRId64 "\n", s.outbox_failed);
		printf("last folio      %s\n", folio[0] ? folio : "-");
	}
	return CTL_EXIT_OK;
}

/* outbox - the rows, in text or JSON */
static int
outbox(struct bz_store *st, int all, int json)
{
	struct bz_outbox_item *items;
	struct bz_buf out = BZ_BUF_INIT;
	struct bz_json j;
	size_t n;

	if (bz_store_outbox_list(st, all ? NULL : "pending", &items, &n) != BZ_STORE_OK) {
		fprintf(stderr, "buzonctl store: cannot read %s\n", bz_store_path(st));
		return CTL_EXIT_TEMPFAIL;
	}
	bz_json_init(&j, &out);
	if (json) {
		bz_json_object(&j, NULL);
		bz_json_rows(&j, "outbox");
	} else if (n == 0)
		bz_buf_puts(&out, all ? "outbox empty\n" : "no mail waiting\n");
	for (size_t i = 0; i < n; i++) {
		struct bz_outbox_item *it = &items[i];
		char next[BZ_INSTANT_UTC_LEN];

		bz_instant_format_utc(it->next_attempt_utc, next);
		if (json) {
			bz_json_object(&j, NULL);
			bz_json_int(&j, "id", it->id);
			bz_json_str(&j, "folio", it->folio);
			bz_json_str(&j, "kind", it->kind);
			bz_json_str(&j, "recipient", it->recipient);
			bz_json_str(&j, "status", it->status);
			bz_json_int(&j, "size", (int64_t)it->size);
			bz_json_int(&j, "attempts", it->attempts);
			bz_json_str(&j, "next_attempt", next);
			bz_json_str(&j, "last_error", it->last_error);
			bz_json_end(&j);
		} else
			bz_buf_printf(&out, "%" PRId64 " %s %s %s %s attempts=%d next=%s%s%s\n",
			    it->id, it->status, it->kind, it->folio ? it->folio : "-",
			    ctl_safe(it->recipient), it->attempts, next,
			    it->last_error ? " error=" : "",
			    ctl_safe(it->last_error ? it->last_error : ""));
	}
	if (json) {
		bz_json_end(&j);
		bz_json_end(&j);
		bz_buf_putc(&out, '\n');
	}
	fputs(bz_buf_str(&out), stdout);
	bz_buf_free(&out);
	bz_outbox_items_free(items, n);
	return CTL_EXIT_OK;
}

/* backup - the live database copied to dest */
static int
backup(struct bz_store *st, const char *dest)
{
	struct bz_buf err = BZ_BUF_INIT;
	int rc = bz_store_backup(st, dest, &err);

	if (rc == 0)
		printf("%s: backup of %s\n", dest, bz_store_path(st));
	else
		fprintf(stderr, "buzonctl store: %s\n", bz_buf_str(&err));
	bz_buf_free(&err);
	return rc == 0 ? CTL_EXIT_OK : rc == -1 ? CTL_EXIT_USAGE : CTL_EXIT_TEMPFAIL;
}

/* ctl_store - entry point of "buzonctl store" */
int
ctl_store(int argc, char **argv, const char *config_path)
{
	const char *sub = NULL, *dest = NULL, *to = NULL;
	int json = 0, all = 0, status;
	struct bz_store *st;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--to") == 0 && i + 1 < argc && to == NULL)
			to = argv[++i];
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--all") == 0)
			all = 1;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return store_usage(stdout, CTL_EXIT_OK);
		else if (sub == NULL && argv[i][0] != '-')
			sub = argv[i];
		else if (dest == NULL && sub != NULL && strcmp(sub, "backup") == 0 &&
		    argv[i][0] != '\0')
			dest = argv[i];
		else {
			fprintf(stderr, "buzonctl store: unexpected argument %s\n", argv[i]);
			return store_usage(stderr, CTL_EXIT_USAGE);
		}
	}
	if (sub != NULL && strcmp(sub, "migrate") == 0) {
		if (to == NULL || json || all || dest != NULL)
			return store_usage(stderr, CTL_EXIT_USAGE);
		return ctl_store_migrate(config_path, to);
	}
	if (to != NULL || sub == NULL || (strcmp(sub, "verify-chain") != 0 && strcmp(sub, "stats") != 0 &&
	    strcmp(sub, "outbox") != 0 && strcmp(sub, "backup") != 0) ||
	    (all && strcmp(sub, "outbox") != 0) ||
	    ((dest != NULL) != (strcmp(sub, "backup") == 0)) ||
	    (json && strcmp(sub, "backup") == 0))
		return store_usage(stderr, CTL_EXIT_USAGE);
	if ((st = ctl_open_store(config_path, "store", BZ_STORE_READONLY,
	    NULL)) == NULL)
		return CTL_EXIT_USAGE;
	if (strcmp(sub, "verify-chain") == 0)
		status = verify_chain(st, json);
	else if (strcmp(sub, "stats") == 0)
		status = stats(st, json);
	else if (strcmp(sub, "backup") == 0)
		status = backup(st, dest);
	else
		status = outbox(st, all, json);
	bz_store_close(st);
	return status;
}
