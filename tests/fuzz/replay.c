/*
 * replay - run a libFuzzer target's inputs without libFuzzer
 *
 * Usage: replay-TARGET FILE|DIR...
 *
 * Linked with one tests/fuzz/fuzz_TARGET.c and the normal build's
 * libbuzon.a (with --enable-sanitizers: ASan, UBSan, LeakSanitizer), this
 * main() calls the target's LLVMFuzzerInitialize() when it has one, then
 * LLVMFuzzerTestOneInput() once per file, each read whole into a buffer
 * of exactly its size (so a read past the end is caught). Directories
 * are walked one level, in name order. tests/fuzz/replay.sh runs it over
 * the seed corpus and the regression corpus on every `make check`: a
 * finding fixed once stays fixed. It prints one line per file and exits 0,
 * or 99 when a file cannot be read; a crash or sanitizer report ends the
 * process (LeakSanitizer reports at exit).
 */
#include "build-aux/config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buzon/buf.h"
#include "buzon/xalloc.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* replay_file - one input, in a buffer of its own size */
static int
replay_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	struct bz_buf b = BZ_BUF_INIT;
	char chunk[65536];
	uint8_t *copy;
	size_t n;

	if (fp == NULL) {
		perror(path);
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		bz_buf_append(&b, chunk, n);
	if (ferror(fp)) {
		perror(path);
		fclose(fp);
		bz_buf_free(&b);
		return -1;
	}
	fclose(fp);
	/* malloc(0) may be NULL: libFuzzer never passes NULL */
	copy = xmalloc(b.len ? b.len : 1);
	if (b.len)
		memcpy(copy, b.data, b.len);
	printf("replay %s (%zu bytes)\n", path, b.len);
	fflush(stdout);
	LLVMFuzzerTestOneInput(copy, b.len);
	free(copy);
	bz_buf_free(&b);
	return 0;
}

/* by_name - scandir order */
static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int
main(int argc, char **argv)
{
	struct stat st;
	struct dirent **ents;
	int rc = 0, n;

	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			rc = 99;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (replay_file(argv[i]) != 0)
				rc = 99;
			continue;
		}
		if ((n = scandir(argv[i], &ents, NULL, by_name)) < 0) {
			perror(argv[i]);
			rc = 99;
			continue;
		}
		for (int j = 0; j < n; j++) {
			char *path = xasprintf("%s/%s", argv[i], ents[j]->d_name);

			if (ents[j]->d_name[0] != '.' && stat(path, &st) == 0 &&
			    S_ISREG(st.st_mode) && replay_file(path) != 0)
				rc = 99;
			free(path);
			free(ents[j]);
		}
		free(ents);
	}
	return rc;
}
