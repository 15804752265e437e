/*
 * test_spool - the per-message spool: wire form, memory/file, size limit
 *
 * Rule: the message handed to verification is byte for byte the message
 * as received ("Name:" value CRLF per header, CRLF, body), whether it stayed
 * in memory or went to a temporary file; a message over MaxMessageSize is
 * refused and nothing of it is kept; the temporary file never has a name.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buzon/spool.h"
#include "suites.h"

struct hdr {
	const char *name;
	const char *value;
};

static const struct {
	const char	*what;
	int		 leadspc;
	struct hdr	 hdrs[4];
	const char	*body;
	const char	*expect;
} wire_cases[] = {
	{ "leading space kept as sent", 1,
	  { { "From", " a@example.com" }, { "Subject", "\tno space" } },
	  "hello\r\n",
	  "From: a@example.com\r\nSubject:\tno space\r\n\r\nhello\r\n" },
	{ "no leadspc: one space inserted", 0,
	  { { "From", "a@example.com" } },
	  "x\r\n",
	  "From: a@example.com\r\n\r\nx\r\n" },
	{ "folded value, bare LF becomes CRLF", 1,
	  { { "Subject", " one\n\ttwo\n three" } },
	  "",
	  "Subject: one\r\n\ttwo\r\n three\r\n\r\n" },
	{ "CRLF in the value stays CRLF", 1,
	  { { "Subject", " one\r\n\ttwo" } },
	  "b",
	  "Subject: one\r\n\ttwo\r\n\r\nb" },
	{ "empty value", 1,
	  { { "X-Empty", "" } },
	  "body",
	  "X-Empty:\r\n\r\nbody" },
	{ "no header at all", 1,
	  { { NULL, NULL } },
	  "only body\r\n",
	  "\r\nonly body\r\n" },
};

/* count_entries - files in dir (to prove the temp file has no name) */
static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* spool_dir - a fresh directory under the test tmpdir */
static const char *
spool_dir(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	mkdir(path, 0700);
	return path;
}

/* build - feed one case into a spool with the given memory limit */
static struct bz_spool *
build(int i, size_t mem_limit)
{
	struct bz_spool *sp = bz_spool_new(spool_dir("wire"), mem_limit, 0);

	for (int h = 0; h < 4 && wire_cases[i].hdrs[h].name; h++)
		ck_assert_int_eq(bz_spool_header(sp, wire_cases[i].hdrs[h].name,
		    wire_cases[i].hdrs[h].value, wire_cases[i].leadspc), BZ_SPOOL_OK);
	ck_assert_int_eq(bz_spool_eoh(sp), BZ_SPOOL_OK);
	ck_assert_int_eq(bz_spool_body(sp, wire_cases[i].body,
	    strlen(wire_cases[i].body)), BZ_SPOOL_OK);
	return sp;
}

START_TEST(test_wire_form_memory_and_file)
{
	/* Same bytes with a huge memory limit and with none (file at once). */
	for (int limit = 0; limit < 2; limit++) {
		struct bz_spool *sp = build(_i, limit ? 1 << 20 : 0);
		const unsigned char *msg;
		size_t len;
		const char *exp = wire_cases[_i].expect;

		ck_assert_int_eq(bz_spool_map(sp, &msg, &len), BZ_SPOOL_OK);
		ck_assert_msg(len == strlen(exp) && memcmp(msg, exp, len) == 0,
		    "%s (limit %d): got %zu bytes [%.*s]", wire_cases[_i].what,
		    limit, len, (int)len, (const char *)msg);
		ck_assert_int_eq(bz_spool_in_file(sp), limit ? 0 : 1);
		ck_assert_uint_eq(bz_spool_size(sp), strlen(exp));
		bz_spool_free(sp);
	}
}
END_TEST

START_TEST(test_spills_to_unlinked_file)
{
	const char *dir = spool_dir("spill");
	struct bz_spool *sp = bz_spool_new(dir, 100, 0);
	char chunk[64];
	const unsigned char *msg;
	size_t len;

	memset(chunk, 'a', sizeof(chunk));
	ck_assert_int_eq(bz_spool_body(sp, chunk, sizeof(chunk)), BZ_SPOOL_OK);
	ck_assert_int_eq(bz_spool_in_file(sp), 0);	/* 64 <= 100 */
	memset(chunk, 'b', sizeof(chunk));
	ck_assert_int_eq(bz_spool_body(sp, chunk, sizeof(chunk)), BZ_SPOOL_OK);
	ck_assert_int_eq(bz_spool_in_file(sp), 1);	/* 128 > 100 */
	ck_assert_int_eq(count_entries(dir), 0);	/* unlinked at once */
	ck_assert_int_eq(bz_spool_map(sp, &msg, &len), BZ_SPOOL_OK);
	ck_assert_uint_eq(len, 128);
	ck_assert_int_eq(msg[0], 'a');
	ck_assert_int_eq(msg[63], 'a');
	ck_assert_int_eq(msg[64], 'b');
	ck_assert_int_eq(msg[127], 'b');
	/* Mapping twice gives the same bytes. */
	{
		const unsigned char *again;
		size_t len2;

		ck_assert_int_eq(bz_spool_map(sp, &again, &len2), BZ_SPOOL_OK);
		ck_assert_ptr_eq(again, msg);
		ck_assert_uint_eq(len2, len);
	}
	bz_spool_free(sp);
	ck_assert_int_eq(count_entries(dir), 0);
}
END_TEST

/* MaxMessageSize: exactly the limit passes, one byte more is refused. */
static const struct {
	size_t	max;
	size_t	mem;
	size_t	send;
	enum bz_spool_status expect;
} size_cases[] = {
	{ 100, 1000, 100, BZ_SPOOL_OK },
	{ 100, 1000, 101, BZ_SPOOL_TOO_LARGE },
	{ 100, 10, 100, BZ_SPOOL_OK },		/* in a file */
	{ 100, 10, 101, BZ_SPOOL_TOO_LARGE },	/* in a file */
	{ 0, 10, 5000, BZ_SPOOL_OK },		/* 0 = no limit */
};

START_TEST(test_size_limit)
{
	struct bz_spool *sp = bz_spool_new(spool_dir("size"), size_cases[_i].mem,
	    size_cases[_i].max);
	enum bz_spool_status st = BZ_SPOOL_OK;
	const unsigned char *msg;
	size_t len;

	/* One byte at a time: the limit must hold at any chunk boundary. */
	for (size_t n = 0; n < size_cases[_i].send; n++)
		st = bz_spool_body(sp, "x", 1);
	ck_assert_int_eq(st, size_cases[_i].expect);
	ck_assert_int_eq(bz_spool_status(sp), size_cases[_i].expect);
	ck_assert_uint_eq(bz_spool_size(sp), size_cases[_i].send);
	ck_assert_int_eq(bz_spool_map(sp, &msg, &len), size_cases[_i].expect);
	if (size_cases[_i].expect == BZ_SPOOL_TOO_LARGE) {
		ck_assert_ptr_null(msg);
		ck_assert_int_eq(bz_spool_in_file(sp), 0);	/* released */
		/* Sticky: more data is still refused. */
		ck_assert_int_eq(bz_spool_body(sp, "y", 1), BZ_SPOOL_TOO_LARGE);
	} else
		ck_assert_uint_eq(len, size_cases[_i].send);
	bz_spool_free(sp);
}
END_TEST

START_TEST(test_header_counts_toward_limit)
{
	struct bz_spool *sp = bz_spool_new(spool_dir("hsize"), 1000, 20);

	/* "Subject: 0123456789\r\n" is 21 bytes. */
	ck_assert_int_eq(bz_spool_header(sp, "Subject", " 0123456789", 1),
	    BZ_SPOOL_TOO_LARGE);
	bz_spool_free(sp);
}
END_TEST

START_TEST(test_unwritable_directory_is_error)
{
	struct bz_spool *sp = bz_spool_new("/nonexistent/buzon-spool-dir", 0, 0);
	const unsigned char *msg;
	size_t len;

	ck_assert_int_eq(bz_spool_body(sp, "x", 1), BZ_SPOOL_ERROR);
	ck_assert_ptr_nonnull(strstr(bz_spool_error(sp), "cannot create"));
	ck_assert_int_eq(bz_spool_map(sp, &msg, &len), BZ_SPOOL_ERROR);
	bz_spool_free(sp);
}
END_TEST

START_TEST(test_empty_message_maps)
{
	struct bz_spool *sp = bz_spool_new(spool_dir("empty"), 10, 0);
	const unsigned char *msg;
	size_t len;

	ck_assert_int_eq(bz_spool_map(sp, &msg, &len), BZ_SPOOL_OK);
	ck_assert_ptr_nonnull(msg);
	ck_assert_uint_eq(len, 0);
	bz_spool_free(sp);
}
END_TEST

Suite *
suite_spool(void)
{
	Suite *s = suite_create("spool");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_wire_form_memory_and_file, 0,
	    sizeof(wire_cases) / sizeof(wire_cases[0]));
	tcase_add_test(tc, test_spills_to_unlinked_file);
	tcase_add_loop_test(tc, test_size_limit, 0,
	    sizeof(size_cases) / sizeof(size_cases[0]));
	tcase_add_test(tc, test_header_counts_toward_limit);
	tcase_add_test(tc, test_unwritable_directory_is_error);
	tcase_add_test(tc, test_empty_message_maps);
	suite_add_tcase(s, tc);
	return s;
}
