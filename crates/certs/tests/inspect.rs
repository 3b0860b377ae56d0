//! Inspection agrees with openssl: every field of every fixture against data/expected.toml,
//! which data/make-fixtures.sh wrote from `openssl x509` output.

#[path = "support/fixtures.rs"]
mod fixtures;

use chrono::{DateTime, Utc};
use fedkit_certs::{Certificate, DigestAlgorithm, Fingerprint, KeyKind, SignatureAlgorithm};

fn openssl_signature_name(alg: Option<SignatureAlgorithm>) -> &'static str {
    match alg {
        Some(SignatureAlgorithm::RsaPkcs1Sha1) => "sha1WithRSAEncryption",
        Some(SignatureAlgorithm::RsaPkcs1Sha256) => "sha256WithRSAEncryption",
        Some(SignatureAlgorithm::EcdsaP256Sha256) => "ecdsa-with-SHA256",
        _ => "unexpected",
    }
}

#[test]
fn every_field_matches_openssl() {
    let expected = fixtures::expected();
    assert_eq!(expected.len(), 7);
    for (name, want) in &expected {
        let cert = Certificate::parse(fixtures::file(&format!("{name}.pem"))).unwrap();
        assert_eq!(cert.subject(), want.subject, "{name}");
        assert_eq!(cert.issuer(), want.issuer, "{name}");
        assert_eq!(cert.serial_hex(), want.serial, "{name}");
        let parse = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(cert.not_before(), parse(&want.not_before), "{name}");
        assert_eq!(cert.not_after(), parse(&want.not_after), "{name}");
        assert_eq!(
            cert.sha256_fingerprint().to_colon_hex(),
            want.sha256,
            "{name}"
        );
        assert_eq!(cert.sha1_fingerprint().to_colon_hex(), want.sha1, "{name}");
        assert_eq!(
            cert.fingerprint(DigestAlgorithm::Sha1),
            cert.sha1_fingerprint()
        );
        assert_eq!(cert.public_key().bits(), want.key_bits, "{name}");
        assert_eq!(
            openssl_signature_name(cert.signature_algorithm()),
            want.signature_algorithm,
            "{name}"
        );
    }
}

#[test]
fn key_kind_is_reported() {
    let rsa = Certificate::parse(fixtures::file("idp-rsa2048.pem")).unwrap();
    let ec = Certificate::parse(fixtures::file("p256.pem")).unwrap();
    assert_eq!(rsa.public_key().kind(), KeyKind::Rsa);
    assert_eq!(ec.public_key().kind(), KeyKind::EcP256);
}

#[test]
fn fingerprints_compare_ignoring_case_and_colons() {
    let expected = fixtures::expected();
    let cert = Certificate::parse(fixtures::file("idp-rsa2048.pem")).unwrap();
    let openssl = &expected["idp-rsa2048"].sha256;
    let fp = cert.sha256_fingerprint();
    assert!(fp.matches(openssl));
    assert!(fp.matches(&openssl.to_lowercase()));
    assert!(fp.matches(&openssl.replace(':', "")));
    assert!(!fp.matches(&expected["expired"].sha256));
    assert_eq!(
        Fingerprint::parse(
            DigestAlgorithm::Sha256,
            &openssl.replace(':', "").to_lowercase()
        )
        .unwrap(),
        *fp
    );
    // A SHA-1 fingerprint is not a SHA-256 one, even written the same way.
    assert!(!fp.matches(&expected["idp-rsa2048"].sha1));
}

#[test]
fn self_signatures_verify_and_sha1_ones_only_by_name() {
    let provider = fedkit_certs::default_provider();
    for name in ["idp-rsa2048", "expired", "p256"] {
        let cert = Certificate::parse(fixtures::file(&format!("{name}.pem"))).unwrap();
        cert.verify_signature(cert.public_key(), provider)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    }
    let sha1 = Certificate::parse(fixtures::file("sha1-signed.pem")).unwrap();
    assert_eq!(
        sha1.verify_signature(sha1.public_key(), provider)
            .unwrap_err()
            .code(),
        "algorithm_not_allowed"
    );
    // A certificate is not signed by someone else's key.
    let other = Certificate::parse(fixtures::file("idp-rsa2048-next.pem")).unwrap();
    let cert = Certificate::parse(fixtures::file("idp-rsa2048.pem")).unwrap();
    assert_eq!(
        cert.verify_signature(other.public_key(), provider)
            .unwrap_err()
            .code(),
        "signature_invalid"
    );
}
