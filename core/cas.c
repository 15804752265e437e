/*
 * cas - content-addressed spool of messages as received
 *
 * See include/buzon/cas.h. The digest is computed while the bytes are
 * written, so the file name is known only at commit: the temporary file
 * lives in SpoolDirectory itself (same file system, so rename() is atomic)
 * and moves into its "ab/" subdirectory at the end.
 */
#include "build-aux/config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buzon/buf.h"
#include "buzon/cas.h"
#include "buzon/digest.h"
#include "buzon/log.h"
#include "buzon/view.h"
#include "buzon/xalloc.h"

struct bz_cas_writer {
	char		*dir;
	char		*tmp;		/* SpoolDirectory/.cas-XXXXXX */
	int		 fd;
	struct bz_sha256 *md;
};

/* fail - record "what path: strerror" and keep errno for the caller */
static int
fail(struct bz_buf *err, const char *what, const char *path, int e)
{
	if (err != NULL)
		bz_buf_printf(err, "spool: %s %s: %s", what, path, strerror(e));
	errno = e;
	return -1;
}

/*
 * The "ab/" subdirectories whose entry in SpoolDirectory is known durable:
 * this process fsync'd SpoolDirectory after the subdirectory existed. The
 * first copy into each one pays that fsync, the others only the file's
 * and the subdirectory's (issue 12: two fsyncs per message instead of
 * three). A new process starts with none known: an entry left in the page
 * cache by a killed one is made durable again by its first writer.
 */
static pthread_mutex_t durable_lock = PTHREAD_MUTEX_INITIALIZER;
static char *durable_dir;		/* the SpoolDirectory they belong to */
static unsigned char durable[256];

/* hexval - one lower-case hex digit, -1 otherwise */
static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* subdir_index - 0..255 for the "ab" of a digest, -1 if not hex */
static int
subdir_index(const char *sha256)
{
	int hi = hexval(sha256[0]), lo = hexval(sha256[1]);

	return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

/* subdir_durable - is dir's subdirectory i known durable? */
static int
subdir_durable(const char *dir, int i)
{
	int known;

	if (i < 0)
		return 0;
	pthread_mutex_lock(&durable_lock);
	known = durable_dir != NULL && strcmp(durable_dir, dir) == 0 && durable[i];
	pthread_mutex_unlock(&durable_lock);
	return known;
}

/* subdir_mark_durable - dir was fsync'd after its subdirectory i existed */
static void
subdir_mark_durable(const char *dir, int i)
{
	if (i < 0)
		return;
	pthread_mutex_lock(&durable_lock);
	if (durable_dir == NULL || strcmp(durable_dir, dir) != 0) {
		/* SpoolDirectory changed (reload): start over. */
		free(durable_dir);
		durable_dir = xstrdup(dir);
		memset(durable, 0, sizeof(durable));
	}
	durable[i] = 1;
	pthread_mutex_unlock(&durable_lock);
}

/* fsync_dir - make a directory's entries durable */
static int
fsync_dir(const char *dir, struct bz_buf *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int e;

	if (fd < 0)
		return fail(err, "cannot open directory", dir, errno);
	if (fsync(fd) < 0) {
		e = errno;
		close(fd);
		return fail(err, "cannot fsync directory", dir, e);
	}
	close(fd);
	return 0;
}

/* bz_cas_path - where a digest lives */
void
bz_cas_path(const char *spool_dir, const char *sha256, struct bz_buf *path)
{
	bz_buf_reset(path);
	bz_buf_printf(path, "%s/%.2s/%s", spool_dir, sha256, sha256 + 2);
}

/* bz_cas_begin - a new temporary file in the spool directory */
struct bz_cas_writer *
bz_cas_begin(const char *spool_dir, struct bz_buf *err)
{
	struct bz_cas_writer *w = xcalloc(1, sizeof(*w));

	w->dir = xstrdup(spool_dir);
	w->tmp = xasprintf("%s/.cas-XXXXXX", spool_dir);
	if ((w->fd = mkostemp(w->tmp, O_CLOEXEC)) < 0) {
		fail(err, "cannot create temporary file in", spool_dir, errno);
		free(w->tmp);
		free(w->dir);
		free(w);
		return NULL;
	}
	(void)fchmod(w->fd, 0600);	/* mkostemp already uses 0600 */
	w->md = bz_sha256_begin();
	return w;
}

/* bz_cas_write - append bytes (all of them, or fail) */
int
bz_cas_write(struct bz_cas_writer *w, const void *p, size_t n, struct bz_buf *err)
{
	const char *c = p;

	bz_sha256_update(w->md, p, n);
	while (n > 0) {
		ssize_t k = write(w->fd, c, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return fail(err, "cannot write", w->tmp, errno);
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

/* writer_free - close and release, removing the temporary file if present */
static void
writer_free(struct bz_cas_writer *w)
{
	int e = errno;

	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp != NULL)
		unlink(w->tmp);
	bz_sha256_abort(w->md);
	free(w->tmp);
	free(w->dir);
	free(w);
	errno = e;
}

/* bz_cas_abort - forget a partial write */
void
bz_cas_abort(struct bz_cas_writer *w)
{
	if (w != NULL)
		writer_free(w);
}

/* same_content - does path already hold exactly the bytes with this digest? */
static int
same_content(const char *path, const char *sha256)
{
	unsigned char buf[65536];
	struct bz_sha256 *d;
	char got[65];
	ssize_t k;
	int fd, ok = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	d = bz_sha256_begin();
	while ((k = read(fd, buf, sizeof(buf))) > 0 || (k < 0 && errno == EINTR))
		if (k > 0)
			bz_sha256_update(d, buf, (size_t)k);
	if (k == 0) {
		bz_sha256_end(d, got);
		ok = strcmp(got, sha256) == 0;
	} else
		bz_sha256_abort(d);
	close(fd);
	return ok;
}

/* bz_cas_commit - fsync, move into place, fsync the directories */
int
bz_cas_commit(struct bz_cas_writer *w, char sha256[65], struct bz_buf *path,
    struct bz_buf *err)
{
	struct bz_buf sub = BZ_BUF_INIT;
	int e;

	bz_sha256_end(w->md, sha256);
	w->md = NULL;
	if (fsync(w->fd) < 0) {
		fail(err, "cannot fsync", w->tmp, errno);
		goto bad;
	}
	e = close(w->fd) < 0 ? errno : 0;
	w->fd = -1;
	if (e != 0) {
		fail(err, "cannot close", w->tmp, e);
		goto bad;
	}
	bz_buf_printf(&sub, "%s/%.2s", w->dir, sha256);
	if (mkdir(bz_buf_str(&sub), 0700) < 0 && errno != EEXIST) {
		fail(err, "cannot create directory", bz_buf_str(&sub), errno);
		goto bad;
	}
	/*
	 * Not only when we created "ab/": a writer that did may not have
	 * reached its fsync yet (another thread) or ever (killed in between),
	 * and our record must not outlive the entry after a crash. Skipped
	 * once this process fsync'd SpoolDirectory with "ab/" in it.
	 */
	if (!subdir_durable(w->dir, subdir_index(sha256))) {
		if (fsync_dir(w->dir, err) < 0)
			goto bad;
		subdir_mark_durable(w->dir, subdir_index(sha256));
	}
	bz_cas_path(w->dir, sha256, path);
	if (same_content(bz_buf_str(path), sha256)) {
		/* Already there; its entry may still be only in the page cache
		 * for the same reasons, so the fsync of "ab/" below applies.
		 * Touched: `buzonctl spool gc` deletes only unnamed copies
		 * older than a day, and this one is about to be named. */
		unlink(w->tmp);
		(void)utimensat(AT_FDCWD, bz_buf_str(path), NULL, 0);
	} else if (rename(w->tmp, bz_buf_str(path)) < 0) {
		fail(err, "cannot rename into", bz_buf_str(path), errno);
		goto bad;
	}
	free(w->tmp);
	w->tmp = NULL;
	if (fsync_dir(bz_buf_str(&sub), err) < 0)
		goto bad;
	bz_buf_free(&sub);
	writer_free(w);
	return 0;
bad:
	e = errno;
	bz_buf_free(&sub);
	writer_free(w);
	errno = e;
	return -1;
}

/* bz_cas_put - store a message held in memory */
int
bz_cas_put(const char *spool_dir, const void *p, size_t n, char sha256[65],
    struct bz_buf *path, struct bz_buf *err)
{
	struct bz_cas_writer *w = bz_cas_begin(spool_dir, err);
	struct bz_view_meter m = { 0 };
	const char *q = p;

	if (w == NULL)
		return -1;
	/* A step at a time: p may be the spool's mapping (buzon/view.h). */
	do {
		size_t k = n < ((size_t)1 << 20) ? n : (size_t)1 << 20;

		if (bz_cas_write(w, q, k, err) < 0) {
			bz_cas_abort(w);
			return -1;
		}
		bz_view_account(&m, q, k);
		q += k;
		n -= k;
	} while (n > 0);
	return bz_cas_commit(w, sha256, path, err);
}

/* bz_cas_put_fd - store what remains to be read from fd */
int
bz_cas_put_fd(const char *spool_dir, int fd, char sha256[65], struct bz_buf *path,
    struct bz_buf *err)
{
	struct bz_cas_writer *w = bz_cas_begin(spool_dir, err);
	char *buf;
	ssize_t k;

	if (w == NULL)
		return -1;
	buf = xmalloc(65536);
	while ((k = read(fd, buf, 65536)) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			fail(err, "cannot read message for", spool_dir, errno);
			break;
		}
		if (bz_cas_write(w, buf, (size_t)k, err) < 0)
			break;
	}
	free(buf);
	if (k != 0) {
		bz_cas_abort(w);
		return -1;
	}
	return bz_cas_commit(w, sha256, path, err);
}
