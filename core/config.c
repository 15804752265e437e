/*
 * config - the configuration file, driven by one table of keys
 *
 * See include/buzon/config.h. The file is read with getline() (no line
 * length limit), each line is "Key value" with "#" starting a comment at
 * the beginning of a line or after a blank. Keys match case-insensitively
 * (OpenDKIM does the same). Every value is checked against its type when
 * read, so a loaded configuration never holds a value that does not parse.
 */
#include "build-aux/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buzon/address.h"
#include "buzon/config.h"
#include "buzon/instant.h"
#include "buzon/log.h"
#include "buzon/receipt_pdf.h"
#include "buzon/xalloc.h"

struct cfg_value {
	char		**items;	/* values as written, in order */
	long long	*nums;		/* parsed numbers, parallel to items */
	size_t		 n;
	unsigned	 line;		/* first line that set the key */
};

struct bz_config {
	atomic_uint	 refs;
	uint64_t	 generation;
	char		*path;
	struct cfg_value *values;	/* one per bz_config_keys[] row */
};

static atomic_uint_fast64_t next_generation = 1;

/* bz_config_key_find - table row for a key name, NULL if unknown */
const struct bz_cfg_key *
bz_config_key_find(const char *name)
{
	for (size_t i = 0; i < bz_config_nkeys; i++)
		if (strcasecmp(bz_config_keys[i].name, name) == 0)
			return &bz_config_keys[i];
	return NULL;
}

/* bz_config_type_name - human name of a type for docs and errors */
const char *
bz_config_type_name(enum bz_cfg_type type)
{
	switch (type) {
	case BZ_CFG_STRING:	return "string";
	case BZ_CFG_PATH:	return "path";
	case BZ_CFG_BOOL:	return "boolean";
	case BZ_CFG_INT:	return "integer";
	case BZ_CFG_SIZE:	return "size";
	case BZ_CFG_OCTAL:	return "octal";
	case BZ_CFG_ENUM:	return "choice";
	case BZ_CFG_SOCKET:	return "socket";
	case BZ_CFG_ADDRESS:	return "address";
	case BZ_CFG_INSTANT:	return "instant";
	case BZ_CFG_HHMM:	return "time";
	case BZ_CFG_URL:	return "url";
	case BZ_CFG_ARGV:	return "command";
	case BZ_CFG_DELIMITERS:	return "characters";
	case BZ_CFG_DATABASE:	return "database";
	}
	return "?";
}

/* parse_uint - decimal digits only, no sign, overflow-checked */
static int
parse_uint(const char *s, size_t len, long long *out)
{
	long long v = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		if (v > (LLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* range_reason - "out of range: must be MIN to MAX" for the key */
static const char *
range_reason(const struct bz_cfg_key *key)
{
	/* Reasons are returned as const char * and printed by the caller
	 * right away; per thread, so a reload in the signal thread and
	 * buzonctl never share it. Fixed size: two numbers, no mail data. */
	static _Thread_local char text[96];

	snprintf(text, sizeof(text), "out of range: must be %lld to %lld",
	    key->min, key->max);
	return text;
}

/* check_bool - the accepted spellings of true and false */
static const char *
check_bool(const char *v, long long *num)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*num = 1;
			return NULL;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*num = 0;
			return NULL;
		}
	}
	return "expected yes or no";
}

/* check_size - bytes with an optional K/M/G suffix */
static const char *
check_size(const char *v, long long *num)
{
	size_t len = strlen(v);
	long long mult = 1;

	if (len > 0) {
		switch (toupper((unsigned char)v[len - 1])) {
		case 'K': mult = 1LL << 10; len--; break;
		case 'M': mult = 1LL << 20; len--; break;
		case 'G': mult = 1LL << 30; len--; break;
		}
	}
	if (parse_uint(v, len, num) || *num > LLONG_MAX / mult)
		return "expected a size in bytes, optionally with K, M or G";
	*num *= mult;
	return NULL;
}

/* check_int - decimal digits within the key's [min, max] */
static const char *
check_int(const struct bz_cfg_key *key, const char *v, long long *num)
{
	size_t len = strlen(v);

	/* All digits but no long long: too large, which is a range error
	 * like any other (not "not a number"). */
	if (strspn(v, "0123456789") != len)
		return "expected a non-negative integer";
	if (parse_uint(v, len, num) != 0 || *num < key->min || *num > key->max)
		return range_reason(key);
	return NULL;
}

/* check_enum - value must be one of "a|b|c" */
static const char *
check_enum(const char *choices, const char *v, long long *num)
{
	const char *p = choices;
	long long idx = 0;

	while (*p) {
		size_t n = strcspn(p, "|");

		if (strlen(v) == n && strncasecmp(p, v, n) == 0) {
			*num = idx;
			return NULL;
		}
		p += n;
		if (*p == '|')
			p++;
		idx++;
	}
	return "not one of the allowed values";
}

/* check_socket - the libmilter socket forms we support */
static const char *
check_socket(const char *v)
{
	const char *at;
	long long port;

	if (strncmp(v, "unix:", 5) == 0 || strncmp(v, "local:", 6) == 0) {
		const char *path = strchr(v, ':') + 1;

		return path[0] == '/' ? NULL : "unix socket path must be absolute";
	}
	if (strncmp(v, "inet:", 5) == 0 || strncmp(v, "inet6:", 6) == 0) {
		const char *p = strchr(v, ':') + 1;

		at = strchr(p, '@');
		if (parse_uint(p, at ? (size_t)(at - p) : strlen(p), &port) ||
		    port < 1 || port > 65535)
			return "expected inet:port@host with a port 1-65535";
		if (at != NULL && at[1] == '\0')
			return "empty host after @";
		return NULL;
	}
	return "expected unix:/path, inet:port@host or inet6:port@host";
}

/* check_address - one plain local@domain, no brackets, no blanks */
static const char *
check_address(const char *v)
{
	const char *at = strchr(v, '@');

	if (at == NULL || at == v || at[1] == '\0' || strchr(at + 1, '@'))
		return "expected an address local@domain";
	for (const char *p = v; *p; p++)
		if (isspace((unsigned char)*p) || *p == '<' || *p == '>' ||
		    *p == ',' || (unsigned char)*p < 0x20)
			return "expected a bare address local@domain";
	/* The acuse goes out From this address, and receipt refuses to
	 * render one from anything less plain: every valid submission would
	 * be deferred (451 BZ-STORE). Say so at start-up instead. */
	if (!bz_address_plain(v))
		return "expected a plain address local@domain (dot-atom local part, "
		    "host name of letters, digits, hyphens and dots)";
	return NULL;
}

/* check_delimiters - characters that may separate a local part from its
 * extension: the punctuation of an RFC 5322 dot-atom (what Postfix's
 * recipient_delimiter is in practice); letters, digits, blanks, "@" and
 * quoting characters would split addresses no MTA splits */
static const char *
check_delimiters(const char *v)
{
	for (const char *p = v; *p; p++)
		if (strchr("!#$%&'*+-/=?^_`{|}~.", *p) == NULL)
			return "expected delimiter characters such as + or +- "
			    "(punctuation of an address local part)";
	return NULL;
}

/* check_hhmm - HH:MM on a 24-hour clock */
static const char *
check_hhmm(const char *v, long long *num)
{
	long long h, m;

	if (strlen(v) != 5 || v[2] != ':' || parse_uint(v, 2, &h) ||
	    parse_uint(v + 3, 2, &m) || h > 23 || m > 59)
		return "expected HH:MM between 00:00 and 23:59";
	*num = h * 60 + m;
	return NULL;
}

/* bz_config_check_value - type check one value; NULL when it is fine */
const char *
bz_config_check_value(const struct bz_cfg_key *key, const char *v, long long *num)
{
	long long dummy;
	int64_t t;

	if (num == NULL)
		num = &dummy;
	*num = 0;
	if (*v == '\0')
		return (key->flags & BZ_CFG_EMPTY) ? NULL : "missing value";
	switch (key->type) {
	case BZ_CFG_STRING:
		return NULL;
	case BZ_CFG_PATH:
		return v[0] == '/' ? NULL : "path must be absolute";
	case BZ_CFG_DATABASE:
		if (strncmp(v, "postgresql://", 13) == 0 || strncmp(v, "postgres://", 11) == 0)
			return NULL;
		return v[0] == '/' ? NULL : "expected an absolute SQLite file name or "
		    "a postgresql:// URI";
	case BZ_CFG_BOOL:
		return check_bool(v, num);
	case BZ_CFG_INT:
		return check_int(key, v, num);
	case BZ_CFG_SIZE:
		return check_size(v, num);
	case BZ_CFG_OCTAL: {
		char *end;

		errno = 0;
		*num = strtoll(v, &end, 8);
		if (errno || *end || *num < 0 || *num > 07777 || v[0] == '-')
			return "expected an octal mode such as 007";
		return NULL;
	}
	case BZ_CFG_ENUM:
		return check_enum(key->choices, v, num);
	case BZ_CFG_SOCKET:
		return check_socket(v);
	case BZ_CFG_ADDRESS:
		return check_address(v);
	case BZ_CFG_INSTANT:
		if (bz_instant_parse(v, &t))
			return "expected an ISO-8601 instant like 2026-05-04T10:00:00Z";
		*num = t;
		return NULL;
	case BZ_CFG_HHMM:
		return check_hhmm(v, num);
	case BZ_CFG_URL:
		return strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0 ?
		    NULL : "expected an http:// or https:// URL";
	case BZ_CFG_ARGV:
		return v[0] == '/' ? NULL : "the command must be an absolute path";
	case BZ_CFG_DELIMITERS:
		return check_delimiters(v);
	}
	bz_panic("config: key %s has unknown type %d", key->name, (int)key->type);
}

/* value_add - remember one checked value */
static void
value_add(struct cfg_value *val, const char *text, long long num, unsigned line)
{
	val->items = xrealloc(val->items, (val->n + 1) * sizeof(*val->items));
	val->nums = xrealloc(val->nums, (val->n + 1) * sizeof(*val->nums));
	val->items[val->n] = xstrdup(text);
	val->nums[val->n] = num;
	if (val->n == 0)
		val->line = line;
	val->n++;
}

/* config_free - release a generation */
static void
config_free(struct bz_config *cfg)
{
	for (size_t i = 0; i < bz_config_nkeys; i++) {
		for (size_t j = 0; j < cfg->values[i].n; j++)
			free(cfg->values[i].items[j]);
		free(cfg->values[i].items);
		free(cfg->values[i].nums);
	}
	free(cfg->values);
	free(cfg->path);
	free(cfg);
}

/* strip_comment - cut at "#" at line start or after a blank, trim both ends */
static char *
strip_comment(char *line)
{
	char *p, *end;

	for (p = line; *p; p++)
		if (*p == '#' && (p == line || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			break;
		}
	while (isspace((unsigned char)*line))
		line++;
	end = line + strlen(line);
	while (end > line && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return line;
}

/* parse_line - one non-empty line; returns a reason or NULL */
static const char *
parse_line(struct bz_config *cfg, char *line, unsigned lineno, const char **keyname,
    struct bz_buf *why)
{
	const struct bz_cfg_key *key;
	struct cfg_value *val;
	const char *reason;
	char *value;
	long long num;

	value = line + strcspn(line, " \t");
	if (*value) {
		*value++ = '\0';
		while (isspace((unsigned char)*value))
			value++;
	}
	*keyname = line;
	key = bz_config_key_find(line);
	if (key == NULL)
		return "unknown key";
	*keyname = key->name;
	val = &cfg->values[key - bz_config_keys];
	if (val->n > 0 && !(key->flags & BZ_CFG_MULTI)) {
		bz_buf_printf(why, "given twice (first at line %u)", val->line);
		return bz_buf_str(why);
	}
	reason = bz_config_check_value(key, value, &num);
	if (reason != NULL)
		return reason;
	value_add(val, value, num, lineno);
	return NULL;
}

/* cross_check - rules that involve more than one key, and the VerifyURL
 * template (its rule lives with the QR payload, core/receipt_qr.c) */
static const char *
cross_check(struct bz_config *cfg, const char **keyname, unsigned *line)
{
	if (cfg->values[BZ_KEY_TestClock].n > 0 &&
	    !bz_config_bool(cfg, BZ_KEY_TestMode)) {
		*keyname = bz_config_keys[BZ_KEY_TestClock].name;
		*line = bz_config_line(cfg, BZ_KEY_TestClock);
		return "allowed only with TestMode yes";
	}
	if (cfg->values[BZ_KEY_VerifyURL].n > 0) {
		const char *why = bz_verify_url_check(bz_config_str(cfg, BZ_KEY_VerifyURL));

		if (why != NULL) {
			*keyname = bz_config_keys[BZ_KEY_VerifyURL].name;
			*line = bz_config_line(cfg, BZ_KEY_VerifyURL);
			return why;
		}
	}
	return NULL;
}

/* bz_config_load - read, check and return a new generation */
struct bz_config *
bz_config_load(const char *path, struct bz_buf *err)
{
	struct bz_config *cfg;
	struct bz_buf why = BZ_BUF_INIT;
	const char *reason = NULL, *keyname = NULL;
	unsigned lineno = 0, badline = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	FILE *fp;

	fp = fopen(path, "r");
	if (fp == NULL) {
		bz_buf_printf(err, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	cfg = xcalloc(1, sizeof(*cfg));
	cfg->values = xcalloc(bz_config_nkeys, sizeof(*cfg->values));
	cfg->path = xstrdup(path);
	atomic_init(&cfg->refs, 1);

	while (reason == NULL && (got = getline(&line, &cap, fp)) != -1) {
		char *text;

		lineno++;
		if (strlen(line) != (size_t)got) {
			keyname = "(line)";
			reason = "contains a NUL byte";
			badline = lineno;
			break;
		}
		text = strip_comment(line);
		if (*text == '\0')
			continue;
		reason = parse_line(cfg, text, lineno, &keyname, &why);
		badline = lineno;
	}
	if (reason == NULL && ferror(fp)) {
		bz_buf_printf(err, "%s: read error: %s", path, strerror(errno));
		free(line);
		fclose(fp);
		config_free(cfg);
		return NULL;
	}
	fclose(fp);

	for (size_t i = 0; reason == NULL && i < bz_config_nkeys; i++)
		if ((bz_config_keys[i].flags & BZ_CFG_REQUIRED) && cfg->values[i].n == 0) {
			keyname = bz_config_keys[i].name;
			reason = "required key is missing";
			badline = lineno;
		}
	if (reason == NULL)
		reason = cross_check(cfg, &keyname, &badline);
	if (reason != NULL) {
		/* keyname may point into line: format before freeing it */
		bz_buf_printf(err, "%s:%u: %s: %s", path, badline, keyname, reason);
		free(line);
		bz_buf_free(&why);
		config_free(cfg);
		return NULL;
	}
	free(line);
	bz_buf_free(&why);
	cfg->generation = atomic_fetch_add(&next_generation, 1);
	return cfg;
}

/* bz_config_ref - take a reference */
struct bz_config *
bz_config_ref(struct bz_config *cfg)
{
	atomic_fetch_add(&cfg->refs, 1);
	return cfg;
}

/* bz_config_unref - drop a reference; the last one frees */
void
bz_config_unref(struct bz_config *cfg)
{
	if (cfg != NULL && atomic_fetch_sub(&cfg->refs, 1) == 1)
		config_free(cfg);
}

/* bz_config_path - the file this generation was read from */
const char *
bz_config_path(const struct bz_config *cfg)
{
	return cfg->path;
}

/* bz_config_generation - increasing number identifying this load */
uint64_t
bz_config_generation(const struct bz_config *cfg)
{
	return cfg->generation;
}

/* lookup - the key row and stored values, panicking on a bad identifier */
static const struct cfg_value *
lookup(const struct bz_config *cfg, enum bz_cfg_id id, const struct bz_cfg_key **keyp)
{
	if ((unsigned)id >= BZ_CONFIG_NKEYS)
		bz_panic("config: no key number %d in the table", (int)id);
	*keyp = &bz_config_keys[id];
	return &cfg->values[id];
}

/* bz_config_str - first value, else the default, else NULL */
const char *
bz_config_str(const struct bz_config *cfg, enum bz_cfg_id id)
{
	const struct bz_cfg_key *key;
	const struct cfg_value *val = lookup(cfg, id, &key);

	return val->n ? val->items[0] : key->def;
}

/* bz_config_num - numeric value of BOOL/INT/SIZE/OCTAL/ENUM/HHMM/INSTANT keys */
long long
bz_config_num(const struct bz_config *cfg, enum bz_cfg_id id)
{
	const struct bz_cfg_key *key;
	const struct cfg_value *val = lookup(cfg, id, &key);
	long long num = 0;

	if (val->n)
		return val->nums[0];
	if (key->def != NULL && bz_config_check_value(key, key->def, &num) != NULL)
		bz_panic("config: default of %s does not parse", key->name);
	return num;
}

/* bz_config_bool - boolean value */
int
bz_config_bool(const struct bz_config *cfg, enum bz_cfg_id id)
{
	return bz_config_num(cfg, id) != 0;
}

/* bz_config_count - how many values (a default counts as one) */
size_t
bz_config_count(const struct bz_config *cfg, enum bz_cfg_id id)
{
	const struct bz_cfg_key *key;
	const struct cfg_value *val = lookup(cfg, id, &key);

	return val->n ? val->n : key->def != NULL;
}

/* bz_config_nth - the i-th value (0-based), NULL past the end */
const char *
bz_config_nth(const struct bz_config *cfg, enum bz_cfg_id id, size_t i)
{
	const struct bz_cfg_key *key;
	const struct cfg_value *val = lookup(cfg, id, &key);

	if (val->n)
		return i < val->n ? val->items[i] : NULL;
	return i == 0 ? key->def : NULL;
}

/* bz_config_now - TestClock (parsed at load) under TestMode, else now */
int64_t
bz_config_now(const struct bz_config *cfg, int64_t now)
{
	if (bz_config_bool(cfg, BZ_KEY_TestMode) && bz_config_str(cfg, BZ_KEY_TestClock) != NULL)
		return bz_config_num(cfg, BZ_KEY_TestClock);
	return now;
}

/* bz_config_line - line that set the key, 0 for a default */
unsigned
bz_config_line(const struct bz_config *cfg, enum bz_cfg_id id)
{
	const struct bz_cfg_key *key;

	return lookup(cfg, id, &key)->line;
}

/* bz_config_argv - split a command value on blanks */
char **
bz_config_argv(const char *value)
{
	char **argv = xcalloc(1, sizeof(*argv));
	size_t n = 0;
	const char *p = value;

	for (;;) {
		size_t len;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		len = strcspn(p, " \t");
		argv = xrealloc(argv, (n + 2) * sizeof(*argv));
		argv[n++] = xstrndup(p, len);
		argv[n] = NULL;
		p += len;
	}
	return argv;
}

/* bz_config_argv_free - release a vector from bz_config_argv */
void
bz_config_argv_free(char **argv)
{
	if (argv == NULL)
		return;
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
}
