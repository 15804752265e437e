/*
 * ctl_calendar - buzonctl calendar: the legal calendar from the command line
 *
 *   buzonctl calendar [--calendar FILE]... [--basis lft|lft+cff]
 *       [--first-hour HH:MM] [--json] SUBCOMMAND
 *     submission INSTANT      legal reception instant of a filing
 *     notification INSTANT    legal instant of an acknowledgement
 *     window DATE             the three working days after a notice, and the deemed date
 *     available-until DATE    end of the 3-month consultation period
 *     is-working DATE         exit 0 if DATE is a working day, 1 if not
 *     days FROM TO            the non-working days between two dates, with reasons
 *
 * The same bz_calendar_* calls as the daemon. Each setting comes from its
 * option, else from the configuration file (-c), else the key's default;
 * the configuration is read only when some setting is not on the command
 * line. Without --calendar the configuration's CalendarFile keys are used;
 * with it, only the files given.
 *
 * Exit status: 0 done (is-working: a working day), 1 is-working: not a
 * working day, 2 bad usage or input (one line on stderr), 3 no working day
 * within the search horizon (an open-ended suspension).
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/calendar.h"
#include "buzon/config.h"
#include "buzon/instant.h"
#include "buzon/json.h"
#include "buzon/xalloc.h"
#include "buzonctl.h"

#define DAYS_MAX_SPAN	36600	/* "days FROM TO": a century is plenty */

struct cal_opts {
	const char **files;
	size_t	 nfiles;
	const char *basis;
	const char *first_hour;
	int	 json;
};

/* calendar_usage - help for this command */
static int
calendar_usage(FILE *fp, int status)
{
	fprintf(fp, "usage: buzonctl [-c FILE] calendar [--calendar FILE]... "
	    "[--basis lft|lft+cff]\n"
	    "           [--first-hour HH:MM] [--json] SUBCOMMAND\n\n"
	    "  submission INSTANT        legal reception instant of a filing\n"
	    "  notification INSTANT      legal instant of an acknowledgement of notification\n"
	    "  window DATE               the three working days after a notice sent on DATE,\n"
	    "                            and the deemed date\n"
	    "  available-until DATE      end of the 3-month consultation period of something\n"
	    "                            emitted on DATE\n"
	    "  is-working DATE           exit 0 if DATE is a working day, 1 if not\n"
	    "  days FROM TO              the non-working days between two dates, each with\n"
	    "                            its reason\n\n"
	    "INSTANT is ISO-8601 with Z or an offset (2025-06-14T16:00:00Z); DATE is\n"
	    "YYYY-MM-DD, a local date in America/Mexico_City. Without --calendar the\n"
	    "CalendarFile keys of the configuration are used; with it, only the files\n"
	    "given (repeat it for several, in order). Bad input exits 2.\n");
	return status;
}

/* bad_input - the one-line error for malformed input */
static int
bad_input(const char *what, const char *value)
{
	fprintf(stderr, "buzonctl calendar: %s: \"%s\"\n", what, value);
	return CTL_EXIT_USAGE;
}

/* no_working_day - the horizon ran out (open-ended suspension) */
static int
no_working_day(const struct bz_calendar *cal)
{
	fprintf(stderr, "buzonctl calendar: no working day within %d days "
	    "(an open-ended suspension in calendar %s, or past 9999-12-31)\n",
	    BZ_CALENDAR_HORIZON_DAYS, bz_calendar_version(cal));
	return CTL_EXIT_TEMPFAIL;
}

/* open_calendar - resolve the settings and load the calendar */
static struct bz_calendar *
open_calendar(const struct cal_opts *o, const char *config_path)
{
	struct bz_config *cfg = NULL;
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_calendar *cal = NULL;
	const struct bz_cfg_key *key;
	const char **files = o->files;
	size_t nfiles = o->nfiles;
	long long basis = 0, minutes = 0;
	const char *why;

	if (o->nfiles == 0 || o->basis == NULL || o->first_hour == NULL) {
		if ((cfg = ctl_load_config(config_path)) == NULL)
			return NULL;
	}
	if (o->basis) {
		key = &bz_config_keys[BZ_KEY_LegalBasis];
		if ((why = bz_config_check_value(key, o->basis, &basis)) != NULL) {
			bad_input("--basis must be lft or lft+cff", o->basis);
			goto out;
		}
	} else
		basis = bz_config_num(cfg, BZ_KEY_LegalBasis);
	if (o->first_hour) {
		key = &bz_config_keys[BZ_KEY_SubmissionFirstHour];
		if ((why = bz_config_check_value(key, o->first_hour, &minutes)) != NULL) {
			bad_input("--first-hour expects HH:MM between 00:00 and 23:59",
			    o->first_hour);
			goto out;
		}
	} else
		minutes = bz_config_num(cfg, BZ_KEY_SubmissionFirstHour);
	if (nfiles == 0)
		files = bz_calendar_config_files(cfg, &nfiles);
	cal = bz_calendar_load(files, nfiles, basis == 1 ? BZ_BASIS_LFT_CFF :
	    BZ_BASIS_LFT, (int)minutes, &err);
	if (cal == NULL)
		fprintf(stderr, "buzonctl calendar: %s\n", bz_buf_str(&err));
	if (files != o->files)
		free(files);
out:
	bz_config_unref(cfg);
	bz_buf_free(&err);
	return cal;
}

/* begin - a JSON object on out when json (the writer is j) */
static void
begin(struct bz_json *j, struct bz_buf *out, int json)
{
	bz_json_init(j, out);
	if (json)
		bz_json_object(j, NULL);
}

/* emit - print a finished JSON object or text block */
static void
emit(struct bz_json *j, struct bz_buf *out, int json)
{
	if (json) {
		bz_json_end(j);
		bz_buf_putc(out, '\n');
	}
	fputs(bz_buf_str(out), stdout);
	bz_buf_free(out);
}

/* show_instant - submission and notification results */
static int
show_instant(const struct bz_calendar *cal, const char *sub, const char *arg, int json)
{
	struct bz_legal_instant li;
	struct bz_buf out = BZ_BUF_INIT;
	struct bz_json j;
	char in_utc[BZ_INSTANT_UTC_LEN], utc[BZ_INSTANT_UTC_LEN];
	char local[BZ_INSTANT_UTC_LEN], date[BZ_INSTANT_UTC_LEN];
	int64_t t;
	int rc;

	if (bz_instant_parse(arg, &t))
		return bad_input("malformed instant (expected YYYY-MM-DDTHH:MM:SSZ "
		    "or with an offset +HH:MM)", arg);
	rc = strcmp(sub, "submission") == 0 ? bz_calendar_submission(cal, t, &li) :
	    bz_calendar_notification(cal, t, &li);
	if (rc)
		return no_working_day(cal);
	bz_instant_format_utc(li.input_utc, in_utc);
	bz_instant_format_utc(li.utc, utc);
	bz_instant_format_offset(li.utc, li.local.utc_offset, local);
	bz_date_format(&li.local.date, date);
	begin(&j, &out, json);
	if (json) {
		bz_json_str(&j, "input_utc", in_utc);
		bz_json_str(&j, "legal_utc", utc);
		bz_json_str(&j, "legal_local", local);
		bz_json_str(&j, "legal_date", date);
		bz_json_str(&j, "rule", li.rule);
		bz_json_str(&j, "calendar_version", li.version);
	} else
		bz_buf_printf(&out, "input:    %s\nlegal:    %s\nlocal:    %s %s\n"
		    "rule:     %s\ncalendar: %s\n", in_utc, utc, local, li.local.abbrev,
		    li.rule, li.version);
	emit(&j, &out, json);
	return CTL_EXIT_OK;
}

/* show_window - the opening window after a notice */
static int
show_window(const struct bz_calendar *cal, const char *arg, int json)
{
	struct bz_date aviso;
	struct bz_window w;
	struct bz_buf out = BZ_BUF_INIT;
	struct bz_json j;
	char a[BZ_INSTANT_UTC_LEN], d[3][BZ_INSTANT_UTC_LEN];
	char deemed[BZ_INSTANT_UTC_LEN], deemed_utc[BZ_INSTANT_UTC_LEN];

	if (bz_date_parse(arg, &aviso))
		return bad_input("bad date (expected an existing YYYY-MM-DD)", arg);
	if (bz_calendar_window(cal, &aviso, &w))
		return no_working_day(cal);
	bz_date_format(&w.aviso, a);
	for (int i = 0; i < 3; i++)
		bz_date_format(&w.day[i], d[i]);
	bz_date_format(&w.deemed, deemed);
	bz_instant_format_utc(w.deemed_utc, deemed_utc);
	begin(&j, &out, json);
	if (json) {
		bz_json_str(&j, "aviso_date", a);
		bz_json_str(&j, "day1", d[0]);
		bz_json_str(&j, "day2", d[1]);
		bz_json_str(&j, "day3", d[2]);
		bz_json_str(&j, "deemed_date", deemed);
		bz_json_str(&j, "deemed_utc", deemed_utc);
		bz_json_str(&j, "rule", w.rule);
		bz_json_str(&j, "calendar_version", w.version);
	} else
		bz_buf_printf(&out, "aviso:    %s\nday 1:    %s\nday 2:    %s\n"
		    "day 3:    %s\ndeemed:   %s (%s)\nrule:     %s\ncalendar: %s\n",
		    a, d[0], d[1], d[2], deemed, deemed_utc, w.rule, w.version);
	emit(&j, &out, json);
	return CTL_EXIT_OK;
}

/* show_available - the consultation period */
static int
show_available(const struct bz_calendar *cal, const char *arg, int json)
{
	struct bz_date emitted;
	struct bz_availability av;
	struct bz_buf out = BZ_BUF_INIT;
	struct bz_json j;
	char e[BZ_INSTANT_UTC_LEN], u[BZ_INSTANT_UTC_LEN];

	if (bz_date_parse(arg, &emitted))
		return bad_input("bad date (expected an existing YYYY-MM-DD)", arg);
	if (bz_calendar_available_until(cal, &emitted, &av))
		return no_working_day(cal);
	bz_date_format(&av.emitted, e);
	bz_date_format(&av.until, u);
	begin(&j, &out, json);
	if (json) {
		bz_json_str(&j, "emitted", e);
		bz_json_str(&j, "available_until", u);
		bz_json_str(&j, "rule", av.rule);
		bz_json_str(&j, "calendar_version", av.version);
	} else
		bz_buf_printf(&out, "emitted:         %s\navailable until: %s\n"
		    "rule:            %s\ncalendar:        %s\n", e, u, av.rule, av.version);
	emit(&j, &out, json);
	return CTL_EXIT_OK;
}

/* reason_json - the fields of a day's reason */
static void
reason_json(struct bz_json *j, const struct bz_day_reason *r)
{
	bz_json_str(j, "code", r->code);
	bz_json_str(j, "reason", r->text);
	bz_json_str(j, "source", r->source);
	if (r->file) {
		bz_json_str(j, "declared_in", r->file);
		bz_json_int(j, "line", r->line);
	}
}

/* reason_text - one line about a day */
static void
reason_text(struct bz_buf *out, const char *date, int working,
    const struct bz_day_reason *r)
{
	bz_buf_printf(out, "%s %s %s: %s", date, working ? "working" : "non-working",
	    r->code, r->text);
	if (r->source)
		bz_buf_printf(out, " [%s]", r->source);
	if (r->file)
		bz_buf_printf(out, " (%s:%u)", r->file, r->line);
	bz_buf_putc(out, '\n');
}

/* show_is_working - exit 0 for a working day, 1 if not */
static int
show_is_working(const struct bz_calendar *cal, const char *arg, int json)
{
	struct bz_date d;
	struct bz_day_reason r;
	struct bz_buf out = BZ_BUF_INIT;
	struct bz_json j;
	char ds[BZ_INSTANT_UTC_LEN];
	int working;

	if (bz_date_parse(arg, &d))
		return bad_input("bad date (expected an existing YYYY-MM-DD)", arg);
	working = bz_calendar_is_working(cal, &d, &r);
	bz_date_format(&d, ds);
	begin(&j, &out, json);
	if (json) {
		bz_json_str(&j, "date", ds);
		bz_json_bool(&j, "working", working);
		reason_json(&j, &r);
		bz_json_str(&j, "calendar_version", bz_calendar_version(cal));
	} else
		reason_text(&out, ds, working, &r);
	emit(&j, &out, json);
	return working ? CTL_EXIT_OK : CTL_EXIT_NO;
}

/* show_days - the non-working days of [FROM, TO] */
static int
show_days(const struct bz_calendar *cal, const char *from_s, const char *to_s, int json)
{
	struct bz_date from, to, d;
	struct bz_buf out = BZ_BUF_INIT;
	struct bz_json j;
	char ds[BZ_INSTANT_UTC_LEN];
	int64_t a, b;
	int n = 0;

	if (bz_date_parse(from_s, &from))
		return bad_input("bad FROM date (expected an existing YYYY-MM-DD)", from_s);
	if (bz_date_parse(to_s, &to))
		return bad_input("bad TO date (expected an existing YYYY-MM-DD)", to_s);
	a = bz_days_from_civil(from.year, from.month, from.day);
	b = bz_days_from_civil(to.year, to.month, to.day);
	if (b < a)
		return bad_input("TO is before FROM", to_s);
	if (b - a > DAYS_MAX_SPAN)
		return bad_input("range longer than a century", to_s);
	begin(&j, &out, json);
	if (json) {
		bz_json_str(&j, "from", from_s);
		bz_json_str(&j, "to", to_s);
		bz_json_rows(&j, "days");
	}
	for (int64_t z = a; z <= b; z++) {
		struct bz_day_reason r;

		bz_civil_from_days(z, &d);
		if (bz_calendar_is_working(cal, &d, &r))
			continue;
		bz_date_format(&d, ds);
		if (json) {
			bz_json_object(&j, NULL);
			bz_json_str(&j, "date", ds);
			reason_json(&j, &r);
			bz_json_end(&j);
		} else
			reason_text(&out, ds, 0, &r);
		n++;
	}
	if (json) {
		bz_json_end(&j);
		bz_json_str(&j, "calendar_version", bz_calendar_version(cal));
	} else
		bz_buf_printf(&out, "%d non-working day%s; calendar %s\n", n,
		    n == 1 ? "" : "s", bz_calendar_version(cal));
	emit(&j, &out, json);
	return CTL_EXIT_OK;
}

/* ctl_calendar - entry point of "buzonctl calendar" */
int
ctl_calendar(int argc, char **argv, const char *config_path)
{
	struct cal_opts o;
	struct bz_calendar *cal;
	char **args = xcalloc((size_t)argc + 1, sizeof(*args));
	int nargs = 0, status = CTL_EXIT_USAGE, want;

	memset(&o, 0, sizeof(o));
	o.files = xcalloc((size_t)argc + 1, sizeof(*o.files));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int has_value = i + 1 < argc;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			status = calendar_usage(stdout, CTL_EXIT_OK);
			goto out;
		} else if (strcmp(a, "--json") == 0)
			o.json = 1;
		else if (strcmp(a, "--calendar") == 0 && has_value)
			o.files[o.nfiles++] = argv[++i];
		else if (strcmp(a, "--basis") == 0 && has_value)
			o.basis = argv[++i];
		else if (strcmp(a, "--first-hour") == 0 && has_value)
			o.first_hour = argv[++i];
		else if (strncmp(a, "--", 2) == 0) {
			fprintf(stderr, "buzonctl calendar: unknown option or missing "
			    "value: %s (see buzonctl calendar --help)\n", a);
			goto out;
		} else
			args[nargs++] = argv[i];
	}
	if (nargs == 0) {
		status = calendar_usage(stderr, CTL_EXIT_USAGE);
		goto out;
	}
	want = strcmp(args[0], "days") == 0 ? 3 : 2;
	if (strcmp(args[0], "submission") && strcmp(args[0], "notification") &&
	    strcmp(args[0], "window") && strcmp(args[0], "available-until") &&
	    strcmp(args[0], "is-working") && strcmp(args[0], "days")) {
		fprintf(stderr, "buzonctl calendar: unknown subcommand %s (see "
		    "buzonctl calendar --help)\n", args[0]);
		goto out;
	}
	if (nargs != want) {
		fprintf(stderr, "buzonctl calendar %s: expected %d argument%s\n", args[0],
		    want - 1, want == 2 ? "" : "s");
		goto out;
	}
	if ((cal = open_calendar(&o, config_path)) == NULL)
		goto out;
	if (strcmp(args[0], "submission") == 0 || strcmp(args[0], "notification") == 0)
		status = show_instant(cal, args[0], args[1], o.json);
	else if (strcmp(args[0], "window") == 0)
		status = show_window(cal, args[1], o.json);
	else if (strcmp(args[0], "available-until") == 0)
		status = show_available(cal, args[1], o.json);
	else if (strcmp(args[0], "is-working") == 0)
		status = show_is_working(cal, args[1], o.json);
	else
		status = show_days(cal, args[1], args[2], o.json);
	bz_calendar_free(cal);
out:
	free(o.files);
	free(args);
	return status;
}
