#!/bin/sh
# debian-package.sh - contrib/make-deb builds a .deb that lintian accepts
# and that runs from a scratch root
#
# Rule (issue 13 item 7): contrib/debian/ and contrib/make-deb build a .deb
# installing the binaries, the man pages, the systemd unit, the tmpfiles.d
# and sysusers.d fragments and the sample configuration; lintian reports
# no error; unpacked into a scratch root (dpkg -x: no maintainer script,
# nothing touches the machine) its buzon-milter -V and buzonctl -V run.
# make-deb builds the whole tree again (no sanitizers, Debian's hardening
# flags), under nice.
: "${top_srcdir:=.}"
for cmd in dpkg-deb dpkg-shlibdeps dpkg-buildflags; do
	command -v "$cmd" >/dev/null 2>&1 || { echo "SKIP: $cmd not installed (apt-get install dpkg-dev)"; exit 77; }
done
command -v lintian >/dev/null 2>&1 || { echo "SKIP: lintian not installed (apt-get install lintian)"; exit 77; }
T=$(mktemp -d /tmp/buzon-deb-test.XXXXXX) || exit 99
trap 'rm -rf "$T"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
version=$(sed -n 's/^AC_INIT(\[buzon-milter\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")

deb=$(BUZON_DEB_BUILD=$T/build JOBS=2 nice -n 10 "$top_srcdir/contrib/make-deb" "$T/out" 2>"$T/make-deb.err") ||
    { cat "$T/make-deb.err"; echo "FAIL: contrib/make-deb failed"; exit 1; }
[ -f "$deb" ] || { echo "FAIL: make-deb printed '$deb', no such file"; exit 1; }
echo "ok: built $(basename "$deb")"

# lintian: no error (warnings and notes are printed)
lintian --fail-on error --tag-display-limit 0 "$deb" >"$T/lintian.out" 2>&1
rc=$?
grep -v -e '^running with root privileges' "$T/lintian.out" | sed 's/^/  lintian: /'
[ $rc -eq 0 ] || fail "lintian reports errors (exit $rc)"
grep -q '^E: ' "$T/lintian.out" && fail "lintian E: tags"

# what it installs
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$T/contents"
for f in /usr/sbin/buzon-milter /usr/sbin/buzonctl \
    /usr/share/man/man8/buzon-milter.8.gz /usr/share/man/man8/buzonctl.8.gz \
    /usr/share/man/man5/buzon-milter.conf.5.gz \
    /lib/systemd/system/buzon-milter.service \
    /lib/systemd/system/buzon-milter-gc.service /lib/systemd/system/buzon-milter-gc.timer \
    /usr/lib/tmpfiles.d/buzon-milter.conf /usr/lib/sysusers.d/buzon-milter.conf \
    /usr/share/doc/buzon-milter/buzon-milter.conf \
    /usr/share/doc/buzon-milter/copyright /usr/share/buzon-milter/acuse-v1.xsd; do
	grep -qx "$f" "$T/contents" || fail "the package does not install $f"
done
dpkg-deb -f "$deb" Depends | grep -q 'libmilter' || fail "Depends does not name libmilter: $(dpkg-deb -f "$deb" Depends)"

# unpacked in a scratch root, the programs run and say their version
dpkg -x "$deb" "$T/root"
grep -q '^ExecStart=/usr/sbin/buzon-milter -c /etc/buzon-milter.conf -f$' \
    "$T/root/lib/systemd/system/buzon-milter.service" || fail "the packaged unit does not start /usr/sbin/buzon-milter -c /etc/buzon-milter.conf"
for prog in buzon-milter buzonctl; do
	if "$T/root/usr/sbin/$prog" -V >"$T/v.out" 2>&1; then
		head -n 1 "$T/v.out" | grep -qx "$prog $version" ||
		    fail "$prog -V from the scratch root: $(head -n 1 "$T/v.out")"
		echo "ok: $T/root/usr/sbin/$prog -V: $(tr '\n' ';' <"$T/v.out")"
	else
		fail "$prog -V from the scratch root: $(cat "$T/v.out")"
	fi
done
[ $fails -eq 0 ] || exit 1
echo "PASS: debian package"
