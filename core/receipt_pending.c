/*
 * receipt_pending - sign the acuses sealed at their filing's commit
 *
 * The daemon's end-of-message path seals an acuse without signing it
 * (bz_receipt_render_ctx.defer, core/store_pending.c): the folio, the
 * record its cadena original is computed from, the digests of that cadena
 * and of the envelope data, and the pending row's digest are in the
 * committed "submission" event. The outbox's signer thread calls
 * bz_receipt_sign_pending() after each such commit: every pending acuse is
 * rebuilt from the committed record exactly as `buzonctl store
 * verify-chain` rebuilds it, compared with what the event sealed, and only
 * then signed (sello and S/MIME) and handed to bz_store_pending_complete.
 * A record or pending row changed since its commit is refused (logged with
 * the folio, left pending) rather than signed: the Institute's signature
 * never covers anything but what was sealed at the 250.
 *
 * The sello is RSA PKCS#1 v1.5 over the cadena: deterministic, so an
 * acuse signed again after a crash before its transaction committed
 * carries the same sello (the S/MIME signature and MIME boundary differ,
 * but that mail was never kept nor sent). The Date: of the mail is the
 * one fixed at the commit.
 */
#include "build-aux/config.h"

#include <stdlib.h>
#include <string.h>

#include "buzon/buf.h"
#include "buzon/digest.h"
#include "buzon/log.h"
#include "buzon/receipt.h"
#include "buzon/store.h"
#include "buzon/xalloc.h"

/*
 * unchanged - NULL when the record and the pending row are what the
 * folio's event sealed, else why not
 */
static const char *
unchanged(struct bz_store *st, const struct bz_submission *sub,
    const struct bz_acuse_pending *p, const struct bz_tz *tz, int *tempfail)
{
	char cadena[65], envelope[65], acuse[65], pending[65], c2[65], e2[65], p2[65];

	*tempfail = 0;
	if (bz_store_sealed_digests(st, sub->folio, cadena, envelope, acuse) !=
	    BZ_STORE_OK || bz_store_sealed_pending(st, sub->folio, pending) !=
	    BZ_STORE_OK) {
		*tempfail = 1;
		return "the folio's events could not be read";
	}
	if (cadena[0] == '\0' || pending[0] == '\0')
		return "its event sealed no cadena or no pending acuse";
	if (acuse[0] != '\0')
		return "an acuse was sealed for it already";
	bz_receipt_submission_digests(sub->folio, sub, tz,
	    sub->institution_no_certificado, c2, e2);
	bz_acuse_pending_digest(p, p2);
	if (strcmp(cadena, c2) != 0)
		return "the record no longer gives the cadena original its event sealed";
	if (envelope[0] != '\0' && strcmp(envelope, e2) != 0)
		return "the record's envelope data changed since its event sealed it";
	if (strcmp(pending, p2) != 0)
		return "the pending acuse (From, To, Date, recipients) changed since "
		    "its event sealed it";
	return NULL;
}

/*
 * sign_one - the signed acuse of one pending folio into *p and out:
 * 1 signed, 0 refused or gone, -1 database error
 */
static int
sign_one(struct bz_store *st, const struct bz_receipt_signer *s,
    const struct bz_tz *tz, const char *folio, struct bz_acuse_pending *p,
    struct bz_buf *out)
{
	struct bz_submission sub;
	struct bz_receipt r;
	struct bz_receipt_mail m;
	struct bz_buf err = BZ_BUF_INIT, cad = BZ_BUF_INIT;
	const char *why, *no = bz_receipt_signer_no_certificado(s);
	enum bz_store_status rc;
	char *irt = NULL, c2[65], sealed[65], e[65], a[65];
	int tempfail, ret = 0;

	if ((rc = bz_store_pending_get(st, folio, p)) != BZ_STORE_OK)
		return rc == BZ_STORE_NOTFOUND ? 0 : -1;
	if ((rc = bz_store_submission_get(st, folio, &sub)) != BZ_STORE_OK) {
		if (rc == BZ_STORE_NOTFOUND)
			bz_log(BZ_LOG_ERR, NULL, "folio %s: acuse pending for a filing "
			    "that has no row: not signed", folio);
		return rc == BZ_STORE_NOTFOUND ? 0 : -1;
	}
	bz_receipt_init(&r);
	if ((why = unchanged(st, &sub, p, tz, &tempfail)) != NULL) {
		if (tempfail)
			ret = -1;
		else
			bz_log(BZ_LOG_ERR, NULL, "folio %s: acuse NOT signed: %s "
			    "(see buzonctl store verify-chain)", folio, why);
		goto out;
	}
	if (sub.institution_no_certificado == NULL || no == NULL ||
	    strcmp(sub.institution_no_certificado, no) != 0) {
		/* The cadena names the certificate of its commit: only that
		 * key may sign it. Left pending until it is configured again. */
		bz_log(BZ_LOG_ERR, NULL, "folio %s: acuse not signed yet: its cadena "
		    "names institution certificate %s, the configured one is %s",
		    folio, sub.institution_no_certificado ?
		    sub.institution_no_certificado : "-", no ? no : "-");
		goto out;
	}
	bz_receipt_from_submission(&r, folio, &sub, tz, NULL);
	irt = bz_receipt_in_reply_to(sub.message_id);
	memset(&m, 0, sizeof(m));	/* fields added later stay NULL */
	m.from = p->mail_from;
	m.to = p->mail_to;
	m.in_reply_to = irt;
	m.date = p->date_utc;
	m.text_appendix = p->text_appendix;
	if (bz_receipt_render(s, &r, &m, out, NULL, &err) != 0) {
		bz_log(BZ_LOG_ERR, NULL, "folio %s: acuse could not be signed: %s",
		    folio, bz_buf_str(&err));
		goto out;
	}
	/* What the sello covers is what the event sealed, exactly. */
	bz_receipt_cadena(&r, &cad);
	bz_sha256_hex(cad.data, cad.len, c2);
	/* A database that cannot be read now (a restart, a failover) is a
	 * retry, not a refusal: a refused folio is not looked at again by
	 * this process (pg-restart.sh under valgrind lost two acuses so). */
	if ((rc = bz_store_sealed_digests(st, folio, sealed, e, a)) == BZ_STORE_TEMPFAIL) {
		ret = -1;
		goto out;
	}
	if (rc != BZ_STORE_OK || strcmp(sealed, c2) != 0) {
		bz_log(BZ_LOG_ERR, NULL, "folio %s: acuse NOT kept: the signed cadena "
		    "is not the sealed one", folio);
		goto out;
	}
	ret = 1;
out:
	free(irt);
	bz_buf_free(&err);
	bz_buf_free(&cad);
	bz_receipt_free(&r);
	bz_submission_free(&sub);
	return ret;
}

/* skipped - was folio refused earlier? */
static int
skipped(const struct bz_receipt_skip *skip, const char *folio)
{
	for (size_t i = 0; skip != NULL && i < skip->n; i++)
		if (strcmp(skip->folios[i], folio) == 0)
			return 1;
	return 0;
}

/* bz_receipt_skip_free - release the refused folios */
void
bz_receipt_skip_free(struct bz_receipt_skip *skip)
{
	for (size_t i = 0; i < skip->n; i++)
		free(skip->folios[i]);
	free(skip->folios);
	skip->folios = NULL;
	skip->n = 0;
}

/* sign_page - sign the listed folios, keep the batch; 0 or -1 */
static int
sign_page(struct bz_store *st, const struct bz_receipt_signer *s,
    const struct bz_tz *tz, int64_t now, char **folios, size_t n,
    struct bz_receipt_skip *skip, size_t *nsigned, size_t *nrefused)
{
	struct bz_acuse_pending *p = xcalloc(n ? n : 1, sizeof(*p));
	struct bz_acuse_signed *v = xcalloc(n ? n : 1, sizeof(*v));
	struct bz_buf *out = xcalloc(n ? n : 1, sizeof(*out));
	size_t k = 0;
	int rc = 0, r;

	for (size_t i = 0; i < n && rc == 0; i++) {
		if (skipped(skip, folios[i]))
			continue;
		if ((r = sign_one(st, s, tz, folios[i], &p[k], &out[k])) <= 0) {
			if (r < 0)
				rc = -1;
			else {
				(*nrefused)++;
				/* Not looked at again by this process: once
				 * logged is enough. */
				if (skip != NULL) {
					skip->folios = xrealloc(skip->folios,
					    (skip->n + 1) * sizeof(*skip->folios));
					skip->folios[skip->n++] = xstrdup(folios[i]);
				}
			}
			bz_acuse_pending_free(&p[k]);
			bz_buf_free(&out[k]);
		} else {
			v[k].pending = &p[k];
			v[k].acuse = out[k].data;
			v[k].len = out[k].len;
			k++;
		}
	}
	if (rc == 0 && bz_store_pending_complete(st, v, k, now) != BZ_STORE_OK)
		rc = -1;
	for (size_t i = 0; i < k; i++) {
		if (rc == 0 && v[i].kept) {
			(*nsigned)++;
			bz_log(BZ_LOG_INFO, NULL, "folio %s: acuse signed, %zu queued",
			    p[i].folio, v[i].queued);
		}
		bz_acuse_pending_free(&p[i]);
		bz_buf_free(&out[i]);
	}
	free(p);
	free(v);
	free(out);
	return rc;
}

/* bz_receipt_sign_pending - sign what the commits sealed, a page (one
 * transaction) at a time */
int
bz_receipt_sign_pending(struct bz_store *st, const struct bz_receipt_signer *s,
    const struct bz_tz *tz, int64_t before, int64_t now, size_t max,
    struct bz_receipt_skip *skip, size_t *nsigned, size_t *nrefused)
{
	char **folios, *after = NULL;
	size_t n;
	int rc = 0;

	*nsigned = *nrefused = 0;
	if (s == NULL)
		return 0;
	do {
		if (bz_store_pending_list(st, before, bz_receipt_signer_no_certificado(s),
		    after, max, &folios, &n) != BZ_STORE_OK) {
			rc = -1;
			break;
		}
		rc = sign_page(st, s, tz, now, folios, n, skip, nsigned, nrefused);
		free(after);
		after = n > 0 ? xstrdup(folios[n - 1]) : NULL;
		for (size_t i = 0; i < n; i++)
			free(folios[i]);
		free(folios);
		/* A full page may have been all refused: the next one. */
	} while (rc == 0 && n == max && *nsigned < max);
	free(after);
	return rc;
}
