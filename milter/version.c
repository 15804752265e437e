/*
 * version - the package and library versions for -V (version.h)
 *
 * Run-time versions come from the libraries themselves (OpenSSL_version,
 * gmime_*_version, sqlite3_libversion, xmlParserVersion, smfi_version,
 * curl_version_info: the outbox's SMTP transport);
 * build-time ones from their headers. libmilter reports its API version
 * (1.0.x), not the Sendmail release it came with.
 */
#include "build-aux/config.h"

#include <stdio.h>
#include <stdlib.h>

#include <curl/curl.h>
#include <gmime/gmime.h>
#include <libmilter/mfapi.h>
#include <libpq-fe.h>
#include <libxml/parser.h>
#include <libxml/xmlversion.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <sqlite3.h>

#include "version.h"

/* xml_dotted - libxml2's "20914" as "2.9.14" */
static void
xml_dotted(char *out, size_t size, const char *v)
{
	long n = strtol(v, NULL, 10);

	snprintf(out, size, "%ld.%ld.%ld", n / 10000, n / 100 % 100, n % 100);
}

/* version_print - the -V report of both programs */
void
version_print(FILE *fp, const char *program)
{
	unsigned int maj = 0, min = 0, pl = 0;
	char xml[32];

	xml_dotted(xml, sizeof(xml), xmlParserVersion);
	(void)smfi_version(&maj, &min, &pl);
	fprintf(fp, "%s %s\n", program, PACKAGE_VERSION);
	fprintf(fp, "OpenSSL %s (built with %s)\n",
	    OpenSSL_version(OPENSSL_VERSION_STRING), OPENSSL_VERSION_STR);
	fprintf(fp, "GMime %u.%u.%u (built with %d.%d.%d)\n",
	    gmime_major_version, gmime_minor_version, gmime_micro_version,
	    GMIME_MAJOR_VERSION, GMIME_MINOR_VERSION, GMIME_MICRO_VERSION);
	fprintf(fp, "SQLite %s (built with %s)\n", sqlite3_libversion(),
	    SQLITE_VERSION);
	fprintf(fp, "libpq %d.%d\n", PQlibVersion() / 10000, PQlibVersion() % 10000);
	fprintf(fp, "libxml2 %s (built with %s)\n", xml, LIBXML_DOTTED_VERSION);
	fprintf(fp, "libcurl %s (built with %s)\n",
	    curl_version_info(CURLVERSION_NOW)->version, LIBCURL_VERSION);
	fprintf(fp, "libmilter API %u.%u.%u (built with %u.%u.%u)\n", maj, min, pl,
	    (unsigned)SM_LM_VRS_MAJOR(SMFI_VERSION),
	    (unsigned)SM_LM_VRS_MINOR(SMFI_VERSION),
	    (unsigned)SM_LM_VRS_PLVL(SMFI_VERSION));
}
