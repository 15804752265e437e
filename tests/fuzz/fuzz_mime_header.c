/*
 * fuzz_mime_header - libFuzzer target over the MIME header and parameter
 * decoder (RFC 2047 encoded words, RFC 2231 parameters)
 *
 * Each input is an entity: a header block, optionally followed by a body.
 * It goes through the calls that read sender-controlled headers outside
 * the signature check: bz_mime_header_value() (header block end, folding,
 * canonical line ends) for the headers the milter and the acuse read,
 * bz_mime_subject() (RFC 2047 decoding to UTF-8 by GMime), and
 * bz_mime_parts() on the entity, whose part names come from
 * Content-Disposition filename / Content-Type name parameters (RFC 2231
 * continuations and charsets, RFC 2047 in quoted strings) and whose
 * bodies are decoded by Content-Transfer-Encoding. Any crash, leak or
 * sanitizer report is a finding.
 *
 * Build and run: tests/fuzz/run-fuzz.sh SECONDS WORKDIR mime_header
 */
#include "build-aux/config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/log.h"
#include "buzon/mime.h"
#include "buzon/reason.h"
#include "buzon/verdict.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const headers[] = {
	"Subject", "From", "Message-ID", "Content-Type", "Content-Disposition",
	"Content-Transfer-Encoding", "Auto-Submitted", "X-Buzon-Folio",
};

/* LLVMFuzzerInitialize - GMime once */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	bz_log_set_level(LOG_ERR);
	bz_mime_init();
	return 0;
}

/* LLVMFuzzerTestOneInput - one entity's headers, decoded */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bz_reasons reasons;
	struct bz_part *parts = NULL;
	size_t nparts = 0;
	char *v;

	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		v = bz_mime_header_value(data, size, headers[i]);
		if (v != NULL && strchr(v, '\n') != NULL)
			abort();	/* unfolded means one line */
		free(v);
	}
	free(bz_mime_subject(data, size));
	bz_reasons_init(&reasons);
	bz_mime_parts(data, size, NULL, &parts, &nparts, &reasons);
	for (size_t i = 0; i < nparts; i++)
		if (parts[i].content_type == NULL || strlen(parts[i].sha256) != 64)
			abort();
	bz_mime_parts_free(parts, nparts);
	bz_reasons_free(&reasons);
	return 0;
}
