/*
 * address - envelope addresses compared the way the MTA delivers them
 *
 * See include/buzon/address.h. RFC 5321 4.1.2: a Path may carry a source
 * route (obsolete, ignored by receivers: "@a,@b:" before the mailbox) and
 * a Local-part may be a Quoted-string, whose quotes and quoted-pairs are
 * not part of the mailbox name; a domain with one trailing dot is the same
 * domain (Postfix strips it when resolving); and Postfix's RFC 822 parser
 * skips comments and blanks between the tokens ("buzon(x)@imss...").
 */
#include "build-aux/config.h"

#include <string.h>
#include <strings.h>

#include "buzon/address.h"
#include "buzon/buf.h"
#include "buzon/xalloc.h"

/* The longest address RFC 5321 4.5.3.1.3 lets through a reverse-path. */
#define MAX_ADDRESS	254

/* trim - [*b, *e) without surrounding blanks and n pairs of <> (n < 0: all) */
static void
trim(const char **b, const char **e, int n)
{
	for (;;) {
		while (*b < *e && (**b == ' ' || **b == '\t'))
			(*b)++;
		while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
			(*e)--;
		if (n == 0 || *e - *b < 2 || **b != '<' || (*e)[-1] != '>')
			return;
		(*b)++;
		(*e)--;
		n--;
	}
}

/* bz_address_bare - blanks and one pair of angle brackets off */
char *
bz_address_bare(const char *addr)
{
	const char *b = addr != NULL ? addr : "", *e = b + strlen(b);

	trim(&b, &e, 1);
	return xstrndup(b, (size_t)(e - b));
}

/* strip_cfws - addr without comments and blanks outside quoted strings
 * (RFC 5322 CFWS: Postfix's parser skips them, "buzon(x)@imss" is buzon) */
static void
strip_cfws(const char *s, struct bz_buf *out)
{
	int depth = 0, quoted = 0;

	for (; *s != '\0'; s++) {
		if (quoted) {
			bz_buf_putc(out, *s);
			if (*s == '\\' && s[1] != '\0')
				bz_buf_putc(out, *++s);
			else if (*s == '"')
				quoted = 0;
		} else if (depth > 0) {
			if (*s == '\\' && s[1] != '\0')
				s++;
			else if (*s == '(')
				depth++;
			else if (*s == ')')
				depth--;
		} else if (*s == '(')
			depth = 1;
		else if (*s != ' ' && *s != '\t') {
			if (*s == '"')
				quoted = 1;
			bz_buf_putc(out, *s);
		}
	}
}

/* bz_address_key - the address as the MTA resolves it, for comparisons */
char *
bz_address_key(const char *addr)
{
	struct bz_buf flat = BZ_BUF_INIT, key = BZ_BUF_INIT;
	const char *b, *e, *p;
	char *res;

	strip_cfws(addr != NULL ? addr : "", &flat);
	b = bz_buf_str(&flat);
	e = b + flat.len;
	trim(&b, &e, -1);
	/* Source route: "@a,@b:" then the mailbox. */
	if (b < e && *b == '@' && (p = memchr(b, ':', (size_t)(e - b))) != NULL) {
		b = p + 1;
		trim(&b, &e, 0);
	}
	if (b < e && *b == '"') {
		/* Quoted local part: its content, escapes resolved. */
		for (p = b + 1; p < e && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < e)
				p++;
			bz_buf_putc(&key, *p);
		}
		if (p == e || p + 1 == e || p[1] != '@') {
			/* Unterminated, or not "quoted"@domain: as written. */
			bz_buf_reset(&key);
			bz_buf_append(&key, b, (size_t)(e - b));
			bz_buf_free(&flat);
			return bz_buf_steal(&key);
		}
		b = p + 1;
	}
	bz_buf_append(&key, b, (size_t)(e - b));
	if (key.len > 1 && key.data[key.len - 1] == '.' &&
	    key.data[key.len - 2] != '.' && key.data[key.len - 2] != '@' &&
	    memchr(key.data, '@', key.len) != NULL)
		key.data[--key.len] = '\0';
	res = bz_buf_steal(&key);
	bz_buf_free(&flat);
	return res;
}

/*
 * bz_address_is_mailbox - key is mailbox, or mailbox's local part plus a
 * delimiter and an extension, at the same domain (the last "@" splits: a
 * quoted local part may hold one)
 */
int
bz_address_is_mailbox(const char *key, const char *mailbox, const char *delimiters)
{
	const char *kat = strrchr(key, '@'), *mat = strrchr(mailbox, '@');
	size_t klen, mlen;

	if (kat == NULL || mat == NULL || strcasecmp(kat, mat) != 0)
		return 0;
	klen = (size_t)(kat - key);
	mlen = (size_t)(mat - mailbox);
	if (klen < mlen || strncasecmp(key, mailbox, mlen) != 0)
		return 0;
	if (klen == mlen)
		return 1;
	/* An extension: Postfix delivers local+ext to local. */
	return delimiters != NULL && key[mlen] != '\0' &&
	    strchr(delimiters, key[mlen]) != NULL;
}

/* is_atext - RFC 5322 atext */
static int
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* dot_atom_len - length of a dot-atom-text at s, 0 when none */
static size_t
dot_atom_len(const char *s, int (*ok)(unsigned char))
{
	size_t i = 0;

	for (;;) {
		size_t start = i;

		while (ok((unsigned char)s[i]))
			i++;
		if (i == start)
			return 0;	/* empty atom: leading, trailing or double dot */
		if (s[i] != '.')
			return i;
		i++;
	}
}

/* bz_address_dot_atom_len - length of an RFC 5322 dot-atom-text at s */
size_t
bz_address_dot_atom_len(const char *s)
{
	return dot_atom_len(s, is_atext);
}

/* is_domain_char - letters, digits and hyphen (host names only) */
static int
is_domain_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

/* bz_address_plain - local@domain in the plainest form only */
int
bz_address_plain(const char *s)
{
	size_t n, d;

	if (s == NULL || strlen(s) > MAX_ADDRESS)
		return 0;
	if ((n = bz_address_dot_atom_len(s)) == 0 || s[n] != '@')
		return 0;
	d = dot_atom_len(s + n + 1, is_domain_char);
	return d != 0 && s[n + 1 + d] == '\0';
}
