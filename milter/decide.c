/*
 * decide - what the milter does with one message at end of message
 *
 * See milter/decide.h. For now (issue 2) the only step that exists is
 * "received": a message for the mailbox that fitted MaxMessageSize gets
 * X-Buzon-Status: received. Verification (verify.h), the legal calendar and
 * the store plug in here, in that order, each adding reasons or headers.
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buzon/log.h"
#include "buzon/xalloc.h"
#include "decide.h"

/* decision_init - accept with nothing added */
void
decision_init(struct decision *d)
{
	d->action = DECIDE_ACCEPT;
	bz_reasons_init(&d->reasons);
	d->headers = NULL;
	d->nheaders = 0;
}

/* decision_free - release headers and reasons */
void
decision_free(struct decision *d)
{
	for (size_t i = 0; i < d->nheaders; i++) {
		free(d->headers[i].name);
		free(d->headers[i].value);
	}
	free(d->headers);
	bz_reasons_free(&d->reasons);
	decision_init(d);
}

/* decision_add_header - one more of our headers for an accepted message */
void
decision_add_header(struct decision *d, const char *name, const char *value)
{
	if (strncasecmp(name, "X-Buzon-", 8) != 0)
		bz_panic("decide: header %s is not ours", name);
	d->headers = xrealloc(d->headers, (d->nheaders + 1) * sizeof(*d->headers));
	d->headers[d->nheaders].name = xstrdup(name);
	d->headers[d->nheaders].value = xstrdup(value);
	d->nheaders++;
}

/* decision_add_reason - record a reason; tempfail beats reject beats accept */
void
decision_add_reason(struct decision *d, const char *code)
{
	bz_reasons_add(&d->reasons, code);
	d->action = bz_reasons_tempfail(&d->reasons) ? DECIDE_TEMPFAIL : DECIDE_REJECT;
}

/* decide - the outcome for one complete message of ours */
void
decide(const struct decide_input *in, struct decision *out)
{
	/*
	 * Later issues insert here, in order: verification of the signature
	 * and certificate over in->msg/in->len at in->arrival, the legal
	 * instant from the generation's calendar, and the store transaction;
	 * each adds reasons (decision_add_reason) or headers.
	 */
	if (out->action == DECIDE_ACCEPT) {
		decision_add_header(out, "X-Buzon-Status", "received");
		bz_log(BZ_LOG_INFO, in->qid, "received for the mailbox, %zu bytes, "
		    "generation %llu", in->len, (unsigned long long)in->rt->generation);
	}
}
