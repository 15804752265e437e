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

#endif
