/*
 * instant - ISO-8601 instants and dates as text
 *
 * See include/buzon/instant.h. Civil-day arithmetic uses Howard Hinnant's
 * days_from_civil algorithm (public domain description), so no libc time
 * zone state is touched: safe on any thread, no global lock.
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <string.h>

#include "buzon/instant.h"

/* bz_days_in_month - 28..31, or 0 for a month out of range */
int
bz_days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	if (month < 1 || month > 12)
		return 0;
	return days[month - 1] + (month == 2 && leap);
}

/* bz_date_valid - does this civil date exist? */
int
bz_date_valid(int year, int month, int day)
{
	return year >= 1 && year <= 9999 && day >= 1 &&
	    day <= bz_days_in_month(year, month);
}

/* bz_days_from_civil - days since 1970-01-01 */
int64_t
bz_days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* bz_civil_from_days - inverse of bz_days_from_civil */
void
bz_civil_from_days(int64_t z, struct bz_date *out)
{
	int64_t era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	out->year = (int)(y + (m <= 2));
	out->month = (int)m;
	out->day = (int)d;
}

/* bz_date_weekday - 0 Sunday .. 6 Saturday */
int
bz_date_weekday(const struct bz_date *d)
{
	int64_t z = bz_days_from_civil(d->year, d->month, d->day);

	return (int)(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

/* digits - parse exactly n ASCII digits */
static int
digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* parse_date_prefix - YYYY-MM-DD at the start of s */
static int
parse_date_prefix(const char *s, struct bz_date *d)
{
	if (strlen(s) < 10 || s[4] != '-' || s[7] != '-' ||
	    digits(s, 4, &d->year) || digits(s + 5, 2, &d->month) ||
	    digits(s + 8, 2, &d->day))
		return -1;
	return bz_date_valid(d->year, d->month, d->day) ? 0 : -1;
}

/* bz_date_parse - exactly YYYY-MM-DD; 0 on success, -1 on bad input */
int
bz_date_parse(const char *s, struct bz_date *d)
{
	if (strlen(s) != 10)
		return -1;
	return parse_date_prefix(s, d);
}

/* bz_instant_parse - YYYY-MM-DDTHH:MM:SS(Z|+HH:MM|-HH:MM) to UTC seconds */
int
bz_instant_parse(const char *s, int64_t *utc)
{
	struct bz_date d;
	int hh, mm, ss, oh, om, sign;
	const char *z;

	if (parse_date_prefix(s, &d) || (s[10] != 'T' && s[10] != 't'))
		return -1;
	if (digits(s + 11, 2, &hh) || s[13] != ':' || digits(s + 14, 2, &mm) ||
	    s[16] != ':' || digits(s + 17, 2, &ss))
		return -1;
	if (hh > 23 || mm > 59 || ss > 59)
		return -1;
	z = s + 19;
	if ((z[0] == 'Z' || z[0] == 'z') && z[1] == '\0') {
		oh = om = 0;
		sign = 1;
	} else if ((z[0] == '+' || z[0] == '-') && strlen(z) == 6 &&
	    digits(z + 1, 2, &oh) == 0 && z[3] == ':' && digits(z + 4, 2, &om) == 0) {
		if (oh > 23 || om > 59)
			return -1;
		sign = z[0] == '+' ? 1 : -1;
	} else
		return -1;
	*utc = bz_days_from_civil(d.year, d.month, d.day) * 86400 +
	    hh * 3600 + mm * 60 + ss - sign * (oh * 3600 + om * 60);
	return 0;
}

/* bz_instant_format_utc - "YYYY-MM-DDTHH:MM:SSZ" */
void
bz_instant_format_utc(int64_t t, char out[BZ_INSTANT_UTC_LEN])
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400;
	struct bz_date d;

	bz_civil_from_days(days, &d);
	snprintf(out, BZ_INSTANT_UTC_LEN, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    d.year % 10000, d.month % 100, d.day % 100, (int)(secs / 3600 % 100),
	    (int)(secs / 60 % 60), (int)(secs % 60));
}

/* bz_instant_format_offset - "YYYY-MM-DDTHH:MM:SS+HH:MM" on a fixed offset */
void
bz_instant_format_offset(int64_t t, int offset, char out[BZ_INSTANT_UTC_LEN])
{
	int64_t local = t + offset;
	int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	int64_t secs = local - days * 86400;
	int a = offset < 0 ? -offset : offset;
	struct bz_date d;

	bz_civil_from_days(days, &d);
	snprintf(out, BZ_INSTANT_UTC_LEN, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
	    d.year % 10000, d.month % 100, d.day % 100, (int)(secs / 3600 % 100),
	    (int)(secs / 60 % 60), (int)(secs % 60), offset < 0 ? '-' : '+',
	    a / 3600 % 100, a / 60 % 60);
}

/* bz_date_format - "YYYY-MM-DD" */
void
bz_date_format(const struct bz_date *d, char out[BZ_INSTANT_UTC_LEN])
{
	snprintf(out, BZ_INSTANT_UTC_LEN, "%04d-%02d-%02d", d->year % 10000,
	    d->month % 100, d->day % 100);
}
