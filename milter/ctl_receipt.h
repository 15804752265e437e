/*
 * ctl_receipt - the store half of buzonctl receipt (ctl_receipt_store.c),
 * called from the dispatcher in ctl_receipt.c
 */
#ifndef BUZON_CTL_RECEIPT_H
#define BUZON_CTL_RECEIPT_H

int	ctl_receipt_show(const char *folio, int json, const char *config_path);
int	ctl_receipt_resend(const char *folio, const char *config_path);
int	ctl_receipt_list(const char *rfc, const char *since, int json,
	    const char *config_path);

#endif
