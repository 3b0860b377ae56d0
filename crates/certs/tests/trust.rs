//! TrustSet: every imported certificate verifies (zero-downtime IdP rotation), hints only
//! select, the expiry policy is applied per candidate, and the last valid certificate stays.
//! Signatures are openssl's (data/message.*.sig, see data/make-fixtures.sh).

#[path = "support/fixtures.rs"]
mod fixtures;
#[path = "support/rng.rs"]
mod rng;

use chrono::{DateTime, TimeZone, Utc};
use fedkit_certs::{
    Certificate, Error, ExpiryOutcome, ExpiryPolicy, KeyHint, PrivateKey, SignatureAlgorithm,
    TrustSet, default_provider,
};

const MESSAGE: &[u8] = include_bytes!("data/message.txt");
const SIG_BY_RSA2048: &[u8] = include_bytes!("data/message.rsa-sha256.sig");
const SHA1_SIG_BY_RSA2048: &[u8] = include_bytes!("data/message.rsa-sha1.sig");
const SIG_BY_P256: &[u8] = include_bytes!("data/message.ecdsa-p256-sha256.sig");
const RSA256: SignatureAlgorithm = SignatureAlgorithm::RsaPkcs1Sha256;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 0, 0, 0).unwrap()
}

fn cert(name: &str) -> Certificate {
    Certificate::parse(fixtures::file(&format!("{name}.pem"))).unwrap()
}

/// A signature over MESSAGE by rsa2048-b.key.pem, whose certificates are -next and expired.
fn sig_by_rsa2048_b() -> Vec<u8> {
    let key =
        PrivateKey::from_pem(std::str::from_utf8(fixtures::file("rsa2048-b.key.pem")).unwrap())
            .unwrap();
    default_provider()
        .signing_key(&key)
        .unwrap()
        .sign(RSA256, MESSAGE, &mut rng::TestRng::new(30))
        .unwrap()
}

#[test]
fn every_imported_certificate_verifies_in_any_order() {
    for order in [
        ["idp-rsa2048", "idp-rsa2048-next"],
        ["idp-rsa2048-next", "idp-rsa2048"],
    ] {
        let mut trust = TrustSet::new();
        for name in order {
            trust.import(cert(name)).unwrap();
        }
        let old = trust
            .verify(RSA256, MESSAGE, SIG_BY_RSA2048, now(), KeyHint::Any)
            .unwrap();
        assert_eq!(old.certificate, &cert("idp-rsa2048"));
        assert_eq!(old.expiry, ExpiryOutcome::WithinValidity);
        let new = trust
            .verify(RSA256, MESSAGE, &sig_by_rsa2048_b(), now(), KeyHint::Any)
            .unwrap();
        assert_eq!(new.certificate, &cert("idp-rsa2048-next"));
    }
}

#[test]
fn a_signature_no_trusted_key_made_is_refused() {
    let mut trust = TrustSet::new();
    trust.import(cert("idp-rsa2048-next")).unwrap();
    assert_eq!(
        trust.verify(RSA256, MESSAGE, SIG_BY_RSA2048, now(), KeyHint::Any),
        Err(Error::NoTrustedKeyVerifies)
    );
    assert_eq!(
        TrustSet::new()
            .verify(RSA256, MESSAGE, SIG_BY_RSA2048, now(), KeyHint::Any)
            .unwrap_err()
            .code(),
        "no_trusted_key_verifies"
    );
}

#[test]
fn hints_only_select_among_trusted_certificates() {
    let mut trust = TrustSet::new();
    trust.import(cert("idp-rsa2048")).unwrap();
    trust.import(cert("idp-rsa2048-next")).unwrap();
    let wanted = cert("idp-rsa2048");
    let by_der = trust
        .verify(
            RSA256,
            MESSAGE,
            SIG_BY_RSA2048,
            now(),
            KeyHint::CertificateDer(wanted.der()),
        )
        .unwrap();
    assert_eq!(by_der.certificate, &wanted);
    let by_spki = trust
        .verify(
            RSA256,
            MESSAGE,
            SIG_BY_RSA2048,
            now(),
            KeyHint::SpkiDer(wanted.public_key().spki_der()),
        )
        .unwrap();
    assert_eq!(by_spki.certificate, &wanted);
    // Pointing at the other trusted certificate does not fall back to the right one.
    let other = cert("idp-rsa2048-next");
    assert_eq!(
        trust.verify(
            RSA256,
            MESSAGE,
            SIG_BY_RSA2048,
            now(),
            KeyHint::CertificateDer(other.der())
        ),
        Err(Error::NoTrustedKeyVerifies)
    );
    // A certificate the document carries but we do not trust selects nothing, even if its
    // key made the signature: KeyInfo is never a source of trust.
    let untrusted = cert("sha1-signed"); // same key as idp-rsa2048, not imported
    assert_eq!(
        trust.verify(
            RSA256,
            MESSAGE,
            SIG_BY_RSA2048,
            now(),
            KeyHint::CertificateDer(untrusted.der())
        ),
        Err(Error::NoMatchingTrustedKey)
    );
}

#[test]
fn expired_certificates_are_refused_unless_the_policy_says_otherwise() {
    let mut trust = TrustSet::new();
    trust.import(cert("expired")).unwrap();
    let sig = sig_by_rsa2048_b();
    assert_eq!(
        trust
            .verify(RSA256, MESSAGE, &sig, now(), KeyHint::Any)
            .unwrap_err()
            .code(),
        "certificate_expired"
    );
    trust.set_expiry_policy(ExpiryPolicy::Warn);
    let warned = trust
        .verify(RSA256, MESSAGE, &sig, now(), KeyHint::Any)
        .unwrap();
    assert_eq!(
        warned.expiry.clone(),
        ExpiryOutcome::Warned(Error::CertificateExpired {
            not_after: Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap(),
        })
    );
    trust.set_expiry_policy(ExpiryPolicy::Ignore);
    assert_eq!(
        trust
            .verify(RSA256, MESSAGE, &sig, now(), KeyHint::Any)
            .unwrap()
            .expiry,
        ExpiryOutcome::Ignored
    );
}

#[test]
fn the_policy_is_evaluated_per_certificate() {
    // The same key in an expired and a current certificate: the current one verifies.
    let mut trust = TrustSet::new();
    trust.import(cert("expired")).unwrap();
    trust.import(cert("idp-rsa2048-next")).unwrap();
    let verified = trust
        .verify(RSA256, MESSAGE, &sig_by_rsa2048_b(), now(), KeyHint::Any)
        .unwrap();
    assert_eq!(verified.certificate, &cert("idp-rsa2048-next"));
    assert_eq!(verified.expiry, ExpiryOutcome::WithinValidity);
}

#[test]
fn sha1_needs_the_named_legacy_call() {
    let mut trust = TrustSet::new();
    trust.import(cert("idp-rsa2048")).unwrap();
    assert_eq!(
        trust
            .verify(
                SignatureAlgorithm::RsaPkcs1Sha1,
                MESSAGE,
                SHA1_SIG_BY_RSA2048,
                now(),
                KeyHint::Any
            )
            .unwrap_err()
            .code(),
        "algorithm_not_allowed"
    );
    let verified = trust
        .verify_legacy_sha1(MESSAGE, SHA1_SIG_BY_RSA2048, now(), KeyHint::Any)
        .unwrap();
    assert_eq!(verified.certificate, &cert("idp-rsa2048"));
}

#[test]
fn ec_and_rsa_certificates_live_side_by_side() {
    let mut trust = TrustSet::new();
    trust.import(cert("idp-rsa2048")).unwrap();
    trust.import(cert("p256")).unwrap();
    let ec = trust
        .verify(
            SignatureAlgorithm::EcdsaP256Sha256,
            MESSAGE,
            SIG_BY_P256,
            now(),
            KeyHint::Any,
        )
        .unwrap();
    assert_eq!(ec.certificate, &cert("p256"));
    trust
        .verify(RSA256, MESSAGE, SIG_BY_RSA2048, now(), KeyHint::Any)
        .unwrap();
    // Only an EC key trusted: an RSA signature gets the mismatch error.
    let mut only_ec = TrustSet::new();
    only_ec.import(cert("p256")).unwrap();
    assert_eq!(
        only_ec
            .verify(RSA256, MESSAGE, SIG_BY_RSA2048, now(), KeyHint::Any)
            .unwrap_err()
            .code(),
        "algorithm_key_mismatch"
    );
}

#[test]
fn imports_refuse_duplicates_and_small_keys() {
    let mut trust = TrustSet::new();
    trust.import(cert("idp-rsa2048")).unwrap();
    assert_eq!(
        trust.import(cert("idp-rsa2048")),
        Err(Error::DuplicateCertificate)
    );
    assert_eq!(
        trust.import(cert("rsa1024")).unwrap_err().code(),
        "rsa_key_too_small"
    );
    assert_eq!(trust.len(), 1);
    let mut legacy = TrustSet::with_provider(fedkit_certs::danger::legacy_rsa_1024_provider());
    legacy.import(cert("rsa1024")).unwrap();
}

#[test]
fn the_last_valid_certificate_cannot_be_removed() {
    let mut trust = TrustSet::new();
    trust.import(cert("expired")).unwrap();
    trust.import(cert("idp-rsa2048")).unwrap();
    let valid = cert("idp-rsa2048");
    assert_eq!(
        trust.remove(valid.sha256_fingerprint(), now()),
        Err(Error::LastValidCertificate)
    );
    trust.import(cert("idp-rsa2048-next")).unwrap();
    assert_eq!(
        trust.remove(valid.sha256_fingerprint(), now()).unwrap(),
        valid
    );
    assert_eq!(
        trust
            .remove(cert("expired").sha256_fingerprint(), now())
            .unwrap(),
        cert("expired")
    );
    assert_eq!(
        trust.remove(valid.sha256_fingerprint(), now()),
        Err(Error::CertificateNotFound)
    );
    assert_eq!(
        trust.certificates().collect::<Vec<_>>(),
        [&cert("idp-rsa2048-next")]
    );
}

#[test]
fn the_trust_set_round_trips_through_serde() {
    let mut trust = TrustSet::new();
    trust.import(cert("idp-rsa2048")).unwrap();
    trust.import(cert("p256")).unwrap();
    trust.set_expiry_policy(ExpiryPolicy::Warn);
    let json = serde_json::to_value(&trust).unwrap();
    assert_eq!(json["expiry_policy"], "warn");
    assert_eq!(json["certificates"][0], cert("idp-rsa2048").to_base64());
    let back: TrustSet = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, trust);
    back.verify(RSA256, MESSAGE, SIG_BY_RSA2048, now(), KeyHint::Any)
        .unwrap();
    let mut duplicated = json;
    duplicated["certificates"][1] = duplicated["certificates"][0].clone();
    assert!(serde_json::from_value::<TrustSet>(duplicated).is_err());
}
