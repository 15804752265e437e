/*
 * verify - the whole decision for one message: signature, signer, verdict
 *
 * See include/buzon/verify.h. Order: mime finds the signed entity and the
 * CMS; smime checks integrity and algorithm policy over the exact bytes;
 * efirma judges the signer certificate at the arrival instant (never the
 * signing time); the parts of the signed entity are listed for the acuse.
 * Every step runs even when an earlier one failed, as far as its input
 * exists, so the sender learns every reason at once; the one exception is
 * the revocation query, not made when integrity already failed (the
 * answer could not change the rejection).
 *
 * Failure: see the header.
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "buzon/digest.h"
#include "buzon/efirma.h"
#include "buzon/mime.h"
#include "buzon/smime.h"
#include "buzon/verify.h"
#include "buzon/xalloc.h"

struct bz_verify_ctx {
	struct bz_efirma_ctx *efirma;
	struct bz_mime_limits lim;
	char		*tmpdir;	/* lim.tmpdir's storage */
	size_t		 max_certs;	/* MaxCmsCertificates */
	STACK_OF(X509)	*extra;		/* signer certificates the CMS may omit */
};

/* bz_verify_ctx_new - everything verification needs from one configuration */
struct bz_verify_ctx *
bz_verify_ctx_new(const struct bz_config *cfg, struct bz_buf *err)
{
	struct bz_verify_ctx *ctx = xcalloc(1, sizeof(*ctx));

	bz_mime_init();
	bz_mime_limits_default(&ctx->lim);
	ctx->max_certs = BZ_SMIME_MAX_CERTS_DEFAULT;
	if (cfg != NULL) {
		/* Both keys are ranged in the table (core/config_keys.c), so
		 * the casts are safe: the MIME walk recurses once per level on
		 * a thread's stack, and MaxMimeDepth stops at 100. */
		ctx->lim.max_depth = (unsigned)bz_config_num(cfg, BZ_KEY_MaxMimeDepth);
		ctx->lim.max_parts = (unsigned)bz_config_num(cfg, BZ_KEY_MaxMimeParts);
		ctx->max_certs = (size_t)bz_config_num(cfg, BZ_KEY_MaxCmsCertificates);
		/* A large canonical copy goes where the milter spools. */
		ctx->tmpdir = xstrdup(bz_config_str(cfg, BZ_KEY_SpoolDirectory));
		ctx->lim.tmpdir = ctx->tmpdir;
	}
	if ((ctx->efirma = bz_efirma_ctx_new(cfg, err)) == NULL) {
		free(ctx->tmpdir);
		free(ctx);
		return NULL;
	}
	return ctx;
}

/* bz_verify_ctx_free - release a context */
void
bz_verify_ctx_free(struct bz_verify_ctx *ctx)
{
	if (ctx == NULL)
		return;
	bz_efirma_ctx_free(ctx->efirma);
	free(ctx->tmpdir);
	if (ctx->extra != NULL)
		sk_X509_pop_free(ctx->extra, X509_free);
	free(ctx);
}

/* bz_verify_ctx_add_signer_certs - certificates to locate omitted signers */
int
bz_verify_ctx_add_signer_certs(struct bz_verify_ctx *ctx, const char *pem_file,
    struct bz_buf *err)
{
	FILE *fp = fopen(pem_file, "r");
	X509 *x;
	int n = 0;

	if (fp == NULL) {
		bz_buf_printf(err, "%s: cannot open", pem_file);
		return -1;
	}
	if (ctx->extra == NULL)
		ctx->extra = sk_X509_new_null();
	while ((x = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL) {
		sk_X509_push(ctx->extra, x);
		n++;
	}
	ERR_clear_error();
	fclose(fp);
	if (n == 0) {
		bz_buf_printf(err, "%s: no PEM certificate", pem_file);
		return -1;
	}
	return 0;
}

/* decide - the verdict from the reasons and the three checks */
static void
decide(struct bz_verification *v)
{
	int reject = 0;

	for (size_t i = 0; i < v->reasons.n; i++)
		if (v->reasons.items[i]->class == BZ_REASON_REJECT)
			reject = 1;
	if (reject)
		v->verdict = BZ_VERDICT_REJECTED;
	else if (bz_reasons_tempfail(&v->reasons))
		v->verdict = BZ_VERDICT_TEMPFAIL;
	else if (v->integrity == BZ_CHECK_PASS && v->trust == BZ_CHECK_PASS &&
	    v->identity == BZ_CHECK_PASS)
		v->verdict = BZ_VERDICT_ACCEPTED;
	else {
		/* A check neither passed nor gave a reason: never accept that. */
		bz_reasons_add(&v->reasons, "BZ-INTERNAL");
		v->verdict = BZ_VERDICT_TEMPFAIL;
	}
}

/* bz_verify_message - verify one whole message at instant `at` */
void
bz_verify_message(const struct bz_verify_ctx *ctx, const unsigned char *msg,
    size_t len, int64_t at, struct bz_verification *out)
{
	struct bz_mime_signed ms;
	struct bz_smime_result sr;
	const unsigned char *entity = NULL;
	size_t entity_len = 0;
	enum bz_mime_form form;

	memset(out, 0, sizeof(*out));
	bz_reasons_init(&out->reasons);
	out->integrity = out->trust = out->identity = BZ_CHECK_UNKNOWN;
	memset(&sr, 0, sizeof(sr));

	form = bz_mime_find_signed(msg, len, &ctx->lim, &ms, &out->reasons);
	if (form == BZ_MIME_UNSIGNED || ms.cms.len == 0) {
		if (form != BZ_MIME_UNSIGNED)
			bz_reasons_add(&out->reasons, "BZ-SIG-MALFORMED");
		goto done;
	}
	out->opaque = form == BZ_MIME_OPAQUE;
	out->wrapped = ms.wrapped;
	if (form == BZ_MIME_DETACHED) {
		entity = bz_mime_signed_content(&ms);
		entity_len = ms.content_len;
	}
	bz_smime_verify_capped((const unsigned char *)ms.cms.data, ms.cms.len, entity,
	    entity_len, ctx->extra, ctx->max_certs, &sr, &out->reasons);
	out->integrity = sr.integrity;
	out->has_signing_time = sr.has_signing_time;
	out->signing_time = sr.signing_time;
	memcpy(out->digest, sr.digest, sizeof(out->digest));
	if (form == BZ_MIME_OPAQUE && sr.integrity == BZ_CHECK_PASS) {
		entity = (const unsigned char *)sr.econtent.data;
		entity_len = sr.econtent.len;
	}
	if (entity != NULL) {
		bz_sha256_hex(entity_len ? (const void *)entity : "", entity_len,
		    out->entity_sha256);
		bz_mime_parts(entity, entity_len, &ctx->lim, &out->parts,
		    &out->nparts, &out->reasons);
	}
	if (sr.signer != NULL) {
		out->signer = xcalloc(1, sizeof(*out->signer));
		/* A message whose bytes are not what was signed, or that
		 * carries content outside the signature, is rejected
		 * whatever the certificate's status: do not ask the
		 * revocation service on its behalf. */
		bz_efirma_check_flags(ctx->efirma, sr.signer, sr.untrusted, at,
		    sr.integrity == BZ_CHECK_PASS && !ms.wrapped ? 0 :
		    BZ_EFIRMA_SKIP_REVOCATION,
		    out->signer, &out->trust, &out->identity, &out->reasons);
	}
done:
	bz_smime_result_free(&sr);
	bz_mime_signed_free(&ms);
	decide(out);
}

/* bz_verification_free - release a verification */
void
bz_verification_free(struct bz_verification *v)
{
	bz_reasons_free(&v->reasons);
	if (v->signer != NULL) {
		bz_signer_free(v->signer);
		free(v->signer);
		v->signer = NULL;
	}
	bz_mime_parts_free(v->parts, v->nparts);
	v->parts = NULL;
	v->nparts = 0;
}
