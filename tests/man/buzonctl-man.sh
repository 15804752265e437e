#!/bin/sh
# buzonctl-man.sh - buzonctl(8) and buzonctl --help cannot drift apart
#
# Every command "buzonctl --help" lists has a ".SS COMMAND" heading in the
# COMMANDS section of buzonctl.8, and every heading is a listed command.
# Within a command's section, every subcommand and option word of
# "buzonctl COMMAND --help" (its usage lines; calendar's subcommand lines)
# appears, and every item the section documents is one --help names.

: "${top_srcdir:=.}" "${top_builddir:=.}"
ctl="$top_builddir/buzonctl"
man="$top_builddir/buzonctl.8"
[ -x "$ctl" ] || { echo "ERROR: $ctl not built"; exit 99; }
[ -f "$man" ] || { echo "FAIL: $man was not generated (no buzonctl(8))"; exit 1; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

# plain - roff source to words: drop font escapes, \& and \- -> -
plain() {
	sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/\\&//g' -e 's/\\(dq/"/g' \
	    -e 's/^\.[A-Z][A-Z]* *//' -e 's/"//g'
}

"$ctl" --help | sed -n '/^commands:/,/^$/p' |
    sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' | sort >"$tmp/help-commands"
sed -n '/^\.SH COMMANDS/,/^\.SH /p' "$man" | sed -n 's/^\.SS *//p' |
    sort >"$tmp/man-commands"
[ -s "$tmp/help-commands" ] || { echo "ERROR: no commands in --help"; exit 99; }
if ! cmp -s "$tmp/help-commands" "$tmp/man-commands"; then
	echo "FAIL: commands differ (< --help, > buzonctl.8):"
	diff "$tmp/help-commands" "$tmp/man-commands" | grep '^[<>]'
	fail=1
fi

for cmd in $(cat "$tmp/help-commands"); do
	"$ctl" "$cmd" --help >"$tmp/h" 2>&1 || {
		echo "FAIL: buzonctl $cmd --help exits non-zero"; fail=1; }
	# the words --help offers: after "buzonctl ... CMD" on the usage
	# lines, and "  word ARG" lines (calendar's subcommands)
	{
		sed -n '1,/^$/p' "$tmp/h" | sed -n "s/.*buzonctl.* $cmd //p;/^      *\[/p"
		sed -n 's/^  \([a-z][a-z-]*\)  *[A-Z].*/\1/p' "$tmp/h"
	} | tr ' []|.' '\n\n\n\n\n' | grep -E '^(--)?[a-z][a-z-]*$' |
	    grep -vx -e "$cmd" -e lft -e 'lft+cff' | sort -u >"$tmp/offered"
	sed -n "/^\.SS $cmd\$/,/^\.S[SH] /p" "$man" >"$tmp/section"
	plain <"$tmp/section" >"$tmp/section.txt"
	for w in $(cat "$tmp/offered"); do
		grep -qw -e "$w" "$tmp/section.txt" || {
			echo "FAIL: buzonctl $cmd --help offers $w; buzonctl.8 does not document it"
			fail=1; }
	done
	# each .TP item of the section: its first word (after the command),
	# unless that is an argument (in italics)
	awk '/^\.TP/ { getline; print }' "$tmp/section" |
	    sed -e 's/\\fI[^\\]*\\f[RBP]/ARG/g' | plain |
	    awk -v c="$cmd" '{ w = ($1 == c) ? $2 : $1; if (w != "ARG") print w }' |
	    sort -u >"$tmp/documented"
	for w in $(cat "$tmp/documented"); do
		grep -qx -e "$w" "$tmp/offered" || {
			echo "FAIL: buzonctl.8 documents $cmd $w; buzonctl $cmd --help does not offer it"
			fail=1; }
	done
done

# the other pages point at a page that exists now
for page in buzon-milter.8 buzon-milter.conf.5; do
	grep -q 'buzonctl (8)' "$top_builddir/$page" || {
		echo "FAIL: $page does not refer to buzonctl(8)"; fail=1; }
done
[ $fail -eq 0 ] && echo "PASS: buzonctl(8) and --help agree on $(wc -l <"$tmp/help-commands") commands"
exit $fail
