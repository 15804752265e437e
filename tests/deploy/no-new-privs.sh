#!/bin/bash
# no-new-privs.sh - the daemon under NoNewPrivileges delivers an acuse
#
# Rule (issue 13 item 1): the systemd unit's hardening implies
# NoNewPrivileges=yes, and the daemon must still deliver acuses with the
# default acuse transport. Without a running systemd, the same restriction
# comes from "setpriv --no-new-privs": the daemon runs under it (checked in
# /proc), a signed submission is accepted and its acuse reaches the sink
# through the throwaway Postfix, by the transport the tree uses by default
# (only the server address is pointed at the throwaway instance).
#
# The sendmail(1) transport (SendmailCommand) cannot work there: Postfix's
# postdrop needs its set-group-id bit, which no-new-privs ignores. So this
# test needs the SMTP transport (SubmissionServer, issue 12) and says SKIP
# in a tree that does not have it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_init no-new-privs
command -v setpriv >/dev/null 2>&1 || e2e_skip "setpriv not installed (util-linux)"
if ! "$top_builddir/buzonctl" config --defaults --json | grep -q '"name": *"SubmissionServer"' &&
    ! "$top_builddir/buzonctl" config --defaults | grep -Eq '^#? ?SubmissionServer([[:space:]]|$)'; then
	e2e_skip "SubmissionServer is not a configuration key of this tree: its acuse transport is SendmailCommand, and Postfix's set-group-id postdrop cannot queue under NoNewPrivileges (the systemd unit's hardening); this test needs the SMTP transport of issue 12"
fi
. "$top_srcdir/tests/e2e/submission-lib.sh"
sub_pki_conf
# the tree's default transport, aimed at the throwaway Postfix
e2e_conf OutboxTransport
e2e_conf SendmailCommand
e2e_conf SubmissionServer "inet:$E2E_SMTP_PORT@127.0.0.1"
E2E_MILTER_WRAPPER=(setpriv --no-new-privs)
e2e_start

grep -q '^NoNewPrivs:[[:space:]]*1$' "/proc/$E2E_MILTER_PID/status" ||
    e2e_fail "the daemon does not run with no_new_privs: $(grep NoNewPrivs "/proc/$E2E_MILTER_PID/status")"
tok=$(sub_message "$E2E_DIR/m.eml" efirma-fisica)
e2e_send m --to "$E2E_MAILBOX" --data "@$E2E_DIR/m.eml" ||
    e2e_fail "signed submission refused"
e2e_accepted m || e2e_fail "no 250 for the signed submission"
e2e_wait_until "$E2E_TIMEOUT" e2e_sink_find "Message-ID: <$tok@" >/dev/null ||
    e2e_fail "the submission never reached the sink"
e2e_received "$tok" "$E2E_DIR/got"
folio=$(sub_folio "$E2E_DIR/got")
[ -n "$folio" ] || e2e_fail "no folio"
sub_acuse "$folio" "$E2E_DIR/acuse"
e2e_log "acuse for $folio delivered under no_new_privs"
e2e_finish
