/*
 * tz - one time zone from the system tz database, as an immutable table
 *
 * The legal calendar reasons in America/Mexico_City wall-clock time. Rather
 * than localtime_r()/mktime() (which take glibc's global time-zone lock and
 * follow the process's TZ variable), the zone is loaded once as GLib's
 * GTimeZone (an immutable table of the file's transitions plus its POSIX
 * TZ footer, e.g. America/Mexico_City's "CST6" since 2022); lookups are
 * then pure functions of that table, safe on any thread without locking.
 *
 * bz_tz_load() reads DIR/NAME where DIR is $TZDIR when set (as glibc does),
 * else /usr/share/zoneinfo. The file's structure (TZif versions 1-4
 * without leap seconds) is checked here before GLib reads it; a footer
 * naming daylight time without rules is refused (by GLib) rather than
 * guessed.
 *
 * Local to UTC (bz_tz_local_to_utc): a wall time that occurs once maps to
 * its instant. In a gap (the clock jumps forward), the wall time does not
 * exist: the offset in force before the jump is used, so 02:30 in a
 * 02:00->03:00 gap becomes 03:30 new time (the same real distance from the
 * preceding midnight). In an overlap (the clock goes back) the earlier of
 * the two instants is returned. America/Mexico_City changed at 02:00, so
 * the calendar's 00:00 and 09:30 never fall in either.
 *
 * Failure: bz_tz_load() returns NULL and writes one line into err;
 * bz_tz_selftest() returns -1 and explains in err.
 */
#ifndef BUZON_TZ_H
#define BUZON_TZ_H

#include <stdint.h>

#include "buzon/buf.h"
#include "buzon/instant.h"

#define BZ_TZ_MEXICO_CITY	"America/Mexico_City"

struct bz_tz;

/* What the wall clock said at one instant. */
struct bz_local_time {
	struct bz_date date;		/* local civil date */
	int	 seconds;		/* 0..86399 since local midnight */
	int	 utc_offset;		/* seconds east of UTC (-21600 for CST) */
	int	 is_dst;
	const char *abbrev;		/* "CST", "CDT": owned by the zone */
};

struct bz_tz *bz_tz_load(const char *name, struct bz_buf *err);
struct bz_tz *bz_tz_load_file(const char *path, struct bz_buf *err);
void	bz_tz_free(struct bz_tz *tz);

void	bz_tz_to_local(const struct bz_tz *tz, int64_t utc, struct bz_local_time *out);
/* Wall time (date, seconds since local midnight) to UTC; see above for gaps. */
int64_t	bz_tz_local_to_utc(const struct bz_tz *tz, const struct bz_date *date,
	    int seconds);

/* Known America/Mexico_City conversions; 0 when all agree, else -1 and err. */
int	bz_tz_selftest(const struct bz_tz *tz, struct bz_buf *err);

#endif
