/*
 * fuzz_calendar - libFuzzer target over the calendar file parser
 *
 * Each input is one CalendarFile, parsed by bz_calendar_file_parse() as
 * the daemon, `buzonctl calendar` and `buzonctl receipt verify` do: line
 * splitting, dates and ranges (open-ended "DATE.."), the entry kinds,
 * descriptions and sources. Entries must come back well formed (a first
 * day not after the last); any crash, leak or sanitizer report is a
 * finding.
 *
 * Build and run: tests/fuzz/run-fuzz.sh SECONDS WORKDIR calendar
 */
#include "build-aux/config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "buzon/buf.h"
#include "buzon/calendar_file.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - one calendar file */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bz_cal_entries list = { NULL, 0 };
	struct bz_buf err = BZ_BUF_INIT;

	if (bz_calendar_file_parse("fuzz.cal", (const char *)data, size, &list,
	    &err) == 0) {
		for (size_t i = 0; i < list.n; i++)
			if (list.v[i].first > list.v[i].last ||
			    bz_cal_entry_kind_name(list.v[i].kind) == NULL)
				abort();
	} else if (err.len == 0)
		abort();	/* a refused file always says why */
	bz_cal_entries_free(&list);
	bz_buf_free(&err);
	return 0;
}
