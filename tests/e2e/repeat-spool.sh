#!/bin/bash
# repeat-spool - repeats keep no second copy; spool gc keeps what is named
#
# Issue 8, item 5, through the real Postfix. Twenty sends of one signed
# message, each with different unsigned padding (an extra header and its
# own Message-ID; Postfix's Received line differs anyway), file one folio
# and leave ONE copy in SpoolDirectory; each of the 19 "repeat" events
# records the hash of the message that arrived. Then `buzonctl spool gc`:
# with every file aged three days, --dry-run lists only the copies nobody
# names and deletes nothing; gc deletes them and keeps the filed copy and a
# copy a repeat event names; a young unnamed copy is kept until it is
# older than --older-than; a bad --older-than is a usage error.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"

SQLITE3=$(command -v sqlite3) || { echo "SKIP: sqlite3 not installed"; exit 77; }
[ "${E2E_DATABASE:-sqlite}" = sqlite ] ||
    { echo "SKIP: SQLite only (about the spool directory's copies, read with SQLite's json_extract); E2E_DATABASE=$E2E_DATABASE"; exit 77; }
e2e_init repeat-spool
sub_plumbing_conf
e2e_start
SPOOL=$E2E_DIR/spool
DB=$SPOOL/buzon.db
# copies - the content-addressed copies in the spool
copies() { find "$SPOOL" -mindepth 2 -maxdepth 2 -path "$SPOOL/[0-9a-f][0-9a-f]/*" -type f | sort; }

tok=$(sub_message "$E2E_DIR/m0.eml" efirma-fisica)
for i in $(seq 1 20); do
	awk 'BEGIN { hdr = 1 }
		hdr && /^Message-ID:/ { print "Message-ID: <pad" i "-" tok "@empresa.test>\r";
		    printf "X-Relleno: %0" (i * 7) "d\r\n", 0; next }
		hdr && /^\r$/ { hdr = 0 } { print }' tok="$tok" i="$i" "$E2E_DIR/m0.eml" \
	    >"$E2E_DIR/m$i.eml"
	e2e_send "m$i" --to "$E2E_MAILBOX" --data "@$E2E_DIR/m$i.eml" ||
	    e2e_fail "send $i refused: $(sub_last_reply "m$i")"
	e2e_accepted "m$i" || e2e_fail "no 250 for send $i"
done
e2e_wait_sink 20
e2e_received "pad20-$tok" "$E2E_DIR/m20.got"
folio=$(sub_folio "$E2E_DIR/m20.got")
[ "$(e2e_header_value X-Buzon-Repeat "$E2E_DIR/m20.got")" = yes ] ||
    e2e_fail "the 20th send is not a repeat"
[ "$("$SQLITE3" "$DB" "SELECT count(*) FROM submissions")" -eq 1 ] ||
    e2e_fail "expected one folio"
n=$(copies | grep -c .)
[ "$n" -eq 1 ] || e2e_fail "twenty sends of one signed message left $n copies: $(copies)"
e2e_log "ok: 20 sends, folio $folio, one copy in the spool"
filed=$(copies)
[ "$(basename "$(dirname "$filed")")$(basename "$filed")" = "$("$SQLITE3" "$DB" "SELECT message_sha256 FROM submissions")" ] ||
    e2e_fail "the copy kept ($filed) is not the filed message $("$SQLITE3" "$DB" "SELECT message_sha256, spool_path FROM submissions")"
"$SQLITE3" "$DB" "SELECT json_extract(detail, '\$.message_sha256') FROM events
    WHERE kind = 'repeat'" | sort -u >"$E2E_DIR/repeat-hashes"
[ "$(grep -c '^[0-9a-f]\{64\}$' "$E2E_DIR/repeat-hashes")" -eq 19 ] ||
    e2e_fail "19 repeat events with distinct message hashes expected: $(cat "$E2E_DIR/repeat-hashes")"
# (and none of them is the filed message's: each arrived with its own padding)
grep -q -x "$("$SQLITE3" "$DB" "SELECT message_sha256 FROM submissions")" \
    "$E2E_DIR/repeat-hashes" && e2e_fail "a repeat event names the filed message's hash"
e2e_log "ok: 19 repeat events, each with its own arriving message hash"
sub_ctl store verify-chain >"$E2E_DIR/chain.out" 2>&1 ||
    e2e_fail "verify-chain: $(cat "$E2E_DIR/chain.out")"

# --- spool gc ----------------------------------------------------------------
# stray DIGEST - an unnamed copy as a failed record leaves one (ab/<62>)
stray() {
	mkdir -p "$SPOOL/${1:0:2}"
	printf 'stray %s\n' "$1" >"$(at "$1")"
}
at() { echo "$SPOOL/${1:0:2}/${1:2}"; }
old=$(printf 'old' | sha256sum | cut -c1-64)
young=$(printf 'young' | sha256sum | cut -c1-64)
named=$(head -n 1 "$E2E_DIR/repeat-hashes")
stray "$old"
stray "$young"
stray "$named"		# the race: a repeat whose arriving copy was spooled
printf 'x' >"$SPOOL/.cas-Ab12Cd"
touch -d '3 days ago' "$(at "$old")" "$filed" "$(at "$named")" \
    "$SPOOL/.cas-Ab12Cd"

sub_ctl spool gc --dry-run >"$E2E_DIR/gc0.out" 2>&1 || e2e_fail "gc --dry-run: $(cat "$E2E_DIR/gc0.out")"
grep -q "^would delete $(at "$old") " "$E2E_DIR/gc0.out" &&
    grep -q "^would delete $SPOOL/.cas-Ab12Cd " "$E2E_DIR/gc0.out" &&
    [ "$(grep -c '^would delete' "$E2E_DIR/gc0.out")" -eq 2 ] ||
    e2e_fail "gc --dry-run: $(cat "$E2E_DIR/gc0.out")"
[ -f "$(at "$old")" ] || e2e_fail "gc --dry-run deleted a file"
e2e_log "ok: spool gc --dry-run lists only the old unnamed copies"

sub_ctl spool gc >"$E2E_DIR/gc1.out" 2>&1 || e2e_fail "gc: $(cat "$E2E_DIR/gc1.out")"
[ ! -e "$(at "$old")" ] && [ ! -e "$SPOOL/.cas-Ab12Cd" ] ||
    e2e_fail "gc kept an old unnamed copy: $(cat "$E2E_DIR/gc1.out")"
[ -f "$filed" ] || e2e_fail "gc deleted the filed copy"
[ -f "$(at "$named")" ] || e2e_fail "gc deleted a copy a repeat event names"
[ -f "$(at "$young")" ] || e2e_fail "gc deleted a young copy"
grep -q "2 named kept, 1 younger than 1 day kept, 2 deleted" "$E2E_DIR/gc1.out" ||
    e2e_fail "gc summary: $(cat "$E2E_DIR/gc1.out")"
e2e_log "ok: spool gc deletes old unnamed copies, keeps named and young ones"

touch -d '3 days ago' "$(at "$young")"
sub_ctl spool gc --older-than 4 >"$E2E_DIR/gc2.out" 2>&1 || e2e_fail "gc --older-than 4"
[ -f "$(at "$young")" ] || e2e_fail "gc --older-than 4 deleted a 3-day-old copy"
sub_ctl spool gc --older-than 2 >"$E2E_DIR/gc3.out" 2>&1 || e2e_fail "gc --older-than 2"
[ ! -e "$(at "$young")" ] || e2e_fail "gc --older-than 2 kept a 3-day-old copy"
e2e_log "ok: --older-than DAYS"
sub_ctl spool gc --older-than 0 >/dev/null 2>&1
[ $? -eq 2 ] || e2e_fail "--older-than 0 is not a usage error"
sub_ctl store verify-chain >"$E2E_DIR/chain2.out" 2>&1 ||
    e2e_fail "verify-chain after gc: $(cat "$E2E_DIR/chain2.out")"
e2e_finish
