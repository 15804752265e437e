/*
 * db_pg - the PostgreSQL backend of include/buzon/db.h (libpq)
 *
 * Placeholder while the backend is written: opening fails.
 */
#include "build-aux/config.h"

#include "buzon/db.h"
#include "db_int.h"

int
db_pg_open(struct bz_db *db, const char *conninfo, int flags)
{
	(void)conninfo;
	(void)flags;
	db_set_error(db, 0, "PostgreSQL support is not built yet");
	return -1;
}

const struct db_ops db_pg_ops;
