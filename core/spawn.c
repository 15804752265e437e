/*
 * spawn - the common start of every command the daemon runs
 *
 * See include/buzon/spawn.h. Failure: bz_spawn_input returns -1 with
 * errno set; the others cannot fail.
 */
#include "build-aux/config.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buzon/spawn.h"

/* bz_spawn_input - the bytes in an anonymous file, positioned at 0 */
int
bz_spawn_input(const char *name, const void *p, size_t len)
{
	const char *c = p;
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	while (len > 0) {
		ssize_t k = write(fd, c, len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = errno;

			close(fd);
			errno = e;
			return -1;
		}
		c += k;
		len -= (size_t)k;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* bz_spawn_attr - empty signal mask, default dispositions in the child */
void
bz_spawn_attr(posix_spawnattr_t *attr)
{
	sigset_t none, defaults;

	posix_spawnattr_init(attr);
	sigemptyset(&none);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGPIPE);
	sigaddset(&defaults, SIGHUP);
	sigaddset(&defaults, SIGINT);
	sigaddset(&defaults, SIGTERM);
	sigaddset(&defaults, SIGUSR1);
	sigaddset(&defaults, SIGCHLD);
	posix_spawnattr_setsigmask(attr, &none);
	posix_spawnattr_setsigdefault(attr, &defaults);
	posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
}

/* bz_spawn_close_rest - no fd above 2 reaches the command */
void
bz_spawn_close_rest(posix_spawn_file_actions_t *fa)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	posix_spawn_file_actions_addclosefrom_np(fa, 3);
#else
	(void)fa;
#endif
}
