#!/bin/bash
# daemon.sh - the calendar as a resource of buzon-milter's generations
#
# Issue 4: "SIGUSR1 reloads the calendar with the configuration; a broken
# file is refused and the old calendar stays. A warning is logged when the
# current or next year has no institution entries", and the start-up
# self-test "refuses to start on a wrong or missing tz database".
#   1. -t with a good CalendarFile: accepted, the calendar version logged,
#      and the year warning (the contrib template declares nothing);
#   2. a broken CalendarFile, a missing one, a wrong tz database ($TZDIR
#      with another zone as America/Mexico_City): -t and -f refuse;
#   1b. the year warning under a pinned TestClock (TestMode): which years it
#      names, across a local year end;
#   3. a running daemon (foreground, no Postfix needed): break the file,
#      SIGUSR1 -> "reload refused ... file:line", still running; fix it,
#      SIGUSR1 -> the new calendar version is logged; each later
#      generation warns (or not) about years without entries of its own.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
MILTER=$top_builddir/buzon-milter
SCALE=${BUZON_TEST_TIMEOUT_SCALE:-1}	# every deadline times this (valgrind)
if [ ! -x "$MILTER" ]; then
	echo "SKIP: $MILTER not built"
	exit 77
fi
dir=$(mktemp -d /tmp/bz-calendar-daemon.XXXXXX) || exit 99
pid=
cleanup()
{
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		wait "$pid"
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
sock=$dir/milter.sock
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

sha() { sha256sum "$1" | cut -d' ' -f1; }

cp "$top_srcdir/contrib/calendario-imss-2026-2027.conf" "$dir/cal.conf"
# Started as root the daemon runs as nobody, which must still read the
# configuration and calendar files on reload.
chmod 0755 "$dir"
user=
# The store is opened after the privilege drop: its directory belongs to
# the serving user.
mkdir -p "$dir/db"
[ "$(id -u)" -eq 0 ] && user="UserID nobody" && chown nobody "$dir/db"
base="Socket unix:$sock
$user
MailboxAddress buzon@imss.test
SpoolDirectory $dir
Database $dir/db/buzon.db
Syslog no
CalendarFile $dir/cal.conf"
printf '%s\n' "$base" >"$dir/good.conf"

# 1. Accepted, version and year warning logged.
if ! "$MILTER" -c "$dir/good.conf" -t >"$dir/out" 2>"$dir/err"; then
	fail "good calendar refused by -t"; cat "$dir/out" "$dir/err"
else
	grep -q "configuration OK (calendar sha256:$(sha "$dir/cal.conf"))" "$dir/out" ||
	    { fail "-t: no calendar version line"; cat "$dir/err"; }
	grep -q "has no institution entries for [0-9]\{4\}" "$dir/err" ||
	    { fail "-t: no warning about years without entries"; cat "$dir/err"; }
	echo "ok: good -t: $(grep calendar "$dir/err" | head -n 1)"
fi

# 1b. The year warning follows the clock of decisions (TestClock under
# TestMode): the current and the next local year each need an entry.
# Rows: TestClock, then the years warned about ("-" for none).
printf 'format 1\n2026-04-02 inhabil "Prueba" source="DOF 2026-01-20"\n2027-03-25 inhabil "Prueba" source="DOF 2027-01-20"\n' \
    >"$dir/years-cal.conf"
printf '%s\nTestMode yes\n' "${base/$dir\/cal.conf/$dir/years-cal.conf}" >"$dir/years.base"
while read -r clock warned; do
	{ cat "$dir/years.base"; echo "TestClock $clock"; } >"$dir/years.conf"
	if ! "$MILTER" -c "$dir/years.conf" -t >"$dir/out" 2>"$dir/err"; then
		fail "years at $clock: -t refused"; cat "$dir/out" "$dir/err"; continue
	fi
	got=$(sed -n 's/.*has no institution entries for \([0-9]\{4\}\).*/\1/p' "$dir/err" | tr '\n' ' ')
	[ -n "$got" ] || got=-
	got=${got% }
	if [ "$got" = "$warned" ]; then
		echo "ok: TestClock $clock: years without entries: $got"
	else
		fail "TestClock $clock: warned about '$got', expected '$warned'"; cat "$dir/err"
	fi
done <<'ROWS'
2026-06-01T12:00:00Z -
2027-01-01T03:00:00Z -
2027-01-01T06:00:00Z 2028
2025-12-31T12:00:00Z 2025
2028-06-01T12:00:00Z 2028 2029
ROWS

# 2. Refusals: CONFIG-NAME EXPECTED-ERE [ENV...]
refuse()
{
	local name=$1 expect=$2 mode status
	shift 2
	for mode in -t -f; do
		rm -f "$sock"
		env "$@" timeout "$((60 * SCALE))" "$MILTER" -c "$dir/$name.conf" "$mode" \
		    >"$dir/out" 2>"$dir/err" </dev/null
		status=$?
		if [ "$status" -eq 0 ] || [ "$status" -eq 124 ]; then
			fail "$name $mode: exit status $status, expected a refusal"
		elif ! grep -E -q -- "$expect" "$dir/err"; then
			fail "$name $mode: stderr does not match $expect"
			sed 's/^/    stderr: /' "$dir/err"
		elif [ -e "$sock" ]; then
			fail "$name $mode: socket created"
		else
			echo "ok: $name $mode: $(head -n 1 "$dir/err")"
		fi
	done
}
printf 'format 1\n2026-04-02 inhabil "Jueves Santo" source="DOF 2026-01-20"\n2026-04-3 inhabil "x" source="DOF"\n' \
    >"$dir/broken-cal.conf"
printf '%s\n' "${base/$dir\/cal.conf/$dir/broken-cal.conf}" >"$dir/broken.conf"
refuse broken "calendar: $dir/broken-cal.conf:3: "
printf '%s\n' "${base/$dir\/cal.conf/$dir/absent-cal.conf}" >"$dir/absent.conf"
refuse absent "calendar: $dir/absent-cal.conf: No such file"
printf '%s\nLegalBasis cff\n' "$base" >"$dir/basis.conf"
refuse basis "$dir/basis.conf:[0-9]+: LegalBasis: "
mkdir -p "$dir/tz/America"
cp /usr/share/zoneinfo/Asia/Tokyo "$dir/tz/America/Mexico_City"
cp "$dir/good.conf" "$dir/wrongtz.conf"
refuse wrongtz "time zone self-test failed" TZDIR="$dir/tz"
cp "$dir/good.conf" "$dir/notz.conf"
refuse notz "Mexico_City: No such file" TZDIR="$dir/empty-tz"

# 3. Reload with a running daemon.
"$MILTER" -c "$dir/good.conf" -f >"$dir/log" 2>&1 </dev/null &
pid=$!
for _ in $(seq $((100 * SCALE))); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { fail "the daemon did not start"; cat "$dir/log"; exit 1; }

# wait_log ERE - until the daemon's log matches (10 s times SCALE)
wait_log()
{
	for _ in $(seq $((100 * SCALE))); do
		grep -E -q -- "$1" "$dir/log" && return 0
		sleep 0.1
	done
	return 1
}
old=$(sha "$dir/cal.conf")
cp "$dir/broken-cal.conf" "$dir/cal.conf"
kill -USR1 "$pid"
if wait_log "reload refused.*calendar: $dir/cal.conf:3: "; then
	echo "ok: broken calendar reload refused: $(grep 'reload refused' "$dir/log")"
else
	fail "no 'reload refused ... cal.conf:3' line"; cat "$dir/log"
fi
kill -0 "$pid" 2>/dev/null || fail "the daemon died on a broken calendar"
printf 'format 1\n2026-04-02..2026-04-03 inhabil "Prueba" source="DOF 2026-01-20"\n2027-04-01 inhabil "Prueba" source="DOF 2027-01-20"\n' \
    >"$dir/cal.conf"
new=$(sha "$dir/cal.conf")
kill -USR1 "$pid"
if wait_log "calendar sha256:$new: 1 file"; then
	echo "ok: fixed calendar reloaded: sha256:$new (was $old)"
else
	fail "the new calendar version was not logged"; cat "$dir/log"
fi
wait_log "configuration reloaded" || fail "no 'configuration reloaded' line"
kill -0 "$pid" 2>/dev/null || fail "the daemon died on a good reload"
# The year warning is given again by each generation, for its calendar:
# under TestClock 2026-06-01 the new file has entries for 2026 and 2027 (no
# warning), one with only 2026 entries warns about 2027.
{ cat "$dir/good.conf"; printf 'TestMode yes\nTestClock 2026-06-01T12:00:00Z\n'; } >"$dir/pinned.conf"
cp "$dir/pinned.conf" "$dir/good.conf"
lines=$(wc -l <"$dir/log")
kill -USR1 "$pid"
wait_log "generation 3" || fail "no reload to generation 3"
tail -n +"$((lines + 1))" "$dir/log" | grep -q "no institution entries" &&
    fail "generation 3 warns though 2026 and 2027 have entries: $(tail -n +"$((lines + 1))" "$dir/log")"
printf 'format 1\n2026-04-02..2026-04-03 inhabil "Prueba" source="DOF 2026-01-20"\n' >"$dir/cal.conf"
kill -USR1 "$pid"
if wait_log "generation 4"; then
	if tail -n +"$((lines + 1))" "$dir/log" | grep -q "has no institution entries for 2027:"; then
		echo "ok: reloads warn per generation (none for 2026+2027 entries, 2027 without them)"
	else
		fail "generation 4 does not warn about 2027"; cat "$dir/log"
	fi
else
	fail "no reload to generation 4"
fi
kill -TERM "$pid"
wait "$pid"
pid=
if grep -E -q 'Sanitizer|runtime error:' "$dir/log"; then
	fail "sanitizer report"; cat "$dir/log"
fi

if [ "$fails" -ne 0 ]; then
	echo "FAIL: $fails check(s) failed"
	exit 1
fi
echo "PASS: calendar daemon"
