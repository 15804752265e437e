/*
 * outbox_loop - when an automatic reply (the acuse) may be sent
 *
 * RFC 3834 section 2: never reply to the null reverse-path, to a message
 * marked Auto-Submitted with a keyword other than "no", or to ourselves.
 * A MAILER-DAEMON sender is a bounce with a non-null path (section 2
 * suggests not answering those either). Answering any of these risks a
 * mail loop between two automatic responders.
 */
#include "build-aux/config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buzon/address.h"
#include "buzon/outbox.h"

/* auto_submitted_no - is the header's keyword "no"? (comments skipped) */
static int
auto_submitted_no(const char *v)
{
	size_t k = 0;

	for (;;) {
		while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
			v++;
		if (*v != '(')
			break;
		/* RFC 5322 comment, possibly nested */
		for (int depth = 0; *v != '\0'; v++) {
			if (*v == '\\' && v[1] != '\0')
				v++;
			else if (*v == '(')
				depth++;
			else if (*v == ')' && --depth == 0) {
				v++;
				break;
			}
		}
	}
	while (v[k] != '\0' && (isalnum((unsigned char)v[k]) || v[k] == '-'))
		k++;
	return k == 2 && strncasecmp(v, "no", 2) == 0;
}

/* bz_outbox_should_reply - 1 when an acuse may be sent to envelope_from */
int
bz_outbox_should_reply(const char *envelope_from, const char *const *mailboxes,
    size_t n_mailboxes, const char *auto_submitted)
{
	char *from;
	const char *at;
	int reply = 1;

	if (envelope_from == NULL)
		return 0;
	/* As the MTA resolves it: "buzon"@... is the mailbox too. */
	from = bz_address_key(envelope_from);
	at = strchr(from, '@');
	if (*from == '\0')
		reply = 0;
	else if ((at ? (size_t)(at - from) : strlen(from)) == 13 &&
	    strncasecmp(from, "mailer-daemon", 13) == 0)
		reply = 0;
	for (size_t i = 0; reply && i < n_mailboxes; i++)
		if (mailboxes[i] != NULL && strcasecmp(mailboxes[i], from) == 0)
			reply = 0;
	if (reply && auto_submitted != NULL && !auto_submitted_no(auto_submitted))
		reply = 0;
	free(from);
	return reply;
}
