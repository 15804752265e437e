/*
 * cms_check - refuse a SignedData that OpenSSL 3.0's CMS_verify would leak on
 *
 * OpenSSL 3.0 (Debian 12's libssl3) CMS_verify() copies a memory BIO given
 * as detached content into a temporary memory BIO and, when CMS_BINARY is
 * set and CMS_dataInit() then fails, never frees that copy (272 bytes a
 * call; fixed upstream in 2026). CMS_dataInit() fails when the SignedData's
 * digestAlgorithms set is empty or names a digest OpenSSL cannot set up.
 * The milter verifies every message in one long-running process, so any
 * sender could grow it without bound: bz_cms_check_digests() refuses those
 * structures before CMS_verify() is reached.
 *
 * Interface: bz_cms_check_digests(der, len) takes the DER of a CMS
 * ContentInfo that d2i_CMS_ContentInfo() accepted as SignedData. It
 * returns 0 when the digestAlgorithms set is non-empty and every entry can
 * be set up the way CMS_dataInit() does it; -1 otherwise (or when the
 * set cannot be found): the caller reports a malformed CMS. A SignerInfo
 * whose digest is missing from the set is left to CMS_verify(), which
 * fails its signature without leaking. The OpenSSL error queue is left
 * empty.
 */
#ifndef BUZON_CMS_CHECK_H
#define BUZON_CMS_CHECK_H

#include <stddef.h>

int	bz_cms_check_digests(const unsigned char *der, size_t len);

#endif
