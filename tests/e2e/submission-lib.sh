# submission-lib.sh - signed submissions for the end-to-end tests
#
# Sourced AFTER tests/e2e/lib.sh and e2e_init by the tests that send real
# e.firma-signed mail through Postfix to the daemon (issues 3 and 5):
#
#	sub_pki_conf		# test PKI, trust, institution signer, outbox
#	(sub_plumbing_conf	# the same, acuses not delivered anywhere)
#	e2e_start
#	tok=$(sub_message FILE LEAF [HEADER...])    # signed with a PKI leaf
#	tok=$(sub_signed FILE TO [HEADER...])       # e2e_message, but signed
#	sub_deliver ID FROM FILE KEY # send, expect 250, wait, keep ID.got
#	sub_folio FILE		# X-Buzon-Folio of a delivered message
#	sub_acuse FOLIO FILE	# wait for the acuse of FOLIO at the sink
#	sub_xml_of ACUSE	# the decoded acuse-*.xml attachment
#	sub_ctl ARGS...		# buzonctl with the daemon's configuration
#	sub_sql ARGS...		# e2e_sql: SQL on the daemon's database
#	sub_reload N		# e2e_write_conf, SIGUSR1, wait for the N-th reload
#	sub_ready N		# wait for the N-th completed start (store open)
#
# The PKI is tests/pki/gen-pki.sh's (generated once per build tree). The
# clock is pinned (TestClock 2026-06-01T12:00:00Z, a Monday and a working
# day, inside every leaf's validity except `expired`). The institution key
# is copied into the test directory owned by UserID (postfix): the daemon
# reads it at start as root, but a reload runs as UserID, and production
# must make it readable the same way. Acuses go through the same Postfix
# to the same sink: by the default OutboxTransport smtp to the instance's
# smtpd (lib.sh sets SubmissionServer); a test that sets OutboxTransport
# sendmail gets SendmailCommand tests/e2e/smtp-sendmail.sh (why not
# Postfix's sendmail -C DIR: see there).

SUB_PKI="$top_builddir/tests/pki/generated"
SUB_CLOCK=2026-06-01T12:00:00Z
SUB_SCHEMA="$top_srcdir/contrib/acuse-v1.xsd"
SUB_CTL="$top_builddir/buzonctl"

# sub_pki_conf - generate the PKI and set every configuration key it needs
sub_pki_conf()
{
	"$top_srcdir/tests/pki/gen-pki.sh" "$SUB_PKI" >/dev/null ||
	    { echo "ERROR: gen-pki.sh failed"; exit 99; }
	command -v "${OPENSSL:-openssl}" >/dev/null || e2e_skip "openssl not installed"
	mkdir -p "$E2E_DIR/inst"
	cp "$SUB_PKI/institution.crt" "$SUB_PKI/institution.key" \
	    "$SUB_PKI/institution-ca.crt" "$E2E_DIR/inst/"
	chown -R postfix "$E2E_DIR/inst"
	chmod 0700 "$E2E_DIR/inst"
	chmod 0600 "$E2E_DIR/inst/institution.key"
	e2e_conf TestClock "$SUB_CLOCK"
	# copies the daemon (postfix) can read whatever the tree's permissions
	e2e_conf TrustAnchors "$(e2e_install_file "$SUB_PKI/trust-anchors.pem")"
	e2e_conf IssuingCAs "$(e2e_install_file "$SUB_PKI/issuing-cas.pem")"
	e2e_conf Revocation none
	e2e_conf InstitutionCertificate "$E2E_DIR/inst/institution.crt"
	e2e_conf InstitutionKey "$E2E_DIR/inst/institution.key"
	e2e_conf InstitutionCA "$E2E_DIR/inst/institution-ca.crt"
	e2e_conf AcuseSchema "$SUB_SCHEMA"
	SUB_SENDMAIL=$(e2e_install_file "$top_srcdir/tests/e2e/smtp-sendmail.sh")
	chmod 0755 "$SUB_SENDMAIL"
	e2e_conf SendmailCommand "$SUB_SENDMAIL $E2E_SMTP_PORT"
	e2e_conf OutboxRetryInterval 1
	e2e_conf OutboxRetryMaxInterval 2
}

# sub_message - write a message signed (detached S/MIME, SHA-256) by LEAF
# of the test PKI to FILE, CRLF line ends; prints a unique token carried
# in the Subject, the Message-ID and the signed text.
#	usage: sub_message FILE LEAF [extra header lines...]
# LEAF "none" writes the same message unsigned. SUB_BODY, when set, is the
# signed text instead (to send the same signed content twice).
sub_message()
{
	local file=$1 leaf=$2 token h
	shift 2
	token="bz$(date +%s%N)$RANDOM"
	{
		printf 'Content-Type: text/plain; charset=utf-8\n'
		printf 'Content-Transfer-Encoding: 8bit\n\n'
		printf '%s\n' "${SUB_BODY:-Promocion de prueba $token.}"
	} >"$file.entity"
	{
		printf 'From: Patron Prueba <patron@empresa.test>\n'
		printf 'To: <%s>\n' "$E2E_MAILBOX"
		printf 'Subject: promocion %s\n' "$token"
		printf 'Date: Mon, 01 Jun 2026 06:00:00 -0600\n'
		printf 'Message-ID: <%s@empresa.test>\n' "$token"
		for h in "$@"; do
			printf '%s\n' "$h"
		done
		if [ "$leaf" = none ]; then
			printf 'MIME-Version: 1.0\n'
			cat "$file.entity"
		else
			"${OPENSSL:-openssl}" cms -sign -in "$file.entity" -md "${SUB_MD:-sha256}" \
			    -signer "$SUB_PKI/$leaf.crt" -inkey "$SUB_PKI/$leaf.key" ||
			    { echo "ERROR: openssl cms -sign failed" >&2; exit 99; }
		fi
	} | tr -d '\r' | sed -e 's/$/\r/' >"$file"
	echo "$token"
}

# sub_large_message - a signed submission of about MIB MiB (CRLF): a text
# part and a base64 application/pdf of random bytes in a multipart/mixed,
# multipart/signed by efirma-fisica (SHA-256); prints its token
#	usage: sub_large_message FILE MIB
sub_large_message()
{
	local file=$1 mib=$2 payload token ent=$1.entity
	token="bz$(date +%s%N)$RANDOM"
	# 57 payload bytes per 78-byte base64 line (76 characters + CRLF)
	payload=$(( (mib * 1048576 - 16384) / 78 * 57 ))
	{
		printf 'Content-Type: multipart/mixed; boundary="grande"\n\n'
		printf -- '--grande\nContent-Type: text/plain; charset=utf-8\n\n'
		printf 'Promocion de prueba %s.\n' "$token"
		printf -- '--grande\nContent-Type: application/pdf; name="anexo.pdf"\n'
		printf 'Content-Transfer-Encoding: base64\n\n'
		head -c "$payload" /dev/urandom | base64 -w 76
		printf -- '--grande--\n'
	} >"$ent"
	{
		printf 'From: Patron Prueba <patron@empresa.test>\n'
		printf 'To: <%s>\n' "$E2E_MAILBOX"
		printf 'Subject: promocion %s (%s MiB)\n' "$token" "$mib"
		printf 'Date: Mon, 01 Jun 2026 06:00:00 -0600\n'
		printf 'Message-ID: <%s@empresa.test>\n' "$token"
		"${OPENSSL:-openssl}" cms -sign -in "$ent" -md sha256 \
		    -signer "$SUB_PKI/efirma-fisica.crt" -inkey "$SUB_PKI/efirma-fisica.key" ||
		    { echo "ERROR: openssl cms -sign failed" >&2; exit 99; }
	} | tr -d '\r' | sed -e 's/$/\r/' >"$file"
	rm -f "$ent"
	echo "$token"
}

# sub_signed - e2e_message's interface (FILE TO [HEADER...], prints the
# token) for a submission signed with the test e.firma (fisica): what the
# tests of the milter's plumbing (issue 2) send to the mailbox now that
# unsigned mail for it is rejected
sub_signed()
{
	local file=$1 to=$2
	shift 2
	E2E_MAILBOX=$to sub_message "$file" efirma-fisica "$@"
}

# sub_plumbing_conf - sub_pki_conf for tests of the milter's plumbing:
# acuses are handed to /bin/true, so only the mail under test reaches the
# sink (the acuse would also carry the message's token)
sub_plumbing_conf()
{
	sub_pki_conf
	e2e_conf OutboxTransport sendmail
	e2e_conf SendmailCommand /bin/true
}

# sub_deliver - the send-wait-check of a submission that must be accepted:
# send FILE from envelope FROM to the mailbox, expect 250, wait until the
# message whose Message-ID starts with KEY reaches the sink, and keep it as
# Postfix delivered it in $E2E_DIR/ID.got; any failure ends the test
# naming ID
#	usage: sub_deliver ID FROM FILE KEY
sub_deliver()
{
	local id=$1 from=$2 file=$3 key="Message-ID: <$4"

	e2e_send "$id" --from "$from" --to "$E2E_MAILBOX" --data "@$file" ||
	    e2e_fail "$id: submission refused: $(sub_last_reply "$id")"
	e2e_accepted "$id" || e2e_fail "$id: no 250"
	e2e_wait_until "$E2E_TIMEOUT" e2e_sink_find "$key" >/dev/null ||
	    e2e_fail "$id: never reached the sink"
	e2e_received "$key" "$E2E_DIR/$id.got"
}

# sub_folio - the X-Buzon-Folio value of a message file
sub_folio()
{
	e2e_header_value X-Buzon-Folio "$1"
}

# sub_acuse_file - the sink file holding the acuse of FOLIO (its Subject)
sub_acuse_file()
{
	e2e_sink_find "Subject: Acuse de recibo $1"
}

# sub_acuse - wait until the acuse of FOLIO reached the sink; write it,
# without smtp-sink's records, to FILE
sub_acuse()
{
	local f
	e2e_wait_until "$E2E_TIMEOUT" sub_acuse_file "$1" >/dev/null ||
	    e2e_fail "the acuse of $1 never reached the sink"
	# the file is complete once Postfix logged it sent
	e2e_wait_until "$E2E_TIMEOUT" sub_sink_complete ||
	    e2e_fail "sink files incomplete"
	f=$(sub_acuse_file "$1")
	cp "$f" "$2.raw"
	e2e_sink_message "$f" >"$2"
}

# sub_sink_complete - every file at the sink has been logged as sent
sub_sink_complete()
{
	[ "$(e2e_sent_count)" -ge "$(e2e_sink_count)" ]
}

# sub_xml_of - the decoded acuse-*.xml attachment of an acuse mail
sub_xml_of()
{
	tr -d '\r' <"$1" | awk '
		/^Content-Disposition: attachment; filename="acuse-/ { inxml = 1; next }
		inxml && !body && $0 == "" { body = 1; next }
		body && /^--/ { exit }
		body { print }' | base64 -d
}

# sub_ready N - wait until the daemon's log shows its N-th start completed.
# The socket accepts connections (lib.sh's readiness) before the daemon
# has opened the store and started the outbox ("starting: socket ..." is
# logged after both); a test that locks the database must wait for this.
sub_ready()
{
	e2e_wait_until "$((E2E_TIMEOUT * 2))" sub_started "$1" ||
	    e2e_fail "the daemon did not finish starting (start $1)"
}

# sub_started N - at least N completed starts in the daemon's log
sub_started()
{
	[ "$(grep -c 'starting: socket' "$E2E_DIR/milter.log" 2>/dev/null)" -ge "$1" ]
}

# sub_ctl - buzonctl with the daemon's configuration
sub_ctl()
{
	"$SUB_CTL" -c "$E2E_DIR/milter.conf" "$@"
}

# sub_sql SQL... - the daemon's database, SQLite or PostgreSQL (lib.sh's
# e2e_sql: the same output either way)
sub_sql()
{
	e2e_sql "$@"
}

# sub_reloads N - the daemon logged its N-th reload
sub_reloads()
{
	[ "$(grep -c 'configuration reloaded' "$E2E_DIR/milter.log")" -ge "$1" ]
}

# sub_reload N - write the configuration (after e2e_conf), SIGUSR1 the
# daemon and wait for its N-th reload (a reload logs no new start)
sub_reload()
{
	e2e_write_conf
	kill -USR1 "$(cat "$E2E_DIR/spool/milter.pid")"
	e2e_wait_until "$E2E_TIMEOUT" sub_reloads "$1" || e2e_fail "reload $1 not done"
}

# sub_all_signed - no acuse sealed at its commit is waiting for its
# signature (the outbox worker signs them after the 250)
sub_all_signed()
{
	sub_ctl store stats --json 2>/dev/null | grep -q '"acuses_pending_signature": 0'
}

# sub_last_reply - the last SMTP reply of transcript ID to the data (3 digits)
sub_last_reply()
{
	grep -E '^<[-*~]+ +[0-9]{3}' "$E2E_DIR/$1.smtp" | tail -n 3
}
