/*
 * ctl_spool - buzonctl spool: the received messages kept in SpoolDirectory
 *
 *   buzonctl [-c FILE] spool gc [--older-than DAYS] [--dry-run]
 *
 * The rule (README, "what the milter does"): a copy in SpoolDirectory that
 * no submission and no event names, and that is older than DAYS days
 * (default 1, at least 1), is left over from a record that never committed
 * (451 BZ-STORE) or from a crash, and is deleted. A younger one may belong
 * to a message being recorded right now: the daemon spools a message
 * before the transaction that names it, and touches a copy it finds
 * already there, so an unnamed copy is at most seconds old when a record
 * is about to name it. A named copy is never deleted, whatever its age:
 * the names are every submissions.message_sha256 and spool_path and every
 * message_sha256 and spool_path in an event's detail (a repeat's arriving
 * copy among them), read before the walk.
 *
 * What is walked: the content-addressed copies SpoolDirectory/ab/<the
 * other 62 digits> (see bz_cas_path)
 * and the temporaries a killed writer leaves (".cas-*" and
 * "buzon-spool.*" directly in SpoolDirectory). Nothing else is touched.
 * --dry-run says what would go and deletes nothing.
 *
 * With a PostgreSQL Database the messages are in the database
 * (spool_messages, core/store_message.c), each inserted in the
 * transaction of the record (or repeat event) that names it, so a row
 * there is never garbage and nothing is deleted from it; SpoolDirectory
 * is still walked: temporaries, and the files of a store migrated from
 * SQLite (named, so kept).
 *
 * The database is opened read-only. Exit 0 done, 2 bad usage or
 * configuration, 3 the database or the spool could not be read, or a
 * file could not be deleted.
 */
#include "build-aux/config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buzon/buf.h"
#include "buzon/config.h"
#include "buzon/store.h"
#include "buzon/xalloc.h"
#include "buzonctl.h"

/* What one run found. */
struct gc {
	char		**names;	/* sorted: named digests and paths */
	size_t		 nnames;
	int64_t		 cutoff;	/* mtime before this: old enough */
	int		 dry_run;
	uint64_t	 named, young, deleted, bytes, failed;
};

/* spool_usage - help for this command */
static int
spool_usage(FILE *fp, int status)
{
	fprintf(fp, "usage: buzonctl [-c FILE] spool gc [--older-than DAYS] [--dry-run]\n\n"
	    "  gc            delete the copies in SpoolDirectory that no record and no\n"
	    "                event names and that are older than DAYS days (default 1,\n"
	    "                at least 1); a named copy is never deleted\n"
	    "  --dry-run     list what would be deleted, delete nothing\n\n"
	    "The database named by Database in FILE is opened read-only. With\n"
	    "PostgreSQL the messages kept in the database are never garbage (each is\n"
	    "written with the record naming it); only SpoolDirectory is walked.\n");
	return status;
}

/* cmp_str - qsort/bsearch on a vector of strings */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* is_named - does a record or event name this digest or path? */
static int
is_named(const struct gc *g, const char *key)
{
	return bsearch(&key, g->names, g->nnames, sizeof(*g->names), cmp_str) != NULL;
}

/* is_hex - n lower-case hex digits and then the end */
static int
is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

/* consider - one candidate file: keep it or delete it */
static void
consider(struct gc *g, const char *path, const char *sha)
{
	struct stat sb;

	if (lstat(path, &sb) < 0 || !S_ISREG(sb.st_mode))
		return;
	if (is_named(g, path) || (sha != NULL && is_named(g, sha))) {
		g->named++;
		return;
	}
	if ((int64_t)sb.st_mtime >= g->cutoff) {
		g->young++;
		return;
	}
	if (g->dry_run) {
		printf("would delete %s (%jd bytes)\n", path, (intmax_t)sb.st_size);
	} else if (unlink(path) < 0) {
		fprintf(stderr, "buzonctl spool: cannot delete %s: %s\n", path,
		    strerror(errno));
		g->failed++;
		return;
	} else
		printf("deleted %s (%jd bytes)\n", path, (intmax_t)sb.st_size);
	g->deleted++;
	g->bytes += (uint64_t)sb.st_size;
}

/* walk_sub - the copies in one "ab/" directory */
static int
walk_sub(struct gc *g, const char *dir, const char *ab)
{
	struct bz_buf sub = BZ_BUF_INIT, path = BZ_BUF_INIT;
	struct dirent *de;
	char sha[65];
	DIR *d;

	bz_buf_printf(&sub, "%s/%s", dir, ab);
	if ((d = opendir(bz_buf_str(&sub))) == NULL) {
		fprintf(stderr, "buzonctl spool: cannot read %s: %s\n", bz_buf_str(&sub),
		    strerror(errno));
		bz_buf_free(&sub);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		/* Only the rest of a digest filed under its first two digits. */
		if (!is_hex(de->d_name, 62))
			continue;
		memcpy(sha, ab, 2);
		memcpy(sha + 2, de->d_name, 62);
		sha[64] = '\0';
		bz_buf_reset(&path);
		bz_buf_printf(&path, "%s/%s", bz_buf_str(&sub), de->d_name);
		consider(g, bz_buf_str(&path), sha);
	}
	closedir(d);
	bz_buf_free(&sub);
	bz_buf_free(&path);
	return 0;
}

/* walk - SpoolDirectory: its "ab/" directories and stale temporaries */
static int
walk(struct gc *g, const char *dir)
{
	struct bz_buf path = BZ_BUF_INIT;
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int rc = 0;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "buzonctl spool: cannot read %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		bz_buf_reset(&path);
		bz_buf_printf(&path, "%s/%s", dir, de->d_name);
		if (is_hex(de->d_name, 2)) {
			if (lstat(bz_buf_str(&path), &sb) == 0 && S_ISDIR(sb.st_mode) &&
			    walk_sub(g, dir, de->d_name) < 0)
				rc = -1;
		} else if (strncmp(de->d_name, ".cas-", 5) == 0 ||
		    strncmp(de->d_name, "buzon-spool.", 12) == 0)
			consider(g, bz_buf_str(&path), NULL);
	}
	closedir(d);
	bz_buf_free(&path);
	return rc;
}

/* spool_gc - "spool gc" with its options parsed */
static int
spool_gc(const char *config_path, long days, int dry_run)
{
	struct bz_config *cfg = ctl_load_config(config_path);
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_store *st;
	struct gc g;
	int rc;

	if (cfg == NULL)
		return CTL_EXIT_USAGE;
	if ((st = bz_store_open_config(cfg, BZ_STORE_READONLY, &err)) == NULL) {
		fprintf(stderr, "buzonctl spool: %s\n", bz_buf_str(&err));
		bz_buf_free(&err);
		bz_config_unref(cfg);
		return CTL_EXIT_USAGE;
	}
	memset(&g, 0, sizeof(g));
	g.dry_run = dry_run;
	g.cutoff = (int64_t)time(NULL) - (int64_t)days * 86400;
	/* The names first: a copy named from now on is younger than the cutoff. */
	if (bz_store_named_copies(st, &g.names, &g.nnames) != BZ_STORE_OK) {
		fprintf(stderr, "buzonctl spool: cannot read %s\n", bz_store_path(st));
		rc = CTL_EXIT_TEMPFAIL;
	} else {
		qsort(g.names, g.nnames, sizeof(*g.names), cmp_str);
		rc = walk(&g, bz_config_str(cfg, BZ_KEY_SpoolDirectory)) < 0 || g.failed ?
		    CTL_EXIT_TEMPFAIL : CTL_EXIT_OK;
		if (bz_store_keeps_messages(st))
			printf("spool gc: the messages in the database are each "
			    "written with the record naming them: none to collect "
			    "there\n");
		printf("spool gc: %" PRIu64 " named kept, %" PRIu64 " younger than %ld "
		    "day%s kept, %" PRIu64 " %s (%" PRIu64 " bytes)\n", g.named, g.young,
		    days, days == 1 ? "" : "s", g.deleted,
		    dry_run ? "would be deleted" : "deleted", g.bytes);
	}
	for (size_t i = 0; i < g.nnames; i++)
		free(g.names[i]);
	free(g.names);
	bz_store_close(st);
	bz_config_unref(cfg);
	bz_buf_free(&err);
	return rc;
}

/* ctl_spool - entry point of "buzonctl spool" */
int
ctl_spool(int argc, char **argv, const char *config_path)
{
	const char *sub = NULL;
	long days = 1;
	int dry_run = 0;
	char *end;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			dry_run = 1;
		else if (strcmp(argv[i], "--older-than") == 0 && i + 1 < argc) {
			errno = 0;
			days = strtol(argv[++i], &end, 10);
			if (errno != 0 || end == argv[i] || *end != '\0' || days < 1 ||
			    days > 36500) {
				fprintf(stderr, "buzonctl spool: --older-than wants a whole "
				    "number of days from 1 to 36500: \"%s\"\n", argv[i]);
				return CTL_EXIT_USAGE;
			}
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return spool_usage(stdout, CTL_EXIT_OK);
		else if (sub == NULL && argv[i][0] != '-')
			sub = argv[i];
		else {
			fprintf(stderr, "buzonctl spool: unexpected argument %s\n", argv[i]);
			return spool_usage(stderr, CTL_EXIT_USAGE);
		}
	}
	if (sub == NULL || strcmp(sub, "gc") != 0)
		return spool_usage(stderr, CTL_EXIT_USAGE);
	return spool_gc(config_path, days, dry_run);
}
