/*
 * efirma - is this certificate a genuine SAT e.firma at this instant?
 *
 * See include/buzon/efirma.h for the interface and ../shared/EFIRMA.md 6
 * for the checklist this follows. The context holds an X509_STORE of the
 * TrustAnchors only (never the system CA path), the IssuingCAs (given to
 * OpenSSL as untrusted helpers, so a CMS that carries only the leaf still
 * chains) and their SHA-256 pins, the CRLs and the OCSP settings. A chain
 * is trusted when OpenSSL verifies it at the arrival instant to a trust
 * anchor AND the certificate right above the leaf is a pinned issuing CA.
 * X509_V_FLAG_X509_STRICT stays off: the Banxico roots mark
 * basicConstraints non-critical and every real chain would fail. No
 * OpenSSL purpose is set: its S/MIME purpose accepts CSDs, so the e.firma
 * type test is ours (no OU, EKU emailProtection, KU digitalSignature and
 * nonRepudiation).
 *
 * Every failed test adds its reason; revocation is asked only when nothing
 * else failed (a rejected message needs no network round trip, and a
 * responder outage must not turn a certain rejection into a tempfail).
 *
 * Failure: see efirma.h. Thread safety: the context is read-only after
 * bz_efirma_ctx_new(); each check uses its own X509_STORE_CTX.
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "buzon/efirma.h"
#include "buzon/log.h"
#include "buzon/revocation.h"
#include "buzon/sat_pins.h"
#include "buzon/xalloc.h"
#include "efirma_int.h"

enum rev_mode { REV_NONE, REV_CRL, REV_OCSP };

struct bz_efirma_ctx {
	X509_STORE	*store;		/* TrustAnchors only */
	STACK_OF(X509)	*issuing;	/* IssuingCAs */
	unsigned char	(*pins)[32];	/* SHA-256 of each accepted issuing CA */
	size_t		 npins;
	int		 test_mode;
	enum rev_mode	 revocation;
	int		 fail_accept;	/* RevocationFailure accept */
	char		*ocsp_url;
	struct bz_ocsp_opts ocsp;	/* ocsp.url points at ocsp_url */
	SSL_CTX		*ocsp_tls;	/* https responder: built once, shared */
	STACK_OF(X509_CRL) *crls;
};

/* load_certs - every certificate of a PEM file; NULL with err when none */
static STACK_OF(X509) *
load_certs(const char *key, const char *path, struct bz_buf *err)
{
	STACK_OF(X509) *certs;
	BIO *bio;
	X509 *x;

	if (path == NULL) {
		bz_buf_printf(err, "%s: not set (a PEM file is required)", key);
		return NULL;
	}
	if ((bio = BIO_new_file(path, "r")) == NULL) {
		bz_buf_printf(err, "%s: cannot open %s", key, path);
		ERR_clear_error();
		return NULL;
	}
	certs = sk_X509_new_null();
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		sk_X509_push(certs, x);
	ERR_clear_error();
	BIO_free(bio);
	if (sk_X509_num(certs) == 0) {
		bz_buf_printf(err, "%s: no PEM certificate in %s", key, path);
		sk_X509_free(certs);
		return NULL;
	}
	return certs;
}

/* check_pinned - production: every cert of certs must be a pin of role */
static int
check_pinned(const char *key, STACK_OF(X509) *certs, enum bz_sat_pin_role role,
    struct bz_buf *err)
{
	unsigned char md[32];
	const struct bz_sat_pin *pin;
	char *subject;

	for (int i = 0; i < sk_X509_num(certs); i++) {
		X509 *x = sk_X509_value(certs, i);

		if (bz_efirma_cert_sha256(x, md) == 0 &&
		    (pin = bz_sat_pin_find(md)) != NULL && pin->role == role)
			continue;
		subject = X509_NAME_oneline(X509_get_subject_name(x), NULL, 0);
		bz_buf_printf(err, "%s: certificate %d (%s) is not a pinned SAT %s "
		    "(production mode; TestMode yes trusts test hierarchies)", key,
		    i + 1, subject ? subject : "?",
		    role == BZ_SAT_PIN_ROOT ? "root (ARC5/ARC6)" :
		    "issuing CA (AC5/AC6/AC7)");
		OPENSSL_free(subject);
		return -1;
	}
	return 0;
}

/* bz_efirma_ctx_free - release a context */
void
bz_efirma_ctx_free(struct bz_efirma_ctx *ctx)
{
	if (ctx == NULL)
		return;
	X509_STORE_free(ctx->store);
	sk_X509_pop_free(ctx->issuing, X509_free);
	sk_X509_CRL_pop_free(ctx->crls, X509_CRL_free);
	free(ctx->pins);
	free(ctx->ocsp_url);
	SSL_CTX_free(ctx->ocsp_tls);
	free(ctx);
}

/* bz_efirma_ctx_new - trust settings of one configuration generation */
struct bz_efirma_ctx *
bz_efirma_ctx_new(const struct bz_config *cfg, struct bz_buf *err)
{
	struct bz_efirma_ctx *ctx = xcalloc(1, sizeof(*ctx));
	STACK_OF(X509) *anchors = NULL;
	struct bz_buf why = BZ_BUF_INIT;
	const char *s;
	enum bz_cfg_id key = BZ_KEY_TrustAnchors;

	ctx->test_mode = bz_config_bool(cfg, BZ_KEY_TestMode);
	if ((anchors = load_certs("TrustAnchors", bz_config_str(cfg, BZ_KEY_TrustAnchors),
	    &why)) == NULL)
		goto fail;
	key = BZ_KEY_IssuingCAs;
	if ((ctx->issuing = load_certs("IssuingCAs", bz_config_str(cfg, BZ_KEY_IssuingCAs),
	    &why)) == NULL)
		goto fail;
	if (!ctx->test_mode) {
		key = BZ_KEY_TrustAnchors;
		if (check_pinned("TrustAnchors", anchors, BZ_SAT_PIN_ROOT, &why) != 0)
			goto fail;
		key = BZ_KEY_IssuingCAs;
		if (check_pinned("IssuingCAs", ctx->issuing, BZ_SAT_PIN_ISSUING, &why) != 0)
			goto fail;
	}

	key = BZ_KEY_TrustAnchors;
	ctx->store = X509_STORE_new();
	for (int i = 0; i < sk_X509_num(anchors); i++)
		if (!X509_STORE_add_cert(ctx->store, sk_X509_value(anchors, i))) {
			bz_buf_printf(&why, "TrustAnchors: cannot add certificate %d", i + 1);
			goto fail;
		}
	sk_X509_pop_free(anchors, X509_free);
	anchors = NULL;

	/* in production the file's CAs all matched a compiled-in pin above;
	 * in TestMode the file's CAs are the pins */
	key = BZ_KEY_IssuingCAs;
	ctx->npins = (size_t)sk_X509_num(ctx->issuing);
	ctx->pins = xcalloc(ctx->npins, sizeof(*ctx->pins));
	for (size_t i = 0; i < ctx->npins; i++)
		if (bz_efirma_cert_sha256(sk_X509_value(ctx->issuing, (int)i),
		    ctx->pins[i]) != 0) {
			bz_buf_printf(&why, "IssuingCAs: cannot digest certificate %zu", i + 1);
			goto fail;
		}

	s = bz_config_str(cfg, BZ_KEY_Revocation);
	ctx->revocation = s == NULL || strcmp(s, "none") == 0 ? REV_NONE :
	    strcmp(s, "crl") == 0 ? REV_CRL : REV_OCSP;
	s = bz_config_str(cfg, BZ_KEY_RevocationFailure);
	ctx->fail_accept = s != NULL && strcmp(s, "accept") == 0;
	ctx->ocsp.timeout = (int)bz_config_num(cfg, BZ_KEY_OCSPTimeout);
	if (ctx->ocsp.timeout <= 0)
		ctx->ocsp.timeout = 10;
	ctx->ocsp.nonce = bz_ocsp_nonce_from_name(bz_config_str(cfg, BZ_KEY_OCSPNonce));
	ctx->ocsp.max_age = (long)bz_config_num(cfg, BZ_KEY_OCSPMaxAge);
	if (ctx->revocation == REV_OCSP) {
		key = BZ_KEY_OCSPResponder;
		s = bz_config_str(cfg, BZ_KEY_OCSPResponder);
		if (s == NULL || !bz_ocsp_url_supported(s)) {
			bz_buf_printf(&why, "OCSPResponder: %s (Revocation ocsp needs "
			    "an http:// or https:// URL)", s ? "unusable URL" : "not set");
			goto fail;
		}
		ctx->ocsp_url = xstrdup(s);
		/* The system trust store is read here, once per generation
		 * (a reload picks up a changed one), not for every message. */
		if (strncasecmp(s, "https:", 6) == 0 &&
		    (ctx->ocsp_tls = bz_ocsp_tls_new()) == NULL) {
			bz_buf_puts(&why, "OCSPResponder: cannot set up TLS with the "
			    "system trust store");
			goto fail;
		}
		ctx->ocsp.url = ctx->ocsp_url;
		ctx->ocsp.tls = ctx->ocsp_tls;
	}
	if (ctx->revocation == REV_CRL) {
		key = BZ_KEY_CRLDirectory;
		if ((s = bz_config_str(cfg, BZ_KEY_CRLDirectory)) == NULL) {
			bz_buf_puts(&why, "CRLDirectory: not set (Revocation crl needs it)");
			goto fail;
		}
		if ((ctx->crls = bz_crl_load_dir(s, &why)) == NULL)
			goto fail;
	}
	return ctx;
fail:
	/* "file:line: Key: reason", the line where the key was set if it was */
	if (bz_config_line(cfg, key) > 0)
		bz_buf_printf(err, "%s:%u: %s", bz_config_path(cfg),
		    bz_config_line(cfg, key), bz_buf_str(&why));
	else
		bz_buf_printf(err, "%s: %s", bz_config_path(cfg), bz_buf_str(&why));
	bz_buf_free(&why);
	ERR_clear_error();
	sk_X509_pop_free(anchors, X509_free);
	bz_efirma_ctx_free(ctx);
	return NULL;
}

/* check_type - e.firma, not a CSD nor another kind of certificate.
 * SAT's CSDs carry an OU (the branch, "sucursal") and no EKU at all; an
 * e.firma has no OU, EKU emailProtection and KU digitalSignature plus
 * nonRepudiation (EFIRMA.md 5). Anything else is "not an e.firma". Only a
 * certificate with SAT's layout (an RFC in 2.5.4.45) is called a CSD: many
 * other S/MIME certificates have an OU and no EKU (VeriSign's of the 1990s
 * in the interop corpus), and telling their senders to use the e.firma
 * "instead of the CSD" would send them looking for the wrong mistake. */
static void
check_type(X509 *leaf, struct bz_reasons *tr)
{
	uint32_t flags = X509_get_extension_flags(leaf);
	uint32_t ku = X509_get_key_usage(leaf);
	const uint32_t need = KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION;
	const X509_NAME *subj = X509_get_subject_name(leaf);
	int ou = X509_NAME_get_index_by_NID(subj, NID_organizationalUnitName, -1) >= 0;
	int sat = X509_NAME_get_index_by_NID(subj, NID_x500UniqueIdentifier, -1) >= 0;

	if (ou && sat && !(flags & EXFLAG_XKUSAGE)) {
		bz_reasons_add(tr, "BZ-CERT-CSD");
		return;
	}
	if (ou || !(flags & EXFLAG_XKUSAGE) ||
	    !(X509_get_extended_key_usage(leaf) & XKU_SMIME) ||
	    !(flags & EXFLAG_KUSAGE) || (ku & need) != need ||
	    (flags & EXFLAG_CA) || !(flags & EXFLAG_BCONS))
		bz_reasons_add(tr, "BZ-CERT-NOT-EFIRMA");
}

/* check_algorithms - RSA >= 2048 bits, certificate signed RSA with SHA-2 */
static void
check_algorithms(X509 *leaf, struct bz_reasons *tr)
{
	EVP_PKEY *pk = X509_get0_pubkey(leaf);
	int mdnid = NID_undef, pknid = NID_undef;

	if (pk == NULL || EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA ||
	    EVP_PKEY_get_bits(pk) < 2048)
		bz_reasons_add(tr, "BZ-CERT-WEAK-KEY");
	if (!X509_get_signature_info(leaf, &mdnid, &pknid, NULL, NULL) ||
	    (pknid != EVP_PKEY_RSA && pknid != EVP_PKEY_RSA_PSS) ||
	    (mdnid != NID_sha256 && mdnid != NID_sha384 && mdnid != NID_sha512 &&
	    mdnid != NID_sha224))
		bz_reasons_add(tr, "BZ-CERT-WEAK-SIG");
	ERR_clear_error();
}

/* check_validity - notBefore <= at <= notAfter */
static void
check_validity(X509 *leaf, int64_t at, struct bz_reasons *tr)
{
	int64_t nb, na;

	if (bz_efirma_time(X509_get0_notBefore(leaf), &nb) != 0 ||
	    bz_efirma_time(X509_get0_notAfter(leaf), &na) != 0) {
		bz_reasons_add(tr, "BZ-CERT-UNTRUSTED");
		return;
	}
	if (at < nb)
		bz_reasons_add(tr, "BZ-CERT-NOT-YET-VALID");
	if (at > na)
		bz_reasons_add(tr, "BZ-CERT-EXPIRED");
}

/* verify_cb - let the leaf's own time errors pass (check_validity reports
 * them precisely) so the rest of the chain is still judged */
static int
verify_cb(int ok, X509_STORE_CTX *sc)
{
	int e;

	if (ok)
		return 1;
	e = X509_STORE_CTX_get_error(sc);
	if (X509_STORE_CTX_get_error_depth(sc) == 0 &&
	    (e == X509_V_ERR_CERT_HAS_EXPIRED || e == X509_V_ERR_CERT_NOT_YET_VALID))
		return 1;
	return 0;
}

/* is_pinned - is cert one of the context's issuing CA pins? */
static int
is_pinned(const struct bz_efirma_ctx *ctx, X509 *cert)
{
	unsigned char md[32];

	if (bz_efirma_cert_sha256(cert, md) != 0)
		return 0;
	for (size_t i = 0; i < ctx->npins; i++)
		if (memcmp(ctx->pins[i], md, sizeof(md)) == 0)
			return 1;
	return 0;
}

/* check_chain - verified chain whose issuing CA is pinned; returns the
 * chain (caller frees) or NULL after adding BZ-CERT-UNTRUSTED */
static STACK_OF(X509) *
check_chain(const struct bz_efirma_ctx *ctx, X509 *leaf,
    STACK_OF(X509) *untrusted, int64_t at, struct bz_reasons *tr)
{
	STACK_OF(X509) *helpers = sk_X509_new_null(), *chain = NULL;
	X509_STORE_CTX *sc = X509_STORE_CTX_new();
	int ok;

	/* the configured CAs first: a forged CA with the same name in the
	 * CMS must not be preferred */
	for (int i = 0; i < sk_X509_num(ctx->issuing); i++)
		sk_X509_push(helpers, sk_X509_value(ctx->issuing, i));
	for (int i = 0; untrusted != NULL && i < sk_X509_num(untrusted); i++)
		sk_X509_push(helpers, sk_X509_value(untrusted, i));

	if (sc == NULL || !X509_STORE_CTX_init(sc, ctx->store, leaf, helpers)) {
		bz_reasons_add(tr, "BZ-INTERNAL");
		goto out;
	}
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(sc), (time_t)at);
	X509_STORE_CTX_set_verify_cb(sc, verify_cb);
	ok = X509_verify_cert(sc);
	if (ok != 1) {
		bz_log(BZ_LOG_INFO, NULL, "efirma: chain not trusted: %s (depth %d)",
		    X509_verify_cert_error_string(X509_STORE_CTX_get_error(sc)),
		    X509_STORE_CTX_get_error_depth(sc));
		bz_reasons_add(tr, "BZ-CERT-UNTRUSTED");
		goto out;
	}
	chain = X509_STORE_CTX_get1_chain(sc);
	if (sk_X509_num(chain) < 3 || !is_pinned(ctx, sk_X509_value(chain, 1))) {
		bz_log(BZ_LOG_INFO, NULL,
		    "efirma: chain verifies but the issuer is not a pinned SAT CA");
		bz_reasons_add(tr, "BZ-CERT-UNTRUSTED");
		sk_X509_pop_free(chain, X509_free);
		chain = NULL;
	}
out:
	ERR_clear_error();
	X509_STORE_CTX_free(sc);
	sk_X509_free(helpers);
	return chain;
}

/* check_revocation - CRL or OCSP per configuration, RevocationFailure */
static void
check_revocation(const struct bz_efirma_ctx *ctx, X509 *leaf,
    STACK_OF(X509) *chain, int64_t at, struct bz_reasons *tr)
{
	struct bz_buf why = BZ_BUF_INIT;
	X509 *issuer = sk_X509_value(chain, 1);
	STACK_OF(X509) *above;
	enum bz_rev_status st;

	if (ctx->revocation == REV_CRL)
		st = bz_crl_status(ctx->crls, leaf, issuer, at, &why);
	else {
		above = sk_X509_new_null();
		for (int i = 1; i < sk_X509_num(chain); i++)
			sk_X509_push(above, sk_X509_value(chain, i));
		st = bz_ocsp_status(&ctx->ocsp, ctx->store, above, leaf, issuer,
		    at, &why);
		sk_X509_free(above);
	}
	switch (st) {
	case BZ_REV_GOOD:
		break;
	case BZ_REV_REVOKED:
		bz_reasons_add(tr, "BZ-CERT-REVOKED");
		break;
	case BZ_REV_UNAVAILABLE:
		if (ctx->fail_accept)
			bz_log(BZ_LOG_WARNING, NULL, "efirma: revocation status "
			    "unavailable (%s); accepted by RevocationFailure accept",
			    bz_buf_str(&why));
		else {
			bz_log(BZ_LOG_WARNING, NULL, "efirma: revocation status "
			    "unavailable (%s)", bz_buf_str(&why));
			bz_reasons_add(tr, "BZ-REVOCATION-UNAVAILABLE");
		}
		break;
	}
	bz_buf_free(&why);
}

/* bz_efirma_check - trust and identity of a signer certificate at `at` */
int
bz_efirma_check(const struct bz_efirma_ctx *ctx, X509 *leaf,
    STACK_OF(X509) *untrusted, int64_t at, struct bz_signer *signer,
    enum bz_check *trust, enum bz_check *identity, struct bz_reasons *reasons)
{
	return bz_efirma_check_flags(ctx, leaf, untrusted, at, 0, signer, trust,
	    identity, reasons);
}

/* bz_efirma_check_flags - the same; revocation can be left unasked */
int
bz_efirma_check_flags(const struct bz_efirma_ctx *ctx, X509 *leaf,
    STACK_OF(X509) *untrusted, int64_t at, int flags, struct bz_signer *signer,
    enum bz_check *trust, enum bz_check *identity, struct bz_reasons *reasons)
{
	struct bz_reasons tr;
	STACK_OF(X509) *chain;
	int id, reject = 0, skipped = 0;

	*trust = *identity = BZ_CHECK_UNKNOWN;
	if ((id = bz_efirma_identity(leaf, signer, reasons)) < 0)
		return -1;
	*identity = id ? BZ_CHECK_PASS : BZ_CHECK_FAIL;

	bz_reasons_init(&tr);
	check_type(leaf, &tr);
	check_algorithms(leaf, &tr);
	check_validity(leaf, at, &tr);
	chain = check_chain(ctx, leaf, untrusted, at, &tr);
	if (chain != NULL && tr.n == 0 && id == 1 && ctx->revocation != REV_NONE) {
		if (flags & BZ_EFIRMA_SKIP_REVOCATION)
			skipped = 1;
		else
			check_revocation(ctx, leaf, chain, at, &tr);
	}
	sk_X509_pop_free(chain, X509_free);

	/* a certain rejection outranks a tempfail or an internal error */
	for (size_t i = 0; i < tr.n; i++)
		if (tr.items[i]->class == BZ_REASON_REJECT)
			reject = 1;
	*trust = tr.n == 0 && !skipped ? BZ_CHECK_PASS : reject ? BZ_CHECK_FAIL :
	    BZ_CHECK_UNKNOWN;
	for (size_t i = 0; i < tr.n; i++)
		bz_reasons_add(reasons, tr.items[i]->code);
	id = bz_reasons_has(&tr, "BZ-INTERNAL") ? -1 : 0;
	bz_reasons_free(&tr);
	return id;
}
