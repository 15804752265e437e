/*
 * test_gate - MaxConcurrentVerifications: at most N at once, the rest wait
 *
 * Issue 8: "cap how many messages are verified at once
 * (MaxConcurrentVerifications, waiting rather than failing)". Threads take
 * the gate as the milter's end-of-message callbacks do. Nothing here
 * depends on timing: each step waits (polling the gate's own counters)
 * for the state it needs before checking the next.
 */
#include <pthread.h>
#include <time.h>

#include "buzon/gate.h"
#include "suites.h"

static struct bz_gate gate = BZ_GATE_INIT;
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned inside, most_inside, done;
static int release;		/* the holders may leave */

/* settle - let other threads run a little (no assertion depends on it) */
static void
settle(void)
{
	struct timespec ts = { 0, 1000000 };

	nanosleep(&ts, NULL);
}

/* wait_stats - poll until the gate shows `active` taken and `waiting` */
static void
wait_stats(unsigned active, unsigned waiting)
{
	unsigned a, w;

	for (;;) {
		bz_gate_stats(&gate, &a, &w);
		if (a == active && w == waiting)
			return;
		settle();
	}
}

/* worker - enter under a limit of 2, stay until released, leave */
static void *
worker(void *arg)
{
	int64_t *waited = arg;

	*waited = bz_gate_enter(&gate, 2);
	pthread_mutex_lock(&seen_lock);
	if (++inside > most_inside)
		most_inside = inside;
	pthread_mutex_unlock(&seen_lock);
	for (;;) {
		int go;

		pthread_mutex_lock(&seen_lock);
		go = release;
		pthread_mutex_unlock(&seen_lock);
		if (go)
			break;
		settle();
	}
	pthread_mutex_lock(&seen_lock);
	inside--;
	done++;
	pthread_mutex_unlock(&seen_lock);
	bz_gate_leave(&gate);
	return NULL;
}

START_TEST(test_gate_waits)
{
	pthread_t t[5];
	int64_t waited[5] = { 0 };
	unsigned a, w;

	/* Two take the slots, three wait: none is refused. */
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, worker, &waited[i]), 0);
	wait_stats(2, 3);
	pthread_mutex_lock(&seen_lock);
	ck_assert_uint_eq(inside, 2);
	ck_assert_uint_eq(done, 0);
	release = 1;
	pthread_mutex_unlock(&seen_lock);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
	/* All five got through, never more than two at once, and exactly
	 * the three that found the slots taken report a wait. */
	ck_assert_uint_eq(done, 5);
	ck_assert_uint_le(most_inside, 2);
	{
		int waiters = 0;

		for (int i = 0; i < 5; i++)
			waiters += waited[i] > 0;
		ck_assert_int_eq(waiters, 3);
	}
	bz_gate_stats(&gate, &a, &w);
	ck_assert_uint_eq(a, 0);
	ck_assert_uint_eq(w, 0);
}
END_TEST

START_TEST(test_gate_no_wait_under_limit)
{
	struct bz_gate g = BZ_GATE_INIT;

	ck_assert_int_eq(bz_gate_enter(&g, 3), 0);
	ck_assert_int_eq(bz_gate_enter(&g, 3), 0);
	ck_assert_int_eq(bz_gate_enter(&g, 3), 0);
	bz_gate_leave(&g);
	bz_gate_leave(&g);
	bz_gate_leave(&g);
	/* a limit of 0 is taken as 1, never as "nobody" */
	ck_assert_int_eq(bz_gate_enter(&g, 0), 0);
	bz_gate_leave(&g);
}
END_TEST

Suite *
suite_gate(void)
{
	Suite *s = suite_create("gate");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_gate_waits);
	tcase_add_test(tc, test_gate_no_wait_under_limit);
	suite_add_tcase(s, tc);
	return s;
}
