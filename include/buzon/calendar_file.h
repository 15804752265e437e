/*
 * calendar_file - the institution calendar file, one declaration a line
 *
 * The administrator copies the Institute's DOF declarations into it:
 *
 *   format 1
 *   2026-04-02..2026-04-03  inhabil     "Jueves y Viernes Santo"  source="DOF 2026-01-20"
 *   2020-03-31..            suspension  "Contingencia sanitaria"  source="DOF 2020-03-31"
 *   2026-11-16              habil       "Compensado"              source="DOF 2026-02-01"
 *
 * "format 1" is the first line that is not blank or a comment. An entry is
 * DATE, DATE..DATE (inclusive) or DATE.. (open-ended), a kind (inhabil,
 * suspension, habil), a quoted description (no escapes: it ends at the
 * next double quote) and source="..." (required). "#" starts a comment at
 * the start of a line or after a blank outside quotes. The file must be
 * UTF-8 without NUL bytes.
 *
 * Failure: bz_calendar_file_parse() returns -1 with "file:line: reason"
 * in err; entries already added stay in the list for the caller to free.
 */
#ifndef BUZON_CALENDAR_FILE_H
#define BUZON_CALENDAR_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "buzon/buf.h"

enum bz_cal_entry_kind {
	BZ_ENTRY_INHABIL,
	BZ_ENTRY_SUSPENSION,
	BZ_ENTRY_HABIL,
};

#define BZ_ENTRY_OPEN_END	INT64_MAX	/* "DATE..": no last day */

struct bz_cal_entry {
	int64_t	 first;		/* days since 1970-01-01, inclusive */
	int64_t	 last;		/* inclusive, or BZ_ENTRY_OPEN_END */
	enum bz_cal_entry_kind kind;
	char	*description;
	char	*source;
	char	*file;
	unsigned line;
};

struct bz_cal_entries {
	struct bz_cal_entry *v;
	size_t	 n;
};

int	bz_calendar_file_parse(const char *path, const char *data, size_t len,
	    struct bz_cal_entries *out, struct bz_buf *err);
void	bz_cal_entries_free(struct bz_cal_entries *list);
const char *bz_cal_entry_kind_name(enum bz_cal_entry_kind kind);

#endif
