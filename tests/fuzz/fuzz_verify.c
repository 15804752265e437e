/*
 * fuzz_verify - libFuzzer target over the parse-and-verify entry point
 *
 * Feeds each input as a whole message to bz_verify_message(), the call
 * the milter makes at end of message, and renders the JSON report, so
 * mime (boundary scanner, header unfolding, GMime parameter parsing,
 * base64/QP decoding), smime (CMS decoding and verification), efirma (when
 * a signer certificate is present) and the report are all exercised.
 * The verifier context is built once from the configuration named by
 * $BUZON_FUZZ_CONFIG (tests/fuzz/run-fuzz.sh writes one trusting the test
 * PKI). Any crash, leak or sanitizer report is a finding.
 *
 * Build and run: tests/fuzz/run-fuzz.sh SECONDS
 */
#include "build-aux/config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "buzon/buf.h"
#include "buzon/config.h"
#include "buzon/log.h"
#include "buzon/verify.h"
#include "milter/buzonctl.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct bz_verify_ctx *ctx;

/* LLVMFuzzerInitialize - one verifier context for the whole run */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("BUZON_FUZZ_CONFIG");
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_config *cfg;

	(void)argc;
	(void)argv;
	if (path == NULL) {
		fprintf(stderr, "fuzz_verify: set BUZON_FUZZ_CONFIG (see run-fuzz.sh)\n");
		exit(2);
	}
	/* Quiet: efirma logs every untrusted chain at info. */
	bz_log_set_level(LOG_ERR);
	if ((cfg = bz_config_load(path, &err)) == NULL ||
	    (ctx = bz_verify_ctx_new(cfg, &err)) == NULL) {
		fprintf(stderr, "fuzz_verify: %s\n", bz_buf_str(&err));
		exit(2);
	}
	bz_config_unref(cfg);
	bz_buf_free(&err);
	return 0;
}

/* LLVMFuzzerTestOneInput - one message, verified and reported */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bz_verification v;
	struct bz_buf json = BZ_BUF_INIT;

	/* 2026-06-01T12:00:00Z: the test PKI's pinned instant. */
	bz_verify_message(ctx, data, size, 1780315200, &v);
	ctl_verification_json(&v, &json);
	if (v.verdict == BZ_VERDICT_ACCEPTED && (v.integrity != BZ_CHECK_PASS ||
	    v.trust != BZ_CHECK_PASS || v.identity != BZ_CHECK_PASS || v.reasons.n != 0))
		abort();	/* accepted must mean three passes and no reason */
	bz_verification_free(&v);
	bz_buf_free(&json);
	return 0;
}
