/*
 * address - envelope addresses compared the way the MTA delivers them
 *
 * The milter must recognise every spelling of a MailboxAddress that the
 * MTA would deliver to it, or a sender could reach the mailbox without
 * verification (and with forged X-Buzon-* headers left in place) just by
 * writing RCPT TO:<"buzon"@imss.gob.mx> or RCPT TO:<@relay:buzon@...>:
 * Postfix delivers both to buzon@imss.gob.mx but hands the milter the
 * address as the client wrote it.
 *
 * bz_address_bare() only takes off blanks and angle brackets: the address
 * to store or to answer. bz_address_key() is for comparisons: also
 * comments and blanks outside quoted strings, any further pairs of
 * angle brackets, a source route ("@a,@b:"), the quotes
 * and backslash escapes of a quoted local part, and one trailing dot of
 * the domain. Compare keys case-insensitively.
 *
 * bz_address_is_mailbox() compares a key with one configured mailbox the
 * way Postfix's recipient_delimiter splits an address: with delimiters
 * "+", buzon+cualquier@imss.gob.mx is delivered to buzon@imss.gob.mx, so
 * it is the mailbox too. Any local part that starts with the mailbox's
 * and goes on with one of the delimiter characters matches (with "-",
 * buzon-a-b@ as well as buzon-a@): wider than Postfix, never narrower.
 *
 * bz_address_plain() is the plainest form, the only one the acuse's headers
 * and MailboxAddress take: dot-atom local part, '@', a host name of
 * letters, digits, hyphens and dots, at most 254 bytes.
 * bz_address_dot_atom_len() measures an RFC 5322 dot-atom-text (also the
 * halves of a Message-ID).
 *
 * Failure: none (xalloc aborts on memory exhaustion); "" for <>.
 */
#ifndef BUZON_ADDRESS_H
#define BUZON_ADDRESS_H

#include <stddef.h>

/* "<a@b>" -> "a@b": blanks and one pair of angle brackets off. */
char	*bz_address_bare(const char *addr);
/* The address as the MTA resolves it, for comparisons. */
char	*bz_address_key(const char *addr);
/* Is key (from bz_address_key) the mailbox local@domain, or its local part
 * with an extension after one of the delimiters (NULL or "": none)?
 * Case-insensitive. */
int	bz_address_is_mailbox(const char *key, const char *mailbox,
	    const char *delimiters);
/* s is local@domain in the plainest form (NULL: no). */
int	bz_address_plain(const char *s);
/* Length of the dot-atom-text at the start of s, 0 when none. */
size_t	bz_address_dot_atom_len(const char *s);

#endif
