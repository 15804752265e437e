/*
 * buzonctl - the operator's command line
 *
 * buzonctl [-c FILE] COMMAND [options], or buzonctl -V. Dispatches to one function per
 * command (milter/ctl_*.c); each command answers --help. The commands reuse
 * the same libbuzon calls as the daemon: whatever the milter decides,
 * buzonctl can recompute and explain.
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/config.h"
#include "buzon/instant.h"
#include "buzon/store.h"
#include "buzon/utf8.h"
#include "buzonctl.h"
#include "version.h"


static const struct {
	const char	*name;
	ctl_command_fn	 fn;
	const char	*summary;
} commands[] = {
	{ "config", ctl_config, "show the defaults or check a configuration file" },
	{ "calendar", ctl_calendar, "working days, legal instants and deadlines" },
	{ "store", ctl_store, "check the event log chain, statistics, the outbox, backup, migrate to PostgreSQL" },
	{ "spool", ctl_spool, "delete received messages no record names (gc)" },
	{ "verify", ctl_verify, "verify a saved message as the milter would, with every reason" },
	{ "cert", ctl_cert, "judge a certificate as the milter judges a signer (e.firma)" },
	{ "receipt", ctl_receipt, "acuses: verify one offline, show, list, resend" },
	{ "registration", ctl_registration, "employers' mailboxes: show, list, expire" },
	{ "notification", ctl_notification, "the Institute's notifications: list, show, tick" },
};

/* ctl_safe - s escaped for a text report, in one of a ring of buffers
 * (they grow as needed and live until exit) */
const char *
ctl_safe(const char *s)
{
	static struct bz_buf ring[CTL_SAFE_SLOTS];
	static unsigned next;
	struct bz_buf *b = &ring[next++ % CTL_SAFE_SLOTS];

	bz_buf_reset(b);
	bz_text_escape(b, s, strlen(s));
	return bz_buf_str(b);
}

/* ctl_instant - ISO-8601 UTC, or NULL for 0 */
const char *
ctl_instant(int64_t t, char *buf)
{
	if (t == 0)
		return NULL;
	bz_instant_format_utc(t, buf);
	return buf;
}

/* ctl_print_json - a finished JSON document on stdout, one line */
void
ctl_print_json(struct bz_buf *out)
{
	bz_buf_putc(out, '\n');
	fputs(bz_buf_str(out), stdout);
	bz_buf_free(out);
}

/* ctl_open_store - the configured database, or why not on stderr */
struct bz_store *
ctl_open_store(const char *config_path, const char *who, int flags,
    struct bz_config **cfgp)
{
	struct bz_config *cfg = ctl_load_config(config_path);
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_store *st;

	if (cfgp != NULL)
		*cfgp = NULL;
	if (cfg == NULL)
		return NULL;
	if ((st = bz_store_open_config(cfg, flags, &err)) == NULL)
		fprintf(stderr, "buzonctl %s: %s\n", who, bz_buf_str(&err));
	bz_buf_free(&err);
	if (cfgp != NULL && st != NULL)
		*cfgp = cfg;
	else
		bz_config_unref(cfg);
	return st;
}

/* usage - the top-level help */
static void
usage(FILE *fp)
{
	fprintf(fp, "usage: buzonctl [-c FILE] COMMAND [options]\n"
	    "       buzonctl -V\n\n"
	    "  -c FILE   configuration file (default %s)\n"
	    "  -V        print the version and the libraries' versions\n\ncommands:\n",
	    BZ_CONFIG_DEFAULT);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(fp, "\nbuzonctl COMMAND --help describes each command.\n");
}

/* ctl_load_config - load a configuration or explain why not */
struct bz_config *
ctl_load_config(const char *config_path)
{
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_config *cfg = bz_config_load(config_path, &err);

	if (cfg == NULL)
		fprintf(stderr, "buzonctl: %s\n", bz_buf_str(&err));
	bz_buf_free(&err);
	return cfg;
}

int
main(int argc, char **argv)
{
	const char *config_path = BZ_CONFIG_DEFAULT;
	int i = 1;

	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			config_path = argv[i + 1];
			i += 2;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return CTL_EXIT_OK;
		} else if (strcmp(argv[i], "-V") == 0) {
			version_print(stdout, "buzonctl");
			return CTL_EXIT_OK;
		} else {
			fprintf(stderr, "buzonctl: unknown option %s\n", argv[i]);
			usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
		if (strcmp(argv[i], commands[c].name) == 0)
			return commands[c].fn(argc - i, argv + i, config_path);
	fprintf(stderr, "buzonctl: unknown command %s\n", argv[i]);
	usage(stderr);
	return CTL_EXIT_USAGE;
}
