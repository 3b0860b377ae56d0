//! CertificateSet: every rotation rule of AWS IAM Identity Center's per-application
//! certificates (research/certs-and-crates.md §1.1), including each refusal.

#[path = "support/fixtures.rs"]
mod fixtures;
#[path = "support/rng.rs"]
mod rng;

use chrono::{DateTime, TimeZone, Utc};
use fedkit_certs::{
    Certificate, CertificateSet, DigestAlgorithm, Error, MetadataPublication, PrivateKey,
    SignatureAlgorithm, SigningCredential, default_provider,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 0, 0, 0).unwrap()
}

fn credential(cert: &str, key: &str) -> SigningCredential {
    let key = PrivateKey::from_pem(std::str::from_utf8(fixtures::file(key)).unwrap()).unwrap();
    SigningCredential::new(key, Certificate::parse(fixtures::file(cert)).unwrap()).unwrap()
}

fn current() -> SigningCredential {
    credential("idp-rsa2048.pem", "rsa2048.key.pem")
}

fn next() -> SigningCredential {
    credential("idp-rsa2048-next.pem", "rsa2048-b.key.pem")
}

fn expired() -> SigningCredential {
    credential("expired.pem", "rsa2048-b.key.pem")
}

fn fp(c: &SigningCredential) -> fedkit_certs::Fingerprint {
    c.certificate().sha256_fingerprint().clone()
}

#[test]
fn the_first_certificate_is_active_and_signs() {
    let set = CertificateSet::new(current());
    assert_eq!(set.len(), 1);
    assert_eq!(set.max_certificates(), 2);
    assert_eq!(set.active(), &current());
    let signer = set.active().signing_key(default_provider()).unwrap();
    let mut rng = rng::TestRng::new(20);
    let sig = signer
        .sign(SignatureAlgorithm::RsaPkcs1Sha256, b"m", &mut rng)
        .unwrap();
    default_provider()
        .verifying_key(current().certificate().public_key())
        .unwrap()
        .verify(SignatureAlgorithm::RsaPkcs1Sha256, b"m", &sig)
        .unwrap();
}

#[test]
fn a_new_certificate_starts_inactive() {
    let mut set = CertificateSet::new(current());
    let added = set.add(next()).unwrap();
    assert_eq!(added, fp(&next()));
    assert_eq!(set.active(), &current());
    let flags: Vec<bool> = set.iter().map(|(_, active)| active).collect();
    assert_eq!(flags, [true, false]);
    assert_eq!(set.inactive().collect::<Vec<_>>(), [&next()]);
}

#[test]
fn at_most_two_by_default_and_the_limit_is_configurable() {
    let mut set = CertificateSet::new(current());
    set.add(next()).unwrap();
    let before = set.clone();
    assert_eq!(
        set.add(expired()),
        Err(Error::CertificateSetFull { limit: 2 })
    );
    assert_eq!(set, before, "a refused add changes nothing");

    let mut three = CertificateSet::with_max_certificates(current(), 3).unwrap();
    three.add(next()).unwrap();
    three.add(expired()).unwrap();
    assert_eq!(three.len(), 3);
    let fourth = credential("p256.pem", "p256.key.pem");
    assert_eq!(
        three.add(fourth),
        Err(Error::CertificateSetFull { limit: 3 })
    );

    let mut one = CertificateSet::with_max_certificates(current(), 1).unwrap();
    assert_eq!(one.add(next()).unwrap_err().code(), "certificate_set_full");
    assert!(CertificateSet::with_max_certificates(current(), 0).is_err());
}

#[test]
fn the_same_certificate_cannot_be_added_twice() {
    let mut set = CertificateSet::new(current());
    assert_eq!(set.add(current()), Err(Error::DuplicateCertificate));
}

#[test]
fn a_key_must_belong_to_its_certificate() {
    let wrong_key =
        PrivateKey::from_pem(std::str::from_utf8(fixtures::file("rsa2048-b.key.pem")).unwrap())
            .unwrap();
    let cert = Certificate::parse(fixtures::file("idp-rsa2048.pem")).unwrap();
    assert_eq!(
        SigningCredential::new(wrong_key, cert),
        Err(Error::KeyCertificateMismatch)
    );
}

#[test]
fn activation_switches_in_one_step_and_leaves_exactly_one_active() {
    let mut set = CertificateSet::new(current());
    set.add(next()).unwrap();
    set.activate(&fp(&next()), now()).unwrap();
    assert_eq!(set.active(), &next());
    assert_eq!(set.inactive().collect::<Vec<_>>(), [&current()]);
    assert_eq!(set.iter().filter(|(_, active)| *active).count(), 1);
    // Activating the active one is a no-op; switching back works.
    set.activate(&fp(&next()), now()).unwrap();
    assert_eq!(set.active(), &next());
    set.activate(&fp(&current()), now()).unwrap();
    assert_eq!(set.active(), &current());
    // A SHA-1 fingerprint finds the certificate too.
    let sha1 = next().certificate().fingerprint(DigestAlgorithm::Sha1);
    set.activate(&sha1, now()).unwrap();
    assert_eq!(set.active(), &next());
}

#[test]
fn certificates_outside_their_validity_cannot_be_activated() {
    let mut set = CertificateSet::with_max_certificates(current(), 3).unwrap();
    set.add(expired()).unwrap();
    set.add(credential("not-yet-valid.pem", "rsa2048-b.key.pem"))
        .unwrap();
    let before = set.clone();
    assert_eq!(
        set.activate(&fp(&expired()), now()).unwrap_err().code(),
        "certificate_expired"
    );
    let future = Certificate::parse(fixtures::file("not-yet-valid.pem")).unwrap();
    assert_eq!(
        set.activate(future.sha256_fingerprint(), now())
            .unwrap_err()
            .code(),
        "certificate_not_yet_valid"
    );
    assert_eq!(set, before);
}

#[test]
fn unknown_fingerprints_are_not_found() {
    let mut set = CertificateSet::new(current());
    assert_eq!(
        set.activate(&fp(&next()), now()),
        Err(Error::CertificateNotFound)
    );
    assert_eq!(
        set.remove(&fp(&next()), now()),
        Err(Error::CertificateNotFound)
    );
    assert!(set.get(&fp(&next())).is_none());
    assert_eq!(set.get(&fp(&current())), Some(&current()));
}

#[test]
fn only_an_inactive_certificate_can_be_removed() {
    let mut set = CertificateSet::new(current());
    set.add(next()).unwrap();
    assert_eq!(
        set.remove(&fp(&current()), now()),
        Err(Error::CannotRemoveActive)
    );
    assert_eq!(set.remove(&fp(&next()), now()).unwrap(), next());
    assert_eq!(set.len(), 1);
    // The lone active certificate can never go.
    assert_eq!(
        set.remove(&fp(&current()), now()),
        Err(Error::CannotRemoveActive)
    );
}

#[test]
fn the_last_valid_certificate_cannot_be_removed() {
    // The active certificate has expired; the inactive one is the only valid one left.
    let mut set = CertificateSet::new(expired());
    set.add(current()).unwrap();
    let before = set.clone();
    assert_eq!(
        set.remove(&fp(&current()), now()),
        Err(Error::LastValidCertificate)
    );
    assert_eq!(set, before);
    // Once it is active, the expired one can be removed.
    set.activate(&fp(&current()), now()).unwrap();
    assert_eq!(set.remove(&fp(&expired()), now()).unwrap(), expired());
}

#[test]
fn an_expired_inactive_certificate_can_be_removed() {
    let mut set = CertificateSet::new(current());
    set.add(expired()).unwrap();
    assert_eq!(set.remove(&fp(&expired()), now()).unwrap(), expired());
}

#[test]
fn metadata_publishes_the_active_or_the_active_and_next() {
    let mut set = CertificateSet::new(current());
    set.add(next()).unwrap();
    assert_eq!(
        set.metadata_certificates(MetadataPublication::ActiveOnly),
        [current().certificate()]
    );
    assert_eq!(
        set.metadata_certificates(MetadataPublication::ActiveAndNext),
        [current().certificate(), next().certificate()]
    );
    set.activate(&fp(&next()), now()).unwrap();
    assert_eq!(
        set.metadata_certificates(MetadataPublication::ActiveAndNext),
        [next().certificate(), current().certificate()]
    );
}

#[test]
fn the_set_round_trips_through_serde() {
    let mut set = CertificateSet::new(current());
    set.add(next()).unwrap();
    set.activate(&fp(&next()), now()).unwrap();
    let json = serde_json::to_value(&set).unwrap();
    assert_eq!(json["max_certificates"], 2);
    assert_eq!(json["entries"][0]["active"], true);
    assert_eq!(json["entries"][1]["active"], false);
    let back: CertificateSet = serde_json::from_value(json).unwrap();
    assert_eq!(back, set);
    assert_eq!(back.active(), &next());
}

#[test]
fn stored_sets_that_break_the_rules_are_refused() {
    let mut set = CertificateSet::new(current());
    set.add(next()).unwrap();
    let good = serde_json::to_value(&set).unwrap();
    let broken = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut value = good.clone();
        edit(&mut value);
        serde_json::from_value::<CertificateSet>(value)
            .unwrap_err()
            .to_string()
    };
    assert!(broken(&|v| v["entries"][1]["active"] = true.into()).contains("more than one active"));
    assert!(broken(&|v| v["entries"][0]["active"] = false.into()).contains("no active entry"));
    assert!(broken(&|v| v["max_certificates"] = 1.into()).contains("more entries than"));
    assert!(broken(&|v| v["max_certificates"] = 0.into()).contains("max_certificates is 0"));
    assert!(broken(&|v| v["entries"][1] = v["entries"][0].clone()).contains("active"));
    assert!(
        broken(&|v| {
            v["entries"][1]["active"] = false.into();
            v["entries"][1]["certificate"] = v["entries"][0]["certificate"].clone();
            v["entries"][1]["private_key"] = v["entries"][0]["private_key"].clone();
        })
        .contains("duplicate")
    );
    assert!(
        broken(&|v| v["entries"][0]["private_key"] = v["entries"][1]["private_key"].clone())
            .contains("does not match")
    );
    assert!(broken(&|v| v["entries"][0]["private_key"] = "%%%".into()).contains("base64"));
}
