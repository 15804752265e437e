/*
 * mime_int - what the mime*.c files share, not public
 *
 * See core/mime.c for which file does what. An entity is a byte range of
 * the CRLF-canonical buffer: its header block runs to the first empty
 * line, its body follows.
 */
#ifndef BUZON_MIME_INT_H
#define BUZON_MIME_INT_H

#include <stddef.h>

#include <gmime/gmime.h>

#include "buzon/buf.h"

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

/* mime_entity.c */
void	mime_entity_make(const char *buf, size_t start, size_t end, struct entity *e);
/* How many header fields `name` an entity's header has. */
unsigned mime_header_count(const struct entity *e, const char *name);
/* Parsed Content-Type (default text/plain); g_object_unref it. */
GMimeContentType *mime_entity_ctype(const struct entity *e);
/* The body decoded by its Content-Transfer-Encoding; -1 when malformed. */
int	mime_entity_decode(const struct entity *e, struct bz_buf *out);
/* Decoded size and SHA-256 of the body; -1 when malformed. */
int	mime_entity_digest(const struct entity *e, size_t *size, char sha[65]);
/* File name from Content-Disposition, else Content-Type; NULL when none. */
char	*mime_entity_name(const struct entity *e, GMimeContentType *ct);

/* mime_multipart.c: cut a multipart body at its boundary (-1: none found). */
int	mime_split_body(const struct entity *e, const char *boundary, struct split *s);
void	mime_split_free(struct split *s);

#endif
