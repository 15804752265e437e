/*
 * submission_notification - a department's notification in the
 *			     end-of-message pipeline (issue 10, part A)
 *
 * bz_submission_decide() hands over every message with NotifierAddress
 * among its recipients once verification accepted it (an unsigned,
 * tampered or untrusted one is refused there, BZ-NOTIF-UNSIGNED with the
 * verification's reasons). Checks, in this order, each a coded refusal:
 *   the signer's RFC is an official in OfficialsFile   BZ-NOTIF-NOT-OFFICIAL
 *   the signed text names the employer (Destinatario:) BZ-NOTIF-NO-RECIPIENT
 *     and the subject (Asunto:), Responder-a: if any   BZ-NOTIF-NO-SUBJECT,
 *     is one plain address                             BZ-NOTIF-BAD-REPLY-TO
 *   the employer has an enabled mailbox                BZ-NOTIF-NOT-ENABLED
 * then the message is filed like a promocion through bz_submission_record
 * (spool, BZ- record with its parts, "submission" event, acuse de envio
 * with event "envio-notificacion" to the certificate's address and the
 * department's) and, inside the same transaction, the notifications row
 * with its NT folio (bz_notification_create_locked), the aviso held until
 * its planned release (core/notification_aviso.c).
 *
 * Hostile input: only the signed text counts. The Subject, From and the
 * other unsigned headers are never read here; the department is the one
 * OfficialsFile lists for the signer, not whatever the mail claims, and
 * the aviso goes only to the employer's confirmed addresses with the
 * Institute's own text (folio, department, subject, days): a department
 * cannot make the Institute mail arbitrary text to arbitrary addresses.
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buzon/calendar.h"
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

struct notif {
	const struct bz_submission_input *in;
	struct bz_submission_hook hook;
	struct bz_notif_request req;
	const struct bz_official *official;
	int64_t		 created;	/* the notification clock */
	int64_t		 planned;
	struct bz_window w;
	char		 folio[BZ_NOTIF_FOLIO_LEN];	/* out: NT folio */
};

/* refuse - reject with one code, logged */
static void
refuse(const struct bz_submission_input *in, struct bz_decision *out, const char *code)
{
	bz_decision_add_reason(out, code);
	bz_log(BZ_LOG_NOTICE, in->qid, "notification refused: reasons %s", code);
}

/* tempfail - 451 with one reason */
static void
tempfail(const struct bz_submission_input *in, struct bz_decision *out,
    const char *code, const char *why)
{
	bz_log(BZ_LOG_ERR, in->qid, "deferred (%s): %s", code, why);
	bz_decision_add_reason(out, code);
}

/* domain_of - the part after '@' of the notifier (Message-ID's right side) */
static const char *
domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL ? at + 1 : addr;
}

/* appendix - the acuse de envio's text: what was notified, to whom, when */
static void
appendix(const struct notif *c, struct bz_buf *out)
{
	char d[4][BZ_INSTANT_UTC_LEN];

	for (int i = 0; i < 3; i++)
		bz_date_format(&c->w.day[i], d[i]);
	bz_date_format(&c->w.deemed, d[3]);
	bz_buf_printf(out, "Folio de notificacion: %s\n"
	    "Patron (RFC): %s\n"
	    "Dependencia: %s <%s>\n"
	    "Asunto: %s\n"
	    "El aviso al patron sale en horario de notificacion (09:30 a 18:00 de "
	    "un dia habil). Dias para abrir la notificacion: %s, %s y %s; sin "
	    "apertura, se tiene por notificada el %s a las 09:30.\n",
	    c->folio, c->req.rfc, c->official->name, c->official->address,
	    c->req.subject, d[0], d[1], d[2], d[3]);
}

/* render_notification - the row with its NT folio, then the acuse de envio */
static int
render_notification(void *arg, const char *folio, const struct bz_submission *sub,
    struct bz_outmail *mail)
{
	struct notif *c = arg;
	struct bz_receipt_render_ctx *rctx = c->hook.rctx;
	const struct bz_tz *tz = bz_calendar_zone(c->in->rt->calendar);
	struct bz_local_time lt;
	struct bz_notif_new n;
	struct bz_buf text = BZ_BUF_INIT;
	int r;

	bz_tz_to_local(tz, c->created, &lt);
	memset(&n, 0, sizeof(n));
	n.submission_folio = folio;
	n.req = &c->req;
	n.official = c->official;
	n.message_id_domain = domain_of(c->in->rt->notifier);
	n.created_utc = c->created;
	n.year = lt.date.year;
	n.planned_utc = c->planned;
	n.day = c->w.day;
	n.deemed = &c->w.deemed;
	n.deemed_due_utc = c->w.deemed_utc;
	n.window_rule = c->w.rule;
	n.calendar_version = c->w.version;
	if (bz_notification_create_locked(mail->st, c->in->qid, &n) != 0) {
		bz_buf_puts(&rctx->err, "the notification could not be recorded");
		return -1;
	}
	memcpy(c->folio, n.folio, sizeof(c->folio));
	/* The acuse de envio names the NT folio in its text; its cadena and
	 * XML are the filing's (event "envio-notificacion"). */
	appendix(c, &text);
	rctx->text_appendix = bz_buf_str(&text);
	r = bz_receipt_store_render(rctx, folio, sub, mail);
	rctx->text_appendix = NULL;
	bz_buf_free(&text);
	if (r != 0 || bz_registration_set_event_locked(mail->st, c->in->qid, folio,
	    BZ_RECEIPT_EVENT_NOTIF_ENVIO) != 0)
		return -1;
	/* The department's address from OfficialsFile (not the mail's From),
	 * besides the certificate's; never one of our own addresses (a
	 * misconfigured file must not make the mailbox mail itself). */
	if (bz_outbox_loop_reason(c->official->address,
	    (const char *const *)c->in->rt->mailboxes, c->in->rt->nmailboxes,
	    c->in->rt->delimiters, NULL) != NULL)
		bz_log(BZ_LOG_WARNING, c->in->qid, "OfficialsFile: the department "
		    "address of %s is one of ours: no acuse de envio to it",
		    c->official->rfc);
	else if (rctx->to == NULL || strcasecmp(rctx->to, c->official->address) != 0) {
		int dup = 0;

		for (size_t k = 0; k < mail->n_rcpts; k++)
			dup |= strcasecmp(mail->rcpts[k], c->official->address) == 0;
		if (!dup)
			bz_outmail_add_rcpt(mail, c->official->address);
	}
	return 0;
}

/* bz_submission_notification - a verified message to NotifierAddress */
void
bz_submission_notification(const struct bz_submission_input *in,
    const struct bz_verification *v, int64_t arrival, struct bz_decision *out)
{
	struct bz_runtime *rt = in->rt;
	struct notif c;
	struct bz_buf text = BZ_BUF_INIT, err = BZ_BUF_INIT;
	struct bz_store *st;
	const char *code = NULL;
	int enabled = -1;

	memset(&c, 0, sizeof(c));
	c.in = in;
	c.created = arrival;
	if (rt->officials == NULL || v->signer->rfc == NULL ||
	    (c.official = bz_officials_find(rt->officials, v->signer->rfc)) == NULL) {
		refuse(in, out, "BZ-NOTIF-NOT-OFFICIAL");
		if (v->signer->rfc != NULL)
			bz_log_personal(in->qid, "notification signed by RFC %s, not "
			    "an official", v->signer->rfc);
		return;
	}
	if (bz_registration_signed_text(in->msg, in->len, v->entity_sha256, &text,
	    &err) != 0) {
		bz_log(BZ_LOG_INFO, in->qid, "notification data: %s", bz_buf_str(&err));
		code = "BZ-NOTIF-NO-RECIPIENT";
	} else if (bz_notif_request_parse(text.data ? text.data : "", text.len,
	    &c.req, &code) != 0 && code == NULL)
		code = "BZ-NOTIF-NO-RECIPIENT";
	bz_buf_free(&text);
	bz_buf_free(&err);
	if (code != NULL) {
		refuse(in, out, code);
		return;
	}
	if (in->store != NULL && (st = bz_store_pool_get(in->store)) != NULL) {
		enabled = bz_registration_enabled(st, c.req.rfc);
		bz_store_pool_put(in->store, st);
	}
	if (enabled < 0)
		tempfail(in, out, "BZ-STORE", "the employer's mailbox could not be read");
	else if (enabled == 0) {
		refuse(in, out, "BZ-NOTIF-NOT-ENABLED");
		bz_log_personal(in->qid, "notification for RFC %s: no enabled mailbox",
		    c.req.rfc);
	} else if (bz_notification_plan(rt->calendar, c.created, &c.planned, &c.w) != 0)
		tempfail(in, out, "BZ-INTERNAL", "no working day within the calendar's "
		    "horizon for the aviso");
	else {
		c.hook.event = BZ_RECEIPT_EVENT_NOTIF_ENVIO;
		c.hook.render = render_notification;
		c.hook.arg = &c;
		bz_submission_record(in, v, arrival, out, &c.hook);
		if (out->action == BZ_DECISION_ACCEPT && c.folio[0] != '\0') {
			bz_decision_add_header(out, "X-Buzon-Notification", c.folio);
			bz_log(BZ_LOG_NOTICE, in->qid, "notification %s accepted, aviso "
			    "held until its release", c.folio);
			bz_log_personal(in->qid, "notification %s for RFC %s by %s",
			    c.folio, c.req.rfc, c.official->address);
		} else if (out->action == BZ_DECISION_ACCEPT)
			bz_log(BZ_LOG_NOTICE, in->qid, "notification: a repeat of one "
			    "already recorded, nothing new notified");
	}
	bz_notif_request_free(&c.req);
}
