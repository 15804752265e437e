/*
 * suites - the unit test suites of libbuzon, one per core module
 *
 * Add a suite: write tests/unit/test_<module>.c with a function
 * Suite *suite_<module>(void), declare it here, list it in run-unit.c and
 * in Makefile.am.
 */
#ifndef BUZON_TEST_SUITES_H
#define BUZON_TEST_SUITES_H

#include <check.h>

Suite	*suite_config(void);
Suite	*suite_instant(void);
Suite	*suite_calendar(void);
Suite	*suite_store(void);
Suite	*suite_outbox(void);
Suite	*suite_spool(void);
Suite	*suite_gate(void);
Suite	*suite_runtime(void);
Suite	*suite_mime(void);
Suite	*suite_smime(void);
Suite	*suite_efirma(void);
Suite	*suite_verify(void);
Suite	*suite_receipt(void);
Suite	*suite_reason(void);
Suite	*suite_json(void);
Suite	*suite_submission(void);
Suite	*suite_receipt_pdf(void);
Suite	*suite_registration(void);
Suite	*suite_consulta(void);
Suite	*suite_notification(void);
Suite	*suite_apertura(void);
Suite	*suite_apertura_store(void);
/* NULL without BUZON_TEST_PG_URI (tests/store/pg-store.sh sets it). */
Suite	*suite_pgstore(void);

/* Directory of the source tree (tests read fixtures from it). */
const char *test_srcdir(void);
/* Third-party material: $BUZON_SHARED, else $top_srcdir/../shared (may not exist). */
const char *test_shared_dir(void);
/* A fresh private temporary directory for this test process. */
const char *test_tmpdir(void);
/* $BUZON_TEST_TIMEOUT_SCALE (default 1): multiply every polling deadline. */
int	test_timeout_scale(void);

#endif
