/*
 * receipt_fields - the acuse's fields, listed once
 *
 * One row per field of struct bz_receipt, in the order of the cadena
 * original (include/buzon/receipt.h has the numbered list, contrib/acuse.md
 * the same for people). Each row says where the field goes in the XML
 * (group and element), its JSON member for buzonctl, and its line in the
 * Spanish text (place, kind, label). receipt_cadena.c, receipt_xml.c,
 * receipt_text.c, receipt.c (free) and buzonctl's record_json walk this
 * table instead of keeping lists of their own, so a renaming or a new
 * field cannot reach one rendering and miss another.
 */
#include "build-aux/config.h"

#include <stddef.h>

#include "buzon/receipt.h"

#define F(member)	offsetof(struct bz_receipt, member)
#define C		BZ_RECEIPT_F_CADENA

const struct bz_receipt_field bz_receipt_fields[] = {
	/* offset, flags, XML group, XML element, JSON, text place, kind,
	 * heading, label, label of a notificacion */
	{ F(version), C, NULL, NULL, NULL, 0, BZ_RECEIPT_TEXT_NONE, NULL, NULL, NULL },
	{ F(folio), C, NULL, "folio", "folio", 0, BZ_RECEIPT_TEXT_NONE, NULL, NULL, NULL },
	{ F(event), C, NULL, "evento", "evento", 0, BZ_RECEIPT_TEXT_NONE, NULL, NULL, NULL },
	{ F(rfc), C, "emisor", "rfc", "rfc", 2, BZ_RECEIPT_TEXT_LINE, NULL,
	  "RFC", NULL },
	{ F(name), C, "emisor", "nombre", "nombre", 1, BZ_RECEIPT_TEXT_LINE,
	  "Quién la envió", "Nombre o razón social", NULL },
	{ F(curp), C, "emisor", "curp", "curp", 3, BZ_RECEIPT_TEXT_LINE, NULL,
	  "CURP", NULL },
	{ F(rfc_representante), C, "emisor", "rfcRepresentante", "rfcRepresentante",
	  4, BZ_RECEIPT_TEXT_LINE, NULL, "RFC del representante legal", NULL },
	{ F(curp_representante), C, "emisor", "curpRepresentante", "curpRepresentante",
	  5, BZ_RECEIPT_TEXT_LINE, NULL, "CURP del representante legal", NULL },
	{ F(no_certificado), C, "emisor", "noCertificado", "noCertificado",
	  6, BZ_RECEIPT_TEXT_LINE, NULL, "Número de certificado de la e.firma", NULL },
	{ F(cert_sha256), C, "emisor", "certificadoSha256", "certificadoSha256",
	  7, BZ_RECEIPT_TEXT_LINE, NULL, "Huella SHA-256 del certificado", NULL },
	{ F(integrity), C, "validacion", "integridad", "integridad",
	  20, BZ_RECEIPT_TEXT_CHECK, "Resultado de la validación",
	  "Integridad de la firma", NULL },
	{ F(trust), C, "validacion", "confianza", "confianza",
	  21, BZ_RECEIPT_TEXT_CHECK, NULL, "Confianza en el certificado", NULL },
	{ F(identity), C, "validacion", "identidad", "identidad",
	  22, BZ_RECEIPT_TEXT_CHECK, NULL, "Identidad del firmante", NULL },
	{ F(verdict), C, "validacion", "dictamen", "dictamen",
	  23, BZ_RECEIPT_TEXT_VERDICT, NULL, "Dictamen", NULL },
	{ F(message_id), C, "mensaje", "messageId", "messageId",
	  9, BZ_RECEIPT_TEXT_LINE, NULL, "Identificador del mensaje (Message-ID)", NULL },
	{ F(subject), C, "mensaje", "asunto", "asunto",
	  8, BZ_RECEIPT_TEXT_LINE, "Qué se recibió", "Asunto", NULL },
	{ F(message_sha256), C, "mensaje", "sha256", "sha256",
	  10, BZ_RECEIPT_TEXT_LINE, NULL, "SHA-256 del mensaje tal como llegó", NULL },
	/* The number of parts, then each part's fields (bz_receipt_part_fields). */
	{ 0, C | BZ_RECEIPT_F_PARTS, "mensaje", "partes", "partes",
	  11, BZ_RECEIPT_TEXT_PARTS, NULL, "Documentos", NULL },
	{ F(arrival_utc), C, "llegada", "utc", "llegadaUtc",
	  13, BZ_RECEIPT_TEXT_LINE, NULL, "Llegada (UTC)", NULL },
	{ F(arrival_local), C, "llegada", "local", "llegadaLocal",
	  12, BZ_RECEIPT_TEXT_LOCAL, "Cuándo", "Llegada", NULL },
	{ F(legal_utc), C, "recepcionLegal", "utc", "recepcionLegalUtc",
	  15, BZ_RECEIPT_TEXT_LINE, NULL, "Recepción legal (UTC)", NULL },
	{ F(legal_local), C, "recepcionLegal", "local", "recepcionLegalLocal",
	  14, BZ_RECEIPT_TEXT_LOCAL, NULL, "Recepción legal", "Notificación legal" },
	{ F(legal_rule), C, "recepcionLegal", "regla", "regla",
	  16, BZ_RECEIPT_TEXT_RULE, NULL, "Clave de la regla", NULL },
	/* Optional: acuses sealed before the rule set was recorded lack them
	 * (receipt_cadena.c says why the sello still holds). */
	{ F(legal_basis), C | BZ_RECEIPT_F_OPTIONAL, "recepcionLegal", "baseLegal",
	  "baseLegal", 17, BZ_RECEIPT_TEXT_BASIS, NULL, "Días inhábiles por ley", NULL },
	{ F(first_hour), C | BZ_RECEIPT_F_OPTIONAL, "recepcionLegal", "primeraHora",
	  "primeraHora", 18, BZ_RECEIPT_TEXT_LINE, NULL,
	  "Primera hora hábil para promociones", NULL },
	{ F(calendar_version), C, NULL, "versionCalendario", "versionCalendario",
	  19, BZ_RECEIPT_TEXT_LINE, NULL, "Versión del calendario", NULL },
	/* Optional (issue 10): the notification a promocion answers; absent
	 * from every other acuse, so their cadenas are unchanged. */
	{ F(notification_folio), C | BZ_RECEIPT_F_OPTIONAL, NULL, "folioNotificacion",
	  "folioNotificacion", 24, BZ_RECEIPT_TEXT_LINE, NULL,
	  "En respuesta a la notificación", NULL },
	/* Optional (issue 10): the employer an acuse de notificacion or a
	 * constancia is about; its emisor is the official who signed. */
	{ F(addressee_rfc), C | BZ_RECEIPT_F_OPTIONAL, NULL, "rfcNotificado",
	  "rfcNotificado", 25, BZ_RECEIPT_TEXT_LINE, NULL,
	  "RFC del patrón notificado", NULL },
	{ F(institution_no_certificado), C, NULL, "noCertificadoInstitucion",
	  "noCertificadoInstitucion", 0, BZ_RECEIPT_TEXT_NONE, NULL, NULL, NULL },
	/* The sello signs the cadena: it is not part of it. */
	{ F(sello), 0, NULL, "sello", "sello", 0, BZ_RECEIPT_TEXT_NONE, NULL, NULL, NULL },
};

const size_t bz_receipt_nfields = sizeof(bz_receipt_fields) / sizeof(bz_receipt_fields[0]);

#define P(member)	offsetof(struct bz_receipt_part, member)

const struct bz_receipt_part_field bz_receipt_part_fields[] = {
	{ P(name), 0, "nombre" },
	{ P(content_type), 0, "tipo" },
	{ P(size), 1, "tamano" },
	{ P(sha256), 0, "sha256" },
};

const size_t bz_receipt_npart_fields =
    sizeof(bz_receipt_part_fields) / sizeof(bz_receipt_part_fields[0]);

/* bz_receipt_field_ptr - where the string a row names is kept in r */
char **
bz_receipt_field_ptr(struct bz_receipt *r, const struct bz_receipt_field *f)
{
	return (char **)(void *)((char *)r + f->offset);
}

/* bz_receipt_field_value - the string a row names in r */
const char *
bz_receipt_field_value(const struct bz_receipt *r, const struct bz_receipt_field *f)
{
	return *(char *const *)(const void *)((const char *)r + f->offset);
}

/* bz_receipt_part_field_ptr - where a string field of a part is kept */
char **
bz_receipt_part_field_ptr(struct bz_receipt_part *p,
    const struct bz_receipt_part_field *f)
{
	return (char **)(void *)((char *)p + f->offset);
}

/* bz_receipt_part_string - a string field of a part */
const char *
bz_receipt_part_string(const struct bz_receipt_part *p,
    const struct bz_receipt_part_field *f)
{
	return *(char *const *)(const void *)((const char *)p + f->offset);
}
