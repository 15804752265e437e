/*
 * notification_request - the lines of a notification's signed text and
 *			  the RFC form they name
 *
 * Only the signed content counts (core/submission_notification.c reads it
 * with bz_registration_signed_text): the employer (Destinatario:), the
 * subject (Asunto:) and optionally where replies go (Responder-a:). Each
 * label at most once: two Destinatario lines would let a reader and the
 * daemon disagree on who was notified. Lines with other labels are part
 * of the text and ignored.
 */
#include "build-aux/config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buzon/address.h"
#include "buzon/notification.h"
#include "buzon/utf8.h"
#include "buzon/xalloc.h"

/* bz_notif_rfc_ok - 1 when s (upper case) has the form of an RFC: 3 (moral)
 * or 4 (fisica) letters, a YYMMDD date and a 3-character homoclave */
int
bz_notif_rfc_ok(const char *s)
{
	size_t len = strlen(s), letters;

	if (len != 12 && len != 13)
		return 0;
	letters = len - 9;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i < letters ? !(isupper(c) || c == '&') :
		    i < letters + 6 ? !isdigit(c) : !(isupper(c) || isdigit(c)))
			return 0;
	}
	return 1;
}

/* label - the value after "name:" at the start of line p..end, trimmed,
 * xmalloc'ed; NULL when the line has another label */
static char *
label(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);

	if ((size_t)(end - p) < n + 1 || strncasecmp(p, name, n) != 0 || p[n] != ':')
		return NULL;
	p += n + 1;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	return xstrndup(p, (size_t)(end - p));
}

/* set - the value of one label, at most once; -1 when repeated */
static int
set(char **slot, char *value)
{
	if (value == NULL)
		return 0;
	if (*slot != NULL) {
		free(value);
		return -1;
	}
	*slot = value;
	return 0;
}

/* subject_ok - non-empty UTF-8 without control characters, bounded */
static int
subject_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > BZ_NOTIF_SUBJECT_MAX || !bz_utf8_valid((const unsigned char *)s, len))
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* bz_notif_request_parse - Destinatario, Asunto, Responder-a */
int
bz_notif_request_parse(const char *text, size_t len, struct bz_notif_request *out,
    const char **code)
{
	const char *p = text, *end = text + len;
	int dup_rfc = 0, dup_subject = 0, dup_reply = 0;

	memset(out, 0, sizeof(*out));
	*code = NULL;
	if (memchr(text, '\0', len) != NULL) {
		*code = "BZ-NOTIF-NO-RECIPIENT";
		return -1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl != NULL ? nl : end;

		dup_rfc |= set(&out->rfc, label(p, eol, "Destinatario"));
		dup_subject |= set(&out->subject, label(p, eol, "Asunto"));
		dup_reply |= set(&out->reply_to, label(p, eol, "Responder-a"));
		p = nl != NULL ? nl + 1 : end;
	}
	if (out->rfc != NULL)
		for (char *c = out->rfc; *c != '\0'; c++)
			*c = (char)toupper((unsigned char)*c);
	if (dup_rfc || out->rfc == NULL || !bz_notif_rfc_ok(out->rfc))
		*code = "BZ-NOTIF-NO-RECIPIENT";
	else if (dup_subject || out->subject == NULL || !subject_ok(out->subject))
		*code = "BZ-NOTIF-NO-SUBJECT";
	else if (dup_reply || (out->reply_to != NULL &&
	    !bz_address_plain(out->reply_to)))
		*code = "BZ-NOTIF-BAD-REPLY-TO";
	if (*code != NULL) {
		bz_notif_request_free(out);
		return -1;
	}
	if (out->reply_to != NULL)
		for (char *c = out->reply_to; *c != '\0'; c++)
			*c = (char)tolower((unsigned char)*c);
	return 0;
}

/* bz_notif_request_free - release a parsed request */
void
bz_notif_request_free(struct bz_notif_request *r)
{
	free(r->rfc);
	free(r->subject);
	free(r->reply_to);
	memset(r, 0, sizeof(*r));
}
