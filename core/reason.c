/*
 * reason - stable reason codes for every verdict the gateway gives
 *
 * See include/buzon/reason.h. The table is the catalogue of codes; the
 * README lists them for operators. Spanish text goes to the sender, English
 * to the log (personal data never appears in either: they are fixed texts).
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>

#include "buzon/log.h"
#include "buzon/reason.h"
#include "buzon/xalloc.h"

static const struct bz_reason reasons[] = {
	{ "BZ-MSG-TOO-LARGE", BZ_REASON_REJECT, "552", "5.3.4",
	  "El mensaje excede el tamano maximo permitido",
	  "message exceeds MaxMessageSize" },
	{ "BZ-INTERNAL", BZ_REASON_TEMPFAIL, "451", "4.3.0",
	  "Error interno temporal, intente mas tarde",
	  "internal error, try again later" },
};

/* bz_reason_find - catalogue entry for a code, NULL if unknown */
const struct bz_reason *
bz_reason_find(const char *code)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(reasons[i].code, code) == 0)
			return &reasons[i];
	return NULL;
}

/* bz_reason_all - the whole catalogue */
const struct bz_reason *
bz_reason_all(size_t *n)
{
	*n = sizeof(reasons) / sizeof(reasons[0]);
	return reasons;
}

/* bz_reasons_init - empty list */
void
bz_reasons_init(struct bz_reasons *r)
{
	r->items = NULL;
	r->n = 0;
}

/* bz_reasons_free - release the list (entries are static) */
void
bz_reasons_free(struct bz_reasons *r)
{
	free(r->items);
	bz_reasons_init(r);
}

/* bz_reasons_has - is code already in the list? */
int
bz_reasons_has(const struct bz_reasons *r, const char *code)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->items[i]->code, code) == 0)
			return 1;
	return 0;
}

/* bz_reasons_add - append a reason once */
void
bz_reasons_add(struct bz_reasons *r, const char *code)
{
	const struct bz_reason *reason = bz_reason_find(code);

	if (reason == NULL)
		bz_panic("reason: code %s is not in the catalogue", code);
	if (bz_reasons_has(r, code))
		return;
	r->items = xrealloc(r->items, (r->n + 1) * sizeof(*r->items));
	r->items[r->n++] = reason;
}

/* bz_reasons_tempfail - does any reason call for a temporary failure? */
int
bz_reasons_tempfail(const struct bz_reasons *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->items[i]->class == BZ_REASON_TEMPFAIL)
			return 1;
	return 0;
}
