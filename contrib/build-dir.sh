# build-dir.sh - sourced by contrib/try-it and contrib/bench (bash)
#
# build_dir_claim BUILD SRCDIR - make BUILD usable for an out-of-tree build
# of SRCDIR. A build directory configured for another checkout keeps that
# tree's paths (VPATH, dependency files): `make` there would quietly run
# the other tree's code, or fail on its vanished headers. Such a directory
# is emptied, but only when its config.status is this project's; anything
# else is refused (return 1). Return 0 when BUILD is empty, new, or already
# SRCDIR's.
build_dir_claim()
{
	local build=$1 srcdir=$2 was
	mkdir -p "$build" || return 1
	[ -f "$build/Makefile" ] || return 0
	was=$(sed -n 's/^srcdir = //p' "$build/Makefile")
	[ "$was" = "$srcdir" ] && return 0
	if ! grep -q "buzon-milter" "$build/config.status" 2>/dev/null; then
		echo "$build holds a build that is not buzon-milter's: choose another directory" >&2
		return 1
	fi
	echo "== $build was configured for $was: emptied to build $srcdir"
	find "$build" -mindepth 1 -delete
}
