#!/usr/bin/env bash
# Regenerates the certificate fixtures of fedkit-certs with the openssl command and writes
# expected.toml from what openssl itself prints about them (the peer's view, which the tests
# compare fedkit against). Run from this directory: `bash make-fixtures.sh`. The keys
# (*.key.pem) are kept if present, so the certificates can be remade for the same keys.
# Made with OpenSSL 3.0.22 on 2026-12-03; see README.md.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

key() { # file, genpkey options...
  local out=$1; shift
  [ -f "$out" ] || openssl genpkey "$@" -out "$out" 2>/dev/null
}
key rsa2048.key.pem -algorithm RSA -pkeyopt rsa_keygen_bits:2048
key rsa2048-b.key.pem -algorithm RSA -pkeyopt rsa_keygen_bits:2048
key rsa1024.key.pem -algorithm RSA -pkeyopt rsa_keygen_bits:1024
key p256.key.pem -algorithm EC -pkeyopt ec_paramgen_curve:P-256
key ed25519.key.pem -algorithm ED25519
openssl rsa -in rsa2048.key.pem -traditional -out rsa2048.pkcs1.pem 2>/dev/null
openssl pkey -in rsa2048.key.pem -pubout -out rsa2048.pub.pem
openssl pkcs8 -topk8 -nocrypt -in rsa2048.key.pem -outform DER -out rsa2048.key.der
openssl rsa -in rsa2048.key.pem -traditional -outform DER -out rsa2048.pkcs1.der 2>/dev/null
openssl pkey -in p256.key.pem -pubout -out p256.pub.pem

# Self-signed certificates with chosen dates: `openssl ca -selfsign` takes -startdate/-enddate
# (openssl req -x509 in 3.0 cannot back-date).
cat >"$work/ca.cnf" <<EOF
[ca]
default_ca = fixture
[fixture]
database = $work/index.txt
new_certs_dir = $work
serial = $work/serial
policy = anything
unique_subject = no
copy_extensions = none
[anything]
commonName = supplied
organizationName = optional
countryName = optional
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = digitalSignature, keyEncipherment
subjectKeyIdentifier = hash
[ecleaf]
basicConstraints = critical, CA:FALSE
keyUsage = digitalSignature
subjectKeyIdentifier = hash
EOF
selfsigned() { # out key subject md start end serial extensions
  : >"$work/index.txt"
  echo "$7" >"$work/serial"
  openssl req -new -key "$2" -subj "$3" -out "$work/req.csr"
  openssl ca -batch -config "$work/ca.cnf" -selfsign -keyfile "$2" -in "$work/req.csr" \
    -md "$4" -startdate "$5" -enddate "$6" -extensions "$8" -notext -out "$1" 2>/dev/null
}
selfsigned idp-rsa2048.pem rsa2048.key.pem "/C=US/O=Example IdP/CN=idp.example.test" sha256 \
  20260101000000Z 20310101000000Z 1A2B3C4D5E6F leaf
selfsigned idp-rsa2048-next.pem rsa2048-b.key.pem "/O=Example IdP/CN=idp.example.test" sha256 \
  20261001000000Z 20311001000000Z 0F00BA12 leaf
selfsigned expired.pem rsa2048-b.key.pem "/O=Example IdP/CN=expired.example.test" sha256 \
  20200101000000Z 20210101000000Z 02 leaf
selfsigned not-yet-valid.pem rsa2048-b.key.pem "/CN=future.example.test" sha256 \
  20400101000000Z 20450101000000Z 03 leaf
selfsigned sha1-signed.pem rsa2048.key.pem "/O=Legacy/CN=sha1.example.test" sha1 \
  20150101000000Z 20350101000000Z 04 leaf
selfsigned rsa1024.pem rsa1024.key.pem "/CN=rsa1024.example.test" sha256 \
  20260101000000Z 20360101000000Z 05 leaf
selfsigned p256.pem p256.key.pem "/O=Example/CN=ec.example.test" sha256 \
  20260101000000Z 20360101000000Z 06 ecleaf
openssl req -x509 -key ed25519.key.pem -subj "/CN=ed25519.example.test" -days 3650 \
  -out ed25519.pem

# The shapes real uploads and metadata come in, all of idp-rsa2048.pem.
openssl x509 -in idp-rsa2048.pem -outform DER -out idp-rsa2048.der
{ cat idp-rsa2048.der; echo; } >idp-rsa2048.der-newline        # DER with a newline appended
body() { openssl x509 -in idp-rsa2048.pem -outform DER | base64 -w "$1"; }
body 0 | tr -d '\n' >idp-rsa2048.oneline.b64                    # bare base64, one line
body 76 >idp-rsa2048.76col.b64                                 # no headers, 76 columns
sed 's/$/\r/' idp-rsa2048.pem >idp-rsa2048.crlf.pem             # CRLF line endings
body 64 | sed 's/$/\&#13;/' >idp-rsa2048.entity13.b64           # &#13; left from XML
{ openssl x509 -in idp-rsa2048.pem -noout -text; cat idp-rsa2048.pem; } >idp-rsa2048.text-dump.pem
{ printf '   '; body 64 | sed 's/^/  /;s/$/  /'; } >idp-rsa2048.spaces.b64  # indented, trailing spaces
sed 's/BEGIN CERTIFICATE/BEGINCERTIFICATE/;s/END CERTIFICATE/ENDCERTIFICATE/' idp-rsa2048.pem \
  >idp-rsa2048.nospace-label.pem                                # SimpleSAMLphp issue 999

# Chains: two PEM blocks in one blob, and two DERs back to back in one base64 blob
# (authentik issue 26268).
cat idp-rsa2048.pem idp-rsa2048-next.pem >chain.pem
cat idp-rsa2048.der <(openssl x509 -in idp-rsa2048-next.pem -outform DER) | base64 -w 64 \
  >chain-der-concat.b64

# Things that must be refused.
cat idp-rsa2048.pem rsa2048.key.pem >cert-and-key.pem

# expected.toml: what openssl says about each certificate.
{
  echo "# Written by make-fixtures.sh from openssl's own output; do not edit by hand."
  for f in idp-rsa2048 idp-rsa2048-next expired not-yet-valid sha1-signed rsa1024 p256; do
    pem=$f.pem
    echo
    echo "[$f]"
    echo "subject = \"$(openssl x509 -in "$pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')\""
    echo "issuer = \"$(openssl x509 -in "$pem" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//')\""
    echo "serial = \"$(openssl x509 -in "$pem" -noout -serial | sed 's/^serial=//')\""
    echo "not_before = \"$(date -u -d "$(openssl x509 -in "$pem" -noout -startdate | sed 's/^notBefore=//')" +%Y-%m-%dT%H:%M:%SZ)\""
    echo "not_after = \"$(date -u -d "$(openssl x509 -in "$pem" -noout -enddate | sed 's/^notAfter=//')" +%Y-%m-%dT%H:%M:%SZ)\""
    echo "sha256 = \"$(openssl x509 -in "$pem" -noout -fingerprint -sha256 | sed 's/^.*=//')\""
    echo "sha1 = \"$(openssl x509 -in "$pem" -noout -fingerprint -sha1 | sed 's/^.*=//')\""
    echo "key_bits = $(openssl x509 -in "$pem" -noout -text | sed -n 's/.*Public-Key: (\([0-9]*\) bit).*/\1/p')"
    echo "signature_algorithm = \"$(openssl x509 -in "$pem" -noout -text | sed -n 's/^ *Signature Algorithm: //p' | head -1)\""
  done
} >expected.toml

# Signatures made by openssl over message.txt, for the provider tests (RSA PKCS#1 v1.5 is
# deterministic, so ours must match these byte for byte; PSS and ECDSA are checked by verifying).
printf '<ds:SignedInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">fedkit</ds:SignedInfo>' >message.txt
for md in sha1 sha256 sha384 sha512; do
  openssl dgst -"$md" -sign rsa2048.key.pem -out "message.rsa-$md.sig" message.txt
done
for md in sha256 sha384 sha512; do
  openssl dgst -"$md" -sign rsa2048.key.pem -sigopt rsa_padding_mode:pss \
    -sigopt rsa_pss_saltlen:digest -out "message.rsa-pss-$md.sig" message.txt
done
# ECDSA: openssl writes DER (r, s); XML-DSig wants r || s, each 32 bytes big-endian.
openssl dgst -sha256 -sign p256.key.pem -out "$work/ecdsa.der" message.txt
openssl asn1parse -inform DER -in "$work/ecdsa.der" | awk '/INTEGER/ {sub(/^:/, "", $NF); print $NF}' |
  while read -r hex; do printf '%064s' "$hex" | tr ' ' 0; done | xxd -r -p >message.ecdsa-p256-sha256.sig
