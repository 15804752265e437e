/*
 * store_submission - recording a submission with its folio and acuse
 *
 * bz_store_record_submission() is one BEGIN IMMEDIATE transaction:
 *   1. repeat check (same signed entity digest and signer certificate):
 *      a "repeat" event and the original acuse queued again (unless the
 *      last one for the folio is younger than the resend interval), no
 *      new folio;
 *   2. otherwise the folio counter of the legal year + 1, the submission
 *      row, its parts, the caller's render callback with the new folio,
 *      the acuse it rendered kept in the row exactly as sealed (or, when
 *      the render deferred the signing, an acuse_pending row: see
 *      core/store_pending.c), a
 *      "submission" event sealing the SHA-256 of the cadena original, of
 *      the unsigned envelope data and of that acuse (so `buzonctl store
 *      verify-chain` notices a row changed behind the log), and one
 *      outbox row per recipient the callback names;
 *   3. COMMIT.
 * BEGIN IMMEDIATE serializes writers across threads and processes, so the
 * counter is strictly increasing and never reused. Any failure rolls the
 * whole transaction back: BZ_STORE_TEMPFAIL. The daemon records through
 * its pool's committer (core/store_commit.c), which runs steps 1 and 2
 * (store_record_in_tx) for several submissions inside one transaction,
 * each under its own savepoint. Reading back: core/store_submission_get.c.
 */
#include "build-aux/config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buzon/buf.h"
#include "buzon/digest.h"
#include "buzon/json.h"
#include "buzon/log.h"
#include "buzon/reason.h"
#include "buzon/store.h"
#include "buzon/verdict.h"
#include "buzon/xalloc.h"
#include "store_int.h"

/* bz_outmail_add_rcpt - one more recipient for the rendered mail */
void
bz_outmail_add_rcpt(struct bz_outmail *mail, const char *rcpt)
{
	mail->rcpts = xrealloc(mail->rcpts, (mail->n_rcpts + 1) * sizeof(*mail->rcpts));
	mail->rcpts[mail->n_rcpts++] = xstrdup(rcpt);
}

/* outmail_free - release what the render callback produced */
static void
outmail_free(struct bz_outmail *mail)
{
	for (size_t i = 0; i < mail->n_rcpts; i++)
		free(mail->rcpts[i]);
	free(mail->rcpts);
	bz_buf_free(&mail->message);
	free(mail->institution_no_certificado);
	free(mail->mail_from);
	free(mail->mail_to);
	free(mail->text_appendix);
}

/* check_input - missing mandatory fields are the caller's bug */
static void
check_input(const struct bz_submission *in)
{
	if (in->legal_rule == NULL || in->calendar_version == NULL ||
	    in->legal_basis == NULL || in->first_hour == NULL ||
	    in->message_sha256 == NULL || strlen(in->message_sha256) != 64 ||
	    in->signed_sha256 == NULL || strlen(in->signed_sha256) != 64 ||
	    in->env_from == NULL || in->signer.cert_sha256 == NULL ||
	    (in->n_rcpts > 0 && in->env_rcpts == NULL) ||
	    (in->n_parts > 0 && in->parts == NULL))
		bz_panic("bz_store_record_submission: mandatory field missing");
	if (in->legal_year < 1000 || in->legal_year > 9999)
		bz_panic("bz_store_record_submission: legal_year %d", in->legal_year);
}

/* reasons_text - "BZ-A BZ-B" */
static void
reasons_text(const struct bz_reasons *r, struct bz_buf *out)
{
	for (size_t i = 0; i < r->n; i++) {
		if (i)
			bz_buf_putc(out, ' ');
		bz_buf_puts(out, r->items[i]->code);
	}
}

/* rcpts_text - the envelope recipients, one per line (SMTP forbids LF in them) */
static void
rcpts_text(const struct bz_submission *in, struct bz_buf *out)
{
	bz_buf_puts(out, "");
	for (size_t i = 0; i < in->n_rcpts; i++) {
		if (i)
			bz_buf_putc(out, '\n');
		bz_buf_puts(out, in->env_rcpts[i]);
	}
}

/* find_repeat - an earlier filing of the same signed entity by the same signer */
static int
find_repeat(struct bz_store *st, const struct bz_submission *in,
    struct bz_submission_out *out)
{
	struct bz_db_stmt *s;
	int rc;

	if ((s = store_prepare(st, in->qid, "SELECT id, folio, arrival_utc, legal_utc "
	    "FROM submissions WHERE signed_sha256 = ? AND signer_cert_sha256 = ?")) == NULL)
		return -1;
	store_bind_text(s, 1, in->signed_sha256);
	store_bind_text(s, 2, in->signer.cert_sha256);
	rc = bz_db_step(s);
	if (rc == BZ_DB_ROW) {
		out->repeat = 1;
		out->id = bz_db_column_int64(s, 0);
		snprintf(out->folio, sizeof(out->folio), "%s",
		    bz_db_column_text(s, 1));
		out->arrival_utc = bz_db_column_int64(s, 2);
		out->legal_utc = bz_db_column_int64(s, 3);
	} else if (rc != BZ_DB_DONE)
		store_log_error(st, in->qid, "repeat lookup");
	bz_db_finalize(s);
	return rc == BZ_DB_ROW ? 1 : rc == BZ_DB_DONE ? 0 : -1;
}

/* last_acuse_queued - newest created_utc of the folio's acuse rows; 1 found,
 * 0 none (never answered), -1 error */
static int
last_acuse_queued(struct bz_store *st, const char *qid, const char *folio,
    int64_t *last)
{
	struct bz_db_stmt *s;
	int rc, found = 0;

	if ((s = store_prepare(st, qid, "SELECT max(created_utc) FROM outbox "
	    "WHERE folio = ? AND kind = 'acuse'")) == NULL)
		return -1;
	store_bind_text(s, 1, folio);
	rc = bz_db_step(s);
	if (rc == BZ_DB_ROW && bz_db_column_type(s, 0) != BZ_DB_NULL) {
		*last = bz_db_column_int64(s, 0);
		found = 1;
	} else if (rc != BZ_DB_ROW) {
		store_log_error(st, qid, "last acuse lookup");
		found = -1;
	}
	bz_db_finalize(s);
	return found;
}

/*
 * record_repeat - event and the original acuse queued again (the kept
 * acuse to the certificate's address when the filing's was withheld),
 * unless the last acuse for the folio is younger than the resend interval:
 * a copy replayed in a loop must not become a flood of acuses to the
 * employer.
 */
static int
record_repeat(struct bz_store *st, const struct bz_submission *in, int reply,
    const struct bz_record_opts *opts, struct bz_submission_out *out)
{
	struct bz_buf detail = BZ_BUF_INIT;
	struct bz_json j;
	struct bz_db_stmt *s;
	int64_t now = opts->now, last = 0;
	int r;

	if (reply && opts->resend_interval > 0) {
		if ((r = last_acuse_queued(st, in->qid, out->folio, &last)) < 0)
			return -1;
		/* A clock stepped back (now < last) also counts as too soon. */
		if (r == 1 && now - last < opts->resend_interval) {
			out->rate_limited = 1;
			reply = 0;
		}
	}
	bz_json_init(&j, &detail);
	bz_json_object(&j, NULL);
	bz_json_str(&j, "qid", in->qid);
	bz_json_int(&j, "arrival_utc", in->arrival_utc);
	bz_json_str(&j, "message_sha256", in->message_sha256);
	bz_json_str(&j, "message_id", in->message_id);
	/* null: the content was already held, no second copy was spooled */
	bz_json_str(&j, "spool_path", in->spool_path);
	bz_json_bool(&j, "reply", reply);
	if (out->rate_limited) {
		bz_json_str(&j, "reason", "rate limited");
		bz_json_int(&j, "last_queued_utc", last);
		bz_json_int(&j, "resend_interval", opts->resend_interval);
	}
	bz_json_end(&j);
	r = store_event_append_locked(st, in->qid, now, "repeat", out->folio,
	    bz_buf_str(&detail));
	bz_buf_free(&detail);
	if (r < 0 || !reply)
		return r;

	/*
	 * The rows queued in the filing's own transaction (same created_utc
	 * as the submission), not earlier repeats or operator resends.
	 */
	if ((s = store_prepare(st, in->qid, "INSERT INTO outbox (folio, kind, "
	    "repeat_of, recipient, message, status, attempts, next_attempt_utc, "
	    "created_utc) SELECT o.folio, o.kind, o.id, o.recipient, o.message, "
	    "'pending', 0, ?1, ?1 FROM outbox o JOIN submissions s ON s.folio = "
	    "o.folio WHERE o.folio = ?2 AND o.kind = 'acuse' AND o.repeat_of IS NULL "
	    "AND o.created_utc = s.created_utc ORDER BY o.id")) == NULL)
		return -1;
	bz_db_bind_int64(s, 1, now);
	store_bind_text(s, 2, out->folio);
	if (store_step_done(st, s, in->qid, "queue repeated acuse") < 0)
		return -1;
	out->queued = (size_t)bz_db_changes(st->db);
	if (out->queued > 0)
		return 0;

	/*
	 * The filing queued nothing: its acuse was withheld (loop safety, e.g.
	 * it came through a list) though the certificate has an address. This
	 * repeat may be answered, so the acuse kept in the row goes to that
	 * address now: otherwise the signer could never obtain it by sending
	 * again. (The caller asks for a reply only when that address is one
	 * it may answer.)
	 */
	if ((s = store_prepare(st, in->qid, "INSERT INTO outbox (folio, kind, "
	    "recipient, message, status, attempts, next_attempt_utc, created_utc) "
	    "SELECT folio, 'acuse', signer_email, acuse, 'pending', 0, ?1, ?1 "
	    "FROM submissions WHERE folio = ?2 AND signer_email IS NOT NULL "
	    "AND acuse IS NOT NULL")) == NULL)
		return -1;
	bz_db_bind_int64(s, 1, now);
	store_bind_text(s, 2, out->folio);
	if (store_step_done(st, s, in->qid, "queue kept acuse") < 0)
		return -1;
	out->queued = (size_t)bz_db_changes(st->db);
	if (out->queued == 0)
		return 0;
	if ((s = store_prepare(st, in->qid,
	    "UPDATE submissions SET acuse_status = 'queued' WHERE folio = ?")) == NULL)
		return -1;
	store_bind_text(s, 1, out->folio);
	return store_step_done(st, s, in->qid, "acuse status");
}

/* next_folio - counter of the year + 1, inside the transaction */
static int
next_folio(struct bz_store *st, const struct bz_submission *in, int64_t *seq)
{
	struct bz_db_stmt *s;
	int rc;

	if ((s = store_prepare(st, in->qid, "INSERT INTO folio_counter (year, last) "
	    "VALUES (?1, 1) ON CONFLICT (year) DO UPDATE SET "
	    /* qualified: PostgreSQL finds a bare "last" ambiguous */
	    "last = folio_counter.last + 1")) == NULL)
		return -1;
	bz_db_bind_int64(s, 1, in->legal_year);
	if (store_step_done(st, s, in->qid, "folio counter") < 0)
		return -1;
	if ((s = store_prepare(st, in->qid,
	    "SELECT last FROM folio_counter WHERE year = ?")) == NULL)
		return -1;
	bz_db_bind_int64(s, 1, in->legal_year);
	rc = bz_db_step(s);
	if (rc == BZ_DB_ROW)
		*seq = bz_db_column_int64(s, 0);
	else
		store_log_error(st, in->qid, "folio counter");
	bz_db_finalize(s);
	if (rc != BZ_DB_ROW)
		return -1;
	if (*seq > 99999999) {
		bz_log(BZ_LOG_ERR, in->qid, "folio counter of %d exhausted", in->legal_year);
		return -1;
	}
	return 0;
}

/* insert_submission - the submission row */
static int
insert_submission(struct bz_store *st, const struct bz_submission *in,
    const char *folio, int64_t seq, int64_t now, int64_t *id)
{
	struct bz_buf reasons = BZ_BUF_INIT, rcpts = BZ_BUF_INIT;
	const struct bz_signer *g = &in->signer;
	struct bz_db_stmt *s;
	int i = 1;

	if ((s = store_prepare(st, in->qid, "INSERT INTO submissions (folio, year, seq, "
	    "qid, arrival_utc, legal_utc, legal_rule, legal_basis, first_hour, "
	    "calendar_version, signer_rfc, "
	    "signer_rfc_representante, signer_curp, signer_curp_representante, "
	    "signer_name, signer_moral, signer_no_certificado, signer_serial_hex, "
	    "signer_cert_sha256, signer_not_before, signer_not_after, integrity, trust, "
	    "identity, verdict, reasons, message_sha256, signed_sha256, message_id, "
	    "subject, env_from, env_rcpts, spool_path, created_utc, signer_email, "
	    "notification_folio) "
	    "VALUES (?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")) == NULL)
		return -1;
	reasons_text(&in->reasons, &reasons);
	rcpts_text(in, &rcpts);
	store_bind_text(s, i++, folio);
	bz_db_bind_int64(s, i++, in->legal_year);
	bz_db_bind_int64(s, i++, seq);
	store_bind_text(s, i++, in->qid);
	bz_db_bind_int64(s, i++, in->arrival_utc);
	bz_db_bind_int64(s, i++, in->legal_utc);
	store_bind_text(s, i++, in->legal_rule);
	store_bind_text(s, i++, in->legal_basis);
	store_bind_text(s, i++, in->first_hour);
	store_bind_text(s, i++, in->calendar_version);
	store_bind_text(s, i++, g->rfc);
	store_bind_text(s, i++, g->rfc_representante);
	store_bind_text(s, i++, g->curp);
	store_bind_text(s, i++, g->curp_representante);
	store_bind_text(s, i++, g->name);
	bz_db_bind_int64(s, i++, g->moral ? 1 : 0);
	store_bind_text(s, i++, g->no_certificado);
	store_bind_text(s, i++, g->serial_hex);
	store_bind_text(s, i++, g->cert_sha256);
	bz_db_bind_int64(s, i++, g->not_before);
	bz_db_bind_int64(s, i++, g->not_after);
	store_bind_text(s, i++, bz_check_name(in->integrity));
	store_bind_text(s, i++, bz_check_name(in->trust));
	store_bind_text(s, i++, bz_check_name(in->identity));
	store_bind_text(s, i++, bz_verdict_name(in->verdict));
	store_bind_text(s, i++, bz_buf_str(&reasons));
	store_bind_text(s, i++, in->message_sha256);
	store_bind_text(s, i++, in->signed_sha256);
	store_bind_text(s, i++, in->message_id);
	store_bind_text(s, i++, in->subject);
	store_bind_text(s, i++, in->env_from);
	store_bind_text(s, i++, bz_buf_str(&rcpts));
	store_bind_text(s, i++, in->spool_path);
	bz_db_bind_int64(s, i++, now);
	store_bind_text(s, i++, g->email);
	store_bind_text(s, i++, in->notification_folio);
	bz_buf_free(&reasons);
	bz_buf_free(&rcpts);
	return store_step_id(st, s, in->qid, "insert submission", id);
}

/* insert_parts - one row per MIME part, in order */
static int
insert_parts(struct bz_store *st, const struct bz_submission *in, const char *folio)
{
	for (size_t p = 0; p < in->n_parts; p++) {
		const struct bz_part *part = &in->parts[p];
		struct bz_db_stmt *s;

		if ((s = store_prepare(st, in->qid, "INSERT INTO parts (folio, idx, name, "
		    "content_type, size, sha256) VALUES (?, ?, ?, ?, ?, ?)")) == NULL)
			return -1;
		store_bind_text(s, 1, folio);
		bz_db_bind_int64(s, 2, (int64_t)p);
		store_bind_text(s, 3, part->name);
		store_bind_text(s, 4, part->content_type);
		bz_db_bind_int64(s, 5, (int64_t)part->size);
		store_bind_text(s, 6, part->sha256);
		if (store_step_done(st, s, in->qid, "insert part") < 0)
			return -1;
	}
	return 0;
}

/* queue_mail - one outbox row per recipient of the rendered acuse */
static int
queue_mail(struct bz_store *st, const char *qid, const char *folio,
    const struct bz_outmail *mail, int64_t now, size_t *queued)
{
	struct bz_db_stmt *s;

	for (size_t r = 0; r < mail->n_rcpts; r++) {
		if ((s = store_prepare(st, qid, "INSERT INTO outbox (folio, kind, "
		    "recipient, message, status, attempts, next_attempt_utc, created_utc) "
		    "VALUES (?, 'acuse', ?, ?, 'pending', 0, ?, ?)")) == NULL)
			return -1;
		store_bind_text(s, 1, folio);
		store_bind_text(s, 2, mail->rcpts[r]);
		bz_db_bind_blob(s, 3, mail->message.data ? mail->message.data : "",
		    mail->message.len);
		bz_db_bind_int64(s, 4, now);
		bz_db_bind_int64(s, 5, now);
		if (store_step_done(st, s, qid, "queue acuse") < 0)
			return -1;
		(*queued)++;
	}
	if (*queued == 0)
		return 0;
	if ((s = store_prepare(st, qid,
	    "UPDATE submissions SET acuse_status = 'queued' WHERE folio = ?")) == NULL)
		return -1;
	store_bind_text(s, 1, folio);
	return store_step_done(st, s, qid, "acuse status");
}

/* mark_queued - a deferred acuse with recipients: queued for its
 * signature (the outbox rows come with it) */
static int
mark_queued(struct bz_store *st, const char *qid, const char *folio, size_t n,
    size_t *queued)
{
	struct bz_db_stmt *s;

	if ((s = store_prepare(st, qid,
	    "UPDATE submissions SET acuse_status = 'queued' WHERE folio = ?")) == NULL)
		return -1;
	store_bind_text(s, 1, folio);
	*queued = n;
	return store_step_done(st, s, qid, "acuse status");
}

/* keep_acuse - the acuse exactly as sealed and signed, in its row */
static int
keep_acuse(struct bz_store *st, const char *qid, const char *folio,
    const struct bz_outmail *mail)
{
	struct bz_db_stmt *s;

	if ((s = store_prepare(st, qid, "UPDATE submissions SET acuse = ?, "
	    "institution_no_certificado = ? WHERE folio = ?")) == NULL)
		return -1;
	if (mail->message.len > 0)
		bz_db_bind_blob(s, 1, mail->message.data, mail->message.len);
	else
		bz_db_bind_null(s, 1);
	store_bind_text(s, 2, mail->institution_no_certificado);
	store_bind_text(s, 3, folio);
	return store_step_done(st, s, qid, "keep acuse");
}

/* put_digest - the member name: hex, when the digest is known */
static void
put_digest(struct bz_json *j, const char *name, const char *hex)
{
	if (hex[0] != '\0')
		bz_json_str(j, name, hex);
}

/* record_new - a new filing: folio, rows, acuse, event */
static int
record_new(struct bz_store *st, const struct bz_submission *in,
    bz_store_render_fn render, void *arg, const struct bz_record_opts *opts,
    struct bz_submission_out *out)
{
	struct bz_buf detail = BZ_BUF_INIT;
	struct bz_json j;
	struct bz_outmail mail;
	char acuse_sha[65] = "", pending_sha[65] = "";
	int64_t seq, now = opts->now;
	int r;

	memset(&mail, 0, sizeof(mail));
	mail.st = st;
	if (next_folio(st, in, &seq) < 0)
		return -1;
	bz_folio_format(in->legal_year, seq, out->folio);
	out->arrival_utc = in->arrival_utc;
	out->legal_utc = in->legal_utc;
	if (insert_submission(st, in, out->folio, seq, now, &out->id) < 0 ||
	    insert_parts(st, in, out->folio) < 0)
		return -1;

	/* The acuse first: the event seals what it says. */
	if (render != NULL && render(arg, out->folio, in, &mail) < 0) {
		bz_log(BZ_LOG_ERR, in->qid, "folio %s: acuse could not be rendered; "
		    "record rolled back", out->folio);
		outmail_free(&mail);
		return -1;
	}
	if (mail.message.len > 0)
		bz_sha256_hex(mail.message.data, mail.message.len, acuse_sha);
	if (render != NULL && keep_acuse(st, in->qid, out->folio, &mail) < 0) {
		outmail_free(&mail);
		return -1;
	}
	/* Sealed now, signed after the commit (core/store_pending.c). */
	if (mail.deferred && store_pending_insert(st, in->qid, out->folio, &mail,
	    !opts->no_reply, now, pending_sha) < 0) {
		outmail_free(&mail);
		return -1;
	}

	bz_json_init(&j, &detail);
	bz_json_object(&j, NULL);
	bz_json_str(&j, "qid", in->qid);
	bz_json_int(&j, "arrival_utc", in->arrival_utc);
	bz_json_int(&j, "legal_utc", in->legal_utc);
	bz_json_str(&j, "legal_rule", in->legal_rule);
	bz_json_str(&j, "legal_basis", in->legal_basis);
	bz_json_str(&j, "first_hour", in->first_hour);
	bz_json_str(&j, "calendar_version", in->calendar_version);
	bz_json_str(&j, "message_sha256", in->message_sha256);
	bz_json_str(&j, "signed_sha256", in->signed_sha256);
	bz_json_str(&j, "cert_sha256", in->signer.cert_sha256);
	bz_json_str(&j, "verdict", bz_verdict_name(in->verdict));
	put_digest(&j, "cadena_sha256", mail.cadena_sha256);
	put_digest(&j, "envelope_sha256", mail.envelope_sha256);
	put_digest(&j, "acuse_sha256", acuse_sha);
	put_digest(&j, "acuse_pending_sha256", pending_sha);
	bz_json_end(&j);
	r = store_event_append_locked(st, in->qid, now, "submission", out->folio,
	    bz_buf_str(&detail));
	bz_buf_free(&detail);
	if (r == 0 && !opts->no_reply && mail.deferred && mail.n_rcpts > 0)
		r = mark_queued(st, in->qid, out->folio, mail.n_rcpts, &out->queued);
	else if (r == 0 && !opts->no_reply)
		r = queue_mail(st, in->qid, out->folio, &mail, now, &out->queued);
	outmail_free(&mail);
	return r;
}

/* store_record_in_tx - the record, inside a transaction the caller holds */
int
store_record_in_tx(struct bz_store *st, const struct bz_submission *in,
    bz_store_render_fn render, void *arg, const struct bz_record_opts *opts,
    struct bz_submission_out *out)
{
	int r;

	check_input(in);
	memset(out, 0, sizeof(*out));
	/* The bytes before the record that names them (a repeat's event
	 * names them too), in the same transaction. */
	if (store_message_put_locked(st, in, opts->now) < 0)
		return -1;
	if ((r = find_repeat(st, in, out)) == 1)
		r = record_repeat(st, in, render != NULL && !opts->no_reply, opts, out);
	else if (r == 0)
		r = record_new(st, in, render, arg, opts, out);
	return r < 0 ? -1 : 0;
}

/* bz_store_record_submission_at - the whole record in one transaction */
enum bz_store_status
bz_store_record_submission_at(struct bz_store *st, const struct bz_submission *in,
    bz_store_render_fn render, void *arg, const struct bz_record_opts *opts,
    struct bz_submission_out *out)
{
	check_input(in);
	memset(out, 0, sizeof(*out));
	if (store_begin(st, in->qid) < 0)
		return BZ_STORE_TEMPFAIL;
	if (store_record_in_tx(st, in, render, arg, opts, out) < 0 ||
	    store_commit(st, in->qid) < 0) {
		store_rollback(st);
		bz_log(BZ_LOG_ERR, in->qid, "submission not recorded: transaction "
		    "rolled back (tempfail)");
		memset(out, 0, sizeof(*out));
		return BZ_STORE_TEMPFAIL;
	}
	return BZ_STORE_OK;
}

/* bz_store_record_submission - the same at the clock's now, no rate limit */
enum bz_store_status
bz_store_record_submission(struct bz_store *st, const struct bz_submission *in,
    bz_store_render_fn render, void *arg, struct bz_submission_out *out)
{
	struct bz_record_opts opts = { (int64_t)time(NULL), 0, 0 };

	return bz_store_record_submission_at(st, in, render, arg, &opts, out);
}
