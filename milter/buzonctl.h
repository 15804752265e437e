/*
 * buzonctl - the operator's command line: shared declarations
 *
 * Each command lives in its own file milter/ctl_<command>.c and has the
 * signature of ctl_command_fn. argv[0] is the command name; options after it
 * belong to the command. config_path is the -c FILE given to buzonctl (or
 * the default); a command loads it only if it needs it.
 *
 * Exit status convention: 0 success, 1 a negative answer (rejected, not a
 * working day, check failed), 2 bad usage or unreadable input, 3 cannot
 * decide now (tempfail).
 */
#ifndef BUZON_BUZONCTL_H
#define BUZON_BUZONCTL_H

#include <stdint.h>

#define CTL_EXIT_OK		0
#define CTL_EXIT_NO		1
#define CTL_EXIT_USAGE		2
#define CTL_EXIT_TEMPFAIL	3

typedef int (*ctl_command_fn)(int argc, char **argv, const char *config_path);

struct bz_buf;
struct bz_config;
struct bz_store;
struct bz_json;
struct bz_reasons;
struct bz_signer;
struct bz_verification;

/* buzonctl store migrate --to URI (milter/ctl_store_migrate.c). */
int	ctl_store_migrate(const char *config_path, const char *uri);

/* Load config_path or print "buzonctl: <error>" and return NULL. */
struct bz_config *ctl_load_config(const char *config_path);

/* A value from a message or a certificate, ready for a text report: its
 * control characters and non-UTF-8 bytes escaped (bz_text_escape), so it
 * cannot forge a line. The string stays valid for the next CTL_SAFE_SLOTS
 * calls (enough for one printf); s must not be NULL. */
#define CTL_SAFE_SLOTS	8
const char *ctl_safe(const char *s);

/* t as an ISO-8601 UTC instant in buf, or NULL when t is 0 (not yet):
 * buf holds BZ_INSTANT_UTC_LEN bytes (include/buzon/instant.h). */
const char *ctl_instant(int64_t t, char *buf);

/* Prints the JSON document in out and a newline on stdout, then frees out
 * (it stays usable, empty): the tail of every --json report. */
void	ctl_print_json(struct bz_buf *out);
/*
 * The database named by the configuration at config_path (flags as
 * bz_store_open_config); what went wrong on standard error, prefixed
 * "buzonctl WHO:". cfgp (may be NULL) keeps the configuration, NULL when
 * the store could not be opened.
 */
struct bz_store *ctl_open_store(const char *config_path, const char *who,
	    int flags, struct bz_config **cfgp);

/* Appends {"verdict", "integrity", "trust", "identity", "reasons",
 * "signer", "parts"} as one JSON object, no trailing newline
 * (milter/ctl_verify_json.c). */
void	ctl_verification_json(const struct bz_verification *v,
	    struct bz_buf *out);
/* Writes "reasons": [{"code", "text"}, ...] into an open JSON object
 * (buzonctl verify and cert). */
void	ctl_json_reasons(struct bz_json *j, const struct bz_reasons *r);
/* Writes the signer's "rfc", "rfc_representante", "curp",
 * "curp_representante" and "name" into an open JSON object. */
void	ctl_json_signer_names(struct bz_json *j, const struct bz_signer *s);

int	ctl_config(int argc, char **argv, const char *config_path);
int	ctl_calendar(int argc, char **argv, const char *config_path);
int	ctl_store(int argc, char **argv, const char *config_path);
int	ctl_spool(int argc, char **argv, const char *config_path);
int	ctl_verify(int argc, char **argv, const char *config_path);
int	ctl_cert(int argc, char **argv, const char *config_path);
int	ctl_receipt(int argc, char **argv, const char *config_path);
int	ctl_registration(int argc, char **argv, const char *config_path);
int	ctl_notification(int argc, char **argv, const char *config_path);
int	ctl_notification_tick(int argc, char **argv, const char *config_path);

#endif
