#!/bin/sh
# sms-capture.sh - an SmsCommand stand-in for the tests
#
#   sms-capture.sh DIR [ARG...] NUMBER      (the SMS text on stdin)
#
# Keeps each SMS as DIR/sms.N.in (standard input) and DIR/sms.N.args (one
# argument a line, DIR left out), N counting from 1. While DIR/fail
# exists it exits 75 without keeping anything (a gateway that is down).
dir=$1
shift
[ -e "$dir/fail" ] && exit 75
n=1
while [ -e "$dir/sms.$n.in" ]; do
	n=$((n + 1))
done
for a; do
	printf '%s\n' "$a"
done >"$dir/sms.$n.args.tmp"
cat >"$dir/sms.$n.in.tmp"
mv "$dir/sms.$n.args.tmp" "$dir/sms.$n.args"
mv "$dir/sms.$n.in.tmp" "$dir/sms.$n.in"
exit 0
