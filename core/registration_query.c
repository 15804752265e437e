/*
 * registration_query - reading the registrations (and checking them
 *			against the event log)
 *
 * See core/registration_store.c for the states and the events. Here: the
 * rows as struct bz_registration (get prefers the enabled registration of
 * an RFC, list shows every one), the confirmed addresses an acuse goes to,
 * and the digest of a row (registration_row_digest) that every event of
 * the row seals, which bz_registration_verify_rows compares with the row
 * as it is now.
 *
 * Failure: SQLite errors are logged and give BZ_STORE_TEMPFAIL or -1.
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>

#include "buzon/digest.h"
#include "buzon/registration.h"
#include "buzon/store_sql.h"
#include "buzon/xalloc.h"
#include "registration_int.h"

/* bz_registration_free - release one registration */
void
bz_registration_free(struct bz_registration *r)
{
	free(r->rfc);
	free(r->rfc_representante);
	free(r->state);
	free(r->folio);
	free(r->signer_email);
	for (size_t i = 0; i < r->naddresses; i++)
		free(r->addresses[i].address);
	free(r->addresses);
	free(r->mobile);
	free(r->consent_sha256);
	memset(r, 0, sizeof(*r));
}

/* bz_reg_result_free - release a confirmation's result */
void
bz_reg_result_free(struct bz_reg_result *r)
{
	free(r->rfc);
	free(r->address);
	free(r->folio);
	free(r->state);
	for (size_t i = 0; i < r->nrcpts; i++)
		free(r->rcpts[i]);
	free(r->rcpts);
	memset(r, 0, sizeof(*r));
}

/* read_row - the REG_COLUMNS of a statement into r */
static void
read_row(struct bz_db_stmt *s, struct bz_registration *r)
{
	memset(r, 0, sizeof(*r));
	r->id = bz_db_column_int64(s, 0);
	r->rfc = store_column_dup(s, 1);
	r->rfc_representante = store_column_dup(s, 2);
	r->state = store_column_dup(s, 3);
	r->folio = store_column_dup(s, 4);
	r->signer_email = store_column_dup(s, 5);
	r->mobile = store_column_dup(s, 6);
	r->mobile_confirmed_utc = bz_db_column_int64(s, 7);
	r->created_utc = bz_db_column_int64(s, 8);
	r->expires_utc = bz_db_column_int64(s, 9);
	r->consent_sha256 = store_column_dup(s, 10);
	r->enabled_utc = bz_db_column_int64(s, 11);
}

/* load_addresses - the live (not dropped) addresses of r */
static int
load_addresses(struct bz_store *st, struct bz_registration *r)
{
	struct bz_db_stmt *s;
	int rc;

	if ((s = store_prepare(st, NULL, "SELECT address, confirmed_utc FROM "
	    "registration_addresses WHERE registration_id = ? AND dropped = 0 "
	    "ORDER BY idx")) == NULL)
		return -1;
	bz_db_bind_int64(s, 1, r->id);
	while ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		r->addresses = xrealloc(r->addresses,
		    (r->naddresses + 1) * sizeof(*r->addresses));
		r->addresses[r->naddresses].address = store_column_dup(s, 0);
		r->addresses[r->naddresses].confirmed_utc = bz_db_column_int64(s, 1);
		r->naddresses++;
	}
	bz_db_finalize(s);
	if (rc != BZ_DB_DONE) {
		store_log_error(st, NULL, "read registration addresses");
		return -1;
	}
	return 0;
}

/* registration_load_one - the first registration a WHERE (and ORDER BY) clause with one
 * bound text or id selects */
enum bz_store_status
registration_load_one(struct bz_store *st, const char *where, const char *text, int64_t id,
    struct bz_registration *r)
{
	struct bz_db_stmt *s;
	char *sql = xasprintf("SELECT " REG_COLUMNS " FROM registrations WHERE %s "
	    "LIMIT 1", where);
	int rc;

	s = store_prepare(st, NULL, sql);
	free(sql);
	if (s == NULL)
		return BZ_STORE_TEMPFAIL;
	if (text != NULL)
		store_bind_text(s, 1, text);
	else
		bz_db_bind_int64(s, 1, id);
	rc = bz_db_step(s);
	if (rc == BZ_DB_ROW)
		read_row(s, r);
	bz_db_finalize(s);
	if (rc == BZ_DB_DONE)
		return BZ_STORE_NOTFOUND;
	if (rc != BZ_DB_ROW) {
		store_log_error(st, NULL, "read registration");
		return BZ_STORE_TEMPFAIL;
	}
	if (load_addresses(st, r) < 0) {
		bz_registration_free(r);
		return BZ_STORE_TEMPFAIL;
	}
	return BZ_STORE_OK;
}

/* bz_registration_get - rfc's enabled registration, else its newest one
 * not replaced (a pending ACTUALIZACION shows in list, not here) */
enum bz_store_status
bz_registration_get(struct bz_store *st, const char *rfc, struct bz_registration *r)
{
	return registration_load_one(st, "rfc = ? AND state != 'replaced' ORDER BY state = "
	    "'enabled' DESC, id DESC", rfc, 0, r);
}

/* bz_registration_list - one row per registration, newest first */
enum bz_store_status
bz_registration_list(struct bz_store *st, const char *state,
    struct bz_registration **rs, size_t *n)
{
	struct bz_db_stmt *s;
	int rc;

	*rs = NULL;
	*n = 0;
	if ((s = store_prepare(st, NULL, "SELECT " REG_COLUMNS " FROM registrations "
	    "WHERE (?1 IS NULL AND state != 'replaced') OR state = ?1 "
	    "ORDER BY id DESC")) == NULL)
		return BZ_STORE_TEMPFAIL;
	store_bind_text(s, 1, state);
	while ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		*rs = xrealloc(*rs, (*n + 1) * sizeof(**rs));
		read_row(s, &(*rs)[(*n)++]);
	}
	bz_db_finalize(s);
	for (size_t i = 0; rc == BZ_DB_DONE && i < *n; i++)
		if (load_addresses(st, &(*rs)[i]) < 0)
			rc = BZ_DB_ERROR;
	if (rc != BZ_DB_DONE) {
		for (size_t i = 0; i < *n; i++)
			bz_registration_free(&(*rs)[i]);
		free(*rs);
		*rs = NULL;
		*n = 0;
		return BZ_STORE_TEMPFAIL;
	}
	return BZ_STORE_OK;
}

/* bz_registration_enabled - does rfc have an enabled mailbox? */
int
bz_registration_enabled(struct bz_store *st, const char *rfc)
{
	struct bz_db_stmt *s;
	int rc;

	if ((s = store_prepare(st, NULL, "SELECT 1 FROM registrations WHERE rfc = ? "
	    "AND state = 'enabled' LIMIT 1")) == NULL)
		return -1;
	store_bind_text(s, 1, rfc);
	rc = bz_db_step(s);
	bz_db_finalize(s);
	if (rc == BZ_DB_ROW)
		return 1;
	return rc == BZ_DB_DONE ? 0 : -1;
}

/* digest_handoff - a hand-off instant (the start of a 72-hour clock) in
 * the row's digest, once there is one: "s<len>:<value>;". A row whose
 * means were not handed off digests as before the column existed, so the
 * events sealed then still match. */
static void
digest_handoff(struct bz_buf *b, struct bz_db_stmt *s, int col)
{
	const char *t = bz_db_column_text(s, col);

	if (t != NULL)
		bz_buf_printf(b, "s%zu:%s;", strlen((const char *)t), (const char *)t);
}

/*
 * registration_row_digest - SHA-256 of the registration row and its addresses in a
 * fixed text form: what each event's "state_sha256" seals
 */
int
registration_row_digest(struct bz_store *st, int64_t id, char out[65])
{
	struct bz_db_stmt *s;
	struct bz_buf b = BZ_BUF_INIT;
	int rc;

	if ((s = store_prepare(st, NULL, "SELECT id, rfc, rfc_representante, state, "
	    "folio, signer_email, mobile, mobile_code_sha256, mobile_confirmed_utc, "
	    "created_utc, expires_utc, consent_sha256, enabled_utc, mobile_sent_utc "
	    "FROM registrations WHERE id = ?")) == NULL)
		return -1;
	bz_db_bind_int64(s, 1, id);
	if ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		for (int i = 0; i < 13; i++) {
			const char *t = bz_db_column_text(s, i);

			bz_buf_printf(&b, "%zu:%s|", t ? strlen((const char *)t) : 0,
			    t ? (const char *)t : "");
		}
		digest_handoff(&b, s, 13);
	}
	bz_db_finalize(s);
	if (rc != BZ_DB_ROW)
		goto fail;
	if ((s = store_prepare(st, NULL, "SELECT idx, address, token_sha256, "
	    "token_used_utc, confirmed_utc, dropped, notice_sent_utc FROM "
	    "registration_addresses WHERE registration_id = ? ORDER BY idx")) == NULL)
		goto fail;
	bz_db_bind_int64(s, 1, id);
	while ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		for (int i = 0; i < 6; i++) {
			const char *t = bz_db_column_text(s, i);

			bz_buf_printf(&b, "%zu:%s%c", t ? strlen((const char *)t) : 0,
			    t ? (const char *)t : "", i == 5 ? ';' : '|');
		}
		digest_handoff(&b, s, 6);
	}
	bz_db_finalize(s);
	if (rc != BZ_DB_DONE)
		goto fail;
	bz_sha256_hex(b.data, b.len, out);
	bz_buf_free(&b);
	return 0;
fail:
	store_log_error(st, NULL, "read registration for its digest");
	bz_buf_free(&b);
	return -1;
}

/*
 * bz_registration_verify_rows - every registration row against the
 * state_sha256 of its newest event: bad(arg, label, why) for each row
 * changed behind the log (or without any event)
 */
enum bz_store_status
bz_registration_verify_rows(struct bz_store *st,
    void (*bad)(void *arg, const char *label, const char *why), void *arg,
    int64_t *checked)
{
	struct bz_db_stmt *s, *e;
	int rc;

	*checked = 0;
	if ((s = store_prepare(st, NULL, "SELECT id, rfc FROM registrations "
	    "ORDER BY id")) == NULL)
		return BZ_STORE_TEMPFAIL;
	while ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		int64_t id = bz_db_column_int64(s, 0);
		char *label = xasprintf("registration %lld (%s)", (long long)id,
		    bz_db_column_text(s, 1));
		char *prefix = xasprintf("{\"registration\": %lld, %%", (long long)id);
		char digest[65], *want = NULL;
		const char *d, *p;

		(*checked)++;
		if ((e = store_prepare(st, NULL, "SELECT detail FROM events WHERE "
		    "detail LIKE ? ORDER BY id DESC LIMIT 1")) == NULL) {
			free(label);
			free(prefix);
			bz_db_finalize(s);
			return BZ_STORE_TEMPFAIL;
		}
		store_bind_text(e, 1, prefix);
		if (bz_db_step(e) == BZ_DB_ROW &&
		    (d = bz_db_column_text(e, 0)) != NULL &&
		    (p = strstr(d, "\"state_sha256\": \"")) != NULL)
			want = xstrndup(p + strlen("\"state_sha256\": \""), 64);
		bz_db_finalize(e);
		if (registration_row_digest(st, id, digest) < 0)
			bad(arg, label, "the row cannot be read");
		else if (want == NULL)
			bad(arg, label, "no registration event seals this row");
		else if (strcmp(want, digest) != 0)
			bad(arg, label, "the row (state, contact means, consent) is not "
			    "the one its newest event sealed");
		free(want);
		free(label);
		free(prefix);
	}
	bz_db_finalize(s);
	return rc == BZ_DB_DONE ? BZ_STORE_OK : BZ_STORE_TEMPFAIL;
}

/* bz_registration_confirmed_addresses - where rfc's acuses go besides the
 * certificate's address */
enum bz_store_status
bz_registration_confirmed_addresses(struct bz_store *st, const char *rfc,
    char ***addrs, size_t *n)
{
	struct bz_db_stmt *s;

	*addrs = NULL;
	*n = 0;
	if ((s = store_prepare(st, NULL, "SELECT a.address FROM registration_addresses a "
	    "JOIN registrations r ON r.id = a.registration_id WHERE r.rfc = ? AND "
	    "r.state = 'enabled' AND a.confirmed_utc IS NOT NULL AND a.dropped = 0 "
	    "ORDER BY r.id DESC, a.idx")) == NULL)
		return BZ_STORE_TEMPFAIL;
	store_bind_text(s, 1, rfc);
	return store_column_strings(st, s, "read confirmed addresses", addrs, n);
}
