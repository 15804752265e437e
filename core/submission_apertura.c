/*
 * submission_apertura - APERTURA <folio> in the end-of-message pipeline
 *			 (issue 10 part B; include/buzon/apertura.h)
 *
 * bz_submission_decide() hands over a verified message to the mailbox
 * whose Subject's first word is APERTURA (so unsigned, CSD, untrusted...
 * are refused before, exactly as a promocion). In this order:
 *   the Subject names a notification folio NT-YYYY-NNNNNNNN, and the
 *     signed text names no other one only (the Subject is not signed: an
 *     opening replayed under another Subject must not open another
 *     notification)                              BZ-APERTURA-NO-FOLIO
 *   the notification exists, its aviso has been queued, and it is the
 *     signer's: the certificate's RFC is the employer's, or the RFC of
 *     the representative recorded at registration (another RFC, or an
 *     aviso still held, gets exactly the answer of an unknown folio:
 *     nothing is disclosed)                      BZ-APERTURA-UNKNOWN-FOLIO
 *   already opened or deemed made: its acuse de notificacion (or
 *     constancia) is queued again, built from the row, so its instant
 *     does not change; the opening itself is refused   BZ-APERTURA-REPEAT
 *     (within RepeatResendInterval of the last re-send nothing is queued,
 *     and the reply says so)                       BZ-APERTURA-NOT-RESENT
 *     (also once the fourth working day's 09:30 has come: the deemed
 *     step runs first and the constancia is what is re-sent)
 * then the opening is filed through bz_submission_record (own BZ- folio,
 * acuse with event "apertura" to the certificate's address) and, inside
 * the same transaction, the notification is claimed, its instants set,
 * its event appended (sealing the cadena of its acuse de notificacion)
 * and that acuse marked due. The acuse itself (two RSA operations and a
 * PDF) is rendered, signed and queued to the employer's confirmed
 * addresses and the department by the notification worker
 * (core/notification_due.c), off this end-of-message path.
 *
 * A repeat stays synchronous (bz_notification_resend, in its own
 * transaction, before the reply): deferring it would need a second mark
 * per re-send (each is a new mail with the note and its own Date) and a
 * reply that cannot say whether anything was re-sent; repeats are rare
 * and bounded by RepeatResendInterval. A repeat that finds the first
 * acuse still due issues that one instead (without the note).
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buzon/apertura.h"
#include "buzon/calendar.h"
#include "buzon/config.h"
#include "buzon/log.h"
#include "buzon/notification.h"
#include "buzon/outbox.h"
#include "buzon/receipt.h"
#include "buzon/registration.h"
#include "buzon/store.h"
#include "buzon/submission.h"
#include "buzon/verify.h"
#include "buzon/xalloc.h"

#define BZ_RECEIPT_EVENT_APERTURA	"apertura"

/* The coded note the re-sent acuse carries (signed with the mail). */
#define REPEAT_NOTE "\nAviso (BZ-APERTURA-REPEAT): esta notificacion ya se habia " \
	"abierto o tenido por notificada; se reenvia su acuse y el instante de la " \
	"notificacion no cambia.\n"

struct apertura {
	const struct bz_submission_input *in;
	struct bz_submission_hook hook;
	const char	*folio;		/* the notification's */
	int64_t		 arrival;
	size_t		 resent;	/* addresses a repeat re-sent to */
	struct bz_notif_acuse_opts opts;
	int		 lost;		/* claimed meanwhile by another run */
};

/* refuse - reject with one code, logged */
static void
refuse(const struct bz_submission_input *in, struct bz_decision *out, const char *code,
    const char *why)
{
	bz_decision_add_reason(out, code);
	bz_log(BZ_LOG_NOTICE, in->qid, "APERTURA refused: reasons %s (%s)", code, why);
}

/* tempfail - 451 with one reason */
static void
tempfail(const struct bz_submission_input *in, struct bz_decision *out, const char *why)
{
	bz_log(BZ_LOG_ERR, in->qid, "deferred (BZ-STORE): %s", why);
	bz_decision_add_reason(out, "BZ-STORE");
}

/* render_apertura - the opening's own acuse, then the notification opened */
static int
render_apertura(void *arg, const char *folio, const struct bz_submission *sub,
    struct bz_outmail *mail)
{
	struct apertura *a = arg;
	struct bz_receipt_render_ctx *rctx = a->hook.rctx;
	int r;

	if (bz_receipt_store_render(rctx, folio, sub, mail) != 0 ||
	    bz_registration_set_event_locked(mail->st, a->in->qid, folio,
	    BZ_RECEIPT_EVENT_APERTURA) != 0)
		return -1;
	r = bz_notification_open_locked(mail->st, a->in->qid, a->folio,
	    a->in->rt->calendar, a->arrival, folio, &a->opts, &rctx->err);
	if (r < 0)
		return -1;
	a->lost = r == 0;
	return 0;
}

/*
 * check - the folio's state for this signer: NULL go on and open it, a
 * refusing code, "" a store failure; *repeat when it is already opened or
 * deemed (the caller re-sends)
 */
static const char *
check(struct apertura *a, const struct bz_verification *v, struct bz_store *st,
    int *repeat)
{
	struct bz_notification n;
	enum bz_store_status rc;
	const char *code = NULL;
	size_t deemed;
	int own;

	*repeat = 0;
	rc = bz_notification_get(st, a->folio, &n);
	if (rc == BZ_STORE_NOTFOUND)
		return "BZ-APERTURA-UNKNOWN-FOLIO";
	if (rc != BZ_STORE_OK)
		return "";
	if ((own = bz_notification_owner(st, &n, v->signer->rfc)) < 0)
		code = "";
	else if (own == 0 || n.aviso_queued_utc == 0)
		/* Another RFC's notification, or one the employer was not told
		 * of yet, is to this signer no notification at all. */
		code = "BZ-APERTURA-UNKNOWN-FOLIO";
	else if (strcmp(n.state, "sent") == 0 && a->arrival >= n.deemed_due_utc) {
		/* Deemed made already, whether or not the step ran. */
		if (bz_notification_deem(st, &a->opts, a->arrival, &deemed) != BZ_STORE_OK)
			code = "";
		else
			*repeat = 1;
	} else if (strcmp(n.state, "sent") != 0)
		*repeat = 1;
	bz_notification_free(&n);
	return code;
}

/* resend - the kept acuse again (a repeat); 0, or -1 store failure */
static int
resend(struct apertura *a, struct bz_store *st)
{
	const struct bz_submission_input *in = a->in;
	size_t queued;

	a->opts.appendix = REPEAT_NOTE;
	if (bz_notification_resend(st, in->qid, a->folio, &a->opts,
	    (int64_t)time(NULL), bz_config_num(in->rt->cfg, BZ_KEY_RepeatResendInterval),
	    &queued) != BZ_STORE_OK)
		return -1;
	a->resent = queued;
	if (queued == 0) {
		/* bz_notification_resend logged the interval */
		bz_log(BZ_LOG_NOTICE, in->qid, "APERTURA of %s again: acuse not "
		    "re-sent this time, instant unchanged", a->folio);
		return 0;
	}
	if (in->outbox != NULL)
		bz_outbox_wake(in->outbox);
	bz_log(BZ_LOG_NOTICE, in->qid, "APERTURA of %s again: acuse re-sent to %zu "
	    "address(es), instant unchanged", a->folio, queued);
	return 0;
}

/* bz_submission_apertura - a verified APERTURA; folio may be NULL */
void
bz_submission_apertura(const struct bz_submission_input *in,
    const struct bz_verification *v, int64_t arrival, const char *folio,
    struct bz_decision *out)
{
	struct apertura a;
	struct bz_buf text = BZ_BUF_INIT, err = BZ_BUF_INIT;
	struct bz_store *st;
	const char *code;
	int repeat = 0, failed = 0;

	memset(&a, 0, sizeof(a));
	a.in = in;
	a.folio = folio;
	a.arrival = arrival;
	a.opts.signer = in->rt->signer;
	a.opts.tz = bz_calendar_zone(in->rt->calendar);
	a.opts.from = in->rt->nmailboxes ? in->rt->mailboxes[0] : NULL;
	a.opts.now = (int64_t)time(NULL);
	if (v->signer->rfc == NULL) {
		refuse(in, out, "BZ-CERT-IDENTITY", "no RFC in the certificate");
		return;
	}
	if (folio == NULL) {
		refuse(in, out, "BZ-APERTURA-NO-FOLIO", "no NT- folio in the Subject");
		return;
	}
	if (bz_registration_signed_text(in->msg, in->len, v->entity_sha256, &text,
	    &err) == 0 && bz_apertura_text_names(text.data, text.len, folio) < 0) {
		bz_buf_free(&text);
		bz_buf_free(&err);
		refuse(in, out, "BZ-APERTURA-NO-FOLIO", "the signed text names another "
		    "notification than the Subject");
		return;
	}
	bz_buf_free(&text);
	bz_buf_free(&err);
	if (in->rt->signer == NULL || a.opts.from == NULL) {
		bz_log(BZ_LOG_ERR, in->qid, "deferred (BZ-UNCONFIGURED): %s",
		    in->rt->signer_missing ? in->rt->signer_missing : "no mailbox");
		bz_decision_add_reason(out, "BZ-UNCONFIGURED");
		return;
	}
	if (in->store == NULL || (st = bz_store_pool_get(in->store)) == NULL) {
		tempfail(in, out, "no database connection");
		return;
	}
	code = check(&a, v, st, &repeat);
	if (code == NULL && repeat)
		failed = resend(&a, st) != 0;
	bz_store_pool_put(in->store, st);
	if ((code != NULL && *code == '\0') || failed)
		tempfail(in, out, "the notification could not be read or its acuse re-sent");
	else if (code != NULL)
		refuse(in, out, code, "not a notification of the signer's");
	else if (repeat && a.resent > 0)
		refuse(in, out, "BZ-APERTURA-REPEAT", "already opened or deemed made");
	else if (repeat)
		refuse(in, out, "BZ-APERTURA-NOT-RESENT", "already opened or deemed "
		    "made, its acuse re-sent less than RepeatResendInterval ago");
	else {
		a.hook.event = BZ_RECEIPT_EVENT_APERTURA;
		a.hook.render = render_apertura;
		a.hook.arg = &a;
		bz_submission_record(in, v, arrival, out, &a.hook);
		if (out->action != BZ_DECISION_ACCEPT)
			return;
		bz_decision_add_header(out, "X-Buzon-Notification", folio);
		if (a.lost || a.hook.repeat) {
			/* Opened meanwhile by another message: this one is
			 * filed, the acuse goes out again. */
			if ((st = bz_store_pool_get(in->store)) != NULL) {
				(void)resend(&a, st);
				bz_store_pool_put(in->store, st);
			}
			return;
		}
		if (in->outbox != NULL)
			bz_outbox_wake(in->outbox);
		bz_log(BZ_LOG_NOTICE, in->qid, "APERTURA of %s: opened, acuse de "
		    "notificacion due (the notification worker issues it)", folio);
	}
}
