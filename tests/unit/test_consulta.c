/*
 * test_consulta - reading a CONSULTA (core/consulta.c, issue 11)
 *
 * The Subject only routes the message; the folio that is looked up comes
 * from the signed text, exactly one "Folio:" line in the store's folio
 * alphabet. Anything else (two folios, injected characters, an over-long
 * value) yields no folio, so nothing is looked up.
 */
#include <stdlib.h>
#include <string.h>

#include "buzon/consulta.h"
#include "suites.h"

/* folio_of - bz_consulta_signed_folio of a C string */
static char *
folio_of(const char *text)
{
	return bz_consulta_signed_folio(text, strlen(text));
}

START_TEST(subject_word)
{
	char *f;

	ck_assert_int_eq(bz_consulta_subject("CONSULTA BZ-2026-00000001", &f), 1);
	ck_assert_str_eq(f, "BZ-2026-00000001");
	free(f);
	ck_assert_int_eq(bz_consulta_subject("  consulta: BZ-1 resto", &f), 1);
	ck_assert_str_eq(f, "BZ-1");
	free(f);
	ck_assert_int_eq(bz_consulta_subject("Consulta", &f), 1);
	ck_assert_ptr_null(f);
	ck_assert_int_eq(bz_consulta_subject("CONSULTAS BZ-1", &f), 0);
	ck_assert_ptr_null(f);
	ck_assert_int_eq(bz_consulta_subject("Re: CONSULTA BZ-1", &f), 0);
	ck_assert_int_eq(bz_consulta_subject("REGISTRO", &f), 0);
	ck_assert_int_eq(bz_consulta_subject(NULL, &f), 0);
}
END_TEST

START_TEST(signed_folio)
{
	char *f;

	f = folio_of("Consulta del acuse.\r\nFolio: BZ-2026-00000042\r\n");
	ck_assert_str_eq(f, "BZ-2026-00000042");
	free(f);
	f = folio_of("  folio:\tBZ-2026-00000042  ");
	ck_assert_str_eq(f, "BZ-2026-00000042");
	free(f);
	/* none, two, malformed, lower case, too long */
	ck_assert_ptr_null(folio_of("Consulta sin folio\n"));
	ck_assert_ptr_null(folio_of("Folio: BZ-1\nFolio: BZ-2\n"));
	ck_assert_ptr_null(folio_of("Folio: BZ-1\nFolio: BZ-1\n"));
	ck_assert_ptr_null(folio_of("Folio: BZ-1' OR 1=1\n"));
	ck_assert_ptr_null(folio_of("Folio: bz-2026-00000042\n"));
	ck_assert_ptr_null(folio_of("Folio:\n"));
	ck_assert_ptr_null(folio_of("Folio: "
	    "BZ-0000000000000000000000000000000000000000000000000000000000000000\n"));
	/* a line merely containing the word is not the key */
	ck_assert_ptr_null(folio_of("Mi Folio: BZ-1\n"));
}
END_TEST

/* suite_consulta - the suite */
Suite *
suite_consulta(void)
{
	Suite *s = suite_create("consulta");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, subject_word);
	tcase_add_test(tc, signed_folio);
	suite_add_tcase(s, tc);
	return s;
}
