/*
 * receipt_pdf - draw the printable acuse (cairo PDF surface, libqrencode)
 *
 * Letter size (612 x 792 pt), 54 pt margins. The first page carries the
 * QR code (include/buzon/receipt_pdf.h has its payload) in its top right
 * corner; the text flows beside it, then at full width, onto as many
 * pages as it needs, each with a footer naming the folio and the page.
 * The text is bz_receipt_text() line by line, so the PDF says exactly
 * what the mail's text part says, in the same order, from the same field
 * table; the cadena original and the sello are set in a monospaced font
 * and broken at any character (never at a space only, which would lose
 * the space): joining their lines gives them back byte for byte.
 *
 * Same bytes every time: the document dates are the acuse's legal
 * instant (else its arrival), never the clock; the fonts come from fixed
 * fontconfig names and must resolve to those families; cairo's font
 * subset names derive from the glyphs used, not from chance.
 */
#include "build-aux/config.h"

#include <errno.h>
#include <string.h>

#include <cairo.h>
#include <cairo-ft.h>
#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>
#include <qrencode.h>

#include "buzon/receipt.h"
#include "buzon/receipt_pdf.h"

#define PAGE_W		612.0	/* US Letter, points */
#define PAGE_H		792.0
#define MARGIN		54.0
#define QR_SIZE		144.0	/* two inches, quiet zone included */
#define QR_GAP		14.0	/* between the text and the QR code */
#define FOOTER_H	24.0
#define SANS_SIZE	9.5
#define SANS_LEAD	12.5
#define TITLE_SIZE	13.0
#define TITLE_LEAD	18.0
#define MONO_SIZE	8.0
#define MONO_LEAD	10.5

#define SANS_FONT	"DejaVu Sans"
#define MONO_FONT	"DejaVu Sans Mono"

/* The drawing state of one document. */
struct layout {
	cairo_t		*cr;
	cairo_font_face_t *sans, *mono;
	const char	*folio;		/* normalised, for the footer */
	int		 page;		/* 1-based */
	double		 y;		/* baseline of the next line */
	struct bz_buf	 line;		/* scratch: the line being measured */
};

/* pdf_write - cairo's stream callback: append to the output buffer */
static cairo_status_t
pdf_write(void *closure, const unsigned char *data, unsigned int len)
{
	bz_buf_append(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

/*
 * load_face - a cairo face for a fontconfig family name; NULL (reason in
 * err) when fontconfig resolves the name to another family, since a
 * substitute font would change the bytes from one machine to another
 */
static cairo_font_face_t *
load_face(const char *family, struct bz_buf *err)
{
	FcPattern *pat, *match;
	FcResult res;
	FcChar8 *got = NULL;
	cairo_font_face_t *face = NULL;

	if ((pat = FcPatternCreate()) == NULL)
		goto fail;
	FcPatternAddString(pat, FC_FAMILY, (const FcChar8 *)family);
	FcPatternAddString(pat, FC_STYLE, (const FcChar8 *)"Book");
	FcConfigSubstitute(NULL, pat, FcMatchPattern);
	FcDefaultSubstitute(pat);
	match = FcFontMatch(NULL, pat, &res);
	FcPatternDestroy(pat);
	if (match == NULL)
		goto fail;
	if (FcPatternGetString(match, FC_FAMILY, 0, &got) != FcResultMatch ||
	    strcmp((const char *)got, family) != 0) {
		bz_buf_printf(err, "font \"%s\" not installed (fontconfig offers \"%s\"): "
		    "install fonts-dejavu-core", family, got ? (const char *)got : "nothing");
		FcPatternDestroy(match);
		return NULL;
	}
	face = cairo_ft_font_face_create_for_pattern(match);
	FcPatternDestroy(match);	/* the face holds its own reference */
	if (cairo_font_face_status(face) == CAIRO_STATUS_SUCCESS)
		return face;
	cairo_font_face_destroy(face);
fail:
	bz_buf_printf(err, "font \"%s\" could not be loaded", family);
	return NULL;
}

/* set_font - select a face and size, with linear metrics */
static void
set_font(struct layout *l, cairo_font_face_t *face, double size)
{
	cairo_font_options_t *fo = cairo_font_options_create();

	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_set_font_options(l->cr, fo);
	cairo_font_options_destroy(fo);
	cairo_set_font_face(l->cr, face);
	cairo_set_font_size(l->cr, size);
}

/* footer - "Folio ... - página N" at the foot of the current page */
static void
footer(struct layout *l)
{
	struct bz_buf f = BZ_BUF_INIT;

	bz_buf_printf(&f, "Acuse %s - página %d", l->folio, l->page);
	set_font(l, l->sans, 7.5);
	cairo_move_to(l->cr, MARGIN, PAGE_H - MARGIN + FOOTER_H - 8.0);
	cairo_show_text(l->cr, bz_buf_str(&f));
	bz_buf_free(&f);
}

/* width_at - the text width available on the current line */
static double
width_at(const struct layout *l, double lead)
{
	double full = PAGE_W - 2 * MARGIN;

	if (l->page == 1 && l->y - lead < MARGIN + QR_SIZE)
		return full - QR_SIZE - QR_GAP;
	return full;
}

/* next_line - move to the next baseline, starting a page when needed */
static void
next_line(struct layout *l, double lead)
{
	if (l->y + lead > PAGE_H - MARGIN) {
		footer(l);
		cairo_show_page(l->cr);
		l->page++;
		l->y = MARGIN;
	}
	l->y += lead;
}

/* text_width - advance of the first n bytes of s */
static double
text_width(struct layout *l, const char *s, size_t n)
{
	cairo_text_extents_t ext;

	bz_buf_reset(&l->line);
	bz_buf_append(&l->line, s, n);
	cairo_text_extents(l->cr, bz_buf_str(&l->line), &ext);
	return ext.x_advance;
}

/* utf8_step - bytes of the character that starts s (normalised text) */
static size_t
utf8_step(const char *s)
{
	size_t i = 1;

	while (((unsigned char)s[i] & 0xc0) == 0x80)
		i++;
	return i;
}

/*
 * fit - how many bytes of s (n bytes) go on one line of width w: whole
 * words when words are wanted and at least one fits, else whole
 * characters (at least one, so every line makes progress)
 */
static size_t
fit(struct layout *l, const char *s, size_t n, double w, int words)
{
	size_t end = 0, lastspace = 0, k;
	double x = 0;

	/* cairo_show_text places glyph after glyph by their advances (no
	 * kerning), so a line's width is the sum of its characters'. */
	while (end < n) {
		k = end + utf8_step(s + end);
		x += text_width(l, s + end, k - end);
		if (x > w)
			break;
		end = k;
		if (end < n && s[end] == ' ')
			lastspace = end;
	}
	if (end == n || end == 0)
		return end == 0 ? utf8_step(s) : end;
	if (words && lastspace > 0 && s[end] != ' ')
		return lastspace;
	return end;
}

/* paragraph - one line of the text, wrapped; indent kept on every line */
static void
paragraph(struct layout *l, const char *s, size_t n, cairo_font_face_t *face,
    double size, double lead, int words)
{
	size_t indent = 0, k;
	double dx;

	while (indent < n && s[indent] == ' ')
		indent++;
	set_font(l, face, size);
	dx = text_width(l, s, indent);
	s += indent;
	n -= indent;
	do {
		next_line(l, lead);
		set_font(l, face, size);
		k = n ? fit(l, s, n, width_at(l, lead) - dx, words) : 0;
		bz_buf_reset(&l->line);
		bz_buf_append(&l->line, s, k);
		cairo_move_to(l->cr, MARGIN + dx, l->y);
		cairo_show_text(l->cr, bz_buf_str(&l->line));
		s += k;
		n -= k;
		/* The space a line was broken at starts no line. */
		if (words && n > 0 && *s == ' ') {
			s++;
			n--;
		}
	} while (n > 0);
}

/* draw_qr - the payload as a QR code in the first page's top right corner */
static int
draw_qr(struct layout *l, const char *payload, struct bz_buf *err)
{
	QRcode *q;
	double mod, x0, y0;
	int w;

	q = QRcode_encodeData((int)strlen(payload), (const unsigned char *)payload, 0,
	    QR_ECLEVEL_M);
	if (q == NULL) {
		bz_buf_printf(err, "QR code not encoded: %s", strerror(errno));
		return -1;
	}
	w = q->width;
	mod = QR_SIZE / (w + 8);		/* four modules of quiet zone */
	x0 = PAGE_W - MARGIN - QR_SIZE + 4 * mod;
	y0 = MARGIN + 4 * mod;
	/* One rectangle per horizontal run of dark modules: adjacent
	 * squares would leave hairline seams in a rasteriser. */
	for (int y = 0; y < w; y++)
		for (int x = 0; x < w; ) {
			int x1 = x;

			while (x1 < w && (q->data[y * w + x1] & 1))
				x1++;
			if (x1 > x) {
				cairo_rectangle(l->cr, x0 + x * mod, y0 + y * mod,
				    (x1 - x) * mod, mod);
				x = x1;
			} else
				x++;
		}
	cairo_set_source_rgb(l->cr, 0, 0, 0);
	cairo_fill(l->cr);
	QRcode_free(q);
	return 0;
}

/* same_text - the line s (n bytes) is exactly the string v */
static int
same_text(const char *s, size_t n, const struct bz_buf *v)
{
	return v->len > 0 && n == v->len && memcmp(s, v->data, n) == 0;
}

/* draw_text - every line of the Spanish text, then the verification address */
static void
draw_text(struct layout *l, const struct bz_receipt *r, const char *url)
{
	struct bz_buf text = BZ_BUF_INIT, cadena = BZ_BUF_INIT, sello = BZ_BUF_INIT;
	const char *p, *nl, *end;
	int first = 1;

	bz_receipt_text(r, &text);
	bz_buf_printf(&text, "\nDirección de verificación:\n  %s\n", url);
	bz_receipt_cadena(r, &cadena);
	bz_receipt_normalize(&sello, r->sello);
	end = text.data + text.len;
	for (p = text.data; p < end; p = nl + 1) {
		size_t n;

		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (first)
			paragraph(l, p, n, l->sans, TITLE_SIZE, TITLE_LEAD, 1);
		else if (same_text(p, n, &cadena) || same_text(p, n, &sello))
			paragraph(l, p, n, l->mono, MONO_SIZE, MONO_LEAD, 0);
		else
			paragraph(l, p, n, l->sans, SANS_SIZE, SANS_LEAD, 1);
		first = 0;
	}
	bz_buf_free(&text);
	bz_buf_free(&cadena);
	bz_buf_free(&sello);
}

/* bz_receipt_pdf - the printable acuse, appended to out */
int
bz_receipt_pdf(const struct bz_receipt *r, const char *verify_url,
    struct bz_buf *out, struct bz_buf *err)
{
	struct layout l;
	struct bz_buf url = BZ_BUF_INIT, payload = BZ_BUF_INIT, folio = BZ_BUF_INIT;
	struct bz_buf doc = BZ_BUF_INIT;
	cairo_surface_t *surf;
	cairo_status_t st;
	const char *date = r->legal_utc && *r->legal_utc ? r->legal_utc : r->arrival_utc;
	const char *why;
	int rc = -1;

	memset(&l, 0, sizeof(l));
	if (verify_url == NULL || (why = bz_verify_url_check(verify_url)) != NULL) {
		bz_buf_printf(err, "VerifyURL: %s", verify_url ? why : "not set");
		return -1;
	}
	if (date == NULL || *date == '\0' || r->sello == NULL || r->folio == NULL) {
		bz_buf_puts(err, "the acuse is not sealed (no folio, instant or sello)");
		return -1;
	}
	bz_receipt_normalize(&folio, r->folio);
	bz_verify_url(verify_url, r->folio, &url);
	bz_receipt_qr_payload(r, bz_buf_str(&url), &payload);
	if ((l.sans = load_face(SANS_FONT, err)) == NULL ||
	    (l.mono = load_face(MONO_FONT, err)) == NULL)
		goto out;

	surf = cairo_pdf_surface_create_for_stream(pdf_write, &doc, PAGE_W, PAGE_H);
	cairo_pdf_surface_restrict_to_version(surf, CAIRO_PDF_VERSION_1_5);
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, bz_buf_str(&folio));
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_AUTHOR,
	    "Instituto Mexicano del Seguro Social - Buzón IMSS");
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, PACKAGE_STRING);
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATE_DATE, date);
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_MOD_DATE, date);
	l.cr = cairo_create(surf);
	l.folio = bz_buf_str(&folio);
	l.page = 1;
	l.y = MARGIN;
	cairo_set_source_rgb(l.cr, 0, 0, 0);
	if (draw_qr(&l, bz_buf_str(&payload), err) == 0) {
		draw_text(&l, r, bz_buf_str(&url));
		footer(&l);
		cairo_show_page(l.cr);
		rc = 0;
	}
	st = cairo_status(l.cr);
	cairo_destroy(l.cr);
	cairo_surface_finish(surf);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(surf);
	cairo_surface_destroy(surf);
	if (rc == 0 && st != CAIRO_STATUS_SUCCESS) {
		bz_buf_printf(err, "cairo: %s", cairo_status_to_string(st));
		rc = -1;
	}
	if (rc == 0)
		bz_buf_append(out, doc.data, doc.len);
out:
	if (l.sans)
		cairo_font_face_destroy(l.sans);
	if (l.mono)
		cairo_font_face_destroy(l.mono);
	bz_buf_free(&l.line);
	bz_buf_free(&doc);
	bz_buf_free(&url);
	bz_buf_free(&payload);
	bz_buf_free(&folio);
	return rc;
}

/*
 * bz_receipt_pdf_library_end - drop cairo's font caches and fontconfig's
 * configuration. Call once, before exit, when no PDF is being drawn in
 * any thread: otherwise what they keep for the process's life looks
 * like a leak to LeakSanitizer and valgrind.
 */
void
bz_receipt_pdf_library_end(void)
{
	cairo_debug_reset_static_data();
	FcFini();
}
