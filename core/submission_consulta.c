/*
 * submission_consulta - CONSULTA <folio> in the end-of-message pipeline
 *			 (issue 11; include/buzon/consulta.h)
 *
 * bz_submission_decide() hands over a verified message whose Subject's
 * first word is CONSULTA (so unsigned, CSD, untrusted... are refused before, exactly as
 * a promocion). Checks, in this order, each a coded refusal:
 *   the signed text names the folio (Folio:), the Subject's folio, if any,
 *     is the same                                  BZ-CONSULTA-NO-FOLIO
 *   the folio is a filing of the signer's RFC      BZ-CONSULTA-UNKNOWN-FOLIO
 *     (another RFC's folio: the same code and text as an unknown one)
 *     or an NT- notification of the signer's, as APERTURA decides it (the
 *     employer's RFC or its recorded representative's), whose aviso has
 *     been queued (another's, or one still held: the unknown folio's reply)
 *   a notification opened or deemed made          BZ-CONSULTA-NOT-NOTIFIED
 *     (see check_notification for why this may be said)
 *   RequireEnabledMailbox                          BZ-REG-MAILBOX-NOT-ENABLED
 *   within the calendar's available-until          BZ-CONSULTA-EXPIRED
 *   not re-sent within RepeatResendInterval, nor
 *     BZ_CONSULTA_MAX_PER_DAY times in 24 h          BZ-CONSULTA-TOO-SOON
 * then the consultation is filed through bz_submission_record (own folio, acuse
 * with event "consulta") and, inside the same transaction, the kept acuse
 * of the folio is queued byte for byte to the certificate's address and
 * the RFC's confirmed addresses, with a "consulta" event in the chain.
 * For a notification the kept mail is its acuse de notificacion or
 * constancia as first queued (it carries the department's signed message:
 * the documents), the period runs from its legal notification instant, and
 * the addresses are the employer's (the notification's RFC).
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buzon/calendar.h"
#include "buzon/config.h"
#include "buzon/consulta.h"
#include "buzon/apertura.h"
#include "buzon/instant.h"
#include "buzon/log.h"
#include "buzon/notification.h"
#include "buzon/outbox.h"
#include "buzon/receipt.h"
#include "buzon/registration.h"
#include "buzon/store.h"
#include "buzon/submission.h"
#include "buzon/tz.h"
#include "buzon/verify.h"
#include "buzon/xalloc.h"

struct consulta {
	const struct bz_submission_input *in;
	struct bz_submission_hook hook;
	const char	*consulted;	/* the folio asked for */
	char		*outbox_folio;	/* the filing the re-sent rows name */
	const char	*kept_kind;	/* notification: its acuse's outbox kind */
	char		**rcpts;	/* confirmed addresses */
	size_t		 nrcpts;
	size_t		 sent;
	int		 quiet;		/* loop safety: nothing re-sent */
};

/*
 * withheld - the loop-safety test record() makes for the acuse (RFC 3834):
 * a CONSULTA that gets no acuse of its own re-sends nothing either
 */
static int
withheld(const struct bz_submission_input *in)
{
	const struct bz_runtime *rt = in->rt;
	struct bz_loop_headers h;

	bz_loop_headers_scan(&h, in->msg, in->len);
	return bz_outbox_loop_reason(in->envfrom, (const char *const *)rt->mailboxes,
	    rt->nmailboxes, rt->delimiters, &h) != NULL ||
	    (in->envfrom_resolved != NULL && bz_outbox_loop_reason(
	    in->envfrom_resolved, (const char *const *)rt->mailboxes,
	    rt->nmailboxes, rt->delimiters, &h) != NULL);
}

/* refuse - reject with one code, logged */
static void
refuse(const struct bz_submission_input *in, struct bz_decision *out, const char *code)
{
	bz_decision_add_reason(out, code);
	bz_log(BZ_LOG_NOTICE, in->qid, "CONSULTA refused: reasons %s", code);
}

/* tempfail - 451 with one reason */
static void
tempfail(const struct bz_submission_input *in, struct bz_decision *out, const char *why)
{
	bz_log(BZ_LOG_ERR, in->qid, "deferred (BZ-STORE): %s", why);
	bz_decision_add_reason(out, "BZ-STORE");
}

/* queue_one - the kept acuse to rcpt, unless already queued to it */
static int
queue_one(struct consulta *c, struct bz_store *st, char ***done, size_t *ndone,
    const char *rcpt, const struct bz_buf *acuse, int64_t now)
{
	if (rcpt == NULL)
		return 0;
	for (size_t i = 0; i < *ndone; i++)
		if (strcasecmp((*done)[i], rcpt) == 0)
			return 0;
	if (bz_store_consulta_queue_locked(st, c->in->qid, c->outbox_folio, rcpt,
	    acuse->data, acuse->len, now) != 0)
		return -1;
	*done = xrealloc(*done, (*ndone + 1) * sizeof(**done));
	(*done)[(*ndone)++] = (char *)rcpt;
	c->sent++;
	return 0;
}

/* render_consulta - the consultation's acuse; the kept acuse re-sent */
static int
render_consulta(void *arg, const char *folio, const struct bz_submission *sub,
    struct bz_outmail *mail)
{
	struct consulta *c = arg;
	struct bz_receipt_render_ctx *rctx = c->hook.rctx;
	struct bz_buf acuse = BZ_BUF_INIT;
	char **orig = NULL, **done = NULL;
	size_t norig = 0, ndone = 0;
	int64_t now = (int64_t)time(NULL);
	int rc = -1;

	if (bz_receipt_store_render(rctx, folio, sub, mail) != 0 ||
	    bz_registration_set_event_locked(mail->st, c->in->qid, folio,
	    BZ_RECEIPT_EVENT_CONSULTA) != 0)
		return -1;
	for (size_t i = 0; i < c->nrcpts; i++) {
		int dup = rctx->to != NULL && strcasecmp(rctx->to, c->rcpts[i]) == 0;

		for (size_t k = 0; !dup && k < mail->n_rcpts; k++)
			dup = strcasecmp(mail->rcpts[k], c->rcpts[i]) == 0;
		if (!dup)
			bz_outmail_add_rcpt(mail, c->rcpts[i]);
	}
	if (c->quiet) {
		bz_log(BZ_LOG_NOTICE, c->in->qid, "CONSULTA of %s: nothing re-sent "
		    "(loop safety)", c->consulted);
	} else if (c->kept_kind != NULL ? bz_store_consulta_notification_kept(
	    mail->st, c->outbox_folio, c->kept_kind, &acuse) != BZ_STORE_OK :
	    bz_store_acuse_get(mail->st, c->consulted, &acuse, &orig,
	    &norig) != BZ_STORE_OK) {
		/* Filed without an acuse (no address, loop safety): nothing
		 * kept to re-send; the consultation's acuse says so by
		 * its event, the chain by "sent": 0. */
		bz_log(BZ_LOG_NOTICE, c->in->qid, "CONSULTA of %s: no kept acuse "
		    "to re-send", c->consulted);
	} else if (queue_one(c, mail->st, &done, &ndone, rctx->to, &acuse, now) != 0)
		goto out;
	else
		for (size_t i = 0; i < c->nrcpts; i++)
			if (queue_one(c, mail->st, &done, &ndone, c->rcpts[i], &acuse,
			    now) != 0)
				goto out;
	if (bz_store_consulta_event_locked(mail->st, c->in->qid, now, folio,
	    c->consulted, c->sent) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		bz_buf_puts(&rctx->err, "the consulted acuse could not be queued");
	for (size_t i = 0; i < norig; i++)
		free(orig[i]);
	free(orig);
	free(done);
	bz_buf_free(&acuse);
	return rc;
}

/* expired - 1 when now is past the available-until day of what was issued
 * at issued_utc */
static int
expired(const struct bz_runtime *rt, int64_t issued_utc, int64_t now)
{
	const struct bz_tz *tz = bz_calendar_zone(rt->calendar);
	struct bz_local_time emitted, today;
	struct bz_availability av;

	bz_tz_to_local(tz, issued_utc, &emitted);
	bz_tz_to_local(tz, now, &today);
	if (bz_calendar_available_until(rt->calendar, &emitted.date, &av) != 0)
		return 0;	/* beyond the calendar's horizon: years away */
	return bz_days_from_civil(today.date.year, today.date.month, today.date.day) >
	    bz_days_from_civil(av.until.year, av.until.month, av.until.day);
}

/* bounded - the mailbox, the period from issued_utc, the bound (the
 * addresses of rfc into c); as check() answers */
static const char *
bounded(struct consulta *c, const char *rfc, int64_t issued_utc, int64_t arrival,
    struct bz_store *st)
{
	const struct bz_submission_input *in = c->in;
	int64_t interval, count, last, wall = (int64_t)time(NULL);
	int enabled;

	if ((enabled = bz_registration_enabled(st, rfc)) < 0 ||
	    (enabled == 1 && bz_registration_confirmed_addresses(st, rfc,
	    &c->rcpts, &c->nrcpts) != BZ_STORE_OK))
		return "";
	if (enabled == 0 && bz_config_bool(in->rt->cfg, BZ_KEY_RequireEnabledMailbox))
		return "BZ-REG-MAILBOX-NOT-ENABLED";
	if (expired(in->rt, issued_utc, arrival))
		return "BZ-CONSULTA-EXPIRED";
	if (bz_store_consulta_recent(st, c->consulted, wall - 86400, &count,
	    &last) != BZ_STORE_OK)
		return "";
	if (count >= BZ_CONSULTA_MAX_PER_DAY || (last > 0 &&
	    (interval = bz_config_num(in->rt->cfg, BZ_KEY_RepeatResendInterval)) > 0 &&
	    wall - last < interval))
		/* The wall clock, like RepeatResendInterval for repeats. */
		return "BZ-CONSULTA-TOO-SOON";
	return NULL;
}

/*
 * check_notification - an NT- folio; as check() answers
 *
 * Not opened nor deemed yet gets its own code rather than the unknown
 * folio's reply: the signer is the employer (or its representative) and
 * its aviso has gone out, so the notification's existence is nothing the
 * signer does not know already, while the reply tells what to do (open it
 * with APERTURA). A CONSULTA never opens a notification: opening is the
 * employer's deliberate act, with its own acuse.
 */
static const char *
check_notification(struct consulta *c, const struct bz_verification *v,
    int64_t arrival, struct bz_store *st)
{
	struct bz_notification n;
	struct bz_buf kept = BZ_BUF_INIT;
	enum bz_store_status rc;
	const char *code = NULL;
	int own;

	rc = bz_notification_get(st, c->consulted, &n);
	if (rc == BZ_STORE_NOTFOUND)
		return "BZ-CONSULTA-UNKNOWN-FOLIO";
	if (rc != BZ_STORE_OK)
		return "";
	if ((own = bz_notification_owner(st, &n, v->signer->rfc)) < 0)
		code = "";
	else if (own == 0 || n.aviso_queued_utc == 0)
		/* Another RFC's, or one the employer was not told of yet. */
		code = "BZ-CONSULTA-UNKNOWN-FOLIO";
	else if (strcmp(n.state, "sent") == 0 && arrival >= n.deemed_due_utc) {
		/* Deemed made already; the worker issues its constancia
		 * within the second: try again (451), not a wrong 550. */
		bz_log(BZ_LOG_INFO, c->in->qid, "CONSULTA of %s: its constancia is "
		    "being issued", c->consulted);
		code = "BZ-CONSULTA-PENDING";
	} else if (strcmp(n.state, "sent") == 0)
		code = "BZ-CONSULTA-NOT-NOTIFIED";
	else {
		c->kept_kind = strcmp(n.state, "deemed") == 0 ?
		    BZ_NOTIF_OUTBOX_CONSTANCIA : BZ_NOTIF_OUTBOX_ACUSE;
		c->outbox_folio = xstrdup(n.submission_folio);
		if ((rc = bz_store_consulta_notification_kept(st, n.submission_folio,
		    c->kept_kind, &kept)) != BZ_STORE_OK) {
			/* Opened, its acuse still due (the notification
			 * worker signs and queues it within the second,
			 * core/notification_due.c): 451, try again. */
			bz_log(BZ_LOG_INFO, c->in->qid, "CONSULTA of %s: its %s is "
			    "not kept yet", c->consulted, c->kept_kind);
			code = rc == BZ_STORE_NOTFOUND ? "BZ-CONSULTA-PENDING" : "";
		} else
			code = bounded(c, n.rfc, n.legal_utc, arrival, st);
	}
	bz_buf_free(&kept);
	bz_notification_free(&n);
	return code;
}

/* check - the folio's owner, the mailbox, the period, the bound; the code
 * that refuses (NULL: go on), or "" on a store failure */
static const char *
check(struct consulta *c, const struct bz_verification *v, int64_t arrival,
    struct bz_store *st)
{
	struct bz_submission sub;
	enum bz_store_status rc;
	const char *code;

	if (strncmp(c->consulted, "NT-", 3) == 0)
		return check_notification(c, v, arrival, st);
	c->outbox_folio = xstrdup(c->consulted);
	memset(&sub, 0, sizeof(sub));
	rc = bz_store_submission_get(st, c->consulted, &sub);
	if (rc == BZ_STORE_NOTFOUND)
		return "BZ-CONSULTA-UNKNOWN-FOLIO";
	if (rc != BZ_STORE_OK)
		return "";
	/* Another RFC's filing is, to this signer, no filing at all. */
	if (sub.signer.rfc == NULL || strcasecmp(sub.signer.rfc, v->signer->rfc) != 0)
		code = "BZ-CONSULTA-UNKNOWN-FOLIO";
	else
		code = bounded(c, v->signer->rfc, sub.arrival_utc, arrival, st);
	bz_submission_free(&sub);
	return code;
}

/* bz_submission_consulta - a verified CONSULTA; subject_folio may be NULL */
void
bz_submission_consulta(const struct bz_submission_input *in, const struct bz_verification *v,
    int64_t arrival, const char *subject_folio, struct bz_decision *out)
{
	struct consulta c;
	struct bz_buf text = BZ_BUF_INIT, err = BZ_BUF_INIT;
	struct bz_store *st;
	const char *code;
	char *folio = NULL;

	memset(&c, 0, sizeof(c));
	c.in = in;
	if (v->signer->rfc == NULL) {
		refuse(in, out, "BZ-CERT-IDENTITY");
		return;
	}
	if (bz_registration_signed_text(in->msg, in->len, v->entity_sha256, &text,
	    &err) == 0)
		folio = bz_consulta_signed_folio(text.data, text.len);
	else
		bz_log(BZ_LOG_INFO, in->qid, "CONSULTA data: %s", bz_buf_str(&err));
	bz_buf_free(&text);
	bz_buf_free(&err);
	/* Only what was signed counts: a folio in the Subject alone (or a
	 * different one there) could have been written by anyone. */
	if (folio == NULL || (subject_folio != NULL &&
	    strcasecmp(subject_folio, folio) != 0)) {
		refuse(in, out, "BZ-CONSULTA-NO-FOLIO");
		free(folio);
		return;
	}
	c.consulted = folio;
	if (in->store == NULL || (st = bz_store_pool_get(in->store)) == NULL) {
		tempfail(in, out, "no database connection");
		free(folio);
		return;
	}
	code = check(&c, v, arrival, st);
	bz_store_pool_put(in->store, st);
	if (code != NULL && *code == '\0')
		tempfail(in, out, "the consulted filing could not be read");
	else if (code != NULL)
		refuse(in, out, code);
	else {
		c.quiet = withheld(in);
		c.hook.event = BZ_RECEIPT_EVENT_CONSULTA;
		c.hook.render = render_consulta;
		c.hook.arg = &c;
		bz_submission_record(in, v, arrival, out, &c.hook);
		if (out->action == BZ_DECISION_ACCEPT) {
			bz_decision_add_header(out, "X-Buzon-Consulted", folio);
			if (in->outbox != NULL)
				bz_outbox_wake(in->outbox);
			bz_log(BZ_LOG_NOTICE, in->qid, "CONSULTA of %s: the kept "
			    "acuse queued to %zu address(es)%s", folio, c.sent,
			    c.hook.repeat ? " (repeat: nothing re-sent)" : "");
		}
	}
	for (size_t i = 0; i < c.nrcpts; i++)
		free(c.rcpts[i]);
	free(c.rcpts);
	free(c.outbox_folio);
	free(folio);
}
