/*
 * view - large read-only messages without keeping them resident
 *
 * See include/buzon/view.h. The registry is a short array (one entry per
 * message being verified) under a mutex: it is consulted once per
 * BZ_VIEW_STEP bytes read, never per byte. Only registered mappings are
 * ever given to madvise(MADV_DONTNEED): on anonymous memory it would
 * zero the pages.
 */
#include "build-aux/config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buzon/log.h"
#include "buzon/view.h"
#include "buzon/xalloc.h"

struct region {
	const unsigned char *base;
	size_t		 len;
};

static pthread_mutex_t view_lock = PTHREAD_MUTEX_INITIALIZER;
static struct region *regions;
static size_t nregions, capregions;

/* bz_view_register - a read-only file mapping that may be trimmed */
void
bz_view_register(const void *base, size_t len)
{
	if (base == NULL || len == 0)
		return;
	pthread_mutex_lock(&view_lock);
	if (nregions == capregions) {
		capregions = capregions ? 2 * capregions : 8;
		regions = xrealloc(regions, capregions * sizeof(*regions));
	}
	regions[nregions].base = base;
	regions[nregions].len = len;
	nregions++;
	pthread_mutex_unlock(&view_lock);
}

/* bz_view_unregister - forget a mapping (before it is unmapped) */
void
bz_view_unregister(const void *base)
{
	pthread_mutex_lock(&view_lock);
	for (size_t i = 0; i < nregions; i++)
		if (regions[i].base == base) {
			regions[i] = regions[--nregions];
			break;
		}
	pthread_mutex_unlock(&view_lock);
}

/* bz_view_trim - drop the resident pages of the registered view holding p */
void
bz_view_trim(const void *p)
{
	const unsigned char *q = p;

	pthread_mutex_lock(&view_lock);
	for (size_t i = 0; i < nregions; i++)
		if (q >= regions[i].base && q < regions[i].base + regions[i].len) {
			/* mmap returned a page-aligned base; a read-only
			 * mapping has no private copies to lose. */
			(void)madvise((void *)(uintptr_t)regions[i].base, regions[i].len,
			    MADV_DONTNEED);
			break;
		}
	pthread_mutex_unlock(&view_lock);
}

/* bz_view_open_fd - map all of fd read-only; "" for an empty file */
int
bz_view_open_fd(int fd, struct bz_view *v)
{
	struct stat st;
	void *m;

	memset(v, 0, sizeof(*v));
	v->data = (const unsigned char *)"";
	if (fstat(fd, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	if (st.st_size == 0)
		return 0;
	if ((uintmax_t)st.st_size > SIZE_MAX) {
		errno = EFBIG;
		return -1;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return -1;
	(void)madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
	v->map = m;
	v->data = m;
	v->len = (size_t)st.st_size;
	bz_view_register(m, v->len);
	return 0;
}

/* bz_view_open_path - map a regular file by name */
int
bz_view_open_path(const char *path, struct bz_view *v)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc, err;

	memset(v, 0, sizeof(*v));
	v->data = (const unsigned char *)"";
	if (fd < 0)
		return -1;
	rc = bz_view_open_fd(fd, v);
	err = errno;
	close(fd);
	errno = err;
	return rc;
}

/* bz_view_close - unregister and unmap */
void
bz_view_close(struct bz_view *v)
{
	if (v->map != NULL) {
		bz_view_unregister(v->map);
		munmap(v->map, v->len);
	}
	memset(v, 0, sizeof(*v));
}

/* The source BIO: a cursor over [p, p+len) with a meter. */
struct view_bio {
	const unsigned char *p;
	size_t		 len;
	size_t		 off;
	struct bz_view_meter meter;
};

static BIO_METHOD *view_method;
static pthread_once_t view_method_once = PTHREAD_ONCE_INIT;

/* view_bio_read - copy the next bytes out, accounting them */
static int
view_bio_read(BIO *b, char *out, size_t outl, size_t *readbytes)
{
	struct view_bio *vb = BIO_get_data(b);
	size_t n = vb->len - vb->off;

	BIO_clear_retry_flags(b);
	if (n == 0) {
		*readbytes = 0;
		return 0;
	}
	if (n > outl)
		n = outl;
	memcpy(out, vb->p + vb->off, n);
	bz_view_account(&vb->meter, vb->p + vb->off, n);
	vb->off += n;
	*readbytes = n;
	return 1;
}

/* view_bio_ctrl - EOF, pending and reset; nothing else is needed */
static long
view_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct view_bio *vb = BIO_get_data(b);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_EOF:
		return vb->off == vb->len;
	case BIO_CTRL_PENDING:
		return (long)(vb->len - vb->off > LONG_MAX ? LONG_MAX : vb->len - vb->off);
	case BIO_CTRL_RESET:
		vb->off = 0;
		return 1;
	case BIO_CTRL_FLUSH:
		return 1;
	default:
		return 0;
	}
}

/* view_bio_destroy - release the cursor */
static int
view_bio_destroy(BIO *b)
{
	free(BIO_get_data(b));
	BIO_set_data(b, NULL);
	return 1;
}

/* view_method_init - the BIO_METHOD, built once */
static void
view_method_init(void)
{
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
	    "buzon view");

	if (m == NULL || !BIO_meth_set_read_ex(m, view_bio_read) ||
	    !BIO_meth_set_ctrl(m, view_bio_ctrl) ||
	    !BIO_meth_set_destroy(m, view_bio_destroy))
		bz_panic("view: cannot build the BIO method");
	view_method = m;
}

/* bz_view_bio - a read-only source BIO over bytes that may be a view */
BIO *
bz_view_bio(const void *p, size_t len)
{
	struct view_bio *vb;
	BIO *b;

	pthread_once(&view_method_once, view_method_init);
	if ((b = BIO_new(view_method)) == NULL)
		return NULL;
	vb = xcalloc(1, sizeof(*vb));
	vb->p = p;
	vb->len = len;
	BIO_set_data(b, vb);
	BIO_set_init(b, 1);
	return b;
}
