/*
 * submission - what happens to one message of ours at end of message
 *
 * See include/buzon/submission.h for the pipeline. Every step after a positive
 * verification either completes or turns the whole answer into a 451:
 * the CAS file is durable before the store transaction, the transaction
 * holds the record and its acuse together, and the headers are only
 * produced from a committed record. Log lines name the queue id, the
 * verdict, the folio and reason codes; the signer's RFC only through
 * bz_log_personal.
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buzon/address.h"
#include "buzon/apertura.h"
#include "buzon/buf.h"
#include "buzon/calendar.h"
#include "buzon/cas.h"
#include "buzon/config.h"
#include "buzon/consulta.h"
#include "buzon/digest.h"
#include "buzon/gate.h"
#include "buzon/instant.h"
#include "buzon/log.h"
#include "buzon/mime.h"
#include "buzon/outbox.h"
#include "buzon/receipt.h"
#include "buzon/registration.h"
#include "buzon/store.h"
#include "buzon/submission.h"
#include "buzon/tz.h"
#include "buzon/utf8.h"
#include "buzon/verify.h"
#include "buzon/xalloc.h"

/* MaxConcurrentVerifications: messages verified at once, the rest wait. */
static struct bz_gate verify_gate = BZ_GATE_INIT;

/* bz_decision_init - accept with nothing added */
void
bz_decision_init(struct bz_decision *d)
{
	d->action = BZ_DECISION_ACCEPT;
	bz_reasons_init(&d->reasons);
	d->headers = NULL;
	d->nheaders = 0;
	d->rcpts = NULL;
	d->nrcpts = 0;
}

/* bz_decision_free - release headers and reasons */
void
bz_decision_free(struct bz_decision *d)
{
	for (size_t i = 0; i < d->nheaders; i++) {
		free(d->headers[i].name);
		free(d->headers[i].value);
	}
	free(d->headers);
	for (size_t i = 0; i < d->nrcpts; i++)
		free(d->rcpts[i]);
	free(d->rcpts);
	bz_reasons_free(&d->reasons);
	bz_decision_init(d);
}

/* bz_decision_add_header - one more of our headers for an accepted message */
void
bz_decision_add_header(struct bz_decision *d, const char *name, const char *value)
{
	if (strncasecmp(name, "X-Buzon-", 8) != 0)
		bz_panic("decide: header %s is not ours", name);
	d->headers = xrealloc(d->headers, (d->nheaders + 1) * sizeof(*d->headers));
	d->headers[d->nheaders].name = xstrdup(name);
	d->headers[d->nheaders].value = xstrdup(value);
	d->nheaders++;
}

/* bz_decision_add_rcpt - one more envelope recipient, once */
void
bz_decision_add_rcpt(struct bz_decision *d, const char *address)
{
	if (!bz_address_plain(address))
		bz_panic("decide: recipient %s is not a plain address", address);
	for (size_t i = 0; i < d->nrcpts; i++)
		if (strcasecmp(d->rcpts[i], address) == 0)
			return;
	d->rcpts = xrealloc(d->rcpts, (d->nrcpts + 1) * sizeof(*d->rcpts));
	d->rcpts[d->nrcpts++] = xstrdup(address);
}

/* bz_decision_add_reason - record a reason; tempfail beats reject beats accept */
void
bz_decision_add_reason(struct bz_decision *d, const char *code)
{
	bz_reasons_add(&d->reasons, code);
	d->action = bz_reasons_tempfail(&d->reasons) ? BZ_DECISION_TEMPFAIL :
	    BZ_DECISION_REJECT;
}

/* arrival_instant - when the message arrived: TestClock under TestMode */
/* repaired - s (owned) as well-formed UTF-8 (include/buzon/utf8.h) */
static char *
repaired(char *s)
{
	char *r = bz_utf8_repair(s);

	free(s);
	return r;
}

/* repaired_parts - the signed entity's parts as they are recorded: the
 * names and types repaired to UTF-8 (the acuse is built from the record;
 * buzonctl verify still shows the sender's bytes, escaped) */
static struct bz_part *
repaired_parts(const struct bz_part *v, size_t n)
{
	struct bz_part *p = xcalloc(n ? n : 1, sizeof(*p));

	for (size_t i = 0; i < n; i++) {
		p[i] = v[i];
		p[i].name = bz_utf8_repair(v[i].name);
		p[i].content_type = bz_utf8_repair(v[i].content_type);
	}
	return p;
}

static int64_t
arrival_instant(const struct bz_submission_input *in)
{
	return bz_config_now(in->rt->cfg, (int64_t)in->arrival);
}

/* local_iso - an instant on the Mexico City clock, ISO-8601 with offset */
static void
local_iso(const struct bz_calendar *cal, int64_t utc, char out[BZ_INSTANT_UTC_LEN])
{
	struct bz_local_time lt;

	bz_tz_to_local(bz_calendar_zone(cal), utc, &lt);
	bz_instant_format_offset(utc, lt.utc_offset, out);
}

/* verdict_text - "integrity=pass; trust=pass; identity=pass" */
static char *
verdict_text(const struct bz_verification *v)
{
	return xasprintf("integrity=%s; trust=%s; identity=%s",
	    bz_check_name(v->integrity), bz_check_name(v->trust),
	    bz_check_name(v->identity));
}

/* reason_codes - "BZ-A,BZ-B" for a log line ("-" when none) */
static void
reason_codes(const struct bz_reasons *r, struct bz_buf *out)
{
	for (size_t i = 0; i < r->n; i++)
		bz_buf_printf(out, "%s%s", i ? "," : "", r->items[i]->code);
	if (r->n == 0)
		bz_buf_puts(out, "-");
}

/* defer - tempfail with one reason and a log line saying why */
static void
defer(const struct bz_submission_input *in, struct bz_decision *out, const char *code,
    const char *why)
{
	bz_log(BZ_LOG_ERR, in->qid, "deferred (%s): %s", code, why);
	bz_decision_add_reason(out, code);
}

/* reply_mailbox - the mailbox address the message was sent to (From: of
 * the acuse), as configured (lower case) however the sender spelled it,
 * a delimiter extension included; the first configured one when none
 * matches */
static char *
reply_mailbox(const struct bz_submission_input *in)
{
	for (size_t i = 0; i < in->nrcpts; i++) {
		const char *mb = bz_runtime_mailbox_of(in->rt, in->rcpts[i]);

		if (mb != NULL)
			return xstrdup(mb);
	}
	return xstrdup(in->rt->nmailboxes ? in->rt->mailboxes[0] : "");
}

/*
 * acuse_withheld - loop safety (RFC 3834): why this message gets no acuse,
 * NULL when it may get one. The sender is checked as written and as the
 * MTA resolved it ({mail_addr}): MAIL FROM:<imss.test!buzon> is written
 * unlike the mailbox, but answering it would mail the mailbox. The
 * submission is recorded either way; only the answer is suppressed.
 */
static const char *
acuse_withheld(const struct bz_submission_input *in)
{
	const struct bz_runtime *rt = in->rt;
	struct bz_loop_headers h;
	const char *why;

	bz_loop_headers_scan(&h, in->msg, in->len);
	why = bz_outbox_loop_reason(in->envfrom, (const char *const *)rt->mailboxes,
	    rt->nmailboxes, rt->delimiters, &h);
	if (why == NULL && in->envfrom_resolved != NULL)
		why = bz_outbox_loop_reason(in->envfrom_resolved,
		    (const char *const *)rt->mailboxes, rt->nmailboxes,
		    rt->delimiters, &h);
	if (why != NULL)
		bz_log(BZ_LOG_INFO, in->qid, "no acuse (RFC 3834 loop safety): %s", why);
	return why;
}

/*
 * acuse_address - where the acuse goes: the e-mail address in the signer's
 * certificate, the only address the signer proved; NULL when it has none
 * in plain local@domain form, or it names the mailbox itself (a loop).
 * MAIL FROM is never a recipient of its own: anyone can write any MAIL
 * FROM, and the acuse carries the Institute's signature. When MAIL FROM
 * is that same address (case-insensitive) it is the same recipient.
 */
static const char *
acuse_address(const struct bz_submission_input *in, const struct bz_signer *g)
{
	struct bz_runtime *rt = in->rt;

	if (g->email == NULL || !bz_address_plain(g->email))
		return NULL;
	if (bz_outbox_loop_reason(g->email, (const char *const *)rt->mailboxes,
	    rt->nmailboxes, rt->delimiters, NULL) != NULL)
		return NULL;
	return g->email;
}

/*
 * spool_unless_repeat - the message into the spool, unless this signed
 * entity by this certificate is already on record: a repeat keeps no
 * second copy (its event records the arriving message's hash). 1 spooled,
 * 0 repeat (path left empty), -1 failed (err says why).
 */
static int
spool_unless_repeat(const struct bz_submission_input *in, const struct bz_verification *v,
    char sha[65], struct bz_buf *path, struct bz_buf *err)
{
	struct bz_store *st;
	enum bz_store_status rc = BZ_STORE_TEMPFAIL;
	char folio[BZ_FOLIO_LEN];
	int in_db = 0;

	if (in->store != NULL && (st = bz_store_pool_get(in->store)) != NULL) {
		rc = bz_store_find_repeat(st, v->entity_sha256, v->signer->cert_sha256,
		    folio);
		in_db = bz_store_keeps_messages(st);
		bz_store_pool_put(in->store, st);
	}
	if (rc == BZ_STORE_OK) {
		bz_sha256_hex(in->msg, in->len, sha);
		return 0;
	}
	if (rc != BZ_STORE_NOTFOUND) {
		bz_buf_puts(err, in->store == NULL ? "no store" :
		    "the database could not be read for the repeat check");
		return -1;
	}
	/* A shared store (PostgreSQL) keeps the bytes in the record's own
	 * transaction (core/store_message.c): durable with the record. */
	if (in_db) {
		bz_sha256_hex(in->msg, in->len, sha);
		bz_buf_printf(path, "%s%s", BZ_STORE_MESSAGE_DB, sha);
		return 1;
	}
	/* The message is durable before any record points at it. (A copy
	 * filed meanwhile by another connection makes this one a repeat
	 * whose event names this spooled copy: it is kept, not lost.) */
	if (bz_cas_put(bz_config_str(in->rt->cfg, BZ_KEY_SpoolDirectory), in->msg, in->len,
	    sha, path, err) != 0)
		return -1;
	return 1;
}

/*
 * record - file an accepted submission: legal instant, spool, one store
 * transaction with the acuse, then our headers. Any failure defers. A
 * registration step (hook != NULL, submission_registration.c) is filed the
 * same way, its own writes done by hook->render inside the transaction.
 */
static void
record(const struct bz_submission_input *in, const struct bz_verification *v,
    int64_t arrival, struct bz_decision *out, struct bz_submission_hook *hook)
{
	struct bz_runtime *rt = in->rt;
	struct bz_legal_instant li;
	struct bz_submission sub, orig;
	struct bz_submission_out res;
	struct bz_record_opts ropts;
	struct bz_receipt_render_ctx rctx;
	struct bz_buf path = BZ_BUF_INIT, err = BZ_BUF_INIT, codes = BZ_BUF_INIT;
	struct bz_store *st;
	struct bz_part *parts;
	enum bz_store_status rc;
	char sha[65], when[BZ_INSTANT_UTC_LEN], legal[BZ_INSTANT_UTC_LEN];
	char first_hour[32];
	char *from, **rcpts, *msgid, *subject, *mailbox, *vt, *lr;
	const char *rule, *to;
	int reply, send, have_orig = 0;

	if (bz_calendar_submission(rt->calendar, arrival, &li) != 0) {
		defer(in, out, "BZ-INTERNAL", "no working day within the calendar's "
		    "horizon for the legal instant");
		return;
	}
	from = repaired(bz_address_bare(in->envfrom));
	reply = acuse_withheld(in) == NULL;
	to = acuse_address(in, v->signer);
	send = reply && (to != NULL || hook != NULL);
	if (send && rt->signer == NULL) {
		defer(in, out, "BZ-UNCONFIGURED", rt->signer_missing);
		free(from);
		return;
	}
	if (spool_unless_repeat(in, v, sha, &path, &err) < 0) {
		defer(in, out, "BZ-STORE", bz_buf_str(&err));
		bz_buf_free(&err);
		bz_buf_free(&path);
		free(from);
		return;
	}

	rcpts = xcalloc(in->nrcpts ? in->nrcpts : 1, sizeof(*rcpts));
	for (size_t i = 0; i < in->nrcpts; i++)
		rcpts[i] = repaired(bz_address_bare(in->rcpts[i]));
	msgid = repaired(bz_mime_header_value(in->msg, in->len, "Message-ID"));
	subject = repaired(bz_mime_subject(in->msg, in->len));
	mailbox = reply_mailbox(in);

	memset(&sub, 0, sizeof(sub));
	sub.qid = in->qid;
	sub.arrival_utc = arrival;
	sub.legal_utc = li.utc;
	sub.legal_year = li.local.date.year;
	sub.legal_rule = li.rule;
	/* The whole rule set goes on record, so the acuse alone recomputes
	 * the legal instant after the configuration changes. */
	sub.legal_basis = bz_calendar_basis_name(bz_calendar_basis(rt->calendar));
	snprintf(first_hour, sizeof(first_hour), "%02d:%02d",
	    bz_calendar_first_hour(rt->calendar) / 60,
	    bz_calendar_first_hour(rt->calendar) % 60);
	sub.first_hour = first_hour;
	sub.calendar_version = li.version;
	sub.signer = *v->signer;		/* shallow: the store copies */
	sub.integrity = v->integrity;
	sub.trust = v->trust;
	sub.identity = v->identity;
	sub.verdict = v->verdict;
	sub.reasons = v->reasons;
	sub.message_sha256 = sha;
	sub.signed_sha256 = v->entity_sha256;
	sub.message_id = msgid;
	sub.subject = subject;
	sub.env_from = from;
	sub.env_rcpts = (const char *const *)rcpts;
	sub.n_rcpts = in->nrcpts;
	sub.spool_path = path.len ? bz_buf_str(&path) : NULL;
	sub.message = in->msg;		/* written by the store for a "db:" path */
	sub.message_len = in->len;
	parts = repaired_parts(v->parts, v->nparts);
	sub.parts = parts;
	sub.n_parts = v->nparts;
	sub.notification_folio = in->notification_folio;

	memset(&rctx, 0, sizeof(rctx));
	rctx.signer = rt->signer;
	rctx.tz = bz_calendar_zone(rt->calendar);
	rctx.mailbox = mailbox;
	rctx.now = (int64_t)time(NULL);
	rctx.event = hook != NULL ? hook->event : NULL;
	rctx.to = to;
	/* Sealed in the transaction, signed after it (issue 12): the reply
	 * waits for the commit only, never for a private-key operation. */
	rctx.defer = in->sign_later;
	bz_buf_init(&rctx.err);

	memset(&res, 0, sizeof(res));
	memset(&orig, 0, sizeof(orig));
	rc = BZ_STORE_TEMPFAIL;
	/* The wall clock, not TestClock: the resend interval limits how
	 * often replays of one submission make the outbox mail its acuse. */
	ropts.now = rctx.now;
	ropts.resend_interval = bz_config_num(rt->cfg, BZ_KEY_RepeatResendInterval);
	/* Rendered even when nothing is sent: the row keeps the acuse and
	 * the event seals the digests of its cadena. */
	ropts.no_reply = !send;
	if (in->store != NULL) {
		if (hook != NULL)
			hook->rctx = &rctx;
		/* Registration steps write their rows in hook->render, through
		 * the connection the store hands it (the committer's, inside
		 * this record's savepoint), so they commit with the record. */
		rc = bz_store_pool_record(in->store, &sub,
		    hook != NULL ? hook->render : bz_receipt_store_render,
		    hook != NULL ? hook->arg : (void *)&rctx, &ropts, &res);
	}
	/* A repeat answers with the original filing's rule too. */
	if (rc == BZ_STORE_OK && res.repeat && (st = bz_store_pool_get(in->store)) != NULL) {
		if (bz_store_submission_get(st, res.folio, &orig) == BZ_STORE_OK)
			have_orig = 1;
		bz_store_pool_put(in->store, st);
	}
	if (rc != BZ_STORE_OK) {
		defer(in, out, "BZ-STORE", in->store == NULL ? "no store" :
		    rctx.err.len ? bz_buf_str(&rctx.err) :
		    "the database did not commit the record (see above)");
	} else {
		/* A sealed acuse waits for the worker's signature, sent or not. */
		if ((res.queued > 0 || (rctx.defer && !res.repeat)) && in->outbox != NULL)
			bz_outbox_wake(in->outbox);
		rule = have_orig && orig.legal_rule != NULL ? orig.legal_rule : li.rule;
		local_iso(rt->calendar, res.arrival_utc, when);
		local_iso(rt->calendar, res.legal_utc, legal);
		vt = verdict_text(v);
		lr = xasprintf("%s; rule=%s", legal, rule);
		bz_decision_add_header(out, "X-Buzon-Status", "accepted");
		bz_decision_add_header(out, "X-Buzon-Folio", res.folio);
		bz_decision_add_header(out, "X-Buzon-Signer-RFC",
		    v->signer->rfc != NULL ? v->signer->rfc : "");
		bz_decision_add_header(out, "X-Buzon-Signer-Cert",
		    v->signer->no_certificado != NULL ? v->signer->no_certificado : "");
		bz_decision_add_header(out, "X-Buzon-Verdict", vt);
		bz_decision_add_header(out, "X-Buzon-Received", when);
		bz_decision_add_header(out, "X-Buzon-Legal-Received", lr);
		bz_decision_add_header(out, "X-Buzon-Legal-Rule", rule);
		if (res.repeat)
			bz_decision_add_header(out, "X-Buzon-Repeat", "yes");
		if (hook != NULL)
			hook->repeat = res.repeat;
		reason_codes(&v->reasons, &codes);
		bz_log(BZ_LOG_NOTICE, in->qid, "accepted: folio %s%s, %s, legal %s "
		    "(%s), acuse %s, reasons %s", res.folio,
		    res.repeat ? " (repeat)" : "", vt, legal, rule,
		    !reply ? "not sent (loop safety)" :
		    to == NULL ? "not sent (no usable e-mail address in the "
		    "signer's certificate)" :
		    res.rate_limited ? "not sent again (rate limited)" :
		    res.queued ? "queued" : "none", bz_buf_str(&codes));
		bz_log_personal(in->qid, "folio %s: signer RFC %s", res.folio,
		    v->signer->rfc != NULL ? v->signer->rfc : "-");
		free(vt);
		free(lr);
	}
	if (have_orig)
		bz_submission_free(&orig);
	bz_buf_free(&rctx.err);
	bz_buf_free(&codes);
	bz_buf_free(&path);
	bz_buf_free(&err);
	for (size_t i = 0; i < in->nrcpts; i++)
		free(rcpts[i]);
	free(rcpts);
	free(msgid);
	free(subject);
	free(mailbox);
	free(from);
	for (size_t i = 0; i < v->nparts; i++) {
		free(parts[i].name);
		free(parts[i].content_type);
	}
	free(parts);
}

/* bz_submission_record - record() for the registration steps */
void
bz_submission_record(const struct bz_submission_input *in,
    const struct bz_verification *v, int64_t arrival, struct bz_decision *out, struct bz_submission_hook *hook)
{
	record(in, v, arrival, out, hook);
}

/* bz_submission_decide - the outcome for one complete message of ours */
void
bz_submission_decide(const struct bz_submission_input *in, struct bz_decision *out)
{
	struct bz_verification v;
	struct bz_buf codes = BZ_BUF_INIT;
	int64_t arrival, waited;
	unsigned limit;
	char *vt, *subject, *token, *cfolio, *afolio;
	enum bz_reg_action action;
	int consulta, apertura, notification = 0;

	bz_log(BZ_LOG_INFO, in->qid, "received for the mailbox, %zu bytes, "
	    "generation %llu", in->len, (unsigned long long)in->rt->generation);
	if (in->rt->verify == NULL) {
		defer(in, out, "BZ-UNCONFIGURED", in->rt->verify_missing);
		return;
	}
	arrival = arrival_instant(in);
	/* A registration step is named by the Subject's first word; a token
	 * confirmation needs no signature (issue 9). */
	subject = bz_mime_subject(in->msg, in->len);
	action = bz_registration_action(subject, &token);
	consulta = bz_consulta_subject(subject, &cfolio);	/* issue 11 */
	apertura = bz_apertura_subject(subject, &afolio);	/* issue 10 */
	free(subject);
	/* A message to NotifierAddress is a notification whatever its
	 * Subject says (issue 10): a registration word there means nothing. */
	for (size_t i = 0; i < in->nrcpts && !notification; i++)
		notification = bz_runtime_is_notifier(in->rt, in->rcpts[i]);
	if (notification) {
		action = BZ_REG_NONE;
		consulta = 0;
		apertura = 0;
	}
	if (action == BZ_REG_CONFIRMACION && token != NULL) {
		bz_submission_confirm_token(in, token, arrival, out);
		free(token);
		free(cfolio);
		free(afolio);
		return;
	}
	free(token);
	limit = (unsigned)bz_config_num(in->rt->cfg, BZ_KEY_MaxConcurrentVerifications);
	if ((waited = bz_gate_enter(&verify_gate, limit)) > 0)
		bz_log(BZ_LOG_INFO, in->qid, "waited %lld ms for a verification slot "
		    "(MaxConcurrentVerifications %u)", (long long)(waited / 1000), limit);
	bz_verify_message(in->rt->verify, in->msg, in->len, arrival, &v);
	bz_gate_leave(&verify_gate);
	switch (v.verdict) {
	case BZ_VERDICT_ACCEPTED:
		if (v.signer == NULL || v.signer->cert_sha256 == NULL ||
		    v.entity_sha256[0] == '\0')
			defer(in, out, "BZ-INTERNAL", "accepted without a signer "
			    "certificate digest or signed entity digest");
		else if (notification)
			bz_submission_notification(in, &v, arrival, out);
		else if (consulta)
			bz_submission_consulta(in, &v, arrival, cfolio, out);
		else if (apertura)
			bz_submission_apertura(in, &v, arrival, afolio, out);
		else if (action != BZ_REG_NONE)
			bz_submission_registration(in, &v, arrival, action, out);
		else
			bz_submission_reply(in, &v, arrival, out);
		break;
	case BZ_VERDICT_REJECTED:
	case BZ_VERDICT_TEMPFAIL:
		/* A notification must carry an official's valid e.firma. */
		if (notification && v.verdict == BZ_VERDICT_REJECTED)
			bz_decision_add_reason(out, "BZ-NOTIF-UNSIGNED");
		for (size_t i = 0; i < v.reasons.n; i++)
			bz_decision_add_reason(out, v.reasons.items[i]->code);
		if (v.reasons.n == 0)
			bz_decision_add_reason(out, "BZ-INTERNAL");
		/* verify's rule: any reject reason rejects, even next to a
		 * tempfail one (a tampered message stays tampered). */
		out->action = v.verdict == BZ_VERDICT_REJECTED ? BZ_DECISION_REJECT :
		    BZ_DECISION_TEMPFAIL;
		reason_codes(&out->reasons, &codes);
		vt = verdict_text(&v);
		bz_log(BZ_LOG_NOTICE, in->qid, "%s: %s, reasons %s",
		    bz_verdict_name(v.verdict), vt, bz_buf_str(&codes));
		if (v.signer != NULL && v.signer->rfc != NULL)
			bz_log_personal(in->qid, "signer RFC %s", v.signer->rfc);
		free(vt);
		break;
	}
	bz_verification_free(&v);
	bz_buf_free(&codes);
	free(cfolio);
	free(afolio);
}
