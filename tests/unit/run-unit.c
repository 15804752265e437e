/*
 * run-unit - runs the unit suites of libbuzon with Check
 *
 *   run-unit [SUITE | PATH/SUITE.unit]
 *
 * With no argument every suite runs; with one, only that suite (the
 * automake harness calls it once per tests/unit/SUITE.unit file, so a
 * failure names its suite). Prints Check's per-test summary (CK_VERBOSE)
 * and exits non-zero when any test fails, 99 for an unknown suite. Tests
 * run forked (Check's default), so a crash in one test is reported as that
 * test's failure.
 *
 * Temporary files: main() makes one directory under $TMPDIR (else /tmp)
 * before any test forks; each test process makes its own fresh directory
 * inside it on first use (test_tmpdir), and main() removes the whole tree
 * at the end, whatever the results. A run leaves nothing behind unless it
 * is killed.
 *
 * Time: Check's per-test timeouts are multiplied by
 * $BUZON_TEST_TIMEOUT_SCALE (an integer, default 1), the multiplier every
 * test deadline follows, unless CK_TIMEOUT_MULTIPLIER is set explicitly.
 */
#define _XOPEN_SOURCE 700	/* nftw */

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pki.h"
#include "suites.h"

static const struct {
	const char	*name;		/* as given to suite_create() */
	Suite		*(*fn)(void);
} suites[] = {
	{ "config", suite_config },
	{ "instant", suite_instant },
	{ "calendar", suite_calendar },
	{ "store", suite_store },
	{ "outbox", suite_outbox },
	{ "spool", suite_spool },
	{ "gate", suite_gate },
	{ "runtime", suite_runtime },
	{ "mime", suite_mime },
	{ "smime", suite_smime },
	{ "efirma", suite_efirma },
	{ "verify", suite_verify },
	{ "receipt", suite_receipt },
	{ "reason", suite_reason },
	{ "json", suite_json },
	{ "submission", suite_submission },
	{ "receipt_pdf", suite_receipt_pdf },
	{ "registration", suite_registration },
	{ "notification", suite_notification },
	{ "consulta", suite_consulta },
	{ "apertura", suite_apertura },
	{ "apertura_store", suite_apertura_store },
	{ "pgstore", suite_pgstore },
};

static char base_path[4096];	/* this run's directory, made before forking */
static char tmpdir_path[4096];	/* this test process's directory inside it */

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

/* make_dir - mkdtemp DIR/PREFIX.XXXXXX into out; exits 99 on failure */
static void
make_dir(char *out, size_t size, const char *dir, const char *prefix)
{
	if ((size_t)snprintf(out, size, "%s/%s.XXXXXX", dir, prefix) >= size) {
		fprintf(stderr, "run-unit: temporary directory name too long: %s\n", dir);
		exit(99);
	}
	if (mkdtemp(out) == NULL) {
		perror(out);
		exit(99);
	}
}

/*
 * test_tmpdir - one fresh directory per test process, made on first use
 *
 * Made inside the run's directory, so main() removes it even though the
 * forked test that made it never says so.
 */
const char *
test_tmpdir(void)
{
	if (tmpdir_path[0] == '\0')
		make_dir(tmpdir_path, sizeof(tmpdir_path), base_path, "test");
	return tmpdir_path;
}

/* test_timeout_scale - the deadline multiplier, an integer >= 1 */
int
test_timeout_scale(void)
{
	const char *s = getenv("BUZON_TEST_TIMEOUT_SCALE");
	int n = s ? atoi(s) : 1;

	return n >= 1 ? n : 1;
}

/* remove_one - nftw callback: remove a file or an (emptied) directory */
static int
remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	if (remove(path) != 0)
		perror(path);
	return 0;
}

/* suite_name - "calendar" from "calendar" or "tests/unit/calendar.unit" */
static char *
suite_name(const char *arg)
{
	const char *slash = strrchr(arg, '/');
	char *name = strdup(slash ? slash + 1 : arg);
	size_t n;

	if (name == NULL) {
		perror("run-unit");
		exit(99);
	}
	n = strlen(name);
	if (n > 5 && strcmp(name + n - 5, ".unit") == 0)
		name[n - 5] = '\0';
	return name;
}

int
main(int argc, char **argv)
{
	const char *scale = getenv("BUZON_TEST_TIMEOUT_SCALE");
	const char *tmp = getenv("TMPDIR");
	char *only = argc > 1 ? suite_name(argv[1]) : NULL;
	SRunner *sr = srunner_create(NULL);
	int failed, added = 0;

	if (argc > 2) {
		fprintf(stderr, "usage: run-unit [SUITE]\n");
		return 99;
	}
	/* Check reads the multiplier when the suites make their test cases. */
	if (scale && *scale && getenv("CK_TIMEOUT_MULTIPLIER") == NULL)
		setenv("CK_TIMEOUT_MULTIPLIER", scale, 1);
	make_dir(base_path, sizeof(base_path), tmp && *tmp ? tmp : "/tmp", "buzon-unit");
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if (only == NULL || strcmp(only, suites[i].name) == 0) {
			Suite *su = suites[i].fn();

			/* A suite that needs what is not here (a PostgreSQL
			 * server) says so instead of passing empty. */
			if (su == NULL) {
				printf("SKIP: suite %s needs its environment (see "
				    "tests/unit/test_%s.c)\n", suites[i].name,
				    suites[i].name);
				if (only != NULL) {
					srunner_free(sr);
					free(only);
					rmdir(base_path);
					return 77;
				}
				continue;
			}
			srunner_add_suite(sr, su);
			added++;
		}
	}
	if (added == 0) {
		fprintf(stderr, "run-unit: no suite named %s\n", only);
		srunner_free(sr);
		free(only);
		rmdir(base_path);
		return 99;
	}
	/* The test PKI before any test forks: generating it takes seconds
	 * (more under the sanitizers, and suites run in parallel), which the
	 * first test to ask would otherwise pay out of its own deadline. */
	(void)test_pki_dir();
	srunner_run_all(sr, CK_VERBOSE);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	free(only);
	/* In CK_FORK=no mode the tests ran here: that directory goes too. */
	nftw(base_path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
