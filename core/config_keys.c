/*
 * config_keys - the table of every configuration key
 *
 * One row per key: name, type, default, flags, choices, description, and
 * for integers the accepted range (refused outside it at parse time). The
 * parser, `buzonctl config --defaults` and the man page buzon-milter.conf(5)
 * all read this table, so documentation cannot drift from the code.
 * Add new keys here, keeping related keys together.
 */
#include "build-aux/config.h"

#include <stddef.h>

#include "buzon/config.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/local/share/buzon-milter"
#endif

/* Rows list name, type, default, flags, choices and description in order;
 * integer rows add their range with .min/.max designators. The other rows
 * leave min and max zero on purpose, which -Wextra would flag. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const struct bz_cfg_key bz_config_keys[] = {
	/* The daemon */
	{ "Socket", BZ_CFG_SOCKET, NULL, BZ_CFG_REQUIRED, NULL,
	  "Where the milter listens: unix:/path (or local:/path) for a Unix socket, "
	  "inet:port@host or inet6:port@host for TCP. A Unix socket is faster." },
	{ "UserID", BZ_CFG_STRING, NULL, 0, NULL,
	  "User (optionally user:group) to run as after creating the socket. "
	  "Required when started as root: the daemon never serves mail as root." },
	{ "UMask", BZ_CFG_OCTAL, "007", 0, NULL,
	  "File mode mask applied when creating the socket and files; the MTA's "
	  "user must be able to connect to the socket." },
	{ "PidFile", BZ_CFG_PATH, NULL, 0, NULL,
	  "File to write the daemon's process id to." },
	{ "TestMode", BZ_CFG_BOOL, "no", 0, NULL,
	  "Trust the test hierarchy instead of SAT production pins and allow "
	  "TestClock. Never enable in production." },
	{ "TestClock", BZ_CFG_INSTANT, NULL, 0, NULL,
	  "Fixed arrival instant (ISO-8601, e.g. 2026-06-01T12:00:00Z) used for "
	  "certificate validation and timestamps instead of the clock. Refused "
	  "unless TestMode is yes: it keeps end-to-end tests valid after the test "
	  "certificates expire." },

	/* Trust in the signer: SAT e.firma (module efirma) */
	{ "TrustAnchors", BZ_CFG_PATH, NULL, 0, NULL,
	  "PEM file of the root certificates a signer's chain must end in (Banxico "
	  "ARC5/ARC6). Without TestMode each must match a compiled-in SHA-256 pin, "
	  "or start-up fails. Required to verify submissions: while it (or "
	  "IssuingCAs) is unset, every message for the mailbox is deferred with "
	  "451 4.3.5 BZ-UNCONFIGURED (other mail flows)." },
	{ "IssuingCAs", BZ_CFG_PATH, NULL, 0, NULL,
	  "PEM file of the SAT issuing CAs (AC5, AC6, AC7). The certificate right "
	  "above the signer's must be one of them, compared by SHA-256 fingerprint. "
	  "Without TestMode each must match a compiled-in pin or start-up fails; "
	  "with TestMode yes the CAs in this file are the pins." },
	{ "Revocation", BZ_CFG_ENUM, "none", 0, "none|crl|ocsp",
	  "How revocation of the signer's certificate is checked: none, crl (the "
	  "CRLs in CRLDirectory, read at start-up and on reload) or ocsp (ask "
	  "OCSPResponder for every submission). Production should use ocsp; "
	  "with none (and TestMode no) the daemon warns at start-up and in -t: "
	  "a revoked e.firma would be accepted." },
	{ "RevocationFailure", BZ_CFG_ENUM, "tempfail", 0, "tempfail|accept",
	  "When the revocation status cannot be obtained (responder down, stale "
	  "CRL, unverifiable answer): tempfail answers 451 4.7.0 "
	  "BZ-REVOCATION-UNAVAILABLE and the sender retries (nothing is lost); "
	  "accept accepts and logs a warning." },
	{ "OCSPResponder", BZ_CFG_URL, "https://cfdi.sat.gob.mx/edofiel", 0, NULL,
	  "OCSP responder asked with Revocation ocsp (HTTP POST). Its answers must "
	  "be signed by the signer's issuing CA or a responder it delegated." },
	{ "OCSPTimeout", BZ_CFG_INT, "10", 0, NULL,
	  "Seconds an OCSP query may take before the status counts as "
	  "unavailable (see RevocationFailure).", .min = 1, .max = 300 },
	{ "OCSPMaxAge", BZ_CFG_INT, "86400", 0, NULL,
	  "Seconds an OCSP answer without nextUpdate (a responder that promises "
	  "no next update) is believed after its thisUpdate; older ones count as "
	  "unavailable, so a captured good answer cannot be replayed for ever. "
	  "Answers with nextUpdate are believed until it.",
	  .min = 60, .max = 2592000 },
	{ "OCSPNonce", BZ_CFG_ENUM, "prefer", 0, "require|prefer|off",
	  "The nonce sent with each OCSP query: require refuses an answer that "
	  "drops it (status unavailable, see RevocationFailure); prefer accepts "
	  "such an answer (SAT's responder may not echo nonces) and relies on "
	  "the freshness limits against replay; off sends none, for responders "
	  "that only serve pre-produced answers. A nonce that comes back "
	  "different is always refused." },
	{ "CRLDirectory", BZ_CFG_PATH, NULL, 0, NULL,
	  "Directory of CRL files (PEM or DER, every non-hidden file must be one) "
	  "used with Revocation crl. Reload the daemon after refreshing them." },

	/* Which mail is ours */
	{ "MailboxAddress", BZ_CFG_ADDRESS, NULL, BZ_CFG_REQUIRED | BZ_CFG_MULTI, NULL,
	  "The mailbox address (repeat the key for several). A message is ours when "
	  "any envelope recipient equals one of them, compared case-insensitively, "
	  "with or without a RecipientDelimiter extension. The milter sees the "
	  "recipient as the client gave it, before the MTA's aliasing: list every "
	  "address that the MTA rewrites to the mailbox (virtual_alias_maps, "
	  "aliases, canonical maps) as a MailboxAddress too. Other mail is "
	  "delivered without reading its body, but with its incoming X-Buzon-* "
	  "headers removed." },
	{ "RecipientDelimiter", BZ_CFG_DELIMITERS, "+", BZ_CFG_EMPTY, NULL,
	  "The characters that separate an address from its extension, as "
	  "Postfix's recipient_delimiter: local+anything@domain of a "
	  "MailboxAddress is the mailbox too, as a recipient (verified like the "
	  "mailbox) and as a sender (never answered). Several characters: any of "
	  "them. The key with no value: no extensions. Keep it at least as wide "
	  "as the MTA's setting." },
	{ "MaxMessageSize", BZ_CFG_SIZE, "25M", 0, NULL,
	  "Largest message accepted for the mailbox; bigger ones are rejected with "
	  "552 5.3.4 BZ-MSG-TOO-LARGE." },
	{ "SpoolMemoryLimit", BZ_CFG_SIZE, "256K", 0, NULL,
	  "A message is held in memory up to this size, then moved to a temporary "
	  "file in SpoolDirectory." },
	{ "MaxMimeDepth", BZ_CFG_INT, "20", 0, NULL,
	  "Deepest nesting of multipart and message parts read when looking for "
	  "the signature, 1 to 100; deeper messages are rejected with "
	  "BZ-MSG-TOO-DEEP.", .min = 1, .max = 100 },
	{ "MaxMimeParts", BZ_CFG_INT, "500", 0, NULL,
	  "Most MIME entities read in one message, at least 1; more are rejected with "
	  "BZ-MSG-TOO-MANY-PARTS.", .min = 1, .max = 1000000 },
	{ "MaxCmsCertificates", BZ_CFG_INT, "16", 0, NULL,
	  "Most certificates the signature (CMS) of a message may carry, 1 to 1000; "
	  "more are rejected with BZ-SIG-TOO-MANY-CERTS before any is looked at "
	  "(an e.firma signature needs the signer's and at most its chain).",
	  .min = 1, .max = 1000 },
	{ "MaxConcurrentVerifications", BZ_CFG_INT, "4", 0, NULL,
	  "Most messages verified at the same time, 1 to 1000; a message arriving "
	  "while all are busy waits for its turn (it is not refused). Bounds the "
	  "memory and CPU the milter uses under a burst of large submissions.",
	  .min = 1, .max = 1000 },

	/* Storage */
	{ "Database", BZ_CFG_PATH, "/var/lib/buzon-milter/buzon.db", 0, NULL,
	  "SQLite database holding submissions, folios, events and the outbox. "
	  "Opened at start-up after the privilege drop, so its files belong to "
	  "UserID; a change takes effect only after a restart." },
	{ "SpoolDirectory", BZ_CFG_PATH, "/var/spool/buzon-milter", 0, NULL,
	  "Directory for temporary message spools and the content-addressed store "
	  "of received messages." },
	{ "DatabaseBusyTimeout", BZ_CFG_INT, "5000", 0, NULL,
	  "Milliseconds a writer waits for the database lock before giving up; "
	  "the message then gets 451 4.3.0 and the sender's MTA retries. Longer "
	  "than the MTA's milter timeout (Postfix: 300 s) gains nothing.",
	  .min = 0, .max = 300000 },

	/* The outbox: acuses handed to the MTA */
	{ "SendmailCommand", BZ_CFG_ARGV, "/usr/sbin/sendmail", 0, NULL,
	  "Command (run without a shell) that hands a generated mail to the MTA; "
	  "the outbox appends -i -f <> -- RECIPIENT and writes the message on its "
	  "standard input. Exit status 0 means accepted. For a Postfix with its "
	  "own configuration directory: /usr/sbin/sendmail -C DIR." },
	/* Registration of the employer's mailbox (issue 9) */
	{ "SmsCommand", BZ_CFG_ARGV, NULL, 0, NULL,
	  "Command (run without a shell) that sends the 6-digit mobile code of a "
	  "REGISTRO: the mobile number (+52 and 10 digits) is appended as the last "
	  "argument and the text, with a line \"Codigo: NNNNNN\", is written on "
	  "its standard input; its output is discarded. Exit status 0 means sent; "
	  "failures are retried like the outbox (OutboxRetryInterval, "
	  "OutboxRetryMaxInterval, OutboxMaxAttempts, OutboxTimeout). Unset: codes "
	  "stay queued and no mobile can be confirmed." },
	{ "ConsentText", BZ_CFG_PATH, PKGDATADIR "/conformidad.txt", 0, NULL,
	  "The consent text the Institute publishes (contrib/conformidad.txt). A "
	  "CONFORMIDAD must carry \"Acepto: \" and the SHA-256 of this file's "
	  "bytes; the validation notices quote it whole with its hash." },
	{ "RequireEnabledMailbox", BZ_CFG_BOOL, "yes", 0, NULL,
	  "A promocion signed for an RFC without an enabled mailbox (REGISTRO, "
	  "CONFIRMACION of its contact means, CONFORMIDAD) is refused with "
	  "550 5.7.1 BZ-REG-MAILBOX-NOT-ENABLED, whose text says how to register. "
	  "no files promociones from any valid e.firma (the registration steps "
	  "work either way)." },
	{ "OutboxMaxAttempts", BZ_CFG_INT, "30", 0, NULL,
	  "Attempts to hand a mail to the MTA before giving up on it (logged as "
	  "an error and recorded as an outbox-gave-up event).",
	  .min = 1, .max = 1000 },
	{ "OutboxRetryInterval", BZ_CFG_INT, "60", 0, NULL,
	  "Seconds before the first retry after a failed attempt; each further "
	  "failure doubles it, up to OutboxRetryMaxInterval.",
	  .min = 1, .max = 86400 },
	{ "OutboxRetryMaxInterval", BZ_CFG_INT, "3600", 0, NULL,
	  "Longest wait in seconds between two attempts.",
	  .min = 1, .max = 604800 },
	{ "OutboxTimeout", BZ_CFG_INT, "120", 0, NULL,
	  "Seconds SendmailCommand may run before it is killed and the attempt "
	  "counts as failed.", .min = 1, .max = 3600 },
	{ "RepeatResendInterval", BZ_CFG_INT, "3600", 0, NULL,
	  "Seconds during which a repeat (the same signed content from the same "
	  "signer again) does not queue its acuse again. A repeat is always "
	  "recorded (a repeat event in the log) and accepted with the original "
	  "folio in its X-Buzon-* headers; the original acuse is queued again "
	  "to its original recipients (the certificate's address when loop "
	  "safety withheld the filing's acuse; none when it withholds the "
	  "repeat's) only when at least this long has passed "
	  "since the last acuse queued for that folio (its filing, an earlier "
	  "repeat or buzonctl receipt resend); otherwise the event says "
	  "\"reply\": false, \"reason\": \"rate limited\". Anyone holding a "
	  "copy of a submission can replay it: this keeps the replays from "
	  "flooding the employer with acuses. 0 queues the acuse again for "
	  "every repeat.", .min = 0, .max = 2592000 },

	/* The acuse: the institution's signature (DESIGN.md section 5) */
	{ "InstitutionCertificate", BZ_CFG_PATH, NULL, 0, NULL,
	  "PEM certificate of the institution that signs every acuse (S/MIME "
	  "signature of the reply and sello of the cadena original). Required "
	  "to send acuses: while it (or InstitutionKey) is unset, valid "
	  "submissions that must be answered are deferred with 451 4.3.5 "
	  "BZ-UNCONFIGURED." },
	{ "InstitutionKey", BZ_CFG_PATH, NULL, 0, NULL,
	  "Unencrypted PEM private key (RSA) of InstitutionCertificate, kept 0600. "
	  "Read at start-up (as root) and again on every reload, which runs as "
	  "UserID: make it readable by UserID (e.g. owned by it), or reloads are "
	  "refused and the old key stays in use." },
	{ "InstitutionChain", BZ_CFG_PATH, NULL, 0, NULL,
	  "PEM file of intermediate certificates to include in the acuse's S/MIME "
	  "signature, if InstitutionCertificate is not issued by the root directly." },
	{ "InstitutionCA", BZ_CFG_PATH, NULL, 0, NULL,
	  "PEM file of the CA certificate(s) that acuses are checked against by "
	  "`buzonctl receipt verify` (the root of InstitutionCertificate)." },
	{ "AcuseSchema", BZ_CFG_PATH, PKGDATADIR "/acuse-v1.xsd", 0, NULL,
	  "XML schema (XSD) of the acuse, used by `buzonctl receipt verify`." },

	/* The legal calendar (DESIGN.md section 4) */
	{ "CalendarFile", BZ_CFG_PATH, NULL, BZ_CFG_MULTI, NULL,
	  "Institution calendar file with the IMSS non-working days, suspensions "
	  "and habil days published in the DOF (repeat the key for one file per "
	  "year; read in order). Its SHA-256 is the calendar version recorded "
	  "with every legal instant. Without it only weekends and statutory rest "
	  "days count." },
	{ "LegalBasis", BZ_CFG_ENUM, "lft", 0, "lft|lft+cff",
	  "Statutory rest days: lft (Ley Federal del Trabajo art. 74) or lft+cff "
	  "(also 5 May, Codigo Fiscal art. 12). Recorded with every filing and "
	  "named in its acuse, which is verified with the basis it names." },
	{ "SubmissionFirstHour", BZ_CFG_HHMM, "00:00", 0, NULL,
	  "Local time (America/Mexico_City) at which a submission that arrived on "
	  "a non-working day is legally received on the next working day. "
	  "Recorded with every filing and named in its acuse, like LegalBasis." },

	/* Logging */
	{ "LogLevel", BZ_CFG_ENUM, "info", 0, "error|warning|notice|info|debug",
	  "Lowest level logged. Personal data (RFC, CURP, addresses) is logged "
	  "only at debug." },
	{ "Syslog", BZ_CFG_BOOL, "yes", 0, NULL,
	  "Log to syslog; with no, log to standard error." },
	{ "SyslogFacility", BZ_CFG_ENUM, "mail", 0,
	  "mail|daemon|user|local0|local1|local2|local3|local4|local5|local6|local7",
	  "Syslog facility." },
};
#pragma GCC diagnostic pop

const size_t bz_config_nkeys = sizeof(bz_config_keys) / sizeof(bz_config_keys[0]);
