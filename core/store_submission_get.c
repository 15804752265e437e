/*
 * store_submission_get - reading recorded submissions back
 *
 * bz_store_submission_get() fills an owned copy of one folio's record
 * (signer, verdicts, reasons, envelope, parts, the acuse as kept);
 * bz_store_submission_list() lists folios by signer RFC and arrival;
 * bz_submission_free() releases a copy. Writing is core/store_submission.c.
 * Failure: BZ_STORE_TEMPFAIL when SQLite fails (logged), NOTFOUND when
 * the folio is unknown.
 */
#include "build-aux/config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/log.h"
#include "buzon/reason.h"
#include "buzon/store.h"
#include "buzon/verdict.h"
#include "buzon/xalloc.h"
#include "store_int.h"

/* check_from_name - inverse of bz_check_name */
static enum bz_check
check_from_name(const char *s)
{
	if (s != NULL && strcmp(s, "pass") == 0)
		return BZ_CHECK_PASS;
	if (s != NULL && strcmp(s, "fail") == 0)
		return BZ_CHECK_FAIL;
	return BZ_CHECK_UNKNOWN;
}

/* verdict_from_name - inverse of bz_verdict_name */
static enum bz_verdict
verdict_from_name(const char *s)
{
	if (s != NULL && strcmp(s, "accepted") == 0)
		return BZ_VERDICT_ACCEPTED;
	if (s != NULL && strcmp(s, "rejected") == 0)
		return BZ_VERDICT_REJECTED;
	return BZ_VERDICT_TEMPFAIL;
}

/* rcpts_split - stored recipients back into a vector */
static void
rcpts_split(const char *text, struct bz_submission *sub)
{
	char **v = NULL;
	size_t n = 0;
	const char *p = text, *nl;

	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = nl ? xstrndup(p, (size_t)(nl - p)) : xstrdup(p);
		p = nl ? nl + 1 : NULL;
	}
	sub->env_rcpts = (const char *const *)v;
	sub->n_rcpts = n;
}

/* reasons_parse - stored codes back into a list; unknown codes skipped */
static void
reasons_parse(const char *text, struct bz_reasons *r)
{
	char *copy, *tok, *save = NULL;

	bz_reasons_init(r);
	if (text == NULL)
		return;
	copy = xstrdup(text);
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (bz_reason_find(tok) != NULL)
			bz_reasons_add(r, tok);
	free(copy);
}

/* load_parts - the parts of one folio, in order */
static int
load_parts(struct bz_store *st, struct bz_submission *sub)
{
	struct bz_db_stmt *s;
	struct bz_part *parts = NULL;
	size_t n = 0;
	int rc;

	if ((s = store_prepare(st, NULL, "SELECT name, content_type, size, sha256 "
	    "FROM parts WHERE folio = ? ORDER BY idx")) == NULL)
		return -1;
	store_bind_text(s, 1, sub->folio);
	while ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		const char *h = bz_db_column_text(s, 3);

		parts = xrealloc(parts, (n + 1) * sizeof(*parts));
		memset(&parts[n], 0, sizeof(parts[n]));
		parts[n].name = store_column_dup(s, 0);
		parts[n].content_type = store_column_dup(s, 1);
		parts[n].size = (size_t)bz_db_column_int64(s, 2);
		snprintf(parts[n].sha256, sizeof(parts[n].sha256), "%s",
		    h ? (const char *)h : "");
		n++;
	}
	bz_db_finalize(s);
	sub->parts = parts;
	sub->n_parts = n;
	if (rc != BZ_DB_DONE) {
		store_log_error(st, NULL, "read parts");
		return -1;
	}
	return 0;
}

/* bz_store_submission_get - one recorded submission, owned copy */
enum bz_store_status
bz_store_submission_get(struct bz_store *st, const char *folio,
    struct bz_submission *sub)
{
	struct bz_db_stmt *s;
	int rc, i = 0;

	memset(sub, 0, sizeof(*sub));
	if ((s = store_prepare(st, NULL, "SELECT id, folio, year, qid, arrival_utc, "
	    "legal_utc, legal_rule, legal_basis, first_hour, calendar_version, signer_rfc, "
	    "signer_rfc_representante, signer_curp, signer_curp_representante, "
	    "signer_name, signer_moral, signer_no_certificado, signer_serial_hex, "
	    "signer_cert_sha256, signer_not_before, signer_not_after, integrity, trust, "
	    "identity, verdict, reasons, message_sha256, signed_sha256, message_id, "
	    "subject, env_from, env_rcpts, spool_path, acuse_status, created_utc, "
	    "signer_email, acuse, institution_no_certificado, event, "
	    "notification_folio FROM submissions WHERE folio = ?")) == NULL)
		return BZ_STORE_TEMPFAIL;
	store_bind_text(s, 1, folio);
	rc = bz_db_step(s);
	if (rc != BZ_DB_ROW) {
		if (rc != BZ_DB_DONE)
			store_log_error(st, NULL, "read submission");
		bz_db_finalize(s);
		return rc == BZ_DB_DONE ? BZ_STORE_NOTFOUND : BZ_STORE_TEMPFAIL;
	}
	sub->id = bz_db_column_int64(s, i++);
	snprintf(sub->folio, sizeof(sub->folio), "%s", bz_db_column_text(s, i++));
	sub->legal_year = (int)bz_db_column_int64(s, i++);
	sub->qid = store_column_dup(s, i++);
	sub->arrival_utc = bz_db_column_int64(s, i++);
	sub->legal_utc = bz_db_column_int64(s, i++);
	sub->legal_rule = store_column_dup(s, i++);
	sub->legal_basis = store_column_dup(s, i++);
	sub->first_hour = store_column_dup(s, i++);
	sub->calendar_version = store_column_dup(s, i++);
	sub->signer.rfc = store_column_dup(s, i++);
	sub->signer.rfc_representante = store_column_dup(s, i++);
	sub->signer.curp = store_column_dup(s, i++);
	sub->signer.curp_representante = store_column_dup(s, i++);
	sub->signer.name = store_column_dup(s, i++);
	sub->signer.moral = (int)bz_db_column_int64(s, i++);
	sub->signer.no_certificado = store_column_dup(s, i++);
	sub->signer.serial_hex = store_column_dup(s, i++);
	sub->signer.cert_sha256 = store_column_dup(s, i++);
	sub->signer.not_before = bz_db_column_int64(s, i++);
	sub->signer.not_after = bz_db_column_int64(s, i++);
	sub->integrity = check_from_name(bz_db_column_text(s, i++));
	sub->trust = check_from_name(bz_db_column_text(s, i++));
	sub->identity = check_from_name(bz_db_column_text(s, i++));
	sub->verdict = verdict_from_name(bz_db_column_text(s, i++));
	reasons_parse(bz_db_column_text(s, i++), &sub->reasons);
	sub->message_sha256 = store_column_dup(s, i++);
	sub->signed_sha256 = store_column_dup(s, i++);
	sub->message_id = store_column_dup(s, i++);
	sub->subject = store_column_dup(s, i++);
	sub->env_from = store_column_dup(s, i++);
	rcpts_split(bz_db_column_text(s, i++), sub);
	sub->spool_path = store_column_dup(s, i++);
	sub->acuse_status = store_column_dup(s, i++);
	sub->created_utc = bz_db_column_int64(s, i++);
	sub->signer.email = store_column_dup(s, i++);
	if (bz_db_column_type(s, i) == BZ_DB_BLOB) {
		sub->acuse_len = (size_t)bz_db_column_bytes(s, i);
		sub->acuse = xmalloc(sub->acuse_len + 1);
		memcpy(sub->acuse, bz_db_column_blob(s, i), sub->acuse_len);
		sub->acuse[sub->acuse_len] = '\0';
	}
	i++;
	sub->institution_no_certificado = store_column_dup(s, i++);
	sub->event = store_column_dup(s, i++);
	sub->notification_folio = store_column_dup(s, i++);
	bz_db_finalize(s);
	if (load_parts(st, sub) < 0) {
		bz_submission_free(sub);
		return BZ_STORE_TEMPFAIL;
	}
	return BZ_STORE_OK;
}

/* bz_store_submission_list - folios by signer RFC and arrival */
enum bz_store_status
bz_store_submission_list(struct bz_store *st, const char *rfc, int64_t since_utc,
    char ***folios, size_t *n)
{
	struct bz_db_stmt *s;

	*folios = NULL;
	*n = 0;
	if ((s = store_prepare(st, NULL, "SELECT folio FROM submissions WHERE "
	    "(?1 IS NULL OR signer_rfc = ?1) AND arrival_utc >= ?2 ORDER BY id")) == NULL)
		return BZ_STORE_TEMPFAIL;
	store_bind_text(s, 1, rfc);
	bz_db_bind_int64(s, 2, since_utc > 0 ? since_utc : INT64_MIN);
	return store_column_strings(st, s, "list submissions", folios, n);
}

/* bz_submission_free - release a record filled by bz_store_submission_get */
void
bz_submission_free(struct bz_submission *sub)
{
	free((char *)sub->qid);
	free((char *)sub->legal_rule);
	free((char *)sub->legal_basis);
	free((char *)sub->first_hour);
	free((char *)sub->calendar_version);
	bz_signer_free(&sub->signer);
	bz_reasons_free(&sub->reasons);
	free((char *)sub->message_sha256);
	free((char *)sub->signed_sha256);
	free((char *)sub->message_id);
	free((char *)sub->subject);
	free((char *)sub->env_from);
	for (size_t r = 0; r < sub->n_rcpts; r++)
		free((char *)sub->env_rcpts[r]);
	free((void *)sub->env_rcpts);
	free((char *)sub->spool_path);
	for (size_t p = 0; p < sub->n_parts; p++) {
		free(sub->parts[p].name);
		free(sub->parts[p].content_type);
	}
	free((void *)sub->parts);
	free((char *)sub->acuse_status);
	free(sub->acuse);
	free(sub->institution_no_certificado);
	free(sub->event);
	free((char *)sub->notification_folio);
	memset(sub, 0, sizeof(*sub));
}
