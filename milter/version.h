/*
 * version - what "buzon-milter -V" and "buzonctl -V" print
 *
 * Shared by both programs (milter/version.c): the package version, then
 * one line per library with the version in use at run time and, in
 * parentheses, the one the program was built against, so an operator can
 * tell a library upgraded under the binary from the one it was tested with.
 */
#ifndef BUZON_MILTER_VERSION_H
#define BUZON_MILTER_VERSION_H

#include <stdio.h>

/* Print "PROGRAM VERSION" and the library lines to fp. */
void	version_print(FILE *fp, const char *program);

#endif
