/*
 * cas - content-addressed spool of messages as received
 *
 * A message is kept as SpoolDirectory/ab/cdef... where abcdef... is the
 * lower-case hex SHA-256 of its exact bytes: the name proves the content.
 * Writing is crash-safe: a temporary file SpoolDirectory/.cas-XXXXXX is
 * written and fsync'd, renamed into place, then SpoolDirectory and the
 * target directory are fsync'd, also when the content was already there
 * (its writer may have died before its own fsync). Files are 0600
 * whatever the umask (personal data at rest). Storing content that is
 * already there is a no-op (the existing file is checked; a damaged one is
 * replaced).
 *
 * ORDER: bz_cas_commit()/bz_cas_put() must have returned 0 BEFORE the
 * store transaction that records spool_path commits; then a committed
 * record never points at a missing file. A file without a record (a crash
 * in between) is harmless garbage.
 *
 * Failure: -1 with errno set (ENOSPC, EDQUOT, EIO, ...) and one line in
 * err; nothing is left behind but possibly the temporary file being
 * removed. The milter turns any failure into 451 4.3.0 (tempfail).
 *
 * Thread-safe: writers share nothing but the directory.
 */
#ifndef BUZON_CAS_H
#define BUZON_CAS_H

#include <stddef.h>

#include "buzon/buf.h"

struct bz_cas_writer;

/* Streaming: begin, write any number of times, then commit or abort. */
struct bz_cas_writer *bz_cas_begin(const char *spool_dir, struct bz_buf *err);
int	bz_cas_write(struct bz_cas_writer *w, const void *p, size_t n,
	    struct bz_buf *err);
/* Makes the file durable; sha256 gets 64 hex digits, path the full name. */
int	bz_cas_commit(struct bz_cas_writer *w, char sha256[65], struct bz_buf *path,
	    struct bz_buf *err);
void	bz_cas_abort(struct bz_cas_writer *w);

/* One call for a message held in memory. */
int	bz_cas_put(const char *spool_dir, const void *p, size_t n, char sha256[65],
	    struct bz_buf *path, struct bz_buf *err);
/* Copy an open file (read from its current offset to EOF). */
int	bz_cas_put_fd(const char *spool_dir, int fd, char sha256[65],
	    struct bz_buf *path, struct bz_buf *err);

/* SpoolDirectory/ab/cdef... for a hex digest (no file access). */
void	bz_cas_path(const char *spool_dir, const char *sha256, struct bz_buf *path);

#endif
