/*
 * receipt_verify - check an acuse mail offline, each check on its own
 *
 *   smime     the detached S/MIME signature over the multipart/mixed
 *             entity, the signer chained to the institution CA (ca_file);
 *   schema    the acuse-<folio>.xml attachment against acuse-v1.xsd;
 *   sello     the sello of the XML over the cadena recomputed from the
 *             XML's own fields, with the public key of the S/MIME signer
 *             certificate, which must chain to the same CA and carry the
 *             noCertificadoInstitucion the XML names;
 *   calendar  the legal instant recomputed by the caller's callback (the
 *             calendar module is not a dependency of receipt).
 *
 * Every check runs even when an earlier one failed, so a report names
 * every problem. Nothing here trusts the mail's headers: only the signed
 * entity is read. Failure of a check is data (BZ_CHECK_FAIL plus a line),
 * never an abort.
 */
#include "build-aux/config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "buzon/cms_check.h"
#include "buzon/mime.h"
#include "buzon/receipt.h"
#include "buzon/xalloc.h"
#include "receipt_impl.h"

/* bz_receipt_check_name - short name of a check for reports and JSON */
const char *
bz_receipt_check_name(enum bz_receipt_check_id id)
{
	switch (id) {
	case BZ_RECEIPT_CHECK_SMIME:	return "smime";
	case BZ_RECEIPT_CHECK_SCHEMA:	return "schema";
	case BZ_RECEIPT_CHECK_SELLO:	return "sello";
	case BZ_RECEIPT_CHECK_CALENDAR:	return "calendar";
	default:			return "?";
	}
}

/* bz_receipt_verify_result_init - every check unknown, no record */
void
bz_receipt_verify_result_init(struct bz_receipt_verify_result *res)
{
	memset(res, 0, sizeof(*res));
	for (int i = 0; i < BZ_RECEIPT_NCHECKS; i++) {
		res->check[i] = BZ_CHECK_UNKNOWN;
		bz_buf_init(&res->detail[i]);
	}
	bz_receipt_init(&res->record);
	bz_buf_init(&res->pdf);
}

/* bz_receipt_verify_result_free - release details and the record */
void
bz_receipt_verify_result_free(struct bz_receipt_verify_result *res)
{
	for (int i = 0; i < BZ_RECEIPT_NCHECKS; i++)
		bz_buf_free(&res->detail[i]);
	bz_receipt_free(&res->record);
	bz_buf_free(&res->pdf);
}

/* set_check - record one outcome with its explanation */
static void
set_check(struct bz_receipt_verify_result *res, enum bz_receipt_check_id id,
    enum bz_check c, const char *detail)
{
	res->check[id] = c;
	bz_buf_reset(&res->detail[id]);
	bz_buf_puts(&res->detail[id], detail);
}

/* load_store - trusted CA certificates, verification time */
static X509_STORE *
load_store(const struct bz_receipt_verify_opts *opts, struct bz_buf *err)
{
	X509_STORE *store = X509_STORE_new();

	if (opts->ca_file == NULL || X509_STORE_load_file(store, opts->ca_file) != 1) {
		bz_receipt_ossl_error(err, "cannot load the institution CA");
		bz_buf_printf(err, " (%s)", opts->ca_file ? opts->ca_file : "none configured");
		X509_STORE_free(store);
		return NULL;
	}
	if (opts->at != 0)
		X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), (time_t)opts->at);
	return store;
}

/* signer_cert - the certificate of the first SignerInfo, from the CMS's own certs */
static X509 *
signer_cert(CMS_ContentInfo *cms)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	STACK_OF(X509) *certs = CMS_get1_certs(cms);
	X509 *found = NULL;

	if (sis == NULL || sk_CMS_SignerInfo_num(sis) < 1 || certs == NULL)
		goto out;
	for (int i = 0; i < sk_X509_num(certs); i++) {
		X509 *x = sk_X509_value(certs, i);

		if (CMS_SignerInfo_cert_cmp(sk_CMS_SignerInfo_value(sis, 0), x) == 0) {
			X509_up_ref(x);
			found = x;
			break;
		}
	}
out:
	sk_X509_pop_free(certs, X509_free);
	return found;
}

/* chain_ok - the certificate chains to the store (intermediates from the CMS) */
static int
chain_ok(X509_STORE *store, X509 *cert, CMS_ContentInfo *cms, struct bz_buf *why)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = CMS_get1_certs(cms);
	int ok;

	X509_STORE_CTX_init(ctx, store, cert, untrusted);
	ok = X509_verify_cert(ctx) == 1;
	if (!ok)
		bz_buf_printf(why, "the sello's certificate does not chain to the institution CA: %s",
		    X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(untrusted, X509_free);
	return ok;
}

/* find_part - decoded bytes of the first application/<subtype> part of
 * the entity (the XML; the printable acuse's PDF) */
static int
find_part(const struct bz_buf *entity, const char *subtype, struct bz_buf *xml,
    struct bz_buf *why)
{
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(
	    (const char *)entity->data, entity->len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeObject *top = g_mime_parser_construct_part(parser, NULL);
	int rc = -1;

	g_object_unref(parser);
	g_object_unref(stream);
	if (top == NULL || !GMIME_IS_MULTIPART(top)) {
		bz_buf_puts(why, "the signed entity is not multipart/mixed");
		goto out;
	}
	for (int i = 0; i < g_mime_multipart_get_count(GMIME_MULTIPART(top)); i++) {
		GMimeObject *part = g_mime_multipart_get_part(GMIME_MULTIPART(top), i);
		GMimeContentType *ct = g_mime_object_get_content_type(part);
		GMimeDataWrapper *content;
		GByteArray *bytes;
		GMimeStream *out;

		if (!GMIME_IS_PART(part) || !g_mime_content_type_is_type(ct, "application",
		    subtype))
			continue;
		if ((content = g_mime_part_get_content(GMIME_PART(part))) == NULL)
			continue;
		out = g_mime_stream_mem_new();
		g_mime_data_wrapper_write_to_stream(content, out);
		bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
		bz_buf_append(xml, bytes->data, bytes->len);
		g_object_unref(out);
		rc = 0;
		break;
	}
	if (rc != 0)
		bz_buf_printf(why, "the signed entity has no application/%s part", subtype);
out:
	if (top != NULL)
		g_object_unref(top);
	return rc;
}

/* check_sello - the XML's sello with the S/MIME signer's key */
static void
check_sello(struct bz_receipt_verify_result *res, X509_STORE *store,
    CMS_ContentInfo *cms)
{
	struct bz_buf why = BZ_BUF_INIT;
	X509 *cert = cms ? signer_cert(cms) : NULL;
	char *number;

	if (cert == NULL) {
		set_check(res, BZ_RECEIPT_CHECK_SELLO, BZ_CHECK_UNKNOWN,
		    "no institution certificate in the S/MIME signature to check the sello with");
		return;
	}
	number = bz_receipt_cert_number(cert);
	if (store == NULL)
		set_check(res, BZ_RECEIPT_CHECK_SELLO, BZ_CHECK_UNKNOWN,
		    "no institution CA to trust the sello's certificate");
	else if (!chain_ok(store, cert, cms, &why))
		set_check(res, BZ_RECEIPT_CHECK_SELLO, BZ_CHECK_FAIL, why.data);
	else if (res->record.institution_no_certificado == NULL ||
	    strcmp(res->record.institution_no_certificado, number) != 0) {
		bz_buf_printf(&why, "noCertificadoInstitucion %s is not the signer's certificate %s",
		    res->record.institution_no_certificado ?
		    res->record.institution_no_certificado : "(none)", number);
		set_check(res, BZ_RECEIPT_CHECK_SELLO, BZ_CHECK_FAIL, why.data);
	} else if (bz_receipt_sello_verify_key(&res->record, X509_get0_pubkey(cert), &why) != 0)
		set_check(res, BZ_RECEIPT_CHECK_SELLO, BZ_CHECK_FAIL, why.data);
	else {
		bz_buf_reset(&why);
		bz_buf_printf(&why, "sello valid over the cadena original, certificate %s", number);
		set_check(res, BZ_RECEIPT_CHECK_SELLO, BZ_CHECK_PASS, why.data);
	}
	free(number);
	X509_free(cert);
	bz_buf_free(&why);
}

/*
 * digests_ok - may CMS_verify() be called on cms? OpenSSL 3.0 leaks the
 * copy of a memory BIO of detached content when the SignedData's
 * digestAlgorithms cannot be set up (include/buzon/cms_check.h), as the
 * milter's verification does; SMIME_read_CMS gave no DER, so it is
 * encoded again for the check.
 */
static int
digests_ok(CMS_ContentInfo *cms)
{
	unsigned char *der = NULL;
	int len = i2d_CMS_ContentInfo(cms, &der);
	int ok = len > 0 && bz_cms_check_digests(der, (size_t)len) == 0;

	OPENSSL_free(der);
	ERR_clear_error();
	return ok;
}

/* bz_receipt_verify - run the four checks on a whole acuse mail */
int
bz_receipt_verify(const void *mail, size_t len,
    const struct bz_receipt_verify_opts *opts, struct bz_receipt_verify_result *res)
{
	struct bz_buf entity = BZ_BUF_INIT, xml = BZ_BUF_INIT, why = BZ_BUF_INIT;
	BIO *in = BIO_new_mem_buf(mail, len > INT_MAX ? 0 : (int)len), *bcont = NULL,
	    *content;
	CMS_ContentInfo *cms;
	X509_STORE *store;
	char chunk[4096];
	int n, ok;

	bz_mime_init();
	if (len > INT_MAX) {
		set_check(res, BZ_RECEIPT_CHECK_SMIME, BZ_CHECK_FAIL, "the mail is too large");
		BIO_free(in);
		return -1;
	}
	store = load_store(opts, &why);
	cms = SMIME_read_CMS(in, &bcont);
	BIO_free(in);
	if (cms == NULL || bcont == NULL) {
		bz_receipt_ossl_error(&why, "not a detached S/MIME (multipart/signed) message");
		set_check(res, BZ_RECEIPT_CHECK_SMIME, BZ_CHECK_FAIL, why.data);
	} else {
		while ((n = BIO_read(bcont, chunk, sizeof(chunk))) > 0)
			bz_buf_append(&entity, chunk, (size_t)n);
		if (store == NULL)
			set_check(res, BZ_RECEIPT_CHECK_SMIME, BZ_CHECK_UNKNOWN, why.data);
		else if (!digests_ok(cms))
			set_check(res, BZ_RECEIPT_CHECK_SMIME, BZ_CHECK_FAIL,
			    "malformed S/MIME signature: its digestAlgorithms cannot be "
			    "set up");
		else {
			content = BIO_new_mem_buf(entity.data, (int)entity.len);
			ok = CMS_verify(cms, NULL, store, content, NULL, CMS_BINARY) == 1;
			BIO_free(content);
			if (ok)
				set_check(res, BZ_RECEIPT_CHECK_SMIME, BZ_CHECK_PASS,
				    "S/MIME signature valid, signer trusted by the institution CA");
			else {
				bz_receipt_ossl_error(&why, "S/MIME signature invalid");
				set_check(res, BZ_RECEIPT_CHECK_SMIME, BZ_CHECK_FAIL, why.data);
			}
		}
	}
	BIO_free(bcont);

	bz_buf_reset(&why);
	if (entity.len == 0 || find_part(&entity, "xml", &xml, &why) != 0) {
		if (why.len == 0)
			bz_buf_puts(&why, "no signed entity to read the XML from");
		set_check(res, BZ_RECEIPT_CHECK_SCHEMA, BZ_CHECK_FAIL, why.data);
		set_check(res, BZ_RECEIPT_CHECK_SELLO, BZ_CHECK_FAIL, why.data);
		set_check(res, BZ_RECEIPT_CHECK_CALENDAR, BZ_CHECK_UNKNOWN,
		    "no record to recompute the legal instant from");
		goto out;
	}
	if (opts->schema_path == NULL)
		set_check(res, BZ_RECEIPT_CHECK_SCHEMA, BZ_CHECK_UNKNOWN, "no schema given");
	else if (bz_receipt_xml_validate(xml.data, xml.len, opts->schema_path, &why) == 0)
		set_check(res, BZ_RECEIPT_CHECK_SCHEMA, BZ_CHECK_PASS, "XML valid against the acuse schema");
	else
		set_check(res, BZ_RECEIPT_CHECK_SCHEMA, BZ_CHECK_FAIL, why.data);

	{
		/* The printable acuse the mail carries, if any: signed with
		 * the rest; the caller may read its QR code. */
		struct bz_buf none = BZ_BUF_INIT;

		(void)find_part(&entity, "pdf", &res->pdf, &none);
		bz_buf_free(&none);
	}
	bz_buf_reset(&why);	/* reasons are appended: a fresh one */
	if (bz_receipt_from_xml(&res->record, xml.data, xml.len, &why) != 0) {
		set_check(res, BZ_RECEIPT_CHECK_SELLO, BZ_CHECK_FAIL, why.data);
		set_check(res, BZ_RECEIPT_CHECK_CALENDAR, BZ_CHECK_UNKNOWN,
		    "no record to recompute the legal instant from");
		goto out;
	}
	res->have_record = 1;
	check_sello(res, store, cms);
	if (opts->legal_check == NULL)
		set_check(res, BZ_RECEIPT_CHECK_CALENDAR, BZ_CHECK_UNKNOWN,
		    "legal instant not recomputed: no calendar available");
	else {
		bz_buf_reset(&why);
		res->check[BZ_RECEIPT_CHECK_CALENDAR] =
		    opts->legal_check(&res->record, opts->legal_arg, &why);
		bz_buf_reset(&res->detail[BZ_RECEIPT_CHECK_CALENDAR]);
		bz_buf_puts(&res->detail[BZ_RECEIPT_CHECK_CALENDAR], bz_buf_str(&why));
	}
out:
	CMS_ContentInfo_free(cms);
	X509_STORE_free(store);
	bz_buf_free(&entity);
	bz_buf_free(&xml);
	bz_buf_free(&why);
	ERR_clear_error();
	for (int i = 0; i < BZ_RECEIPT_NCHECKS; i++)
		if (res->check[i] != BZ_CHECK_PASS)
			return -1;
	return 0;
}
