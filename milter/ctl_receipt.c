/*
 * ctl_receipt - buzonctl receipt: acuses, offline and in the store
 *
 *   buzonctl [-c FILE] receipt verify [--ca FILE] [--schema FILE]
 *       [--calendar FILE]... [--basis lft|lft+cff] [--first-hour HH:MM]
 *       [--at INSTANT] [--pdf FILE] [--json] ACUSE.eml
 *   buzonctl [-c FILE] receipt show FOLIO [--json]
 *   buzonctl [-c FILE] receipt list [--rfc RFC] [--since DATE] [--json]
 *   buzonctl [-c FILE] receipt resend FOLIO
 *   buzonctl [-c FILE] receipt pdf FOLIO -o FILE
 *
 * verify runs four checks, each reported on its own line (or JSON member):
 *   smime     S/MIME signature of the mail against the institution CA
 *   schema    the XML attachment against acuse-v1.xsd
 *   sello     the sello over the cadena original recomputed from the XML
 *   calendar  the legal instant recomputed with the rule set the acuse
 *             names: its legal basis, its first hour and its calendar
 *             version (the calendar files loaded here must have that
 *             version). The configuration's LegalBasis and
 *             SubmissionFirstHour are never used: they may have changed
 *             since the acuse was issued.
 * --basis and --first-hour are assertions about the acuse: one that
 * disagrees with what the acuse names fails the calendar check with the
 * reason (exit 1); the acuse's own values are never overridden. An acuse
 * that names no basis or first hour (issued, or rebuilt from a filing
 * recorded, before the store kept them) is recomputed with --basis/--first-hour
 * when given, and the report says they came from the command line;
 * without them the check is "unknown" (exit 1).
 * Without --pdf, an acuse mail that carries its PDF (AcusePdf) gets the
 * same fifth check on that PDF; "unknown" there (no pdftoppm or zbarimg)
 * does not fail the acuse, since it was not asked for.
 * With --pdf, a fifth check, pdf: the QR code of the printed acuse
 * FILE decodes to the folio, RFC and cadena SHA-256 of the acuse verified
 * and to VerifyURL's address for it (ctl_receipt_pdf.c).
 * Exit 0 only when all checks pass; 1 when any fails or cannot be decided;
 * 2 on bad usage or an unreadable file. Settings come from the options,
 * else from the configuration file (InstitutionCA, AcuseSchema,
 * CalendarFile), read only when some setting is missing: a third party
 * needs no configuration, only --ca (and --calendar for a calendar with
 * institution files).
 *
 * show, list and resend read the store (ctl_receipt_store.c); pdf draws
 * from it too (ctl_receipt_pdf.c).
 */
#include "build-aux/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buzon/buf.h"
#include "buzon/calendar.h"
#include "buzon/config.h"
#include "buzon/instant.h"
#include "buzon/json.h"
#include "buzon/receipt.h"
#include "buzon/xalloc.h"
#include "buzonctl.h"
#include "ctl_receipt.h"

struct verify_opts {
	const char	*ca;
	const char	*schema;
	const char	**cal_files;
	size_t		 n_cal_files;
	const char	*basis;
	const char	*first_hour;
	const char	*at;
	const char	*file;
	const char	*pdf;		/* --pdf: the printed acuse to check */
	int		 json;
};

/* The "pdf" check of --pdf, next to the four of bz_receipt_verify. */
struct pdf_check {
	int		 asked;
	enum bz_check	 result;
	struct bz_buf	 detail;
};

/* receipt_usage - help for this command */
static int
receipt_usage(FILE *fp, int status)
{
	fprintf(fp, "usage: buzonctl [-c FILE] receipt verify [--ca FILE] [--schema FILE]\n"
	    "           [--calendar FILE]... [--basis lft|lft+cff] [--first-hour HH:MM]\n"
	    "           [--at INSTANT] [--pdf FILE] [--json] ACUSE.eml\n"
	    "       buzonctl [-c FILE] receipt show FOLIO [--json]\n"
	    "       buzonctl [-c FILE] receipt list [--rfc RFC] [--since DATE] [--json]\n"
	    "       buzonctl [-c FILE] receipt resend FOLIO\n"
	    "       buzonctl [-c FILE] receipt pdf FOLIO -o FILE\n\n"
	    "verify checks an acuse mail offline and prints the result of each check:\n"
	    "  smime     the S/MIME signature, against the institution CA (--ca, else\n"
	    "            InstitutionCA of the configuration)\n"
	    "  schema    the XML attachment against the schema (--schema, else AcuseSchema,\n"
	    "            default %s/acuse-v1.xsd)\n"
	    "  sello     the sello over the cadena original recomputed from the XML\n"
	    "  calendar  the legal instant recomputed with the rule set the acuse names:\n"
	    "            its legal basis, first hour and calendar version (the calendar\n"
	    "            files: --calendar FILE, repeatable, else CalendarFile; they must\n"
	    "            have that version). LegalBasis and SubmissionFirstHour of the\n"
	    "            configuration are not used.\n"
	    "  --basis, --first-hour  what you expect the acuse to name: if it names\n"
	    "            something else the calendar check fails, saying so; for an acuse\n"
	    "            that names none (filed before they were recorded) they are used\n"
	    "            to recompute, and the report says so\n"
	    "  --at      check certificates at this instant instead of now\n"
	    "  --pdf     also check the printed acuse FILE (receipt pdf): its QR code,\n"
	    "            read with pdftoppm and zbarimg, must give the folio, RFC and\n"
	    "            cadena SHA-256 of ACUSE.eml and VerifyURL's address for it\n"
	    "            (check \"pdf\"; without VerifyURL only the folio in the address)\n"
	    "            Without --pdf, the PDF part an acuse mail carries (AcusePdf) gets\n"
	    "            the same check (unknown there, without the programs, does not fail)\n"
	    "  Exit 0 only when every check passes, 1 otherwise.\n"
	    "show prints the acuse of a folio as it was sealed and kept in the database\n"
	    "  (the Spanish text, or the record as JSON) and whether it was sent; it\n"
	    "  never seals again.\n"
	    "list lists the filings and the state of their acuse (--rfc: of one signer\n"
	    "  RFC, --since: arrived on or after DATE, a local date YYYY-MM-DD).\n"
	    "resend queues the kept acuse of a folio again, the same bytes, to the\n"
	    "  recipients it first went to (the address in the signer's certificate).\n"
	    "  --json    one JSON document on standard output (verify, show, list)\n"
	    "pdf writes the printable acuse of a folio to FILE (- for standard output):\n"
	    "  Letter size, the Spanish text, the cadena original, the sello and a QR\n"
	    "  code with the folio, the RFC, the cadena's SHA-256 and the VerifyURL\n"
	    "  address; drawn from the acuse kept in the database, the same bytes\n"
	    "  every time. Needs VerifyURL. An NT- folio prints the notification's\n"
	    "  acuse de notificacion or constancia (its acuse de envio is under the\n"
	    "  department's BZ- folio).\n"
	    "Bad usage exits 2.\n",
	    PKGDATADIR);
	return status;
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

/*
 * The calendar check's state: the calendar files, and --basis and
 * --first-hour parsed (has_* 0 when not given). The calendar itself is
 * loaded per acuse, with the basis and first hour the acuse names.
 */
struct legal_ctx {
	const char *const *files;
	size_t		 nfiles;
	int		 has_basis, has_first;
	long long	 basis, first;		/* as bz_config_check_value gives them */
	const char	*opt_basis, *opt_first;	/* as typed, for messages */
	struct bz_buf	 disagree;		/* why the options were refused */
};

/*
 * rule_param - one parameter of the rule set (LegalBasis or
 * SubmissionFirstHour): the acuse's value, checked against the option.
 * Returns BZ_CHECK_PASS with *num set, or FAIL/UNKNOWN with the reason in d.
 */
static enum bz_check
rule_param(struct legal_ctx *lc, const char *key_name, const char *option,
    const char *in_acuse, int has_opt, long long opt, const char *opt_text,
    long long *num, struct bz_buf *d)
{
	const struct bz_cfg_key *key = bz_config_key_find(key_name);

	if (in_acuse == NULL || in_acuse[0] == '\0') {
		if (!has_opt) {
			bz_buf_printf(d, "the acuse names no %s (a filing recorded before "
			    "the store kept the rule set): give %s with the value in force "
			    "when it was filed (both --basis and --first-hour when it names "
			    "neither)", key_name, option);
			return BZ_CHECK_UNKNOWN;
		}
		*num = opt;
		return BZ_CHECK_PASS;
	}
	if (bz_config_check_value(key, in_acuse, num) != NULL) {
		bz_buf_printf(d, "the acuse names an invalid %s \"%s\"", key_name, in_acuse);
		return BZ_CHECK_FAIL;
	}
	if (has_opt && opt != *num) {
		bz_buf_printf(d, "%s %s disagrees with the acuse, which names %s %s: "
		    "an acuse is recomputed only with the rule set it names", option,
		    opt_text, key_name, in_acuse);
		if (lc->disagree.len == 0)
			bz_buf_puts(&lc->disagree, d->data);
		return BZ_CHECK_FAIL;
	}
	return BZ_CHECK_PASS;
}

/*
 * constancia_instant - a constancia's legal instant: its arrival is the
 * aviso's release the opening days count from; deemed made at 09:30 of
 * the fourth working day after that date (bz_calendar_window)
 */
static int
constancia_instant(const struct bz_calendar *cal, int64_t aviso,
    struct bz_legal_instant *li)
{
	struct bz_local_time lt;
	struct bz_window w;

	bz_tz_to_local(bz_calendar_zone(cal), aviso, &lt);
	if (bz_calendar_window(cal, &lt.date, &w) != 0)
		return -1;
	memset(li, 0, sizeof(*li));
	li->input_utc = aviso;
	li->utc = w.deemed_utc;
	bz_tz_to_local(bz_calendar_zone(cal), w.deemed_utc, &li->local);
	li->rule = w.rule;
	li->version = w.version;
	return 0;
}

/* legal_check - recompute the legal instant of the record with its own rule set */
static enum bz_check
legal_check(const struct bz_receipt *r, void *arg, struct bz_buf *d)
{
	struct legal_ctx *lc = arg;
	struct bz_calendar *cal;
	struct bz_legal_instant li;
	struct bz_buf err = BZ_BUF_INIT;
	char utc[BZ_INSTANT_UTC_LEN], local[BZ_INSTANT_UTC_LEN], alocal[BZ_INSTANT_UTC_LEN];
	const char *from_cli;
	long long basis, first;
	enum bz_check c;
	int64_t arrival;
	int rc;

	if ((c = rule_param(lc, "LegalBasis", "--basis", r->legal_basis, lc->has_basis,
	    lc->basis, lc->opt_basis, &basis, d)) != BZ_CHECK_PASS ||
	    (c = rule_param(lc, "SubmissionFirstHour", "--first-hour", r->first_hour,
	    lc->has_first, lc->first, lc->opt_first, &first, d)) != BZ_CHECK_PASS)
		return c;
	cal = bz_calendar_load(lc->files, lc->nfiles,
	    basis == 1 ? BZ_BASIS_LFT_CFF : BZ_BASIS_LFT, (int)first, &err);
	if (cal == NULL) {
		bz_buf_printf(d, "calendar not loaded: %s", bz_buf_str(&err));
		bz_buf_free(&err);
		return BZ_CHECK_UNKNOWN;
	}
	bz_buf_free(&err);
	c = BZ_CHECK_FAIL;
	if (!same(r->calendar_version, bz_calendar_version(cal))) {
		bz_buf_printf(d, "the acuse names calendar %s but the calendar loaded here is %s: "
		    "give its files with --calendar", r->calendar_version ? r->calendar_version : "(none)",
		    bz_calendar_version(cal));
		c = BZ_CHECK_UNKNOWN;
		goto out;
	}
	if (r->arrival_utc == NULL || bz_instant_parse(r->arrival_utc, &arrival) != 0) {
		bz_buf_puts(d, "the acuse has no valid arrival instant");
		goto out;
	}
	/* The registration steps (issue 9), a CONSULTA (issue 11) and a
	 * department's notification (its acuse de envio, issue 10) are
	 * filed like a promocion. */
	if (same(r->event, BZ_RECEIPT_EVENT_SUBMISSION) || same(r->event, "registro") ||
	    same(r->event, "confirmacion") || same(r->event, "conformidad") ||
	    same(r->event, "actualizacion") || same(r->event, "consulta") ||
	    same(r->event, "envio-notificacion") || same(r->event, "apertura"))
		rc = bz_calendar_submission(cal, arrival, &li);
	else if (same(r->event, "notificacion"))
		rc = bz_calendar_notification(cal, arrival, &li);
	else if (same(r->event, "constancia"))	/* issue 10: deemed made */
		rc = constancia_instant(cal, arrival, &li);
	else {
		bz_buf_printf(d, "unknown event type %s", r->event ? r->event : "(none)");
		goto out;
	}
	if (rc != 0) {
		bz_buf_puts(d, "no working day within the calendar's horizon");
		goto out;
	}
	bz_instant_format_utc(li.utc, utc);
	format_local(cal, li.utc, local);
	format_local(cal, arrival, alocal);
	if (!same(r->arrival_local, alocal)) {
		bz_buf_printf(d, "arrival %s is %s local, the acuse says %s", r->arrival_utc,
		    alocal, r->arrival_local ? r->arrival_local : "(none)");
		goto out;
	}
	if (!same(r->legal_utc, utc) || !same(r->legal_local, local) ||
	    !same(r->legal_rule, li.rule)) {
		bz_buf_printf(d, "recomputed legal instant %s (%s, rule %s) differs from the "
		    "acuse's %s (%s, rule %s)", utc, local, li.rule,
		    r->legal_utc ? r->legal_utc : "(none)",
		    r->legal_local ? r->legal_local : "(none)",
		    r->legal_rule ? r->legal_rule : "(none)");
		goto out;
	}
	from_cli = (r->legal_basis == NULL || r->legal_basis[0] == '\0' ||
	    r->first_hour == NULL || r->first_hour[0] == '\0') ?
	    " (the acuse names no basis or first hour: given on the command line)" : "";
	bz_buf_printf(d, "legal instant %s (rule %s) recomputed with calendar %s, "
	    "basis %s, first hour %02d:%02d%s", local, li.rule, li.version,
	    bz_calendar_basis_name(bz_calendar_basis(cal)),
	    bz_calendar_first_hour(cal) / 60, bz_calendar_first_hour(cal) % 60, from_cli);
	c = BZ_CHECK_PASS;
out:
	bz_calendar_free(cal);
	return c;
}

/* parse_rule_option - --basis / --first-hour against its key; -1 when bad */
static int
parse_rule_option(const char *key_name, const char *option, const char *value,
    int *has, long long *num)
{
	const char *why;

	if (value == NULL)
		return 0;
	if ((why = bz_config_check_value(bz_config_key_find(key_name), value, num)) != NULL) {
		fprintf(stderr, "buzonctl receipt: bad %s \"%s\": %s\n", option, value, why);
		return -1;
	}
	*has = 1;
	return 0;
}

/* calendar_files - from the options, else the configuration's CalendarFile */
static const char **
calendar_files(const struct verify_opts *o, const struct bz_config *cfg, size_t *n)
{
	if (o->n_cal_files != 0 || cfg == NULL) {
		*n = o->n_cal_files;
		return NULL;
	}
	return bz_calendar_config_files(cfg, n);
}

/* print_text - one line per check; text from the mail is normalised so
 * it cannot drive the operator's terminal */
static void
print_text(const char *file, const struct bz_receipt_verify_result *res,
    const struct pdf_check *pc, int ok)
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
	if (pc->asked) {
		bz_buf_reset(&v);
		bz_receipt_normalize(&v, bz_buf_str(&pc->detail));
		printf("  %-9s %-7s %s\n", "pdf", bz_check_name(pc->result), bz_buf_str(&v));
	}
	printf("%s: %s\n", file, ok ? "acuse valid" : "acuse NOT valid");
	bz_buf_free(&v);
}

/* print_json - the same as one JSON object */
static void
print_json(const char *file, const struct bz_receipt_verify_result *res,
    const struct pdf_check *pc, int ok)
{
	struct bz_buf out = BZ_BUF_INIT;
	struct bz_json j;

	bz_json_init(&j, &out);
	bz_json_object(&j, NULL);
	bz_json_str(&j, "file", file);
	bz_json_bool(&j, "valid", ok);
	bz_json_str(&j, "folio", res->have_record ? res->record.folio : NULL);
	bz_json_object(&j, "checks");
	for (int i = 0; i < BZ_RECEIPT_NCHECKS; i++) {
		bz_json_object(&j, bz_receipt_check_name(i));
		bz_json_str(&j, "result", bz_check_name(res->check[i]));
		bz_json_str(&j, "detail", bz_buf_str(&res->detail[i]));
		bz_json_end(&j);
	}
	if (pc->asked) {
		bz_json_object(&j, "pdf");
		bz_json_str(&j, "result", bz_check_name(pc->result));
		bz_json_str(&j, "detail", bz_buf_str(&pc->detail));
		bz_json_end(&j);
	}
	bz_json_end(&j);
	bz_json_end(&j);
	ctl_print_json(&out);
}

/* mail_pdf_check - the QR code of the PDF inside the acuse mail, through
 * a scratch file; as ctl_receipt_pdf_check */
static int
mail_pdf_check(const struct bz_receipt_verify_result *res, const char *url,
    struct bz_buf *detail)
{
	char path[] = "/tmp/buzonctl-acuse.XXXXXX";
	int fd, rc = -1;

	if ((fd = mkstemp(path)) < 0) {
		bz_buf_printf(detail, "no scratch file: %s", strerror(errno));
		return -1;
	}
	if (write(fd, res->pdf.data, res->pdf.len) != (ssize_t)res->pdf.len)
		bz_buf_printf(detail, "scratch file %s: %s", path, strerror(errno));
	else {
		bz_buf_puts(detail, "the PDF inside the mail: ");
		rc = ctl_receipt_pdf_check(path, &res->record, url, detail);
	}
	close(fd);
	unlink(path);
	return rc;
}

/* receipt_verify - "buzonctl receipt verify" */
static int
receipt_verify(const struct verify_opts *o, const char *config_path)
{
	struct bz_receipt_verify_opts vo;
	struct bz_receipt_verify_result res;
	struct bz_buf mail = BZ_BUF_INIT;
	struct bz_config *cfg = NULL;
	struct legal_ctx lc;
	struct pdf_check pc;
	const char **cfg_files;
	int ok;

	memset(&vo, 0, sizeof(vo));
	memset(&lc, 0, sizeof(lc));
	memset(&pc, 0, sizeof(pc));
	if (o->at != NULL && bz_instant_parse(o->at, &vo.at) != 0) {
		fprintf(stderr, "buzonctl receipt: bad --at instant \"%s\"\n", o->at);
		return CTL_EXIT_USAGE;
	}
	if (parse_rule_option("LegalBasis", "--basis", o->basis, &lc.has_basis,
	    &lc.basis) != 0 || parse_rule_option("SubmissionFirstHour", "--first-hour",
	    o->first_hour, &lc.has_first, &lc.first) != 0)
		return CTL_EXIT_USAGE;
	lc.opt_basis = o->basis;
	lc.opt_first = o->first_hour;
	if (bz_buf_read_file(&mail, strcmp(o->file, "-") == 0 ? NULL : o->file,
	    SIZE_MAX) != 0) {
		fprintf(stderr, "buzonctl receipt: %s: %s\n", o->file, strerror(errno));
		bz_buf_free(&mail);
		return CTL_EXIT_USAGE;
	}
	/* The configuration only fills in what the options leave open. */
	if (o->ca == NULL || o->schema == NULL || o->n_cal_files == 0 || o->pdf) {
		FILE *probe = fopen(config_path, "r");

		if (probe != NULL) {
			fclose(probe);
			if ((cfg = ctl_load_config(config_path)) == NULL) {
				bz_buf_free(&mail);
				return CTL_EXIT_USAGE;
			}
		}
	}
	vo.ca_file = o->ca ? o->ca : cfg ? bz_config_str(cfg, BZ_KEY_InstitutionCA) : NULL;
	vo.schema_path = o->schema ? o->schema : cfg ? bz_config_str(cfg, BZ_KEY_AcuseSchema) :
	    PKGDATADIR "/acuse-v1.xsd";
	cfg_files = calendar_files(o, cfg, &lc.nfiles);
	lc.files = cfg_files ? cfg_files : o->cal_files;
	bz_buf_init(&lc.disagree);
	vo.legal_check = legal_check;
	vo.legal_arg = &lc;
	bz_receipt_library_init();
	bz_receipt_verify_result_init(&res);
	ok = bz_receipt_verify(mail.data, mail.len, &vo, &res) == 0;
	if (o->pdf != NULL) {
		pc.asked = 1;
		pc.result = BZ_CHECK_UNKNOWN;
		if (!res.have_record)
			bz_buf_puts(&pc.detail, "the acuse mail holds no readable record "
			    "to compare the QR code with");
		else
			switch (ctl_receipt_pdf_check(o->pdf, &res.record, cfg ?
			    bz_config_str(cfg, BZ_KEY_VerifyURL) : NULL, &pc.detail)) {
			case 1:
				pc.result = BZ_CHECK_PASS;
				break;
			case 0:
				pc.result = BZ_CHECK_FAIL;
				break;
			}
		ok = ok && pc.result == BZ_CHECK_PASS;
	} else if (res.pdf.len > 0 && res.have_record) {
		/* The PDF the acuse mail carries (AcusePdf): its QR code is
		 * checked the same way; without pdftoppm or zbarimg it is
		 * "unknown" and, not asked for, does not fail the acuse. */
		pc.asked = 1;
		pc.result = BZ_CHECK_UNKNOWN;
		switch (mail_pdf_check(&res, cfg ? bz_config_str(cfg, BZ_KEY_VerifyURL) :
		    NULL, &pc.detail)) {
		case 1:
			pc.result = BZ_CHECK_PASS;
			break;
		case 0:
			pc.result = BZ_CHECK_FAIL;
			break;
		}
		ok = ok && pc.result != BZ_CHECK_FAIL;
	}
	if (o->json)
		print_json(o->file, &res, &pc, ok);
	else
		print_text(o->file, &res, &pc, ok);
	/* Refused options are the operator's mistake or a wrong acuse: say
	 * it where a script's operator looks too. */
	if (lc.disagree.len != 0)
		fprintf(stderr, "buzonctl receipt: %s\n", lc.disagree.data);
	bz_receipt_verify_result_free(&res);
	free(cfg_files);
	bz_config_unref(cfg);
	bz_buf_free(&mail);
	bz_buf_free(&lc.disagree);
	bz_buf_free(&pc.detail);
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
	if (strcmp(argv[1], "pdf") == 0)
		return ctl_receipt_pdf(argc, argv, config_path);
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
		else if (v != NULL && strcmp(a, "--pdf") == 0)
			o.pdf = argv[++i];
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
