/*
 * test_registration - registration data, tokens, codes and the state
 *		       machine in a real SQLite store (issue 9)
 *
 * "an employer registers one to five e-mail addresses and one mobile
 * number ... the contact means are confirmed within 72 hours of the
 * validation notice; then the employer expressly consents ... Only then
 * is the mailbox enabled."
 */
#include "build-aux/config.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buzon/buf.h"
#include "buzon/db.h"
#include "buzon/digest.h"
#include "buzon/mime.h"
#include "buzon/registration.h"
#include "buzon/store.h"
#include "buzon/receipt.h"
#include "core/store_int.h"
#include "pki.h"
#include "suites.h"

static const char *const mailboxes[] = { "buzon@imss.gob.mx" };

/* ---- the Subject word ---- */
static const struct {
	const char *subject;
	enum bz_reg_action action;
	const char *arg;
} actions[] = {
	{ "REGISTRO", BZ_REG_REGISTRO, NULL },
	{ "  registro de medios de contacto", BZ_REG_REGISTRO, "de" },
	{ "Confirmacion ABCDEF", BZ_REG_CONFIRMACION, "ABCDEF" },
	{ "CONFIRMACI\xc3\x93N: XYZ", BZ_REG_CONFIRMACION, "XYZ" },
	{ "confirmaci\xc3\xb3n", BZ_REG_CONFIRMACION, NULL },
	{ "Conformidad", BZ_REG_CONFORMIDAD, NULL },
	{ "ACTUALIZACI\xc3\x93N", BZ_REG_ACTUALIZACION, NULL },
	{ "Re: REGISTRO", BZ_REG_NONE, NULL },
	{ "registros", BZ_REG_NONE, NULL },
	{ "promocion 123", BZ_REG_NONE, NULL },
	{ "", BZ_REG_NONE, NULL },
};

START_TEST(test_action)
{
	char *arg = NULL;
	enum bz_reg_action a = bz_registration_action(actions[_i].subject, &arg);

	ck_assert_msg(a == actions[_i].action, "\"%s\": %d", actions[_i].subject, a);
	if (actions[_i].arg == NULL)
		ck_assert_ptr_null(arg);
	else
		ck_assert_str_eq(arg, actions[_i].arg);
	free(arg);
	ck_assert_int_eq(bz_registration_action(NULL, NULL), BZ_REG_NONE);
}
END_TEST

/* ---- the data lines ---- */
static const struct {
	enum bz_reg_action action;
	const char *text;
	const char *reason;		/* NULL: accepted */
	size_t naddresses;
} parses[] = {
	{ BZ_REG_REGISTRO, "Correo: a@empresa.mx\nCelular: +52 55 1234 5678\n", NULL, 1 },
	{ BZ_REG_REGISTRO, "correo:A@Empresa.MX\r\nCORREO: b@empresa.mx\r\n"
	  "celular: +52-55-1234-5678\r\n", NULL, 2 },
	{ BZ_REG_REGISTRO, "Celular: +525512345678\n", "BZ-REG-ADDRESS-COUNT", 0 },
	{ BZ_REG_REGISTRO, "Correo: a1@e.mx\nCorreo: a2@e.mx\nCorreo: a3@e.mx\n"
	  "Correo: a4@e.mx\nCorreo: a5@e.mx\nCorreo: a6@e.mx\nCelular: +525512345678\n",
	  "BZ-REG-ADDRESS-COUNT", 5 },
	{ BZ_REG_REGISTRO, "Correo: a@e.mx\nCorreo: A@E.MX\nCelular: +525512345678\n",
	  "BZ-REG-ADDRESS-DUPLICATE", 1 },
	{ BZ_REG_REGISTRO, "Correo: no es correo\nCelular: +525512345678\n",
	  "BZ-REG-ADDRESS-INVALID", 0 },
	/* header injection: a CR inside the value, or a second address */
	{ BZ_REG_REGISTRO, "Correo: a@e.mx\rBcc: victima@otro.mx\nCelular: +525512345678\n",
	  "BZ-REG-ADDRESS-INVALID", 0 },
	{ BZ_REG_REGISTRO, "Correo: a@e.mx, victima@otro.mx\nCelular: +525512345678\n",
	  "BZ-REG-ADDRESS-INVALID", 0 },
	{ BZ_REG_REGISTRO, "Correo: \"x y\"@e.mx\nCelular: +525512345678\n",
	  "BZ-REG-ADDRESS-INVALID", 0 },
	{ BZ_REG_REGISTRO, "Correo: <a@e.mx>\nCelular: +525512345678\n",
	  "BZ-REG-ADDRESS-INVALID", 0 },
	{ BZ_REG_REGISTRO, "Correo: BUZON@imss.gob.mx\nCelular: +525512345678\n",
	  "BZ-REG-ADDRESS-INVALID", 0 },
	{ BZ_REG_REGISTRO, "Correo: a@e.mx\n", "BZ-REG-MOBILE-INVALID", 1 },
	{ BZ_REG_REGISTRO, "Correo: a@e.mx\nCelular: 5512345678\n", "BZ-REG-MOBILE-INVALID", 1 },
	{ BZ_REG_REGISTRO, "Correo: a@e.mx\nCelular: +15551234567\n", "BZ-REG-MOBILE-INVALID", 1 },
	{ BZ_REG_REGISTRO, "Correo: a@e.mx\nCelular: +525512345678\nCelular: +525512345679\n",
	  "BZ-REG-MOBILE-INVALID", 1 },
	{ BZ_REG_CONFIRMACION, "C\xc3\xb3" "digo: 123456\n", NULL, 0 },
	{ BZ_REG_CONFIRMACION, "Codigo: 12345\n", "BZ-REG-CODE-WRONG", 0 },
	{ BZ_REG_CONFIRMACION, "Codigo: 123456\nCodigo: 654321\n", "BZ-REG-CODE-WRONG", 0 },
	{ BZ_REG_CONFORMIDAD, "Acepto: 0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef\n",
	  NULL, 0 },
	{ BZ_REG_CONFORMIDAD, "Acepto: si\n", "BZ-REG-CONSENT-HASH", 0 },
};

START_TEST(test_parse)
{
	struct bz_reg_request req;
	struct bz_reasons r;
	int rc;

	bz_reasons_init(&r);
	rc = bz_registration_parse(parses[_i].action, parses[_i].text,
	    strlen(parses[_i].text), mailboxes, 1, &req, &r);
	if (parses[_i].reason == NULL)
		ck_assert_msg(rc == 0 && r.n == 0, "case %d: %s", _i,
		    r.n ? r.items[0]->code : "-");
	else
		ck_assert_msg(rc == -1 && bz_reasons_has(&r, parses[_i].reason),
		    "case %d: want %s, got %s", _i, parses[_i].reason,
		    r.n ? r.items[0]->code : "none");
	ck_assert_uint_eq(req.naddresses, parses[_i].naddresses);
	for (size_t i = 0; i < req.naddresses; i++) {
		ck_assert_ptr_null(strpbrk(req.addresses[i], "\r\n ,<>\"ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
	}
	if (parses[_i].action == BZ_REG_REGISTRO && parses[_i].reason == NULL)
		ck_assert_str_eq(req.mobile, "+525512345678");
	if (parses[_i].action == BZ_REG_CONFORMIDAD && parses[_i].reason == NULL)
		ck_assert_str_eq(req.consent_sha256,
		    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	bz_reg_request_free(&req);
	bz_reasons_free(&r);
}
END_TEST

/* ---- the signed text ---- */
/* signed_msg - a multipart/signed around entity (the signature part is
 * not checked here: verification vouched for the entity's digest) */
static void
signed_msg(struct bz_buf *m, const char *entity)
{
	bz_buf_reset(m);
	bz_buf_puts(m, "Subject: REGISTRO\r\nCorreo: cabecera@otro.mx\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: multipart/signed; "
	    "protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"b\"\r\n"
	    "\r\nCorreo: preambulo@otro.mx\r\n--b\r\n");
	bz_buf_puts(m, entity);
	bz_buf_puts(m, "\r\n--b\r\nContent-Type: application/pkcs7-signature\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nMIIBAAAA\r\n--b--\r\n");
}

START_TEST(test_signed_text)
{
	struct bz_buf m = BZ_BUF_INIT, text = BZ_BUF_INIT, err = BZ_BUF_INIT, big = BZ_BUF_INIT;
	const char *entity = "Content-Type: multipart/mixed; boundary=\"i\"\r\n\r\n"
	    "--i\r\nContent-Type: application/pdf\r\n\r\n%PDF Correo: pdf@otro.mx\r\n"
	    "--i\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nQ29ycmVvOiBhQGIubXgK\r\n--i--";
	char sha[65];

	bz_mime_init();
	signed_msg(&m, entity);
	bz_sha256_hex(entity, strlen(entity), sha);
	ck_assert_msg(bz_registration_signed_text((const unsigned char *)m.data, m.len,
	    sha, &text, &err) == 0, "%s", bz_buf_str(&err));
	/* the first text/plain part, decoded; nothing from the header, the
	 * preamble or another part */
	ck_assert_str_eq(bz_buf_str(&text), "Correo: a@b.mx\n");
	bz_buf_reset(&text);
	ck_assert_int_eq(bz_registration_signed_text((const unsigned char *)m.data,
	    m.len, "00", &text, &err), -1);
	ck_assert_uint_eq(text.len, 0);
	/* no text/plain part */
	signed_msg(&m, "Content-Type: application/pdf\r\n\r\nCorreo: a@b.mx");
	bz_sha256_hex("Content-Type: application/pdf\r\n\r\nCorreo: a@b.mx", 47, sha);
	ck_assert_int_eq(bz_registration_signed_text((const unsigned char *)m.data,
	    m.len, sha, &text, &err), -1);
	/* a step is a few lines: 300 KiB is refused before it is parsed */
	bz_buf_puts(&big, "Content-Type: text/plain\r\n\r\n");
	for (int i = 0; i < 300 * 16; i++)
		bz_buf_puts(&big, "Correo: relleno-de-64-bytes-por-linea@empresa-de-prueba.mx..\r\n");
	signed_msg(&m, bz_buf_str(&big));
	bz_sha256_hex(big.data, big.len, sha);
	bz_buf_reset(&err);
	ck_assert_int_eq(bz_registration_signed_text((const unsigned char *)m.data,
	    m.len, sha, &text, &err), -1);
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&err), "too large"));
	bz_buf_free(&m);
	bz_buf_free(&text);
	bz_buf_free(&err);
	bz_buf_free(&big);
}
END_TEST

/* ---- tokens and codes ---- */
START_TEST(test_tokens)
{
	char a[BZ_REG_TOKEN_LEN + 1], b[BZ_REG_TOKEN_LEN + 1], ha[65], hb[65];
	char lower[BZ_REG_TOKEN_LEN + 8], code[BZ_REG_CODE_LEN + 1];

	ck_assert_int_eq(bz_contact_token_new(a), 0);
	ck_assert_int_eq(bz_contact_token_new(b), 0);
	ck_assert_uint_eq(strlen(a), 32);		/* 160 bits, base32 */
	ck_assert_uint_eq(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), 32);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(bz_contact_token_hash(a, ha), 0);
	ck_assert_int_eq(bz_contact_token_hash(b, hb), 0);
	ck_assert_str_ne(ha, hb);
	ck_assert_uint_eq(strlen(ha), 64);
	/* the hash is not the token (only the hash is stored) */
	ck_assert_ptr_null(strstr(ha, a));
	/* case and dashes a mail client may add do not matter */
	for (size_t i = 0; i < 32; i++)
		lower[i + i / 8] = (char)(a[i] >= 'A' && a[i] <= 'Z' ? a[i] + 32 : a[i]),
		lower[i + i / 8 + 1] = '-';
	lower[35] = '\0';
	ck_assert_int_eq(bz_contact_token_hash(lower, hb), 0);
	ck_assert_str_eq(ha, hb);
	ck_assert_int_eq(bz_contact_token_hash("SHORT", hb), -1);
	ck_assert_int_eq(bz_contact_token_hash("01189ABCDEFGHIJKLMNOPQRSTUVWXYZA", hb), -1);
	ck_assert_int_eq(bz_contact_code_new(code), 0);
	ck_assert_uint_eq(strlen(code), 6);
	ck_assert_uint_eq(strspn(code, "0123456789"), 6);
	ck_assert_int_eq(bz_contact_code_hash("AAA010101AAA", code, ha), 0);
	ck_assert_int_eq(bz_contact_code_hash("BBB010101BBB", code, hb), 0);
	ck_assert_str_ne(ha, hb);			/* bound to the RFC */
	ck_assert_int_eq(bz_contact_code_hash("AAA010101AAA", "12a456", ha), -1);
}
END_TEST

/* ---- the store ---- */
#define T0 1780315200		/* 2026-06-01T12:00:00Z */
#define RFC "EBU200101AB8"

static struct bz_store *
fresh_store(const char *name, char path[512])
{
	struct bz_buf err = BZ_BUF_INIT;
	struct bz_store *st;

	snprintf(path, 512, "%s/%s", test_tmpdir(), name);
	unlink(path);
	st = bz_store_open(path, 5000, 0, &err);
	ck_assert_msg(st != NULL, "%s", bz_buf_str(&err));
	bz_buf_free(&err);
	return st;
}

/* registro - a pending registration of rfc with n addresses, as REGISTRO writes it */
static void
registro(struct bz_store *st, const char *rfc, size_t n, int64_t now,
    struct bz_reg_new *out)
{
	static struct bz_reg_request req;
	static char a0[] = "uno@empresa.mx", a1[] = "dos@empresa.mx";

	memset(&req, 0, sizeof(req));
	req.addresses[0] = a0;
	req.addresses[1] = a1;
	req.naddresses = n;
	req.mobile = (char *)"+525512345678";
	memset(out, 0, sizeof(*out));
	out->rfc = rfc;
	out->rfc_representante = "PEGJ800101AB3";
	out->folio = NULL;
	out->signer_email = "rep@empresa.mx";
	out->req = &req;
	out->now = now;
	ck_assert_int_eq(store_begin(st, "t"), 0);
	ck_assert_int_eq(bz_registration_create_locked(st, "t", out), 0);
	ck_assert_int_eq(store_commit(st, "t"), 0);
}

/* state_of - the state of rfc's current registration */
static char *
state_of(struct bz_store *st, const char *rfc)
{
	struct bz_registration r;
	char *s;

	ck_assert_int_eq(bz_registration_get(st, rfc, &r), BZ_STORE_OK);
	s = strdup(r.state);
	bz_registration_free(&r);
	return s;
}

/* token_reason - confirm a token, expecting the given reason (NULL: OK) */
static void
token_reason(struct bz_store *st, const char *token, int64_t now, const char *want)
{
	struct bz_reg_result res;
	struct bz_reasons r;
	enum bz_store_status rc;

	bz_reasons_init(&r);
	rc = bz_registration_confirm_token(st, "t", token, now, &res, &r);
	if (want == NULL) {
		ck_assert_msg(rc == BZ_STORE_OK, "confirm: %d %s", rc,
		    r.n ? r.items[0]->code : "");
		bz_reg_result_free(&res);
	} else {
		ck_assert_int_eq(rc, BZ_STORE_NOTFOUND);
		ck_assert_msg(bz_reasons_has(&r, want), "want %s, got %s", want,
		    r.n ? r.items[0]->code : "none");
	}
	bz_reasons_free(&r);
}

/* code_reason - confirm the mobile code, expecting a reason (NULL: OK) */
static int
code_reason(struct bz_store *st, const char *rfc, const char *code, int64_t now,
    const char *want)
{
	struct bz_reg_result res;
	struct bz_reasons r;
	enum bz_store_status rc;
	int confirmed = 0;

	bz_reasons_init(&r);
	rc = bz_registration_confirm_code(st, "t", rfc, code, now, &res, &r);
	if (want == NULL) {
		ck_assert_msg(rc == BZ_STORE_OK, "code: %d %s", rc, r.n ? r.items[0]->code : "");
		confirmed = res.now_confirmed;
		bz_reg_result_free(&res);
	} else {
		ck_assert_int_eq(rc, BZ_STORE_NOTFOUND);
		ck_assert_msg(bz_reasons_has(&r, want), "want %s, got %s", want,
		    r.n ? r.items[0]->code : "none");
	}
	bz_reasons_free(&r);
	return confirmed;
}

START_TEST(test_happy_path)
{
	char path[512], *s, wrong[16];
	struct bz_store *st = fresh_store("reg-happy.db", path);
	struct bz_reg_new n;
	struct bz_reasons r;
	struct bz_chain_result chain;
	char **rcpts = NULL;
	size_t nrcpts = 0;

	registro(st, RFC, 2, T0, &n);
	ck_assert_str_eq((s = state_of(st, RFC)), "pending");
	free(s);
	ck_assert_int_eq(bz_registration_enabled(st, RFC), 0);
	/* consent before confirmation */
	bz_reasons_init(&r);
	ck_assert_int_eq(bz_registration_consent_check(st, RFC, "x", "x", T0, &r), 1);
	ck_assert(bz_reasons_has(&r, "BZ-REG-NOT-CONFIRMED"));
	bz_reasons_free(&r);

	token_reason(st, n.tokens[0], T0 + 60, NULL);
	token_reason(st, n.tokens[0], T0 + 61, "BZ-REG-TOKEN-USED");	/* replay */
	token_reason(st, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", T0 + 62, "BZ-REG-TOKEN-UNKNOWN");
	token_reason(st, "not a token", T0 + 62, "BZ-REG-TOKEN-UNKNOWN");
	/* a wrong code counts; the right one from another RFC does not match */
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(n.code) + 1) % 1000000);
	code_reason(st, RFC, wrong, T0 + 70, "BZ-REG-CODE-WRONG");
	code_reason(st, "OTRA800101AB9", n.code, T0 + 70, "BZ-REG-NOT-PENDING");
	ck_assert_int_eq(code_reason(st, RFC, n.code, T0 + 80, NULL), 1);
	ck_assert_str_eq((s = state_of(st, RFC)), "confirmed");
	free(s);
	/* the same code again (an MTA retrying after a 451): accepted, no change */
	ck_assert_int_eq(code_reason(st, RFC, n.code, T0 + 81, NULL), 0);
	code_reason(st, RFC, wrong, T0 + 81, "BZ-REG-NOT-PENDING");

	bz_reasons_init(&r);
	ck_assert_int_eq(bz_registration_consent_check(st, RFC, "aa", "bb", T0, &r), 1);
	ck_assert(bz_reasons_has(&r, "BZ-REG-CONSENT-HASH"));
	bz_reasons_free(&r);
	bz_reasons_init(&r);
	ck_assert_int_eq(bz_registration_consent_check(st, RFC, "bb", "bb", T0, &r), 0);
	bz_reasons_free(&r);
	ck_assert_int_eq(store_begin(st, "t"), 0);
	ck_assert_int_eq(bz_registration_enable_locked(st, "t", RFC, NULL, "bb",
	    T0 + 90, &rcpts, &nrcpts), 0);
	ck_assert_int_eq(store_commit(st, "t"), 0);
	/* the confirmed address and the certificate's; never the unconfirmed one */
	ck_assert_uint_eq(nrcpts, 2);
	for (size_t i = 0; i < nrcpts; i++) {
		ck_assert_msg(strcmp(rcpts[i], "uno@empresa.mx") == 0 ||
		    strcmp(rcpts[i], "rep@empresa.mx") == 0, "%s", rcpts[i]);
		free(rcpts[i]);
	}
	free(rcpts);
	ck_assert_int_eq(bz_registration_enabled(st, RFC), 1);
	ck_assert_str_eq((s = state_of(st, RFC)), "enabled");
	free(s);
	/* the second token, unused, cannot confirm anything any more */
	token_reason(st, n.tokens[1], T0 + 100, "BZ-REG-TOKEN-EXPIRED");

	ck_assert_int_eq(bz_store_verify_chain(st, &chain), BZ_STORE_OK);
	ck_assert_int_eq(chain.broken_id, 0);
	ck_assert_int_ge(chain.rows, 6);
	bz_store_close(st);
}
END_TEST

/* ACTUALIZACION: the confirmed contact means stay in force until the new
 * ones are confirmed; then the update is enabled in their place. */
START_TEST(test_update)
{
	char path[512], *s, **addrs;
	struct bz_store *st = fresh_store("reg-update.db", path);
	struct bz_reg_new a, u;
	struct bz_reasons r;
	char **rcpts = NULL;
	size_t nrcpts = 0, n;

	registro(st, RFC, 1, T0, &a);
	token_reason(st, a.tokens[0], T0 + 1, NULL);
	ck_assert_int_eq(code_reason(st, RFC, a.code, T0 + 2, NULL), 1);
	ck_assert_int_eq(store_begin(st, "t"), 0);
	ck_assert_int_eq(bz_registration_enable_locked(st, "t", RFC, NULL, "bb",
	    T0 + 3, &rcpts, &nrcpts), 0);
	ck_assert_int_eq(store_commit(st, "t"), 0);
	for (size_t i = 0; i < nrcpts; i++)
		free(rcpts[i]);
	free(rcpts);

	registro(st, RFC, 2, T0 + 10, &u);
	ck_assert_int_eq(u.update_of, a.id);
	ck_assert_int_eq(bz_registration_enabled(st, RFC), 1);
	ck_assert_str_eq((s = state_of(st, RFC)), "enabled");	/* the one in force */
	free(s);
	ck_assert_int_eq(bz_registration_confirmed_addresses(st, RFC, &addrs, &n),
	    BZ_STORE_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(addrs[0], "uno@empresa.mx");
	free(addrs[0]);
	free(addrs);
	/* no second consent while an update is pending */
	bz_reasons_init(&r);
	ck_assert_int_eq(bz_registration_consent_check(st, RFC, "bb", "bb", T0, &r), 1);
	ck_assert(bz_reasons_has(&r, "BZ-REG-ALREADY-ENABLED"));
	bz_reasons_free(&r);
	token_reason(st, u.tokens[1], T0 + 11, NULL);
	ck_assert_int_eq(code_reason(st, RFC, u.code, T0 + 12, NULL), 2);
	ck_assert_int_eq(bz_registration_confirmed_addresses(st, RFC, &addrs, &n),
	    BZ_STORE_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(addrs[0], "dos@empresa.mx");
	free(addrs[0]);
	free(addrs);
	ck_assert_int_eq(bz_registration_enabled(st, RFC), 1);
	/* the old registration is replaced, its consent carried over */
	{
		struct bz_registration g;

		ck_assert_int_eq(bz_registration_get(st, RFC, &g), BZ_STORE_OK);
		ck_assert_int_eq(g.id, u.id);
		ck_assert_str_eq(g.state, "enabled");
		ck_assert_str_eq(g.consent_sha256, "bb");
		bz_registration_free(&g);
	}
	bz_store_close(st);
}
END_TEST

/* one_int - the integer a query gives (-1: none or NULL) */
static int64_t
one_int(struct bz_store *st, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(bz_db_sqlite(st->db), sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* queue_notices - the validation notices of n into the outbox, linked to
 * their addresses, as render_registro does; and its SMS */
static void
queue_notices(struct bz_store *st, const struct bz_reg_new *n, int64_t now)
{
	ck_assert_int_eq(store_begin(st, "t"), 0);
	for (size_t i = 0; i < n->req->naddresses; i++)
		ck_assert_int_eq(bz_registration_queue_locked(st, "t", NULL,
		    n->req->addresses[i], "aviso", 5, now), 0);
	ck_assert_int_eq(bz_registration_link_notices_locked(st, "t", n->id), 0);
	ck_assert_int_eq(bz_sms_queue_locked(st, "t", n->id, n->req->mobile,
	    "Codigo: 000000\n", now), 0);
	ck_assert_int_eq(store_commit(st, "t"), 0);
}

/* hand_off - the MTA took the notice of address idx of n (-1: SmsCommand
 * took its SMS) at wall instant wall; the worker notices at registration
 * clock instant clock */
static void
hand_off(struct bz_store *st, const struct bz_reg_new *n, int idx, int64_t wall,
    int64_t clock)
{
	char sql[256];
	size_t k;

	if (idx >= 0) {
		snprintf(sql, sizeof(sql), "SELECT notice_outbox_id FROM "
		    "registration_addresses WHERE registration_id = %lld AND idx = %d",
		    (long long)n->id, idx);
		ck_assert_int_eq(bz_store_outbox_mark_sent(st, one_int(st, sql), wall),
		    BZ_STORE_OK);
	} else {
		snprintf(sql, sizeof(sql), "UPDATE sms_queue SET status = 'sent', "
		    "sent_utc = %lld WHERE registration_id = %lld", (long long)wall,
		    (long long)n->id);
		ck_assert_int_eq(sqlite3_exec(bz_db_sqlite(st->db), sql, NULL, NULL, NULL), SQLITE_OK);
	}
	ck_assert_int_eq(bz_registration_handoffs(st, clock, clock, &k), BZ_STORE_OK);
	ck_assert_uint_eq(k, 1);
}

/* "72 hours ... from the hand-off of the validation notice": each
 * address's clock starts when the MTA takes its notice, the mobile's when
 * SmsCommand takes the SMS; a means not handed off has not started its
 * clock; the registration expires once all its clocks have run out. */
START_TEST(test_handoff_clock)
{
	char path[512], sql[256], *s;
	struct bz_store *st = fresh_store("reg-handoff.db", path);
	struct bz_reg_new n;
	size_t k;

	registro(st, RFC, 2, T0, &n);
	queue_notices(st, &n, T0);
	ck_assert_int_eq(bz_registration_handoffs(st, T0 + 50, T0 + 50, &k), BZ_STORE_OK);
	ck_assert_uint_eq(k, 0);		/* nothing handed off yet */
	hand_off(st, &n, 0, T0 + 100, T0 + 100);
	hand_off(st, &n, -1, T0 + 200, T0 + 200);
	/* the first address: 72 hours from ITS notice, not from the REGISTRO */
	token_reason(st, n.tokens[0], T0 + 100 + BZ_REG_LIFETIME - 1, NULL);
	/* the mobile: 72 hours from the SMS */
	code_reason(st, RFC, n.code, T0 + 200 + BZ_REG_LIFETIME, "BZ-REG-TOKEN-EXPIRED");
	/* the second address never handed off: its clock has not started, the
	 * registration does not expire */
	ck_assert_int_eq(bz_registration_expire(st, T0 + 10 * BZ_REG_LIFETIME, &k),
	    BZ_STORE_OK);
	ck_assert_uint_eq(k, 0);
	ck_assert_str_eq((s = state_of(st, RFC)), "pending");
	free(s);
	hand_off(st, &n, 1, T0 + 300, T0 + 300);
	ck_assert_int_eq(bz_registration_expire(st, T0 + 299 + BZ_REG_LIFETIME, &k),
	    BZ_STORE_OK);
	ck_assert_uint_eq(k, 0);
	ck_assert_str_eq((s = state_of(st, RFC)), "pending");
	free(s);
	ck_assert_int_eq(bz_registration_expire(st, T0 + 300 + BZ_REG_LIFETIME, &k),
	    BZ_STORE_OK);
	ck_assert_uint_eq(k, 1);
	ck_assert_str_eq((s = state_of(st, RFC)), "expired");
	free(s);

	/* TestClock: the outbox stamps the wall clock; the registration clock
	 * gets its instant minus the time since, never before the REGISTRO */
	registro(st, "OTRA800101AB9", 1, T0 + 1000, &n);
	queue_notices(st, &n, T0 + 1000);
	ck_assert_int_eq(bz_store_outbox_mark_sent(st, one_int(st, "SELECT max(id) "
	    "FROM outbox"), 5000), BZ_STORE_OK);
	ck_assert_int_eq(bz_registration_handoffs(st, T0 + 1010, 5003, &k), BZ_STORE_OK);
	snprintf(sql, sizeof(sql), "SELECT notice_sent_utc FROM registration_addresses "
	    "WHERE registration_id = %lld", (long long)n.id);
	ck_assert_int_eq(one_int(st, sql), T0 + 1007);
	snprintf(sql, sizeof(sql), "UPDATE sms_queue SET status = 'sent', sent_utc = "
	    "5000 WHERE registration_id = %lld", (long long)n.id);
	ck_assert_int_eq(sqlite3_exec(bz_db_sqlite(st->db), sql, NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(bz_registration_handoffs(st, T0 + 1005, 6000, &k), BZ_STORE_OK);
	snprintf(sql, sizeof(sql), "SELECT mobile_sent_utc FROM registrations "
	    "WHERE id = %lld", (long long)n.id);
	ck_assert_int_eq(one_int(st, sql), T0 + 1000);
	bz_store_close(st);
}
END_TEST

START_TEST(test_expiry_and_replacement)
{
	char path[512], *s;
	struct bz_store *st = fresh_store("reg-expiry.db", path);
	struct bz_reg_new a, b;
	size_t n;

	registro(st, RFC, 2, T0, &a);
	/* a second REGISTRO while pending replaces the first */
	registro(st, RFC, 1, T0 + 10, &b);
	ck_assert_int_eq(b.replaced, 1);
	queue_notices(st, &b, T0 + 10);
	hand_off(st, &b, 0, T0 + 10, T0 + 10);
	hand_off(st, &b, -1, T0 + 10, T0 + 10);
	token_reason(st, a.tokens[0], T0 + 20, "BZ-REG-TOKEN-REPLACED");
	token_reason(st, b.tokens[0], T0 + 10 + BZ_REG_LIFETIME, "BZ-REG-TOKEN-EXPIRED");
	code_reason(st, RFC, b.code, T0 + 10 + BZ_REG_LIFETIME, "BZ-REG-TOKEN-EXPIRED");
	ck_assert_int_eq(bz_registration_expire(st, T0 + 9 + BZ_REG_LIFETIME, &n), BZ_STORE_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(bz_registration_expire(st, T0 + 10 + BZ_REG_LIFETIME, &n), BZ_STORE_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq((s = state_of(st, RFC)), "expired");
	free(s);
	token_reason(st, b.tokens[0], T0 + 20, "BZ-REG-TOKEN-EXPIRED");
	bz_store_close(st);
}
END_TEST

/* rate_reason - bz_registration_rate_check for rfc naming address */
static void
rate_reason(struct bz_store *st, const char *rfc, const char *address, int64_t now,
    int64_t max_rfc, int64_t max_addr, const char *want)
{
	struct bz_reg_request req;
	struct bz_reasons r;
	int rc;

	memset(&req, 0, sizeof(req));
	req.addresses[0] = (char *)address;
	req.naddresses = 1;
	bz_reasons_init(&r);
	rc = bz_registration_rate_check(st, rfc, &req, now, max_rfc, max_addr, &r);
	if (want == NULL)
		ck_assert_msg(rc == 0, "rate: %d %s", rc, r.n ? r.items[0]->code : "");
	else {
		ck_assert_int_eq(rc, 1);
		ck_assert_msg(bz_reasons_has(&r, want), "want %s, got %s", want,
		    r.n ? r.items[0]->code : "none");
	}
	bz_reasons_free(&r);
}

/* RegistrationMaxPerDay per RFC, RegistrationMaxNoticesPerAddress per
 * address whatever the RFC; both over the 24 hours before now, replaced
 * registrations counted (they were mailed and texted all the same). */
START_TEST(test_rate_limit)
{
	char path[512];
	struct bz_store *st = fresh_store("reg-rate.db", path);
	struct bz_reg_new a;

	rate_reason(st, RFC, "otra@empresa.mx", T0, 2, 9, NULL);
	registro(st, RFC, 1, T0, &a);
	rate_reason(st, RFC, "otra@empresa.mx", T0 + 1, 2, 9, NULL);
	registro(st, RFC, 1, T0 + 1, &a);		/* replaces the first */
	rate_reason(st, RFC, "otra@empresa.mx", T0 + 2, 2, 9, "BZ-REG-RATE-LIMIT");
	rate_reason(st, RFC, "otra@empresa.mx", T0 + BZ_REG_RATE_WINDOW - 1, 2, 9,
	    "BZ-REG-RATE-LIMIT");
	rate_reason(st, RFC, "otra@empresa.mx", T0 + 1 + BZ_REG_RATE_WINDOW, 2, 9, NULL);
	/* uno@empresa.mx had two notices: a third RFC naming it is refused,
	 * another address from that RFC is not */
	rate_reason(st, "OTRA800101AB9", "uno@empresa.mx", T0 + 3, 9, 2,
	    "BZ-REG-ADDRESS-RATE-LIMIT");
	rate_reason(st, "OTRA800101AB9", "tres@empresa.mx", T0 + 3, 9, 2, NULL);
	rate_reason(st, "OTRA800101AB9", "uno@empresa.mx", T0 + 3, 9, 3, NULL);
	rate_reason(st, "OTRA800101AB9", "uno@empresa.mx", T0 + 2 + BZ_REG_RATE_WINDOW,
	    9, 2, NULL);
	bz_store_close(st);
}
END_TEST

START_TEST(test_code_attempts)
{
	char path[512], wrong[16];
	struct bz_store *st = fresh_store("reg-code.db", path);
	struct bz_reg_new a;

	registro(st, RFC, 1, T0, &a);
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(a.code) + 7) % 1000000);
	for (int i = 0; i < 5; i++)
		code_reason(st, RFC, wrong, T0 + i, "BZ-REG-CODE-WRONG");
	/* five wrong guesses: the right code no longer works */
	code_reason(st, RFC, a.code, T0 + 10, "BZ-REG-CODE-WRONG");
	bz_store_close(st);
}
END_TEST

/* bad_row - count rows bz_registration_verify_rows names */
static void
bad_row(void *arg, const char *label, const char *why)
{
	(void)label;
	(void)why;
	(*(int *)arg)++;
}

/* A registration row changed behind the log (state set to enabled with
 * SQL, triggers untouched) no longer matches its newest event. */
START_TEST(test_row_tamper)
{
	char path[512];
	struct bz_store *st = fresh_store("reg-row.db", path);
	struct bz_reg_new a;
	int64_t checked;
	int nbad = 0;
	sqlite3 *db;

	registro(st, RFC, 1, T0, &a);
	token_reason(st, a.tokens[0], T0 + 5, NULL);
	ck_assert_int_eq(bz_registration_verify_rows(st, bad_row, &nbad, &checked),
	    BZ_STORE_OK);
	ck_assert_int_eq(checked, 1);
	ck_assert_int_eq(nbad, 0);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "UPDATE registrations SET state = 'enabled'",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(bz_registration_enabled(st, RFC), 1);
	ck_assert_int_eq(bz_registration_verify_rows(st, bad_row, &nbad, &checked),
	    BZ_STORE_OK);
	ck_assert_int_eq(nbad, 1);
	bz_store_close(st);
}
END_TEST

/* The hand-off instants (where the 72 hours start) are sealed too: one
 * moved behind the log, to keep a token alive, is named like any other
 * edited row. */
START_TEST(test_handoff_tamper)
{
	char path[512];
	struct bz_store *st = fresh_store("reg-handoff-row.db", path);
	struct bz_reg_new a;
	int64_t checked;
	int nbad = 0;
	sqlite3 *db;

	registro(st, RFC, 1, T0, &a);
	queue_notices(st, &a, T0);
	hand_off(st, &a, 0, T0 + 100, T0 + 100);
	ck_assert_int_eq(bz_registration_verify_rows(st, bad_row, &nbad, &checked),
	    BZ_STORE_OK);
	ck_assert_int_eq(nbad, 0);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "UPDATE registration_addresses SET "
	    "notice_sent_utc = notice_sent_utc + 200000", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(bz_registration_verify_rows(st, bad_row, &nbad, &checked),
	    BZ_STORE_OK);
	ck_assert_int_eq(nbad, 1);
	bz_store_close(st);
}
END_TEST

/* The chain covers registration events: an edited one is detected. */
START_TEST(test_chain_tamper)
{
	char path[512];
	struct bz_store *st = fresh_store("reg-chain.db", path);
	struct bz_reg_new a;
	struct bz_chain_result chain;
	sqlite3 *db;

	registro(st, RFC, 1, T0, &a);
	token_reason(st, a.tokens[0], T0 + 5, NULL);
	ck_assert_int_eq(bz_store_verify_chain(st, &chain), BZ_STORE_OK);
	ck_assert_int_eq(chain.broken_id, 0);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "DROP TRIGGER events_no_update;"
	    "UPDATE events SET detail = replace(detail, '\"pending\"', '\"enabled\"') "
	    "WHERE kind = 'contact-confirmed';", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(bz_store_verify_chain(st, &chain), BZ_STORE_OK);
	ck_assert_int_ne(chain.broken_id, 0);
	bz_store_close(st);
}
END_TEST

/* ---- the validation notice ---- */
/* Header safety: nothing a registrant wrote reaches a header but the
 * plain address; the notice is signed by the Institute and verifies. */
START_TEST(test_notice)
{
	struct bz_buf err = BZ_BUF_INIT, out = BZ_BUF_INIT, text = BZ_BUF_INIT;
	struct bz_receipt_signer *sg;
	struct bz_reg_notice n;
	struct bz_consent c;
	char *cert, *key;
	static const char *const bad_to[] = {
		"a@b.mx\r\nBcc: victima@otro.mx", "a@b.mx, victima@otro.mx",
		"\"a b\"@b.mx", "<a@b.mx>", "", "a@b.mx\n",
	};

	cert = strdup(test_pki_path("institution.crt"));
	key = strdup(test_pki_path("institution.key"));
	sg = bz_receipt_signer_load(cert, key, NULL, &err);
	ck_assert_msg(sg != NULL, "%s", bz_buf_str(&err));
	bz_buf_init(&c.text);
	bz_buf_puts(&c.text, "Texto de conformidad.\n");
	strcpy(c.sha256, "2f4c3610f1e5c46811e3d44cee17cc930088265e207688001ce5a76a8fdb5435");
	bz_reg_notice_validation_text(&text, "BZ-2026-00000001", "uno@empresa.mx",
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", &c);
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&text), "\nToken: ABCDEFGHIJKLMNOPQRSTUVWXYZ234567\n"));
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&text), "CONFIRMACION ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"));
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&text), "Acepto: 2f4c3610"));
	/* the deadline runs from this notice's hand-off: a span, no instant */
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&text), "72 horas siguientes al envio"));
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&text), "Texto de conformidad."));
	/* the acuse de registro's quotation: the text whole, its hash */
	bz_buf_reset(&text);
	bz_reg_consent_acuse_text(&text, &c);
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&text), "\nTexto de conformidad\n"));
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&text), "    Acepto: 2f4c3610f1e5c468"));
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&text), "  SHA-256: 2f4c3610f1e5c468"));
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&text), "\n\nTexto de conformidad.\n"));
	bz_buf_reset(&text);
	bz_reg_notice_validation_text(&text, "BZ-2026-00000001", "uno@empresa.mx",
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", &c);
	memset(&n, 0, sizeof(n));
	n.from = "buzon@imss.gob.mx";
	n.to = "uno@empresa.mx";
	n.subject = "Validacion de medio de contacto";
	n.text = bz_buf_str(&text);
	n.date = T0;
	ck_assert_int_eq(bz_reg_notice_render(sg, &n, &out, &err), 0);
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&out), "\r\nTo: <uno@empresa.mx>\r\n"));
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&out), "\r\nAuto-Submitted: auto-generated\r\n"));
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&out), "application/pkcs7-signature"));
	/* the token is in the base64 body only, never in a header */
	ck_assert_ptr_null(strstr(bz_buf_str(&out), "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"));
	for (size_t i = 0; i < sizeof(bad_to) / sizeof(bad_to[0]); i++) {
		bz_buf_reset(&out);
		n.to = bad_to[i];
		ck_assert_msg(bz_reg_notice_render(sg, &n, &out, &err) == -1, "%s", bad_to[i]);
		ck_assert_uint_eq(out.len, 0);
	}
	n.to = "uno@empresa.mx";
	n.subject = "Aviso\r\nBcc: x@y.mx";
	ck_assert_int_eq(bz_reg_notice_render(sg, &n, &out, &err), -1);
	bz_receipt_signer_unref(sg);
	bz_consent_free(&c);
	bz_buf_free(&err);
	bz_buf_free(&out);
	bz_buf_free(&text);
	free(cert);
	free(key);
}
END_TEST

/* ---- SmsCommand ---- */
START_TEST(test_sms_command)
{
	char path[512], script[600], got[600], args[600], cmd[700];
	struct bz_store *st = fresh_store("reg-sms.db", path);
	struct bz_reg_new a;
	struct bz_sms_opts o;
	struct bz_buf b = BZ_BUF_INIT;
	size_t sent, failed;
	FILE *f;

	snprintf(script, sizeof(script), "%s/sms.sh", test_tmpdir());
	snprintf(got, sizeof(got), "%s/sms.in", test_tmpdir());
	snprintf(args, sizeof(args), "%s/sms.args", test_tmpdir());
	f = fopen(script, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\n[ -e %s.fail ] && exit 3\ncat > %s\nfor a; do echo \"$a\"; done > %s\n",
	    script, got, args);
	fclose(f);
	chmod(script, 0755);
	snprintf(cmd, sizeof(cmd), "%s.fail", script);
	f = fopen(cmd, "w");
	fclose(f);

	registro(st, RFC, 1, T0, &a);
	ck_assert_int_eq(store_begin(st, "t"), 0);
	bz_reg_sms_text(&b, a.code);
	ck_assert_int_eq(bz_sms_queue_locked(st, "t", a.id, "+525512345678",
	    bz_buf_str(&b), T0), 0);
	ck_assert_int_eq(store_commit(st, "t"), 0);
	memset(&o, 0, sizeof(o));
	o.argv = calloc(3, sizeof(char *));
	o.argv[0] = script;
	o.argv[1] = (char *)"--gateway=pruebas";
	o.timeout = 5;
	o.max_attempts = 3;
	o.retry_interval = 10;
	o.retry_max_interval = 20;
	/* a failing gateway: retried later, not now */
	ck_assert_int_eq(bz_sms_run_once(st, &o, T0, &sent, &failed), 0);
	ck_assert_uint_eq(failed, 1);
	ck_assert_int_eq(bz_sms_run_once(st, &o, T0 + 5, &sent, &failed), 0);
	ck_assert_uint_eq(sent + failed, 0);
	unlink(cmd);
	ck_assert_int_eq(bz_sms_run_once(st, &o, T0 + 10, &sent, &failed), 0);
	ck_assert_uint_eq(sent, 1);
	bz_buf_reset(&b);
	ck_assert_int_eq(bz_buf_read_file(&b, args, 4096), 0);
	/* the number is the last argument; the code is not in argv */
	ck_assert_str_eq(bz_buf_str(&b), "--gateway=pruebas\n+525512345678\n");
	bz_buf_reset(&b);
	ck_assert_int_eq(bz_buf_read_file(&b, got, 4096), 0);
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&b), "Codigo: "));
	ck_assert_ptr_nonnull(strstr(bz_buf_str(&b), a.code));
	/* sent: nothing due any more */
	ck_assert_int_eq(bz_sms_run_once(st, &o, T0 + 100, &sent, &failed), 0);
	ck_assert_uint_eq(sent + failed, 0);
	free(o.argv);
	bz_buf_free(&b);
	bz_store_close(st);
}
END_TEST

Suite *
suite_registration(void)
{
	Suite *s = suite_create("registration");
	TCase *tc = tcase_create("registration");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_action, 0, sizeof(actions) / sizeof(actions[0]));
	tcase_add_loop_test(tc, test_parse, 0, sizeof(parses) / sizeof(parses[0]));
	tcase_add_test(tc, test_tokens);
	tcase_add_test(tc, test_signed_text);
	tcase_add_test(tc, test_happy_path);
	tcase_add_test(tc, test_update);
	tcase_add_test(tc, test_expiry_and_replacement);
	tcase_add_test(tc, test_code_attempts);
	tcase_add_test(tc, test_rate_limit);
	tcase_add_test(tc, test_handoff_clock);
	tcase_add_test(tc, test_chain_tamper);
	tcase_add_test(tc, test_row_tamper);
	tcase_add_test(tc, test_handoff_tamper);
	tcase_add_test(tc, test_sms_command);
	tcase_add_test(tc, test_notice);
	suite_add_tcase(s, tc);
	return s;
}
