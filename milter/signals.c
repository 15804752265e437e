/*
 * signals - the signal thread of buzon-milter: reload, drain, stop
 *
 * main() blocks SIGHUP, SIGTERM, SIGINT and SIGUSR1 before any thread
 * exists, so every thread inherits the mask and no handler ever runs inside
 * a callback. This thread waits for all four with sigwait():
 *
 *   SIGUSR1                  reload (below)
 *   SIGTERM, SIGINT, SIGHUP  drain, then stop: new connections and new
 *                            messages get 451 4.3.2 BZ-STOPPING, messages
 *                            already being received finish (for at most
 *                            drain_seconds), then smfi_stop() closes the
 *                            socket and smfi_main() returns.
 *
 * Why drain here: libmilter's own signal thread (started inside smfi_main)
 * also waits for HUP, TERM and INT and, on any of them, stops at once; with
 * its worker pool (Debian's build) sessions in progress are then dropped
 * and the MTA has to tempfail them. Linux hands a process-directed signal
 * to the first thread, in creation order, that waits for it; this thread
 * is created before smfi_main and so normally wins. Should libmilter's
 * thread get the signal instead (this thread busy reloading at that very
 * moment), the daemon still stops at once and the MTA tempfails the
 * dropped messages (milter_default_action = tempfail): nothing is lost
 * either way. HUP therefore stops, as libmilter documents; it never reloads.
 *
 * Reload: build a complete new generation (bz_runtime_load); if anything
 * fails, log the "file:line: key: reason" line and keep the current one.
 * Connections already open keep their generation until they close.
 * Settings used only at start-up (Socket, UserID, UMask, PidFile, Syslog,
 * SyslogFacility) are logged as needing a restart.
 */
#include "build-aux/config.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <libmilter/mfapi.h>

#include "buzon/buf.h"
#include "buzon/config.h"
#include "buzon/log.h"
#include "buzon/runtime.h"
#include "buzon/xalloc.h"
#include "milter.h"

static pthread_t signal_thread;
static int signal_started;
static atomic_int quitting;	/* main wants the thread to end */
static atomic_int drained;	/* the thread stopped libmilter itself */
static char *reload_path;
static int drain_timeout;

static const enum bz_cfg_id restart_keys[] = {
	BZ_KEY_Socket, BZ_KEY_UserID, BZ_KEY_UMask, BZ_KEY_PidFile, BZ_KEY_Syslog,
	BZ_KEY_SyslogFacility,
	/* the store and the outbox worker are opened once, at start-up */
	BZ_KEY_Database, BZ_KEY_DatabaseBusyTimeout, BZ_KEY_SendmailCommand,
	BZ_KEY_OutboxMaxAttempts, BZ_KEY_OutboxRetryInterval,
	BZ_KEY_OutboxRetryMaxInterval, BZ_KEY_OutboxTimeout,
};

/* same_value - do two generations agree on a key? */
static int
same_value(const struct bz_config *a, const struct bz_config *b, enum bz_cfg_id key)
{
	const char *x = bz_config_str(a, key), *y = bz_config_str(b, key);

	if (x == NULL || y == NULL)
		return x == y;
	return strcmp(x, y) == 0;
}

/* reload - build a new generation and install it, or keep the old one */
static void
reload(void)
{
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_runtime *old = bz_runtime_acquire(), *rt;

	rt = bz_runtime_load(reload_path, &err);
	if (rt == NULL) {
		bz_log(BZ_LOG_ERR, NULL, "reload refused, keeping generation %llu: %s",
		    old ? (unsigned long long)old->generation : 0ULL, bz_buf_str(&err));
		bz_runtime_unref(old);
		bz_buf_free(&err);
		return;
	}
	if (old != NULL)
		for (size_t i = 0; i < sizeof(restart_keys) / sizeof(restart_keys[0]); i++)
			if (!same_value(old->cfg, rt->cfg, restart_keys[i]))
				bz_log(BZ_LOG_WARNING, NULL, "reload: %s changed; it takes "
				    "effect only after a restart",
				    bz_config_keys[restart_keys[i]].name);
	bz_log_set_level(bz_log_level_from_name(bz_config_str(rt->cfg, BZ_KEY_LogLevel)));
	bz_log(BZ_LOG_NOTICE, NULL, "configuration reloaded from %s: generation %llu",
	    reload_path, (unsigned long long)rt->generation);
	bz_runtime_install(rt);
	bz_runtime_unref(old);
	bz_buf_free(&err);
}

/* drain_and_stop - let messages in flight finish, then stop libmilter */
static void
drain_and_stop(int sig)
{
	unsigned left;

	bz_log(BZ_LOG_NOTICE, NULL, "SIG%s: stopping: new mail is deferred, "
	    "waiting for messages in flight",
	    sig == SIGTERM ? "TERM" : sig == SIGINT ? "INT" : "HUP");
	milter_drain();
	left = milter_wait_idle(drain_timeout);
	if (left > 0)
		bz_log(BZ_LOG_WARNING, NULL, "stopping with %u message%s still in "
		    "flight after %d s (the MTA retries them)", left,
		    left == 1 ? "" : "s", drain_timeout);
	atomic_store(&drained, 1);
	if (smfi_stop() != MI_SUCCESS)
		bz_log(BZ_LOG_ERR, NULL, "smfi_stop failed");
}

/* signal_main - wait for signals until stopping */
static void *
signal_main(void *arg)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (atomic_load(&quitting))
			break;
		if (sig == SIGUSR1)
			reload();
		else {
			drain_and_stop(sig);
			break;
		}
	}
	return NULL;
}

/* signals_start - start the signal thread (before smfi_main) */
void
signals_start(const char *config_path, int drain_seconds)
{
	int rc;

	reload_path = xstrdup(config_path);
	drain_timeout = drain_seconds;
	if ((rc = pthread_create(&signal_thread, NULL, signal_main, NULL)) != 0)
		bz_fatalx("cannot start the signal thread: %s", strerror(rc));
	signal_started = 1;
}

/* signals_drained - did this thread drain and stop libmilter? */
int
signals_drained(void)
{
	return atomic_load(&drained);
}

/* signals_stop - end the signal thread (wakes it with SIGUSR1 if waiting) */
void
signals_stop(void)
{
	if (signal_started) {
		atomic_store(&quitting, 1);
		if (!atomic_load(&drained))
			pthread_kill(signal_thread, SIGUSR1);
		pthread_join(signal_thread, NULL);
		signal_started = 0;
	}
	free(reload_path);
	reload_path = NULL;
}
