/*
 * view - large read-only messages without keeping them resident
 *
 * A message of MaxMessageSize is read several times at end of message
 * (MIME walk, CMS digest, part digests, the content-addressed copy). Held
 * in heap memory, or in a file mapping whose pages stay mapped once
 * touched, each pass costs the message's size in resident memory. A view
 * is a read-only mmap of a file registered here; code that walks large
 * ranges calls bz_view_account() as it goes, and every BZ_VIEW_STEP bytes
 * the resident pages of the mapping are dropped (madvise MADV_DONTNEED:
 * the file's pages stay in the page cache and fault back in on the next
 * access, so pointers into the mapping stay valid and the bytes are the
 * same). Accounting on memory that is not a registered view does nothing,
 * so the same code serves small messages held in memory.
 *
 * Interface:
 *   bz_view_open_fd()	map a whole file read-only and register it.
 *   bz_view_open_path()	the same for a path (buzonctl verify FILE).
 *   bz_view_close()	unregister and unmap.
 *   bz_view_register(), bz_view_unregister()  for mappings made elsewhere
 *			(the milter's spool).
 *   bz_view_account()	"n more bytes around p were read": trims now and
 *			then. bz_view_trim() trims at once.
 *   bz_view_bio()	an OpenSSL source BIO over [p, p+len) that accounts
 *			what OpenSSL reads (the detached content of
 *			CMS_verify).
 *
 * Failure: bz_view_open_* return -1 with errno set (nothing registered).
 * The registry is process-wide and thread-safe; a view belongs to one
 * message.
 */
#ifndef BUZON_VIEW_H
#define BUZON_VIEW_H

#include <stddef.h>

#include <openssl/bio.h>

/* Resident bytes of one view between trims (plus what is read at random). */
#define BZ_VIEW_STEP	((size_t)4 << 20)

struct bz_view {
	const unsigned char *data;	/* "" for an empty file */
	size_t		 len;
	void		*map;		/* NULL when nothing was mapped */
};

/* Counts bytes read since the last trim; zero-initialise. */
struct bz_view_meter {
	size_t		 since;
};

int	bz_view_open_fd(int fd, struct bz_view *v);
int	bz_view_open_path(const char *path, struct bz_view *v);
void	bz_view_close(struct bz_view *v);

void	bz_view_register(const void *base, size_t len);
void	bz_view_unregister(const void *base);

void	bz_view_trim(const void *p);

/* bz_view_account - n bytes near p were read; trim every BZ_VIEW_STEP */
static inline void
bz_view_account(struct bz_view_meter *m, const void *p, size_t n)
{
	m->since += n;
	if (m->since >= BZ_VIEW_STEP) {
		m->since = 0;
		bz_view_trim(p);
	}
}

BIO	*bz_view_bio(const void *p, size_t len);

#endif
