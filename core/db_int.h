/*
 * db_int - what the two backends of include/buzon/db.h share
 *
 * core/db.c holds the public functions, which check their arguments and
 * call the backend through struct db_ops; core/db_sqlite.c and
 * core/db_pg.c are the backends. Each keeps its own state behind impl.
 */
#ifndef BUZON_DB_INT_H
#define BUZON_DB_INT_H

#include <stddef.h>
#include <stdint.h>

#include "buzon/buf.h"
#include "buzon/db.h"

struct db_ops;

struct bz_db {
	enum bz_db_kind		 kind;
	const struct db_ops	*ops;
	char			*target;	/* password masked */
	struct bz_buf		 err;		/* the last error */
	int			 transient;	/* the last error may pass */
	int64_t			 changes;
	void			*impl;
};

struct bz_db_stmt {
	struct bz_db		*db;
	void			*impl;
};

struct db_ops {
	void	(*close)(struct bz_db *);
	int	(*exec)(struct bz_db *, const char *);
	int	(*begin_write)(struct bz_db *);
	int	(*begin_read)(struct bz_db *);
	int	(*commit)(struct bz_db *);
	void	(*rollback)(struct bz_db *);
	int	(*in_transaction)(struct bz_db *);
	int	(*user_version)(struct bz_db *);
	int	(*set_user_version)(struct bz_db *, int);
	char	*(*ddl)(const char *);
	void	*(*prepare)(struct bz_db *, const char *);
	void	(*bind_int64)(struct bz_db_stmt *, int, int64_t);
	void	(*bind_text)(struct bz_db_stmt *, int, const char *);
	void	(*bind_blob)(struct bz_db_stmt *, int, const void *, size_t);
	void	(*bind_null)(struct bz_db_stmt *, int);
	int	(*step)(struct bz_db_stmt *);
	int	(*column_count)(struct bz_db_stmt *);
	const char *(*column_name)(struct bz_db_stmt *, int);
	enum bz_db_type (*column_type)(struct bz_db_stmt *, int);
	int64_t	(*column_int64)(struct bz_db_stmt *, int);
	const char *(*column_text)(struct bz_db_stmt *, int);
	const void *(*column_blob)(struct bz_db_stmt *, int);
	size_t	(*column_bytes)(struct bz_db_stmt *, int);
	void	(*finalize)(struct bz_db_stmt *);
};

/* Backend constructors: fill db->impl (and db->err on failure): 0 / -1. */
int	db_sqlite_open(struct bz_db *db, const char *path, int flags);
int	db_pg_open(struct bz_db *db, const char *conninfo, int flags);
extern const struct db_ops db_sqlite_ops;
extern const struct db_ops db_pg_ops;

/* Record the connection's last error (printf-style), and whether a later
 * attempt may succeed. */
void	db_set_error(struct bz_db *db, int transient, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
