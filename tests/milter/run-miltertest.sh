#!/bin/sh
# run-miltertest.sh - run one miltertest script against a fresh buzon-milter
#
#   run-miltertest.sh tests/milter/CASE.lua
#
# Makes a private directory (mode 0755, so a dropped-privilege daemon can
# reach its socket), writes a configuration there (lines "-- config: Key
# value" in the script are appended), starts buzon-milter in the foreground
# on a unique Unix socket (with the test PKI's trust material, institution
# signer and a signed message: see below), runs the script with miltertest,
# stops the daemon
# with SIGTERM and waits for its PID. Passes only if the script passes AND
# the daemon exits 0 (under valgrind: without errors or leaks).
#
# Environment: MILTERTEST (from configure), top_builddir, top_srcdir;
# BUZON_MILTER_WRAPPER, when set, prefixes the daemon's command line
# (e.g. "valgrind --leak-check=full --error-exitcode=1"); KEEP=1 keeps the
# directory. As root the daemon runs with UserID nobody.
# Exit: 0 pass, 1 fail, 77 skip (reason printed first), 99 harness error.

script=$1
: "${top_builddir:=.}"
: "${top_srcdir:=.}"

if [ -z "$script" ] || [ ! -f "$script" ]; then
	echo "usage: $0 CASE.lua" >&2
	exit 99
fi
if [ -z "$MILTERTEST" ] || [ ! -x "$MILTERTEST" ]; then
	echo "SKIP: miltertest not found (apt-get install miltertest)"
	exit 77
fi
daemon=$top_builddir/buzon-milter
if [ ! -x "$daemon" ]; then
	echo "ERROR: $daemon not built" >&2
	exit 99
fi

dir=$(mktemp -d /tmp/buzon-mt.XXXXXX) || exit 99
chmod 755 "$dir"
pid=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	if [ "$KEEP" = 1 ]; then
		echo "kept $dir"
	else
		rm -rf "$dir"
	fi
}
trap cleanup EXIT
trap 'exit 99' HUP INT TERM

mkdir "$dir/spool" "$dir/db" "$dir/inst"
# Trust material, the institution signer and one e.firma-signed
# submission ($dir/signed.eml, CRLF), so protocol tests can send mail the
# daemon accepts (issues 3 and 5). The clock is pinned: TestClock below.
PKI=$top_builddir/tests/pki/generated
"$top_srcdir/tests/pki/gen-pki.sh" "$PKI" >/dev/null ||
    { echo "ERROR: gen-pki.sh failed"; exit 99; }
# copies the serving user can read on a reload
cp "$PKI/institution.crt" "$PKI/institution.key" "$PKI/trust-anchors.pem" \
    "$PKI/issuing-cas.pem" "$dir/inst/"
printf 'Content-Type: text/plain; charset=utf-8\n\nPromocion firmada.\n' \
    >"$dir/entity.txt"
{
	printf 'From: Patron Prueba <patron@example.com>\n'
	printf 'To: <buzon@imss.example>\n'
	printf 'Subject: promocion firmada\n'
	printf 'Message-ID: <firmada@example.com>\n'
	"${OPENSSL:-openssl}" cms -sign -in "$dir/entity.txt" -md sha256 \
	    -signer "$PKI/efirma-fisica.crt" -inkey "$PKI/efirma-fisica.key" ||
	    { echo "ERROR: openssl cms -sign failed" >&2; exit 99; }
} | tr -d '\r' | sed -e 's/$/\r/' >"$dir/signed.eml"
conf=$dir/buzon-milter.conf
mailbox=buzon@imss.example
# The base configuration; a "-- config: Key value" line in the script
# replaces the base line of the same key.
{
	echo "Socket unix:$dir/milter.sock"
	echo "MailboxAddress $mailbox"
	echo "SpoolDirectory $dir/spool"
	echo "Database $dir/db/buzon.db"
	echo "TestMode yes"
	echo "TestClock 2026-06-01T12:00:00Z"
	# the signers of these scripts never registered (issue 9)
	echo "RequireEnabledMailbox no"
	echo "TrustAnchors $dir/inst/trust-anchors.pem"
	echo "IssuingCAs $dir/inst/issuing-cas.pem"
	echo "Revocation none"
	echo "InstitutionCertificate $dir/inst/institution.crt"
	echo "InstitutionKey $dir/inst/institution.key"
	# acuses are "sent" at once: the outbox is not under test here
	echo "OutboxTransport sendmail"
	echo "SendmailCommand /bin/true"
	echo "SpoolMemoryLimit 1K"
	echo "MaxMessageSize 64K"
	echo "UMask 000"
	echo "Syslog no"
	echo "LogLevel debug"
	if [ "$(id -u)" = 0 ]; then
		echo "UserID nobody"
	fi
} > "$dir/base.conf"
# @DIR@ in such a line is this private directory.
sed -n 's/^-- config: //p' "$script" | sed "s|@DIR@|$dir|g" > "$dir/override.conf"
awk 'NR == FNR { over[tolower($1)] = 1; print; next }
    !(tolower($1) in over)' "$dir/override.conf" "$dir/base.conf" > "$conf"
if [ "$(id -u)" = 0 ]; then
	chown nobody "$dir/spool" "$conf"
	chown -R nobody "$dir/db" "$dir/inst"
fi

# shellcheck disable=SC2086
$BUZON_MILTER_WRAPPER "$daemon" -c "$conf" -f 2> "$dir/milter.log" &
pid=$!

# Wait for the socket (or for the daemon to die): an event, bounded.
tries=0
while [ ! -S "$dir/milter.sock" ]; do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "FAIL: buzon-milter exited during start-up:"
		cat "$dir/milter.log"
		exit 1
	fi
	tries=$((tries + 1))
	if [ $tries -gt $((600 * ${BUZON_TEST_TIMEOUT_SCALE:-1})) ]; then
		echo "FAIL: no socket after $((60 * ${BUZON_TEST_TIMEOUT_SCALE:-1})) s"
		cat "$dir/milter.log"
		exit 1
	fi
	sleep 0.1
done

BUZON_SOCKET=unix:$dir/milter.sock BUZON_CONF=$conf BUZON_LOG=$dir/milter.log \
BUZON_PID=$pid BUZON_MAILBOX=$mailbox BUZON_SPOOL=$dir/spool \
BUZON_SIGNED=$dir/signed.eml BUZON_DB=$dir/db/buzon.db \
	"$MILTERTEST" -s "$script"
mt_status=$?

kill -TERM "$pid" 2>/dev/null
wait "$pid"
daemon_status=$?
pid=

status=0
if [ $mt_status -ne 0 ]; then
	echo "FAIL: $script (miltertest exit $mt_status)"
	status=1
fi
if [ $daemon_status -ne 0 ]; then
	echo "FAIL: buzon-milter exited with status $daemon_status"
	status=1
fi
echo "---- buzon-milter log ----"
cat "$dir/milter.log"
exit $status
