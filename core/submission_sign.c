/*
 * submission_sign - the outbox signer thread's hook: sign the acuses
 *		     sealed at end of message
 *
 * bz_submission_decide() seals the acuse in the record's transaction and
 * leaves its signature to the outbox's signer thread (bz_submission_input
 * sign_later). Woken after each such commit, the signer calls
 * bz_submission_sign_pending() with its own connection: the current
 * configuration generation gives the institution key and the zone of the
 * local instants; core/receipt_pending.c does the rest. Under TestMode,
 * TestAcuseSignDelay holds each acuse back that many seconds after its
 * commit, so the tests can stop the daemon between the 250 and the
 * signature.
 */
#include "build-aux/config.h"

#include <stdint.h>

#include "buzon/calendar.h"
#include "buzon/config.h"
#include "buzon/log.h"
#include "buzon/receipt.h"
#include "buzon/runtime.h"
#include "buzon/store.h"
#include "buzon/submission.h"

#define SIGN_BATCH	64	/* acuses signed before the worker delivers */

/* Acuses this process refused to sign (their record no longer matches
 * their event): logged once, not looked at again until a restart. Only
 * the outbox's signer thread calls bz_submission_sign_pending. */
static struct bz_receipt_skip refused;

/* bz_submission_sign_pending - sign what the commits sealed */
int
bz_submission_sign_pending(struct bz_store *st, int64_t now)
{
	struct bz_runtime *rt = bz_runtime_acquire();
	int64_t before = now;
	size_t nsigned = 0, nrefused = 0;
	int rc;

	if (rt == NULL)
		return 0;
	if (bz_config_bool(rt->cfg, BZ_KEY_TestMode))
		before -= bz_config_num(rt->cfg, BZ_KEY_TestAcuseSignDelay);
	rc = bz_receipt_sign_pending(st, rt->signer, bz_calendar_zone(rt->calendar),
	    before, now, SIGN_BATCH, &refused, &nsigned, &nrefused);
	bz_runtime_unref(rt);
	if (rc < 0)
		bz_log(BZ_LOG_ERR, NULL, "acuse signing: the database could not be "
		    "read or written; retrying");
	return rc < 0 ? -1 : (int)nsigned;
}
