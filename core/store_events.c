/*
 * store_events - the append-only, hash-chained event log
 *
 * Each row: id, at_utc, kind, folio, detail, prev_hash, hash with
 *   hash = hex SHA-256( prev_hash || canonical(row) )
 *   canonical(row) = "id=" ID "\nat=" AT "\nkind=" LEN ":" KIND
 *                    "\nfolio=" (LEN ":" FOLIO | "-") "\ndetail=" LEN ":" DETAIL
 * (decimal numbers, lengths in bytes, so no two rows share a canonical
 * form). The first row's prev_hash is 64 zeros. Rows are numbered
 * 1, 2, 3, ... without gaps, inside the writer's transaction, so a deleted
 * or re-numbered row breaks the chain at the row after it. Changing the
 * last rows and recomputing their hashes is detectable only against an
 * earlier published head hash: `buzonctl store verify-chain` prints it.
 */
#include "build-aux/config.h"

#include <inttypes.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/digest.h"
#include "buzon/log.h"
#include "buzon/store.h"
#include "store_int.h"

static const char genesis[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* event_hash - hash of one row given its fields */
static void
event_hash(const char *prev, int64_t id, int64_t at, const char *kind,
    const char *folio, const char *detail, char out[65])
{
	struct bz_buf b = BZ_BUF_INIT;

	bz_buf_puts(&b, prev);
	bz_buf_printf(&b, "id=%" PRId64 "\nat=%" PRId64 "\nkind=%zu:%s\nfolio=",
	    id, at, strlen(kind), kind);
	if (folio != NULL)
		bz_buf_printf(&b, "%zu:%s", strlen(folio), folio);
	else
		bz_buf_putc(&b, '-');
	bz_buf_printf(&b, "\ndetail=%zu:%s", strlen(detail), detail);
	bz_sha256_hex(b.data, b.len, out);
	bz_buf_free(&b);
}

/* store_event_append_locked - append one row; the caller holds BEGIN IMMEDIATE */
int
store_event_append_locked(struct bz_store *st, const char *qid, int64_t at_utc,
    const char *kind, const char *folio, const char *detail)
{
	struct bz_db_stmt *s;
	char prev[65], hash[65];
	int64_t id = 1;
	int rc;

	memcpy(prev, genesis, sizeof(prev));
	if ((s = store_prepare(st, qid,
	    "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1")) == NULL)
		return -1;
	rc = bz_db_step(s);
	if (rc == BZ_DB_ROW) {
		const char *h = bz_db_column_text(s, 1);

		id = bz_db_column_int64(s, 0) + 1;
		if (h == NULL || strlen((const char *)h) != 64) {
			/* Keep chaining from what is there; verify-chain reports it. */
			memset(prev, 'x', 64);
			prev[64] = '\0';
		} else
			memcpy(prev, h, sizeof(prev));
	} else if (rc != BZ_DB_DONE) {
		store_log_error(st, qid, "read event chain head");
		bz_db_finalize(s);
		return -1;
	}
	bz_db_finalize(s);

	event_hash(prev, id, at_utc, kind, folio, detail, hash);
	if ((s = store_prepare(st, qid, "INSERT INTO events (id, at_utc, kind, folio, "
	    "detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)")) == NULL)
		return -1;
	bz_db_bind_int64(s, 1, id);
	bz_db_bind_int64(s, 2, at_utc);
	store_bind_text(s, 3, kind);
	store_bind_text(s, 4, folio);
	store_bind_text(s, 5, detail);
	store_bind_text(s, 6, prev);
	store_bind_text(s, 7, hash);
	return store_step_done(st, s, qid, "append event");
}

/* bz_store_event_append - append one event in its own transaction */
enum bz_store_status
bz_store_event_append(struct bz_store *st, int64_t at_utc, const char *kind,
    const char *folio, const char *detail)
{
	if (kind == NULL || detail == NULL)
		bz_panic("bz_store_event_append: kind and detail required");
	if (store_begin(st, NULL) < 0)
		return BZ_STORE_TEMPFAIL;
	if (store_event_append_locked(st, NULL, at_utc, kind, folio, detail) < 0) {
		store_rollback(st);
		return BZ_STORE_TEMPFAIL;
	}
	return store_commit(st, NULL) < 0 ? BZ_STORE_TEMPFAIL : BZ_STORE_OK;
}

/* bz_store_verify_chain - walk every row in id order; name the first broken one */
enum bz_store_status
bz_store_verify_chain(struct bz_store *st, struct bz_chain_result *res)
{
	struct bz_db_stmt *s;
	char prev[65], hash[65];
	int64_t expect_id = 1;
	int rc;

	memset(res, 0, sizeof(*res));
	memcpy(prev, genesis, sizeof(prev));
	if ((s = store_prepare(st, NULL, "SELECT id, at_utc, kind, folio, detail, "
	    "prev_hash, hash FROM events ORDER BY id")) == NULL)
		return BZ_STORE_TEMPFAIL;
	while ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		int64_t id = bz_db_column_int64(s, 0);
		const char *kind = bz_db_column_text(s, 2);
		const char *folio = bz_db_column_text(s, 3);
		const char *detail = bz_db_column_text(s, 4);
		const char *rprev = bz_db_column_text(s, 5);
		const char *rhash = bz_db_column_text(s, 6);

		res->rows++;
		if (id != expect_id)
			res->why = "row numbering has a gap (a row was deleted or renumbered)";
		else if (kind == NULL || detail == NULL || rprev == NULL || rhash == NULL)
			res->why = "a field is NULL";
		else if (strcmp(rprev, prev) != 0)
			res->why = "prev_hash does not match the previous row's hash";
		else {
			event_hash(prev, id, bz_db_column_int64(s, 1), kind, folio,
			    detail, hash);
			if (strcmp(hash, rhash) != 0)
				res->why = "hash does not match the row's content";
		}
		if (res->why != NULL) {
			res->broken_id = id;
			break;
		}
		memcpy(prev, rhash, sizeof(prev));
		expect_id++;
	}
	bz_db_finalize(s);
	if (res->why == NULL && rc != BZ_DB_DONE) {
		store_log_error(st, NULL, "read events");
		return BZ_STORE_TEMPFAIL;
	}
	if (res->why == NULL && res->rows > 0)
		memcpy(res->head, prev, sizeof(res->head));
	return BZ_STORE_OK;
}
