/*
 * digest - SHA-256 and hex, written once
 *
 * See include/buzon/digest.h. struct bz_sha256 is OpenSSL's EVP_MD_CTX
 * under another name, so callers need not include OpenSSL for a digest.
 * Large ranges are fed to OpenSSL a MiB at a time, so a mapped message is
 * trimmed behind the digest instead of becoming resident.
 */
#include "build-aux/config.h"

#include <openssl/evp.h>

#include "buzon/digest.h"
#include "buzon/log.h"

#define STEP	((size_t)1 << 20)

/* ctx - the OpenSSL context behind a digest */
static EVP_MD_CTX *
ctx(struct bz_sha256 *d)
{
	return (EVP_MD_CTX *)d;
}

/* hex_digits - n bytes as hex in the given digit set */
static void
hex_digits(const void *p, size_t n, char *out, const char *digits)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

/* bz_hex - lower-case hex */
void
bz_hex(const void *p, size_t n, char *out)
{
	hex_digits(p, n, out, "0123456789abcdef");
}

/* bz_hex_upper - upper-case hex */
void
bz_hex_upper(const void *p, size_t n, char *out)
{
	hex_digits(p, n, out, "0123456789ABCDEF");
}

/* bz_sha256_begin - a running SHA-256 */
struct bz_sha256 *
bz_sha256_begin(void)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		bz_panic("digest: SHA-256 unavailable");
	return (struct bz_sha256 *)md;
}

/* bz_sha256_update - add bytes */
void
bz_sha256_update(struct bz_sha256 *d, const void *p, size_t len)
{
	if (EVP_DigestUpdate(ctx(d), p, len) != 1)
		bz_panic("digest: SHA-256 update failed");
}

/* bz_sha256_view - add a range a step at a time, trimming a view behind it */
void
bz_sha256_view(struct bz_sha256 *d, const void *p, size_t len,
    struct bz_view_meter *m)
{
	const unsigned char *q = p;

	while (len > 0) {
		size_t n = len < STEP ? len : STEP;

		bz_sha256_update(d, q, n);
		bz_view_account(m, q, n);
		q += n;
		len -= n;
	}
}

/* bz_sha256_end - finish, hex into out, free */
void
bz_sha256_end(struct bz_sha256 *d, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (EVP_DigestFinal_ex(ctx(d), md, &len) != 1 || len != 32)
		bz_panic("digest: SHA-256 final failed");
	EVP_MD_CTX_free(ctx(d));
	bz_hex(md, len, out);
}

/* bz_sha256_abort - free without finishing */
void
bz_sha256_abort(struct bz_sha256 *d)
{
	EVP_MD_CTX_free(ctx(d));
}

/* bz_sha256_hex - hex SHA-256 of a byte range */
void
bz_sha256_hex(const void *p, size_t len, char out[65])
{
	struct bz_view_meter m = { 0 };
	struct bz_sha256 *d = bz_sha256_begin();

	bz_sha256_view(d, p, len, &m);
	bz_sha256_end(d, out);
}
