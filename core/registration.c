/*
 * registration - the Subject word and the data lines of a registration step
 *
 * See include/buzon/registration.h. This file only reads: the action of a
 * Subject, the "Clave: valor" lines of the signed text, and the checks of
 * each value. What an attacker controls here is the whole text, so:
 *   - only the signed content is read (bz_registration_signed_text finds
 *     the signed entity again and refuses it unless its SHA-256 is the one
 *     verification vouched for);
 *   - an address is taken only in the plainest form (bz_address_plain:
 *     dot-atom, no quotes, no blanks, so no CR or LF can reach the header
 *     of a validation notice), never one of the Institute's mailboxes;
 *   - every bad value is a coded reason, all of them listed.
 */
#include "build-aux/config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>
#include <openssl/cms.h>

#include "buzon/address.h"
#include "buzon/digest.h"
#include "buzon/mime.h"
#include "buzon/registration.h"
#include "buzon/xalloc.h"

/* A registration step is a few lines: a larger signed entity or text is
 * refused (BZ-REG-NO-DATA) before it is parsed into memory. */
#define MAX_ENTITY	(256 * 1024)
#define MAX_TEXT	(64 * 1024)

/* fold_word - ASCII lower case of a UTF-8 word, Spanish accents dropped */
static char *
fold_word(const char *s, size_t n)
{
	struct bz_buf b = BZ_BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0xC3 && i + 1 < n) {
			unsigned char d = (unsigned char)s[++i] | 0x20;

			/* U+00C0..U+00FF: both cases of the vowels and N */
			switch (d) {
			case 0xA1: c = 'a'; break;
			case 0xA9: c = 'e'; break;
			case 0xAD: c = 'i'; break;
			case 0xB3: c = 'o'; break;
			case 0xBA: case 0xBC: c = 'u'; break;
			case 0xB1: c = 'n'; break;
			default: c = '?'; break;
			}
		}
		bz_buf_putc(&b, (char)tolower(c));
	}
	return bz_buf_steal(&b);
}

/* bz_registration_action - the action named by the first Subject word */
enum bz_reg_action
bz_registration_action(const char *subject, char **arg)
{
	static const struct { const char *word; enum bz_reg_action a; } words[] = {
		{ "registro", BZ_REG_REGISTRO },
		{ "confirmacion", BZ_REG_CONFIRMACION },
		{ "conformidad", BZ_REG_CONFORMIDAD },
		{ "actualizacion", BZ_REG_ACTUALIZACION },
	};
	enum bz_reg_action a = BZ_REG_NONE;
	const char *p = subject, *w;
	char *folded;

	if (arg != NULL)
		*arg = NULL;
	if (p == NULL)
		return BZ_REG_NONE;
	while (*p == ' ' || *p == '\t')
		p++;
	for (w = p; *p != '\0' && *p != ' ' && *p != '\t' && *p != ':'; p++)
		;
	folded = fold_word(w, (size_t)(p - w));
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(folded, words[i].word) == 0)
			a = words[i].a;
	free(folded);
	if (a != BZ_REG_NONE && arg != NULL) {
		while (*p == ' ' || *p == '\t' || *p == ':')
			p++;
		for (w = p; *p != '\0' && *p != ' ' && *p != '\t'; p++)
			;
		if (p > w)
			*arg = xstrndup(w, (size_t)(p - w));
	}
	return a;
}

/* bz_registration_action_name - the Subject word of an action */
const char *
bz_registration_action_name(enum bz_reg_action a)
{
	switch (a) {
	case BZ_REG_REGISTRO: return "REGISTRO";
	case BZ_REG_CONFIRMACION: return "CONFIRMACION";
	case BZ_REG_CONFORMIDAD: return "CONFORMIDAD";
	case BZ_REG_ACTUALIZACION: return "ACTUALIZACION";
	case BZ_REG_NONE: break;
	}
	return "promocion";
}

/* bz_reg_request_free - release parsed data */
void
bz_reg_request_free(struct bz_reg_request *r)
{
	for (size_t i = 0; i < r->naddresses; i++)
		free(r->addresses[i]);
	free(r->mobile);
	free(r->code);
	free(r->consent_sha256);
	memset(r, 0, sizeof(*r));
}

/* bz_registration_address_ok - a contact address the notices may use */
int
bz_registration_address_ok(const char *s)
{
	if (s == NULL || strpbrk(s, "\r\n") != NULL)
		return 0;
	return bz_address_plain(s);
}

/* bz_registration_mobile - a Mexican mobile, "+52" and 10 digits */
char *
bz_registration_mobile(const char *s)
{
	struct bz_buf b = BZ_BUF_INIT;

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '-' || *s == '\t')
			continue;
		if (!(isdigit((unsigned char)*s) || (*s == '+' && b.len == 0))) {
			bz_buf_free(&b);
			return NULL;
		}
		bz_buf_putc(&b, *s);
	}
	if (b.len != 13 || strncmp(bz_buf_str(&b), "+52", 3) != 0) {
		bz_buf_free(&b);
		return NULL;
	}
	return bz_buf_steal(&b);
}

/* trim - [*s, *e) without surrounding blanks */
static void
trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
		(*e)--;
}

/* is_mailbox - one of the Institute's own addresses (case-insensitive) */
static int
is_mailbox(const char *a, const char *const *mb, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(a, mb[i]) == 0)
			return 1;
	return 0;
}

/* add_address - one Correo line */
static void
add_address(struct bz_reg_request *req, const char *v, size_t n,
    const char *const *mb, size_t nmb, size_t *seen, struct bz_reasons *reasons)
{
	char *a = xstrndup(v, n);

	(*seen)++;
	for (char *p = a; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (memchr(v, '\0', n) != NULL || !bz_registration_address_ok(a) ||
	    is_mailbox(a, mb, nmb)) {
		bz_reasons_add(reasons, "BZ-REG-ADDRESS-INVALID");
		free(a);
		return;
	}
	for (size_t i = 0; i < req->naddresses; i++)
		if (strcmp(req->addresses[i], a) == 0) {
			bz_reasons_add(reasons, "BZ-REG-ADDRESS-DUPLICATE");
			free(a);
			return;
		}
	if (req->naddresses == BZ_REG_MAX_ADDRESSES) {
		free(a);
		return;			/* counted in *seen: too many */
	}
	req->addresses[req->naddresses++] = a;
}

/* all_digits - n characters, all decimal digits */
static int
all_digits(const char *s, size_t n, size_t want)
{
	if (n != want)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* all_hex - 64 hex digits */
static int
all_hex(const char *s, size_t n)
{
	if (n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* bz_registration_parse - the data lines of one step */
int
bz_registration_parse(enum bz_reg_action a, const char *text, size_t len,
    const char *const *mailboxes, size_t nmailboxes, struct bz_reg_request *req,
    struct bz_reasons *reasons)
{
	const char *p = text, *end = text + len;
	size_t seen = 0, nmobile = 0, ncode = 0, nconsent = 0, before = reasons->n;

	memset(req, 0, sizeof(*req));
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *colon, *ks, *ke, *vs, *ve;
		char *key;

		if (eol == NULL)
			eol = end;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon != NULL) {
			ks = p; ke = colon; vs = colon + 1; ve = eol;
			trim(&ks, &ke);
			trim(&vs, &ve);
			key = fold_word(ks, (size_t)(ke - ks));
			if (strcmp(key, "correo") == 0)
				add_address(req, vs, (size_t)(ve - vs), mailboxes,
				    nmailboxes, &seen, reasons);
			else if (strcmp(key, "celular") == 0) {
				char *v = xstrndup(vs, (size_t)(ve - vs));

				if (nmobile++ == 0 &&
				    (req->mobile = bz_registration_mobile(v)) == NULL)
					bz_reasons_add(reasons, "BZ-REG-MOBILE-INVALID");
				free(v);
			} else if (strcmp(key, "codigo") == 0) {
				if (ncode++ == 0 && all_digits(vs, (size_t)(ve - vs),
				    BZ_REG_CODE_LEN))
					req->code = xstrndup(vs, (size_t)(ve - vs));
			} else if (strcmp(key, "acepto") == 0) {
				if (nconsent++ == 0 && all_hex(vs, (size_t)(ve - vs))) {
					req->consent_sha256 = xstrndup(vs, (size_t)(ve - vs));
					for (char *q = req->consent_sha256; *q; q++)
						*q = (char)tolower((unsigned char)*q);
				}
			}
			free(key);
		}
		p = eol + 1;
	}
	switch (a) {
	case BZ_REG_REGISTRO:
	case BZ_REG_ACTUALIZACION:
		if (seen == 0 || seen > BZ_REG_MAX_ADDRESSES)
			bz_reasons_add(reasons, "BZ-REG-ADDRESS-COUNT");
		if (nmobile == 0 || nmobile > 1)
			bz_reasons_add(reasons, "BZ-REG-MOBILE-INVALID");
		break;
	case BZ_REG_CONFIRMACION:
		if (req->code == NULL || ncode != 1)
			bz_reasons_add(reasons, "BZ-REG-CODE-WRONG");
		break;
	case BZ_REG_CONFORMIDAD:
		if (req->consent_sha256 == NULL || nconsent != 1)
			bz_reasons_add(reasons, "BZ-REG-CONSENT-HASH");
		break;
	case BZ_REG_NONE:
		break;
	}
	return reasons->n > before ? -1 : 0;
}

/* first_text_plain - depth first, the first text/plain leaf (not inside
 * an attached message) */
static GMimePart *
first_text_plain(GMimeObject *o, int depth)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);

	if (depth > BZ_MIME_MAX_DEPTH_DEFAULT)
		return NULL;
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int n = g_mime_multipart_get_count(mp);

		for (int i = 0; i < n; i++) {
			GMimePart *p = first_text_plain(g_mime_multipart_get_part(mp, i),
			    depth + 1);

			if (p != NULL)
				return p;
		}
		return NULL;
	}
	if (GMIME_IS_PART(o) && ct != NULL &&
	    g_mime_content_type_is_type(ct, "text", "plain"))
		return GMIME_PART(o);
	return NULL;
}

/* entity_text - decode the first text/plain part of an entity */
static int
entity_text(const unsigned char *ent, size_t len, struct bz_buf *text,
    struct bz_buf *err)
{
	GMimeStream *in = g_mime_stream_mem_new_with_buffer((const char *)ent, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(in);
	GMimeObject *top = g_mime_parser_construct_part(parser, NULL);
	GMimePart *part;
	int rc = -1;

	if (top == NULL)
		bz_buf_puts(err, "the signed content is not a MIME entity");
	else if ((part = first_text_plain(top, 0)) == NULL)
		bz_buf_puts(err, "the signed content has no text/plain part");
	else {
		GMimeDataWrapper *dw = g_mime_part_get_content(part);
		GByteArray *arr = g_byte_array_new();
		GMimeStream *out = g_mime_stream_mem_new_with_byte_array(arr);

		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(out), FALSE);
		if (dw != NULL && g_mime_data_wrapper_write_to_stream(dw, out) >= 0 &&
		    arr->len <= MAX_TEXT) {
			bz_buf_append(text, arr->data, arr->len);
			rc = 0;
		} else if (dw != NULL && arr->len > MAX_TEXT)
			bz_buf_puts(err, "the text/plain part is too large for a registration step");
		else
			bz_buf_puts(err, "the text/plain part cannot be decoded");
		g_object_unref(out);
		g_byte_array_free(arr, TRUE);
	}
	if (top != NULL)
		g_object_unref(top);
	g_object_unref(parser);
	g_object_unref(in);
	return rc;
}

/* bz_registration_signed_text - the signed text/plain part, checked */
int
bz_registration_signed_text(const unsigned char *msg, size_t len,
    const char *expect_sha256, struct bz_buf *text, struct bz_buf *err)
{
	struct bz_mime_limits lim;
	struct bz_mime_signed ms;
	struct bz_reasons r;
	struct bz_buf ent = BZ_BUF_INIT;
	char sha[65];
	int rc = -1, too_large = 0;

	bz_mime_limits_default(&lim);
	bz_reasons_init(&r);
	switch (bz_mime_find_signed(msg, len, &lim, &ms, &r)) {
	case BZ_MIME_DETACHED:
		if (ms.content_len > MAX_ENTITY)
			too_large = 1;
		else
			bz_buf_append(&ent, bz_mime_signed_content(&ms), ms.content_len);
		break;
	case BZ_MIME_OPAQUE: {
		const unsigned char *p = (const unsigned char *)ms.cms.data;
		CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)ms.cms.len);
		ASN1_OCTET_STRING **os = cms ? CMS_get0_content(cms) : NULL;

		if (os != NULL && *os != NULL && ASN1_STRING_length(*os) > MAX_ENTITY)
			too_large = 1;
		else if (os != NULL && *os != NULL)
			bz_buf_append(&ent, ASN1_STRING_get0_data(*os),
			    (size_t)ASN1_STRING_length(*os));
		CMS_ContentInfo_free(cms);
		break;
	}
	case BZ_MIME_UNSIGNED:
		break;
	}
	bz_mime_signed_free(&ms);
	bz_reasons_free(&r);
	bz_sha256_hex(ent.len ? (const void *)ent.data : "", ent.len, sha);
	if (too_large)
		bz_buf_puts(err, "the signed content is too large for a registration step");
	else if (ent.len == 0 || expect_sha256 == NULL || strcmp(sha, expect_sha256) != 0)
		bz_buf_puts(err, "the signed entity found again is not the verified one");
	else
		rc = entity_text((const unsigned char *)ent.data, ent.len, text, err);
	bz_buf_free(&ent);
	return rc;
}
