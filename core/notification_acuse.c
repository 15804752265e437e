/*
 * notification_acuse - the acuse de notificacion and the constancia of a
 *			notification (issue 10 part B; include/buzon/apertura.h)
 *
 * Both are acuses of the ordinary form (cadena, sello, XML, text), built
 * from the notification's row and the record of the department's signed
 * message (its BZ- filing): folio the NT- folio; event "notificacion"
 * (opened) or "constancia" (deemed); emisor and validation those of the
 * official who signed the act; the documents those of that message;
 * llegada the opening instant (or, for a constancia, the aviso's release,
 * the instant the opening days count from); recepcion legal the legal notification instant and its rule
 * (notification.* or window.fourth-working-day); rfcNotificado the
 * employer. Everything comes from stored rows, and an RSA PKCS#1 v1.5
 * sello is deterministic, so the acuse rendered again for a second
 * opening is the same acuse with the same sello (only the S/MIME wrapper
 * is new). The mail carries the notified message as received, so the
 * employer holds the documents with the department's own signature.
 *
 * Signed off the end-of-message path, like the constancia, but not by
 * the ordinary deferred signing of issue 12 (acuse_pending,
 * core/receipt_pending.c, core/store_pending.c), which does not fit:
 *  - acuse_pending is keyed by a submission folio (PRIMARY KEY REFERENCES
 *    submissions), and the opening's own BZ- filing already holds that row
 *    for its ordinary "apertura" acuse in the same transaction; this acuse
 *    is a second one of that commit, keyed by the NT folio.
 *  - the signer rebuilds the record with bz_receipt_from_submission(),
 *    checks it against the digests the folio's "submission" event sealed,
 *    keeps it in submissions.acuse and queues outbox kind "acuse"; this
 *    acuse is rebuilt from the notifications row plus the department's
 *    filing (bz_notification_acuse_record), its cadena is sealed by the
 *    "notification-opened" event (cadena_sha256), it is queued as
 *    BZ_NOTIF_OUTBOX_ACUSE under the department's submission_folio and
 *    kept nowhere else.
 * Instead the opening's transaction (core/notification_open.c) writes
 * what fixes the acuse (the row, the event sealing the cadena computed
 * by bz_notification_acuse_cadena without signing) and the mark
 * notifications.acuse_due; the notification worker thread and `buzonctl
 * notification tick` render, sign and queue it through
 * bz_notification_acuse_queue_locked in one transaction that clears the
 * mark (core/notification_due.c), as they do the constancia
 * (core/notification_deemed.c). A repeat (bz_notification_resend)
 * renders a new mail (REPEAT_NOTE appendix, new Date) and is still
 * signed before its reply (core/submission_apertura.c says why).
 *
 * Failure: -1 with one line in err (unreadable record or spool copy,
 * signing error), the caller's transaction rolled back by the caller.
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buzon/apertura.h"
#include "buzon/calendar.h"
#include "buzon/digest.h"
#include "buzon/instant.h"
#include "buzon/notification.h"
#include "buzon/receipt.h"
#include "buzon/registration.h"
#include "buzon/store.h"
#include "buzon/store_sql.h"
#include "buzon/tz.h"
#include "buzon/xalloc.h"

#define SPOOL_MAX	((size_t)256 << 20)	/* a notified message, read back */

/* set_instant - UTC and Mexico City renderings of one instant */
static void
set_instant(char **utc_field, char **local_field, int64_t utc, const struct bz_tz *tz)
{
	char buf[BZ_INSTANT_UTC_LEN];
	struct bz_local_time lt;

	bz_instant_format_utc(utc, buf);
	bz_receipt_set(utc_field, buf);
	bz_tz_to_local(tz, utc, &lt);
	bz_instant_format_offset(utc, lt.utc_offset, buf);
	bz_receipt_set(local_field, buf);
}

/* bz_notification_acuse_record - the canonical record of n's acuse (opened)
 * or constancia (deemed), from its department's filing sub */
void
bz_notification_acuse_record(struct bz_receipt *r, const struct bz_notification *n,
    const struct bz_submission *sub, const struct bz_tz *tz)
{
	int deemed = strcmp(n->state, "deemed") == 0;

	bz_receipt_from_submission(r, n->folio, sub, tz, deemed ?
	    BZ_RECEIPT_EVENT_CONSTANCIA : BZ_RECEIPT_EVENT_NOTIFICACION);
	/* A constancia's "llegada" is the aviso's release from the hold
	 * (aviso_queued_utc; the planned one for a row released before
	 * that was recorded): the row's opening days and deemed date count
	 * from its date (core/notification_aviso.c recounts them when it
	 * comes after the planned date), so the acuse alone recomputes the
	 * deemed instant (buzonctl receipt verify). The hand-off to the MTA
	 * (aviso_released_utc) follows within seconds, but an outbox retry
	 * may put it on a later date the days were not counted from. */
	set_instant(&r->arrival_utc, &r->arrival_local, !deemed ? n->opened_utc :
	    n->aviso_queued_utc != 0 ? n->aviso_queued_utc : n->aviso_planned_utc, tz);
	set_instant(&r->legal_utc, &r->legal_local, n->legal_utc, tz);
	bz_receipt_set(&r->legal_rule, n->rule);
	bz_receipt_set(&r->calendar_version, n->calendar_version);
	bz_receipt_set(&r->addressee_rfc, n->rfc);
}

/* bz_notification_acuse_cadena - SHA-256 of the cadena of n's acuse, no
 * signing (the opening's event seals it; core/notification_due.c signs):
 * the record and the signer's certificate number, as bz_receipt_seal */
int
bz_notification_acuse_cadena(struct bz_store *st, const struct bz_notification *n,
    const struct bz_notif_acuse_opts *o, char cadena_sha256[65], struct bz_buf *err)
{
	struct bz_submission sub;
	struct bz_receipt r;
	struct bz_buf cadena = BZ_BUF_INIT;

	if (o->signer == NULL) {
		bz_buf_puts(err, "no institution signer for the acuse de notificacion");
		return -1;
	}
	memset(&sub, 0, sizeof(sub));
	if (bz_store_submission_get(st, n->submission_folio, &sub) != BZ_STORE_OK) {
		bz_buf_printf(err, "the department's filing %s could not be read",
		    n->submission_folio);
		return -1;
	}
	bz_receipt_init(&r);
	bz_notification_acuse_record(&r, n, &sub, o->tz);
	bz_receipt_set(&r.institution_no_certificado,
	    bz_receipt_signer_no_certificado(o->signer));
	bz_receipt_cadena(&r, &cadena);
	bz_sha256_hex(cadena.data, cadena.len, cadena_sha256);
	bz_receipt_free(&r);
	bz_submission_free(&sub);
	bz_buf_free(&cadena);
	return 0;
}

/* bz_notification_acuse_render - the signed mail of n's acuse or constancia */
int
bz_notification_acuse_render(struct bz_store *st, const struct bz_notification *n,
    const struct bz_notif_acuse_opts *o, struct bz_buf *out,
    char cadena_sha256[65], struct bz_buf *err)
{
	struct bz_submission sub;
	struct bz_receipt r;
	struct bz_receipt_mail m;
	struct bz_buf doc = BZ_BUF_INIT, cadena = BZ_BUF_INIT;
	enum bz_store_status rc;
	int ret = -1;

	if (o->signer == NULL) {
		bz_buf_puts(err, "no institution signer for the acuse de notificacion");
		return -1;
	}
	memset(&sub, 0, sizeof(sub));
	if ((rc = bz_store_submission_get(st, n->submission_folio, &sub)) != BZ_STORE_OK) {
		bz_buf_printf(err, "the department's filing %s could not be read",
		    n->submission_folio);
		return -1;
	}
	/* A file in SpoolDirectory, or spool_messages on a shared store. */
	if (bz_store_message_get(st, &sub, SPOOL_MAX, &doc) != BZ_STORE_OK) {
		bz_buf_printf(err, "the notified message of %s could not be read from "
		    "the spool", n->folio);
		bz_submission_free(&sub);
		return -1;
	}
	bz_receipt_init(&r);
	bz_notification_acuse_record(&r, n, &sub, o->tz);
	memset(&m, 0, sizeof(m));
	m.from = o->from;
	m.to = NULL;		/* several recipients: undisclosed */
	m.in_reply_to = n->aviso_message_id;	/* a reply to it is routed back */
	m.date = o->now;
	m.text_appendix = o->appendix;
	m.attachment = doc.data;
	m.attachment_len = doc.len;
	if (bz_receipt_render(o->signer, &r, &m, out, NULL, err) == 0) {
		bz_receipt_cadena(&r, &cadena);
		bz_sha256_hex(cadena.data, cadena.len, cadena_sha256);
		ret = 0;
	}
	bz_receipt_free(&r);
	bz_submission_free(&sub);
	bz_buf_free(&doc);
	bz_buf_free(&cadena);
	return ret;
}

/* bz_notification_acuse_queue_locked - render it once, queue it to the
 * employer's confirmed addresses and the department */
int
bz_notification_acuse_queue_locked(struct bz_store *st, const char *qid,
    const struct bz_notification *n, const struct bz_notif_acuse_opts *o,
    int64_t now, size_t *queued, char cadena_sha256[65], struct bz_buf *err)
{
	struct bz_buf mail = BZ_BUF_INIT;
	char **rcpts = NULL;
	size_t nrcpts = 0;
	const char *kind = strcmp(n->state, "deemed") == 0 ?
	    BZ_NOTIF_OUTBOX_CONSTANCIA : BZ_NOTIF_OUTBOX_ACUSE;
	int rc = -1;

	*queued = 0;
	if (bz_notification_acuse_render(st, n, o, &mail, cadena_sha256, err) != 0)
		return -1;
	if (bz_registration_confirmed_addresses(st, n->rfc, &rcpts, &nrcpts) !=
	    BZ_STORE_OK) {
		bz_buf_puts(err, "the employer's confirmed addresses could not be read");
		goto out;
	}
	/* The department's copy last, once, even when it is also one of the
	 * employer's addresses. The outbox row names the department's
	 * filing: outbox.folio refers to submissions. */
	rcpts = xrealloc(rcpts, (nrcpts + 1) * sizeof(*rcpts));
	rcpts[nrcpts++] = xstrdup(n->department_address);
	for (size_t i = 0; i < nrcpts; i++) {
		int dup = 0;

		for (size_t k = 0; k < i; k++)
			dup |= strcasecmp(rcpts[k], rcpts[i]) == 0;
		if (dup)
			continue;
		if (store_outbox_enqueue_locked(st, qid, n->submission_folio, kind,
		    rcpts[i], mail.data, mail.len, now) != 0) {
			bz_buf_puts(err, "the acuse de notificacion could not be queued");
			goto out;
		}
		(*queued)++;
	}
	rc = 0;
out:
	for (size_t i = 0; i < nrcpts; i++)
		free(rcpts[i]);
	free(rcpts);
	bz_buf_free(&mail);
	return rc;
}
