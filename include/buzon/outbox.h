/*
 * outbox - durable hand-off of generated mail (acuses) to the MTA
 *
 * Mail is queued in the store's outbox table in the same transaction as
 * the record it answers (bz_store_record_submission). A worker thread in
 * the daemon, with its own database connection, picks due rows and hands
 * each to the MTA through the OutboxTransport:
 *   smtp (the default): over one persistent SMTP session to
 *     SubmissionServer (core/outbox_smtp.c), MAIL FROM:<>, RCPT TO the
 *     row's recipient, DATA; several rows per connection;
 *   sendmail: `SendmailCommand` once per row, without a shell:
 *     ARGV... -i -f <> -- RECIPIENT     (message on standard input).
 * A row is marked sent only after the MTA accepted it (250 after the
 * final dot; exit status 0). Anything else (no connection, a 4xx/5xx
 * reply, non-zero status, a signal, the OutboxTimeout, the command
 * missing) is a failed attempt: retried after OutboxRetryInterval seconds, doubling per
 * failure up to OutboxRetryMaxInterval, until OutboxMaxAttempts, when the
 * row is marked failed (error log + "outbox-gave-up" event). The state is
 * in the database, so retries survive restarts. The outcomes of one pass
 * (at most 16 rows) are saved together in one transaction. Delivery is at
 * least once: a crash between the MTA's acceptance and that save sends
 * those acuses again after restart.
 *
 * The worker never holds a database transaction while sendmail runs, so
 * milter threads are never blocked by a slow MTA.
 *
 * Daemon life cycle (after the privilege drop, before smfi_main):
 *     bz_outbox_opts_from_config(cfg, &opts);
 *     ob = bz_outbox_start(&opts, &err);       NULL: fatal at start-up
 *     ... after each committed record with out.queued > 0: bz_outbox_wake(ob);
 *     at shutdown, after smfi_main returns: bz_outbox_stop(ob);
 *     bz_outbox_opts_free(&opts);
 * bz_outbox_stop waits for a hand-off in progress (at most OutboxTimeout
 * seconds) and closes the SMTP session.
 */
#ifndef BUZON_OUTBOX_H
#define BUZON_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "buzon/buf.h"

struct bz_config;
struct bz_store;

/* OutboxTransport; zeroed opts (tools, tests) mean sendmail */
enum bz_outbox_transport {
	BZ_OUTBOX_SENDMAIL = 0,
	BZ_OUTBOX_SMTP
};

struct bz_outbox_opts {
	char		*db_path;
	int		 busy_timeout_ms;
	enum bz_outbox_transport transport;
	char		*server;		/* SubmissionServer (smtp) */
	char		**sendmail_argv;	/* NULL-terminated (sendmail) */
	int		 max_attempts;
	int		 retry_interval;	/* seconds before the first retry */
	int		 retry_max_interval;
	int		 timeout;		/* seconds one hand-off may take */
	/*
	 * Called by the outbox's signer thread, with a connection of its
	 * own, whenever bz_outbox_wake() is called (and every 30 s): signs
	 * the acuses sealed at their commit and not signed yet
	 * (bz_submission_sign_pending in the daemon); when it signed some it
	 * is called again and the worker is woken. Returns how many it
	 * signed, -1 on a database error. NULL: no signer thread.
	 */
	int		(*sign_pending)(struct bz_store *st, int64_t now);
};

/* Fill opts from the configuration (allocates); free with bz_outbox_opts_free. */
void	bz_outbox_opts_from_config(const struct bz_config *cfg,
	    struct bz_outbox_opts *opts);
void	bz_outbox_opts_free(struct bz_outbox_opts *opts);

struct bz_outbox;

/* Open the worker's connection and start the thread; NULL and err on failure. */
struct bz_outbox *bz_outbox_start(const struct bz_outbox_opts *opts,
	    struct bz_buf *err);
/* Something was queued: look now instead of at the next timer. */
void	bz_outbox_wake(struct bz_outbox *ob);
/* Finish the current attempt, stop the thread, close (NULL is fine). */
void	bz_outbox_stop(struct bz_outbox *ob);

/* What one pass did. */
struct bz_outbox_pass {
	size_t	 sent;
	size_t	 retried;
	size_t	 gave_up;
};

/*
 * One synchronous pass over the rows due at `now` (the worker's body;
 * also for tests and tools). 0, or -1 when the database failed (retry).
 */
int	bz_outbox_run_once(struct bz_store *st, const struct bz_outbox_opts *opts,
	    int64_t now, struct bz_outbox_pass *pass);

/* Seconds to wait after the n-th failed attempt (n >= 1). */
int64_t	bz_outbox_backoff(const struct bz_outbox_opts *opts, int n);

/*
 * Run argv + "-i -f <> -- rcpt" with msg on standard input. Returns the
 * exit status (0..255), or -1 when it could not run, died from a signal
 * or timed out; diag gets a one-line explanation with the start of the
 * command's output.
 */
int	bz_outbox_sendmail(char *const *argv, const char *rcpt, const void *msg,
	    size_t len, int timeout, struct bz_buf *diag);

/*
 * The SMTP transport (core/outbox_smtp.c): one client session kept across
 * messages. bz_outbox_smtp_url checks a SubmissionServer value
 * (inet:PORT@HOST, inet6:PORT@HOST) and returns its smtp:// URL
 * (allocated; NULL and err when malformed). bz_outbox_smtp_send returns 0
 * when the MTA accepted the message for rcpt from the null sender, -1 with
 * a one-line diag otherwise; a connection the MTA closed meanwhile is
 * reopened once, transparently.
 */
struct bz_outbox_smtp;
char	*bz_outbox_smtp_url(const char *server, struct bz_buf *err);
struct bz_outbox_smtp *bz_outbox_smtp_new(const char *server, int timeout,
	    struct bz_buf *err);
int	bz_outbox_smtp_send(struct bz_outbox_smtp *s, const char *rcpt,
	    const void *msg, size_t len, struct bz_buf *diag);
void	bz_outbox_smtp_free(struct bz_outbox_smtp *s);

/*
 * Loop safety (RFC 3834 sections 2 and 3.1.8): what the message's own
 * header says about answering it. Every instance of a field counts, not
 * only the first: a message with "Auto-Submitted: no" and then
 * "Auto-Submitted: auto-replied" is automatic.
 */
struct bz_loop_headers {
	int	auto_submitted;	/* an Auto-Submitted whose keyword is not "no" */
	int	precedence;	/* Precedence: bulk, junk or list */
	int	list;		/* List-Id or List-Post: it came through a list */
};

/* Note one header field (name without the colon, value unfolded or not). */
void	bz_loop_headers_note(struct bz_loop_headers *h, const char *name,
	    const char *value);
/* Zero h, then note every field of the top-level header of a raw message
 * (LF or CRLF lines, folded or not; the header ends at the first empty
 * line). */
void	bz_loop_headers_scan(struct bz_loop_headers *h, const void *msg,
	    size_t len);

/*
 * Why an automatic reply (the acuse) must not be sent, as a short static
 * English text for the log; NULL when it may be sent. Not answered: the
 * null sender (""/"<>"), a MAILER-DAEMON sender, a sender that is one of
 * our mailboxes in any spelling the MTA delivers to it, a delimiter
 * extension included (bz_address_is_mailbox with delimiters, NULL or ""
 * for none), and a message whose header (h, NULL for none) is automatic
 * or came through a mailing list.
 */
const char *bz_outbox_loop_reason(const char *envelope_from,
	    const char *const *mailboxes, size_t n_mailboxes,
	    const char *delimiters, const struct bz_loop_headers *h);

/*
 * bz_outbox_loop_reason() as a yes/no, without delimiters, with only the
 * value of one Auto-Submitted field (NULL when absent): 1 when an
 * automatic reply may be sent, 0 when not.
 */
int	bz_outbox_should_reply(const char *envelope_from,
	    const char *const *mailboxes, size_t n_mailboxes,
	    const char *auto_submitted);

#endif
