/*
 * ticker.h - a thread that runs a step every second until stopped
 *
 * The daemon's periodic workers (registration: SMS, hand-offs, expiry,
 * avisos; notifications: the deemed step) differ only in their step; the
 * thread, its one-second wait and its prompt stop live here once.
 */
#ifndef BUZON_TICKER_H
#define BUZON_TICKER_H

struct bz_buf;
struct bz_ticker;

/*
 * Start a thread that calls pass(arg) at once and then about every
 * second; name is for the error message. NULL and err when the thread
 * cannot be created. arg stays the caller's.
 */
struct bz_ticker *bz_ticker_start(const char *name, void (*pass)(void *),
	    void *arg, struct bz_buf *err);
/* Stop: the pass in progress finishes, then the thread is joined. NULL ok. */
void	bz_ticker_stop(struct bz_ticker *t);

#endif
