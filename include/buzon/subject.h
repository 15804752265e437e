/*
 * subject.h - a command word in a Subject and the word after it
 *
 * "APERTURA NT-2026-00000001", "consulta: BZ-2026-00000007": the mailbox's
 * commands are a keyword (any case) first in the Subject, then one word.
 */
#ifndef BUZON_SUBJECT_H
#define BUZON_SUBJECT_H

#include <stddef.h>

/*
 * 1 when subject (NULL: none) starts, after blanks, with keyword in any
 * case followed by its end, a blank or ':'; then *arg points at the next
 * word (after blanks and colons) and *len is its length, 0 when there is
 * none. 0 otherwise.
 */
int	bz_subject_command(const char *subject, const char *keyword,
	    const char **arg, size_t *len);

#endif
