/*
 * receipt - the canonical record of one event: life cycle and setters
 *
 * See include/buzon/receipt.h. The record holds only owned strings so it
 * can outlive the message it describes (the store keeps it, the outbox
 * renders it later, buzonctl parses it back from XML).
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>

#include "buzon/receipt.h"
#include "buzon/xalloc.h"

/* bz_receipt_init - empty record of the current version */
void
bz_receipt_init(struct bz_receipt *r)
{
	memset(r, 0, sizeof(*r));
	r->version = xstrdup(BZ_RECEIPT_VERSION);
}

/* bz_receipt_set - replace an owned string field */
void
bz_receipt_set(char **field, const char *value)
{
	char *copy = value ? xstrdup(value) : NULL;

	free(*field);
	*field = copy;
}

/* bz_receipt_add_part - append one MIME part description */
void
bz_receipt_add_part(struct bz_receipt *r, const char *name,
    const char *content_type, uint64_t size, const char *sha256)
{
	struct bz_receipt_part *p;

	r->parts = xrealloc(r->parts, (r->nparts + 1) * sizeof(*r->parts));
	p = &r->parts[r->nparts++];
	p->name = name ? xstrdup(name) : NULL;
	p->content_type = content_type ? xstrdup(content_type) : NULL;
	p->size = size;
	p->sha256 = sha256 ? xstrdup(sha256) : NULL;
}

/* bz_receipt_add_bz_part - append a part from the verification vocabulary */
void
bz_receipt_add_bz_part(struct bz_receipt *r, const struct bz_part *p)
{
	bz_receipt_add_part(r, p->name, p->content_type, (uint64_t)p->size,
	    p->sha256);
}

/* bz_receipt_set_signer - copy the identity fields of an e.firma signer */
void
bz_receipt_set_signer(struct bz_receipt *r, const struct bz_signer *s)
{
	bz_receipt_set(&r->rfc, s->rfc);
	bz_receipt_set(&r->name, s->name);
	bz_receipt_set(&r->curp, s->curp);
	bz_receipt_set(&r->rfc_representante, s->rfc_representante);
	bz_receipt_set(&r->curp_representante, s->curp_representante);
	bz_receipt_set(&r->no_certificado, s->no_certificado);
	bz_receipt_set(&r->cert_sha256, s->cert_sha256);
}

/* bz_receipt_set_outcome - the three checks and the verdict, by name */
void
bz_receipt_set_outcome(struct bz_receipt *r, enum bz_check integrity,
    enum bz_check trust, enum bz_check identity, enum bz_verdict verdict)
{
	bz_receipt_set(&r->integrity, bz_check_name(integrity));
	bz_receipt_set(&r->trust, bz_check_name(trust));
	bz_receipt_set(&r->identity, bz_check_name(identity));
	bz_receipt_set(&r->verdict, bz_verdict_name(verdict));
}

/* bz_receipt_free - release every field; the record may be reused after init */
void
bz_receipt_free(struct bz_receipt *r)
{
	for (size_t i = 0; i < bz_receipt_nfields; i++) {
		char **field;

		if (bz_receipt_fields[i].flags & BZ_RECEIPT_F_PARTS)
			continue;
		field = bz_receipt_field_ptr(r, &bz_receipt_fields[i]);
		free(*field);
		*field = NULL;
	}
	for (size_t i = 0; i < r->nparts; i++) {
		free(r->parts[i].name);
		free(r->parts[i].content_type);
		free(r->parts[i].sha256);
	}
	free(r->parts);
	r->parts = NULL;
	r->nparts = 0;
}
