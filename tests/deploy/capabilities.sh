#!/bin/bash
# capabilities.sh - the unit's CapabilityBoundingSet is enough, and nothing is kept
#
# Rule (issue 13 item 1): buzon-milter.service bounds the daemon to
# CAP_CHOWN CAP_DAC_OVERRIDE CAP_SETGID CAP_SETUID (what the start needs
# before the privilege drop) under no_new_privs. Without systemd the same
# bounds come from setpriv: started as root with exactly the unit's
# bounding set (read from the installed unit's source) and no_new_privs,
# the daemon creates and hands over its socket, drops to UserID, and
# accepts a signed submission through the real Postfix; after the drop
# it has no capability left (CapEff, CapPrm 0) and runs as UserID. The
# acuse transport is not under test here (SendmailCommand /bin/true; see
# no-new-privs.sh).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_init capabilities
command -v setpriv >/dev/null 2>&1 || e2e_skip "setpriv not installed (util-linux)"
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$top_srcdir/contrib/buzon-milter.service.in")
[ -n "$caps" ] || e2e_fail "no CapabilityBoundingSet in contrib/buzon-milter.service.in"
# CAP_CHOWN CAP_SETUID -> -all,+chown,+setuid
bset=-all
for c in $caps; do
	c=${c#CAP_}
	bset="$bset,+${c,,}"
done
. "$top_srcdir/tests/e2e/submission-lib.sh"
sub_plumbing_conf
E2E_MILTER_WRAPPER=(setpriv --no-new-privs --bounding-set "$bset")
e2e_start

status=/proc/$E2E_MILTER_PID/status
grep -q '^NoNewPrivs:[[:space:]]*1$' "$status" || e2e_fail "no no_new_privs"
for f in CapEff CapPrm CapAmb; do
	v=$(awk -v f="$f:" '$1 == f { print $2 }' "$status")
	[ "$((16#$v))" -eq 0 ] || e2e_fail "$f is $v after the privilege drop (bounding set $bset)"
done
uid=$(awk '$1 == "Uid:" { print $2 }' "$status")
[ "$uid" = "$(id -u postfix)" ] || e2e_fail "runs as uid $uid, not UserID postfix"
e2e_log "bounding set $bset: CapBnd $(awk '$1 == "CapBnd:" { print $2 }' "$status"), no capability after the drop"

tok=$(sub_message "$E2E_DIR/m.eml" efirma-fisica)
e2e_send m --to "$E2E_MAILBOX" --data "@$E2E_DIR/m.eml" || e2e_fail "signed submission refused"
e2e_accepted m || e2e_fail "no 250 for the signed submission"
e2e_wait_until "$E2E_TIMEOUT" e2e_sink_find "Message-ID: <$tok@" >/dev/null ||
    e2e_fail "the submission never reached the sink"
e2e_received "$tok" "$E2E_DIR/got"
[ "$(e2e_header_value X-Buzon-Status "$E2E_DIR/got")" = accepted ] ||
    e2e_fail "not accepted under the bounding set"
e2e_finish
