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
