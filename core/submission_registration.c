/*
 * submission_registration - the registration steps of issue 9 in the
 *			   end-of-message pipeline (core/submission.c)
 *
 * bz_submission_decide() hands over every message whose Subject names a step
 * (bz_registration_action):
 *   CONFIRMACION <token>  bz_submission_confirm_token: no signature needed (the
 *                 token proves control of the address it was sent to); the
 *                 address confirmed in its own store transaction, a signed
 *                 notice to it; the message accepted with X-Buzon-Status
 *                 "contact-confirmed", or refused with the token's reason.
 *   REGISTRO, ACTUALIZACION, CONFIRMACION (signed, Codigo:), CONFORMIDAD:
 *                 verified like a
 *                 promocion first (so unsigned, CSD, untrusted... are refused
 *                 exactly as today), the data read only from the signed
 *                 text, then filed like a promocion (folio, record, acuse
 *                 with the step's event name) through bz_submission_record, the
 *                 step's own writes inside the same transaction (hook).
 * Recipients of the acuses: the certificate's address and the
 * registration's addresses (listed ones for the acuse de registro,
 * confirmed ones after), never the envelope sender alone.
 * Tokens and codes are never logged; log lines carry reason codes and the
 * folio, the RFC only through bz_log_personal.
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "buzon/config.h"
#include "buzon/log.h"
#include "buzon/outbox.h"
#include "buzon/receipt.h"
#include "buzon/registration.h"
#include "buzon/store.h"
#include "buzon/verify.h"
#include "buzon/xalloc.h"
#include "buzon/submission.h"

/* One registration step on its way through record(). */
struct reg_step {
	const struct bz_submission_input *in;
	const struct bz_verification *v;
	struct bz_submission_hook hook;
	struct bz_reg_request req;
	struct bz_consent consent;
	int64_t		 now;		/* TestClock honoured */
	char		**rcpts;	/* extra acuse recipients */
	size_t		 nrcpts;
	int		 replaced;
	size_t		 notices;
};

/* refuse - reject with the reasons found; log their codes */
static void
refuse(const struct bz_submission_input *in, const struct bz_reasons *r,
    struct bz_decision *out, const char *step)
{
	struct bz_buf codes = BZ_BUF_INIT;

	for (size_t i = 0; i < r->n; i++) {
		bz_decision_add_reason(out, r->items[i]->code);
		bz_buf_printf(&codes, "%s%s", i ? "," : "", r->items[i]->code);
	}
	bz_log(BZ_LOG_NOTICE, in->qid, "%s refused: reasons %s", step,
	    bz_buf_str(&codes));
	bz_buf_free(&codes);
}

/* tempfail - 451 with one reason */
static void
tempfail(const struct bz_submission_input *in, struct bz_decision *out, const char *code,
    const char *why)
{
	bz_log(BZ_LOG_ERR, in->qid, "deferred (%s): %s", code, why);
	bz_decision_add_reason(out, code);
}

/* add_rcpts - extra recipients for the acuse, once each */
static void
add_rcpts(struct bz_outmail *mail, const struct bz_receipt_render_ctx *rctx,
    char *const *rcpts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int dup = rctx->to != NULL && strcasecmp(rctx->to, rcpts[i]) == 0;

		for (size_t k = 0; !dup && k < mail->n_rcpts; k++)
			dup = strcasecmp(mail->rcpts[k], rcpts[i]) == 0;
		if (!dup)
			bz_outmail_add_rcpt(mail, rcpts[i]);
	}
}

/* notice - render one signed notice and queue it inside the transaction */
static int
notice(struct reg_step *s, struct bz_store *st, const char *to,
    const char *subject, const struct bz_buf *text)
{
	struct bz_reg_notice n;
	struct bz_buf msg = BZ_BUF_INIT;
	int rc;

	memset(&n, 0, sizeof(n));
	n.from = s->hook.rctx->mailbox;
	n.to = to;
	n.subject = subject;
	n.text = bz_buf_str(text);
	n.date = (int64_t)time(NULL);
	rc = bz_reg_notice_render(s->in->rt->signer, &n, &msg, &s->hook.rctx->err);
	if (rc == 0)
		rc = bz_registration_queue_locked(st, s->in->qid, NULL, to,
		    msg.data, msg.len, n.date);
	if (rc == 0)
		s->notices++;
	OPENSSL_cleanse(msg.data, msg.len);
	bz_buf_free(&msg);
	return rc;
}

/* render_registro - acuse de registro, the registration, its notices */
static int
render_registro(void *arg, const char *folio, const struct bz_submission *sub,
    struct bz_outmail *mail)
{
	struct reg_step *s = arg;
	const struct bz_signer *g = s->v->signer;
	struct bz_reg_new n;
	struct bz_buf text = BZ_BUF_INIT;
	int rc = -1, r;

	/* The acuse de registro quotes the consent text whole with its hash
	 * (an ACTUALIZACION's consent was given already). */
	if (strcmp(s->hook.event, BZ_RECEIPT_EVENT_REGISTRO) == 0)
		bz_reg_consent_acuse_text(&text, &s->consent);
	s->hook.rctx->text_appendix = text.len ? bz_buf_str(&text) : NULL;
	r = bz_receipt_store_render(s->hook.rctx, folio, sub, mail);
	s->hook.rctx->text_appendix = NULL;
	bz_buf_reset(&text);
	if (r != 0 || bz_registration_set_event_locked(mail->st, s->in->qid, folio,
	    s->hook.event) != 0) {
		bz_buf_free(&text);
		return -1;
	}
	add_rcpts(mail, s->hook.rctx, s->req.addresses, s->req.naddresses);
	/* An ACTUALIZACION is told to the addresses in force too. */
	add_rcpts(mail, s->hook.rctx, s->rcpts, s->nrcpts);
	memset(&n, 0, sizeof(n));
	n.rfc = g->rfc;
	n.rfc_representante = g->rfc_representante;
	n.folio = folio;
	n.signer_email = s->hook.rctx->to;
	n.req = &s->req;
	n.now = s->now;
	if (bz_registration_create_locked(mail->st, s->in->qid, &n) != 0) {
		bz_buf_puts(&s->hook.rctx->err, "the registration could not be written");
		goto out;
	}
	s->replaced = n.replaced;
	for (size_t i = 0; i < s->req.naddresses; i++) {
		bz_buf_reset(&text);
		bz_reg_notice_validation_text(&text, folio, s->req.addresses[i],
		    n.tokens[i], n.update_of != 0 ? NULL : &s->consent);
		if (notice(s, mail->st, s->req.addresses[i],
		    "Validacion de medio de contacto", &text) != 0)
			goto out;
	}
	/* Each address's 72 hours start when the MTA takes its notice. */
	if (bz_registration_link_notices_locked(mail->st, s->in->qid, n.id) != 0)
		goto out;
	bz_buf_reset(&text);
	bz_reg_sms_text(&text, n.code);
	if (bz_sms_queue_locked(mail->st, s->in->qid, n.id, s->req.mobile,
	    bz_buf_str(&text), (int64_t)time(NULL)) != 0)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(&n, sizeof(n));
	OPENSSL_cleanse(text.data, text.len);
	bz_buf_free(&text);
	return rc;
}

/* render_with_rcpts - the step's acuse, also to s->rcpts */
static int
render_with_rcpts(void *arg, const char *folio, const struct bz_submission *sub,
    struct bz_outmail *mail)
{
	struct reg_step *s = arg;

	if (bz_receipt_store_render(s->hook.rctx, folio, sub, mail) != 0 ||
	    (s->hook.event != NULL && bz_registration_set_event_locked(mail->st,
	    s->in->qid, folio, s->hook.event) != 0))
		return -1;
	add_rcpts(mail, s->hook.rctx, s->rcpts, s->nrcpts);
	return 0;
}

/* render_conformidad - enable the mailbox; the acuse to every confirmed
 * address */
static int
render_conformidad(void *arg, const char *folio, const struct bz_submission *sub,
    struct bz_outmail *mail)
{
	struct reg_step *s = arg;

	if (bz_registration_enable_locked(mail->st, s->in->qid, s->v->signer->rfc,
	    folio, s->req.consent_sha256, s->now, &s->rcpts, &s->nrcpts) != 0) {
		bz_buf_puts(&s->hook.rctx->err, "the consent could not be recorded");
		return -1;
	}
	return render_with_rcpts(arg, folio, sub, mail);
}

/* step_free - release a step */
static void
step_free(struct reg_step *s)
{
	for (size_t i = 0; i < s->nrcpts; i++)
		free(s->rcpts[i]);
	free(s->rcpts);
	bz_reg_request_free(&s->req);
	bz_consent_free(&s->consent);
}

/* with_store - a pooled connection, or a 451 */
static struct bz_store *
with_store(const struct bz_submission_input *in, struct bz_decision *out)
{
	struct bz_store *st = NULL;

	if (in->store == NULL || (st = bz_store_pool_get(in->store)) == NULL)
		tempfail(in, out, "BZ-STORE", "no database connection");
	return st;
}

/* file_step - bz_submission_record with the step's hook; headers on success */
static void
file_step(struct reg_step *s, int64_t arrival, struct bz_decision *out,
    const char *state)
{
	s->hook.arg = s;
	bz_submission_record(s->in, s->v, arrival, out, &s->hook);
	if (out->action == BZ_DECISION_ACCEPT) {
		bz_decision_add_header(out, "X-Buzon-Registration", state);
		if (s->in->outbox != NULL)
			bz_outbox_wake(s->in->outbox);
	}
}

/*
 * registro - REGISTRO or ACTUALIZACION: checks, then filed with its
 * registration. For an RFC whose mailbox is enabled both are an update:
 * the new contact means are validated the same way while the confirmed
 * ones stay in force (and hear of it: they get the acuse too).
 */
static void
registro(struct reg_step *s, int64_t arrival, struct bz_decision *out, int action)
{
	const struct bz_submission_input *in = s->in;
	struct bz_reasons r;
	struct bz_store *st;
	struct bz_buf err = BZ_BUF_INIT;
	int enabled, limited;

	bz_reasons_init(&r);
	if ((st = with_store(in, out)) == NULL)
		return;
	enabled = bz_registration_enabled(st, s->v->signer->rfc);
	if (enabled == 1 && bz_registration_confirmed_addresses(st, s->v->signer->rfc,
	    &s->rcpts, &s->nrcpts) != BZ_STORE_OK)
		enabled = -1;
	/* The bounds first: beyond them nothing is written or sent. Read
	 * outside the filing transaction, so concurrent steps of one RFC may
	 * pass it together: a few over, never unbounded. */
	limited = enabled < 0 ? 0 : bz_registration_rate_check(st,
	    s->v->signer->rfc, &s->req, s->now,
	    bz_config_num(in->rt->cfg, BZ_KEY_RegistrationMaxPerDay),
	    bz_config_num(in->rt->cfg, BZ_KEY_RegistrationMaxNoticesPerAddress), &r);
	bz_store_pool_put(in->store, st);
	if (enabled < 0 || limited < 0) {
		tempfail(in, out, "BZ-STORE", "the registration could not be read");
		bz_reasons_free(&r);
		return;
	}
	if (limited > 0) {
		refuse(in, &r, out, bz_registration_action_name(action));
		bz_reasons_free(&r);
		return;
	}
	if (!enabled && action == BZ_REG_ACTUALIZACION) {
		bz_reasons_add(&r, "BZ-REG-MAILBOX-NOT-ENABLED");
		refuse(in, &r, out, "ACTUALIZACION");
		bz_reasons_free(&r);
		return;
	}
	if (bz_consent_load(bz_config_str(in->rt->cfg, BZ_KEY_ConsentText), &s->consent,
	    &err) != 0) {
		tempfail(in, out, "BZ-UNCONFIGURED", bz_buf_str(&err));
		bz_buf_free(&err);
		return;
	}
	s->hook.event = enabled ? BZ_RECEIPT_EVENT_ACTUALIZACION :
	    BZ_RECEIPT_EVENT_REGISTRO;
	s->hook.render = render_registro;
	file_step(s, arrival, out, "pending");
	if (out->action == BZ_DECISION_ACCEPT)
		bz_log(BZ_LOG_NOTICE, in->qid, "%s %s: %zu validation "
		    "notice(s) and one SMS code queued%s", enabled ? "update of "
		    "the contact means" : "registration", s->hook.repeat ?
		    "repeat (nothing new)" : "pending", s->notices,
		    s->replaced ? ", the pending one replaced" : "");
}

/* confirm_code - CONFIRMACION with Codigo: signed by the registrant */
static void
confirm_code(struct reg_step *s, int64_t arrival, struct bz_decision *out)
{
	const struct bz_submission_input *in = s->in;
	struct bz_reg_result res;
	struct bz_reasons r;
	struct bz_store *st;
	enum bz_store_status rc;

	bz_reasons_init(&r);
	if ((st = with_store(in, out)) == NULL)
		return;
	rc = bz_registration_confirm_code(st, in->qid, s->v->signer->rfc, s->req.code,
	    s->now, &res, &r);
	bz_store_pool_put(in->store, st);
	if (rc == BZ_STORE_NOTFOUND)
		refuse(in, &r, out, "CONFIRMACION (mobile)");
	else if (rc != BZ_STORE_OK)
		tempfail(in, out, "BZ-STORE", "the confirmation could not be recorded");
	else {
		s->rcpts = res.rcpts;
		s->nrcpts = res.nrcpts;
		res.rcpts = NULL;
		res.nrcpts = 0;
		s->hook.event = BZ_RECEIPT_EVENT_CONFIRMACION;
		s->hook.render = render_with_rcpts;
		file_step(s, arrival, out, res.state);
		bz_reg_result_free(&res);
	}
	bz_reasons_free(&r);
}

/* conformidad - CONFORMIDAD: the published hash, a confirmed registration */
static void
conformidad(struct reg_step *s, int64_t arrival, struct bz_decision *out)
{
	const struct bz_submission_input *in = s->in;
	struct bz_reasons r;
	struct bz_store *st;
	struct bz_buf err = BZ_BUF_INIT;
	int rc;

	bz_reasons_init(&r);
	if (bz_consent_load(bz_config_str(in->rt->cfg, BZ_KEY_ConsentText), &s->consent,
	    &err) != 0) {
		tempfail(in, out, "BZ-UNCONFIGURED", bz_buf_str(&err));
		bz_buf_free(&err);
		return;
	}
	if ((st = with_store(in, out)) == NULL)
		return;
	rc = bz_registration_consent_check(st, s->v->signer->rfc,
	    s->req.consent_sha256, s->consent.sha256, s->now, &r);
	bz_store_pool_put(in->store, st);
	if (rc < 0)
		tempfail(in, out, "BZ-STORE", "the registration could not be read");
	else if (rc > 0)
		refuse(in, &r, out, "CONFORMIDAD");
	else {
		s->hook.event = BZ_RECEIPT_EVENT_CONFORMIDAD;
		s->hook.render = render_conformidad;
		file_step(s, arrival, out, "enabled");
		if (out->action == BZ_DECISION_ACCEPT)
			bz_log(BZ_LOG_NOTICE, in->qid, "mailbox enabled (consent "
			    "recorded)");
	}
	bz_reasons_free(&r);
}

/* bz_submission_registration - a verified registration step */
void
bz_submission_registration(const struct bz_submission_input *in,
    const struct bz_verification *v, int64_t arrival, int action, struct bz_decision *out)
{
	struct reg_step s;
	struct bz_reasons r;
	struct bz_buf text = BZ_BUF_INIT, err = BZ_BUF_INIT;

	memset(&s, 0, sizeof(s));
	bz_reasons_init(&r);
	s.in = in;
	s.v = v;
	s.now = arrival;
	bz_log(BZ_LOG_INFO, in->qid, "registration step %s",
	    bz_registration_action_name(action));
	if (v->signer->rfc == NULL) {
		bz_reasons_add(&r, "BZ-CERT-IDENTITY");
	} else if (bz_registration_signed_text(in->msg, in->len, v->entity_sha256,
	    &text, &err) != 0) {
		bz_log(BZ_LOG_INFO, in->qid, "registration data: %s", bz_buf_str(&err));
		bz_reasons_add(&r, "BZ-REG-NO-DATA");
	} else
		bz_registration_parse(action, text.data, text.len,
		    (const char *const *)in->rt->mailboxes, in->rt->nmailboxes, &s.req,
		    &r);
	OPENSSL_cleanse(text.data, text.len);
	bz_buf_free(&text);
	bz_buf_free(&err);
	if (r.n > 0)
		refuse(in, &r, out, bz_registration_action_name(action));
	else if (action == BZ_REG_REGISTRO || action == BZ_REG_ACTUALIZACION)
		registro(&s, arrival, out, action);
	else if (action == BZ_REG_CONFIRMACION)
		confirm_code(&s, arrival, out);
	else
		conformidad(&s, arrival, out);
	bz_reasons_free(&r);
	step_free(&s);
}

/* bz_submission_confirm_token - CONFIRMACION <token>, signed or not */
void
bz_submission_confirm_token(const struct bz_submission_input *in, const char *token,
    int64_t now, struct bz_decision *out)
{
	struct bz_reg_result res;
	struct bz_reasons r;
	struct bz_store *st;
	struct bz_reg_notice n;
	struct bz_buf text = BZ_BUF_INIT, msg = BZ_BUF_INIT, err = BZ_BUF_INIT;
	enum bz_store_status rc;
	char *mailbox;

	bz_reasons_init(&r);
	if ((st = with_store(in, out)) == NULL)
		return;
	rc = bz_registration_confirm_token(st, in->qid, token, now, &res, &r);
	if (rc == BZ_STORE_NOTFOUND)
		refuse(in, &r, out, "CONFIRMACION (token)");
	else if (rc != BZ_STORE_OK)
		tempfail(in, out, "BZ-STORE", "the confirmation could not be recorded");
	else {
		bz_decision_add_header(out, "X-Buzon-Status", "contact-confirmed");
		bz_decision_add_header(out, "X-Buzon-Registration", res.state);
		if (res.folio != NULL)
			bz_decision_add_header(out, "X-Buzon-Folio", res.folio);
		bz_log(BZ_LOG_NOTICE, in->qid, "contact address confirmed%s",
		    res.now_confirmed ? "; every contact means confirmed" : "");
		bz_log_personal(in->qid, "confirmed %s for RFC %s", res.address, res.rfc);
		/* The notice is best effort: the confirmation is committed. */
		bz_buf_printf(&text, "Instituto Mexicano del Seguro Social - Buzon IMSS\n\n"
		    "La direccion %s quedo confirmada como medio de contacto del\n"
		    "registro %s.\n%s", res.address, res.folio ? res.folio : "-",
		    res.now_confirmed == 2 ? "\nLos nuevos medios de contacto estan "
		    "en vigor.\n" : res.now_confirmed ? "\nLos medios de contacto "
		    "estan confirmados: envie ahora la CONFORMIDAD firmada con la "
		    "e.firma.\n" : "");
		mailbox = in->rt->nmailboxes ? in->rt->mailboxes[0] : NULL;
		memset(&n, 0, sizeof(n));
		n.from = mailbox;
		n.to = res.address;
		n.subject = "Medio de contacto confirmado";
		n.text = bz_buf_str(&text);
		n.date = (int64_t)time(NULL);
		if (in->rt->signer == NULL || bz_reg_notice_render(in->rt->signer, &n,
		    &msg, &err) != 0 || bz_store_outbox_enqueue(st, NULL, "aviso",
		    res.address, msg.data, msg.len, n.date) != BZ_STORE_OK)
			bz_log(BZ_LOG_WARNING, in->qid, "confirmation notice not queued: %s",
			    err.len ? bz_buf_str(&err) : "no institution signer or store");
		else if (in->outbox != NULL)
			bz_outbox_wake(in->outbox);
		bz_reg_result_free(&res);
	}
	bz_store_pool_put(in->store, st);
	bz_reasons_free(&r);
	bz_buf_free(&text);
	bz_buf_free(&msg);
	bz_buf_free(&err);
}

/*
 * bz_submission_promocion - RequireEnabledMailbox, then file the promocion; its
 * acuse goes also to the confirmed addresses of the RFC's enabled
 * registration (issue 9: "every acuse for an RFC goes to its confirmed
 * addresses and the certificate's address")
 */
void
bz_submission_promocion(const struct bz_submission_input *in,
    const struct bz_verification *v, int64_t arrival, struct bz_decision *out)
{
	struct reg_step s;
	struct bz_store *st;
	int enabled = 0;

	memset(&s, 0, sizeof(s));
	s.in = in;
	s.v = v;
	s.now = arrival;
	if ((st = with_store(in, out)) == NULL)
		return;
	if (v->signer->rfc != NULL &&
	    (enabled = bz_registration_enabled(st, v->signer->rfc)) == 1 &&
	    bz_registration_confirmed_addresses(st, v->signer->rfc, &s.rcpts,
	    &s.nrcpts) != BZ_STORE_OK)
		enabled = -1;
	bz_store_pool_put(in->store, st);
	if (enabled < 0) {
		tempfail(in, out, "BZ-STORE", "the registration could not be read");
	} else if (enabled == 0 && bz_config_bool(in->rt->cfg, BZ_KEY_RequireEnabledMailbox)) {
		bz_decision_add_reason(out, "BZ-REG-MAILBOX-NOT-ENABLED");
		bz_log(BZ_LOG_NOTICE, in->qid, "rejected: reasons "
		    "BZ-REG-MAILBOX-NOT-ENABLED (RequireEnabledMailbox)");
	} else if (s.nrcpts == 0) {
		bz_submission_record(in, v, arrival, out, NULL);
	} else {
		s.hook.event = NULL;	/* a promocion */
		s.hook.render = render_with_rcpts;
		s.hook.arg = &s;
		bz_submission_record(in, v, arrival, out, &s.hook);
	}
	step_free(&s);
}
