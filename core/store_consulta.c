/*
 * store_consulta - the store side of CONSULTA (include/buzon/consulta.h)
 *
 * A re-sent acuse is an outbox row of kind "consulta" naming the consulted
 * folio; those rows are also what bounds how often one folio is re-sent.
 * The consultation itself is a filing (its own folio and acuse) and its
 * "consulta" event ties the two folios in the hash chain.
 */
#include "build-aux/config.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/consulta.h"
#include "buzon/json.h"
#include "buzon/store.h"
#include "store_int.h"

/* bz_store_consulta_recent - how many re-sends of folio since since_utc */
enum bz_store_status
bz_store_consulta_recent(struct bz_store *st, const char *folio,
    int64_t since_utc, int64_t *count, int64_t *last)
{
	sqlite3_stmt *s;
	int rc;

	*count = 0;
	*last = 0;
	if ((s = store_prepare(st, NULL, "SELECT count(*), coalesce(max(created_utc), 0) "
	    "FROM (SELECT DISTINCT created_utc FROM outbox WHERE folio = ?1 "
	    "AND kind = '" BZ_CONSULTA_OUTBOX_KIND "' AND created_utc >= ?2)")) == NULL)
		return BZ_STORE_TEMPFAIL;
	store_bind_text(s, 1, folio);
	sqlite3_bind_int64(s, 2, since_utc);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*count = sqlite3_column_int64(s, 0);
		*last = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? BZ_STORE_OK : BZ_STORE_TEMPFAIL;
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
	bz_json_str(&j, "consulted", consulted);
	bz_json_int(&j, "sent", (int64_t)sent);
	bz_json_end(&j);
	rc = store_event_append_locked(st, qid, now, "consulta", folio,
	    bz_buf_str(&detail));
	bz_buf_free(&detail);
	return rc;
}
