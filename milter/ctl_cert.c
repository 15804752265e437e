/*
 * ctl_cert - buzonctl cert: "is this certificate an e.firma we accept?"
 *
 *   buzonctl [-c FILE] cert CERTIFICATE [--untrusted PEM] [--at INSTANT] [--json]
 *
 * Runs the certificate half of the milter's checks (bz_efirma_check, same
 * configuration: pins, validity at the instant, CSD test, key and
 * signature strength, revocation) on a certificate file (DER .cer as SAT
 * publishes them, or PEM) and prints who it names and every reason.
 * --untrusted: further CA certificates, as a CMS would carry them.
 * --at: the instant to validate at; default TestClock when TestMode allows
 * it, else now. Exit 0 accepted, 1 rejected, 3 cannot decide (revocation
 * status unavailable), 2 bad usage, unreadable file or unusable
 * configuration.
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "buzon/buf.h"
#include "buzon/config.h"
#include "buzon/efirma.h"
#include "buzon/instant.h"
#include "buzon/json.h"
#include "buzonctl.h"

/* cert_usage - help for this command */
static int
cert_usage(FILE *fp, int status)
{
	fprintf(fp, "usage: buzonctl [-c FILE] cert CERTIFICATE [--untrusted PEM] "
	    "[--at INSTANT] [--json]\n\n"
	    "  Judge a certificate (DER .cer or PEM) as buzon-milter judges a signer:\n"
	    "  trust (pinned SAT chain, not a CSD, RSA >= 2048 with SHA-2, validity,\n"
	    "  revocation) and identity (RFC, CURP, name, noCertificado).\n\n"
	    "  --untrusted PEM  intermediate CA certificates, as a signature carries them\n"
	    "  --at INSTANT     validate at this instant, e.g. 2026-06-01T12:00:00Z\n"
	    "                   (default: TestClock when TestMode is on, else now)\n"
	    "  --json           one JSON object on standard output\n\n"
	    "  exit status: 0 accepted, 1 rejected, 3 cannot decide now, 2 usage error\n");
	return status;
}

/* load_cert - PEM or DER certificate, NULL when neither */
static X509 *
load_cert(const char *path)
{
	BIO *bio = BIO_new_file(path, "rb");
	X509 *x;

	if (bio == NULL)
		return NULL;
	if ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
		ERR_clear_error();
		(void)BIO_reset(bio);
		x = d2i_X509_bio(bio, NULL);
	}
	ERR_clear_error();
	BIO_free(bio);
	return x;
}

/* load_pem_stack - all certificates of a PEM file, NULL when none */
static STACK_OF(X509) *
load_pem_stack(const char *path)
{
	BIO *bio = BIO_new_file(path, "r");
	STACK_OF(X509) *sk;
	X509 *x;

	if (bio == NULL)
		return NULL;
	sk = sk_X509_new_null();
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		sk_X509_push(sk, x);
	ERR_clear_error();
	BIO_free(bio);
	if (sk_X509_num(sk) == 0) {
		sk_X509_free(sk);
		return NULL;
	}
	return sk;
}

/* default_instant - TestClock under TestMode, else the current time */
static int64_t
default_instant(const struct bz_config *cfg)
{
	return bz_config_now(cfg, (int64_t)time(NULL));
}

/* print_json - the --json object: verdict, trust, identity, reasons, signer */
static void
print_json(const char *verdict, enum bz_check trust, enum bz_check identity,
    const struct bz_reasons *r, const struct bz_signer *s, int64_t at)
{
	struct bz_buf out = BZ_BUF_INIT;
	struct bz_json j;
	char nb[BZ_INSTANT_UTC_LEN], na[BZ_INSTANT_UTC_LEN], when[BZ_INSTANT_UTC_LEN];

	bz_instant_format_utc(at, when);
	bz_json_init(&j, &out);
	bz_json_object(&j, NULL);
	bz_json_str(&j, "verdict", verdict);
	bz_json_str(&j, "at", when);
	bz_json_str(&j, "trust", bz_check_name(trust));
	bz_json_str(&j, "identity", bz_check_name(identity));
	ctl_json_reasons(&j, r);
	bz_instant_format_utc(s->not_before, nb);
	bz_instant_format_utc(s->not_after, na);
	bz_json_object(&j, "signer");
	ctl_json_signer_names(&j, s);
	bz_json_str(&j, "persona", s->moral ? "moral" : "fisica");
	bz_json_str(&j, "no_certificado", s->no_certificado);
	bz_json_str(&j, "serial_hex", s->serial_hex);
	bz_json_str(&j, "cert_sha256", s->cert_sha256);
	bz_json_str(&j, "not_before", nb);
	bz_json_str(&j, "not_after", na);
	bz_json_end(&j);
	bz_json_end(&j);
	ctl_print_json(&out);
}

/* print_text - the human report */
static void
print_text(const char *verdict, enum bz_check trust, enum bz_check identity,
    const struct bz_reasons *r, const struct bz_signer *s, int64_t at)
{
	char when[BZ_INSTANT_UTC_LEN], nb[BZ_INSTANT_UTC_LEN], na[BZ_INSTANT_UTC_LEN];

	bz_instant_format_utc(at, when);
	bz_instant_format_utc(s->not_before, nb);
	bz_instant_format_utc(s->not_after, na);
	printf("verdict:    %s (at %s)\ntrust:      %s\nidentity:   %s\n", verdict,
	    when, bz_check_name(trust), bz_check_name(identity));
	/* values from the certificate: escaped, so none can print a line
	 * of its own (issue 8) */
	printf("name:       %s\n", ctl_safe(s->name ? s->name : "(none)"));
	if (s->rfc)
		printf("RFC:        %s (persona %s)\n", ctl_safe(s->rfc),
		    s->moral ? "moral" : "fisica");
	if (s->rfc_representante)
		printf("RFC del representante: %s\n", ctl_safe(s->rfc_representante));
	if (s->curp)
		printf("CURP:       %s\n", ctl_safe(s->curp));
	if (s->curp_representante)
		printf("CURP del representante: %s\n", ctl_safe(s->curp_representante));
	printf("noCertificado: %s\n", s->no_certificado ?
	    ctl_safe(s->no_certificado) : "(serial is not 20 digits)");
	printf("serial:     %s\nvalidity:   %s .. %s\nSHA-256:    %s\n",
	    s->serial_hex ? s->serial_hex : "?", nb, na,
	    s->cert_sha256 ? s->cert_sha256 : "?");
	if (r->n > 0) {
		printf("reasons:\n");
		for (size_t i = 0; i < r->n; i++)
			printf("  %s %s %s (%s)\n", r->items[i]->enhanced, r->items[i]->code,
			    r->items[i]->text_es, r->items[i]->text_en);
	}
}

/* ctl_cert - entry point of "buzonctl cert" */
int
ctl_cert(int argc, char **argv, const char *config_path)
{
	const char *file = NULL, *at_text = NULL, *untrusted_file = NULL, *verdict;
	STACK_OF(X509) *untrusted = NULL;
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_efirma_ctx *ctx = NULL;
	struct bz_config *cfg = NULL;
	enum bz_check trust, identity;
	struct bz_signer s;
	struct bz_reasons r;
	int json = 0, status = CTL_EXIT_USAGE;
	int64_t at = 0;
	X509 *cert = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--at") == 0 && i + 1 < argc)
			at_text = argv[++i];
		else if (strcmp(argv[i], "--untrusted") == 0 && i + 1 < argc)
			untrusted_file = argv[++i];
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return cert_usage(stdout, CTL_EXIT_OK);
		else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "buzonctl cert: unknown or incomplete option %s\n",
			    argv[i]);
			return cert_usage(stderr, CTL_EXIT_USAGE);
		} else if (file == NULL)
			file = argv[i];
		else {
			fprintf(stderr, "buzonctl cert: one certificate at a time\n");
			return cert_usage(stderr, CTL_EXIT_USAGE);
		}
	}
	if (file == NULL)
		return cert_usage(stderr, CTL_EXIT_USAGE);
	if (at_text != NULL && bz_instant_parse(at_text, &at) != 0) {
		fprintf(stderr, "buzonctl cert: --at %s: not an ISO-8601 instant with zone\n",
		    at_text);
		return CTL_EXIT_USAGE;
	}
	if ((cert = load_cert(file)) == NULL) {
		fprintf(stderr, "buzonctl cert: %s: not a readable certificate (DER or PEM)\n",
		    file);
		return CTL_EXIT_USAGE;
	}
	if (untrusted_file != NULL &&
	    (untrusted = load_pem_stack(untrusted_file)) == NULL) {
		fprintf(stderr, "buzonctl cert: --untrusted %s: no PEM certificate\n",
		    untrusted_file);
		goto out;
	}
	if ((cfg = ctl_load_config(config_path)) == NULL)
		goto out;
	if (at_text == NULL)
		at = default_instant(cfg);
	if ((ctx = bz_efirma_ctx_new(cfg, &err)) == NULL) {
		fprintf(stderr, "buzonctl cert: %s\n", bz_buf_str(&err));
		goto out;
	}
	bz_reasons_init(&r);
	if (bz_efirma_check(ctx, cert, untrusted, at, &s, &trust, &identity, &r) != 0)
		status = CTL_EXIT_TEMPFAIL;
	else if (trust == BZ_CHECK_PASS && identity == BZ_CHECK_PASS)
		status = CTL_EXIT_OK;
	else if (trust == BZ_CHECK_FAIL || identity == BZ_CHECK_FAIL)
		status = CTL_EXIT_NO;
	else
		status = CTL_EXIT_TEMPFAIL;
	verdict = status == CTL_EXIT_OK ? "accepted" : status == CTL_EXIT_NO ?
	    "rejected" : "tempfail";
	if (json)
		print_json(verdict, trust, identity, &r, &s, at);
	else
		print_text(verdict, trust, identity, &r, &s, at);
	bz_signer_free(&s);
	bz_reasons_free(&r);
out:
	bz_efirma_ctx_free(ctx);
	if (cfg != NULL)
		bz_config_unref(cfg);
	sk_X509_pop_free(untrusted, X509_free);
	X509_free(cert);
	bz_buf_free(&err);
	return status;
}
