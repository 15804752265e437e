/*
 * spool - one message as received, in memory then in a temporary file
 *
 * See include/buzon/spool.h. The file is written with plain write(2)
 * calls: the MTA already sends the body in chunks of up to 64 KiB, so a
 * second layer of buffering would only copy the data once more.
 */
#include "build-aux/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buzon/buf.h"
#include "buzon/log.h"
#include "buzon/spool.h"
#include "buzon/view.h"
#include "buzon/xalloc.h"

struct bz_spool {
	char	*dir;
	size_t	 mem_limit;
	size_t	 max_size;
	size_t	 size;		/* bytes of the message so far */
	struct bz_buf mem;	/* the message while it fits in memory */
	int	 fd;		/* the temp file once it does not, else -1 */
	void	*map;		/* mmap of the file after bz_spool_map */
	size_t	 map_len;
	int	 mapped;
	enum bz_spool_status status;
	struct bz_buf error;
};

/* bz_spool_new - an empty spool */
struct bz_spool *
bz_spool_new(const char *dir, size_t mem_limit, size_t max_size)
{
	struct bz_spool *sp = xcalloc(1, sizeof(*sp));

	sp->dir = xstrdup(dir != NULL ? dir : "/tmp");
	sp->mem_limit = mem_limit;
	sp->max_size = max_size;
	sp->fd = -1;
	bz_buf_init(&sp->mem);
	bz_buf_init(&sp->error);
	return sp;
}

/* release_data - drop whatever is stored (memory, file, mapping) */
static void
release_data(struct bz_spool *sp)
{
	if (sp->map != NULL) {
		bz_view_unregister(sp->map);
		munmap(sp->map, sp->map_len);
	}
	sp->map = NULL;
	sp->map_len = 0;
	if (sp->fd >= 0)
		close(sp->fd);
	sp->fd = -1;
	bz_buf_free(&sp->mem);
}

/* bz_spool_free - release the spool; the temp file is already unlinked */
void
bz_spool_free(struct bz_spool *sp)
{
	if (sp == NULL)
		return;
	release_data(sp);
	bz_buf_free(&sp->error);
	free(sp->dir);
	free(sp);
}

/* fail - enter the sticky error state with a reason (errno appended) */
static enum bz_spool_status
fail(struct bz_spool *sp, const char *what, int err)
{
	bz_buf_reset(&sp->error);
	bz_buf_printf(&sp->error, "spool %s: %s: %s", sp->dir, what,
	    err ? strerror(err) : "failed");
	release_data(sp);
	sp->status = BZ_SPOOL_ERROR;
	return sp->status;
}

/* write_all - write n bytes or report errno */
static int
write_all(int fd, const void *data, size_t n)
{
	const char *p = data;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* move_to_file - create the unlinked temp file and copy memory into it */
static enum bz_spool_status
move_to_file(struct bz_spool *sp)
{
	char *path = xasprintf("%s/buzon-spool.XXXXXX", sp->dir);
	int fd = mkostemp(path, O_CLOEXEC);
	int err = errno;

	if (fd < 0) {
		free(path);
		return fail(sp, "cannot create temporary file", err);
	}
	/* Unlinked at once: a crash can never leave message data behind. */
	if (unlink(path) < 0) {
		err = errno;
		close(fd);
		free(path);
		return fail(sp, "cannot unlink temporary file", err);
	}
	free(path);
	sp->fd = fd;
	if (write_all(fd, sp->mem.data, sp->mem.len) < 0)
		return fail(sp, "cannot write temporary file", errno);
	bz_buf_free(&sp->mem);
	return BZ_SPOOL_OK;
}

/* bz_spool_append - add raw bytes, moving to a file past mem_limit */
enum bz_spool_status
bz_spool_append(struct bz_spool *sp, const void *data, size_t len)
{
	if (sp->mapped)
		bz_panic("spool: append after bz_spool_map");
	if (sp->size > SIZE_MAX - len)
		sp->size = SIZE_MAX;
	else
		sp->size += len;
	if (sp->status != BZ_SPOOL_OK)
		return sp->status;
	if (sp->max_size > 0 && sp->size > sp->max_size) {
		/* Nothing of a message we will reject is worth keeping. */
		release_data(sp);
		sp->status = BZ_SPOOL_TOO_LARGE;
		return sp->status;
	}
	if (len == 0)
		return BZ_SPOOL_OK;
	if (sp->fd < 0 && sp->mem.len + len > sp->mem_limit
	    && move_to_file(sp) != BZ_SPOOL_OK)
		return sp->status;
	if (sp->fd >= 0) {
		if (write_all(sp->fd, data, len) < 0)
			return fail(sp, "cannot write temporary file", errno);
	} else
		bz_buf_append(&sp->mem, data, len);
	return BZ_SPOOL_OK;
}

/* bz_spool_header - "Name:" value CRLF, bare LF in the value made CRLF */
enum bz_spool_status
bz_spool_header(struct bz_spool *sp, const char *name, const char *value,
    int leadspc)
{
	struct bz_buf line = BZ_BUF_INIT;
	enum bz_spool_status st;

	bz_buf_puts(&line, name);
	bz_buf_puts(&line, leadspc ? ":" : ": ");
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\n' && (p == value || p[-1] != '\r'))
			bz_buf_putc(&line, '\r');
		bz_buf_putc(&line, *p);
	}
	bz_buf_puts(&line, "\r\n");
	st = bz_spool_append(sp, line.data, line.len);
	bz_buf_free(&line);
	return st;
}

/* bz_spool_eoh - the empty line between header and body */
enum bz_spool_status
bz_spool_eoh(struct bz_spool *sp)
{
	return bz_spool_append(sp, "\r\n", 2);
}

/* bz_spool_body - body bytes as they came */
enum bz_spool_status
bz_spool_body(struct bz_spool *sp, const void *data, size_t len)
{
	return bz_spool_append(sp, data, len);
}

/* bz_spool_map - the whole message as one contiguous read-only string */
enum bz_spool_status
bz_spool_map(struct bz_spool *sp, const unsigned char **msg, size_t *len)
{
	*msg = NULL;
	*len = 0;
	if (sp->status != BZ_SPOOL_OK)
		return sp->status;
	if (sp->fd < 0) {
		sp->mapped = 1;
		/* bz_buf data is NUL-terminated, so even "" is a valid pointer. */
		*msg = (const unsigned char *)bz_buf_str(&sp->mem);
		*len = sp->mem.len;
		return BZ_SPOOL_OK;
	}
	if (!sp->mapped) {
		off_t end = lseek(sp->fd, 0, SEEK_END);

		if (end < 0)
			return fail(sp, "cannot size temporary file", errno);
		if ((size_t)end != sp->size)
			return fail(sp, "temporary file has the wrong size", 0);
		sp->map_len = (size_t)end;
		sp->map = mmap(NULL, sp->map_len, PROT_READ, MAP_PRIVATE, sp->fd, 0);
		if (sp->map == MAP_FAILED) {
			sp->map = NULL;
			return fail(sp, "cannot map temporary file", errno);
		}
		sp->mapped = 1;
		/* Verification reads it a step at a time and drops the
		 * pages behind: a large message never stays resident. */
		bz_view_register(sp->map, sp->map_len);
	}
	*msg = sp->map;
	*len = sp->map_len;
	return BZ_SPOOL_OK;
}

/* bz_spool_status - OK, TOO_LARGE or ERROR (sticky) */
enum bz_spool_status
bz_spool_status(const struct bz_spool *sp)
{
	return sp->status;
}

/* bz_spool_size - message bytes counted so far */
size_t
bz_spool_size(const struct bz_spool *sp)
{
	return sp->size;
}

/* bz_spool_in_file - has the message spilled to disk? */
int
bz_spool_in_file(const struct bz_spool *sp)
{
	return sp->fd >= 0;
}

/* bz_spool_error - reason of the error state, for the log */
const char *
bz_spool_error(const struct bz_spool *sp)
{
	return bz_buf_str(&sp->error);
}
