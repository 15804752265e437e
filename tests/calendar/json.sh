#!/bin/sh
# json.sh - buzonctl calendar --json: exactly the fields issue 4 names
#
# "With --json, one JSON object on stdout" with these names (scripts depend
# on them):
#   submission / notification: input_utc legal_utc legal_local legal_date
#     rule calendar_version
#   window: aviso_date day1 day2 day3 deemed_date deemed_utc calendar_version
#   available-until: emitted available_until calendar_version
# Window and availability results also carry "rule" ("every result carries
# the rule that fired"); no other field. stdout must parse as one JSON
# object (python3's json module), every value is a string of the documented
# form (legal_utc like 2025-06-16T06:00:00Z, legal_local like
# 2025-06-16T00:00:00-06:00), and the values are checked on pinned inputs
# (a daylight-saving one included). Also: the contrib calendar file
# declares nothing, so its non-working days over its two years are exactly
# the statutory ones (and its version is the SHA-256 of its bytes).

: "${top_srcdir:=.}" "${top_builddir:=.}"
ctl="$top_builddir/buzonctl"
[ -x "$ctl" ] || { echo "ERROR: $ctl not built"; exit 99; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not installed"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
cat >"$tmp/buzon.conf" <<CONF
Socket unix:$tmp/milter.sock
MailboxAddress buzon@example.org
CONF
fail=0 n=0

# check SUBCOMMAND ARG KEYS EXPECTED - run --json, compare the key set and
# the values: EXPECTED is "key=value ..." for every key but calendar_version.
check() {
	sub=$1 arg=$2 keys=$3 expect=$4
	n=$((n + 1))
	if ! "$ctl" -c "$tmp/buzon.conf" calendar --json "$sub" "$arg" >"$tmp/out" 2>"$tmp/err"; then
		echo "FAIL: calendar --json $sub $arg: exit $?: $(cat "$tmp/err")"
		fail=$((fail + 1)); return
	fi
	if python3 - "$tmp/out" "$keys" "$expect" <<'PY'
import json, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
try:
    obj = json.loads(text)
except ValueError as e:
    sys.exit("not one JSON object: %s: %r" % (e, text))
if not isinstance(obj, dict):
    sys.exit("not a JSON object: %r" % text)
want = set(sys.argv[2].split())
got = set(obj)
if got != want:
    sys.exit("fields %s; missing %s, unexpected %s" % (sorted(got),
        sorted(want - got), sorted(got - want)))
forms = {
    "input_utc": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
    "legal_utc": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
    "deemed_utc": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
    "legal_local": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d",
    "calendar_version": r"sha256:(none|[0-9a-f]{64})",
    "rule": r"[a-z]+\.[a-z0-9.+-]+",
}
for k, v in obj.items():
    if not isinstance(v, str):
        sys.exit("%s is not a string: %r" % (k, v))
    form = forms.get(k, r"\d{4}-\d\d-\d\d")
    if not re.fullmatch(form, v):
        sys.exit("%s: %r is not of the form %s" % (k, v, form))
for kv in sys.argv[3].split():
    k, v = kv.split("=", 1)
    if obj[k] != v:
        sys.exit("%s: %r, expected %r" % (k, obj[k], v))
if obj["calendar_version"] != "sha256:none":
    sys.exit("calendar_version %r without a file" % obj["calendar_version"])
PY
	then
		echo "ok $n - calendar --json $sub $arg"
	else
		echo "FAIL: calendar --json $sub $arg (output: $(cat "$tmp/out"))"
		fail=$((fail + 1))
	fi
}

INSTANT="input_utc legal_utc legal_local legal_date rule calendar_version"
check submission 2025-06-14T16:00:00Z "$INSTANT" \
    "input_utc=2025-06-14T16:00:00Z legal_utc=2025-06-16T06:00:00Z
     legal_local=2025-06-16T00:00:00-06:00 legal_date=2025-06-16
     rule=submission.next-working-day"
check submission 2021-07-14T16:00:00-05:00 "$INSTANT" \
    "input_utc=2021-07-14T21:00:00Z legal_utc=2021-07-14T21:00:00Z
     legal_local=2021-07-14T16:00:00-05:00 legal_date=2021-07-14
     rule=submission.arrival"
check notification 2021-07-14T23:00:01Z "$INSTANT" \
    "input_utc=2021-07-14T23:00:01Z legal_utc=2021-07-15T14:30:00Z
     legal_local=2021-07-15T09:30:00-05:00 legal_date=2021-07-15
     rule=notification.after-window"
check window 2022-10-26 "aviso_date day1 day2 day3 deemed_date deemed_utc rule calendar_version" \
    "aviso_date=2022-10-26 day1=2022-10-27 day2=2022-10-28 day3=2022-10-31
     deemed_date=2022-11-01 deemed_utc=2022-11-01T15:30:00Z
     rule=window.fourth-working-day"
check available-until 2026-08-31 "emitted available_until rule calendar_version" \
    "emitted=2026-08-31 available_until=2026-12-01"

# The contrib calendar: loads, declares nothing (the same non-working days
# over 2026-2027 as with no file), its version is the hash of its bytes.
contrib=$top_srcdir/contrib/calendario-imss-2026-2027.conf
n=$((n + 1))
"$ctl" -c "$tmp/buzon.conf" calendar days 2026-01-01 2027-12-31 >"$tmp/none" 2>&1 &&
"$ctl" -c "$tmp/buzon.conf" calendar --calendar "$contrib" days 2026-01-01 2027-12-31 \
    >"$tmp/contrib" 2>&1
st=$?
if [ "$st" -ne 0 ]; then
	echo "FAIL: calendar days with and without $contrib: exit $st: $(cat "$tmp/none" "$tmp/contrib")"
	fail=$((fail + 1))
elif ! grep -v 'non-working days; calendar sha256:' "$tmp/none" >"$tmp/none.days" ||
    ! grep -v 'non-working days; calendar sha256:' "$tmp/contrib" >"$tmp/contrib.days" ||
    ! diff "$tmp/none.days" "$tmp/contrib.days" >"$tmp/diff"; then
	echo "FAIL: $contrib declares days (it must only explain how to add the DOF's):"
	cat "$tmp/diff"; fail=$((fail + 1))
elif [ "$(grep -c . "$tmp/none")" -lt 100 ]; then
	echo "FAIL: too few non-working days listed for 2026-2027: $(head -n 3 "$tmp/none")"
	fail=$((fail + 1))
else
	echo "ok $n - $contrib declares nothing"
fi
n=$((n + 1))
want=sha256:$(sha256sum <"$contrib" | cut -d' ' -f1)
got=$("$ctl" -c "$tmp/buzon.conf" calendar --json --calendar "$contrib" \
    submission 2026-06-01T12:00:00Z | python3 -c 'import json,sys; print(json.load(sys.stdin)["calendar_version"])')
if [ "$got" = "$want" ]; then
	echo "ok $n - contrib calendar version $got"
else
	echo "FAIL: contrib calendar version $got, expected $want"; fail=$((fail + 1))
fi

echo "$n checks, $fail failures"
[ "$fail" -eq 0 ]
