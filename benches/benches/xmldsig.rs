//! xmldsig: signing and verifying the peers' 4.2 KB SAML response (`saml.sign`, `saml.verify` in
//! `../shared/peers/README.md`), beside the raw RSA-2048 PKCS#1 v1.5 SHA-256 sign and verify and
//! the SHA-256 of the same bytes, measured in the same run, so the XML overhead is visible.
//! Peer figures to beat are in `../shared/research/perf.md`. Once per crypto backend of the
//! build: group `xmldsig` is RustCrypto, `xmldsig-aws-lc` AWS-LC
//! (`cargo bench -p fedkit-benches --features aws-lc --bench xmldsig` runs both).

use fedkit_benches::BenchRng;
use std::hint::black_box;

use chrono::{DateTime, TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fedkit_certs::{
    Certificate, CryptoProvider, DigestAlgorithm, PrivateKey, SignatureAlgorithm, TrustSet,
    default_provider,
};
use fedkit_xml::Document;
use fedkit_xmldsig::{SignOptions, Verifier, VerifyPolicy, sign_enveloped};

const RESPONSE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/peers/fixtures/response.xml"
));
const RESPONSE_SIGNED: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/peers/fixtures/response_signed.xml"
));
const KEY_PEM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/peers/fixtures/key.pem"
));
const CERT_PEM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/peers/fixtures/cert.pem"
));
const SAML_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";

fn assertion(doc: &Document) -> fedkit_xml::NodeId {
    doc.child_elements(doc.document_element())
        .find(|&n| {
            doc.name(n)
                .is_some_and(|name| name.is(Some(SAML_NS), "Assertion"))
        })
        .expect("fixture has an Assertion")
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0)
        .single()
        .expect("date")
}

/// The crypto backends of this build, by bench group.
fn backends() -> Vec<(&'static str, &'static dyn CryptoProvider)> {
    #[allow(unused_mut)]
    let mut backends = vec![("xmldsig", default_provider())];
    #[cfg(feature = "aws-lc")]
    backends.push(("xmldsig-aws-lc", fedkit_certs::aws_lc_provider()));
    backends
}

fn xmldsig(c: &mut Criterion) {
    for (group, provider) in backends() {
        xmldsig_with(c, group, provider);
    }
}

fn xmldsig_with(c: &mut Criterion, group: &str, provider: &'static dyn CryptoProvider) {
    let key = PrivateKey::from_pem(KEY_PEM).expect("fixture key");
    let signing = provider.signing_key(&key).expect("signing key");
    let certificate = Certificate::parse(CERT_PEM).expect("fixture cert");
    let options = SignOptions {
        certificate: Some(certificate.clone()),
        ..SignOptions::default()
    };
    let mut trust = TrustSet::with_provider(provider);
    trust.import(certificate).expect("trust");
    let policy = VerifyPolicy::default();
    let verifier = Verifier::new(&trust, &policy, provider);
    let mut rng = BenchRng(1);

    let mut group = c.benchmark_group(group);
    group.throughput(Throughput::Elements(1));
    group.bench_function(
        "saml.sign response.xml (parse, sign assertion, write)",
        |b| {
            b.iter(|| {
                let mut doc = Document::parse(black_box(RESPONSE)).expect("parses");
                let target = assertion(&doc);
                sign_enveloped(
                    &mut doc,
                    target,
                    signing.as_ref(),
                    &options,
                    provider,
                    &mut rng,
                )
                .expect("signs");
                doc.to_xml()
            })
        },
    );
    group.bench_function(
        "saml.verify response_signed.xml (parse, verify assertion)",
        |b| {
            b.iter(|| {
                let doc = Document::parse(black_box(RESPONSE_SIGNED)).expect("parses");
                let target = assertion(&doc);
                verifier
                    .verify_enveloped(&doc, target, now())
                    .map(|v| v.element())
                    .expect("verifies")
            })
        },
    );

    // The floor: the same key and bytes without XML.
    let message = RESPONSE;
    let signature = signing
        .sign(SignatureAlgorithm::RsaPkcs1Sha256, message, &mut rng)
        .expect("raw sign");
    let verifying = provider
        .verifying_key(key.public_key())
        .expect("verifying key");
    group.bench_function("raw RSA-2048 SHA-256 sign (4.2 KB)", |b| {
        b.iter(|| {
            signing
                .sign(
                    SignatureAlgorithm::RsaPkcs1Sha256,
                    black_box(message),
                    &mut rng,
                )
                .expect("sign")
        })
    });
    group.bench_function("raw RSA-2048 SHA-256 verify (4.2 KB)", |b| {
        b.iter(|| {
            verifying
                .verify(
                    SignatureAlgorithm::RsaPkcs1Sha256,
                    black_box(message),
                    &signature,
                )
                .expect("verify")
        })
    });
    group.bench_function("raw SHA-256 (4.2 KB)", |b| {
        b.iter(|| provider.digest_bytes(DigestAlgorithm::Sha256, black_box(message)))
    });
    group.finish();
}

criterion_group!(benches, xmldsig);
criterion_main!(benches);
