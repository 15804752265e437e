#!/bin/sh
#
# pdf.sh - the printable acuse (buzonctl receipt pdf) of real filings
# recorded through the store (mkfiling), read back with real readers:
# pdftotext finds the folio and the cadena original, pdfinfo the Letter
# pages and the acuse's own dates, and zbarimg, from a `pdftoppm -r 150`
# raster of the first page, decodes a QR code holding the folio, the RFC,
# the SHA-256 of the cadena original and the VerifyURL address. Two
# renderings a second apart are byte-identical. `receipt verify --pdf`
# accepts the PDF of the acuse and refuses the PDF of another filing, one
# of the same folio and RFC whose cadena differs, one whose QR names
# another verification address, and a broken file; without
# pdftoppm on PATH it cannot decide (unknown, exit 1). A
# VerifyURL without exactly one {folio} is refused when the
# configuration is read.

. "${top_srcdir:?}/tests/receipt/lib.sh"
for tool in pdftotext pdftoppm pdfinfo zbarimg sha256sum; do
	command -v "$tool" >/dev/null 2>&1 ||
	    { echo "SKIP: $tool not installed (poppler-utils, zbar-tools)"; exit 77; }
done
url_tmpl='https://buzon.imss.test/verifica/{folio}'
receipt_conf "VerifyURL $url_tmpl"

folio=$("$MK" record "$T/buzon.db" "$PKI/institution.crt" "$PKI/institution.key") ||
    { echo "ERROR: mkfiling record failed"; exit 99; }
other=$("$MK" record "$T/buzon.db" "$PKI/institution.crt" "$PKI/institution.key" \
    --late-evening) || { echo "ERROR: mkfiling record failed"; exit 99; }
mkdir "$T/out"
"$MK" dump "$T/buzon.db" "$T/out" > "$T/files" || exit 99
eml=$(head -n 1 "$T/files")

"$CTL" -c "$T/buzon.conf" receipt pdf "$folio" -o "$T/a.pdf" 2>"$T/err"
[ $? -eq 0 ] && [ -s "$T/a.pdf" ] && ok "receipt pdf $folio" || bad "receipt pdf: $(cat "$T/err")"

# The cadena original and the RFC as the acuse kept in the store says them.
"$CTL" -c "$T/buzon.conf" receipt show "$folio" > "$T/show" || bad "receipt show"
cadena=$(sed -n '/^Cadena original:$/{n;p;}' "$T/show")
rfc=$(sed -n 's/^  RFC: //p' "$T/show")
[ -n "$cadena" ] && [ "$rfc" = PEGJ800101AB3 ] || bad "cadena/RFC not found in receipt show"
sha=$(printf '%s' "$cadena" | sha256sum | cut -d' ' -f1)

# A real PDF reader: Letter pages, the dates of the acuse, the folio, and
# the cadena once its wrapped lines are joined (the footers and page
# breaks removed: the cadena may run onto the next page).
pdfinfo "$T/a.pdf" > "$T/info" 2>&1 || bad "pdfinfo: $(cat "$T/info")"
grep -q '^Page size: *612 x 792 pts (letter)' "$T/info" && ok "Letter size" ||
    bad "page size: $(cat "$T/info")"
pages=$(sed -n 's/^Pages: *//p' "$T/info")
[ "${pages:-0}" -ge 2 ] && ok "the text runs onto $pages pages" || bad "pages: $pages"
grep -q '^CreationDate: *Mon Jun  8 06:00:00 2026 UTC' "$T/info" &&
    grep -q '^ModDate: *Mon Jun  8 06:00:00 2026 UTC' "$T/info" &&
    ok "document dates are the legal instant of the acuse" || bad "dates: $(cat "$T/info")"
pdftotext -raw "$T/a.pdf" "$T/a.txt" || bad "pdftotext failed"
grep -q "Folio: $folio" "$T/a.txt" && ok "pdftotext finds the folio" || bad "no folio in: $(head "$T/a.txt")"
grep -v "^Acuse $folio - página [0-9]*\$" "$T/a.txt" | tr -d '\n\f' > "$T/a.joined"
grep -qF -- "$cadena" "$T/a.joined" && ok "pdftotext finds the cadena original" ||
    bad "cadena not in the PDF text: $cadena"
grep -qF "Dirección de verificación:" "$T/a.txt" &&
    grep -qF "https://buzon.imss.test/verifica/$folio" "$T/a.txt" &&
    ok "the verification address is printed" || bad "no verification address in the text"

# A real QR reader on a 150 dpi raster of the first page.
pdftoppm -r 150 -f 1 -l 1 -singlefile -png "$T/a.pdf" "$T/page" || bad "pdftoppm failed"
zbarimg -q --nodbus --raw "$T/page.png" > "$T/qr" 2>/dev/null || bad "zbarimg found no QR code"
printf 'BZ-ACUSE 1\nfolio=%s\nrfc=%s\nsha256=%s\nurl=%s\n' "$folio" "$rfc" "$sha" \
    "https://buzon.imss.test/verifica/$folio" > "$T/qr.want"
cmp -s "$T/qr" "$T/qr.want" && ok "QR: folio, RFC, cadena SHA-256 $sha, verification address" ||
    bad "QR decoded to: $(cat "$T/qr") wanted: $(cat "$T/qr.want")"

# The same acuse, the same bytes: a second later (cairo would otherwise
# date the document with the clock) and to standard output.
sleep 1
"$CTL" -c "$T/buzon.conf" receipt pdf "$folio" -o - > "$T/b.pdf" || bad "receipt pdf -o -"
cmp -s "$T/a.pdf" "$T/b.pdf" && ok "two renderings are byte-identical" ||
    bad "renderings differ: $(cmp "$T/a.pdf" "$T/b.pdf")"

# receipt verify --pdf: the QR must say what the acuse mail says.
v() { "$CTL" -c "$T/buzon.conf" receipt verify --at 2026-06-08T12:00:00Z --pdf "$@"; }
v "$T/a.pdf" "$eml" > "$T/v" 2>&1
[ $? -eq 0 ] && grep -q '^  pdf  *pass  *QR code matches the acuse' "$T/v" &&
    ok "verify --pdf accepts the acuse's PDF" || bad "verify --pdf: $(cat "$T/v")"
v "$T/a.pdf" --json "$eml" > "$T/vj" 2>&1
grep -q '"pdf": {"result": "pass"' "$T/vj" || grep -q '"pdf": { *"result": "pass"' "$T/vj" &&
    ok "verify --pdf --json reports the pdf check" || bad "verify --pdf --json: $(cat "$T/vj")"

"$CTL" -c "$T/buzon.conf" receipt pdf "$other" -o "$T/other.pdf" || bad "receipt pdf $other"
v "$T/other.pdf" "$eml" > "$T/v" 2>&1
[ $? -eq 1 ] && grep -q "^  pdf  *fail  *the QR code's folio \"$other\" differs" "$T/v" &&
    grep -q "acuse NOT valid" "$T/v" && ok "the PDF of another filing is refused" ||
    bad "other filing's PDF: $(cat "$T/v")"

sed "s|^VerifyURL .*|VerifyURL https://otro.example/verifica/{folio}|" "$T/buzon.conf" > "$T/evil.conf"
"$CTL" -c "$T/evil.conf" receipt pdf "$folio" -o "$T/evil.pdf" || bad "receipt pdf (evil.conf)"
v "$T/evil.pdf" "$eml" > "$T/v" 2>&1
[ $? -eq 1 ] && grep -q "^  pdf  *fail  *the QR code's verification address \"https://otro.example/verifica/$folio\" differs" "$T/v" &&
    ok "a QR code with another verification address is refused" || bad "other address: $(cat "$T/v")"

# The same folio and RFC from another store (filed on another day): only
# the cadena differs, and its SHA-256 in the QR code gives it away.
sed "s|^Database .*|Database $T/twin.db|" "$T/buzon.conf" > "$T/twin.conf"
twin=$("$MK" record "$T/twin.db" "$PKI/institution.crt" "$PKI/institution.key" \
    --cinco-de-mayo) || { echo "ERROR: mkfiling record failed"; exit 99; }
[ "$twin" = "$folio" ] || bad "twin store gave folio $twin"
"$CTL" -c "$T/twin.conf" receipt pdf "$twin" -o "$T/twin.pdf" || bad "receipt pdf (twin)"
v "$T/twin.pdf" "$eml" > "$T/v" 2>&1
[ $? -eq 1 ] && grep -q "^  pdf  *fail  *the QR code's SHA-256 of the cadena original \"[0-9a-f]\{64\}\" differs from the acuse's \"$sha\"" "$T/v" &&
    ok "a PDF of the same folio and RFC with another cadena is refused" ||
    bad "same folio, other cadena: $(cat "$T/v")"

head -c 2000 "$T/a.pdf" > "$T/cut.pdf"
v "$T/cut.pdf" "$eml" > "$T/v" 2>&1
[ $? -eq 1 ] && grep -q '^  pdf  *fail ' "$T/v" && ok "a truncated PDF is refused" ||
    bad "truncated PDF: $(cat "$T/v")"

# Without the readers the check cannot be decided: unknown, exit 1.
PATH=/nonexistent "$CTL" -c "$T/buzon.conf" receipt verify --at 2026-06-08T12:00:00Z \
    --pdf "$T/a.pdf" "$eml" > "$T/v" 2>&1
[ $? -eq 1 ] && grep -q '^  pdf  *unknown  *pdftoppm not found: install poppler-utils' "$T/v" &&
    ok "without pdftoppm the pdf check is unknown" || bad "no pdftoppm: $(cat "$T/v")"

# VerifyURL is checked when the configuration is read; unset, no PDF.
for u in 'https://buzon.imss.test/verifica' 'https://x.test/{folio}/{folio}' \
    'ftp://x.test/{folio}' 'https://x.test/a b/{folio}'; do
	sed "s|^VerifyURL .*|VerifyURL $u|" "$T/buzon.conf" > "$T/bad.conf"
	"$CTL" -c "$T/bad.conf" receipt pdf "$folio" -o "$T/bad.pdf" 2>"$T/err"
	[ $? -eq 2 ] && grep -q "VerifyURL" "$T/err" && [ ! -e "$T/bad.pdf" ] &&
	    ok "VerifyURL \"$u\" refused: $(head -n 1 "$T/err")" || bad "VerifyURL \"$u\": $(cat "$T/err")"
done
grep -v '^VerifyURL' "$T/buzon.conf" > "$T/nourl.conf"
"$CTL" -c "$T/nourl.conf" receipt pdf "$folio" -o "$T/nourl.pdf" 2>"$T/err"
[ $? -eq 2 ] && grep -q "VerifyURL is not set" "$T/err" && ok "no VerifyURL: no PDF, exit 2" ||
    bad "without VerifyURL: $(cat "$T/err")"
"$CTL" -c "$T/buzon.conf" receipt pdf BZ-2026-00000099 -o "$T/none.pdf" 2>/dev/null
[ $? -eq 1 ] && ok "unknown folio exits 1" || bad "unknown folio"

exit $fail
