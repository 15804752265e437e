/*
 * ctl_receipt_store - buzonctl receipt show/list/resend: acuses of the store
 *
 *   receipt show FOLIO [--json]     the record of a filing as its acuse says
 *                                   it (Spanish text, or JSON), read from
 *                                   the acuse kept exactly as sealed and
 *                                   signed, and the acuse status
 *   receipt list [--rfc RFC] [--since DATE] [--json]
 *                                   filings in folio order with the state
 *                                   of their acuse (none, queued, sent)
 *   receipt resend FOLIO            queue the kept acuse again, byte for
 *                                   byte, to the recipients its first
 *                                   sending had; the daemon's outbox worker
 *                                   sends it
 *
 * Neither ever seals: a row changed behind the record must not come out
 * under a fresh sello. A filing from before schema version 4 has no kept
 * acuse: its first outbox row holds the bytes sent, and show falls back
 * to that; with neither, show prints the row's data marked as such and
 * no sello. An acuse sealed at its commit and not signed yet (schema 8)
 * is shown from the row as "pending-signature", with no sello; resend
 * and pdf exit 3 for it (try again once the daemon has signed it). show
 * and list open the database read-only; resend writes one outbox row per
 * recipient.
 *
 * Exit: 0 done, 1 no such folio (or no acuse was ever addressed for it),
 * 2 bad usage or unusable configuration, 3 the database could not be read.
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buzon/apertura.h"
#include "buzon/buf.h"
#include "buzon/config.h"
#include "buzon/consulta.h"
#include "buzon/instant.h"
#include "buzon/json.h"
#include "buzon/notification.h"
#include "buzon/receipt.h"
#include "buzon/store.h"
#include "buzon/tz.h"
#include "buzon/xalloc.h"
#include "buzonctl.h"
#include "ctl_receipt.h"

/* Everything a store subcommand holds; released by env_close(). */
struct env {
	struct bz_config *cfg;
	struct bz_store	*st;
	struct bz_tz	*tz;
};

/* env_open - configuration, database and zone; exit status or -1 when ready */
static int
env_open(struct env *e, const char *config_path, int flags)
{
	struct bz_buf err = BZ_BUF_INIT;

	memset(e, 0, sizeof(*e));
	if ((e->cfg = ctl_load_config(config_path)) == NULL)
		return CTL_EXIT_USAGE;
	if ((e->st = bz_store_open_config(e->cfg, flags, &err)) == NULL) {
		fprintf(stderr, "buzonctl receipt: %s\n", bz_buf_str(&err));
		bz_buf_free(&err);
		return CTL_EXIT_USAGE;
	}
	if ((e->tz = bz_tz_load(BZ_TZ_MEXICO_CITY, &err)) == NULL) {
		fprintf(stderr, "buzonctl receipt: %s\n", bz_buf_str(&err));
		bz_buf_free(&err);
		return CTL_EXIT_USAGE;
	}
	bz_buf_free(&err);
	return -1;
}

/* env_close - release what env_open got */
static void
env_close(struct env *e)
{
	if (e->st)
		bz_store_close(e->st);
	if (e->tz)
		bz_tz_free(e->tz);
	bz_config_unref(e->cfg);
}

/* get_submission - one filing by folio; exit status or -1 when found */
static int
get_submission(struct env *e, const char *folio, struct bz_submission *sub)
{
	int year;
	int64_t seq;

	if (bz_folio_parse(folio, &year, &seq) != 0) {
		fprintf(stderr, "buzonctl receipt: not a folio: \"%s\"\n", folio);
		return CTL_EXIT_USAGE;
	}
	memset(sub, 0, sizeof(*sub));
	switch (bz_store_submission_get(e->st, folio, sub)) {
	case BZ_STORE_OK:
		return -1;
	case BZ_STORE_NOTFOUND:
		fprintf(stderr, "buzonctl receipt: no filing with folio %s\n", folio);
		return CTL_EXIT_NO;
	default:
		fprintf(stderr, "buzonctl receipt: cannot read the database\n");
		return CTL_EXIT_TEMPFAIL;
	}
}

/* parts_json - the parts as an array of objects, fields in table order */
static void
parts_json(struct bz_json *j, const char *name, const struct bz_receipt *r)
{
	bz_json_array(j, name);
	for (size_t i = 0; i < r->nparts; i++) {
		bz_json_object(j, NULL);
		for (size_t k = 0; k < bz_receipt_npart_fields; k++) {
			const struct bz_receipt_part_field *f = &bz_receipt_part_fields[k];

			if (f->number)
				bz_json_int(j, f->name, (int64_t)r->parts[i].size);
			else
				bz_json_str(j, f->name, bz_receipt_part_string(&r->parts[i], f));
		}
		bz_json_end(j);
	}
	bz_json_end(j);
}

/* record_json - the canonical record as one JSON object, fields in the
 * order of bz_receipt_fields[] */
static void
record_json(struct bz_buf *out, const struct bz_receipt *r, const char *status)
{
	struct bz_buf cadena = BZ_BUF_INIT;
	struct bz_json j;

	bz_json_init(&j, out);
	bz_json_object(&j, NULL);
	for (size_t i = 0; i < bz_receipt_nfields; i++) {
		const struct bz_receipt_field *f = &bz_receipt_fields[i];

		if (f->json_name == NULL)
			continue;
		if (f->flags & BZ_RECEIPT_F_PARTS)
			parts_json(&j, f->json_name, r);
		else
			bz_json_str(&j, f->json_name, bz_receipt_field_value(r, f));
	}
	bz_receipt_cadena(r, &cadena);
	bz_json_str(&j, "cadenaOriginal", cadena.data);
	bz_json_str(&j, "estadoAcuse", status);
	bz_json_end(&j);
	bz_buf_free(&cadena);
}

/*
 * kept_record - the record inside the acuse kept for a filing (or, before
 * schema 4, the one first queued); 0 found, 1 none, -1 unreadable (said
 * on standard error)
 */
static int
kept_record(struct env *e, const struct bz_submission *sub, struct bz_receipt *r)
{
	struct bz_receipt_verify_opts opts;
	struct bz_receipt_verify_result res;
	struct bz_buf acuse = BZ_BUF_INIT;
	char **rcpts = NULL;
	size_t n = 0;
	int rc = 1;

	bz_receipt_library_init();
	if (sub->acuse != NULL)
		bz_buf_append(&acuse, sub->acuse, sub->acuse_len);
	else if (bz_store_acuse_get(e->st, sub->folio, &acuse, &rcpts, &n) ==
	    BZ_STORE_TEMPFAIL)
		rc = -1;
	for (size_t i = 0; i < n; i++)
		free(rcpts[i]);
	free(rcpts);
	if (acuse.len > 0) {
		/* Only to read the XML out of it: `receipt verify` checks it. */
		memset(&opts, 0, sizeof(opts));
		bz_receipt_verify_result_init(&res);
		(void)bz_receipt_verify(acuse.data, acuse.len, &opts, &res);
		if (res.have_record) {
			bz_receipt_free(r);
			*r = res.record;
			bz_receipt_init(&res.record);
			rc = 0;
		} else
			rc = -1;
		bz_receipt_verify_result_free(&res);
	}
	bz_buf_free(&acuse);
	if (rc < 0)
		fprintf(stderr, "buzonctl receipt: the acuse kept for %s cannot be "
		    "read\n", sub->folio);
	return rc;
}

/* record_of_mail - the record an acuse mail carries into r: 0, or -1 */
static int
record_of_mail(const struct bz_buf *acuse, struct bz_receipt *r)
{
	struct bz_receipt_verify_opts opts;
	struct bz_receipt_verify_result res;
	int rc = -1;

	memset(&opts, 0, sizeof(opts));
	bz_receipt_verify_result_init(&res);
	(void)bz_receipt_verify(acuse->data, acuse->len, &opts, &res);
	if (res.have_record) {
		bz_receipt_free(r);
		*r = res.record;
		bz_receipt_init(&res.record);
		rc = 0;
	}
	bz_receipt_verify_result_free(&res);
	return rc;
}

/*
 * notification_kept - an NT- folio: the record of its acuse de
 * notificacion (opened) or constancia (deemed) as its kept mail, the one
 * first queued, says it; exit status, or -1 when r is filled
 */
static int
notification_kept(struct env *e, const char *folio, struct bz_receipt *r)
{
	struct bz_notification n;
	struct bz_buf acuse = BZ_BUF_INIT;
	enum bz_store_status st;
	int rc = CTL_EXIT_TEMPFAIL;

	switch (bz_notification_get(e->st, folio, &n)) {
	case BZ_STORE_OK:
		break;
	case BZ_STORE_NOTFOUND:
		fprintf(stderr, "buzonctl receipt: no notification with folio %s\n", folio);
		return CTL_EXIT_NO;
	default:
		fprintf(stderr, "buzonctl receipt: cannot read the database\n");
		return CTL_EXIT_TEMPFAIL;
	}
	if (strcmp(n.state, "opened") != 0 && strcmp(n.state, "deemed") != 0) {
		fprintf(stderr, "buzonctl receipt: %s is neither opened nor deemed "
		    "made: it has no acuse de notificacion or constancia yet\n", folio);
		rc = CTL_EXIT_NO;
	} else if ((st = bz_store_consulta_notification_kept(e->st, n.submission_folio,
	    strcmp(n.state, "deemed") == 0 ? BZ_NOTIF_OUTBOX_CONSTANCIA :
	    BZ_NOTIF_OUTBOX_ACUSE, &acuse)) == BZ_STORE_NOTFOUND) {
		fprintf(stderr, "buzonctl receipt: the acuse of %s is not kept yet; "
		    "try again once the daemon has signed it\n", folio);
	} else if (st != BZ_STORE_OK)
		fprintf(stderr, "buzonctl receipt: cannot read the database\n");
	else if (record_of_mail(&acuse, r) != 0)
		fprintf(stderr, "buzonctl receipt: the acuse kept for %s cannot be "
		    "read\n", folio);
	else
		rc = -1;
	bz_buf_free(&acuse);
	bz_notification_free(&n);
	return rc;
}

/*
 * pending_signature - 1 when the folio's acuse was sealed at its commit
 * and the daemon has not signed it yet (schema 8), 0 not, -1 unreadable
 */
static int
pending_signature(struct env *e, const char *folio)
{
	struct bz_acuse_pending p;
	enum bz_store_status r = bz_store_pending_get(e->st, folio, &p);

	if (r == BZ_STORE_OK)
		bz_acuse_pending_free(&p);
	if (r == BZ_STORE_TEMPFAIL)
		fprintf(stderr, "buzonctl receipt: cannot read the database\n");
	return r == BZ_STORE_OK ? 1 : r == BZ_STORE_NOTFOUND ? 0 : -1;
}

/* ctl_receipt_show - "receipt show FOLIO [--json]" */
int
ctl_receipt_show(const char *folio, int json, const char *config_path)
{
	struct env e;
	struct bz_submission sub;
	struct bz_receipt r;
	struct bz_buf out = BZ_BUF_INIT;
	const char *status;
	int rc, kept, pending = 0;

	if ((rc = env_open(&e, config_path, BZ_STORE_READONLY)) >= 0 ||
	    (rc = get_submission(&e, folio, &sub)) >= 0) {
		env_close(&e);
		return rc;
	}
	bz_receipt_init(&r);
	if ((kept = kept_record(&e, &sub, &r)) < 0 ||
	    (kept == 1 && (pending = pending_signature(&e, sub.folio)) < 0)) {
		bz_receipt_free(&r);
		bz_submission_free(&sub);
		env_close(&e);
		return CTL_EXIT_TEMPFAIL;
	}
	/* No acuse was ever sealed (e.g. no institution key at the time): the
	 * row's data, said to be only that. Never a fresh sello. */
	if (kept == 1) {
		bz_receipt_from_submission(&r, sub.folio, &sub, e.tz, NULL);
		/* Sealed at the commit: the cadena names the certificate
		 * that will sign it. */
		if (pending)
			bz_receipt_set(&r.institution_no_certificado,
			    sub.institution_no_certificado);
	}
	status = pending ? "pending-signature" :
	    sub.acuse_status ? sub.acuse_status : "none";
	if (json) {
		record_json(&out, &r, status);
		bz_buf_puts(&out, "\n");
	} else {
		bz_receipt_text(&r, &out);
		bz_buf_printf(&out, "\nEstado del acuse: %s\n", status);
		if (pending)
			bz_buf_puts(&out, "(acuse sellado al registrar: folio y cadena "
			    "original fijos en la bitacora; la firma (sello y S/MIME) "
			    "esta pendiente y el servicio la hace y lo envia en "
			    "seguida)\n");
		else if (kept == 1)
			bz_buf_puts(&out, "(no se conserva acuse sellado de este folio: "
			    "datos del registro, sin sello)\n");
	}
	fputs(bz_buf_str(&out), stdout);
	bz_receipt_free(&r);
	bz_submission_free(&sub);
	env_close(&e);
	bz_buf_free(&out);
	return CTL_EXIT_OK;
}

/*
 * ctl_receipt_kept - the sealed record of a filing as its kept acuse says
 * it, and VerifyURL (xstrdup, NULL when unset), for receipt pdf; exit
 * status, or -1 when r is filled. A filing without a sealed acuse exits 1:
 * a printed acuse without a sello would be no acuse. An NT- folio names a
 * notification: its acuse de notificacion or constancia (the acuse de
 * envio is its department's filing's, under that BZ- folio).
 */
int
ctl_receipt_kept(const char *folio, const char *config_path, struct bz_receipt *r,
    char **verify_url)
{
	struct env e;
	struct bz_submission sub;
	const char *url;
	int rc, kept, pending;

	*verify_url = NULL;
	if ((rc = env_open(&e, config_path, BZ_STORE_READONLY)) < 0 &&
	    strncmp(folio, "NT-", 3) == 0) {
		bz_receipt_library_init();
		if ((rc = notification_kept(&e, folio, r)) < 0 &&
		    (url = bz_config_str(e.cfg, BZ_KEY_VerifyURL)) != NULL)
			*verify_url = xstrdup(url);
		env_close(&e);
		return rc;
	}
	if (rc >= 0 || (rc = get_submission(&e, folio, &sub)) >= 0) {
		env_close(&e);
		return rc;
	}
	rc = -1;
	if ((kept = kept_record(&e, &sub, r)) < 0)
		rc = CTL_EXIT_TEMPFAIL;
	else if (kept == 1 && (pending = pending_signature(&e, sub.folio)) != 0) {
		if (pending > 0)
			fprintf(stderr, "buzonctl receipt: the acuse of %s is sealed "
			    "but not signed yet; try again once the daemon has signed "
			    "it\n", sub.folio);
		rc = CTL_EXIT_TEMPFAIL;
	} else if (kept == 1) {
		fprintf(stderr, "buzonctl receipt: no sealed acuse is kept for %s\n",
		    sub.folio);
		rc = CTL_EXIT_NO;
	} else if ((url = bz_config_str(e.cfg, BZ_KEY_VerifyURL)) != NULL)
		*verify_url = xstrdup(url);
	bz_submission_free(&sub);
	env_close(&e);
	return rc;
}

/* ctl_receipt_resend - "receipt resend FOLIO" */
int
ctl_receipt_resend(const char *folio, const char *config_path)
{
	struct env e;
	struct bz_submission sub;
	struct bz_buf msg = BZ_BUF_INIT;
	char **rcpts = NULL;
	size_t n = 0;
	int rc;

	if ((rc = env_open(&e, config_path, 0)) >= 0 ||
	    (rc = get_submission(&e, folio, &sub)) >= 0) {
		env_close(&e);
		return rc;
	}
	switch (bz_store_acuse_get(e.st, sub.folio, &msg, &rcpts, &n)) {
	case BZ_STORE_OK:
		rc = CTL_EXIT_OK;
		for (size_t i = 0; i < n && rc == CTL_EXIT_OK; i++) {
			if (bz_store_outbox_enqueue(e.st, sub.folio, "acuse", rcpts[i],
			    msg.data, msg.len, (int64_t)time(NULL)) != BZ_STORE_OK) {
				fprintf(stderr, "buzonctl receipt: cannot queue the acuse\n");
				rc = CTL_EXIT_TEMPFAIL;
			} else
				printf("%s: acuse queued again for %s\n", sub.folio, rcpts[i]);
		}
		break;
	case BZ_STORE_NOTFOUND:
		if ((rc = pending_signature(&e, sub.folio)) != 0) {
			if (rc > 0)
				fprintf(stderr, "buzonctl receipt: the acuse of %s is "
				    "sealed but not signed yet; the daemon sends it "
				    "once signed\n", sub.folio);
			rc = CTL_EXIT_TEMPFAIL;
			break;
		}
		fprintf(stderr, "buzonctl receipt: no acuse was addressed for %s "
		    "(no e-mail address in the signer's certificate, or loop "
		    "safety): nothing to send again\n", sub.folio);
		rc = CTL_EXIT_NO;
		break;
	default:
		fprintf(stderr, "buzonctl receipt: cannot read the database\n");
		rc = CTL_EXIT_TEMPFAIL;
		break;
	}
	for (size_t i = 0; i < n; i++)
		free(rcpts[i]);
	free(rcpts);
	bz_submission_free(&sub);
	env_close(&e);
	bz_buf_free(&msg);
	return rc;
}

/* since_utc - local midnight (Mexico City) of a DATE as UTC seconds */
static int
since_utc(const struct bz_tz *tz, const char *date, int64_t *out)
{
	struct bz_date d;

	if (bz_date_parse(date, &d) != 0)
		return -1;
	*out = bz_tz_local_to_utc(tz, &d, 0);
	return 0;
}

/* ctl_receipt_list - "receipt list [--rfc RFC] [--since DATE] [--json]" */
int
ctl_receipt_list(const char *rfc, const char *since, int json, const char *config_path)
{
	struct env e;
	struct bz_buf out = BZ_BUF_INIT;
	struct bz_json j;
	char **folios = NULL;
	size_t n = 0, shown = 0;
	int64_t from = 0;
	int rc;

	if ((rc = env_open(&e, config_path, BZ_STORE_READONLY)) >= 0) {
		env_close(&e);
		return rc;
	}
	if (since != NULL && since_utc(e.tz, since, &from) != 0) {
		fprintf(stderr, "buzonctl receipt: --since wants a date YYYY-MM-DD: \"%s\"\n", since);
		env_close(&e);
		return CTL_EXIT_USAGE;
	}
	if (bz_store_submission_list(e.st, rfc, from, &folios, &n) != BZ_STORE_OK) {
		fprintf(stderr, "buzonctl receipt: cannot read the database\n");
		env_close(&e);
		return CTL_EXIT_TEMPFAIL;
	}
	bz_json_init(&j, &out);
	if (json) {
		bz_json_object(&j, NULL);
		bz_json_rows(&j, "acuses");
	}
	for (size_t i = 0; i < n; i++) {
		struct bz_submission sub;
		struct bz_receipt r;

		memset(&sub, 0, sizeof(sub));
		if (bz_store_submission_get(e.st, folios[i], &sub) != BZ_STORE_OK)
			continue;
		bz_receipt_init(&r);
		bz_receipt_from_submission(&r, sub.folio, &sub, e.tz, NULL);
		if (json) {
			bz_json_object(&j, NULL);
			bz_json_str(&j, "folio", r.folio);
			bz_json_str(&j, "rfc", r.rfc);
			bz_json_str(&j, "llegadaLocal", r.arrival_local);
			bz_json_str(&j, "recepcionLegalLocal", r.legal_local);
			bz_json_str(&j, "regla", r.legal_rule);
			bz_json_str(&j, "remitente", sub.env_from);
			bz_json_str(&j, "estadoAcuse", sub.acuse_status);
			bz_json_end(&j);
		} else
			bz_buf_printf(&out, "%s  %s  %-13s  %-6s  %s\n", r.folio,
			    r.legal_local ? r.legal_local : "-", r.rfc ? r.rfc : "-",
			    sub.acuse_status ? sub.acuse_status : "-",
			    ctl_safe(sub.env_from && *sub.env_from ? sub.env_from : "<>"));
		shown++;
		bz_receipt_free(&r);
		bz_submission_free(&sub);
	}
	if (json) {
		bz_json_end(&j);
		bz_json_end(&j);
		bz_buf_putc(&out, '\n');
	}
	if (!json && shown == 0)
		bz_buf_puts(&out, "no acuses\n");
	fputs(bz_buf_str(&out), stdout);
	for (size_t i = 0; i < n; i++)
		free(folios[i]);
	free(folios);
	env_close(&e);
	bz_buf_free(&out);
	return CTL_EXIT_OK;
}
