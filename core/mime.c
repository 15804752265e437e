/*
 * mime - find the signed entity of a message and its exact bytes
 *
 * See include/buzon/mime.h. The walker works on the CRLF-canonical copy of
 * the message: an entity is a byte range [start, end); its header block
 * runs to the first empty line; a multipart body is split by our own
 * boundary scanner (RFC 2046 5.1.1: a delimiter is "--boundary" at the
 * start of a line, the CRLF before it is part of the delimiter, transport
 * padding may follow). GMime parses the header values themselves
 * (Content-Type parameters, RFC 2231 continuations, RFC 2047 names) and
 * decodes base64/quoted-printable, so odd producers (a boundary given on a
 * folded continuation line, tab-folded parameters) are read as a mail
 * client reads them, while the bytes we hand to OpenSSL are never
 * rebuilt by a serialiser.
 *
 * Memory: nothing proportional to the message is allocated except the
 * DER of the CMS and, for a message with bare LF, one canonical copy
 * (a file past BZ_MIME_CANON_IN_MEMORY). Loops over large ranges account
 * what they read (bz_view_account) so a mapped message is trimmed as it
 * is read instead of becoming resident.
 *
 * Files: mime.c walks the tree (the signed entity, the leaf parts, the
 * limits); mime_entity.c reads one entity (header fields, Content-Type,
 * transfer decoding, digest, file name) and top-level headers;
 * mime_multipart.c cuts a multipart body at its boundary; mime_canon.c
 * makes the canonical copy. mime_int.h is what they share.
 *
 * Failure: malformed input adds reasons and stops the walk of the broken
 * branch; nothing here fails for lack of memory (xmalloc).
 */
#include "build-aux/config.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "buzon/buf.h"
#include "buzon/mime.h"
#include "buzon/xalloc.h"
#include "mime_int.h"

struct walk {
	const struct bz_mime_limits *lim;
	struct bz_reasons *reasons;
	unsigned	 count;		/* entities visited */
	int		 stop;		/* a limit was hit: stop everything */
};

static pthread_once_t mime_once = PTHREAD_ONCE_INIT;

/* mime_init_once - GMime's global state, set up once per process */
static void
mime_init_once(void)
{
	g_mime_init();
}

/* bz_mime_init - make GMime usable (idempotent, thread-safe) */
void
bz_mime_init(void)
{
	pthread_once(&mime_once, mime_init_once);
}

/* bz_mime_limits_default - the compiled-in caps */
void
bz_mime_limits_default(struct bz_mime_limits *lim)
{
	lim->max_depth = BZ_MIME_MAX_DEPTH_DEFAULT;
	lim->max_parts = BZ_MIME_MAX_PARTS_DEFAULT;
	lim->tmpdir = NULL;
}

/* ends_p7m - does a name end in .p7m? */
static int
ends_p7m(const char *name)
{
	size_t l = name ? strlen(name) : 0;

	return l >= 4 && strcasecmp(name + l - 4, ".p7m") == 0;
}

/* walk_enter - count an entity against the limits; 0 when it may be read */
static int
walk_enter(struct walk *w, unsigned depth)
{
	if (w->stop)
		return -1;
	if (depth > w->lim->max_depth) {
		bz_reasons_add(w->reasons, "BZ-MSG-TOO-DEEP");
		w->stop = 1;
		return -1;
	}
	if (++w->count > w->lim->max_parts) {
		bz_reasons_add(w->reasons, "BZ-MSG-TOO-MANY-PARTS");
		w->stop = 1;
		return -1;
	}
	return 0;
}

/* multipart_split - split a multipart entity, adding reasons when broken */
static int
multipart_split(struct walk *w, const struct entity *e, GMimeContentType *ct,
    struct split *s)
{
	const char *boundary = g_mime_content_type_get_parameter(ct, "boundary");

	if (boundary == NULL || mime_split_body(e, boundary, s) != 0) {
		bz_reasons_add(w->reasons, "BZ-MSG-MALFORMED");
		return -1;
	}
	if (!s->closed)
		bz_reasons_add(w->reasons, "BZ-MSG-MALFORMED");
	return 0;
}

/* is_pkcs7_signature - application/(x-)pkcs7-signature */
static int
is_pkcs7_signature(const char *proto)
{
	return proto != NULL && (strcasecmp(proto, "application/pkcs7-signature") == 0 ||
	    strcasecmp(proto, "application/x-pkcs7-signature") == 0);
}

/* find_in - depth-first search for the signed entity */
static enum bz_mime_form
find_in(struct walk *w, const struct entity *e, unsigned depth,
    struct bz_mime_signed *out)
{
	GMimeContentType *ct;
	enum bz_mime_form form = BZ_MIME_UNSIGNED;

	if (walk_enter(w, depth) != 0)
		return BZ_MIME_UNSIGNED;
	ct = mime_entity_ctype(e);
	if (g_mime_content_type_is_type(ct, "multipart", "signed")) {
		struct split s;
		const char *proto = g_mime_content_type_get_parameter(ct, "protocol");
		const char *micalg = g_mime_content_type_get_parameter(ct, "micalg");

		if (!is_pkcs7_signature(proto)) {
			/* PGP/MIME or unknown: not an S/MIME signature. */
			g_object_unref(ct);
			return BZ_MIME_UNSIGNED;
		}
		if (multipart_split(w, e, ct, &s) == 0) {
			if (s.n < 2) {
				bz_reasons_add(w->reasons, "BZ-MSG-MALFORMED");
			} else {
				struct entity sig;

				mime_entity_make(e->buf, s.start[1], s.end[1], &sig);
				walk_enter(w, depth + 1);
				walk_enter(w, depth + 1);
				out->content_off = s.start[0];
				out->content_len = s.end[0] - s.start[0];
				if (mime_entity_decode(&sig, &out->cms) != 0)
					bz_reasons_add(w->reasons, "BZ-MSG-ENCODING");
				out->micalg = micalg ? xstrdup(micalg) : NULL;
				out->wrapped = depth > 0;
				form = BZ_MIME_DETACHED;
			}
			mime_split_free(&s);
		}
	} else if (g_mime_content_type_is_type(ct, "multipart", "*")) {
		struct split s;

		if (multipart_split(w, e, ct, &s) == 0) {
			for (size_t i = 0; i < s.n && form == BZ_MIME_UNSIGNED && !w->stop; i++) {
				struct entity child;

				mime_entity_make(e->buf, s.start[i], s.end[i], &child);
				form = find_in(w, &child, depth + 1, out);
			}
			mime_split_free(&s);
		}
	} else if (g_mime_content_type_is_type(ct, "application", "pkcs7-mime") ||
	    g_mime_content_type_is_type(ct, "application", "x-pkcs7-mime") ||
	    g_mime_content_type_is_type(ct, "application", "octet-stream")) {
		const char *st = g_mime_content_type_get_parameter(ct, "smime-type");
		char *name = mime_entity_name(e, ct);
		int octet = g_mime_content_type_is_type(ct, "application", "octet-stream");

		if (st != NULL && (strcasecmp(st, "enveloped-data") == 0 ||
		    strcasecmp(st, "authEnveloped-data") == 0)) {
			bz_reasons_add(w->reasons, "BZ-MSG-ENCRYPTED");
		} else if ((st != NULL && strcasecmp(st, "signed-data") == 0 && !octet) ||
		    (st == NULL && (!octet || ends_p7m(name)))) {
			if (mime_entity_decode(e, &out->cms) != 0)
				bz_reasons_add(w->reasons, "BZ-MSG-ENCODING");
			out->wrapped = depth > 0;
			form = BZ_MIME_OPAQUE;
		}
		free(name);
	}
	g_object_unref(ct);
	return form;
}

/* mime_begin - GMime ready; the limits to walk with (lim, else the
 * compiled-in ones in *deflim) */
static const struct bz_mime_limits *
mime_begin(const struct bz_mime_limits *lim, struct bz_mime_limits *deflim)
{
	bz_mime_init();
	if (lim != NULL)
		return lim;
	bz_mime_limits_default(deflim);
	return deflim;
}

/* bz_mime_find_signed - locate the signed entity of a whole message */
enum bz_mime_form
bz_mime_find_signed(const unsigned char *msg, size_t len,
    const struct bz_mime_limits *lim, struct bz_mime_signed *out,
    struct bz_reasons *reasons)
{
	struct bz_mime_limits deflim;
	struct walk w;
	struct entity top;

	lim = mime_begin(lim, &deflim);
	memset(out, 0, sizeof(*out));
	bz_buf_init(&out->cms);
	bz_mime_canon_make(msg, len, lim->tmpdir, &out->canon);
	memset(&w, 0, sizeof(w));
	w.lim = lim;
	w.reasons = reasons;
	mime_entity_make(out->canon.data, 0, out->canon.len, &top);
	/* RFC 2045 allows one of each. With two, we would read the first
	 * and a mail client may show the message by the other: a body other
	 * than the one whose signature we checked. */
	if (mime_header_count(&top, "Content-Type") > 1 ||
	    mime_header_count(&top, "Content-Transfer-Encoding") > 1)
		bz_reasons_add(reasons, "BZ-MSG-MALFORMED");
	out->form = find_in(&w, &top, 0, out);
	if (w.stop)
		out->form = BZ_MIME_UNSIGNED;
	if (out->form == BZ_MIME_UNSIGNED && !bz_reasons_has(reasons, "BZ-MSG-ENCRYPTED") &&
	    !w.stop)
		bz_reasons_add(reasons, "BZ-MSG-UNSIGNED");
	/* Only the top-level body may be the signed entity: a signed part
	 * wrapped in a multipart/mixed leaves its siblings (and whoever
	 * chose them) outside the signature, and accepting the whole would
	 * stamp the signer's name on them. The wrapped signature is still
	 * checked, so the sender learns whether it was good. */
	if (out->form != BZ_MIME_UNSIGNED && out->wrapped)
		bz_reasons_add(reasons, "BZ-MSG-OUTSIDE-SIGNATURE");
	return out->form;
}

/* bz_mime_signed_content - the detached signed bytes */
const unsigned char *
bz_mime_signed_content(const struct bz_mime_signed *s)
{
	return (const unsigned char *)s->canon.data + s->content_off;
}

/* bz_mime_signed_free - release a find result */
void
bz_mime_signed_free(struct bz_mime_signed *s)
{
	bz_mime_canon_free(&s->canon);
	bz_buf_free(&s->cms);
	free(s->micalg);
	s->micalg = NULL;
}

struct partlist {
	struct bz_part	*v;
	size_t		 n;
};

/* parts_in - collect the leaves of an entity */
static void
parts_in(struct walk *w, const struct entity *e, unsigned depth, struct partlist *pl)
{
	GMimeContentType *ct;

	if (walk_enter(w, depth) != 0)
		return;
	ct = mime_entity_ctype(e);
	if (g_mime_content_type_is_type(ct, "multipart", "*")) {
		struct split s;

		if (multipart_split(w, e, ct, &s) == 0) {
			for (size_t i = 0; i < s.n && !w->stop; i++) {
				struct entity child;

				mime_entity_make(e->buf, s.start[i], s.end[i], &child);
				parts_in(w, &child, depth + 1, pl);
			}
			mime_split_free(&s);
		}
	} else {
		struct bz_part *p;
		const char *mt = g_mime_content_type_get_media_type(ct);
		const char *st = g_mime_content_type_get_media_subtype(ct);
		char *lc;

		pl->v = xrealloc(pl->v, (pl->n + 1) * sizeof(*pl->v));
		p = &pl->v[pl->n++];
		if (mime_entity_digest(e, &p->size, p->sha256) != 0)
			bz_reasons_add(w->reasons, "BZ-MSG-ENCODING");
		p->name = mime_entity_name(e, ct);
		lc = xasprintf("%s/%s", mt ? mt : "text", st ? st : "plain");
		for (char *c = lc; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		p->content_type = lc;
	}
	g_object_unref(ct);
}

/* bz_mime_parts - leaf parts of a signed entity, for the acuse */
void
bz_mime_parts(const unsigned char *entity, size_t len,
    const struct bz_mime_limits *lim, struct bz_part **parts, size_t *nparts,
    struct bz_reasons *reasons)
{
	struct bz_mime_limits deflim;
	struct bz_mime_canon canon;
	struct partlist pl = { NULL, 0 };
	struct walk w;
	struct entity top;

	lim = mime_begin(lim, &deflim);
	bz_mime_canon_make(entity, len, lim->tmpdir, &canon);
	memset(&w, 0, sizeof(w));
	w.lim = lim;
	w.reasons = reasons;
	mime_entity_make(canon.data, 0, canon.len, &top);
	parts_in(&w, &top, 0, &pl);
	bz_mime_canon_free(&canon);
	*parts = pl.v;
	*nparts = pl.n;
}

/* bz_mime_parts_free - release a parts vector */
void
bz_mime_parts_free(struct bz_part *parts, size_t nparts)
{
	for (size_t i = 0; i < nparts; i++) {
		free(parts[i].name);
		free(parts[i].content_type);
	}
	free(parts);
}
