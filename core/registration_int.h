/*
 * registration_int - what the registration store files share (not public)
 */
#ifndef BUZON_REGISTRATION_INT_H
#define BUZON_REGISTRATION_INT_H

#include <stdint.h>

#include "buzon/registration.h"
#include "buzon/store.h"

#define REG_COLUMNS "id, rfc, rfc_representante, state, folio, signer_email, " \
	"mobile, mobile_confirmed_utc, created_utc, expires_utc, consent_sha256, " \
	"enabled_utc"

/* The first registration a WHERE (and ORDER BY) clause with one bound
 * text (or, text NULL, id) selects, with its live addresses. */
enum bz_store_status registration_load_one(struct bz_store *st, const char *where,
	    const char *text, int64_t id, struct bz_registration *r);
/* Hex SHA-256 of the row and its addresses: what each event seals. 0/-1. */
int	registration_row_digest(struct bz_store *st, int64_t id, char out[65]);

/*
 * The 72 hours run per contact means from its hand-off (issue 9: "from the
 * hand-off of the validation notice"): an address from notice_sent_utc
 * (the MTA took its validation notice), the mobile from mobile_sent_utc
 * (SmsCommand exited 0); both recorded on the registration clock by
 * bz_registration_handoffs. A means not handed off yet has not started
 * its clock. A notice or SMS the outbox gave up on can never start one:
 * it counts as run out.
 *
 * ADDR_OUT: an unconfirmed address (as a) whose clock ran out at ?1.
 * MOBILE_SETTLED: the mobile of r confirmed, or its clock ran out at ?1.
 * SETTLED: every clock of r has run out (or its means is confirmed).
 */
#define LIFETIME_SQL "259200"
#define ADDR_OUT "(a.confirmed_utc IS NULL AND a.dropped = 0 AND " \
	"((a.notice_sent_utc IS NOT NULL AND a.notice_sent_utc + " LIFETIME_SQL \
	" <= ?1) OR EXISTS (SELECT 1 FROM outbox o WHERE o.id = " \
	"a.notice_outbox_id AND o.status = 'failed')))"
#define MOBILE_SETTLED "(r.mobile_confirmed_utc IS NOT NULL OR " \
	"(r.mobile_sent_utc IS NOT NULL AND r.mobile_sent_utc + " LIFETIME_SQL \
	" <= ?1) OR EXISTS (SELECT 1 FROM sms_queue q WHERE q.registration_id = " \
	"r.id AND q.status = 'failed'))"
#define SETTLED "(" MOBILE_SETTLED " AND NOT EXISTS (SELECT 1 FROM " \
	"registration_addresses a WHERE a.registration_id = r.id AND " \
	"a.confirmed_utc IS NULL AND a.dropped = 0 AND NOT " ADDR_OUT "))"
/* Registrations (as r) the 72-hour rule has work on at instant ?1: an
 * address to drop, or a pending one whose clocks have all run out. */
#define EXPIRABLE "(r.state IN ('pending', 'confirmed') AND (EXISTS (SELECT 1 " \
	"FROM registration_addresses a WHERE a.registration_id = r.id AND " \
	ADDR_OUT ") OR (r.state = 'pending' AND " SETTLED ")))"

_Static_assert(BZ_REG_LIFETIME == 259200, "LIFETIME_SQL is BZ_REG_LIFETIME");

/* Append event kind for registration id, its detail the row's state
 * digest (and name: value when name is not NULL). 0/-1. */
int	registration_event(struct bz_store *st, const char *qid, int64_t now,
	    const char *kind, int64_t id, const char *name, const char *value);
/* Run one UPDATE bound to (now, id), or to (id) when it has one
 * parameter. 0/-1, logged as what. */
int	registration_exec_id(struct bz_store *st, const char *qid, const char *sql,
	    int64_t now, int64_t id, const char *what);

#endif
