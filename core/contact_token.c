/*
 * contact_token - validation tokens, mobile codes and the consent text
 *
 * A token is BZ_REG_TOKEN_BYTES (160 bits) from RAND_bytes written in
 * RFC 4648 base32 without padding (32 characters, A-Z2-7: survives any
 * mail client's line wrapping and case changes). The store keeps only
 * hex SHA-256 of the normalised token, so a copy of the database does not
 * confirm anything; the plain token exists only in the validation notice.
 * A mobile code is 6 decimal digits drawn without modulo bias; its hash
 * is bound to the RFC (SHA-256 of "RFC:code"), so one stolen hash table
 * row is no dictionary for another registration. Neither is ever logged.
 *
 * Failure: -1 when the random generator fails (the caller tempfails).
 */
#include "build-aux/config.h"

#include <ctype.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "buzon/buf.h"
#include "buzon/digest.h"
#include "buzon/registration.h"

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* bz_contact_token_new - a fresh random token, base32 */
int
bz_contact_token_new(char out[BZ_REG_TOKEN_LEN + 1])
{
	unsigned char r[BZ_REG_TOKEN_BYTES];
	size_t o = 0;

	_Static_assert(BZ_REG_TOKEN_BYTES * 8 == BZ_REG_TOKEN_LEN * 5,
	    "base32 without padding");
	if (RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	for (size_t i = 0; i < sizeof(r); i += 5) {
		uint64_t v = 0;

		for (size_t k = 0; k < 5; k++)
			v = (v << 8) | r[i + k];
		for (int k = 7; k >= 0; k--)
			out[o++] = b32[(v >> (5 * k)) & 31];
	}
	out[o] = '\0';
	OPENSSL_cleanse(r, sizeof(r));
	return 0;
}

/* bz_contact_code_new - six random digits, uniform */
int
bz_contact_code_new(char out[BZ_REG_CODE_LEN + 1])
{
	uint32_t v;

	do {
		if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
			return -1;
	} while (v >= 4294000000u);	/* a multiple of 10^6: no bias */
	v %= 1000000u;
	for (int i = BZ_REG_CODE_LEN - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
	out[BZ_REG_CODE_LEN] = '\0';
	return 0;
}

/* bz_contact_token_hash - hash of a normalised token; -1 when malformed */
int
bz_contact_token_hash(const char *s, char out[65])
{
	char norm[BZ_REG_TOKEN_LEN + 1];
	size_t n = 0;
	int ok = 1;

	for (; s != NULL && *s != '\0'; s++) {
		char c = (char)toupper((unsigned char)*s);

		if (c == '-' || c == ' ')
			continue;
		if (strchr(b32, c) == NULL || c == '\0' || n == BZ_REG_TOKEN_LEN) {
			ok = 0;
			break;
		}
		norm[n++] = c;
	}
	norm[n] = '\0';
	bz_sha256_hex(norm, n, out);
	OPENSSL_cleanse(norm, sizeof(norm));
	return ok && n == BZ_REG_TOKEN_LEN ? 0 : -1;
}

/* bz_contact_code_hash - hash of "RFC:code" */
int
bz_contact_code_hash(const char *rfc, const char *code, char out[65])
{
	struct bz_buf b = BZ_BUF_INIT;
	int ok = code != NULL && strlen(code) == BZ_REG_CODE_LEN;

	for (size_t i = 0; ok && i < BZ_REG_CODE_LEN; i++)
		ok = isdigit((unsigned char)code[i]);
	bz_buf_printf(&b, "%s:%s", rfc ? rfc : "", ok ? code : "");
	bz_sha256_hex(b.data, b.len, out);
	OPENSSL_cleanse(b.data, b.len);
	bz_buf_free(&b);
	return ok ? 0 : -1;
}

/* bz_consent_load - the published consent text and its SHA-256 */
int
bz_consent_load(const char *path, struct bz_consent *c, struct bz_buf *err)
{
	bz_buf_init(&c->text);
	c->sha256[0] = '\0';
	if (path == NULL || *path == '\0') {
		bz_buf_puts(err, "ConsentText is not set");
		return -1;
	}
	if (bz_buf_read_file(&c->text, path, 1 << 20) != 0) {
		bz_buf_printf(err, "cannot read ConsentText %s", path);
		return -1;
	}
	bz_sha256_hex(c->text.len ? (const void *)c->text.data : "", c->text.len,
	    c->sha256);
	return 0;
}

/* bz_consent_free - release the text */
void
bz_consent_free(struct bz_consent *c)
{
	bz_buf_free(&c->text);
}
