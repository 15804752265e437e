/*
 * ctl_registration - buzonctl registration: the employers' mailboxes
 *
 *   buzonctl [-c FILE] registration show RFC [--json]
 *   buzonctl [-c FILE] registration list [--state S] [--json]
 *   buzonctl [-c FILE] registration expire [--at INSTANT]
 *
 * show and list open the store read-only. The JSON object of a
 * registration has rfc, rfc_representante, state (pending, confirmed,
 * enabled, expired; replaced only in list --state replaced), folio (the
 * acuse de registro), addresses [{address, confirmed, confirmed_at}],
 * mobile {number, confirmed, confirmed_at}, created_at, expires_at,
 * consent_sha256 and enabled_at (null when not yet). expire applies the
 * 72-hour rule at INSTANT (default: now, TestClock under TestMode), as
 * the daemon does by itself every second. Exit: 0 done/found, 1 no such
 * registration, 2 usage, 3 the database could not be read or written.
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buzon/buf.h"
#include "buzon/config.h"
#include "buzon/instant.h"
#include "buzon/json.h"
#include "buzon/registration.h"
#include "buzon/store.h"
#include "buzonctl.h"

/* usage - the command's help */
static void
usage(FILE *fp)
{
	fprintf(fp, "usage: buzonctl [-c FILE] registration show RFC [--json]\n"
	    "       buzonctl [-c FILE] registration list [--state S] [--json]\n"
	    "       buzonctl [-c FILE] registration expire [--at INSTANT]\n\n"
	    "  show     one RFC's current registration: state, contact means, consent\n"
	    "  list     every registration (S: pending, confirmed, enabled, expired,\n"
	    "           replaced), newest first\n"
	    "  expire   apply the 72-hour rule now (or at INSTANT, ISO-8601 UTC)\n");
}

/* put_json - one registration as a JSON object */
static void
put_json(struct bz_json *j, const struct bz_registration *r)
{
	char b[BZ_INSTANT_UTC_LEN];

	bz_json_object(j, NULL);
	bz_json_str(j, "rfc", r->rfc);
	bz_json_str(j, "rfc_representante", r->rfc_representante);
	bz_json_str(j, "state", r->state);
	bz_json_str(j, "folio", r->folio);
	bz_json_array(j, "addresses");
	for (size_t i = 0; i < r->naddresses; i++) {
		bz_json_object(j, NULL);
		bz_json_str(j, "address", r->addresses[i].address);
		bz_json_bool(j, "confirmed", r->addresses[i].confirmed_utc != 0);
		bz_json_str(j, "confirmed_at", ctl_instant(r->addresses[i].confirmed_utc, b));
		bz_json_end(j);
	}
	bz_json_end(j);
	bz_json_object(j, "mobile");
	bz_json_str(j, "number", r->mobile);
	bz_json_bool(j, "confirmed", r->mobile_confirmed_utc != 0);
	bz_json_str(j, "confirmed_at", ctl_instant(r->mobile_confirmed_utc, b));
	bz_json_end(j);
	bz_json_str(j, "created_at", ctl_instant(r->created_utc, b));
	bz_json_str(j, "expires_at", ctl_instant(r->expires_utc, b));
	bz_json_str(j, "consent_sha256", r->consent_sha256);
	bz_json_str(j, "enabled_at", ctl_instant(r->enabled_utc, b));
	bz_json_end(j);
}

/* put_text - one registration for a person */
static void
put_text(const struct bz_registration *r)
{
	char b[BZ_INSTANT_UTC_LEN];

	printf("RFC %s: %s (acuse de registro %s)\n", ctl_safe(r->rfc), r->state,
	    r->folio ? r->folio : "-");
	for (size_t i = 0; i < r->naddresses; i++)
		printf("  correo  %s  %s\n", ctl_safe(r->addresses[i].address),
		    r->addresses[i].confirmed_utc ? "confirmado" : "sin confirmar");
	printf("  celular %s  %s\n", ctl_safe(r->mobile),
	    r->mobile_confirmed_utc ? "confirmado" : "sin confirmar");
	bz_instant_format_utc(r->expires_utc, b);
	printf("  plazo de confirmacion %s\n", b);
	if (r->enabled_utc) {
		bz_instant_format_utc(r->enabled_utc, b);
		printf("  habilitado %s, conformidad %s\n", b,
		    r->consent_sha256 ? r->consent_sha256 : "-");
	}
}

/* show - one RFC */
static int
show(struct bz_store *st, const char *rfc, int json)
{
	struct bz_registration r;
	struct bz_buf out = BZ_BUF_INIT;
	struct bz_json j;
	enum bz_store_status rc = bz_registration_get(st, rfc, &r);

	if (rc == BZ_STORE_TEMPFAIL)
		return CTL_EXIT_TEMPFAIL;
	if (rc == BZ_STORE_NOTFOUND) {
		fprintf(stderr, "buzonctl registration: no registration for %s\n",
		    ctl_safe(rfc));
		return CTL_EXIT_NO;
	}
	if (json) {
		bz_json_init(&j, &out);
		put_json(&j, &r);
		ctl_print_json(&out);
	} else
		put_text(&r);
	bz_buf_free(&out);
	bz_registration_free(&r);
	return CTL_EXIT_OK;
}

/* list - every registration, optionally in one state */
static int
list(struct bz_store *st, const char *state, int json)
{
	struct bz_registration *rs;
	struct bz_buf out = BZ_BUF_INIT;
	struct bz_json j;
	size_t n;

	if (bz_registration_list(st, state, &rs, &n) != BZ_STORE_OK)
		return CTL_EXIT_TEMPFAIL;
	if (json) {
		bz_json_init(&j, &out);
		bz_json_rows(&j, NULL);
		for (size_t i = 0; i < n; i++)
			put_json(&j, &rs[i]);
		bz_json_end(&j);
		ctl_print_json(&out);
	} else
		for (size_t i = 0; i < n; i++)
			printf("%-13s %-9s %zu correo(s), celular %s\n", ctl_safe(rs[i].rfc),
			    rs[i].state, rs[i].naddresses,
			    rs[i].mobile_confirmed_utc ? "confirmado" : "sin confirmar");
	for (size_t i = 0; i < n; i++)
		bz_registration_free(&rs[i]);
	free(rs);
	bz_buf_free(&out);
	return CTL_EXIT_OK;
}

/* ctl_registration - buzonctl registration ... */
int
ctl_registration(int argc, char **argv, const char *config_path)
{
	const char *sub = argc > 1 ? argv[1] : NULL, *rfc = NULL, *state = NULL;
	const char *at = NULL;
	struct bz_config *cfg = NULL;
	struct bz_store *st;
	int json = 0, rc;
	int64_t when, wall, clock;
	size_t n;

	if (sub == NULL || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		usage(sub == NULL ? stderr : stdout);
		return sub == NULL ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--state") == 0 && i + 1 < argc)
			state = argv[++i];
		else if (strcmp(argv[i], "--at") == 0 && i + 1 < argc)
			at = argv[++i];
		else if (argv[i][0] != '-' && rfc == NULL)
			rfc = argv[i];
		else {
			usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (state != NULL && strcmp(state, "pending") != 0 &&
	    strcmp(state, "confirmed") != 0 && strcmp(state, "enabled") != 0 &&
	    strcmp(state, "expired") != 0 && strcmp(state, "replaced") != 0) {
		fprintf(stderr, "buzonctl registration: unknown state %s\n", ctl_safe(state));
		return CTL_EXIT_USAGE;
	}
	if (strcmp(sub, "show") == 0 && rfc != NULL && state == NULL && at == NULL) {
		if ((st = ctl_open_store(config_path, "registration", BZ_STORE_READONLY,
		    NULL)) == NULL)
			return CTL_EXIT_TEMPFAIL;
		rc = show(st, rfc, json);
	} else if (strcmp(sub, "list") == 0 && rfc == NULL && at == NULL) {
		if ((st = ctl_open_store(config_path, "registration", BZ_STORE_READONLY,
		    NULL)) == NULL)
			return CTL_EXIT_TEMPFAIL;
		rc = list(st, state, json);
	} else if (strcmp(sub, "expire") == 0 && rfc == NULL && state == NULL && !json) {
		if (at != NULL && bz_instant_parse(at, &when) != 0) {
			fprintf(stderr, "buzonctl registration: --at %s is not an "
			    "ISO-8601 instant\n", ctl_safe(at));
			return CTL_EXIT_USAGE;
		}
		if ((st = ctl_open_store(config_path, "registration", 0,
		    &cfg)) == NULL)
			return CTL_EXIT_TEMPFAIL;
		/* The hand-offs are recorded on the current clock, whatever
		 * --at asks about. */
		wall = (int64_t)time(NULL);
		clock = bz_config_now(cfg, wall);
		bz_config_unref(cfg);
		if (at == NULL)
			when = clock;
		if (bz_registration_handoffs(st, clock, wall, &n) != BZ_STORE_OK ||
		    bz_registration_expire(st, when, &n) != BZ_STORE_OK)
			rc = CTL_EXIT_TEMPFAIL;
		else {
			printf("%zu registration(s) expired\n", n);
			rc = CTL_EXIT_OK;
		}
	} else {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	bz_store_close(st);
	return rc;
}
