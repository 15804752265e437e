/*
 * registration_worker - the daemon's thread for SMS codes and expiry
 *
 * Own database connection (like the outbox worker). Every second: the due
 * SMS rows through SmsCommand (bz_sms_run_once, wall clock), then the
 * hand-offs of notices and SMS (the start of each means' 72 hours), then the
 * 72-hour expiry (bz_registration_expire) at the current configuration
 * generation's "now" (TestClock under TestMode), so a reload with another
 * TestClock moves the registrations' clock in tests, then the bytes of
 * the notices already handed to the MTA are wiped (their tokens). No transaction is
 * held while SmsCommand runs. The same pass releases the notifications'
 * held avisos and records their hand-off (issue 10, at the same clock).
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buzon/config.h"
#include "buzon/log.h"
#include "buzon/notification.h"
#include "buzon/outbox.h"
#include "buzon/registration.h"
#include "buzon/runtime.h"
#include "buzon/store.h"
#include "buzon/ticker.h"
#include "buzon/xalloc.h"

struct bz_reg_worker {
	struct bz_store	*st;
	struct bz_outbox *outbox;	/* woken when avisos are queued; may be NULL */
	struct bz_ticker *ticker;
};

/*
 * notifications - the avisos of issue 10 whose release has come, then the
 * hand-off of those the outbox has sent (core/notification_aviso.c), at
 * the notification clock (TestClock under TestMode). Off without
 * NotifierAddress.
 */
static void
notifications(struct bz_reg_worker *w, const struct bz_runtime *rt, int64_t clock,
    int sms)
{
	struct bz_notif_release_opts ro;
	size_t n;

	if (rt->notifier == NULL)
		return;
	memset(&ro, 0, sizeof(ro));
	ro.signer = rt->signer;
	ro.cal = rt->calendar;
	ro.from = rt->notifier;
	ro.sms = sms;
	if (bz_notification_release(w->st, &ro, clock, &n) == BZ_STORE_OK && n > 0) {
		bz_log(BZ_LOG_INFO, NULL, "notifications: %zu aviso(s) released to "
		    "the outbox", n);
		if (w->outbox != NULL)
			bz_outbox_wake(w->outbox);
	}
	if (bz_notification_hold(w->st, rt->calendar, clock, (int64_t)time(NULL), &n) ==
	    BZ_STORE_OK && n > 0)
		bz_log(BZ_LOG_DEBUG, NULL, "notifications: %zu aviso(s) held until "
		    "the window opens", n);
	if (bz_notification_handoffs(w->st, clock, &n) == BZ_STORE_OK && n > 0)
		bz_log(BZ_LOG_INFO, NULL, "notifications: %zu aviso(s) handed to "
		    "the MTA", n);
}

/* pass - one round of SMS and expiry */
static void
pass(void *arg)
{
	struct bz_reg_worker *w = arg;
	struct bz_runtime *rt = bz_runtime_acquire();
	struct bz_sms_opts o;
	size_t sent, failed, expired, wiped, handed;
	int64_t now = (int64_t)time(NULL);

	if (rt == NULL)
		return;
	bz_sms_opts_from_config(rt->cfg, &o);
	if (o.argv != NULL && bz_sms_run_once(w->st, &o, now, &sent, &failed) == 0 &&
	    sent > 0)
		bz_log(BZ_LOG_INFO, NULL, "sms: %zu sent", sent);
	if (bz_registration_handoffs(w->st, bz_config_now(rt->cfg, now), now,
	    &handed) == BZ_STORE_OK && handed > 0)
		bz_log(BZ_LOG_DEBUG, NULL, "registration: %zu contact means handed "
		    "off, their 72 hours started", handed);
	if (bz_registration_expire(w->st, bz_config_now(rt->cfg, now), &expired) ==
	    BZ_STORE_OK && expired > 0)
		bz_log(BZ_LOG_NOTICE, NULL, "registration: %zu expired (72 hours "
		    "without confirmed contact means)", expired);
	notifications(w, rt, bz_config_now(rt->cfg, now), o.argv != NULL);
	if (bz_registration_wipe_notices(w->st, &wiped) == BZ_STORE_OK && wiped > 0)
		bz_log(BZ_LOG_DEBUG, NULL, "registration: %zu sent notice(s) wiped", wiped);
	bz_sms_opts_free(&o);
	bz_runtime_unref(rt);
}

/* bz_reg_worker_start - open the connection, start the thread */
struct bz_reg_worker *
bz_reg_worker_start(const char *db_path, int busy_timeout_ms,
    struct bz_outbox *outbox, struct bz_buf *err)
{
	struct bz_reg_worker *w;
	struct bz_store *st;

	if ((st = bz_store_open(db_path, busy_timeout_ms, 0, err)) == NULL)
		return NULL;
	w = xcalloc(1, sizeof(*w));
	w->st = st;
	w->outbox = outbox;
	if ((w->ticker = bz_ticker_start("registration worker", pass, w, err)) == NULL) {
		bz_store_close(st);
		free(w);
		return NULL;
	}
	return w;
}

/* bz_reg_worker_stop - stop and join, close the connection */
void
bz_reg_worker_stop(struct bz_reg_worker *w)
{
	if (w == NULL)
		return;
	bz_ticker_stop(w->ticker);
	bz_store_close(w->st);
	free(w);
}
