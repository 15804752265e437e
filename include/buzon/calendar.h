/*
 * calendar - working days and legal instants in America/Mexico_City
 *
 * The rules of DESIGN.md section 4 (IMSS guidelines, DOF 2020-07-09):
 *
 *   working day   Monday-Friday that is not a statutory rest day (Ley
 *                 Federal del Trabajo art. 74; with basis lft+cff also
 *                 5 May, Codigo Fiscal art. 12) nor declared inhabil or
 *                 suspension by an institution file; an institution
 *                 "habil" entry makes a statutory rest day (or a weekend
 *                 day) working.
 *   submission    on a working local date: its arrival instant; else the
 *                 first hour (SubmissionFirstHour, default 00:00) of the
 *                 next working day.
 *   notification  inside [09:30:00, 18:00:00] local of a working day: that
 *                 instant; otherwise (before 09:30 included) 09:30 of the
 *                 NEXT working day.
 *   window        a notice sent on local date D: days 1-3 are the first
 *                 three working days after D; deemed notified on the
 *                 fourth, at 09:30.
 *   availability  emission date + 3 months (same day number, or the 1st of
 *                 the following month when that day does not exist), moved
 *                 to the next working day when it is not one.
 *
 * Every result carries a stable rule id (BZ_RULE_*) and the calendar
 * version: "sha256:<hex>" of the institution files' bytes concatenated in
 * order, "sha256:none" without files.
 *
 * A struct bz_calendar is immutable once loaded: share it between threads
 * and swap it for a new one on reload. It owns its own copy of the zone
 * (include/buzon/tz.h), loaded and self-tested by bz_calendar_load(), so a
 * broken tz database refuses the load exactly like a broken file.
 *
 * Failure: bz_calendar_load() returns NULL with one line in err
 * ("file:line: reason" for file errors). The computations return 0, or
 * -1 when no working day exists within BZ_CALENDAR_HORIZON_DAYS (an
 * open-ended suspension) or before the end of year 9999: the caller must
 * not invent an instant (the daemon tempfails).
 */
#ifndef BUZON_CALENDAR_H
#define BUZON_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#include "buzon/buf.h"
#include "buzon/instant.h"
#include "buzon/tz.h"

struct bz_config;
struct bz_calendar;

enum bz_legal_basis {
	BZ_BASIS_LFT = 0,	/* Ley Federal del Trabajo art. 74 */
	BZ_BASIS_LFT_CFF = 1,	/* ... plus Codigo Fiscal art. 12 (5 May) */
};

/* Rule ids: stable, stored with every computed instant. */
#define BZ_RULE_SUBMISSION_ARRIVAL	"submission.arrival"
#define BZ_RULE_SUBMISSION_NEXT_DAY	"submission.next-working-day"
#define BZ_RULE_NOTIF_IN_WINDOW		"notification.in-window"
#define BZ_RULE_NOTIF_BEFORE_WINDOW	"notification.before-window"
#define BZ_RULE_NOTIF_AFTER_WINDOW	"notification.after-window"
#define BZ_RULE_NOTIF_NON_WORKING	"notification.non-working-day"
#define BZ_RULE_WINDOW_FOURTH_DAY	"window.fourth-working-day"
#define BZ_RULE_AVAIL_SAME_DAY		"availability.same-day"
#define BZ_RULE_AVAIL_SAME_DAY_NEXT	"availability.same-day+next-working-day"
#define BZ_RULE_AVAIL_FIRST		"availability.first-of-next-month"
#define BZ_RULE_AVAIL_FIRST_NEXT	"availability.first-of-next-month+next-working-day"

/* Why a day is (not) working. */
enum bz_day_kind {
	BZ_DAY_WORKING,		/* Monday-Friday, nothing declared */
	BZ_DAY_HABIL,		/* a rest day made working by the institution */
	BZ_DAY_WEEKEND,		/* Saturday or Sunday */
	BZ_DAY_STATUTORY,	/* LFT art. 74 (CFF art. 12 with lft+cff) */
	BZ_DAY_INHABIL,		/* declared non-working by the institution */
	BZ_DAY_SUSPENSION,	/* institution suspension of terms */
};

struct bz_day_reason {
	enum bz_day_kind kind;
	const char *code;	/* stable: "working", "weekend", "lft-74-I".."lft-74-VIII",
				 * "cff-12", "inhabil", "suspension", "habil" */
	const char *text;	/* Spanish, UTF-8 (not for SMTP replies) */
	const char *source;	/* "DOF 2026-01-20" for file entries, the law otherwise */
	const char *file;	/* file entries: where it was declared */
	unsigned line;
};

/* A legal instant and how it was obtained. Strings belong to the calendar. */
struct bz_legal_instant {
	int64_t	 input_utc;
	int64_t	 utc;			/* the legal instant */
	struct bz_local_time local;	/* the same, on the Mexico City wall clock */
	const char *rule;
	const char *version;
};

struct bz_window {
	struct bz_date aviso;
	struct bz_date day[3];		/* the three working days to open it */
	struct bz_date deemed;		/* deemed notified on this date ... */
	int64_t	 deemed_utc;		/* ... at 09:30 local */
	const char *rule;
	const char *version;
};

struct bz_availability {
	struct bz_date emitted;
	struct bz_date until;		/* last day it is consultable */
	const char *rule;
	const char *version;
};

#define BZ_CALENDAR_HORIZON_DAYS	3660	/* search for a working day this far */
#define BZ_NOTIF_OPEN_SECONDS		(9 * 3600 + 30 * 60)	/* 09:30:00 */
#define BZ_NOTIF_CLOSE_SECONDS		(18 * 3600)		/* 18:00:00 */

struct bz_calendar *bz_calendar_load(const char *const *files, size_t nfiles,
	    enum bz_legal_basis basis, int first_hour_minutes, struct bz_buf *err);
/* The configuration's CalendarFile values in order, NULL-terminated, in an
 * array the caller frees (the strings belong to the configuration). */
const char **bz_calendar_config_files(const struct bz_config *cfg, size_t *n);
/* CalendarFile, LegalBasis and SubmissionFirstHour of a configuration. */
struct bz_calendar *bz_calendar_from_config(const struct bz_config *cfg,
	    struct bz_buf *err);
void	bz_calendar_free(struct bz_calendar *cal);

const char *bz_calendar_version(const struct bz_calendar *cal);
enum bz_legal_basis bz_calendar_basis(const struct bz_calendar *cal);
const char *bz_calendar_basis_name(enum bz_legal_basis basis);
int	bz_calendar_first_hour(const struct bz_calendar *cal);	/* minutes */
const struct bz_tz *bz_calendar_zone(const struct bz_calendar *cal);

/* 1 when working, 0 when not; reason may be NULL. */
int	bz_calendar_is_working(const struct bz_calendar *cal, const struct bz_date *date,
	    struct bz_day_reason *reason);
/* The first working day strictly after date; -1 beyond the horizon. */
int	bz_calendar_next_working(const struct bz_calendar *cal, const struct bz_date *date,
	    struct bz_date *next);

int	bz_calendar_submission(const struct bz_calendar *cal, int64_t utc,
	    struct bz_legal_instant *out);
int	bz_calendar_notification(const struct bz_calendar *cal, int64_t utc,
	    struct bz_legal_instant *out);
int	bz_calendar_window(const struct bz_calendar *cal, const struct bz_date *aviso,
	    struct bz_window *out);
int	bz_calendar_available_until(const struct bz_calendar *cal,
	    const struct bz_date *emitted, struct bz_availability *out);

/*
 * Local years (of now_utc: the current and the next) for which no
 * institution entry exists: the administrator has not loaded that year's
 * DOF declarations. Returns how many of years[0..1] were filled.
 */
size_t	bz_calendar_years_without_entries(const struct bz_calendar *cal,
	    int64_t now_utc, int years[2]);

#endif
