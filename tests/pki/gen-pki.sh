#!/bin/sh
#
# gen-pki.sh - the project's own test PKI, with SAT's exact e.firma layout
#
# Usage: gen-pki.sh OUTDIR
#
# Makes everything the tests need (never copy SAT's files into the tree:
# this generator replaces them). Uses only the openssl CLI ($OPENSSL, else
# `openssl`). Idempotent and safe to run concurrently: the PKI is built in
# OUTDIR.tmp.XXXXXX and renamed to OUTDIR in one step; when OUTDIR already
# holds a complete PKI of this version (OUTDIR/.complete) nothing is done.
# The conventional place, used by every test, is
#     "$top_builddir/tests/pki/generated"
# (unit tests: test_pki_dir() in tests/unit/pki.c; shell tests:
#     PKI="$top_builddir/tests/pki/generated"
#     "$top_srcdir/tests/pki/gen-pki.sh" "$PKI" || exit 99 )
#
# Keys are random (regenerated on each fresh build); names, serials,
# extensions and dates are fixed. Pin the test instant to
#     2026-06-01T12:00:00Z   (1780315200)
# at which every leaf below is within validity except `expired` and `future`.
#
# Files (all PEM; *.key are unencrypted PKCS#8 RSA keys):
#   root.crt root.key        "Raiz de pruebas buzon", self-signed, 2019..2049
#   ca.crt ca.key            "AC de pruebas buzon": the issuing CA (the
#                            TestMode pin), issued by root, 2019..2049
#   other-ca.crt other-ca.key  "AC ajena de pruebas buzon": a second CA under
#                            the same root, NOT pinned
#   trust-anchors.pem        = root.crt         (TrustAnchors)
#   issuing-cas.pem          = ca.crt           (IssuingCAs with TestMode yes)
#   chain.pem                = ca.crt + root.crt
#   Leaves issued by ca (RSA-2048, sha256, 2025-01-01..2030-01-01 unless
#   said otherwise; serial = the 20 ASCII digits shown, as bytes):
#   efirma-fisica   30001000000700000001 RFC PEGJ800101AB3,
#                   CURP PEGJ800101HDFRRN09, "JUAN PEREZ GARCIA",
#                   juan.perez@pruebas.buzon.test
#   efirma-moral    30001000000700000002 x500UniqueIdentifier
#                   "EBU200101AB8 / PEGJ800101AB3", serialNumber
#                   " / PEGJ800101HDFRRN09", "EMPRESA BUZON SA DE CV"
#   csd             30001000000700000003 CSD of EBU200101AB8: OU=Sucursal 1,
#                   KU digitalSignature,nonRepudiation only, no EKU, no C/e-mail
#   expired         30001000000700000004 fisica LOPM700101AB1, 2020-01-01..2024-01-01
#   revoked         30001000000700000005 fisica RERE800101AB2, revoked
#                   2026-01-15T00:00:00Z (in ca/index.txt and the CRLs)
#   weak-key        30001000000700000006 fisica DEBI800101AB4, RSA-1024
#   sha1            30001000000700000007 fisica SHAU800101AB5, signed sha1WithRSA
#   t61             30001000000700000008 fisica "IAÑL750210963", name
#                   "LUIS IAN ÑUZCO": T61String with Latin-1 byte 0xD1
#   future          30001000000700000009 fisica FUTU800101AB6, 2027-01-01..2031-01-01
#   noeku           30001000000700000010 fisica NOEK800101AB7, no OU but no EKU
#                   and no nsCertType (not an e.firma, not a CSD either)
#   badid           30001000000700000011 x500UniqueIdentifier "NO ES UN RFC",
#                   serialNumber "XYZ"
#   badserial       serial 0x0123456789ABCDEF (not ASCII digits), fisica
#                   BASE800101AB8
#   efirma-sincorreo 30001000000700000012 fisica SICO800101AB1, a valid
#                   e.firma WITHOUT emailAddress (nowhere to send an acuse)
#   ocsp            delegated OCSP responder of ca (EKU OCSPSigning, noCheck),
#                   2019..2049: `openssl ocsp -index ca/index.txt -CA ca.crt
#                   -rsigner ocsp.crt -rkey ocsp.key -port N`
#   Issued by other-ca: efirma-otherca 30001000000800000001 fisica
#                   OTRA800101AB9 (chains to root, issuer not pinned)
#   rogue-ca.crt/.key        self-signed CA with the SAME subject as ca but
#                            another key; rogue-ocsp.crt/.key a responder
#                            issued by it (a forged OCSP response signer)
#   tls-server.crt/.key      TLS server certificate issued by root for
#                            localhost and 127.0.0.1 (an HTTPS OCSP endpoint)
#   institution-ca.crt/.key  "AC institucional de pruebas IMSS", self-signed,
#                            2019..2049 (verifies the acuse)
#   institution.crt/.key     "Buzon Tributario IMSS (pruebas)",
#                            buzon@imss.pruebas.test, KU digitalSignature,
#                            nonRepudiation, EKU emailProtection: signs acuses
#   ca/index.txt             openssl ca database of ca (OCSP -index)
#   crl/ca.crl.pem           CRL of ca, lastUpdate 2026-05-01, nextUpdate
#                            2030-01-01, lists `revoked` (CRLDirectory crl/)
#   crl-stale/ca.crl.pem     same, lastUpdate 2025-01-01, nextUpdate 2025-02-01
#   crl-forged/ca.crl.pem    CRL naming ca as issuer, signed by rogue-ca
#
# Failure: exits non-zero with openssl's message on standard error; a
# half-built PKI is never left at OUTDIR.

set -eu

VERSION=4
OPENSSL=${OPENSSL:-openssl}

if [ $# -ne 1 ]; then
	echo "usage: gen-pki.sh OUTDIR" >&2
	exit 2
fi
OUT=$1
case $OUT in
/*) ;;
*) OUT=$(pwd)/$OUT ;;
esac

if [ -f "$OUT/.complete" ] && [ "$(cat "$OUT/.complete")" = "$VERSION" ]; then
	exit 0
fi

mkdir -p "$(dirname "$OUT")"
TMP=$(mktemp -d "$OUT.tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
cd "$TMP"

# ascii_serial DIGITS - the hex of the ASCII bytes: SAT serials are digits
ascii_serial() {
	printf '%s' "$1" | od -An -tx1 | tr -d ' \n' | tr a-f A-F
}

# newkey NAME [BITS]
newkey() {
	"$OPENSSL" genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${2:-2048}" \
	    -out "$1.key" 2>/dev/null
}

cat > openssl.cnf <<'EOF'
# CA sections for gen-pki.sh; one database per CA
[ root_ca ]
dir = root
database = $dir/index.txt
serial = $dir/serial
crlnumber = $dir/crlnumber
new_certs_dir = $dir/new
certificate = root.crt
private_key = root.key
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = yes

[ ca_ca ]
dir = ca
database = $dir/index.txt
serial = $dir/serial
crlnumber = $dir/crlnumber
new_certs_dir = $dir/new
certificate = ca.crt
private_key = ca.key
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = yes

[ other_ca ]
dir = other
database = $dir/index.txt
serial = $dir/serial
crlnumber = $dir/crlnumber
new_certs_dir = $dir/new
certificate = other-ca.crt
private_key = other-ca.key
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = yes

[ rogue_ca ]
dir = rogue
database = $dir/index.txt
serial = $dir/serial
crlnumber = $dir/crlnumber
new_certs_dir = $dir/new
certificate = rogue-ca.crt
private_key = rogue-ca.key
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = yes

[ inst_ca ]
dir = inst
database = $dir/index.txt
serial = $dir/serial
crlnumber = $dir/crlnumber
new_certs_dir = $dir/new
certificate = institution-ca.crt
private_key = institution-ca.key
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = yes

[ policy_any ]
commonName = supplied

[ root_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[ ca_ext ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

# SAT e.firma: EFIRMA.md 1.4
[ efirma_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = digitalSignature,nonRepudiation,dataEncipherment,keyAgreement
extendedKeyUsage = emailProtection,clientAuth
nsCertType = client,email
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

# SAT CSD: KU only, no EKU
[ csd_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ noeku_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = digitalSignature,nonRepudiation,dataEncipherment,keyAgreement
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ ocsp_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = OCSPSigning
noCheck = ignored
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ tls_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ inst_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

for d in root ca other rogue inst; do
	mkdir -p "$d/new"
	: > "$d/index.txt"
	echo 01 > "$d/serial"
	echo 01 > "$d/crlnumber"
done

# req NAME - CSR for NAME.key with the DN in NAME.dn (one "field = value"
# per line, in order). string_mask default = PrintableString, else
# T61String (Latin-1) as SAT encodes an N with tilde, else BMPString.
req() {
	{
		printf '[ req ]\nprompt = no\nstring_mask = default\n'
		printf 'distinguished_name = dn\n[ dn ]\n'
		cat "$1.dn"
	} > "$1.req.cnf"
	"$OPENSSL" req -new -utf8 -config "$1.req.cnf" -key "$1.key" -out "$1.csr"
}

# sign CASECTION NAME EXT START END SERIALHEX [MD] - issue NAME.crt
sign() {
	echo "$6" > "$(sed -n "/^\[ $1 \]/,/^dir/s/^dir = //p" openssl.cnf)/serial"
	"$OPENSSL" ca -batch -notext -config openssl.cnf -name "$1" \
	    -preserveDN -in "$2.csr" -out "$2.crt" -extensions "$3" \
	    -startdate "$4" -enddate "$5" -md "${7:-sha256}" 2>ca.log ||
	    { cat ca.log >&2; exit 1; }
}

# selfsign CASECTION NAME EXT START END
selfsign() {
	echo 01 > "$(sed -n "/^\[ $1 \]/,/^dir/s/^dir = //p" openssl.cnf)/serial"
	"$OPENSSL" ca -batch -notext -config openssl.cnf -name "$1" -selfsign \
	    -keyfile "$2.key" -preserveDN -in "$2.csr" -out "$2.crt" \
	    -extensions "$3" -startdate "$4" -enddate "$5" 2>ca.log ||
	    { cat ca.log >&2; exit 1; }
}

LONG_START=20190101000000Z
LONG_END=20491231000000Z
START=20250101000000Z
END=20300101000000Z

# --- the hierarchy ---
newkey root
printf 'CN = Raiz de pruebas buzon\nO = buzon-milter pruebas\nC = MX\n' > root.dn
req root
selfsign root_ca root root_ext $LONG_START $LONG_END

newkey ca
printf 'CN = AC de pruebas buzon\nO = buzon-milter pruebas\nOU = Autoridad Certificadora de pruebas\nC = MX\n' > ca.dn
req ca
sign root_ca ca ca_ext $LONG_START $LONG_END 02

newkey other-ca
printf 'CN = AC ajena de pruebas buzon\nO = buzon-milter pruebas\nC = MX\n' > other-ca.dn
req other-ca
sign root_ca other-ca ca_ext $LONG_START $LONG_END 03

newkey rogue-ca
cp ca.dn rogue-ca.dn
req rogue-ca
selfsign rogue_ca rogue-ca root_ext $LONG_START $LONG_END

newkey institution-ca
printf 'CN = AC institucional de pruebas IMSS\nO = Instituto Mexicano del Seguro Social (pruebas)\nC = MX\n' > institution-ca.dn
req institution-ca
selfsign inst_ca institution-ca root_ext $LONG_START $LONG_END

# efirma_dn NAME CN X500UID SERIALNUMBER EMAIL - SAT's order and fields
efirma_dn() {
	printf 'CN = %s\nname = %s\nO = %s\nC = MX\nemailAddress = %s\nx500UniqueIdentifier = %s\nserialNumber = %s\n' \
	    "$2" "$2" "$2" "$5" "$3" "$4" > "$1.dn"
}

# leaf NAME CASECTION EXT START END DIGITS [BITS] [MD]
leaf() {
	newkey "$1" "${7:-2048}"
	req "$1"
	sign "$2" "$1" "$3" "$4" "$5" "$(ascii_serial "$6")" "${8:-sha256}"
}

efirma_dn efirma-fisica "JUAN PEREZ GARCIA" "PEGJ800101AB3" "PEGJ800101HDFRRN09" \
    juan.perez@pruebas.buzon.test
leaf efirma-fisica ca_ca efirma_ext $START $END 30001000000700000001

efirma_dn efirma-moral "EMPRESA BUZON SA DE CV" "EBU200101AB8 / PEGJ800101AB3" \
    " / PEGJ800101HDFRRN09" contacto@empresa.buzon.test
# a leading blank in an openssl config value is dropped unless quoted
sed -i 's|^serialNumber = .*|serialNumber = " / PEGJ800101HDFRRN09"|' efirma-moral.dn
leaf efirma-moral ca_ca efirma_ext $START $END 30001000000700000002

printf 'CN = EMPRESA BUZON SA DE CV\nname = EMPRESA BUZON SA DE CV\nO = EMPRESA BUZON SA DE CV\nx500UniqueIdentifier = EBU200101AB8 / PEGJ800101AB3\nserialNumber = " / PEGJ800101HDFRRN09"\nOU = Sucursal 1\n' > csd.dn
leaf csd ca_ca csd_ext $START $END 30001000000700000003

efirma_dn expired "MARIA LOPEZ MORA" "LOPM700101AB1" "LOPM700101MDFPRR01" maria@pruebas.buzon.test
leaf expired ca_ca efirma_ext 20200101000000Z 20240101000000Z 30001000000700000004

efirma_dn revoked "ROBERTO REVOCADO RAMOS" "RERE800101AB2" "RERR800101HDFVMB02" roberto@pruebas.buzon.test
leaf revoked ca_ca efirma_ext $START $END 30001000000700000005

efirma_dn weak-key "DEBIL BITS" "DEBI800101AB4" "DEBI800101HDFBTS04" debil@pruebas.buzon.test
leaf weak-key ca_ca efirma_ext $START $END 30001000000700000006 1024

efirma_dn sha1 "SHA UNO" "SHAU800101AB5" "SHAU800101HDFHNN05" sha1@pruebas.buzon.test
leaf sha1 ca_ca efirma_ext $START $END 30001000000700000007 2048 sha1

efirma_dn t61 "LUIS IAN ÑUZCO" "IAÑL750210963" "IAXL750210HDFNZS09" pruebas@pruebas.buzon.test
leaf t61 ca_ca efirma_ext $START $END 30001000000700000008

efirma_dn future "FUTURO FUTURO" "FUTU800101AB6" "FUTU800101HDFTRR06" futuro@pruebas.buzon.test
leaf future ca_ca efirma_ext 20270101000000Z 20310101000000Z 30001000000700000009

efirma_dn noeku "SIN EKU" "NOEK800101AB7" "NOEK800101HDFKKK07" noeku@pruebas.buzon.test
leaf noeku ca_ca noeku_ext $START $END 30001000000700000010

efirma_dn badid "SIN IDENTIDAD" "NO ES UN RFC" "XYZ" badid@pruebas.buzon.test
leaf badid ca_ca efirma_ext $START $END 30001000000700000011

efirma_dn badserial "SERIE MALA" "BASE800101AB8" "BASE800101HDFRRR08" serie@pruebas.buzon.test
newkey badserial
req badserial
sign ca_ca badserial efirma_ext $START $END 0123456789ABCDEF

efirma_dn efirma-sincorreo "SIN CORREO PEREZ" "SICO800101AB1" "SICO800101HDFNRR01" x
sed -i '/^emailAddress/d' efirma-sincorreo.dn
leaf efirma-sincorreo ca_ca efirma_ext $START $END 30001000000700000012

efirma_dn efirma-otherca "OTRA AC PEREZ" "OTRA800101AB9" "OTRA800101HDFTRR09" otra@pruebas.buzon.test
leaf efirma-otherca other_ca efirma_ext $START $END 30001000000800000001

newkey ocsp
printf 'CN = OCSP de pruebas buzon\nO = buzon-milter pruebas\nC = MX\n' > ocsp.dn
req ocsp
sign ca_ca ocsp ocsp_ext $LONG_START $LONG_END "$(ascii_serial 30001000000700000090)"

newkey rogue-ocsp
printf 'CN = OCSP falso\nO = buzon-milter pruebas\nC = MX\n' > rogue-ocsp.dn
req rogue-ocsp
sign rogue_ca rogue-ocsp ocsp_ext $LONG_START $LONG_END 02

newkey tls-server
printf 'CN = localhost\nO = buzon-milter pruebas\nC = MX\n' > tls-server.dn
req tls-server
sign root_ca tls-server tls_ext $LONG_START $LONG_END 04

newkey institution
printf 'CN = Buzon Tributario IMSS (pruebas)\nO = Instituto Mexicano del Seguro Social (pruebas)\nC = MX\nemailAddress = buzon@imss.pruebas.test\n' > institution.dn
req institution
sign inst_ca institution inst_ext $LONG_START $LONG_END 02

# --- revocation: fixed revocation date so tests do not depend on today ---
"$OPENSSL" ca -batch -config openssl.cnf -name ca_ca -revoke revoked.crt 2>ca.log ||
    { cat ca.log >&2; exit 1; }
awk 'BEGIN { FS = OFS = "\t" } $1 == "R" { $3 = "260115000000Z" } { print }' \
    ca/index.txt > ca/index.txt.new && mv ca/index.txt.new ca/index.txt

mkdir -p crl crl-stale crl-forged
"$OPENSSL" ca -batch -config openssl.cnf -name ca_ca -gencrl \
    -crl_lastupdate 20260501000000Z -crl_nextupdate 20300101000000Z \
    -out crl/ca.crl.pem 2>ca.log || { cat ca.log >&2; exit 1; }
"$OPENSSL" ca -batch -config openssl.cnf -name ca_ca -gencrl \
    -crl_lastupdate 20250101000000Z -crl_nextupdate 20250201000000Z \
    -out crl-stale/ca.crl.pem 2>ca.log || { cat ca.log >&2; exit 1; }
# forged: same issuer name (rogue-ca copies ca's subject), another key
cp ca/index.txt rogue/index.txt
"$OPENSSL" ca -batch -config openssl.cnf -name rogue_ca -gencrl \
    -crl_lastupdate 20260501000000Z -crl_nextupdate 20300101000000Z \
    -out crl-forged/ca.crl.pem 2>ca.log || { cat ca.log >&2; exit 1; }

cp root.crt trust-anchors.pem
cp ca.crt issuing-cas.pem
cat ca.crt root.crt > chain.pem

rm -f ./*.csr ./*.req.cnf ./*.dn ca.log
echo "$VERSION" > .complete

cd /
if [ -d "$OUT" ] && ! [ -f "$OUT/.complete" ]; then
	rm -rf "$OUT"	# left by an older version or a crash
elif [ -f "$OUT/.complete" ] && [ "$(cat "$OUT/.complete")" != "$VERSION" ]; then
	rm -rf "$OUT"
fi
if mv -T "$TMP" "$OUT" 2>/dev/null; then
	trap - EXIT INT TERM
	exit 0
fi
# lost a race with a concurrent run: fine if it finished
[ -f "$OUT/.complete" ] && [ "$(cat "$OUT/.complete")" = "$VERSION" ]
