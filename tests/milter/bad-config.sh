#!/bin/sh
# bad-config.sh - a bad configuration stops start-up with file:line
#
# Rule (issue 2): an unknown key, a bad value (an integer outside its
# range included) or a missing required key stops start-up with
# "file:line: key: reason"; `buzon-milter -t` says the same and exits 1,
# or prints "FILE: configuration OK" and exits 0. As root, a configuration
# without UserID, or with a UserID of uid 0, is refused (never serve mail
# as root).
: "${top_builddir:=.}"
daemon=$top_builddir/buzon-milter
[ -x "$daemon" ] || { echo "ERROR: $daemon not built"; exit 99; }

dir=$(mktemp -d /tmp/buzon-badconf.XXXXXX) || exit 99
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
fails=0

good="Socket unix:$dir/milter.sock
MailboxAddress buzon@imss.example
SpoolDirectory $dir
Syslog no
UserID nobody"

# check NAME EXIT PATTERN [-t] - run the daemon on $dir/NAME.conf
check() {
	name=$1 want=$2 pattern=$3
	shift 3
	# -f: a start-up that wrongly succeeded stays in the foreground, so
	# it is stopped below rather than left behind.
	"$daemon" -c "$dir/$name.conf" "$@" > "$dir/out" 2>&1 &
	p=$!
	n=0
	while kill -0 $p 2>/dev/null && [ $n -lt $((100 * ${BUZON_TEST_TIMEOUT_SCALE:-1})) ]; do
		sleep 0.1
		n=$((n + 1))
	done
	if kill -0 $p 2>/dev/null; then
		kill -TERM $p
		wait $p
		echo "FAIL: $name $*: still running (expected exit $want)"
		fails=$((fails + 1))
		return
	fi
	wait $p
	got=$?
	if [ $got -ne "$want" ] || ! grep -q -- "$pattern" "$dir/out"; then
		echo "FAIL: $name $*: exit $got (expected $want), output:"
		cat "$dir/out"
		echo "  expected to match: $pattern"
		fails=$((fails + 1))
	else
		echo "PASS: $name $*: $(tail -n 1 "$dir/out")"
	fi
}

# name | file contents | the line and key the error must name
printf '%s\n' "$good" > "$dir/good.conf"
printf '%s\nFrobnicate yes\n' "$good" > "$dir/unknown.conf"
printf '%s\nMaxMessageSize 10Q\n' "$good" > "$dir/badvalue.conf"
printf 'Socket unix:%s/milter.sock\nSyslog no\n' "$dir" > "$dir/missing.conf"
printf '%s\nMailboxAddress not-an-address\n' "$good" > "$dir/badaddr.conf"
# Integers are read within their range; 2^64+ must not wrap to a small one.
printf '%s\nDatabaseBusyTimeout 99999999999999999999\n' "$good" > "$dir/badrange.conf"

check good 0 "^$dir/good.conf: configuration OK (calendar sha256:none)\$" -t
for mode in -t -f; do
	check unknown 1 "$dir/unknown.conf:6: Frobnicate: " $mode
	check badvalue 1 "$dir/badvalue.conf:6: MaxMessageSize: " $mode
	check missing 1 "$dir/missing.conf:[0-9]*: MailboxAddress: required" $mode
	check badaddr 1 "$dir/badaddr.conf:6: MailboxAddress: " $mode
	check badrange 1 "$dir/badrange.conf:6: DatabaseBusyTimeout: out of range: must be 0 to 300000" $mode
done
check nofile 1 "$dir/nofile.conf: cannot open" -f
# Without -f (the daemon would detach): the error comes before detaching.
check badvalue 1 "$dir/badvalue.conf:6: MaxMessageSize: "

# Issue 8: "outside TestMode, Revocation none logs a warning at start-up
# and in -t" (a revoked e.firma would be accepted); TestMode stays quiet.
warn='warning.*Revocation none: revoked certificates are accepted'
check good 0 "$warn" -t
printf '%s\nRevocation none\n' "$good" > "$dir/revnone.conf"
check revnone 0 "$warn" -t
printf '%s\nTestMode yes\n' "$good" > "$dir/testmode.conf"
check testmode 0 "configuration OK" -t
if grep -q "Revocation none" "$dir/out"; then
	echo "FAIL: testmode -t: warned about Revocation none under TestMode"
	fails=$((fails + 1))
fi
# At start-up: the warning is logged before the (here impossible) store
# opens, so this start fails after saying it.
printf '%s\nDatabase %s/no/such/dir/buzon.db\n' "$good" "$dir" > "$dir/revstart.conf"
check revstart 1 "$warn" -f

if [ "$(id -u)" = 0 ]; then
	printf '%s\n' "$good" | grep -v '^UserID' > "$dir/noroot.conf"
	printf '%s\nUserID no-such-user-buzon\n' "$(printf '%s\n' "$good" | grep -v '^UserID')" > "$dir/nouser.conf"
	printf '%s\nUserID root\n' "$(printf '%s\n' "$good" | grep -v '^UserID')" > "$dir/rootuser.conf"
	for mode in -t -f; do
		check noroot 1 "$dir/noroot.conf: UserID: required when started as root" $mode
		check nouser 1 "$dir/nouser.conf:5: UserID: unknown user no-such-user-buzon" $mode
		check rootuser 1 "$dir/rootuser.conf:5: UserID: root has uid 0" $mode
	done
	# PidFile is written as root: a symbolic link there is refused, and
	# the file it names is left alone.
	echo keep > "$dir/victim"
	ln -s "$dir/victim" "$dir/pid.link"
	printf '%s\nPidFile %s\n' "$good" "$dir/pid.link" > "$dir/pidlink.conf"
	check pidlink 1 "PidFile $dir/pid.link: " -f
	[ "$(cat "$dir/victim")" = keep ] || {
		echo "FAIL: pidlink: the file behind the PidFile link was overwritten"
		fails=$((fails + 1))
	}
fi

[ $fails -eq 0 ] || exit 1
exit 0
