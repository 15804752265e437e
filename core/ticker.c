/*
 * ticker - a thread that runs a step every second until stopped
 *
 * The step runs outside the lock; between steps the thread waits on a
 * condition variable with a one-second timeout, so bz_ticker_stop does
 * not wait out the second. A pass is never interrupted: stopping waits
 * for the one in progress, so its transaction ends one way or the other.
 */
#include "build-aux/config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buzon/buf.h"
#include "buzon/ticker.h"
#include "buzon/xalloc.h"

struct bz_ticker {
	void		(*pass)(void *);
	void		*arg;
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	int		 stopping;
};

/* run - the thread body */
static void *
run(void *arg)
{
	struct bz_ticker *t = arg;
	struct timespec until;

	pthread_mutex_lock(&t->lock);
	while (!t->stopping) {
		pthread_mutex_unlock(&t->lock);
		t->pass(t->arg);
		pthread_mutex_lock(&t->lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		while (!t->stopping &&
		    pthread_cond_timedwait(&t->cond, &t->lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

/* bz_ticker_start - start the thread */
struct bz_ticker *
bz_ticker_start(const char *name, void (*pass)(void *), void *arg,
    struct bz_buf *err)
{
	struct bz_ticker *t = xcalloc(1, sizeof(*t));
	int e;

	t->pass = pass;
	t->arg = arg;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	if ((e = pthread_create(&t->thread, NULL, run, t)) != 0) {
		bz_buf_printf(err, "%s: cannot start: %s", name, strerror(e));
		pthread_mutex_destroy(&t->lock);
		pthread_cond_destroy(&t->cond);
		free(t);
		return NULL;
	}
	return t;
}

/* bz_ticker_stop - stop and join */
void
bz_ticker_stop(struct bz_ticker *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&t->lock);
	t->stopping = 1;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->cond);
	free(t);
}
