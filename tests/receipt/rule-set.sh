#!/bin/sh
#
# rule-set.sh - an acuse names the whole rule set of its legal instant
# (LegalBasis, SubmissionFirstHour, calendar version) and `buzonctl receipt
# verify` recomputes with what the acuse names, not with today's
# configuration.
#
# A filing is recorded through the store with the real renderer
# (tests/receipt/mkfiling --cinco-de-mayo) under lft+cff and first hour
# 09:30: it arrives on Tuesday 5 May 2026 at 10:00 local, a rest day only
# under CFF art. 12, and is received on Wednesday 6 May at 09:30. The
# configuration used to verify it says lft and 00:00, under which 5 May is
# a working day and the legal instant would be the arrival itself.
#
# Then the same filing as one recorded before the store kept the rule set
# (mkfiling forget-rule-set: NULL columns, as the migration leaves old
# rows, and the acuse that release queued from such a row): its acuse names
# no basis or first hour, `receipt resend` sends that acuse again as it
# was, and verify says so.

. "${top_srcdir:?}/tests/receipt/lib.sh"
AT=2026-05-06T18:00:00Z
receipt_conf "LegalBasis lft" "SubmissionFirstHour 00:00"

folio=$("$MK" record "$T/buzon.db" "$PKI/institution.crt" "$PKI/institution.key" \
    --cinco-de-mayo) || { echo "ERROR: mkfiling record failed"; exit 99; }
mkdir "$T/out1"
"$MK" dump "$T/buzon.db" "$T/out1" > "$T/files1" || exit 99
acuse=$(head -n 1 "$T/files1")
[ -s "$acuse" ] || { echo "ERROR: no acuse queued for $folio"; exit 99; }

# verify_case NAME ACUSE EXIT PATTERN [OPTION...] - one row of a table:
# the exit status of receipt verify and a pattern its output must match.
verify_case() {
	name=$1 file=$2 want=$3 pattern=$4
	shift 4
	"$CTL" -c "$T/buzon.conf" receipt verify --at "$AT" "$@" "$file" > "$T/out" 2>&1
	got=$?
	if [ "$got" -eq "$want" ] && grep -q -e "$pattern" "$T/out"; then
		ok "$name"
	else
		bad "$name: exit $got (want $want), pattern '$pattern':"
		sed 's/^/    /' "$T/out"
	fi
}

# --- an acuse of lft+cff / 09:30, verified under a configuration of lft / 00:00
# name | exit | what the output must say | options
verify_case "the acuse's own rule set, not the configuration's" "$acuse" 0 \
    'calendar  pass .*2026-05-06T09:30:00-06:00.*basis lft+cff, first hour 09:30$'
verify_case "options that agree with the acuse" "$acuse" 0 \
    'calendar  pass .*basis lft+cff, first hour 09:30$' --basis lft+cff --first-hour 09:30
verify_case "--basis that disagrees is refused" "$acuse" 1 \
    'calendar  fail    --basis lft disagrees with the acuse, which names LegalBasis lft+cff' \
    --basis lft
verify_case "--first-hour that disagrees is refused" "$acuse" 1 \
    'calendar  fail    --first-hour 00:00 disagrees with the acuse, which names SubmissionFirstHour 09:30' \
    --first-hour 00:00
verify_case "the refusal is also on standard error" "$acuse" 1 \
    '^buzonctl receipt: --basis lft disagrees' --basis lft --first-hour 09:30
verify_case "a malformed --basis is bad usage" "$acuse" 2 'bad --basis "cff"' --basis cff
verify_case "a malformed --first-hour is bad usage" "$acuse" 2 \
    'bad --first-hour "24:00"' --first-hour 24:00

# The person's part states the rule set in words.
"$CTL" -c "$T/buzon.conf" receipt show "$folio" > "$T/show" 2>&1 || bad "show: $(cat "$T/show")"
grep -q "a las 09:30 horas (primera hora) del siguiente día hábil" "$T/show" &&
    grep -q "Días inhábiles por ley: .*Código Fiscal de la Federación (lft+cff)" "$T/show" &&
    grep -q "Primera hora hábil para promociones: 09:30" "$T/show" &&
    grep -q "|submission.next-working-day|lft+cff|09:30|sha256:none|" "$T/show" &&
    ok "the text states basis and first hour; the cadena carries them" ||
    bad "show: $(cat "$T/show")"
"$CTL" -c "$T/buzon.conf" receipt show --json "$folio" > "$T/show.json" || bad "show --json"
grep -q '"baseLegal": "lft+cff", "primeraHora": "09:30"' "$T/show.json" &&
    ok "show --json names them" || bad "show --json: $(cat "$T/show.json")"

# --- the same filing as one recorded before schema version 3 -------------
"$MK" forget-rule-set "$T/buzon.db" "$folio" "$PKI/institution.crt" "$PKI/institution.key" || { echo "ERROR: forget-rule-set"; exit 99; }
"$CTL" -c "$T/buzon.conf" receipt resend "$folio" > "$T/resend" 2>&1 || bad "resend: $(cat "$T/resend")"
mkdir "$T/out2"
"$MK" dump "$T/buzon.db" "$T/out2" > "$T/files2" || exit 99
old=$(tail -n 1 "$T/files2")
[ "$old" != "$acuse" ] && [ -s "$old" ] || { echo "ERROR: no resent acuse"; exit 99; }
verify_case "an acuse naming no rule set: unknown, not today's configuration" "$old" 1 \
    'calendar  unknown the acuse names no LegalBasis'
verify_case "... its schema and sello still hold" "$old" 1 'sello     pass'
verify_case "... recomputed with the rule set given on the command line" "$old" 0 \
    'calendar  pass .*first hour 09:30 (the acuse names no basis or first hour: given on the command line)' \
    --basis lft+cff --first-hour 09:30
verify_case "... and a wrong one given there fails" "$old" 1 \
    'calendar  fail    recomputed legal instant 2026-05-05T16:00:00Z' --basis lft --first-hour 00:00
"$CTL" -c "$T/buzon.conf" receipt show --json "$folio" > "$T/old.json" || bad "show --json (old)"
grep -q '"baseLegal": null, "primeraHora": null' "$T/old.json" &&
    ok "show --json of an old filing: null, not a guess" || bad "old show --json: $(cat "$T/old.json")"
exit $fail
