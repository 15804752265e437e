/*
 * test_instant - ISO-8601 parsing and civil-day arithmetic
 */
#include <string.h>

#include "buzon/instant.h"
#include "suites.h"

static const struct {
	const char *text;
	int ok;
	long long utc;
} instants[] = {
	{ "1970-01-01T00:00:00Z", 1, 0 },
	{ "2025-06-16T06:00:00Z", 1, 1750053600 },
	{ "2025-06-16T00:00:00-06:00", 1, 1750053600 },
	{ "2022-06-15T09:30:00-05:00", 1, 1655303400 },
	{ "2024-02-29T12:00:00+01:00", 1, 1709204400 },
	{ "2025-02-29T12:00:00Z", 0, 0 },	/* not a leap year */
	{ "2025-06-16T24:00:00Z", 0, 0 },
	{ "2025-06-16T06:00:00", 0, 0 },	/* no zone */
	{ "2025-06-16 06:00:00Z", 0, 0 },
	{ "2025-06-16T06:00:00.5Z", 0, 0 },	/* fractions refused */
	{ "2025-6-16T06:00:00Z", 0, 0 },
	{ "", 0, 0 },
};

START_TEST(test_instant_parse_table)
{
	int64_t t = -1;
	int rc = bz_instant_parse(instants[_i].text, &t);

	ck_assert_msg((rc == 0) == instants[_i].ok, "%s: rc %d", instants[_i].text, rc);
	if (instants[_i].ok)
		ck_assert_int_eq(t, instants[_i].utc);
}
END_TEST

START_TEST(test_format_roundtrip)
{
	static const long long samples[] = { 0, 1750053600, 1655303400, 951782400,
	    4102444799LL };
	char out[BZ_INSTANT_UTC_LEN];
	int64_t back;

	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		bz_instant_format_utc(samples[i], out);
		ck_assert_int_eq(bz_instant_parse(out, &back), 0);
		ck_assert_int_eq(back, samples[i]);
	}
	bz_instant_format_utc(1750053600, out);
	ck_assert_str_eq(out, "2025-06-16T06:00:00Z");
}
END_TEST

START_TEST(test_dates_and_weekdays)
{
	struct bz_date d;

	ck_assert_int_eq(bz_date_parse("2026-11-27", &d), 0);
	ck_assert_int_eq(bz_date_weekday(&d), 5);	/* a Friday */
	ck_assert_int_eq(bz_date_parse("1969-12-31", &d), 0);
	ck_assert_int_eq(bz_date_weekday(&d), 3);	/* a Wednesday */
	ck_assert_int_eq(bz_date_parse("2026-02-29", &d), -1);
	ck_assert_int_eq(bz_date_parse("2026-02-28x", &d), -1);
	ck_assert_int_eq(bz_days_in_month(2000, 2), 29);
	ck_assert_int_eq(bz_days_in_month(1900, 2), 28);
	for (int64_t z = -800000; z < 800000; z += 997) {
		bz_civil_from_days(z, &d);
		ck_assert_int_eq(bz_days_from_civil(d.year, d.month, d.day), z);
	}
}
END_TEST

Suite *
suite_instant(void)
{
	Suite *s = suite_create("instant");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_instant_parse_table, 0,
	    sizeof(instants) / sizeof(instants[0]));
	tcase_add_test(tc, test_format_roundtrip);
	tcase_add_test(tc, test_dates_and_weekdays);
	suite_add_tcase(s, tc);
	return s;
}
