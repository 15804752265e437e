/*
 * buzon-milter - the IMSS Mailbox mail filter daemon
 *
 *   buzon-milter [-c FILE] [-f] [-t]
 *   buzon-milter -V
 *
 * -c FILE  configuration (default SYSCONFDIR/buzon-milter.conf)
 * -f       stay in the foreground (logs go to stderr when "Syslog no")
 * -t       check the configuration, print "FILE: configuration OK" or the
 *          "file:line: key: reason" error, exit 0 or 1; warnings about a
 *          configuration that loads but fails open (check_warn) go to
 *          standard error here and to the log at every start
 * -V       print the version and those of the libraries in use, exit 0
 *
 * Start-up order, each step needed by the next: block signals (before any
 * thread exists) -> load the configuration -> open the log -> resolve
 * UserID -> create the socket with UMask (as root) -> detach -> PidFile ->
 * drop privileges -> open the store (Database) and start the outbox worker
 * (as UserID, so the database files belong to it) -> install the
 * generation -> reload thread -> smfi_main. libxml2 is initialised before
 * any thread exists (bz_receipt_library_init).
 * Shutdown (SIGTERM/SIGINT/SIGHUP, see signals.c): defer new mail, let
 * messages in flight finish (bounded), stop libmilter, stop the outbox
 * worker (at most OutboxTimeout), close the store, release everything,
 * remove the PidFile when still permitted.
 *
 * The store and the outbox are process-wide: a reload does not reopen
 * them (signals.c warns that Database and the Outbox keys need a restart).
 *
 * Failure: any start-up problem prints one line and exits 1; the daemon
 * never serves mail as root.
 */
#include "build-aux/config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "buzon/apertura.h"
#include "buzon/buf.h"
#include "buzon/calendar.h"
#include "buzon/config.h"
#include "buzon/log.h"
#include "buzon/outbox.h"
#include "buzon/registration.h"
#include "buzon/receipt.h"
#include "buzon/receipt_pdf.h"
#include "buzon/runtime.h"
#include "buzon/store.h"
#include "buzon/submission.h"
#include "buzon/xalloc.h"
#include "check.h"
#include "milter.h"
#include "version.h"

/* How long shutdown waits for messages in flight. */
#define DRAIN_SECONDS	60

/* usage - print the synopsis and exit */
static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: buzon-milter [-c FILE] [-f] [-t]\n"
	    "       buzon-milter -V\n"
	    "  -c FILE  configuration file (default %s)\n"
	    "  -f       run in the foreground\n"
	    "  -t       check the configuration and exit\n"
	    "  -V       print the version and the libraries' versions and exit\n",
	    BZ_CONFIG_DEFAULT);
	exit(status);
}

/* block_signals - every thread inherits this mask; see signals.c */
static void
block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		bz_fatalx("cannot block signals");
	/* A dead MTA connection must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
}

/* socket_path - the file of a unix:/local: socket spec, else NULL */
static const char *
socket_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	return NULL;
}

/* open_socket - create the listening socket with the configured mode */
static char *
open_socket(const struct bz_config *cfg, const struct privdrop_user *user)
{
	char *spec = xstrdup(bz_config_str(cfg, BZ_KEY_Socket));
	const char *path = socket_path(spec);
	mode_t old = umask((mode_t)bz_config_num(cfg, BZ_KEY_UMask));

	if (smfi_register(milter_desc) != MI_SUCCESS)
		bz_fatalx("smfi_register failed");
	if (smfi_setconn(spec) != MI_SUCCESS)
		bz_fatalx("Socket %s: not usable", spec);
	if (smfi_opensocket(1) != MI_SUCCESS)
		bz_fatalx("Socket %s: cannot create the socket (see the log)", spec);
	umask(old);
	/* The socket belongs to the user that will serve it. lchown: if
	 * whoever can write its directory (often UserID itself) swapped it
	 * for a symbolic link, root must not hand the link's target over. */
	if (path != NULL && user != NULL && lchown(path, user->uid, user->gid) < 0)
		bz_fatal("chown %s", path);
	return spec;
}

/* detach - become a daemon: new session, no terminal, cwd / */
static void
detach(int keep_stderr)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		bz_fatal("fork");
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		bz_fatal("setsid");
	if (chdir("/") < 0)
		bz_fatal("chdir /");
	if ((fd = open("/dev/null", O_RDWR)) < 0)
		bz_fatal("/dev/null");
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	if (!keep_stderr)
		dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

/* write_pidfile - PidFile, written while still root; a symbolic link
 * there is refused (root would otherwise truncate whatever it names) */
static void
write_pidfile(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	FILE *fp = fd < 0 ? NULL : fdopen(fd, "w");

	if (fp == NULL)
		bz_fatal("PidFile %s", path);
	fprintf(fp, "%ld\n", (long)getpid());
	if (fclose(fp) != 0)
		bz_fatal("PidFile %s", path);
}

int
main(int argc, char **argv)
{
	const char *config_path = BZ_CONFIG_DEFAULT, *userid, *pidfile;
	struct bz_buf err = BZ_BUF_INIT;
	struct privdrop_user user = { NULL, 0, 0 };
	int foreground = 0, check = 0, opt, use_syslog, have_user = 0, rc;
	struct bz_runtime *rt;
	struct bz_outbox_opts obopts;
	struct bz_reg_worker *reg_worker;
	struct bz_notif_worker *notif_worker;
	char *spec, *pidfile_copy = NULL;
	unsigned left;

	while ((opt = getopt(argc, argv, "c:fthV")) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 't':
			check = 1;
			break;
		case 'h':
			usage(0);
		case 'V':
			version_print(stdout, "buzon-milter");
			return 0;
		default:
			usage(2);
		}
	}
	if (optind != argc)
		usage(2);

	block_signals();
	/* libxml2 (acuse XML) wants its set-up before any thread. */
	bz_receipt_library_init();
	/* -t prints the verdict, and warnings worth acting on, nothing else;
	 * buzonctl config --check runs the same check_config. */
	if (check) {
		bz_log_set_level(BZ_LOG_WARNING);
		rc = check_config(config_path, &err);
		if (rc == 0)
			printf("%s\n", bz_buf_str(&err));
		else
			fprintf(stderr, "buzon-milter: %s\n", bz_buf_str(&err));
		bz_buf_free(&err);
		return rc;
	}
	rt = check_load(config_path, &user, &have_user, &err);
	if (rt == NULL) {
		fprintf(stderr, "buzon-milter: %s\n", bz_buf_str(&err));
		bz_buf_free(&err);
		return 1;
	}

	use_syslog = bz_config_bool(rt->cfg, BZ_KEY_Syslog);
	bz_log_open("buzon-milter", use_syslog,
	    bz_log_facility_from_name(bz_config_str(rt->cfg, BZ_KEY_SyslogFacility)),
	    bz_log_level_from_name(bz_config_str(rt->cfg, BZ_KEY_LogLevel)));
	check_warn(rt->cfg);

	if (geteuid() != 0 && (userid = bz_config_str(rt->cfg, BZ_KEY_UserID)) != NULL)
		bz_log(BZ_LOG_WARNING, NULL, "not started as root: UserID %s ignored",
		    userid);

	spec = open_socket(rt->cfg, have_user ? &user : NULL);
	if (!foreground)
		detach(!use_syslog);
	if ((pidfile = bz_config_str(rt->cfg, BZ_KEY_PidFile)) != NULL) {
		write_pidfile(pidfile);
		pidfile_copy = xstrdup(pidfile);
	}
	if (have_user)
		privdrop_apply(&user);
	/* Checked as the serving user: root's view would say nothing. */
	if (access(bz_config_str(rt->cfg, BZ_KEY_SpoolDirectory), W_OK | X_OK) < 0)
		bz_log(BZ_LOG_WARNING, NULL, "SpoolDirectory %s: %s: messages larger "
		    "than SpoolMemoryLimit will be deferred (451 BZ-INTERNAL)",
		    bz_config_str(rt->cfg, BZ_KEY_SpoolDirectory), strerror(errno));

	/*
	 * The store and the outbox, as the serving user. Start-up fails
	 * here rather than tempfailing every submission later.
	 */
	milter_store = bz_store_pool_new(bz_config_str(rt->cfg, BZ_KEY_Database),
	    (int)bz_config_num(rt->cfg, BZ_KEY_DatabaseBusyTimeout), 8, &err);
	/* err names the database, a PostgreSQL URI's password masked: the
	 * configured value itself may hold that password. */
	if (milter_store == NULL)
		bz_fatalx("Database: %s", bz_buf_str(&err));
	bz_outbox_opts_from_config(rt->cfg, &obopts);
	/* Acuses sealed at end of message are signed by the worker. */
	obopts.sign_pending = bz_submission_sign_pending;
	if ((milter_outbox = bz_outbox_start(&obopts, &err)) == NULL)
		bz_fatalx("outbox: %s", bz_buf_str(&err));
	/* SMS codes and the 72-hour expiry of registrations (issue 9). */
	if ((reg_worker = bz_reg_worker_start(bz_config_str(rt->cfg, BZ_KEY_Database),
	    (int)bz_config_num(rt->cfg, BZ_KEY_DatabaseBusyTimeout), milter_outbox,
	    &err)) == NULL)
		bz_fatalx("registration worker: %s", bz_buf_str(&err));
	/* The openings' acuses de notificacion, deemed notifications and
	 * their constancias (issue 10). */
	if ((notif_worker = bz_notif_worker_start(bz_config_str(rt->cfg, BZ_KEY_Database),
	    (int)bz_config_num(rt->cfg, BZ_KEY_DatabaseBusyTimeout), milter_outbox,
	    &err)) == NULL)
		bz_fatalx("notification worker: %s", bz_buf_str(&err));

	bz_log(BZ_LOG_NOTICE, NULL, "starting: socket %s, configuration %s "
	    "generation %llu", spec, config_path, (unsigned long long)rt->generation);
	/* Every acuse mail carries its printable PDF (AcusePdf). */
	bz_receipt_mail_pdf_renderer(bz_receipt_pdf);
	bz_runtime_install(rt);
	/* Acuses sealed before a crash are signed now: the worker's first
	 * pass ran before there was a generation to sign with. */
	bz_outbox_wake(milter_outbox);
	signals_start(config_path, DRAIN_SECONDS);

	rc = smfi_main();

	/* Normally the signal thread drained before stopping libmilter; if
	 * libmilter's own thread took the signal, its sessions are gone. */
	left = signals_drained() ? 0 : milter_wait_idle(0);
	if (left > 0)
		bz_log(BZ_LOG_WARNING, NULL, "stopped by libmilter with %u message%s "
		    "in flight (the MTA retries them)", left, left == 1 ? "" : "s");
	signals_stop();
	if (left == 0) {
		/* No milter thread uses them any more. */
		bz_notif_worker_stop(notif_worker);
		bz_reg_worker_stop(reg_worker);
		bz_outbox_stop(milter_outbox);
		milter_outbox = NULL;
		bz_outbox_opts_free(&obopts);
		bz_store_pool_free(milter_store);
		milter_store = NULL;
		/* No thread draws any more: cairo's and fontconfig's
		 * caches, released for the leak checkers. */
		bz_receipt_pdf_library_end();
	} else {
		/* A session thread may still be inside bz_submission_decide(): leave the
		 * store and the outbox to the process exit (SQLite's journal
		 * makes an interrupted transaction harmless). */
		bz_log(BZ_LOG_WARNING, NULL, "store and outbox left open at exit");
	}
	bz_runtime_install(NULL);
	if (pidfile_copy != NULL && unlink(pidfile_copy) < 0 && errno != ENOENT)
		bz_log(BZ_LOG_INFO, NULL, "cannot remove PidFile %s: %s (left for "
		    "the service manager)", pidfile_copy, strerror(errno));
	bz_log(BZ_LOG_NOTICE, NULL, "stopped");
	free(pidfile_copy);
	free(spec);
	privdrop_user_free(&user);
	bz_buf_free(&err);
	return rc == MI_SUCCESS ? 0 : 1;
}
