#!/bin/sh
# valgrind.sh - the protocol tests again with buzon-milter under valgrind
#
# Rule (issue 2): the daemon is valgrind-clean: no invalid access, no
# definite, indirect or possible leak (tests/valgrind.supp lists the only
# exceptions, each justified). Every .lua case runs through
# run-miltertest.sh with the daemon wrapped in valgrind; the daemon's exit
# status carries valgrind's verdict.
#
# Skips (reason first) when valgrind or miltertest is missing, or when the
# build uses AddressSanitizer (ASan and valgrind cannot run together): CI
# builds with sanitizers, so contrib/run-tests runs this from a second,
# plain build.
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
daemon=$top_builddir/buzon-milter

if ! command -v valgrind >/dev/null 2>&1; then
	echo "SKIP: valgrind not installed (apt-get install valgrind)"
	exit 77
fi
if [ -z "$MILTERTEST" ] || [ ! -x "$MILTERTEST" ]; then
	echo "SKIP: miltertest not found (apt-get install miltertest)"
	exit 77
fi
[ -x "$daemon" ] || { echo "ERROR: $daemon not built"; exit 99; }
if ldd "$daemon" 2>/dev/null | grep -q 'libasan'; then
	echo "SKIP: $daemon is built with AddressSanitizer; valgrind needs a plain build"
	exit 77
fi

BUZON_MILTER_WRAPPER="valgrind --quiet --leak-check=full --error-exitcode=1 \
--errors-for-leak-kinds=definite,indirect,possible \
--show-leak-kinds=definite,indirect,possible \
--suppressions=$top_srcdir/tests/valgrind.supp"
export BUZON_MILTER_WRAPPER

fails=0
for t in "$top_srcdir"/tests/milter/*.lua; do
	case $t in */common.lua) continue ;; esac
	if "$top_srcdir/tests/milter/run-miltertest.sh" "$t" > "$top_builddir/valgrind-case.log" 2>&1; then
		echo "PASS: $(basename "$t") under valgrind"
	else
		echo "FAIL: $(basename "$t") under valgrind:"
		cat "$top_builddir/valgrind-case.log"
		fails=$((fails + 1))
	fi
done
rm -f "$top_builddir/valgrind-case.log"
[ $fails -eq 0 ]
