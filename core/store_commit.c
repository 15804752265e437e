/*
 * store_commit - group commit: several submissions, one transaction, one fsync
 *
 * The daemon's milter threads record through their pool
 * (bz_store_pool_record). Each call queues a job and waits; one committer
 * thread with a connection of its own takes every job waiting (at most
 * BATCH), opens one BEGIN IMMEDIATE transaction, runs each record
 * (store_record_in_tx: repeat check or folio, rows, acuse, event, outbox)
 * under its own SAVEPOINT, and COMMITs once: with synchronous=FULL that is
 * one WAL fsync for the batch instead of one per message. Only after the
 * COMMIT returned does it wake the waiters, so a milter thread answers
 * the MTA only once its own record is durable. A record that fails is
 * rolled back to its savepoint alone (BZ_STORE_TEMPFAIL for that message,
 * the others go on); a failed COMMIT, or an error after which SQLite
 * dropped the transaction, fails every job of the batch: nothing was
 * recorded, every sender gets 451 and retries. Milter threads no longer
 * compete for the write lock (only the outbox worker and buzonctl do).
 *
 * While a batch commits, new jobs queue up for the next one: under load
 * the batches grow by themselves, with no timer and no added latency for
 * a lone message.
 */
#include "build-aux/config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/log.h"
#include "buzon/store.h"
#include "buzon/xalloc.h"
#include "store_int.h"

#define BATCH	32	/* records per transaction at most */

struct job {
	const struct bz_submission *in;
	bz_store_render_fn	 render;
	void			*arg;
	const struct bz_record_opts *opts;
	struct bz_submission_out *out;
	enum bz_store_status	 status;
	int			 done;
	struct job		*next;
};

struct store_committer {
	struct bz_store	*st;
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 work;		/* a job was queued, or stop */
	pthread_cond_t	 done;		/* a batch finished */
	struct job	*head, **tail;
	int		 started;
	int		 stopping;
	uint64_t	 records;	/* jobs run, transactions begun: stats */
	uint64_t	 transactions;
};

/* savepoint - run one savepoint statement; 0 or -1 */
static int
savepoint(struct bz_store *st, const char *sql)
{
	return bz_db_exec(st->db, sql) == 0 ? 0 : -1;
}

/* run_batch - the jobs in one transaction; sets each job's status */
static void
run_batch(struct bz_store *st, struct job **jobs, size_t n)
{
	int lost = 0;

	if (store_begin(st, jobs[0]->in->qid) < 0) {
		for (size_t i = 0; i < n; i++)
			jobs[i]->status = BZ_STORE_TEMPFAIL;
		return;
	}
	for (size_t i = 0; i < n && !lost; i++) {
		struct job *j = jobs[i];

		if (savepoint(st, "SAVEPOINT record") < 0) {
			store_log_error(st, j->in->qid, "savepoint");
			lost = 1;
			break;
		}
		if (store_record_in_tx(st, j->in, j->render, j->arg, j->opts, j->out) == 0 &&
		    savepoint(st, "RELEASE record") == 0) {
			j->status = BZ_STORE_OK;
			continue;
		}
		j->status = BZ_STORE_TEMPFAIL;
		memset(j->out, 0, sizeof(*j->out));
		bz_log(BZ_LOG_ERR, j->in->qid, "submission not recorded: its part of "
		    "the transaction rolled back (tempfail)");
		/* An I/O or full-disk error may have ended the whole transaction. */
		if (!bz_db_in_transaction(st->db) ||
		    savepoint(st, "ROLLBACK TO record") < 0 ||
		    savepoint(st, "RELEASE record") < 0)
			lost = 1;
	}
	if (!lost && store_commit(st, jobs[0]->in->qid) == 0)
		return;
	store_rollback(st);
	for (size_t i = 0; i < n; i++) {
		if (jobs[i]->status == BZ_STORE_OK)
			bz_log(BZ_LOG_ERR, jobs[i]->in->qid, "submission not recorded: "
			    "transaction rolled back (tempfail)");
		jobs[i]->status = BZ_STORE_TEMPFAIL;
		memset(jobs[i]->out, 0, sizeof(*jobs[i]->out));
	}
}

/* committer - take the waiting jobs, record them, wake their threads */
static void *
committer(void *arg)
{
	struct store_committer *c = arg;
	struct job *batch[BATCH];
	size_t n;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (c->head == NULL && !c->stopping)
			pthread_cond_wait(&c->work, &c->lock);
		if (c->head == NULL)
			break;
		for (n = 0; n < BATCH && c->head != NULL; n++) {
			batch[n] = c->head;
			c->head = c->head->next;
		}
		if (c->head == NULL)
			c->tail = &c->head;
		pthread_mutex_unlock(&c->lock);

		run_batch(c->st, batch, n);

		pthread_mutex_lock(&c->lock);
		c->records += n;
		c->transactions++;
		for (size_t i = 0; i < n; i++)
			batch[i]->done = 1;
		pthread_cond_broadcast(&c->done);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* store_committer_start - own connection, own thread; NULL and err */
struct store_committer *
store_committer_start(const char *path, int busy_timeout_ms, struct bz_buf *err)
{
	struct store_committer *c;
	struct bz_store *st;
	int e;

	if ((st = bz_store_open(path, busy_timeout_ms, 0, err)) == NULL)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->st = st;
	c->tail = &c->head;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->work, NULL);
	pthread_cond_init(&c->done, NULL);
	if ((e = pthread_create(&c->thread, NULL, committer, c)) != 0) {
		bz_buf_printf(err, "store: cannot start the committer thread: %s",
		    strerror(e));
		store_committer_stop(c);
		return NULL;
	}
	c->started = 1;
	return c;
}

/* store_committer_record - queue one record, wait until it is durable */
enum bz_store_status
store_committer_record(struct store_committer *c, const struct bz_submission *in,
    bz_store_render_fn render, void *arg, const struct bz_record_opts *opts,
    struct bz_submission_out *out)
{
	struct job j;

	memset(&j, 0, sizeof(j));
	j.in = in;
	j.render = render;
	j.arg = arg;
	j.opts = opts;
	j.out = out;
	j.status = BZ_STORE_TEMPFAIL;
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&c->lock);
	if (c->stopping) {
		pthread_mutex_unlock(&c->lock);
		return BZ_STORE_TEMPFAIL;
	}
	*c->tail = &j;
	c->tail = &j.next;
	pthread_cond_signal(&c->work);
	while (!j.done)
		pthread_cond_wait(&c->done, &c->lock);
	pthread_mutex_unlock(&c->lock);
	return j.status;
}

/* store_committer_stats - records run and transactions begun so far */
void
store_committer_stats(struct store_committer *c, uint64_t *records,
    uint64_t *transactions)
{
	pthread_mutex_lock(&c->lock);
	*records = c->records;
	*transactions = c->transactions;
	pthread_mutex_unlock(&c->lock);
}

/* store_committer_stop - finish the queued jobs, stop the thread, close */
void
store_committer_stop(struct store_committer *c)
{
	if (c == NULL)
		return;
	if (c->started) {
		pthread_mutex_lock(&c->lock);
		c->stopping = 1;
		pthread_cond_signal(&c->work);
		pthread_mutex_unlock(&c->lock);
		pthread_join(c->thread, NULL);
	}
	bz_store_close(c->st);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->work);
	pthread_cond_destroy(&c->done);
	free(c);
}
