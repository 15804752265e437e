#!/bin/sh
#
# make-forged.sh - a certificate and messages whose text tries to forge output
#
# Usage: make-forged.sh PKIDIR OUTDIR
#
# Issue 8: "a certificate name with ESC and newline made `buzonctl verify`
# print a fake `verdict:    accepted` line, and the log a fake `reasons:
# none`". Writes into OUTDIR:
#   forged.crt/.key  an e.firma of the test CA (PKIDIR's ca.crt) whose CN
#                    and O carry ESC, CR, BEL, newlines and a Latin letter,
#                    each followed by a line that imitates a report line;
#                    its RFC (x500UniqueIdentifier) carries a newline too,
#                    so the identity check fails: it is never accepted.
#   forged.eml       a submission signed with forged.crt (rejected).
#   names.eml        a submission signed with PKIDIR's efirma-fisica
#                    (accepted) whose Message-ID and Subject are raw 8-bit
#                    bytes that are not UTF-8 and whose attachments are
#                    named with such bytes and, RFC 2231-encoded, with ESC
#                    and newlines.
# Mail is CRLF without folded header lines (tests/milter/common.lua reads
# it line by line). Exit status: 0, or non-zero with openssl's message.

set -eu
PKI=$1
OUT=$2
OPENSSL=${OPENSSL:-openssl}
mkdir -p "$OUT"
cd "$OUT"

ESC=$(printf '\033')
BEL=$(printf '\007')
CR=$(printf '\r')
NL='
'

# crlf - LF to CRLF (idempotent)
crlf() {
	perl -pe 's/(?<!\r)\n/\r\n/'
}

# The certificate, issued by the test CA with its own throwaway database
# (the PKI's is shared by other tests). Valid over TestClock 2026-06-01.
mkdir -p ca/new
: > ca/index.txt
printf '%s' 30001000000700000099 | od -An -tx1 | tr -d ' \n' > ca/serial
cat > ca.cnf <<CNF
[ ca ]
dir = ca
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir/new
certificate = $PKI/ca.crt
private_key = $PKI/ca.key
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = yes

[ policy_any ]
commonName = optional

[ efirma_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = digitalSignature,nonRepudiation,dataEncipherment,keyAgreement
extendedKeyUsage = emailProtection,clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
"$OPENSSL" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out forged.key 2>/dev/null
"$OPENSSL" req -new -utf8 -key forged.key -out forged.csr -subj \
"/CN=JUAN ${ESC}[2K${CR}verdict:    accepted${NL}PEREZ${ESC}[31m\
/O=EMPRESA Ñ ${ESC}]0;titulo${BEL}${NL}reasons: none\
/C=MX/emailAddress=juan.perez@pruebas.buzon.test\
/x500UniqueIdentifier=PEGJ800101AB3${NL}verdict:    accepted\
/serialNumber=PEGJ800101HDFRRN09"
"$OPENSSL" ca -batch -notext -config ca.cnf -name ca -preserveDN \
    -in forged.csr -out forged.crt -extensions efirma_ext \
    -startdate 20250101000000Z -enddate 20300101000000Z 2>ca.log ||
    { cat ca.log >&2; exit 1; }

# sign_detached NAME ENTITY CERT KEY HEADERS - multipart/signed around ENTITY
sign_detached() {
	"$OPENSSL" cms -sign -binary -md sha256 -in "$2" -signer "$3" -inkey "$4" \
	    -certfile "$PKI/ca.crt" -outform DER -out "$1.p7s"
	{
		cat "$5"
		printf 'MIME-Version: 1.0\r\n'
		printf 'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="firma-%s"\r\n\r\n' "$1"
		printf -- '--firma-%s\r\n' "$1"
		cat "$2"
		printf '\r\n--firma-%s\r\n' "$1"
		printf 'Content-Type: application/pkcs7-signature; name="smime.p7s"\r\n'
		printf 'Content-Transfer-Encoding: base64\r\n'
		printf 'Content-Disposition: attachment; filename="smime.p7s"\r\n\r\n'
		"$OPENSSL" base64 -e < "$1.p7s" | crlf
		printf '\r\n--firma-%s--\r\n' "$1"
	} > "$1.eml"
}

# The signed entity: text, an attachment named with bytes that are not
# UTF-8, one whose RFC 2231 name decodes to ESC, CR and LF. No CRLF at the
# end: that one belongs to the boundary.
{
	printf 'Content-Type: multipart/mixed; boundary="partes"\n\n'
	printf -- '--partes\nContent-Type: text/plain; charset=utf-8\n\nPromocion con nombres raros.\n'
	printf -- '--partes\nContent-Type: application/pdf; name="\377\376acta-\351.pdf"\n'
	printf 'Content-Disposition: attachment; filename="\377\376acta-\351.pdf"\n'
	printf 'Content-Transfer-Encoding: base64\n\nJVBERi0xLjQKJSVFT0YK\n'
	printf -- '--partes\nContent-Type: application/pdf\n'
	printf "Content-Disposition: attachment; filename*=utf-8''%%1B%%5B2K%%0Dverdict%%3A%%20%%20%%20%%20accepted%%0Aescrito.pdf\n"
	printf 'Content-Transfer-Encoding: base64\n\nJVBERi0xLjQKJSVFT0YK\n'
	printf -- '--partes--\n'
} | crlf | perl -0pe 's/\r\n\z//' > entity.txt

printf 'From: Patron Prueba <patron@example.com>\r\nTo: <buzon@imss.example>\r\n' > forged.hdr
printf 'Subject: firmante con nombre falso\r\nMessage-ID: <forged@example.com>\r\n' >> forged.hdr
sign_detached forged entity.txt forged.crt forged.key forged.hdr

printf 'From: Patron Prueba <patron@example.com>\r\nTo: <buzon@imss.example>\r\n' > names.hdr
printf 'Subject: acta \351\377 del a\361o\r\nMessage-ID: <\351t\351\377\376-8bit@example.com>\r\n' >> names.hdr
sign_detached names entity.txt "$PKI/efirma-fisica.crt" "$PKI/efirma-fisica.key" names.hdr
