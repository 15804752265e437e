/*
 * notification_due - the acuse de notificacion issued off the opening's
 *		      end-of-message path (include/buzon/apertura.h)
 *
 * The APERTURA transaction (core/notification_open.c) writes everything
 * that fixes the acuse de notificacion: state "opened", opened_utc,
 * legal_utc, rule, the "notification-opened" event sealing the row and
 * the cadena, and the durable mark acuse_due = 1. It does not render or
 * sign (two RSA-2048 operations and a PDF: 11-15 ms). The notification
 * worker (core/notification_worker.c, every second) and `buzonctl
 * notification tick` then issue every due acuse here, each in ONE
 * transaction that claims the mark ("UPDATE ... WHERE acuse_due = 1"),
 * renders and signs the acuse and queues its outbox rows: SQLite's write
 * lock serialises two runs, the second finds the mark cleared and writes
 * nothing; a crash before COMMIT leaves the mark set and the next run
 * issues it. So each acuse is queued exactly once.
 *
 * The acuse is built from the row and the department's filing only, and
 * an RSA PKCS#1 v1.5 sello is deterministic: rendered later it is the
 * acuse of the opening's instant, the same cadena and sello (only the
 * mail's Date is the issuing's). Its cadena is checked against the one
 * the opening's event sealed: a row changed behind the log in between
 * is not issued (logged, retried, named by verify-chain).
 *
 * The mark is not part of the row digest (core/notification_query.c):
 * it says whether a mail is still to be queued, not what the
 * notification is, and rows older than schema 10 keep their digests.
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>

#include "buzon/apertura.h"
#include "buzon/buf.h"
#include "buzon/log.h"
#include "buzon/notification.h"
#include "buzon/store.h"
#include "buzon/store_sql.h"
#include "buzon/xalloc.h"

#define BATCH	64	/* due acuses looked at per query */

/* due_ids - up to BATCH notifications whose acuse is due */
static int
due_ids(struct bz_store *st, int64_t **ids, size_t *n)
{
	struct bz_db_stmt *s;
	int rc;

	*ids = NULL;
	*n = 0;
	if ((s = store_prepare(st, NULL, "SELECT id FROM notifications WHERE "
	    "acuse_due = 1 ORDER BY id LIMIT ?1")) == NULL)
		return -1;
	bz_db_bind_int64(s, 1, BATCH);
	while ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		*ids = xrealloc(*ids, (*n + 1) * sizeof(**ids));
		(*ids)[(*n)++] = bz_db_column_int64(s, 0);
	}
	bz_db_finalize(s);
	if (rc != BZ_DB_DONE) {
		store_log_error(st, NULL, "due acuses de notificacion");
		free(*ids);
		*ids = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

/* sealed - did folio's opening event seal this cadena? 1 yes, 0 no, -1 error */
static int
sealed(struct bz_store *st, const char *qid, const char *folio, const char *cadena)
{
	struct bz_buf needle = BZ_BUF_INIT;
	struct bz_db_stmt *s;
	int rc, r = -1;

	bz_buf_printf(&needle, "\"cadena_sha256\": \"%s\"", cadena);
	if ((s = store_prepare(st, qid, "SELECT count(*) FROM events WHERE folio = ?1 "
	    "AND kind = '" BZ_NOTIF_EV_OPENED "' AND detail LIKE ('%' || ?2 || '%')"))
	    != NULL) {
		store_bind_text(s, 1, folio);
		store_bind_text(s, 2, bz_buf_str(&needle));
		if ((rc = bz_db_step(s)) == BZ_DB_ROW)
			r = bz_db_column_int64(s, 0) > 0;
		else
			store_log_error(st, qid, "the opening's event");
		bz_db_finalize(s);
	}
	bz_buf_free(&needle);
	return r;
}

/* bz_notification_acuse_issue_locked - claim row id's mark, queue its acuse */
int
bz_notification_acuse_issue_locked(struct bz_store *st, const char *qid, int64_t id,
    const struct bz_notif_acuse_opts *o, size_t *queued, struct bz_buf *err)
{
	struct bz_notification n;
	struct bz_notif_acuse_opts first = *o;
	struct bz_db_stmt *s;
	char cadena[65], *folio = NULL;
	int rc = -1;

	*queued = 0;
	if ((s = store_prepare(st, qid, "UPDATE notifications SET acuse_due = 0 "
	    "WHERE id = ?1 AND acuse_due = 1 AND state = 'opened'")) == NULL) {
		bz_buf_puts(err, "the due acuse could not be claimed");
		return -1;
	}
	bz_db_bind_int64(s, 1, id);
	if (store_step_done(st, s, qid, "claim the due acuse") != 0) {
		bz_buf_puts(err, "the due acuse could not be claimed");
		return -1;
	}
	if (bz_db_changes(store_db(st)) != 1)
		return 0;	/* not due: another run issued it */
	if ((s = store_prepare(st, qid, "SELECT folio FROM notifications WHERE id = ?"))
	    == NULL) {
		bz_buf_puts(err, "the opened notification could not be read");
		return -1;
	}
	bz_db_bind_int64(s, 1, id);
	if (bz_db_step(s) == BZ_DB_ROW)
		folio = store_column_dup(s, 0);
	bz_db_finalize(s);
	if (folio == NULL) {
		bz_buf_puts(err, "the opened notification could not be read");
		return -1;
	}
	rc = -1;
	if (bz_notification_get(st, folio, &n) != BZ_STORE_OK) {
		bz_buf_puts(err, "the opened notification could not be read");
		free(folio);
		return -1;
	}
	/* The acuse as issued: never the repeat's note. */
	first.appendix = NULL;
	if (bz_notification_acuse_queue_locked(st, qid, &n, &first, o->now, queued,
	    cadena, err) == 0) {
		switch (sealed(st, qid, folio, cadena)) {
		case 1:
			rc = 1;
			break;
		case 0:
			bz_buf_puts(err, "its cadena is not the one its opening's event "
			    "sealed (the row changed behind the log?)");
			break;
		default:
			bz_buf_puts(err, "the opening's event could not be read");
			break;
		}
	}
	bz_notification_free(&n);
	free(folio);
	if (rc != 1)
		*queued = 0;
	return rc;
}

/* issue_one - row id's due acuse in its own transaction: 1, 0 or -1 */
static int
issue_one(struct bz_store *st, const struct bz_notif_acuse_opts *o, int64_t id)
{
	struct bz_buf err = BZ_BUF_INIT;
	size_t queued = 0;
	int rc;

	if (store_begin(st, NULL) != 0)
		return -1;
	rc = bz_notification_acuse_issue_locked(st, NULL, id, o, &queued, &err);
	if (rc == 1 && store_commit(st, NULL) != 0)
		rc = -1;
	else if (rc != 1)
		store_rollback(st);
	if (rc == 1)
		bz_log(BZ_LOG_NOTICE, NULL, "notification %lld: acuse de notificacion "
		    "queued to %zu address(es)", (long long)id, queued);
	else if (rc < 0)
		bz_log(BZ_LOG_ERR, NULL, "notification %lld: acuse de notificacion "
		    "not issued: %s", (long long)id,
		    err.len ? bz_buf_str(&err) : "commit failed");
	bz_buf_free(&err);
	return rc;
}

/* bz_notification_acuse_due - every due acuse, each in its transaction */
enum bz_store_status
bz_notification_acuse_due(struct bz_store *st, const struct bz_notif_acuse_opts *o,
    size_t *n)
{
	int64_t *ids;
	size_t nids;
	int failed = 0, r;

	*n = 0;
	do {
		if (due_ids(st, &ids, &nids) != 0)
			return BZ_STORE_TEMPFAIL;
		for (size_t i = 0; i < nids; i++) {
			if ((r = issue_one(st, o, ids[i])) < 0)
				failed = 1;
			else
				*n += (size_t)r;
		}
		free(ids);
		/* A failing row keeps its mark: stop rather than loop on
		 * it; the next run tries again. */
	} while (nids == BATCH && !failed);
	return failed ? BZ_STORE_TEMPFAIL : BZ_STORE_OK;
}
