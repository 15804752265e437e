#!/bin/sh
# cli.sh - buzonctl calendar: exit statuses, error lines and file handling
#
# is-working exits 0 for a working day and 1 for a rest day; bad input (an
# impossible date, a malformed instant, an unreadable or invalid calendar
# file, a bad option value) is one line on stderr and exit 2; file errors
# name the file and line; no working day within the horizon exits 3. The
# calendar version is the SHA-256 of the files' bytes in order.

: "${top_srcdir:=.}" "${top_builddir:=.}"
ctl="$top_builddir/buzonctl"
[ -x "$ctl" ] || { echo "ERROR: $ctl not built"; exit 99; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0 n=0

cat >"$tmp/buzon.conf" <<CONF
Socket unix:$tmp/milter.sock
MailboxAddress buzon@example.org
CONF
cat >"$tmp/semana-santa.conf" <<'CAL'
# Test data, not a real declaration.
format 1
2026-04-02..2026-04-03  inhabil  "Jueves y Viernes Santo"  source="DOF 2026-01-20"
CAL
cat >"$tmp/habil.conf" <<'CAL'
format 1
2026-11-16  habil  "Compensado"  source="DOF 2026-02-01"
CAL
cat >"$tmp/bad-line3.conf" <<'CAL'
format 1
2026-04-02  inhabil  "Jueves Santo"  source="DOF 2026-01-20"
2026-04-31  inhabil  "No existe"     source="DOF 2026-01-20"
CAL
cat >"$tmp/suspension.conf" <<'CAL'
format 1
2026-01-05..  suspension  "Suspension indefinida"  source="DOF 2026-01-02"
CAL
if command -v sha256sum >/dev/null 2>&1; then
	ss_one=$(sha256sum <"$tmp/semana-santa.conf" | cut -d' ' -f1)
	ss_two=$(cat "$tmp/semana-santa.conf" "$tmp/habil.conf" | sha256sum | cut -d' ' -f1)
else
	ss_one=$("$OPENSSL" dgst -sha256 -r <"$tmp/semana-santa.conf" | cut -d' ' -f1)
	ss_two=$(cat "$tmp/semana-santa.conf" "$tmp/habil.conf" |
	    "$OPENSSL" dgst -sha256 -r | cut -d' ' -f1)
fi

# run STATUS PATTERN ARGS... - exit status must be STATUS and the output
# (stdout for status 0/1, stderr otherwise) must match the grep PATTERN;
# errors (status 2, 3) must be exactly one line on stderr, nothing on stdout.
run() {
	want=$1 pattern=$2
	shift 2
	n=$((n + 1))
	"$ctl" -c "$tmp/buzon.conf" calendar "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	desc="calendar $*"
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: $desc: exit $got, expected $want"; cat "$tmp/out" "$tmp/err"
		fail=$((fail + 1)); return
	fi
	if [ "$want" -ge 2 ]; then
		where=$tmp/err
		if [ "$(wc -l <"$tmp/err")" -ne 1 ] || [ -s "$tmp/out" ]; then
			echo "FAIL: $desc: expected exactly one line on stderr and no stdout"
			cat "$tmp/out" "$tmp/err"; fail=$((fail + 1)); return
		fi
	else
		where=$tmp/out
	fi
	if ! grep -q -- "$pattern" "$where"; then
		echo "FAIL: $desc: output does not match $pattern:"; cat "$where"
		fail=$((fail + 1)); return
	fi
	echo "ok $n - $desc"
}

# is-working: 0 / 1
run 0 'working'           is-working 2026-04-02
run 1 'lft-74-I'          is-working 2026-01-01
run 1 'weekend'           is-working 2026-11-28
run 1 '"working": false'  --json is-working 2024-10-01
run 0 '"working": true'   --json is-working 2030-12-02
run 1 'inhabil'           --calendar "$tmp/semana-santa.conf" is-working 2026-04-02
run 0 'habil'             --calendar "$tmp/habil.conf" is-working 2026-11-16
run 1 'lft-74-VI'         is-working 2026-11-16
run 1 'cff-12'            --basis lft+cff is-working 2026-05-05
run 0 'working'           --basis lft is-working 2026-05-05

# Bad input: exit 2, one line
run 2 'expected an existing' is-working 2026-02-30
run 2 'expected an existing' window 2025-6-01
run 2 'expected an existing' available-until 2027-02-29
run 2 'malformed instant'    submission 2025-06-14T16:00:00
run 2 'malformed instant'    notification 2025-13-01T00:00:00Z
run 2 'malformed instant'    submission yesterday
run 2 'TO is before FROM'    days 2026-01-10 2026-01-01
run 2 'bad FROM'             days 2026-02-30 2026-03-01
run 2 "$tmp/missing.conf"    --calendar "$tmp/missing.conf" is-working 2026-01-01
run 2 "bad-line3.conf:3: "   --calendar "$tmp/bad-line3.conf" is-working 2026-01-01
run 2 'lft or lft+cff'       --basis cff is-working 2026-01-01
run 2 'HH:MM'                --first-hour 24:00 submission 2025-06-14T16:00:00Z
run 2 'unknown subcommand'   tomorrow 2026-01-01
run 2 'expected 2 arguments' days 2026-01-01
run 2 'unknown option'       --calender x is-working 2026-01-01
n=$((n + 1))
if "$ctl" -c "$tmp/none.conf" calendar is-working 2026-01-02 >/dev/null 2>"$tmp/err"; then
	echo "FAIL: a missing configuration is not an error"; fail=$((fail + 1))
elif [ $? -ne 2 ] || ! grep -q none.conf "$tmp/err"; then
	echo "FAIL: a missing configuration: want exit 2 naming it"; fail=$((fail + 1))
else
	echo "ok $n - missing configuration: exit 2"
fi

# No working day within the horizon: exit 3, never an invented instant
run 3 'no working day'       --calendar "$tmp/suspension.conf" submission 2026-03-02T16:00:00Z
run 3 'no working day'       --calendar "$tmp/suspension.conf" window 2026-03-02
run 3 'past 9999-12-31'      available-until 9999-11-15
run 3 'past 9999-12-31'      window 9999-12-30

# Results with files, basis and first hour
run 0 '"legal_local": "2026-04-06T09:30:00-06:00"' --json --first-hour 09:30 \
    --calendar "$tmp/semana-santa.conf" submission 2026-04-02T18:00:00Z
run 0 '"rule": "submission.next-working-day"' --json \
    --calendar "$tmp/semana-santa.conf" submission 2026-04-02T18:00:00Z
run 0 '"calendar_version": "sha256:none"' --json submission 2026-04-02T18:00:00Z
run 0 "\"calendar_version\": \"sha256:$ss_one\"" --json \
    --calendar "$tmp/semana-santa.conf" submission 2026-04-02T18:00:00Z
run 0 "\"calendar_version\": \"sha256:$ss_two\"" --json --calendar "$tmp/semana-santa.conf" \
    --calendar "$tmp/habil.conf" notification 2026-04-02T18:00:00Z
run 0 '"day1": "2026-04-06"' --json --calendar "$tmp/semana-santa.conf" window 2026-04-01
run 0 '3 non-working days' days 2026-12-24 2026-12-27
run 0 '"code": "inhabil", "reason": "Jueves y Viernes Santo", "source": "DOF 2026-01-20"' \
    --json --calendar "$tmp/semana-santa.conf" days 2026-04-01 2026-04-03
run 0 'usage: buzonctl'      --help

# The contrib calendar loads and declares nothing.
run 0 '"working": true' --json \
    --calendar "$top_srcdir/contrib/calendario-imss-2026-2027.conf" is-working 2026-04-02

echo "$n checks, $fail failures"
[ "$fail" -eq 0 ]
