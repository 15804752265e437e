/*
 * store - the durable record: submissions, folios, the event log, the outbox
 *
 * The only module that talks SQL (SQLite). One database file (`Database`),
 * WAL journal, synchronous=FULL, foreign keys on, busy_timeout from
 * `DatabaseBusyTimeout`. The schema is versioned with PRAGMA user_version;
 * forward migrations run when a read-write store is opened; a database
 * newer than this binary is refused (bz_store_open returns NULL and says so).
 * The database file is created 0600 by the opening process (SQLite gives
 * the -wal and -shm files the same mode), so open it after dropping
 * privileges: the files then belong to `UserID`.
 *
 * Threads: a struct bz_store is ONE SQLite connection and must be used by
 * one thread at a time. The daemon shares connections between libmilter
 * threads through a struct bz_store_pool (mutex-protected list of idle
 * connections): bz_store_pool_get() at end-of-message, bz_store_pool_put()
 * right after. The outbox worker opens its own connection.
 *
 * Recording a submission (bz_store_record_submission) is one BEGIN
 * IMMEDIATE transaction: repeat check, folio allocation, the submission row,
 * its parts, an event row and the outbox row(s) of the acuse, which the
 * caller's render callback produces once the folio is known. The message
 * must already be in the content-addressed spool (bz_cas_put, fsync'd)
 * before this call: the row references it.
 *
 * Failure: every SQLite error while writing (busy past the timeout, disk
 * full, I/O error) rolls the transaction back and returns BZ_STORE_TEMPFAIL
 * (the milter answers 451 4.3.0): nothing half-written remains. The error
 * is logged in English with the queue id. Invalid arguments (a NULL folio,
 * a missing digest) are programmer errors: bz_panic.
 */
#ifndef BUZON_STORE_H
#define BUZON_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "buzon/buf.h"
#include "buzon/reason.h"
#include "buzon/verdict.h"

struct bz_config;

/* Schema version this binary writes (PRAGMA user_version). */
#define BZ_STORE_SCHEMA_VERSION 11

enum bz_store_status {
	BZ_STORE_OK = 0,
	BZ_STORE_TEMPFAIL,	/* nothing written; the sender retries (451) */
	BZ_STORE_NOTFOUND,	/* lookups only */
};

/* bz_store_open() flags */
#define BZ_STORE_READONLY	0x01	/* no create, no migration (buzonctl) */

struct bz_store;

struct bz_store *bz_store_open(const char *path, int busy_timeout_ms, int flags,
	    struct bz_buf *err);
/* Same with `Database` and `DatabaseBusyTimeout` from the configuration. */
struct bz_store *bz_store_open_config(const struct bz_config *cfg, int flags,
	    struct bz_buf *err);
void	bz_store_close(struct bz_store *st);
const char *bz_store_path(const struct bz_store *st);
/* user_version of the open database (== BZ_STORE_SCHEMA_VERSION when rw). */
int	bz_store_schema_version(struct bz_store *st);
/*
 * A consistent copy of the open database in dest, made with SQLite's online
 * backup while other connections keep writing (core/store_backup.c): one
 * self-contained file, mode 0600. 0 done, -1 dest exists (never
 * overwritten), -2 any other failure; err says which.
 */
int	bz_store_backup(struct bz_store *st, const char *dest, struct bz_buf *err);

/* A small pool of connections for the daemon's many threads. */
struct bz_store_pool;

/* Opens (and migrates) one connection at once, so start-up fails early,
 * and starts the group committer (bz_store_pool_record) with its own. */
struct bz_store_pool *bz_store_pool_new(const char *path, int busy_timeout_ms,
	    size_t max_idle, struct bz_buf *err);
/* An idle connection or a new one; NULL (logged) when it cannot be opened. */
struct bz_store *bz_store_pool_get(struct bz_store_pool *pool);
void	bz_store_pool_put(struct bz_store_pool *pool, struct bz_store *st);
void	bz_store_pool_free(struct bz_store_pool *pool);

/*
 * Folio "BZ-YYYY-NNNNNNNN": the year of the legal instant (local civil
 * year, given by the caller), an 8-digit counter strictly increasing within
 * the year, unique forever.
 */
#define BZ_FOLIO_LEN 32		/* 16 used */

/*
 * One submission. As the input of bz_store_record_submission every pointer
 * is borrowed (the store copies what it keeps; signer/parts/reasons may be
 * shallow copies of the caller's structures). As the output of
 * bz_store_submission_get everything is owned: free with bz_submission_free.
 */
struct bz_submission {
	const char	*qid;			/* MTA queue id (logs, events) */
	int64_t		 arrival_utc;		/* when the end of message arrived */
	int64_t		 legal_utc;		/* legal instant (calendar module) */
	int		 legal_year;		/* local civil year of legal_utc */
	const char	*legal_rule;		/* rule that fixed legal_utc */
	/*
	 * The rest of the rule set legal_utc was computed with: LegalBasis
	 * ("lft" | "lft+cff") and SubmissionFirstHour ("HH:MM"). Required
	 * when recording; NULL from bz_store_submission_get for a filing
	 * recorded before schema version 3, which did not keep them.
	 */
	const char	*legal_basis;
	const char	*first_hour;
	const char	*calendar_version;	/* "sha256:<hex>" of the calendar files */
	struct bz_signer signer;		/* cert_sha256 required */
	enum bz_check	 integrity, trust, identity;
	enum bz_verdict	 verdict;
	struct bz_reasons reasons;
	const char	*message_sha256;	/* hex, the message as received = CAS key */
	const char	*signed_sha256;		/* hex, the exact signed entity bytes */
	const char	*message_id;		/* may be NULL */
	const char	*subject;		/* may be NULL (UTF-8, decoded) */
	const char	*env_from;		/* envelope sender, "" for <> */
	const char *const *env_rcpts;
	size_t		 n_rcpts;
	/* The copy of the message: a file from bz_cas_put (SQLite), or
	 * "db:<sha256>" when the store keeps the bytes (PostgreSQL,
	 * bz_store_keeps_messages): then message/message_len are those
	 * bytes, written in the record's transaction. Read them back with
	 * bz_store_message_get. */
	const char	*spool_path;
	const unsigned char *message;		/* input only, borrowed */
	size_t		 message_len;
	const struct bz_part *parts;
	size_t		 n_parts;
	/* The notification (NT- folio) a promocion answers (schema 9, issue
	 * 10): named by its record and its acuse; NULL: none. */
	const char	*notification_folio;

	/* Output only (bz_store_submission_get). */
	char		 folio[BZ_FOLIO_LEN];
	int64_t		 id;
	const char	*acuse_status;		/* "none" | "queued" | "sent" */
	int64_t		 created_utc;
	/* The acuse mail exactly as sealed and signed (schema 4; NULL when
	 * none was kept) and the institution certificate its cadena names. */
	char		*acuse;
	size_t		 acuse_len;
	char		*institution_no_certificado;
	/* The acuse's event of a registration step (schema 5; written by
	 * core/registration_store.c), NULL for a promocion. */
	char		*event;
};

void	bz_submission_free(struct bz_submission *sub);	/* get's output only */

/* A mail the render callback gives to the outbox (one row per recipient). */
struct bz_outmail {
	struct bz_buf	 message;	/* the whole RFC 5322 message, as for sendmail -i */
	char		**rcpts;
	size_t		 n_rcpts;
	/*
	 * What the record's "submission" event seals (hex SHA-256, "" when
	 * unknown): the cadena original of the filing and its unsigned
	 * envelope data (core/receipt_store.c). A non-empty message is kept
	 * in submissions.acuse, recipients or not, with
	 * institution_no_certificado (xmalloc'ed, may be NULL).
	 */
	char		 cadena_sha256[65];
	char		 envelope_sha256[65];
	char		*institution_no_certificado;
	/* Set by the store before render: the connection whose transaction
	 * is open. A render callback may write rows of its own through it
	 * (a registration step, core/submission_registration.c); they
	 * commit or roll back with the record. */
	struct bz_store	*st;
	/*
	 * Signing deferred (schema 8): the render sealed the acuse (the
	 * digests above, institution_no_certificado) but left message
	 * empty. The store keeps an acuse_pending row with these and the
	 * recipients, seals that row's digest (acuse_pending_sha256) in
	 * the event, and queues nothing yet: bz_receipt_sign_pending()
	 * signs it later from the committed record. All xmalloc'ed or NULL.
	 */
	int		 deferred;
	char		*mail_from;
	char		*mail_to;
	char		*text_appendix;
	int64_t		 mail_date;
};

void	bz_outmail_add_rcpt(struct bz_outmail *mail, const char *rcpt);

/*
 * Called inside the transaction, once, for a new filing, with the folio
 * just allocated. Fill mail (message + recipients) and return 0; return
 * -1 to abort (the whole record is rolled back: BZ_STORE_TEMPFAIL). Adding
 * no recipient queues nothing. Keep it quick: the write lock is held.
 */
typedef int (*bz_store_render_fn)(void *arg, const char *folio,
	    const struct bz_submission *sub, struct bz_outmail *mail);

struct bz_submission_out {
	char		 folio[BZ_FOLIO_LEN];
	int		 repeat;	/* 1: same signed entity + signer seen before */
	int64_t		 id;		/* submissions.id (the original on repeat) */
	int64_t		 arrival_utc;	/* the recorded filing's instants: on a */
	int64_t		 legal_utc;	/* repeat, those of the original */
	size_t		 queued;	/* outbox rows added */
	int		 rate_limited;	/* repeat: acuse not queued again, the
					 * last one is younger than
					 * resend_interval */
};

/* How one submission is recorded (bz_store_record_submission_at). */
struct bz_record_opts {
	int64_t		 now;		/* instant of the event and outbox rows */
	int64_t		 resend_interval; /* repeats: seconds (0: none) */
	int		 no_reply;	/* send nothing, but still call render to
					 * keep the acuse and the event's digests */
};

/*
 * Record one submission. render == NULL or opts->no_reply means "do not
 * reply" (loop safety said no, see bz_outbox_should_reply, or no address
 * to reply to): no outbox row, acuse_status "none". With no_reply render
 * is still called: the row keeps the acuse it renders and the event seals
 * its digests; only its recipients are ignored. A render that deferred
 * its signature (struct bz_outmail deferred) leaves an acuse_pending row
 * instead, recipients included (none with no_reply), and queues nothing:
 * bz_store_pending_complete() keeps and queues the signed acuse later.
 *
 * Repeat (same signed_sha256 and signer.cert_sha256 as a recorded filing):
 * no new folio; out->repeat = 1 with the original folio and instants; a
 * "repeat" event is appended, naming the arriving message's hash and its
 * spool_path (NULL when the caller spooled no second copy); when the
 * reply is on, the original acuse rows
 * (the exact bytes first queued, same recipients) are queued again and
 * render is NOT called, so the acuse is byte-identical to the first one.
 *
 * Anyone holding a copy can replay it, so the re-queuing is rate limited:
 * with opts->resend_interval > 0, a repeat less than that many seconds
 * after the last acuse queued for the folio (its filing, a repeat or an
 * operator's resend; created_utc of its outbox rows) queues nothing:
 * out->rate_limited = 1, and its "repeat" event says "reply": false,
 * "reason": "rate limited". Its folio and instants are returned as usual.
 * bz_store_record_submission() is the same with now = the clock and no
 * rate limit.
 */
enum bz_store_status bz_store_record_submission_at(struct bz_store *st,
	    const struct bz_submission *in, bz_store_render_fn render, void *arg,
	    const struct bz_record_opts *opts, struct bz_submission_out *out);
enum bz_store_status bz_store_record_submission(struct bz_store *st,
	    const struct bz_submission *in, bz_store_render_fn render, void *arg,
	    struct bz_submission_out *out);
/*
 * bz_store_record_submission_at() through the pool's committer thread
 * (group commit, core/store_commit.c): the records of concurrent callers
 * share one transaction and one fsync, each under its own savepoint.
 * Returns only when this record is durable (OK) or was rolled back
 * (TEMPFAIL); render runs in the committer thread while the caller waits.
 */
enum bz_store_status bz_store_pool_record(struct bz_store_pool *pool,
	    const struct bz_submission *in, bz_store_render_fn render, void *arg,
	    const struct bz_record_opts *opts, struct bz_submission_out *out);
/* Records run by the committer and transactions it began, so far. */
void	bz_store_pool_stats(struct bz_store_pool *pool, uint64_t *records,
	    uint64_t *transactions);

/* Read one recorded submission (with parts, reasons and signer). */
enum bz_store_status bz_store_submission_get(struct bz_store *st,
	    const char *folio, struct bz_submission *sub);
/*
 * The folio of an earlier filing of this signed entity by this signer
 * certificate: BZ_STORE_OK (folio filled), NOTFOUND or TEMPFAIL. The
 * daemon asks before spooling, so a repeat stores no second copy.
 */
enum bz_store_status bz_store_find_repeat(struct bz_store *st,
	    const char *signed_sha256, const char *cert_sha256,
	    char folio[BZ_FOLIO_LEN]);
/*
 * What the folio's "submission" event sealed: cadena_sha256,
 * envelope_sha256 and acuse_sha256 (hex; "" when the event predates
 * them or names none). NOTFOUND when the folio has no such event. An
 * acuse signed after the commit (schema 8) has its acuse_sha256 in the
 * folio's first "acuse-signed" event instead; that one is returned.
 */
enum bz_store_status bz_store_sealed_digests(struct bz_store *st,
	    const char *folio, char cadena[65], char envelope[65], char acuse[65]);
/*
 * An acuse sealed at its filing's commit and not signed yet (schema 8,
 * core/store_pending.c): what the signed mail needs beyond the record.
 */
struct bz_acuse_pending {
	char		 folio[BZ_FOLIO_LEN];
	char		*mail_from;
	char		*mail_to;		/* may be NULL */
	char		*text_appendix;		/* may be NULL */
	int64_t		 date_utc;		/* Date: of the acuse */
	char		**rcpts;
	size_t		 n_rcpts;
	int		 reply;			/* 0: kept, sent to no one */
	int64_t		 created_utc;
};

void	bz_acuse_pending_free(struct bz_acuse_pending *p);
/* Hex SHA-256 of the row's content, as the "submission" event seals it. */
void	bz_acuse_pending_digest(const struct bz_acuse_pending *p, char hex[65]);
/* The folio's pending acuse: OK, NOTFOUND (none, or signed already), TEMPFAIL. */
enum bz_store_status bz_store_pending_get(struct bz_store *st, const char *folio,
	    struct bz_acuse_pending *p);
/* Up to max folios after `after` (NULL: from the first) in folio order
 * with an acuse pending, created at or before `before`, whose cadena names
 * institution certificate `cert` (NULL: any); free each + vector. */
enum bz_store_status bz_store_pending_list(struct bz_store *st, int64_t before,
	    const char *cert, const char *after, size_t max, char ***folios,
	    size_t *n);
/*
 * Signed acuses of pending rows, in one transaction (one fsync for the
 * batch): each kept in its submission's row, sealed by an "acuse-signed"
 * event (acuse_sha256 and the pending row's digest), one outbox row per
 * recipient (created_utc of the filing: they are its acuse rows, which
 * repeats and receipt resend look for) and its pending row deleted. One
 * whose pending row is gone (signed by another process meanwhile) is
 * skipped: kept 0, nothing of it written. TEMPFAIL: nothing written.
 */
struct bz_acuse_signed {
	const struct bz_acuse_pending *pending;
	const void	*acuse;
	size_t		 len;
	int		 kept;			/* out: 1 kept and queued */
	size_t		 queued;		/* out: outbox rows added */
};

enum bz_store_status bz_store_pending_complete(struct bz_store *st,
	    struct bz_acuse_signed *v, size_t n, int64_t now);
/* The acuse_pending_sha256 the folio's "submission" event sealed ("" none). */
enum bz_store_status bz_store_sealed_pending(struct bz_store *st,
	    const char *folio, char pending[65]);
/* Number of acuses sealed and waiting for their signature. */
enum bz_store_status bz_store_pending_count(struct bz_store *st, int64_t *n);

/* The spool_path of a filing whose bytes the store keeps. */
#define BZ_STORE_MESSAGE_DB	"db:"
/* 1 when the store keeps message bytes itself (PostgreSQL: spool_messages)
 * instead of files in SpoolDirectory (core/store_message.c). */
int	bz_store_keeps_messages(struct bz_store *st);
/* The message a filing names (its file, or its spool_messages row),
 * appended to out: OK, NOTFOUND (no copy, or larger than max), TEMPFAIL. */
enum bz_store_status bz_store_message_get(struct bz_store *st,
	    const struct bz_submission *sub, size_t max, struct bz_buf *out);

/* Folios that have a "submission" event, in event order (free each + vector). */
enum bz_store_status bz_store_sealed_folios(struct bz_store *st,
	    char ***folios, size_t *n);
/*
 * Every spool copy a record or an event names, as digests and paths
 * (submissions.message_sha256/spool_path, and message_sha256/spool_path
 * of every event detail): what `buzonctl spool gc` must keep.
 */
enum bz_store_status bz_store_named_copies(struct bz_store *st,
	    char ***names, size_t *n);
/*
 * The acuse of a filing to send again: the kept bytes (else, for a
 * filing from before schema 4, the message of its first outbox row) and
 * the recipients its first acuse went to. NOTFOUND when there is none.
 */
enum bz_store_status bz_store_acuse_get(struct bz_store *st, const char *folio,
	    struct bz_buf *acuse, char ***rcpts, size_t *n_rcpts);
/*
 * Folios of recorded submissions in filing order, optionally only those
 * of one signer RFC (NULL: all) and arriving at or after since_utc
 * (0: no limit). *folios is a vector of xmalloc'ed strings: free each
 * and the vector.
 */
enum bz_store_status bz_store_submission_list(struct bz_store *st,
	    const char *rfc, int64_t since_utc, char ***folios, size_t *n);

/*
 * Event log: append-only and hash-chained. Kinds written by the store:
 * "submission", "repeat", "outbox-queued" (bz_store_outbox_enqueue),
 * "outbox-sent", "outbox-gave-up"; detail is a JSON object. hash = SHA-256(prev_hash ||
 * canonical(id, at_utc, kind, folio, detail)); the first row's prev_hash
 * is 64 zeros. Triggers refuse UPDATE and DELETE through SQLite; the chain
 * detects changes made around them.
 */
enum bz_store_status bz_store_event_append(struct bz_store *st, int64_t at_utc,
	    const char *kind, const char *folio, const char *detail);

struct bz_chain_result {
	int64_t		 rows;		/* rows checked */
	int64_t		 broken_id;	/* first broken row id, 0 when intact */
	char		 head[65];	/* hash of the last row ("" when empty) */
	const char	*why;		/* static text when broken */
};

/* BZ_STORE_OK and result filled (broken_id tells), or TEMPFAIL. */
enum bz_store_status bz_store_verify_chain(struct bz_store *st,
	    struct bz_chain_result *res);

/* Outbox rows as the worker and buzonctl see them. */
struct bz_outbox_item {
	int64_t		 id;
	char		*folio;		/* may be NULL */
	char		*kind;		/* "acuse" */
	char		*recipient;
	struct bz_buf	 message;	/* empty in listings */
	size_t		 size;
	char		*status;	/* "pending" | "sent" | "failed" */
	int		 attempts;
	int64_t		 next_attempt_utc;
	char		*last_error;	/* may be NULL */
	int64_t		 created_utc;
	int64_t		 sent_utc;	/* 0 when not sent */
};

void	bz_outbox_items_free(struct bz_outbox_item *items, size_t n);

/* Queue one mail outside a submission (e.g. `receipt resend`), with an
 * "outbox-queued" event. Call bz_outbox_wake() afterwards in the daemon. */
enum bz_store_status bz_store_outbox_enqueue(struct bz_store *st, const char *folio,
	    const char *kind, const char *recipient, const void *msg, size_t len,
	    int64_t now);
/* Pending rows with next_attempt_utc <= now, oldest first, at most max. */
enum bz_store_status bz_store_outbox_due(struct bz_store *st, int64_t now,
	    size_t max, struct bz_outbox_item **items, size_t *n);
/* Earliest next_attempt_utc of a pending row; NOTFOUND when none. */
enum bz_store_status bz_store_outbox_next_due(struct bz_store *st, int64_t *when);
/* Listing without message bytes; status NULL = all. */
enum bz_store_status bz_store_outbox_list(struct bz_store *st, const char *status,
	    struct bz_outbox_item **items, size_t *n);
/* Sent (exit status 0): row sent, submission acuse_status "sent", event. */
enum bz_store_status bz_store_outbox_mark_sent(struct bz_store *st, int64_t id,
	    int64_t now);
/* Failed attempt: attempts+1, retry at next_attempt_utc, or give up. */
enum bz_store_status bz_store_outbox_mark_failed(struct bz_store *st, int64_t id,
	    int64_t now, int64_t next_attempt_utc, const char *error, int give_up);
/* The outcomes of several attempts in one transaction (the worker's pass):
 * all saved (OK) or none (TEMPFAIL). */
struct bz_outbox_mark {
	int64_t		 id;
	int		 sent;			/* else a failed attempt: */
	int64_t		 next_attempt_utc;
	const char	*error;
	int		 give_up;
};
enum bz_store_status bz_store_outbox_mark_all(struct bz_store *st,
	    const struct bz_outbox_mark *marks, size_t n, int64_t now);

struct bz_store_stats {
	int64_t		 submissions;
	int64_t		 repeats;		/* repeat events */
	int64_t		 events;
	int64_t		 outbox_pending, outbox_sent, outbox_failed;
	int		 last_year;		/* 0 when no folio yet */
	int64_t		 last_seq;		/* counter of last_year */
};

enum bz_store_status bz_store_stats(struct bz_store *st, struct bz_store_stats *s);

/* Format a folio; year 1000..9999, seq 1..99999999 (else bz_panic). */
void	bz_folio_format(int year, int64_t seq, char out[BZ_FOLIO_LEN]);
/* Parse "BZ-YYYY-NNNNNNNN"; 0 and fields set, -1 when malformed. */
int	bz_folio_parse(const char *s, int *year, int64_t *seq);

#endif
