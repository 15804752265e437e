/*
 * config - the configuration file, driven by one table of keys
 *
 * The table bz_config_keys[] (rows in include/buzon/config_keys.def) is
 * the single source of truth: it drives parsing of /etc/buzon-milter.conf (OpenDKIM style "Key
 * value" lines, "#" comments), type checking, `buzonctl config --defaults`
 * and the KEYS section of buzon-milter.conf(5).
 *
 * A loaded configuration is an immutable, reference-counted generation:
 * a reload builds a new one and swaps it in; every connection keeps a
 * reference to the generation it started with.
 *
 * Code names a key by its identifier BZ_KEY_<Name> (bz_config_str(cfg,
 * BZ_KEY_SpoolDirectory)), made from the same rows: a key that is not in
 * the table does not compile. Names as text (the file, buzonctl's
 * arguments) go through bz_config_key_find().
 *
 * Failure: bz_config_load() returns NULL and writes one line
 * "file:line: Key: reason" into err. Accessors called with an identifier
 * out of range are a programmer error (bz_panic).
 */
#ifndef BUZON_CONFIG_H
#define BUZON_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "buzon/buf.h"

enum bz_cfg_type {
	BZ_CFG_STRING,		/* free text */
	BZ_CFG_PATH,		/* absolute file or directory path */
	BZ_CFG_BOOL,		/* yes|no|true|false|on|off|1|0 */
	BZ_CFG_INT,		/* decimal integer within [min, max] of its row */
	BZ_CFG_SIZE,		/* bytes; optional suffix K, M or G (powers of 1024) */
	BZ_CFG_OCTAL,		/* octal number, e.g. a umask 007 */
	BZ_CFG_ENUM,		/* one of the choices "a|b|c" */
	BZ_CFG_SOCKET,		/* unix:/path, local:/path, inet:port@host, inet6:port@host */
	BZ_CFG_ADDRESS,		/* an e-mail address local@domain */
	BZ_CFG_INSTANT,		/* ISO-8601 instant with Z or offset */
	BZ_CFG_HHMM,		/* HH:MM, 00:00..23:59 */
	BZ_CFG_URL,		/* http:// or https:// URL */
	BZ_CFG_ARGV,		/* a command and its arguments, split on blanks */
	BZ_CFG_DELIMITERS,	/* address extension delimiters, e.g. "+" or "+-" */
	BZ_CFG_DATABASE,	/* an absolute SQLite file name or a postgresql:// URI */
};

/* The file read without -c, for the daemon and buzonctl (SYSCONFDIR: Makefile.am). */
#define BZ_CONFIG_DEFAULT	SYSCONFDIR "/buzon-milter.conf"

#define BZ_CFG_REQUIRED	0x01	/* start-up refused when absent */
#define BZ_CFG_MULTI	0x02	/* may be repeated; values kept in order */
#define BZ_CFG_EMPTY	0x04	/* the key without a value means "none" */

struct bz_cfg_key {
	const char	*name;
	enum bz_cfg_type type;
	const char	*def;		/* default as text, NULL for none */
	unsigned	 flags;
	const char	*choices;	/* BZ_CFG_ENUM: "a|b|c" */
	const char	*description;
	/* BZ_CFG_INT: the accepted range, inclusive. Every integer key has
	 * one, at most INT_MAX, so callers may cast the value to int. */
	long long	 min;
	long long	 max;
};

/* One identifier per row, in table order: BZ_KEY_Socket, BZ_KEY_UserID... */
enum bz_cfg_id {
#define BZ_KEY(id, ...) BZ_KEY_##id,
#include "buzon/config_keys.def"
#undef BZ_KEY
	BZ_CONFIG_NKEYS
};

extern const struct bz_cfg_key bz_config_keys[BZ_CONFIG_NKEYS];
extern const size_t bz_config_nkeys;	/* = BZ_CONFIG_NKEYS */

struct bz_config;

struct bz_config *bz_config_load(const char *path, struct bz_buf *err);
struct bz_config *bz_config_ref(struct bz_config *cfg);
void	bz_config_unref(struct bz_config *cfg);
const char *bz_config_path(const struct bz_config *cfg);
uint64_t bz_config_generation(const struct bz_config *cfg);

/* First value, else the default, else NULL. */
const char *bz_config_str(const struct bz_config *cfg, enum bz_cfg_id key);
/* BOOL, INT, SIZE, OCTAL values as numbers (0 when unset, no default). */
long long bz_config_num(const struct bz_config *cfg, enum bz_cfg_id key);
int	bz_config_bool(const struct bz_config *cfg, enum bz_cfg_id key);
/* All values of a key (the default counts as one value when none given). */
size_t	bz_config_count(const struct bz_config *cfg, enum bz_cfg_id key);
const char *bz_config_nth(const struct bz_config *cfg, enum bz_cfg_id key, size_t i);
/* The instant to treat as "now": TestClock under TestMode yes, else now. */
int64_t	bz_config_now(const struct bz_config *cfg, int64_t now);
/* Line where the key was set, 0 when it comes from the default. */
unsigned bz_config_line(const struct bz_config *cfg, enum bz_cfg_id key);

const struct bz_cfg_key *bz_config_key_find(const char *name);
const char *bz_config_type_name(enum bz_cfg_type type);
/* Check one value against its key's type (and range); NULL when fine, else
 * a reason, valid until the thread's next call. */
const char *bz_config_check_value(const struct bz_cfg_key *key, const char *value,
	    long long *num);
/* Split a BZ_CFG_ARGV value; returns a NULL-terminated xmalloc'ed vector. */
char	**bz_config_argv(const char *value);
void	bz_config_argv_free(char **argv);

#endif
