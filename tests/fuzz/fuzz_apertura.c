/*
 * fuzz_apertura - libFuzzer target over what an employer's message says
 * about a notification (issue 10 part B): the Subject "APERTURA <folio>",
 * the references of a reply (In-Reply-To, References, NT- folios of the
 * Subject) and the signed text's folios
 *
 * The whole input is read as a message, as a Subject and as a signed
 * text. Checked on every input: at most BZ_APERTURA_MAX_MSGIDS
 * Message-IDs, each "<...>" without blanks, controls or brackets inside,
 * at most BZ_APERTURA_MSGID_MAX long, none twice; at most
 * BZ_APERTURA_MAX_FOLIOS folios, each NT-YYYY-NNNNNNNN, none twice; the
 * opening's folio NULL or well formed; the signed-text answer -1, 0 or 1,
 * and 1 only when the folio is in the text. These are what the lookups
 * and the routing rely on: whatever the headers hold, a bounded number
 * of well-formed keys. Any crash, leak, sanitizer report or abort is a
 * finding.
 *
 * Build and run: tests/fuzz/run-fuzz.sh SECONDS WORKDIR apertura
 */
#include "build-aux/config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/apertura.h"
#include "buzon/log.h"
#include "buzon/mime.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerInitialize - quiet logs, GMime for the Subject's decoding */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	bz_log_set_level(LOG_ERR);
	bz_mime_init();
	return 0;
}

/* check_refs - the candidates of the input read as a message */
static void
check_refs(const uint8_t *data, size_t size)
{
	struct bz_apertura_refs r;

	bz_apertura_refs_scan(data, size, &r);
	if (r.nmsgids > BZ_APERTURA_MAX_MSGIDS || r.nfolios > BZ_APERTURA_MAX_FOLIOS)
		abort();
	for (size_t i = 0; i < r.nmsgids; i++) {
		const char *m = r.msgids[i];
		size_t n = strlen(m);

		if (n < 3 || n > BZ_APERTURA_MSGID_MAX + 2 || m[0] != '<' ||
		    m[n - 1] != '>')
			abort();
		for (size_t k = 1; k + 1 < n; k++)
			if ((unsigned char)m[k] <= ' ' || (unsigned char)m[k] >= 0x7f ||
			    m[k] == '<' || m[k] == '>')
				abort();
		for (size_t k = 0; k < i; k++)
			if (strcmp(m, r.msgids[k]) == 0)
				abort();
	}
	for (size_t i = 0; i < r.nfolios; i++) {
		if (!bz_apertura_folio_ok(r.folios[i], strlen(r.folios[i])))
			abort();
		for (size_t k = 0; k < i; k++)
			if (strcmp(r.folios[i], r.folios[k]) == 0)
				abort();
	}
	bz_apertura_refs_free(&r);
}

/* LLVMFuzzerTestOneInput - the input as a message, a Subject, a text */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char folio[] = "NT-2026-00000001";
	char *s = malloc(size + 1), *f;
	int r;

	check_refs(data, size);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	r = bz_apertura_subject(s, &f);
	if ((r != 0 && r != 1) || (r == 0 && f != NULL) ||
	    (f != NULL && !bz_apertura_folio_ok(f, strlen(f))))
		abort();
	free(f);
	r = bz_apertura_text_names((const char *)data, size, folio);
	if (r < -1 || r > 1 || (r == 1 && memmem(data, size, folio, sizeof(folio) - 1) == NULL))
		abort();
	free(s);
	return 0;
}
