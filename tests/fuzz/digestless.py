#!/usr/bin/env python3
#
# digestless.py - a detached S/MIME message whose SignedData lists no digest
#
# Usage: digestless.py SIGNED.eml OUT.eml
#
# Reads a multipart/signed message (e.g. openssl-qp-detached.eml of
# tests/smime/make-messages.sh), decodes its application/pkcs7-signature
# part, empties the SignedData's digestAlgorithms SET, re-encodes the CMS
# as DER and writes the message back with the new signature part. That is
# the structure that makes OpenSSL 3.0's CMS_verify leak its temporary
# memory BIO (include/buzon/cms_check.h); the milter must refuse it with
# BZ-SIG-MALFORMED. tests/fuzz/regressions/verify/cms-empty-digest-
# algorithms.eml was made by this script; standard library only.
import base64
import re
import sys


def parse(b, i):
    """One BER TLV at b[i:]: (tag bytes, children or bytes, next index)."""
    t0 = i
    i += 1
    if b[t0] & 0x1f == 0x1f:
        while b[i] & 0x80:
            i += 1
        i += 1
    tag = b[t0:i]
    n = b[i]
    i += 1
    indef = False
    if n == 0x80:
        indef = True
    elif n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(b[i:i + k], 'big')
        i += k
    if not tag[0] & 0x20:
        return tag, b[i:i + n], i + n
    kids = []
    if indef:
        while b[i:i + 2] != b'\0\0':
            kid = parse(b, i)
            kids.append(kid[:2])
            i = kid[2]
        return tag, kids, i + 2
    end = i + n
    while i < end:
        kid = parse(b, i)
        kids.append(kid[:2])
        i = kid[2]
    return tag, kids, end


def encode(node):
    tag, body = node
    if isinstance(body, list):
        body = b''.join(encode(k) for k in body)
    n = len(body)
    if n < 0x80:
        ln = bytes([n])
    else:
        nb = n.to_bytes((n.bit_length() + 7) // 8, 'big')
        ln = bytes([0x80 | len(nb)]) + nb
    return tag + ln + body


def main():
    msg = open(sys.argv[1], 'rb').read()
    m = re.search(rb'(Content-Type: application/(?:x-)?pkcs7-signature[^\r\n]*\r\n'
                  rb'(?:[ \t][^\r\n]*\r\n|[^\r\n]+\r\n)*\r\n)([A-Za-z0-9+/=\r\n]+)', msg)
    if m is None:
        sys.exit('no application/pkcs7-signature part in ' + sys.argv[1])
    der = base64.b64decode(m.group(2))
    tag, kids, _ = parse(der, 0)
    signed = kids[1][1][0]           # ContentInfo [0] -> SignedData
    signed[1][1] = (signed[1][1][0], [])  # digestAlgorithms := {}
    b64 = base64.encodebytes(encode((tag, kids))).replace(b'\n', b'\r\n')
    out = msg[:m.start(2)] + b64 + msg[m.end(2):]
    open(sys.argv[2], 'wb').write(out)


main()
