/*
 * json - the one JSON writer: every --json output and event detail
 *
 * Output is always valid JSON and valid UTF-8, whatever bytes the values
 * hold (a Message-ID or a file name may be 8-bit garbage, a certificate
 * name may carry ESC): a byte that is not part of well-formed UTF-8
 * becomes \ufffd, control characters (C0, DEL, C1, LS/PS) are \u-escaped,
 * so no raw control character reaches a terminal either.
 *
 * Layout, one rule everywhere: members and elements separated by ", ",
 * names by ": " ({"a": 1, "b": [{"c": null}]}); an array opened with
 * bz_json_rows() puts each element on its own line ("[\n  {...},\n  {...}\n]")
 * so that line tools can count rows.
 *
 *   struct bz_json j;
 *   bz_json_init(&j, &out);
 *   bz_json_object(&j, NULL);
 *   bz_json_str(&j, "folio", folio);	(NULL value: null)
 *   bz_json_int(&j, "size", n);
 *   bz_json_array(&j, "parts"); ... bz_json_end(&j);
 *   bz_json_end(&j);
 * The name argument is NULL for array elements and the outermost value.
 *
 * bz_json_string() appends one quoted string with the same escaping, for
 * the few callers that lay out a fixed object themselves.
 *
 * Failure: nesting deeper than BZ_JSON_DEPTH, an end without a begin or a
 * name where none belongs is a programmer's error (bz_panic). Values are
 * never refused.
 */
#ifndef BUZON_JSON_H
#define BUZON_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buzon/buf.h"

#define BZ_JSON_DEPTH	16

struct bz_json {
	struct bz_buf	*out;
	int		 depth;
	/* per open level: '}' or ']', anything written yet, one row a line */
	char		 close[BZ_JSON_DEPTH];
	unsigned char	 used[BZ_JSON_DEPTH];
	unsigned char	 rows[BZ_JSON_DEPTH];
};

void	bz_json_init(struct bz_json *j, struct bz_buf *out);
void	bz_json_object(struct bz_json *j, const char *name);
void	bz_json_array(struct bz_json *j, const char *name);
void	bz_json_rows(struct bz_json *j, const char *name);
void	bz_json_end(struct bz_json *j);
void	bz_json_str(struct bz_json *j, const char *name, const char *value);
void	bz_json_strn(struct bz_json *j, const char *name, const char *value,
	    size_t len);
void	bz_json_int(struct bz_json *j, const char *name, int64_t value);
void	bz_json_bool(struct bz_json *j, const char *name, int value);
void	bz_json_null(struct bz_json *j, const char *name);

void	bz_json_string(struct bz_buf *b, const char *s);
void	bz_json_stringn(struct bz_buf *b, const char *s, size_t len);

#endif
