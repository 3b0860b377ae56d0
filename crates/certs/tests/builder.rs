//! Self-signed SAML leaf certificates. (openssl's view of them is checked in
//! examples/tests/certs_openssl.rs, which may run the openssl command.)

#[path = "support/rng.rs"]
mod rng;

use chrono::{DateTime, TimeZone, Utc};
use fedkit_certs::{
    DistinguishedName, Error, KeyKind, MAX_VALIDITY_MONTHS, PrivateKey, SelfSignedLeaf,
    SignatureAlgorithm, default_provider,
};

const RSA_KEY: &str = include_str!("data/rsa2048.key.pem");
const EC_KEY: &str = include_str!("data/p256.key.pem");

fn now() -> DateTime<Utc> {
    // Sub-second part on purpose: certificates carry whole seconds.
    Utc.with_ymd_and_hms(2026, 3, 31, 12, 30, 45).unwrap() + chrono::Duration::milliseconds(250)
}

fn subject() -> DistinguishedName {
    DistinguishedName::new()
        .country("US")
        .state_or_province("Washington")
        .locality("Seattle")
        .organization("Example, Inc.")
        .organizational_unit("Identity")
        .common_name("idp.example.test")
}

#[test]
fn a_leaf_has_the_subject_validity_and_key_asked_for() {
    let key = PrivateKey::from_pem(RSA_KEY).unwrap();
    let mut rng = rng::TestRng::new(10);
    let cert = SelfSignedLeaf::new(subject())
        .validity_months(60)
        .build(&key, now(), &mut rng)
        .unwrap();
    // RFC 4514 order is the reverse of the order given; the comma in O is escaped.
    assert_eq!(
        cert.subject(),
        "CN=idp.example.test,OU=Identity,O=Example\\, Inc.,L=Seattle,ST=Washington,C=US"
    );
    assert_eq!(cert.issuer(), cert.subject());
    assert_eq!(
        cert.not_before(),
        Utc.with_ymd_and_hms(2026, 3, 31, 12, 30, 45).unwrap()
    );
    // 60 months after March 31 is March 31 five years on (chrono's calendar months).
    assert_eq!(
        cert.not_after(),
        Utc.with_ymd_and_hms(2031, 3, 31, 12, 30, 45).unwrap()
    );
    assert_eq!(cert.public_key(), key.public_key());
    assert_eq!(
        cert.signature_algorithm(),
        Some(SignatureAlgorithm::RsaPkcs1Sha256)
    );
    cert.verify_signature(key.public_key(), default_provider())
        .unwrap();
}

#[test]
fn month_arithmetic_clamps_to_the_end_of_a_short_month() {
    let key = PrivateKey::from_pem(RSA_KEY).unwrap();
    let mut rng = rng::TestRng::new(11);
    let cert = SelfSignedLeaf::new(subject())
        .validity_months(1)
        .build(&key, now(), &mut rng)
        .unwrap();
    // March 31 + 1 month: April has 30 days.
    assert_eq!(
        cert.not_after(),
        Utc.with_ymd_and_hms(2026, 4, 30, 12, 30, 45).unwrap()
    );
}

#[test]
fn serials_come_from_the_rng_and_differ() {
    let key = PrivateKey::from_pem(RSA_KEY).unwrap();
    let leaf = SelfSignedLeaf::new(subject());
    let a = leaf.build(&key, now(), &mut rng::TestRng::new(12)).unwrap();
    let b = leaf.build(&key, now(), &mut rng::TestRng::new(13)).unwrap();
    let a_again = leaf.build(&key, now(), &mut rng::TestRng::new(12)).unwrap();
    assert_ne!(a.serial(), b.serial());
    assert_eq!(a.serial(), a_again.serial());
    // At least 64 bits of randomness (CA/B Forum ballot 164); x509-cert draws 17 bytes, and the
    // INTEGER is positive.
    assert!(a.serial().len() >= 9, "{}", a.serial_hex());
    assert!(a.serial()[0] & 0x80 == 0);
}

#[test]
fn sha384_and_sha512_and_ecdsa_leaves_verify() {
    let rsa = PrivateKey::from_pem(RSA_KEY).unwrap();
    let ec = PrivateKey::from_pem(EC_KEY).unwrap();
    let mut rng = rng::TestRng::new(14);
    for alg in [
        SignatureAlgorithm::RsaPkcs1Sha384,
        SignatureAlgorithm::RsaPkcs1Sha512,
    ] {
        let cert = SelfSignedLeaf::new(subject())
            .signature_algorithm(alg)
            .build(&rsa, now(), &mut rng)
            .unwrap();
        assert_eq!(cert.signature_algorithm(), Some(alg));
        cert.verify_signature(rsa.public_key(), default_provider())
            .unwrap();
    }
    let cert = SelfSignedLeaf::new(subject())
        .build(&ec, now(), &mut rng)
        .unwrap();
    assert_eq!(cert.public_key().kind(), KeyKind::EcP256);
    assert_eq!(
        cert.signature_algorithm(),
        Some(SignatureAlgorithm::EcdsaP256Sha256)
    );
    cert.verify_signature(ec.public_key(), default_provider())
        .unwrap();
}

#[test]
fn validity_is_1_to_1200_months() {
    let key = PrivateKey::from_pem(RSA_KEY).unwrap();
    let mut rng = rng::TestRng::new(15);
    assert_eq!(MAX_VALIDITY_MONTHS, 1200);
    let longest = SelfSignedLeaf::new(subject())
        .validity_months(MAX_VALIDITY_MONTHS)
        .build(&key, now(), &mut rng)
        .unwrap();
    assert_eq!(
        longest.not_after(),
        Utc.with_ymd_and_hms(2126, 3, 31, 12, 30, 45).unwrap()
    );
    for months in [0, MAX_VALIDITY_MONTHS + 1] {
        assert_eq!(
            SelfSignedLeaf::new(subject())
                .validity_months(months)
                .build(&key, now(), &mut rng)
                .unwrap_err(),
            Error::InvalidValidity { months }
        );
    }
}

#[test]
fn bad_subjects_and_algorithms_are_refused() {
    let key = PrivateKey::from_pem(RSA_KEY).unwrap();
    let mut rng = rng::TestRng::new(16);
    let cases = [
        (DistinguishedName::new(), "no attributes"),
        (DistinguishedName::new().common_name(""), "empty value"),
        (
            DistinguishedName::new().common_name("x".repeat(65)),
            "65 characters",
        ),
        (
            DistinguishedName::new().country("USA"),
            "three-letter country",
        ),
        (DistinguishedName::new().country("us"), "lowercase country"),
    ];
    for (name, why) in cases {
        let err = SelfSignedLeaf::new(name)
            .build(&key, now(), &mut rng)
            .unwrap_err();
        assert_eq!(err.code(), "invalid_subject", "{why}");
    }
    let sixty_four = SelfSignedLeaf::new(DistinguishedName::new().common_name("x".repeat(64)));
    assert!(
        sixty_four.build(&key, now(), &mut rng).is_ok(),
        "64 characters is the limit"
    );

    for alg in [
        SignatureAlgorithm::RsaPkcs1Sha1,
        SignatureAlgorithm::RsaPssSha256,
    ] {
        let err = SelfSignedLeaf::new(subject())
            .signature_algorithm(alg)
            .build(&key, now(), &mut rng)
            .unwrap_err();
        assert_eq!(err.code(), "algorithm_not_allowed", "{alg:?}");
    }
    let err = SelfSignedLeaf::new(subject())
        .signature_algorithm(SignatureAlgorithm::EcdsaP256Sha256)
        .build(&key, now(), &mut rng)
        .unwrap_err();
    assert_eq!(err.code(), "algorithm_key_mismatch");
}

#[test]
fn small_rsa_keys_cannot_sign_certificates_with_the_default_provider() {
    let small = PrivateKey::from_pem(include_str!("data/rsa1024.key.pem")).unwrap();
    let mut rng = rng::TestRng::new(17);
    let err = SelfSignedLeaf::new(subject())
        .build(&small, now(), &mut rng)
        .unwrap_err();
    assert_eq!(err.code(), "rsa_key_too_small");
    let legacy =
        SelfSignedLeaf::new(subject()).provider(fedkit_certs::danger::legacy_rsa_1024_provider());
    assert_eq!(
        legacy
            .build(&small, now(), &mut rng)
            .unwrap()
            .public_key()
            .bits(),
        1024
    );
}
