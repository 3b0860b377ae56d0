//! certs: certificate and key loading, fingerprints, and raw signing and verification through
//! each crypto backend of the build (`fedkit(rustcrypto)`; `fedkit(aws-lc)` too with
//! `--features aws-lc`), on the peers' RSA-2048 key and certificate
//! (`../shared/peers/fixtures/`). Figure names follow `../shared/peers/README.md` (`cert.load`,
//! `cert.load+fields`, `key.load`, `rsa2048.sign`, `rsa2048.verify`: PKCS#1 v1.5 SHA-256 over a
//! 32-byte message, key loaded once); peer figures to beat are in `../shared/research/perf.md`.
//! `cert.parse+fingerprint` is the metadata path: bare base64 in, SHA-256 colon-hex out.

use fedkit_benches::BenchRng;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fedkit_certs::{
    Certificate, CryptoProvider, DigestAlgorithm, Fingerprint, PrivateKey, SignatureAlgorithm,
    default_provider,
};

const KEY_PEM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/peers/fixtures/key.pem"
));
const CERT_PEM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/peers/fixtures/cert.pem"
));
const CERT_DER: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/peers/fixtures/cert.der"
));
const EC_KEY_PEM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../crates/certs/tests/data/p256.key.pem"
));

fn loading(c: &mut Criterion) {
    let base64 = Certificate::from_der(CERT_DER)
        .expect("fixture")
        .to_base64();
    c.bench_function("cert.load/fedkit(X509 PEM)", |b| {
        b.iter(|| Certificate::parse(black_box(CERT_PEM)).expect("parse"))
    });
    c.bench_function("cert.load+fields/fedkit(X509 DER)", |b| {
        b.iter(|| {
            let cert = Certificate::from_der(black_box(CERT_DER)).expect("parse");
            black_box((
                cert.subject().len(),
                cert.not_after(),
                cert.public_key().bits(),
            ))
        })
    });
    c.bench_function("cert.parse+fingerprint/fedkit(bare base64, SHA-256)", |b| {
        b.iter(|| {
            let cert = Certificate::parse(black_box(base64.as_bytes())).expect("parse");
            cert.sha256_fingerprint().to_colon_hex()
        })
    });
    c.bench_function("cert.fingerprint/fedkit(SHA-1 of DER)", |b| {
        b.iter(|| Fingerprint::of(DigestAlgorithm::Sha1, black_box(CERT_DER)))
    });
    c.bench_function("key.load/fedkit(PKCS#8 PEM)", |b| {
        b.iter(|| PrivateKey::from_pem(black_box(KEY_PEM)).expect("key"))
    });
}

/// The crypto backends of this build, as the figures name them.
fn backends() -> Vec<(&'static str, &'static dyn CryptoProvider)> {
    #[allow(unused_mut)]
    let mut backends = vec![("fedkit(rustcrypto)", default_provider())];
    #[cfg(feature = "aws-lc")]
    backends.push(("fedkit(aws-lc)", fedkit_certs::aws_lc_provider()));
    backends
}

fn signatures(c: &mut Criterion) {
    for (backend, provider) in backends() {
        signatures_with(c, backend, provider);
    }
}

fn signatures_with(c: &mut Criterion, backend: &str, provider: &dyn CryptoProvider) {
    let message = [0x5a_u8; 32];
    let mut rng = BenchRng(1);
    let rsa = PrivateKey::from_pem(KEY_PEM).expect("fixture key");
    let rsa_verifying = provider
        .verifying_key(Certificate::parse(CERT_PEM).expect("cert").public_key())
        .expect("verifying key");
    let rsa_signing = provider.signing_key(&rsa).expect("signing key");
    let ec = PrivateKey::from_pem(EC_KEY_PEM).expect("ec key");
    let ec_signing = provider.signing_key(&ec).expect("ec signing key");
    let ec_verifying = provider
        .verifying_key(ec.public_key())
        .expect("ec verifying key");

    for (figure, alg, signing, verifying) in [
        (
            "rsa2048",
            SignatureAlgorithm::RsaPkcs1Sha256,
            &rsa_signing,
            &rsa_verifying,
        ),
        (
            "rsa2048-pss",
            SignatureAlgorithm::RsaPssSha256,
            &rsa_signing,
            &rsa_verifying,
        ),
        (
            "ecdsa-p256",
            SignatureAlgorithm::EcdsaP256Sha256,
            &ec_signing,
            &ec_verifying,
        ),
    ] {
        let signature = signing.sign(alg, &message, &mut rng).expect("sign");
        c.bench_function(&format!("{figure}.sign/{backend}"), |b| {
            b.iter(|| {
                signing
                    .sign(alg, black_box(&message), &mut rng)
                    .expect("sign")
            })
        });
        c.bench_function(&format!("{figure}.verify/{backend}"), |b| {
            b.iter(|| {
                verifying
                    .verify(alg, black_box(&message), black_box(&signature))
                    .expect("verify")
            })
        });
    }
}

fn digests(c: &mut Criterion) {
    let data = vec![0x5a_u8; 1024];
    let mut group = c.benchmark_group("sha256.1024B");
    group.throughput(Throughput::Bytes(data.len() as u64));
    for (backend, provider) in backends() {
        group.bench_function(backend, |b| {
            b.iter(|| provider.digest_bytes(DigestAlgorithm::Sha256, black_box(&data)))
        });
    }
    group.finish();
}

criterion_group!(benches, loading, signatures, digests);
criterion_main!(benches);
