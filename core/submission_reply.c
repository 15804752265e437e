/*
 * submission_reply - a promocion that answers a notification
 *		      (issue 10 part B; include/buzon/apertura.h)
 *
 * "Las promociones que atienden una notificación llegan a la unidad que
 * notificó sin reenvío manual." A verified promocion whose In-Reply-To or
 * References names an aviso's Message-ID, or whose Subject contains an
 * NT- folio, is filed as usual (bz_submission_promocion) with the
 * notification's folio in its record and acuse (field folioNotificacion),
 * and the message is also delivered to the notification's department
 * (Responder-a: when the department gave one): the milter adds that
 * envelope recipient. Those headers are unsigned, so a candidate counts
 * only for a notification the signer may act on
 * (bz_notification_answered): a reference to another employer's
 * notification routes nothing and the promocion is filed as a plain one.
 * At most BZ_APERTURA_MAX_MSGIDS + BZ_APERTURA_MAX_FOLIOS lookups.
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>

#include "buzon/address.h"
#include "buzon/apertura.h"
#include "buzon/log.h"
#include "buzon/notification.h"
#include "buzon/store.h"
#include "buzon/submission.h"
#include "buzon/verify.h"

/* bz_submission_reply - a promocion, routed to a notification's department
 * when it answers one of the signer's */
void
bz_submission_reply(const struct bz_submission_input *in,
    const struct bz_verification *v, int64_t arrival, struct bz_decision *out)
{
	struct bz_submission_input routed;
	struct bz_apertura_refs refs;
	struct bz_notification n;
	struct bz_store *st;
	enum bz_store_status rc = BZ_STORE_NOTFOUND;
	const char *dept;

	bz_apertura_refs_scan(in->msg, in->len, &refs);
	if ((refs.nmsgids == 0 && refs.nfolios == 0) || v->signer->rfc == NULL) {
		bz_apertura_refs_free(&refs);
		bz_submission_promocion(in, v, arrival, out);
		return;
	}
	memset(&n, 0, sizeof(n));
	if (in->store == NULL || (st = bz_store_pool_get(in->store)) == NULL)
		rc = BZ_STORE_TEMPFAIL;
	else {
		rc = bz_notification_answered(st, &refs, v->signer->rfc, &n);
		bz_store_pool_put(in->store, st);
	}
	bz_apertura_refs_free(&refs);
	if (rc == BZ_STORE_TEMPFAIL) {
		bz_log(BZ_LOG_ERR, in->qid, "deferred (BZ-STORE): the notifications "
		    "a reply names could not be read");
		bz_decision_add_reason(out, "BZ-STORE");
		return;
	}
	if (rc == BZ_STORE_NOTFOUND) {
		bz_submission_promocion(in, v, arrival, out);
		return;
	}
	dept = n.reply_to != NULL ? n.reply_to : n.department_address;
	routed = *in;
	routed.notification_folio = n.folio;
	bz_submission_promocion(&routed, v, arrival, out);
	if (out->action == BZ_DECISION_ACCEPT && dept != NULL && bz_address_plain(dept)) {
		bz_decision_add_header(out, "X-Buzon-Notification", n.folio);
		bz_decision_add_rcpt(out, dept);
		bz_log(BZ_LOG_NOTICE, in->qid, "promocion answers notification %s: "
		    "delivered also to its department", n.folio);
	}
	bz_notification_free(&n);
}
