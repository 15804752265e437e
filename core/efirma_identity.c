/*
 * efirma_identity - who a SAT certificate names: RFC, CURP, name, number
 *
 * See include/buzon/efirma.h (bz_efirma_identity) and ../shared/EFIRMA.md
 * 1.2-1.3 and 6.5-6.6. The subject of a SAT e.firma carries:
 *   2.5.4.45 x500UniqueIdentifier	"RFC" (fisica, 13 characters) or
 *					"RFC / RFCREP" (moral, 12 + representative)
 *   2.5.4.5  serialNumber		"CURP" (fisica) or " / CURPREP" (moral)
 *   2.5.4.41 name, CN, O		the holder's name or razon social
 * and its serial number is 20 ASCII digits: the noCertificado.
 * Every string goes through ASN1_STRING_to_UTF8: SAT writes an N with
 * tilde as the Latin-1 byte 0xD1 inside a T61String.
 *
 * Rules (EFIRMA.md): split on the first "/", trim blanks; RFC grammar
 * [A-Z&N~]{3,4} + a real YYMMDD date + [A-Z0-9]{2} + [A0-9]; no check-digit
 * test (SAT has issued valid RFCs with a wrong one). CURP: 18 of [A-Z0-9],
 * stored raw. Exactly one 2.5.4.45 and at most one 2.5.4.5.
 *
 * Failure: malformed fields add BZ-CERT-IDENTITY (fields) or BZ-CERT-SERIAL
 * (number) and make the result 0; the fields that did parse are still
 * filled. -1 only when OpenSSL fails to digest the certificate.
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "buzon/digest.h"
#include "buzon/efirma.h"
#include "buzon/instant.h"
#include "buzon/xalloc.h"
#include "efirma_int.h"

/* entry_utf8 - the only value of nid in name as UTF-8; *count = entries */
static char *
entry_utf8(const X509_NAME *name, int nid, int *count)
{
	int idx = -1, first = -1;
	unsigned char *utf8 = NULL;
	char *out;
	int len;

	*count = 0;
	while ((idx = X509_NAME_get_index_by_NID(name, nid, idx)) >= 0) {
		if (first < 0)
			first = idx;
		(*count)++;
	}
	if (first < 0)
		return NULL;
	len = ASN1_STRING_to_UTF8(&utf8,
	    X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, first)));
	if (len < 0)
		return NULL;
	/* an embedded NUL would let "RFC\0junk" pass as "RFC" */
	if (memchr(utf8, '\0', (size_t)len) != NULL) {
		OPENSSL_free(utf8);
		return NULL;
	}
	out = xstrndup((const char *)utf8, (size_t)len);
	OPENSSL_free(utf8);
	return out;
}

/* trim_dup - copy of [s, s+n) without leading and trailing blanks */
static char *
trim_dup(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return xstrndup(s, n);
}

/* split_slash - "left / right" into trimmed halves; 0 when there is no "/" */
static int
split_slash(const char *s, char **left, char **right)
{
	const char *slash = strchr(s, '/');

	if (slash == NULL)
		return 0;
	*left = trim_dup(s, (size_t)(slash - s));
	*right = trim_dup(slash + 1, strlen(slash + 1));
	return 1;
}

/* rfc_letter - length of one RFC letter at p ([A-Z&] or UTF-8 N-tilde), else 0 */
static size_t
rfc_letter(const unsigned char *p)
{
	if ((*p >= 'A' && *p <= 'Z') || *p == '&')
		return 1;
	if (p[0] == 0xC3 && p[1] == 0x91)
		return 2;
	return 0;
}

/* bz_efirma_rfc_valid - does s follow SAT's RFC grammar with nletters letters? */
int
bz_efirma_rfc_valid(const char *s, int nletters)
{
	const unsigned char *p = (const unsigned char *)s;
	int yy, mm, dd;
	size_t n;

	for (int i = 0; i < nletters; i++) {
		if ((n = rfc_letter(p)) == 0)
			return 0;
		p += n;
	}
	for (int i = 0; i < 6; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	yy = (p[0] - '0') * 10 + (p[1] - '0');
	mm = (p[2] - '0') * 10 + (p[3] - '0');
	dd = (p[4] - '0') * 10 + (p[5] - '0');
	/* the century is unknown: 2000 is a leap year, so Feb 29 of any
	 * two-digit year that is a multiple of 4 is accepted */
	if (!bz_date_valid(2000 + yy, mm, dd))
		return 0;
	p += 6;
	for (int i = 0; i < 2; i++, p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			return 0;
	if (!(*p == 'A' || (*p >= '0' && *p <= '9')))
		return 0;
	return p[1] == '\0';
}

/* curp_valid - 18 characters of [A-Z0-9] (stored raw; no finer grammar) */
static int
curp_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return i == 18;
}

/* hex - lower- or upper-case hex of n bytes, xmalloc'ed */
static char *
hex(const unsigned char *p, size_t n, int upper)
{
	char *out = xmalloc(n * 2 + 1);

	if (upper)
		bz_hex_upper(p, n, out);
	else
		bz_hex(p, n, out);
	return out;
}

/* bz_efirma_cert_sha256 - SHA-256 of the DER certificate; 0 ok, -1 error */
int
bz_efirma_cert_sha256(X509 *cert, unsigned char md[32])
{
	unsigned int len = 0;

	if (!X509_digest(cert, EVP_sha256(), md, &len) || len != 32)
		return -1;
	return 0;
}

/* bz_efirma_time - an ASN1_TIME as UTC seconds; 0 ok, -1 unreadable */
int
bz_efirma_time(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return -1;
	*out = bz_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400 +
	    tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	return 0;
}

/* parse_rfc - 2.5.4.45 into rfc, rfc_representante, moral; 1 well formed */
static int
parse_rfc(const char *uid, struct bz_signer *s)
{
	char *left, *right;

	if (split_slash(uid, &left, &right)) {
		s->moral = 1;
		s->rfc = left;
		s->rfc_representante = right;
		return bz_efirma_rfc_valid(left, 3) && bz_efirma_rfc_valid(right, 4);
	}
	s->moral = 0;
	s->rfc = trim_dup(uid, strlen(uid));
	return bz_efirma_rfc_valid(s->rfc, 4);
}

/* parse_curp - 2.5.4.5 into curp, curp_representante; 1 well formed */
static int
parse_curp(const char *sn, struct bz_signer *s)
{
	char *left, *right;
	int ok;

	if (split_slash(sn, &left, &right)) {
		/* moral: " / CURPREP", the company part empty */
		ok = curp_valid(right) && (*left == '\0' || curp_valid(left));
		if (*left != '\0')
			s->curp = left;
		else
			free(left);
		s->curp_representante = right;
		return ok && (s->moral || s->curp != NULL);
	}
	s->curp = trim_dup(sn, strlen(sn));
	return !s->moral && curp_valid(s->curp);
}

/* parse_serial - noCertificado and serial_hex; 1 when 20 ASCII digits */
static int
parse_serial(X509 *leaf, struct bz_signer *s)
{
	const ASN1_INTEGER *serial = X509_get0_serialNumber(leaf);
	const unsigned char *p = ASN1_STRING_get0_data(serial);
	int n = ASN1_STRING_length(serial);

	s->serial_hex = hex(p, (size_t)n, 1);
	if (ASN1_STRING_type(serial) != V_ASN1_INTEGER || n != 20)
		return 0;
	for (int i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	s->no_certificado = xstrndup((const char *)p, (size_t)n);
	return 1;
}

/* name_of - 2.5.4.41, else CN, else O; NULL when none is non-empty */
static char *
name_of(const X509_NAME *subj)
{
	static const int nids[] = { NID_name, NID_commonName, NID_organizationName };
	char *name;
	int n;

	for (size_t i = 0; i < sizeof(nids) / sizeof(nids[0]); i++) {
		if ((name = entry_utf8(subj, nids[i], &n)) != NULL && *name != '\0')
			return name;
		free(name);
	}
	return NULL;
}

/* bz_efirma_identity - identity fields of leaf; 1 well formed, 0 not, -1 error */
int
bz_efirma_identity(X509 *leaf, struct bz_signer *s, struct bz_reasons *reasons)
{
	const X509_NAME *subj = X509_get_subject_name(leaf);
	unsigned char md[32];
	char *uid, *sn;
	int nuid, nsn, nmail, fields_ok = 1, serial_ok;

	memset(s, 0, sizeof(*s));
	if (bz_efirma_cert_sha256(leaf, md) != 0) {
		bz_reasons_add(reasons, "BZ-INTERNAL");
		return -1;
	}
	s->cert_sha256 = hex(md, sizeof(md), 0);
	if (bz_efirma_time(X509_get0_notBefore(leaf), &s->not_before) != 0 ||
	    bz_efirma_time(X509_get0_notAfter(leaf), &s->not_after) != 0)
		fields_ok = 0;
	serial_ok = parse_serial(leaf, s);

	uid = entry_utf8(subj, NID_x500UniqueIdentifier, &nuid);
	sn = entry_utf8(subj, NID_serialNumber, &nsn);
	if (uid == NULL || nuid != 1 || !parse_rfc(uid, s))
		fields_ok = 0;
	if (nsn > 1)
		fields_ok = 0;
	if (sn != NULL) {
		if (!parse_curp(sn, s))
			fields_ok = 0;
	} else if (!s->moral)	/* a fisica's CURP is mandatory (LFEA art. 17) */
		fields_ok = 0;
	free(uid);
	free(sn);
	/* Where the acuse goes: the address SAT certified, not whatever MAIL
	 * FROM says. Not an identity field: a certificate without it (or
	 * with two) still identifies the signer, it just gets no acuse. */
	s->email = entry_utf8(subj, NID_pkcs9_emailAddress, &nmail);
	if (s->email != NULL && nmail != 1) {
		free(s->email);
		s->email = NULL;
	}
	if ((s->name = name_of(subj)) == NULL)
		fields_ok = 0;

	if (!fields_ok)
		bz_reasons_add(reasons, "BZ-CERT-IDENTITY");
	if (!serial_ok)
		bz_reasons_add(reasons, "BZ-CERT-SERIAL");
	return fields_ok && serial_ok;
}
