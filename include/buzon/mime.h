/*
 * mime - find the signed entity of a message and its exact bytes
 *
 * The message is read as mail is: every bare LF becomes CRLF first (the
 * milter receives CRLF; files saved on Unix have LF), and every offset
 * refers to that canonical form: the message itself when it has no bare
 * LF, else one copy (a temporary file past BZ_MIME_CANON_IN_MEMORY). Large
 * ranges are read a step at a time (buzon/view.h), part bodies decoded
 * and hashed in chunks: the message is never held whole in memory. Header values (Content-Type parameters,
 * RFC 2231/2047 names) are parsed with GMime; boundaries are located by
 * our own scanner over the canonical bytes so that the signed entity is
 * exactly what the signer hashed: never re-serialised (folding, QP, 8bit,
 * base64 stay as produced). Per RFC 1847/2046 the CRLF before a boundary
 * line belongs to the boundary, not to the part.
 *
 * Interface:
 *   bz_mime_find_signed()	locate the S/MIME signed entity: detached
 *				multipart/signed with protocol
 *				application/(x-)pkcs7-signature, or opaque
 *				application/(x-)pkcs7-mime signed-data (also a
 *				*.p7m name without smime-type). It must be
 *				the top-level body; one found deeper (depth
 *				first, e.g. a mailing list's multipart/mixed;
 *				message/rfc822 attachments are not entered)
 *				is still returned, marked wrapped, with
 *				BZ-MSG-OUTSIDE-SIGNATURE: content lies outside
 *				the signature. The preamble and epilogue of
 *				a multipart/signed are never part of the
 *				signed content.
 *   bz_mime_parts()		the leaf MIME parts of a signed entity (name,
 *				type, decoded size, SHA-256) for the acuse.
 *   bz_mime_header_value()	a top-level header, unfolded (Message-ID);
 *   bz_mime_subject()		the Subject decoded to UTF-8.
 *
 * Failure: bad input is never an error of the call: reasons are added
 * (BZ-MSG-UNSIGNED, BZ-MSG-ENCRYPTED, BZ-MSG-MALFORMED, BZ-MSG-ENCODING,
 * BZ-MSG-OUTSIDE-SIGNATURE,
 * BZ-MSG-TOO-DEEP, BZ-MSG-TOO-MANY-PARTS) and the result says what was
 * found. The functions are thread-safe once bz_mime_init() has run.
 */
#ifndef BUZON_MIME_H
#define BUZON_MIME_H

#include <stddef.h>

#include "buzon/buf.h"
#include "buzon/reason.h"
#include "buzon/verdict.h"
#include "buzon/view.h"

#define BZ_MIME_MAX_DEPTH_DEFAULT	20
#define BZ_MIME_MAX_PARTS_DEFAULT	500

/* A message with bare LF larger than this is made canonical in an
 * unlinked temporary file rather than in memory. */
#define BZ_MIME_CANON_IN_MEMORY	((size_t)1 << 20)

struct bz_mime_limits {
	unsigned	 max_depth;	/* nesting levels of multipart/message */
	unsigned	 max_parts;	/* entities in the whole tree */
	const char	*tmpdir;	/* for a large canonical copy; NULL: $TMPDIR
					 * or /tmp (either way, memory if the
					 * file cannot be made) */
};

/* CRLF-canonical bytes of a message: the message itself when it has no
 * bare LF (no copy), else a copy in memory or in a trimmable file view. */
struct bz_mime_canon {
	const char	*data;
	size_t		 len;
	struct bz_buf	 mem;
	struct bz_view	 view;
};

enum bz_mime_form {
	BZ_MIME_UNSIGNED = 0,	/* no signed entity found */
	BZ_MIME_DETACHED,	/* multipart/signed: content + detached CMS */
	BZ_MIME_OPAQUE,		/* pkcs7-mime signed-data: content inside the CMS */
};

struct bz_mime_signed {
	enum bz_mime_form form;
	struct bz_mime_canon canon;	/* the whole message, CRLF canonical */
	/* BZ_MIME_DETACHED: the first body part as received (canonical), the
	 * bytes the signature covers; offsets into canon. */
	size_t		 content_off;
	size_t		 content_len;
	/* The DER CMS: decoded signature part, or decoded pkcs7-mime body. */
	struct bz_buf	 cms;
	int		 wrapped;	/* found below the top level */
	char		*micalg;	/* the micalg parameter as given, or NULL */
};

void	bz_mime_init(void);
void	bz_mime_limits_default(struct bz_mime_limits *lim);

/* Fills *out (call bz_mime_signed_free after, whatever the result).
 * Returns the form found; reasons explain BZ_MIME_UNSIGNED. */
enum bz_mime_form bz_mime_find_signed(const unsigned char *msg, size_t len,
	    const struct bz_mime_limits *lim, struct bz_mime_signed *out,
	    struct bz_reasons *reasons);
void	bz_mime_signed_free(struct bz_mime_signed *s);

/* Pointer to the detached signed content inside s->canon. */
const unsigned char *bz_mime_signed_content(const struct bz_mime_signed *s);

/* Leaf parts of an entity (headers + body). The entity is canonicalised
 * first (opaque eContent may use bare LF). *parts is xmalloc'ed; free
 * with bz_mime_parts_free. Adds BZ-MSG-* reasons for malformed content. */
void	bz_mime_parts(const unsigned char *entity, size_t len,
	    const struct bz_mime_limits *lim, struct bz_part **parts,
	    size_t *nparts, struct bz_reasons *reasons);
void	bz_mime_parts_free(struct bz_part *parts, size_t nparts);

/* The canonical bytes of in without holding a large message in memory
 * twice (see struct bz_mime_canon; in must outlive c when it had no bare
 * LF). Release with bz_mime_canon_free. */
void	bz_mime_canon_make(const unsigned char *in, size_t len,
	    const char *tmpdir, struct bz_mime_canon *c);
void	bz_mime_canon_free(struct bz_mime_canon *c);

/* Unfolded value of the first top-level header `name` (case-insensitive),
 * surrounding blanks trimmed; NULL when absent. xmalloc'ed. */
char	*bz_mime_header_value(const unsigned char *msg, size_t len,
	    const char *name);
/* Subject decoded (RFC 2047) to UTF-8; NULL when absent. xmalloc'ed. */
char	*bz_mime_subject(const unsigned char *msg, size_t len);

#endif
