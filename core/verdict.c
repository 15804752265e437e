/*
 * verdict - names of the shared verdict values, signer cleanup
 *
 * See include/buzon/verdict.h.
 */
#include "build-aux/config.h"

#include <stdlib.h>

#include "buzon/verdict.h"

/* bz_check_name - JSON/header name of a check result */
const char *
bz_check_name(enum bz_check c)
{
	switch (c) {
	case BZ_CHECK_PASS:	return "pass";
	case BZ_CHECK_FAIL:	return "fail";
	default:		return "unknown";
	}
}

/* bz_verdict_name - JSON/header name of a verdict */
const char *
bz_verdict_name(enum bz_verdict v)
{
	switch (v) {
	case BZ_VERDICT_ACCEPTED:	return "accepted";
	case BZ_VERDICT_REJECTED:	return "rejected";
	default:			return "tempfail";
	}
}

/* bz_signer_free - release every field of a signer */
void
bz_signer_free(struct bz_signer *s)
{
	if (s == NULL)
		return;
	free(s->rfc);
	free(s->rfc_representante);
	free(s->curp);
	free(s->curp_representante);
	free(s->name);
	free(s->no_certificado);
	free(s->serial_hex);
	free(s->cert_sha256);
	free(s->email);
	s->email = NULL;
	s->rfc = s->rfc_representante = s->curp = s->curp_representante = NULL;
	s->name = s->no_certificado = s->serial_hex = s->cert_sha256 = NULL;
}
