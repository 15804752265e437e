/*
 * fuzz_notification - libFuzzer target over what a department writes and
 * what the operator lists (issue 10): the signed request's lines
 * (Destinatario:, Asunto:, Responder-a:) and OfficialsFile
 *
 * The whole input is parsed both ways. Checked on every input: an
 * accepted request names an RFC of the right form in upper case, a
 * subject of 1..BZ_NOTIF_SUBJECT_MAX bytes of UTF-8 without control
 * characters (it is quoted in the Institute's aviso), and a reply-to that
 * is one plain lower-case address; a refused one gives a BZ-NOTIF code
 * and nothing else. An accepted officials file has well-formed RFCs, no
 * RFC twice, plain lower-case addresses and non-empty UTF-8 names; a
 * refused one says which line. Any crash, leak, sanitizer report or abort
 * is a finding.
 *
 * Build and run: tests/fuzz/run-fuzz.sh SECONDS WORKDIR notification
 */
#include "build-aux/config.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buzon/address.h"
#include "buzon/log.h"
#include "buzon/notification.h"
#include "buzon/utf8.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerInitialize - quiet logs */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	bz_log_set_level(LOG_ERR);
	return 0;
}

/* lower_plain - a plain address with no upper-case letter */
static int
lower_plain(const char *a)
{
	if (!bz_address_plain(a) || strpbrk(a, "\r\n \t\"<>,") != NULL)
		return 0;
	for (const char *p = a; *p; p++)
		if (isupper((unsigned char)*p))
			return 0;
	return 1;
}

/* check_request - the invariants of one parse */
static void
check_request(const char *text, size_t len)
{
	struct bz_notif_request r;
	const char *code = NULL;
	size_t n;

	if (bz_notif_request_parse(text, len, &r, &code) != 0) {
		if (code == NULL || strncmp(code, "BZ-NOTIF-", 9) != 0 || r.rfc != NULL ||
		    r.subject != NULL || r.reply_to != NULL)
			abort();
		return;
	}
	if (code != NULL || !bz_notif_rfc_ok(r.rfc))
		abort();
	n = strlen(r.subject);
	if (n == 0 || n > BZ_NOTIF_SUBJECT_MAX ||
	    !bz_utf8_valid((const unsigned char *)r.subject, n))
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)r.subject[i] < 0x20 || r.subject[i] == 0x7f)
			abort();
	if (r.reply_to != NULL && !lower_plain(r.reply_to))
		abort();
	bz_notif_request_free(&r);
}

/* check_officials - the invariants of one officials file */
static void
check_officials(const char *text, size_t len)
{
	struct bz_officials o;
	struct bz_buf err = BZ_BUF_INIT;

	if (bz_officials_parse(text, len, "f", &o, &err) != 0) {
		if (o.n != 0 || strncmp(bz_buf_str(&err), "f:", 2) != 0)
			abort();
		bz_buf_free(&err);
		return;
	}
	for (size_t i = 0; i < o.n; i++) {
		const struct bz_official *f = &o.items[i];

		if (!bz_notif_rfc_ok(f->rfc) || !lower_plain(f->address) ||
		    f->name[0] == '\0' ||
		    !bz_utf8_valid((const unsigned char *)f->name, strlen(f->name)))
			abort();
		for (size_t k = 0; k < i; k++)
			if (strcasecmp(f->rfc, o.items[k].rfc) == 0)
				abort();
		if (bz_officials_find(&o, f->rfc) != &o.items[i])
			abort();
	}
	bz_officials_free(&o);
	bz_buf_free(&err);
}

/* LLVMFuzzerTestOneInput - the input as a signed text and as a file */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_request((const char *)data, size);
	check_officials((const char *)data, size);
	return 0;
}
