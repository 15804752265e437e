/*
 * test_config - the configuration table, parser and error messages
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/config.h"
#include "suites.h"

/* write_conf - put text in a fresh file under the test tmpdir */
static char *
write_conf(const char *name, const char *text)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

#define MINIMAL "Socket unix:/run/buzon.sock\nMailboxAddress buzon@imss.gob.mx\n"

START_TEST(test_every_default_parses)
{
	for (size_t i = 0; i < bz_config_nkeys; i++) {
		const struct bz_cfg_key *k = &bz_config_keys[i];

		ck_assert_msg(k->description && *k->description, "%s has no description", k->name);
		if (k->def != NULL)
			ck_assert_msg(bz_config_check_value(k, k->def, NULL) == NULL,
			    "default of %s does not parse", k->name);
		ck_assert_ptr_eq(bz_config_key_find(k->name), k);
	}
}
END_TEST

START_TEST(test_minimal_file_and_defaults)
{
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_config *cfg = bz_config_load(write_conf("min.conf",
	    "# comment\n\n" MINIMAL "maxmessagesize 2M   # trailing comment\n"), &err);

	ck_assert_msg(cfg != NULL, "%s", bz_buf_str(&err));
	ck_assert_str_eq(bz_config_str(cfg, BZ_KEY_Socket), "unix:/run/buzon.sock");
	ck_assert_int_eq(bz_config_num(cfg, BZ_KEY_MaxMessageSize), 2 * 1024 * 1024);
	ck_assert_int_eq(bz_config_line(cfg, BZ_KEY_MaxMessageSize), 5);
	ck_assert_int_eq(bz_config_num(cfg, BZ_KEY_UMask), 007);
	ck_assert_int_eq(bz_config_bool(cfg, BZ_KEY_TestMode), 0);
	ck_assert_str_eq(bz_config_str(cfg, BZ_KEY_LogLevel), "info");
	ck_assert_int_eq(bz_config_count(cfg, BZ_KEY_MailboxAddress), 1);
	ck_assert_ptr_null(bz_config_str(cfg, BZ_KEY_PidFile));
	bz_config_unref(cfg);
	bz_buf_free(&err);
}
END_TEST

START_TEST(test_multi_values_keep_order)
{
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_config *cfg = bz_config_load(write_conf("multi.conf",
	    MINIMAL "MailboxAddress Otro@IMSS.gob.mx\n"), &err);

	ck_assert_msg(cfg != NULL, "%s", bz_buf_str(&err));
	ck_assert_int_eq(bz_config_count(cfg, BZ_KEY_MailboxAddress), 2);
	ck_assert_str_eq(bz_config_nth(cfg, BZ_KEY_MailboxAddress, 1), "Otro@IMSS.gob.mx");
	ck_assert_ptr_null(bz_config_nth(cfg, BZ_KEY_MailboxAddress, 2));
	bz_config_unref(cfg);
	bz_buf_free(&err);
}
END_TEST

/* Database: a SQLite file name or a PostgreSQL URI, kept as written */
START_TEST(test_database_uri)
{
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_config *cfg = bz_config_load(write_conf("pg.conf", MINIMAL
	    "Database postgresql://buzon@db.imss.test/buzon?sslmode=verify-full\n"), &err);

	ck_assert_msg(cfg != NULL, "%s", bz_buf_str(&err));
	ck_assert_str_eq(bz_config_str(cfg, BZ_KEY_Database),
	    "postgresql://buzon@db.imss.test/buzon?sslmode=verify-full");
	bz_config_unref(cfg);
	bz_buf_free(&err);
}
END_TEST

/* RecipientDelimiter: "+" by default (Postfix's usual setting), a set of
 * characters when given, and the key alone means none. */
static const struct {
	const char *line;	/* NULL: key absent */
	const char *want;
} delimiter_cases[] = {
	{ NULL, "+" },
	{ "RecipientDelimiter +-\n", "+-" },
	{ "RecipientDelimiter\n", "" },
	{ "RecipientDelimiter   \n", "" },
	{ "RecipientDelimiter -_.=\n", "-_.=" },
};

START_TEST(test_recipient_delimiter)
{
	struct bz_buf err = BZ_BUF_INIT, text = BZ_BUF_INIT;
	struct bz_config *cfg;

	bz_buf_puts(&text, MINIMAL);
	if (delimiter_cases[_i].line != NULL)
		bz_buf_puts(&text, delimiter_cases[_i].line);
	cfg = bz_config_load(write_conf("delim.conf", bz_buf_str(&text)), &err);
	ck_assert_msg(cfg != NULL, "%s", bz_buf_str(&err));
	ck_assert_str_eq(bz_config_str(cfg, BZ_KEY_RecipientDelimiter),
	    delimiter_cases[_i].want);
	bz_config_unref(cfg);
	bz_buf_free(&text);
	bz_buf_free(&err);
}
END_TEST

/* Every rejected file names file:line: key: reason. */
static const struct {
	const char *text;
	const char *expect;	/* suffix after the path */
} bad_files[] = {
	{ MINIMAL "Colour blue\n", ":3: Colour: unknown key" },
	{ MINIMAL "MaxMessageSize lots\n", ":3: MaxMessageSize: expected a size" },
	{ MINIMAL "TestMode perhaps\n", ":3: TestMode: expected yes or no" },
	{ MINIMAL "Socket unix:/other\n", ":3: Socket: given twice (first at line 1)" },
	{ "Socket tcp:25\n", ":1: Socket: expected unix:/path" },
	{ "Socket unix:relative\n", ":1: Socket: unix socket path must be absolute" },
	{ "Socket inet:70000@localhost\n", ":1: Socket: expected inet:port@host" },
	{ "Socket unix:/s\n", ":1: MailboxAddress: required key is missing" },
	{ MINIMAL "MailboxAddress <a@b>\n", ":3: MailboxAddress: expected a bare address" },
	{ MINIMAL "MailboxAddress nobody\n", ":3: MailboxAddress: expected an address" },
	{ MINIMAL "MailboxAddress buzon@imss_pruebas.test\n", ":3: MailboxAddress: expected a plain address" },
	{ MINIMAL "MailboxAddress \"a\"@imss.test\n", ":3: MailboxAddress: expected a plain address" },
	{ MINIMAL "MailboxAddress a..b@imss.test\n", ":3: MailboxAddress: expected a plain address" },
	{ MINIMAL "MailboxAddress a@[127.0.0.1]\n", ":3: MailboxAddress: expected a plain address" },
	{ MINIMAL "LogLevel loud\n", ":3: LogLevel: not one of the allowed values" },
	{ MINIMAL "OCSPNonce sometimes\n", ":3: OCSPNonce: not one of the allowed values" },
	{ MINIMAL "OCSPMaxAge 59\n", ":3: OCSPMaxAge: out of range" },
	{ MINIMAL "UMask 8\n", ":3: UMask: expected an octal mode" },
	{ MINIMAL "Database relative.db\n", ":3: Database: expected an absolute SQLite "
	  "file name or a postgresql:// URI" },
	{ MINIMAL "Database mysql://db/buzon\n", ":3: Database: expected an absolute "
	  "SQLite file name or a postgresql:// URI" },
	{ MINIMAL "PidFile\n", ":3: PidFile: missing value" },
	{ MINIMAL "RecipientDelimiter @\n", ":3: RecipientDelimiter: expected delimiter characters" },
	{ MINIMAL "RecipientDelimiter +a\n", ":3: RecipientDelimiter: expected delimiter characters" },
	{ MINIMAL "RecipientDelimiter +\"\n", ":3: RecipientDelimiter: expected delimiter characters" },
	/* issue 3: TestClock "honoured only with TestMode yes (refused otherwise)" */
	{ MINIMAL "TestClock 2026-06-01T12:00:00Z\n", ":3: TestClock: allowed only with TestMode yes" },
	{ MINIMAL "TestMode no\nTestClock 2026-06-01T12:00:00Z\n",
	  ":4: TestClock: allowed only with TestMode yes" },
	{ MINIMAL "TestMode yes\nTestClock 2026-06-01\n", ":4: TestClock: expected an ISO-8601 instant" },
};

START_TEST(test_bad_file_names_line_and_key)
{
	struct bz_buf err = BZ_BUF_INIT;
	char *path = write_conf("bad.conf", bad_files[_i].text);
	struct bz_config *cfg = bz_config_load(path, &err);

	ck_assert_ptr_null(cfg);
	ck_assert_msg(strncmp(bz_buf_str(&err), path, strlen(path)) == 0,
	    "error does not start with the path: %s", bz_buf_str(&err));
	ck_assert_msg(strncmp(bz_buf_str(&err) + strlen(path), bad_files[_i].expect,
	    strlen(bad_files[_i].expect)) == 0,
	    "case %d: got \"%s\", want suffix \"%s\"", _i, bz_buf_str(&err),
	    bad_files[_i].expect);
	bz_buf_free(&err);
}
END_TEST

/* Integer keys: every one has a documented range, values are later cast to
 * int, so none may reach past INT_MAX; outside the range the file is
 * refused at parse time with file:line: key: reason. This table is the
 * documentation the test holds the key table to (not read from it). */
static const struct {
	const char *key;
	long long min, max;
} int_ranges[] = {
	{ "OCSPTimeout", 1, 300 },
	{ "OCSPMaxAge", 60, 2592000 },
	{ "MaxMimeDepth", 1, 100 },
	{ "MaxMimeParts", 1, 1000000 },
	{ "MaxCmsCertificates", 1, 1000 },
	{ "MaxConcurrentVerifications", 1, 1000 },
	{ "DatabaseBusyTimeout", 0, 300000 },
	{ "OutboxMaxAttempts", 1, 1000 },
	{ "RegistrationMaxPerDay", 1, 1000 },
	{ "RegistrationMaxNoticesPerAddress", 1, 1000 },
	{ "OutboxRetryInterval", 1, 86400 },
	{ "OutboxRetryMaxInterval", 1, 604800 },
	{ "OutboxTimeout", 1, 3600 },
	{ "RepeatResendInterval", 0, 2592000 },
	{ "TestAcuseSignDelay", 0, 86400 },
};
#define N_INT_RANGES (sizeof(int_ranges) / sizeof(int_ranges[0]))

START_TEST(test_every_int_key_has_its_range)
{
	size_t nint = 0;

	for (size_t i = 0; i < bz_config_nkeys; i++) {
		const struct bz_cfg_key *k = &bz_config_keys[i];
		size_t j;
		long long def;

		if (k->type != BZ_CFG_INT)
			continue;
		nint++;
		for (j = 0; j < N_INT_RANGES; j++)
			if (strcmp(int_ranges[j].key, k->name) == 0)
				break;
		ck_assert_msg(j < N_INT_RANGES, "%s: integer key missing from int_ranges",
		    k->name);
		ck_assert_msg(k->min == int_ranges[j].min && k->max == int_ranges[j].max,
		    "%s: table says %lld to %lld", k->name, k->min, k->max);
		ck_assert_msg(k->min >= 0 && k->min <= k->max && k->max <= INT_MAX,
		    "%s: range %lld to %lld", k->name, k->min, k->max);
		ck_assert_ptr_nonnull(k->def);
		ck_assert_ptr_null(bz_config_check_value(k, k->def, &def));
		ck_assert_msg(def >= k->min && def <= k->max, "%s: default outside range",
		    k->name);
	}
	ck_assert_uint_eq(nint, N_INT_RANGES);
}
END_TEST

/* One value of one key through a whole file: accepted with that number, or
 * refused naming line 3, the key and the reason. */
static void
check_int_value(const char *key, const char *value, long long want,
    const char *reason)
{
	struct bz_buf err = BZ_BUF_INIT, text = BZ_BUF_INIT, expect = BZ_BUF_INIT;
	struct bz_config *cfg;
	const struct bz_cfg_key *row = bz_config_key_find(key);
	enum bz_cfg_id id;
	char *path;

	ck_assert_ptr_nonnull(row);
	id = (enum bz_cfg_id)(row - bz_config_keys);
	bz_buf_printf(&text, MINIMAL "%s %s\n", key, value);
	path = write_conf("range.conf", bz_buf_str(&text));
	cfg = bz_config_load(path, &err);
	if (reason == NULL) {
		ck_assert_msg(cfg != NULL, "%s %s: %s", key, value, bz_buf_str(&err));
		ck_assert_msg(bz_config_num(cfg, id) == want, "%s %s: got %lld", key,
		    value, bz_config_num(cfg, id));
	} else {
		ck_assert_msg(cfg == NULL, "%s %s: accepted", key, value);
		bz_buf_printf(&expect, "%s:3: %s: %s", path, key, reason);
		ck_assert_str_eq(bz_buf_str(&err), bz_buf_str(&expect));
	}
	bz_config_unref(cfg);
	bz_buf_free(&err);
	bz_buf_free(&text);
	bz_buf_free(&expect);
}

START_TEST(test_int_range_edges)
{
	const char *key = int_ranges[_i].key;
	long long min = int_ranges[_i].min, max = int_ranges[_i].max;
	struct bz_buf v = BZ_BUF_INIT, why = BZ_BUF_INIT;

	bz_buf_printf(&why, "out of range: must be %lld to %lld", min, max);
	/* min - 1: a range error, or for 0 not a non-negative integer. */
	bz_buf_printf(&v, "%lld", min - 1);
	check_int_value(key, bz_buf_str(&v), 0, min > 0 ? bz_buf_str(&why) :
	    "expected a non-negative integer");
	bz_buf_reset(&v);
	bz_buf_printf(&v, "%lld", min);
	check_int_value(key, bz_buf_str(&v), min, NULL);
	bz_buf_reset(&v);
	bz_buf_printf(&v, "%lld", max);
	check_int_value(key, bz_buf_str(&v), max, NULL);
	bz_buf_reset(&v);
	bz_buf_printf(&v, "%lld", max + 1);
	check_int_value(key, bz_buf_str(&v), 0, bz_buf_str(&why));
	bz_buf_reset(&v);
	/* Past INT_MAX (would wrap in an int) and past the parse itself. */
	check_int_value(key, "2147483648", 0, bz_buf_str(&why));
	check_int_value(key, "99999999999999999999", 0, bz_buf_str(&why));
	check_int_value(key, "0010", 10 < min || 10 > max ? 0 : 10,
	    10 < min || 10 > max ? bz_buf_str(&why) : NULL);
	check_int_value(key, "+5", 0, "expected a non-negative integer");
	check_int_value(key, "5s", 0, "expected a non-negative integer");
	bz_buf_free(&v);
	bz_buf_free(&why);
}
END_TEST

START_TEST(test_missing_file)
{
	struct bz_buf err = BZ_BUF_INIT;

	ck_assert_ptr_null(bz_config_load("/nonexistent/buzon.conf", &err));
	ck_assert_str_eq(bz_buf_str(&err),
	    "/nonexistent/buzon.conf: cannot open: No such file or directory");
	bz_buf_free(&err);
}
END_TEST

START_TEST(test_generations_increase_and_refcount)
{
	struct bz_buf err = BZ_BUF_INIT;
	char *path = write_conf("gen.conf", MINIMAL);
	struct bz_config *a = bz_config_load(path, &err);
	struct bz_config *b = bz_config_load(path, &err);

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_gt(bz_config_generation(b), bz_config_generation(a));
	bz_config_ref(a);
	bz_config_unref(a);
	ck_assert_str_eq(bz_config_path(a), path);	/* still alive */
	bz_config_unref(a);
	bz_config_unref(b);
	bz_buf_free(&err);
}
END_TEST

START_TEST(test_now_is_test_clock_only_in_test_mode)
{
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_config *plain = bz_config_load(write_conf("now1.conf", MINIMAL), &err);
	struct bz_config *test = bz_config_load(write_conf("now2.conf", MINIMAL
	    "TestMode yes\nTestClock 2026-06-01T06:00:00-06:00\n"), &err);
	struct bz_config *nolock = bz_config_load(write_conf("now3.conf", MINIMAL
	    "TestMode yes\n"), &err);

	ck_assert_msg(plain && test && nolock, "%s", bz_buf_str(&err));
	ck_assert_int_eq(bz_config_now(plain, 42), 42);
	ck_assert_int_eq(bz_config_now(test, 42), 1780315200);	/* 2026-06-01T12:00:00Z */
	ck_assert_int_eq(bz_config_now(nolock, 42), 42);
	bz_config_unref(plain);
	bz_config_unref(test);
	bz_config_unref(nolock);
	bz_buf_free(&err);
}
END_TEST

START_TEST(test_argv_split)
{
	char **argv = bz_config_argv("/usr/sbin/sendmail  -C /tmp/pf\t-oi");

	ck_assert_str_eq(argv[0], "/usr/sbin/sendmail");
	ck_assert_str_eq(argv[1], "-C");
	ck_assert_str_eq(argv[2], "/tmp/pf");
	ck_assert_str_eq(argv[3], "-oi");
	ck_assert_ptr_null(argv[4]);
	bz_config_argv_free(argv);
}
END_TEST

Suite *
suite_config(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_every_default_parses);
	tcase_add_test(tc, test_minimal_file_and_defaults);
	tcase_add_test(tc, test_multi_values_keep_order);
	tcase_add_test(tc, test_database_uri);
	tcase_add_loop_test(tc, test_recipient_delimiter, 0,
	    sizeof(delimiter_cases) / sizeof(delimiter_cases[0]));
	tcase_add_loop_test(tc, test_bad_file_names_line_and_key, 0,
	    sizeof(bad_files) / sizeof(bad_files[0]));
	tcase_add_test(tc, test_every_int_key_has_its_range);
	tcase_add_loop_test(tc, test_int_range_edges, 0, N_INT_RANGES);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_generations_increase_and_refcount);
	tcase_add_test(tc, test_now_is_test_clock_only_in_test_mode);
	tcase_add_test(tc, test_argv_split);
	suite_add_tcase(s, tc);
	return s;
}
