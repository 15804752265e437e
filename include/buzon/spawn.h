/*
 * spawn - what every command the daemon runs starts with, written once
 *
 * The outbox's SendmailCommand (core/outbox_sendmail.c) and SmsCommand
 * (core/sms.c) run with posix_spawn, never a shell, with their input in
 * an anonymous memory file (so the parent never blocks on a pipe or gets
 * SIGPIPE when the command exits early):
 *
 *   bz_spawn_input()	len bytes at p in a close-on-exec memfd named
 *			name, positioned at 0: the fd, or -1 with errno.
 *   bz_spawn_attr()	init attr so the child starts with an empty signal
 *			mask and default dispositions (the daemon blocks its
 *			signals in every thread; a command must not inherit
 *			that). The caller destroys it.
 *   bz_spawn_close_rest() the child closes every fd above 2 (libmilter's
 *			sockets are not close-on-exec), where glibc can.
 */
#ifndef BUZON_SPAWN_H
#define BUZON_SPAWN_H

#include <spawn.h>
#include <stddef.h>

int	bz_spawn_input(const char *name, const void *p, size_t len);
void	bz_spawn_attr(posix_spawnattr_t *attr);
void	bz_spawn_close_rest(posix_spawn_file_actions_t *fa);

#endif
