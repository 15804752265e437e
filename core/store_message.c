/*
 * store_message - the bytes of a filed message: a SpoolDirectory file or
 *		   a spool_messages row (issue 15)
 *
 * With SQLite (one host) a received message is kept as a content-addressed
 * file (core/cas.c) written and fsync'd before the transaction that
 * records it, and submissions.spool_path is the file's name. With
 * PostgreSQL (several MX hosts sharing one store) a local file would be
 * on one host only, so the bytes go into spool_messages (schema 11) in
 * the record's own transaction, before the submissions row, and the name
 * is "db:<sha256 hex>" (BZ_STORE_MESSAGE_DB): the durability order holds
 * as the commit makes the bytes and the record durable together, and the
 * 250 follows the commit.
 *
 * Reading: "db:<hex>" is the row of that digest; any other name on a
 * PostgreSQL store is a filing migrated from SQLite (buzonctl store
 * migrate), whose path is kept as recorded because the envelope digest
 * its event sealed covers it: its bytes are the row of the filing's
 * message_sha256 (the same digest the file was named by). On SQLite the
 * name is a file, read as is.
 *
 * Failure: -1 / BZ_STORE_TEMPFAIL logged; NOTFOUND when no copy exists.
 */
#include "build-aux/config.h"

#include <inttypes.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/db.h"
#include "buzon/log.h"
#include "store_int.h"

/* Bytes read per statement (see slice). */
#define MESSAGE_SLICE	((int64_t)4 << 20)

/* store_message_sha - the digest a "db:" name stands for, else NULL */
static const char *
store_message_sha(const char *spool_path)
{
	size_t n = strlen(BZ_STORE_MESSAGE_DB);

	if (spool_path == NULL || strncmp(spool_path, BZ_STORE_MESSAGE_DB, n) != 0)
		return NULL;
	return spool_path + n;
}

/* bz_store_keeps_messages - 1 when this store holds message bytes itself */
int
bz_store_keeps_messages(struct bz_store *st)
{
	return bz_db_kind(st->db) == BZ_DB_PG;
}

/* store_message_put_locked - the bytes a "db:" name promises, inside the
 * record's transaction: 0, or -1 (logged; the caller rolls back) */
int
store_message_put_locked(struct bz_store *st, const struct bz_submission *in,
    int64_t now)
{
	const char *sha = store_message_sha(in->spool_path);
	struct bz_db_stmt *s;

	if (sha == NULL)
		return 0;	/* a file written before the transaction, or none */
	if (in->message == NULL)
		bz_panic("store: %s named without its bytes", in->spool_path);
	/* Content-addressed: the row of this digest already holds these
	 * bytes (a repeat's copy, a concurrent filing), keep it. The bytes
	 * are bound, not copied: bytea in binary, no escaping. */
	if ((s = store_prepare(st, in->qid, "INSERT INTO spool_messages (sha256, "
	    "bytes, created_utc) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING")) == NULL)
		return -1;
	store_bind_text(s, 1, sha);
	bz_db_bind_blob(s, 2, in->message, in->message_len);
	bz_db_bind_int64(s, 3, now);
	return store_step_done(st, s, in->qid, "store message bytes");
}

/*
 * slice - bytes [off, off + n) of the row's value appended to out: 0, 1
 * when the row is gone, -1 (logged). In slices because a whole bytea
 * comes back from libpq as hex text, then unescaped: three times the
 * message in memory besides out; a slice at a time keeps it to out.
 */
static int
slice(struct bz_store *st, const char *sha, int64_t off, int64_t n,
    struct bz_buf *out)
{
	struct bz_db_stmt *s;
	int rc;

	/* substr counts from 1, on bytea and on SQLite's blobs alike */
	if ((s = store_prepare(st, NULL, "SELECT substr(bytes, CAST(? AS INTEGER), "
	    "CAST(? AS INTEGER)) FROM spool_messages WHERE sha256 = ?")) == NULL)
		return -1;
	bz_db_bind_int64(s, 1, off + 1);
	bz_db_bind_int64(s, 2, n);
	store_bind_text(s, 3, sha);
	rc = bz_db_step(s);
	if (rc == BZ_DB_ROW && bz_db_column_bytes(s, 0) == (size_t)n)
		bz_buf_append(out, bz_db_column_blob(s, 0), (size_t)n);
	else if (rc == BZ_DB_ROW) {
		bz_log(BZ_LOG_ERR, NULL, "spool_messages %s: %zu bytes at %" PRId64
		    ", want %" PRId64, sha, bz_db_column_bytes(s, 0), off, n);
		rc = BZ_DB_ERROR;
	} else if (rc == BZ_DB_ERROR)
		store_log_error(st, NULL, "read message bytes");
	bz_db_finalize(s);
	return rc == BZ_DB_ROW ? 0 : rc == BZ_DB_DONE ? 1 : -1;
}

/* bz_store_message_get - the bytes of a filing (see above), at most max */
enum bz_store_status
bz_store_message_get(struct bz_store *st, const struct bz_submission *sub,
    size_t max, struct bz_buf *out)
{
	const char *sha = store_message_sha(sub->spool_path);
	struct bz_db_stmt *s;
	int64_t len = -1, off;
	size_t start = out->len;
	int rc;

	if (sub->spool_path == NULL)
		return BZ_STORE_NOTFOUND;
	if (sha == NULL && !bz_store_keeps_messages(st))
		return bz_buf_read_file(out, sub->spool_path, max) == 0 ?
		    BZ_STORE_OK : BZ_STORE_NOTFOUND;
	if (sha == NULL)
		sha = sub->message_sha256;	/* migrated: see above */
	if (sha == NULL)
		return BZ_STORE_NOTFOUND;
	/* The row never changes (content-addressed), so its slices read in
	 * separate statements are one value. */
	if ((s = store_prepare(st, NULL,
	    "SELECT length(bytes) FROM spool_messages WHERE sha256 = ?")) == NULL)
		return BZ_STORE_TEMPFAIL;
	store_bind_text(s, 1, sha);
	if ((rc = bz_db_step(s)) == BZ_DB_ROW)
		len = bz_db_column_int64(s, 0);
	else if (rc == BZ_DB_ERROR)
		store_log_error(st, NULL, "read message length");
	bz_db_finalize(s);
	if (rc == BZ_DB_ERROR)
		return BZ_STORE_TEMPFAIL;
	if (rc == BZ_DB_DONE || len < 0 || (uint64_t)len > max)
		return BZ_STORE_NOTFOUND;
	bz_buf_reserve(out, (size_t)len);
	for (off = 0; off < len; off += MESSAGE_SLICE) {
		rc = slice(st, sha, off, len - off < MESSAGE_SLICE ? len - off :
		    MESSAGE_SLICE, out);
		if (rc != 0) {
			out->len = start;
			return rc > 0 ? BZ_STORE_NOTFOUND : BZ_STORE_TEMPFAIL;
		}
	}
	return BZ_STORE_OK;
}
