/*
 * smime_der - count the certificates of a CMS without parsing them
 *
 * See core/smime_int.h. ContentInfo ::= SEQUENCE { contentType, [0]
 * EXPLICIT SignedData }; SignedData ::= SEQUENCE { version,
 * digestAlgorithms, encapContentInfo, certificates [0] IMPLICIT SET OF
 * OPTIONAL, ... } (RFC 5652 5.1). Only TLV headers are read, with
 * OpenSSL's ASN1_get_object (bounds-checked); indefinite lengths (BER, as
 * streaming producers write) are followed to their end-of-contents, with
 * a nesting bound. The count is advisory: anything unexpected returns -1
 * and the full parse decides.
 */
#include "build-aux/config.h"

#include <limits.h>

#include <openssl/asn1.h>

#include "smime_int.h"

#define MAX_NEST	64

/* header - read one TLV header; *inf for an indefinite length */
static int
header(const unsigned char **p, const unsigned char *end, int *tag, int *cls,
    int *cons, long *len, int *inf)
{
	long max = end - *p > LONG_MAX ? LONG_MAX : (long)(end - *p);
	int r;

	if (max <= 0)
		return -1;
	r = ASN1_get_object(p, len, tag, cls, max);
	if (r & 0x80)
		return -1;
	*cons = (r & V_ASN1_CONSTRUCTED) != 0;
	*inf = r == 0x21;
	return 0;
}

/* at_eoc - end-of-contents octets at p? */
static int
at_eoc(const unsigned char *p, const unsigned char *end)
{
	return end - p >= 2 && p[0] == 0 && p[1] == 0;
}

/* skip - one whole element at *p */
static int
skip(const unsigned char **p, const unsigned char *end, int depth)
{
	const unsigned char *q = *p;
	int tag, cls, cons, inf;
	long len;

	if (depth > MAX_NEST || header(&q, end, &tag, &cls, &cons, &len, &inf) != 0)
		return -1;
	if (inf) {
		while (!at_eoc(q, end))
			if (q >= end || skip(&q, end, depth + 1) != 0)
				return -1;
		q += 2;
	} else
		q += len;
	*p = q;
	return 0;
}

/* enter - step into a constructed element; *cend its end (NULL: indefinite) */
static int
enter(const unsigned char **p, const unsigned char *end, int want_tag, int want_cls,
    const unsigned char **cend)
{
	int tag, cls, cons, inf;
	long len;

	if (header(p, end, &tag, &cls, &cons, &len, &inf) != 0 || !cons ||
	    tag != want_tag || cls != want_cls)
		return -1;
	*cend = inf ? NULL : *p + len;
	return 0;
}

/* smime_der_cert_count - certificates in the SignedData's [0] set */
long
smime_der_cert_count(const unsigned char *der, size_t len, size_t stop_after)
{
	const unsigned char *p = der, *end = der + len, *cend, *q;
	int tag, cls, cons, inf;
	long n = 0, l;

	if (enter(&p, end, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, &cend) != 0 ||
	    skip(&p, end, 0) != 0 ||		/* contentType */
	    enter(&p, end, 0, V_ASN1_CONTEXT_SPECIFIC, &cend) != 0 ||
	    enter(&p, end, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, &cend) != 0)
		return -1;
	for (int i = 0; i < 3; i++)		/* version, algorithms, content */
		if (skip(&p, end, 0) != 0)
			return -1;
	q = p;
	if (header(&q, end, &tag, &cls, &cons, &l, &inf) != 0)
		return -1;
	if (tag != 0 || cls != V_ASN1_CONTEXT_SPECIFIC || !cons)
		return 0;			/* no certificates */
	cend = inf ? NULL : q + l;
	while (cend != NULL ? q < cend : !at_eoc(q, end)) {
		if (skip(&q, cend != NULL ? cend : end, 0) != 0)
			return -1;
		if ((size_t)++n > stop_after)
			break;
	}
	return n;
}
