#!/bin/sh
#
# store.sh - the acuse through the store: rendered inside the transaction
# that allocates the folio, shown, listed and resent by buzonctl, and both
# copies pass every check of `buzonctl receipt verify` with the same sello.
# A row changed behind the record (UPDATE on a copy of the database) is
# named by `store verify-chain` (exit 1), and `receipt show` still prints
# the acuse as sealed, never a fresh sello over the changed data.

. "${top_srcdir:?}/tests/receipt/lib.sh"
receipt_conf

folio=$("$MK" record "$T/buzon.db" "$PKI/institution.crt" "$PKI/institution.key") ||
    { echo "ERROR: mkfiling record failed"; exit 99; }
[ "$folio" = "BZ-2026-00000001" ] && ok "folio $folio" || bad "unexpected folio $folio"

mkdir "$T/out1"
"$MK" dump "$T/buzon.db" "$T/out1" > "$T/files1" || exit 99
[ "$(wc -l < "$T/files1")" -eq 1 ] || bad "expected one queued acuse: $(cat "$T/files1")"
first=$(head -n 1 "$T/files1")
if "$CTL" -c "$T/buzon.conf" receipt verify --at 2026-06-08T12:00:00Z "$first" > "$T/v1" 2>&1; then
	ok "queued acuse verifies (smime, schema, sello, calendar)"
else
	bad "queued acuse: $(cat "$T/v1")"
fi
grep -q "^Subject: Acuse de recibo $folio" "$first" && grep -q '^To: <juan.perez@pruebas.buzon.test>' "$first" &&
    grep -q '^In-Reply-To: <promocion.7@pruebas.buzon.test>' "$first" &&
    ok "headers of the queued acuse" || bad "headers: $(sed -n '1,12p' "$first")"

"$CTL" -c "$T/buzon.conf" receipt show "$folio" > "$T/show" 2>&1 || bad "show: $(cat "$T/show")"
grep -q "Folio: $folio" "$T/show" && grep -q "Estado del acuse: queued" "$T/show" &&
    grep -q "08/06/2026 00:00:00" "$T/show" && ok "receipt show" || bad "show: $(cat "$T/show")"
"$CTL" -c "$T/buzon.conf" receipt show --json "$folio" > "$T/show.json" || bad "show --json"
sello=$(sed -n 's/.*"sello": "\([^"]*\)".*/\1/p' "$T/show.json")
"$CTL" -c "$T/buzon.conf" receipt show "BZ-2026-00000099" >/dev/null 2>&1
[ $? -eq 1 ] && ok "unknown folio exits 1" || bad "unknown folio"

"$CTL" -c "$T/buzon.conf" receipt list > "$T/list" || bad "list"
grep -q "^$folio .*PEGJ800101AB3 .*queued .*juan.perez@pruebas.buzon.test" "$T/list" &&
    ok "receipt list" || bad "list: $(cat "$T/list")"
"$CTL" -c "$T/buzon.conf" receipt list --rfc PEGJ800101AB3 > "$T/list1"
grep -q "^$folio " "$T/list1" && ok "list --rfc of the signer" || bad "list --rfc: $(cat "$T/list1")"
"$CTL" -c "$T/buzon.conf" receipt list --rfc XAXX010101000 > "$T/list2"
grep -q "no acuses" "$T/list2" && ok "list --rfc filters" || bad "list --rfc: $(cat "$T/list2")"
"$CTL" -c "$T/buzon.conf" receipt list --since 2026-06-07 > "$T/list3"
grep -q "no acuses" "$T/list3" && ok "list --since filters" || bad "list --since: $(cat "$T/list3")"
"$CTL" -c "$T/buzon.conf" receipt list --json --since 2026-06-06 > "$T/list4"
grep -q "\"folio\": \"$folio\"" "$T/list4" && ok "list --json --since" || bad "list --json: $(cat "$T/list4")"

# --since DATE is a local date (Mexico City): a filing of Friday 2026-06-05
# 23:30 local (2026-06-06T05:30Z) is not "since 2026-06-06", though its UTC
# date is; --rfc and --since together; a bad date is a usage error.
sed "s|^Database .*|Database $T/since.db|" "$T/buzon.conf" >"$T/since.conf"
for f in "" --late-evening; do
	"$MK" record "$T/since.db" "$PKI/institution.crt" "$PKI/institution.key" $f \
	    >>"$T/since.folios" || { echo "ERROR: mkfiling record $f failed"; exit 99; }
done
sat=$(sed -n 1p "$T/since.folios") fri=$(sed -n 2p "$T/since.folios")
# since ARGS... EXPECTED-FOLIOS - the folios listed, in order, space-separated
since() {
	want=$(eval echo "\$$#")
	got=$(while [ $# -gt 1 ]; do printf '%s\n' "$1"; shift; done |
	    xargs "$CTL" -c "$T/since.conf" receipt list 2>&1 | awk '/^BZ-/ { printf "%s%s", s, $1; s = " " }')
	[ "$got" = "$want" ] || return 1
}
since --since 2026-06-06 "$sat" && ok "list --since 2026-06-06: not the Friday 23:30 local filing" ||
    bad "list --since 2026-06-06: $("$CTL" -c "$T/since.conf" receipt list --since 2026-06-06)"
since --since 2026-06-05 "$sat $fri" || since --since 2026-06-05 "$fri $sat" &&
    ok "list --since 2026-06-05: both" || bad "list --since 2026-06-05: $("$CTL" -c "$T/since.conf" receipt list --since 2026-06-05)"
since --since 2026-06-07 "" && ok "list --since 2026-06-07: none" || bad "list --since 2026-06-07"
since --rfc LOPM700101MA1 --since 2026-06-05 "$fri" && ok "list --rfc --since" ||
    bad "list --rfc LOPM700101MA1 --since 2026-06-05: $("$CTL" -c "$T/since.conf" receipt list --rfc LOPM700101MA1 --since 2026-06-05)"
since --rfc LOPM700101MA1 --since 2026-06-06 "" && ok "list --rfc --since: both filters apply" ||
    bad "list --rfc LOPM700101MA1 --since 2026-06-06"
since --rfc PEGJ800101AB3 --since 2026-06-05 "$sat" && ok "list --rfc of the other signer" ||
    bad "list --rfc PEGJ800101AB3 --since 2026-06-05"
"$CTL" -c "$T/since.conf" receipt list --since 2026-6-5 >/dev/null 2>"$T/since.err"
[ $? -eq 2 ] && [ "$(wc -l <"$T/since.err")" -eq 1 ] && ok "list --since 2026-6-5: usage error" ||
    bad "list --since 2026-6-5: $(cat "$T/since.err")"
"$CTL" -c "$T/since.conf" receipt list --json --since 2026-06-06 >"$T/since.json"
grep -q "\"folio\": \"$sat\"" "$T/since.json" && ! grep -q "\"folio\": \"$fri\"" "$T/since.json" &&
    ok "list --json --since 2026-06-06" || bad "list --json --since: $(cat "$T/since.json")"

"$CTL" -c "$T/buzon.conf" receipt resend "$folio" > "$T/resend" 2>&1 &&
    ok "receipt resend" || bad "resend: $(cat "$T/resend")"
mkdir "$T/out2"
"$MK" dump "$T/buzon.db" "$T/out2" > "$T/files2" || exit 99
[ "$(wc -l < "$T/files2")" -eq 2 ] || bad "expected two queued acuses: $(cat "$T/files2")"
second=$(tail -n 1 "$T/files2")
"$CTL" -c "$T/buzon.conf" receipt verify --json --at 2026-06-08T12:00:00Z "$second" > "$T/v2.json" 2>&1 &&
    ok "resent acuse verifies" || bad "resent acuse: $(cat "$T/v2.json")"
# The sello is deterministic: both acuses, and show, carry the same one.
s1=$(awk '/filename="acuse-/ { x = 1; next } x && /^\r?$/ { b = 1; next } b && /^--/ { exit } b { print }' "$first" | tr -d '\r' | base64 -d | sed -n 's/.*<sello>\(.*\)<\/sello>.*/\1/p')
s2=$(awk '/filename="acuse-/ { x = 1; next } x && /^\r?$/ { b = 1; next } b && /^--/ { exit } b { print }' "$second" | tr -d '\r' | base64 -d | sed -n 's/.*<sello>\(.*\)<\/sello>.*/\1/p')
[ -n "$s1" ] && [ "$s1" = "$s2" ] && [ "$s1" = "$sello" ] && ok "same sello in both acuses and in show" ||
    bad "sellos differ: '$s1' '$s2' '$sello'"

# The resent acuse is the kept one, byte for byte (no new seal, no new
# S/MIME signature).
cmp -s "$first" "$second" && ok "resend queues the kept acuse byte for byte" ||
    bad "resent acuse differs from the first"
grep -q "acuse queued again for juan.perez@pruebas.buzon.test" "$T/resend" &&
    ok "resend goes to the first acuse's recipient" || bad "resend: $(cat "$T/resend")"

# Records changed behind the log (issue 8, item 4).
SQLITE3=$(command -v sqlite3 || true)
if [ -z "$SQLITE3" ]; then
	echo "SKIP: sqlite3 not installed: the tampering checks need it"
	exit $fail
fi
"$CTL" -c "$T/buzon.conf" store verify-chain > "$T/vc0" 2>&1 &&
    grep -q "records: 1 match their event, 0 altered" "$T/vc0" &&
    ok "verify-chain: the untouched record matches its event" || bad "verify-chain: $(cat "$T/vc0")"
# tamper NAME SQL - a copy of the database with SQL applied, and its conf
tamper() {
	cp "$T/buzon.db" "$T/$1.db" || exit 99
	"$SQLITE3" "$T/$1.db" "$2" || exit 99
	sed "s|^Database .*|Database $T/$1.db|" "$T/buzon.conf" > "$T/$1.conf"
}
tamper moved "UPDATE submissions SET arrival_utc = arrival_utc - 86400, legal_utc = legal_utc - 172800, subject = 'Desistimiento' WHERE folio = '$folio'"
"$CTL" -c "$T/moved.conf" store verify-chain > "$T/vc1" 2>&1
[ $? -eq 1 ] && grep -q "^record $folio ALTERED" "$T/vc1" &&
    ok "verify-chain names the folio whose arrival and subject changed, exit 1" ||
    bad "verify-chain after UPDATE: $(cat "$T/vc1")"
"$CTL" -c "$T/moved.conf" store verify-chain --json > "$T/vc1.json" 2>&1
grep -q "\"intact\": false" "$T/vc1.json" && grep -q "\"folio\": \"$folio\"" "$T/vc1.json" &&
    ok "verify-chain --json lists the altered folio" || bad "verify-chain --json: $(cat "$T/vc1.json")"
"$CTL" -c "$T/moved.conf" receipt show "$folio" > "$T/show1" 2>&1
grep -q "08/06/2026 00:00:00" "$T/show1" && ! grep -q "07/06/2026\|06/06/2026 00:00:00" "$T/show1" &&
    ok "receipt show prints the acuse as sealed, not the changed row" || bad "show after UPDATE: $(cat "$T/show1")"
"$CTL" -c "$T/moved.conf" receipt show --json "$folio" > "$T/show1.json" 2>&1
[ "$(sed -n 's/.*"sello": "\([^"]*\)".*/\1/p' "$T/show1.json")" = "$sello" ] &&
    ok "receipt show: the first sello, not a fresh one" || bad "show --json after UPDATE: $(cat "$T/show1.json")"
tamper subject "UPDATE submissions SET subject = 'Desistimiento' WHERE folio = '$folio'"
"$CTL" -c "$T/subject.conf" store verify-chain > "$T/vc2" 2>&1
[ $? -eq 1 ] && grep -q "^record $folio ALTERED: the row's envelope data" "$T/vc2" &&
    ok "verify-chain: a changed Subject alone is named" || bad "verify-chain after subject: $(cat "$T/vc2")"
tamper acuse "UPDATE submissions SET acuse = CAST('forged' AS BLOB) WHERE folio = '$folio'"
"$CTL" -c "$T/acuse.conf" store verify-chain > "$T/vc3" 2>&1
[ $? -eq 1 ] && grep -q "^record $folio ALTERED: the kept acuse" "$T/vc3" &&
    ok "verify-chain: a replaced acuse is named" || bad "verify-chain after acuse: $(cat "$T/vc3")"
tamper gone "DELETE FROM parts WHERE folio = '$folio'; DELETE FROM outbox WHERE folio = '$folio'; DELETE FROM submissions WHERE folio = '$folio'"
"$CTL" -c "$T/gone.conf" store verify-chain > "$T/vc4" 2>&1
[ $? -eq 1 ] && grep -q "^record $folio ALTERED: its event names a filing that has no row" "$T/vc4" &&
    ok "verify-chain: a deleted row is named" || bad "verify-chain after delete: $(cat "$T/vc4")"
exit $fail
