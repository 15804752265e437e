/*
 * ctl_receipt - the store half of buzonctl receipt (ctl_receipt_store.c),
 * called from the dispatcher in ctl_receipt.c, and the printed acuse
 * (ctl_receipt_pdf.c)
 */
#ifndef BUZON_CTL_RECEIPT_H
#define BUZON_CTL_RECEIPT_H

int	ctl_receipt_show(const char *folio, int json, const char *config_path);
int	ctl_receipt_resend(const char *folio, const char *config_path);
int	ctl_receipt_list(const char *rfc, const char *since, int json,
	    const char *config_path);

/* receipt pdf and verify --pdf (ctl_receipt_pdf.c, ctl_receipt_store.c) */
struct bz_buf;
struct bz_receipt;
int	ctl_receipt_kept(const char *folio, const char *config_path,
	    struct bz_receipt *r, char **verify_url);
int	ctl_receipt_pdf(int argc, char **argv, const char *config_path);
/* The "pdf" check of receipt verify: 1 pass, 0 fail, -1 undecided. */
int	ctl_receipt_pdf_check(const char *pdf_path, const struct bz_receipt *r,
	    const char *verify_url, struct bz_buf *detail);


#endif
