/*
 * ctl_notification - buzonctl notification: the Institute's notifications
 *
 *   buzonctl [-c FILE] notification list [--rfc RFC] [--state S] [--json]
 *   buzonctl [-c FILE] notification show FOLIO [--json]
 *
 * Both open the store read-only. The JSON object of a notification has
 * folio (NT-...), submission_folio (the record of the department's
 * message), rfc, subject, official_rfc, department, department_address,
 * reply_to, state (sent, opened, deemed), created_utc, aviso_message_id,
 * aviso_planned_utc (first window instant at or after the intake),
 * aviso_queued_utc, aviso_released_utc (its hand-off to the MTA; null
 * while held), day1, day2, day3, deemed_date, deemed_due_utc,
 * window_rule, calendar_version, opened_utc, legal_utc, rule, deemed_utc,
 * acuse_folio and constancia_folio (null until set). Exit: 0 found,
 * 1 no such notification, 2 usage, 3 the database could not be read.
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/config.h"
#include "buzon/instant.h"
#include "buzon/json.h"
#include "buzon/notification.h"
#include "buzon/store.h"
#include "buzonctl.h"

/* usage - the command's help */
static void
usage(FILE *fp)
{
	fprintf(fp, "usage: buzonctl [-c FILE] notification list [--rfc RFC] "
	    "[--state S] [--json]\n"
	    "       buzonctl [-c FILE] notification show FOLIO [--json]\n"
	    "       buzonctl [-c FILE] notification tick [--at INSTANT]\n\n"
	    "  list     notifications, newest first (S: sent, opened, deemed)\n"
	    "  show     one notification: employer, department, the aviso's release,\n"
	    "           the three days to open it and the deemed date\n"
	    "  tick     queue the acuses de notificacion of openings still due; deem\n"
	    "           made the notifications unopened at 09:30 of their fourth\n"
	    "           working day (now, or at INSTANT) and queue their constancias\n");
}

/* put_json - one notification as a JSON object */
static void
put_json(struct bz_json *j, const struct bz_notification *n)
{
	char b[BZ_INSTANT_UTC_LEN];

	bz_json_object(j, NULL);
	bz_json_str(j, "folio", n->folio);
	bz_json_str(j, "submission_folio", n->submission_folio);
	bz_json_str(j, "rfc", n->rfc);
	bz_json_str(j, "subject", n->subject);
	bz_json_str(j, "official_rfc", n->official_rfc);
	bz_json_str(j, "department", n->department_name);
	bz_json_str(j, "department_address", n->department_address);
	bz_json_str(j, "reply_to", n->reply_to);
	bz_json_str(j, "state", n->state);
	bz_json_str(j, "created_utc", ctl_instant(n->created_utc, b));
	bz_json_str(j, "aviso_message_id", n->aviso_message_id);
	bz_json_str(j, "aviso_planned_utc", ctl_instant(n->aviso_planned_utc, b));
	bz_json_str(j, "aviso_queued_utc", ctl_instant(n->aviso_queued_utc, b));
	bz_json_str(j, "aviso_released_utc", ctl_instant(n->aviso_released_utc, b));
	bz_json_str(j, "day1", n->day1);
	bz_json_str(j, "day2", n->day2);
	bz_json_str(j, "day3", n->day3);
	bz_json_str(j, "deemed_date", n->deemed_date);
	bz_json_str(j, "deemed_due_utc", ctl_instant(n->deemed_due_utc, b));
	bz_json_str(j, "window_rule", n->window_rule);
	bz_json_str(j, "calendar_version", n->calendar_version);
	bz_json_str(j, "opened_utc", ctl_instant(n->opened_utc, b));
	bz_json_str(j, "legal_utc", ctl_instant(n->legal_utc, b));
	bz_json_str(j, "rule", n->rule);
	bz_json_str(j, "deemed_utc", ctl_instant(n->deemed_utc, b));
	bz_json_str(j, "acuse_folio", n->acuse_folio);
	bz_json_str(j, "constancia_folio", n->constancia_folio);
	bz_json_end(j);
}

/* put_text - one notification for a person */
static void
put_text(const struct bz_notification *n)
{
	char b[BZ_INSTANT_UTC_LEN];

	printf("%s: %s, RFC %s\n", n->folio, n->state, ctl_safe(n->rfc));
	printf("  asunto       %s\n", ctl_safe(n->subject));
	printf("  dependencia  %s <%s> (firma %s)\n", ctl_safe(n->department_name),
	    ctl_safe(n->department_address), ctl_safe(n->official_rfc));
	printf("  envio        %s (acuse de envio %s)\n",
	    ctl_instant(n->created_utc, b), n->submission_folio);
	printf("  aviso        %s", n->aviso_released_utc ? "entregado " : "retenido hasta ");
	printf("%s\n", ctl_instant(n->aviso_released_utc ? n->aviso_released_utc :
	    n->aviso_planned_utc, b));
	printf("  dias         %s, %s, %s; se tiene por notificada el %s\n",
	    n->day1, n->day2, n->day3, n->deemed_date);
	if (n->opened_utc)
		printf("  abierta      %s\n", ctl_instant(n->opened_utc, b));
	if (n->legal_utc)
		printf("  notificada   %s (%s)\n", ctl_instant(n->legal_utc, b),
		    n->rule ? n->rule : "-");
}

/* show - one folio */
static int
show(struct bz_store *st, const char *folio, int json)
{
	struct bz_notification n;
	struct bz_buf out = BZ_BUF_INIT;
	struct bz_json j;
	enum bz_store_status rc = bz_notification_get(st, folio, &n);

	if (rc == BZ_STORE_TEMPFAIL)
		return CTL_EXIT_TEMPFAIL;
	if (rc == BZ_STORE_NOTFOUND) {
		fprintf(stderr, "buzonctl notification: no notification %s\n",
		    ctl_safe(folio));
		return CTL_EXIT_NO;
	}
	if (json) {
		bz_json_init(&j, &out);
		put_json(&j, &n);
		ctl_print_json(&out);
	} else
		put_text(&n);
	bz_notification_free(&n);
	return CTL_EXIT_OK;
}

/* list - notifications of an RFC and/or in a state */
static int
list(struct bz_store *st, const char *rfc, const char *state, int json)
{
	struct bz_notification *v;
	struct bz_buf out = BZ_BUF_INIT;
	struct bz_json j;
	size_t n;

	if (bz_notification_list(st, rfc, state, &v, &n) != BZ_STORE_OK)
		return CTL_EXIT_TEMPFAIL;
	if (json) {
		bz_json_init(&j, &out);
		bz_json_rows(&j, NULL);
		for (size_t i = 0; i < n; i++)
			put_json(&j, &v[i]);
		bz_json_end(&j);
		ctl_print_json(&out);
	} else
		for (size_t i = 0; i < n; i++)
			printf("%-16s %-6s %-13s %s\n", v[i].folio, v[i].state,
			    ctl_safe(v[i].rfc), ctl_safe(v[i].subject));
	bz_notification_list_free(v, n);
	return CTL_EXIT_OK;
}

/* ctl_notification - buzonctl notification ... */
int
ctl_notification(int argc, char **argv, const char *config_path)
{
	const char *sub = argc > 1 ? argv[1] : NULL, *folio = NULL, *state = NULL;
	const char *rfc = NULL;
	struct bz_store *st;
	int json = 0, rc;

	if (sub == NULL || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		usage(sub == NULL ? stderr : stdout);
		return sub == NULL ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	if (strcmp(sub, "tick") == 0)	/* milter/ctl_notification_tick.c */
		return ctl_notification_tick(argc - 1, argv + 1, config_path);
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--state") == 0 && i + 1 < argc)
			state = argv[++i];
		else if (strcmp(argv[i], "--rfc") == 0 && i + 1 < argc)
			rfc = argv[++i];
		else if (argv[i][0] != '-' && folio == NULL)
			folio = argv[i];
		else {
			usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (state != NULL && strcmp(state, "sent") != 0 &&
	    strcmp(state, "opened") != 0 && strcmp(state, "deemed") != 0) {
		fprintf(stderr, "buzonctl notification: unknown state %s\n",
		    ctl_safe(state));
		return CTL_EXIT_USAGE;
	}
	if (strcmp(sub, "show") == 0 && folio != NULL && state == NULL && rfc == NULL) {
		if ((st = ctl_open_store(config_path, "notification", BZ_STORE_READONLY,
		    NULL)) == NULL)
			return CTL_EXIT_TEMPFAIL;
		rc = show(st, folio, json);
	} else if (strcmp(sub, "list") == 0 && folio == NULL) {
		if ((st = ctl_open_store(config_path, "notification", BZ_STORE_READONLY,
		    NULL)) == NULL)
			return CTL_EXIT_TEMPFAIL;
		rc = list(st, rfc, state, json);
	} else {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	bz_store_close(st);
	return rc;
}
