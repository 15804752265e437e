/*
 * instant - ISO-8601 instants and dates as text
 *
 * Parsing of the exact forms the project accepts on its interfaces:
 * an INSTANT is YYYY-MM-DDTHH:MM:SS with "Z" or a "+HH:MM"/"-HH:MM" offset
 * (fractional seconds are refused: legal instants have one-second
 * resolution); a DATE is YYYY-MM-DD. Impossible dates (2025-02-30) are
 * refused. Pure functions: no time zone state, no locale.
 */
#ifndef BUZON_INSTANT_H
#define BUZON_INSTANT_H

#include <stdint.h>
#include <time.h>

/* A civil date, proleptic Gregorian. */
struct bz_date {
	int	year;
	int	month;	/* 1..12 */
	int	day;	/* 1..31 */
};

int	bz_instant_parse(const char *s, int64_t *utc_seconds);
int	bz_date_parse(const char *s, struct bz_date *d);
int	bz_date_valid(int year, int month, int day);
int	bz_days_in_month(int year, int month);
int64_t	bz_days_from_civil(int year, int month, int day);
void	bz_civil_from_days(int64_t days, struct bz_date *d);
int	bz_date_weekday(const struct bz_date *d);	/* 0 = Sunday */

/* "2025-06-16T06:00:00Z" (20 characters); out holds BZ_INSTANT_UTC_LEN */
#define BZ_INSTANT_UTC_LEN 32	/* 21 used; room for the compiler's range analysis */
void	bz_instant_format_utc(int64_t utc_seconds, char out[BZ_INSTANT_UTC_LEN]);
/* The same instant on a clock offset seconds east: "2025-06-16T00:00:00-06:00" */
void	bz_instant_format_offset(int64_t utc_seconds, int offset,
	    char out[BZ_INSTANT_UTC_LEN]);
/* "YYYY-MM-DD" */
void	bz_date_format(const struct bz_date *d, char out[BZ_INSTANT_UTC_LEN]);

#endif
