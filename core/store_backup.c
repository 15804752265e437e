/*
 * store_backup - a consistent copy of the live database (buzonctl store backup)
 *
 * SQLite's online backup API copies every page of the source connection
 * into a new database in one step (sqlite3_backup_step(-1)), that is inside
 * one read transaction: in WAL mode that is a snapshot, and the daemon's
 * writers are not blocked while it runs (a step-by-step copy would restart
 * each time a writer commits and might never finish on a busy store).
 *
 * The copy is written to a private temporary file (mode 0600: it holds
 * personal data) next to the destination, switched to a rollback journal
 * (one self-contained file, no -wal/-shm to carry along), checked with
 * PRAGMA quick_check, fsync'd, and only then linked to the destination
 * name: link() never replaces an existing file, so a backup never
 * overwrites anything, and a destination name that exists is a whole copy.
 *
 * Failure: -1 (destination exists, EEXIST) or -2 (any other failure) with
 * one line in err; nothing is left behind under either name.
 *
 * A PostgreSQL store is backed up with the server's own tools (pg_dump,
 * or a base backup and WAL archiving): -2 and a line saying so.
 */
#include "build-aux/config.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buzon/buf.h"
#include "buzon/db.h"
#include "buzon/store.h"
#include "buzon/xalloc.h"
#include "store_int.h"

/* copy_into - the source's pages into the database file tmp */
static int
copy_into(struct bz_store *st, const char *tmp, struct bz_buf *err)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	char *msg = NULL;
	int rc;

	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		bz_buf_printf(err, "cannot open %s: %s", tmp,
		    dst ? sqlite3_errmsg(dst) : "out of memory");
		sqlite3_close(dst);
		return -1;
	}
	if ((b = sqlite3_backup_init(dst, "main", bz_db_sqlite(st->db), "main")) == NULL) {
		bz_buf_printf(err, "cannot start the backup: %s", sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return -1;
	}
	/* All pages at once: one snapshot. BUSY/LOCKED only while another
	 * connection holds an exclusive lock (a checkpoint truncating the
	 * WAL, a migration): wait as the daemon would, then try again. */
	for (int waited = 0;; waited += 50) {
		rc = sqlite3_backup_step(b, -1);
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) ||
		    waited >= st->busy_timeout_ms)
			break;
		sqlite3_sleep(50);
	}
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		bz_buf_printf(err, "backup of %s failed: %s", st->path,
		    sqlite3_errstr(rc));
		sqlite3_close(dst);
		return -1;
	}
	if (sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, &msg) !=
	    SQLITE_OK || sqlite3_exec(dst, "PRAGMA quick_check", NULL, NULL, &msg) !=
	    SQLITE_OK) {
		bz_buf_printf(err, "the copy %s does not check: %s", tmp,
		    msg ? msg : sqlite3_errmsg(dst));
		sqlite3_free(msg);
		sqlite3_close(dst);
		return -1;
	}
	if (sqlite3_close(dst) != SQLITE_OK) {
		bz_buf_printf(err, "cannot close %s", tmp);
		return -1;
	}
	return 0;
}

/* bz_store_backup - copy the open database to dest, which must not exist */
int
bz_store_backup(struct bz_store *st, const char *dest, struct bz_buf *err)
{
	struct bz_buf tmp = BZ_BUF_INIT;
	int fd, rc = -2;

	if (bz_db_kind(st->db) == BZ_DB_PG) {
		bz_buf_printf(err, "%s is a PostgreSQL database: back it up with "
		    "pg_dump or the server's base backups", bz_store_path(st));
		return -2;
	}
	if (access(dest, F_OK) == 0) {
		bz_buf_printf(err, "%s exists: choose a new name (a backup never "
		    "overwrites)", dest);
		return -1;
	}
	/* mkstemp creates it 0600, whatever the umask */
	bz_buf_printf(&tmp, "%s.tmp-XXXXXX", dest);
	if ((fd = mkstemp(tmp.data)) < 0) {
		bz_buf_printf(err, "cannot create %s: %s", tmp.data, strerror(errno));
		bz_buf_free(&tmp);
		return -2;
	}
	if (copy_into(st, tmp.data, err) < 0)
		goto out;
	if (fsync(fd) < 0) {
		bz_buf_printf(err, "fsync %s: %s", tmp.data, strerror(errno));
		goto out;
	}
	if (link(tmp.data, dest) < 0) {
		rc = errno == EEXIST ? -1 : -2;
		bz_buf_printf(err, "cannot create %s: %s", dest, strerror(errno));
		goto out;
	}
	store_fsync_parent(dest);
	rc = 0;
out:
	close(fd);
	(void)unlink(tmp.data);
	bz_buf_free(&tmp);
	return rc;
}
