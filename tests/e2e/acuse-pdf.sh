#!/bin/bash
# acuse-pdf - the printable acuse of a filing made through the real Postfix
#
# Issue 11: a signed submission accepted by the daemon (configured with
# VerifyURL, which its configuration parser must accept) gets its acuse;
# `buzonctl receipt pdf` prints that acuse from the store; pdftotext finds
# the folio and the cadena original of the acuse in the PDF; zbarimg reads,
# from a `pdftoppm -r 150` raster of the first page, a QR code with the
# folio, the signer's RFC, the SHA-256 of the cadena and the verification
# address; `receipt verify --pdf` accepts the PDF with the acuse the
# employer received, and a second printing is byte-identical.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"

for tool in pdftotext pdftoppm zbarimg; do
	command -v "$tool" >/dev/null 2>&1 ||
	    { echo "SKIP: $tool not installed (poppler-utils, zbar-tools)"; exit 77; }
done
e2e_init acuse-pdf
sub_pki_conf
e2e_conf VerifyURL 'https://buzon.imss.test/verifica/{folio}'
e2e_start

tok=$(sub_message "$E2E_DIR/first.eml" efirma-fisica)
sub_deliver first "sender@empresa.test" "$E2E_DIR/first.eml" "$tok"
folio=$(sub_folio "$E2E_DIR/first.got")
[[ $folio =~ ^BZ-2026-[0-9]{8}$ ]] || e2e_fail "no folio: '$folio'"
acuse=$E2E_DIR/acuse.eml
sub_acuse "$folio" "$acuse"

pdf=$E2E_DIR/acuse.pdf
sub_ctl receipt pdf "$folio" -o "$pdf" 2>"$E2E_DIR/pdf.err" ||
    e2e_fail "receipt pdf: $(cat "$E2E_DIR/pdf.err")"
e2e_log "ok: receipt pdf $folio ($(wc -c <"$pdf") bytes)"

sub_ctl receipt show "$folio" >"$E2E_DIR/show" || e2e_fail "receipt show"
cadena=$(sed -n '/^Cadena original:$/{n;p;}' "$E2E_DIR/show")
[ -n "$cadena" ] || e2e_fail "no cadena in receipt show"
sha=$(printf '%s' "$cadena" | sha256sum | cut -d' ' -f1)

pdftotext -raw "$pdf" "$E2E_DIR/acuse.txt" || e2e_fail "pdftotext cannot read the PDF"
e2e_check "pdftotext: the folio" grep -q "Folio: $folio" "$E2E_DIR/acuse.txt"
grep -v "^Acuse $folio - página [0-9]*\$" "$E2E_DIR/acuse.txt" | tr -d '\n\f' >"$E2E_DIR/joined"
e2e_check "pdftotext: the cadena original" grep -qF -- "$cadena" "$E2E_DIR/joined"

pdftoppm -r 150 -f 1 -l 1 -singlefile -png "$pdf" "$E2E_DIR/page" || e2e_fail "pdftoppm"
zbarimg -q --nodbus --raw "$E2E_DIR/page.png" >"$E2E_DIR/qr" 2>/dev/null ||
    e2e_fail "zbarimg read no QR code"
printf 'BZ-ACUSE 1\nfolio=%s\nrfc=PEGJ800101AB3\nsha256=%s\nurl=%s\n' "$folio" "$sha" \
    "https://buzon.imss.test/verifica/$folio" >"$E2E_DIR/qr.want"
cmp -s "$E2E_DIR/qr" "$E2E_DIR/qr.want" ||
    e2e_fail "QR code: $(cat "$E2E_DIR/qr"), wanted $(cat "$E2E_DIR/qr.want")"
e2e_log "ok: QR code: folio, RFC, cadena SHA-256, verification address"

sub_ctl receipt verify --ca "$E2E_DIR/inst/institution-ca.crt" --schema "$SUB_SCHEMA" \
    --pdf "$pdf" "$acuse" >"$E2E_DIR/rv.out" 2>&1 ||
    e2e_fail "receipt verify --pdf: $(cat "$E2E_DIR/rv.out")"
e2e_check "receipt verify --pdf: pdf pass" grep -q '^  pdf  *pass ' "$E2E_DIR/rv.out"

sub_ctl receipt pdf "$folio" -o "$E2E_DIR/again.pdf" || e2e_fail "second receipt pdf"
e2e_check "a second printing is byte-identical" cmp -s "$pdf" "$E2E_DIR/again.pdf"

e2e_finish
