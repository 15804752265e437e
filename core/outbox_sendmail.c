/*
 * outbox_sendmail - run SendmailCommand once for one recipient
 *
 * posix_spawn, never a shell: argv from the configuration plus
 * "-i -f <> -- RCPT". The message goes on standard input through an
 * anonymous memory file (memfd), so the parent never blocks on a pipe or
 * receives SIGPIPE when the command exits early. Standard output and error
 * are read (the first bytes kept for the diagnostic) while waiting, until
 * the command exits or `timeout` seconds pass (then SIGKILL). The child
 * starts with an empty signal mask and default dispositions: the daemon
 * blocks its signals in every thread, and sendmail must not inherit that.
 */
#include "build-aux/config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buzon/buf.h"
#include "buzon/log.h"
#include "buzon/outbox.h"
#include "buzon/spawn.h"
#include "buzon/xalloc.h"

#define DIAG_MAX 300	/* bytes of the command's output kept */

extern char **environ;

/* monotonic_ms - a clock that does not jump */
static int64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* add_output - keep the start of the command's output, one line, printable */
static void
add_output(struct bz_buf *out, const char *p, size_t n)
{
	for (size_t i = 0; i < n && out->len < DIAG_MAX; i++)
		bz_buf_putc(out, (p[i] == '\n' || p[i] == '\r' || p[i] == '\t') ? ' ' :
		    (p[i] < 0x20 || p[i] == 0x7f) ? '?' : p[i]);
}

/* bz_outbox_sendmail - one run; exit status or -1 */
int
bz_outbox_sendmail(char *const *argv, const char *rcpt, const void *msg, size_t len,
    int timeout, struct bz_buf *diag)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	struct bz_buf output = BZ_BUF_INIT;
	char **args;
	size_t n = 0;
	int in_fd, out[2], status = 0, rc, timed_out = 0, waited = 0;
	int64_t deadline;
	pid_t pid;

	bz_buf_reset(diag);
	while (argv[n] != NULL)
		n++;
	args = xcalloc(n + 6, sizeof(*args));
	for (size_t i = 0; i < n; i++)
		args[i] = argv[i];
	args[n] = (char *)"-i";
	args[n + 1] = (char *)"-f";
	args[n + 2] = (char *)"<>";
	args[n + 3] = (char *)"--";
	args[n + 4] = (char *)rcpt;

	/*
	 * posix_spawn reports a failed exec only where it can (glibc with
	 * vfork); elsewhere the child exits 127. Say it plainly either way.
	 */
	if (access(argv[0], X_OK) < 0) {
		bz_buf_printf(diag, "cannot run %s: %s", argv[0], strerror(errno));
		free(args);
		return -1;
	}
	if ((in_fd = bz_spawn_input("buzon-outbox", msg, len)) < 0) {
		bz_buf_printf(diag, "cannot buffer message: %s", strerror(errno));
		free(args);
		return -1;
	}
	if (pipe2(out, O_CLOEXEC) < 0) {
		bz_buf_printf(diag, "cannot create pipe: %s", strerror(errno));
		close(in_fd);
		free(args);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, out[1], 2);
	/* libmilter's sockets are not close-on-exec: keep them from the MTA. */
	bz_spawn_close_rest(&fa);
	bz_spawn_attr(&attr);
	rc = posix_spawn(&pid, args[0], &fa, &attr, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(in_fd);
	close(out[1]);
	free(args);
	if (rc != 0) {
		bz_buf_printf(diag, "cannot run %s: %s", argv[0], strerror(rc));
		close(out[0]);
		return -1;
	}

	deadline = monotonic_ms() + (int64_t)(timeout > 0 ? timeout : 1) * 1000;
	for (;;) {
		struct pollfd pfd = { out[0], POLLIN, 0 };
		char chunk[1024];
		int64_t left;
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid) {
			waited = 1;
			break;
		}
		if (w < 0 && errno != EINTR)
			break;
		left = deadline - monotonic_ms();
		if (left <= 0) {
			timed_out = 1;
			kill(pid, SIGKILL);
			break;
		}
		if (out[0] < 0) {
			poll(NULL, 0, left < 20 ? (int)left : 20);
			continue;
		}
		if (poll(&pfd, 1, left < 100 ? (int)left : 100) > 0) {
			ssize_t k = read(out[0], chunk, sizeof(chunk));

			if (k > 0)
				add_output(&output, chunk, (size_t)k);
			else if (k == 0 || errno != EINTR) {
				close(out[0]);
				out[0] = -1;
			}
		}
	}
	if (!waited)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	/* Whatever the command printed just before exiting. */
	if (out[0] >= 0) {
		char chunk[1024];
		ssize_t k;

		fcntl(out[0], F_SETFL, O_NONBLOCK);
		while ((k = read(out[0], chunk, sizeof(chunk))) > 0)
			add_output(&output, chunk, (size_t)k);
		close(out[0]);
	}

	if (timed_out) {
		bz_buf_printf(diag, "%s timed out after %ds and was killed", argv[0],
		    timeout);
		rc = -1;
	} else if (WIFEXITED(status)) {
		rc = WEXITSTATUS(status);
		if (rc != 0)
			bz_buf_printf(diag, "%s exited with status %d", argv[0], rc);
	} else if (WIFSIGNALED(status)) {
		bz_buf_printf(diag, "%s killed by signal %d", argv[0], WTERMSIG(status));
		rc = -1;
	} else {
		bz_buf_printf(diag, "%s ended abnormally", argv[0]);
		rc = -1;
	}
	while (output.len > 0 && output.data[output.len - 1] == ' ')
		output.data[--output.len] = '\0';
	if (rc != 0 && output.len > 0)
		bz_buf_printf(diag, ": %s", bz_buf_str(&output));
	bz_buf_free(&output);
	return rc;
}
