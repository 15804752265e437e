# pg-test-lib.sh - a shell test's own throwaway PostgreSQL cluster
#
# Source it, then `pg_test_start NAME`: a temporary directory $T under /tmp
# (mode 0755: the server runs as user postgres and must reach it), a
# cluster in $T/pg (tests/pg/pg-cluster.sh) whose URI is $URI, an EXIT trap
# that stops the cluster and removes $T on every path, and fail()/$fails
# for the test's checks. Exits 77 (SKIP, with the reason) when no
# PostgreSQL server is installed, 99 when the cluster cannot start.

: "${top_srcdir:?}"
PGC="$top_srcdir/tests/pg/pg-cluster.sh"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

pg_test_start()
{
	T=$(mktemp -d "/tmp/buzon-$1.XXXXXX") || exit 99
	chmod 755 "$T"
	trap '"$PGC" stop "$T/pg" >/dev/null 2>&1; rm -rf "$T"' EXIT
	URI=$("$PGC" start "$T/pg" 2>"$T/pg.err")
	case $? in
	0) ;;
	77) cat "$T/pg.err"; exit 77 ;;
	*) echo "ERROR: no throwaway cluster:"; cat "$T/pg.err"; exit 99 ;;
	esac
}
