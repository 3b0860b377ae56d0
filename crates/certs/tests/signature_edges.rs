//! Edge cases every provider must answer the same way: ECDSA `r || s` values out of range, of
//! the wrong length or high-s (data/ecdsa-r-s-cases.toml says why each answer is the right one),
//! and RSA-PSS signatures whose salt is not the digest's length (openssl made them, see
//! data/make-pss-salt-fixtures.sh; RFC 6931 section 2.3.10 fixes the salt at the digest length
//! when the SignatureMethod has no PSS parameters).

#[path = "support/providers.rs"]
mod providers;

use fedkit_certs::{PublicKey, SignatureAlgorithm, VerifyingKey};

const MESSAGE: &[u8] = include_bytes!("data/message.txt");

/// The group orders, FIPS 186-4 appendix D.1.2.3 (P-256) and D.1.2.4 (P-384).
const P256_ORDER: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
const P384_ORDER: &str = "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973";

#[derive(serde::Deserialize)]
struct Cases {
    base: Vec<Base>,
    change: Vec<Change>,
}

#[derive(serde::Deserialize)]
struct Base {
    signature: String,
    key: String,
    algorithm: String,
    #[allow(dead_code)]
    path: String,
}

#[derive(serde::Deserialize)]
struct Change {
    change: String,
    expect: String,
    reason: String,
}

fn fixture(name: &str) -> &'static [u8] {
    match name {
        "message.ecdsa-p256-sha256.sig" => include_bytes!("data/message.ecdsa-p256-sha256.sig"),
        "message.ecdsa-p256-sha384.sig" => include_bytes!("data/message.ecdsa-p256-sha384.sig"),
        "message.ecdsa-p256-sha1.sig" => include_bytes!("data/message.ecdsa-p256-sha1.sig"),
        "message.ecdsa-p256-sha224.sig" => include_bytes!("data/message.ecdsa-p256-sha224.sig"),
        "message.ecdsa-p384-sha384.sig" => include_bytes!("data/message.ecdsa-p384-sha384.sig"),
        "message.ecdsa-p384-sha512.sig" => include_bytes!("data/message.ecdsa-p384-sha512.sig"),
        "message.ecdsa-p384-sha3-384.sig" => {
            include_bytes!("data/message.ecdsa-p384-sha3-384.sig")
        }
        other => panic!("{other} is not embedded"),
    }
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// `a - b` for big-endian numbers of equal length with `a >= b`.
fn minus(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0; a.len()];
    let mut borrow = 0i16;
    for i in (0..a.len()).rev() {
        let mut d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = i16::from(d < 0);
        if d < 0 {
            d += 256;
        }
        out[i] = d as u8;
    }
    assert_eq!(borrow, 0, "minus: a < b");
    out
}

fn changed(change: &str, good: &[u8], order: &[u8]) -> Vec<u8> {
    let half = good.len() / 2;
    let (r, s) = good.split_at(half);
    let zero = vec![0; half];
    match change {
        "none" => good.to_vec(),
        "high_s" => [r, &minus(order, s)].concat(),
        "r_zero" => [&zero[..], s].concat(),
        "s_zero" => [r, &zero[..]].concat(),
        "r_order" => [order, s].concat(),
        "s_order" => [r, order].concat(),
        "all_ff" => vec![0xff; good.len()],
        "swap" => [s, r].concat(),
        "drop_last_byte" => good[..good.len() - 1].to_vec(),
        "append_zero" => [good, &[0]].concat(),
        "zero_padded_halves" => [&[0][..], r, &[0], s].concat(),
        "flip_bit" => {
            let mut out = good.to_vec();
            out[half + 7] ^= 0x10;
            out
        }
        other => panic!("unknown change {other}"),
    }
}

fn verify(key: &dyn VerifyingKey, algorithm: SignatureAlgorithm, signature: &[u8]) -> &'static str {
    let outcome = if algorithm.is_legacy() {
        key.verify_legacy(algorithm, MESSAGE, signature)
    } else {
        key.verify(algorithm, MESSAGE, signature)
    };
    match outcome {
        Ok(()) => "ok",
        Err(e) => e.code(),
    }
}

#[test]
fn ecdsa_r_s_values_get_the_same_answer_from_every_provider() {
    let cases: Cases = toml::from_str(include_str!("data/ecdsa-r-s-cases.toml")).unwrap();
    assert_eq!((cases.base.len(), cases.change.len()), (7, 12));
    for (name, provider) in providers::all() {
        for base in &cases.base {
            let (pem, order) = match base.key.as_str() {
                "p256" => (include_str!("data/p256.pub.pem"), hex(P256_ORDER)),
                "p384" => (include_str!("data/p384.pub.pem"), hex(P384_ORDER)),
                other => panic!("unknown key {other}"),
            };
            let key = provider
                .verifying_key(&PublicKey::from_pem(pem).unwrap())
                .unwrap();
            let algorithm = SignatureAlgorithm::all()
                .find(|a| a.name() == base.algorithm)
                .unwrap();
            let good = fixture(&base.signature);
            assert_eq!(good.len(), 2 * order.len(), "{}", base.signature);
            for change in &cases.change {
                let signature = changed(&change.change, good, &order);
                assert_eq!(
                    verify(key.as_ref(), algorithm, &signature),
                    change.expect,
                    "{name}, {} changed by {}: {}",
                    base.signature,
                    change.change,
                    change.reason
                );
            }
        }
    }
}

#[test]
fn pss_salts_other_than_the_digest_length_are_refused() {
    let key = PublicKey::from_pem(include_str!("data/rsa2048.pub.pem")).unwrap();
    let digest_salt = include_bytes!("data/message.rsa-pss-sha256.sig");
    for (name, provider) in providers::all() {
        let verifier = provider.verifying_key(&key).unwrap();
        verifier
            .verify(SignatureAlgorithm::RsaPssSha256, MESSAGE, digest_salt)
            .unwrap();
        for (salt, signature) in [
            (
                "max",
                &include_bytes!("data/message.rsa-pss-sha256-saltmax.sig")[..],
            ),
            ("0", include_bytes!("data/message.rsa-pss-sha256-salt0.sig")),
        ] {
            assert_eq!(
                verifier
                    .verify(SignatureAlgorithm::RsaPssSha256, MESSAGE, signature)
                    .unwrap_err()
                    .code(),
                "signature_invalid",
                "{name}: salt {salt}"
            );
        }
    }
}
