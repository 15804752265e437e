/*
 * calendar - working days and legal instants in America/Mexico_City
 *
 * See include/buzon/calendar.h for the rules. Layers, strongest first:
 * institution inhabil/suspension entries, institution habil entries,
 * statutory rest days and weekends, ordinary working days. A habil entry
 * overlapping an inhabil or suspension entry is refused at load time: the
 * file would say two things about one day and we will not pick one.
 *
 * Nothing here reads the clock, the TZ variable or libc's zone state; a
 * loaded calendar is never written again, so lookups need no lock.
 */
#include "build-aux/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/calendar.h"
#include "buzon/calendar_file.h"
#include "buzon/config.h"
#include "buzon/digest.h"
#include "buzon/log.h"
#include "buzon/xalloc.h"

#define CAL_MAX_FILE	(4 * 1024 * 1024)
#define CAL_LAST_DAY	2932896		/* 9999-12-31: dates print as YYYY */

struct bz_calendar {
	enum bz_legal_basis basis;
	int	 first_hour;		/* minutes after local midnight */
	char	*version;		/* "sha256:<hex>" or "sha256:none" */
	struct bz_tz *tz;
	struct bz_cal_entries entries;
};

/* check_conflicts - a habil day must not also be declared non-working */
static int
check_conflicts(const struct bz_cal_entries *list, struct bz_buf *err)
{
	for (size_t i = 0; i < list->n; i++) {
		const struct bz_cal_entry *h = &list->v[i];

		if (h->kind != BZ_ENTRY_HABIL)
			continue;
		for (size_t j = 0; j < list->n; j++) {
			const struct bz_cal_entry *x = &list->v[j];

			if (x->kind == BZ_ENTRY_HABIL || x->last < h->first ||
			    h->last < x->first)
				continue;
			bz_buf_printf(err, "%s:%u: habil entry overlaps the %s entry at "
			    "%s:%u; split the range so each day is declared once",
			    h->file, h->line, bz_cal_entry_kind_name(x->kind), x->file,
			    x->line);
			return -1;
		}
	}
	return 0;
}

/* bz_calendar_load - zone, files and rules as one immutable object */
struct bz_calendar *
bz_calendar_load(const char *const *files, size_t nfiles, enum bz_legal_basis basis,
    int first_hour_minutes, struct bz_buf *err)
{
	struct bz_calendar *cal;
	struct bz_sha256 *md;
	char digest[65];

	if (basis != BZ_BASIS_LFT && basis != BZ_BASIS_LFT_CFF)
		bz_panic("calendar: unknown legal basis %d", (int)basis);
	if (first_hour_minutes < 0 || first_hour_minutes >= 24 * 60) {
		bz_buf_printf(err, "first hour %d minutes is not a time of day",
		    first_hour_minutes);
		return NULL;
	}
	cal = xcalloc(1, sizeof(*cal));
	cal->basis = basis;
	cal->first_hour = first_hour_minutes;
	if ((cal->tz = bz_tz_load(BZ_TZ_MEXICO_CITY, err)) == NULL ||
	    bz_tz_selftest(cal->tz, err) != 0) {
		bz_calendar_free(cal);
		return NULL;
	}
	md = bz_sha256_begin();
	for (size_t i = 0; i < nfiles; i++) {
		struct bz_buf data = BZ_BUF_INIT;
		int rc;

		if (bz_buf_read_file(&data, files[i], CAL_MAX_FILE)) {
			bz_buf_printf(err, "%s: %s", files[i], strerror(errno));
			rc = -1;
		} else {
			bz_sha256_update(md, data.data ? data.data : "", data.len);
			rc = bz_calendar_file_parse(files[i], data.data ? data.data : "",
			    data.len, &cal->entries, err);
		}
		bz_buf_free(&data);
		if (rc) {
			bz_sha256_abort(md);
			bz_calendar_free(cal);
			return NULL;
		}
	}
	bz_sha256_end(md, digest);
	cal->version = nfiles ? xasprintf("sha256:%s", digest) : xstrdup("sha256:none");
	if (check_conflicts(&cal->entries, err)) {
		bz_calendar_free(cal);
		return NULL;
	}
	return cal;
}

/* bz_calendar_config_files - the CalendarFile list of a configuration */
const char **
bz_calendar_config_files(const struct bz_config *cfg, size_t *n)
{
	const char **files;

	*n = bz_config_count(cfg, BZ_KEY_CalendarFile);
	files = xcalloc(*n + 1, sizeof(*files));
	for (size_t i = 0; i < *n; i++)
		files[i] = bz_config_nth(cfg, BZ_KEY_CalendarFile, i);
	return files;
}

/* bz_calendar_from_config - the calendar a configuration describes */
struct bz_calendar *
bz_calendar_from_config(const struct bz_config *cfg, struct bz_buf *err)
{
	size_t n;
	const char **files = bz_calendar_config_files(cfg, &n);
	struct bz_calendar *cal;

	cal = bz_calendar_load(files, n,
	    bz_config_num(cfg, BZ_KEY_LegalBasis) == 1 ? BZ_BASIS_LFT_CFF : BZ_BASIS_LFT,
	    (int)bz_config_num(cfg, BZ_KEY_SubmissionFirstHour), err);
	free(files);
	return cal;
}

/* bz_calendar_free - release a calendar (NULL is fine) */
void
bz_calendar_free(struct bz_calendar *cal)
{
	if (cal == NULL)
		return;
	bz_cal_entries_free(&cal->entries);
	bz_tz_free(cal->tz);
	free(cal->version);
	free(cal);
}

/* bz_calendar_version - "sha256:<hex>" or "sha256:none" */
const char *
bz_calendar_version(const struct bz_calendar *cal)
{
	return cal->version;
}

/* bz_calendar_basis - lft or lft+cff */
enum bz_legal_basis
bz_calendar_basis(const struct bz_calendar *cal)
{
	return cal->basis;
}

/* bz_calendar_basis_name - the configuration keyword of a basis */
const char *
bz_calendar_basis_name(enum bz_legal_basis basis)
{
	return basis == BZ_BASIS_LFT_CFF ? "lft+cff" : "lft";
}

/* bz_calendar_first_hour - SubmissionFirstHour in minutes */
int
bz_calendar_first_hour(const struct bz_calendar *cal)
{
	return cal->first_hour;
}

/* bz_calendar_zone - the zone the calendar computes in */
const struct bz_tz *
bz_calendar_zone(const struct bz_calendar *cal)
{
	return cal->tz;
}

/* set_reason - fill a reason when the caller wants one */
static void
set_reason(struct bz_day_reason *r, enum bz_day_kind kind, const char *code,
    const char *text, const char *source, const struct bz_cal_entry *e)
{
	if (r == NULL)
		return;
	r->kind = kind;
	r->code = code;
	r->text = text;
	r->source = source;
	r->file = e ? e->file : NULL;
	r->line = e ? e->line : 0;
}

/*
 * statutory - the rest day of Ley Federal del Trabajo art. 74 (and, with
 * lft+cff, Codigo Fiscal art. 12) that date d is, or NULL. The fraction
 * numbers are the article's; fraction IX (election days) is not fixed in
 * advance and belongs in the institution file.
 */
static int
statutory(enum bz_legal_basis basis, const struct bz_date *d, int wday,
    const char **code, const char **text)
{
	int monday = wday == 1;

#define REST(c, t) do { *code = (c); *text = (t); return 1; } while (0)
	/* "I. El 1o. de enero;" */
	if (d->month == 1 && d->day == 1)
		REST("lft-74-I", "1 de enero (LFT art. 74 fracc. I)");
	/* "II. El primer lunes de febrero en conmemoracion del 5 de febrero;" */
	if (d->month == 2 && monday && d->day <= 7)
		REST("lft-74-II", "Primer lunes de febrero, por el 5 de febrero "
		    "(LFT art. 74 fracc. II)");
	/* "III. El tercer lunes de marzo en conmemoracion del 21 de marzo;" */
	if (d->month == 3 && monday && d->day >= 15 && d->day <= 21)
		REST("lft-74-III", "Tercer lunes de marzo, por el 21 de marzo "
		    "(LFT art. 74 fracc. III)");
	/* "IV. El 1o. de mayo;" */
	if (d->month == 5 && d->day == 1)
		REST("lft-74-IV", "1 de mayo (LFT art. 74 fracc. IV)");
	/* CFF art. 12: "... el 1o. y 5 de mayo; ..." */
	if (basis == BZ_BASIS_LFT_CFF && d->month == 5 && d->day == 5)
		REST("cff-12", "5 de mayo (CFF art. 12)");
	/* "V. El 16 de septiembre;" */
	if (d->month == 9 && d->day == 16)
		REST("lft-74-V", "16 de septiembre (LFT art. 74 fracc. V)");
	/* "VI. El tercer lunes de noviembre en conmemoracion del 20 de noviembre;" */
	if (d->month == 11 && monday && d->day >= 15 && d->day <= 21)
		REST("lft-74-VI", "Tercer lunes de noviembre, por el 20 de noviembre "
		    "(LFT art. 74 fracc. VI)");
	/*
	 * "VII. El 1o. de octubre de cada seis anos, cuando corresponda a la
	 * transmision del Poder Ejecutivo Federal;" -- 1 October from 2024
	 * (constitutional reform of 2014, first applied in 2024); the
	 * inauguration, and so the rest day, was 1 December up to 2018.
	 */
	if (d->month == 10 && d->day == 1 && d->year >= 2024 && (d->year - 2024) % 6 == 0)
		REST("lft-74-VII", "Transmisión del Poder Ejecutivo Federal, 1 de octubre "
		    "(LFT art. 74 fracc. VII)");
	if (d->month == 12 && d->day == 1 && d->year <= 2018 && (2018 - d->year) % 6 == 0)
		REST("lft-74-VII", "Transmisión del Poder Ejecutivo Federal, 1 de diciembre "
		    "(LFT art. 74 fracc. VII)");
	/* "VIII. El 25 de diciembre;" */
	if (d->month == 12 && d->day == 25)
		REST("lft-74-VIII", "25 de diciembre (LFT art. 74 fracc. VIII)");
#undef REST
	return 0;
}

/* day_is_working - the layers of the header comment, for one day number */
static int
day_is_working(const struct bz_calendar *cal, int64_t day, struct bz_day_reason *r)
{
	const struct bz_cal_entry *habil = NULL;
	struct bz_date d;
	const char *code, *text;
	int wday;

	for (size_t i = 0; i < cal->entries.n; i++) {
		const struct bz_cal_entry *e = &cal->entries.v[i];

		if (day < e->first || day > e->last)
			continue;
		if (e->kind == BZ_ENTRY_HABIL) {
			habil = e;
			continue;
		}
		set_reason(r, e->kind == BZ_ENTRY_SUSPENSION ? BZ_DAY_SUSPENSION :
		    BZ_DAY_INHABIL, bz_cal_entry_kind_name(e->kind), e->description,
		    e->source, e);
		return 0;
	}
	if (habil) {
		set_reason(r, BZ_DAY_HABIL, "habil", habil->description, habil->source,
		    habil);
		return 1;
	}
	bz_civil_from_days(day, &d);
	wday = bz_date_weekday(&d);
	if (statutory(cal->basis, &d, wday, &code, &text)) {
		set_reason(r, BZ_DAY_STATUTORY, code, text,
		    strncmp(code, "cff", 3) == 0 ? "Código Fiscal de la Federación art. 12" :
		    "Ley Federal del Trabajo art. 74", NULL);
		return 0;
	}
	if (wday == 0 || wday == 6) {
		set_reason(r, BZ_DAY_WEEKEND, "weekend", wday == 0 ? "Domingo" : "Sábado",
		    "Lineamientos IMSS (DOF 2020-07-09): días hábiles de lunes a viernes", NULL);
		return 0;
	}
	set_reason(r, BZ_DAY_WORKING, "working", "Día hábil", NULL, NULL);
	return 1;
}

/* bz_calendar_is_working - 1 for a working day, 0 if not */
int
bz_calendar_is_working(const struct bz_calendar *cal, const struct bz_date *date,
    struct bz_day_reason *reason)
{
	return day_is_working(cal, bz_days_from_civil(date->year, date->month,
	    date->day), reason);
}

/* next_working_day - first working day number strictly after day */
static int
next_working_day(const struct bz_calendar *cal, int64_t day, int64_t *next)
{
	for (int64_t i = 1; i <= BZ_CALENDAR_HORIZON_DAYS && day + i <= CAL_LAST_DAY; i++)
		if (day_is_working(cal, day + i, NULL)) {
			*next = day + i;
			return 0;
		}
	return -1;
}

/* bz_calendar_next_working - the first working day after date */
int
bz_calendar_next_working(const struct bz_calendar *cal, const struct bz_date *date,
    struct bz_date *next)
{
	int64_t n;

	if (next_working_day(cal, bz_days_from_civil(date->year, date->month,
	    date->day), &n))
		return -1;
	bz_civil_from_days(n, next);
	return 0;
}

/* at_local - legal instant at a wall time of a day number */
static void
at_local(const struct bz_calendar *cal, int64_t day, int seconds,
    struct bz_legal_instant *out)
{
	struct bz_date d;

	bz_civil_from_days(day, &d);
	out->utc = bz_tz_local_to_utc(cal->tz, &d, seconds);
	bz_tz_to_local(cal->tz, out->utc, &out->local);
}

/* local_day - day number of a local date */
static int64_t
local_day(const struct bz_local_time *lt)
{
	return bz_days_from_civil(lt->date.year, lt->date.month, lt->date.day);
}

/* instant_begin - clear a result for input utc; its local time and day number */
static int64_t
instant_begin(const struct bz_calendar *cal, int64_t utc, struct bz_legal_instant *out,
    struct bz_local_time *lt)
{
	memset(out, 0, sizeof(*out));
	out->input_utc = utc;
	out->version = cal->version;
	bz_tz_to_local(cal->tz, utc, lt);
	return local_day(lt);
}

/* bz_calendar_submission - legal reception instant of a filing */
int
bz_calendar_submission(const struct bz_calendar *cal, int64_t utc,
    struct bz_legal_instant *out)
{
	struct bz_local_time lt;
	int64_t day, next;

	day = instant_begin(cal, utc, out, &lt);
	if (day_is_working(cal, day, NULL)) {
		out->utc = utc;
		out->local = lt;
		out->rule = BZ_RULE_SUBMISSION_ARRIVAL;
		return 0;
	}
	if (next_working_day(cal, day, &next))
		return -1;
	at_local(cal, next, cal->first_hour * 60, out);
	out->rule = BZ_RULE_SUBMISSION_NEXT_DAY;
	return 0;
}

/* bz_calendar_notification - legal instant of an acknowledgement */
int
bz_calendar_notification(const struct bz_calendar *cal, int64_t utc,
    struct bz_legal_instant *out)
{
	struct bz_local_time lt;
	int64_t day, next;

	day = instant_begin(cal, utc, out, &lt);
	if (!day_is_working(cal, day, NULL))
		out->rule = BZ_RULE_NOTIF_NON_WORKING;
	else if (lt.seconds < BZ_NOTIF_OPEN_SECONDS)
		out->rule = BZ_RULE_NOTIF_BEFORE_WINDOW;
	else if (lt.seconds > BZ_NOTIF_CLOSE_SECONDS)
		out->rule = BZ_RULE_NOTIF_AFTER_WINDOW;
	else {
		out->utc = utc;
		out->local = lt;
		out->rule = BZ_RULE_NOTIF_IN_WINDOW;
		return 0;
	}
	/* Outside the window, before 09:30 included: 09:30 of the NEXT working day. */
	if (next_working_day(cal, day, &next))
		return -1;
	at_local(cal, next, BZ_NOTIF_OPEN_SECONDS, out);
	return 0;
}

/* bz_calendar_window - three working days to open, then deemed notified */
int
bz_calendar_window(const struct bz_calendar *cal, const struct bz_date *aviso,
    struct bz_window *out)
{
	struct bz_legal_instant li;
	int64_t day = bz_days_from_civil(aviso->year, aviso->month, aviso->day);

	memset(out, 0, sizeof(*out));
	out->aviso = *aviso;
	out->version = cal->version;
	out->rule = BZ_RULE_WINDOW_FOURTH_DAY;
	for (int i = 0; i < 3; i++) {
		if (next_working_day(cal, day, &day))
			return -1;
		bz_civil_from_days(day, &out->day[i]);
	}
	if (next_working_day(cal, day, &day))
		return -1;
	bz_civil_from_days(day, &out->deemed);
	at_local(cal, day, BZ_NOTIF_OPEN_SECONDS, &li);
	out->deemed_utc = li.utc;
	return 0;
}

/* bz_calendar_available_until - end of the 3-month consultation period */
int
bz_calendar_available_until(const struct bz_calendar *cal,
    const struct bz_date *emitted, struct bz_availability *out)
{
	int y = emitted->year, m = emitted->month + 3, first = 0;
	int64_t day;

	memset(out, 0, sizeof(*out));
	out->emitted = *emitted;
	out->version = cal->version;
	if (m > 12) {
		m -= 12;
		y++;
	}
	if (y > 9999)
		return -1;
	if (bz_date_valid(y, m, emitted->day))
		day = bz_days_from_civil(y, m, emitted->day);
	else {
		/* 31 Nov does not exist: the first day of the following month. */
		day = bz_days_from_civil(y, m, bz_days_in_month(y, m)) + 1;
		first = 1;
		if (day > CAL_LAST_DAY)
			return -1;
	}
	if (day_is_working(cal, day, NULL))
		out->rule = first ? BZ_RULE_AVAIL_FIRST : BZ_RULE_AVAIL_SAME_DAY;
	else {
		if (next_working_day(cal, day, &day))
			return -1;
		out->rule = first ? BZ_RULE_AVAIL_FIRST_NEXT : BZ_RULE_AVAIL_SAME_DAY_NEXT;
	}
	bz_civil_from_days(day, &out->until);
	return 0;
}

/* bz_calendar_years_without_entries - this and next local year, if undeclared */
size_t
bz_calendar_years_without_entries(const struct bz_calendar *cal, int64_t now_utc,
    int years[2])
{
	struct bz_local_time lt;
	size_t n = 0;

	bz_tz_to_local(cal->tz, now_utc, &lt);
	for (int y = lt.date.year; y <= lt.date.year + 1; y++) {
		int64_t jan1 = bz_days_from_civil(y, 1, 1);
		int64_t dec31 = bz_days_from_civil(y, 12, 31);
		int found = 0;

		for (size_t i = 0; i < cal->entries.n && !found; i++)
			found = cal->entries.v[i].first <= dec31 &&
			    cal->entries.v[i].last >= jan1;
		if (!found)
			years[n++] = y;
	}
	return n;
}
