/*
 * test_reason - the catalogue of reason codes, as SMTP replies use it
 *
 * The catalogue is an interface (scripts and employers quote the codes)
 * and the source of every reply line: each entry is checked here for the
 * form of its code, the SMTP and enhanced status codes its class demands
 * (issue 3: a submission refused for what it is gets 550 5.7.x; issue 2:
 * an oversized message 552 5.3.4; anything undecided a 451 4.x.x), and a
 * Spanish text that fits a 7-bit SMTP reply.
 */
#include <string.h>

#include "buzon/reason.h"
#include "suites.h"

/* is_code - "BZ-" then upper-case words joined by single hyphens */
static int
is_code(const char *s)
{
	if (strncmp(s, "BZ-", 3) != 0 || s[3] == '\0')
		return 0;
	for (s += 3; *s != '\0'; s++) {
		if (*s == '-') {
			if (s[1] == '\0' || s[1] == '-')
				return 0;
		} else if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return 0;
	}
	return 1;
}

/* is_smtp_text - printable 7-bit ASCII, non-empty: it goes into a reply */
static int
is_smtp_text(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

START_TEST(test_catalogue_entries)
{
	size_t n, i;
	const struct bz_reason *all = bz_reason_all(&n);
	const struct bz_reason *r;

	ck_assert_uint_gt(n, 0);
	for (i = 0; i < n; i++) {
		r = &all[i];
		ck_assert_msg(is_code(r->code), "bad code \"%s\"", r->code);
		ck_assert_msg(bz_reason_find(r->code) == r, "%s: not found as itself", r->code);
		for (size_t j = i + 1; j < n; j++)
			ck_assert_msg(strcmp(r->code, all[j].code) != 0, "%s twice", r->code);
		ck_assert_msg(is_smtp_text(r->text_es), "%s: Spanish text not 7-bit", r->code);
		ck_assert_msg(r->text_en[0] != '\0', "%s: no English text", r->code);
		if (r->class == BZ_REASON_TEMPFAIL) {
			ck_assert_msg(strcmp(r->smtp_code, "451") == 0 &&
			    strncmp(r->enhanced, "4.", 2) == 0, "%s: tempfail as %s %s",
			    r->code, r->smtp_code, r->enhanced);
		} else if (strcmp(r->code, "BZ-MSG-TOO-LARGE") == 0) {
			ck_assert_str_eq(r->smtp_code, "552");
			ck_assert_str_eq(r->enhanced, "5.3.4");
		} else {
			ck_assert_msg(strcmp(r->smtp_code, "550") == 0 &&
			    strncmp(r->enhanced, "5.7.", 4) == 0, "%s: rejection as %s %s, "
			    "want 550 5.7.x", r->code, r->smtp_code, r->enhanced);
		}
	}
}
END_TEST

/* The kinds issue 3 names, each with its own code and a 550 5.7.x. */
static const char *const rejections[] = {
	"BZ-MSG-UNSIGNED", "BZ-SIG-INVALID", "BZ-CERT-UNTRUSTED", "BZ-CERT-CSD",
	"BZ-CERT-EXPIRED", "BZ-CERT-REVOKED", "BZ-DIGEST-WEAK", "BZ-MSG-MALFORMED",
	"BZ-MSG-ENCODING", "BZ-MSG-TOO-DEEP", "BZ-MSG-TOO-MANY-PARTS",
	"BZ-MSG-FORGED-HEADERS",
};

START_TEST(test_rejection_kinds)
{
	const struct bz_reason *r = bz_reason_find(rejections[_i]);

	ck_assert_msg(r != NULL, "%s missing", rejections[_i]);
	ck_assert_int_eq(r->class, BZ_REASON_REJECT);
	ck_assert_str_eq(r->smtp_code, "550");
	ck_assert_msg(strncmp(r->enhanced, "5.7.", 4) == 0, "%s: %s", r->code, r->enhanced);
}
END_TEST

START_TEST(test_unknown_code)
{
	ck_assert_ptr_null(bz_reason_find("BZ-NO-SUCH-CODE"));
	ck_assert_ptr_null(bz_reason_find(""));
}
END_TEST

Suite *
suite_reason(void)
{
	Suite *s = suite_create("reason");
	TCase *tc = tcase_create("catalogue");

	tcase_add_test(tc, test_catalogue_entries);
	tcase_add_loop_test(tc, test_rejection_kinds, 0,
	    sizeof(rejections) / sizeof(rejections[0]));
	tcase_add_test(tc, test_unknown_code);
	suite_add_tcase(s, tc);
	return s;
}
