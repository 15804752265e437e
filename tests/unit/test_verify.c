/*
 * test_verify - the `buzonctl verify --json` object, byte for byte
 *
 * Issue 3: "With --json, one object: {"verdict", "integrity", "trust",
 * "identity" (each "pass"|"fail"|"unknown"), "reasons": [{"code",
 * "text"}], "signer": {"rfc", "rfc_representante", "curp",
 * "curp_representante", "name", "persona": "fisica"|"moral",
 * "no_certificado", "cert_sha256"}, "parts": [{"name", "content_type",
 * "size", "sha256"}]} (signer is null when there is none)." Scripts parse
 * it, so the exact text is the contract. The verdict itself is exercised
 * end to end by the tests in tests/smime.
 */
#include <stdlib.h>
#include <string.h>

#include "buzon/verify.h"
#include "buzon/xalloc.h"
#include "suites.h"

START_TEST(test_json_unsigned)
{
	struct bz_verification v;
	struct bz_buf out = BZ_BUF_INIT;

	memset(&v, 0, sizeof(v));
	bz_reasons_init(&v.reasons);
	v.verdict = BZ_VERDICT_REJECTED;
	bz_reasons_add(&v.reasons, "BZ-MSG-UNSIGNED");
	bz_verification_json(&v, &out);
	ck_assert_str_eq(bz_buf_str(&out),
	    "{\"verdict\": \"rejected\", \"integrity\": \"unknown\", \"trust\": \"unknown\", "
	    "\"identity\": \"unknown\", \"reasons\": [{\"code\": \"BZ-MSG-UNSIGNED\", "
	    "\"text\": \"El mensaje no esta firmado con S/MIME (multipart/signed o pkcs7-mime)\"}], "
	    "\"signer\": null, \"parts\": []}");
	bz_buf_free(&out);
	bz_verification_free(&v);
}
END_TEST

START_TEST(test_json_moral_with_parts)
{
	struct bz_verification v;
	struct bz_buf out = BZ_BUF_INIT;

	memset(&v, 0, sizeof(v));
	bz_reasons_init(&v.reasons);
	v.verdict = BZ_VERDICT_ACCEPTED;
	v.integrity = v.trust = v.identity = BZ_CHECK_PASS;
	v.signer = xcalloc(1, sizeof(*v.signer));
	v.signer->rfc = xstrdup("EBU200101AB8");
	v.signer->rfc_representante = xstrdup("PEGJ800101AB3");
	v.signer->curp_representante = xstrdup("PEGJ800101HDFRRN09");
	v.signer->name = xstrdup("EMPRESA \"BUZON\" \xc3\x91" "ANDU SA DE CV");
	v.signer->moral = 1;
	v.signer->no_certificado = xstrdup("30001000000700000002");
	v.signer->cert_sha256 = xstrdup("ab");
	v.nparts = 2;
	v.parts = xcalloc(2, sizeof(*v.parts));
	v.parts[0].content_type = xstrdup("text/plain");
	v.parts[0].size = 5;
	strcpy(v.parts[0].sha256, "cd");
	v.parts[1].name = xstrdup("declaraci\xc3\xb3n.pdf");
	v.parts[1].content_type = xstrdup("application/pdf");
	v.parts[1].size = 1048576;
	strcpy(v.parts[1].sha256, "ef");
	bz_verification_json(&v, &out);
	ck_assert_str_eq(bz_buf_str(&out),
	    "{\"verdict\": \"accepted\", \"integrity\": \"pass\", \"trust\": \"pass\", "
	    "\"identity\": \"pass\", \"reasons\": [], \"signer\": {\"rfc\": \"EBU200101AB8\", "
	    "\"rfc_representante\": \"PEGJ800101AB3\", \"curp\": null, "
	    "\"curp_representante\": \"PEGJ800101HDFRRN09\", "
	    "\"name\": \"EMPRESA \\\"BUZON\\\" \xc3\x91" "ANDU SA DE CV\", \"persona\": \"moral\", "
	    "\"no_certificado\": \"30001000000700000002\", \"cert_sha256\": \"ab\"}, "
	    "\"parts\": [{\"name\": null, \"content_type\": \"text/plain\", \"size\": 5, "
	    "\"sha256\": \"cd\"}, {\"name\": \"declaraci\xc3\xb3n.pdf\", "
	    "\"content_type\": \"application/pdf\", \"size\": 1048576, \"sha256\": \"ef\"}]}");
	bz_buf_free(&out);
	bz_verification_free(&v);
	ck_assert_ptr_null(v.signer);
	ck_assert_ptr_null(v.parts);
}
END_TEST

Suite *
suite_verify(void)
{
	Suite *s = suite_create("verify");
	TCase *tc = tcase_create("json");

	tcase_add_test(tc, test_json_unsigned);
	tcase_add_test(tc, test_json_moral_with_parts);
	suite_add_tcase(s, tc);
	return s;
}
