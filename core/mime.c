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
 * Failure: malformed input adds reasons and stops the walk of the broken
 * branch; nothing here fails for lack of memory (xmalloc).
 */
#include "build-aux/config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "buzon/buf.h"
#include "buzon/digest.h"
#include "buzon/log.h"
#include "buzon/mime.h"
#include "buzon/view.h"
#include "buzon/xalloc.h"

/* One entity: [start, end) of the canonical buffer; headers [start, hdr_end). */
struct entity {
	const char	*buf;
	size_t		 start;
	size_t		 hdr_end;
	size_t		 body;
	size_t		 end;
};

/* One multipart body split into parts. */
struct split {
	size_t		*start;
	size_t		*end;
	size_t		 n;
	int		 closed;	/* close delimiter seen */
};

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

/* entity_make - locate the header block and body of [start, end) */
static void
entity_make(const char *buf, size_t start, size_t end, struct entity *e)
{
	e->buf = buf;
	e->start = start;
	e->end = end;
	/* An entity that begins with an empty line has no headers. */
	if (end - start >= 2 && buf[start] == '\r' && buf[start + 1] == '\n') {
		e->hdr_end = start;
		e->body = start + 2;
		return;
	}
	for (size_t p = start; p + 4 <= end; p++) {
		/* A part without an empty line is read to its end. */
		if (((p - start) & (BZ_VIEW_STEP - 1)) == BZ_VIEW_STEP - 1)
			bz_view_trim(buf + p);
		if (memcmp(buf + p, "\r\n\r\n", 4) == 0) {
			e->hdr_end = p + 2;
			e->body = p + 4;
			return;
		}
	}
	/* Headers only (or truncated inside the headers). */
	e->hdr_end = end;
	e->body = end;
}

/* header_get - unfolded value of the first header `name` in [start, hdr_end) */
static char *
header_get(const char *buf, size_t start, size_t hdr_end, const char *name)
{
	size_t nlen = strlen(name);
	size_t p = start;

	while (p < hdr_end) {
		size_t eol = p;

		while (eol < hdr_end && !(buf[eol] == '\r' && eol + 1 < hdr_end &&
		    buf[eol + 1] == '\n'))
			eol++;
		if (eol - p > nlen && strncasecmp(buf + p, name, nlen) == 0) {
			size_t q = p + nlen;

			while (q < eol && (buf[q] == ' ' || buf[q] == '\t'))
				q++;
			if (q < eol && buf[q] == ':') {
				struct bz_buf v = BZ_BUF_INIT;

				bz_buf_append(&v, buf + q + 1, eol - q - 1);
				/* Continuation lines: unfolding removes only the CRLF. */
				for (;;) {
					size_t n = eol + 2, e2;

					if (n >= hdr_end || (buf[n] != ' ' && buf[n] != '\t'))
						break;
					for (e2 = n; e2 < hdr_end && !(buf[e2] == '\r' &&
					    e2 + 1 < hdr_end && buf[e2 + 1] == '\n'); e2++)
						;
					bz_buf_append(&v, buf + n, e2 - n);
					eol = e2;
				}
				/* Header values never legitimately carry NUL. */
				for (size_t i = 0; i < v.len; i++)
					if (v.data[i] == '\0')
						v.data[i] = ' ';
				{
					char *s = bz_buf_steal(&v);
					size_t b = 0, l = strlen(s);

					while (s[b] == ' ' || s[b] == '\t')
						b++;
					while (l > b && (s[l - 1] == ' ' || s[l - 1] == '\t'))
						l--;
					memmove(s, s + b, l - b);
					s[l - b] = '\0';
					return s;
				}
			}
		}
		p = eol + 2;
	}
	return NULL;
}

/* header_count - how many header fields `name` an entity's header has */
static unsigned
header_count(const struct entity *e, const char *name)
{
	const char *b = e->buf;
	size_t nlen = strlen(name), p = e->start;
	unsigned n = 0;

	while (p < e->hdr_end) {
		size_t eol = p, q;

		while (eol < e->hdr_end && !(b[eol] == '\r' && eol + 1 < e->hdr_end &&
		    b[eol + 1] == '\n'))
			eol++;
		if (eol - p > nlen && strncasecmp(b + p, name, nlen) == 0) {
			for (q = p + nlen; q < eol && (b[q] == ' ' || b[q] == '\t'); q++)
				;
			if (q < eol && b[q] == ':')
				n++;
		}
		p = eol + 2;
	}
	return n;
}

/* entity_header - header of an entity */
static char *
entity_header(const struct entity *e, const char *name)
{
	return header_get(e->buf, e->start, e->hdr_end, name);
}

/* entity_ctype - parsed Content-Type (default text/plain); g_object_unref */
static GMimeContentType *
entity_ctype(const struct entity *e)
{
	char *v = entity_header(e, "Content-Type");
	GMimeContentType *ct;

	ct = g_mime_content_type_parse(NULL, v != NULL && *v ? v : "text/plain");
	free(v);
	return ct;
}

/* delimiter_at - is there a boundary delimiter line at p? */
static int
delimiter_at(const char *b, size_t p, size_t end, const char *bd, size_t bdlen,
    size_t *line_end, int *close)
{
	size_t q;

	if (end - p < 2 + bdlen || b[p] != '-' || b[p + 1] != '-' ||
	    memcmp(b + p + 2, bd, bdlen) != 0)
		return 0;
	q = p + 2 + bdlen;
	*close = 0;
	if (end - q >= 2 && b[q] == '-' && b[q + 1] == '-') {
		/* Close delimiter: whatever follows on its line is epilogue. */
		*close = 1;
		q += 2;
		while (q < end && !(b[q] == '\r' && q + 1 < end && b[q + 1] == '\n'))
			q++;
		*line_end = q < end ? q + 2 : end;
		return 1;
	}
	while (q < end && (b[q] == ' ' || b[q] == '\t'))
		q++;
	if (q == end) {
		*line_end = end;
		return 1;
	}
	if (end - q >= 2 && b[q] == '\r' && b[q + 1] == '\n') {
		*line_end = q + 2;
		return 1;
	}
	return 0;	/* a longer boundary that merely starts like ours */
}

/* split_free - release a split */
static void
split_free(struct split *s)
{
	free(s->start);
	free(s->end);
	memset(s, 0, sizeof(*s));
}

/* split_body - cut a multipart body at its boundary; -1 when none found */
static int
split_body(const struct entity *e, const char *boundary, struct split *s)
{
	const char *b = e->buf;
	size_t bdlen = strlen(boundary);
	size_t p = e->body, open_at = 0, line_end, cap = 0, mark = e->body;
	int inpart = 0, close;
	struct bz_view_meter m = { 0 };

	memset(s, 0, sizeof(*s));
	if (bdlen == 0)
		return -1;
	while (p < e->end) {
		if (delimiter_at(b, p, e->end, boundary, bdlen, &line_end, &close)) {
			if (inpart) {
				/* The CRLF before the delimiter belongs to it. */
				size_t pe = p >= open_at + 2 && p > e->body ? p - 2 : open_at;

				if (s->n == cap) {
					cap = cap ? 2 * cap : 4;
					s->start = xrealloc(s->start, cap * sizeof(size_t));
					s->end = xrealloc(s->end, cap * sizeof(size_t));
				}
				s->start[s->n] = open_at;
				s->end[s->n] = pe < open_at ? open_at : pe;
				s->n++;
			}
			if (close) {
				s->closed = 1;
				return 0;
			}
			inpart = 1;
			open_at = line_end;
			p = line_end;
			continue;
		}
		/* Next line start. */
		while (p < e->end && !(b[p] == '\r' && p + 1 < e->end && b[p + 1] == '\n'))
			p++;
		p += 2;
		if (p - mark >= 65536 && p < e->end) {
			bz_view_account(&m, b + p, p - mark);
			mark = p;
		}
	}
	if (!inpart)
		return -1;
	/* Truncated: the last part runs to the end of the entity. */
	if (s->n == cap) {
		cap = cap ? 2 * cap : 4;
		s->start = xrealloc(s->start, cap * sizeof(size_t));
		s->end = xrealloc(s->end, cap * sizeof(size_t));
	}
	s->start[s->n] = open_at;
	s->end[s->n] = e->end > open_at ? e->end : open_at;
	s->n++;
	return 0;
}

/* base64_valid - only the alphabet, padding at the end, and whitespace */
static int
base64_valid(const char *p, size_t len)
{
	size_t n = 0, pad = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if ((i & (BZ_VIEW_STEP - 1)) == BZ_VIEW_STEP - 1)
			bz_view_trim(p + i);

		if (c == '\r' || c == '\n' || c == ' ' || c == '\t')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (!(isalnum(c) || c == '+' || c == '/'))
			return 0;
		if (pad > 0)
			return 0;	/* data after padding */
		n++;
	}
	return n % 4 != 1 && pad <= 2;
}

/* decode_body - content transfer decoding of [off, off+len) into out */
static int
decode_body(const char *buf, size_t off, size_t len, const char *cte,
    struct bz_buf *out)
{
	GMimeContentEncoding enc = GMIME_CONTENT_ENCODING_DEFAULT;
	GMimeEncoding state;
	size_t n;

	if (cte != NULL)
		enc = g_mime_content_encoding_from_string(cte);
	if (enc != GMIME_CONTENT_ENCODING_BASE64 &&
	    enc != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE &&
	    enc != GMIME_CONTENT_ENCODING_UUENCODE) {
		bz_buf_append(out, buf + off, len);
		return 0;
	}
	if (enc == GMIME_CONTENT_ENCODING_BASE64 && !base64_valid(buf + off, len))
		return -1;
	g_mime_encoding_init_decode(&state, enc);
	bz_buf_reserve(out, g_mime_encoding_outlen(&state, len) + 16);
	n = g_mime_encoding_step(&state, buf + off, len, out->data + out->len);
	out->len += n;
	bz_buf_reserve(out, g_mime_encoding_outlen(&state, 0) + 16);
	n = g_mime_encoding_flush(&state, "", 0, out->data + out->len);
	out->len += n;
	out->data[out->len] = '\0';
	return 0;
}

/* entity_decode - decode an entity's body by its Content-Transfer-Encoding */
static int
entity_decode(const struct entity *e, struct bz_buf *out)
{
	char *cte = entity_header(e, "Content-Transfer-Encoding");
	int rc = decode_body(e->buf, e->body, e->end - e->body, cte, out);

	free(cte);
	return rc;
}

/*
 * entity_digest - decoded size and SHA-256 of an entity's body, decoded
 * and hashed a chunk at a time (a part may be most of the message). Bad
 * base64 gives -1 and the digest of nothing, as a failed decode did.
 */
static int
entity_digest(const struct entity *e, size_t *size, char sha[65])
{
	const size_t chunk = 65536;
	char *cte = entity_header(e, "Content-Transfer-Encoding");
	GMimeContentEncoding enc = GMIME_CONTENT_ENCODING_DEFAULT;
	struct bz_view_meter m = { 0 }, heap = { 0 };
	struct bz_sha256 *md = bz_sha256_begin();
	const char *in = e->buf + e->body;
	size_t len = e->end - e->body;
	GMimeEncoding state;
	struct bz_buf out = BZ_BUF_INIT;

	if (cte != NULL)
		enc = g_mime_content_encoding_from_string(cte);
	free(cte);
	*size = 0;
	if (enc != GMIME_CONTENT_ENCODING_BASE64 &&
	    enc != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE &&
	    enc != GMIME_CONTENT_ENCODING_UUENCODE) {
		bz_sha256_view(md, in, len, &m);
		*size = len;
		bz_sha256_end(md, sha);
		return 0;
	}
	if (enc == GMIME_CONTENT_ENCODING_BASE64 && !base64_valid(in, len)) {
		bz_sha256_end(md, sha);
		return -1;
	}
	g_mime_encoding_init_decode(&state, enc);
	for (size_t off = 0, n; off <= len; off += n) {
		size_t k;

		n = len - off < chunk ? len - off : chunk;
		bz_buf_reset(&out);
		bz_buf_reserve(&out, g_mime_encoding_outlen(&state, n) + 16);
		if (n > 0) {
			k = g_mime_encoding_step(&state, in + off, n, out.data);
			bz_view_account(&m, in + off, n);
		} else
			k = g_mime_encoding_flush(&state, "", 0, out.data);
		bz_sha256_view(md, out.data, k, &heap);	/* not a view */
		*size += k;
		if (n == 0)
			break;
	}
	bz_buf_free(&out);
	bz_sha256_end(md, sha);
	return 0;
}

/* entity_name - file name from Content-Disposition, else Content-Type name */
static char *
entity_name(const struct entity *e, GMimeContentType *ct)
{
	char *v = entity_header(e, "Content-Disposition");
	const char *name = NULL;
	char *res = NULL;

	if (v != NULL) {
		GMimeContentDisposition *d = g_mime_content_disposition_parse(NULL, v);

		if (d != NULL) {
			name = g_mime_content_disposition_get_parameter(d, "filename");
			if (name != NULL && *name)
				res = xstrdup(name);
			g_object_unref(d);
		}
		free(v);
	}
	if (res == NULL) {
		name = g_mime_content_type_get_parameter(ct, "name");
		if (name != NULL && *name)
			res = xstrdup(name);
	}
	return res;
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

	if (boundary == NULL || split_body(e, boundary, s) != 0) {
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
	ct = entity_ctype(e);
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

				entity_make(e->buf, s.start[1], s.end[1], &sig);
				walk_enter(w, depth + 1);
				walk_enter(w, depth + 1);
				out->content_off = s.start[0];
				out->content_len = s.end[0] - s.start[0];
				if (entity_decode(&sig, &out->cms) != 0)
					bz_reasons_add(w->reasons, "BZ-MSG-ENCODING");
				out->micalg = micalg ? xstrdup(micalg) : NULL;
				out->wrapped = depth > 0;
				form = BZ_MIME_DETACHED;
			}
			split_free(&s);
		}
	} else if (g_mime_content_type_is_type(ct, "multipart", "*")) {
		struct split s;

		if (multipart_split(w, e, ct, &s) == 0) {
			for (size_t i = 0; i < s.n && form == BZ_MIME_UNSIGNED && !w->stop; i++) {
				struct entity child;

				entity_make(e->buf, s.start[i], s.end[i], &child);
				form = find_in(w, &child, depth + 1, out);
			}
			split_free(&s);
		}
	} else if (g_mime_content_type_is_type(ct, "application", "pkcs7-mime") ||
	    g_mime_content_type_is_type(ct, "application", "x-pkcs7-mime") ||
	    g_mime_content_type_is_type(ct, "application", "octet-stream")) {
		const char *st = g_mime_content_type_get_parameter(ct, "smime-type");
		char *name = entity_name(e, ct);
		int octet = g_mime_content_type_is_type(ct, "application", "octet-stream");

		if (st != NULL && (strcasecmp(st, "enveloped-data") == 0 ||
		    strcasecmp(st, "authEnveloped-data") == 0)) {
			bz_reasons_add(w->reasons, "BZ-MSG-ENCRYPTED");
		} else if ((st != NULL && strcasecmp(st, "signed-data") == 0 && !octet) ||
		    (st == NULL && (!octet || ends_p7m(name)))) {
			if (entity_decode(e, &out->cms) != 0)
				bz_reasons_add(w->reasons, "BZ-MSG-ENCODING");
			out->wrapped = depth > 0;
			form = BZ_MIME_OPAQUE;
		}
		free(name);
	}
	g_object_unref(ct);
	return form;
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

	bz_mime_init();
	if (lim == NULL) {
		bz_mime_limits_default(&deflim);
		lim = &deflim;
	}
	memset(out, 0, sizeof(*out));
	bz_buf_init(&out->cms);
	bz_mime_canon_make(msg, len, lim->tmpdir, &out->canon);
	memset(&w, 0, sizeof(w));
	w.lim = lim;
	w.reasons = reasons;
	entity_make(out->canon.data, 0, out->canon.len, &top);
	/* RFC 2045 allows one of each. With two, we would read the first
	 * and a mail client may show the message by the other: a body other
	 * than the one whose signature we checked. */
	if (header_count(&top, "Content-Type") > 1 ||
	    header_count(&top, "Content-Transfer-Encoding") > 1)
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
	ct = entity_ctype(e);
	if (g_mime_content_type_is_type(ct, "multipart", "*")) {
		struct split s;

		if (multipart_split(w, e, ct, &s) == 0) {
			for (size_t i = 0; i < s.n && !w->stop; i++) {
				struct entity child;

				entity_make(e->buf, s.start[i], s.end[i], &child);
				parts_in(w, &child, depth + 1, pl);
			}
			split_free(&s);
		}
	} else {
		struct bz_part *p;
		const char *mt = g_mime_content_type_get_media_type(ct);
		const char *st = g_mime_content_type_get_media_subtype(ct);
		char *lc;

		pl->v = xrealloc(pl->v, (pl->n + 1) * sizeof(*pl->v));
		p = &pl->v[pl->n++];
		if (entity_digest(e, &p->size, p->sha256) != 0)
			bz_reasons_add(w->reasons, "BZ-MSG-ENCODING");
		p->name = entity_name(e, ct);
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

	bz_mime_init();
	if (lim == NULL) {
		bz_mime_limits_default(&deflim);
		lim = &deflim;
	}
	bz_mime_canon_make(entity, len, lim->tmpdir, &canon);
	memset(&w, 0, sizeof(w));
	w.lim = lim;
	w.reasons = reasons;
	entity_make(canon.data, 0, canon.len, &top);
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

/* header_block_len - bytes of a raw message up to and including the empty
 * line that ends its header (LF or CRLF lines); all of it when none */
static size_t
header_block_len(const unsigned char *msg, size_t len)
{
	const unsigned char *nl;
	size_t i = 0;

	while (i < len) {
		if (msg[i] == '\n')
			return i + 1;
		if (msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n')
			return i + 2;
		if ((nl = memchr(msg + i, '\n', len - i)) == NULL)
			return len;
		i = (size_t)(nl - msg) + 1;
	}
	return len;
}

/*
 * bz_mime_header_value - unfolded top-level header of a raw message. Only
 * the header block is made canonical: the milter asks for three headers
 * of every submission, which may be MaxMessageSize long.
 */
char *
bz_mime_header_value(const unsigned char *msg, size_t len, const char *name)
{
	struct bz_buf canon = BZ_BUF_INIT;
	struct entity top;
	char *v;

	bz_buf_append_crlf(&canon, msg, header_block_len(msg, len));
	bz_buf_reserve(&canon, 1);
	entity_make(canon.data, 0, canon.len, &top);
	v = entity_header(&top, name);
	bz_buf_free(&canon);
	return v;
}

/* bz_mime_subject - Subject decoded from RFC 2047 to UTF-8 */
char *
bz_mime_subject(const unsigned char *msg, size_t len)
{
	char *raw = bz_mime_header_value(msg, len, "Subject");
	char *dec, *res;

	if (raw == NULL)
		return NULL;
	bz_mime_init();
	dec = g_mime_utils_header_decode_text(NULL, raw);
	res = xstrdup(dec != NULL ? dec : raw);
	g_free(dec);
	free(raw);
	return res;
}
