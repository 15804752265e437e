/*
 * milter - internal interfaces of the buzon-milter daemon (libmilter glue)
 *
 * main.c      options, start-up order, shutdown
 * callbacks.c the libmilter callbacks, per-connection/per-message contexts
 * privdrop.c  giving up root for good
 * signals.c   the signal thread: reload, drain and stop
 *
 * Everything in here runs inside the daemon only; logic that can be tested
 * without libmilter lives in core/.
 */
#ifndef BUZON_MILTER_MILTER_H
#define BUZON_MILTER_MILTER_H

#include <sys/types.h>

#include <libmilter/mfapi.h>

#include "buzon/buf.h"

struct bz_store_pool;
struct bz_outbox;

/* callbacks.c */
extern struct smfiDesc milter_desc;
/* Process-wide services set up by main() before smfi_main and released
 * after it returns; end-of-message hands them to bz_submission_decide()
 * (core/submission.c). */
extern struct bz_store_pool *milter_store;
extern struct bz_outbox *milter_outbox;
/* Wait until no message is in flight, at most timeout seconds; returns
 * the number still in flight. */
unsigned milter_wait_idle(int timeout);
/* Defer new connections and messages (451 BZ-STOPPING) from now on. */
void	milter_drain(void);

/* privdrop.c */
struct privdrop_user {
	char	*name;
	uid_t	 uid;
	gid_t	 gid;
};

/* Resolve "user" or "user:group"; -1 with a reason in err. */
int	privdrop_resolve(const char *spec, struct privdrop_user *u, struct bz_buf *err);
void	privdrop_user_free(struct privdrop_user *u);
/* Become u for good: groups, gid, uid, each checked; bz_fatal on failure. */
void	privdrop_apply(const struct privdrop_user *u);

/* signals.c */
/* Start the signal thread; the signals must already be blocked, and it
 * must start before smfi_main (see signals.c). */
void	signals_start(const char *config_path, int drain_seconds);
void	signals_stop(void);
/* Did the signal thread ask libmilter to stop after draining? */
int	signals_drained(void);

#endif
