/*
 * mime_multipart - cut a multipart body at its boundary
 *
 * Our own scanner, not GMime's, so the bytes handed to OpenSSL are never
 * rebuilt by a serialiser (RFC 2046 5.1.1: a delimiter is "--boundary" at
 * the start of a line, the CRLF before it is part of the delimiter,
 * transport padding may follow; whatever follows the close delimiter is
 * epilogue). A body without its close delimiter is cut at its end and
 * says so (closed 0).
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>

#include "buzon/view.h"
#include "buzon/xalloc.h"
#include "mime_int.h"

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

/* mime_split_free - release a split */
void
mime_split_free(struct split *s)
{
	free(s->start);
	free(s->end);
	memset(s, 0, sizeof(*s));
}

/* mime_split_body - cut a multipart body at its boundary; -1 when none found */
int
mime_split_body(const struct entity *e, const char *boundary, struct split *s)
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
