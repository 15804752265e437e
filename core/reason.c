/*
 * reason - stable reason codes for every verdict the gateway gives
 *
 * See include/buzon/reason.h. The table is the catalogue of codes; the
 * README lists them for operators. Spanish text goes to the sender, English
 * to the log (personal data never appears in either: they are fixed texts).
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>

#include "buzon/log.h"
#include "buzon/reason.h"
#include "buzon/xalloc.h"

static const struct bz_reason reasons[] = {
	{ "BZ-MSG-TOO-LARGE", BZ_REASON_REJECT, "552", "5.3.4",
	  "El mensaje excede el tamano maximo permitido",
	  "message exceeds MaxMessageSize" },
	{ "BZ-MSG-FORGED-HEADERS", BZ_REASON_REJECT, "550", "5.7.1",
	  "El mensaje trae demasiados encabezados X-Buzon- que solo el buzon puede poner",
	  "too many incoming X-Buzon-* headers (only the milter may add them)" },
	{ "BZ-INTERNAL", BZ_REASON_TEMPFAIL, "451", "4.3.0",
	  "Error interno temporal, intente mas tarde",
	  "internal error, try again later" },
	{ "BZ-STOPPING", BZ_REASON_TEMPFAIL, "451", "4.3.2",
	  "El servicio se esta deteniendo, intente mas tarde",
	  "the milter is stopping: new mail deferred" },
	{ "BZ-UNCONFIGURED", BZ_REASON_TEMPFAIL, "451", "4.3.5",
	  "El buzon no esta configurado para recibir promociones, intente mas tarde",
	  "trust material or institution key not configured: mail for the mailbox deferred" },
	{ "BZ-STORE", BZ_REASON_TEMPFAIL, "451", "4.3.0",
	  "No se pudo registrar la promocion, intente mas tarde",
	  "the submission could not be recorded (spool or database): deferred" },

	/* Signature (modules mime, smime) */
	{ "BZ-MSG-UNSIGNED", BZ_REASON_REJECT, "550", "5.7.1",
	  "El mensaje no esta firmado con S/MIME (multipart/signed o pkcs7-mime)",
	  "message carries no S/MIME signature" },
	{ "BZ-MSG-ENCRYPTED", BZ_REASON_REJECT, "550", "5.7.1",
	  "El mensaje esta cifrado; envielo firmado y sin cifrar",
	  "message is S/MIME encrypted, not signed" },
	{ "BZ-MSG-OUTSIDE-SIGNATURE", BZ_REASON_REJECT, "550", "5.7.7",
	  "El mensaje contiene partes fuera de la firma: la firma S/MIME debe "
	  "abarcar todo el mensaje",
	  "content lies outside the signature: the signed entity is not the "
	  "top-level body" },
	{ "BZ-MSG-MALFORMED", BZ_REASON_REJECT, "550", "5.7.7",
	  "La estructura MIME del mensaje esta danada o incompleta",
	  "malformed or truncated MIME structure" },
	{ "BZ-MSG-ENCODING", BZ_REASON_REJECT, "550", "5.7.7",
	  "Una parte del mensaje tiene una codificacion base64 o quoted-printable invalida",
	  "invalid base64 or quoted-printable content" },
	{ "BZ-MSG-TOO-DEEP", BZ_REASON_REJECT, "550", "5.7.1",
	  "El mensaje tiene demasiados niveles MIME anidados",
	  "MIME nesting exceeds the depth limit" },
	{ "BZ-MSG-TOO-MANY-PARTS", BZ_REASON_REJECT, "550", "5.7.1",
	  "El mensaje tiene demasiadas partes MIME",
	  "MIME part count exceeds the limit" },
	{ "BZ-SIG-MALFORMED", BZ_REASON_REJECT, "550", "5.7.7",
	  "La firma S/MIME no se puede leer (estructura CMS invalida)",
	  "S/MIME signature is not a readable CMS SignedData" },
	{ "BZ-SIG-INVALID", BZ_REASON_REJECT, "550", "5.7.7",
	  "La firma no corresponde al contenido: el mensaje fue alterado o la firma es invalida",
	  "signature does not verify over the signed content" },
	{ "BZ-SIG-NO-CERT", BZ_REASON_REJECT, "550", "5.7.7",
	  "La firma no incluye el certificado del firmante",
	  "signer certificate not present in the signature" },
	{ "BZ-SIG-TOO-MANY-CERTS", BZ_REASON_REJECT, "550", "5.7.1",
	  "La firma trae demasiados certificados; incluya solo el del firmante y su cadena",
	  "the CMS carries more certificates than MaxCmsCertificates" },
	{ "BZ-SIG-MULTIPLE-SIGNERS", BZ_REASON_REJECT, "550", "5.7.7",
	  "La firma tiene mas de un firmante; se admite exactamente uno",
	  "signature has more than one signer" },
	{ "BZ-DIGEST-WEAK", BZ_REASON_REJECT, "550", "5.7.7",
	  "La firma usa un resumen debil (MD5 o SHA-1); se requiere SHA-256 o superior",
	  "signature digest is weaker than SHA-256" },
	{ "BZ-SIG-ALGORITHM", BZ_REASON_REJECT, "550", "5.7.7",
	  "Algoritmo de firma no admitido; se requiere RSA (PKCS#1 v1.5 o PSS)",
	  "signature algorithm is not RSA PKCS#1 v1.5 or PSS" },
	{ "BZ-SIG-TIME", BZ_REASON_REJECT, "550", "5.7.7",
	  "La fecha de firma esta fuera de la vigencia del certificado",
	  "signingTime lies outside the certificate validity" },

	/* Signer certificate (module efirma) */
	{ "BZ-CERT-UNTRUSTED", BZ_REASON_REJECT, "550", "5.7.1",
	  "El certificado del firmante no fue emitido por una autoridad certificadora del SAT reconocida",
	  "signer certificate does not chain to a pinned SAT issuing CA" },
	{ "BZ-CERT-EXPIRED", BZ_REASON_REJECT, "550", "5.7.1",
	  "El certificado del firmante estaba vencido al recibir el mensaje",
	  "signer certificate had expired at the arrival instant" },
	{ "BZ-CERT-NOT-YET-VALID", BZ_REASON_REJECT, "550", "5.7.1",
	  "El certificado del firmante aun no era vigente al recibir el mensaje",
	  "signer certificate was not yet valid at the arrival instant" },
	{ "BZ-CERT-CSD", BZ_REASON_REJECT, "550", "5.7.1",
	  "El mensaje esta firmado con un Certificado de Sello Digital (CSD); se requiere la e.firma",
	  "signer certificate is a CSD (sello digital), not an e.firma" },
	{ "BZ-CERT-NOT-EFIRMA", BZ_REASON_REJECT, "550", "5.7.1",
	  "El certificado del firmante no es una e.firma (usos de la llave incorrectos)",
	  "signer certificate lacks the e.firma usages (EKU emailProtection, KU digitalSignature and nonRepudiation, CA:FALSE)" },
	{ "BZ-CERT-WEAK-KEY", BZ_REASON_REJECT, "550", "5.7.6",
	  "La llave del certificado del firmante no es RSA de al menos 2048 bits",
	  "signer key is not RSA of at least 2048 bits" },
	{ "BZ-CERT-WEAK-SIG", BZ_REASON_REJECT, "550", "5.7.6",
	  "El certificado del firmante esta firmado con un algoritmo debil; se requiere RSA con SHA-2",
	  "signer certificate is not signed with RSA and SHA-2" },
	{ "BZ-CERT-REVOKED", BZ_REASON_REJECT, "550", "5.7.1",
	  "El certificado del firmante esta revocado",
	  "signer certificate is revoked" },
	{ "BZ-CERT-IDENTITY", BZ_REASON_REJECT, "550", "5.7.1",
	  "El certificado no contiene un RFC, CURP y nombre validos del SAT",
	  "certificate lacks a well-formed SAT RFC, CURP or name" },
	{ "BZ-CERT-SERIAL", BZ_REASON_REJECT, "550", "5.7.1",
	  "El numero de serie del certificado no es un numero de certificado del SAT (20 digitos)",
	  "certificate serial is not a 20-digit SAT certificate number" },
	{ "BZ-REVOCATION-UNAVAILABLE", BZ_REASON_TEMPFAIL, "451", "4.7.0",
	  "No fue posible consultar si el certificado esta revocado; intente mas tarde",
	  "revocation status of the signer certificate unavailable; try again later" },

	/* Registration, contact confirmation, consent (issue 9) */
	{ "BZ-REG-NO-DATA", BZ_REASON_REJECT, "550", "5.7.1",
	  "El contenido firmado no trae una parte de texto con los datos (lineas Clave: valor)",
	  "the signed content has no text/plain part to read the data lines from" },
	{ "BZ-REG-ADDRESS-COUNT", BZ_REASON_REJECT, "550", "5.7.1",
	  "Indique de 1 a 5 direcciones de correo distintas, una por linea Correo:",
	  "a registration names 0 or more than 5 Correo: addresses" },
	{ "BZ-REG-ADDRESS-INVALID", BZ_REASON_REJECT, "550", "5.7.1",
	  "Una direccion Correo: no es valida (se admite solo usuario@dominio, sin espacios ni comillas, y no el buzon mismo)",
	  "a Correo: address is not a plain local@domain (or names the mailbox)" },
	{ "BZ-REG-ADDRESS-DUPLICATE", BZ_REASON_REJECT, "550", "5.7.1",
	  "Una direccion Correo: esta repetida",
	  "a Correo: address is listed twice" },
	{ "BZ-REG-MOBILE-INVALID", BZ_REASON_REJECT, "550", "5.7.1",
	  "Indique un solo numero Celular: +52 y 10 digitos",
	  "missing, repeated or malformed Celular: line (+52 and 10 digits)" },
	{ "BZ-REG-TOKEN-UNKNOWN", BZ_REASON_REJECT, "550", "5.7.1",
	  "El token de confirmacion no es valido",
	  "confirmation token malformed or never issued" },
	{ "BZ-REG-TOKEN-USED", BZ_REASON_REJECT, "550", "5.7.1",
	  "El token de confirmacion ya fue usado",
	  "confirmation token already used (replay)" },
	{ "BZ-REG-TOKEN-EXPIRED", BZ_REASON_REJECT, "550", "5.7.1",
	  "El plazo de 72 horas para confirmar los medios de contacto vencio; registrese de nuevo",
	  "the 72 hours to confirm the contact means have passed" },
	{ "BZ-REG-TOKEN-REPLACED", BZ_REASON_REJECT, "550", "5.7.1",
	  "El token pertenece a un registro sustituido por otro posterior",
	  "the token belongs to a registration replaced by a later REGISTRO" },
	{ "BZ-REG-CODE-WRONG", BZ_REASON_REJECT, "550", "5.7.1",
	  "El codigo del celular no es correcto (linea Codigo: de 6 digitos)",
	  "mobile code missing, wrong, or too many wrong attempts" },
	{ "BZ-REG-NOT-PENDING", BZ_REASON_REJECT, "550", "5.7.1",
	  "No hay un registro pendiente de confirmar para este RFC",
	  "no pending registration (or the mobile is already confirmed) for the signer's RFC" },
	{ "BZ-REG-NOT-CONFIRMED", BZ_REASON_REJECT, "550", "5.7.1",
	  "La conformidad requiere un registro de este RFC con sus medios de contacto confirmados",
	  "consent before the contact means of the signer's RFC were confirmed" },
	{ "BZ-REG-CONSENT-HASH", BZ_REASON_REJECT, "550", "5.7.1",
	  "La linea Acepto: no trae el SHA-256 del texto de conformidad publicado por el Instituto",
	  "Acepto: line missing or not the SHA-256 of the published consent text" },
	{ "BZ-REG-ALREADY-ENABLED", BZ_REASON_REJECT, "550", "5.7.1",
	  "El buzon de este RFC ya esta habilitado",
	  "the signer's RFC already has an enabled mailbox" },
	{ "BZ-REG-RATE-LIMIT", BZ_REASON_REJECT, "550", "5.7.1",
	  "Se alcanzo el limite de registros y actualizaciones de este RFC en 24 horas; intente manana",
	  "RegistrationMaxPerDay: too many REGISTRO/ACTUALIZACION steps for the signer's RFC in 24 hours" },
	{ "BZ-REG-ADDRESS-RATE-LIMIT", BZ_REASON_REJECT, "550", "5.7.1",
	  "Una direccion Correo: ya recibio el maximo de avisos de validacion en 24 horas; use otra o intente manana",
	  "RegistrationMaxNoticesPerAddress: a Correo: address already got its validation notices for 24 hours" },
	{ "BZ-REG-MAILBOX-NOT-ENABLED", BZ_REASON_REJECT, "550", "5.7.1",
	  "El buzon de este RFC no esta habilitado: envie un mensaje firmado con su e.firma, asunto REGISTRO, con lineas Correo: y Celular:",
	  "RequireEnabledMailbox: the signer's RFC has no enabled mailbox" },
	/* CONSULTA <folio> (issue 11). UNKNOWN-FOLIO is also the answer for
	 * another RFC's folio: the same code and text, nothing disclosed. */
	{ "BZ-CONSULTA-NO-FOLIO", BZ_REASON_REJECT, "550", "5.7.1",
	  "La consulta debe traer en el texto firmado una linea Folio: con el folio consultado (el mismo del asunto)",
	  "CONSULTA without a Folio: line in the signed text, or the Subject names another folio" },
	{ "BZ-CONSULTA-UNKNOWN-FOLIO", BZ_REASON_REJECT, "550", "5.7.1",
	  "No existe un acuse con ese folio para el RFC que firma la consulta",
	  "CONSULTA of a folio that is not a filing or notification of the signer's RFC" },
	{ "BZ-CONSULTA-EXPIRED", BZ_REASON_REJECT, "550", "5.7.1",
	  "El acuse de ese folio ya no puede consultarse: el plazo de tres meses desde su emision vencio",
	  "CONSULTA after the filing's available-until day (three calendar months)" },
	{ "BZ-CONSULTA-TOO-SOON", BZ_REASON_REJECT, "550", "5.7.1",
	  "Ese acuse ya se reenvio hace poco; intente mas tarde",
	  "CONSULTA of a folio re-sent within RepeatResendInterval, or 5 times in 24 hours" },
	/* Said only to the notified employer, whose aviso went out: it
	 * discloses nothing (core/submission_consulta.c). */
	{ "BZ-CONSULTA-NOT-NOTIFIED", BZ_REASON_REJECT, "550", "5.7.1",
	  "Esa notificacion aun no se ha abierto ni tenido por notificada: abrala con un mensaje firmado, asunto APERTURA y su folio",
	  "CONSULTA of a notification neither opened nor deemed made yet (CONSULTA does not open it)" },
	/* Issued but not kept yet: the notification worker signs and
	 * queues it within seconds (core/notification_due.c,
	 * core/notification_deemed.c). */
	{ "BZ-CONSULTA-PENDING", BZ_REASON_TEMPFAIL, "451", "4.3.0",
	  "El acuse de esa notificacion se esta emitiendo; intente en unos minutos",
	  "CONSULTA of a notification whose acuse de notificacion or constancia is not issued yet: deferred" },
	/* Notifications from the Institute (issue 10): a message to
	 * NotifierAddress. */
	{ "BZ-NOTIF-NOT-OFFICIAL", BZ_REASON_REJECT, "550", "5.7.1",
	  "Solo los servidores publicos autorizados pueden notificar: la e.firma que firma no esta en la lista de la Institucion",
	  "the signer's RFC is not in OfficialsFile" },
	{ "BZ-NOTIF-UNSIGNED", BZ_REASON_REJECT, "550", "5.7.1",
	  "Una notificacion debe venir firmada con la e.firma de un servidor publico autorizado",
	  "a message to NotifierAddress without a valid e.firma signature" },
	{ "BZ-NOTIF-NO-RECIPIENT", BZ_REASON_REJECT, "550", "5.7.1",
	  "El texto firmado debe traer una sola linea Destinatario: con el RFC del patron",
	  "no (or more than one, or a malformed) Destinatario: line in the signed text" },
	{ "BZ-NOTIF-NO-SUBJECT", BZ_REASON_REJECT, "550", "5.7.1",
	  "El texto firmado debe traer una sola linea Asunto: (hasta 200 bytes, sin caracteres de control)",
	  "no (or more than one, empty, too long) Asunto: line in the signed text" },
	{ "BZ-NOTIF-BAD-REPLY-TO", BZ_REASON_REJECT, "550", "5.7.1",
	  "La linea Responder-a: debe ser una sola direccion de correo simple",
	  "Responder-a: is not one plain address" },
	{ "BZ-NOTIF-NOT-ENABLED", BZ_REASON_REJECT, "550", "5.7.1",
	  "El patron no tiene buzon habilitado: notifique por otro medio",
	  "the employer named by Destinatario: has no enabled mailbox" },
	/* APERTURA <folio> (issue 10 part B). UNKNOWN-FOLIO is also the
	 * answer for another RFC's notification: nothing disclosed. */
	{ "BZ-APERTURA-NO-FOLIO", BZ_REASON_REJECT, "550", "5.7.1",
	  "El asunto debe ser APERTURA seguido del folio de la notificacion (NT-AAAA-NNNNNNNN); si el texto firmado nombra un folio, el mismo",
	  "APERTURA without a notification folio NT-YYYY-NNNNNNNN in the Subject, or the signed text names only another one" },
	{ "BZ-APERTURA-UNKNOWN-FOLIO", BZ_REASON_REJECT, "550", "5.7.1",
	  "No existe una notificacion con ese folio para el RFC que firma la apertura",
	  "APERTURA of a folio that is no notification of the signer's RFC (or its aviso is still held)" },
	{ "BZ-APERTURA-REPEAT", BZ_REASON_REJECT, "550", "5.7.1",
	  "Esa notificacion ya se abrio o se tuvo por notificada; su acuse se reenvia a sus direcciones confirmadas y su instante no cambia",
	  "APERTURA of a notification already opened or deemed made: its acuse re-sent, the instant unchanged" },
	/* The same, inside RepeatResendInterval of the last re-send: the
	 * reply must not say the acuse goes out again when it does not. */
	{ "BZ-APERTURA-NOT-RESENT", BZ_REASON_REJECT, "550", "5.7.1",
	  "Esa notificacion ya se abrio o se tuvo por notificada y su acuse se reenvio hace poco: no se reenvia otra vez por ahora; su instante no cambia",
	  "APERTURA of a notification already opened or deemed made whose acuse was re-sent less than RepeatResendInterval ago: not re-sent again, the instant unchanged" },
};

/* bz_reason_find - catalogue entry for a code, NULL if unknown */
const struct bz_reason *
bz_reason_find(const char *code)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(reasons[i].code, code) == 0)
			return &reasons[i];
	return NULL;
}

/* bz_reason_all - the whole catalogue */
const struct bz_reason *
bz_reason_all(size_t *n)
{
	*n = sizeof(reasons) / sizeof(reasons[0]);
	return reasons;
}

/* bz_reasons_init - empty list */
void
bz_reasons_init(struct bz_reasons *r)
{
	r->items = NULL;
	r->n = 0;
}

/* bz_reasons_free - release the list (entries are static) */
void
bz_reasons_free(struct bz_reasons *r)
{
	free(r->items);
	bz_reasons_init(r);
}

/* bz_reasons_has - is code already in the list? */
int
bz_reasons_has(const struct bz_reasons *r, const char *code)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->items[i]->code, code) == 0)
			return 1;
	return 0;
}

/* bz_reasons_add - append a reason once */
void
bz_reasons_add(struct bz_reasons *r, const char *code)
{
	const struct bz_reason *reason = bz_reason_find(code);

	if (reason == NULL)
		bz_panic("reason: code %s is not in the catalogue", code);
	if (bz_reasons_has(r, code))
		return;
	r->items = xrealloc(r->items, (r->n + 1) * sizeof(*r->items));
	r->items[r->n++] = reason;
}

/* bz_reasons_tempfail - does any reason call for a temporary failure? */
int
bz_reasons_tempfail(const struct bz_reasons *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->items[i]->class == BZ_REASON_TEMPFAIL)
			return 1;
	return 0;
}
