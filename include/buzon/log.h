/*
 * log - syslog or stderr logging with levels and the MTA queue id prefix
 *
 * Every line about a message starts with "QUEUEID: " so an operator can
 * grep one message through Postfix's log and ours. Personal data (RFC,
 * CURP, addresses) is written only through bz_log_personal(), which emits
 * nothing unless LogLevel is debug: the default log carries no personal data
 * (IMSS guidelines: personal data is confidential).
 *
 * Control characters and bytes that are not UTF-8 are escaped in every
 * line (bz_text_escape), so callers may pass values a sender controls.
 *
 * Thread-safe: the level is read atomically, each line is one write.
 */
#ifndef BUZON_LOG_H
#define BUZON_LOG_H

#include <syslog.h>

/* Levels are syslog's, so they pass straight through. */
#define BZ_LOG_ERR	LOG_ERR
#define BZ_LOG_WARNING	LOG_WARNING
#define BZ_LOG_NOTICE	LOG_NOTICE
#define BZ_LOG_INFO	LOG_INFO
#define BZ_LOG_DEBUG	LOG_DEBUG

void	bz_log_open(const char *ident, int use_syslog, int facility, int level);
void	bz_log_set_level(int level);
int	bz_log_level(void);
int	bz_log_level_from_name(const char *name);
int	bz_log_facility_from_name(const char *name);

void	bz_log(int level, const char *qid, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	bz_log_personal(const char *qid, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Start-up failures: fatal appends strerror(errno), fatalx does not. */
void	bz_fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	bz_fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
/* Programmer error: log and abort (core dump for the developer). */
void	bz_panic(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
