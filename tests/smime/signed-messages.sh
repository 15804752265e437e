#!/bin/sh
#
# signed-messages.sh - mail signed by independent implementations
#
# Issue 3: "Messages signed by at least two independent implementations
# (OpenSSL's openssl cms -sign, GnuPG's gpgsm, Python's cryptography, NSS
# cmsutil), detached and opaque, base64 and quoted-printable content,
# nested multipart with attachments: accepted; each with one byte flipped
# in the content or signature: rejected with BZ-SIG-INVALID."
#
# Builds the test PKI and the messages (make-messages.sh) in the build
# tree, then runs `buzonctl verify --json` on each at the pinned instant
# 2026-06-01T12:00:00Z with a TestMode configuration trusting the test PKI,
# and checks exit status, verdict, integrity, signer RFC, part count and
# reasons. Needs at least two implementations (OpenSSL and one more).
# Note: the messages carry a signingTime of the moment they were made;
# the leaves are valid until 2030-01-01, so after that date BZ-SIG-TIME
# would (rightly) appear.

set -u

: "${top_srcdir:?}" "${top_builddir:?}"
BUZONCTL=$top_builddir/buzonctl
PKI=$top_builddir/tests/pki/generated
OUT=$top_builddir/tests/smime/messages
AT=2026-06-01T12:00:00Z

sh "$top_srcdir/tests/pki/gen-pki.sh" "$PKI" >/dev/null || { echo "gen-pki.sh failed"; exit 99; }
rm -rf "$OUT"
sh "$top_srcdir/tests/smime/make-messages.sh" "$PKI" "$OUT" ||
    { echo "make-messages.sh failed"; exit 99; }
impls=$(awk '{print $4}' "$OUT/manifest" | sort -u | tr '\n' ' ')
nimpl=$(awk '{print $4}' "$OUT/manifest" | sort -u | wc -l)
echo "implementations: $impls"
if [ "$nimpl" -lt 2 ]; then
	echo "SKIP: only one signing implementation available ($impls): install gpgsm or python3-cryptography"
	exit 77
fi

sh "$top_srcdir/tests/pki/testmode-conf.sh" "$PKI" "$OUT/milter.sock" \
    > "$OUT/buzon.conf" || exit 99

fail=0
n=0
while read -r file expect nparts impl; do
	n=$((n + 1))
	json=$("$BUZONCTL" -c "$OUT/buzon.conf" verify "$OUT/$file" --at "$AT" --json 2>&1)
	rc=$?
	problem=
	case $expect in
	good)
		[ $rc -eq 0 ] || problem="exit $rc, want 0"
		echo "$json" | grep -q '"verdict": "accepted", "integrity": "pass", "trust": "pass", "identity": "pass", "reasons": \[\]' ||
		    problem="$problem; not accepted with three passes"
		echo "$json" | grep -q '"rfc": "PEGJ800101AB3"' || problem="$problem; signer RFC"
		got=$(echo "$json" | grep -o '"content_type"' | wc -l)
		[ "$got" -eq "$nparts" ] || problem="$problem; $got parts, want $nparts"
		;;
	weak)
		[ $rc -eq 1 ] || problem="exit $rc, want 1"
		echo "$json" | grep -q '"verdict": "rejected", "integrity": "pass"' ||
		    problem="$problem; want rejected with integrity pass"
		echo "$json" | grep -q '"code": "BZ-DIGEST-WEAK"' || problem="$problem; no BZ-DIGEST-WEAK"
		;;
	invalid)
		[ $rc -eq 1 ] || problem="exit $rc, want 1"
		echo "$json" | grep -q '"verdict": "rejected", "integrity": "fail"' ||
		    problem="$problem; want rejected with integrity fail"
		echo "$json" | grep -q '"code": "BZ-SIG-INVALID"' || problem="$problem; no BZ-SIG-INVALID"
		;;
	esac
	if [ -n "$problem" ]; then
		echo "FAIL $file ($impl, $expect): $problem"
		echo "  $json"
		fail=$((fail + 1))
	else
		echo "ok   $file ($impl, $expect)"
	fi
done < "$OUT/manifest"

# Unsigned mail is rejected with its own code, exit 1.
printf 'From: a@pruebas.buzon.test\r\nSubject: sin firma\r\n\r\nhola\r\n' > "$OUT/unsigned.eml"
json=$("$BUZONCTL" -c "$OUT/buzon.conf" verify "$OUT/unsigned.eml" --at "$AT" --json)
rc=$?
case $json in
*'"verdict": "rejected", "integrity": "unknown"'*'"code": "BZ-MSG-UNSIGNED"'*'"signer": null, "parts": []}')
	[ $rc -eq 1 ] || { echo "FAIL unsigned: exit $rc"; fail=$((fail + 1)); } ;;
*)	echo "FAIL unsigned: $json"; fail=$((fail + 1)) ;;
esac

# Text output and usage errors of the same command.
"$BUZONCTL" -c "$OUT/buzon.conf" verify "$OUT/openssl-qp-detached.eml" --at "$AT" > "$OUT/text.out"
rc=$?
if [ $rc -ne 0 ] || ! grep -q '^verdict: *accepted' "$OUT/text.out" ||
    ! grep -q 'RFC: *PEGJ800101AB3' "$OUT/text.out"; then
	echo "FAIL text output (exit $rc):"; cat "$OUT/text.out"; fail=$((fail + 1))
fi
# Issue 3: "prints the signer, the three verdicts and the reasons ... Exit 0
# accepted, 1 rejected, 3 cannot decide, 2 bad usage." A tampered message:
# exit 1, each verdict on its line, the reason with its code and texts.
"$BUZONCTL" -c "$OUT/buzon.conf" verify "$OUT/openssl-qp-detached.flip-content.eml" \
    --at "$AT" > "$OUT/text-rejected.out"
rc=$?
for want in '^verdict: *rejected (at 2026-06-01T12:00:00Z)$' '^integrity: *fail$' \
    '^trust: *pass$' '^identity: *pass$' '^signer: *JUAN PEREZ GARCIA$' \
    '^  RFC: *PEGJ800101AB3 (persona fisica)$' \
    '^  5\.7\.7 BZ-SIG-INVALID La firma no corresponde al contenido.* (signature does not verify'; do
	grep -q -- "$want" "$OUT/text-rejected.out" || {
		echo "FAIL text output of a rejection lacks /$want/:"; cat "$OUT/text-rejected.out"
		fail=$((fail + 1))
	}
done
[ $rc -eq 1 ] || { echo "FAIL text output of a rejection: exit $rc, want 1"; fail=$((fail + 1)); }
# Cannot decide: the revocation service does not answer (nothing listens on
# port 9 of the loopback) under RevocationFailure tempfail: exit 3, verdict
# tempfail, trust unknown, BZ-REVOCATION-UNAVAILABLE; text and JSON alike.
sed -e 's|^Revocation none$|Revocation ocsp\nOCSPResponder http://127.0.0.1:9/\nOCSPTimeout 2\nRevocationFailure tempfail|' \
    "$OUT/buzon.conf" > "$OUT/ocsp-down.conf"
grep -q '^OCSPResponder http://127.0.0.1:9/$' "$OUT/ocsp-down.conf" ||
    { echo "ERROR: could not write ocsp-down.conf"; exit 99; }
json=$("$BUZONCTL" -c "$OUT/ocsp-down.conf" verify "$OUT/openssl-qp-detached.eml" --at "$AT" \
    --json 2>/dev/null)
rc=$?
case $json in
'{"verdict": "tempfail", "integrity": "pass", "trust": "unknown", "identity": "pass", "reasons": [{"code": "BZ-REVOCATION-UNAVAILABLE", "text": '*'"rfc": "PEGJ800101AB3"'*)
	[ $rc -eq 3 ] || { echo "FAIL tempfail (json): exit $rc, want 3"; fail=$((fail + 1)); } ;;
*)	echo "FAIL tempfail (json, exit $rc): $json"; fail=$((fail + 1)) ;;
esac
"$BUZONCTL" -c "$OUT/ocsp-down.conf" verify "$OUT/openssl-qp-detached.eml" --at "$AT" \
    > "$OUT/text-tempfail.out" 2>/dev/null
rc=$?
if [ $rc -ne 3 ] || ! grep -q '^verdict: *tempfail ' "$OUT/text-tempfail.out" ||
    ! grep -q '^  4\.7\.0 BZ-REVOCATION-UNAVAILABLE ' "$OUT/text-tempfail.out"; then
	echo "FAIL tempfail (text, exit $rc, want 3):"; cat "$OUT/text-tempfail.out"
	fail=$((fail + 1))
fi
# ... but a tampered message is rejected (exit 1) without asking anybody.
"$BUZONCTL" -c "$OUT/ocsp-down.conf" verify "$OUT/openssl-qp-detached.flip-content.eml" \
    --at "$AT" --json > "$OUT/tempfail-tampered.out" 2>/dev/null
rc=$?
if [ $rc -ne 1 ] || grep -q BZ-REVOCATION-UNAVAILABLE "$OUT/tempfail-tampered.out"; then
	echo "FAIL tampered with OCSP down: exit $rc, want 1 without BZ-REVOCATION-UNAVAILABLE:"
	cat "$OUT/tempfail-tampered.out"; fail=$((fail + 1))
fi
for args in "" "--at" "--at yesterday $OUT/openssl-qp-detached.eml" "$OUT/nonexistent.eml" \
    "--bogus $OUT/openssl-qp-detached.eml"; do
	# shellcheck disable=SC2086
	"$BUZONCTL" -c "$OUT/buzon.conf" verify $args >/dev/null 2>&1
	rc=$?
	if [ $rc -ne 2 ]; then
		echo "FAIL buzonctl verify $args: exit $rc, want 2"; fail=$((fail + 1))
	fi
done
"$BUZONCTL" verify --help | grep -q -- '--at INSTANT' || { echo "FAIL --help"; fail=$((fail + 1)); }

echo "$n messages, $fail failures"
[ $fail -eq 0 ] || exit 1
exit 0
