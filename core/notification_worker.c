/*
 * notification_worker - the daemon's thread for deemed notifications
 *			 (issue 10 part B; include/buzon/apertura.h)
 *
 * Own database connection, like the registration and outbox workers.
 * Every second: first the acuses de notificacion the openings marked due
 * (bz_notification_acuse_due: rendered, signed and queued here, off the
 * APERTURA's end-of-message path; also with the feature off), then, at the current configuration
 * generation's "now" (TestClock under TestMode, so a reload with another
 * TestClock steps the days in tests), the deemed step
 * (bz_notification_deem; after a failure of either, again only
 * RETRY_SECONDS later): each notification whose
 * fourth working day's 09:30 has come without an opening is deemed made
 * and its constancia queued, then the outbox is woken. Without
 * NotifierAddress (the feature off) or without the Institute's signer (no
 * constancia could be issued) the step does not run: a notification is
 * never deemed without its constancia (and an opened one keeps its mark
 * until an acuse can be signed).
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buzon/apertura.h"
#include "buzon/calendar.h"
#include "buzon/config.h"
#include "buzon/log.h"
#include "buzon/outbox.h"
#include "buzon/runtime.h"
#include "buzon/store.h"
#include "buzon/ticker.h"
#include "buzon/xalloc.h"

struct bz_notif_worker {
	struct bz_store	*st;
	struct bz_outbox *outbox;
	struct bz_ticker *ticker;
	int		 warned;	/* "no signer" said once */
	int64_t		 retry_at;	/* after a failed step (wall clock) */
};

/* A step that failed (a database error, a department's spool copy that
 * cannot be read) is tried again after this long, not every second: the
 * row stays "sent" and its error is not logged sixty times a minute. */
#define RETRY_SECONDS	60

/* step - the due acuses, then (deem) the deemed step at clock */
static enum bz_store_status
step(struct bz_store *st, const struct bz_runtime *rt, int64_t clock, int deem,
    size_t *acuses, size_t *n)
{
	struct bz_notif_acuse_opts o;
	enum bz_store_status rc, drc = BZ_STORE_OK;

	*acuses = 0;
	*n = 0;
	if (rt->signer == NULL || rt->nmailboxes == 0 || rt->calendar == NULL)
		return BZ_STORE_NOTFOUND;
	memset(&o, 0, sizeof(o));
	o.signer = rt->signer;
	o.tz = bz_calendar_zone(rt->calendar);
	o.from = rt->mailboxes[0];
	o.now = (int64_t)time(NULL);
	/* The openings' acuses first: they are owed already. A failure of
	 * one does not hold the deemed step back. */
	rc = bz_notification_acuse_due(st, &o, acuses);
	if (deem)
		drc = bz_notification_deem(st, &o, clock, n);
	return rc != BZ_STORE_OK ? rc : drc;
}

/* bz_notification_tick - the due acuses, then the deemed step at clock */
enum bz_store_status
bz_notification_tick(struct bz_store *st, const struct bz_runtime *rt, int64_t clock,
    size_t *acuses, size_t *n)
{
	return step(st, rt, clock, 1, acuses, n);
}

/* pass - one round: the due acuses, the deemed step */
static void
pass(void *arg)
{
	struct bz_notif_worker *w = arg;
	struct bz_runtime *rt = bz_runtime_acquire();
	enum bz_store_status rc;
	int64_t now = (int64_t)time(NULL);
	size_t acuses = 0, n = 0;

	if (rt == NULL)
		return;
	if (now >= w->retry_at) {
		/* An opening marked its acuse due may also be answered with
		 * NotifierAddress unset since (notifications off): its acuse
		 * is owed all the same; only the deemed step is the
		 * feature's. */
		rc = step(w->st, rt, bz_config_now(rt->cfg, now), rt->notifier != NULL,
		    &acuses, &n);
		if (rc == BZ_STORE_TEMPFAIL) {
			bz_log(BZ_LOG_ERR, NULL, "notifications: the step failed "
			    "(see above); trying again in %d s", RETRY_SECONDS);
			w->retry_at = now + RETRY_SECONDS;
		}
		if (rc == BZ_STORE_NOTFOUND && rt->notifier != NULL && !w->warned) {
			bz_log(BZ_LOG_WARNING, NULL, "notifications: no institution "
			    "signer or mailbox: acuses de notificacion and deemed "
			    "notifications wait for one");
			w->warned = 1;
		}
		/* Some may have been issued before a later one failed. */
		if (acuses + n > 0 && w->outbox != NULL)
			bz_outbox_wake(w->outbox);
	}
	bz_runtime_unref(rt);
}

/* bz_notif_worker_start - open the connection, start the thread */
struct bz_notif_worker *
bz_notif_worker_start(const char *db_path, int busy_timeout_ms,
    struct bz_outbox *outbox, struct bz_buf *err)
{
	struct bz_notif_worker *w;
	struct bz_store *st;

	if ((st = bz_store_open(db_path, busy_timeout_ms, 0, err)) == NULL)
		return NULL;
	w = xcalloc(1, sizeof(*w));
	w->st = st;
	w->outbox = outbox;
	if ((w->ticker = bz_ticker_start("notification worker", pass, w, err)) == NULL) {
		bz_store_close(st);
		free(w);
		return NULL;
	}
	return w;
}

/* bz_notif_worker_stop - stop and join, close the connection */
void
bz_notif_worker_stop(struct bz_notif_worker *w)
{
	if (w == NULL)
		return;
	bz_ticker_stop(w->ticker);
	bz_store_close(w->st);
	free(w);
}
