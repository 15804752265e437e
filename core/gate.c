/*
 * gate - at most N at a time, the others wait their turn
 *
 * See include/buzon/gate.h. The wait is timed on CLOCK_MONOTONIC only to
 * report it; a limit of 0 is taken as 1 (the configuration never gives 0).
 */
#include "build-aux/config.h"

#include <time.h>

#include "buzon/gate.h"

/* now_us - monotonic microseconds */
static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* bz_gate_enter - take a slot, waiting while `limit` are taken */
int64_t
bz_gate_enter(struct bz_gate *g, unsigned limit)
{
	int64_t start = 0, waited = 0;

	if (limit == 0)
		limit = 1;
	pthread_mutex_lock(&g->lock);
	if (g->active >= limit) {
		start = now_us();
		g->waiting++;
		while (g->active >= limit)
			pthread_cond_wait(&g->free, &g->lock);
		g->waiting--;
		waited = now_us() - start;
		if (waited <= 0)
			waited = 1;
	}
	g->active++;
	pthread_mutex_unlock(&g->lock);
	return waited;
}

/* bz_gate_leave - give the slot back */
void
bz_gate_leave(struct bz_gate *g)
{
	pthread_mutex_lock(&g->lock);
	if (g->active > 0)
		g->active--;
	/* Broadcast: waiters may have entered under different limits. */
	pthread_cond_broadcast(&g->free);
	pthread_mutex_unlock(&g->lock);
}

/* bz_gate_stats - slots taken and callers waiting */
void
bz_gate_stats(struct bz_gate *g, unsigned *active, unsigned *waiting)
{
	pthread_mutex_lock(&g->lock);
	*active = g->active;
	*waiting = g->waiting;
	pthread_mutex_unlock(&g->lock);
}
