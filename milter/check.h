/*
 * check - the configuration exactly as a start of buzon-milter loads it
 *
 * One code path for "buzon-milter -t", "buzonctl config --check" and the
 * daemon's own start-up (milter/check.c), so that a file the check accepts
 * is a file the daemon starts with, and the other way round.
 */
#ifndef BUZON_MILTER_CHECK_H
#define BUZON_MILTER_CHECK_H

#include "buzon/buf.h"
#include "milter.h"

struct bz_config;
struct bz_runtime;

/*
 * Load path and build a whole generation (bz_runtime_load: the file, the
 * calendar files, the trust material against the pins, the institution
 * certificate and key), then, when running as root, resolve UserID into
 * *user (*have_user = 1; 0 when not root). NULL with one line
 * "file:line: key: reason" in err when any of it fails.
 */
struct bz_runtime *check_load(const char *path, struct privdrop_user *user,
	    int *have_user, struct bz_buf *err);
/* Log a warning for each setting that loads but fails open. */
void	check_warn(const struct bz_config *cfg);
/*
 * check_load, then check_warn; 0 with "FILE: configuration OK (calendar
 * VERSION)" appended to msg, or 1 with the error line appended to msg. libxml2 must have
 * been initialised (bz_receipt_library_init).
 */
int	check_config(const char *path, struct bz_buf *msg);

#endif
