# lib.sh - end-to-end test harness: a throwaway real Postfix around buzon-milter
#
# A test sources this file, then:
#
#	e2e_init NAME		# root check (else exit 77), temp dir, ports, trap
#	e2e_conf KEY VALUE	# optional: set a milter configuration key
#	e2e_start		# smtp-sink, Postfix, the milter; waits until ready
#	e2e_send ID --to ADDR [swaks options...]   # transcript in $E2E_DIR/ID.smtp
#	e2e_wait_sink 1		# poll until 1 message reached the sink
#	...assertions with e2e_check / e2e_fail...
#	e2e_finish		# stop everything, check valgrind/sanitizers, exit 0
#
# Other helpers (each documented where defined):
#	messages	e2e_message FILE TO [HEADER...] (prints a unique token),
#			e2e_sent_text, e2e_headers, e2e_body, e2e_drop_headers,
#			e2e_header_count NAME FILE, e2e_header_value NAME FILE
#	sending		e2e_send (swaks), e2e_sendmail (local submission),
#			e2e_smtp_open/_cmd/_data/_close (hand-driven session)
#	SMTP replies	e2e_reply_has ID CODE, e2e_accepted ID, e2e_transcript_has
#	the sink	e2e_wait_sink N, e2e_sink_count, e2e_sink_find TOKEN,
#			e2e_received TOKEN FILE, e2e_assert_untouched FILE TOKEN
#	logs		e2e_maillog_has / e2e_wait_maillog ERE,
#			e2e_milter_log_has / e2e_wait_milter_log ERE
#	the daemon	e2e_start_milter (E2E_MILTER_WRAPPER=(cmd args): run it
#			through cmd, which must exec it, e.g. setpriv),
#			e2e_stop_milter, e2e_kill_milter,
#			e2e_install_file (files it must read, readable by postfix),
#			e2e_milter_alive, e2e_write_conf; $E2E_MILTER_PID
#	Postfix		e2e_start_postfix, e2e_stop_postfix, e2e_queue_count,
#			e2e_postfix_conf (extra main.cf lines)
#	assertions	e2e_check MESSAGE COMMAND..., e2e_fail, e2e_skip,
#			e2e_wait_until SECONDS COMMAND...
#	the database	e2e_use_pg (PostgreSQL mode, see below), e2e_sql SQL...,
#			e2e_pg CMD (tests/pg/pg-cluster.sh CMD on the cluster)
# Mail for the mailbox must be S/MIME-signed: source tests/e2e/submission-lib.sh
# after e2e_init (sub_pki_conf or sub_plumbing_conf, then sub_signed).
# Variables: E2E_DIR, E2E_SMTP_PORT, E2E_SINK_PORT, E2E_SOCKET, E2E_MAILBOX
# (buzon@imss.test, the default MailboxAddress), E2E_TIMEOUT (30 s per wait,
# times BUZON_TEST_TIMEOUT_SCALE: every test deadline follows that one
# integer multiplier, default 1, raised for valgrind by contrib/run-tests).
#
# Layout under $E2E_DIR (mode 0755, under /tmp so the postfix user can
# traverse it): postfix/ (main.cf, master.cf), queue/, data/, maillog,
# milter.conf, milter.sock, milter.log (the daemon's stderr: Syslog no),
# sink/ (one file per message delivered by Postfix to smtp-sink), *.smtp
# (swaks transcripts), *.eml (messages sent).
#
# The milter runs with UserID postfix: its Unix socket then belongs to the
# user smtpd and cleanup run as, so no system user or group has to be
# created on the test machine. Production uses a dedicated user (see
# README.md). SpoolDirectory and Database live in $E2E_DIR, owned by postfix.
#
# The database: by default the SQLite file spool/buzon.db. With
# E2E_DATABASE=pg in the environment (or e2e_use_pg called after e2e_init
# and before e2e_start) a throwaway PostgreSQL cluster is started in
# $E2E_DIR/pg by tests/pg/pg-cluster.sh, Database is its URI ($E2E_PG_URI)
# and the EXIT trap stops it; without a PostgreSQL server installed the
# test exits 77. e2e_sql reads either database with the same output
# (sqlite3's default list mode: columns joined by |, no header).
#
# With BUZON_VALGRIND=1 the daemon runs under valgrind; any valgrind error or
# definite/indirect leak fails the test. In every build the daemon's log is
# scanned for AddressSanitizer/UBSan reports, which also fail the test.
#
# Failure behaviour: e2e_fail prints diagnostics (milter log, maillog,
# transcripts) to stdout, which automake keeps in the test's .log, and exits
# 1. The EXIT trap always stops Postfix, the milter and smtp-sink by PID and
# waits for them, then removes $E2E_DIR (kept with BUZON_E2E_KEEP=1).
# Nothing waits a fixed time: every wait polls a condition with a deadline.

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${BUZON_TEST_TIMEOUT_SCALE:=1}"	# slow builds (valgrind) wait longer
: "${E2E_TIMEOUT:=$((30 * BUZON_TEST_TIMEOUT_SCALE))}"	# seconds for any single wait
E2E_MILTER_BIN=${E2E_MILTER_BIN:-$top_builddir/buzon-milter}
E2E_PORT_DIR=/tmp/buzon-e2e-ports

E2E_DIR=
E2E_NAME=
E2E_MILTER_PID=
E2E_SINK_PID=
E2E_POSTFIX_UP=
E2E_FINISHED=
E2E_PORTS=()
E2E_MILTER_STATUS=
declare -A E2E_CONF=()
E2E_CONF_ORDER=()
E2E_POSTFIX_EXTRA=()
E2E_PG_DIR=		# the cluster's directory while it exists (PostgreSQL mode)
E2E_PG_URI=

# e2e_skip - explain why the test cannot run here and exit 77
e2e_skip()
{
	echo "SKIP: $*"
	E2E_FINISHED=skip
	exit 77
}

# e2e_log - a progress line in the test's log
e2e_log()
{
	echo "[$(date -u +%H:%M:%S)] $*"
}

# e2e_fail - print the reason and the diagnostics, then exit 1
e2e_fail()
{
	echo "FAIL: $*"
	e2e_diagnostics
	exit 1
}

# e2e_diagnostics - dump what helps to understand a failure
e2e_diagnostics()
{
	local f
	[ -n "$E2E_DIR" ] && [ -d "$E2E_DIR" ] || return 0
	for f in "$E2E_DIR"/milter.log "$E2E_DIR"/valgrind.log "$E2E_DIR"/maillog \
	    "$E2E_DIR"/*.smtp "$E2E_DIR"/sink.log; do
		[ -f "$f" ] || continue
		echo "---- ${f#"$E2E_DIR"/} (last 60 lines) ----"
		tail -n 60 "$f"
	done
	echo "---- sink: $(e2e_sink_count) message(s) ----"
}

# e2e_wait_until - poll a shell command until it succeeds or TIMEOUT seconds pass
#	usage: e2e_wait_until TIMEOUT COMMAND...
e2e_wait_until()
{
	local timeout=$1 deadline
	shift
	deadline=$((SECONDS + timeout))
	while ! "$@"; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.05
	done
	return 0
}

# e2e_port_free - is TCP port $1 on 127.0.0.1 bindable right now?
e2e_port_free()
{
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
		    LocalPort => $ARGV[0], Proto => "tcp", Listen => 1,
		    ReuseAddr => 1) or exit 1;
		close $s; exit 0' "$1"
}

# e2e_reserve_port - print a free loopback port, reserved against parallel tests
#
# A port is reserved by creating $E2E_PORT_DIR/PORT (mkdir is atomic) holding
# the test's PID; a reservation whose PID is gone is reclaimed. The range
# stays below Linux's ephemeral range so outgoing connections never take it.
e2e_reserve_port()
{
	local port try owner
	mkdir -p "$E2E_PORT_DIR"
	for try in $(seq 1 200); do
		port=$((20000 + RANDOM % 12000))
		if ! mkdir "$E2E_PORT_DIR/$port" 2>/dev/null; then
			owner=$(cat "$E2E_PORT_DIR/$port/pid" 2>/dev/null)
			if [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null; then
				rm -rf "$E2E_PORT_DIR/$port"
			fi
			continue
		fi
		echo $$ >"$E2E_PORT_DIR/$port/pid"
		if e2e_port_free "$port"; then
			echo "$port"
			return 0
		fi
		rm -rf "$E2E_PORT_DIR/$port"
	done
	echo "e2e_reserve_port: no free port found" >&2
	return 1
}

# e2e_init - prepare a test: checks, temp dir, ports, default config, trap
#	usage: e2e_init NAME
e2e_init()
{
	local cmd
	E2E_NAME=$1
	[ "$(id -u)" -eq 0 ] || e2e_skip "needs root for Postfix"
	for cmd in postfix postconf smtp-sink swaks perl script; do
		command -v "$cmd" >/dev/null 2>&1 ||
		    e2e_skip "$cmd not installed (apt-get install postfix swaks)"
	done
	id postfix >/dev/null 2>&1 || e2e_skip "no postfix user"
	if [ "${BUZON_VALGRIND:-0}" = 1 ]; then
		command -v valgrind >/dev/null 2>&1 ||
		    e2e_skip "BUZON_VALGRIND=1 but valgrind is not installed"
	fi

	trap e2e_cleanup EXIT
	trap 'exit 99' INT TERM HUP

	# Always /tmp: the postfix user must traverse every parent directory,
	# and a Unix socket path must stay under 108 bytes.
	E2E_DIR=$(mktemp -d "/tmp/bz-e2e.$E2E_NAME.XXXXXX") ||
	    { echo "ERROR: mktemp failed"; exit 99; }
	chmod 0755 "$E2E_DIR"
	mkdir -p "$E2E_DIR/postfix" "$E2E_DIR/sink" "$E2E_DIR/spool"
	chown postfix "$E2E_DIR/sink" "$E2E_DIR/spool"
	chmod 0750 "$E2E_DIR/spool"

	E2E_SMTP_PORT=$(e2e_reserve_port) || exit 99
	E2E_PORTS+=("$E2E_SMTP_PORT")
	E2E_SINK_PORT=$(e2e_reserve_port) || exit 99
	E2E_PORTS+=("$E2E_SINK_PORT")

	E2E_SOCKET=$E2E_DIR/milter.sock
	E2E_MAILBOX=buzon@imss.test
	e2e_conf Socket "unix:$E2E_SOCKET"
	e2e_conf UserID postfix
	e2e_conf UMask 007
	e2e_conf PidFile "$E2E_DIR/spool/milter.pid"
	e2e_conf MailboxAddress "$E2E_MAILBOX"
	e2e_conf Database "$E2E_DIR/spool/buzon.db"
	e2e_conf SpoolDirectory "$E2E_DIR/spool"
	e2e_conf LogLevel debug
	e2e_conf Syslog no
	e2e_conf TestMode yes
	# the outbox's default transport: SMTP to this instance's smtpd
	e2e_conf SubmissionServer "inet:$E2E_SMTP_PORT@127.0.0.1"
	# Tests of filing send promociones from signers that never registered
	# (issue 9); registration.sh and try-it set it back to yes.
	e2e_conf RequireEnabledMailbox no
	e2e_log "e2e $E2E_NAME: dir $E2E_DIR, smtpd 127.0.0.1:$E2E_SMTP_PORT," \
	    "sink 127.0.0.1:$E2E_SINK_PORT"
	case ${E2E_DATABASE:-sqlite} in
	pg | postgresql) e2e_use_pg ;;
	sqlite) ;;
	*) echo "ERROR: E2E_DATABASE=$E2E_DATABASE (sqlite or pg)"; exit 99 ;;
	esac
}

# e2e_use_pg - PostgreSQL mode: start a throwaway cluster in $E2E_DIR/pg
# and make it the daemon's Database; exits 77 when no server is installed.
# Call after e2e_init (which calls it when E2E_DATABASE=pg); a second call
# does nothing.
e2e_use_pg()
{
	local status
	[ -z "$E2E_PG_DIR" ] || return 0
	command -v psql >/dev/null 2>&1 ||
	    e2e_skip "psql not installed (Debian package postgresql-client)"
	E2E_PG_DIR=$E2E_DIR/pg
	E2E_PG_URI=$("$top_srcdir/tests/pg/pg-cluster.sh" start "$E2E_PG_DIR" \
	    2>"$E2E_DIR/pg-start.err")
	status=$?
	if [ "$status" -ne 0 ]; then
		# 77: nothing was started; any other failure may leave a
		# running server behind, which the EXIT trap then stops.
		[ "$status" -eq 77 ] && E2E_PG_DIR= &&
		    e2e_skip "$(sed -e 's/^SKIP: //' "$E2E_DIR/pg-start.err")"
		cat "$E2E_DIR/pg-start.err"
		echo "ERROR: pg-cluster.sh start failed (status $status)"
		exit 99
	fi
	E2E_DATABASE=pg
	e2e_conf Database "$E2E_PG_URI"
	e2e_log "database: PostgreSQL $E2E_PG_URI"
}

# e2e_is_pg - is the test in PostgreSQL mode?
e2e_is_pg()
{
	[ -n "$E2E_PG_DIR" ]
}

# e2e_pg - tests/pg/pg-cluster.sh CMD (stop, restart, kill, up) on the
# test's cluster
e2e_pg()
{
	"$top_srcdir/tests/pg/pg-cluster.sh" "$1" "$E2E_PG_DIR"
}

# e2e_pg_errors - the distinct ERROR lines of the cluster's log, counted
e2e_pg_errors()
{
	[ -f "$E2E_PG_DIR/server.log" ] || return 0
	grep -q 'ERROR: ' "$E2E_PG_DIR/server.log" || return 0
	echo "---- PostgreSQL server errors (count, message) ----"
	sed -n 's/^.*ERROR:  *//p' "$E2E_PG_DIR/server.log" | sort | uniq -c |
	    sort -rn | head -n 20
}

# e2e_sql - run SQL on the daemon's database, printing rows as sqlite3's
# list mode does (columns joined by |, no header, NULL as an empty string;
# PostgreSQL prints a boolean as t/f: select CASE WHEN ... THEN 1 ELSE 0
# END where a test compares with 1). Each argument is one SQL text; with
# none, the SQL is read from standard input. Waits for the SQLite locks.
#	usage: e2e_sql SQL...
e2e_sql()
{
	local -a cmds=()
	local q
	if e2e_is_pg; then
		for q in "$@"; do
			cmds+=(-c "$q")
		done
		psql -X -A -t -F'|' -q -v ON_ERROR_STOP=1 -d "$E2E_PG_URI" \
		    ${cmds[@]+"${cmds[@]}"}
	else
		sqlite3 -cmd '.timeout 10000' "$E2E_DIR/spool/buzon.db" "$@"
	fi
}

# e2e_conf - set (or with no value, remove) a milter configuration key
#	usage: e2e_conf KEY [VALUE]; call before e2e_start or e2e_write_conf
e2e_conf()
{
	local key=$1
	if [ -z "${E2E_CONF[$key]+set}" ]; then
		E2E_CONF_ORDER+=("$key")
	fi
	if [ $# -ge 2 ]; then
		E2E_CONF[$key]=$2
	else
		E2E_CONF[$key]=
	fi
}

# e2e_write_conf - write the configuration keys to FILE (default milter.conf)
e2e_write_conf()
{
	local file=${1:-$E2E_DIR/milter.conf} key
	{
		echo "# generated by tests/e2e/lib.sh for $E2E_NAME"
		for key in "${E2E_CONF_ORDER[@]}"; do
			[ -n "${E2E_CONF[$key]}" ] || continue
			printf '%s %s\n' "$key" "${E2E_CONF[$key]}"
		done
	} >"$file"
}

# e2e_postfix_conf - add lines to the instance's main.cf (after the
# harness's own, so a later setting wins); call before e2e_start
#	usage: e2e_postfix_conf 'recipient_delimiter = +' ...
e2e_postfix_conf()
{
	E2E_POSTFIX_EXTRA+=("$@")
}

# e2e_write_postfix - main.cf and master.cf of the throwaway instance
e2e_write_postfix()
{
	local pf=$E2E_DIR/postfix
	# queue and data stay outside the configuration directory, which
	# postfix-script checks for root ownership
	mkdir -p "$E2E_DIR/queue" "$E2E_DIR/data"
	chown postfix "$E2E_DIR/data"
	cat >"$pf/main.cf" <<EOF
# throwaway Postfix for buzon-milter test $E2E_NAME
compatibility_level = 3.6
queue_directory = $E2E_DIR/queue
data_directory = $E2E_DIR/data
myhostname = mta.buzon.test
mydomain = buzon.test
myorigin = buzon.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
relayhost = [127.0.0.1]:$E2E_SINK_PORT
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
alias_maps =
alias_database =
local_recipient_maps =
biff = no
message_size_limit = 104857600
smtpd_milters = unix:$E2E_SOCKET
non_smtpd_milters = unix:$E2E_SOCKET
milter_default_action = tempfail
milter_protocol = 6
maillog_file = $E2E_DIR/maillog
maillog_file_prefixes = $E2E_DIR
EOF
	if [ "${#E2E_POSTFIX_EXTRA[@]}" -gt 0 ]; then
		printf '%s\n' "# added by the test" "${E2E_POSTFIX_EXTRA[@]}" >>"$pf/main.cf"
	fi
	cat >"$pf/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command
127.0.0.1:$E2E_SMTP_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# e2e_postfix - run a postfix(1) command on the instance; errors are shown
#
# postfix prints its errors only to a terminal (otherwise only to syslog),
# hence script(1).
e2e_postfix()
{
	script -qec "postfix -c '$E2E_DIR/postfix' $*" /dev/null
}

# e2e_start_sink - smtp-sink writing one file per message into sink/
e2e_start_sink()
{
	smtp-sink -u postfix -d "$E2E_DIR/sink/%Y%m%d%H%M%S." \
	    "127.0.0.1:$E2E_SINK_PORT" 64 >"$E2E_DIR/sink.log" 2>&1 &
	E2E_SINK_PID=$!
}

# e2e_start_postfix - write the instance, check it and start it
e2e_start_postfix()
{
	e2e_write_postfix
	e2e_postfix check >"$E2E_DIR/postfix-check.out" 2>&1 || {
		cat "$E2E_DIR/postfix-check.out"
		e2e_fail "postfix check failed"
	}
	e2e_postfix start >"$E2E_DIR/postfix-start.out" 2>&1 || {
		cat "$E2E_DIR/postfix-start.out"
		e2e_fail "postfix start failed"
	}
	E2E_POSTFIX_UP=1
	# master -w returns once the listeners are open; postlogd is up when
	# the first line shows in the maillog.
	e2e_wait_until "$E2E_TIMEOUT" test -s "$E2E_DIR/maillog" ||
	    e2e_fail "Postfix did not start logging to $E2E_DIR/maillog"
}

# e2e_milter_connectable - does the milter socket accept a connection?
e2e_milter_connectable()
{
	[ -S "$E2E_SOCKET" ] || return 1
	perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 1;
		close $s; exit 0' "$E2E_SOCKET"
}

# e2e_start_milter - write the configuration and start the daemon in the
# foreground (-f) in the background of this shell; wait until it listens
#	usage: e2e_start_milter [extra daemon arguments]
e2e_start_milter()
{
	local -a cmd
	[ -x "$E2E_MILTER_BIN" ] || e2e_skip "$E2E_MILTER_BIN not built yet"
	e2e_write_conf
	rm -f "$E2E_SOCKET"
	cmd=("$E2E_MILTER_BIN" -c "$E2E_DIR/milter.conf" -f "$@")
	# E2E_MILTER_WRAPPER: a command that execs the daemon (setpriv ...)
	cmd=(${E2E_MILTER_WRAPPER[@]+"${E2E_MILTER_WRAPPER[@]}"} "${cmd[@]}")
	if [ "${BUZON_VALGRIND:-0}" = 1 ]; then
		cmd=(valgrind --quiet --leak-check=full
		    --errors-for-leak-kinds=definite,indirect
		    --show-leak-kinds=definite,indirect
		    --error-exitcode=42 --track-fds=no
		    --suppressions="$top_srcdir/tests/valgrind.supp"
		    --log-file="$E2E_DIR/valgrind.log" "${cmd[@]}")
	fi
	E2E_MILTER_STARTS=$(e2e_milter_starts)
	e2e_log "starting: ${cmd[*]}"
	"${cmd[@]}" >>"$E2E_DIR/milter.log" 2>&1 &
	E2E_MILTER_PID=$!
	E2E_MILTER_STATUS=
	if ! e2e_wait_until "$((E2E_TIMEOUT * 2))" e2e_milter_ready; then
		e2e_fail "milter did not start listening on $E2E_SOCKET"
	fi
}

# e2e_milter_starts - completed start-ups in the daemon's log so far. The
# socket listens before the store is open; the notice "starting: socket"
# comes once the daemon is about to serve.
e2e_milter_starts()
{
	grep -c 'starting: socket' "$E2E_DIR/milter.log" 2>/dev/null
}

# e2e_milter_logs_notice - does the configured LogLevel show notices?
e2e_milter_logs_notice()
{
	case ${E2E_CONF[LogLevel]:-info} in
	error | warning) return 1 ;;
	*) return 0 ;;
	esac
}

# e2e_milter_ready - the daemon listens and logged its start, or it died
# (then stop polling)
e2e_milter_ready()
{
	if ! e2e_pid_running "$E2E_MILTER_PID"; then
		wait "$E2E_MILTER_PID"
		E2E_MILTER_STATUS=$?
		E2E_MILTER_PID=
		e2e_fail "milter exited with status $E2E_MILTER_STATUS during start-up"
	fi
	e2e_milter_connectable || return 1
	! e2e_milter_logs_notice || [ "$(e2e_milter_starts)" -gt "${E2E_MILTER_STARTS:-0}" ]
}

# e2e_start - start smtp-sink, Postfix and the milter
e2e_start()
{
	e2e_start_sink
	e2e_start_postfix
	e2e_start_milter "$@"
}

# e2e_milter_alive - is the daemon we started still running?
e2e_milter_alive()
{
	[ -n "$E2E_MILTER_PID" ] && e2e_pid_running "$E2E_MILTER_PID"
}

# e2e_stop_milter - SIGTERM the daemon, wait for it, check its health
#	usage: e2e_stop_milter [SIGNAL|none]
#
# Fails the test when it does not exit by itself in time, exits non-zero,
# or its log (or valgrind's) reports an error. Returns at once when the
# daemon is not running. With "none" no signal is sent: the test already
# signalled it and now waits for it to finish.
e2e_stop_milter()
{
	local why
	[ -n "$E2E_MILTER_PID" ] || return 0
	why=$(e2e_term_milter "${1:-TERM}") || true
	# e2e_term_milter ran in a subshell: reap the daemon here
	if [ -n "$E2E_MILTER_PID" ]; then
		wait "$E2E_MILTER_PID" 2>/dev/null
		E2E_MILTER_STATUS=$?
		E2E_MILTER_PID=
	fi
	[ -z "$why" ] || e2e_fail "$why"
	e2e_log "milter exited with status $E2E_MILTER_STATUS"
	e2e_check_milter_log
	[ "$E2E_MILTER_STATUS" -eq 42 ] && [ "${BUZON_VALGRIND:-0}" = 1 ] &&
	    e2e_fail "valgrind reported errors or leaks (exit 42)"
	[ "$E2E_MILTER_STATUS" -eq 0 ] ||
	    e2e_fail "milter exited with status $E2E_MILTER_STATUS after SIG${1:-TERM}"
	return 0
}

# e2e_term_milter - send SIGNAL (default TERM; "none": the daemon was told to
# stop already) and poll until the daemon is gone; prints a reason and KILLs
# it when it does not stop in time (no reaping here)
e2e_term_milter()
{
	local pid=$E2E_MILTER_PID sig=${1:-TERM} deadline
	[ -n "$pid" ] || return 0
	[ "$sig" = none ] || kill -"$sig" "$pid" 2>/dev/null
	deadline=$((SECONDS + E2E_TIMEOUT * 2))
	while e2e_pid_running "$pid" && [ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.05
	done
	if e2e_pid_running "$pid"; then
		kill -KILL "$pid" 2>/dev/null
		echo "milter did not stop within $((E2E_TIMEOUT * 2))s of SIGTERM"
		return 1
	fi
	return 0
}

# e2e_pid_running - is PID alive and not a zombie waiting to be reaped?
e2e_pid_running()
{
	local state
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

# e2e_check_milter_log - fail on sanitizer or valgrind reports
e2e_check_milter_log()
{
	if grep -E -q 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:' \
	    "$E2E_DIR/milter.log" 2>/dev/null; then
		e2e_fail "sanitizer report in milter.log"
	fi
	if [ -s "$E2E_DIR/valgrind.log" ] &&
	    grep -E -q 'ERROR SUMMARY: [1-9]|definitely lost|indirectly lost|Invalid (read|write|free)|uninitialised' \
	    "$E2E_DIR/valgrind.log"; then
		e2e_fail "valgrind report in valgrind.log"
	fi
}

# e2e_kill_milter - SIGKILL the daemon (simulates a crash); no health check
e2e_kill_milter()
{
	local pid=$E2E_MILTER_PID
	[ -n "$pid" ] || return 0
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	E2E_MILTER_PID=
}

# e2e_stop_postfix - postfix stop, then wait for the master to be gone
e2e_stop_postfix()
{
	local pidfile=$E2E_DIR/queue/pid/master.pid pid deadline
	[ -n "$E2E_POSTFIX_UP" ] || return 0
	E2E_POSTFIX_UP=
	pid=$(tr -dc 0-9 <"$pidfile" 2>/dev/null)
	e2e_postfix stop >/dev/null 2>&1
	[ -n "$pid" ] || return 0
	deadline=$((SECONDS + E2E_TIMEOUT))
	while e2e_pid_running "$pid" && [ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.05
	done
	if e2e_pid_running "$pid"; then
		echo "WARNING: Postfix master $pid still running; aborting it"
		e2e_postfix abort >/dev/null 2>&1
		kill -KILL "$pid" 2>/dev/null
	fi
}

# e2e_stop_sink - stop smtp-sink and reap it
e2e_stop_sink()
{
	local pid=$E2E_SINK_PID
	[ -n "$pid" ] || return 0
	E2E_SINK_PID=
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# e2e_cleanup - EXIT trap: stop everything we started, remove the temp dir
e2e_cleanup()
{
	local status=$? port
	trap - EXIT
	trap '' INT TERM HUP
	if [ -n "$E2E_MILTER_PID" ]; then
		# The test failed before stopping the daemon: stop it anyway,
		# keep the original status, but show any sanitizer report.
		e2e_term_milter
		wait "$E2E_MILTER_PID" 2>/dev/null
		E2E_MILTER_PID=
		if [ "$status" -eq 0 ]; then
			status=99
		fi
		grep -E -A20 'ERROR: [A-Za-z]+Sanitizer|runtime error:' \
		    "$E2E_DIR/milter.log" 2>/dev/null | head -n 40
	fi
	e2e_stop_postfix
	e2e_stop_sink
	if [ -n "$E2E_PG_DIR" ]; then
		e2e_pg stop >/dev/null 2>&1 ||
		    echo "WARNING: the PostgreSQL cluster in $E2E_PG_DIR did not stop"
		# For the record (a statement the server refused may have been
		# retried or tolerated without failing the test):
		e2e_pg_errors
		[ "$status" -eq 0 ] || [ "$status" -eq 77 ] ||
		    tail -n 30 "$E2E_PG_DIR/server.log" 2>/dev/null
		E2E_PG_DIR=
	fi
	for port in "${E2E_PORTS[@]}"; do
		rm -rf "${E2E_PORT_DIR:?}/$port"
	done
	if [ -n "$E2E_DIR" ] && [ -d "$E2E_DIR" ]; then
		if [ "${BUZON_E2E_KEEP:-0}" = 1 ] || { [ "$status" -ne 0 ] &&
		    [ "$status" -ne 77 ] && [ "${BUZON_E2E_KEEP:-0}" = failed ]; }; then
			echo "kept $E2E_DIR"
		else
			rm -rf "$E2E_DIR"
		fi
	fi
	exit "$status"
}

# e2e_finish - the test passed its assertions: stop all, check the daemon's health
e2e_finish()
{
	e2e_stop_milter
	e2e_stop_postfix
	e2e_stop_sink
	echo "PASS: $E2E_NAME"
	E2E_FINISHED=pass
	exit 0
}

# e2e_message - write a small test message to FILE
#	usage: e2e_message FILE TO [extra header lines...]
# The Message-ID and Subject carry a unique token (printed) so a message is
# found at the sink by e2e_sink_find.
e2e_message()
{
	local file=$1 to=$2 token h
	shift 2
	token="bz$(date +%s%N)$RANDOM"
	{
		printf 'From: Patron Prueba <patron@empresa.test>\r\n'
		printf 'To: <%s>\r\n' "$to"
		printf 'Subject: prueba %s\r\n' "$token"
		printf 'Date: Fri, 27 Nov 2026 12:00:00 -0600\r\n'
		printf 'Message-ID: <%s@empresa.test>\r\n' "$token"
		for h in "$@"; do
			printf '%s\r\n' "$h"
		done
		printf 'MIME-Version: 1.0\r\n'
		printf 'Content-Type: text/plain; charset=us-ascii\r\n'
		printf '\r\n'
		printf 'Linea uno del cuerpo.\r\n'
		printf '\r\n'
		printf '  linea con espacios al inicio y al final  \r\n'
		printf 'Fin %s.\r\n' "$token"
	} >"$file"
	echo "$token"
}

# e2e_send - send with swaks; transcript in $E2E_DIR/ID.smtp; returns swaks' status
#	usage: e2e_send ID [swaks options: --to, --from, --data @FILE, ...]
e2e_send()
{
	local id=$1 status
	shift
	swaks --server 127.0.0.1 --port "$E2E_SMTP_PORT" --helo client.empresa.test \
	    --from patron@empresa.test --timeout "$E2E_TIMEOUT" \
	    "$@" >"$E2E_DIR/$id.smtp" 2>&1
	status=$?
	e2e_log "swaks $id: status $status, last reply:" \
	    "$(grep -E '^<[-*~]+ +[0-9]{3}' "$E2E_DIR/$id.smtp" | tail -n 2 | tr '\n' ' ')"
	return "$status"
}

# e2e_transcript_has - does the swaks transcript ID contain an ERE?
e2e_transcript_has()
{
	grep -E -q -- "$2" "$E2E_DIR/$1.smtp"
}

# e2e_sink_files - the message files at the sink, oldest first
e2e_sink_files()
{
	find "$E2E_DIR/sink" -type f -printf '%T@ %p\n' 2>/dev/null | sort -n | cut -d' ' -f2-
}

# e2e_sink_count - number of messages at the sink
e2e_sink_count()
{
	e2e_sink_files | grep -c .
}

# e2e_sent_count - messages (distinct queue ids) Postfix logged as delivered
# to the sink; smtp-sink answered the final dot, so their files are complete
e2e_sent_count()
{
	grep ' status=sent ' "$E2E_DIR/maillog" 2>/dev/null |
	    awk '{ print $6 }' | sort -u | grep -c .
}

# e2e_wait_sink - wait until N messages reached the sink (Postfix logged
# status=sent for each, so every file is complete)
e2e_wait_sink()
{
	local n=$1 timeout=${2:-$E2E_TIMEOUT}
	e2e_wait_until "$timeout" e2e_sink_has "$n" ||
	    e2e_fail "expected $n message(s) at the sink, found $(e2e_sink_count)" \
		"($(e2e_sent_count) logged sent)"
}

# e2e_sink_has - at least N delivered and N files present
e2e_sink_has()
{
	[ "$(e2e_sent_count)" -ge "$1" ] && [ "$(e2e_sink_count)" -ge "$1" ]
}

# e2e_sink_find - print the sink file holding the message with TOKEN: the
# one whose Message-ID carries it when there is one (an acuse names the
# submission's Message-ID in In-Reply-To and may arrive first), else the
# first file that contains it
e2e_sink_find()
{
	local f
	for f in $(e2e_sink_files); do
		if grep -q -F -- "Message-ID: <$1" "$f"; then
			echo "$f"
			return 0
		fi
	done
	for f in $(e2e_sink_files); do
		if grep -q -F -- "$1" "$f"; then
			echo "$f"
			return 0
		fi
	done
	return 1
}

# e2e_sink_message - print the message as Postfix delivered it: without the
# records smtp-sink adds in front (X-Client-Addr ... its Received header) and
# without trailing empty lines (smtp-sink appends one, swaks adds one before
# the final dot)
e2e_sink_message()
{
	awk '
		BEGIN { state = 0 }
		state == 0 && /^Received: / { state = 1; next }
		state == 0 { next }
		state == 1 && /^[ \t]/ { next }
		{ state = 2; lines[n++] = $0 }
		END {
			while (n > 0 && lines[n - 1] == "") n--
			for (i = 0; i < n; i++) print lines[i]
		}' "$1"
}

# e2e_strip_received - drop the first header (Postfix's Received) of a message
e2e_strip_received()
{
	awk '
		NR == 1 && /^Received: / { skip = 1; next }
		skip && /^[ \t]/ { next }
		{ skip = 0; print }'
}

# e2e_headers - print the header section of a message file (unfolded lines kept)
e2e_headers()
{
	sed -e 's/\r$//' -e '/^$/q' "$1"
}

# e2e_maillog_has - does the Postfix log contain an ERE?
e2e_maillog_has()
{
	grep -E -q -- "$1" "$E2E_DIR/maillog" 2>/dev/null
}

# e2e_wait_maillog - wait until the Postfix log contains an ERE
e2e_wait_maillog()
{
	e2e_wait_until "${2:-$E2E_TIMEOUT}" e2e_maillog_has "$1" ||
	    e2e_fail "maillog never matched: $1"
}

# e2e_milter_log_has - does the daemon's log contain an ERE?
e2e_milter_log_has()
{
	grep -E -q -- "$1" "$E2E_DIR/milter.log" 2>/dev/null
}

# e2e_wait_milter_log - wait until the daemon's log contains an ERE
e2e_wait_milter_log()
{
	e2e_wait_until "${2:-$E2E_TIMEOUT}" e2e_milter_log_has "$1" ||
	    e2e_fail "milter.log never matched: $1"
}

# e2e_queue_count - messages held in the instance's queue (not yet delivered)
e2e_queue_count()
{
	find "$E2E_DIR/queue/incoming" "$E2E_DIR/queue/active" \
	    "$E2E_DIR/queue/deferred" "$E2E_DIR/queue/hold" \
	    -type f 2>/dev/null | grep -c .
}

# e2e_check - assert: run a command, fail the test with MESSAGE if it fails
#	usage: e2e_check "MESSAGE" COMMAND...
e2e_check()
{
	local msg=$1
	shift
	"$@" || e2e_fail "$msg"
}

# e2e_reply_has - did the server answer CODE (e.g. "451", "552 5.3.4") in ID?
e2e_reply_has()
{
	local code=${2//./\\.}
	grep -E -q -- "^<[-*~]+ +${code}([ -]|$)" "$E2E_DIR/$1.smtp"
}

# e2e_accepted - did Postfix queue the message of transaction ID?
e2e_accepted()
{
	e2e_reply_has "$1" '250 2.0.0' && e2e_transcript_has "$1" 'queued as'
}

# e2e_sent_text - a sent message file as it must arrive: LF line ends, no
# trailing empty lines
e2e_sent_text()
{
	tr -d '\r' <"$1" | awk '
		{ lines[n++] = $0 }
		END {
			while (n > 0 && lines[n - 1] == "") n--
			for (i = 0; i < n; i++) print lines[i]
		}'
}

# e2e_received - write the message carrying TOKEN, as delivered to the sink
# and without Postfix's own Received header, to FILE; fail when absent
#	usage: e2e_received TOKEN FILE
e2e_received()
{
	local f
	f=$(e2e_sink_find "$1") || e2e_fail "message $1 did not reach the sink"
	e2e_sink_message "$f" | e2e_strip_received >"$2"
}

# e2e_assert_untouched - the message sent as SENT-FILE arrived byte for byte
# (modulo line ends): headers, order and body unchanged, nothing added
#	usage: e2e_assert_untouched SENT-FILE TOKEN
e2e_assert_untouched()
{
	local got=$E2E_DIR/$2.got
	e2e_received "$2" "$got"
	if ! e2e_sent_text "$1" | diff -u - "$got"; then
		e2e_fail "message $2 was modified on its way (diff above: - sent, + at sink)"
	fi
}

# e2e_header_count - number of header fields named NAME (case-insensitive)
# in a message file; NAME may be an ERE such as 'X-Buzon-[^:]*'
e2e_header_count()
{
	e2e_headers "$2" | grep -E -i -c -- "^$1:"
}

# e2e_header_value - the (unfolded) value of the first header NAME in FILE
e2e_header_value()
{
	e2e_headers "$2" | awk -v name="$1" '
		BEGIN { name = tolower(name) }
		found && /^[ \t]/ { sub(/^[ \t]+/, " "); value = value $0; next }
		found { exit }
		tolower(substr($0, 1, length(name) + 1)) == name ":" {
			found = 1; value = substr($0, length(name) + 2)
			sub(/^[ \t]+/, "", value)
		}
		END { if (found) print value; else exit 1 }'
}

# e2e_body - the body of a message file (after the first empty line)
e2e_body()
{
	sed -e 's/\r$//' "$1" | sed -e '1,/^$/d'
}

# e2e_drop_headers - print a message file without the header fields whose
# names match an ERE (case-insensitive), continuation lines included
#	usage: e2e_drop_headers 'X-Buzon-[^:]*' FILE
e2e_drop_headers()
{
	sed -e 's/\r$//' "$2" | awk -v re="^($1):" '
		body { print; next }
		/^$/ { body = 1; print; next }
		/^[ \t]/ { if (!drop) print; next }
		{ drop = (tolower($0) ~ tolower(re)); if (!drop) print }'
}

# e2e_sendmail - submit a message file locally with the instance's
# sendmail(1) (pickup, cleanup: the non_smtpd_milters path); returns its status
#	usage: e2e_sendmail FILE SENDER RECIPIENT...
e2e_sendmail()
{
	local file=$1 sender=$2
	shift 2
	sendmail -C "$E2E_DIR/postfix" -i -f "$sender" -- "$@" <"$file"
}

# A hand-driven SMTP session (bash /dev/tcp), for what swaks cannot do:
# keep a transaction open while something else happens (e.g. a reload).
# The dialogue is appended to $E2E_DIR/session.smtp.

# e2e_smtp_open - connect to the instance's smtpd and read the greeting
e2e_smtp_open()
{
	exec {E2E_SMTP_FD}<>"/dev/tcp/127.0.0.1/$E2E_SMTP_PORT" ||
	    e2e_fail "cannot connect to 127.0.0.1:$E2E_SMTP_PORT"
	e2e_smtp_reply 220
}

# e2e_smtp_reply - read one (multi-line) reply; fail unless it starts with CODE
e2e_smtp_reply()
{
	local want=$1 line
	while :; do
		IFS= read -r -t "$E2E_TIMEOUT" line <&"$E2E_SMTP_FD" ||
		    e2e_fail "SMTP: no reply (expected $want)"
		line=${line%$'\r'}
		echo "<- $line" >>"$E2E_DIR/session.smtp"
		[[ $line =~ ^[0-9]{3}- ]] || break
	done
	[[ $line == "$want"* ]] || e2e_fail "SMTP: expected $want, got: $line"
	E2E_SMTP_LAST=$line
}

# e2e_smtp_cmd - send one command line, expect a reply starting with CODE
#	usage: e2e_smtp_cmd CODE COMMAND
e2e_smtp_cmd()
{
	printf '%s\r\n' "$2" >&"$E2E_SMTP_FD"
	echo "-> $2" >>"$E2E_DIR/session.smtp"
	e2e_smtp_reply "$1"
}

# e2e_smtp_data - send a message file as DATA (dot-stuffed), expect CODE
e2e_smtp_data()
{
	e2e_smtp_cmd 354 DATA
	tr -d '\r' <"$1" | sed -e 's/^\./../' -e 's/$/\r/' >&"$E2E_SMTP_FD"
	echo "-> (message $1)" >>"$E2E_DIR/session.smtp"
	e2e_smtp_cmd "$2" .
}

# e2e_smtp_close - QUIT and close the connection
e2e_smtp_close()
{
	e2e_smtp_cmd 221 QUIT
	exec {E2E_SMTP_FD}>&-
}

# e2e_install_file - copy a file the daemon must read into $E2E_DIR/files
# (the daemon runs as postfix, which may not traverse the source or build
# tree, e.g. a checkout under /root); prints the new path
#	usage: conf_path=$(e2e_install_file SRC [NAME])
e2e_install_file()
{
	local dst=$E2E_DIR/files/${2:-$(basename "$1")}
	mkdir -p "$E2E_DIR/files"
	chmod 0755 "$E2E_DIR/files"
	cp "$1" "$dst" || e2e_fail "cannot copy $1"
	chmod 0644 "$dst"
	echo "$dst"
}
