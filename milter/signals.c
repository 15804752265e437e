/*
 * signals - the reload thread of buzon-milter
 *
 * main() blocks SIGHUP, SIGTERM, SIGINT and SIGUSR1 before any thread
 * exists, so every thread inherits the mask and no handler ever runs in a
 * callback thread. libmilter's own signal thread (started by smfi_main)
 * waits for SIGHUP, SIGTERM and SIGINT and stops the milter on each of
 * them; two threads waiting for the same signal would race, so this thread
 * waits for SIGUSR1 only. Hence: USR1 reloads, HUP/TERM/INT stop
 * (documented in buzon-milter(8)).
 *
 * Reload: build a complete new generation (bz_runtime_load); if anything
 * fails, log the "file:line: key: reason" line and keep the current one.
 * Connections already open keep their generation until they close.
 * Settings that only take effect at start-up (Socket, UserID, UMask,
 * PidFile, Syslog, SyslogFacility) are logged as needing a restart.
 */
#include "build-aux/config.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/config.h"
#include "buzon/log.h"
#include "buzon/runtime.h"
#include "buzon/xalloc.h"
#include "milter.h"

static pthread_t reload_thread;
static int reload_started;
static atomic_int stopping;
static char *reload_path;

static const char *const restart_keys[] = {
	"Socket", "UserID", "UMask", "PidFile", "Syslog", "SyslogFacility",
};

/* same_value - do two generations agree on a key? */
static int
same_value(const struct bz_config *a, const struct bz_config *b, const char *key)
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
				    "effect only after a restart", restart_keys[i]);
	bz_log_set_level(bz_log_level_from_name(bz_config_str(rt->cfg, "LogLevel")));
	bz_log(BZ_LOG_NOTICE, NULL, "configuration reloaded from %s: generation %llu",
	    reload_path, (unsigned long long)rt->generation);
	bz_runtime_install(rt);
	bz_runtime_unref(old);
	bz_buf_free(&err);
}

/* reload_main - wait for SIGUSR1 until told to stop */
static void *
reload_main(void *arg)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (atomic_load(&stopping))
			break;
		reload();
	}
	return NULL;
}

/* signals_start - start the reload thread */
void
signals_start(const char *config_path)
{
	int rc;

	reload_path = xstrdup(config_path);
	if ((rc = pthread_create(&reload_thread, NULL, reload_main, NULL)) != 0)
		bz_fatalx("cannot start the reload thread: %s", strerror(rc));
	reload_started = 1;
}

/* signals_stop - end the reload thread (wakes it with its own signal) */
void
signals_stop(void)
{
	if (reload_started) {
		atomic_store(&stopping, 1);
		pthread_kill(reload_thread, SIGUSR1);
		pthread_join(reload_thread, NULL);
		reload_started = 0;
	}
	free(reload_path);
	reload_path = NULL;
}
