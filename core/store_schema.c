/*
 * store_schema - the database schema and its forward migrations
 *
 * migrations[i] takes a database from schema version i to i + 1. A new
 * schema change is a new row at the end: never edit a shipped row, since
 * databases in the field already ran it. Each step and the user_version
 * bump run in one transaction, so a crash leaves either version.
 *
 * Version 1: folio counter, submissions, parts, events (+ append-only
 *            triggers).
 * Version 2: the outbox and submissions.acuse_status.
 * Version 3: submissions.legal_basis and submissions.first_hour, the rest
 *            of the rule set of the legal instant (LegalBasis,
 *            SubmissionFirstHour). Rows filed before stay NULL: the
 *            configuration of that time is not known, and guessing it
 *            would put words in an old acuse's mouth.
 * Version 4: submissions.signer_email (where the acuse goes: the address
 *            in the signer's certificate), submissions.acuse (the acuse
 *            mail exactly as sealed and signed, kept so `receipt show`
 *            and `receipt resend` never seal again) and
 *            submissions.institution_no_certificado (the institution
 *            certificate the cadena names, so `store verify-chain` can
 *            recompute the cadena from the row). NULL on older rows.
 * Version 5: registrations and registration_addresses (issue 9: contact
 *            means, their confirmation, consent, the enabled mailbox).
 *            Tokens and codes are kept only as SHA-256 hashes; the
 *            sms_queue row holds the SMS text (with the code) until it
 *            is sent or given up, then it is wiped. submissions.event:
 *            the acuse's event of a registration step (NULL: promocion).
 * Version 6: the 72 hours run from each hand-off (issue 9):
 *            registration_addresses.notice_outbox_id (the outbox row of
 *            the address's validation notice) and notice_sent_utc (its
 *            hand-off, NULL: clock not started), registrations.
 *            mobile_sent_utc (SmsCommand exit 0); an index on
 *            registration_addresses.address for the per-address bound of
 *            RegistrationMaxNoticesPerAddress. Rows from before start
 *            their clocks at their REGISTRO (what version 5 counted).
 * Version 7: notifications from the Institute (issue 10):
 *            notification_counter (the NT- folios' own counter, per
 *            year), notifications (one per accepted notification: the
 *            employer, the department, the aviso's planned release and
 *            its actual hand-off, the opening window, and the columns
 *            the opening and the deemed step fill later). See
 *            NOTIFY-API.md and include/buzon/notification.h.
 * Version 8: acuse_pending (issue 12): an acuse sealed at its filing's
 *            commit (folio, cadena and the digest of this row in the
 *            "submission" event) but signed afterwards, off the
 *            end-of-message path, by the outbox's signer thread
 *            (core/receipt_pending.c). The row holds what the signed
 *            mail needs beyond the record (From, To, Date, the text
 *            appendix, the recipients); it is deleted in the transaction
 *            that keeps the signed acuse and queues it, so an acuse is
 *            signed and queued exactly once, also across a crash.
 * Version 9: submissions.notification_folio (issue 10 part B): the
 *            notification a promocion answers, named by its record and
 *            its acuse (so verify-chain's recomputed cadena covers it).
 * Version 10: notifications.acuse_due: the opening marks its acuse de
 *            notificacion due; the notification worker renders, signs
 *            and queues it and clears the mark in one transaction
 *            (core/notification_due.c). Not in the row digest.
 * Version 11: several hosts on one PostgreSQL database (issue 15).
 *            outbox.claimed_by and sms_queue.claimed_by: the server
 *            process (pg_backend_pid) of the worker that took a due row
 *            and is handing it over, claimed_utc when; another host's
 *            worker leaves it alone while that process lives, and takes
 *            it over once its connection is gone (the host died) and a
 *            grace period passed (STORE_CLAIMABLE_PG). Always NULL on SQLite
 *            (one host, one worker). spool_messages: the bytes of each
 *            received message, by SHA-256 in 1 MiB rows, where the store is shared
 *            and a spool directory would not be (core/spool.c).
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <stdlib.h>

#include "buzon/buf.h"
#include "buzon/db.h"
#include "buzon/store.h"
#include "store_int.h"

/*
 * One step: common runs on both backends (SQLite's DDL; core/db_pg.c
 * translates the types, bz_db_ddl), then the backend's own part, for what
 * only differs in spelling: SQLite's triggers and GLOB, PostgreSQL's
 * trigger functions and regular expressions.
 */
struct migration {
	const char	*common;
	const char	*sqlite;
	const char	*pg;
};

static const struct migration migrations[] = {
	/* 0 -> 1 */
	{ "CREATE TABLE folio_counter ("
	"  year INTEGER PRIMARY KEY,"
	"  last INTEGER NOT NULL);"
	"CREATE TABLE submissions ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  folio TEXT NOT NULL UNIQUE,"
	"  year INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  qid TEXT,"
	"  arrival_utc INTEGER NOT NULL,"
	"  legal_utc INTEGER NOT NULL,"
	"  legal_rule TEXT NOT NULL,"
	"  calendar_version TEXT NOT NULL,"
	"  signer_rfc TEXT,"
	"  signer_rfc_representante TEXT,"
	"  signer_curp TEXT,"
	"  signer_curp_representante TEXT,"
	"  signer_name TEXT,"
	"  signer_moral INTEGER NOT NULL DEFAULT 0,"
	"  signer_no_certificado TEXT,"
	"  signer_serial_hex TEXT,"
	"  signer_cert_sha256 TEXT,"
	"  signer_not_before INTEGER,"
	"  signer_not_after INTEGER,"
	"  integrity TEXT NOT NULL,"
	"  trust TEXT NOT NULL,"
	"  identity TEXT NOT NULL,"
	"  verdict TEXT NOT NULL,"
	"  reasons TEXT NOT NULL DEFAULT '',"
	"  message_sha256 TEXT NOT NULL,"
	"  signed_sha256 TEXT NOT NULL,"
	"  message_id TEXT,"
	"  subject TEXT,"
	"  env_from TEXT NOT NULL,"
	"  env_rcpts TEXT NOT NULL,"
	"  spool_path TEXT,"
	"  created_utc INTEGER NOT NULL,"
	"  UNIQUE (year, seq));"
	/* Repeat detection; NULL certificates never collide. */
	"CREATE UNIQUE INDEX submissions_repeat"
	"  ON submissions (signed_sha256, signer_cert_sha256);"
	"CREATE INDEX submissions_rfc ON submissions (signer_rfc);"
	"CREATE INDEX submissions_legal ON submissions (legal_utc);"
	"CREATE TABLE parts ("
	"  folio TEXT NOT NULL REFERENCES submissions (folio),"
	"  idx INTEGER NOT NULL,"
	"  name TEXT,"
	"  content_type TEXT,"
	"  size INTEGER NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  PRIMARY KEY (folio, idx));"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  at_utc INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  folio TEXT,"
	"  detail TEXT NOT NULL,"
	"  prev_hash TEXT NOT NULL,"
	"  hash TEXT NOT NULL);"
	"CREATE INDEX events_folio ON events (folio);",
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;",
	"CREATE FUNCTION buzon_events_append_only() RETURNS trigger"
	"  LANGUAGE plpgsql AS $$ BEGIN"
	"  RAISE EXCEPTION 'events are append-only'; END $$;"
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
	"  FOR EACH ROW EXECUTE FUNCTION buzon_events_append_only();"
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
	"  FOR EACH ROW EXECUTE FUNCTION buzon_events_append_only();"
	/* TRUNCATE skips row triggers. */
	"CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events"
	"  FOR EACH STATEMENT EXECUTE FUNCTION buzon_events_append_only();" },

	/* 1 -> 2 */
	{ "ALTER TABLE submissions ADD COLUMN"
	"  acuse_status TEXT NOT NULL DEFAULT 'none';"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  folio TEXT REFERENCES submissions (folio),"
	"  kind TEXT NOT NULL DEFAULT 'acuse',"
	"  repeat_of INTEGER REFERENCES outbox (id),"
	"  recipient TEXT NOT NULL,"
	"  message BLOB NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (status IN ('pending', 'sent', 'failed')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_utc INTEGER NOT NULL,"
	"  last_error TEXT,"
	"  created_utc INTEGER NOT NULL,"
	"  sent_utc INTEGER);"
	"CREATE INDEX outbox_due ON outbox (status, next_attempt_utc);"
	"CREATE INDEX outbox_folio ON outbox (folio);", NULL, NULL },

	/* 2 -> 3 */
	{ "ALTER TABLE submissions ADD COLUMN"
	"  legal_basis TEXT CHECK (legal_basis IN ('lft', 'lft+cff'));",
	"ALTER TABLE submissions ADD COLUMN"
	"  first_hour TEXT CHECK (first_hour GLOB '[01][0-9]:[0-5][0-9]'"
	"    OR first_hour GLOB '2[0-3]:[0-5][0-9]');",
	"ALTER TABLE submissions ADD COLUMN"
	"  first_hour TEXT CHECK (first_hour ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$');" },

	/* 3 -> 4 */
	{ "ALTER TABLE submissions ADD COLUMN signer_email TEXT;"
	"ALTER TABLE submissions ADD COLUMN acuse BLOB;"
	"ALTER TABLE submissions ADD COLUMN institution_no_certificado TEXT;", NULL, NULL },

	/* 4 -> 5 */
	{ "CREATE TABLE registrations ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  rfc TEXT NOT NULL,"
	"  rfc_representante TEXT,"
	"  state TEXT NOT NULL CHECK (state IN ('pending', 'confirmed',"
	"    'enabled', 'expired', 'replaced')),"
	"  folio TEXT REFERENCES submissions (folio),"
	"  signer_email TEXT,"
	"  mobile TEXT NOT NULL,"
	"  mobile_code_sha256 TEXT NOT NULL,"
	"  mobile_code_attempts INTEGER NOT NULL DEFAULT 0,"
	"  mobile_confirmed_utc INTEGER,"
	"  created_utc INTEGER NOT NULL,"
	"  expires_utc INTEGER NOT NULL,"
	"  consent_sha256 TEXT,"
	"  enabled_utc INTEGER,"
	/* ACTUALIZACION: the enabled registration this one will replace
	 * once its contact means are confirmed. */
	"  update_of INTEGER REFERENCES registrations (id));"
	"CREATE INDEX registrations_rfc ON registrations (rfc, state);"
	"CREATE TABLE registration_addresses ("
	"  registration_id INTEGER NOT NULL REFERENCES registrations (id),"
	"  idx INTEGER NOT NULL,"
	"  address TEXT NOT NULL,"
	"  token_sha256 TEXT NOT NULL UNIQUE,"
	"  token_used_utc INTEGER,"
	"  confirmed_utc INTEGER,"
	"  dropped INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (registration_id, idx));"
	"CREATE TABLE sms_queue ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  registration_id INTEGER NOT NULL REFERENCES registrations (id),"
	"  number TEXT NOT NULL,"
	"  message BLOB NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (status IN ('pending', 'sent', 'failed')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_utc INTEGER NOT NULL,"
	"  last_error TEXT,"
	"  created_utc INTEGER NOT NULL,"
	"  sent_utc INTEGER);"
	"CREATE INDEX sms_queue_due ON sms_queue (status, next_attempt_utc);"
	/* The acuse's event of a registration step ("registro", ...); NULL:
	 * a promocion. verify-chain recomputes the cadena with it. */
	"ALTER TABLE submissions ADD COLUMN event TEXT;", NULL, NULL },

	/* 5 -> 6 */
	{ "ALTER TABLE registration_addresses ADD COLUMN notice_outbox_id INTEGER;"
	"ALTER TABLE registration_addresses ADD COLUMN notice_sent_utc INTEGER;"
	"ALTER TABLE registrations ADD COLUMN mobile_sent_utc INTEGER;"
	"CREATE INDEX registration_addresses_address ON registration_addresses "
	"  (address);"
	"CREATE INDEX registration_addresses_notice ON registration_addresses "
	"  (notice_outbox_id);"
	/* Registrations from before: their clocks started at the REGISTRO,
	 * as schema 5 counted them. */
	"UPDATE registration_addresses SET notice_sent_utc = (SELECT "
	"  created_utc FROM registrations r WHERE r.id = registration_id);"
	"UPDATE registrations SET mobile_sent_utc = created_utc;", NULL, NULL },

	/* 6 -> 7 */
	{ "CREATE TABLE notification_counter ("
	"  year INTEGER PRIMARY KEY,"
	"  last INTEGER NOT NULL);"
	"CREATE TABLE notifications ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  folio TEXT NOT NULL UNIQUE,"		/* NT-YYYY-NNNNNNNN */
	"  year INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL,"
	/* The department's signed message, filed like a promocion: its
	 * spool copy, parts, event and acuse de envio. */
	"  submission_folio TEXT NOT NULL REFERENCES submissions (folio),"
	"  rfc TEXT NOT NULL,"			/* the employer notified */
	"  subject TEXT NOT NULL,"
	"  official_rfc TEXT NOT NULL,"		/* the signer, in OfficialsFile */
	"  department_address TEXT NOT NULL,"
	"  department_name TEXT NOT NULL,"
	"  reply_to TEXT,"			/* Responder-a:, NULL: department */
	"  state TEXT NOT NULL DEFAULT 'sent'"
	"    CHECK (state IN ('sent', 'opened', 'deemed')),"
	"  created_utc INTEGER NOT NULL,"	/* accepted (notification clock) */
	"  aviso_message_id TEXT NOT NULL UNIQUE,"
	"  aviso_planned_utc INTEGER NOT NULL,"	/* first window instant >= created */
	"  aviso_queued_utc INTEGER,"		/* avisos rendered into the outbox */
	"  aviso_released_utc INTEGER,"		/* first aviso handed to the MTA */
	"  day1 TEXT NOT NULL,"			/* YYYY-MM-DD, from the planned */
	"  day2 TEXT NOT NULL,"			/* release */
	"  day3 TEXT NOT NULL,"
	"  deemed_date TEXT NOT NULL,"
	"  deemed_due_utc INTEGER NOT NULL,"	/* 09:30 of deemed_date */
	"  window_rule TEXT NOT NULL,"
	"  calendar_version TEXT NOT NULL,"
	/* Part B: opening, acuse de notificacion, deemed, constancia. */
	"  opened_utc INTEGER,"
	"  legal_utc INTEGER,"
	"  rule TEXT,"
	"  deemed_utc INTEGER,"
	"  acuse_folio TEXT,"
	"  constancia_folio TEXT,"
	"  UNIQUE (year, seq));"
	"CREATE INDEX notifications_rfc ON notifications (rfc, state);"
	"CREATE INDEX notifications_due ON notifications (state, deemed_due_utc);"
	"CREATE INDEX notifications_hold ON notifications (aviso_queued_utc, "
	"  aviso_planned_utc);", NULL, NULL },

	/* 7 -> 8 */
	{ "CREATE TABLE acuse_pending ("
	"  folio TEXT PRIMARY KEY REFERENCES submissions (folio),"
	"  mail_from TEXT NOT NULL,"
	"  mail_to TEXT,"
	"  date_utc INTEGER NOT NULL,"
	"  text_appendix TEXT,"
	/* one recipient a line; reply 0: kept, sent to no one */
	"  rcpts TEXT NOT NULL DEFAULT '',"
	"  reply INTEGER NOT NULL,"
	"  created_utc INTEGER NOT NULL);", NULL, NULL },

	/* 8 -> 9 */
	{ "ALTER TABLE submissions ADD COLUMN notification_folio TEXT;", NULL, NULL },

	/* 9 -> 10: the acuse de notificacion of an opening is rendered and
	 * queued by the notification worker (core/notification_due.c). */
	{ "ALTER TABLE notifications ADD COLUMN acuse_due INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX notifications_acuse_due ON notifications (acuse_due) "
	"  WHERE acuse_due = 1;", NULL, NULL },

	/* 10 -> 11: several hosts on one PostgreSQL database */
	{ "ALTER TABLE outbox ADD COLUMN claimed_by INTEGER;"
	"ALTER TABLE outbox ADD COLUMN claimed_utc INTEGER;"
	"ALTER TABLE sms_queue ADD COLUMN claimed_by INTEGER;"
	"ALTER TABLE sms_queue ADD COLUMN claimed_utc INTEGER;"
	/* in rows of at most 1 MiB, idx 0, 1, ... (core/store_message.c) */
	"CREATE TABLE spool_messages ("
	"  sha256 TEXT NOT NULL,"
	"  idx INTEGER NOT NULL,"
	"  bytes BLOB NOT NULL,"
	"  created_utc INTEGER NOT NULL,"
	"  PRIMARY KEY (sha256, idx));", NULL, NULL },
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

_Static_assert(NMIGRATIONS == BZ_STORE_SCHEMA_VERSION,
    "one migration per schema version");

/* store_schema_version - the database's schema version, -1 on error */
int
store_schema_version(struct bz_db *db)
{
	return bz_db_user_version(db);
}

/* run_part - one part of a step in this backend's dialect */
static int
run_part(struct bz_db *db, const char *sql)
{
	char *ddl;
	int r;

	if (sql == NULL)
		return 0;
	ddl = bz_db_ddl(db, sql);
	r = bz_db_exec(db, ddl);
	free(ddl);
	return r;
}

/* exec_step - run one migration and bump the version in one transaction */
static int
exec_step(struct bz_db *db, int from, struct bz_buf *err)
{
	const struct migration *m = &migrations[from];

	if (bz_db_begin_write(db) != 0)
		goto fail;
	/* Another process may have migrated while we waited for the lock. */
	if (store_schema_version(db) != from) {
		bz_db_rollback(db);
		return 0;
	}
	if (run_part(db, m->common) != 0 ||
	    run_part(db, bz_db_kind(db) == BZ_DB_PG ? m->pg : m->sqlite) != 0 ||
	    bz_db_set_user_version(db, from + 1) != 0 ||
	    bz_db_commit(db) != 0) {
		bz_db_rollback(db);
		goto fail;
	}
	return 0;
fail:
	bz_buf_printf(err, "schema migration %d -> %d failed: %s", from, from + 1,
	    bz_db_errmsg(db));
	return -1;
}

/* store_schema_migrate - bring the database up to version target */
int
store_schema_migrate(struct bz_db *db, int target, struct bz_buf *err)
{
	int v;

	if (target > NMIGRATIONS)
		target = NMIGRATIONS;
	while ((v = store_schema_version(db)) >= 0 && v < target)
		if (exec_step(db, v, err) < 0)
			return -1;
	if (v < 0) {
		bz_buf_printf(err, "cannot read schema version: %s", bz_db_errmsg(db));
		return -1;
	}
	return 0;
}
