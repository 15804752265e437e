/*
 * store_pending - acuses sealed at their filing's commit, signed afterwards
 *
 * The two RSA private-key operations of an acuse (its sello and the
 * S/MIME signature of its mail) used to run inside the record's
 * transaction, on the end-of-message path. Now the record's transaction
 * fixes everything the acuse says: the folio, the rows the cadena original
 * is computed from, the digests of that cadena and of the envelope data,
 * and an acuse_pending row (From, To, Date, text appendix, recipients)
 * whose digest the same "submission" event seals. The reply waits for
 * that commit only. The outbox's signer thread then signs the acuse from the
 * committed record (core/receipt_pending.c) and bz_store_pending_complete
 * keeps it, seals its digest in an "acuse-signed" event, queues it and deletes
 * the pending row, in one transaction: an acuse is queued once, and one
 * still pending after a crash is signed when the daemon starts again.
 * Nothing about it can change in between without the signer refusing it
 * and `buzonctl store verify-chain` naming the folio.
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/digest.h"
#include "buzon/json.h"
#include "buzon/log.h"
#include "buzon/store.h"
#include "buzon/xalloc.h"
#include "store_int.h"

/* bz_acuse_pending_free - release what pending_get filled */
void
bz_acuse_pending_free(struct bz_acuse_pending *p)
{
	free(p->mail_from);
	free(p->mail_to);
	free(p->text_appendix);
	for (size_t i = 0; i < p->n_rcpts; i++)
		free(p->rcpts[i]);
	free(p->rcpts);
	memset(p, 0, sizeof(*p));
}

/* put_field - one value, "|" and "\\" escaped, "-" for NULL, then "|" */
static void
put_field(struct bz_buf *out, const char *v)
{
	if (v == NULL) {
		bz_buf_puts(out, "-|");
		return;
	}
	bz_buf_putc(out, '=');
	for (; *v != '\0'; v++) {
		if (*v == '|' || *v == '\\')
			bz_buf_putc(out, '\\');
		bz_buf_putc(out, *v);
	}
	bz_buf_putc(out, '|');
}

/*
 * bz_acuse_pending_digest - SHA-256 of "pending-v1|folio|from|to|date|
 * appendix|reply|n|rcpt...|": any change to the row changes it
 */
void
bz_acuse_pending_digest(const struct bz_acuse_pending *p, char hex[65])
{
	struct bz_buf b = BZ_BUF_INIT;

	bz_buf_puts(&b, "pending-v1|");
	put_field(&b, p->folio);
	put_field(&b, p->mail_from);
	put_field(&b, p->mail_to);
	bz_buf_printf(&b, "%lld|", (long long)p->date_utc);
	put_field(&b, p->text_appendix);
	bz_buf_printf(&b, "%d|%zu|", p->reply ? 1 : 0, p->n_rcpts);
	for (size_t i = 0; i < p->n_rcpts; i++)
		put_field(&b, p->rcpts[i]);
	bz_sha256_hex(b.data, b.len, hex);
	bz_buf_free(&b);
}

/* rcpts_join - one recipient a line (SMTP forbids LF in an address) */
static void
rcpts_join(char *const *rcpts, size_t n, struct bz_buf *out)
{
	bz_buf_puts(out, "");
	for (size_t i = 0; i < n; i++)
		bz_buf_printf(out, "%s%s", i ? "\n" : "", rcpts[i]);
}

/* rcpts_split - the lines of s as a vector */
static void
rcpts_split(const char *s, char ***rcpts, size_t *n)
{
	const char *p = s, *nl;

	*rcpts = NULL;
	*n = 0;
	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		*rcpts = xrealloc(*rcpts, (*n + 1) * sizeof(**rcpts));
		(*rcpts)[(*n)++] = nl ? xstrndup(p, (size_t)(nl - p)) : xstrdup(p);
		p = nl ? nl + 1 : NULL;
	}
}

/*
 * store_pending_insert - the pending row of a deferred acuse, inside the
 * record's transaction; its digest in hex (what the event seals)
 */
int
store_pending_insert(struct bz_store *st, const char *qid, const char *folio,
    const struct bz_outmail *mail, int reply, int64_t now, char hex[65])
{
	struct bz_acuse_pending p;
	struct bz_buf rcpts = BZ_BUF_INIT;
	struct bz_db_stmt *s;

	memset(&p, 0, sizeof(p));
	snprintf(p.folio, sizeof(p.folio), "%s", folio);
	p.mail_from = mail->mail_from;
	p.mail_to = mail->mail_to;
	p.text_appendix = mail->text_appendix;
	p.date_utc = mail->mail_date;
	p.reply = reply && mail->n_rcpts > 0;
	if (p.reply) {
		p.rcpts = mail->rcpts;
		p.n_rcpts = mail->n_rcpts;
	}
	bz_acuse_pending_digest(&p, hex);
	if ((s = store_prepare(st, qid, "INSERT INTO acuse_pending (folio, mail_from, "
	    "mail_to, date_utc, text_appendix, rcpts, reply, created_utc) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) == NULL)
		return -1;
	rcpts_join(p.rcpts, p.n_rcpts, &rcpts);
	store_bind_text(s, 1, folio);
	store_bind_text(s, 2, p.mail_from != NULL ? p.mail_from : "");
	store_bind_text(s, 3, p.mail_to);
	bz_db_bind_int64(s, 4, p.date_utc);
	store_bind_text(s, 5, p.text_appendix);
	store_bind_text(s, 6, bz_buf_str(&rcpts));
	bz_db_bind_int64(s, 7, p.reply);
	bz_db_bind_int64(s, 8, now);
	bz_buf_free(&rcpts);
	if (p.mail_from == NULL) {
		/* The digest was of NULL: keep them alike. */
		bz_db_finalize(s);
		bz_log(BZ_LOG_ERR, qid, "folio %s: deferred acuse without From", folio);
		return -1;
	}
	return store_step_done(st, s, qid, "keep pending acuse");
}

/* bz_store_pending_get - the folio's pending acuse */
enum bz_store_status
bz_store_pending_get(struct bz_store *st, const char *folio, struct bz_acuse_pending *p)
{
	struct bz_db_stmt *s;
	char *rcpts;
	int rc;

	memset(p, 0, sizeof(*p));
	/* A database of before schema 8 (buzonctl reads without migrating). */
	if (bz_store_schema_version(st) < 8)
		return BZ_STORE_NOTFOUND;
	if ((s = store_prepare(st, NULL, "SELECT folio, mail_from, mail_to, date_utc, "
	    "text_appendix, rcpts, reply, created_utc FROM acuse_pending "
	    "WHERE folio = ?")) == NULL)
		return BZ_STORE_TEMPFAIL;
	store_bind_text(s, 1, folio);
	if ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		snprintf(p->folio, sizeof(p->folio), "%s",
		    bz_db_column_text(s, 0));
		p->mail_from = store_column_dup(s, 1);
		p->mail_to = store_column_dup(s, 2);
		p->date_utc = bz_db_column_int64(s, 3);
		p->text_appendix = store_column_dup(s, 4);
		rcpts = store_column_dup(s, 5);
		rcpts_split(rcpts, &p->rcpts, &p->n_rcpts);
		free(rcpts);
		p->reply = (int)bz_db_column_int64(s, 6);
		p->created_utc = bz_db_column_int64(s, 7);
	} else if (rc != BZ_DB_DONE)
		store_log_error(st, NULL, "read pending acuse");
	bz_db_finalize(s);
	return rc == BZ_DB_ROW ? BZ_STORE_OK : rc == BZ_DB_DONE ? BZ_STORE_NOTFOUND :
	    BZ_STORE_TEMPFAIL;
}

/* bz_store_pending_list - folios waiting for their signature, in folio order */
enum bz_store_status
bz_store_pending_list(struct bz_store *st, int64_t before, const char *cert,
    const char *after, size_t max, char ***folios, size_t *n)
{
	struct bz_db_stmt *s;

	*folios = NULL;
	*n = 0;
	if ((s = store_prepare(st, NULL, "SELECT p.folio FROM acuse_pending p "
	    "JOIN submissions s ON s.folio = p.folio WHERE p.created_utc <= ?1 "
	    "AND p.folio > ?2 AND (?3 IS NULL OR s.institution_no_certificado = ?3) "
	    "ORDER BY p.folio LIMIT ?4")) == NULL)
		return BZ_STORE_TEMPFAIL;
	bz_db_bind_int64(s, 1, before);
	store_bind_text(s, 2, after != NULL ? after : "");
	store_bind_text(s, 3, cert);
	bz_db_bind_int64(s, 4, (int64_t)max);
	return store_column_strings(st, s, "list pending acuses", folios, n);
}

/* bz_store_pending_count - acuses sealed and not signed yet */
enum bz_store_status
bz_store_pending_count(struct bz_store *st, int64_t *n)
{
	struct bz_db_stmt *s;
	int rc;

	*n = 0;
	if (bz_store_schema_version(st) < 8)
		return BZ_STORE_OK;
	if ((s = store_prepare(st, NULL, "SELECT count(*) FROM acuse_pending")) == NULL)
		return BZ_STORE_TEMPFAIL;
	if ((rc = bz_db_step(s)) == BZ_DB_ROW)
		*n = bz_db_column_int64(s, 0);
	else
		store_log_error(st, NULL, "count pending acuses");
	bz_db_finalize(s);
	return rc == BZ_DB_ROW ? BZ_STORE_OK : BZ_STORE_TEMPFAIL;
}

/* complete_locked - the writes of bz_store_pending_complete; 1 gone, 0, -1 */
static int
complete_locked(struct bz_store *st, const struct bz_acuse_pending *p,
    const void *acuse, size_t len, int64_t now, size_t *queued)
{
	struct bz_buf detail = BZ_BUF_INIT;
	struct bz_json j;
	struct bz_db_stmt *s;
	char sha[65], digest[65];
	int r;

	/* The row itself, deleted first: whoever deletes it signs it. */
	if ((s = store_prepare(st, NULL, "DELETE FROM acuse_pending WHERE folio = ?")) ==
	    NULL)
		return -1;
	store_bind_text(s, 1, p->folio);
	if (store_step_done(st, s, NULL, "delete pending acuse") < 0)
		return -1;
	if (bz_db_changes(st->db) == 0)
		return 1;
	if ((s = store_prepare(st, NULL, "UPDATE submissions SET acuse = ? "
	    "WHERE folio = ? AND acuse IS NULL")) == NULL)
		return -1;
	bz_db_bind_blob(s, 1, acuse, len);
	store_bind_text(s, 2, p->folio);
	if (store_step_done(st, s, NULL, "keep signed acuse") < 0)
		return -1;
	if (bz_db_changes(st->db) != 1) {
		bz_log(BZ_LOG_ERR, NULL, "folio %s: pending acuse without its row, or "
		    "with an acuse already kept", p->folio);
		return -1;
	}
	bz_sha256_hex(acuse, len, sha);
	bz_acuse_pending_digest(p, digest);
	bz_json_init(&j, &detail);
	bz_json_object(&j, NULL);
	bz_json_str(&j, "acuse_sha256", sha);
	bz_json_str(&j, "acuse_pending_sha256", digest);
	bz_json_int(&j, "recipients", p->reply ? (int64_t)p->n_rcpts : 0);
	bz_json_end(&j);
	r = store_event_append_locked(st, NULL, now, "acuse-signed", p->folio,
	    bz_buf_str(&detail));
	bz_buf_free(&detail);
	if (r < 0)
		return -1;
	for (size_t i = 0; p->reply && i < p->n_rcpts; i++) {
		/* created_utc of the filing: these are its own acuse rows. */
		if ((s = store_prepare(st, NULL, "INSERT INTO outbox (folio, kind, "
		    "recipient, message, status, attempts, next_attempt_utc, "
		    "created_utc) SELECT ?1, 'acuse', ?2, ?3, 'pending', 0, ?4, "
		    "created_utc FROM submissions WHERE folio = ?1")) == NULL)
			return -1;
		store_bind_text(s, 1, p->folio);
		store_bind_text(s, 2, p->rcpts[i]);
		bz_db_bind_blob(s, 3, acuse, len);
		bz_db_bind_int64(s, 4, now);
		if (store_step_done(st, s, NULL, "queue signed acuse") < 0)
			return -1;
		(*queued)++;
	}
	return 0;
}

/* bz_store_pending_complete - keep, seal, queue the signed acuses; drop
 * their rows; one transaction (one fsync) for the batch */
enum bz_store_status
bz_store_pending_complete(struct bz_store *st, struct bz_acuse_signed *v, size_t n,
    int64_t now)
{
	int r = 0;

	for (size_t i = 0; i < n; i++)
		v[i].queued = 0, v[i].kept = 0;
	if (n == 0)
		return BZ_STORE_OK;
	if (store_begin(st, NULL) < 0)
		return BZ_STORE_TEMPFAIL;
	for (size_t i = 0; i < n && r >= 0; i++) {
		if (bz_db_exec(st->db, "SAVEPOINT acuse") != 0) {
			store_log_error(st, NULL, "savepoint");
			r = -1;
			break;
		}
		r = complete_locked(st, v[i].pending, v[i].acuse, v[i].len, now,
		    &v[i].queued);
		if (r == 1) {
			/* Signed by someone else meanwhile: nothing of it kept. */
			v[i].queued = 0;
			if (bz_db_exec(st->db, "ROLLBACK TO acuse") != 0)
				r = -1;
		} else if (r == 0)
			v[i].kept = 1;
		if (r >= 0 && bz_db_exec(st->db, "RELEASE acuse") != 0)
			r = -1;
	}
	if (r >= 0 && store_commit(st, NULL) == 0)
		return BZ_STORE_OK;
	store_rollback(st);
	for (size_t i = 0; i < n; i++)
		v[i].queued = 0, v[i].kept = 0;
	return BZ_STORE_TEMPFAIL;
}
