//! saml: the SP's one call from the base64 POST field to a `VerifiedAssertion` for a ~5 KB
//! response, and the IdP's build + sign of one, each beside the raw RSA-2048 PKCS#1 v1.5
//! SHA-256 verify / sign measured in the same run, so the SAML and XML overhead is visible.

use fedkit_benches::BenchRng;
use std::hint::black_box;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use fedkit_certs::{
    Certificate, PrivateKey, SignatureAlgorithm, SigningCredential, TrustSet, default_provider,
};
use fedkit_saml::names::NAMEID_EMAIL;
use fedkit_saml::{
    Attribute, IdentityProvider, InMemoryReplayCache, InMemoryRequestTracker, NameId,
    ResponseParams, ServiceProvider, encode_post,
};

const KEY_PEM: &str = include_str!("../../crates/saml/tests/data/keys/idp.key.pem");
const CERT_PEM: &str = include_str!("../../crates/saml/tests/data/keys/idp.cert.pem");
const SP: &str = "https://sp.example.com/metadata";
const ACS: &str = "https://sp.example.com/acs";
const IDP: &str = "https://idp.example.com/metadata";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0)
        .single()
        .expect("date")
}

/// The issue's figure is for a ~5 KB response: `attributes` PrincipalTag attributes, as an IdP
/// sends for a console sign-in; `bench` picks the count that keeps the signed response within 5 KiB.
fn params(attributes: usize) -> ResponseParams {
    let mut p = ResponseParams::new(ACS, SP, NameId::new("alice@example.com", NAMEID_EMAIL));
    p.in_response_to = Some("_req1".to_owned());
    for i in 0..attributes {
        p.attributes.push(Attribute::strings(
            format!("https://aws.amazon.com/SAML/Attributes/PrincipalTag:tag{i}"),
            [format!("value-{i}-abcdefghijklmnopqrstuvwxyz")],
        ));
    }
    p
}

fn bench(c: &mut Criterion) {
    let key = PrivateKey::from_pem(KEY_PEM).expect("key");
    let cert = Certificate::parse(CERT_PEM).expect("cert");
    let credential = SigningCredential::new(key.clone(), cert.clone()).expect("credential");
    let idp = IdentityProvider::new(IDP, &credential, default_provider()).expect("idp");
    let mut trust = TrustSet::new();
    trust.import(cert.clone()).expect("import");
    let sp = ServiceProvider::new(SP, ACS, IDP, trust);
    // The largest attribute count whose signed response stays within 5 KiB.
    let issue = |n: usize| {
        idp.response(&params(n), now(), &mut BenchRng(1))
            .expect("issue")
    };
    let attributes = (0..=64)
        .take_while(|&n| issue(n).len() <= 5 * 1024)
        .last()
        .unwrap_or(0);
    let params = params(attributes);
    let xml = issue(attributes);
    let posted = encode_post(&xml);
    eprintln!(
        "saml: response of {} bytes ({} base64, {attributes} attributes)",
        xml.len(),
        posted.len()
    );

    let mut group = c.benchmark_group("saml");
    group.bench_function("sp.validate_post", |b| {
        b.iter(|| {
            let mut tracker = InMemoryRequestTracker::new();
            tracker.track("_req1", now() + TimeDelta::hours(1));
            let mut replay = InMemoryReplayCache::new();
            black_box(
                sp.validate_post(black_box(&posted), now(), &mut tracker, &mut replay)
                    .expect("valid"),
            )
        })
    });
    let mut rng = BenchRng(2);
    group.bench_function("idp.response_build_and_sign", |b| {
        b.iter(|| {
            black_box(
                idp.response(black_box(&params), now(), &mut rng)
                    .expect("issue"),
            )
        })
    });

    // The raw RSA cost in the same run.
    let provider = default_provider();
    let signing = provider.signing_key(&key).expect("signing key");
    let verifying = provider
        .verifying_key(cert.public_key())
        .expect("verifying key");
    let message = vec![0x5a_u8; 1024];
    let signature = signing
        .sign(SignatureAlgorithm::RsaPkcs1Sha256, &message, &mut rng)
        .expect("sign");
    group.bench_function("rsa2048.verify", |b| {
        b.iter(|| {
            verifying
                .verify(
                    SignatureAlgorithm::RsaPkcs1Sha256,
                    black_box(&message),
                    &signature,
                )
                .expect("verify")
        })
    });
    group.bench_function("rsa2048.sign", |b| {
        b.iter(|| {
            black_box(
                signing
                    .sign(
                        SignatureAlgorithm::RsaPkcs1Sha256,
                        black_box(&message),
                        &mut rng,
                    )
                    .expect("sign"),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
