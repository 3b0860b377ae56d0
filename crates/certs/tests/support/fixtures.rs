//! The fixtures of tests/data, embedded at compile time, and what openssl says about them.

#![allow(dead_code)]

use std::collections::BTreeMap;

#[derive(serde::Deserialize, Clone, Debug)]
pub struct Expected {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    pub sha256: String,
    pub sha1: String,
    pub key_bits: usize,
    pub signature_algorithm: String,
}

pub fn expected() -> BTreeMap<String, Expected> {
    toml::from_str(include_str!("../data/expected.toml")).unwrap()
}

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        pub fn file(name: &str) -> &'static [u8] {
            match name {
                $($name => include_bytes!(concat!("../data/", $name)),)*
                other => panic!("fixture {other} is not embedded in support/fixtures.rs"),
            }
        }
    };
}

embedded!(
    "idp-rsa2048.pem",
    "idp-rsa2048.der",
    "idp-rsa2048.der-newline",
    "idp-rsa2048.oneline.b64",
    "idp-rsa2048.76col.b64",
    "idp-rsa2048.crlf.pem",
    "idp-rsa2048.entity13.b64",
    "idp-rsa2048.text-dump.pem",
    "idp-rsa2048.spaces.b64",
    "idp-rsa2048.nospace-label.pem",
    "idp-rsa2048-next.pem",
    "chain.pem",
    "chain-der-concat.b64",
    "expired.pem",
    "not-yet-valid.pem",
    "sha1-signed.pem",
    "rsa1024.pem",
    "p256.pem",
    "ed25519.pem",
    "cert-and-key.pem",
    "rsa2048.key.pem",
    "rsa2048-b.key.pem",
    "rsa1024.key.pem",
    "p256.key.pem",
);
