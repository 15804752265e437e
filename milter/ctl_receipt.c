/*
 * ctl_receipt - buzonctl receipt: acuses, offline and in the store
 *
 *   buzonctl [-c FILE] receipt verify [--ca FILE] [--schema FILE]
 *       [--calendar FILE]... [--basis lft|lft+cff] [--first-hour HH:MM]
 *       [--at INSTANT] [--json] ACUSE.eml
 *   buzonctl [-c FILE] receipt show FOLIO [--json]
 *   buzonctl [-c FILE] receipt list [--rfc RFC] [--since DATE] [--json]
 *   buzonctl [-c FILE] receipt resend FOLIO
 *
 * verify runs four checks, each reported on its own line (or JSON member):
 *   smime     S/MIME signature of the mail against the institution CA
 *   schema    the XML attachment against acuse-v1.xsd
 *   sello     the sello over the cadena original recomputed from the XML
 *   calendar  the legal instant recomputed with the calendar the acuse
 *             names (the version must be the one loaded here)
 * Exit 0 only when all four pass; 1 when any fails or cannot be decided;
 * 2 on bad usage or an unreadable file. Settings come from the options,
 * else from the configuration file (InstitutionCA, AcuseSchema,
 * CalendarFile, LegalBasis, SubmissionFirstHour), read only when some
 * setting is missing: a third party needs no configuration, only --ca
 * (and --calendar for a calendar with institution files).
 *
 * show, list and resend read the store (ctl_receipt_store.c).
 */
#include "build-aux/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/calendar.h"
#include "buzon/config.h"
#include "buzon/instant.h"
#include "buzon/receipt.h"
#include "buzon/xalloc.h"
#include "buzonctl.h"
#include "ctl_receipt.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/local/share/buzon-milter"
#endif

struct verify_opts {
	const char	*ca;
	const char	*schema;
	const char	**cal_files;
	size_t		 n_cal_files;
	const char	*basis;
	const char	*first_hour;
	const char	*at;
	const char	*file;
	int		 json;
};

/* receipt_usage - help for this command */
static int
receipt_usage(FILE *fp, int status)
{
	fprintf(fp, "usage: buzonctl [-c FILE] receipt verify [--ca FILE] [--schema FILE]\n"
	    "           [--calendar FILE]... [--basis lft|lft+cff] [--first-hour HH:MM]\n"
	    "           [--at INSTANT] [--json] ACUSE.eml\n"
	    "       buzonctl [-c FILE] receipt show FOLIO [--json]\n"
	    "       buzonctl [-c FILE] receipt list [--rfc RFC] [--since DATE] [--json]\n"
	    "       buzonctl [-c FILE] receipt resend FOLIO\n\n"
	    "verify checks an acuse mail offline and prints the result of each check:\n"
	    "  smime     the S/MIME signature, against the institution CA (--ca, else\n"
	    "            InstitutionCA of the configuration)\n"
	    "  schema    the XML attachment against the schema (--schema, else AcuseSchema,\n"
	    "            default %s/acuse-v1.xsd)\n"
	    "  sello     the sello over the cadena original recomputed from the XML\n"
	    "  calendar  the legal instant recomputed with the calendar version the acuse\n"
	    "            names (--calendar FILE, repeatable, else CalendarFile)\n"
	    "  --at      check certificates at this instant instead of now\n"
	    "  Exit 0 only when every check passes, 1 otherwise.\n"
	    "show prints the acuse of a folio from the database (the Spanish text, or\n"
	    "  the record as JSON) and whether it was sent.\n"
	    "list lists the filings and the state of their acuse (--rfc: of one signer\n"
	    "  RFC, --since: arrived on or after DATE, a local date YYYY-MM-DD).\n"
	    "resend queues the acuse of a folio again (same sello) to its sender.\n"
	    "  --json    one JSON document on standard output\n"
	    "Bad usage exits 2.\n",
	    PKGDATADIR);
	return status;
}

/* read_all - a whole file into a buffer */
static int
read_all(const char *path, struct bz_buf *out)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char chunk[8192];
	size_t n;

	if (fp == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		bz_buf_append(out, chunk, n);
	if (ferror(fp)) {
		if (fp != stdin)
			fclose(fp);
		return -1;
	}
	if (fp != stdin)
		fclose(fp);
	return 0;
}

/* format_local - an instant on the calendar's clock, ISO with offset */
static void
format_local(const struct bz_calendar *cal, int64_t utc, char out[BZ_INSTANT_UTC_LEN])
{
	struct bz_local_time lt;

	bz_tz_to_local(bz_calendar_zone(cal), utc, &lt);
	bz_instant_format_offset(utc, lt.utc_offset, out);
}

/* same - two record strings equal (NULL counts as empty) */
static int
same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* legal_check - recompute the legal instant of the record with our calendar */
static enum bz_check
legal_check(const struct bz_receipt *r, void *arg, struct bz_buf *d)
{
	const struct bz_calendar *cal = arg;
	struct bz_legal_instant li;
	char utc[BZ_INSTANT_UTC_LEN], local[BZ_INSTANT_UTC_LEN], alocal[BZ_INSTANT_UTC_LEN];
	int64_t arrival;
	int rc;

	if (!same(r->calendar_version, bz_calendar_version(cal))) {
		bz_buf_printf(d, "the acuse names calendar %s but the calendar loaded here is %s: "
		    "give its files with --calendar", r->calendar_version ? r->calendar_version : "(none)",
		    bz_calendar_version(cal));
		return BZ_CHECK_UNKNOWN;
	}
	if (r->arrival_utc == NULL || bz_instant_parse(r->arrival_utc, &arrival) != 0) {
		bz_buf_puts(d, "the acuse has no valid arrival instant");
		return BZ_CHECK_FAIL;
	}
	if (same(r->event, BZ_RECEIPT_EVENT_SUBMISSION))
		rc = bz_calendar_submission(cal, arrival, &li);
	else if (same(r->event, "notificacion"))
		rc = bz_calendar_notification(cal, arrival, &li);
	else {
		bz_buf_printf(d, "unknown event type %s", r->event ? r->event : "(none)");
		return BZ_CHECK_FAIL;
	}
	if (rc != 0) {
		bz_buf_puts(d, "no working day within the calendar's horizon");
		return BZ_CHECK_FAIL;
	}
	bz_instant_format_utc(li.utc, utc);
	format_local(cal, li.utc, local);
	format_local(cal, arrival, alocal);
	if (!same(r->arrival_local, alocal)) {
		bz_buf_printf(d, "arrival %s is %s local, the acuse says %s", r->arrival_utc,
		    alocal, r->arrival_local ? r->arrival_local : "(none)");
		return BZ_CHECK_FAIL;
	}
	if (!same(r->legal_utc, utc) || !same(r->legal_local, local) ||
	    !same(r->legal_rule, li.rule)) {
		bz_buf_printf(d, "recomputed legal instant %s (%s, rule %s) differs from the "
		    "acuse's %s (%s, rule %s)", utc, local, li.rule,
		    r->legal_utc ? r->legal_utc : "(none)",
		    r->legal_local ? r->legal_local : "(none)",
		    r->legal_rule ? r->legal_rule : "(none)");
		return BZ_CHECK_FAIL;
	}
	bz_buf_printf(d, "legal instant %s (rule %s) recomputed with calendar %s", local,
	    li.rule, li.version);
	return BZ_CHECK_PASS;
}

/* load_calendar - from the options, else the configuration's keys */
static struct bz_calendar *
load_calendar(const struct verify_opts *o, const struct bz_config *cfg, struct bz_buf *err)
{
	enum bz_legal_basis basis = BZ_BASIS_LFT;
	const char *b = o->basis, *fh = o->first_hour;
	const char **files = o->cal_files;
	size_t nfiles = o->n_cal_files;
	int first = 0;
	struct bz_calendar *cal;

	if (cfg != NULL && b == NULL)
		b = bz_config_str(cfg, "LegalBasis");
	if (cfg != NULL && fh == NULL)
		fh = bz_config_str(cfg, "SubmissionFirstHour");
	if (b != NULL && strcmp(b, "lft+cff") == 0)
		basis = BZ_BASIS_LFT_CFF;
	else if (b != NULL && strcmp(b, "lft") != 0) {
		bz_buf_printf(err, "unknown legal basis %s", b);
		return NULL;
	}
	if (fh != NULL) {
		if (strlen(fh) != 5 || fh[2] != ':' || fh[0] < '0' || fh[0] > '2' ||
		    fh[1] < '0' || fh[1] > '9' || fh[3] < '0' || fh[3] > '5' ||
		    fh[4] < '0' || fh[4] > '9') {
			bz_buf_printf(err, "bad --first-hour %s", fh);
			return NULL;
		}
		first = ((fh[0] - '0') * 10 + fh[1] - '0') * 60 + (fh[3] - '0') * 10 + fh[4] - '0';
		if (first >= 24 * 60) {
			bz_buf_printf(err, "bad --first-hour %s", fh);
			return NULL;
		}
	}
	if (nfiles == 0 && cfg != NULL) {
		nfiles = bz_config_count(cfg, "CalendarFile");
		files = xcalloc(nfiles + 1, sizeof(*files));
		for (size_t i = 0; i < nfiles; i++)
			files[i] = bz_config_nth(cfg, "CalendarFile", i);
		if (nfiles == 1 && files[0] == NULL)
			nfiles = 0;
	}
	cal = bz_calendar_load(files, nfiles, basis, first, err);
	if (files != o->cal_files)
		free(files);
	return cal;
}

/* print_text - one line per check; text from the mail is normalised so
 * it cannot drive the operator's terminal */
static void
print_text(const char *file, const struct bz_receipt_verify_result *res, int ok)
{
	struct bz_buf v = BZ_BUF_INIT;

	bz_receipt_normalize(&v, res->have_record && res->record.folio ?
	    res->record.folio : "(unreadable)");
	printf("%s: folio %s\n", file, v.data);
	for (int i = 0; i < BZ_RECEIPT_NCHECKS; i++) {
		bz_buf_reset(&v);
		bz_receipt_normalize(&v, bz_buf_str(&res->detail[i]));
		printf("  %-9s %-7s %s\n", bz_receipt_check_name(i),
		    bz_check_name(res->check[i]), bz_buf_str(&v));
	}
	printf("%s: %s\n", file, ok ? "acuse valid" : "acuse NOT valid");
	bz_buf_free(&v);
}

/* print_json - the same as one JSON object */
static void
print_json(const char *file, const struct bz_receipt_verify_result *res, int ok)
{
	struct bz_buf out = BZ_BUF_INIT;

	bz_buf_puts(&out, "{\"file\": ");
	bz_buf_json_string(&out, file);
	bz_buf_printf(&out, ", \"valid\": %s, \"folio\": ", ok ? "true" : "false");
	bz_buf_json_string(&out, res->have_record ? res->record.folio : NULL);
	bz_buf_puts(&out, ", \"checks\": {");
	for (int i = 0; i < BZ_RECEIPT_NCHECKS; i++) {
		bz_buf_puts(&out, i ? ", " : "");
		bz_buf_json_string(&out, bz_receipt_check_name(i));
		bz_buf_puts(&out, ": {\"result\": ");
		bz_buf_json_string(&out, bz_check_name(res->check[i]));
		bz_buf_puts(&out, ", \"detail\": ");
		bz_buf_json_string(&out, bz_buf_str(&res->detail[i]));
		bz_buf_puts(&out, "}");
	}
	bz_buf_puts(&out, "}}\n");
	fputs(bz_buf_str(&out), stdout);
	bz_buf_free(&out);
}

/* receipt_verify - "buzonctl receipt verify" */
static int
receipt_verify(const struct verify_opts *o, const char *config_path)
{
	struct bz_receipt_verify_opts vo;
	struct bz_receipt_verify_result res;
	struct bz_buf mail = BZ_BUF_INIT, err = BZ_BUF_INIT;
	struct bz_config *cfg = NULL;
	struct bz_calendar *cal = NULL;
	int ok;

	memset(&vo, 0, sizeof(vo));
	if (o->at != NULL && bz_instant_parse(o->at, &vo.at) != 0) {
		fprintf(stderr, "buzonctl receipt: bad --at instant \"%s\"\n", o->at);
		return CTL_EXIT_USAGE;
	}
	if (read_all(o->file, &mail) != 0) {
		fprintf(stderr, "buzonctl receipt: %s: %s\n", o->file, strerror(errno));
		bz_buf_free(&mail);
		return CTL_EXIT_USAGE;
	}
	/* The configuration only fills in what the options leave open. */
	if (o->ca == NULL || o->schema == NULL || o->n_cal_files == 0) {
		FILE *probe = fopen(config_path, "r");

		if (probe != NULL) {
			fclose(probe);
			if ((cfg = ctl_load_config(config_path)) == NULL) {
				bz_buf_free(&mail);
				return CTL_EXIT_USAGE;
			}
		}
	}
	vo.ca_file = o->ca ? o->ca : cfg ? bz_config_str(cfg, "InstitutionCA") : NULL;
	vo.schema_path = o->schema ? o->schema : cfg ? bz_config_str(cfg, "AcuseSchema") :
	    PKGDATADIR "/acuse-v1.xsd";
	if ((cal = load_calendar(o, cfg, &err)) == NULL)
		fprintf(stderr, "buzonctl receipt: calendar: %s\n", bz_buf_str(&err));
	else {
		vo.legal_check = legal_check;
		vo.legal_arg = cal;
	}
	bz_receipt_library_init();
	bz_receipt_verify_result_init(&res);
	ok = bz_receipt_verify(mail.data, mail.len, &vo, &res) == 0;
	if (cal == NULL) {
		bz_buf_reset(&res.detail[BZ_RECEIPT_CHECK_CALENDAR]);
		bz_buf_printf(&res.detail[BZ_RECEIPT_CHECK_CALENDAR],
		    "calendar not loaded: %s", bz_buf_str(&err));
	}
	if (o->json)
		print_json(o->file, &res, ok);
	else
		print_text(o->file, &res, ok);
	bz_receipt_verify_result_free(&res);
	bz_calendar_free(cal);
	bz_config_unref(cfg);
	bz_buf_free(&mail);
	bz_buf_free(&err);
	return ok ? CTL_EXIT_OK : CTL_EXIT_NO;
}

/* store_command - show/list/resend: their few options */
static int
store_command(int argc, char **argv, const char *config_path)
{
	const char *folio = NULL, *rfc = NULL, *since = NULL, *cmd = argv[1];
	int json = 0, list = strcmp(cmd, "list") == 0;

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return receipt_usage(stdout, CTL_EXIT_OK);
		else if (strcmp(a, "--json") == 0 && strcmp(cmd, "resend") != 0)
			json = 1;
		else if (list && strcmp(a, "--rfc") == 0 && i + 1 < argc)
			rfc = argv[++i];
		else if (list && strcmp(a, "--since") == 0 && i + 1 < argc)
			since = argv[++i];
		else if (!list && a[0] != '-' && folio == NULL)
			folio = a;
		else {
			fprintf(stderr, "buzonctl receipt %s: unexpected argument %s\n", cmd, a);
			return receipt_usage(stderr, CTL_EXIT_USAGE);
		}
	}
	if (list)
		return ctl_receipt_list(rfc, since, json, config_path);
	if (folio == NULL)
		return receipt_usage(stderr, CTL_EXIT_USAGE);
	if (strcmp(cmd, "show") == 0)
		return ctl_receipt_show(folio, json, config_path);
	return ctl_receipt_resend(folio, config_path);
}

/* ctl_receipt - entry point of "buzonctl receipt" */
int
ctl_receipt(int argc, char **argv, const char *config_path)
{
	struct verify_opts o;
	int i = 2, status;

	memset(&o, 0, sizeof(o));
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return receipt_usage(argc < 2 ? stderr : stdout,
		    argc < 2 ? CTL_EXIT_USAGE : CTL_EXIT_OK);
	if (strcmp(argv[1], "show") == 0 || strcmp(argv[1], "list") == 0 ||
	    strcmp(argv[1], "resend") == 0)
		return store_command(argc, argv, config_path);
	if (strcmp(argv[1], "verify") != 0) {
		fprintf(stderr, "buzonctl receipt: unknown subcommand %s\n", argv[1]);
		return receipt_usage(stderr, CTL_EXIT_USAGE);
	}
	o.cal_files = xcalloc((size_t)argc, sizeof(*o.cal_files));
	for (; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			free(o.cal_files);
			return receipt_usage(stdout, CTL_EXIT_OK);
		} else if (strcmp(a, "--json") == 0)
			o.json = 1;
		else if (v != NULL && strcmp(a, "--ca") == 0)
			o.ca = argv[++i];
		else if (v != NULL && strcmp(a, "--schema") == 0)
			o.schema = argv[++i];
		else if (v != NULL && strcmp(a, "--calendar") == 0)
			o.cal_files[o.n_cal_files++] = argv[++i];
		else if (v != NULL && strcmp(a, "--basis") == 0)
			o.basis = argv[++i];
		else if (v != NULL && strcmp(a, "--first-hour") == 0)
			o.first_hour = argv[++i];
		else if (v != NULL && strcmp(a, "--at") == 0)
			o.at = argv[++i];
		else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "buzonctl receipt: unknown option %s\n", a);
			free(o.cal_files);
			return receipt_usage(stderr, CTL_EXIT_USAGE);
		} else if (o.file == NULL)
			o.file = a;
		else {
			fprintf(stderr, "buzonctl receipt: one acuse at a time\n");
			free(o.cal_files);
			return receipt_usage(stderr, CTL_EXIT_USAGE);
		}
	}
	if (o.file == NULL) {
		free(o.cal_files);
		return receipt_usage(stderr, CTL_EXIT_USAGE);
	}
	status = receipt_verify(&o, config_path);
	free(o.cal_files);
	return status;
}
