#!/bin/sh
#
# pg-cluster.sh - a throwaway PostgreSQL cluster for the tests
#
# Usage: tests/pg/pg-cluster.sh start DIR    prints the database's URI
#        tests/pg/pg-cluster.sh stop DIR
#        tests/pg/pg-cluster.sh restart DIR  (fast shutdown, then start)
#        tests/pg/pg-cluster.sh kill DIR     (immediate shutdown: a crash)
#        tests/pg/pg-cluster.sh up DIR       (start a cluster that exists)
#
# start: initdb in DIR/data as an unprivileged user (the server refuses
# to run as root: the Debian package's "postgres", else "nobody"), the
# server listening only on a Unix socket in DIR (no TCP port to clash
# with anything), trust authentication for that socket alone, and an
# empty database "buzon". The URI it prints is libpq's:
#   postgresql:///buzon?host=DIR&user=buzon
# A caller must stop it on every path (trap ... EXIT).
# Exit status 77 (the test harness's SKIP) when no PostgreSQL server is
# installed: the test that called it must then say it skipped.

set -u

cmd=${1:?usage: pg-cluster.sh start|stop|restart|kill|up DIR}
dir=${2:?usage: pg-cluster.sh start|stop|restart|kill|up DIR}

bindir=
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
	[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && bindir=$d
done
if [ -z "$bindir" ]; then
	echo "SKIP: no PostgreSQL server (Debian package postgresql)" >&2
	exit 77
fi

if id postgres >/dev/null 2>&1; then user=postgres; else user=nobody; fi
as_user() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$user" -- "$@"
	else
		"$@"
	fi
}

pg_ctl() {
	as_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 "$@"
}

case $cmd in
start)
	mkdir -p "$dir" || exit 99
	dir=$(cd "$dir" && pwd)
	[ "$(id -u)" -eq 0 ] && chown "$user" "$dir"
	# Reachable by whoever runs the milter under test.
	chmod 755 "$dir"
	if ! as_user "$bindir/initdb" -D "$dir/data" -U postgres -A trust \
	    -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
		echo "pg-cluster: initdb failed:" >&2
		cat "$dir/initdb.log" >&2
		exit 99
	fi
	cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
unix_socket_permissions = 0777
fsync = on
max_connections = 200
CONF
	if ! pg_ctl start >/dev/null; then
		echo "pg-cluster: the server did not start:" >&2
		cat "$dir/server.log" >&2
		exit 99
	fi
	if ! as_user "$bindir/psql" -X -q -h "$dir" -U postgres -d postgres \
	    -c "CREATE ROLE buzon LOGIN" -c "CREATE DATABASE buzon OWNER buzon" \
	    >"$dir/psql.log" 2>&1; then
		cat "$dir/psql.log" >&2
		exit 99
	fi
	echo "postgresql:///buzon?host=$dir&user=buzon"
	;;
up)
	pg_ctl start >/dev/null || { cat "$dir/server.log" >&2; exit 99; }
	;;
stop)
	[ -f "$dir/data/postmaster.pid" ] || exit 0
	pg_ctl stop -m fast >/dev/null
	;;
restart)
	pg_ctl restart -m fast >/dev/null || { cat "$dir/server.log" >&2; exit 99; }
	;;
kill)
	pg_ctl stop -m immediate >/dev/null
	;;
*)
	echo "pg-cluster: unknown command $cmd" >&2
	exit 2
	;;
esac
