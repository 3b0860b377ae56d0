#!/usr/bin/env bash
# RSA-PSS SHA-256 signatures over message.txt with salts other than the digest's length, for the
# cross-provider tests: XML-DSig's sha256-rsa-MGF1 without PSS parameters means a 32-byte salt
# (RFC 6931 section 2.3.10), so every provider must refuse these although openssl made them.
set -euo pipefail
cd "$(dirname "$0")"
for salt in max 0; do
  openssl dgst -sha256 -sign rsa2048.key.pem -sigopt rsa_padding_mode:pss \
    -sigopt rsa_pss_saltlen:"$salt" -out "message.rsa-pss-sha256-salt$salt.sig" message.txt
  # openssl itself takes them with the same salt length, so they are good signatures.
  openssl dgst -sha256 -verify rsa2048.pub.pem -sigopt rsa_padding_mode:pss \
    -sigopt rsa_pss_saltlen:"$salt" -signature "message.rsa-pss-sha256-salt$salt.sig" message.txt
done
