/*
 * consulta - CONSULTA <folio> by mail (issue 11, guideline II)
 *
 * The employer (the filing's RFC, its representative signing with the
 * company's e.firma) asks by a signed message with Subject "CONSULTA
 * <folio>" for the acuse of one of its filings again. The folio is read
 * from the signed text ("Folio: <folio>"): a Subject is not signed, so a
 * folio there that the signed text does not repeat is refused. Within
 * three calendar months of the filing (bz_calendar_available_until) the
 * kept acuse, the exact stored bytes, is queued to the certificate's
 * address and the RFC's confirmed addresses; the consultation is filed
 * like a registration step (its own folio, event "consulta", acuse).
 * A folio of another RFC gets exactly the reply of an unknown folio.
 * One folio is re-sent at most once per RepeatResendInterval and at most
 * BZ_CONSULTA_MAX_PER_DAY times a day (an employer cannot be flooded).
 *
 * "CONSULTA NT-YYYY-NNNNNNNN" asks for a notification (issue 10): signed by
 * the notified employer (or its recorded representative, as for APERTURA),
 * it re-sends the kept mail of its acuse de notificacion or constancia
 * (which carries the department's signed message, the documents) to the
 * certificate's and the employer's confirmed addresses, within three
 * calendar months of the legal notification instant. Not opened nor
 * deemed yet: BZ-CONSULTA-NOT-NOTIFIED (CONSULTA never opens one);
 * opened or deemed but its acuse not issued yet: 451 BZ-CONSULTA-PENDING.
 */
#ifndef BUZON_CONSULTA_H
#define BUZON_CONSULTA_H

#include <stddef.h>
#include <stdint.h>

#include "buzon/buf.h"
#include "buzon/store.h"

#define BZ_RECEIPT_EVENT_CONSULTA	"consulta"
#define BZ_CONSULTA_OUTBOX_KIND		"consulta"
#define BZ_CONSULTA_MAX_PER_DAY		5
#define BZ_CONSULTA_FOLIO_MAX		64

/*
 * 1 when the decoded Subject's first word is CONSULTA (any case), with
 * *folio (xmalloc'ed, may be NULL) the second word; 0 otherwise.
 */
int	bz_consulta_subject(const char *subject, char **folio);
/*
 * The folio of the "Folio:" line of a signed text (LF or CRLF), in the
 * folio alphabet (A-Z, 0-9, '-', at most BZ_CONSULTA_FOLIO_MAX): xmalloc'ed,
 * or NULL when there is none, more than one, or it is malformed.
 */
char	*bz_consulta_signed_folio(const char *text, size_t len);

/*
 * Consultations of folio since since_utc that re-sent its acuse (*count)
 * and the last one's instant (*last, 0 when none): the "consulta" events.
 */
enum bz_store_status bz_store_consulta_recent(struct bz_store *st,
	    const char *folio, int64_t since_utc, int64_t *count, int64_t *last);
/* One re-sent acuse into the outbox inside the held transaction; 0 or -1. */
int	bz_store_consulta_queue_locked(struct bz_store *st, const char *qid,
	    const char *folio, const char *rcpt, const void *msg, size_t len,
	    int64_t now);
/* The "consulta" event of the chain, under the consulted folio, detail
 * {"by": folio of the consultation, "sent": copies queued}. */
int	bz_store_consulta_event_locked(struct bz_store *st, const char *qid,
	    int64_t now, const char *folio, const char *consulted, size_t sent);
/*
 * The kept mail of a notification's acuse de notificacion or constancia:
 * the first outbox row of kind (BZ_NOTIF_OUTBOX_ACUSE / _CONSTANCIA) of its
 * department's filing submission_folio, appended to out (the exact bytes
 * queued when it was issued; later re-sends carry a note and are not it).
 * BZ_STORE_NOTFOUND while none is kept (not issued or not signed yet).
 */
enum bz_store_status bz_store_consulta_notification_kept(struct bz_store *st,
	    const char *submission_folio, const char *kind, struct bz_buf *out);

#endif
