/*
 * run-unit - runs every unit suite of libbuzon with Check
 *
 * Prints Check's per-test summary (CK_VERBOSE) and exits non-zero when
 * any test fails. Tests run forked (Check's default), so a crash in one
 * test is reported as that test's failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"

typedef Suite *(*suite_fn)(void);

static const suite_fn suites[] = {
	suite_config,
	suite_instant,
	suite_calendar,
	suite_store,
	suite_outbox,
	suite_spool,
	suite_gate,
	suite_runtime,
	suite_mime,
	suite_smime,
	suite_efirma,
	suite_verify,
	suite_receipt,
	suite_reason,
	suite_json,
};

static char tmpdir_path[256];

/* test_srcdir - $top_srcdir from the harness, else "." */
const char *
test_srcdir(void)
{
	const char *s = getenv("top_srcdir");

	return s && *s ? s : ".";
}

/* test_shared_dir - $BUZON_SHARED, else $top_srcdir/../shared */
const char *
test_shared_dir(void)
{
	static char path[4096];
	const char *s = getenv("BUZON_SHARED");

	if (s && *s)
		return s;
	snprintf(path, sizeof(path), "%s/../shared", test_srcdir());
	return path;
}

/* test_tmpdir - one mkdtemp directory per process, made on first use */
const char *
test_tmpdir(void)
{
	if (tmpdir_path[0] == '\0') {
		snprintf(tmpdir_path, sizeof(tmpdir_path), "/tmp/buzon-unit.XXXXXX");
		if (mkdtemp(tmpdir_path) == NULL) {
			perror("mkdtemp");
			exit(99);
		}
	}
	return tmpdir_path;
}

int
main(void)
{
	SRunner *sr = srunner_create(NULL);
	int failed;

	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_VERBOSE);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
