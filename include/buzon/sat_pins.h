/*
 * sat_pins - compiled-in SHA-256 fingerprints of SAT's production CAs
 *
 * The facts that decide "is this issuer really SAT?" in production. The
 * fingerprint is the SHA-256 of the certificate's DER encoding. Names are
 * never compared (AC6 has a double-encoded subject; a DN is not an
 * identity). Update this table, and only this table, when SAT publishes a
 * new issuing CA.
 *
 * Interface: bz_sat_pin_find() looks a fingerprint up and returns its
 * entry, or NULL.
 */
#ifndef BUZON_SAT_PINS_H
#define BUZON_SAT_PINS_H

#include <stddef.h>

enum bz_sat_pin_role {
	BZ_SAT_PIN_ROOT,	/* Banxico root (Agencia Registradora Central) */
	BZ_SAT_PIN_ISSUING,	/* SAT issuing CA of e.firma certificates */
};

struct bz_sat_pin {
	const char	*label;		/* "AC5" */
	enum bz_sat_pin_role role;
	unsigned char	 sha256[32];
};

const struct bz_sat_pin *bz_sat_pin_find(const unsigned char sha256[32]);

#endif
