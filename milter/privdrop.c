/*
 * privdrop - give up root for good after opening what needs it
 *
 * The order matters: supplementary groups, then the group ids, then the
 * user ids (after setresuid we could no longer change groups). Each call is
 * checked, the result is read back, and a final attempt to regain root must
 * fail, in the OpenSMTPD manner.
 *
 * Failure: bz_fatal/bz_fatalx (start-up is refused; the daemon never serves
 * mail with more privilege than asked for).
 */
#include "build-aux/config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buzon/log.h"
#include "buzon/xalloc.h"
#include "milter.h"

/* privdrop_resolve - "user" or "user:group" to ids */
int
privdrop_resolve(const char *spec, struct privdrop_user *u, struct bz_buf *err)
{
	char *user = xstrdup(spec), *group = strchr(user, ':');
	struct passwd *pw;
	struct group *gr;

	if (group != NULL)
		*group++ = '\0';
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		bz_buf_printf(err, "UserID: unknown user %s", user);
		free(user);
		return -1;
	}
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	/* "root" or any alias of uid 0 would keep every privilege. */
	if (u->uid == 0) {
		bz_buf_printf(err, "UserID: %s has uid 0 (buzon-milter never "
		    "serves mail as root)", user);
		free(user);
		return -1;
	}
	if (group != NULL) {
		if ((gr = getgrnam(group)) == NULL) {
			bz_buf_printf(err, "UserID: unknown group %s", group);
			free(user);
			return -1;
		}
		u->gid = gr->gr_gid;
	}
	/* The user name only: initgroups wants it. */
	u->name = user;
	return 0;
}

/* privdrop_user_free - release the resolved name */
void
privdrop_user_free(struct privdrop_user *u)
{
	free(u->name);
	u->name = NULL;
}

/* privdrop_apply - become u: groups, gid, uid; verify there is no way back */
void
privdrop_apply(const struct privdrop_user *u)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (initgroups(u->name, u->gid) < 0)
		bz_fatal("initgroups %s", u->name);
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		bz_fatal("setresgid %lu", (unsigned long)u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		bz_fatal("setresuid %lu", (unsigned long)u->uid);
	if (getresgid(&rg, &eg, &sg) < 0 || getresuid(&ru, &eu, &su) < 0)
		bz_fatal("getresuid");
	if (rg != u->gid || eg != u->gid || sg != u->gid
	    || ru != u->uid || eu != u->uid || su != u->uid)
		bz_fatalx("privileges not dropped: ids are uid %lu/%lu/%lu gid %lu/%lu/%lu",
		    (unsigned long)ru, (unsigned long)eu, (unsigned long)su,
		    (unsigned long)rg, (unsigned long)eg, (unsigned long)sg);
	if (u->uid == 0)
		bz_fatalx("privileges not dropped: UserID is root");
	if (setuid(0) == 0 || seteuid(0) == 0)
		bz_fatalx("privileges not dropped: root could be regained");
	if (u->gid != 0 && (setgid(0) == 0 || setegid(0) == 0))
		bz_fatalx("privileges not dropped: group root could be regained");
	bz_log(BZ_LOG_INFO, NULL, "running as user %s (uid %lu, gid %lu)", u->name,
	    (unsigned long)u->uid, (unsigned long)u->gid);
}
