/*
 * config_keys - the table of every configuration key
 *
 * bz_config_keys[] is made from the rows of include/buzon/config_keys.def
 * (add new keys there), indexed by their identifiers BZ_KEY_<Name>, so the
 * row of a key is bz_config_keys[BZ_KEY_<Name>] without a search. The
 * parser, `buzonctl config --defaults` and the man page
 * buzon-milter.conf(5) all read this table.
 */
#include "build-aux/config.h"

#include <stddef.h>

#include "buzon/config.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/local/share/buzon-milter"
#endif

/* Rows list name, type, default, flags, choices and description in order;
 * integer rows add their range with .min/.max designators. The other rows
 * leave min and max zero on purpose, which -Wextra would flag. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const struct bz_cfg_key bz_config_keys[BZ_CONFIG_NKEYS] = {
#define BZ_KEY(id, ...) [BZ_KEY_##id] = { #id, __VA_ARGS__ },
#include "buzon/config_keys.def"
#undef BZ_KEY
};
#pragma GCC diagnostic pop

const size_t bz_config_nkeys = sizeof(bz_config_keys) / sizeof(bz_config_keys[0]);
