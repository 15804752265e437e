/*
 * ctl_config - buzonctl config: the configuration table and file checks
 *
 *   buzonctl config --defaults [--json]   every key, its type, default, doc
 *   buzonctl config --check [--json]      load -c FILE as buzon-milter -t does
 *   buzonctl config --man                 the KEYS section of buzon-milter.conf(5)
 *
 * --defaults and --man read bz_config_keys[], the same table the daemon
 * parses with; --check is the daemon's own check_config (milter/check.c).
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/config.h"
#include "buzon/json.h"
#include "buzon/log.h"
#include "buzon/receipt.h"
#include "check.h"
#include "buzonctl.h"

/* config_usage - help for this command */
static int
config_usage(FILE *fp, int status)
{
	fprintf(fp, "usage: buzonctl [-c FILE] config --defaults [--json]\n"
	    "       buzonctl [-c FILE] config --check [--json]\n"
	    "       buzonctl config --man\n\n"
	    "  --defaults  list every configuration key with its type, default and meaning\n"
	    "  --check     load FILE exactly as buzon-milter -t does (calendar files,\n"
	    "              trust material, institution key, UserID when root); exit 0\n"
	    "              if it is valid, 1 with \"file:line: key: reason\" if not\n"
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
	ctl_print_json(&out);
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

/*
 * check_file - load exactly as the daemon does (check_config, the code of
 * buzon-milter -t): the file, calendar files, trust material against the
 * pins, institution certificate and key, UserID when root; the same line
 * on success or failure, in text or JSON
 */
static int
check_file(const char *config_path, int json)
{
	struct bz_buf msg = BZ_BUF_INIT, out = BZ_BUF_INIT;
	int status;

	bz_receipt_library_init();
	/* Like -t: the verdict and warnings worth acting on, nothing else. */
	bz_log_set_level(BZ_LOG_WARNING);
	status = check_config(config_path, &msg) == 0 ? CTL_EXIT_OK : CTL_EXIT_NO;
	if (json) {
		struct bz_json j;

		bz_json_init(&j, &out);
		bz_json_object(&j, NULL);
		bz_json_str(&j, "file", config_path);
		bz_json_bool(&j, "valid", status == CTL_EXIT_OK);
		bz_json_str(&j, "error", status == CTL_EXIT_OK ? NULL :
		    bz_buf_str(&msg));
		bz_json_end(&j);
		ctl_print_json(&out);
	} else if (status == CTL_EXIT_OK)
		printf("%s\n", bz_buf_str(&msg));
	else
		fprintf(stderr, "buzonctl: %s\n", bz_buf_str(&msg));
	bz_buf_free(&msg);
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
