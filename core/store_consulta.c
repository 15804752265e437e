/*
 * store_consulta - the store side of CONSULTA (include/buzon/consulta.h)
 *
 * A re-sent acuse is an outbox row of kind "consulta" naming the consulted
 * folio. The consultation itself is a filing (its own folio and acuse);
 * its "consulta" event, under the consulted folio, names the consultation
 * ({"by": folio, "sent": n}) and is what bounds how often one folio is
 * re-sent. A notification's re-sent acuse names, in the outbox, its
 * department's filing (outbox.folio refers to submissions); its event
 * names the NT- folio.
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/consulta.h"
#include "buzon/json.h"
#include "buzon/store.h"
#include "store_int.h"

/* bz_store_consulta_recent - consultations of folio that re-sent something
 * since since_utc */
enum bz_store_status
bz_store_consulta_recent(struct bz_store *st, const char *folio,
    int64_t since_utc, int64_t *count, int64_t *last)
{
	struct bz_db_stmt *s;
	int rc;

	*count = 0;
	*last = 0;
	/* One "consulta" event per consultation, under the consulted folio
	 * (events_folio index): two in the same second count as two. */
	if ((s = store_prepare(st, NULL, "SELECT count(*), coalesce(max(at_utc), 0) "
	    "FROM events WHERE folio = ?1 AND kind = 'consulta' AND at_utc >= ?2 "
	    "AND detail NOT LIKE '%\"sent\": 0}'")) == NULL)
		return BZ_STORE_TEMPFAIL;
	store_bind_text(s, 1, folio);
	bz_db_bind_int64(s, 2, since_utc);
	if ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		*count = bz_db_column_int64(s, 0);
		*last = bz_db_column_int64(s, 1);
	}
	bz_db_finalize(s);
	return rc == BZ_DB_ROW ? BZ_STORE_OK : BZ_STORE_TEMPFAIL;
}

/* bz_store_consulta_queue_locked - one re-sent acuse into the outbox */
int
bz_store_consulta_queue_locked(struct bz_store *st, const char *qid,
    const char *folio, const char *rcpt, const void *msg, size_t len, int64_t now)
{
	return store_outbox_enqueue_locked(st, qid, folio, BZ_CONSULTA_OUTBOX_KIND,
	    rcpt, msg, len, now);
}

/* bz_store_consulta_event_locked - the consultation in the chain */
int
bz_store_consulta_event_locked(struct bz_store *st, const char *qid, int64_t now,
    const char *folio, const char *consulted, size_t sent)
{
	struct bz_buf detail = BZ_BUF_INIT;
	struct bz_json j;
	int rc;

	bz_json_init(&j, &detail);
	bz_json_object(&j, NULL);
	bz_json_str(&j, "by", folio);
	bz_json_int(&j, "sent", (int64_t)sent);
	bz_json_end(&j);
	rc = store_event_append_locked(st, qid, now, "consulta", consulted,
	    bz_buf_str(&detail));
	bz_buf_free(&detail);
	return rc;
}

/* bz_store_consulta_notification_kept - the acuse de notificacion or
 * constancia as first queued */
enum bz_store_status
bz_store_consulta_notification_kept(struct bz_store *st, const char *submission_folio,
    const char *kind, struct bz_buf *out)
{
	struct bz_db_stmt *s;
	int rc;

	/* The issuing transaction queued one copy per address, the same
	 * bytes; a repeat (APERTURA again) is a new rendering with a note,
	 * and comes later: the lowest id is the acuse as issued. */
	if ((s = store_prepare(st, NULL, "SELECT message FROM outbox WHERE folio = ?1 "
	    "AND kind = ?2 ORDER BY id LIMIT 1")) == NULL)
		return BZ_STORE_TEMPFAIL;
	store_bind_text(s, 1, submission_folio);
	store_bind_text(s, 2, kind);
	if ((rc = bz_db_step(s)) == BZ_DB_ROW)
		bz_buf_append(out, bz_db_column_blob(s, 0),
		    (size_t)bz_db_column_bytes(s, 0));
	bz_db_finalize(s);
	if (rc == BZ_DB_ROW)
		return BZ_STORE_OK;
	return rc == BZ_DB_DONE ? BZ_STORE_NOTFOUND : BZ_STORE_TEMPFAIL;
}
