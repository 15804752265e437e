/*
 * receipt_text - the Spanish text of the acuse, the part a person reads
 *
 * Folio, who sent it, what arrived (subject, each document with size and
 * SHA-256), when (arrival and legal instants on the Mexico City clock,
 * with the rule in words: the first hour and the legal basis the instant
 * was computed with), the outcome of the checks and how to verify the
 * acuse. Every value is normalised (bz_receipt_normalize), so a
 * subject cannot add lines that look like ours. UTF-8, LF line endings:
 * the mail renderer converts to CRLF.
 */
#include "build-aux/config.h"

#include <inttypes.h>
#include <string.h>

#include "buzon/receipt.h"

static const struct {
	const char	*id;
	const char	*text;
} rule_texts[] = {
	{ "submission.arrival",
	  "La promoción llegó en día hábil: se tiene por recibida en el momento de su llegada." },
	{ "submission.next-working-day",
	  "La promoción llegó en día inhábil: se tiene por recibida a la primera hora del "
	  "siguiente día hábil." },
	{ "notification.in-window",
	  "Generada en día hábil dentro del horario de 9:30 a 18:00: surte efectos en ese momento." },
	{ "notification.before-window",
	  "Generada antes de las 9:30 de un día hábil: se tiene por hecha a las 9:30 del "
	  "siguiente día hábil." },
	{ "notification.after-window",
	  "Generada después de las 18:00 de un día hábil: se tiene por hecha a las 9:30 del "
	  "siguiente día hábil." },
	{ "notification.non-working-day",
	  "Generada en día inhábil: se tiene por hecha a las 9:30 del siguiente día hábil." },
	{ "window.fourth-working-day",
	  "Sin apertura en los tres días hábiles siguientes al aviso: se tiene por notificada "
	  "el cuarto día hábil a las 9:30." },
	{ "availability.same-day",
	  "Disponible hasta el mismo día, tres meses después de su emisión." },
	{ "availability.same-day+next-working-day",
	  "Disponible tres meses después de su emisión, recorrido al siguiente día hábil." },
	{ "availability.first-of-next-month",
	  "Disponible hasta el primer día del mes siguiente (ese día no existe tres meses después)." },
	{ "availability.first-of-next-month+next-working-day",
	  "Disponible hasta el primer día hábil del mes siguiente (ese día no existe tres meses "
	  "después)." },
};

/* bz_receipt_rule_text - the rule in words, or its id when unknown */
const char *
bz_receipt_rule_text(const char *rule_id)
{
	if (rule_id == NULL)
		return "";
	for (size_t i = 0; i < sizeof(rule_texts) / sizeof(rule_texts[0]); i++)
		if (strcmp(rule_texts[i].id, rule_id) == 0)
			return rule_texts[i].text;
	return rule_id;
}

/* basis_text - the legal basis in words; the keyword itself when unknown */
static const char *
basis_text(const char *basis)
{
	if (basis != NULL && strcmp(basis, "lft") == 0)
		return "artículo 74 de la Ley Federal del Trabajo (lft)";
	if (basis != NULL && strcmp(basis, "lft+cff") == 0)
		return "artículo 74 de la Ley Federal del Trabajo y artículo 12 del Código "
		    "Fiscal de la Federación (lft+cff)";
	return basis;
}

/* is_envio - the acuse de envio of a department's notification (issue 10) */
static int
is_envio(const struct bz_receipt *r)
{
	return r->event != NULL && strcmp(r->event, "envio-notificacion") == 0;
}

/*
 * rule_sentence - the rule in words; a filing on a non-working day names
 * the first hour it counts from, so the sentence alone gives the instant
 */
static void
rule_sentence(struct bz_buf *out, const struct bz_receipt *r)
{
	struct bz_buf hour = BZ_BUF_INIT;

	const char *text = bz_receipt_rule_text(r->legal_rule);
	/* A department's notification is filed like a promocion, under the
	 * same rule; its acuse de envio says what it received. */
	const char *what = is_envio(r) ? "La notificación" : "La promoción";

	bz_receipt_normalize(&hour, r->first_hour);
	if (r->legal_rule != NULL && hour.len != 0 &&
	    strcmp(r->legal_rule, "submission.next-working-day") == 0)
		bz_buf_printf(out, "%s llegó en día inhábil: se tiene por recibida "
		    "a las %s horas (primera hora) del siguiente día hábil.", what,
		    hour.data);
	else if (strncmp(text, "La promoción ", strlen("La promoción ")) == 0)
		bz_buf_printf(out, "%s %s", what, text + strlen("La promoción "));
	else
		bz_buf_puts(out, text);
	bz_buf_free(&hour);
}

/* check_text - a check result in Spanish */
static const char *
check_text(const char *c)
{
	if (c == NULL)
		return "no determinada";
	if (strcmp(c, "pass") == 0)
		return "correcta";
	if (strcmp(c, "fail") == 0)
		return "incorrecta";
	return "no determinada";
}

/* verdict_text - the verdict in Spanish */
static const char *
verdict_text(const char *v)
{
	if (v != NULL && strcmp(v, "accepted") == 0)
		return "aceptada";
	if (v != NULL && strcmp(v, "rejected") == 0)
		return "rechazada";
	return "pendiente";
}

/* put_line - "label: value" with the value normalised; skipped when empty */
static void
put_line(struct bz_buf *out, const char *label, const char *value)
{
	struct bz_buf norm = BZ_BUF_INIT;

	bz_receipt_normalize(&norm, value);
	if (norm.len != 0)
		bz_buf_printf(out, "  %s: %s\n", label, norm.data);
	bz_buf_free(&norm);
}

/* put_local - an ISO local instant as "dd/mm/aaaa hh:mm:ss (UTC-06:00)" */
static void
put_local(struct bz_buf *out, const char *label, const char *iso)
{
	struct bz_buf norm = BZ_BUF_INIT;
	const char *s;

	bz_receipt_normalize(&norm, iso);
	s = norm.data;
	/* 2026-11-27T17:59:15-06:00: 25 characters in fixed positions. */
	if (norm.len == 25 && s[4] == '-' && s[7] == '-' && s[10] == 'T' &&
	    s[13] == ':' && s[16] == ':' && (s[19] == '-' || s[19] == '+'))
		bz_buf_printf(out, "  %s: %.2s/%.2s/%.4s %.8s, hora de la Ciudad de México "
		    "(UTC%.6s)\n", label, s + 8, s + 5, s, s + 11, s + 19);
	else if (norm.len != 0)
		bz_buf_printf(out, "  %s: %s\n", label, s);
	bz_buf_free(&norm);
}

/* put_parts - the documents: name, type and size, SHA-256 */
static void
put_parts(struct bz_buf *out, const struct bz_receipt *r, const char *label)
{
	struct bz_buf v = BZ_BUF_INIT;

	if (r->nparts == 0)
		bz_buf_printf(out, "  %s: ninguno\n", label);
	else
		bz_buf_printf(out, "  %s (%zu):\n", label, r->nparts);
	for (size_t i = 0; i < r->nparts; i++) {
		const struct bz_receipt_part *p = &r->parts[i];

		bz_buf_reset(&v);
		bz_receipt_normalize(&v, p->name);
		bz_buf_printf(out, "  %zu. %s\n", i + 1, v.len ? v.data : "(sin nombre)");
		bz_buf_reset(&v);
		bz_receipt_normalize(&v, p->content_type);
		bz_buf_printf(out, "     Tipo: %s; tamaño: %" PRIu64 " bytes\n", v.data, p->size);
		bz_buf_reset(&v);
		bz_receipt_normalize(&v, p->sha256);
		bz_buf_printf(out, "     SHA-256: %s\n", v.data);
	}
	bz_buf_free(&v);
}

/* put_field - the line of one row of bz_receipt_fields[] */
static void
put_field(struct bz_buf *out, const struct bz_receipt *r,
    const struct bz_receipt_field *f, int notif)
{
	const char *label = notif && f->text_label_notif ? f->text_label_notif :
	    f->text_label;
	const char *value = f->flags & BZ_RECEIPT_F_PARTS ? NULL :
	    bz_receipt_field_value(r, f);
	struct bz_buf v = BZ_BUF_INIT;

	switch (f->text_kind) {
	case BZ_RECEIPT_TEXT_NONE:
		break;
	case BZ_RECEIPT_TEXT_LINE:
		put_line(out, label, value);
		break;
	case BZ_RECEIPT_TEXT_LOCAL:
		put_local(out, label, value);
		break;
	case BZ_RECEIPT_TEXT_CHECK:
		put_line(out, label, check_text(value));
		break;
	case BZ_RECEIPT_TEXT_VERDICT:
		put_line(out, label, verdict_text(value));
		break;
	case BZ_RECEIPT_TEXT_BASIS:
		put_line(out, label, basis_text(value));
		break;
	case BZ_RECEIPT_TEXT_RULE:
		rule_sentence(&v, r);
		put_line(out, "Regla aplicada", bz_buf_str(&v));
		put_line(out, label, value);
		break;
	case BZ_RECEIPT_TEXT_PARTS:
		put_parts(out, r, label);
		break;
	}
	bz_buf_free(&v);
}

/*
 * put_fields - every row with a place in the text, in text_rank order,
 * each section's heading before its first line
 */
static void
put_fields(struct bz_buf *out, const struct bz_receipt *r, int notif)
{
	int headings = 0;

	for (int rank = 1; ; rank++) {
		const struct bz_receipt_field *f = NULL;

		for (size_t i = 0; f == NULL && i < bz_receipt_nfields; i++)
			if (bz_receipt_fields[i].text_rank == rank)
				f = &bz_receipt_fields[i];
		if (f == NULL)
			break;
		if (f->text_heading != NULL)
			bz_buf_printf(out, "%s%s\n", headings++ ? "\n" : "", f->text_heading);
		put_field(out, r, f, notif);
	}
}

/* bz_receipt_text - the whole human-readable acuse */
void
bz_receipt_text(const struct bz_receipt *r, struct bz_buf *out)
{
	struct bz_buf v = BZ_BUF_INIT, cadena = BZ_BUF_INIT, folio = BZ_BUF_INIT;
	/* An acuse de notificacion or a constancia (issue 10 part B). */
	int deemed = r->event && strcmp(r->event, "constancia") == 0;
	int notif = deemed || (r->event && strcmp(r->event, "notificacion") == 0);

	bz_receipt_normalize(&folio, r->folio);
	bz_buf_printf(out, "%s - Buzón IMSS\nFolio: %s\n\n", !notif ? "ACUSE DE RECIBO" :
	    deemed ? "CONSTANCIA DE NOTIFICACIÓN" : "ACUSE DE NOTIFICACIÓN", folio.data);
	/* The acuse de envio (event envio-notificacion): what the Institute
	 * received is a notification to deliver, not a promocion; its
	 * appendix names the NT folio and the days. */
	bz_buf_puts(out, is_envio(r) ?
	    "El Instituto Mexicano del Seguro Social recibió por el Buzón IMSS la notificación "
	    "descrita abajo, para notificarla al patrón destinatario por el mismo Buzón.\n\n" :
	    deemed ?
	    "El Instituto Mexicano del Seguro Social hace constar que la notificación descrita "
	    "abajo, no abierta en los tres días hábiles siguientes a su aviso, se tiene por "
	    "hecha.\n\n" : notif ?
	    "El Instituto Mexicano del Seguro Social hace constar la notificación descrita abajo.\n\n" :
	    "El Instituto Mexicano del Seguro Social recibió por el Buzón IMSS la promoción "
	    "descrita abajo.\n\n");

	put_fields(out, r, notif);

	bz_buf_reset(&v);
	bz_receipt_normalize(&v, r->institution_no_certificado);
	bz_buf_printf(out, "\nCómo verificar este acuse\n"
	    "  Este correo está firmado (S/MIME) con el certificado del Instituto número %s.\n"
	    "  El archivo adjunto acuse-%s.xml contiene los mismos datos; su sello digital\n"
	    "  es la firma RSA-SHA256 del Instituto sobre la cadena original de abajo.\n"
	    "  - Con buzon-milter:  buzonctl receipt verify acuse.eml\n"
	    "  - Con OpenSSL:       openssl cms -verify -in acuse.eml -CAfile ca-institucion.pem\n"
	    "  - Con cualquier programa de correo que verifique firmas S/MIME.\n",
	    v.data, folio.data);
	bz_receipt_cadena(r, &cadena);
	bz_buf_printf(out, "\nCadena original:\n%s\n", cadena.data);
	bz_buf_reset(&v);
	bz_receipt_normalize(&v, r->sello);
	bz_buf_printf(out, "\nSello digital:\n%s\n", v.data);
	bz_buf_free(&v);
	bz_buf_free(&folio);
	bz_buf_free(&cadena);
}
