/*
 * mime_entity - one MIME entity: header fields, Content-Type, body
 *
 * Header fields are read from the entity's own bytes (unfolded, first
 * occurrence); GMime parses the values (Content-Type parameters, RFC 2231
 * continuations, RFC 2047 names) and decodes base64/quoted-printable, a
 * chunk at a time for digests. Also the top-level headers of a raw
 * message for the milter (Message-ID, Subject), made canonical only as
 * far as the header block.
 *
 * Failure: malformed base64 gives -1; nothing fails for lack of memory
 * (xmalloc).
 */
#include "build-aux/config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "buzon/buf.h"
#include "buzon/digest.h"
#include "buzon/mime.h"
#include "buzon/view.h"
#include "buzon/xalloc.h"
#include "mime_int.h"

/* mime_entity_make - locate the header block and body of [start, end) */
void
mime_entity_make(const char *buf, size_t start, size_t end, struct entity *e)
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

/* mime_header_count - how many header fields `name` an entity's header has */
unsigned
mime_header_count(const struct entity *e, const char *name)
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

/* mime_entity_ctype - parsed Content-Type (default text/plain); g_object_unref */
GMimeContentType *
mime_entity_ctype(const struct entity *e)
{
	char *v = entity_header(e, "Content-Type");
	GMimeContentType *ct;

	ct = g_mime_content_type_parse(NULL, v != NULL && *v ? v : "text/plain");
	free(v);
	return ct;
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

/* mime_entity_decode - decode an entity's body by its Content-Transfer-Encoding */
int
mime_entity_decode(const struct entity *e, struct bz_buf *out)
{
	char *cte = entity_header(e, "Content-Transfer-Encoding");
	int rc = decode_body(e->buf, e->body, e->end - e->body, cte, out);

	free(cte);
	return rc;
}

/*
 * mime_entity_digest - decoded size and SHA-256 of an entity's body, decoded
 * and hashed a chunk at a time (a part may be most of the message). Bad
 * base64 gives -1 and the digest of nothing, as a failed decode did.
 */
int
mime_entity_digest(const struct entity *e, size_t *size, char sha[65])
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

/* mime_entity_name - file name from Content-Disposition, else Content-Type name */
char *
mime_entity_name(const struct entity *e, GMimeContentType *ct)
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
	mime_entity_make(canon.data, 0, canon.len, &top);
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
