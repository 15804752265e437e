/*
 * fuzz_registration - libFuzzer target over what a registrant writes
 * (issue 9): the Subject word and the "Clave: valor" lines
 *
 * The first input line is a Subject (bz_registration_action, the token
 * hash of its second word); the rest is the signed text, parsed for every
 * action (bz_registration_parse) and each line's value tried as a mobile
 * number. Checked on every input: an accepted address is plain, without
 * CR, LF, blanks, quotes, commas or angle brackets, lower case, never the
 * mailbox, never twice, at most five; an accepted mobile is "+52" and ten
 * digits; a code six digits; a consent hash 64 lower-case hex digits.
 * Any crash, leak, sanitizer report or abort is a finding.
 *
 * Build and run: tests/fuzz/run-fuzz.sh SECONDS WORKDIR registration
 */
#include "build-aux/config.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/log.h"
#include "buzon/reason.h"
#include "buzon/registration.h"
#include "buzon/xalloc.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const mailboxes[] = { "buzon@imss.pruebas.test" };

/* LLVMFuzzerInitialize - quiet logs */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	bz_log_set_level(LOG_ERR);
	return 0;
}

/* check_request - the invariants of an accepted request */
static void
check_request(const struct bz_reg_request *req, int ok)
{
	if (req->naddresses > BZ_REG_MAX_ADDRESSES)
		abort();
	for (size_t i = 0; i < req->naddresses; i++) {
		const char *a = req->addresses[i];

		if (strpbrk(a, "\r\n \t\"<>,;()[]\\") != NULL || !bz_registration_address_ok(a) ||
		    strcasecmp(a, mailboxes[0]) == 0)
			abort();
		for (const char *p = a; *p; p++)
			if (isupper((unsigned char)*p))
				abort();
		for (size_t k = 0; k < i; k++)
			if (strcmp(a, req->addresses[k]) == 0)
				abort();
	}
	if (req->mobile != NULL && (strlen(req->mobile) != 13 ||
	    strncmp(req->mobile, "+52", 3) != 0 ||
	    strspn(req->mobile + 1, "0123456789") != 12))
		abort();
	if (req->code != NULL && (strlen(req->code) != 6 ||
	    strspn(req->code, "0123456789") != 6))
		abort();
	if (req->consent_sha256 != NULL && (strlen(req->consent_sha256) != 64 ||
	    strspn(req->consent_sha256, "0123456789abcdef") != 64))
		abort();
	(void)ok;
}

/* LLVMFuzzerTestOneInput - one Subject line and one signed text */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum bz_reg_action actions[] = { BZ_REG_REGISTRO,
	    BZ_REG_CONFIRMACION, BZ_REG_CONFORMIDAD, BZ_REG_ACTUALIZACION };
	const char *text = (const char *)data, *nl = memchr(data, '\n', size);
	size_t slen = nl ? (size_t)(nl - text) : size;
	char *subject = xstrndup(text, slen), *arg = NULL, hash[65];
	struct bz_reg_request req;
	struct bz_reasons r;

	bz_registration_action(subject, &arg);
	if (arg != NULL && bz_contact_token_hash(arg, hash) == 0 &&
	    strlen(hash) != 64)
		abort();
	free(arg);
	free(subject);
	if (nl == NULL)
		return 0;
	text = nl + 1;
	size -= slen + 1;
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		int ok;

		bz_reasons_init(&r);
		ok = bz_registration_parse(actions[i], text, size, mailboxes, 1, &req, &r) == 0;
		if (ok != (r.n == 0))
			abort();
		check_request(&req, ok);
		bz_reg_request_free(&req);
		bz_reasons_free(&r);
	}
	return 0;
}
