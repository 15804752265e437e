/*
 * notification_reply - which notification a message of an employer is
 *			about (issue 10 part B; include/buzon/apertura.h)
 *
 * Who may act on a notification: the employer's RFC, or the
 * representative recorded at its registration (a persona moral's legal
 * representative signing with their own e.firma). A reply's candidates
 * (bz_apertura_refs_scan) come from unsigned headers, so a candidate
 * counts only when the notification exists, its aviso was queued (the
 * employer was told of it) and the signer may act on it: a reference to
 * another employer's notification is ignored as if it named nothing.
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buzon/apertura.h"
#include "buzon/notification.h"
#include "buzon/registration.h"
#include "buzon/store.h"
#include "buzon/store_sql.h"
#include "buzon/utf8.h"

/* bz_notification_owner - may rfc act on n? 1 yes, 0 no, -1 database error */
int
bz_notification_owner(struct bz_store *st, const struct bz_notification *n,
    const char *rfc)
{
	struct bz_registration reg;
	enum bz_store_status rc;
	int ok;

	if (rfc == NULL || n->rfc == NULL)
		return 0;
	if (strcasecmp(n->rfc, rfc) == 0)
		return 1;
	memset(&reg, 0, sizeof(reg));
	if ((rc = bz_registration_get(st, n->rfc, &reg)) == BZ_STORE_NOTFOUND)
		return 0;
	if (rc != BZ_STORE_OK)
		return -1;
	ok = reg.rfc_representante != NULL &&
	    strcasecmp(reg.rfc_representante, rfc) == 0;
	bz_registration_free(&reg);
	return ok;
}

/* folio_by_msgid - the NT folio whose aviso has this Message-ID */
static enum bz_store_status
folio_by_msgid(struct bz_store *st, const char *msgid, char **folio)
{
	struct bz_db_stmt *s;
	int rc;

	*folio = NULL;
	/* Our avisos' Message-IDs are ASCII; a reference that is not even
	 * UTF-8 names none of them (and a PostgreSQL store would refuse it
	 * as a text parameter). */
	if (!bz_utf8_valid((const unsigned char *)msgid, strlen(msgid)))
		return BZ_STORE_NOTFOUND;
	if ((s = store_prepare(st, NULL, "SELECT folio FROM notifications "
	    "WHERE aviso_message_id = ?")) == NULL)
		return BZ_STORE_TEMPFAIL;
	store_bind_text(s, 1, msgid);
	if ((rc = bz_db_step(s)) == BZ_DB_ROW)
		*folio = store_column_dup(s, 0);
	bz_db_finalize(s);
	if (rc == BZ_DB_ROW)
		return BZ_STORE_OK;
	return rc == BZ_DB_DONE ? BZ_STORE_NOTFOUND : BZ_STORE_TEMPFAIL;
}

/* try_folio - n filled when folio is a told notification rfc may act on */
static enum bz_store_status
try_folio(struct bz_store *st, const char *folio, const char *rfc,
    struct bz_notification *n)
{
	enum bz_store_status rc;
	int own;

	if ((rc = bz_notification_get(st, folio, n)) != BZ_STORE_OK)
		return rc;
	if ((own = bz_notification_owner(st, n, rfc)) == 1 && n->aviso_queued_utc != 0)
		return BZ_STORE_OK;
	bz_notification_free(n);
	return own < 0 ? BZ_STORE_TEMPFAIL : BZ_STORE_NOTFOUND;
}

/* bz_notification_answered - the first candidate the signer may act on */
enum bz_store_status
bz_notification_answered(struct bz_store *st, const struct bz_apertura_refs *refs,
    const char *rfc, struct bz_notification *n)
{
	enum bz_store_status rc;
	char *folio;

	for (size_t i = 0; i < refs->nmsgids; i++) {
		if ((rc = folio_by_msgid(st, refs->msgids[i], &folio)) == BZ_STORE_TEMPFAIL)
			return rc;
		if (rc == BZ_STORE_NOTFOUND)
			continue;
		rc = try_folio(st, folio, rfc, n);
		free(folio);
		if (rc != BZ_STORE_NOTFOUND)
			return rc;
	}
	for (size_t i = 0; i < refs->nfolios; i++)
		if ((rc = try_folio(st, refs->folios[i], rfc, n)) != BZ_STORE_NOTFOUND)
			return rc;
	return BZ_STORE_NOTFOUND;
}
