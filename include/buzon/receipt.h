/*
 * receipt - the acuse: canonical record, cadena original, sello, XML,
 *	     Spanish text and the S/MIME-signed reply mail
 *
 * One canonical record (struct bz_receipt) per event, filled by the daemon
 * with plain strings: the record does not depend on any other module's
 * types. From it, and only from it, receipt renders
 *
 *   - the cadena original: "||v1|v2|...||" in the fixed order below;
 *   - the sello: RSA-SHA256 over the cadena with the institution key,
 *     base64 without line breaks;
 *   - the XML document acuse-<folio>.xml (schema contrib/acuse-v1.xsd,
 *     namespace BZ_RECEIPT_XMLNS), built node by node with libxml2;
 *   - the Spanish text a person reads first;
 *   - the reply mail: multipart/mixed (text + XML) inside a detached
 *     S/MIME signature (multipart/signed, SHA-256) by the institution
 *     certificate.
 *
 * Canonical values. Every value passes through bz_receipt_normalize()
 * before it reaches the cadena, the XML or the text: invalid UTF-8 bytes
 * become U+FFFD; every control character (C0, DEL, C1) and every run of
 * white space becomes one ASCII space; leading and trailing spaces are
 * removed. A NULL field and an empty one are the same: an empty value,
 * except fields 25, 26, 28 and 29, which are left out of the cadena (separator
 * included) when NULL: acuses sealed before they existed lack them, and
 * 28 names the notification a promocion answers (issue 10), when it
 * answers one; 29 the employer a notification's acuse de notificacion or
 * constancia is about (whose emisor is the official who signed it).
 * Normalisation is idempotent, so the XML parsed back yields the same
 * cadena. In the cadena, "\" is written "\\" and "|" is written "\|";
 * nothing else is escaped. A value can therefore never add, remove or
 * move a field separator.
 *
 * Cadena order (version 1.0; contrib/acuse.md has the same table):
 *    1 version ("1.0")           15 Message-ID of the submission
 *    2 folio                     16 asunto (subject, decoded)
 *    3 evento                    17 SHA-256 of the message as received
 *    4 RFC                       18 number of parts N
 *    5 nombre                    19 N times: nombre, tipo, tamano, SHA-256
 *    6 CURP                      20 llegada UTC
 *    7 RFC del representante     21 llegada local (ISO-8601 with offset)
 *    8 CURP del representante    22 recepcion legal UTC
 *    9 noCertificado (signer)    23 recepcion legal local
 *   10 SHA-256 of the signer's   24 regla (rule id of the legal instant)
 *      certificate (hex)         25 base legal (lft | lft+cff)
 *   11 integridad (pass|fail|unknown)    26 primera hora (HH:MM)
 *   12 confianza                 27 version del calendario
 *   13 identidad                 28 folio de la notificacion (optional)
 *   14 dictamen (verdict)        29 RFC notificado (optional)
 *                                30 noCertificado de la institucion
 * Fields 15 and 16 are empty in acuses issued now (receipt_store.c:
 * top-level headers no signature covers are not repeated under the
 * Institute's sello); acuses issued before carry them and still verify.
 * Fields 25-27 are the whole rule set the legal instant was computed
 * with (LegalBasis, SubmissionFirstHour, the calendar files' version), so
 * the acuse alone says how to recompute it. Without 25 and 26 the cadena
 * is the one of acuses issued before they were recorded; removing or
 * adding them changes the number of fields, so the sello breaks. The
 * sello is not part of the cadena.
 *
 * Failure behaviour: functions returning int give 0 on success and -1 with
 * one English line in err on failure (unreadable key, OpenSSL error, XML
 * that does not validate). Memory exhaustion ends the process (xalloc).
 * A bz_receipt_signer is immutable after loading and may be shared by any
 * number of threads; the record is owned by one thread.
 */
#ifndef BUZON_RECEIPT_H
#define BUZON_RECEIPT_H

#include <stddef.h>
#include <stdint.h>

#include "buzon/buf.h"
#include "buzon/verdict.h"

#define BZ_RECEIPT_VERSION	"1.0"
#define BZ_RECEIPT_XMLNS	"urn:buzon-milter:acuse:1"
#define BZ_RECEIPT_EVENT_SUBMISSION	"promocion"

struct bz_config;

/* One MIME part of the signed content. */
struct bz_receipt_part {
	char	*name;			/* file name, may be NULL */
	char	*content_type;
	uint64_t size;			/* decoded size in bytes */
	char	*sha256;		/* lowercase hex */
};

/* The canonical record. Every string is owned (xstrdup) and may be NULL. */
struct bz_receipt {
	char	*version;		/* BZ_RECEIPT_VERSION, set by init */
	char	*folio;			/* BZ-YYYY-NNNNNNNN */
	char	*event;			/* BZ_RECEIPT_EVENT_SUBMISSION */
	char	*rfc;
	char	*name;
	char	*curp;
	char	*rfc_representante;
	char	*curp_representante;
	char	*no_certificado;	/* of the employer's e.firma */
	char	*cert_sha256;		/* hex SHA-256 of its DER */
	char	*integrity;		/* bz_check_name() values */
	char	*trust;
	char	*identity;
	char	*verdict;		/* bz_verdict_name() values */
	char	*message_id;		/* as received, for the record only */
	char	*subject;		/* decoded to UTF-8 */
	char	*message_sha256;	/* of the message as received */
	struct bz_receipt_part *parts;
	size_t	 nparts;
	char	*arrival_utc;		/* 2026-11-27T23:59:15Z */
	char	*arrival_local;		/* 2026-11-27T17:59:15-06:00 */
	char	*legal_utc;
	char	*legal_local;
	char	*legal_rule;		/* calendar rule id */
	char	*legal_basis;		/* "lft" | "lft+cff" (LegalBasis) */
	char	*first_hour;		/* "HH:MM" (SubmissionFirstHour) */
	char	*calendar_version;	/* "sha256:<hex>" of the calendar files */
	char	*notification_folio;	/* NT-YYYY-NNNNNNNN a promocion answers
					 * (issue 10); NULL: none */
	char	*addressee_rfc;		/* a notification's acuse/constancia: the
					 * employer notified; NULL: none */
	char	*institution_no_certificado;	/* set by bz_receipt_seal() */
	char	*sello;			/* set by bz_receipt_seal() */
};

/*
 * The acuse's fields, listed once (core/receipt_fields.c). Every
 * rendering walks bz_receipt_fields[]: the cadena original and the XML in
 * table order (which is the cadena order above), the Spanish text in
 * text_rank order, buzonctl's JSON in table order, and bz_receipt_free.
 * A field is added in one row (and in struct bz_receipt, the schema and
 * contrib/acuse.md).
 */
#define BZ_RECEIPT_F_CADENA	0x01	/* a field of the cadena original */
#define BZ_RECEIPT_F_OPTIONAL	0x02	/* left out of the cadena when NULL */
#define BZ_RECEIPT_F_PARTS	0x04	/* the row of the parts list, not a string */

enum bz_receipt_text_kind {
	BZ_RECEIPT_TEXT_NONE,		/* not a line of the text (or its framing) */
	BZ_RECEIPT_TEXT_LINE,		/* "label: value", left out when empty */
	BZ_RECEIPT_TEXT_LOCAL,		/* a local instant, dd/mm/aaaa hh:mm:ss */
	BZ_RECEIPT_TEXT_CHECK,		/* pass|fail|unknown in Spanish */
	BZ_RECEIPT_TEXT_VERDICT,	/* accepted|rejected|... in Spanish */
	BZ_RECEIPT_TEXT_BASIS,		/* the legal basis in words */
	BZ_RECEIPT_TEXT_RULE,		/* the rule in words, then its id */
	BZ_RECEIPT_TEXT_PARTS,		/* the list of documents */
};

struct bz_receipt_field {
	size_t		 offset;	/* of the char * in struct bz_receipt */
	unsigned	 flags;		/* BZ_RECEIPT_F_* */
	const char	*xml_parent;	/* group element; NULL: under <acuse> */
	const char	*xml_name;	/* NULL: no element (version: an attribute) */
	const char	*json_name;	/* NULL: not in buzonctl's JSON */
	int		 text_rank;	/* place in the Spanish text, 0: none */
	enum bz_receipt_text_kind text_kind;
	const char	*text_heading;	/* section that starts with this line */
	const char	*text_label;
	const char	*text_label_notif; /* for a notificacion; NULL: the same */
};

/* One string or number of a part, in cadena, XML and JSON order. */
struct bz_receipt_part_field {
	size_t		 offset;	/* in struct bz_receipt_part */
	int		 number;	/* 1: the uint64_t size, else a char * */
	const char	*name;		/* XML element and JSON member */
};

extern const struct bz_receipt_field bz_receipt_fields[];
extern const size_t bz_receipt_nfields;
extern const struct bz_receipt_part_field bz_receipt_part_fields[];
extern const size_t bz_receipt_npart_fields;
/* The string a row names in r, and where it is kept (never for the
 * parts row); the same for a string field of a part. */
const char *bz_receipt_field_value(const struct bz_receipt *r,
	    const struct bz_receipt_field *f);
char	**bz_receipt_field_ptr(struct bz_receipt *r, const struct bz_receipt_field *f);
const char *bz_receipt_part_string(const struct bz_receipt_part *p,
	    const struct bz_receipt_part_field *f);
char	**bz_receipt_part_field_ptr(struct bz_receipt_part *p,
	    const struct bz_receipt_part_field *f);

/* Record life cycle (core/receipt.c). */
void	bz_receipt_init(struct bz_receipt *r);
void	bz_receipt_free(struct bz_receipt *r);
/* Replace *field with a copy of value (NULL clears). */
void	bz_receipt_set(char **field, const char *value);
void	bz_receipt_add_part(struct bz_receipt *r, const char *name,
	    const char *content_type, uint64_t size, const char *sha256);
/* Convenience for the daemon: copy the shared verification types. */
void	bz_receipt_set_signer(struct bz_receipt *r, const struct bz_signer *s);
void	bz_receipt_set_outcome(struct bz_receipt *r, enum bz_check integrity,
	    enum bz_check trust, enum bz_check identity, enum bz_verdict verdict);
void	bz_receipt_add_bz_part(struct bz_receipt *r, const struct bz_part *p);

/* Canonical values and the cadena original (core/receipt_cadena.c). */
void	bz_receipt_normalize(struct bz_buf *out, const char *value);
void	bz_receipt_cadena(const struct bz_receipt *r, struct bz_buf *out);

/* The institution signer (core/receipt_sello.c). */
struct bz_receipt_signer;

/*
 * Load the certificate (PEM) and its private key (PEM, unencrypted);
 * chain_path (PEM, may be NULL) adds intermediate certificates to the
 * S/MIME signature. Refuses a key that does not match the certificate.
 */
struct bz_receipt_signer *bz_receipt_signer_load(const char *cert_path,
	    const char *key_path, const char *chain_path, struct bz_buf *err);
/* Same, from InstitutionCertificate / InstitutionKey / InstitutionChain. */
struct bz_receipt_signer *bz_receipt_signer_from_config(
	    const struct bz_config *cfg, struct bz_buf *err);
struct bz_receipt_signer *bz_receipt_signer_ref(struct bz_receipt_signer *s);
void	bz_receipt_signer_unref(struct bz_receipt_signer *s);

/* The institution certificate's noCertificado (what a cadena names). */
const char *bz_receipt_signer_no_certificado(const struct bz_receipt_signer *s);
/* Set institution_no_certificado, then the sello over the cadena. */
int	bz_receipt_seal(const struct bz_receipt_signer *s, struct bz_receipt *r,
	    struct bz_buf *err);
/*
 * Check r->sello over the cadena of r with the public key of a PEM or DER
 * certificate given as bytes. 0 valid, -1 invalid (reason in err).
 */
int	bz_receipt_sello_verify(const struct bz_receipt *r, const void *cert,
	    size_t cert_len, struct bz_buf *err);

/* The XML rendering (core/receipt_xml.c). */
/* libxml2 set-up: call once at start-up, before any thread is created. */
void	bz_receipt_library_init(void);
int	bz_receipt_xml(const struct bz_receipt *r, struct bz_buf *out,
	    struct bz_buf *err);
/* Parse an acuse XML back into r (r initialised by the caller). */
int	bz_receipt_from_xml(struct bz_receipt *r, const void *xml, size_t len,
	    struct bz_buf *err);
/* Validate an acuse XML against the XSD at schema_path. */
int	bz_receipt_xml_validate(const void *xml, size_t len,
	    const char *schema_path, struct bz_buf *err);

/* The Spanish text part (core/receipt_text.c), UTF-8 with LF endings. */
void	bz_receipt_text(const struct bz_receipt *r, struct bz_buf *out);
/* Spanish sentence for a calendar rule id; the id itself when unknown. */
const char *bz_receipt_rule_text(const char *rule_id);

/* The reply mail (core/receipt_mail.c). */
struct bz_receipt_mail {
	const char *from;	/* the mailbox address (configuration) */
	const char *to;		/* the signer's certificate address; unsafe/NULL -> undisclosed */
	const char *in_reply_to;	/* submission Message-ID; unsafe -> omitted */
	int64_t	 date;		/* UTC seconds for the Date: header */
	/* Appended to the text part after the acuse's own lines (the consent
	 * text of an acuse de registro); NULL: nothing. Signed with the mail,
	 * not part of the cadena or the XML. */
	const char *text_appendix;
	/* A notification's acuse or constancia (issue 10): the notified
	 * message, the department's signed mail byte for byte, attached as
	 * notificacion-<folio>.eml (base64); NULL: none. */
	const void *attachment;
	size_t	 attachment_len;
};

/*
 * The printable acuse inside every acuse mail (issue 11): a part
 * application/pdf acuse-<folio>.pdf after the XML, drawn from the same
 * record by fn (bz_receipt_pdf, include/buzon/receipt_pdf.h) with the
 * VerifyURL template url. fn is registered once by a program that links
 * the drawing (libbuzon_pdf.a: the daemon); url is set by each
 * bz_runtime_install (AcusePdf yes and VerifyURL set; else NULL: no PDF
 * part). Both are process-wide, read under a lock at each rendering. A
 * PDF that cannot be drawn fails the rendering (an acuse without the PDF
 * it must carry is not sent; AcusePdf no turns the part off).
 */
typedef int (*bz_receipt_pdf_fn)(const struct bz_receipt *r, const char *url,
	    struct bz_buf *out, struct bz_buf *err);
void	bz_receipt_mail_pdf_renderer(bz_receipt_pdf_fn fn);
void	bz_receipt_mail_pdf_url(const char *url);

/*
 * Seal r (bz_receipt_seal) and render the complete signed reply, CRLF
 * line endings, ready for sendmail(1). msgid (may be NULL) receives the
 * acuse's own Message-ID with angle brackets. Appends to out.
 */
int	bz_receipt_render(const struct bz_receipt_signer *s, struct bz_receipt *r,
	    const struct bz_receipt_mail *m, struct bz_buf *out,
	    struct bz_buf *msgid, struct bz_buf *err);
/*
 * Render a record sealed earlier (r->sello kept as is), e.g. to send the
 * acuse again with the sello first issued. The S/MIME signature is new.
 */
int	bz_receipt_render_sealed(const struct bz_receipt_signer *s,
	    const struct bz_receipt *r, const struct bz_receipt_mail *m,
	    struct bz_buf *out, struct bz_buf *msgid, struct bz_buf *err);
/* Syntax checks used for headers (exported for tests). */
int	bz_receipt_safe_msgid(const char *s);

/*
 * The parts of an acuse mail that the Institute's other signed mail (the
 * registration notices, core/registration_notice.c) is made of, so both
 * come out alike (core/receipt_mail.c, core/receipt_sello.c).
 */
/* err = "what: <OpenSSL error queue>", the queue emptied. */
void	bz_receipt_ossl_error(struct bz_buf *err, const char *what);
/* Base64 of bytes; wrap > 0 inserts CRLF every wrap characters. */
void	bz_receipt_base64(struct bz_buf *out, const void *p, size_t n, int wrap);
/* Detached CMS (SHA-256, DER) by the institution over entity's exact bytes. */
int	bz_receipt_sign_detached(const struct bz_receipt_signer *s,
	    const struct bz_buf *entity, struct bz_buf *der, struct bz_buf *err);
/* "Date: ..." CRLF, RFC 5322 in UTC. */
void	bz_receipt_date_header(struct bz_buf *out, int64_t when);
/* The multipart/signed body (Content-Type header, entity, signature part)
 * with boundary "=_firma_<tag>"; the caller has written the other headers. */
void	bz_receipt_put_signed(struct bz_buf *out, const char *tag,
	    const struct bz_buf *entity, const struct bz_buf *der);

/*
 * The acuse of a stored submission (core/receipt_store.c). The daemon
 * passes bz_receipt_store_render and a filled ctx to
 * bz_store_record_submission(); the callback renders the signed acuse
 * from the stored fields and the folio (the store keeps it in the row),
 * fills the digests the "submission" event seals, and adds ctx->to as
 * the only recipient (none when NULL). Without ctx->signer it fills only
 * the digests. ctx->err says why it failed.
 */
struct bz_submission;
struct bz_outmail;
struct bz_tz;

struct bz_receipt_render_ctx {
	const struct bz_receipt_signer *signer;
	const struct bz_tz *tz;		/* America/Mexico_City, local instants */
	const char	*mailbox;	/* From: (the mailbox address written to) */
	int64_t		 now;		/* Date: of the acuse */
	const char	*event;		/* NULL: BZ_RECEIPT_EVENT_SUBMISSION */
	/* To: and the only recipient: the address in the signer's
	 * certificate; NULL: the acuse is kept but sent to no one. */
	const char	*to;
	struct bz_buf	 err;		/* reason of the last failure */
	const char	*text_appendix;	/* struct bz_receipt_mail's; NULL: none */
	/*
	 * 1: seal now, sign later (the daemon, issue 12). The callback fixes
	 * the cadena (digests and institution certificate in the mail) and
	 * hands the store what the mail needs (struct bz_outmail deferred);
	 * no private-key operation runs inside the transaction.
	 * bz_receipt_sign_pending() signs it after the commit.
	 */
	int		 defer;
};

/* A Message-ID header value without surrounding blanks, for the acuse's
 * In-Reply-To (a copy; NULL for NULL). */
char	*bz_receipt_in_reply_to(const char *message_id);
void	bz_receipt_from_submission(struct bz_receipt *r, const char *folio,
	    const struct bz_submission *sub, const struct bz_tz *tz,
	    const char *event);
int	bz_receipt_render_submission(const struct bz_receipt_render_ctx *ctx,
	    const char *folio, const struct bz_submission *sub, struct bz_buf *out,
	    struct bz_buf *err);
/* The unsigned envelope data of a filing as one string (see receipt_store.c). */
void	bz_receipt_envelope_string(const struct bz_submission *sub,
	    struct bz_buf *out);
/* Hex SHA-256 of the cadena original and of the envelope string, as the
 * "submission" event seals them; recomputed from a row by verify-chain. */
void	bz_receipt_submission_digests(const char *folio,
	    const struct bz_submission *sub, const struct bz_tz *tz,
	    const char *institution_no_certificado, char cadena_sha256[65],
	    char envelope_sha256[65]);
/* A bz_store_render_fn; arg is a struct bz_receipt_render_ctx. */
int	bz_receipt_store_render(void *arg, const char *folio,
	    const struct bz_submission *sub, struct bz_outmail *mail);
/*
 * Sign the acuses sealed at their commit and not signed yet, created at
 * or before `before` (core/receipt_pending.c): each rebuilt from its
 * committed record, checked against the digests its event sealed (a
 * record or pending row changed since is refused, logged once, added to
 * *skip and left for `store verify-chain` to name), signed with s, and
 * each batch kept, sealed and queued in one transaction
 * (bz_store_pending_complete: one fsync for the batch). Only acuses whose
 * cadena names s's certificate are listed: one sealed under another
 * institution certificate waits until that one is configured again.
 * Folios in *skip (refused earlier by this process) are passed over
 * (skip may be NULL). Pages of max folios; it stops after a page that
 * brought the count signed to max. How many were signed in *nsigned,
 * refused now in *nrefused.
 * 0, or -1 when the database could not be read or written.
 */
struct bz_store;
struct bz_receipt_skip {
	char	**folios;
	size_t	 n;
};
int	bz_receipt_sign_pending(struct bz_store *st, const struct bz_receipt_signer *s,
	    const struct bz_tz *tz, int64_t before, int64_t now, size_t max,
	    struct bz_receipt_skip *skip, size_t *nsigned, size_t *nrefused);
void	bz_receipt_skip_free(struct bz_receipt_skip *skip);

/* Offline verification of a whole acuse mail (core/receipt_verify.c). */
struct bz_receipt_verify_opts {
	const char *ca_file;		/* PEM: trusted institution CA(s) */
	const char *schema_path;	/* acuse-v1.xsd */
	int64_t	 at;			/* verification time, 0 = now */
	/*
	 * Recompute the legal instant from the record; NULL leaves the
	 * check "unknown" with an explanation. Return BZ_CHECK_PASS/FAIL
	 * and a one-line detail.
	 */
	enum bz_check (*legal_check)(const struct bz_receipt *r, void *arg,
	    struct bz_buf *detail);
	void	*legal_arg;
};

enum bz_receipt_check_id {
	BZ_RECEIPT_CHECK_SMIME,
	BZ_RECEIPT_CHECK_SCHEMA,
	BZ_RECEIPT_CHECK_SELLO,
	BZ_RECEIPT_CHECK_CALENDAR,
	BZ_RECEIPT_NCHECKS
};

struct bz_receipt_verify_result {
	enum bz_check	 check[BZ_RECEIPT_NCHECKS];
	struct bz_buf	 detail[BZ_RECEIPT_NCHECKS];
	struct bz_receipt record;	/* parsed from the XML when readable */
	int		 have_record;
	/* The signed entity's application/pdf part (the printable acuse,
	 * AcusePdf), decoded; empty when there is none. */
	struct bz_buf	 pdf;
};

/* "smime" | "schema" | "sello" | "calendar" */
const char *bz_receipt_check_name(enum bz_receipt_check_id id);
void	bz_receipt_verify_result_init(struct bz_receipt_verify_result *res);
void	bz_receipt_verify_result_free(struct bz_receipt_verify_result *res);
/* Run every check; returns 0 only when all of them pass. */
int	bz_receipt_verify(const void *mail, size_t len,
	    const struct bz_receipt_verify_opts *opts,
	    struct bz_receipt_verify_result *res);

#endif
