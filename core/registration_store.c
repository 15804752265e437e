/*
 * registration_store - the registration tables and their state machine
 *
 * States: pending (REGISTRO recorded, contact means being confirmed) ->
 * confirmed (the mobile and at least one address confirmed) -> enabled
 * (CONFORMIDAD with the published hash). pending -> expired when the
 * 72-hour clocks of its contact means all ran out without a confirmed
 * address and mobile (core/registration_clock.c);
 * pending/confirmed -> replaced by a newer REGISTRO of the same RFC. An
 * ACTUALIZACION (a registration with update_of, the enabled one of its
 * RFC) goes pending -> confirmed -> enabled at once, the one it updates
 * -> replaced.
 *
 * Every transition appends an event ("registration-pending",
 * "registration-replaced", "contact-confirmed", "mobile-confirmed",
 * "mobile-code-wrong", "registration-confirmed", "registration-enabled",
 * "registration-updated", "contact-handed-off", "contact-dropped",
 * "registration-expired") to
 * the hash chain in the same transaction. Each detail carries
 * "state_sha256": the digest of the registration row and its addresses
 * after the transition (registration_row_digest), so
 * bz_registration_verify_rows (core/registration_query.c) names a row
 * changed behind the log.
 * Token and code values never reach this file in clear except to be
 * hashed on creation; the events carry neither.
 *
 * Failure: SQLite errors are logged (with the queue id) and give
 * BZ_STORE_TEMPFAIL or -1; the transaction is rolled back.
 */
#include "build-aux/config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/digest.h"
#include "buzon/json.h"
#include "buzon/log.h"
#include "buzon/registration.h"
#include "buzon/store_sql.h"
#include "buzon/xalloc.h"
#include "registration_int.h"

#define MAX_CODE_ATTEMPTS 5


/* registration_event - append kind for registration id with its state digest */
int
registration_event(struct bz_store *st, const char *qid, int64_t now, const char *kind,
    int64_t id, const char *name, const char *value)
{
	struct bz_buf detail = BZ_BUF_INIT;
	struct bz_json j;
	struct bz_db_stmt *s;
	char digest[65], *folio = NULL, *rfc = NULL, *state = NULL;
	int r = -1;

	if (registration_row_digest(st, id, digest) < 0)
		return -1;
	if ((s = store_prepare(st, qid, "SELECT folio, rfc, state FROM registrations "
	    "WHERE id = ?")) == NULL)
		return -1;
	bz_db_bind_int64(s, 1, id);
	if (bz_db_step(s) == BZ_DB_ROW) {
		folio = store_column_dup(s, 0);
		rfc = store_column_dup(s, 1);
		state = store_column_dup(s, 2);
	}
	bz_db_finalize(s);
	bz_json_init(&j, &detail);
	bz_json_object(&j, NULL);
	bz_json_int(&j, "registration", id);
	bz_json_str(&j, "rfc", rfc);
	bz_json_str(&j, "state", state);
	if (name != NULL)
		bz_json_str(&j, name, value);
	bz_json_str(&j, "state_sha256", digest);
	bz_json_end(&j);
	r = store_event_append_locked(st, qid, now, kind, folio, bz_buf_str(&detail));
	bz_buf_free(&detail);
	free(folio);
	free(rfc);
	free(state);
	return r;
}

/* registration_exec_id - run one UPDATE bound to (now, id) or (id) */
int
registration_exec_id(struct bz_store *st, const char *qid, const char *sql, int64_t now,
    int64_t id, const char *what)
{
	struct bz_db_stmt *s;

	if ((s = store_prepare(st, qid, sql)) == NULL)
		return -1;
	/* (now, id) or (id): these statements have no '?' in literals */
	if (strchr(strchr(sql, '?') + 1, '?') != NULL) {
		bz_db_bind_int64(s, 1, now);
		bz_db_bind_int64(s, 2, id);
	} else
		bz_db_bind_int64(s, 1, id);
	return store_step_done(st, s, qid, what);
}

/* replace_live - every pending/confirmed registration of rfc: replaced */
static int
replace_live(struct bz_store *st, const char *qid, const char *rfc, int64_t now,
    int *replaced)
{
	struct bz_db_stmt *s;
	int64_t ids[16];
	size_t n = 0;
	int rc;

	if ((s = store_prepare(st, qid, "SELECT id FROM registrations WHERE rfc = ? "
	    "AND state IN ('pending', 'confirmed') LIMIT 16")) == NULL)
		return -1;
	store_bind_text(s, 1, rfc);
	while ((rc = bz_db_step(s)) == BZ_DB_ROW)
		ids[n++] = bz_db_column_int64(s, 0);
	bz_db_finalize(s);
	if (rc != BZ_DB_DONE)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (registration_exec_id(st, qid, "UPDATE registrations SET state = 'replaced' "
		    "WHERE id = ?", 0, ids[i], "replace registration") < 0 ||
		    registration_event(st, qid, now, "registration-replaced", ids[i], NULL,
		    NULL) < 0)
			return -1;
		*replaced = 1;
	}
	return 0;
}

/* bz_registration_create_locked - a new pending registration (see header) */
int
bz_registration_create_locked(struct bz_store *st, const char *qid,
    struct bz_reg_new *n)
{
	const struct bz_reg_request *req = n->req;
	struct bz_db_stmt *s;
	char hash[65];

	n->replaced = 0;
	if (replace_live(st, qid, n->rfc, n->now, &n->replaced) < 0)
		return -1;
	/* An enabled mailbox stays in force: this is an ACTUALIZACION. */
	n->update_of = 0;
	if ((s = store_prepare(st, qid, "SELECT id FROM registrations WHERE rfc = ? "
	    "AND state = 'enabled' ORDER BY id DESC LIMIT 1")) == NULL)
		return -1;
	store_bind_text(s, 1, n->rfc);
	if (bz_db_step(s) == BZ_DB_ROW)
		n->update_of = bz_db_column_int64(s, 0);
	bz_db_finalize(s);
	if (bz_contact_code_new(n->code) < 0) {
		bz_log(BZ_LOG_ERR, qid, "registration: no random bytes for the code");
		return -1;
	}
	bz_contact_code_hash(n->rfc, n->code, hash);
	if ((s = store_prepare(st, qid, "INSERT INTO registrations (rfc, "
	    "rfc_representante, state, folio, signer_email, mobile, "
	    "mobile_code_sha256, created_utc, expires_utc, update_of) "
	    "VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?) RETURNING id")) == NULL)
		return -1;
	store_bind_text(s, 1, n->rfc);
	store_bind_text(s, 2, n->rfc_representante);
	store_bind_text(s, 3, n->folio);
	store_bind_text(s, 4, n->signer_email);
	store_bind_text(s, 5, req->mobile);
	store_bind_text(s, 6, hash);
	bz_db_bind_int64(s, 7, n->now);
	bz_db_bind_int64(s, 8, n->now + BZ_REG_LIFETIME);
	if (n->update_of != 0)
		bz_db_bind_int64(s, 9, n->update_of);
	else
		bz_db_bind_null(s, 9);
	if (store_step_id(st, s, qid, "insert registration", &n->id) < 0)
		return -1;
	for (size_t i = 0; i < req->naddresses; i++) {
		if (bz_contact_token_new(n->tokens[i]) < 0) {
			bz_log(BZ_LOG_ERR, qid, "registration: no random bytes for a token");
			return -1;
		}
		bz_contact_token_hash(n->tokens[i], hash);
		if ((s = store_prepare(st, qid, "INSERT INTO registration_addresses "
		    "(registration_id, idx, address, token_sha256) VALUES (?, ?, ?, ?)"))
		    == NULL)
			return -1;
		bz_db_bind_int64(s, 1, n->id);
		bz_db_bind_int64(s, 2, (int64_t)i);
		store_bind_text(s, 3, req->addresses[i]);
		store_bind_text(s, 4, hash);
		if (store_step_done(st, s, qid, "insert registration address") < 0)
			return -1;
	}
	return registration_event(st, qid, n->now, "registration-pending", n->id, NULL, NULL);
}

/* recipients - confirmed addresses and the signer's, without repeats */
static int
recipients(struct bz_store *st, int64_t id, char ***rcpts, size_t *n)
{
	struct bz_db_stmt *s;
	int rc;

	if ((s = store_prepare(st, NULL, "SELECT address FROM registration_addresses "
	    "WHERE registration_id = ?1 AND confirmed_utc IS NOT NULL AND dropped = 0 "
	    "UNION SELECT lower(signer_email) FROM registrations WHERE id = ?1 AND "
	    "signer_email IS NOT NULL")) == NULL)
		return -1;
	bz_db_bind_int64(s, 1, id);
	while ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		*rcpts = xrealloc(*rcpts, (*n + 1) * sizeof(**rcpts));
		(*rcpts)[(*n)++] = store_column_dup(s, 0);
	}
	bz_db_finalize(s);
	return rc == BZ_DB_DONE ? 0 : -1;
}

/*
 * apply_update - an ACTUALIZACION just confirmed takes over: enabled with
 * the consent of the registration it updates, which is replaced (its
 * contact means were in force until now). *done = 2.
 */
static int
apply_update(struct bz_store *st, const char *qid, int64_t id, int64_t now,
    int *done)
{
	struct bz_db_stmt *s;
	int64_t old = 0;
	int rc;

	if ((s = store_prepare(st, qid, "SELECT r.update_of FROM registrations r "
	    "JOIN registrations o ON o.id = r.update_of WHERE r.id = ? AND "
	    "o.state = 'enabled'")) == NULL)
		return -1;
	bz_db_bind_int64(s, 1, id);
	if ((rc = bz_db_step(s)) == BZ_DB_ROW)
		old = bz_db_column_int64(s, 0);
	bz_db_finalize(s);
	if (rc != BZ_DB_ROW)
		return rc == BZ_DB_DONE ? 0 : -1;
	if (registration_exec_id(st, qid, "UPDATE registrations SET state = 'replaced' WHERE id = ?",
	    0, old, "replace the updated registration") < 0 ||
	    registration_event(st, qid, now, "registration-replaced", old, NULL, NULL) < 0)
		return -1;
	if ((s = store_prepare(st, qid, "UPDATE registrations SET state = 'enabled', "
	    "enabled_utc = ?1, consent_sha256 = (SELECT consent_sha256 FROM "
	    "registrations WHERE id = ?2) WHERE id = ?3")) == NULL)
		return -1;
	bz_db_bind_int64(s, 1, now);
	bz_db_bind_int64(s, 2, old);
	bz_db_bind_int64(s, 3, id);
	if (store_step_done(st, s, qid, "enable the update") < 0 ||
	    registration_event(st, qid, now, "registration-updated", id, NULL, NULL) < 0)
		return -1;
	*done = 2;
	return 0;
}

/* maybe_confirmed - pending with the mobile and an address: confirmed */
static int
maybe_confirmed(struct bz_store *st, const char *qid, int64_t id, int64_t now,
    int *done)
{
	struct bz_db_stmt *s;
	int rc;

	*done = 0;
	if ((s = store_prepare(st, qid, "UPDATE registrations SET state = 'confirmed' "
	    "WHERE id = ?1 AND state = 'pending' AND mobile_confirmed_utc IS NOT NULL "
	    "AND EXISTS (SELECT 1 FROM registration_addresses WHERE "
	    "registration_id = ?1 AND confirmed_utc IS NOT NULL AND dropped = 0)"))
	    == NULL)
		return -1;
	bz_db_bind_int64(s, 1, id);
	if ((rc = store_step_done(st, s, qid, "confirm registration")) < 0)
		return -1;
	if (bz_db_changes(store_db(st)) == 1) {
		*done = 1;
		if (registration_event(st, qid, now, "registration-confirmed", id, NULL, NULL) < 0)
			return -1;
		return apply_update(st, qid, id, now, done);
	}
	return 0;
}

/* finish - commit a confirmation and fill res; or roll back */
static enum bz_store_status
finish(struct bz_store *st, const char *qid, int64_t id, int ok,
    struct bz_reg_result *res)
{
	struct bz_registration r;

	if (!ok || recipients(st, id, &res->rcpts, &res->nrcpts) < 0 ||
	    registration_load_one(st, "id = ?", NULL, id, &r) != BZ_STORE_OK) {
		store_rollback(st);
		return BZ_STORE_TEMPFAIL;
	}
	res->rfc = xstrdup(r.rfc);
	res->folio = r.folio ? xstrdup(r.folio) : NULL;
	res->state = xstrdup(r.state);
	bz_registration_free(&r);
	return store_commit(st, qid) < 0 ? BZ_STORE_TEMPFAIL : BZ_STORE_OK;
}

/* bz_registration_confirm_token - the address a token was sent to */
enum bz_store_status
bz_registration_confirm_token(struct bz_store *st, const char *qid,
    const char *token, int64_t now, struct bz_reg_result *res,
    struct bz_reasons *reasons)
{
	struct bz_db_stmt *s;
	char hash[65], *state = NULL;
	int64_t id = 0, idx = 0, used = 0, expires = 0;
	int rc, ok, dropped = 0;

	memset(res, 0, sizeof(*res));
	if (bz_contact_token_hash(token, hash) < 0) {
		bz_reasons_add(reasons, "BZ-REG-TOKEN-UNKNOWN");
		return BZ_STORE_NOTFOUND;
	}
	if (store_begin(st, qid) < 0)
		return BZ_STORE_TEMPFAIL;
	/* The address's own clock: from its notice's hand-off (not started:
	 * the token cannot be late, it reached the sender some other way). */
	if ((s = store_prepare(st, qid, "SELECT a.registration_id, a.idx, a.address, "
	    "a.token_used_utc, r.state, coalesce(a.notice_sent_utc + "
	    LIFETIME_SQL ", 9223372036854775807), a.dropped "
	    "FROM registration_addresses a "
	    "JOIN registrations r ON r.id = a.registration_id "
	    "WHERE a.token_sha256 = ?")) == NULL) {
		store_rollback(st);
		return BZ_STORE_TEMPFAIL;
	}
	store_bind_text(s, 1, hash);
	if ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		id = bz_db_column_int64(s, 0);
		idx = bz_db_column_int64(s, 1);
		res->address = store_column_dup(s, 2);
		used = bz_db_column_int64(s, 3);
		state = store_column_dup(s, 4);
		expires = bz_db_column_int64(s, 5);
		dropped = (int)bz_db_column_int64(s, 6);
	}
	bz_db_finalize(s);
	if (rc != BZ_DB_ROW && rc != BZ_DB_DONE) {
		store_rollback(st);
		return BZ_STORE_TEMPFAIL;
	}
	if (rc == BZ_DB_DONE)
		bz_reasons_add(reasons, "BZ-REG-TOKEN-UNKNOWN");
	else if (used != 0)
		bz_reasons_add(reasons, "BZ-REG-TOKEN-USED");
	else if (strcmp(state, "replaced") == 0)
		bz_reasons_add(reasons, "BZ-REG-TOKEN-REPLACED");
	else if (strcmp(state, "expired") == 0 || dropped || now >= expires)
		bz_reasons_add(reasons, "BZ-REG-TOKEN-EXPIRED");
	free(state);
	if (rc == BZ_DB_DONE || reasons->n > 0) {
		store_rollback(st);
		free(res->address);
		res->address = NULL;
		return BZ_STORE_NOTFOUND;
	}
	ok = (s = store_prepare(st, qid, "UPDATE registration_addresses SET "
	    "token_used_utc = ?1, confirmed_utc = ?1 WHERE registration_id = ?2 "
	    "AND idx = ?3")) != NULL;
	if (ok) {
		bz_db_bind_int64(s, 1, now);
		bz_db_bind_int64(s, 2, id);
		bz_db_bind_int64(s, 3, idx);
		ok = store_step_done(st, s, qid, "confirm address") == 0 &&
		    registration_event(st, qid, now, "contact-confirmed", id, "address",
		    res->address) == 0 &&
		    maybe_confirmed(st, qid, id, now, &res->now_confirmed) == 0;
	}
	return finish(st, qid, id, ok, res);
}

/* bz_registration_confirm_code - the mobile of rfc's live registration */
enum bz_store_status
bz_registration_confirm_code(struct bz_store *st, const char *qid,
    const char *rfc, const char *code, int64_t now, struct bz_reg_result *res,
    struct bz_reasons *reasons)
{
	struct bz_db_stmt *s;
	char hash[65], *want = NULL;
	int64_t id = 0, expires = 0, confirmed = 0;
	int attempts = 0, rc, ok;

	memset(res, 0, sizeof(*res));
	if (store_begin(st, qid) < 0)
		return BZ_STORE_TEMPFAIL;
	/* The mobile's clock: from the SMS hand-off (SmsCommand exit 0). */
	if ((s = store_prepare(st, qid, "SELECT id, mobile_code_sha256, "
	    "mobile_code_attempts, coalesce(mobile_sent_utc + " LIFETIME_SQL
	    ", 9223372036854775807), mobile_confirmed_utc "
	    "FROM registrations WHERE rfc = ? AND state IN ('pending', 'confirmed') "
	    "ORDER BY id DESC LIMIT 1")) == NULL) {
		store_rollback(st);
		return BZ_STORE_TEMPFAIL;
	}
	store_bind_text(s, 1, rfc);
	if ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		id = bz_db_column_int64(s, 0);
		want = store_column_dup(s, 1);
		attempts = (int)bz_db_column_int64(s, 2);
		expires = bz_db_column_int64(s, 3);
		confirmed = bz_db_column_int64(s, 4);
	}
	bz_db_finalize(s);
	if (rc != BZ_DB_ROW && rc != BZ_DB_DONE) {
		store_rollback(st);
		return BZ_STORE_TEMPFAIL;
	}
	bz_contact_code_hash(rfc, code, hash);
	if (rc == BZ_DB_ROW && confirmed != 0 && strcmp(hash, want) == 0) {
		/* The same code again: the sender's MTA retrying after a 451
		 * (the filing failed after this commit). Nothing changes. */
		free(want);
		return finish(st, qid, id, 1, res);
	}
	if (rc == BZ_DB_DONE || confirmed != 0)
		bz_reasons_add(reasons, "BZ-REG-NOT-PENDING");
	else if (now >= expires)
		bz_reasons_add(reasons, "BZ-REG-TOKEN-EXPIRED");
	else if (attempts >= MAX_CODE_ATTEMPTS || strcmp(hash, want) != 0) {
		bz_reasons_add(reasons, "BZ-REG-CODE-WRONG");
		/* The failed attempt counts even though the message is refused:
		 * ten to the six codes, MAX_CODE_ATTEMPTS guesses. */
		ok = registration_exec_id(st, qid, "UPDATE registrations SET mobile_code_attempts = "
		    "mobile_code_attempts + 1 WHERE id = ?", 0, id, "count code") == 0 &&
		    registration_event(st, qid, now, "mobile-code-wrong", id, NULL, NULL) == 0;
		free(want);
		if (!ok || store_commit(st, qid) < 0) {
			store_rollback(st);
			return BZ_STORE_TEMPFAIL;
		}
		return BZ_STORE_NOTFOUND;
	}
	free(want);
	if (reasons->n > 0) {
		store_rollback(st);
		return BZ_STORE_NOTFOUND;
	}
	ok = registration_exec_id(st, qid, "UPDATE registrations SET mobile_confirmed_utc = ? "
	    "WHERE id = ?", now, id, "confirm mobile") == 0 &&
	    registration_event(st, qid, now, "mobile-confirmed", id, NULL, NULL) == 0 &&
	    maybe_confirmed(st, qid, id, now, &res->now_confirmed) == 0;
	return finish(st, qid, id, ok, res);
}

/* bz_registration_consent_check - may rfc consent with hash now? */
int
bz_registration_consent_check(struct bz_store *st, const char *rfc,
    const char *hash, const char *published, int64_t now,
    struct bz_reasons *reasons)
{
	struct bz_registration r;
	enum bz_store_status rc = bz_registration_get(st, rfc, &r);

	if (rc == BZ_STORE_TEMPFAIL)
		return -1;
	(void)now;
	/* get() prefers the enabled registration: a pending ACTUALIZACION
	 * needs no second consent. */
	if (rc == BZ_STORE_NOTFOUND || strcmp(r.state, "confirmed") != 0)
		bz_reasons_add(reasons, rc == BZ_STORE_OK &&
		    strcmp(r.state, "enabled") == 0 ? "BZ-REG-ALREADY-ENABLED" :
		    "BZ-REG-NOT-CONFIRMED");
	else if (hash == NULL || published == NULL || strcmp(hash, published) != 0)
		bz_reasons_add(reasons, "BZ-REG-CONSENT-HASH");
	if (rc == BZ_STORE_OK)
		bz_registration_free(&r);
	return reasons->n > 0 ? 1 : 0;
}

/* bz_registration_enable_locked - consent recorded: the mailbox enabled */
int
bz_registration_enable_locked(struct bz_store *st, const char *qid,
    const char *rfc, const char *folio, const char *hash, int64_t now,
    char ***rcpts, size_t *nrcpts)
{
	struct bz_db_stmt *s;
	int64_t id = 0;
	int rc;

	if ((s = store_prepare(st, qid, "SELECT id FROM registrations WHERE rfc = ? "
	    "AND state = 'confirmed' ORDER BY id DESC LIMIT 1")) == NULL)
		return -1;
	store_bind_text(s, 1, rfc);
	if ((rc = bz_db_step(s)) == BZ_DB_ROW)
		id = bz_db_column_int64(s, 0);
	bz_db_finalize(s);
	if (rc != BZ_DB_ROW)
		return -1;		/* checked before: a race, tempfail */
	if ((s = store_prepare(st, qid, "UPDATE registrations SET state = 'enabled', "
	    "consent_sha256 = ?, enabled_utc = ? WHERE id = ?")) == NULL)
		return -1;
	store_bind_text(s, 1, hash);
	bz_db_bind_int64(s, 2, now);
	bz_db_bind_int64(s, 3, id);
	if (store_step_done(st, s, qid, "enable registration") < 0)
		return -1;
	/* Unconfirmed addresses of an enabled registration go: only confirmed
	 * contact means stay in force. */
	if (registration_exec_id(st, qid, "UPDATE registration_addresses SET dropped = 1 WHERE "
	    "registration_id = ? AND confirmed_utc IS NULL", 0, id,
	    "drop unconfirmed") < 0 ||
	    registration_event(st, qid, now, "registration-enabled", id, "consent_folio",
	    folio) < 0)
		return -1;
	return recipients(st, id, rcpts, nrcpts);
}

/* count_since - count(*) of sql bound to (text, since) */
static int64_t
count_since(struct bz_store *st, const char *sql, const char *text, int64_t since)
{
	struct bz_db_stmt *s;
	int64_t n = -1;

	if ((s = store_prepare(st, NULL, sql)) == NULL)
		return -1;
	store_bind_text(s, 1, text);
	bz_db_bind_int64(s, 2, since);
	if (bz_db_step(s) == BZ_DB_ROW)
		n = bz_db_column_int64(s, 0);
	bz_db_finalize(s);
	return n;
}

/*
 * bz_registration_rate_check - the bounds of a REGISTRO/ACTUALIZACION.
 * Every registration row counts, replaced and expired ones too: what is
 * bounded is what the Institute mailed and texted, not what is in force.
 */
int
bz_registration_rate_check(struct bz_store *st, const char *rfc,
    const struct bz_reg_request *req, int64_t now, int64_t max_rfc,
    int64_t max_per_address, struct bz_reasons *reasons)
{
	int64_t since = now - BZ_REG_RATE_WINDOW, n;
	size_t before = reasons->n;

	if ((n = count_since(st, "SELECT count(*) FROM registrations WHERE rfc = ? "
	    "AND created_utc > ?", rfc, since)) < 0)
		return -1;
	if (n >= max_rfc)
		bz_reasons_add(reasons, "BZ-REG-RATE-LIMIT");
	for (size_t i = 0; i < req->naddresses; i++) {
		if ((n = count_since(st, "SELECT count(*) FROM registration_addresses a "
		    "JOIN registrations r ON r.id = a.registration_id WHERE "
		    "a.address = ? AND r.created_utc > ?", req->addresses[i], since)) < 0)
			return -1;
		if (n >= max_per_address) {
			bz_reasons_add(reasons, "BZ-REG-ADDRESS-RATE-LIMIT");
			break;
		}
	}
	return reasons->n > before ? 1 : 0;
}

/* bz_registration_queue_locked - one notice into the outbox */
int
bz_registration_queue_locked(struct bz_store *st, const char *qid,
    const char *folio, const char *rcpt, const void *msg, size_t len, int64_t now)
{
	return store_outbox_enqueue_locked(st, qid, folio, "aviso", rcpt, msg, len,
	    now);
}

/* bz_registration_set_event_locked - the acuse's event of a filed step */
int
bz_registration_set_event_locked(struct bz_store *st, const char *qid,
    const char *folio, const char *event)
{
	struct bz_db_stmt *s;

	if ((s = store_prepare(st, qid, "UPDATE submissions SET event = ? "
	    "WHERE folio = ?")) == NULL)
		return -1;
	store_bind_text(s, 1, event);
	store_bind_text(s, 2, folio);
	return store_step_done(st, s, qid, "record the step's event");
}

/*
 * bz_registration_wipe_notices - the bytes of notices the MTA took (or
 * the outbox gave up on) are emptied: the token in a validation notice
 * then exists in clear only until it is handed over. secure_delete makes
 * SQLite overwrite the freed content; old page images may stay in the WAL
 * until its next checkpoint.
 */
enum bz_store_status
bz_registration_wipe_notices(struct bz_store *st, size_t *n)
{
	struct bz_db_stmt *s;

	*n = 0;
	/* SQLite: overwrite the freed pages too. PostgreSQL's old row
	 * versions go with VACUUM, which autovacuum runs. */
	if (bz_db_kind(store_db(st)) == BZ_DB_SQLITE)
		bz_db_exec(store_db(st), "PRAGMA secure_delete = ON");
	if ((s = store_prepare(st, NULL, "UPDATE outbox SET message = ? "
	    "WHERE kind = 'aviso' AND status IN ('sent', 'failed') AND "
	    "length(message) > 0")) == NULL)
		return BZ_STORE_TEMPFAIL;
	bz_db_bind_blob(s, 1, "", 0);
	if (store_step_done(st, s, NULL, "wipe sent notices") < 0)
		return BZ_STORE_TEMPFAIL;
	*n = (size_t)bz_db_changes(store_db(st));
	return BZ_STORE_OK;
}
