#!/bin/sh
# config-check.sh - buzonctl config --check loads exactly what buzon-milter -t loads
#
# Rule (issue 13 item 3): "buzonctl config --check" is the daemon's own
# check (milter/check.c, check_config): the file, the calendar files, the
# trust material against the pins, the institution certificate and key,
# and UserID when run as root. For every broken file below both refuse
# with exit 1 and the same "file:line: key: reason" line (each after its
# program's name), and both accept the good one with the same line. Before
# this rule, config --check only parsed the file and passed all but the
# first and last of these.
: "${top_srcdir:=.}" "${top_builddir:=.}"
daemon=$top_builddir/buzon-milter ctl=$top_builddir/buzonctl
[ -x "$daemon" ] && [ -x "$ctl" ] || { echo "ERROR: programs not built"; exit 99; }
command -v "${OPENSSL:-openssl}" >/dev/null || { echo "SKIP: openssl not installed"; exit 77; }
PKI=$top_builddir/tests/pki/generated
"$top_srcdir/tests/pki/gen-pki.sh" "$PKI" >/dev/null ||
    { echo "ERROR: gen-pki.sh failed"; exit 99; }
dir=$(mktemp -d /tmp/buzon-cfgcheck.XXXXXX) || exit 99
trap 'rm -rf "$dir"' EXIT INT TERM
chmod 755 "$dir"
fails=0

cat >"$dir/calendar.conf" <<'CAL'
# Test data, not a real declaration.
format 1
2026-04-02..2026-04-03  inhabil  "Jueves y Viernes Santo"  source="DOF 2026-01-20"
CAL
cat >"$dir/calendar-bad.conf" <<'CAL'
format 1
2026-04-02  inhabil  "Jueves Santo"  source="DOF 2026-01-20"
2026-13-45  inhabil  "no such date"  source="DOF 2026-01-20"
CAL

good="Socket unix:$dir/milter.sock
MailboxAddress buzon@imss.example
SpoolDirectory $dir
Database $dir/buzon.db
Syslog no
UserID nobody
TestMode yes
Revocation none
CalendarFile $dir/calendar.conf
TrustAnchors $PKI/trust-anchors.pem
IssuingCAs $PKI/issuing-cas.pem
InstitutionCertificate $PKI/institution.crt
InstitutionKey $PKI/institution.key
InstitutionCA $PKI/institution-ca.crt"

# conf NAME KEY VALUE - the good file with KEY's line replaced (VALUE
# empty: the line removed)
conf() {
	printf '%s\n' "$good" | sed "/^$2 /d" >"$dir/$1.conf"
	[ -n "$3" ] && printf '%s %s\n' "$2" "$3" >>"$dir/$1.conf"
}

# both NAME WANT PATTERN - run both checks on NAME.conf: the same exit
# status WANT, the same line (after the program's "name: ") matching PATTERN
both() {
	name=$1 want=$2 pattern=$3
	"$daemon" -c "$dir/$name.conf" -t >"$dir/d.out" 2>"$dir/d.err"
	d=$?
	"$ctl" -c "$dir/$name.conf" config --check >"$dir/c.out" 2>"$dir/c.err"
	c=$?
	if [ "$want" -eq 0 ]; then
		dl=$(cat "$dir/d.out") cl=$(cat "$dir/c.out")
	else
		dl=$(grep '^buzon-milter: ' "$dir/d.err" | sed 's/^buzon-milter: //')
		cl=$(grep '^buzonctl: ' "$dir/c.err" | sed 's/^buzonctl: //')
	fi
	if [ $d -ne "$want" ] || [ $c -ne "$want" ]; then
		echo "FAIL: $name: buzon-milter -t exit $d, config --check exit $c (expected $want)"
		cat "$dir/d.out" "$dir/d.err" "$dir/c.out" "$dir/c.err"
		fails=$((fails + 1))
	elif [ "$dl" != "$cl" ]; then
		echo "FAIL: $name: different messages:"
		echo "  buzon-milter -t:       $dl"
		echo "  buzonctl config --check: $cl"
		fails=$((fails + 1))
	elif ! printf '%s\n' "$dl" | grep -q -- "$pattern"; then
		echo "FAIL: $name: \"$dl\" does not match \"$pattern\""
		fails=$((fails + 1))
	else
		echo "ok: $name: both exit $want: $dl"
	fi
}

conf good Syslog no
both good 0 "^$dir/good.conf: configuration OK (calendar sha256:[0-9a-f]*)\$"
conf parse MaxMessageSize 10Q
both parse 1 "^$dir/parse.conf:[0-9]*: MaxMessageSize: "
conf calbad CalendarFile "$dir/calendar-bad.conf"
both calbad 1 "calendar-bad.conf:3"
conf calmissing CalendarFile "$dir/no-such-calendar.conf"
both calmissing 1 "no-such-calendar.conf"
# outside TestMode the test PKI's roots match no compiled-in SAT pin
conf unpinned TestMode no
both unpinned 1 "TrustAnchors: certificate 1 .*is not a pinned SAT"
conf issuing IssuingCAs "$dir/no-such-cas.pem"
both issuing 1 "IssuingCAs: cannot open $dir/no-such-cas.pem"
conf keymissing InstitutionKey "$dir/no-such.key"
both keymissing 1 "InstitutionKey: .*$dir/no-such.key"
# a key that is not the certificate's
conf keywrong InstitutionKey "$PKI/efirma-fisica.key"
both keywrong 1 "InstitutionKey"
if [ "$(id -u)" = 0 ]; then
	conf nouser UserID no-such-user-buzon
	both nouser 1 "nouser.conf:[0-9]*: UserID: unknown user no-such-user-buzon"
	conf noroot UserID ""
	both noroot 1 "noroot.conf: UserID: required when started as root"
	# the key unreadable: a directory where the file should be
	mkdir "$dir/key.d"
	conf keydir InstitutionKey "$dir/key.d"
	both keydir 1 "InstitutionKey"
fi

# --json says the same
"$ctl" -c "$dir/calbad.conf" config --check --json >"$dir/j.out" 2>/dev/null
grep -q '"valid": *false' "$dir/j.out" && grep -q 'calendar-bad.conf:3' "$dir/j.out" || {
	echo "FAIL: config --check --json on calbad: $(cat "$dir/j.out")"
	fails=$((fails + 1)); }

[ $fails -eq 0 ] || { echo "FAIL: $fails case(s)"; exit 1; }
echo "PASS: config-check"
