/*
 * reason - stable reason codes for every verdict the gateway gives
 *
 * Each code (BZ-SIG-INVALID, BZ-CERT-CSD, ...) has an SMTP enhanced status
 * code, a one-line Spanish text for the sender (SMTP reply, acuse) and an
 * English text for the log. Codes are part of the interface: never rename
 * one, only add. A bz_reasons list collects every reason found for one
 * message, in the order found, without duplicates.
 */
#ifndef BUZON_REASON_H
#define BUZON_REASON_H

#include <stddef.h>

enum bz_reason_class {
	BZ_REASON_REJECT,	/* definitely wrong: 5xx */
	BZ_REASON_TEMPFAIL,	/* cannot decide now: 4xx, the sender retries */
};

struct bz_reason {
	const char	*code;		/* "BZ-SIG-INVALID" */
	enum bz_reason_class class;
	const char	*smtp_code;	/* "550" */
	const char	*enhanced;	/* "5.7.1" */
	const char	*text_es;	/* for the sender */
	const char	*text_en;	/* for the log */
};

const struct bz_reason *bz_reason_find(const char *code);
const struct bz_reason *bz_reason_all(size_t *n);

struct bz_reasons {
	const struct bz_reason **items;
	size_t		 n;
};

void	bz_reasons_init(struct bz_reasons *r);
void	bz_reasons_free(struct bz_reasons *r);
/* Add by code; an unknown code is a programmer error (panic). */
void	bz_reasons_add(struct bz_reasons *r, const char *code);
int	bz_reasons_has(const struct bz_reasons *r, const char *code);
/* Any reason of class TEMPFAIL present? */
int	bz_reasons_tempfail(const struct bz_reasons *r);

#endif
