/*
 * outbox_loop - when an automatic reply (the acuse) may be sent
 *
 * RFC 3834 section 2: never reply to the null reverse-path, to a message
 * marked Auto-Submitted with a keyword other than "no", or to ourselves;
 * section 2 also says responders should not answer mail with a
 * Precedence of bulk, junk or list, nor mail that came through a mailing
 * list (List-Id, List-Post: RFC 2919, RFC 2369). A MAILER-DAEMON sender is
 * a bounce with a non-null path. Answering any of these risks a mail loop
 * between two automatic responders, or an acuse sent to a whole list.
 * "Ourselves" is every spelling the MTA delivers to a mailbox, delimiter
 * extensions (buzon+x@) included: an acuse sent there would arrive at the
 * mailbox.
 *
 * Only these rules decide: not who the acuse goes to, which is the
 * receipt's business. Failure: none (bad input is just "do not reply").
 */
#include "build-aux/config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buzon/address.h"
#include "buzon/buf.h"
#include "buzon/outbox.h"

/* keyword - the first word of a structured value, comments skipped;
 * its length in *len (0 when there is none) */
static const char *
keyword(const char *v, size_t *len)
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
	*len = k;
	return v;
}

/* keyword_is - is the value's first word w (case-insensitive)? */
static int
keyword_is(const char *value, const char *w)
{
	size_t k;
	const char *v = keyword(value, &k);

	return k == strlen(w) && strncasecmp(v, w, k) == 0;
}

/* bz_loop_headers_note - what one header field says */
void
bz_loop_headers_note(struct bz_loop_headers *h, const char *name, const char *value)
{
	if (value == NULL)
		value = "";
	if (strcasecmp(name, "Auto-Submitted") == 0) {
		/* Empty or unreadable is not "no": automatic. */
		if (!keyword_is(value, "no"))
			h->auto_submitted = 1;
	} else if (strcasecmp(name, "Precedence") == 0) {
		if (keyword_is(value, "bulk") || keyword_is(value, "junk") ||
		    keyword_is(value, "list"))
			h->precedence = 1;
	} else if (strcasecmp(name, "List-Id") == 0 ||
	    strcasecmp(name, "List-Post") == 0)
		h->list = 1;
}

/* wanted - is a field of this name one that bz_loop_headers_note reads? */
static int
wanted(const char *name, size_t n)
{
	static const char *const names[] = {
		"Auto-Submitted", "Precedence", "List-Id", "List-Post",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && strncasecmp(names[i], name, n) == 0)
			return 1;
	return 0;
}

/* bz_loop_headers_scan - note every field of the top-level header */
void
bz_loop_headers_scan(struct bz_loop_headers *h, const void *msg, size_t len)
{
	const char *p = msg, *end = p + len, *eol, *colon;
	struct bz_buf name = BZ_BUF_INIT, value = BZ_BUF_INIT;
	size_t n, nlen;
	int keep = 0;

	memset(h, 0, sizeof(*h));
	for (; p < end; p = eol) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		eol = nl != NULL ? nl + 1 : end;
		n = (size_t)(eol - p);
		while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
			n--;
		if (n > 0 && (*p == ' ' || *p == '\t')) {
			/* Continuation of the field before (RFC 5322 2.2.3). */
			if (keep)
				bz_buf_append(&value, p, n);
			continue;
		}
		if (keep)
			bz_loop_headers_note(h, bz_buf_str(&name), bz_buf_str(&value));
		keep = 0;
		if (n == 0)
			break;		/* the empty line: the header has ended */
		colon = memchr(p, ':', n);
		if (colon == NULL)
			continue;	/* not a field: nothing to note */
		/* The name ends at the colon, blanks before it ignored
		 * (obsolete syntax, RFC 5322 4.5.3). */
		nlen = (size_t)(colon - p);
		while (nlen > 0 && (p[nlen - 1] == ' ' || p[nlen - 1] == '\t'))
			nlen--;
		if (!wanted(p, nlen))
			continue;
		bz_buf_reset(&name);
		bz_buf_append(&name, p, nlen);
		bz_buf_reset(&value);
		bz_buf_append(&value, colon + 1, (size_t)(p + n - colon - 1));
		keep = 1;
	}
	if (keep)
		bz_loop_headers_note(h, bz_buf_str(&name), bz_buf_str(&value));
	bz_buf_free(&name);
	bz_buf_free(&value);
}

/* bz_outbox_loop_reason - why not to reply to this message, NULL to reply */
const char *
bz_outbox_loop_reason(const char *envelope_from, const char *const *mailboxes,
    size_t n_mailboxes, const char *delimiters, const struct bz_loop_headers *h)
{
	const char *why = NULL;
	char *from;
	const char *at;

	if (envelope_from == NULL)
		return "no sender";
	/* As the MTA resolves it: "buzon"@... is the mailbox too. */
	from = bz_address_key(envelope_from);
	at = strchr(from, '@');
	if (*from == '\0')
		why = "null sender";
	else if ((at ? (size_t)(at - from) : strlen(from)) == 13 &&
	    strncasecmp(from, "mailer-daemon", 13) == 0)
		why = "MAILER-DAEMON sender";
	for (size_t i = 0; why == NULL && i < n_mailboxes; i++)
		if (mailboxes[i] != NULL &&
		    bz_address_is_mailbox(from, mailboxes[i], delimiters))
			why = "the sender is the mailbox";
	free(from);
	if (why != NULL || h == NULL)
		return why;
	if (h->auto_submitted)
		return "Auto-Submitted other than no";
	if (h->precedence)
		return "Precedence bulk, junk or list";
	if (h->list)
		return "mailing list (List-Id or List-Post)";
	return NULL;
}

/* bz_outbox_should_reply - 1 when an acuse may be sent to envelope_from */
int
bz_outbox_should_reply(const char *envelope_from, const char *const *mailboxes,
    size_t n_mailboxes, const char *auto_submitted)
{
	struct bz_loop_headers h;

	memset(&h, 0, sizeof(h));
	if (auto_submitted != NULL)
		bz_loop_headers_note(&h, "Auto-Submitted", auto_submitted);
	return bz_outbox_loop_reason(envelope_from, mailboxes, n_mailboxes, NULL,
	    &h) == NULL;
}
