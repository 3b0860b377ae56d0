//! The crypto provider against openssl: signatures openssl made (data/message.*.sig, see
//! data/make-fixtures.sh) verify with ours, our deterministic ones equal openssl's byte for
//! byte, and the refusals (SHA-1, wrong key kind, small keys) are the documented errors. Every
//! test runs against every provider of the build (support/providers.rs): RustCrypto, and AWS-LC
//! with `--features aws-lc`.

#[path = "support/providers.rs"]
mod providers;
#[path = "support/rng.rs"]
mod rng;

use fedkit_certs::{
    CryptoProvider, DigestAlgorithm, Error, PrivateKey, PublicKey, SignatureAlgorithm, danger,
    default_provider,
};

const MESSAGE: &[u8] = include_bytes!("data/message.txt");
const RSA_KEY: &str = include_str!("data/rsa2048.key.pem");
const RSA_KEY_B: &str = include_str!("data/rsa2048-b.key.pem");
const RSA1024_KEY: &str = include_str!("data/rsa1024.key.pem");
const EC_KEY: &str = include_str!("data/p256.key.pem");

const OPENSSL_SIGNATURES: [(SignatureAlgorithm, &[u8]); 7] = [
    (
        SignatureAlgorithm::RsaPkcs1Sha256,
        include_bytes!("data/message.rsa-sha256.sig"),
    ),
    (
        SignatureAlgorithm::RsaPkcs1Sha384,
        include_bytes!("data/message.rsa-sha384.sig"),
    ),
    (
        SignatureAlgorithm::RsaPkcs1Sha512,
        include_bytes!("data/message.rsa-sha512.sig"),
    ),
    (
        SignatureAlgorithm::RsaPssSha256,
        include_bytes!("data/message.rsa-pss-sha256.sig"),
    ),
    (
        SignatureAlgorithm::RsaPssSha384,
        include_bytes!("data/message.rsa-pss-sha384.sig"),
    ),
    (
        SignatureAlgorithm::RsaPssSha512,
        include_bytes!("data/message.rsa-pss-sha512.sig"),
    ),
    (
        SignatureAlgorithm::EcdsaP256Sha256,
        include_bytes!("data/message.ecdsa-p256-sha256.sig"),
    ),
];
const OPENSSL_RSA_SHA1: &[u8] = include_bytes!("data/message.rsa-sha1.sig");

fn key_for(alg: SignatureAlgorithm) -> PrivateKey {
    PrivateKey::from_pem(if alg == SignatureAlgorithm::EcdsaP256Sha256 {
        EC_KEY
    } else {
        RSA_KEY
    })
    .unwrap()
}

/// The conformance suite every backend must pass.
fn conformance(provider: &dyn CryptoProvider) {
    let mut rng = rng::TestRng::new(3);
    for (alg, openssl_sig) in OPENSSL_SIGNATURES {
        let key = key_for(alg);
        let verifier = provider.verifying_key(key.public_key()).unwrap();
        verifier
            .verify(alg, MESSAGE, openssl_sig)
            .unwrap_or_else(|e| panic!("openssl's {alg:?} signature: {e:?}"));

        let signer = provider.signing_key(&key).unwrap();
        let ours = signer.sign(alg, MESSAGE, &mut rng).unwrap();
        verifier.verify(alg, MESSAGE, &ours).unwrap();
        if matches!(
            alg,
            SignatureAlgorithm::RsaPkcs1Sha256
                | SignatureAlgorithm::RsaPkcs1Sha384
                | SignatureAlgorithm::RsaPkcs1Sha512
        ) {
            assert_eq!(ours, openssl_sig, "{alg:?}: PKCS#1 v1.5 is deterministic");
        }
        assert_eq!(signer.public_key(), key.public_key());

        // Any change to message or signature is caught.
        let mut tampered = MESSAGE.to_vec();
        tampered[5] ^= 1;
        assert_eq!(
            verifier.verify(alg, &tampered, &ours),
            Err(Error::SignatureInvalid)
        );
        let mut bad_sig = ours.clone();
        bad_sig[10] ^= 0x80;
        assert_eq!(
            verifier.verify(alg, MESSAGE, &bad_sig),
            Err(Error::SignatureInvalid)
        );
        assert_eq!(
            verifier.verify(alg, MESSAGE, &[]),
            Err(Error::SignatureInvalid)
        );
        assert_eq!(
            verifier.verify(alg, MESSAGE, &vec![0xff; 1024]),
            Err(Error::SignatureInvalid)
        );
    }
}

#[test]
fn rust_crypto_passes_the_conformance_suite() {
    conformance(default_provider());
}

#[cfg(feature = "aws-lc")]
#[test]
fn aws_lc_passes_the_conformance_suite() {
    conformance(fedkit_certs::aws_lc_provider());
}

#[test]
fn another_rsa_key_does_not_verify() {
    for (name, provider) in providers::all() {
        let other = PrivateKey::from_pem(RSA_KEY_B).unwrap();
        let verifier = provider.verifying_key(other.public_key()).unwrap();
        let (alg, sig) = OPENSSL_SIGNATURES[0];
        assert_eq!(
            verifier.verify(alg, MESSAGE, sig),
            Err(Error::SignatureInvalid),
            "{name}"
        );
    }
}

#[test]
fn sha1_verifies_only_through_the_named_legacy_entry_point() {
    for (name, provider) in providers::all() {
        sha1_legacy_only(name, provider);
    }
}

fn sha1_legacy_only(name: &str, provider: &dyn CryptoProvider) {
    let key = PrivateKey::from_pem(RSA_KEY).unwrap();
    let verifier = provider.verifying_key(key.public_key()).unwrap();
    assert_eq!(
        verifier.verify(SignatureAlgorithm::RsaPkcs1Sha1, MESSAGE, OPENSSL_RSA_SHA1),
        Err(Error::AlgorithmNotAllowed {
            algorithm: "rsa-sha1"
        }),
        "{name}"
    );
    verifier
        .verify_legacy_sha1(MESSAGE, OPENSSL_RSA_SHA1)
        .unwrap();
    assert_eq!(
        verifier.verify_legacy_sha1(b"other", OPENSSL_RSA_SHA1),
        Err(Error::SignatureInvalid),
        "{name}"
    );
    // Never for signing.
    let signer = provider.signing_key(&key).unwrap();
    let mut rng = rng::TestRng::new(4);
    assert_eq!(
        signer
            .sign(SignatureAlgorithm::RsaPkcs1Sha1, MESSAGE, &mut rng)
            .unwrap_err()
            .code(),
        "algorithm_not_allowed",
        "{name}"
    );
}

#[test]
fn algorithm_must_fit_the_key() {
    for (name, provider) in providers::all() {
        algorithm_fits_key(name, provider);
    }
}

fn algorithm_fits_key(name: &str, provider: &dyn CryptoProvider) {
    let ec = PrivateKey::from_pem(EC_KEY).unwrap();
    let rsa = PrivateKey::from_pem(RSA_KEY).unwrap();
    let mut rng = rng::TestRng::new(5);
    let ec_verifier = provider.verifying_key(ec.public_key()).unwrap();
    let err = ec_verifier
        .verify(
            SignatureAlgorithm::RsaPkcs1Sha256,
            MESSAGE,
            OPENSSL_SIGNATURES[0].1,
        )
        .unwrap_err();
    assert_eq!(
        err,
        Error::AlgorithmKeyMismatch {
            algorithm: "rsa-sha256",
            key: "EC P-256"
        },
        "{name}"
    );
    assert_eq!(err.code(), "algorithm_key_mismatch");
    let rsa_verifier = provider.verifying_key(rsa.public_key()).unwrap();
    assert_eq!(
        rsa_verifier
            .verify(SignatureAlgorithm::EcdsaP256Sha256, MESSAGE, &[0; 64])
            .unwrap_err()
            .code(),
        "algorithm_key_mismatch",
        "{name}"
    );
    assert_eq!(
        ec_verifier
            .verify_legacy_sha1(MESSAGE, OPENSSL_RSA_SHA1)
            .unwrap_err()
            .code(),
        "algorithm_key_mismatch",
        "{name}"
    );
    let ec_signer = provider.signing_key(&ec).unwrap();
    for rsa_only in [
        SignatureAlgorithm::RsaPssSha256,
        SignatureAlgorithm::RsaPkcs1Sha256,
    ] {
        assert_eq!(
            ec_signer
                .sign(rsa_only, MESSAGE, &mut rng)
                .unwrap_err()
                .code(),
            "algorithm_key_mismatch",
            "{name} {rsa_only:?}"
        );
    }
    let rsa_signer = provider.signing_key(&rsa).unwrap();
    assert_eq!(
        rsa_signer
            .sign(SignatureAlgorithm::EcdsaP256Sha256, MESSAGE, &mut rng)
            .unwrap_err()
            .code(),
        "algorithm_key_mismatch",
        "{name}"
    );
}

#[test]
fn rsa_keys_under_2048_bits_need_the_danger_provider() {
    let small = PrivateKey::from_pem(RSA1024_KEY).unwrap();
    for (name, provider) in providers::all() {
        assert_eq!(
            provider.verifying_key(small.public_key()).unwrap_err(),
            Error::RsaKeyTooSmall {
                bits: 1024,
                minimum: 2048
            },
            "{name}"
        );
        assert_eq!(
            provider.signing_key(&small).unwrap_err().code(),
            "rsa_key_too_small",
            "{name}"
        );
    }
    let legacy = danger::legacy_rsa_1024_provider();
    let mut rng = rng::TestRng::new(6);
    let sig = legacy
        .signing_key(&small)
        .unwrap()
        .sign(SignatureAlgorithm::RsaPkcs1Sha256, MESSAGE, &mut rng)
        .unwrap();
    legacy
        .verifying_key(small.public_key())
        .unwrap()
        .verify(SignatureAlgorithm::RsaPkcs1Sha256, MESSAGE, &sig)
        .unwrap();
}

#[test]
fn digests_match_the_fips_180_examples_streamed_or_not() {
    // FIPS 180-2 Appendix examples for the message "abc".
    let cases = [
        (
            DigestAlgorithm::Sha1,
            "a9993e364706816aba3e25717850c26c9cd0d89d",
        ),
        (
            DigestAlgorithm::Sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            DigestAlgorithm::Sha384,
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
        ),
        (
            DigestAlgorithm::Sha512,
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        ),
    ];
    for (name, provider) in providers::all() {
        for (alg, hex) in cases {
            let one_shot = provider.digest_bytes(alg, b"abc");
            let got: String = one_shot.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(got, hex, "{name} {alg:?}");
            assert_eq!(one_shot.len(), alg.output_len());
            let mut streamed = provider.digest(alg);
            assert_eq!(streamed.algorithm(), alg);
            streamed.update(b"a");
            streamed.update(b"");
            streamed.update(b"bc");
            assert_eq!(streamed.finish(), one_shot, "{name} {alg:?}");
        }
    }
}

#[test]
fn public_key_objects_are_loaded_once_and_reused() {
    let key = PublicKey::from_pem(include_str!("data/rsa2048.pub.pem")).unwrap();
    for (name, provider) in providers::all() {
        let verifier = provider.verifying_key(&key).unwrap();
        for _ in 0..2 {
            for (alg, sig) in &OPENSSL_SIGNATURES[..6] {
                verifier
                    .verify(*alg, MESSAGE, sig)
                    .unwrap_or_else(|e| panic!("{name} {alg:?}: {e:?}"));
            }
        }
        assert_eq!(verifier.public_key(), &key);
    }
}
