/*
 * ctl_verify - buzonctl verify: "why was my mail rejected?"
 *
 *   buzonctl [-c FILE] verify MESSAGE.eml [--at INSTANT] [--json]
 *
 * Runs exactly the checks the milter runs at end of message
 * (bz_verify_message, same configuration) on a saved message and prints
 * the signer, the three verdicts (integrity, trust, identity) and every
 * reason. --at: the arrival instant to validate at (ISO-8601 with zone);
 * default TestClock when TestMode allows it, else now. Exit 0 accepted,
 * 1 rejected, 3 cannot decide (tempfail), 2 bad usage, unreadable message
 * or unusable configuration.
 */
#include "build-aux/config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buzon/buf.h"
#include "buzon/config.h"
#include "buzon/instant.h"
#include "buzon/verify.h"
#include "buzon/view.h"
#include "buzonctl.h"

/* verify_usage - help for this command */
static int
verify_usage(FILE *fp, int status)
{
	fprintf(fp, "usage: buzonctl [-c FILE] verify MESSAGE.eml [--at INSTANT] [--json]\n\n"
	    "  Verify a saved message as buzon-milter would: S/MIME integrity over the\n"
	    "  exact signed bytes, trust (SAT e.firma chain, not a CSD, validity,\n"
	    "  revocation) and identity (RFC, CURP, noCertificado), with every reason.\n\n"
	    "  --at INSTANT  validate at this arrival instant, e.g. 2026-06-01T12:00:00Z\n"
	    "                (default: TestClock when TestMode is on, else now)\n"
	    "  --json        one JSON object on standard output\n\n"
	    "  exit status: 0 accepted, 1 rejected, 3 cannot decide now, 2 usage error\n");
	return status;
}

/* default_instant - TestClock under TestMode, else the current time */
static int64_t
default_instant(const struct bz_config *cfg)
{
	return bz_config_now(cfg, (int64_t)time(NULL));
}

/* print_text - the human report */
static void
print_text(const struct bz_verification *v, int64_t at)
{
	char when[BZ_INSTANT_UTC_LEN];

	bz_instant_format_utc(at, when);
	printf("verdict:    %s (at %s)\n", bz_verdict_name(v->verdict), when);
	printf("integrity:  %s\ntrust:      %s\nidentity:   %s\n",
	    bz_check_name(v->integrity), bz_check_name(v->trust),
	    bz_check_name(v->identity));
	if (v->signer != NULL) {
		const struct bz_signer *s = v->signer;

		/* every value below comes from the certificate or the message:
		 * escaped, so none can print a line of its own (issue 8) */
		printf("signer:     %s\n", ctl_safe(s->name ? s->name : "(no name)"));
		if (s->rfc)
			printf("  RFC:      %s (persona %s)\n", ctl_safe(s->rfc),
			    s->moral ? "moral" : "fisica");
		if (s->rfc_representante)
			printf("  RFC del representante: %s\n",
			    ctl_safe(s->rfc_representante));
		if (s->curp)
			printf("  CURP:     %s\n", ctl_safe(s->curp));
		if (s->curp_representante)
			printf("  CURP del representante: %s\n",
			    ctl_safe(s->curp_representante));
		if (s->no_certificado)
			printf("  noCertificado: %s\n", ctl_safe(s->no_certificado));
		if (s->cert_sha256)
			printf("  certificate SHA-256: %s\n", s->cert_sha256);
	} else {
		printf("signer:     none\n");
	}
	if (v->has_signing_time) {
		bz_instant_format_utc(v->signing_time, when);
		printf("signingTime: %s\n", when);
	}
	if (v->digest[0])
		printf("digest:     %s\n", ctl_safe(v->digest));
	if (v->entity_sha256[0])
		printf("signed entity SHA-256: %s%s\n", v->entity_sha256,
		    v->opaque ? " (opaque)" : v->wrapped ? " (inside a wrapper)" : "");
	if (v->nparts > 0) {
		printf("parts:\n");
		for (size_t i = 0; i < v->nparts; i++)
			printf("  %s %zu bytes sha256 %s%s%s\n",
			    ctl_safe(v->parts[i].content_type), v->parts[i].size,
			    v->parts[i].sha256, v->parts[i].name ? " " : "",
			    ctl_safe(v->parts[i].name ? v->parts[i].name : ""));
	}
	if (v->reasons.n > 0) {
		printf("reasons:\n");
		for (size_t i = 0; i < v->reasons.n; i++)
			printf("  %s %s %s (%s)\n", v->reasons.items[i]->enhanced,
			    v->reasons.items[i]->code, v->reasons.items[i]->text_es,
			    v->reasons.items[i]->text_en);
	}
}

/* ctl_verify - entry point of "buzonctl verify" */
int
ctl_verify(int argc, char **argv, const char *config_path)
{
	const char *file = NULL, *at_text = NULL;
	int json = 0, status;
	int64_t at = 0;
	struct bz_config *cfg;
	struct bz_verify_ctx *ctx;
	struct bz_buf msg = BZ_BUF_INIT, err = BZ_BUF_INIT, out = BZ_BUF_INIT;
	struct bz_verification v;
	struct bz_view view;
	const unsigned char *bytes;
	size_t len;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--at") == 0 && i + 1 < argc)
			at_text = argv[++i];
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return verify_usage(stdout, CTL_EXIT_OK);
		else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "buzonctl verify: unknown or incomplete option %s\n", argv[i]);
			return verify_usage(stderr, CTL_EXIT_USAGE);
		} else if (file == NULL)
			file = argv[i];
		else {
			fprintf(stderr, "buzonctl verify: one message at a time\n");
			return verify_usage(stderr, CTL_EXIT_USAGE);
		}
	}
	if (file == NULL)
		return verify_usage(stderr, CTL_EXIT_USAGE);
	if (at_text != NULL && bz_instant_parse(at_text, &at) != 0) {
		fprintf(stderr, "buzonctl verify: --at %s: not an ISO-8601 instant with zone\n",
		    at_text);
		return CTL_EXIT_USAGE;
	}
	/* A regular file is mapped as a view (read a step at a time, never
	 * resident whole); standard input or a pipe is read into memory. */
	memset(&view, 0, sizeof(view));
	if (strcmp(file, "-") != 0 && bz_view_open_path(file, &view) == 0) {
		bytes = view.data;
		len = view.len;
	} else if (errno != EINVAL && strcmp(file, "-") != 0) {
		fprintf(stderr, "buzonctl verify: %s: %s\n", file, strerror(errno));
		return CTL_EXIT_USAGE;
	} else if (bz_buf_read_file(&msg, strcmp(file, "-") == 0 ? NULL : file,
	    SIZE_MAX) != 0) {
		fprintf(stderr, "buzonctl verify: %s: %s\n", file, strerror(errno));
		bz_buf_free(&msg);
		return CTL_EXIT_USAGE;
	} else {
		bytes = (const unsigned char *)bz_buf_str(&msg);
		len = msg.len;
	}
	if ((cfg = ctl_load_config(config_path)) == NULL) {
		bz_view_close(&view);
		bz_buf_free(&msg);
		return CTL_EXIT_USAGE;
	}
	if (at_text == NULL)
		at = default_instant(cfg);
	if ((ctx = bz_verify_ctx_new(cfg, &err)) == NULL) {
		fprintf(stderr, "buzonctl verify: %s\n", bz_buf_str(&err));
		bz_buf_free(&err);
		bz_view_close(&view);
		bz_buf_free(&msg);
		bz_config_unref(cfg);
		return CTL_EXIT_USAGE;
	}
	bz_verify_message(ctx, bytes, len, at, &v);
	if (json) {
		ctl_verification_json(&v, &out);
		ctl_print_json(&out);
	} else {
		print_text(&v, at);
	}
	status = v.verdict == BZ_VERDICT_ACCEPTED ? CTL_EXIT_OK :
	    v.verdict == BZ_VERDICT_REJECTED ? CTL_EXIT_NO : CTL_EXIT_TEMPFAIL;
	bz_verification_free(&v);
	bz_verify_ctx_free(ctx);
	bz_config_unref(cfg);
	bz_buf_free(&out);
	bz_buf_free(&err);
	bz_view_close(&view);
	bz_buf_free(&msg);
	return status;
}
