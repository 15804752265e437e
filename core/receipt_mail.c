/*
 * receipt_mail - the acuse as a signed reply mail
 *
 * Layout (CRLF line endings throughout, 7-bit):
 *
 *   headers: From, To, Subject, Date, Message-ID, In-Reply-To, References,
 *            Auto-Submitted: auto-replied, MIME-Version, Content-Type
 *   multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256
 *     multipart/mixed                         <- the signed entity
 *       text/plain; charset=utf-8, base64     (receipt_text.c)
 *       application/xml, acuse-<folio>.xml    (receipt_xml.c)
 *       application/pdf, acuse-<folio>.pdf    (receipt_pdf.c, when set:
 *                                              bz_receipt_mail_pdf_url)
 *     application/pkcs7-signature smime.p7s   (CMS, detached, SHA-256)
 *
 * The CMS signature covers the exact bytes of the signed entity as
 * emitted here (CMS_BINARY: no further canonicalisation), i.e. from its
 * Content-Type line through the CRLF after its closing delimiter; the CRLF
 * before the outer boundary belongs to that boundary (RFC 2046).
 *
 * Header safety: nothing from the submission goes into a header except
 * the recipient (To:, the address in the signer's certificate) and the
 * Message-ID (In-Reply-To/References), and each only when it passes a strict syntax check (dot-atom forms, no
 * quoting, no comments, no white space); otherwise To: becomes
 * "undisclosed-recipients:;" (the envelope still carries the address) and
 * In-Reply-To/References are omitted. Body parts are base64, so no line
 * of text can be read as a boundary or a header.
 *
 * Failure: -1 and one line in err (OpenSSL error, an unsafe mailbox
 * address or folio: those come from the configuration and the store, so
 * they are environment errors the caller reports).
 */
#include "build-aux/config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/rand.h>

#include "buzon/address.h"
#include "buzon/digest.h"
#include "buzon/receipt.h"
#include "buzon/xalloc.h"
#include "receipt_impl.h"

#define MAX_MSGID	250

/* is_dtext_safe - no-fold-literal characters, minus "\" */
static int
is_dtext_safe(unsigned char c)
{
	return c >= 33 && c <= 126 && c != '[' && c != ']' && c != '\\';
}

/* bz_receipt_safe_msgid - "<dot-atom@dot-atom>" or "<dot-atom@[literal]>" */
int
bz_receipt_safe_msgid(const char *s)
{
	size_t n, i;

	if (s == NULL || s[0] != '<' || strlen(s) > MAX_MSGID)
		return 0;
	if ((n = bz_address_dot_atom_len(s + 1)) == 0 || s[1 + n] != '@')
		return 0;
	i = 1 + n + 1;
	if (s[i] == '[') {
		size_t j = i + 1;

		while (is_dtext_safe((unsigned char)s[j]))
			j++;
		if (j == i + 1 || s[j] != ']')
			return 0;
		i = j + 1;
	} else {
		if ((n = bz_address_dot_atom_len(s + i)) == 0)
			return 0;
		i += n;
	}
	return s[i] == '>' && s[i + 1] == '\0';
}

/* safe_folio - the folio goes into Subject and a file name */
static int
safe_folio(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 40)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

/* subject_words - what the Subject calls the acuse (ASCII: no encoding) */
static const char *
subject_words(const char *event)
{
	if (event != NULL && strcmp(event, "notificacion") == 0)
		return "Acuse de notificacion";
	if (event != NULL && strcmp(event, "constancia") == 0)
		return "Constancia de notificacion";
	return "Acuse de recibo";
}

/* bz_receipt_date_header - RFC 5322 Date: in UTC, independent of the
 * locale (also the registration notices) */
void
bz_receipt_date_header(struct bz_buf *out, int64_t when)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)when;
	struct tm tm;

	gmtime_r(&t, &tm);
	bz_buf_printf(out, "Date: %s, %d %s %04d %02d:%02d:%02d +0000\r\n",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* random_hex - n random bytes as hex, for boundaries and Message-IDs */
static int
random_hex(char *out, size_t nbytes)
{
	unsigned char r[32];

	if (nbytes > sizeof(r) || RAND_bytes(r, (int)nbytes) != 1)
		return -1;
	bz_hex(r, nbytes, out);
	return 0;
}

/* The printable acuse's renderer and VerifyURL (bz_receipt_mail_pdf_*). */
static pthread_mutex_t pdf_lock = PTHREAD_MUTEX_INITIALIZER;
static bz_receipt_pdf_fn pdf_fn;
static char *pdf_url;

/* bz_receipt_mail_pdf_renderer - the drawing, from a program linking it */
void
bz_receipt_mail_pdf_renderer(bz_receipt_pdf_fn fn)
{
	pthread_mutex_lock(&pdf_lock);
	pdf_fn = fn;
	pthread_mutex_unlock(&pdf_lock);
}

/* bz_receipt_mail_pdf_url - the VerifyURL template, NULL: no PDF part */
void
bz_receipt_mail_pdf_url(const char *url)
{
	char *old, *copy = url != NULL ? xstrdup(url) : NULL;

	pthread_mutex_lock(&pdf_lock);
	old = pdf_url;
	pdf_url = copy;
	pthread_mutex_unlock(&pdf_lock);
	free(old);
}

/*
 * put_pdf - the PDF part of r, when a renderer and a URL are set; 0 (also
 * when there is none to add), -1 with err. The drawing runs outside the
 * lock (on a copy of the URL): a reload must not wait for it.
 */
static int
put_pdf(const struct bz_receipt *r, const char *boundary, struct bz_buf *out,
    struct bz_buf *err)
{
	struct bz_buf pdf = BZ_BUF_INIT;
	bz_receipt_pdf_fn fn;
	char *url;
	int rc = 0;

	pthread_mutex_lock(&pdf_lock);
	fn = pdf_fn;
	url = pdf_fn != NULL && pdf_url != NULL ? xstrdup(pdf_url) : NULL;
	pthread_mutex_unlock(&pdf_lock);
	if (url == NULL)
		return 0;
	if (fn(r, url, &pdf, err) != 0)
		rc = -1;
	else {
		bz_buf_printf(out, "--%s\r\n"
		    "Content-Type: application/pdf; name=\"acuse-%s.pdf\"\r\n"
		    "Content-Transfer-Encoding: base64\r\n"
		    "Content-Disposition: attachment; filename=\"acuse-%s.pdf\"\r\n\r\n",
		    boundary, r->folio, r->folio);
		bz_receipt_base64(out, pdf.data, pdf.len, 76);
	}
	free(url);
	bz_buf_free(&pdf);
	return rc;
}

/* build_entity - the multipart/mixed entity that gets signed */
static int
build_entity(const struct bz_receipt *r, const struct bz_receipt_mail *m,
    const char *boundary, struct bz_buf *out, struct bz_buf *err)
{
	const char *appendix = m->text_appendix;
	struct bz_buf text = BZ_BUF_INIT, crlf = BZ_BUF_INIT, xml = BZ_BUF_INIT;
	int rc = -1;

	if (bz_receipt_xml(r, &xml, err) != 0)
		goto out;
	bz_receipt_text(r, &text);
	if (appendix != NULL)
		bz_buf_puts(&text, appendix);
	bz_buf_append_crlf(&crlf, text.data, text.len);
	bz_buf_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", boundary);
	bz_buf_printf(out, "--%s\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: inline\r\n"
	    "Content-Language: es-MX\r\n\r\n", boundary);
	bz_receipt_base64(out, crlf.data, crlf.len, 76);
	bz_buf_printf(out, "--%s\r\n"
	    "Content-Type: application/xml; charset=utf-8; name=\"acuse-%s.xml\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename=\"acuse-%s.xml\"\r\n\r\n",
	    boundary, r->folio, r->folio);
	bz_receipt_base64(out, xml.data, xml.len, 76);
	if (put_pdf(r, boundary, out, err) != 0)
		goto out;
	/* The notified documents with the department's own signature, as
	 * received: base64, since message/rfc822 may not be encoded and the
	 * bytes must reach the employer unchanged. */
	if (m->attachment != NULL) {
		bz_buf_printf(out, "--%s\r\n"
		    "Content-Type: application/octet-stream; name=\"notificacion-%s.eml\"\r\n"
		    "Content-Transfer-Encoding: base64\r\n"
		    "Content-Disposition: attachment; filename=\"notificacion-%s.eml\"\r\n\r\n",
		    boundary, r->folio, r->folio);
		bz_receipt_base64(out, m->attachment, m->attachment_len, 76);
	}
	bz_buf_printf(out, "--%s--\r\n", boundary);
	rc = 0;
out:
	bz_buf_free(&text);
	bz_buf_free(&crlf);
	bz_buf_free(&xml);
	return rc;
}

/* bz_receipt_put_signed - the multipart/signed body: its Content-Type
 * header, a preamble, entity and the detached signature der; "=_firma_"
 * tag is the boundary ("=_" never occurs in base64) */
void
bz_receipt_put_signed(struct bz_buf *out, const char *tag,
    const struct bz_buf *entity, const struct bz_buf *der)
{
	bz_buf_printf(out, "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";\r\n"
	    "\tmicalg=sha-256; boundary=\"=_firma_%s\"\r\n\r\n"
	    "Este es un mensaje firmado con S/MIME.\r\n\r\n", tag);
	bz_buf_printf(out, "--=_firma_%s\r\n", tag);
	bz_buf_append(out, entity->data, entity->len);
	bz_buf_printf(out, "\r\n--=_firma_%s\r\n"
	    "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename=\"smime.p7s\"\r\n\r\n", tag);
	bz_receipt_base64(out, der->data, der->len, 76);
	bz_buf_printf(out, "--=_firma_%s--\r\n", tag);
}

/* bz_receipt_sign_detached - detached CMS over the exact bytes, DER (also
 * the registration notices, core/registration_notice.c) */
int
bz_receipt_sign_detached(const struct bz_receipt_signer *s, const struct bz_buf *entity,
    struct bz_buf *der, struct bz_buf *err)
{
	const unsigned flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL;
	BIO *in = BIO_new_mem_buf(entity->data, (int)entity->len);
	CMS_ContentInfo *cms;
	unsigned char *p = NULL;
	int len, rc = -1;

	cms = CMS_sign(NULL, NULL, bz_receipt_signer_chain(s), NULL, flags);
	if (cms == NULL ||
	    CMS_add1_signer(cms, bz_receipt_signer_cert(s), bz_receipt_signer_key(s),
	    EVP_sha256(), CMS_BINARY) == NULL ||
	    CMS_final(cms, in, NULL, CMS_DETACHED | CMS_BINARY) != 1 ||
	    (len = i2d_CMS_ContentInfo(cms, &p)) <= 0) {
		bz_receipt_ossl_error(err, "cannot sign the acuse (CMS)");
		goto out;
	}
	bz_buf_append(der, p, (size_t)len);
	OPENSSL_free(p);
	rc = 0;
out:
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	return rc;
}

/* bz_receipt_render - seal the record and build the whole signed mail */
int
bz_receipt_render(const struct bz_receipt_signer *s, struct bz_receipt *r,
    const struct bz_receipt_mail *m, struct bz_buf *out, struct bz_buf *msgid,
    struct bz_buf *err)
{
	if (!safe_folio(r->folio)) {
		bz_buf_puts(err, "refusing to render an acuse: malformed folio");
		return -1;
	}
	if (bz_receipt_seal(s, r, err) != 0)
		return -1;
	return bz_receipt_render_sealed(s, r, m, out, msgid, err);
}

/* bz_receipt_render_sealed - build the signed mail of a sealed record */
int
bz_receipt_render_sealed(const struct bz_receipt_signer *s,
    const struct bz_receipt *r, const struct bz_receipt_mail *m,
    struct bz_buf *out, struct bz_buf *msgid, struct bz_buf *err)
{
	struct bz_buf entity = BZ_BUF_INIT, der = BZ_BUF_INIT;
	char outer[2 * 12 + 1], inner[2 * 12 + 1], idrand[2 * 16 + 1];
	const char *domain;
	int rc = -1;

	if (!safe_folio(r->folio)) {
		bz_buf_puts(err, "refusing to render an acuse: malformed folio");
		return -1;
	}
	if (!bz_address_plain(m->from)) {
		bz_buf_puts(err, "refusing to render an acuse: the mailbox address is not a plain local@domain");
		return -1;
	}
	if (random_hex(outer, 12) != 0 || random_hex(inner, 12) != 0 ||
	    random_hex(idrand, 16) != 0) {
		bz_receipt_ossl_error(err, "no random bytes for the acuse");
		return -1;
	}
	if (r->sello == NULL || *r->sello == '\0') {
		bz_buf_puts(err, "refusing to render an acuse without a sello");
		return -1;
	}
	/* "=_" never occurs in base64, so no part can contain a boundary. */
	{
		char b[64];

		snprintf(b, sizeof(b), "=_acuse_%s", inner);
		if (build_entity(r, m, b, &entity, err) != 0)
			goto out;
	}
	if (bz_receipt_sign_detached(s, &entity, &der, err) != 0)
		goto out;

	domain = strchr(m->from, '@') + 1;
	bz_buf_printf(out, "From: <%s>\r\n", m->from);
	if (bz_address_plain(m->to))
		bz_buf_printf(out, "To: <%s>\r\n", m->to);
	else
		bz_buf_puts(out, "To: undisclosed-recipients:;\r\n");
	bz_buf_printf(out, "Subject: %s %s\r\n", subject_words(r->event), r->folio);
	bz_receipt_date_header(out, m->date);
	bz_buf_printf(out, "Message-ID: <acuse.%s.%s@%s>\r\n", r->folio, idrand, domain);
	if (msgid != NULL) {
		bz_buf_reset(msgid);
		bz_buf_printf(msgid, "<acuse.%s.%s@%s>", r->folio, idrand, domain);
	}
	if (bz_receipt_safe_msgid(m->in_reply_to))
		bz_buf_printf(out, "In-Reply-To: %s\r\nReferences: %s\r\n",
		    m->in_reply_to, m->in_reply_to);
	bz_buf_puts(out, "Auto-Submitted: auto-replied\r\n"
	    "MIME-Version: 1.0\r\n");
	bz_receipt_put_signed(out, outer, &entity, &der);
	rc = 0;
out:
	bz_buf_free(&entity);
	bz_buf_free(&der);
	return rc;
}
