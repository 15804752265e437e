/*
 * ctl_config - buzonctl config: the configuration table and file checks
 *
 *   buzonctl config --defaults [--json]   every key, its type, default, doc
 *   buzonctl config --check [--json]      load -c FILE as the daemon would
 *   buzonctl config --man                 the KEYS section of buzon-milter.conf(5)
 *
 * Both read bz_config_keys[], the same table the daemon parses with.
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/config.h"
#include "buzon/json.h"
#include "buzonctl.h"

/* config_usage - help for this command */
static int
config_usage(FILE *fp, int status)
{
	fprintf(fp, "usage: buzonctl [-c FILE] config --defaults [--json]\n"
	    "       buzonctl [-c FILE] config --check [--json]\n"
	    "       buzonctl config --man\n\n"
	    "  --defaults  list every configuration key with its type, default and meaning\n"
	    "  --check     read FILE exactly as buzon-milter does; exit 0 if it is valid,\n"
	    "              1 with \"file:line: key: reason\" if not\n"
	    "  --json      one JSON document on standard output\n"
	    "  --man       the table as roff, for the KEYS section of buzon-milter.conf(5)\n");
	return status;
}

/* has_range - whether the key's row carries a minimum and maximum */
static int
has_range(const struct bz_cfg_key *k)
{
	return k->type == BZ_CFG_INT;
}

/* print_defaults_text - the table as a commented sample configuration */
static void
print_defaults_text(void)
{
	for (size_t i = 0; i < bz_config_nkeys; i++) {
		const struct bz_cfg_key *k = &bz_config_keys[i];

		printf("%s# %s (%s%s%s", i ? "\n" : "", k->name,
		    bz_config_type_name(k->type), k->choices ? ": " : "",
		    k->choices ? k->choices : "");
		if (has_range(k))
			printf(", %lld to %lld", k->min, k->max);
		printf(")%s%s\n",
		    (k->flags & BZ_CFG_REQUIRED) ? ", required" : "",
		    (k->flags & BZ_CFG_MULTI) ? ", repeatable" : "");
		printf("# %s\n", k->description);
		if (k->def != NULL)
			printf("%s %s\n", k->name, k->def);
		else
			printf("#%s\n", k->name);
	}
}

/* print_defaults_json - the table as an array of objects */
static void
print_defaults_json(void)
{
	struct bz_buf out = BZ_BUF_INIT;
	struct bz_json j;

	bz_json_init(&j, &out);
	bz_json_object(&j, NULL);
	bz_json_rows(&j, "keys");
	for (size_t i = 0; i < bz_config_nkeys; i++) {
		const struct bz_cfg_key *k = &bz_config_keys[i];

		bz_json_object(&j, NULL);
		bz_json_str(&j, "name", k->name);
		bz_json_str(&j, "type", bz_config_type_name(k->type));
		bz_json_str(&j, "default", k->def);
		bz_json_str(&j, "choices", k->choices);
		if (has_range(k)) {
			bz_json_int(&j, "min", k->min);
			bz_json_int(&j, "max", k->max);
		} else {
			bz_json_null(&j, "min");
			bz_json_null(&j, "max");
		}
		bz_json_bool(&j, "required", (k->flags & BZ_CFG_REQUIRED) != 0);
		bz_json_bool(&j, "repeatable", (k->flags & BZ_CFG_MULTI) != 0);
		bz_json_str(&j, "description", k->description);
		bz_json_end(&j);
	}
	bz_json_end(&j);
	bz_json_end(&j);
	bz_buf_putc(&out, '\n');
	fputs(bz_buf_str(&out), stdout);
	bz_buf_free(&out);
}

/* roff_text - s escaped for roff: backslashes, and a leading . or ' */
static void
roff_text(const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", stdout);
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '-')
			fputs("\\-", stdout);
		else
			putchar(*s);
	}
}

/* print_defaults_man - the table as roff for buzon-milter.conf(5); the
 * Makefile puts it into the page at build time, so the page cannot drift */
static void
print_defaults_man(void)
{
	for (size_t i = 0; i < bz_config_nkeys; i++) {
		const struct bz_cfg_key *k = &bz_config_keys[i];

		printf(".TP\n.BR ");
		roff_text(k->name);
		printf(" \" (%s", bz_config_type_name(k->type));
		if (k->choices != NULL) {
			printf(": ");
			roff_text(k->choices);
		}
		if (has_range(k))
			printf(", %lld to %lld", k->min, k->max);
		printf("%s%s)\"\n", (k->flags & BZ_CFG_REQUIRED) ? ", required" : "",
		    (k->flags & BZ_CFG_MULTI) ? ", repeatable" : "");
		roff_text(k->description);
		putchar('\n');
		if (k->def != NULL) {
			printf("Default:\n.BR \"");
			roff_text(k->def);
			printf("\" .\n");
		} else
			printf("No default.\n");
	}
}

/* check_file - load like the daemon; report in text or JSON */
static int
check_file(const char *config_path, int json)
{
	struct bz_buf err = BZ_BUF_INIT, out = BZ_BUF_INIT;
	struct bz_config *cfg = bz_config_load(config_path, &err);
	int status = cfg ? CTL_EXIT_OK : CTL_EXIT_NO;

	if (json) {
		struct bz_json j;

		bz_json_init(&j, &out);
		bz_json_object(&j, NULL);
		bz_json_str(&j, "file", config_path);
		bz_json_bool(&j, "valid", cfg != NULL);
		bz_json_str(&j, "error", cfg ? NULL : bz_buf_str(&err));
		bz_json_end(&j);
		bz_buf_putc(&out, '\n');
		fputs(bz_buf_str(&out), stdout);
	} else if (cfg)
		printf("%s: configuration OK\n", config_path);
	else
		fprintf(stderr, "%s\n", bz_buf_str(&err));
	bz_config_unref(cfg);
	bz_buf_free(&err);
	bz_buf_free(&out);
	return status;
}

/* ctl_config - entry point of "buzonctl config" */
int
ctl_config(int argc, char **argv, const char *config_path)
{
	int defaults = 0, check = 0, json = 0, man = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--defaults") == 0)
			defaults = 1;
		else if (strcmp(argv[i], "--check") == 0)
			check = 1;
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--man") == 0)
			man = 1;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return config_usage(stdout, CTL_EXIT_OK);
		else {
			fprintf(stderr, "buzonctl config: unknown option %s\n", argv[i]);
			return config_usage(stderr, CTL_EXIT_USAGE);
		}
	}
	if (man) {
		if (defaults || check || json)
			return config_usage(stderr, CTL_EXIT_USAGE);
		print_defaults_man();
		return CTL_EXIT_OK;
	}
	if (defaults == check)
		return config_usage(stderr, CTL_EXIT_USAGE);
	if (check)
		return check_file(config_path, json);
	if (json)
		print_defaults_json();
	else
		print_defaults_text();
	return CTL_EXIT_OK;
}
