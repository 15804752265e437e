/*
 * sms - the mobile code through SmsCommand, queued and retried
 *
 * A REGISTRO queues one row in sms_queue (bz_sms_queue_locked, inside the
 * transaction that records the registration). bz_sms_run_once() runs
 * SmsCommand for every due row, without a shell:
 *     ARGV... NUMBER          (the message text on standard input)
 * Exit status 0 = sent: the row is marked sent and its text (which holds
 * the code) is wiped. Anything else is a failed attempt, retried like the
 * outbox (OutboxRetryInterval doubling up to OutboxRetryMaxInterval, until
 * OutboxMaxAttempts, then "failed"). Every state change is an event
 * ("sms-queued", "sms-sent", "sms-gave-up") without the text.
 *
 * The code is never in argv, never in a log line, never in an event: the
 * command's output is discarded (a gateway may echo its input), and the
 * diagnostic names only the exit status.
 *
 * Failure: database errors give -1 (the pass is retried later).
 */
#include "build-aux/config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "buzon/config.h"
#include "buzon/json.h"
#include "buzon/log.h"
#include "buzon/registration.h"
#include "buzon/spawn.h"
#include "buzon/store_sql.h"
#include "buzon/xalloc.h"

extern char **environ;

/* sms_event - an event for row id, without the text */
static int
sms_event(struct bz_store *st, const char *qid, int64_t now, const char *kind,
    int64_t id, int64_t reg, int attempts, const char *error)
{
	struct bz_buf d = BZ_BUF_INIT;
	struct bz_json j;
	int r;

	bz_json_init(&j, &d);
	bz_json_object(&j, NULL);
	bz_json_int(&j, "sms_id", id);
	bz_json_int(&j, "registration", reg);
	bz_json_int(&j, "attempts", attempts);
	if (error != NULL)
		bz_json_str(&j, "error", error);
	bz_json_end(&j);
	r = store_event_append_locked(st, qid, now, kind, NULL, bz_buf_str(&d));
	bz_buf_free(&d);
	return r;
}

/* bz_sms_queue_locked - one SMS, inside the caller's transaction */
int
bz_sms_queue_locked(struct bz_store *st, const char *qid, int64_t reg,
    const char *number, const char *text, int64_t now)
{
	struct bz_db_stmt *s;
	int64_t id;

	if ((s = store_prepare(st, qid, "INSERT INTO sms_queue (registration_id, "
	    "number, message, next_attempt_utc, created_utc) VALUES (?, ?, ?, ?, ?) RETURNING id"))
	    == NULL)
		return -1;
	bz_db_bind_int64(s, 1, reg);
	store_bind_text(s, 2, number);
	bz_db_bind_blob(s, 3, text, strlen(text));
	bz_db_bind_int64(s, 4, now);
	bz_db_bind_int64(s, 5, now);
	if (store_step_id(st, s, qid, "queue sms", &id) < 0)
		return -1;
	return sms_event(st, qid, now, "sms-queued", id, reg, 0, NULL);
}

/* bz_sms_send - run argv + number with text on stdin: exit status or -1 */
int
bz_sms_send(char *const *argv, const char *number, const void *text, size_t len,
    int timeout, struct bz_buf *diag)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char **args;
	size_t n = 0;
	int fd, status = 0, rc;
	pid_t pid;
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	long waited_ms = 0;

	bz_buf_reset(diag);
	while (argv != NULL && argv[n] != NULL)
		n++;
	if (n == 0) {
		bz_buf_puts(diag, "SmsCommand is not set");
		return -1;
	}
	if (access(argv[0], X_OK) < 0) {
		bz_buf_printf(diag, "cannot run %s: %s", argv[0], strerror(errno));
		return -1;
	}
	if ((fd = bz_spawn_input("buzon-sms", text, len)) < 0) {
		bz_buf_printf(diag, "cannot buffer the text: %s", strerror(errno));
		return -1;
	}
	args = xcalloc(n + 2, sizeof(*args));
	memcpy(args, argv, n * sizeof(*args));
	args[n] = (char *)number;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 0);
	/* The gateway's output may echo the code: never read, never logged. */
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	bz_spawn_close_rest(&fa);
	bz_spawn_attr(&attr);
	rc = posix_spawn(&pid, args[0], &fa, &attr, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(fd);
	free(args);
	if (rc != 0) {
		bz_buf_printf(diag, "cannot run %s: %s", argv[0], strerror(rc));
		return -1;
	}
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			bz_buf_printf(diag, "waitpid: %s", strerror(errno));
			return -1;
		}
		if (waited_ms >= (long)(timeout > 0 ? timeout : 1) * 1000) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			bz_buf_printf(diag, "%s timed out after %ds", argv[0], timeout);
			return -1;
		}
		nanosleep(&tick, NULL);
		waited_ms += 20;
	}
	if (WIFEXITED(status)) {
		if (WEXITSTATUS(status) != 0)
			bz_buf_printf(diag, "%s exited with status %d", argv[0],
			    WEXITSTATUS(status));
		return WEXITSTATUS(status);
	}
	bz_buf_printf(diag, "%s killed by signal %d", argv[0],
	    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return -1;
}

/* one_due - the oldest due pending row; 1 found, 0 none, -1 error */
static int
one_due(struct bz_store *st, int64_t now, int64_t *id, int64_t *reg, char **number,
    struct bz_buf *text, int *attempts)
{
	struct bz_db_stmt *s;
	int rc;

	/* On a shared store the row is claimed, as the outbox's are
	 * (core/store_outbox.c), so two hosts never send one SMS twice. */
	if ((s = store_prepare(st, NULL, bz_db_kind(store_db(st)) == BZ_DB_PG ?
	    "UPDATE sms_queue SET claimed_by = pg_backend_pid(), claimed_utc = ?1 "
	    "WHERE id = (SELECT id FROM sms_queue WHERE status = 'pending' AND "
	    "next_attempt_utc <= ?1 AND " STORE_CLAIMABLE_PG("?1") " ORDER BY "
	    "next_attempt_utc, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id, "
	    "registration_id, number, message, attempts" :
	    "SELECT id, registration_id, number, message, "
	    "attempts FROM sms_queue WHERE status = 'pending' AND next_attempt_utc <= ?1 "
	    "ORDER BY next_attempt_utc, id LIMIT 1")) == NULL)
		return -1;
	bz_db_bind_int64(s, 1, now);
	if ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		*id = bz_db_column_int64(s, 0);
		*reg = bz_db_column_int64(s, 1);
		*number = store_column_dup(s, 2);
		bz_buf_append(text, bz_db_column_blob(s, 3),
		    (size_t)bz_db_column_bytes(s, 3));
		*attempts = (int)bz_db_column_int64(s, 4);
	}
	bz_db_finalize(s);
	return rc == BZ_DB_ROW ? 1 : rc == BZ_DB_DONE ? 0 : -1;
}

/* mark - record the outcome of one attempt, with its event */
static int
mark(struct bz_store *st, int64_t id, int64_t reg, int64_t now, int attempts,
    int sent, int give_up, int64_t next, const char *error)
{
	struct bz_db_stmt *s;

	if (store_begin(st, NULL) < 0)
		return -1;
	s = store_prepare(st, NULL, sent ?
	    "UPDATE sms_queue SET status = 'sent', attempts = ?, sent_utc = ?, "
	    "message = substr(message, 1, 0), last_error = NULL, claimed_by = NULL "
	    "WHERE id = ?" : give_up ?
	    "UPDATE sms_queue SET status = 'failed', attempts = ?, last_error = ?, "
	    "message = substr(message, 1, 0), claimed_by = NULL WHERE id = ?" :
	    "UPDATE sms_queue SET attempts = ?, last_error = ?, next_attempt_utc = ?, "
	    "claimed_by = NULL WHERE id = ?");
	if (s == NULL) {
		store_rollback(st);
		return -1;
	}
	bz_db_bind_int64(s, 1, attempts);
	if (sent) {
		bz_db_bind_int64(s, 2, now);
		bz_db_bind_int64(s, 3, id);
	} else {
		store_bind_text(s, 2, error);
		if (give_up)
			bz_db_bind_int64(s, 3, id);
		else {
			bz_db_bind_int64(s, 3, next);
			bz_db_bind_int64(s, 4, id);
		}
	}
	if (store_step_done(st, s, NULL, "mark sms") < 0 ||
	    ((sent || give_up) && sms_event(st, NULL, now, sent ? "sms-sent" :
	    "sms-gave-up", id, reg, attempts, error) < 0)) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, NULL);
}

/* backoff - seconds after the n-th failure: doubling, capped (the outbox's rule) */
static int64_t
backoff(const struct bz_sms_opts *o, int n)
{
	int64_t d = o->retry_interval > 0 ? o->retry_interval : 1;

	while (--n > 0 && d < o->retry_max_interval)
		d *= 2;
	return d < o->retry_max_interval ? d : (o->retry_max_interval > 0 ?
	    o->retry_max_interval : d);
}

/* bz_sms_opts_from_config - SmsCommand and the outbox's retry keys */
void
bz_sms_opts_from_config(const struct bz_config *cfg, struct bz_sms_opts *o)
{
	const char *cmd = bz_config_str(cfg, BZ_KEY_SmsCommand);

	o->argv = cmd != NULL && *cmd != '\0' ? bz_config_argv(cmd) : NULL;
	o->timeout = (int)bz_config_num(cfg, BZ_KEY_OutboxTimeout);
	o->max_attempts = (int)bz_config_num(cfg, BZ_KEY_OutboxMaxAttempts);
	o->retry_interval = (int)bz_config_num(cfg, BZ_KEY_OutboxRetryInterval);
	o->retry_max_interval = (int)bz_config_num(cfg, BZ_KEY_OutboxRetryMaxInterval);
}

/* bz_sms_opts_free - release argv */
void
bz_sms_opts_free(struct bz_sms_opts *o)
{
	if (o->argv != NULL)
		bz_config_argv_free(o->argv);
	o->argv = NULL;
}

/* bz_sms_run_once - one pass over the due rows */
int
bz_sms_run_once(struct bz_store *st, const struct bz_sms_opts *o, int64_t now,
    size_t *sent, size_t *failed)
{
	struct bz_buf text = BZ_BUF_INIT, diag = BZ_BUF_INIT;
	int64_t id, reg;
	char *number = NULL;
	int attempts, r, rc = 0;

	*sent = *failed = 0;
	while ((r = one_due(st, now, &id, &reg, &number, &text, &attempts)) == 1) {
		int status = bz_sms_send(o->argv, number, text.data, text.len,
		    o->timeout, &diag);
		int give_up;
		int64_t next;

		OPENSSL_cleanse(text.data, text.len);
		bz_buf_reset(&text);
		attempts++;
		give_up = status != 0 && attempts >= o->max_attempts;
		next = now + backoff(o, attempts);
		if (status == 0)
			(*sent)++;
		else {
			(*failed)++;
			bz_log(give_up ? BZ_LOG_ERR : BZ_LOG_WARNING, NULL,
			    "sms %lld: attempt %d failed%s: %s", (long long)id, attempts,
			    give_up ? ", giving up" : "", bz_buf_str(&diag));
		}
		free(number);
		number = NULL;
		if (mark(st, id, reg, now, attempts, status == 0, give_up, next,
		    bz_buf_str(&diag)) < 0) {
			rc = -1;
			break;
		}
	}
	if (r < 0)
		rc = -1;
	bz_buf_free(&text);
	bz_buf_free(&diag);
	return rc;
}
