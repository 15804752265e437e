/*
 * spool - one message as received, in memory then in a temporary file
 *
 * The milter streams a message's headers and body into a spool while the
 * MTA sends them; at end of message the whole message is needed as one
 * contiguous read-only byte string (verification hashes the exact bytes).
 * The spool holds the message in memory up to mem_limit bytes, then moves
 * it to a temporary file in the spool directory (mkostemp: O_EXCL, mode
 * 0600), unlinked the moment it is created so nothing is left behind when
 * the process dies. bz_spool_map() returns the bytes: the memory buffer
 * itself, or a read-only mmap of the file, registered as a view
 * (buzon/view.h) so that readers can keep it from staying resident.
 *
 * The message is rebuilt in RFC 5322 wire form: "Name:value\r\n" per
 * header (the value as the MTA sent it, which keeps its leading white space
 * when the milter negotiated SMFIP_HDR_LEADSPC; bare LF inside a folded
 * value becomes CRLF), an empty line, then the body chunks verbatim.
 *
 * Failure behaviour: a message bigger than max_size makes every later call
 * return BZ_SPOOL_TOO_LARGE; the data stored so far is released (nothing
 * more is kept). An I/O error (cannot create, write or map the file)
 * returns BZ_SPOOL_ERROR with a reason in bz_spool_error(); the caller
 * tempfails. Both states are sticky. Not thread-safe: one spool belongs
 * to one message.
 */
#ifndef BUZON_SPOOL_H
#define BUZON_SPOOL_H

#include <stddef.h>

enum bz_spool_status {
	BZ_SPOOL_OK = 0,
	BZ_SPOOL_TOO_LARGE,	/* over max_size: reject BZ-MSG-TOO-LARGE */
	BZ_SPOOL_ERROR,		/* environment error: tempfail BZ-INTERNAL */
};

struct bz_spool;

/* dir: where the temp file goes; mem_limit: bytes kept in memory;
 * max_size: largest message accepted (0 means no limit). */
struct bz_spool *bz_spool_new(const char *dir, size_t mem_limit, size_t max_size);
void	bz_spool_free(struct bz_spool *sp);

/* Append one header; leadspc says the value carries its own leading
 * white space (SMFIP_HDR_LEADSPC), else one space is inserted. */
enum bz_spool_status bz_spool_header(struct bz_spool *sp, const char *name,
	    const char *value, int leadspc);
/* End of the header block: the empty line. */
enum bz_spool_status bz_spool_eoh(struct bz_spool *sp);
/* Append body bytes verbatim. */
enum bz_spool_status bz_spool_body(struct bz_spool *sp, const void *data, size_t len);
/* Append raw bytes (used by the three above). */
enum bz_spool_status bz_spool_append(struct bz_spool *sp, const void *data, size_t len);

/* The whole message as one read-only byte string, valid until
 * bz_spool_free(); further appends after mapping are a programmer error. */
enum bz_spool_status bz_spool_map(struct bz_spool *sp, const unsigned char **msg,
	    size_t *len);

enum bz_spool_status bz_spool_status(const struct bz_spool *sp);
/* Bytes of the message so far (counted even after TOO_LARGE). */
size_t	bz_spool_size(const struct bz_spool *sp);
/* Has the message moved to a temporary file? */
int	bz_spool_in_file(const struct bz_spool *sp);
/* Reason of the last BZ_SPOOL_ERROR (English, for the log), else "". */
const char *bz_spool_error(const struct bz_spool *sp);

#endif
