/*
 * receipt_store - the acuse of a stored submission: the store's render
 *		   callback and the record rebuilt from a stored row
 *
 * bz_store_record_submission() calls bz_receipt_store_render() inside its
 * transaction, once the folio is allocated; the acuse bytes go to the
 * outbox in the same commit. The record is built only from the stored
 * submission (struct bz_submission) plus the zone for local instants, so
 * `buzonctl receipt show/resend` rebuild exactly the same record later and
 * - RSA PKCS#1 v1.5 being deterministic - the same sello.
 *
 * Failure: the callback returns -1 with the reason in ctx->err (the store
 * then rolls back and answers BZ_STORE_TEMPFAIL).
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>

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
	bz_receipt_set(&r->event, event ? event : BZ_RECEIPT_EVENT_SUBMISSION);
	bz_receipt_set_signer(r, &sub->signer);
	bz_receipt_set_outcome(r, sub->integrity, sub->trust, sub->identity,
	    sub->verdict);
	bz_receipt_set(&r->message_id, sub->message_id);
	bz_receipt_set(&r->subject, sub->subject);
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
}

/* trimmed - a copy without surrounding blanks (a Message-ID header value) */
static char *
trimmed(const char *s)
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

/* bz_receipt_render_submission - the signed acuse of a stored submission */
int
bz_receipt_render_submission(const struct bz_receipt_render_ctx *ctx,
    const char *folio, const struct bz_submission *sub, struct bz_buf *out,
    struct bz_buf *err)
{
	struct bz_receipt r;
	struct bz_receipt_mail m;
	char *irt = trimmed(sub->message_id);
	int rc;

	bz_receipt_init(&r);
	bz_receipt_from_submission(&r, folio, sub, ctx->tz, ctx->event);
	m.from = ctx->mailbox;
	m.to = sub->env_from;
	m.in_reply_to = irt;
	m.date = ctx->now;
	rc = bz_receipt_render(ctx->signer, &r, &m, out, NULL, err);
	bz_receipt_free(&r);
	free(irt);
	return rc;
}

/* bz_receipt_store_render - bz_store_render_fn: the acuse to the envelope sender */
int
bz_receipt_store_render(void *arg, const char *folio,
    const struct bz_submission *sub, struct bz_outmail *mail)
{
	struct bz_receipt_render_ctx *ctx = arg;

	bz_buf_reset(&ctx->err);
	if (bz_receipt_render_submission(ctx, folio, sub, &mail->message, &ctx->err) != 0)
		return -1;
	/* The null sender is never answered (RFC 3834); the caller's loop
	 * check normally passes render == NULL before we get here. */
	if (sub->env_from != NULL && sub->env_from[0] != '\0')
		bz_outmail_add_rcpt(mail, sub->env_from);
	return 0;
}
