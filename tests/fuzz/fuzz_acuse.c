/*
 * fuzz_acuse - libFuzzer target over the acuse XML reader of receipt verify
 *
 * `buzonctl receipt verify` takes the acuse XML out of a signed receipt
 * mail and hands it, sender-controlled bytes, to bz_receipt_from_xml()
 * (libxml2 without network or DTD, then the field walk) and
 * bz_receipt_xml_validate() (the acuse XSD). Each input is one such XML.
 * A record the reader accepts is carried on the way receipt verify does:
 * its cadena original is rebuilt (the UTF-8 normaliser), its Spanish text
 * rendered, and it is validated against the schema named by
 * $BUZON_FUZZ_XSD (contrib/acuse-v1.xsd). The schema is loaded per call,
 * as the command does; only accepted records pay for it, so that garbage
 * inputs stay fast. Any crash, leak or sanitizer report is a finding.
 *
 * Build and run: tests/fuzz/run-fuzz.sh SECONDS WORKDIR acuse
 */
#include "build-aux/config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "buzon/buf.h"
#include "buzon/log.h"
#include "buzon/receipt.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *xsd;

/* LLVMFuzzerInitialize - libxml2 set-up and the schema's path */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((xsd = getenv("BUZON_FUZZ_XSD")) == NULL) {
		fprintf(stderr, "fuzz_acuse: set BUZON_FUZZ_XSD (see run-fuzz.sh)\n");
		exit(2);
	}
	bz_log_set_level(LOG_ERR);
	bz_receipt_library_init();
	return 0;
}

/* LLVMFuzzerTestOneInput - one acuse XML, read as receipt verify reads it */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bz_receipt r;
	struct bz_buf err = BZ_BUF_INIT, out = BZ_BUF_INIT;

	bz_receipt_init(&r);
	if (bz_receipt_from_xml(&r, data, size, &err) == 0) {
		bz_receipt_cadena(&r, &out);
		bz_buf_reset(&out);
		bz_receipt_text(&r, &out);
		(void)bz_receipt_xml_validate(data, size, xsd, &err);
	} else if (err.len == 0)
		abort();	/* a refused XML always says why */
	bz_receipt_free(&r);
	bz_buf_free(&err);
	bz_buf_free(&out);
	return 0;
}
