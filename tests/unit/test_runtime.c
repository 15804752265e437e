/*
 * test_runtime - configuration generations and the mailbox match
 *
 * Rules: a message is ours when a recipient equals a MailboxAddress, exact
 * address, case-insensitive, with or without <>, or is one with a
 * RecipientDelimiter extension (issue 8: buzon+cualquier@ reached the
 * mailbox unverified); a reload builds a new
 * generation while a holder of the old one keeps it intact; a bad file
 * builds nothing and says file:line: key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/runtime.h"
#include "suites.h"

/* write_conf - put text in a file under the test tmpdir */
static const char *
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

#define CONF_AB "Socket unix:/run/b.sock\n" \
	"MailboxAddress buzon@imss.gob.mx\nMailboxAddress Promociones@IMSS.gob.mx\n"

static const struct {
	const char *rcpt;
	int	 ours;
} mailbox_cases[] = {
	{ "buzon@imss.gob.mx", 1 },
	{ "<buzon@imss.gob.mx>", 1 },
	{ "<BUZON@IMSS.GOB.MX>", 1 },
	{ " <buzon@imss.gob.mx> ", 1 },
	{ "promociones@imss.gob.mx", 1 },	/* configured in mixed case */
	/* Spellings the MTA delivers to the mailbox (bz_address_key): a
	 * sender must not reach it unverified by writing one of these. */
	{ "buzon@imss.gob.mx.", 1 },		/* Postfix resolves without the dot */
	{ "\"buzon\"@imss.gob.mx", 1 },
	{ "<\"buzon\"@imss.gob.mx>", 1 },
	{ "\"bu\\zon\"@IMSS.gob.mx", 1 },
	{ "<@relay.example:buzon@imss.gob.mx>", 1 },
	{ "<@a.example,@b.example:buzon@imss.gob.mx>", 1 },
	{ "<<buzon@imss.gob.mx>>", 1 },
	{ "buzon(x)@imss.gob.mx", 1 },		/* comments: Postfix skips them */
	{ "buzon@imss.gob.mx(x)", 1 },
	{ "<buzon@(x)imss.gob.mx>", 1 },
	{ "(a(b\\)c))buzon@imss.gob.mx", 1 },	/* nested, escaped ")" */
	{ "< buzon @ imss.gob.mx >", 1 },
	{ "\"buzon(x)\"@imss.gob.mx", 0 },	/* quoted: not a comment */
	{ "buzon@imss.gob.mx..", 0 },
	{ "\"buzon@imss.gob.mx\"", 0 },	/* a local part only */
	{ "\"buzon@imss.gob.mx\"@evil.example", 0 },
	{ "\"buzon\"", 0 },
	{ "\"buzon@imss.gob.mx", 0 },		/* unterminated quote */
	{ "xbuzon@imss.gob.mx", 0 },
	{ "buzon@imss.gob", 0 },
	{ "<buzon@imss.gob.mx", 0 },		/* unbalanced: not stripped */
	{ "buzon", 0 },
	{ "<>", 0 },
	{ "", 0 },
	/* RecipientDelimiter "+" (the default): Postfix with
	 * recipient_delimiter = + delivers these to the mailbox. */
	{ "buzon+cualquier@imss.gob.mx", 1 },
	{ "<BUZON+X@IMSS.GOB.MX>", 1 },
	{ "buzon+@imss.gob.mx", 1 },
	{ "buzon++a+b@imss.gob.mx", 1 },
	{ "\"buzon+x\"@imss.gob.mx", 1 },
	{ "<@relay.example:promociones+x@imss.gob.mx>", 1 },
	{ "buzon+x@imss.gob.mx.", 1 },
	{ "buzon-x@imss.gob.mx", 0 },		/* not a delimiter here */
	{ "buzonx+y@imss.gob.mx", 0 },
	{ "buzon+x@otro.gob.mx", 0 },
	{ "+buzon@imss.gob.mx", 0 },
	{ "buzo+n@imss.gob.mx", 0 },
};

/* With RecipientDelimiter "-+" either character starts an extension;
 * with the key empty there are none. */
static const struct {
	const char *conf;	/* the RecipientDelimiter line */
	const char *rcpt;
	const char *mailbox;	/* bz_runtime_mailbox_of, NULL: not ours */
} delimiter_cases[] = {
	{ "RecipientDelimiter -+\n", "buzon-x@imss.gob.mx", "buzon@imss.gob.mx" },
	{ "RecipientDelimiter -+\n", "Promociones+x@imss.gob.mx", "promociones@imss.gob.mx" },
	{ "RecipientDelimiter -+\n", "buzon_x@imss.gob.mx", NULL },
	{ "RecipientDelimiter\n", "buzon+x@imss.gob.mx", NULL },
	{ "RecipientDelimiter\n", "buzon@imss.gob.mx", "buzon@imss.gob.mx" },
	{ "", "BUZON+x@imss.gob.mx", "buzon@imss.gob.mx" },
};

START_TEST(test_is_mailbox)
{
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_runtime *rt = bz_runtime_load(write_conf("ab.conf", CONF_AB), &err);

	ck_assert_msg(rt != NULL, "%s", bz_buf_str(&err));
	ck_assert_msg(bz_runtime_is_mailbox(rt, mailbox_cases[_i].rcpt)
	    == mailbox_cases[_i].ours, "rcpt [%s] expected ours=%d",
	    mailbox_cases[_i].rcpt, mailbox_cases[_i].ours);
	bz_runtime_unref(rt);
	bz_buf_free(&err);
}
END_TEST

START_TEST(test_delimiters)
{
	struct bz_buf err = BZ_BUF_INIT, text = BZ_BUF_INIT;
	struct bz_runtime *rt;
	const char *got;

	bz_buf_puts(&text, CONF_AB);
	bz_buf_puts(&text, delimiter_cases[_i].conf);
	rt = bz_runtime_load(write_conf("delim.conf", bz_buf_str(&text)), &err);
	ck_assert_msg(rt != NULL, "%s", bz_buf_str(&err));
	got = bz_runtime_mailbox_of(rt, delimiter_cases[_i].rcpt);
	if (delimiter_cases[_i].mailbox == NULL)
		ck_assert_msg(got == NULL, "%s: got %s", delimiter_cases[_i].rcpt, got);
	else
		ck_assert_msg(got != NULL && strcmp(got, delimiter_cases[_i].mailbox) == 0,
		    "%s [%s]: got %s", delimiter_cases[_i].rcpt,
		    delimiter_cases[_i].conf, got ? got : "(none)");
	bz_runtime_unref(rt);
	bz_buf_free(&text);
	bz_buf_free(&err);
}
END_TEST

START_TEST(test_reload_keeps_old_generation_for_holders)
{
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_runtime *first, *held, *second, *now;

	first = bz_runtime_load(write_conf("g1.conf", CONF_AB), &err);
	ck_assert_ptr_nonnull(first);
	bz_runtime_install(first);
	held = bz_runtime_acquire();		/* a connection starts */
	ck_assert_ptr_eq(held, first);

	second = bz_runtime_load(write_conf("g2.conf",
	    "Socket unix:/run/b.sock\nMailboxAddress nuevo@imss.gob.mx\n"), &err);
	ck_assert_ptr_nonnull(second);
	ck_assert_uint_gt(second->generation, first->generation);
	bz_runtime_install(second);		/* the reload */

	now = bz_runtime_acquire();		/* a new connection */
	ck_assert_ptr_eq(now, second);
	ck_assert(bz_runtime_is_mailbox(now, "nuevo@imss.gob.mx"));
	ck_assert(!bz_runtime_is_mailbox(now, "buzon@imss.gob.mx"));
	/* The old connection still sees its own generation, intact. */
	ck_assert(bz_runtime_is_mailbox(held, "buzon@imss.gob.mx"));
	ck_assert(!bz_runtime_is_mailbox(held, "nuevo@imss.gob.mx"));

	bz_runtime_unref(held);
	bz_runtime_unref(now);
	bz_runtime_install(NULL);
	ck_assert_ptr_null(bz_runtime_acquire());
	bz_buf_free(&err);
}
END_TEST

START_TEST(test_bad_file_builds_nothing)
{
	struct bz_buf err = BZ_BUF_INIT;
	const char *path = write_conf("bad.conf", CONF_AB "UMask 9\n");
	struct bz_runtime *rt = bz_runtime_load(path, &err);
	char *want;

	ck_assert_ptr_null(rt);
	want = malloc(strlen(path) + 32);
	sprintf(want, "%s:4: UMask: ", path);
	ck_assert_msg(strncmp(bz_buf_str(&err), want, strlen(want)) == 0,
	    "got [%s]", bz_buf_str(&err));
	free(want);
	bz_buf_free(&err);
}
END_TEST

Suite *
suite_runtime(void)
{
	Suite *s = suite_create("runtime");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_is_mailbox, 0,
	    sizeof(mailbox_cases) / sizeof(mailbox_cases[0]));
	tcase_add_loop_test(tc, test_delimiters, 0,
	    sizeof(delimiter_cases) / sizeof(delimiter_cases[0]));
	tcase_add_test(tc, test_reload_keeps_old_generation_for_holders);
	tcase_add_test(tc, test_bad_file_builds_nothing);
	suite_add_tcase(s, tc);
	return s;
}
