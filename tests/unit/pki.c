/*
 * pki - the generated test PKI, for unit tests
 *
 * See pki.h. Check forks every test, so the generator runs (or finds its
 * finished output) once per test that asks: gen-pki.sh returns at once
 * when the PKI is complete.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <time.h>

#include <openssl/cms.h>
#include <openssl/evp.h>
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

/* The signed text of test_sign_entity: one quoted-printable part. */
const char test_entity[] =
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    "Declaraci=C3=B3n anual 2026";

/* test_sign_entity - a whole message around test_entity, signed by cert/key with a
 * pinned signingTime, then mutated; the CMS carries the certificates of
 * `chain` besides the signer's (NULL: the leaf only, as mail clients send
 * it), the opaque form's Content-Type ends with `p7m_params` */
char *
test_sign_entity(X509 *cert, EVP_PKEY *key, STACK_OF(X509) *chain, enum form form,
    int64_t signed_at, enum mutation tamper, const char *p7m_params)
{
	unsigned flags = CMS_BINARY | CMS_PARTIAL | (form == DETACHED ? CMS_DETACHED : 0);
	CMS_ContentInfo *cms = CMS_sign(cert, key, chain, NULL, flags);
	BIO *in = BIO_new_mem_buf(test_entity, strlen(test_entity));
	ASN1_TIME *st = ASN1_TIME_set(NULL, (time_t)signed_at);
	CMS_SignerInfo *si;
	struct bz_buf m = BZ_BUF_INIT;
	unsigned char *der = NULL, *b64;
	int derlen;

	ck_assert_ptr_nonnull(cms);
	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	/* present before CMS_final: OpenSSL then adds no signingTime of its own */
	ck_assert(CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime,
	    ASN1_STRING_type(st), st, -1) == 1);
	ck_assert(CMS_final(cms, in, NULL, flags) == 1);
	if (tamper == MUT_TAMPER && form == OPAQUE)
		(*CMS_get0_content(cms))->data[strlen(test_entity) - 3] ^= 1;
	if (tamper == MUT_MSGDIGEST) {
		X509_ATTRIBUTE *a = CMS_signed_get_attr(si,
		    CMS_signed_get_attr_by_NID(si, NID_pkcs9_messageDigest, -1));
		ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(a, 0);

		ck_assert(t != NULL && t->type == V_ASN1_OCTET_STRING);
		t->value.octet_string->data[0] ^= 1;
	}
	if (tamper == MUT_DIGESTALG) {
		X509_ALGOR *dig = NULL;

		CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
		ck_assert(X509_ALGOR_set0(dig, OBJ_nid2obj(NID_sha512), V_ASN1_UNDEF, NULL));
	}
	ck_assert_int_gt(derlen = i2d_CMS_ContentInfo(cms, &der), 0);
	b64 = xmalloc(4 * ((size_t)derlen / 3 + 2) + 1);
	EVP_EncodeBlock(b64, der, derlen);
	bz_buf_puts(&m, MSG_HEADERS);
	if (form == DETACHED) {
		bz_buf_puts(&m, "Content-Type: multipart/signed; protocol=\"application/"
		    "pkcs7-signature\"; micalg=sha-256; boundary=\"f\"\r\n\r\n--f\r\n");
		bz_buf_puts(&m, test_entity);
		if (tamper == MUT_TAMPER)
			m.data[m.len - 3] ^= 1;
		bz_buf_puts(&m, "\r\n--f\r\nContent-Type: application/pkcs7-signature\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n");
		bz_buf_puts(&m, (char *)b64);
		bz_buf_puts(&m, "\r\n--f--\r\n");
	} else {
		bz_buf_printf(&m, "Content-Type: application/pkcs7-mime; smime-type=signed-data"
		    "%s\r\nContent-Transfer-Encoding: base64\r\n\r\n", p7m_params);
		bz_buf_puts(&m, (char *)b64);
		bz_buf_puts(&m, "\r\n");
	}
	free(b64);
	OPENSSL_free(der);
	ASN1_TIME_free(st);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	return bz_buf_steal(&m);
}

/* test_pki_key - the private key of a test PKI leaf */
EVP_PKEY *
test_pki_key(const char *leaf)
{
	char *name = xasprintf("%s.key", leaf);
	FILE *fp = fopen(test_pki_path(name), "r");
	EVP_PKEY *key;

	ck_assert_msg(fp != NULL, "%s: %s", name, strerror(errno));
	key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	ck_assert_msg(key != NULL, "%s does not parse", name);
	fclose(fp);
	free(name);
	return key;
}

/* test_signed_message - a whole message signed by a test PKI leaf the day
 * before TEST_PKI_INSTANT, the test CA in the CMS and no file name on the
 * opaque form (the SAT rows below cover the leaf-only, named variant);
 * UNSIGNED: the bare entity */
char *
test_signed_message(const char *leaf, enum form form, int tamper)
{
	STACK_OF(X509) *chain;
	X509 *cert, *ca;
	EVP_PKEY *key;
	char *msg;

	if (form == UNSIGNED)
		return xasprintf("%s%s", MSG_HEADERS, test_entity);
	ck_assert_ptr_nonnull(cert = test_pki_cert(leaf));
	ck_assert_ptr_nonnull(ca = test_pki_cert("ca"));
	chain = sk_X509_new_null();
	sk_X509_push(chain, ca);
	key = test_pki_key(leaf);
	msg = test_sign_entity(cert, key, chain, form, TEST_PKI_INSTANT - 86400,
	    tamper ? MUT_TAMPER : MUT_NONE, P7M_BARE);
	EVP_PKEY_free(key);
	sk_X509_free(chain);
	X509_free(ca);
	X509_free(cert);
	return msg;
}
