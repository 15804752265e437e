/*
 * verdict - the shared vocabulary of a verification outcome
 *
 * Used by smime (integrity), efirma (trust, identity), verify (the whole
 * message), the milter (the SMTP decision), store and receipt (what is
 * recorded and printed). Three separate verdicts plus a list of reasons:
 * "valid" must never hide which check failed.
 */
#ifndef BUZON_VERDICT_H
#define BUZON_VERDICT_H

#include <stddef.h>
#include <stdint.h>

enum bz_check {
	BZ_CHECK_UNKNOWN = 0,	/* not evaluated or could not be decided */
	BZ_CHECK_PASS,
	BZ_CHECK_FAIL,
};

enum bz_verdict {
	BZ_VERDICT_ACCEPTED,
	BZ_VERDICT_REJECTED,	/* definitely wrong: 5xx with every reason */
	BZ_VERDICT_TEMPFAIL,	/* cannot decide now: 4xx, the sender retries */
};

/* "pass" | "fail" | "unknown" */
const char *bz_check_name(enum bz_check c);
/* "accepted" | "rejected" | "tempfail" */
const char *bz_verdict_name(enum bz_verdict v);

/* Who signed: identity fields of a SAT e.firma, all UTF-8, NULL when absent. */
struct bz_signer {
	char	*rfc;			/* RFC of the taxpayer (12 moral, 13 fisica) */
	char	*rfc_representante;	/* persona moral: RFC of the legal representative */
	char	*curp;			/* persona fisica: CURP */
	char	*curp_representante;	/* persona moral: CURP of the representative */
	char	*name;			/* 2.5.4.41, else CN, else O */
	int	 moral;			/* 1 persona moral, 0 persona fisica */
	char	*no_certificado;	/* 20-digit certificate number (serial as ASCII) */
	char	*serial_hex;		/* serial as hex, for the record */
	char	*cert_sha256;		/* hex SHA-256 of the DER certificate */
	char	*email;			/* subject emailAddress (SAT: the taxpayer's
					 * address given at issuance), the only one */
	int64_t	 not_before;		/* UTC seconds */
	int64_t	 not_after;
};

void	bz_signer_free(struct bz_signer *s);	/* frees fields, not s itself */

/* One MIME part of the signed content, for the acuse. */
struct bz_part {
	char	*name;			/* filename or NULL */
	char	*content_type;		/* "application/pdf" */
	size_t	 size;			/* decoded size in bytes */
	char	 sha256[65];		/* hex SHA-256 of the decoded content */
};

#endif
