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

/*
 * The bytes go in rows of at most this much (spool_messages.idx 0, 1, ...):
 * libpq builds each statement whole in its send buffer, and returns each
 * bytea value whole as hex text before it is unescaped, so one row of a
 * 50 MiB message would cost the daemon 64 MiB to write and 150 MiB to
 * read; in 1 MiB rows it costs 2-3 MiB either way.
 */
#define MESSAGE_CHUNK	((size_t)1 << 20)

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

/* store_message_put - the bytes under their digest in MESSAGE_CHUNK rows,
 * unless the digest is there (content-addressed: the same bytes) */
int
store_message_put(struct bz_db *db, const char *sha, const unsigned char *p,
    size_t n, int64_t now)
{
	struct bz_db_stmt *s;
	size_t off = 0, len;
	int64_t idx, have = -1;
	int rc;

	if ((s = bz_db_prepare(db, "SELECT count(*) FROM spool_messages WHERE "
	    "sha256 = ? AND idx = 0")) == NULL)
		return -1;
	bz_db_bind_text(s, 1, sha);
	if (bz_db_step(s) == BZ_DB_ROW)
		have = bz_db_column_int64(s, 0);
	bz_db_finalize(s);
	if (have != 0)
		return have > 0 ? 0 : -1;
	/* An empty message is one empty row, so that it is found. */
	for (idx = 0; idx == 0 || off < n; idx++, off += len) {
		len = n - off < MESSAGE_CHUNK ? n - off : MESSAGE_CHUNK;
		if ((s = bz_db_prepare(db, "INSERT INTO spool_messages (sha256, idx, "
		    "bytes, created_utc) VALUES (?, ?, ?, ?)")) == NULL)
			return -1;
		bz_db_bind_text(s, 1, sha);
		bz_db_bind_int64(s, 2, idx);
		/* bound, not copied: bytea in binary, no escaping */
		bz_db_bind_blob(s, 3, p + off, len);
		bz_db_bind_int64(s, 4, now);
		rc = bz_db_step(s);
		bz_db_finalize(s);
		if (rc != BZ_DB_DONE)
			return -1;
	}
	return 1;
}

/* store_message_put_locked - the bytes a "db:" name promises, inside the
 * record's transaction: 0, or -1 (logged; the caller rolls back) */
int
store_message_put_locked(struct bz_store *st, const struct bz_submission *in,
    int64_t now)
{
	const char *sha = store_message_sha(in->spool_path);

	if (sha == NULL)
		return 0;	/* a file written before the transaction, or none */
	if (in->message == NULL)
		bz_panic("store: %s named without its bytes", in->spool_path);
	/* Under the writers' lock: no other host adds this digest between
	 * the look and the insert. A repeat's copy or a concurrent filing
	 * of the same bytes finds them there. */
	if (store_message_put(st->db, sha, in->message, in->message_len, now) < 0) {
		store_log_error(st, in->qid, "store message bytes");
		return -1;
	}
	return 0;
}

/* chunk - row idx of the digest appended to out: 0, 1 when the row is
 * gone, -1 (logged) */
static int
chunk(struct bz_store *st, const char *sha, int64_t idx, struct bz_buf *out)
{
	struct bz_db_stmt *s;
	int rc;

	if ((s = store_prepare(st, NULL, "SELECT bytes FROM spool_messages "
	    "WHERE sha256 = ? AND idx = ?")) == NULL)
		return -1;
	store_bind_text(s, 1, sha);
	bz_db_bind_int64(s, 2, idx);
	if ((rc = bz_db_step(s)) == BZ_DB_ROW)
		bz_buf_append(out, bz_db_column_blob(s, 0), bz_db_column_bytes(s, 0));
	else if (rc == BZ_DB_ERROR)
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
	int64_t len = -1, rows = 0, idx;
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
	/* The rows never change (content-addressed), so reading them in
	 * separate statements reads one value. */
	if ((s = store_prepare(st, NULL, "SELECT count(*), sum(length(bytes)) "
	    "FROM spool_messages WHERE sha256 = ?")) == NULL)
		return BZ_STORE_TEMPFAIL;
	store_bind_text(s, 1, sha);
	if ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		rows = bz_db_column_int64(s, 0);
		len = bz_db_column_int64(s, 1);
	} else
		store_log_error(st, NULL, "read message length");
	bz_db_finalize(s);
	if (rc != BZ_DB_ROW)
		return BZ_STORE_TEMPFAIL;
	if (rows == 0 || len < 0 || (uint64_t)len > max)
		return BZ_STORE_NOTFOUND;
	bz_buf_reserve(out, (size_t)len);
	for (idx = 0; idx < rows; idx++)
		if ((rc = chunk(st, sha, idx, out)) != 0) {
			out->len = start;
			return rc > 0 ? BZ_STORE_NOTFOUND : BZ_STORE_TEMPFAIL;
		}
	if (out->len - start != (size_t)len) {
		bz_log(BZ_LOG_ERR, NULL, "spool_messages %s: %zu bytes read, %" PRId64
		    " expected", sha, out->len - start, len);
		out->len = start;
		return BZ_STORE_TEMPFAIL;
	}
	return BZ_STORE_OK;
}
