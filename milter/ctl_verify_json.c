/*
 * ctl_verify_json - the JSON object of `buzonctl verify --json`
 *
 * Also the "reasons" array and the signer's names that `buzonctl cert
 * --json` shares with it.
 *
 * Presentation of a struct bz_verification for the operator and scripts:
 * it belongs to buzonctl, not to the verification core. In a file of its
 * own so the unit tests and the fuzzer can check it without buzonctl's
 * command table. Written with the one JSON writer (buzon/json.h), so any
 * value a sender put in the certificate or the message comes out as valid
 * UTF-8 JSON.
 */
#include "build-aux/config.h"

#include <stdint.h>

#include "buzon/json.h"
#include "buzon/mime.h"
#include "buzon/verify.h"
#include "buzonctl.h"

/* ctl_json_reasons - "reasons": [{"code", "text"}, ...] */
void
ctl_json_reasons(struct bz_json *j, const struct bz_reasons *r)
{
	bz_json_array(j, "reasons");
	for (size_t i = 0; i < r->n; i++) {
		bz_json_object(j, NULL);
		bz_json_str(j, "code", r->items[i]->code);
		bz_json_str(j, "text", r->items[i]->text_es);
		bz_json_end(j);
	}
	bz_json_end(j);
}

/* ctl_json_signer_names - who the signer is: RFC, CURP and name fields */
void
ctl_json_signer_names(struct bz_json *j, const struct bz_signer *s)
{
	bz_json_str(j, "rfc", s->rfc);
	bz_json_str(j, "rfc_representante", s->rfc_representante);
	bz_json_str(j, "curp", s->curp);
	bz_json_str(j, "curp_representante", s->curp_representante);
	bz_json_str(j, "name", s->name);
}

/* ctl_verification_json - the `buzonctl verify --json` object */
void
ctl_verification_json(const struct bz_verification *v, struct bz_buf *out)
{
	struct bz_json j;

	bz_json_init(&j, out);
	bz_json_object(&j, NULL);
	bz_json_str(&j, "verdict", bz_verdict_name(v->verdict));
	bz_json_str(&j, "integrity", bz_check_name(v->integrity));
	bz_json_str(&j, "trust", bz_check_name(v->trust));
	bz_json_str(&j, "identity", bz_check_name(v->identity));
	ctl_json_reasons(&j, &v->reasons);
	if (v->signer == NULL) {
		bz_json_null(&j, "signer");
	} else {
		const struct bz_signer *s = v->signer;

		bz_json_object(&j, "signer");
		ctl_json_signer_names(&j, s);
		bz_json_str(&j, "persona", s->rfc == NULL ? NULL :
		    s->moral ? "moral" : "fisica");
		bz_json_str(&j, "no_certificado", s->no_certificado);
		bz_json_str(&j, "cert_sha256", s->cert_sha256);
		bz_json_end(&j);
	}
	bz_json_array(&j, "parts");
	for (size_t i = 0; i < v->nparts; i++) {
		const struct bz_part *p = &v->parts[i];

		bz_json_object(&j, NULL);
		bz_json_str(&j, "name", p->name);
		bz_json_str(&j, "content_type", p->content_type);
		bz_json_int(&j, "size", (int64_t)p->size);
		bz_json_str(&j, "sha256", p->sha256);
		bz_json_end(&j);
	}
	bz_json_end(&j);
	bz_json_end(&j);
}
