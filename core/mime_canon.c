/*
 * mime_canon - the CRLF-canonical copy of a message
 *
 * See include/buzon/mime.h. The S/MIME signature covers the canonical
 * form (CRLF line ends): a message that already has it is used as it is;
 * one with a bare LF is copied, in memory up to BZ_MIME_CANON_IN_MEMORY,
 * past that into an unlinked temporary file that is mapped, so a large
 * message never becomes resident twice. Reads are accounted
 * (bz_view_account) so a mapped input is trimmed as it is read.
 *
 * Failure: no temporary file falls back to memory (logged); nothing fails
 * for lack of memory (xmalloc).
 */
#include "build-aux/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buzon/buf.h"
#include "buzon/log.h"
#include "buzon/mime.h"
#include "buzon/view.h"
#include "buzon/xalloc.h"

/* bare_lf - does in have a LF without a CR before it? */
static int
bare_lf(const unsigned char *in, size_t len)
{
	struct bz_view_meter m = { 0 };
	size_t i = 0;

	while (i < len) {
		const unsigned char *nl = memchr(in + i, '\n', len - i);
		size_t at;

		if (nl == NULL) {
			bz_view_account(&m, in + len - 1, len - i);
			return 0;
		}
		at = (size_t)(nl - in);
		if (at == 0 || in[at - 1] != '\r')
			return 1;
		bz_view_account(&m, nl, at + 1 - i);
		i = at + 1;
	}
	return 0;
}

/* write_all - the whole buffer to fd; -1 on error */
static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* canon_to_file - the canonical copy in an unlinked temporary file in dir,
 * mapped as a view; -1 (nothing left behind) when that cannot be done */
static int
canon_to_file(const unsigned char *in, size_t len, const char *dir,
    struct bz_view *v)
{
	const size_t chunk = (size_t)1 << 20;
	char *path = xasprintf("%s/buzon-canon.XXXXXX", dir);
	int fd = mkostemp(path, O_CLOEXEC), rc = -1;
	struct bz_buf stage = BZ_BUF_INIT;
	struct bz_view_meter m = { 0 };
	size_t from = 0;

	if (fd < 0) {
		free(path);
		return -1;
	}
	(void)unlink(path);	/* nothing outlives the process */
	free(path);
	for (size_t i = 0; i < len; i++) {
		int bare = in[i] == '\n' && (i == 0 || in[i - 1] != '\r');

		if (!bare && i - from < chunk)
			continue;
		bz_buf_append(&stage, in + from, i - from);
		if (bare)
			bz_buf_append(&stage, "\r\n", 2);
		bz_view_account(&m, in + i, i + 1 - from);
		from = bare ? i + 1 : i;
		if (stage.len >= chunk) {
			if (write_all(fd, stage.data, stage.len) < 0)
				goto out;
			bz_buf_reset(&stage);
		}
	}
	bz_buf_append(&stage, in + from, len - from);
	if (write_all(fd, stage.data ? stage.data : "", stage.len) < 0)
		goto out;
	rc = bz_view_open_fd(fd, v);
out:
	bz_buf_free(&stage);
	close(fd);
	return rc;
}

/* bz_mime_canon_make - canonical bytes, copied only when they differ */
void
bz_mime_canon_make(const unsigned char *in, size_t len, const char *tmpdir,
    struct bz_mime_canon *c)
{
	memset(c, 0, sizeof(*c));
	bz_buf_init(&c->mem);
	if (in == NULL)
		in = (const unsigned char *)"";
	if (!bare_lf(in, len)) {
		c->data = (const char *)in;
		c->len = len;
		return;
	}
	if (len > BZ_MIME_CANON_IN_MEMORY) {
		const char *dir = tmpdir;

		if (dir == NULL && (dir = getenv("TMPDIR")) == NULL)
			dir = "/tmp";
		if (canon_to_file(in, len, dir, &c->view) == 0 ||
		    (strcmp(dir, "/tmp") != 0 &&
		    canon_to_file(in, len, "/tmp", &c->view) == 0)) {
			c->data = (const char *)c->view.data;
			c->len = c->view.len;
			return;
		}
		bz_log(BZ_LOG_WARNING, NULL, "mime: no temporary file in %s for the "
		    "canonical copy (%s): made in memory", dir, strerror(errno));
	}
	bz_buf_append_crlf(&c->mem, in, len);
	bz_buf_reserve(&c->mem, 1);
	c->data = c->mem.data;
	c->len = c->mem.len;
}

/* bz_mime_canon_free - release a canonical copy (none when there is none) */
void
bz_mime_canon_free(struct bz_mime_canon *c)
{
	bz_view_close(&c->view);
	bz_buf_free(&c->mem);
	c->data = NULL;
	c->len = 0;
}
