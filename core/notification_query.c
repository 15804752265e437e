/*
 * notification_query - reading notification rows, their digest and the
 *			check of every row against the event log
 *
 * The digest (bz_notification_row_digest) covers every column of the row
 * in a fixed order, each as "length:text|" (NULL as "0:|"), so a changed
 * state, instant, address or day is a different digest. Every event of a
 * row seals the digest after its change; bz_notification_verify_rows
 * compares each row with its newest "notification-*" event (the events'
 * folio index finds it), and names every NT folio whose
 * "notification-sent" event has no row any more.
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/digest.h"
#include "buzon/notification.h"
#include "buzon/store_sql.h"
#include "buzon/xalloc.h"

/* Every column, in the digest's order; read_row knows the indexes. */
#define COLUMNS "id, folio, year, seq, submission_folio, rfc, subject, " \
	"official_rfc, department_address, department_name, reply_to, state, " \
	"created_utc, aviso_message_id, aviso_planned_utc, aviso_queued_utc, " \
	"aviso_released_utc, day1, day2, day3, deemed_date, deemed_due_utc, " \
	"window_rule, calendar_version, opened_utc, legal_utc, rule, deemed_utc, " \
	"acuse_folio, constancia_folio"
#define NCOLUMNS 30

/* bz_notification_free - release a row read by get or list */
void
bz_notification_free(struct bz_notification *n)
{
	free(n->folio);
	free(n->submission_folio);
	free(n->rfc);
	free(n->subject);
	free(n->official_rfc);
	free(n->department_address);
	free(n->department_name);
	free(n->reply_to);
	free(n->state);
	free(n->aviso_message_id);
	free(n->window_rule);
	free(n->calendar_version);
	free(n->rule);
	free(n->acuse_folio);
	free(n->constancia_folio);
	memset(n, 0, sizeof(*n));
}

/* day - a YYYY-MM-DD column into its fixed field ("" when odd) */
static void
day(struct bz_db_stmt *s, int i, char out[11])
{
	const char *t = bz_db_column_text(s, i);

	out[0] = '\0';
	if (t != NULL && strlen((const char *)t) == 10)
		memcpy(out, t, 11);
}

/* read_row - the COLUMNS of s into n */
static void
read_row(struct bz_db_stmt *s, struct bz_notification *n)
{
	memset(n, 0, sizeof(*n));
	n->id = bz_db_column_int64(s, 0);
	n->folio = store_column_dup(s, 1);
	n->submission_folio = store_column_dup(s, 4);
	n->rfc = store_column_dup(s, 5);
	n->subject = store_column_dup(s, 6);
	n->official_rfc = store_column_dup(s, 7);
	n->department_address = store_column_dup(s, 8);
	n->department_name = store_column_dup(s, 9);
	n->reply_to = store_column_dup(s, 10);
	n->state = store_column_dup(s, 11);
	n->created_utc = bz_db_column_int64(s, 12);
	n->aviso_message_id = store_column_dup(s, 13);
	n->aviso_planned_utc = bz_db_column_int64(s, 14);
	n->aviso_queued_utc = bz_db_column_int64(s, 15);
	n->aviso_released_utc = bz_db_column_int64(s, 16);
	day(s, 17, n->day1);
	day(s, 18, n->day2);
	day(s, 19, n->day3);
	day(s, 20, n->deemed_date);
	n->deemed_due_utc = bz_db_column_int64(s, 21);
	n->window_rule = store_column_dup(s, 22);
	n->calendar_version = store_column_dup(s, 23);
	n->opened_utc = bz_db_column_int64(s, 24);
	n->legal_utc = bz_db_column_int64(s, 25);
	n->rule = store_column_dup(s, 26);
	n->deemed_utc = bz_db_column_int64(s, 27);
	n->acuse_folio = store_column_dup(s, 28);
	n->constancia_folio = store_column_dup(s, 29);
}

/* bz_notification_get - the row of folio */
enum bz_store_status
bz_notification_get(struct bz_store *st, const char *folio, struct bz_notification *n)
{
	struct bz_db_stmt *s;
	int rc;

	memset(n, 0, sizeof(*n));
	if ((s = store_prepare(st, NULL, "SELECT " COLUMNS " FROM notifications "
	    "WHERE folio = ?")) == NULL)
		return BZ_STORE_TEMPFAIL;
	store_bind_text(s, 1, folio);
	if ((rc = bz_db_step(s)) == BZ_DB_ROW)
		read_row(s, n);
	else if (rc != BZ_DB_DONE)
		store_log_error(st, NULL, "read notification");
	bz_db_finalize(s);
	return rc == BZ_DB_ROW ? BZ_STORE_OK : rc == BZ_DB_DONE ?
	    BZ_STORE_NOTFOUND : BZ_STORE_TEMPFAIL;
}

/* bz_notification_list - rows of rfc and/or state, newest first */
enum bz_store_status
bz_notification_list(struct bz_store *st, const char *rfc, const char *state,
    struct bz_notification **v, size_t *n)
{
	struct bz_db_stmt *s;
	int rc;

	*v = NULL;
	*n = 0;
	if ((s = store_prepare(st, NULL, "SELECT " COLUMNS " FROM notifications "
	    "WHERE (?1 IS NULL OR rfc = ?1) AND (?2 IS NULL OR state = ?2) "
	    "ORDER BY id DESC")) == NULL)
		return BZ_STORE_TEMPFAIL;
	store_bind_text(s, 1, rfc);
	store_bind_text(s, 2, state);
	while ((rc = bz_db_step(s)) == BZ_DB_ROW) {
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		read_row(s, &(*v)[(*n)++]);
	}
	if (rc != BZ_DB_DONE)
		store_log_error(st, NULL, "list notifications");
	bz_db_finalize(s);
	if (rc != BZ_DB_DONE) {
		bz_notification_list_free(*v, *n);
		*v = NULL;
		*n = 0;
		return BZ_STORE_TEMPFAIL;
	}
	return BZ_STORE_OK;
}

/* bz_notification_list_free - release a list */
void
bz_notification_list_free(struct bz_notification *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		bz_notification_free(&v[i]);
	free(v);
}

/* bz_notification_row_digest - SHA-256 of every column of row id */
int
bz_notification_row_digest(struct bz_store *st, int64_t id, char out[65])
{
	struct bz_buf b = BZ_BUF_INIT;
	struct bz_db_stmt *s;
	int rc;

	if ((s = store_prepare(st, NULL, "SELECT " COLUMNS " FROM notifications "
	    "WHERE id = ?")) == NULL)
		return -1;
	bz_db_bind_int64(s, 1, id);
	if ((rc = bz_db_step(s)) == BZ_DB_ROW)
		for (int i = 0; i < NCOLUMNS; i++) {
			const char *t = bz_db_column_text(s, i);

			bz_buf_printf(&b, "%zu:%s|", t ? strlen((const char *)t) : 0,
			    t ? (const char *)t : "");
		}
	else
		store_log_error(st, NULL, "read notification for its digest");
	bz_db_finalize(s);
	if (rc == BZ_DB_ROW)
		bz_sha256_hex(b.data, b.len, out);
	bz_buf_free(&b);
	return rc == BZ_DB_ROW ? 0 : -1;
}

/* newest_digest - state_sha256 of the newest notification event of folio
 * (xmalloc'ed), NULL when none; -1 on a read error */
static int
newest_digest(struct bz_store *st, const char *folio, char **want)
{
	struct bz_db_stmt *e;
	const char *d, *p;
	int rc;

	*want = NULL;
	if ((e = store_prepare(st, NULL, "SELECT detail FROM events WHERE folio = ? "
	    "AND kind LIKE 'notification-%' ORDER BY id DESC LIMIT 1")) == NULL)
		return -1;
	store_bind_text(e, 1, folio);
	rc = bz_db_step(e);
	if (rc == BZ_DB_ROW && (d = bz_db_column_text(e, 0)) != NULL &&
	    (p = strstr(d, "\"state_sha256\": \"")) != NULL &&
	    strlen(p + strlen("\"state_sha256\": \"")) >= 64)
		*want = xstrndup(p + strlen("\"state_sha256\": \""), 64);
	bz_db_finalize(e);
	return rc == BZ_DB_ROW || rc == BZ_DB_DONE ? 0 : -1;
}

/* bz_notification_verify_rows - every row against its newest event */
enum bz_store_status
bz_notification_verify_rows(struct bz_store *st,
    void (*bad)(void *arg, const char *label, const char *why), void *arg,
    int64_t *checked)
{
	char **folios = NULL;
	size_t n = 0;
	struct bz_db_stmt *s;
	enum bz_store_status rc;

	*checked = 0;
	if ((s = store_prepare(st, NULL, "SELECT folio FROM notifications "
	    "ORDER BY id")) == NULL)
		return BZ_STORE_TEMPFAIL;
	if ((rc = store_column_strings(st, s, "list notifications", &folios, &n)) !=
	    BZ_STORE_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		char digest[65], *want = NULL, *label;
		int64_t id = 0;

		(*checked)++;
		label = xasprintf("notification %s", folios[i]);
		if ((s = store_prepare(st, NULL, "SELECT id FROM notifications "
		    "WHERE folio = ?")) != NULL) {
			store_bind_text(s, 1, folios[i]);
			if (bz_db_step(s) == BZ_DB_ROW)
				id = bz_db_column_int64(s, 0);
			bz_db_finalize(s);
		}
		if (newest_digest(st, folios[i], &want) < 0 || id == 0 ||
		    bz_notification_row_digest(st, id, digest) < 0)
			bad(arg, label, "the row cannot be read");
		else if (want == NULL)
			bad(arg, label, "no notification event seals this row");
		else if (strcmp(want, digest) != 0)
			bad(arg, label, "the row (state, instants, department, "
			    "employer) is not the one its newest event sealed");
		free(want);
		free(label);
	}
	for (size_t i = 0; i < n; i++)
		free(folios[i]);
	free(folios);
	/* A row deleted behind the log: its "notification-sent" event stays. */
	if ((s = store_prepare(st, NULL, "SELECT DISTINCT folio FROM events WHERE "
	    "kind = '" BZ_NOTIF_EV_SENT "' AND folio NOT IN (SELECT folio FROM "
	    "notifications) ORDER BY folio")) == NULL)
		return BZ_STORE_TEMPFAIL;
	if ((rc = store_column_strings(st, s, "notification events", &folios, &n)) !=
	    BZ_STORE_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		char *label = xasprintf("notification %s", folios[i]);

		bad(arg, label, "its event names a notification that has no row");
		free(label);
		free(folios[i]);
	}
	free(folios);
	return BZ_STORE_OK;
}
