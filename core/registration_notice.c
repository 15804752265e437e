/*
 * registration_notice - the Institute's signed notices of the
 *			 registration steps, and the SMS text
 *
 * A notice is a text/plain part (UTF-8, base64) inside a detached S/MIME
 * signature by the institution certificate, like the acuse, so any S/MIME
 * client shows it as signed by the Institute:
 *
 *   From: <mailbox>  To: <address>  Subject: (fixed ASCII text)
 *   Auto-Submitted: auto-generated   (RFC 3834: not a reply, never answer)
 *   multipart/signed
 *     text/plain; charset=utf-8, base64
 *     application/pkcs7-signature
 *
 * Header safety: the only value from a sender is To:, and it must pass
 * bz_registration_address_ok (plain dot-atom local@domain: no CR, LF,
 * quotes or blanks), or rendering fails: a registrant cannot make the
 * Institute write his text into another header or to a third party. The
 * body is base64, so no line of it is ever read as a header or boundary.
 *
 * Failure: -1 and one line in err.
 */
#include "build-aux/config.h"

#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "buzon/address.h"
#include "buzon/digest.h"
#include "buzon/instant.h"
#include "buzon/receipt.h"
#include "buzon/registration.h"

/* safe_subject - printable ASCII only */
static int
safe_subject(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e)
			return 0;
	return s != NULL;
}

/* bz_reg_notice_render - the signed notice mail */
int
bz_reg_notice_render(const struct bz_receipt_signer *s,
    const struct bz_reg_notice *n, struct bz_buf *out, struct bz_buf *err)
{
	struct bz_buf entity = BZ_BUF_INIT, der = BZ_BUF_INIT, crlf = BZ_BUF_INIT;
	unsigned char rnd[16];
	char hex[33];
	int rc = -1;

	if (!bz_address_plain(n->from) || !bz_registration_address_ok(n->to) ||
	    !safe_subject(n->subject) || (n->message_id != NULL &&
	    strpbrk(n->message_id, "\r\n") != NULL)) {
		bz_buf_puts(err, "refusing to render a notice: unsafe From, To or Subject");
		return -1;
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		bz_receipt_ossl_error(err, "no random bytes for the notice");
		return -1;
	}
	bz_hex(rnd, sizeof(rnd), hex);
	bz_buf_append_crlf(&crlf, n->text, strlen(n->text));
	bz_buf_puts(&entity, "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Language: es-MX\r\n\r\n");
	bz_receipt_base64(&entity, crlf.data, crlf.len, 76);
	if (bz_receipt_sign_detached(s, &entity, &der, err) != 0)
		goto out;
	bz_buf_printf(out, "From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n", n->from,
	    n->to, n->subject);
	bz_receipt_date_header(out, n->date);
	if (n->message_id != NULL)
		bz_buf_printf(out, "Message-ID: %s\r\n", n->message_id);
	else
		bz_buf_printf(out, "Message-ID: <aviso.%s@%s>\r\n", hex,
		    strchr(n->from, '@') + 1);
	bz_buf_puts(out, "Auto-Submitted: auto-generated\r\n"
	    "MIME-Version: 1.0\r\n");
	bz_receipt_put_signed(out, hex, &entity, &der);
	rc = 0;
out:
	bz_buf_free(&entity);
	bz_buf_free(&der);
	bz_buf_free(&crlf);
	return rc;
}

/* bz_reg_notice_validation_text - the body of a validation notice */
void
bz_reg_notice_validation_text(struct bz_buf *out, const char *folio,
    const char *address, const char *token, const struct bz_consent *consent)
{
	/* The deadline runs from the hand-off of this notice, which is not
	 * known while it is written: said as a span, not an instant. */
	bz_buf_printf(out,
	    "Instituto Mexicano del Seguro Social - Buzon IMSS\n\n"
	    "Se registro esta direccion (%s) como medio de contacto del buzon\n"
	    "de un patron (acuse de registro %s).\n\n"
	    "Para confirmarla, responda o envie un mensaje al buzon con el asunto\n\n"
	    "    CONFIRMACION %s\n\n"
	    "dentro de las 72 horas siguientes al envio de este aviso. Si usted\n"
	    "no hizo este registro, ignore este aviso.\n\n"
	    "Token: %s\n",
	    address, folio ? folio : "-", token, token);
	if (consent != NULL && consent->text.len > 0) {
		bz_buf_printf(out, "\nUna vez confirmados los medios de contacto, la conformidad\n"
		    "se expresa con un mensaje firmado con la e.firma, asunto\n"
		    "CONFORMIDAD, y la linea\n\n    Acepto: %s\n\n"
		    "(SHA-256 del texto siguiente, que el Instituto publica):\n\n",
		    consent->sha256);
		bz_buf_append(out, consent->text.data, consent->text.len);
	}
}

/* bz_reg_consent_acuse_text - the consent text and its hash, as the acuse
 * de registro quotes them after its own lines */
void
bz_reg_consent_acuse_text(struct bz_buf *out, const struct bz_consent *consent)
{
	bz_buf_printf(out, "\nTexto de conformidad\n"
	    "  Confirmados los medios de contacto, la conformidad con el uso del\n"
	    "  Buzón IMSS se expresa con un mensaje firmado con la e.firma, asunto\n"
	    "  CONFORMIDAD, y la línea\n\n    Acepto: %s\n\n"
	    "  SHA-256 del texto que el Instituto publica, citado íntegro:\n"
	    "  SHA-256: %s\n\n", consent->sha256, consent->sha256);
	bz_buf_append(out, consent->text.data, consent->text.len);
	if (consent->text.len > 0 && consent->text.data[consent->text.len - 1] != '\n')
		bz_buf_putc(out, '\n');
}

/* bz_reg_sms_text - the SMS: one line with the code */
void
bz_reg_sms_text(struct bz_buf *out, const char *code)
{
	bz_buf_printf(out, "Buzon IMSS: confirme su celular enviando al buzon un "
	    "mensaje firmado, asunto CONFIRMACION, con la linea\nCodigo: %s\n", code);
}
