/*
 * tz - one time zone from the system tz database, as an immutable table
 *
 * See include/buzon/tz.h. The table is GLib's GTimeZone (linked through
 * GMime), which reads TZif (RFC 8536) including the POSIX TZ footer and is
 * safe to query from any thread. What GLib does not do is check the file
 * first (it trusts counts and indexes: GNOME glib issue 1088), so the
 * bytes are read here, bounded, and every count and index checked before
 * GLib is handed the file: a damaged file is refused, never half-trusted.
 */
#include "build-aux/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "buzon/log.h"
#include "buzon/tz.h"
#include "buzon/xalloc.h"

#define TZ_DEFAULT_DIR	"/usr/share/zoneinfo"
#define TZ_MAX_FILE	(1024 * 1024)	/* real TZif files are a few KB */
#define TZ_MAX_OFFSET	(26 * 3600)

struct bz_tz {
	char	*name;
	GTimeZone *zone;
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

/*
 * check_block - what GLib will index in the data block at p: ascending
 * transitions, type and abbreviation indexes in range, NUL-terminated
 * abbreviations, offsets within a day and two hours.
 */
static const char *
check_block(const unsigned char *p, const struct tzif_counts *c, size_t tsize)
{
	const unsigned char *types = p + (size_t)c->timecnt * (tsize + 1);
	const unsigned char *chars = types + (size_t)c->typecnt * 6;

	for (size_t i = 1; i < c->timecnt; i++) {
		int64_t a = tsize == 8 ? be64(p + (i - 1) * 8) : be32(p + (i - 1) * 4);
		int64_t b = tsize == 8 ? be64(p + i * 8) : be32(p + i * 4);

		if (b <= a)
			return "transitions out of order";
	}
	for (size_t i = 0; i < c->timecnt; i++)
		if (p[(size_t)c->timecnt * tsize + i] >= c->typecnt)
			return "transition type out of range";
	if (chars[c->charcnt - 1] != '\0')
		return "abbreviations not terminated";
	for (size_t i = 0; i < c->typecnt; i++) {
		int64_t off = be32(types + i * 6);

		if (types[i * 6 + 5] >= c->charcnt)
			return "abbreviation index out of range";
		if (off > TZ_MAX_OFFSET || off < -TZ_MAX_OFFSET)
			return "offset out of range";
	}
	return NULL;
}

/*
 * check_tzif - the file's structure is whole and in range; NULL or a reason
 *
 * *footer gets the POSIX TZ footer's text (empty for version 1).
 */
static const char *
check_tzif(const unsigned char *data, size_t len, char **footer)
{
	struct tzif_counts c;
	int version;
	size_t tsize = 4, off = 44, need;
	const char *why;

	if (header(data, len, &version, &c))
		return "not a TZif file";
	if (version >= 2) {
		/* The 64-bit block follows the 32-bit one; GLib reads that. */
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
	if ((why = check_block(data + off, &c, tsize)) != NULL)
		return why;
	if (version >= 2) {
		const unsigned char *foot = data + off + need, *nl;
		size_t flen = len - off - need;

		if (flen < 2 || foot[0] != '\n' ||
		    (nl = memchr(foot + 1, '\n', flen - 1)) == NULL)
			return "missing TZ footer";
		*footer = xstrndup((const char *)foot + 1, (size_t)(nl - foot - 1));
	}
	return NULL;
}

/* footer_part - skip a zone name, then read its offset; -1 when none */
static int
footer_part(const char **sp, long *west)
{
	const char *s = *sp;
	char *end;
	long h, m = 0, sec = 0;

	if (*s == '<')
		s = strchr(s, '>') ? strchr(s, '>') + 1 : s + strlen(s);
	while (*s && strchr("+-0123456789", *s) == NULL && *s != ',')
		s++;
	if (*s == '\0' || *s == ',')
		return -1;
	h = strtol(s, &end, 10);
	if (h > 167 || h < -167)
		return -1;
	if (*end == ':')
		m = strtol(end + 1, &end, 10);
	if (*end == ':')
		sec = strtol(end + 1, &end, 10);
	*west = h * 3600 + (*s == '-' ? -1 : 1) * (m * 60 + sec);
	*sp = end;
	return 0;
}

/*
 * check_footer - GLib accepts the POSIX TZ footer; NULL or a reason
 *
 * Checked on its own first because GLib, handed a file whose footer it
 * cannot parse, logs a critical and leaks. As an identifier, text GLib
 * cannot parse as a rule is tried as a file name under $TZDIR, so what
 * could name a file is refused here first: a standard part without its
 * offset ("EST"), a daylight-saving part without rules ("EST5EDT"; POSIX
 * leaves those to the implementation, never guessed), a "/" before the
 * rules. Two forms GLib 2.74 evaluates wrongly are refused too: negative
 * daylight saving time (Europe/Dublin's "IST-1GMT0,M10.5.0,M3.5.0/1":
 * GLib gives IST in winter after 2037) and Julian-day rules (",Jn", ",n":
 * computed in the non-leap year 1, so J60 lands on 2 March and n59 never
 * on 29 February). No Mexican zone uses either; supporting one would
 * mean evaluating the footer here again.
 */
static const char *
check_footer(const char *text)
{
	const char *s = text;
	long std, dst;
	GTimeZone *z;

	if (*text == '\0')
		return NULL;		/* no rule beyond the table */
	if (strcspn(text, "/") < strcspn(text, ","))
		return "bad TZ footer";
	if (footer_part(&s, &std) != 0)
		return "TZ footer has no offset";
	if (*s != '\0' && strchr(s, ',') == NULL)
		return "TZ footer has a daylight-saving part without valid rules";
	if (*s != '\0' && footer_part(&s, &dst) == 0 && dst > std)
		return "TZ footer has negative daylight saving time, not supported";
	for (const char *c = strchr(s, ','); c != NULL; c = strchr(c + 1, ','))
		if (c[1] != 'M')
			return "TZ footer uses a Julian-day rule (Jn or n), not supported";
	if ((z = g_time_zone_new_identifier(text)) == NULL)
		return "bad TZ footer";
	g_time_zone_unref(z);
	return NULL;
}

/*
 * glib_identifier - a spelling of the absolute path no live zone has
 *
 * GLib keeps one GTimeZone per identifier while any reference to it lives
 * and returns that one again, without reading the file: a reload (while
 * the old generation's calendar still holds its zone) would keep the
 * tzdata of the start-up. Each load therefore names the file differently:
 * "/" then 12 tokens, "./" or "/" for the bits of a load counter, then the
 * path. The tokens are prefix-free, so the spellings differ; the kernel
 * reads all of them as the same file. 4096 loads would have to be alive
 * at once to meet an old one again.
 */
static char *
glib_identifier(const char *abspath)
{
	static unsigned counter;
	unsigned n = __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
	struct bz_buf b = BZ_BUF_INIT;

	bz_buf_append(&b, "/", 1);
	for (int bit = 0; bit < 12; bit++)
		bz_buf_printf(&b, "%s", n >> bit & 1 ? "./" : "/");
	bz_buf_printf(&b, "%s", abspath + 1);
	return bz_buf_steal(&b);
}

/* bz_tz_load_file - check one TZif file, then let GLib load it */
struct bz_tz *
bz_tz_load_file(const char *path, struct bz_buf *err)
{
	size_t len = 0;
	unsigned char *data = read_file(path, &len);
	const char *why;
	char *footer = NULL, *abspath, *id;
	struct bz_tz *tz;
	GTimeZone *zone;

	if (data == NULL) {
		bz_buf_printf(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	why = check_tzif(data, len, &footer);
	free(data);
	if (why == NULL && footer != NULL)
		why = check_footer(footer);
	free(footer);
	if (why) {
		bz_buf_printf(err, "%s: %s", path, why);
		return NULL;
	}
	/*
	 * GLib reads an absolute identifier as a path (a relative one it
	 * would look up under its own $TZDIR). Everything it reads was
	 * checked above; tzdata is replaced by rename, so it reads the same
	 * file, and a refusal means the file changed under us.
	 */
	if (path[0] == '/') {
		abspath = xstrdup(path);
	} else {
		char *cwd = g_get_current_dir();

		abspath = xasprintf("%s/%s", cwd, path);
		g_free(cwd);
	}
	id = glib_identifier(abspath);
	zone = g_time_zone_new_identifier(id);
	free(id);
	free(abspath);
	if (zone == NULL) {
		bz_buf_printf(err, "%s: GLib cannot read this TZif file", path);
		return NULL;
	}
	tz = xcalloc(1, sizeof(*tz));
	tz->name = xstrdup(path);
	tz->zone = zone;
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
	g_time_zone_unref(tz->zone);
	free(tz->name);
	free(tz);
}

/* floor_div - division rounding towards minus infinity */
static int64_t
floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* offset_at - seconds east of UTC in force at a UTC instant */
static int32_t
offset_at(const struct bz_tz *tz, int64_t utc)
{
	int i = g_time_zone_find_interval(tz->zone, G_TIME_TYPE_UNIVERSAL, utc);

	return g_time_zone_get_offset(tz->zone, i);
}

/* bz_tz_to_local - the wall clock at an instant */
void
bz_tz_to_local(const struct bz_tz *tz, int64_t utc, struct bz_local_time *out)
{
	int i = g_time_zone_find_interval(tz->zone, G_TIME_TYPE_UNIVERSAL, utc);
	int32_t utoff = g_time_zone_get_offset(tz->zone, i);
	int64_t local = utc + utoff;
	int64_t days = floor_div(local, 86400);

	bz_civil_from_days(days, &out->date);
	out->seconds = (int)(local - days * 86400);
	out->utc_offset = utoff;
	out->is_dst = g_time_zone_is_dst(tz->zone, i) != 0;
	out->abbrev = g_time_zone_get_abbreviation(tz->zone, i);
}

/* bz_tz_local_to_utc - wall time to instant; gap and overlap as in tz.h */
int64_t
bz_tz_local_to_utc(const struct bz_tz *tz, const struct bz_date *date, int seconds)
{
	int64_t local = bz_days_from_civil(date->year, date->month, date->day) *
	    86400 + seconds;
	/*
	 * Real zones change offset at most once within any two days, so the
	 * offsets a day either side are the only candidates. (GLib's own
	 * g_time_zone_adjust_time moves a gap time forward instead: the rule
	 * of tz.h is kept here.)
	 */
	int32_t before = offset_at(tz, local - 86400);
	int32_t after = offset_at(tz, local + 86400);
	int64_t t1 = local - before, t2 = local - after;
	int ok1 = offset_at(tz, t1) == before;
	int ok2 = offset_at(tz, t2) == after;

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
