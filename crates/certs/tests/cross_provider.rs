//! The two providers against each other (`--features aws-lc`): what one signs the other
//! verifies, both ways, for every algorithm fedkit signs with; both make the same bytes from the
//! same key, message and RNG (PKCS#1 v1.5 is deterministic, PSS salts come from the caller's RNG
//! in both, ECDSA is RFC 6979 in both); both give the same answer for any damage done to a good
//! signature; and every digest agrees on any input, however it is fed.

#![cfg(feature = "aws-lc")]

#[path = "support/providers.rs"]
mod providers;
#[path = "support/rng.rs"]
mod rng;

use fedkit_certs::{
    CryptoProvider, DigestAlgorithm, KeyKind, PrivateKey, SignatureAlgorithm, aws_lc_provider,
    default_provider,
};
use proptest::prelude::*;

const MESSAGE: &[u8] = include_bytes!("data/message.txt");

fn key_for(algorithm: SignatureAlgorithm) -> PrivateKey {
    PrivateKey::from_pem(if algorithm.key_kinds() == [KeyKind::EcP256] {
        include_str!("data/p256.key.pem")
    } else {
        include_str!("data/rsa2048.key.pem")
    })
    .unwrap()
}

fn signing_algorithms() -> Vec<SignatureAlgorithm> {
    SignatureAlgorithm::all().filter(|a| a.can_sign()).collect()
}

fn sign(
    provider: &dyn CryptoProvider,
    algorithm: SignatureAlgorithm,
    message: &[u8],
    seed: u64,
) -> Vec<u8> {
    provider
        .signing_key(&key_for(algorithm))
        .unwrap()
        .sign(algorithm, message, &mut rng::TestRng::new(seed))
        .unwrap()
}

#[test]
fn every_signing_algorithm_is_covered() {
    let names: Vec<_> = signing_algorithms().iter().map(|a| a.name()).collect();
    assert_eq!(
        names,
        [
            "rsa-sha256",
            "rsa-sha384",
            "rsa-sha512",
            "rsa-pss-sha256",
            "rsa-pss-sha384",
            "rsa-pss-sha512",
            "ecdsa-p256-sha256"
        ]
    );
    assert_eq!(providers::all().len(), 2);
}

#[test]
fn what_one_provider_signs_the_other_verifies() {
    for algorithm in signing_algorithms() {
        let key = key_for(algorithm);
        for (signer_name, signer) in providers::all() {
            let signature = sign(signer, algorithm, MESSAGE, 11);
            for (verifier_name, verifier) in providers::all() {
                let verifying = verifier.verifying_key(key.public_key()).unwrap();
                verifying
                    .verify(algorithm, MESSAGE, &signature)
                    .unwrap_or_else(|e| {
                        panic!("{algorithm:?} by {signer_name}, verified by {verifier_name}: {e:?}")
                    });
                assert_eq!(
                    verifying
                        .verify(algorithm, b"another message", &signature)
                        .unwrap_err()
                        .code(),
                    "signature_invalid",
                    "{algorithm:?} by {signer_name}, verified by {verifier_name}"
                );
            }
        }
    }
}

#[test]
fn both_providers_make_the_same_signature_from_the_same_rng() {
    for algorithm in signing_algorithms() {
        let rust_crypto = sign(default_provider(), algorithm, MESSAGE, 21);
        let aws_lc = sign(aws_lc_provider(), algorithm, MESSAGE, 21);
        assert_eq!(aws_lc, rust_crypto, "{algorithm:?}");
    }
}

#[test]
fn pss_salts_come_from_the_callers_rng_in_both_providers() {
    for (name, provider) in providers::all() {
        let first = sign(provider, SignatureAlgorithm::RsaPssSha256, MESSAGE, 31);
        let again = sign(provider, SignatureAlgorithm::RsaPssSha256, MESSAGE, 31);
        let other_seed = sign(provider, SignatureAlgorithm::RsaPssSha256, MESSAGE, 32);
        assert_eq!(first, again, "{name}: same RNG, same salt");
        assert_ne!(first, other_seed, "{name}: another RNG, another salt");
    }
}

#[test]
fn a_signing_key_signs_many_messages() {
    // One loaded key, reused: the AWS-LC key pair is parsed once, in signing_key.
    let key = key_for(SignatureAlgorithm::RsaPkcs1Sha256);
    let signer = aws_lc_provider().signing_key(&key).unwrap();
    let verifier = default_provider().verifying_key(key.public_key()).unwrap();
    let mut rng = rng::TestRng::new(41);
    for i in 0..8u8 {
        let message = [MESSAGE, &[i]].concat();
        let signature = signer
            .sign(SignatureAlgorithm::RsaPkcs1Sha256, &message, &mut rng)
            .unwrap();
        verifier
            .verify(SignatureAlgorithm::RsaPkcs1Sha256, &message, &signature)
            .unwrap();
    }
}

const DIGESTS: [DigestAlgorithm; 10] = [
    DigestAlgorithm::Sha1,
    DigestAlgorithm::Sha256,
    DigestAlgorithm::Sha384,
    DigestAlgorithm::Sha512,
    DigestAlgorithm::Sha224,
    DigestAlgorithm::Sha3_224,
    DigestAlgorithm::Sha3_256,
    DigestAlgorithm::Sha3_384,
    DigestAlgorithm::Sha3_512,
    DigestAlgorithm::Ripemd160,
];

proptest! {
    #[test]
    fn digests_agree_however_the_input_is_fed(
        data in proptest::collection::vec(any::<u8>(), 0..600),
        cuts in proptest::collection::vec(any::<usize>(), 0..5),
    ) {
        for algorithm in DIGESTS {
            let expected = default_provider().digest_bytes(algorithm, &data);
            prop_assert_eq!(&aws_lc_provider().digest_bytes(algorithm, &data), &expected);
            let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
            cuts.sort_unstable();
            let mut streamed = aws_lc_provider().digest(algorithm);
            let mut start = 0;
            for cut in cuts.into_iter().chain([data.len()]) {
                streamed.update(&data[start..cut]);
                start = cut;
            }
            prop_assert_eq!(streamed.algorithm(), algorithm);
            prop_assert_eq!(streamed.finish(), expected);
        }
    }
}

/// openssl's signatures over data/message.txt, one per verification path of the aws-lc
/// provider (fixed-width and DER-converted ECDSA, PKCS#1, PSS) and one RustCrypto fallback.
const OPENSSL_SIGNATURES: [(SignatureAlgorithm, &str, &[u8]); 7] = [
    (
        SignatureAlgorithm::RsaPkcs1Sha256,
        include_str!("data/rsa2048.pub.pem"),
        include_bytes!("data/message.rsa-sha256.sig"),
    ),
    (
        SignatureAlgorithm::RsaPssSha256,
        include_str!("data/rsa2048.pub.pem"),
        include_bytes!("data/message.rsa-pss-sha256.sig"),
    ),
    (
        SignatureAlgorithm::EcdsaP256Sha256,
        include_str!("data/p256.pub.pem"),
        include_bytes!("data/message.ecdsa-p256-sha256.sig"),
    ),
    (
        SignatureAlgorithm::EcdsaSha384,
        include_str!("data/p256.pub.pem"),
        include_bytes!("data/message.ecdsa-p256-sha384.sig"),
    ),
    (
        SignatureAlgorithm::EcdsaSha384,
        include_str!("data/p384.pub.pem"),
        include_bytes!("data/message.ecdsa-p384-sha384.sig"),
    ),
    (
        SignatureAlgorithm::EcdsaSha512,
        include_str!("data/p384.pub.pem"),
        include_bytes!("data/message.ecdsa-p384-sha512.sig"),
    ),
    (
        SignatureAlgorithm::EcdsaSha224,
        include_str!("data/p256.pub.pem"),
        include_bytes!("data/message.ecdsa-p256-sha224.sig"),
    ),
];

fn answer(
    provider: &dyn CryptoProvider,
    algorithm: SignatureAlgorithm,
    pem: &str,
    signature: &[u8],
) -> &'static str {
    let key = provider
        .verifying_key(&fedkit_certs::PublicKey::from_pem(pem).unwrap())
        .unwrap();
    let outcome = if algorithm.is_legacy() {
        key.verify_legacy(algorithm, MESSAGE, signature)
    } else {
        key.verify(algorithm, MESSAGE, signature)
    };
    outcome.map_or_else(|e| e.code(), |()| "ok")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A differential check: whatever is done to a good signature (cut to any length, one byte
    /// changed), both providers give the same answer.
    #[test]
    fn verification_answers_agree_on_damaged_signatures(
        which in 0..OPENSSL_SIGNATURES.len(),
        keep in 0usize..600,
        at in any::<usize>(),
        flip in any::<u8>(),
    ) {
        let (algorithm, pem, good) = OPENSSL_SIGNATURES[which];
        prop_assert_eq!(answer(default_provider(), algorithm, pem, good), "ok");
        prop_assert_eq!(answer(aws_lc_provider(), algorithm, pem, good), "ok");
        let mut damaged = good.to_vec();
        damaged.resize(keep % (good.len() + 3), 0);
        if let Some(byte) = damaged.get_mut(at % (good.len() + 1)) {
            *byte ^= flip;
        }
        prop_assert_eq!(
            answer(aws_lc_provider(), algorithm, pem, &damaged),
            answer(default_provider(), algorithm, pem, &damaged)
        );
    }
}
