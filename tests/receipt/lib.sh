# lib.sh - common set-up of the receipt tests that record filings through
# the store (tests/receipt/mkfiling): sourced, not run.
#
# Sets PKI (the generated test PKI; exit 99 when gen-pki.sh fails), MK
# (mkfiling), CTL (buzonctl), T (a scratch directory named after the test,
# removed on exit) and fail=0, and defines:
#
#	ok TEXT, bad TEXT	report a check ("ok: ..." / "FAIL: ...", fail=1)
#	receipt_conf [LINE...]	write $T/buzon.conf: the store $T/buzon.db,
#				the test PKI's institution, the acuse schema,
#				then each LINE (e.g. "LegalBasis lft")
#
# Requires top_srcdir and top_builddir (the test harness exports them).

: "${top_srcdir:?}" "${top_builddir:?}"
PKI="$top_builddir/tests/pki/generated"
"$top_srcdir/tests/pki/gen-pki.sh" "$PKI" >/dev/null || { echo "ERROR: gen-pki.sh failed"; exit 99; }
MK="$top_builddir/tests/receipt/mkfiling"
CTL="$top_builddir/buzonctl"
T=$(mktemp -d "/tmp/buzon-receipt-$(basename "$0" .sh).XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }

# receipt_conf - $T/buzon.conf as described above, plus the lines given
receipt_conf() {
	cat > "$T/buzon.conf" <<EOC
Socket unix:$T/milter.sock
MailboxAddress buzon@imss.pruebas.test
Database $T/buzon.db
InstitutionCertificate $PKI/institution.crt
InstitutionKey $PKI/institution.key
InstitutionCA $PKI/institution-ca.crt
AcuseSchema $top_srcdir/contrib/acuse-v1.xsd
EOC
	[ $# -eq 0 ] || printf '%s\n' "$@" >> "$T/buzon.conf"
}
