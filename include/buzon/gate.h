/*
 * gate - at most N at a time, the others wait their turn
 *
 * A counting semaphore whose limit is read at each entry (so a reload of
 * MaxConcurrentVerifications applies to the next message): the milter
 * verifies at most that many messages at once; a message that finds all
 * slots busy waits, it is never refused for it (the MTA's own milter
 * timeout still bounds the wait). Lowering the limit lets the messages
 * already inside finish.
 *
 * Interface:
 *   BZ_GATE_INIT	static initialiser.
 *   bz_gate_enter()	take a slot, waiting while `limit` are taken;
 *			returns the microseconds spent waiting (0: none).
 *   bz_gate_leave()	give the slot back and wake one waiter.
 *   bz_gate_stats()	slots taken and callers waiting now (tests, logs).
 *
 * Failure: none (pthread errors on a valid mutex cannot happen). Thread-safe.
 */
#ifndef BUZON_GATE_H
#define BUZON_GATE_H

#include <pthread.h>
#include <stdint.h>

struct bz_gate {
	pthread_mutex_t	 lock;
	pthread_cond_t	 free;
	unsigned	 active;	/* slots taken */
	unsigned	 waiting;	/* callers waiting for one */
};

#define BZ_GATE_INIT { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 }

int64_t	bz_gate_enter(struct bz_gate *g, unsigned limit);
void	bz_gate_leave(struct bz_gate *g);
void	bz_gate_stats(struct bz_gate *g, unsigned *active, unsigned *waiting);

#endif
