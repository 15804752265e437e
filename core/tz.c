/*
 * tz - one time zone from the system tz database, as an immutable table
 *
 * See include/buzon/tz.h. The TZif format is RFC 8536: a version-1 block
 * with 32-bit times, then (version 2 and later) the same data with 64-bit
 * times and a POSIX TZ string footer. We read the 64-bit block when there
 * is one. Every count and index is checked before use: a damaged file is
 * refused, never half-trusted.
 */
#include "build-aux/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/log.h"
#include "buzon/tz.h"
#include "buzon/xalloc.h"

#define TZ_DEFAULT_DIR	"/usr/share/zoneinfo"
#define TZ_MAX_FILE	(1024 * 1024)	/* real TZif files are a few KB */
#define TZ_MAX_OFFSET	(26 * 3600)

struct tz_type {
	int32_t	 utoff;
	int	 is_dst;
	char	*abbrev;
};

/* A POSIX TZ rule date: Jn, n or Mm.w.d, and the local time of the change. */
struct tz_rule {
	char	 kind;		/* 'J' (1..365, no 29 Feb), 'n' (0..365), 'M' */
	int	 day, week, month;
	int32_t	 time;		/* seconds after local midnight; may be < 0 or > 24 h */
};

/* The footer: what applies after the last transition of the table. */
struct tz_footer {
	struct tz_type std;
	struct tz_type dst;
	int	 has_dst;
	struct tz_rule start, end;	/* start in standard time, end in DST */
};

struct bz_tz {
	char	*name;
	size_t	 ntrans;
	int64_t	*trans;			/* ascending UTC instants */
	unsigned char *trans_type;	/* index into types, per transition */
	size_t	 ntypes;
	struct tz_type *types;
	int	 has_footer;		/* after the last transition ... */
	struct tz_footer footer;	/* ... this rule applies */
};

/* be32 - big-endian 32-bit signed */
static int64_t
be32(const unsigned char *p)
{
	return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

/* be64 - big-endian 64-bit signed */
static int64_t
be64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (int64_t)v;
}

/* read_file - the whole file, bounded; NULL with errno on failure */
static unsigned char *
read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *data;
	size_t n;

	if (fp == NULL)
		return NULL;
	data = xmalloc(TZ_MAX_FILE + 1);
	n = fread(data, 1, TZ_MAX_FILE + 1, fp);
	if (ferror(fp) || n > TZ_MAX_FILE) {
		int e = ferror(fp) ? EIO : EFBIG;

		free(data);
		fclose(fp);
		errno = e;
		return NULL;
	}
	fclose(fp);
	*len = n;
	return data;
}

struct tzif_counts {
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

/* header - parse a 44-byte TZif header; -1 when malformed */
static int
header(const unsigned char *p, size_t len, int *version, struct tzif_counts *c)
{
	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return -1;
	*version = p[4] == 0 ? 1 : p[4] - '0';
	if (*version < 1 || *version > 9)
		return -1;
	c->isutcnt = (uint32_t)be32(p + 20);
	c->isstdcnt = (uint32_t)be32(p + 24);
	c->leapcnt = (uint32_t)be32(p + 28);
	c->timecnt = (uint32_t)be32(p + 32);
	c->typecnt = (uint32_t)be32(p + 36);
	c->charcnt = (uint32_t)be32(p + 40);
	if (c->typecnt == 0 || c->typecnt > 256 || c->charcnt == 0 ||
	    c->timecnt > 100000 || c->charcnt > 100000 || c->leapcnt > 100000 ||
	    (c->isutcnt != 0 && c->isutcnt != c->typecnt) ||
	    (c->isstdcnt != 0 && c->isstdcnt != c->typecnt))
		return -1;
	return 0;
}

/* block_size - bytes of one data block with times of tsize bytes */
static size_t
block_size(const struct tzif_counts *c, size_t tsize)
{
	return (size_t)c->timecnt * tsize + c->timecnt + (size_t)c->typecnt * 6 +
	    c->charcnt + (size_t)c->leapcnt * (tsize + 4) + c->isstdcnt + c->isutcnt;
}

/* parse_offset - POSIX TZ "[+-]hh[:mm[:ss]]", hh <= max_hours; seconds WEST */
static int
parse_offset(const char **sp, int max_hours, int32_t *west)
{
	const char *s = *sp;
	int sign = 1, part[3] = { 0, 0, 0 };

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	for (int i = 0; i < 3; i++) {
		if (i > 0) {
			if (*s != ':')
				break;
			s++;
		}
		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s) && part[i] < 1000)
			part[i] = part[i] * 10 + (*s++ - '0');
	}
	if (part[0] > max_hours || part[1] > 59 || part[2] > 59)
		return -1;
	*west = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
	*sp = s;
	return 0;
}

/* parse_name - a zone abbreviation, plain or <quoted>; NULL when bad */
static char *
parse_name(const char **sp)
{
	const char *s = *sp, *name = s;
	size_t n;

	if (*s == '<') {
		name = ++s;
		while (*s && *s != '>')
			s++;
		if (*s != '>')
			return NULL;
		n = (size_t)(s - name);
		s++;
	} else {
		while (isalpha((unsigned char)*s))
			s++;
		n = (size_t)(s - name);
	}
	if (n < 3)
		return NULL;
	*sp = s;
	return xstrndup(name, n);
}

/* parse_num - a bounded decimal number */
static int
parse_num(const char **sp, int lo, int hi, int *out)
{
	const char *s = *sp;
	int v = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*s) && v <= hi)
		v = v * 10 + (*s++ - '0');
	if (v < lo || v > hi)
		return -1;
	*out = v;
	*sp = s;
	return 0;
}

/* parse_rule - ",Jn[/time]", ",n[/time]" or ",Mm.w.d[/time]" */
static int
parse_rule(const char **sp, struct tz_rule *r)
{
	const char *s = *sp;
	int32_t west;

	if (*s++ != ',')
		return -1;
	if (*s == 'J') {
		s++;
		r->kind = 'J';
		if (parse_num(&s, 1, 365, &r->day))
			return -1;
	} else if (*s == 'M') {
		s++;
		r->kind = 'M';
		if (parse_num(&s, 1, 12, &r->month) || *s++ != '.' ||
		    parse_num(&s, 1, 5, &r->week) || *s++ != '.' ||
		    parse_num(&s, 0, 6, &r->day))
			return -1;
	} else {
		r->kind = 'n';
		if (parse_num(&s, 0, 365, &r->day))
			return -1;
	}
	r->time = 2 * 3600;
	if (*s == '/') {
		s++;
		/* RFC 8536 extends the hours of a rule time to -167..167. */
		if (parse_offset(&s, 167, &west))
			return -1;
		r->time = west;		/* a time of day, not an offset: no sign flip */
	}
	*sp = s;
	return 0;
}

/* parse_footer - the POSIX TZ string "std offset [dst [offset] [,rule,rule]]" */
static const char *
parse_footer(const char *s, struct tz_footer *f)
{
	int32_t west;

	if (*s == '\0')
		return NULL;		/* empty footer: no rule beyond the table */
	if ((f->std.abbrev = parse_name(&s)) == NULL)
		return "bad zone name in TZ footer";
	if (parse_offset(&s, 24, &west) || west > TZ_MAX_OFFSET || west < -TZ_MAX_OFFSET)
		return "bad offset in TZ footer";
	f->std.utoff = -west;
	if (*s == '\0')
		return NULL;
	if ((f->dst.abbrev = parse_name(&s)) == NULL)
		return "bad daylight-saving name in TZ footer";
	f->dst.is_dst = 1;
	f->dst.utoff = f->std.utoff + 3600;
	if (*s != ',' && *s != '\0') {
		if (parse_offset(&s, 24, &west) || west > TZ_MAX_OFFSET || west < -TZ_MAX_OFFSET)
			return "bad daylight-saving offset in TZ footer";
		f->dst.utoff = -west;
	}
	/* No rule: POSIX leaves it to the implementation; refuse to guess. */
	if (*s == '\0' || parse_rule(&s, &f->start) || parse_rule(&s, &f->end) ||
	    *s != '\0')
		return "TZ footer has a daylight-saving part without valid rules";
	f->has_dst = 1;
	return NULL;
}

/* parse_tzif - fill tz from the file's bytes; NULL or a reason */
static const char *
parse_tzif(struct bz_tz *tz, const unsigned char *data, size_t len)
{
	struct tzif_counts c;
	int version;
	size_t tsize = 4, off, need;
	const unsigned char *p;

	if (header(data, len, &version, &c))
		return "not a TZif file";
	off = 44;
	if (version >= 2) {
		/* Skip the 32-bit block: the 64-bit one follows. */
		off += block_size(&c, 4);
		if (off > len || header(data + off, len - off, &version, &c))
			return "truncated TZif file";
		off += 44;
		tsize = 8;
	}
	if (c.leapcnt != 0)
		return "zone has leap seconds (a right/ zone); use the posix one";
	need = block_size(&c, tsize);
	if (off > len || need > len - off)
		return "truncated TZif file";
	p = data + off;
	tz->ntrans = c.timecnt;
	tz->trans = xcalloc(c.timecnt + 1, sizeof(*tz->trans));
	tz->trans_type = xcalloc(c.timecnt + 1, 1);
	for (size_t i = 0; i < c.timecnt; i++) {
		tz->trans[i] = tsize == 8 ? be64(p + i * 8) : be32(p + i * 4);
		if (i > 0 && tz->trans[i] <= tz->trans[i - 1])
			return "transitions out of order";
	}
	p += (size_t)c.timecnt * tsize;
	for (size_t i = 0; i < c.timecnt; i++) {
		if (p[i] >= c.typecnt)
			return "transition type out of range";
		tz->trans_type[i] = p[i];
	}
	p += c.timecnt;
	tz->ntypes = c.typecnt;
	tz->types = xcalloc(c.typecnt, sizeof(*tz->types));
	for (size_t i = 0; i < c.typecnt; i++) {
		const unsigned char *t = p + i * 6;
		const unsigned char *chars = p + (size_t)c.typecnt * 6;

		tz->types[i].utoff = (int32_t)be32(t);
		tz->types[i].is_dst = t[4] != 0;
		if (t[5] >= c.charcnt)
			return "abbreviation index out of range";
		if (tz->types[i].utoff > TZ_MAX_OFFSET || tz->types[i].utoff < -TZ_MAX_OFFSET)
			return "offset out of range";
		tz->types[i].abbrev = xstrndup((const char *)chars + t[5], c.charcnt - t[5]);
	}
	if (version >= 2) {
		const char *foot = (const char *)data + off + need;
		size_t flen = len - off - need;
		const char *nl;
		char *text;
		const char *why;

		if (flen < 2 || foot[0] != '\n' ||
		    (nl = memchr(foot + 1, '\n', flen - 1)) == NULL)
			return "missing TZ footer";
		text = xstrndup(foot + 1, (size_t)(nl - foot - 1));
		why = parse_footer(text, &tz->footer);
		tz->has_footer = why == NULL && text[0] != '\0';
		free(text);
		if (why)
			return why;
	}
	return NULL;
}

/* bz_tz_load_file - parse one TZif file */
struct bz_tz *
bz_tz_load_file(const char *path, struct bz_buf *err)
{
	size_t len = 0;
	unsigned char *data = read_file(path, &len);
	struct bz_tz *tz;
	const char *why;

	if (data == NULL) {
		bz_buf_printf(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	tz = xcalloc(1, sizeof(*tz));
	tz->name = xstrdup(path);
	why = parse_tzif(tz, data, len);
	free(data);
	if (why) {
		bz_buf_printf(err, "%s: %s", path, why);
		bz_tz_free(tz);
		return NULL;
	}
	return tz;
}

/* bz_tz_load - the named zone from $TZDIR or /usr/share/zoneinfo */
struct bz_tz *
bz_tz_load(const char *name, struct bz_buf *err)
{
	const char *dir = getenv("TZDIR");
	char *path;
	struct bz_tz *tz;

	if (dir == NULL || *dir == '\0')
		dir = TZ_DEFAULT_DIR;
	path = xasprintf("%s/%s", dir, name);
	tz = bz_tz_load_file(path, err);
	free(path);
	if (tz) {
		free(tz->name);
		tz->name = xstrdup(name);
	}
	return tz;
}

/* bz_tz_free - release a zone */
void
bz_tz_free(struct bz_tz *tz)
{
	if (tz == NULL)
		return;
	for (size_t i = 0; i < tz->ntypes; i++)
		free(tz->types[i].abbrev);
	free(tz->types);
	free(tz->footer.std.abbrev);
	free(tz->footer.dst.abbrev);
	free(tz->trans);
	free(tz->trans_type);
	free(tz->name);
	free(tz);
}

/* bz_tz_name - the zone's name as loaded */
const char *
bz_tz_name(const struct bz_tz *tz)
{
	return tz->name;
}

/* floor_div - division rounding towards minus infinity */
static int64_t
floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* rule_day - the day number (since 1970-01-01) a rule names in a year */
static int64_t
rule_day(const struct tz_rule *r, int year)
{
	int64_t jan1 = bz_days_from_civil(year, 1, 1);
	int leap = bz_days_in_month(year, 2) == 29;
	int64_t first, last;
	struct bz_date d;

	switch (r->kind) {
	case 'J':	/* 1..365, 29 February never counted */
		return jan1 + r->day - 1 + (leap && r->day >= 60);
	case 'n':	/* 0..365, 29 February counted */
		return jan1 + r->day;
	}
	/* Mm.w.d: day d (0 Sunday) of week w (5 = the last) of month m. */
	first = bz_days_from_civil(year, r->month, 1);
	bz_civil_from_days(first, &d);
	first += (r->day - bz_date_weekday(&d) + 7) % 7;
	last = bz_days_from_civil(year, r->month, bz_days_in_month(year, r->month));
	first += 7 * (r->week - 1);
	while (first > last)
		first -= 7;
	return first;
}

/* footer_type - the POSIX rule's type at a UTC instant */
static const struct tz_type *
footer_type(const struct tz_footer *f, int64_t utc)
{
	struct bz_date d;
	int64_t start, end;

	if (!f->has_dst)
		return &f->std;
	bz_civil_from_days(floor_div(utc + f->std.utoff, 86400), &d);
	/* The start is given in standard time, the end in daylight time. */
	start = rule_day(&f->start, d.year) * 86400 + f->start.time - f->std.utoff;
	end = rule_day(&f->end, d.year) * 86400 + f->end.time - f->dst.utoff;
	if (start < end)	/* northern hemisphere: DST inside the year */
		return utc >= start && utc < end ? &f->dst : &f->std;
	return utc >= end && utc < start ? &f->std : &f->dst;
}

/* type_at - the local time type in force at a UTC instant */
static const struct tz_type *
type_at(const struct bz_tz *tz, int64_t utc)
{
	size_t lo = 0, hi = tz->ntrans;

	/* RFC 8536: before the first transition, type 0 applies. */
	if (tz->ntrans == 0)
		return tz->has_footer ? footer_type(&tz->footer, utc) : &tz->types[0];
	if (utc < tz->trans[0])
		return &tz->types[0];
	if (utc >= tz->trans[tz->ntrans - 1] && tz->has_footer)
		return footer_type(&tz->footer, utc);
	/* Last transition <= utc. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (tz->trans[mid] <= utc)
			lo = mid;
		else
			hi = mid;
	}
	return &tz->types[tz->trans_type[lo]];
}

/* bz_tz_to_local - the wall clock at an instant */
void
bz_tz_to_local(const struct bz_tz *tz, int64_t utc, struct bz_local_time *out)
{
	const struct tz_type *t = type_at(tz, utc);
	int64_t local = utc + t->utoff;
	int64_t days = floor_div(local, 86400);

	bz_civil_from_days(days, &out->date);
	out->seconds = (int)(local - days * 86400);
	out->utc_offset = t->utoff;
	out->is_dst = t->is_dst;
	out->abbrev = t->abbrev;
}

/* bz_tz_local_to_utc - wall time to instant; gap and overlap as in tz.h */
int64_t
bz_tz_local_to_utc(const struct bz_tz *tz, const struct bz_date *date, int seconds)
{
	int64_t local = bz_days_from_civil(date->year, date->month, date->day) *
	    86400 + seconds;
	/*
	 * Real zones change offset at most once within any two days, so the
	 * offsets a day either side are the only candidates.
	 */
	int32_t before = type_at(tz, local - 86400)->utoff;
	int32_t after = type_at(tz, local + 86400)->utoff;
	int64_t t1 = local - before, t2 = local - after;
	int ok1 = type_at(tz, t1)->utoff == before;
	int ok2 = type_at(tz, t2)->utoff == after;

	if (ok1 && ok2)
		return t1 < t2 ? t1 : t2;	/* overlap: the earlier instant */
	if (ok2)
		return t2;
	return t1;	/* valid, or a gap: the offset before the jump */
}

/* bz_tz_selftest - refuse a wrong or stale tz database */
int
bz_tz_selftest(const struct bz_tz *tz, struct bz_buf *err)
{
	static const struct {
		const char *utc;
		const char *local;	/* YYYY-MM-DD HH:MM:SS */
		int	 offset;
		int	 is_dst;
		int	 once;		/* the wall time is not in an overlap */
	} cases[] = {
		/* Daylight saving time (horario de verano) until 2022. */
		{ "2022-06-15T14:30:00Z", "2022-06-15 09:30:00", -18000, 1, 1 },
		/*
		 * Last second of CDT, first of CST: 2022-10-30 02:00 CDT -> 01:00,
		 * so 01:00-01:59:59 happened twice; local to UTC picks the first.
		 */
		{ "2022-10-30T06:59:59Z", "2022-10-30 01:59:59", -18000, 1, 1 },
		{ "2022-10-30T07:00:00Z", "2022-10-30 01:00:00", -21600, 0, 0 },
		/* Fixed UTC-6 since (Ley de los Husos Horarios, DOF 2022-10-28). */
		{ "2023-06-01T15:30:00Z", "2023-06-01 09:30:00", -21600, 0, 1 },
		{ "2021-01-15T12:00:00Z", "2021-01-15 06:00:00", -21600, 0, 1 },
		{ "2030-07-01T15:30:00Z", "2030-07-01 09:30:00", -21600, 0, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bz_local_time lt;
		int64_t utc;
		char got[64];

		if (bz_instant_parse(cases[i].utc, &utc))
			bz_panic("tz self-test: bad case %s", cases[i].utc);
		bz_tz_to_local(tz, utc, &lt);
		snprintf(got, sizeof(got), "%04d-%02d-%02d %02d:%02d:%02d",
		    lt.date.year % 10000, lt.date.month % 100, lt.date.day % 100,
		    lt.seconds / 3600 % 100, lt.seconds / 60 % 60, lt.seconds % 60);
		if (strcmp(got, cases[i].local) != 0 || lt.utc_offset != cases[i].offset ||
		    lt.is_dst != cases[i].is_dst) {
			bz_buf_printf(err, "time zone self-test failed: %s should be %s "
			    "(UTC%+d s) in %s, the tz database says %s (UTC%+d s); "
			    "install or repair tzdata", cases[i].utc, cases[i].local,
			    cases[i].offset, tz->name, got, lt.utc_offset);
			return -1;
		}
		if (cases[i].once && bz_tz_local_to_utc(tz, &lt.date, lt.seconds) != utc) {
			bz_buf_printf(err, "time zone self-test failed: %s local does "
			    "not convert back to %s in %s", got, cases[i].utc, tz->name);
			return -1;
		}
	}
	return 0;
}
