/*
 * test_apertura - reading an opening and the references of a reply
 *		   (core/apertura.c, issue 10 part B)
 *
 * "Apertura: un mensaje firmado por el patrón con asunto APERTURA <folio>."
 * The Subject's second word counts only when it is a notification folio
 * NT-YYYY-NNNNNNNN. A reply answers a notification when its In-Reply-To or
 * References names the aviso's Message-ID or its Subject contains the
 * NT- folio: these headers are unsigned, so they only propose candidates,
 * and never more than the bounds whatever a hostile header holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/apertura.h"
#include "buzon/buf.h"
#include "suites.h"

START_TEST(subject_word)
{
	static const struct {
		const char	*subject;
		int		 is;
		const char	*folio;
	} t[] = {
		{ "APERTURA NT-2026-00000001", 1, "NT-2026-00000001" },
		{ "  apertura:\tNT-2026-00000042 gracias", 1, "NT-2026-00000042" },
		{ "Apertura", 1, NULL },
		{ "APERTURA BZ-2026-00000001", 1, NULL },	/* a filing's folio */
		{ "APERTURA nt-2026-00000001", 1, NULL },	/* folios are upper case */
		{ "APERTURA NT-2026-0000001", 1, NULL },	/* too short */
		{ "APERTURA NT-2026-000000012", 1, NULL },	/* too long */
		{ "APERTURA NT-20X6-00000001", 1, NULL },
		{ "APERTURA NT-2026-00000001'--", 1, NULL },
		{ "APERTURAS NT-2026-00000001", 0, NULL },
		{ "Re: APERTURA NT-2026-00000001", 0, NULL },
		{ "CONSULTA NT-2026-00000001", 0, NULL },
		{ "", 0, NULL },
		{ NULL, 0, NULL },
	};
	char *f;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_msg(bz_apertura_subject(t[i].subject, &f) == t[i].is,
		    "subject %zu", i);
		if (t[i].folio == NULL)
			ck_assert_msg(f == NULL, "subject %zu: folio %s", i, f);
		else
			ck_assert_str_eq(f, t[i].folio);
		free(f);
	}
}
END_TEST

/* scan - the candidates of a message made of headers and a short body */
static void
scan(const char *headers, struct bz_apertura_refs *r)
{
	struct bz_buf m = BZ_BUF_INIT;

	bz_buf_printf(&m, "%sFrom: a@b.test\r\n\r\nhola\r\n", headers);
	bz_apertura_refs_scan((const unsigned char *)m.data, m.len, r);
	bz_buf_free(&m);
}

START_TEST(refs_basic)
{
	struct bz_apertura_refs r;

	scan("In-Reply-To: <aviso.1@imss.test>\r\n"
	    "References: <x@y> <aviso.1@imss.test>\r\n"
	    "Subject: Re: =?UTF-8?Q?Notificaci=C3=B3n?= NT-2026-00000007, "
	    "nt-2026-00000008 y XNT-2026-00000009 NT-2026-000000101\r\n", &r);
	ck_assert_uint_eq(r.nmsgids, 2);
	ck_assert_str_eq(r.msgids[0], "<aviso.1@imss.test>");
	ck_assert_str_eq(r.msgids[1], "<x@y>");
	ck_assert_uint_eq(r.nfolios, 2);
	ck_assert_str_eq(r.folios[0], "NT-2026-00000007");
	ck_assert_str_eq(r.folios[1], "NT-2026-00000008");
	bz_apertura_refs_free(&r);

	/* nothing: no headers, malformed ids */
	scan("Subject: hola\r\nIn-Reply-To: aviso@imss.test <> <a b@c> <a<b@c>\r\n", &r);
	ck_assert_uint_eq(r.nmsgids, 0);
	ck_assert_uint_eq(r.nfolios, 0);
	bz_apertura_refs_free(&r);
}
END_TEST

START_TEST(refs_bounded)
{
	struct bz_buf h = BZ_BUF_INIT;
	struct bz_apertura_refs r;
	char want[64];

	/* 5000 references: the first 6 and the last 6 are looked at */
	bz_buf_puts(&h, "In-Reply-To: <p1@x> <p2@x> <p3@x> <p4@x> <p5@x> <p6@x>\r\n"
	    "References:");
	for (int i = 0; i < 5000; i++)
		bz_buf_printf(&h, "\r\n <r%d@x>", i);
	bz_buf_puts(&h, "\r\nSubject:");
	for (int i = 0; i < 100; i++)
		bz_buf_printf(&h, " NT-2026-%08d", i);
	bz_buf_puts(&h, "\r\n");
	scan(bz_buf_str(&h), &r);
	ck_assert_uint_eq(r.nmsgids, BZ_APERTURA_MAX_MSGIDS);
	ck_assert_str_eq(r.msgids[0], "<p1@x>");
	ck_assert_str_eq(r.msgids[3], "<p4@x>");	/* In-Reply-To: at most 4 */
	ck_assert_str_eq(r.msgids[4], "<r0@x>");
	ck_assert_str_eq(r.msgids[9], "<r5@x>");
	ck_assert_str_eq(r.msgids[10], "<r4994@x>");
	ck_assert_str_eq(r.msgids[15], "<r4999@x>");
	ck_assert_uint_eq(r.nfolios, BZ_APERTURA_MAX_FOLIOS);
	snprintf(want, sizeof(want), "NT-2026-%08d", 3);
	ck_assert_str_eq(r.folios[3], want);
	bz_apertura_refs_free(&r);
	bz_buf_free(&h);

	/* an over-long id is no candidate */
	bz_buf_puts(&h, "In-Reply-To: <");
	for (int i = 0; i < BZ_APERTURA_MSGID_MAX + 1; i++)
		bz_buf_puts(&h, "a");
	bz_buf_puts(&h, "@x>\r\n");
	scan(bz_buf_str(&h), &r);
	ck_assert_uint_eq(r.nmsgids, 0);
	bz_apertura_refs_free(&r);
	bz_buf_free(&h);
}
END_TEST

/* The signed text may name the folio; naming only another one refuses:
 * the Subject is not signed. */
START_TEST(text_names)
{
	static const struct {
		const char	*text;
		int		 want;
	} t[] = {
		{ "Abro la notificacion NT-2026-00000001.\n", 1 },
		{ "Abro.\n", 0 },
		{ "", 0 },
		{ "Folio: NT-2026-00000002\n", -1 },
		{ "NT-2026-00000002 y NT-2026-00000001", 1 },
		{ "XNT-2026-00000002 NT-2026-000000011 nt-2026-00000002", 0 },
		{ "NT-2026-00000001", 1 },
		{ "NT-2026-0000000", 0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(bz_apertura_text_names(t[i].text, strlen(t[i].text),
		    "NT-2026-00000001") == t[i].want, "text %zu", i);
}
END_TEST

/* suite_apertura - the suite */
Suite *
suite_apertura(void)
{
	Suite *s = suite_create("apertura");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, subject_word);
	tcase_add_test(tc, refs_basic);
	tcase_add_test(tc, refs_bounded);
	tcase_add_test(tc, text_names);
	suite_add_tcase(s, tc);
	return s;
}
