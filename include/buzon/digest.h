/*
 * digest - SHA-256 and hex, written once
 *
 * Messages, decoded parts, spool files, calendar files, cadenas and acuses
 * are all named by the lower-case hex SHA-256 of their bytes; this is the
 * one place that computes it.
 *
 *   bz_sha256_begin()	a running digest.
 *   bz_sha256_update()	add bytes.
 *   bz_sha256_view()	add bytes of a mapped message a step at a time,
 *			trimming what is behind (bz_view_account).
 *   bz_sha256_end()	64 hex digits into out[65]; frees the digest.
 *   bz_sha256_abort()	free a digest without finishing it (NULL is fine).
 *   bz_sha256_hex()	the hex SHA-256 of one byte range (a view is read a
 *			step at a time).
 *   bz_hex()		n bytes as 2n lower-case hex digits into out[2n+1];
 *			bz_hex_upper() the same in upper case (serial numbers).
 *
 * Failure: none. OpenSSL without SHA-256 is broken: bz_panic.
 */
#ifndef BUZON_DIGEST_H
#define BUZON_DIGEST_H

#include <stddef.h>

#include "buzon/view.h"

#define BZ_SHA256_HEX_LEN	64

struct bz_sha256;

struct bz_sha256 *bz_sha256_begin(void);
void	bz_sha256_update(struct bz_sha256 *d, const void *p, size_t len);
void	bz_sha256_view(struct bz_sha256 *d, const void *p, size_t len,
	    struct bz_view_meter *m);
void	bz_sha256_end(struct bz_sha256 *d, char out[65]);
void	bz_sha256_abort(struct bz_sha256 *d);

/* Hex SHA-256 of bytes into out[65] (reads a view a step at a time). */
void	bz_sha256_hex(const void *p, size_t len, char out[65]);

void	bz_hex(const void *p, size_t n, char *out);
void	bz_hex_upper(const void *p, size_t n, char *out);

#endif
