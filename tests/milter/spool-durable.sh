#!/bin/sh
# spool-durable.sh - the message is durable before the record that names it
#
# Issue 5: the message as received is kept in SpoolDirectory/ab/cdef...,
# "written and fsync'd (file and directory) before the transaction that
# references it commits". A crash right after the commit must never leave
# a record whose message is lost from the page cache. durable-submission.lua
# sends one signed submission to the daemon running under strace(1); in the
# daemon's system calls between its log lines "DURABLE1: received for the
# mailbox" and "DURABLE1: accepted: folio" (the decision), in this order:
#   1. fsync of the temporary file SpoolDirectory/.cas-XXXXXX (the data);
#   2. fsync of SpoolDirectory (the entry of a new "ab/" directory);
#   3. rename of the temporary file to SpoolDirectory/ab/cdef...;
#   4. fsync of SpoolDirectory/ab (the new name);
#   5. only then the first sync of the database's WAL (the commit of the
#      record: synchronous=FULL syncs the WAL at each commit).
# Skips (reason first) without strace or when ptrace is not permitted.
: "${top_srcdir:=.}"
: "${top_builddir:=.}"

if ! command -v strace >/dev/null 2>&1; then
	echo "SKIP: strace not installed (apt-get install strace)"
	exit 77
fi
if ! strace -f -qq -o /dev/null true 2>/dev/null; then
	echo "SKIP: strace cannot trace here (ptrace not permitted)"
	exit 77
fi
trace=$(mktemp /tmp/buzon-durable.XXXXXX) || exit 99
wrap=$trace.wrap
trap 'rm -f "$trace" "$wrap" "$trace.ev"' EXIT
# The wrapper: strace given "-o FILE PROG" blocks fatal signals, so the
# SIGTERM that run-miltertest.sh sends to stop the daemon is passed on to
# strace's child (the daemon) and the daemon's exit status is returned.
# LeakSanitizer cannot run under ptrace: leaks are the other tests' job.
cat >"$wrap" <<WRAP
#!/bin/sh
ASAN_OPTIONS=\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
strace -f -qq -y -s 300 -o "$trace" \\
    -e trace=fsync,fdatasync,rename,renameat,renameat2,write "\$@" &
s=\$!
trap 'kill -TERM \$(cat /proc/\$s/task/\$s/children) 2>/dev/null' TERM
wait \$s
st=\$?
# a trapped SIGTERM interrupts wait: wait again for the real status
while kill -0 \$s 2>/dev/null; do wait \$s; st=\$?; done
exit \$st
WRAP
BUZON_MILTER_WRAPPER="sh $wrap"
export BUZON_MILTER_WRAPPER
out=$("$top_srcdir/tests/milter/run-miltertest.sh" "$top_srcdir/tests/milter/durable-submission.lua" 2>&1)
st=$?
if [ "$st" -ne 0 ]; then
	printf '%s\n' "$out"
	echo "FAIL: durable-submission.lua under strace (exit $st)"
	exit "$st"
fi

# The system calls of the decision, one event per line:
#   FSYNC <path>  /  RENAME <from> <to>
awk '
	/write\(2<.*DURABLE1: received for the mailbox/ { on = 1; next }
	/write\(2<.*DURABLE1: accepted: folio/ { on = 0; exit }
	!on { next }
	/ (fsync|fdatasync)\([0-9]+</ && / = 0$/ {
		p = $0; sub(/^[^<]*</, "", p); sub(/>\).*$/, "", p)
		print "FSYNC " p; next
	}
	/ rename(at2?)?\(/ && / = 0$/ {
		n = split($0, q, "\"")
		print "RENAME " q[2] " " q[4]; next
	}
' "$trace" >"$trace.ev"

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# line N of the first event matching ERE (0 when absent)
at() { grep -n -E -m 1 -- "$1" "$trace.ev" | cut -d: -f1 | grep . || echo 0; }

[ -s "$trace.ev" ] || fail "no fsync or rename between the two log lines of DURABLE1"
file=$(at '^FSYNC .*/\.cas-[A-Za-z0-9]{6}$')
root=$(at '^FSYNC /[^ ]*spool$')
ren=$(at '^RENAME .*/\.cas-[A-Za-z0-9]{6} .*/spool/[0-9a-f]{2}/[0-9a-f]{62}$')
sub=$(at '^FSYNC .*/spool/[0-9a-f]{2}$')
wal=$(at '^FSYNC .*/buzon\.db-wal$')
echo "events: file fsync at $file, spool fsync at $root, rename at $ren, ab/ fsync at $sub, first WAL sync at $wal"
[ "$file" -gt 0 ] || fail "the spool file was never fsync'd"
[ "$root" -gt 0 ] || fail "SpoolDirectory was never fsync'd"
[ "$ren" -gt 0 ] || fail "the spool file was not renamed into ab/"
[ "$sub" -gt 0 ] || fail "the ab/ directory was never fsync'd after the rename"
[ "$wal" -gt 0 ] || fail "no sync of the WAL: the record was not committed before the decision"
[ "$file" -lt "$ren" ] || fail "the file is renamed into place before its data are synced"
[ "$root" -lt "$ren" ] || fail "SpoolDirectory is not synced before the rename"
[ "$ren" -lt "$sub" ] || fail "ab/ is synced before the rename, not after"
[ "$sub" -lt "$wal" ] || fail "the record commits (WAL sync) before the spool copy is durable"
if [ "$fails" -ne 0 ]; then
	sed 's/^/    /' "$trace.ev"
	exit 1
fi
echo "PASS: spool file and directories synced before the record commits"
