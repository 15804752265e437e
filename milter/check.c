/*
 * check - the configuration exactly as a start of buzon-milter loads it
 *
 * See check.h. Linked into both programs: buzon-milter uses check_load
 * and check_warn at start-up and check_config for -t; buzonctl config
 * --check calls check_config, so the two can never disagree about a file.
 *
 * Failure: check_load returns NULL with one line in err; nothing is left
 * allocated.
 */
#include "build-aux/config.h"

#include <string.h>
#include <unistd.h>

#include "buzon/calendar.h"
#include "buzon/config.h"
#include "buzon/log.h"
#include "buzon/runtime.h"
#include "check.h"

/*
 * resolve_user - the user to become: 1 when started as root (u filled),
 * 0 when not root (nothing to drop), -1 with "file:line: UserID: reason"
 * in err when root has no usable UserID (never serve mail as root).
 */
static int
resolve_user(const struct bz_config *cfg, const char *path,
    struct privdrop_user *u, struct bz_buf *err)
{
	const char *userid = bz_config_str(cfg, BZ_KEY_UserID);
	struct bz_buf why = BZ_BUF_INIT;

	if (geteuid() != 0)
		return 0;
	if (userid == NULL) {
		bz_buf_printf(err, "%s: UserID: required when started as root "
		    "(buzon-milter never serves mail as root)", path);
		return -1;
	}
	if (privdrop_resolve(userid, u, &why) < 0) {
		bz_buf_printf(err, "%s:%u: %s", path, bz_config_line(cfg, BZ_KEY_UserID),
		    bz_buf_str(&why));
		bz_buf_free(&why);
		return -1;
	}
	bz_buf_free(&why);
	return 1;
}

/* check_load - a whole generation and the user to become, or why not */
struct bz_runtime *
check_load(const char *path, struct privdrop_user *user, int *have_user,
    struct bz_buf *err)
{
	struct bz_runtime *rt = bz_runtime_load(path, err);

	if (rt == NULL)
		return NULL;
	if ((*have_user = resolve_user(rt->cfg, path, user, err)) < 0) {
		privdrop_user_free(user);
		bz_runtime_unref(rt);
		return NULL;
	}
	return rt;
}

/* check_warn - settings that load but leave a hole the operator should
 * know about: said at start-up and by the checks, never silently */
void
check_warn(const struct bz_config *cfg)
{
	const char *rev = bz_config_str(cfg, BZ_KEY_Revocation);

	/* Fail-open: a revoked e.firma would be accepted as good. TestMode
	 * runs on test hierarchies with no responder, so it stays quiet. */
	if (!bz_config_bool(cfg, BZ_KEY_TestMode) && (rev == NULL ||
	    strcmp(rev, "none") == 0))
		bz_log(BZ_LOG_WARNING, NULL, "Revocation none: revoked "
		    "certificates are accepted (set Revocation ocsp or crl)");
}

/* check_config - buzon-milter -t and buzonctl config --check */
int
check_config(const char *path, struct bz_buf *msg)
{
	struct privdrop_user user = { NULL, 0, 0 };
	struct bz_runtime *rt;
	int have_user = 0;

	if ((rt = check_load(path, &user, &have_user, msg)) == NULL)
		return 1;
	check_warn(rt->cfg);
	bz_buf_printf(msg, "%s: configuration OK (calendar %s)", path,
	    bz_calendar_version(rt->calendar));
	privdrop_user_free(&user);
	bz_runtime_unref(rt);
	return 0;
}
