/*
 * notification_deemed - the deemed notification and its constancia
 *			 (issue 10 part B; include/buzon/apertura.h)
 *
 * "Sin apertura en los tres días hábiles siguientes al aviso, se tiene
 * por notificada el cuarto día hábil a las 9:30." deemed_due_utc, computed
 * by part A at intake, is that instant. The step is run every second by
 * the daemon's worker and by `buzonctl notification tick`, possibly at
 * the same time and after any crash, so it must issue each constancia at
 * most once: per notification ONE transaction claims the row
 * ("UPDATE ... WHERE id = ? AND state = 'sent'"), appends the event and
 * queues the constancia. SQLite's write lock serialises two runs; the
 * second finds the row no longer "sent" and writes nothing; a crash
 * before COMMIT leaves none of it, so the next run issues it.
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>

#include "buzon/apertura.h"
#include "buzon/calendar.h"
#include "buzon/log.h"
#include "buzon/notification.h"
#include "buzon/store.h"
#include "buzon/store_sql.h"
#include "buzon/xalloc.h"

#define BATCH	64	/* notifications looked at per query */

/* due_ids - up to BATCH notifications due at clock */
static int
due_ids(struct bz_store *st, int64_t clock, int64_t **ids, size_t *n)
{
	struct bz_db_stmt *s;
	int rc;

	*ids = NULL;
	*n = 0;
	if ((s = store_prepare(st, NULL, "SELECT id FROM notifications WHERE "
	    "state = 'sent' AND deemed_due_utc <= ?1 AND aviso_queued_utc IS NOT NULL "
	    "ORDER BY deemed_due_utc, id LIMIT ?2")) == NULL)
		return -1;
	bz_db_bind_int64(s, 1, clock);
	bz_db_bind_int64(s, 2, BATCH);
	while ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		*ids = xrealloc(*ids, (*n + 1) * sizeof(**ids));
		(*ids)[(*n)++] = bz_db_column_int64(s, 0);
	}
	bz_db_finalize(s);
	if (rc != BZ_DB_DONE) {
		store_log_error(st, NULL, "due notifications");
		free(*ids);
		*ids = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

/* folio_of - the NT folio of row id (xmalloc'ed, NULL on error) */
static char *
folio_of(struct bz_store *st, int64_t id)
{
	struct bz_db_stmt *s;
	char *f = NULL;

	if ((s = store_prepare(st, NULL, "SELECT folio FROM notifications WHERE id = ?"))
	    == NULL)
		return NULL;
	bz_db_bind_int64(s, 1, id);
	if (bz_db_step(s) == BZ_DB_ROW)
		f = store_column_dup(s, 0);
	bz_db_finalize(s);
	return f;
}

/*
 * deem_one - claim, event and constancia of row id in one transaction:
 * 1 deemed now, 0 nothing to do (another run got it), -1 error
 */
static int
deem_one(struct bz_store *st, const struct bz_notif_acuse_opts *o, int64_t clock,
    int64_t id)
{
	struct bz_notification n;
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_db_stmt *s;
	char cadena[65], *folio = NULL;
	size_t queued = 0;
	int rc = -1;

	if (store_begin(st, NULL) != 0)
		return -1;
	if ((s = store_prepare(st, NULL, "UPDATE notifications SET state = 'deemed', "
	    "deemed_utc = deemed_due_utc, legal_utc = deemed_due_utc, rule = ?3, "
	    "constancia_folio = folio WHERE id = ?1 AND state = 'sent' AND "
	    "deemed_due_utc <= ?2 AND aviso_queued_utc IS NOT NULL")) == NULL)
		goto out;
	bz_db_bind_int64(s, 1, id);
	bz_db_bind_int64(s, 2, clock);
	store_bind_text(s, 3, BZ_RULE_WINDOW_FOURTH_DAY);
	if (store_step_done(st, s, NULL, "deem notification") != 0)
		goto out;
	if (bz_db_changes(store_db(st)) != 1) {
		rc = 0;
		goto out;
	}
	if ((folio = folio_of(st, id)) == NULL ||
	    bz_notification_get(st, folio, &n) != BZ_STORE_OK)
		goto out;
	/* The outbox runs on the wall clock (o->now). */
	if (bz_notification_acuse_queue_locked(st, NULL, &n, o, o->now, &queued, cadena,
	    &err) == 0 && bz_notification_event_locked(st, NULL, clock,
	    BZ_NOTIF_EV_DEEMED, id, "cadena_sha256", cadena) == 0)
		rc = 1;
	else
		bz_log(BZ_LOG_ERR, NULL, "notification %s: constancia not issued: %s",
		    folio, err.len ? bz_buf_str(&err) : "event not appended");
	bz_notification_free(&n);
out:
	if (rc == 1 && store_commit(st, NULL) != 0)
		rc = -1;
	else if (rc != 1)
		store_rollback(st);
	if (rc == 1)
		bz_log(BZ_LOG_NOTICE, NULL, "notification %s deemed made (%s), "
		    "constancia queued to %zu address(es)", folio,
		    BZ_RULE_WINDOW_FOURTH_DAY, queued);
	free(folio);
	bz_buf_free(&err);
	return rc;
}

/* bz_notification_deem - every due notification, each in its transaction */
enum bz_store_status
bz_notification_deem(struct bz_store *st, const struct bz_notif_acuse_opts *o,
    int64_t clock, size_t *n)
{
	int64_t *ids;
	size_t nids;
	int failed = 0, r;

	*n = 0;
	do {
		if (due_ids(st, clock, &ids, &nids) != 0)
			return BZ_STORE_TEMPFAIL;
		for (size_t i = 0; i < nids; i++) {
			if ((r = deem_one(st, o, clock, ids[i])) < 0)
				failed = 1;
			else
				*n += (size_t)r;
		}
		free(ids);
		/* A failing row stays "sent": stop rather than loop on it;
		 * the next run tries again. */
	} while (nids == BATCH && !failed);
	return failed ? BZ_STORE_TEMPFAIL : BZ_STORE_OK;
}
