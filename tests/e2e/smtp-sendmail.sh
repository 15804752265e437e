#!/bin/sh
# smtp-sendmail.sh - a sendmail(1) stand-in that submits over SMTP (tests)
#
#   smtp-sendmail.sh PORT [-i] [-f SENDER] [--] RECIPIENT...   (message on stdin)
#
# The daemon's outbox runs SendmailCommand as UserID. Postfix's own
# sendmail -C DIR refuses an alternate configuration directory to a user
# other than root unless the DEFAULT main.cf (/etc/postfix/main.cf) lists
# it in alternate_config_directories, and the test machine may have no
# default main.cf at all. The end-to-end tests therefore hand acuses to
# their throwaway Postfix through its smtpd on 127.0.0.1:PORT with swaks:
# the same MTA, the same milter (non_smtpd_milters and smtpd_milters are
# the same socket), the same sink. "-f <>" or "-f ''" is the null sender.
# Exit: 0 when the MTA accepted the message, 75 (EX_TEMPFAIL) otherwise.
port=$1
shift
from=
while [ $# -gt 0 ]; do
	case $1 in
	-i) shift ;;
	-f) from=$2; shift 2 ;;
	--) shift; break ;;
	-*) shift ;;
	*) break ;;
	esac
done
[ -z "$from" ] && from="<>"
[ $# -ge 1 ] || { echo "smtp-sendmail: no recipient" >&2; exit 64; }
rcpts=$(printf '%s,' "$@")
swaks --server 127.0.0.1 --port "$port" --helo outbox.buzon.test \
    --from "$from" --to "${rcpts%,}" --data - --timeout "$((30 * ${BUZON_TEST_TIMEOUT_SCALE:-1}))" >/dev/null 2>&1 || exit 75
exit 0
