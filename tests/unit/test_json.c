/*
 * test_json - the JSON writer and the text escaper (core/json.c, utf8.c)
 *
 * Issue 8: "Every sender- or certificate-controlled value printed by
 * buzonctl or logged has control characters escaped; all JSON output is
 * valid UTF-8 whatever the input bytes." Issue 14: one JSON writer with
 * one layout rule. One table per function: input bytes, exact output.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/json.h"
#include "buzon/utf8.h"
#include "suites.h"

static const struct {
	const char	*in;
	size_t		 len;
	const char	*json;	/* bz_json_stringn */
	const char	*text;	/* bz_text_escape */
} strings[] = {
#define ROW(in, json, text) { in, sizeof(in) - 1, json, text }
	ROW("plain", "\"plain\"", "plain"),
	ROW("", "\"\"", ""),
	/* printable UTF-8 is kept as it is: an N with tilde, a euro sign */
	ROW("IA\xc3\x91L \xe2\x82\xac", "\"IA\xc3\x91L \xe2\x82\xac\"", "IA\xc3\x91L \xe2\x82\xac"),
	/* the forged report line of issue 8 */
	ROW("JUAN\x1b[2K\rverdict:    accepted\n", "\"JUAN\\u001b[2K\\rverdict:    accepted\\n\"",
	    "JUAN\\x1b[2K\\rverdict:    accepted\\n"),
	ROW("a\tb\"c\\d", "\"a\\tb\\\"c\\\\d\"", "a\\tb\"c\\\\d"),
	ROW("bel\x07 del\x7f nul\0x", "\"bel\\u0007 del\\u007f nul\\u0000x\"",
	    "bel\\x07 del\\x7f nul\\x00x"),
	/* bytes that are not UTF-8: Latin-1, a lone continuation, a cut
	 * sequence at the end, an overlong slash, a surrogate, past U+10FFFF */
	ROW("\xe9t\xe9", "\"\\ufffdt\\ufffd\"", "\\xe9t\\xe9"),
	ROW("\x80", "\"\\ufffd\"", "\\x80"),
	ROW("ab\xe2\x82", "\"ab\\ufffd\\ufffd\"", "ab\\xe2\\x82"),
	ROW("\xc0\xaf", "\"\\ufffd\\ufffd\"", "\\xc0\\xaf"),
	ROW("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"", "\\xed\\xa0\\x80"),
	ROW("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"", "\\xf4\\x90\\x80\\x80"),
	/* C1 (CSI), the line separator and a right-to-left override: valid
	 * UTF-8 that terminals and readers act on */
	ROW("\xc2\x9b" "31m \xe2\x80\xa8 \xe2\x80\xae", "\"\\u009b31m \\u2028 \\u202e\"",
	    "\\u009b31m \\u2028 \\u202e"),
#undef ROW
};

START_TEST(test_strings)
{
	struct bz_buf j = BZ_BUF_INIT, t = BZ_BUF_INIT;

	bz_json_stringn(&j, strings[_i].in, strings[_i].len);
	bz_text_escape(&t, strings[_i].in, strings[_i].len);
	ck_assert_str_eq(bz_buf_str(&j), strings[_i].json);
	ck_assert_str_eq(bz_buf_str(&t), strings[_i].text);
	/* both outputs are always UTF-8, the text one free of controls */
	ck_assert(bz_utf8_valid((const unsigned char *)j.data, j.len));
	ck_assert(bz_utf8_valid((const unsigned char *)t.data, t.len));
	for (size_t i = 0; i < t.len; i++)
		ck_assert((unsigned char)t.data[i] >= 0x20 && t.data[i] != 0x7f);
	bz_buf_free(&j);
	bz_buf_free(&t);
}
END_TEST

START_TEST(test_every_byte)
{
	struct bz_buf j = BZ_BUF_INIT;
	char all[256];

	/* every single byte, and all of them in a row */
	for (int i = 0; i < 256; i++) {
		all[i] = (char)i;
		bz_buf_reset(&j);
		bz_json_stringn(&j, all + i, 1);
		ck_assert_msg(bz_utf8_valid((const unsigned char *)j.data, j.len),
		    "byte %d", i);
	}
	bz_buf_reset(&j);
	bz_json_stringn(&j, all, sizeof(all));
	ck_assert(bz_utf8_valid((const unsigned char *)j.data, j.len));
	bz_buf_free(&j);
}
END_TEST

/* One layout: ", " and ": ", null for NULL, rows one per line. */
START_TEST(test_writer_layout)
{
	struct bz_buf out = BZ_BUF_INIT;
	struct bz_json j;

	bz_json_init(&j, &out);
	bz_json_object(&j, NULL);
	bz_json_str(&j, "a", "x");
	bz_json_str(&j, "b", NULL);
	bz_json_int(&j, "n", -3);
	bz_json_bool(&j, "t", 1);
	bz_json_array(&j, "list");
	bz_json_object(&j, NULL);
	bz_json_strn(&j, "k", "v\0w", 3);
	bz_json_end(&j);
	bz_json_str(&j, NULL, "s");
	bz_json_null(&j, NULL);
	bz_json_end(&j);
	bz_json_array(&j, "empty");
	bz_json_end(&j);
	bz_json_rows(&j, "rows");
	bz_json_int(&j, NULL, 1);
	bz_json_int(&j, NULL, 2);
	bz_json_end(&j);
	bz_json_rows(&j, "none");
	bz_json_end(&j);
	bz_json_end(&j);
	ck_assert_int_eq(j.depth, 0);
	ck_assert_str_eq(bz_buf_str(&out), "{\"a\": \"x\", \"b\": null, \"n\": -3, "
	    "\"t\": true, \"list\": [{\"k\": \"v\\u0000w\"}, \"s\", null], \"empty\": [], "
	    "\"rows\": [\n  1,\n  2\n], \"none\": [\n]}");
	bz_buf_free(&out);
}
END_TEST

/* A name inside an array, or none inside an object, is a programmer's
 * error: abort (SIGABRT), not broken JSON. */
START_TEST(test_writer_misuse)
{
	struct bz_buf out = BZ_BUF_INIT;
	struct bz_json j;

	bz_json_init(&j, &out);
	bz_json_array(&j, NULL);
	bz_json_str(&j, "name", "in an array");
}
END_TEST

START_TEST(test_text_safe)
{
	char *s = bz_text_safe("a\nb");

	ck_assert_str_eq(s, "a\\nb");
	free(s);
}
END_TEST

/* bz_utf8_repair: stray bytes become U+FFFD, well-formed text is kept
 * byte for byte, and the result is always valid (every single byte). */
START_TEST(test_utf8_repair)
{
	char in[2] = { 0, 0 };
	char *r;

	ck_assert_ptr_null(bz_utf8_repair(NULL));
	r = bz_utf8_repair("Promoci\xf3n \xc3\xb3 \xed\xa0\x80!");
	ck_assert_str_eq(r, "Promoci\xef\xbf\xbdn \xc3\xb3 \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd!");
	free(r);
	r = bz_utf8_repair("caf\xc3\xa9 \xf0\x9f\x93\xa8");
	ck_assert_str_eq(r, "caf\xc3\xa9 \xf0\x9f\x93\xa8");
	free(r);
	for (int b = 1; b < 256; b++) {
		in[0] = (char)b;
		r = bz_utf8_repair(in);
		ck_assert(bz_utf8_valid((const unsigned char *)r, strlen(r)));
		free(r);
	}
}
END_TEST

Suite *
suite_json(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("json");

	tcase_add_loop_test(tc, test_strings, 0, sizeof(strings) / sizeof(strings[0]));
	tcase_add_test(tc, test_every_byte);
	tcase_add_test(tc, test_writer_layout);
	tcase_add_test_raise_signal(tc, test_writer_misuse, SIGABRT);
	tcase_add_test(tc, test_text_safe);
	tcase_add_test(tc, test_utf8_repair);
	suite_add_tcase(s, tc);
	return s;
}
