/*
 * outbox - the worker thread that hands queued mail to the MTA
 *
 * See include/buzon/outbox.h for the life cycle and the retry policy.
 * Running sendmail is in core/outbox_sendmail.c, the SMTP session in
 * core/outbox_smtp.c (the worker keeps one open across passes), loop
 * safety in core/outbox_loop.c. The worker sleeps on a condition variable until the
 * earliest next_attempt_utc (at most POLL_MAX seconds, so rows queued by
 * another process such as `buzonctl receipt resend` are seen too) or
 * until bz_outbox_wake(). With opts.sign_pending a second thread, the
 * signer, signs the acuses sealed at end of message (issue 12) with a
 * connection of its own and wakes the worker when it queued some.
 */
#include "build-aux/config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buzon/buf.h"
#include "buzon/config.h"
#include "buzon/log.h"
#include "buzon/outbox.h"
#include "buzon/store.h"
#include "buzon/xalloc.h"

#define POLL_MAX	30	/* seconds between looks when idle */
#define BATCH		16	/* rows per pass */
#define DB_RETRY	5	/* seconds after a database error */

struct bz_outbox {
	struct bz_outbox_opts opts;
	struct bz_store	*st;
	struct bz_outbox_smtp *smtp;	/* OutboxTransport smtp */
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	int		 kicked;	/* wake() since the last pass */
	int		 stopping;
	/* The signer (opts.sign_pending): its own thread and connection, so
	 * the private-key operations overlap the hand-offs to the MTA. */
	struct bz_store	*sign_st;
	pthread_t	 sign_thread;
	pthread_cond_t	 sign_cond;
	int		 sign_kicked;
	int		 sign_started;
	/* Outcomes of a pass the database did not take (it restarted
	 * between the hand-off and the save): saved before the next claim,
	 * so a restart does not make the worker hand the same acuses over
	 * again (see keep_unsaved). */
	struct bz_outbox_mark *unsaved;
	size_t		 n_unsaved;
	int64_t		 unsaved_now;
};

/* argv_dup - deep copy of a NULL-terminated vector */
static char **
argv_dup(char *const *argv)
{
	size_t n = 0;
	char **v;

	while (argv != NULL && argv[n] != NULL)
		n++;
	v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = xstrdup(argv[i]);
	return v;
}

/* bz_outbox_opts_from_config - the outbox keys */
void
bz_outbox_opts_from_config(const struct bz_config *cfg, struct bz_outbox_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->db_path = xstrdup(bz_config_str(cfg, BZ_KEY_Database));
	o->busy_timeout_ms = (int)bz_config_num(cfg, BZ_KEY_DatabaseBusyTimeout);
	o->transport = strcmp(bz_config_str(cfg, BZ_KEY_OutboxTransport), "sendmail") == 0 ?
	    BZ_OUTBOX_SENDMAIL : BZ_OUTBOX_SMTP;
	o->server = xstrdup(bz_config_str(cfg, BZ_KEY_SubmissionServer));
	o->sendmail_argv = bz_config_argv(bz_config_str(cfg, BZ_KEY_SendmailCommand));
	o->max_attempts = (int)bz_config_num(cfg, BZ_KEY_OutboxMaxAttempts);
	o->retry_interval = (int)bz_config_num(cfg, BZ_KEY_OutboxRetryInterval);
	o->retry_max_interval = (int)bz_config_num(cfg, BZ_KEY_OutboxRetryMaxInterval);
	o->timeout = (int)bz_config_num(cfg, BZ_KEY_OutboxTimeout);
}

/* bz_outbox_opts_free - release what opts_from_config allocated */
void
bz_outbox_opts_free(struct bz_outbox_opts *o)
{
	free(o->db_path);
	free(o->server);
	if (o->sendmail_argv != NULL)
		for (size_t i = 0; o->sendmail_argv[i] != NULL; i++)
			free(o->sendmail_argv[i]);
	free(o->sendmail_argv);
	memset(o, 0, sizeof(*o));
}

/* bz_outbox_backoff - interval * 2^(n-1), capped */
int64_t
bz_outbox_backoff(const struct bz_outbox_opts *o, int n)
{
	int64_t d = o->retry_interval > 0 ? o->retry_interval : 1;
	int64_t cap = o->retry_max_interval > 0 ? o->retry_max_interval : d;

	for (int i = 1; i < n && d < cap; i++)
		d *= 2;
	return d < cap ? d : cap;
}

/* hand_off - one row to the MTA by the configured transport; 0 accepted */
static int
hand_off(const struct bz_outbox_opts *o, struct bz_outbox_smtp *smtp,
    const struct bz_outbox_item *it, struct bz_buf *diag)
{
	const char *msg = it->message.data ? it->message.data : "";

	if (o->transport == BZ_OUTBOX_SMTP)
		return bz_outbox_smtp_send(smtp, it->recipient, msg, it->message.len, diag);
	return bz_outbox_sendmail(o->sendmail_argv, it->recipient, msg, it->message.len,
	    o->timeout, diag);
}

/*
 * keep_unsaved - a deep copy of the outcomes of a pass whose save failed.
 * Their rows were claimed by the connection that broke; once it is back,
 * they are claimable again (STORE_CLAIMABLE_PG: at once for this worker,
 * after a grace period for another host's) and a new pass would hand them
 * over a second time. Saved first instead (save_unsaved), the hand-off is
 * repeated only when the daemon itself dies in between, or the database
 * stays away longer than the grace while another host is up.
 */
static void
keep_unsaved(struct bz_outbox *ob, const struct bz_outbox_mark *m, size_t n,
    int64_t now)
{
	ob->unsaved = xcalloc(n ? n : 1, sizeof(*m));
	for (size_t i = 0; i < n; i++) {
		ob->unsaved[i] = m[i];
		ob->unsaved[i].error = m[i].error ? xstrdup(m[i].error) : NULL;
	}
	ob->n_unsaved = n;
	ob->unsaved_now = now;
}

/* drop_unsaved - forget the kept outcomes */
static void
drop_unsaved(struct bz_outbox *ob)
{
	for (size_t i = 0; i < ob->n_unsaved; i++)
		free((char *)ob->unsaved[i].error);
	free(ob->unsaved);
	ob->unsaved = NULL;
	ob->n_unsaved = 0;
}

/* save_unsaved - save the kept outcomes; 0 saved (or none kept), -1 not yet */
static int
save_unsaved(struct bz_outbox *ob)
{
	if (ob->n_unsaved == 0)
		return 0;
	if (bz_store_outbox_mark_all(ob->st, ob->unsaved, ob->n_unsaved,
	    ob->unsaved_now) != BZ_STORE_OK)
		return -1;
	bz_log(BZ_LOG_NOTICE, NULL, "outbox: the outcome of %zu hand-off(s) saved "
	    "after a database error", ob->n_unsaved);
	drop_unsaved(ob);
	return 0;
}

/* run_pass - try every due row once, with the worker's SMTP session; the
 * outcomes the database did not take go to keep (when not NULL) */
static int
run_pass(struct bz_store *st, const struct bz_outbox_opts *o, struct bz_outbox_smtp *smtp,
    int64_t now, struct bz_outbox_pass *pass, struct bz_outbox *keep)
{
	struct bz_outbox_item *items;
	struct bz_outbox_mark *marks;
	struct bz_buf *diag;
	enum bz_store_status r;
	size_t n;

	memset(pass, 0, sizeof(*pass));
	if (bz_store_outbox_due(st, now, BATCH, &items, &n) != BZ_STORE_OK)
		return -1;
	/*
	 * Hand every due row to the MTA, then save all the outcomes in one
	 * transaction: one fsync and one turn of the write lock per pass, not
	 * per acuse. A failed save is kept and tried again before the next
	 * pass; a crash of the daemon in between hands the sent ones over
	 * again: delivery is at least once.
	 */
	marks = xcalloc(n ? n : 1, sizeof(*marks));
	diag = xcalloc(n ? n : 1, sizeof(*diag));
	for (size_t i = 0; i < n; i++) {
		struct bz_outbox_item *it = &items[i];

		marks[i].id = it->id;
		marks[i].sent = hand_off(o, smtp, it, &diag[i]) == 0;
		if (!marks[i].sent) {
			marks[i].give_up = it->attempts + 1 >= o->max_attempts;
			marks[i].next_attempt_utc = now + bz_outbox_backoff(o, it->attempts + 1);
			marks[i].error = bz_buf_str(&diag[i]);
		}
	}
	r = bz_store_outbox_mark_all(st, marks, n, now);
	if (r != BZ_STORE_OK && keep != NULL && n > 0)
		keep_unsaved(keep, marks, n, now);
	for (size_t i = 0; i < n && r == BZ_STORE_OK; i++) {
		struct bz_outbox_item *it = &items[i];

		if (marks[i].sent) {
			pass->sent++;
			bz_log(BZ_LOG_INFO, NULL, "outbox %" PRId64 ": %s %s handed "
			    "to the MTA", it->id, it->kind, it->folio ? it->folio : "-");
			bz_log_personal(NULL, "outbox %" PRId64 ": recipient %s", it->id,
			    it->recipient);
		} else if (marks[i].give_up) {
			pass->gave_up++;
			bz_log(BZ_LOG_ERR, NULL, "outbox %" PRId64 ": %s %s: giving up "
			    "after %d attempts: %s", it->id, it->kind,
			    it->folio ? it->folio : "-", it->attempts + 1,
			    bz_buf_str(&diag[i]));
		} else {
			pass->retried++;
			bz_log(BZ_LOG_WARNING, NULL, "outbox %" PRId64 ": %s %s: attempt "
			    "%d failed, retry in %" PRId64 "s: %s", it->id, it->kind,
			    it->folio ? it->folio : "-", it->attempts + 1,
			    bz_outbox_backoff(o, it->attempts + 1), bz_buf_str(&diag[i]));
		}
	}
	for (size_t i = 0; i < n; i++)
		bz_buf_free(&diag[i]);
	free(diag);
	free(marks);
	bz_outbox_items_free(items, n);
	return r == BZ_STORE_OK ? 0 : -1;
}

/* bz_outbox_run_once - try every due row once (a session of its own) */
int
bz_outbox_run_once(struct bz_store *st, const struct bz_outbox_opts *o, int64_t now,
    struct bz_outbox_pass *pass)
{
	struct bz_outbox_smtp *smtp = NULL;
	struct bz_buf err = BZ_BUF_INIT;
	int rc;

	if (o->transport == BZ_OUTBOX_SMTP &&
	    (smtp = bz_outbox_smtp_new(o->server, o->timeout, &err)) == NULL) {
		bz_log(BZ_LOG_ERR, NULL, "outbox: %s", bz_buf_str(&err));
		bz_buf_free(&err);
		memset(pass, 0, sizeof(*pass));
		return -1;
	}
	/* One pass and out: outcomes it could not save are not kept, the
	 * rows are handed over again by the next pass of anyone. */
	rc = run_pass(st, o, smtp, now, pass, NULL);
	bz_outbox_smtp_free(smtp);
	bz_buf_free(&err);
	return rc;
}

/* worker - pass, then sleep until the next due row, a wake-up or stop */
static void *
worker(void *arg)
{
	struct bz_outbox *ob = arg;
	struct bz_outbox_pass pass;

	pthread_mutex_lock(&ob->lock);
	while (!ob->stopping) {
		int64_t now, next, wait;
		struct timespec until;
		int r;

		ob->kicked = 0;
		pthread_mutex_unlock(&ob->lock);

		now = (int64_t)time(NULL);
		r = save_unsaved(ob) < 0 ? -1 :
		    run_pass(ob->st, &ob->opts, ob->smtp, now, &pass, ob);
		if (r < 0)
			wait = DB_RETRY;
		else if (pass.sent + pass.retried + pass.gave_up >= BATCH)
			wait = 0;	/* maybe more due rows */
		else if (bz_store_outbox_next_due(ob->st, &next) == BZ_STORE_OK)
			wait = next - (int64_t)time(NULL);
		else
			wait = POLL_MAX;
		if (wait > POLL_MAX)
			wait = POLL_MAX;

		pthread_mutex_lock(&ob->lock);
		if (wait <= 0)
			continue;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)wait;
		while (!ob->stopping && !ob->kicked)
			if (pthread_cond_timedwait(&ob->cond, &ob->lock, &until) == ETIMEDOUT)
				break;
	}
	pthread_mutex_unlock(&ob->lock);
	return NULL;
}

/*
 * signer - sign the acuses sealed at their commit (opts.sign_pending),
 * wake the worker when some were queued; sleep until a commit sealed
 * more (bz_outbox_wake), at most POLL_MAX seconds
 */
static void *
signer(void *arg)
{
	struct bz_outbox *ob = arg;

	pthread_mutex_lock(&ob->lock);
	while (!ob->stopping) {
		struct timespec until;
		int n;

		ob->sign_kicked = 0;
		pthread_mutex_unlock(&ob->lock);
		n = ob->opts.sign_pending(ob->sign_st, (int64_t)time(NULL));
		pthread_mutex_lock(&ob->lock);
		if (n > 0) {
			ob->kicked = 1;
			pthread_cond_signal(&ob->cond);
			continue;	/* maybe more to sign */
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += n < 0 ? DB_RETRY : POLL_MAX;
		while (!ob->stopping && !ob->sign_kicked)
			if (pthread_cond_timedwait(&ob->sign_cond, &ob->lock, &until) ==
			    ETIMEDOUT)
				break;
	}
	pthread_mutex_unlock(&ob->lock);
	return NULL;
}

/* bz_outbox_start - own connection, own thread */
struct bz_outbox *
bz_outbox_start(const struct bz_outbox_opts *opts, struct bz_buf *err)
{
	struct bz_outbox *ob;
	struct bz_outbox_smtp *smtp = NULL;
	struct bz_store *st;
	int e;

	if (opts->transport == BZ_OUTBOX_SENDMAIL &&
	    (opts->sendmail_argv == NULL || opts->sendmail_argv[0] == NULL)) {
		bz_buf_puts(err, "outbox: SendmailCommand is empty");
		return NULL;
	}
	if (opts->transport == BZ_OUTBOX_SMTP &&
	    (smtp = bz_outbox_smtp_new(opts->server, opts->timeout, err)) == NULL)
		return NULL;
	if ((st = bz_store_open(opts->db_path, opts->busy_timeout_ms, 0, err)) == NULL) {
		bz_outbox_smtp_free(smtp);
		return NULL;
	}
	ob = xcalloc(1, sizeof(*ob));
	ob->opts = *opts;
	ob->opts.db_path = xstrdup(opts->db_path);
	ob->opts.server = opts->server ? xstrdup(opts->server) : NULL;
	ob->opts.sendmail_argv = argv_dup(opts->sendmail_argv);
	ob->st = st;
	ob->smtp = smtp;
	pthread_mutex_init(&ob->lock, NULL);
	pthread_cond_init(&ob->cond, NULL);
	pthread_cond_init(&ob->sign_cond, NULL);
	if ((e = pthread_create(&ob->thread, NULL, worker, ob)) != 0) {
		bz_buf_printf(err, "outbox: cannot start worker thread: %s", strerror(e));
		bz_store_close(st);
		bz_outbox_smtp_free(smtp);
		bz_outbox_opts_free(&ob->opts);
		pthread_mutex_destroy(&ob->lock);
		pthread_cond_destroy(&ob->cond);
		pthread_cond_destroy(&ob->sign_cond);
		free(ob);
		return NULL;
	}
	if (opts->sign_pending != NULL) {
		if ((ob->sign_st = bz_store_open(opts->db_path, opts->busy_timeout_ms, 0,
		    err)) == NULL) {
			bz_outbox_stop(ob);
			return NULL;
		}
		if ((e = pthread_create(&ob->sign_thread, NULL, signer, ob)) != 0) {
			bz_buf_printf(err, "outbox: cannot start the signer thread: %s",
			    strerror(e));
			bz_outbox_stop(ob);
			return NULL;
		}
		ob->sign_started = 1;
	}
	return ob;
}

/* bz_outbox_wake - a commit queued mail: look now */
void
bz_outbox_wake(struct bz_outbox *ob)
{
	if (ob == NULL)
		return;
	pthread_mutex_lock(&ob->lock);
	ob->kicked = 1;
	pthread_cond_signal(&ob->cond);
	ob->sign_kicked = 1;
	pthread_cond_signal(&ob->sign_cond);
	pthread_mutex_unlock(&ob->lock);
}

/* bz_outbox_stop - stop and join the worker, close its connection */
void
bz_outbox_stop(struct bz_outbox *ob)
{
	if (ob == NULL)
		return;
	pthread_mutex_lock(&ob->lock);
	ob->stopping = 1;
	pthread_cond_signal(&ob->cond);
	pthread_cond_signal(&ob->sign_cond);
	pthread_mutex_unlock(&ob->lock);
	pthread_join(ob->thread, NULL);
	if (ob->sign_started)
		pthread_join(ob->sign_thread, NULL);
	if (save_unsaved(ob) < 0)
		bz_log(BZ_LOG_WARNING, NULL, "outbox: stopping with the outcome of "
		    "%zu hand-off(s) unsaved: they will be handed over again",
		    ob->n_unsaved);
	drop_unsaved(ob);
	bz_store_close(ob->sign_st);
	pthread_cond_destroy(&ob->sign_cond);
	bz_store_close(ob->st);
	bz_outbox_smtp_free(ob->smtp);
	bz_outbox_opts_free(&ob->opts);
	pthread_mutex_destroy(&ob->lock);
	pthread_cond_destroy(&ob->cond);
	free(ob);
}
