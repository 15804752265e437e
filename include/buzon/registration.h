/*
 * registration - enabling an employer's mailbox (guidelines I.1-3):
 *		  registration, contact confirmation, consent
 *
 * Everything happens by mail to the mailbox address. The action is the
 * first word of the Subject (case and accents ignored):
 *
 *   REGISTRO       signed e.firma; data lines inside the signed content
 *   CONFIRMACION <token>   any sender, unsigned allowed: confirms the
 *                  address the token was sent to
 *   CONFIRMACION   signed by the registrant with "Codigo: NNNNNN": the mobile
 *   CONFORMIDAD    signed by the registrant with "Acepto: <sha256>"
 *   ACTUALIZACION  signed; new contact means (like REGISTRO) for an enabled
 *                  mailbox, in force once confirmed (REGISTRO of an enabled
 *                  RFC is the same)
 *
 * Data are "Clave: valor" lines of the first text/plain part of the
 * SIGNED content (bz_registration_signed_text); headers, the preamble of
 * a multipart/signed and anything else outside the signature are never
 * read. Keys (case and accents ignored): Correo (1-5 distinct plain
 * addresses), Celular (+52 and 10 digits, blanks and dashes dropped),
 * Codigo (6 digits), Acepto (64 hex digits).
 *
 * Modules: registration.c (Subject word, data lines, checks: this header's
 * parsing half), contact_token.c (tokens and codes), registration_store.c
 * (the state machine and its events, some steps inside the caller's
 * transaction), registration_query.c (reading the rows, checking them
 * against the log), registration_notice.c (the signed validation notices
 * and the SMS text), sms.c (SmsCommand), registration_worker.c (the
 * daemon's thread: SMS, expiry). The daemon's glue is in
 * core/submission_registration.c.
 *
 * Failure: bad input is a coded reason (core/reason.c, BZ-REG-*) added to
 * the caller's list; environment errors are BZ_STORE_TEMPFAIL or -1 with
 * err (the milter answers 451).
 */
#ifndef BUZON_REGISTRATION_H
#define BUZON_REGISTRATION_H

#include <stddef.h>
#include <stdint.h>

#include "buzon/buf.h"
#include "buzon/reason.h"
#include "buzon/store.h"

#define BZ_REG_MAX_ADDRESSES	5
#define BZ_REG_LIFETIME		(72 * 3600)	/* seconds to confirm contact means */
#define BZ_REG_TOKEN_BYTES	20		/* 160 random bits */
#define BZ_REG_TOKEN_LEN	32		/* base32 characters, no padding */
#define BZ_REG_CODE_LEN		6
#define BZ_REG_RATE_WINDOW	(24 * 3600)	/* RegistrationMaxPerDay's day */

/* The receipt's event names for the acuses of the registration steps. */
#define BZ_RECEIPT_EVENT_REGISTRO	"registro"
#define BZ_RECEIPT_EVENT_CONFIRMACION	"confirmacion"
#define BZ_RECEIPT_EVENT_CONFORMIDAD	"conformidad"
#define BZ_RECEIPT_EVENT_ACTUALIZACION	"actualizacion"

enum bz_reg_action {
	BZ_REG_NONE = 0,	/* an ordinary promocion */
	BZ_REG_REGISTRO,
	BZ_REG_CONFIRMACION,
	BZ_REG_CONFORMIDAD,
	BZ_REG_ACTUALIZACION,
};

/*
 * The action of a decoded Subject; *arg (may be NULL) gets an xmalloc'ed
 * copy of the second word (CONFIRMACION's token) or NULL.
 */
enum bz_reg_action bz_registration_action(const char *subject, char **arg);
const char *bz_registration_action_name(enum bz_reg_action a);

/* The data of a REGISTRO, CONFIRMACION (code) or CONFORMIDAD. */
struct bz_reg_request {
	char	*addresses[BZ_REG_MAX_ADDRESSES];	/* lower-cased */
	size_t	 naddresses;
	char	*mobile;		/* "+52" and 10 digits */
	char	*code;			/* 6 digits */
	char	*consent_sha256;	/* lower-case hex */
};

void	bz_reg_request_free(struct bz_reg_request *r);

/*
 * Read the "Clave: valor" lines of text (the signed text/plain part,
 * LF or CRLF) for action a, adding every BZ-REG-* reason found to
 * reasons; mailboxes (n of them) are the Institute's own addresses, never
 * accepted as contact means. 0 when usable, -1 otherwise.
 */
int	bz_registration_parse(enum bz_reg_action a, const char *text, size_t len,
	    const char *const *mailboxes, size_t nmailboxes,
	    struct bz_reg_request *req, struct bz_reasons *reasons);
/* One address as a contact means: plain local@domain, no CR/LF, <= 254. */
int	bz_registration_address_ok(const char *s);
/* "+52 55-1234-5678" -> "+525512345678" (xmalloc'ed); NULL when malformed. */
char	*bz_registration_mobile(const char *s);

/*
 * The decoded first text/plain part of the signed entity of msg, found
 * again the way verification found it; expect_sha256 is the verified
 * entity's digest (struct bz_verification), so what is read is exactly
 * what was signed. 0, or -1 with err (no such part, digest mismatch, an
 * entity over 256 KiB or a text over 64 KiB: a step is a few lines).
 */
int	bz_registration_signed_text(const unsigned char *msg, size_t len,
	    const char *expect_sha256, struct bz_buf *text, struct bz_buf *err);

/* Tokens and codes (core/contact_token.c). */
/* A fresh token: BZ_REG_TOKEN_BYTES from RAND_bytes, RFC 4648 base32. */
int	bz_contact_token_new(char out[BZ_REG_TOKEN_LEN + 1]);
/* A fresh 6-digit code, uniform. */
int	bz_contact_code_new(char out[BZ_REG_CODE_LEN + 1]);
/* Hex SHA-256 of a token or code after normalisation (upper case, no
 * blanks or dashes): what the store keeps. -1 when s is not well formed
 * (then out is the hash of nothing useful and must not be looked up). */
int	bz_contact_token_hash(const char *s, char out[65]);
int	bz_contact_code_hash(const char *rfc, const char *code, char out[65]);

/* Consent text (contrib/conformidad.txt, ConsentText): bytes and hash. */
struct bz_consent {
	struct bz_buf	 text;
	char		 sha256[65];
};

int	bz_consent_load(const char *path, struct bz_consent *c, struct bz_buf *err);
void	bz_consent_free(struct bz_consent *c);

/* ---- the store side (core/registration_store.c) ---- */

struct bz_reg_address {
	char	*address;
	int64_t	 confirmed_utc;		/* 0: not confirmed */
};

struct bz_registration {
	int64_t	 id;
	char	*rfc;
	char	*rfc_representante;
	char	*state;			/* pending|confirmed|enabled|expired|replaced */
	char	*folio;			/* of the acuse de registro */
	char	*signer_email;
	struct bz_reg_address *addresses;
	size_t	 naddresses;
	char	*mobile;
	int64_t	 mobile_confirmed_utc;
	int64_t	 created_utc;
	int64_t	 expires_utc;
	char	*consent_sha256;
	int64_t	 enabled_utc;
};

void	bz_registration_free(struct bz_registration *r);

/* The newest registration of rfc that is not replaced: OK, NOTFOUND, TEMPFAIL. */
enum bz_store_status bz_registration_get(struct bz_store *st, const char *rfc,
	    struct bz_registration *r);
/* RFCs with a registration (optionally in one state), newest first. */
enum bz_store_status bz_registration_list(struct bz_store *st, const char *state,
	    struct bz_registration **rs, size_t *n);
/* The confirmed addresses of rfc's enabled registration (none: *n = 0). */
enum bz_store_status bz_registration_confirmed_addresses(struct bz_store *st,
	    const char *rfc, char ***addrs, size_t *n);
/* Is the mailbox of rfc enabled? 1 yes, 0 no, -1 database error. */
int	bz_registration_enabled(struct bz_store *st, const char *rfc);

/*
 * What one REGISTRO writes, inside the submission's transaction (the
 * store's render callback): the previous pending registration of the RFC
 * replaced, the new one pending, one token per address (hash only) and
 * the mobile code (hash only), each transition an event. tokens[i] and
 * code receive the plain values, for the notices only.
 */
struct bz_reg_new {
	const char	*rfc;
	const char	*rfc_representante;
	const char	*folio;
	const char	*signer_email;
	const struct bz_reg_request *req;
	int64_t		 now;		/* TestClock honoured */
	char		 tokens[BZ_REG_MAX_ADDRESSES][BZ_REG_TOKEN_LEN + 1];
	char		 code[BZ_REG_CODE_LEN + 1];
	int64_t		 id;		/* out */
	int		 replaced;	/* out: a pending one was replaced */
	int64_t		 update_of;	/* out: the enabled registration this
					 * ACTUALIZACION will replace (0: none) */
};

int	bz_registration_create_locked(struct bz_store *st, const char *qid,
	    struct bz_reg_new *n);

/* What a confirmation or consent did. */
struct bz_reg_result {
	char		*rfc;		/* xmalloc'ed */
	char		*address;	/* confirmed address (token) */
	int		 now_confirmed;	/* 1: now confirmed (mobile and an
					 * address); 2: an ACTUALIZACION now
					 * confirmed, enabled in place of the
					 * registration it updates */
	char		*folio;		/* acuse de registro */
	char		*state;		/* the registration's state after it */
	char	       **rcpts;		/* confirmed addresses + signer's */
	size_t		 nrcpts;
};

void	bz_reg_result_free(struct bz_reg_result *r);

/*
 * Confirm the address a token was sent to (its own transaction). Reasons:
 * BZ-REG-TOKEN-UNKNOWN (malformed or never issued), BZ-REG-TOKEN-USED
 * (replayed), BZ-REG-TOKEN-EXPIRED (past 72 h, or its registration expired),
 * BZ-REG-TOKEN-REPLACED (its registration was replaced). Returns OK with
 * res filled, NOTFOUND with a reason added, or TEMPFAIL.
 */
enum bz_store_status bz_registration_confirm_token(struct bz_store *st,
	    const char *qid, const char *token, int64_t now,
	    struct bz_reg_result *res, struct bz_reasons *reasons);
/* The mobile code of rfc's pending registration (same contract;
 * BZ-REG-NOT-PENDING, BZ-REG-CODE-WRONG, BZ-REG-TOKEN-EXPIRED). */
enum bz_store_status bz_registration_confirm_code(struct bz_store *st,
	    const char *qid, const char *rfc, const char *code, int64_t now,
	    struct bz_reg_result *res, struct bz_reasons *reasons);
/* Consent: the registration must be confirmed and hash == published
 * (BZ-REG-NOT-CONFIRMED, BZ-REG-CONSENT-HASH). Runs inside the caller's
 * transaction (render callback); -1 database error, 1 refused (reason
 * added), 0 enabled. */
int	bz_registration_consent_check(struct bz_store *st, const char *rfc,
	    const char *hash, const char *published, int64_t now,
	    struct bz_reasons *reasons);
int	bz_registration_enable_locked(struct bz_store *st, const char *qid,
	    const char *rfc, const char *folio, const char *hash, int64_t now,
	    char ***rcpts, size_t *nrcpts);
/*
 * Expire at instant now. Each contact means has its own 72 hours from its
 * hand-off (bz_registration_handoffs; not handed off: not started; given
 * up by the outbox or the SMS queue: run out). Unconfirmed addresses of
 * pending and confirmed registrations whose clocks ran out are dropped; a
 * pending registration whose clocks have all run out (it lacks a
 * confirmed address or the confirmed mobile, or it would be confirmed)
 * becomes expired (events). *n = registrations expired. expires_utc (72
 * hours from the REGISTRO) is only the earliest such instant.
 */
enum bz_store_status bz_registration_expire(struct bz_store *st, int64_t now,
	    size_t *n);

/*
 * RegistrationMaxPerDay (max_rfc) and RegistrationMaxNoticesPerAddress
 * (max_per_address) at instant now (TestClock honoured), over the 24
 * hours before it: BZ-REG-RATE-LIMIT, BZ-REG-ADDRESS-RATE-LIMIT. Read
 * only; 0 within bounds, 1 refused (reasons added), -1 database error.
 */
int	bz_registration_rate_check(struct bz_store *st, const char *rfc,
	    const struct bz_reg_request *req, int64_t now, int64_t max_rfc,
	    int64_t max_per_address, struct bz_reasons *reasons);

/* The outbox rows of the validation notices of registration id just
 * queued, linked to their addresses (inside the transaction): 0 or -1. */
int	bz_registration_link_notices_locked(struct bz_store *st, const char *qid,
	    int64_t id);
/*
 * Start the clocks of the contact means handed off since the last call
 * (notices the outbox marked sent, SMS SmsCommand took): the instant is
 * on the registration clock (clock: TestClock honoured) for the wall
 * clock wall the outbox and the SMS queue stamped. *n = means recorded.
 */
enum bz_store_status bz_registration_handoffs(struct bz_store *st, int64_t clock,
	    int64_t wall, size_t *n);

/* Every registration row against the state_sha256 its newest event
 * sealed; bad() once per row changed behind the log. */
enum bz_store_status bz_registration_verify_rows(struct bz_store *st,
	    void (*bad)(void *arg, const char *label, const char *why), void *arg,
	    int64_t *checked);

/* Empty the message of every notice (outbox kind "aviso") already sent or
 * given up, so tokens stay in clear only until the hand-off. */
enum bz_store_status bz_registration_wipe_notices(struct bz_store *st, size_t *n);

/* Mark the filing folio as a registration step whose acuse has event
 * (the row then recomputes that cadena): inside the transaction. */
int	bz_registration_set_event_locked(struct bz_store *st, const char *qid,
	    const char *folio, const char *event);

/* A notice into the outbox, inside the caller's transaction (the outbox
 * enqueue of store_outbox.c): 0 or -1. */
int	bz_registration_queue_locked(struct bz_store *st, const char *qid,
	    const char *folio, const char *rcpt, const void *msg, size_t len,
	    int64_t now);

/* ---- notices (core/registration_notice.c) ---- */
struct bz_receipt_signer;

struct bz_reg_notice {
	const char	*from;		/* the mailbox */
	const char	*to;		/* a plain address */
	const char	*subject;	/* ASCII */
	const char	*text;		/* UTF-8 body, LF */
	int64_t		 date;
	/* "<...>" (a notification's aviso, whose replies name it); NULL:
	 * a random one. */
	const char	*message_id;
};

/* The notice as a signed (S/MIME, SHA-256) mail, CRLF. 0 or -1 with err. */
int	bz_reg_notice_render(const struct bz_receipt_signer *s,
	    const struct bz_reg_notice *n, struct bz_buf *out, struct bz_buf *err);
/* The text of a validation notice carrying token. */
void	bz_reg_notice_validation_text(struct bz_buf *out, const char *folio,
	    const char *address, const char *token, const struct bz_consent *consent);
/* The consent text whole with its hash, for the text part of the acuse
 * de registro (struct bz_receipt_render_ctx text_appendix). */
void	bz_reg_consent_acuse_text(struct bz_buf *out, const struct bz_consent *consent);
/* The SMS text carrying code ("Codigo: NNNNNN"). */
void	bz_reg_sms_text(struct bz_buf *out, const char *code);

/* ---- SMS (core/sms.c) and the daemon's worker (core/registration_worker.c) ---- */
struct bz_config;

struct bz_sms_opts {
	char		**argv;		/* SmsCommand, NULL-terminated; NULL: unset */
	int		 timeout;	/* OutboxTimeout */
	int		 max_attempts;	/* OutboxMaxAttempts */
	int		 retry_interval;	/* OutboxRetryInterval */
	int		 retry_max_interval;	/* OutboxRetryMaxInterval */
};

void	bz_sms_opts_from_config(const struct bz_config *cfg, struct bz_sms_opts *o);
void	bz_sms_opts_free(struct bz_sms_opts *o);
/* One SMS (text holding the code) into sms_queue, inside the caller's
 * transaction: 0 or -1. */
int	bz_sms_queue_locked(struct bz_store *st, const char *qid, int64_t reg,
	    const char *number, const char *text, int64_t now);
/* Run argv + number, text on stdin; exit status, or -1 (diag says why;
 * never the text). */
int	bz_sms_send(char *const *argv, const char *number, const void *text,
	    size_t len, int timeout, struct bz_buf *diag);
/* Every due row once: 0, or -1 on a database error. */
int	bz_sms_run_once(struct bz_store *st, const struct bz_sms_opts *o,
	    int64_t now, size_t *sent, size_t *failed);

/*
 * The daemon's registration worker: a thread with its own connection
 * that, every second, sends due SMS rows and applies the 72-hour expiry
 * at the current generation's clock (TestClock honoured). NULL and err
 * when the database cannot be opened.
 */
struct bz_reg_worker;

struct bz_outbox;

/* outbox (may be NULL) is woken when the pass queues notification avisos. */
struct bz_reg_worker *bz_reg_worker_start(const char *db_path, int busy_timeout_ms,
	    struct bz_outbox *outbox, struct bz_buf *err);
void	bz_reg_worker_stop(struct bz_reg_worker *w);

#endif
