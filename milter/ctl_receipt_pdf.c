/*
 * ctl_receipt_pdf - buzonctl receipt pdf, and the "pdf" check of
 *		     receipt verify --pdf
 *
 *   receipt pdf FOLIO -o FILE	the printable acuse of a filing
 *				(include/buzon/receipt_pdf.h), drawn from
 *				the acuse kept in the store exactly as
 *				sealed; FILE "-" is standard output
 *				(an NT- folio: the notification's acuse
 *				de notificacion or constancia as first
 *				queued)
 *
 * The check reads the QR code the way a person's phone would: the first
 * page rasterised by pdftoppm (poppler-utils) at 150 dpi, the image
 * decoded by zbarimg (zbar-tools). Both are run as programs rather than
 * linked: poppler and zbar would add two large libraries (and their
 * image stacks) to buzonctl for one check that an operator runs by hand,
 * and the programs are the same real readers the tests use. When either
 * is missing the check is "unknown" and says which package to install.
 * The decoded payload must name the folio and the RFC of the acuse
 * verified, the SHA-256 of its cadena original, and VerifyURL's address
 * for that folio (bz_receipt_qr_match).
 *
 * Exit of receipt pdf: 0 written, 1 no such folio or no sealed acuse,
 * 2 bad usage, unusable configuration (VerifyURL unset) or unwritable
 * FILE, 3 the database could not be read.
 */
#include "build-aux/config.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buzon/buf.h"
#include "buzon/receipt.h"
#include "buzon/receipt_pdf.h"
#include "buzonctl.h"
#include "ctl_receipt.h"

extern char **environ;

/* pdf_usage - the subcommand's usage line */
static int
pdf_usage(FILE *fp, int status)
{
	fprintf(fp, "usage: buzonctl [-c FILE] receipt pdf FOLIO -o FILE\n"
	    "Writes the printable acuse of FOLIO (Letter-size PDF: the Spanish text,\n"
	    "the cadena original, the sello and a QR code with the folio, the RFC,\n"
	    "the SHA-256 of the cadena and the VerifyURL address) to FILE (- for\n"
	    "standard output). The same acuse always gives the same bytes.\n");
	return status;
}

/* write_out - the whole buffer to path ("-": standard output) */
static int
write_out(const char *path, const struct bz_buf *b)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
	int bad;

	if (fp == NULL)
		return -1;
	bad = fwrite(b->data, 1, b->len, fp) != b->len;
	if (fp == stdout)
		bad |= fflush(fp) != 0;
	else
		bad |= fclose(fp) != 0;
	return bad ? -1 : 0;
}

/* ctl_receipt_pdf - "receipt pdf FOLIO -o FILE" */
int
ctl_receipt_pdf(int argc, char **argv, const char *config_path)
{
	const char *folio = NULL, *out_path = NULL;
	struct bz_receipt r;
	struct bz_buf pdf = BZ_BUF_INIT, err = BZ_BUF_INIT;
	char *url = NULL;
	int rc;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return pdf_usage(stdout, CTL_EXIT_OK);
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			out_path = argv[++i];
		else if (argv[i][0] != '-' && folio == NULL)
			folio = argv[i];
		else {
			fprintf(stderr, "buzonctl receipt pdf: unexpected argument %s\n", argv[i]);
			return pdf_usage(stderr, CTL_EXIT_USAGE);
		}
	}
	if (folio == NULL || out_path == NULL)
		return pdf_usage(stderr, CTL_EXIT_USAGE);
	bz_receipt_init(&r);
	if ((rc = ctl_receipt_kept(folio, config_path, &r, &url)) >= 0)
		goto out;
	rc = CTL_EXIT_USAGE;
	if (url == NULL) {
		fprintf(stderr, "buzonctl receipt pdf: VerifyURL is not set in %s: the QR "
		    "code needs the verification address\n", config_path);
		goto out;
	}
	if (bz_receipt_pdf(&r, url, &pdf, &err) != 0)
		fprintf(stderr, "buzonctl receipt pdf: %s\n", bz_buf_str(&err));
	else if (write_out(out_path, &pdf) != 0)
		fprintf(stderr, "buzonctl receipt pdf: %s: %s\n", out_path, strerror(errno));
	else
		rc = CTL_EXIT_OK;
	bz_receipt_pdf_library_end();
out:
	free(url);
	bz_receipt_free(&r);
	bz_buf_free(&pdf);
	bz_buf_free(&err);
	return rc;
}

/*
 * run - run argv (found on PATH), its standard output appended to out
 * when out is not NULL (else discarded); standard error is inherited.
 * Returns the exit status, 127 when it could not be started, -1 on a
 * signal.
 */
static int
run(char *const argv[], struct bz_buf *out)
{
	posix_spawn_file_actions_t fa;
	int fd[2] = { -1, -1 }, status;
	pid_t pid;
	char chunk[4096];
	ssize_t n;

	if (out != NULL && pipe(fd) != 0)
		return 127;
	posix_spawn_file_actions_init(&fa);
	if (out != NULL) {
		posix_spawn_file_actions_adddup2(&fa, fd[1], STDOUT_FILENO);
		posix_spawn_file_actions_addclose(&fa, fd[0]);
		posix_spawn_file_actions_addclose(&fa, fd[1]);
	} else
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	status = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (out != NULL)
		close(fd[1]);
	if (status != 0) {
		if (out != NULL)
			close(fd[0]);
		return 127;
	}
	if (out != NULL) {
		while ((n = read(fd[0], chunk, sizeof(chunk))) > 0 ||
		    (n < 0 && errno == EINTR))
			if (n > 0)
				bz_buf_append(out, chunk, (size_t)n);
		close(fd[0]);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ctl_receipt_pdf_check - the QR code of the PDF says what r says */
int
ctl_receipt_pdf_check(const char *pdf_path, const struct bz_receipt *r,
    const char *verify_url, struct bz_buf *detail)
{
	char dir[] = "/tmp/buzonctl-pdf.XXXXXX";
	struct bz_buf root = BZ_BUF_INIT, png = BZ_BUF_INIT, text = BZ_BUF_INIT;
	struct bz_buf url = BZ_BUF_INIT, file = BZ_BUF_INIT;
	struct bz_receipt_qr qr;
	int rc = -1, st;

	if (mkdtemp(dir) == NULL) {
		bz_buf_printf(detail, "no scratch directory: %s", strerror(errno));
		return -1;
	}
	/* A file name starting with "-" must not read as an option. */
	bz_buf_printf(&file, "%s%s", pdf_path[0] == '-' ? "./" : "", pdf_path);
	bz_buf_printf(&root, "%s/page", dir);
	bz_buf_printf(&png, "%s/page.png", dir);
	{
		char *ppm[] = { "pdftoppm", "-q", "-r", "150", "-f", "1", "-l", "1",
		    "-singlefile", "-png", file.data, root.data, NULL };

		st = run(ppm, NULL);
	}
	if (st == 127) {
		bz_buf_puts(detail, "pdftoppm not found: install poppler-utils");
		goto out;
	}
	if (st != 0) {
		bz_buf_printf(detail, "pdftoppm cannot read %s as a PDF (exit %d)",
		    pdf_path, st);
		rc = 0;
		goto out;
	}
	{
		char *zbar[] = { "zbarimg", "-q", "--nodbus", "--raw", "-Sbinary",
		    png.data, NULL };

		st = run(zbar, &text);
	}
	if (st == 127) {
		bz_buf_puts(detail, "zbarimg not found: install zbar-tools");
		goto out;
	}
	rc = 0;
	if (st != 0 || text.len == 0) {
		bz_buf_puts(detail, "no QR code could be read on the first page");
		goto out;
	}
	if (bz_receipt_qr_parse(&qr, text.data, text.len, detail) != 0)
		goto out;
	if (verify_url != NULL)
		bz_verify_url(verify_url, r->folio, &url);
	if (bz_receipt_qr_match(&qr, r, verify_url ? bz_buf_str(&url) : NULL, detail) == 0) {
		bz_buf_printf(detail, "QR code matches the acuse: folio %s, RFC %s, "
		    "cadena SHA-256 %s, %s", qr.folio, qr.rfc, qr.sha256, qr.url);
		rc = 1;
	}
	bz_receipt_qr_free(&qr);
out:
	unlink(png.data);
	rmdir(dir);
	bz_buf_free(&root);
	bz_buf_free(&png);
	bz_buf_free(&text);
	bz_buf_free(&url);
	bz_buf_free(&file);
	return rc;
}
