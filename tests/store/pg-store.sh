#!/bin/sh
# pg-store.sh - the store's unit suite on a real PostgreSQL server
#
# Starts a throwaway cluster (tests/pg/pg-cluster.sh: initdb in a
# temporary directory, a Unix socket there, run as an unprivileged user),
# runs "run-unit pgstore" against it (tests/unit/test_pgstore.c) and stops
# the cluster on every path. SKIP (77) when no PostgreSQL server is
# installed or the unit tests are not built (no Check).
set -u

: "${top_srcdir:?}" "${top_builddir:?}"
RUN_UNIT="$top_builddir/tests/unit/run-unit"
if [ ! -x "$RUN_UNIT" ]; then
	echo "SKIP: tests/unit/run-unit is not built (Check missing)"
	exit 77
fi

# Under /tmp, mode 0755: the server runs as another user and must reach it.
T=$(mktemp -d /tmp/buzon-pg-store.XXXXXX) || exit 99
chmod 755 "$T"
trap '"$top_srcdir/tests/pg/pg-cluster.sh" stop "$T/pg"; rm -rf "$T"' EXIT

uri=$("$top_srcdir/tests/pg/pg-cluster.sh" start "$T/pg")
rc=$?
[ $rc -eq 0 ] || exit $rc
echo "PostgreSQL: $uri"
BUZON_TEST_PG_URI=$uri "$RUN_UNIT" pgstore
