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

. "$top_srcdir/tests/pg/pg-test-lib.sh"
pg_test_start pg-store
echo "PostgreSQL: $URI"
BUZON_TEST_PG_URI=$URI "$RUN_UNIT" pgstore
