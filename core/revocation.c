/*
 * revocation - CRL files: loading a directory, status of one certificate
 *
 * See include/buzon/revocation.h (OCSP is in core/ocsp.c). CRLs are read
 * once per configuration generation (an operator refreshes them and
 * reloads); a CRL counts only when it names the leaf's issuer, verifies
 * with the issuer's public key (a CRL with the right name and another key
 * is ignored: names prove nothing) and is not stale at the instant asked
 * about.
 *
 * Failure: bz_crl_load_dir() returns NULL with one line in err when the
 * directory cannot be read or a file in it is not a CRL (a misplaced file
 * is an operator error worth refusing the configuration for).
 */
#include "build-aux/config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "buzon/efirma.h"
#include "buzon/revocation.h"
#include "buzon/xalloc.h"

/* load_file - append the CRLs of one PEM (any number) or DER file */
static int
load_file(const char *path, STACK_OF(X509_CRL) *crls)
{
	BIO *bio = BIO_new_file(path, "rb");
	X509_CRL *crl;
	int n = 0;

	if (bio == NULL)
		return -1;
	while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) != NULL) {
		sk_X509_CRL_push(crls, crl);
		n++;
	}
	ERR_clear_error();
	if (n == 0) {
		(void)BIO_reset(bio);
		if ((crl = d2i_X509_CRL_bio(bio, NULL)) != NULL) {
			sk_X509_CRL_push(crls, crl);
			n++;
		}
		ERR_clear_error();
	}
	BIO_free(bio);
	return n > 0 ? 0 : -1;
}

/* bz_crl_load_dir - every CRL in the regular, non-hidden files of dir */
STACK_OF(X509_CRL) *
bz_crl_load_dir(const char *dir, struct bz_buf *err)
{
	STACK_OF(X509_CRL) *crls;
	struct dirent *de;
	struct stat st;
	DIR *d;
	char *path;

	if ((d = opendir(dir)) == NULL) {
		bz_buf_printf(err, "CRLDirectory %s: %s", dir, strerror(errno));
		return NULL;
	}
	crls = sk_X509_CRL_new_null();
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		if (load_file(path, crls) != 0) {
			bz_buf_printf(err, "CRLDirectory: %s is not a CRL (PEM or DER)",
			    path);
			free(path);
			closedir(d);
			sk_X509_CRL_pop_free(crls, X509_CRL_free);
			return NULL;
		}
		free(path);
	}
	closedir(d);
	return crls;
}

/* bz_crl_status - status of leaf by the usable CRLs of its issuer at `at` */
enum bz_rev_status
bz_crl_status(STACK_OF(X509_CRL) *crls, X509 *leaf, X509 *issuer, int64_t at,
    struct bz_buf *why)
{
	EVP_PKEY *ikey = X509_get0_pubkey(issuer);
	int named = 0, usable = 0, revoked = 0;
	X509_REVOKED *rev;
	int64_t next, when;

	for (int i = 0; crls != NULL && i < sk_X509_CRL_num(crls); i++) {
		X509_CRL *crl = sk_X509_CRL_value(crls, i);

		if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
		    X509_get_subject_name(issuer)) != 0)
			continue;
		named++;
		if (ikey == NULL || X509_CRL_verify(crl, ikey) != 1) {
			ERR_clear_error();
			continue;	/* right name, wrong key: not the issuer's */
		}
		if (bz_efirma_time(X509_CRL_get0_nextUpdate(crl), &next) != 0 ||
		    next < at)
			continue;	/* stale, or no promise of freshness */
		usable++;
		rev = NULL;
		if (X509_CRL_get0_by_cert(crl, &rev, leaf) == 1 && rev != NULL &&
		    bz_efirma_time(X509_REVOKED_get0_revocationDate(rev), &when) == 0 &&
		    when <= at)
			revoked = 1;
	}
	if (revoked)
		return BZ_REV_REVOKED;
	if (usable > 0)
		return BZ_REV_GOOD;
	if (named == 0)
		bz_buf_puts(why, "no CRL from the certificate's issuer in CRLDirectory");
	else
		bz_buf_puts(why, "no CRL of the issuer both verifies with its key "
		    "and is fresh (nextUpdate) at the instant");
	return BZ_REV_UNAVAILABLE;
}
