/*
 * fuzz_config - libFuzzer target over the configuration file parser
 *
 * Each input is written, whole, as a configuration file (an anonymous
 * memfd named through /proc/self/fd, so parallel jobs never share a path)
 * and loaded with bz_config_load(), the call the daemon makes at start-up
 * and on every reload: line splitting, key lookup, repeated keys and every
 * value type's checks (sizes, octal, sockets, addresses, instants, HH:MM,
 * URLs, argv splitting). A file it accepts is read back through the
 * accessors. Any crash, leak or sanitizer report is a finding.
 *
 * Build and run: tests/fuzz/run-fuzz.sh SECONDS WORKDIR config
 */
#include "build-aux/config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buzon/buf.h"
#include "buzon/config.h"
#include "buzon/log.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;
static char path[64];

/* LLVMFuzzerInitialize - one memfd for the whole run */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	bz_log_set_level(LOG_ERR);
	if ((fd = memfd_create("buzon-fuzz.conf", 0)) < 0) {
		perror("fuzz_config: memfd_create");
		exit(2);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

/* LLVMFuzzerTestOneInput - one configuration file, loaded and read back */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_config *cfg;

	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if ((cfg = bz_config_load(path, &err)) != NULL) {
		for (size_t i = 0; i < bz_config_nkeys; i++) {
			const struct bz_cfg_key *k = &bz_config_keys[i];
			enum bz_cfg_id id = (enum bz_cfg_id)i;

			for (size_t j = 0; j < bz_config_count(cfg, id); j++)
				(void)bz_config_nth(cfg, id, j);
			(void)bz_config_str(cfg, id);
			(void)bz_config_line(cfg, id);
			if (k->type == BZ_CFG_ARGV && bz_config_str(cfg, id) != NULL)
				bz_config_argv_free(bz_config_argv(bz_config_str(cfg, id)));
		}
		bz_config_unref(cfg);
	} else if (err.len == 0)
		abort();	/* a refused file always says why */
	bz_buf_free(&err);
	return 0;
}
