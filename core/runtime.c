/*
 * runtime - one generation of everything built from the configuration
 *
 * See include/buzon/runtime.h, which also says how to add a resource.
 * The store and the outbox worker are process-wide (milter/main.c), not
 * per generation: a Database change needs a restart.
 * The current generation is a pointer guarded by a mutex; the mutex is held
 * only to take a reference, never while building or freeing, so a slow
 * reload (opening a database, reading a CA bundle) never blocks mail.
 */
#include "build-aux/config.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buzon/address.h"
#include "buzon/calendar.h"
#include "buzon/notification.h"
#include "buzon/log.h"
#include "buzon/receipt.h"
#include "buzon/runtime.h"
#include "buzon/verify.h"
#include "buzon/xalloc.h"

static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bz_runtime *current;

/* lower_dup - copy of s[0..n) in lower case (ASCII: addresses are compared
 * as the MTA sends them, without IDN folding) */
static char *
lower_dup(const char *s, size_t n)
{
	char *d = xstrndup(s, n);

	for (char *p = d; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

/* mailboxes_init - the MailboxAddress list, normalised for comparison */
static int
mailboxes_init(struct bz_runtime *rt, struct bz_buf *err)
{
	size_t n = bz_config_count(rt->cfg, BZ_KEY_MailboxAddress);
	const char *notifier = bz_config_str(rt->cfg, BZ_KEY_NotifierAddress);

	rt->mailboxes = xcalloc(n + 1, sizeof(*rt->mailboxes));
	for (size_t i = 0; i < n; i++) {
		const char *a = bz_config_nth(rt->cfg, BZ_KEY_MailboxAddress, i);

		rt->mailboxes[i] = lower_dup(a, strlen(a));
	}
	/* The notifier is one more address of ours: its mail reaches
	 * bz_submission_decide, and loop safety never answers it. */
	if (notifier != NULL) {
		rt->mailboxes[n] = lower_dup(notifier, strlen(notifier));
		rt->notifier = rt->mailboxes[n++];
	}
	rt->nmailboxes = n;
	rt->delimiters = bz_config_str(rt->cfg, BZ_KEY_RecipientDelimiter);
	if (rt->delimiters == NULL)
		rt->delimiters = "";
	return 0;
}

/* mailboxes_free - release the list */
static void
mailboxes_free(struct bz_runtime *rt)
{
	for (size_t i = 0; i < rt->nmailboxes; i++)
		free(rt->mailboxes[i]);
	free(rt->mailboxes);
	rt->mailboxes = NULL;
	rt->nmailboxes = 0;
	rt->notifier = NULL;
}

/*
 * calendar_init - the legal calendar of this generation. Loading it also
 * runs the time-zone self-test, so a wrong or missing tz database refuses
 * the start (or the reload, keeping the old calendar) like a broken
 * CalendarFile does. Years without institution entries only warn: the DOF
 * may simply not have been copied in yet.
 */
static int
calendar_init(struct bz_runtime *rt, struct bz_buf *err)
{
	struct bz_buf why = BZ_BUF_INIT;
	int years[2];
	size_t n;

	rt->calendar = bz_calendar_from_config(rt->cfg, &why);
	if (rt->calendar == NULL) {
		bz_buf_printf(err, "calendar: %s", bz_buf_str(&why));
		bz_buf_free(&why);
		return -1;
	}
	bz_buf_free(&why);
	bz_log(BZ_LOG_INFO, NULL, "calendar %s: %zu file%s, basis %s, first hour "
	    "%02d:%02d, zone %s", bz_calendar_version(rt->calendar),
	    bz_config_count(rt->cfg, BZ_KEY_CalendarFile),
	    bz_config_count(rt->cfg, BZ_KEY_CalendarFile) == 1 ? "" : "s",
	    bz_calendar_basis_name(bz_calendar_basis(rt->calendar)),
	    bz_calendar_first_hour(rt->calendar) / 60,
	    bz_calendar_first_hour(rt->calendar) % 60, BZ_TZ_MEXICO_CITY);
	/* The clock of decisions (TestClock under TestMode), so the years
	 * named are the ones filings are being dated in, and tests can pin
	 * them. */
	n = bz_calendar_years_without_entries(rt->calendar,
	    bz_config_now(rt->cfg, (int64_t)time(NULL)), years);
	for (size_t i = 0; i < n; i++)
		bz_log(BZ_LOG_WARNING, NULL, "calendar %s has no institution entries "
		    "for %d: copy the IMSS declarations of the DOF into a CalendarFile",
		    bz_calendar_version(rt->calendar), years[i]);
	return 0;
}

/* calendar_free - release the calendar (NULL after a failed init) */
static void
calendar_free(struct bz_runtime *rt)
{
	bz_calendar_free(rt->calendar);
	rt->calendar = NULL;
}

/*
 * verify_init - the verification context (efirma trust, MIME limits).
 * Without TrustAnchors nothing can be verified: the generation still
 * loads, so mail that is not for the mailbox keeps flowing, and
 * bz_submission_decide() defers mail for the mailbox (BZ-UNCONFIGURED).
 * Set but unusable refuses.
 */
static int
verify_init(struct bz_runtime *rt, struct bz_buf *err)
{
	struct bz_buf why = BZ_BUF_INIT;

	if (bz_config_str(rt->cfg, BZ_KEY_TrustAnchors) == NULL ||
	    bz_config_str(rt->cfg, BZ_KEY_IssuingCAs) == NULL) {
		rt->verify_missing = "TrustAnchors and IssuingCAs are not set";
		bz_log(BZ_LOG_WARNING, NULL, "%s: no message for the mailbox can be "
		    "verified; all are deferred (451 BZ-UNCONFIGURED)",
		    rt->verify_missing);
		return 0;
	}
	rt->verify = bz_verify_ctx_new(rt->cfg, &why);
	if (rt->verify == NULL) {
		bz_buf_printf(err, "verification: %s", bz_buf_str(&why));
		bz_buf_free(&why);
		return -1;
	}
	bz_buf_free(&why);
	return 0;
}

/* verify_free - release the verification context */
static void
verify_free(struct bz_runtime *rt)
{
	bz_verify_ctx_free(rt->verify);
	rt->verify = NULL;
}

/*
 * signer_init - the institution certificate and key that seal acuses.
 * Same policy as verify_init: absent -> accepted submissions cannot get
 * their acuse, so they are deferred; set but unreadable (e.g. a key not
 * readable by UserID on reload) -> the generation is refused.
 */
static int
signer_init(struct bz_runtime *rt, struct bz_buf *err)
{
	struct bz_buf why = BZ_BUF_INIT;

	if (bz_config_str(rt->cfg, BZ_KEY_InstitutionCertificate) == NULL ||
	    bz_config_str(rt->cfg, BZ_KEY_InstitutionKey) == NULL) {
		rt->signer_missing = "InstitutionCertificate and InstitutionKey "
		    "are not set";
		bz_log(BZ_LOG_WARNING, NULL, "%s: acuses cannot be signed; valid "
		    "submissions are deferred (451 BZ-UNCONFIGURED)",
		    rt->signer_missing);
		return 0;
	}
	rt->signer = bz_receipt_signer_from_config(rt->cfg, &why);
	if (rt->signer == NULL) {
		bz_buf_printf(err, "acuse signer: %s (the key must be readable "
		    "by UserID)", bz_buf_str(&why));
		bz_buf_free(&why);
		return -1;
	}
	bz_buf_free(&why);
	return 0;
}

/* signer_free - drop this generation's reference to the signer */
static void
signer_free(struct bz_runtime *rt)
{
	bz_receipt_signer_unref(rt->signer);
	rt->signer = NULL;
}

/*
 * officials_init - OfficialsFile, read with NotifierAddress: a malformed
 * line refuses the generation (start-up, reload, -t) naming the line
 */
static int
officials_init(struct bz_runtime *rt, struct bz_buf *err)
{
	const char *path = bz_config_str(rt->cfg, BZ_KEY_OfficialsFile);
	struct bz_buf why = BZ_BUF_INIT;

	if (rt->notifier == NULL)
		return 0;
	/* The notifier is not a mailbox: its mail would be both. */
	for (size_t i = 0; i + 1 < rt->nmailboxes; i++)
		if (bz_address_is_mailbox(rt->notifier, rt->mailboxes[i], rt->delimiters) ||
		    bz_address_is_mailbox(rt->mailboxes[i], rt->notifier, rt->delimiters)) {
			bz_buf_printf(err, "NotifierAddress %s is (an extension of) the "
			    "MailboxAddress %s, or the other way round: give it an address "
			    "of its own", rt->notifier, rt->mailboxes[i]);
			return -1;
		}
	if (path == NULL) {
		bz_buf_puts(err, "NotifierAddress is set but OfficialsFile is not: "
		    "no official could notify");
		return -1;
	}
	rt->officials = xcalloc(1, sizeof(*rt->officials));
	if (bz_officials_load(path, rt->officials, &why) != 0) {
		bz_buf_printf(err, "OfficialsFile: %s", bz_buf_str(&why));
		bz_buf_free(&why);
		return -1;
	}
	if (rt->officials->n == 0)
		bz_log(BZ_LOG_WARNING, NULL, "OfficialsFile %s lists no official: "
		    "every notification is refused", path);
	return 0;
}

/* officials_free - release the list (NULL after a failed init) */
static void
officials_free(struct bz_runtime *rt)
{
	if (rt->officials != NULL)
		bz_officials_free(rt->officials);
	free(rt->officials);
	rt->officials = NULL;
}

/* The resources of a generation, built in this order, freed in reverse. */
static const struct {
	const char *name;
	int	(*init)(struct bz_runtime *rt, struct bz_buf *err);
	void	(*free)(struct bz_runtime *rt);
} resources[] = {
	{ "mailboxes", mailboxes_init, mailboxes_free },
	{ "calendar", calendar_init, calendar_free },
	{ "verification", verify_init, verify_free },
	{ "acuse signer", signer_init, signer_free },
	{ "officials", officials_init, officials_free },
};

#define NRESOURCES (sizeof(resources) / sizeof(resources[0]))

/* runtime_free - free the first n resources, then the generation */
static void
runtime_free(struct bz_runtime *rt, size_t n)
{
	while (n-- > 0)
		resources[n].free(rt);
	bz_config_unref(rt->cfg);
	free(rt);
}

/* bz_runtime_load - read the configuration and build every resource */
struct bz_runtime *
bz_runtime_load(const char *path, struct bz_buf *err)
{
	struct bz_config *cfg = bz_config_load(path, err);
	struct bz_runtime *rt;

	if (cfg == NULL)
		return NULL;
	rt = xcalloc(1, sizeof(*rt));
	atomic_init(&rt->refs, 1);
	rt->cfg = cfg;
	rt->generation = bz_config_generation(cfg);
	for (size_t i = 0; i < NRESOURCES; i++) {
		if (resources[i].init(rt, err) != 0) {
			if (err->len == 0)
				bz_buf_printf(err, "%s: cannot set up %s", path,
				    resources[i].name);
			runtime_free(rt, i + 1);
			return NULL;
		}
	}
	return rt;
}

/* bz_runtime_ref - take a reference */
struct bz_runtime *
bz_runtime_ref(struct bz_runtime *rt)
{
	atomic_fetch_add(&rt->refs, 1);
	return rt;
}

/* bz_runtime_unref - drop a reference; the last one frees everything */
void
bz_runtime_unref(struct bz_runtime *rt)
{
	if (rt != NULL && atomic_fetch_sub(&rt->refs, 1) == 1)
		runtime_free(rt, NRESOURCES);
}

/* bz_runtime_acuse_pdf - the PDF part of the acuses rendered from now on:
 * VerifyURL when AcusePdf is on, else none (rt NULL: none) */
void
bz_runtime_acuse_pdf(const struct bz_runtime *rt)
{
	bz_receipt_mail_pdf_url(rt != NULL && bz_config_bool(rt->cfg, BZ_KEY_AcusePdf) ?
	    bz_config_str(rt->cfg, BZ_KEY_VerifyURL) : NULL);
}

/* bz_runtime_install - make rt current (taking the caller's reference) */
void
bz_runtime_install(struct bz_runtime *rt)
{
	struct bz_runtime *old;

	/* The acuse mail's PDF part follows the generation (AcusePdf,
	 * VerifyURL); without a registered renderer it stays off. */
	bz_runtime_acuse_pdf(rt);
	pthread_mutex_lock(&current_lock);
	old = current;
	current = rt;
	pthread_mutex_unlock(&current_lock);
	bz_runtime_unref(old);
}

/* bz_runtime_acquire - the current generation with a new reference */
struct bz_runtime *
bz_runtime_acquire(void)
{
	struct bz_runtime *rt;

	pthread_mutex_lock(&current_lock);
	rt = current != NULL ? bz_runtime_ref(current) : NULL;
	pthread_mutex_unlock(&current_lock);
	return rt;
}

/* bz_runtime_mailbox_of - the mailbox addr is delivered to: the address as
 * the MTA resolves it (bz_address_key: quoted local part, source route...),
 * case-insensitive, a RecipientDelimiter extension included */
const char *
bz_runtime_mailbox_of(const struct bz_runtime *rt, const char *addr)
{
	char *key = bz_address_key(addr);
	const char *found = NULL;

	for (size_t i = 0; i < rt->nmailboxes && found == NULL; i++)
		if (bz_address_is_mailbox(key, rt->mailboxes[i], rt->delimiters))
			found = rt->mailboxes[i];
	free(key);
	return found;
}

/* bz_runtime_is_notifier - is addr the NotifierAddress? */
int
bz_runtime_is_notifier(const struct bz_runtime *rt, const char *addr)
{
	char *key;
	int r;

	if (rt->notifier == NULL)
		return 0;
	key = bz_address_key(addr);
	r = bz_address_is_mailbox(key, rt->notifier, rt->delimiters);
	free(key);
	return r;
}

/* bz_runtime_is_mailbox - is addr one of the mailboxes? */
int
bz_runtime_is_mailbox(const struct bz_runtime *rt, const char *addr)
{
	return bz_runtime_mailbox_of(rt, addr) != NULL;
}
