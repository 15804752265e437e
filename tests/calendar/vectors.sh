#!/bin/sh
# vectors.sh - the independently computed calendar vectors of ../shared/calendar
#
# Runs `buzonctl calendar --json` on every row of every CSV there and
# compares every column that names a JSON field (input_utc, legal_utc,
# legal_local, legal_date, aviso_date, day1..day3, deemed_date, emitted,
# available_until). Profile B is Saturday/Sunday plus the statutory days of
# LFT art. 74 without an institution file, so calendar_version must be
# "sha256:none". The vectors are third-party material: read in place.

: "${top_srcdir:=.}" "${top_builddir:=.}"
vectors="${BUZON_SHARED:-$top_srcdir/../shared}/calendar"
if [ ! -d "$vectors" ]; then
	echo "SKIP: $vectors not found (independent calendar vectors)"
	exit 77
fi
ctl="$top_builddir/buzonctl"
[ -x "$ctl" ] || { echo "ERROR: $ctl not built"; exit 99; }

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
# A configuration with no CalendarFile: profile B. The calendar never reads
# Socket or MailboxAddress, but the configuration requires them.
cat >"$tmp/buzon.conf" <<CONF
Socket unix:$tmp/milter.sock
MailboxAddress buzon@example.org
CONF

# jget JSON FIELD - the string value of "FIELD": "..."
jget() {
	printf '%s\n' "$1" | sed -n "s/.*\"$2\": \"\\([^\"]*\\)\".*/\\1/p"
}

fail=0 rows=0 checks=0
for csv in "$vectors"/*.csv; do
	name=$(basename "$csv" .csv)
	header=$(head -n 1 "$csv" | tr -d '\r')
	tail -n +2 "$csv" | tr -d '\r' >"$tmp/rows"
	while IFS= read -r row; do
		[ -n "$row" ] || continue
		rows=$((rows + 1))
		# Columns by name (the last one, "why", may hold anything).
		ncol=$(printf '%s\n' "$header" | awk -F, '{print NF}')
		id= kind= profile= arg=
		i=1
		while [ "$i" -le "$ncol" ]; do
			col=$(printf '%s\n' "$header" | cut -d, -f"$i")
			val=$(printf '%s\n' "$row" | cut -d, -f"$i")
			case $col in
			id) id=$val ;;
			kind) kind=$val ;;
			profile) profile=$val ;;
			input_utc|aviso_date|emitted) arg=$val ;;
			esac
			i=$((i + 1))
		done
		[ -n "$id" ] || id="$name:$arg"
		case $name in
		instants) sub=$kind ;;
		windows) sub=window ;;
		availability) sub=available-until ;;
		*) echo "ERROR: $csv: unknown vector file"; exit 99 ;;
		esac
		case ${profile:-B} in
		B) ;;
		*) echo "ERROR: $id: unknown profile $profile"; exit 99 ;;
		esac
		if ! out=$("$ctl" -c "$tmp/buzon.conf" calendar --json "$sub" "$arg" 2>&1); then
			echo "FAIL: $id: buzonctl calendar $sub $arg: $out"
			fail=$((fail + 1))
			continue
		fi
		i=1
		while [ "$i" -le "$ncol" ]; do
			col=$(printf '%s\n' "$header" | cut -d, -f"$i")
			val=$(printf '%s\n' "$row" | cut -d, -f"$i")
			i=$((i + 1))
			case $col in id|kind|profile|why) continue ;; esac
			checks=$((checks + 1))
			got=$(jget "$out" "$col")
			if [ "$got" != "$val" ]; then
				echo "FAIL: $id: $col: expected $val, got ${got:-(missing)}"
				fail=$((fail + 1))
			fi
		done
		checks=$((checks + 1))
		got=$(jget "$out" calendar_version)
		if [ "$got" != "sha256:none" ]; then
			echo "FAIL: $id: calendar_version: expected sha256:none, got $got"
			fail=$((fail + 1))
		fi
	done <"$tmp/rows"
done
echo "$rows vectors, $checks fields compared, $fail failures"
[ "$rows" -gt 0 ] || { echo "ERROR: no vectors read"; exit 99; }
[ "$fail" -eq 0 ]
