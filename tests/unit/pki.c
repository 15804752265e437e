/*
 * pki - the generated test PKI, for unit tests
 *
 * See pki.h. Check forks every test, so the generator runs (or finds its
 * finished output) once per test that asks: gen-pki.sh returns at once
 * when the PKI is complete.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "buzon/buf.h"
#include "buzon/xalloc.h"
#include "pki.h"
#include "suites.h"

static char *pki_dir;

/* test_pki_dir - generate the PKI if needed; its directory */
const char *
test_pki_dir(void)
{
	const char *b = getenv("top_builddir");
	char *cmd;

	if (pki_dir != NULL)
		return pki_dir;
	pki_dir = xasprintf("%s/tests/pki/generated", b && *b ? b : ".");
	cmd = xasprintf("'%s/tests/pki/gen-pki.sh' '%s'", test_srcdir(), pki_dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "pki: %s failed\n", cmd);
		exit(99);
	}
	free(cmd);
	return pki_dir;
}

/* test_pki_path - a file of the PKI (static buffer) */
const char *
test_pki_path(const char *name)
{
	static char *path;

	free(path);
	path = xasprintf("%s/%s", test_pki_dir(), name);
	return path;
}

/* test_load_cert - PEM or DER certificate file; NULL when unreadable */
X509 *
test_load_cert(const char *path)
{
	BIO *bio = BIO_new_file(path, "rb");
	X509 *x;

	if (bio == NULL)
		return NULL;
	if ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
		(void)BIO_reset(bio);
		x = d2i_X509_bio(bio, NULL);
	}
	BIO_free(bio);
	return x;
}

/* test_pki_cert - NAME.crt of the PKI; a missing file fails the test */
X509 *
test_pki_cert(const char *name)
{
	char *file = xasprintf("%s.crt", name);
	X509 *x = test_load_cert(test_pki_path(file));

	if (x == NULL) {
		fprintf(stderr, "pki: cannot load %s\n", file);
		exit(99);
	}
	free(file);
	return x;
}

/* test_config_text - load text (plus Socket, MailboxAddress) as a config */
struct bz_config *
test_config_text(const char *text)
{
	static int seq;
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_config *cfg;
	char *path = xasprintf("%s/pki-%d-%d.conf", test_tmpdir(), (int)getpid(),
	    seq++);
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		perror(path);
		exit(99);
	}
	fprintf(f, "Socket unix:/tmp/unused.sock\nMailboxAddress buzon@example.test\n%s",
	    text);
	fclose(f);
	cfg = bz_config_load(path, &err);
	if (cfg == NULL)
		fprintf(stderr, "pki: config: %s\n", bz_buf_str(&err));
	bz_buf_free(&err);
	free(path);
	return cfg;
}

/* test_pki_config - TestMode config trusting the generated PKI */
struct bz_config *
test_pki_config(const char *extra)
{
	char *text, *anchors = xstrdup(test_pki_path("trust-anchors.pem"));
	struct bz_config *cfg;

	text = xasprintf("TestMode yes\nTrustAnchors %s\nIssuingCAs %s\n%s",
	    anchors, test_pki_path("issuing-cas.pem"), extra ? extra : "");
	cfg = test_config_text(text);
	free(text);
	free(anchors);
	return cfg;
}
