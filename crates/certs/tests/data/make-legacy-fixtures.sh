#!/usr/bin/env bash
# Fixtures for the verify-only algorithms (tests/legacy_algorithms.rs): P-384 and DSA public keys,
# and signatures openssl makes over message.txt with every algorithm fedkit verifies but does not
# sign with (RSA-PSS SHA-1/SHA-224/SHA-3, ECDSA SHA-1/224/384/512/SHA-3/RIPEMD-160, DSA SHA-1 and
# SHA-256). ECDSA and DSA values are converted from openssl's DER to XML-DSig's r || s (RFC 4050,
# RFC 3275 section 6.4.1), each half left-padded to the group size. Keys are kept if present.
# Run from this directory: `bash make-legacy-fixtures.sh`. Made with OpenSSL 3.0.22 on 2026-12-03.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[ -f p384.key.pem ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.key.pem
if [ ! -f dsa1024.key.pem ]; then
  openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:1024 \
    -pkeyopt dsa_paramgen_q_bits:160 -out "$work/dsa1024.param"
  openssl genpkey -paramfile "$work/dsa1024.param" -out dsa1024.key.pem
fi
if [ ! -f dsa2048.key.pem ]; then
  openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 \
    -pkeyopt dsa_paramgen_q_bits:256 -out "$work/dsa2048.param"
  openssl genpkey -paramfile "$work/dsa2048.param" -out dsa2048.key.pem
fi
for k in p384 dsa1024 dsa2048; do openssl pkey -in "$k.key.pem" -pubout -out "$k.pub.pem"; done

for md in sha1 sha224 sha3-224 sha3-256 sha3-384 sha3-512; do
  openssl dgst -"$md" -sign rsa2048.key.pem -sigopt rsa_padding_mode:pss \
    -sigopt rsa_pss_saltlen:digest -out "message.rsa-pss-$md.sig" message.txt
done

raw() { # key digest half-length-in-hex-digits out
  openssl dgst -"$2" -sign "$1" -out "$work/der.sig" message.txt
  openssl asn1parse -inform DER -in "$work/der.sig" | awk '/INTEGER/ {sub(/^:/, "", $NF); print $NF}' |
    while read -r hex; do printf "%$3s" "$hex" | tr ' ' 0; done | xxd -r -p >"$4"
}
for md in sha1 sha224 sha384 sha512 sha3-256 ripemd160; do
  raw p256.key.pem "$md" 64 "message.ecdsa-p256-$md.sig"
done
for md in sha384 sha512 sha3-384; do
  raw p384.key.pem "$md" 96 "message.ecdsa-p384-$md.sig"
done
raw dsa1024.key.pem sha1 40 message.dsa1024-sha1.sig
raw dsa2048.key.pem sha256 64 message.dsa2048-sha256.sig

# openssl's own verdict on every signature above, from the DER form it made (a self-check of
# this script: the raw files must carry the same r and s).
for md in sha1 sha224 sha384 sha512 sha3-256 ripemd160; do
  openssl dgst -"$md" -sign p256.key.pem -out "$work/v.sig" message.txt
  openssl dgst -"$md" -verify p256.pub.pem -signature "$work/v.sig" message.txt >/dev/null
done
wc -c message.ecdsa-*.sig message.dsa*.sig message.rsa-pss-sha1.sig
