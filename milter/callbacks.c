/*
 * callbacks - the libmilter callbacks of buzon-milter
 *
 * Lifetimes (one struct each):
 *   struct conn_ctx  one MTA connection: from negotiate to close; holds a
 *                    reference to the runtime generation taken at connect,
 *                    so a reload never changes the rules under a connection.
 *   struct msg_ctx   one message: from MAIL FROM to end of message, abort
 *                    or close; holds the envelope, the spool and the names
 *                    of incoming X-Buzon-* headers.
 *
 * Flow: every message's header is read, whoever it is for, because every
 * incoming X-Buzon-* header is deleted from every message: mail for an
 * address the MTA rewrites to the mailbox after the milter saw it (a
 * virtual alias not listed as MailboxAddress) must not deliver a forged
 * "X-Buzon-Status: accepted" either. A message with no recipient that is
 * a MailboxAddress (or a RecipientDelimiter extension of one) is not ours:
 * without X-Buzon-* headers it is accepted at the end of the header; with
 * some, its body is skipped (SMFIS_SKIP when the MTA offers SMFIP_SKIP,
 * else chunks are dropped unread) and the headers are deleted at end of
 * message, where libmilter allows it. Ours streams into the spool; over
 * MaxMessageSize it is rejected at once (552 5.3.4 BZ-MSG-TOO-LARGE). Any
 * message, ours or not, with more than MAX_OURS incoming X-Buzon-*
 * headers is rejected at once (550 5.7.1 BZ-MSG-FORGED-HEADERS). At end
 * of message bz_submission_decide() (core/submission.c) gives the outcome
 * for ours: verification, legal instant, the durable record and its acuse; on accept every
 * incoming X-Buzon-* header is deleted and ours are added.
 *
 * Failure behaviour: anything unexpected (spool I/O error, a header change
 * the MTA refuses, a missing context) tempfails with 451 4.3.0 BZ-INTERNAL;
 * a message of ours is never accepted without our processing. Allocation
 * failure aborts the process (xalloc) and the MTA applies
 * milter_default_action (tempfail).
 */
#include "build-aux/config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libmilter/mfapi.h>
#include <openssl/crypto.h>

#include "buzon/buf.h"
#include "buzon/config.h"
#include "buzon/log.h"
#include "buzon/reason.h"
#include "buzon/runtime.h"
#include "buzon/spool.h"
#include "buzon/submission.h"
#include "buzon/xalloc.h"
#include "milter.h"

#define OUR_PREFIX	"X-Buzon-"
#define NO_QID		"NOQUEUE"
/* libmilter's smfi_setmlreply takes at most 32 lines. */
#define MAX_REPLY_LINES	32
/*
 * Most incoming X-Buzon-* headers a message may carry, ours or not (they
 * are removed from every message). Genuine mail has none, or a few from a
 * loop through us; thousands would cost a quadratic name lookup here and
 * one deletion each at the MTA (Postfix scans its header list per
 * deletion), for mail to anyone.
 */
#define MAX_OURS	100

struct seen_header {
	char	*name;		/* as first received */
	int	 count;		/* instances, names compared case-insensitively */
};

struct msg_ctx {
	char	*qid;		/* MTA queue id once known */
	char	*envfrom;
	char	*envfrom_resolved;	/* {mail_addr}, NULL when not given */
	char	**rcpts;
	size_t	 nrcpts;
	int	 ours;		/* some recipient is a MailboxAddress */
	int	 started;	/* the recipients have ended */
	struct bz_spool *spool;	/* created when the recipients end, if ours */
	struct seen_header *xhdrs;
	size_t	 nxhdrs;
	size_t	 nours;		/* incoming X-Buzon-* instances */
};

struct conn_ctx {
	struct bz_runtime *rt;	/* reference taken at connect */
	int	 leadspc;	/* MTA keeps header values' leading space */
	int	 can_skip;	/* MTA offered SMFIP_SKIP: the body may be skipped */
	struct msg_ctx *msg;
};

struct bz_store_pool *milter_store;
struct bz_outbox *milter_outbox;

/* Messages between MAIL FROM and their end: shutdown waits for them. */
static pthread_mutex_t inflight_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t inflight_cond = PTHREAD_COND_INITIALIZER;
static unsigned inflight;
/* Set on SIGTERM/SIGINT/SIGHUP: new connections and messages are deferred. */
static atomic_int draining;

/* milter_drain - stop taking new work; messages in flight go on */
void
milter_drain(void)
{
	atomic_store(&draining, 1);
}

/* inflight_add - count a message in (+1) or out (-1) */
static void
inflight_add(int delta)
{
	pthread_mutex_lock(&inflight_lock);
	if (delta > 0)
		inflight++;
	else if (inflight > 0)
		inflight--;
	if (inflight == 0)
		pthread_cond_broadcast(&inflight_cond);
	pthread_mutex_unlock(&inflight_lock);
}

/* milter_wait_idle - let in-flight messages finish before exiting */
unsigned
milter_wait_idle(int timeout)
{
	struct timespec until;
	unsigned left;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout;
	pthread_mutex_lock(&inflight_lock);
	while (inflight > 0
	    && pthread_cond_timedwait(&inflight_cond, &inflight_lock, &until) == 0)
		;
	left = inflight;
	pthread_mutex_unlock(&inflight_lock);
	return left;
}

/* conn_get - this connection's context */
static struct conn_ctx *
conn_get(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

/* msg_qid - the queue id for log lines */
static const char *
msg_qid(const struct msg_ctx *m)
{
	return m != NULL && m->qid != NULL ? m->qid : NO_QID;
}

/* msg_learn_qid - pick up macro i as soon as the MTA defines it */
static void
msg_learn_qid(SMFICTX *ctx, struct msg_ctx *m)
{
	const char *q;

	if (m == NULL || m->qid != NULL)
		return;
	q = smfi_getsymval(ctx, "i");
	if (q != NULL && *q != '\0')
		m->qid = xstrdup(q);
}

/* msg_end - forget the current message of a connection */
static void
msg_end(struct conn_ctx *c)
{
	struct msg_ctx *m;

	if (c == NULL || (m = c->msg) == NULL)
		return;
	c->msg = NULL;
	free(m->qid);
	free(m->envfrom);
	free(m->envfrom_resolved);
	for (size_t i = 0; i < m->nrcpts; i++)
		free(m->rcpts[i]);
	free(m->rcpts);
	bz_spool_free(m->spool);
	for (size_t i = 0; i < m->nxhdrs; i++)
		free(m->xhdrs[i].name);
	free(m->xhdrs);
	free(m);
	inflight_add(-1);
}

/*
 * set_reply - the SMTP reply for a list of reasons (all of them listed);
 * tempfail says which class the answer is (a rejection may list a
 * tempfail reason found alongside: the codes come from a reject one)
 */
static void
set_reply(SMFICTX *ctx, const char *qid, const struct bz_reasons *r, int tempfail)
{
	const char *lines[MAX_REPLY_LINES + 1] = { NULL };
	char *owned[MAX_REPLY_LINES] = { NULL };
	const struct bz_reason *first;
	/* More reasons than reply lines: the last line says how many more
	 * (the log names them all), so no reason disappears silently. */
	size_t n = r->n <= MAX_REPLY_LINES ? r->n : MAX_REPLY_LINES - 1;
	int rc;

	if (n == 0)
		return;
	/* The first reason of the deciding class gives the status codes. */
	first = r->items[0];
	for (size_t i = 0; i < r->n; i++)
		if (tempfail == (r->items[i]->class == BZ_REASON_TEMPFAIL)) {
			first = r->items[i];
			break;
		}
	for (size_t i = 0; i < n; i++) {
		owned[i] = xasprintf("%s %s", r->items[i]->code, r->items[i]->text_es);
		lines[i] = owned[i];
		bz_log(BZ_LOG_NOTICE, qid, "%s: %s", r->items[i]->code,
		    r->items[i]->text_en);
		/* The exact reply, so tests and operators can match it. */
		bz_log(BZ_LOG_DEBUG, qid, "SMTP reply: %s %s %s", first->smtp_code,
		    first->enhanced, owned[i]);
	}
	if (n < r->n) {
		for (size_t i = n; i < r->n; i++)
			bz_log(BZ_LOG_NOTICE, qid, "%s: %s", r->items[i]->code,
			    r->items[i]->text_en);
		owned[n] = xasprintf("y %zu motivos mas; buzonctl verify los explica",
		    r->n - n);
		lines[n] = owned[n];
		n++;
	}
	if (n == 1)
		rc = smfi_setreply(ctx, (char *)first->smtp_code,
		    (char *)first->enhanced, owned[0]);
	else
		rc = smfi_setmlreply(ctx, first->smtp_code, first->enhanced,
		    lines[0], lines[1], lines[2], lines[3], lines[4], lines[5],
		    lines[6], lines[7], lines[8], lines[9], lines[10], lines[11],
		    lines[12], lines[13], lines[14], lines[15], lines[16],
		    lines[17], lines[18], lines[19], lines[20], lines[21],
		    lines[22], lines[23], lines[24], lines[25], lines[26],
		    lines[27], lines[28], lines[29], lines[30], lines[31],
		    (char *)NULL);
	if (rc != MI_SUCCESS)
		bz_log(BZ_LOG_WARNING, qid, "cannot set the SMTP reply text");
	for (size_t i = 0; i < n; i++)
		free(owned[i]);
}

/* reply_reason - set the reply for one reason and return its status */
static sfsistat
reply_reason(SMFICTX *ctx, struct conn_ctx *c, const char *code)
{
	struct bz_reasons r;
	sfsistat st;

	bz_reasons_init(&r);
	bz_reasons_add(&r, code);
	set_reply(ctx, msg_qid(c ? c->msg : NULL), &r, bz_reasons_tempfail(&r));
	st = bz_reasons_tempfail(&r) ? SMFIS_TEMPFAIL : SMFIS_REJECT;
	bz_reasons_free(&r);
	msg_end(c);
	return st;
}

/* internal_error - log why, tempfail the message with BZ-INTERNAL */
static sfsistat
internal_error(SMFICTX *ctx, struct conn_ctx *c, const char *why)
{
	bz_log(BZ_LOG_ERR, msg_qid(c ? c->msg : NULL), "internal error: %s", why);
	return reply_reason(ctx, c, "BZ-INTERNAL");
}

/* spool_result - turn a spool status into the callback's answer */
static sfsistat
spool_result(SMFICTX *ctx, struct conn_ctx *c, enum bz_spool_status st)
{
	switch (st) {
	case BZ_SPOOL_OK:
		return SMFIS_CONTINUE;
	case BZ_SPOOL_TOO_LARGE:
		bz_log(BZ_LOG_NOTICE, msg_qid(c->msg),
		    "message over MaxMessageSize (%lld bytes): rejected",
		    bz_config_num(c->rt->cfg, BZ_KEY_MaxMessageSize));
		return reply_reason(ctx, c, "BZ-MSG-TOO-LARGE");
	case BZ_SPOOL_ERROR:
		return internal_error(ctx, c, bz_spool_error(c->msg->spool));
	}
	return internal_error(ctx, c, "unknown spool status");
}

/*
 * content_start - the recipients have ended: open the spool for ours; mail
 * that is not ours is read only up to the end of its header. Returns
 * SMFIS_CONTINUE to go on reading.
 */
static sfsistat
content_start(SMFICTX *ctx, struct conn_ctx *c)
{
	struct msg_ctx *m;
	const char *dir;

	if (c == NULL || c->rt == NULL)
		return internal_error(ctx, c, "no connection context");
	if ((m = c->msg) == NULL)
		return internal_error(ctx, c, "message data without MAIL FROM");
	msg_learn_qid(ctx, m);
	if (m->started)
		return SMFIS_CONTINUE;
	m->started = 1;
	if (!m->ours)
		return SMFIS_CONTINUE;
	dir = bz_config_str(c->rt->cfg, BZ_KEY_SpoolDirectory);
	m->spool = bz_spool_new(dir,
	    (size_t)bz_config_num(c->rt->cfg, BZ_KEY_SpoolMemoryLimit),
	    (size_t)bz_config_num(c->rt->cfg, BZ_KEY_MaxMessageSize));
	return SMFIS_CONTINUE;
}

/* remember_ours - count an incoming X-Buzon-* header by name */
static void
remember_ours(struct msg_ctx *m, const char *name)
{
	for (size_t i = 0; i < m->nxhdrs; i++)
		if (strcasecmp(m->xhdrs[i].name, name) == 0) {
			m->xhdrs[i].count++;
			return;
		}
	m->xhdrs = xrealloc(m->xhdrs, (m->nxhdrs + 1) * sizeof(*m->xhdrs));
	m->xhdrs[m->nxhdrs].name = xstrdup(name);
	m->xhdrs[m->nxhdrs].count = 1;
	m->nxhdrs++;
}

/*
 * remove_ours - delete every incoming X-Buzon-* header. The MTA numbers
 * instances of a name from 1, comparing names case-insensitively; deleting
 * from the last instance down keeps the remaining indexes valid whether or
 * not the MTA renumbers after a deletion.
 */
static int
remove_ours(SMFICTX *ctx, struct msg_ctx *m)
{
	for (size_t i = 0; i < m->nxhdrs; i++) {
		for (int idx = m->xhdrs[i].count; idx >= 1; idx--)
			if (smfi_chgheader(ctx, m->xhdrs[i].name, idx, NULL) != MI_SUCCESS)
				return -1;
		bz_log(BZ_LOG_NOTICE, msg_qid(m), "removed %d incoming %s header%s",
		    m->xhdrs[i].count, m->xhdrs[i].name,
		    m->xhdrs[i].count == 1 ? "" : "s");
	}
	return 0;
}

/* accept_not_ours - deliver mail that is not for the mailbox, having
 * deleted its incoming X-Buzon-* headers (libmilter allows deletions only
 * at end of message: at the end of the header there must be none) */
static sfsistat
accept_not_ours(SMFICTX *ctx, struct conn_ctx *c)
{
	if (remove_ours(ctx, c->msg) != 0)
		return internal_error(ctx, c, "the MTA refused to delete a header");
	bz_log(BZ_LOG_INFO, msg_qid(c->msg), "not for the mailbox: accepted");
	msg_end(c);
	return SMFIS_ACCEPT;
}

/*
 * add_header - add one of our headers. With SMFIP_HDR_LEADSPC negotiated
 * the MTA takes the value verbatim after the colon (Postfix writes
 * "Name:value" otherwise), so the usual single space is ours to give.
 */
static int
add_header(SMFICTX *ctx, const struct conn_ctx *c, const struct bz_decision_header *h)
{
	char *value = xasprintf("%s%s", c->leadspc ? " " : "", h->value);
	int rc = smfi_addheader(ctx, h->name, value);

	free(value);
	return rc == MI_SUCCESS ? 0 : -1;
}

/* cb_negotiate - ask for exactly the actions and steps we use */
static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	/* Add X-Buzon-Status, delete forged X-Buzon-* headers; add the
	 * department as a recipient of a reply to a notification. */
	const unsigned long need = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT;
	/* Steps we never look at; everything else is used. */
	const unsigned long skip = SMFIP_NOHELO | SMFIP_NOUNKNOWN;
	struct conn_ctx *c;

	if ((f0 & need) != need) {
		bz_log(BZ_LOG_ERR, NULL, "the MTA does not offer adding and changing "
		    "headers and adding recipients (actions 0x%lx): refusing the "
		    "connection", f0);
		return SMFIS_REJECT;
	}
	*pf0 = need | (f0 & SMFIF_SETSYMLIST);
	*pf1 = (f1 & skip) | (f1 & (SMFIP_HDR_LEADSPC | SMFIP_SKIP));
	*pf2 = 0;
	*pf3 = 0;
	if (f0 & SMFIF_SETSYMLIST) {
		/* The queue id (macro i) for every log line about a message;
		 * the resolved sender for loop safety (never answer the
		 * mailbox) and the resolved recipient to recognise it. */
		(void)smfi_setsymlist(ctx, SMFIM_ENVFROM, "i {mail_addr}");
		(void)smfi_setsymlist(ctx, SMFIM_ENVRCPT, "i {rcpt_addr}");
		(void)smfi_setsymlist(ctx, SMFIM_EOM, "i");
	}
	c = conn_get(ctx);
	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		smfi_setpriv(ctx, c);
	}
	c->leadspc = (f1 & SMFIP_HDR_LEADSPC) != 0;
	/* Mail that is not ours carrying X-Buzon-* headers: its body is
	 * of no interest, but the deletions must wait for end of message. */
	c->can_skip = (f1 & SMFIP_SKIP) != 0;
	return SMFIS_CONTINUE;
}

/* cb_connect - take a reference to the current generation */
static sfsistat
cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
	struct conn_ctx *c = conn_get(ctx);

	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		smfi_setpriv(ctx, c);
	}
	if (atomic_load(&draining))
		return reply_reason(ctx, c, "BZ-STOPPING");
	if (c->rt == NULL)
		c->rt = bz_runtime_acquire();
	if (c->rt == NULL)
		return internal_error(ctx, c, "no configuration loaded");
	return SMFIS_CONTINUE;
}

/* cb_envfrom - a new message begins */
static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn_ctx *c = conn_get(ctx);
	struct msg_ctx *m;
	const char *resolved;

	if (c == NULL || c->rt == NULL)
		return internal_error(ctx, c, "MAIL FROM without a connection context");
	msg_end(c);
	if (atomic_load(&draining))
		return reply_reason(ctx, c, "BZ-STOPPING");
	m = xcalloc(1, sizeof(*m));
	m->envfrom = xstrdup(argv[0] != NULL ? argv[0] : "");
	/* {mail_addr}: the sender after the MTA's parsing (Postfix turns
	 * e.g. a bang path or a source route into local@domain); bz_submission_decide()
	 * checks it as well as the text as written before answering. */
	resolved = smfi_getsymval(ctx, "{mail_addr}");
	if (resolved != NULL)
		m->envfrom_resolved = xstrdup(resolved);
	c->msg = m;
	inflight_add(+1);
	msg_learn_qid(ctx, m);
	return SMFIS_CONTINUE;
}

/* cb_envrcpt - is this recipient the mailbox? */
static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn_ctx *c = conn_get(ctx);
	struct msg_ctx *m = c != NULL ? c->msg : NULL;
	const char *rcpt = argv[0] != NULL ? argv[0] : "", *resolved;

	if (m == NULL)
		return internal_error(ctx, c, "RCPT TO without MAIL FROM");
	msg_learn_qid(ctx, m);
	m->rcpts = xrealloc(m->rcpts, (m->nrcpts + 1) * sizeof(*m->rcpts));
	m->rcpts[m->nrcpts++] = xstrdup(rcpt);
	/*
	 * Ours if the address as written, or as the MTA resolved it
	 * ({rcpt_addr}: Postfix and Sendmail give the address after their
	 * rewriting, e.g. a bang path "imss.gob.mx!buzon"), is a mailbox.
	 */
	resolved = smfi_getsymval(ctx, "{rcpt_addr}");
	if (bz_runtime_is_mailbox(c->rt, rcpt) ||
	    (resolved != NULL && bz_runtime_is_mailbox(c->rt, resolved))) {
		m->ours = 1;
		bz_log_personal(msg_qid(m), "recipient %s is the mailbox", rcpt);
	}
	return SMFIS_CONTINUE;
}

/* cb_data - the recipients have ended (the header is read even when the
 * message is not ours: its X-Buzon-* fields are deleted too) */
static sfsistat
cb_data(SMFICTX *ctx)
{
	return content_start(ctx, conn_get(ctx));
}

/* cb_header - note forged X-Buzon-* headers (every message); ours goes
 * into the spool */
static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn_ctx *c = conn_get(ctx);
	sfsistat st = content_start(ctx, c);

	if (st != SMFIS_CONTINUE)
		return st;
	if (strncasecmp(name, OUR_PREFIX, strlen(OUR_PREFIX)) == 0) {
		if (++c->msg->nours > MAX_OURS) {
			bz_log(BZ_LOG_NOTICE, msg_qid(c->msg), "more than %d incoming "
			    "X-Buzon-* headers: rejected%s", MAX_OURS,
			    c->msg->ours ? "" : " (not for the mailbox)");
			return reply_reason(ctx, c, "BZ-MSG-FORGED-HEADERS");
		}
		remember_ours(c->msg, name);
	}
	if (!c->msg->ours)
		return SMFIS_CONTINUE;
	return spool_result(ctx, c,
	    bz_spool_header(c->msg->spool, name, value, c->leadspc));
}

/* cb_eoh - the empty line after the header: mail that is not ours and has
 * nothing to delete is done */
static sfsistat
cb_eoh(SMFICTX *ctx)
{
	struct conn_ctx *c = conn_get(ctx);
	sfsistat st = content_start(ctx, c);

	if (st != SMFIS_CONTINUE)
		return st;
	if (!c->msg->ours)
		return c->msg->nxhdrs == 0 ? accept_not_ours(ctx, c) : SMFIS_CONTINUE;
	return spool_result(ctx, c, bz_spool_eoh(c->msg->spool));
}

/* cb_body - a chunk of body, verbatim into the spool; skipped when the
 * message is not ours */
static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct conn_ctx *c = conn_get(ctx);
	sfsistat st = content_start(ctx, c);

	if (st != SMFIS_CONTINUE)
		return st;
	if (!c->msg->ours)
		return c->can_skip ? SMFIS_SKIP : SMFIS_CONTINUE;
	return spool_result(ctx, c, bz_spool_body(c->msg->spool, chunk, len));
}

/* cb_eom - decide, then apply: remove forged headers, add ours */
static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct conn_ctx *c = conn_get(ctx);
	struct bz_submission_input in;
	struct bz_decision d;
	enum bz_spool_status sst;
	sfsistat st = content_start(ctx, c);

	if (st != SMFIS_CONTINUE)
		return st;
	msg_learn_qid(ctx, c->msg);
	if (!c->msg->ours)
		return accept_not_ours(ctx, c);
	memset(&in, 0, sizeof(in));
	sst = bz_spool_map(c->msg->spool, &in.msg, &in.len);
	if (sst != BZ_SPOOL_OK)
		return spool_result(ctx, c, sst);
	in.qid = msg_qid(c->msg);
	in.rt = c->rt;
	in.envfrom = c->msg->envfrom;
	in.envfrom_resolved = c->msg->envfrom_resolved;
	in.rcpts = c->msg->rcpts;
	in.nrcpts = c->msg->nrcpts;
	in.arrival = time(NULL);
	in.store = milter_store;
	in.outbox = milter_outbox;
	/* The outbox worker signs the acuse after the commit (issue 12). */
	in.sign_later = milter_outbox != NULL;
	bz_decision_init(&d);
	bz_submission_decide(&in, &d);
	switch (d.action) {
	case BZ_DECISION_ACCEPT:
		/* Forged headers go first: never pass one on with ours. */
		if (remove_ours(ctx, c->msg) != 0) {
			bz_decision_free(&d);
			return internal_error(ctx, c, "the MTA refused to delete a header");
		}
		for (size_t i = 0; i < d.nheaders; i++)
			if (add_header(ctx, c, &d.headers[i]) != 0) {
				bz_decision_free(&d);
				return internal_error(ctx, c,
				    "the MTA refused to add a header");
			}
		for (size_t i = 0; i < d.nrcpts; i++)
			if (smfi_addrcpt(ctx, d.rcpts[i]) != MI_SUCCESS) {
				bz_decision_free(&d);
				return internal_error(ctx, c,
				    "the MTA refused to add a recipient");
			}
		st = SMFIS_ACCEPT;
		msg_end(c);
		break;
	case BZ_DECISION_REJECT:
	case BZ_DECISION_TEMPFAIL:
		if (d.reasons.n == 0)
			bz_decision_add_reason(&d, "BZ-INTERNAL");
		set_reply(ctx, msg_qid(c->msg), &d.reasons,
		    d.action == BZ_DECISION_TEMPFAIL);
		st = d.action == BZ_DECISION_REJECT ? SMFIS_REJECT : SMFIS_TEMPFAIL;
		msg_end(c);
		break;
	}
	bz_decision_free(&d);
	return st;
}

/* cb_abort - the MTA dropped the message */
static sfsistat
cb_abort(SMFICTX *ctx)
{
	msg_end(conn_get(ctx));
	return SMFIS_CONTINUE;
}

/*
 * cb_close - the connection ends: release the generation, and this
 * thread's OpenSSL state. libmilter never joins its session threads: one
 * that ends while the process exits, after OpenSSL's exit handler has
 * removed the thread-exit destructor, would leave its error queue (904
 * bytes, reported by LeakSanitizer about once in sixteen stops under
 * load). Freed here, it is allocated again if the thread serves another
 * connection.
 */
static sfsistat
cb_close(SMFICTX *ctx)
{
	struct conn_ctx *c = conn_get(ctx);

	if (c != NULL) {
		msg_end(c);
		bz_runtime_unref(c->rt);
		free(c);
		smfi_setpriv(ctx, NULL);
	}
	OPENSSL_thread_stop();
	return SMFIS_CONTINUE;
}

struct smfiDesc milter_desc = {
	.xxfi_name = "buzon-milter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT | SMFIF_SETSYMLIST,
	.xxfi_connect = cb_connect,
	.xxfi_helo = NULL,
	.xxfi_envfrom = cb_envfrom,
	.xxfi_envrcpt = cb_envrcpt,
	.xxfi_header = cb_header,
	.xxfi_eoh = cb_eoh,
	.xxfi_body = cb_body,
	.xxfi_eom = cb_eom,
	.xxfi_abort = cb_abort,
	.xxfi_close = cb_close,
	.xxfi_unknown = NULL,
	.xxfi_data = cb_data,
	.xxfi_negotiate = cb_negotiate,
};
