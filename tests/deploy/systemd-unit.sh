#!/bin/sh
# systemd-unit.sh - what "make install" puts in place for systemd, checked
# without a running systemd
#
# Rule (issue 13 item 1): the unit is generated with the configured paths
# and installed by make install (--with-systemdsystemunitdir), hardened as
# listed; tmpfiles.d and sysusers.d fragments give a user buzon, the state
# under /var/lib/buzon-milter and the socket directory inside Postfix's
# chroot; the sample configuration is installed under docdir. Checked here:
#  - systemd-analyze verify on the installed units (the daemon's, and the
#    daily "buzonctl spool gc" service and timer) says nothing (their
#    ExecStart paths pointed at the staging directory, the man pages
#    found there);
#  - the hardening directives are present;
#  - systemd-sysusers and systemd-tmpfiles apply the fragments to a scratch
#    root (--root): user buzon, postfix in group buzon, the directories
#    with their owners and modes;
#  - the sample configuration under docdir names the socket in that
#    directory, as the Postfix snippet does from inside the chroot.
: "${top_srcdir:=.}" "${top_builddir:=.}"
for v in sbindir mandir docdir; do
	eval "[ -n \"\${$v:-}\" ]" || { echo "ERROR: $v not set (run from make check)"; exit 99; }
done
if [ -z "${systemdsystemunitdir:-}" ]; then
	echo "SKIP: configured without a systemd unit directory (--with-systemdsystemunitdir=no, or no pkg-config systemd)"
	exit 77
fi
command -v systemd-analyze >/dev/null 2>&1 || {
	echo "SKIP: systemd-analyze not installed (apt-get install systemd)"; exit 77; }
T=$(mktemp -d /tmp/buzon-systemd.XXXXXX) || exit 99
trap 'rm -rf "$T"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

make -s -C "$top_builddir" install DESTDIR="$T/stage" >"$T/install.log" 2>&1 ||
    { cat "$T/install.log"; echo "FAIL: make install DESTDIR failed"; exit 1; }
unit=$T/stage$systemdsystemunitdir/buzon-milter.service
[ -f "$unit" ] || { echo "FAIL: make install did not install $systemdsystemunitdir/buzon-milter.service"; exit 1; }

# the configured paths, nothing left to substitute
grep -q "^ExecStart=$sbindir/buzon-milter " "$unit" || fail "ExecStart is not $sbindir/buzon-milter: $(grep ^ExecStart= "$unit")"
grep -q '@[a-z]*@' "$unit" && fail "unsubstituted @...@ in the unit"

# systemd-analyze verify: the binaries at their staged place, the man pages
# too; with the daily spool clean-up (buzon-milter-gc.service and .timer)
mkdir "$T/verify"
for u in buzon-milter.service buzon-milter-gc.service buzon-milter-gc.timer; do
	[ -f "$T/stage$systemdsystemunitdir/$u" ] || fail "make install did not install $u"
	sed "s|$sbindir/|$T/stage$sbindir/|g" "$T/stage$systemdsystemunitdir/$u" >"$T/verify/$u"
done
grep -q "^ExecStart=$sbindir/buzonctl -c .*/buzon-milter.conf spool gc\$" \
    "$T/stage$systemdsystemunitdir/buzon-milter-gc.service" || fail "buzon-milter-gc.service does not run buzonctl spool gc"
MANPATH=$T/stage$mandir systemd-analyze verify "$T/verify/buzon-milter.service" \
    "$T/verify/buzon-milter-gc.service" "$T/verify/buzon-milter-gc.timer" >"$T/verify.out" 2>&1
rc=$?
if [ $rc -ne 0 ] || [ -s "$T/verify.out" ]; then
	fail "systemd-analyze verify (exit $rc):"
	cat "$T/verify.out"
else
	echo "ok: systemd-analyze verify: no complaint"
fi

# the hardening of the issue
for d in 'ProtectSystem=strict' 'ReadWritePaths=.*/var/lib/buzon-milter' \
    'ReadWritePaths=.*/var/spool/buzon-milter' 'PrivateDevices=yes' \
    'ProtectKernelTunables=yes' 'ProtectKernelModules=yes' \
    'ProtectControlGroups=yes' 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6$' \
    'SystemCallFilter=@system-service$' 'LockPersonality=yes' \
    'MemoryDenyWriteExecute=yes' 'NoNewPrivileges=yes' \
    'CapabilityBoundingSet=CAP_CHOWN CAP_DAC_OVERRIDE CAP_SETGID CAP_SETUID$' \
    'ExecReload=/bin/kill -USR1 \$MAINPID'; do
	grep -q "^$d" "$unit" || fail "the unit has no $d"
done

# the fragments, applied to a scratch root
R=$T/root
mkdir -p "$R/etc"
for f in "$tmpfilesdir" "$sysusersdir"; do
	[ -n "$f" ] && [ -f "$T/stage$f/buzon-milter.conf" ] ||
	    fail "make install did not install ${f:-(no dir)}/buzon-milter.conf"
done
if command -v systemd-sysusers >/dev/null 2>&1 && [ -n "$sysusersdir" ]; then
	systemd-sysusers --root="$R" "$T/stage$sysusersdir/buzon-milter.conf" >"$T/su.out" 2>&1 ||
	    fail "systemd-sysusers: $(cat "$T/su.out")"
	grep -q '^buzon:x:[0-9]*:[0-9]*:[^:]*:/var/lib/buzon-milter:' "$R/etc/passwd" ||
	    fail "no user buzon with home /var/lib/buzon-milter: $(cat "$R/etc/passwd")"
	grep -q '^buzon:x:[0-9]*:.*postfix' "$R/etc/group" ||
	    fail "postfix is not in group buzon: $(cat "$R/etc/group")"
	if command -v systemd-tmpfiles >/dev/null 2>&1 && [ -n "$tmpfilesdir" ]; then
		systemd-tmpfiles --root="$R" --create "$T/stage$tmpfilesdir/buzon-milter.conf" >"$T/tf.out" 2>&1 ||
		    fail "systemd-tmpfiles: $(cat "$T/tf.out")"
		uid=$(awk -F: '$1 == "buzon" { print $3 }' "$R/etc/passwd")
		gid=$(awk -F: '$1 == "buzon" { print $3 }' "$R/etc/group")
		for want in "/var/lib/buzon-milter 750 $uid $gid" \
		    "/var/spool/buzon-milter 750 $uid $gid" \
		    "/var/spool/postfix/buzon-milter 750 0 $gid"; do
			set -- $want
			got=$(stat -c '%a %u %g' "$R$1" 2>/dev/null)
			[ "$got" = "$2 $3 $4" ] || fail "$1: mode/uid/gid '$got', want '$2 $3 $4'"
		done
	fi
	echo "ok: sysusers.d and tmpfiles.d applied to a scratch root"
else
	echo "note: systemd-sysusers not installed, fragments not applied"
fi

# the sample configuration, under docdir, agrees with the fragments
sample=$T/stage$docdir/buzon-milter.conf
if [ -f "$sample" ]; then
	grep -q '^Socket[[:space:]]*unix:/var/spool/postfix/buzon-milter/buzon-milter.sock$' "$sample" ||
	    fail "the sample's Socket is not in /var/spool/postfix/buzon-milter"
	grep -q '^UserID[[:space:]]*buzon:buzon$' "$sample" || fail "the sample's UserID is not buzon:buzon"
	grep -q '^smtpd_milters = unix:/buzon-milter/buzon-milter.sock$' \
	    "$T/stage$docdir/postfix-main.cf.snippet" ||
	    fail "the Postfix snippet does not name the socket inside the chroot"
else
	fail "no sample configuration under $docdir"
fi

[ $fails -eq 0 ] || exit 1
echo "PASS: systemd unit and fragments"
