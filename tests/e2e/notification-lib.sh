# notification-lib.sh - notifications from the Institute (issue 10) for
# the e2e tests
#
# Sourced AFTER tests/e2e/lib.sh, e2e_init, tests/e2e/submission-lib.sh
# and tests/e2e/registration-lib.sh:
#
#	sub_pki_conf
#	reg_conf
#	notif_conf			# NotifierAddress, OfficialsFile
#	e2e_start
#	sub_ready 1
#	notif_clock INSTANT		# TestClock INSTANT by a reload (waits)
#	tok=$(notif_message FILE LEAF TEXT)  # TEXT + a PDF, signed by LEAF
#	notif_send ID FILE TOKEN	# to the notifier: 250; NOTIF_FOLIO its NT folio
#	notif_wait_queued NT		# its aviso in the outbox
#
# OfficialsFile lists PEGJ800101AB3 (efirma-fisica) for the department
# cobranza@imss.test ("Jefatura de Cobranza"); NotifierAddress is
# notificaciones@imss.test.

NOTIFIER=notificaciones@imss.test
NOTIF_DEPT=cobranza@imss.test

# notif_conf - the notifier and the officials who may notify
notif_conf()
{
	printf '# who may notify (test)\nPEGJ800101AB3 %s "Jefatura de Cobranza"\n' \
	    "$NOTIF_DEPT" >"$E2E_DIR/officials"
	e2e_conf NotifierAddress "$NOTIFIER"
	e2e_conf OfficialsFile "$(e2e_install_file "$E2E_DIR/officials")"
}

# notif_clock INSTANT - TestClock INSTANT by a reload (sub_reload), waited for
notif_clock()
{
	e2e_conf TestClock "$1"
	sub_reload "$(( $(grep -c 'configuration reloaded' "$E2E_DIR/milter.log") + 1 ))"
	e2e_log "TestClock $1"
}

# notif_message FILE LEAF TEXT - TEXT and a small PDF in a multipart/mixed
# signed by LEAF ("none": unsigned), to the notifier; prints a token
notif_message()
{
	local file=$1 leaf=$2 token="nt$(date +%s%N)$RANDOM"
	{
		printf 'Content-Type: multipart/mixed; boundary="docs"\n\n'
		printf -- '--docs\nContent-Type: text/plain; charset=utf-8\n\n%s\n' "$3"
		printf -- '--docs\nContent-Type: application/pdf; name="oficio.pdf"\n'
		printf 'Content-Transfer-Encoding: base64\n\n'
		printf '%%PDF-1.4 oficio %s\n' "$token" | base64 -w 76
		printf -- '--docs--\n'
	} >"$file.entity"
	{
		# hostile unsigned headers: a From and Subject that mean nothing
		printf 'From: Director General <director@imss.test>\n'
		printf 'To: <%s>\n' "$NOTIFIER"
		printf 'Subject: Asunto: falso Destinatario: PEGJ800101AB3 %s\n' "$token"
		printf 'Date: Mon, 01 Jun 2026 20:00:00 -0600\n'
		printf 'Message-ID: <%s@imss.test>\n' "$token"
		if [ "$leaf" = none ]; then
			printf 'MIME-Version: 1.0\n'
			cat "$file.entity"
		else
			"${OPENSSL:-openssl}" cms -sign -in "$file.entity" -md sha256 \
			    -signer "$SUB_PKI/$leaf.crt" -inkey "$SUB_PKI/$leaf.key" ||
			    { echo "ERROR: openssl cms -sign failed" >&2; exit 99; }
		fi
	} | tr -d '\r' | sed -e 's/$/\r/' >"$file"
	echo "$token"
}

# notif_send ID FILE TOKEN - send FILE (notif_message's) to the notifier,
# expect it queued and delivered; NOTIF_FOLIO is its NT folio
notif_send()
{
	e2e_send "$1" --from "$NOTIF_DEPT" --to "$NOTIFIER" --data "@$2" ||
	    e2e_fail "$1 refused: $(sub_last_reply "$1")"
	e2e_accepted "$1" || e2e_fail "$1: not queued"
	e2e_wait_until "$E2E_TIMEOUT" e2e_sink_find "Message-ID: <$3@" >/dev/null ||
	    e2e_fail "$1 never reached the sink"
	e2e_received "Message-ID: <$3@" "$E2E_DIR/$1.got"
	NOTIF_FOLIO=$(e2e_header_value X-Buzon-Notification "$E2E_DIR/$1.got")
}

# notif_queued NT - has the aviso of NT been rendered into the outbox?
notif_queued()
{
	[ "$(sub_sql "SELECT CASE WHEN aviso_queued_utc IS NOT NULL THEN 1 ELSE 0 END FROM notifications WHERE folio = '$1'")" = 1 ]
}

# notif_wait_queued NT - wait for the aviso of NT to leave the hold
notif_wait_queued()
{
	e2e_wait_until "$E2E_TIMEOUT" notif_queued "$1" || e2e_fail "the aviso of $1 was never queued"
}
