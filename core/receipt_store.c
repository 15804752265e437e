/*
 * receipt_store - the acuse of a stored submission: the store's render
 *		   callback and the record rebuilt from a stored row
 *
 * bz_store_record_submission() calls bz_receipt_store_render() inside its
 * transaction, once the folio is allocated; the acuse bytes are kept in
 * the submission's row and go to the outbox in the same commit, and the
 * digests of the cadena original and of the unsigned envelope data go
 * into the "submission" event. The record is built only from the stored
 * submission (struct bz_submission) plus the zone for local instants, so
 * `buzonctl store verify-chain` recomputes both digests from the row and
 * names a row changed behind the log. `receipt show/resend` use the kept
 * bytes and never seal again.
 *
 * Who gets the acuse: ctx->to, which the daemon sets to the address in
 * the signer's certificate (never a bare MAIL FROM: an unauthenticated
 * envelope sender must not aim the Institute's signature at a stranger).
 *
 * What the acuse quotes: only what the signature or the milter vouches
 * for. The Subject and Message-ID of the submission are top-level headers
 * no signature covers, so the acuse leaves them out (their cadena fields
 * are empty, which version 1.0 allows); they stay in the record as
 * unsigned envelope data, sealed by the envelope digest.
 *
 * Failure: the callback returns -1 with the reason in ctx->err (the store
 * then rolls back and answers BZ_STORE_TEMPFAIL).
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>

#include "buzon/digest.h"
#include "buzon/instant.h"
#include "buzon/receipt.h"
#include "buzon/store.h"
#include "buzon/tz.h"
#include "buzon/xalloc.h"

/* set_instants - UTC and Mexico City renderings of one instant */
static void
set_instants(char **utc_field, char **local_field, int64_t utc,
    const struct bz_tz *tz)
{
	char buf[BZ_INSTANT_UTC_LEN];
	struct bz_local_time lt;

	bz_instant_format_utc(utc, buf);
	bz_receipt_set(utc_field, buf);
	bz_tz_to_local(tz, utc, &lt);
	bz_instant_format_offset(utc, lt.utc_offset, buf);
	bz_receipt_set(local_field, buf);
}

/* bz_receipt_from_submission - the canonical record of a stored submission */
void
bz_receipt_from_submission(struct bz_receipt *r, const char *folio,
    const struct bz_submission *sub, const struct bz_tz *tz, const char *event)
{
	bz_receipt_set(&r->folio, folio);
	bz_receipt_set(&r->event, event ? event : sub->event ? sub->event :
	    BZ_RECEIPT_EVENT_SUBMISSION);
	bz_receipt_set_signer(r, &sub->signer);
	bz_receipt_set_outcome(r, sub->integrity, sub->trust, sub->identity,
	    sub->verdict);
	/* Not r->message_id / r->subject: unsigned header data (see above). */
	bz_receipt_set(&r->message_sha256, sub->message_sha256);
	for (size_t i = 0; i < sub->n_parts; i++)
		bz_receipt_add_bz_part(r, &sub->parts[i]);
	set_instants(&r->arrival_utc, &r->arrival_local, sub->arrival_utc, tz);
	set_instants(&r->legal_utc, &r->legal_local, sub->legal_utc, tz);
	bz_receipt_set(&r->legal_rule, sub->legal_rule);
	/* NULL for a filing recorded before the store kept them: the acuse
	 * then names no basis or first hour rather than today's. */
	bz_receipt_set(&r->legal_basis, sub->legal_basis);
	bz_receipt_set(&r->first_hour, sub->first_hour);
	bz_receipt_set(&r->calendar_version, sub->calendar_version);
	/* The notification a promocion answers (issue 10); NULL otherwise,
	 * so every other acuse's cadena is the one it always was. */
	bz_receipt_set(&r->notification_folio, sub->notification_folio);
}

/* put_raw - one envelope value, "|" and "\\" escaped, then "|" */
static void
put_raw(struct bz_buf *out, const char *value)
{
	for (const char *p = value ? value : ""; *p != '\0'; p++) {
		if (*p == '|' || *p == '\\')
			bz_buf_putc(out, '\\');
		bz_buf_putc(out, *p);
	}
	bz_buf_putc(out, '|');
}

/*
 * bz_receipt_envelope_string - the unsigned envelope data of a filing as
 * one string: "||message-id|subject|MAIL FROM|rcpt...|spool path|
 * certificate e-mail||", raw bytes (not normalised: any change counts)
 */
void
bz_receipt_envelope_string(const struct bz_submission *sub, struct bz_buf *out)
{
	bz_buf_puts(out, "||");
	put_raw(out, sub->message_id);
	put_raw(out, sub->subject);
	put_raw(out, sub->env_from);
	bz_buf_printf(out, "%zu|", sub->n_rcpts);
	for (size_t i = 0; i < sub->n_rcpts; i++)
		put_raw(out, sub->env_rcpts[i]);
	put_raw(out, sub->spool_path);
	put_raw(out, sub->signer.email);
	bz_buf_putc(out, '|');
}

/* bz_receipt_submission_digests - SHA-256 of the cadena and of the envelope */
void
bz_receipt_submission_digests(const char *folio, const struct bz_submission *sub,
    const struct bz_tz *tz, const char *institution_no_certificado,
    char cadena_sha256[65], char envelope_sha256[65])
{
	struct bz_receipt r;
	struct bz_buf b = BZ_BUF_INIT;

	bz_receipt_init(&r);
	bz_receipt_from_submission(&r, folio, sub, tz, NULL);
	bz_receipt_set(&r.institution_no_certificado, institution_no_certificado);
	bz_receipt_cadena(&r, &b);
	bz_sha256_hex(b.data, b.len, cadena_sha256);
	bz_buf_reset(&b);
	bz_receipt_envelope_string(sub, &b);
	bz_sha256_hex(b.data, b.len, envelope_sha256);
	bz_buf_free(&b);
	bz_receipt_free(&r);
}

/* bz_receipt_in_reply_to - a Message-ID header value without surrounding
 * blanks, for the acuse's In-Reply-To (NULL for NULL) */
char *
bz_receipt_in_reply_to(const char *s)
{
	size_t n;

	if (s == NULL)
		return NULL;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
	    s[n - 1] == '\n'))
		n--;
	return xstrndup(s, n);
}

/* render_sealed - seal the record of a stored submission and build its mail */
static int
render_sealed(const struct bz_receipt_render_ctx *ctx, const char *folio,
    const struct bz_submission *sub, struct bz_receipt *r, struct bz_buf *out,
    struct bz_buf *err)
{
	struct bz_receipt_mail m;
	char *irt = bz_receipt_in_reply_to(sub->message_id);
	int rc;

	bz_receipt_from_submission(r, folio, sub, ctx->tz, ctx->event);
	memset(&m, 0, sizeof(m));
	m.from = ctx->mailbox;
	m.to = ctx->to;
	m.in_reply_to = irt;
	m.date = ctx->now;
	m.text_appendix = ctx->text_appendix;
	rc = bz_receipt_render(ctx->signer, r, &m, out, NULL, err);
	free(irt);
	return rc;
}

/* bz_receipt_render_submission - the signed acuse of a stored submission */
int
bz_receipt_render_submission(const struct bz_receipt_render_ctx *ctx,
    const char *folio, const struct bz_submission *sub, struct bz_buf *out,
    struct bz_buf *err)
{
	struct bz_receipt r;
	int rc;

	bz_receipt_init(&r);
	rc = render_sealed(ctx, folio, sub, &r, out, err);
	bz_receipt_free(&r);
	return rc;
}

/*
 * render_deferred - seal without signing: the digests of the cadena the
 * signed acuse will carry (institution certificate included) and what
 * its mail needs; the store keeps them and bz_receipt_sign_pending signs
 */
static int
render_deferred(struct bz_receipt_render_ctx *ctx, const char *folio,
    const struct bz_submission *sub, struct bz_outmail *mail)
{
	struct bz_receipt r;
	struct bz_buf b = BZ_BUF_INIT;
	const char *no = bz_receipt_signer_no_certificado(ctx->signer);

	bz_receipt_init(&r);
	bz_receipt_from_submission(&r, folio, sub, ctx->tz, ctx->event);
	bz_receipt_set(&r.institution_no_certificado, no);
	bz_receipt_cadena(&r, &b);
	bz_sha256_hex(b.data, b.len, mail->cadena_sha256);
	bz_buf_reset(&b);
	bz_receipt_envelope_string(sub, &b);
	bz_sha256_hex(b.data, b.len, mail->envelope_sha256);
	bz_buf_free(&b);
	bz_receipt_free(&r);
	mail->institution_no_certificado = no != NULL ? xstrdup(no) : NULL;
	mail->deferred = 1;
	mail->mail_from = xstrdup(ctx->mailbox != NULL ? ctx->mailbox : "");
	mail->mail_to = ctx->to != NULL ? xstrdup(ctx->to) : NULL;
	mail->text_appendix = ctx->text_appendix != NULL ?
	    xstrdup(ctx->text_appendix) : NULL;
	mail->mail_date = ctx->now;
	if (ctx->to != NULL && ctx->to[0] != '\0')
		bz_outmail_add_rcpt(mail, ctx->to);
	return 0;
}

/*
 * bz_receipt_store_render - bz_store_render_fn: the acuse, kept and sent
 * to ctx->to; without an institution signer only the digests; with
 * ctx->defer sealed now and signed after the commit
 */
int
bz_receipt_store_render(void *arg, const char *folio,
    const struct bz_submission *sub, struct bz_outmail *mail)
{
	struct bz_receipt_render_ctx *ctx = arg;
	struct bz_receipt r;
	struct bz_buf b = BZ_BUF_INIT;

	bz_buf_reset(&ctx->err);
	if (ctx->signer == NULL) {
		bz_receipt_submission_digests(folio, sub, ctx->tz, NULL,
		    mail->cadena_sha256, mail->envelope_sha256);
		return 0;
	}
	if (ctx->defer)
		return render_deferred(ctx, folio, sub, mail);
	bz_receipt_init(&r);
	if (render_sealed(ctx, folio, sub, &r, &mail->message, &ctx->err) != 0) {
		bz_receipt_free(&r);
		return -1;
	}
	/* The cadena the sello covers, exactly. */
	bz_receipt_cadena(&r, &b);
	bz_sha256_hex(b.data, b.len, mail->cadena_sha256);
	bz_buf_reset(&b);
	bz_receipt_envelope_string(sub, &b);
	bz_sha256_hex(b.data, b.len, mail->envelope_sha256);
	bz_buf_free(&b);
	if (r.institution_no_certificado != NULL)
		mail->institution_no_certificado = xstrdup(r.institution_no_certificado);
	bz_receipt_free(&r);
	if (ctx->to != NULL && ctx->to[0] != '\0')
		bz_outmail_add_rcpt(mail, ctx->to);
	return 0;
}
