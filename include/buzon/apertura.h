/*
 * apertura - an employer's side of a notification (issue 10, part B):
 *	      opening it (APERTURA), the deemed notification, and replies
 *	      that answer it
 *
 * Reading (core/apertura.c, pure, no store):
 *   - the Subject "APERTURA <folio>" of an opening; the folio is a
 *     notification folio NT-YYYY-NNNNNNNN, anything else is no folio;
 *   - the references of a reply: Message-IDs of In-Reply-To and
 *     References, and notification folios in the Subject. These headers
 *     are not signed: they only propose candidates, each of which is
 *     looked up and used only when the notification belongs to the
 *     signer's RFC. The number of candidates is bounded
 *     (BZ_APERTURA_MAX_MSGIDS, BZ_APERTURA_MAX_FOLIOS) whatever the
 *     headers hold, so a hostile message costs a bounded number of
 *     lookups.
 *
 * Failure: parsing never fails; malformed input yields no candidate.
 */
#ifndef BUZON_APERTURA_H
#define BUZON_APERTURA_H

#include <stddef.h>
#include <stdint.h>

#define BZ_APERTURA_FOLIO_LEN	16	/* NT-YYYY-NNNNNNNN */
#define BZ_APERTURA_MAX_MSGIDS	16	/* Message-IDs looked at per reply */
#define BZ_APERTURA_MAX_FOLIOS	4	/* NT- folios of a Subject looked at */
#define BZ_APERTURA_MSGID_MAX	250	/* longer is no Message-ID of ours */

/* Event of the acuse de notificacion and of the constancia (the rule id
 * tells them apart: notification.* or window.fourth-working-day). */
#define BZ_RECEIPT_EVENT_NOTIFICACION	"notificacion"
#define BZ_RECEIPT_EVENT_CONSTANCIA	"constancia"

/* 1 when s (n bytes) is a notification folio NT-YYYY-NNNNNNNN. */
int	bz_apertura_folio_ok(const char *s, size_t n);
/*
 * 1 when the decoded Subject's first word is APERTURA (any case; a ':'
 * may follow it), with *folio (xmalloc'ed, upper case) the second word
 * when it is a notification folio, else NULL; 0 otherwise (*folio NULL).
 */
int	bz_apertura_subject(const char *subject, char **folio);

/* Candidates for "this message answers notification X". */
struct bz_apertura_refs {
	char	*msgids[BZ_APERTURA_MAX_MSGIDS];	/* "<id>", brackets kept */
	size_t	 nmsgids;
	char	*folios[BZ_APERTURA_MAX_FOLIOS];	/* NT-YYYY-NNNNNNNN */
	size_t	 nfolios;
};

/*
 * The candidates of a message (wire form): In-Reply-To's Message-IDs,
 * then References' (the first and the last ones when there are more
 * than fit: the thread's root, the aviso, is first; its latest parents
 * last), duplicates dropped; then the folios NT-YYYY-NNNNNNNN written in
 * the decoded Subject. refs is filled from scratch.
 */
void	bz_apertura_refs_scan(const unsigned char *msg, size_t len,
	    struct bz_apertura_refs *refs);
void	bz_apertura_refs_free(struct bz_apertura_refs *refs);

#endif
