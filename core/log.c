/*
 * log - syslog or stderr logging with levels and the MTA queue id prefix
 *
 * See include/buzon/log.h. Before bz_log_open() everything goes to stderr
 * at info level, so configuration errors during start-up are visible.
 * Every line is escaped before it is written (see log_emit).
 */
#include "build-aux/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "buzon/buf.h"
#include "buzon/log.h"
#include "buzon/utf8.h"

static atomic_int log_level = BZ_LOG_INFO;
static atomic_int log_to_syslog = 0;
static const char *log_ident = "buzon";

static const struct {
	const char *name;
	int value;
} level_names[] = {
	{ "error", LOG_ERR }, { "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
	{ "info", LOG_INFO }, { "debug", LOG_DEBUG },
}, facility_names[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

/* bz_log_open - choose the destination and threshold */
void
bz_log_open(const char *ident, int use_syslog, int facility, int level)
{
	log_ident = ident;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
	atomic_store(&log_to_syslog, use_syslog);
	atomic_store(&log_level, level);
}

/* bz_log_set_level - change the threshold (on reload) */
void
bz_log_set_level(int level)
{
	atomic_store(&log_level, level);
}

/* bz_log_level - current threshold */
int
bz_log_level(void)
{
	return atomic_load(&log_level);
}

/* bz_log_level_from_name - "info" -> LOG_INFO, -1 if unknown */
int
bz_log_level_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcasecmp(name, level_names[i].name) == 0)
			return level_names[i].value;
	return -1;
}

/* bz_log_facility_from_name - "mail" -> LOG_MAIL, -1 if unknown */
int
bz_log_facility_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(facility_names) / sizeof(facility_names[0]); i++)
		if (strcasecmp(name, facility_names[i].name) == 0)
			return facility_names[i].value;
	return -1;
}

/* level_tag - short label for stderr lines */
static const char *
level_tag(int level)
{
	switch (level) {
	case LOG_ERR:		return "error";
	case LOG_WARNING:	return "warning";
	case LOG_NOTICE:	return "notice";
	case LOG_INFO:		return "info";
	default:		return "debug";
	}
}

/* log_emit - format one line and write it in a single call. The line is
 * escaped as a whole (buzon/utf8.h): values in it come from certificates
 * and headers, and a newline or an ESC there must not forge a log line
 * (issue 8); no format of ours holds a control character on purpose. */
static void
log_emit(int level, const char *qid, const char *fmt, va_list ap)
{
	struct bz_buf line = BZ_BUF_INIT, safe = BZ_BUF_INIT;

	if (qid != NULL && *qid != '\0')
		bz_buf_printf(&line, "%s: ", qid);
	bz_buf_vprintf(&line, fmt, ap);
	bz_text_escape(&safe, bz_buf_str(&line), line.len);
	if (atomic_load(&log_to_syslog))
		syslog(level, "%s", bz_buf_str(&safe));
	else
		fprintf(stderr, "%s[%s]: %s\n", log_ident, level_tag(level),
		    bz_buf_str(&safe));
	bz_buf_free(&line);
	bz_buf_free(&safe);
}

/* bz_log - log a line if level passes the threshold */
void
bz_log(int level, const char *qid, const char *fmt, ...)
{
	va_list ap;

	if (level > atomic_load(&log_level))
		return;
	va_start(ap, fmt);
	log_emit(level, qid, fmt, ap);
	va_end(ap);
}

/* bz_log_personal - a line carrying personal data: debug level only */
void
bz_log_personal(const char *qid, const char *fmt, ...)
{
	va_list ap;

	if (atomic_load(&log_level) < LOG_DEBUG)
		return;
	va_start(ap, fmt);
	log_emit(LOG_DEBUG, qid, fmt, ap);
	va_end(ap);
}

/* bz_fatal - environment error at start-up, with errno text; exits 1 */
void
bz_fatal(const char *fmt, ...)
{
	struct bz_buf msg = BZ_BUF_INIT;
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	bz_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	bz_log(LOG_ERR, NULL, "fatal: %s: %s", bz_buf_str(&msg), strerror(saved));
	bz_buf_free(&msg);
	exit(1);
}

/* bz_fatalx - environment error at start-up, no errno; exits 1 */
void
bz_fatalx(const char *fmt, ...)
{
	struct bz_buf msg = BZ_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	bz_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	bz_log(LOG_ERR, NULL, "fatal: %s", bz_buf_str(&msg));
	bz_buf_free(&msg);
	exit(1);
}

/* bz_panic - programmer error: log and abort */
void
bz_panic(const char *fmt, ...)
{
	struct bz_buf msg = BZ_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	bz_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	bz_log(LOG_ERR, NULL, "panic: %s", bz_buf_str(&msg));
	abort();
}
