#!/bin/sh
# leak-rss.sh - leak-rss.lua with AddressSanitizer's quarantine off
#
# Issue 16: 10,000 malformed-CMS messages must leave the daemon's RSS flat
# (leak-rss.lua says how). In an ASan build, freed blocks wait in a
# quarantine of up to 256 MB before reuse, which reads as growth: this
# wrapper turns it off for the daemon (no effect on a plain build) and
# runs the script through run-miltertest.sh.
: "${top_srcdir:=.}"
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0
export ASAN_OPTIONS
exec sh "$top_srcdir/tests/milter/run-miltertest.sh" "$top_srcdir/tests/milter/leak-rss.lua"
