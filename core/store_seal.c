/*
 * store_seal - what keeps a filing's row honest: the repeat lookup made
 *		before spooling, the digests its "submission" event sealed,
 *		and the acuse kept exactly as sent
 *
 * The event log is hash-chained and append-only; the submissions row is
 * not. bz_store_sealed_digests() reads back what the event sealed, so a
 * caller that recomputes the cadena original from the row (buzonctl store
 * verify-chain) can say which folio's row no longer matches. The event
 * detail is our own JSON with fixed key spelling and 64-hex values, so a
 * plain key search is exact.
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/store.h"
#include "buzon/xalloc.h"
#include "store_int.h"

/* bz_store_find_repeat - folio of an earlier filing of this entity by this cert */
enum bz_store_status
bz_store_find_repeat(struct bz_store *st, const char *signed_sha256,
    const char *cert_sha256, char folio[BZ_FOLIO_LEN])
{
	struct bz_db_stmt *s;
	int rc;

	if ((s = store_prepare(st, NULL, "SELECT folio FROM submissions "
	    "WHERE signed_sha256 = ? AND signer_cert_sha256 = ?")) == NULL)
		return BZ_STORE_TEMPFAIL;
	store_bind_text(s, 1, signed_sha256);
	store_bind_text(s, 2, cert_sha256);
	rc = bz_db_step(s);
	if (rc == BZ_DB_ROW)
		snprintf(folio, BZ_FOLIO_LEN, "%s", bz_db_column_text(s, 0));
	else if (rc != BZ_DB_DONE)
		store_log_error(st, NULL, "repeat lookup");
	bz_db_finalize(s);
	return rc == BZ_DB_ROW ? BZ_STORE_OK : rc == BZ_DB_DONE ? BZ_STORE_NOTFOUND :
	    BZ_STORE_TEMPFAIL;
}

/* json_hex - the 64-hex value of "key": "..." in detail, "" when absent */
static void
json_hex(const char *detail, const char *key, char out[65])
{
	char pat[64];
	const char *p;
	size_t n = 0;

	out[0] = '\0';
	snprintf(pat, sizeof(pat), "\"%s\": \"", key);
	if (detail == NULL || (p = strstr(detail, pat)) == NULL)
		return;
	p += strlen(pat);
	while (n < 64 && ((p[n] >= '0' && p[n] <= '9') || (p[n] >= 'a' && p[n] <= 'f')))
		n++;
	if (n == 64 && p[n] == '"') {
		memcpy(out, p, 64);
		out[64] = '\0';
	}
}

/* sealed_later - key of the folio's first event of this kind ("" none);
 * OK even when there is none */
static enum bz_store_status
sealed_later(struct bz_store *st, const char *folio, const char *kind,
    const char *key, char out[65])
{
	struct bz_db_stmt *s;
	int rc;

	out[0] = '\0';
	if ((s = store_prepare(st, NULL, "SELECT detail FROM events WHERE folio = ? "
	    "AND kind = ? ORDER BY id LIMIT 1")) == NULL)
		return BZ_STORE_TEMPFAIL;
	store_bind_text(s, 1, folio);
	store_bind_text(s, 2, kind);
	if ((rc = bz_db_step(s)) == BZ_DB_ROW)
		json_hex(bz_db_column_text(s, 0), key, out);
	else if (rc != BZ_DB_DONE)
		store_log_error(st, NULL, "read acuse event");
	bz_db_finalize(s);
	return rc == BZ_DB_ROW || rc == BZ_DB_DONE ? BZ_STORE_OK : BZ_STORE_TEMPFAIL;
}

/* bz_store_sealed_digests - the digests of the folio's submission event */
enum bz_store_status
bz_store_sealed_digests(struct bz_store *st, const char *folio, char cadena[65],
    char envelope[65], char acuse[65])
{
	struct bz_db_stmt *s;
	int rc;

	cadena[0] = envelope[0] = acuse[0] = '\0';
	if ((s = store_prepare(st, NULL, "SELECT detail FROM events WHERE folio = ? "
	    "AND kind = 'submission' ORDER BY id LIMIT 1")) == NULL)
		return BZ_STORE_TEMPFAIL;
	store_bind_text(s, 1, folio);
	rc = bz_db_step(s);
	if (rc == BZ_DB_ROW) {
		const char *detail = bz_db_column_text(s, 0);

		json_hex(detail, "cadena_sha256", cadena);
		json_hex(detail, "envelope_sha256", envelope);
		json_hex(detail, "acuse_sha256", acuse);
	} else if (rc != BZ_DB_DONE)
		store_log_error(st, NULL, "read submission event");
	bz_db_finalize(s);
	if (rc == BZ_DB_ROW && acuse[0] == '\0')
		return sealed_later(st, folio, "acuse-signed", "acuse_sha256", acuse);
	return rc == BZ_DB_ROW ? BZ_STORE_OK : rc == BZ_DB_DONE ? BZ_STORE_NOTFOUND :
	    BZ_STORE_TEMPFAIL;
}

/* bz_store_sealed_pending - the pending row's digest the filing sealed */
enum bz_store_status
bz_store_sealed_pending(struct bz_store *st, const char *folio, char pending[65])
{
	return sealed_later(st, folio, "submission", "acuse_pending_sha256", pending);
}

/* bz_store_acuse_get - the kept acuse (or the first one queued) and its recipients */
enum bz_store_status
bz_store_acuse_get(struct bz_store *st, const char *folio, struct bz_buf *acuse,
    char ***rcpts, size_t *n_rcpts)
{
	struct bz_db_stmt *s;
	char **v = NULL;
	size_t n = 0;
	int rc;

	*rcpts = NULL;
	*n_rcpts = 0;
	if ((s = store_prepare(st, NULL, "SELECT acuse FROM submissions "
	    "WHERE folio = ? AND acuse IS NOT NULL")) == NULL)
		return BZ_STORE_TEMPFAIL;
	store_bind_text(s, 1, folio);
	if ((rc = bz_db_step(s)) == BZ_DB_ROW)
		bz_buf_append(acuse, bz_db_column_blob(s, 0),
		    (size_t)bz_db_column_bytes(s, 0));
	bz_db_finalize(s);
	if (rc != BZ_DB_ROW && rc != BZ_DB_DONE)
		goto fail;

	/* The rows queued in the filing's own transaction: who it went to
	 * (and, before schema 4, the only copy of the bytes). */
	if ((s = store_prepare(st, NULL, "SELECT o.recipient, o.message FROM outbox o "
	    "JOIN submissions s ON s.folio = o.folio WHERE o.folio = ? AND "
	    "o.kind = 'acuse' AND o.repeat_of IS NULL AND o.created_utc = "
	    "s.created_utc ORDER BY o.id")) == NULL)
		return BZ_STORE_TEMPFAIL;
	store_bind_text(s, 1, folio);
	while ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		if (acuse->len == 0)
			bz_buf_append(acuse, bz_db_column_blob(s, 1),
			    (size_t)bz_db_column_bytes(s, 1));
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = store_column_dup(s, 0);
	}
	bz_db_finalize(s);
	if (rc != BZ_DB_DONE)
		goto fail;
	*rcpts = v;
	*n_rcpts = n;
	return acuse->len > 0 && n > 0 ? BZ_STORE_OK : BZ_STORE_NOTFOUND;
fail:
	store_log_error(st, NULL, "read acuse");
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return BZ_STORE_TEMPFAIL;
}

/* text_column - the text values of a one-column query, NULLs skipped */
static enum bz_store_status
text_column(struct bz_store *st, const char *sql, const char *what,
    char ***values, size_t *n)
{
	struct bz_db_stmt *s;

	*values = NULL;
	*n = 0;
	if ((s = store_prepare(st, NULL, sql)) == NULL)
		return BZ_STORE_TEMPFAIL;
	return store_column_strings(st, s, what, values, n);
}

/* bz_store_sealed_folios - folios named by "submission" events, in order */
enum bz_store_status
bz_store_sealed_folios(struct bz_store *st, char ***folios, size_t *n)
{
	return text_column(st, "SELECT folio FROM events WHERE kind = "
	    "'submission' AND folio IS NOT NULL GROUP BY folio ORDER BY min(id)",
	    "list sealed folios", folios, n);
}

/*
 * bz_store_named_copies - every spool copy a record or an event names:
 * message digests and spool paths of submissions, and the message_sha256
 * and spool_path of every event detail (a repeat's arriving copy among
 * them), for `buzonctl spool gc`. A vector of xmalloc'ed strings.
 */
enum bz_store_status
bz_store_named_copies(struct bz_store *st, char ***names, size_t *n)
{
	/* PostgreSQL has no json_valid (before 16); our details are written
	 * by bz_json, one space after each colon, so a pattern finds them. */
	if (bz_db_kind(store_db(st)) == BZ_DB_PG)
		return text_column(st, "SELECT message_sha256 FROM submissions "
		    "UNION SELECT spool_path FROM submissions "
		    "UNION SELECT substring(detail from "
		    "'\"message_sha256\": *\"([^\"]*)\"') FROM events "
		    "UNION SELECT substring(detail from "
		    "'\"spool_path\": *\"([^\"]*)\"') FROM events",
		    "list named spool copies", names, n);
	return text_column(st, "SELECT message_sha256 FROM submissions "
	    "UNION SELECT spool_path FROM submissions "
	    "UNION SELECT json_extract(detail, '$.message_sha256') FROM events "
	    "WHERE json_valid(detail) "
	    "UNION SELECT json_extract(detail, '$.spool_path') FROM events "
	    "WHERE json_valid(detail)", "list named spool copies", names, n);
}
