#!/bin/sh
#
# make-messages.sh - S/MIME messages signed by independent implementations
#
# Usage: make-messages.sh PKIDIR OUTDIR
#
# PKIDIR is the test PKI of tests/pki/gen-pki.sh; the signer is its
# e.firma fisica (efirma-fisica.crt/.key, issued by ca.crt). For every
# implementation available -- OpenSSL (`openssl cms -sign`, always), GnuPG
# (`gpgsm`) and Python's `cryptography` (its own Rust CMS encoder) -- and
# every content below, the message is written in both forms:
#   detached  multipart/signed; protocol="application/pkcs7-signature"
#   opaque    application/pkcs7-mime; smime-type=signed-data
# and each is also written with one byte flipped:
#   *.flip-content.eml   a byte of the signed content (first part, or the
#                        eContent inside the opaque CMS)
#   *.flip-sig.eml       a byte of the RSA signature value
# Contents: quoted-printable text with a soft line break, base64 text, a
# nested multipart/mixed (alternative text+html, PDF attachment), and raw
# 8bit UTF-8 text under folded headers.
# Also: openssl's own S/MIME writer (-outform SMIME), and a SHA-1 signature.
#
# OUTDIR/manifest has one line per message: FILE EXPECT NPARTS IMPL, where
# EXPECT is good (accepted), weak (integrity pass, BZ-DIGEST-WEAK) or
# invalid (integrity fail, BZ-SIG-INVALID); NPARTS is the number of leaf
# parts of the signed content.
#
# Mail is written with CRLF line ends, as the milter receives it. The
# gpg-agent started for gpgsm lives in a private homedir and is stopped on
# exit. Exit status: 0, or non-zero with the failing tool's message.

set -eu

PKI=$1
OUT=$2
OPENSSL=${OPENSSL:-openssl}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$OUT/work
rm -rf "$WORK"
mkdir -p "$WORK"
: > "$OUT/manifest"

SIGNER=$PKI/efirma-fisica.crt
KEY=$PKI/efirma-fisica.key
CA=$PKI/ca.crt

# crlf - LF to CRLF on standard input (idempotent on CRLF input)
crlf() {
	perl -pe 's/(?<!\r)\n/\r\n/'
}

# entities: the signed contents, CRLF, without the CRLF that belongs to the
# boundary that follows them.
printf '%s\n' \
    'Content-Type: text/plain; charset=utf-8' \
    'Content-Transfer-Encoding: quoted-printable' \
    '' \
    'Declaraci=C3=B3n anual del ejercicio 2026, presentada por Juan P=C3=A9rez.' \
    'Esta l=C3=ADnea es larga y lleva un salto suave de quoted-printable =' \
    'que la contin=C3=BAa.' | crlf | perl -0pe 's/\r\n\z//' > "$WORK/qp.ent"

{
	printf 'Content-Type: text/plain; charset=utf-8\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	printf 'Solicitud de aclaracion, folio 2026-000123.\nAtentamente, el contribuyente.\n' |
	    "$OPENSSL" base64 -e
} | crlf | perl -0pe 's/\r\n\z//' > "$WORK/b64.ent"

head -c 3000 "$PKI/ca.crt" > "$WORK/attachment.bin"
{
	printf 'Content-Type: multipart/mixed; boundary="=_mixto_1"\n\n'
	printf 'This is a multi-part message in MIME format.\n'
	printf -- '--=_mixto_1\nContent-Type: multipart/alternative; boundary="=_alt_2"\n\n'
	printf -- '--=_alt_2\nContent-Type: text/plain; charset=utf-8\n'
	printf 'Content-Transfer-Encoding: quoted-printable\n\nAdjunto la declaraci=C3=B3n.\n'
	printf -- '--=_alt_2\nContent-Type: text/html; charset=utf-8\n'
	printf 'Content-Transfer-Encoding: quoted-printable\n\n<p>Adjunto la declaraci=C3=B3n.</p>\n'
	printf -- '--=_alt_2--\n\n'
	printf -- '--=_mixto_1\nContent-Type: application/pdf; name="declaracion.pdf"\n'
	printf 'Content-Disposition: attachment; filename="declaracion.pdf"\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	"$OPENSSL" base64 -e < "$WORK/attachment.bin"
	printf -- '--=_mixto_1--\n'
} | crlf | perl -0pe 's/\r\n\z//' > "$WORK/nested.ent"

# 8bit: raw UTF-8 bytes (no transfer encoding) under a header folded
# across two lines with a tab and a long parameter folded with a space:
# verified as received, never unfolded or re-encoded.
{
	printf 'Content-Type: text/plain;\n\tcharset=utf-8;\n format=flowed\n'
	printf 'Content-Transfer-Encoding: 8bit\n'
	printf 'Content-Disposition: inline;\n\tfilename="promoci\303\263n.txt"\n\n'
	printf 'Promoci\303\263n del contribuyente: a\303\261o 2026, se\303\261or Pe\303\261a.\n'
	printf 'Segunda l\303\255nea con \342\202\254 y comillas \302\253as\303\255\302\273.\n'
} | crlf | perl -0pe 's/\r\n\z//' > "$WORK/eightbit.ent"

CONTENTS="qp:1 b64:1 nested:3 eightbit:1"

# headers SUBJECT - the message header block (no Content-Type)
headers() {
	printf 'From: Juan Perez <juan.perez@pruebas.buzon.test>\r\n'
	printf 'To: buzon@imss.pruebas.test\r\n'
	printf 'Subject: %s\r\n' "$1"
	printf 'Date: Mon, 01 Jun 2026 12:00:00 +0000\r\n'
	printf 'Message-ID: <%s@pruebas.buzon.test>\r\n' "$1"
	printf 'MIME-Version: 1.0\r\n'
}

# detached NAME ENTITY SIGDER - multipart/signed around ENTITY and SIGDER
detached() {
	{
		headers "$1"
		printf 'Content-Type: multipart/signed; protocol="application/pkcs7-signature";\r\n'
		printf '\tmicalg=sha-256; boundary="----=_firma_%s"\r\n\r\n' "$1"
		printf 'This is an S/MIME signed message\r\n\r\n'
		printf -- '------=_firma_%s\r\n' "$1"
		cat "$2"
		printf '\r\n------=_firma_%s\r\n' "$1"
		printf 'Content-Type: application/pkcs7-signature; name="smime.p7s"\r\n'
		printf 'Content-Transfer-Encoding: base64\r\n'
		printf 'Content-Disposition: attachment; filename="smime.p7s"\r\n\r\n'
		"$OPENSSL" base64 -e < "$3" | crlf
		printf '\r\n------=_firma_%s--\r\n' "$1"
	} > "$OUT/$1.eml"
}

# opaque NAME CMSDER - application/pkcs7-mime around an enveloping CMS
opaque() {
	{
		headers "$1"
		printf 'Content-Type: application/pkcs7-mime; smime-type=signed-data;\r\n'
		printf '\tname="smime.p7m"\r\n'
		printf 'Content-Transfer-Encoding: base64\r\n'
		printf 'Content-Disposition: attachment; filename="smime.p7m"\r\n\r\n'
		"$OPENSSL" base64 -e < "$2" | crlf
	} > "$OUT/$1.eml"
}

# flip_content NAME FORM - one byte of the signed content changed
flip_content() {
	if [ "$2" = detached ]; then
		# First letter of the first part's body: after the opening
		# delimiter line, its headers and the empty line.
		perl -0777 -pe 's/(\r\n------=_firma_[^\r]*\r\n(?:[^\r]+\r\n)*\r\n[^A-Za-z]*)([A-Za-z])/$1.($2 eq "A" ? "B" : "A")/e' \
		    "$OUT/$1.eml" > "$OUT/$1.flip-content.eml"
	else
		# Inside the DER: "Content-Type" of the eContent becomes
		# "Content-Typf": same length, structure intact.
		perl -0777 -ne 'print $1 if /\r\n\r\n(.*)\z/s' "$OUT/$1.eml" |
		    "$OPENSSL" base64 -d > "$WORK/$1.der"
		perl -0777 -pe 's/Content-Type/Content-Typf/' "$WORK/$1.der" > "$WORK/$1.flip.der"
		opaque "$1.flip-content" "$WORK/$1.flip.der"
	fi
}

# flip_sig NAME - one base64 character inside the RSA signature value: the
# signature ends the CMS (no unsigned attributes), so the third base64 line
# from the end lies inside it for any RSA-2048 signature.
flip_sig() {
	perl -0777 -pe '
		my @l = split /\r\n/, $_, -1;
		my ($last) = grep { $l[$_] =~ /^[A-Za-z0-9+\/=]{8,}$/ } reverse 0..$#l;
		my $i = $last - 2;
		my $c = substr($l[$i], 20, 1);
		substr($l[$i], 20, 1) = $c eq "Q" ? "g" : "Q";
		$_ = join "\r\n", @l;' "$OUT/$1.eml" > "$OUT/$1.flip-sig.eml"
}

# record NAME EXPECT NPARTS IMPL
record() {
	echo "$1.eml $2 $3 $4" >> "$OUT/manifest"
}

# emit IMPL CONTENT NPARTS FORM DER - write a message and its two flips
emit() {
	name=$1-$2-$4
	if [ "$4" = detached ]; then
		detached "$name" "$WORK/$2.ent" "$5"
	else
		opaque "$name" "$5"
	fi
	record "$name" good "$3" "$1"
	flip_content "$name" "$4"
	record "$name.flip-content" invalid 0 "$1"
	flip_sig "$name"
	record "$name.flip-sig" invalid 0 "$1"
}

# --- OpenSSL ---------------------------------------------------------------
for c in $CONTENTS; do
	ent=${c%%:*}
	n=${c##*:}
	"$OPENSSL" cms -sign -binary -md sha256 -in "$WORK/$ent.ent" -signer "$SIGNER" \
	    -inkey "$KEY" -certfile "$CA" -outform DER -out "$WORK/openssl-$ent.det.der"
	emit openssl "$ent" "$n" detached "$WORK/openssl-$ent.det.der"
	"$OPENSSL" cms -sign -binary -nodetach -md sha256 -in "$WORK/$ent.ent" \
	    -signer "$SIGNER" -inkey "$KEY" -certfile "$CA" -outform DER \
	    -out "$WORK/openssl-$ent.opq.der"
	emit openssl "$ent" "$n" opaque "$WORK/openssl-$ent.opq.der"
done
# OpenSSL's own S/MIME writer (text mode, its own boundary and layout).
{
	headers openssl-native
	"$OPENSSL" cms -sign -md sha256 -in "$WORK/qp.ent" -signer "$SIGNER" -inkey "$KEY" \
	    -certfile "$CA" -outform SMIME | crlf
} > "$OUT/openssl-native.eml"
record openssl-native good 1 openssl
# A SHA-1 signature: intact, but below the digest policy.
"$OPENSSL" cms -sign -binary -md sha1 -in "$WORK/qp.ent" -signer "$SIGNER" -inkey "$KEY" \
    -certfile "$CA" -outform DER -out "$WORK/openssl-sha1.der"
detached openssl-sha1 "$WORK/qp.ent" "$WORK/openssl-sha1.der"
record openssl-sha1 weak 1 openssl

# --- GnuPG gpgsm -------------------------------------------------------------
if command -v gpgsm >/dev/null 2>&1 && command -v gpgconf >/dev/null 2>&1; then
	# The homedir is a short directory of its own, not under OUTDIR:
	# gpg-agent puts its sockets there (no /run/user/UID on a bare
	# machine), and a Unix socket path is limited to 107 bytes, which a
	# deep build tree (make distcheck's) exceeds: the agent then fails
	# to start with nothing but "exit status 2".
	GH=$(mktemp -d "${TMPDIR:-/tmp}/bz-gpgsm.XXXXXX")
	chmod 700 "$GH"
	echo allow-loopback-pinentry > "$GH/gpg-agent.conf"
	trap 'gpgconf --homedir "$GH" --kill gpg-agent >/dev/null 2>&1 || :; rm -rf "$GH"' EXIT
	# gpgsm 2.2 reads only the legacy PKCS#12 encryption.
	"$OPENSSL" pkcs12 -export -in "$SIGNER" -inkey "$KEY" -passout pass:prueba \
	    -certpbe PBE-SHA1-3DES -keypbe PBE-SHA1-3DES -macalg sha1 -out "$WORK/signer.p12"
	G="gpgsm --homedir $GH --batch --pinentry-mode loopback --passphrase-fd 0
	    --disable-dirmngr --disable-crl-checks --disable-trusted-cert-crl-check
	    --disable-policy-checks --include-certs -1 --digest-algo SHA256"
	$G --import "$PKI/root.crt" "$PKI/ca.crt" 2>"$WORK/gpgsm.log" < /dev/null ||
	    { cat "$WORK/gpgsm.log" >&2; exit 1; }
	# gpgsm's PKCS#12 import now and then fails to decrypt the key bag with
	# the right passphrase ("data error at shrouded_key_bag", seen three
	# times in parallel test runs, never alone): it is set-up, not the code
	# under test, so try it up to three times before giving up.
	tries=0
	until echo prueba | $G --import "$WORK/signer.p12" 2>>"$WORK/gpgsm.log"; do
		tries=$((tries + 1))
		[ "$tries" -lt 3 ] || { cat "$WORK/gpgsm.log" >&2; exit 1; }
		echo "gpgsm: PKCS#12 import failed, retrying ($tries)" >>"$WORK/gpgsm.log"
	done
	fpr=$("$OPENSSL" x509 -in "$PKI/root.crt" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
	echo "$fpr S relax" > "$GH/trustlist.txt"
	for c in $CONTENTS; do
		ent=${c%%:*}
		n=${c##*:}
		echo prueba | $G --detach-sign -o "$WORK/gpgsm-$ent.det.der" \
		    "$WORK/$ent.ent" 2>>"$WORK/gpgsm.log" || { cat "$WORK/gpgsm.log" >&2; exit 1; }
		emit gpgsm "$ent" "$n" detached "$WORK/gpgsm-$ent.det.der"
		echo prueba | $G --sign -o "$WORK/gpgsm-$ent.opq.der" \
		    "$WORK/$ent.ent" 2>>"$WORK/gpgsm.log" || { cat "$WORK/gpgsm.log" >&2; exit 1; }
		emit gpgsm "$ent" "$n" opaque "$WORK/gpgsm-$ent.opq.der"
	done
fi

# --- Python cryptography ----------------------------------------------------------
if command -v python3 >/dev/null 2>&1 &&
    python3 -c 'from cryptography.hazmat.primitives.serialization import pkcs7' 2>/dev/null; then
	for c in $CONTENTS; do
		ent=${c%%:*}
		n=${c##*:}
		for form in detached opaque; do
			python3 - "$SIGNER" "$KEY" "$CA" "$WORK/$ent.ent" "$form" \
			    "$WORK/python-$ent.$form.der" <<'EOF'
import sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7
crt, key, ca, ent, form, out = sys.argv[1:]
cert = x509.load_pem_x509_certificate(open(crt, "rb").read())
pkey = serialization.load_pem_private_key(open(key, "rb").read(), None)
cacert = x509.load_pem_x509_certificate(open(ca, "rb").read())
opts = [pkcs7.PKCS7Options.Binary]
if form == "detached":
    opts.append(pkcs7.PKCS7Options.DetachedSignature)
b = (pkcs7.PKCS7SignatureBuilder().set_data(open(ent, "rb").read())
     .add_signer(cert, pkey, hashes.SHA256()).add_certificate(cacert))
open(out, "wb").write(b.sign(serialization.Encoding.DER, opts))
EOF
			emit python "$ent" "$n" "$form" "$WORK/python-$ent.$form.der"
		done
	done
fi
exit 0
