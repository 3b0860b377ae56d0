//! The verify-only algorithms against openssl: signatures openssl made over data/message.txt
//! (data/make-legacy-fixtures.sh) with RSA-PSS SHA-1/SHA-224/SHA-3, ECDSA on P-256 and P-384 with
//! SHA-1/224/384/512/SHA-3/RIPEMD-160, and DSA, verify through the entry point their group
//! allows and are refused with `algorithm_not_allowed` through the other; a changed message, a
//! key of another kind and a malformed `r || s` are their own errors. Every provider of the
//! build (support/providers.rs) is held to the same.

#[path = "support/providers.rs"]
mod providers;
#[path = "support/rng.rs"]
mod rng;

use fedkit_certs::{
    CryptoProvider, DigestAlgorithm, KeyHint, KeyKind, PrivateKey, PublicKey, SignatureAlgorithm,
    TrustSet,
};

const MESSAGE: &[u8] = include_bytes!("data/message.txt");
const RSA: &str = include_str!("data/rsa2048.pub.pem");
const P256: &str = include_str!("data/p256.pub.pem");
const P384: &str = include_str!("data/p384.pub.pem");
const DSA1024: &str = include_str!("data/dsa1024.pub.pem");
const DSA2048: &str = include_str!("data/dsa2048.pub.pem");

/// (algorithm, key, openssl's signature). Which group each algorithm is in is the crate's policy
/// (documented on `SignatureAlgorithm`); the signatures' validity is openssl's.
const OPENSSL: [(SignatureAlgorithm, &str, &[u8]); 17] = [
    (
        SignatureAlgorithm::RsaPssSha1,
        RSA,
        include_bytes!("data/message.rsa-pss-sha1.sig"),
    ),
    (
        SignatureAlgorithm::RsaPssSha224,
        RSA,
        include_bytes!("data/message.rsa-pss-sha224.sig"),
    ),
    (
        SignatureAlgorithm::RsaPssSha3_224,
        RSA,
        include_bytes!("data/message.rsa-pss-sha3-224.sig"),
    ),
    (
        SignatureAlgorithm::RsaPssSha3_256,
        RSA,
        include_bytes!("data/message.rsa-pss-sha3-256.sig"),
    ),
    (
        SignatureAlgorithm::RsaPssSha3_384,
        RSA,
        include_bytes!("data/message.rsa-pss-sha3-384.sig"),
    ),
    (
        SignatureAlgorithm::RsaPssSha3_512,
        RSA,
        include_bytes!("data/message.rsa-pss-sha3-512.sig"),
    ),
    (
        SignatureAlgorithm::EcdsaSha1,
        P256,
        include_bytes!("data/message.ecdsa-p256-sha1.sig"),
    ),
    (
        SignatureAlgorithm::EcdsaSha224,
        P256,
        include_bytes!("data/message.ecdsa-p256-sha224.sig"),
    ),
    (
        SignatureAlgorithm::EcdsaSha384,
        P256,
        include_bytes!("data/message.ecdsa-p256-sha384.sig"),
    ),
    (
        SignatureAlgorithm::EcdsaSha512,
        P256,
        include_bytes!("data/message.ecdsa-p256-sha512.sig"),
    ),
    (
        SignatureAlgorithm::EcdsaSha3_256,
        P256,
        include_bytes!("data/message.ecdsa-p256-sha3-256.sig"),
    ),
    (
        SignatureAlgorithm::EcdsaRipemd160,
        P256,
        include_bytes!("data/message.ecdsa-p256-ripemd160.sig"),
    ),
    (
        SignatureAlgorithm::EcdsaSha384,
        P384,
        include_bytes!("data/message.ecdsa-p384-sha384.sig"),
    ),
    (
        SignatureAlgorithm::EcdsaSha512,
        P384,
        include_bytes!("data/message.ecdsa-p384-sha512.sig"),
    ),
    (
        SignatureAlgorithm::EcdsaSha3_384,
        P384,
        include_bytes!("data/message.ecdsa-p384-sha3-384.sig"),
    ),
    (
        SignatureAlgorithm::DsaSha1,
        DSA1024,
        include_bytes!("data/message.dsa1024-sha1.sig"),
    ),
    (
        SignatureAlgorithm::DsaSha256,
        DSA2048,
        include_bytes!("data/message.dsa2048-sha256.sig"),
    ),
];

fn verifier(provider: &dyn CryptoProvider, pem: &str) -> Box<dyn fedkit_certs::VerifyingKey> {
    provider
        .verifying_key(&PublicKey::from_pem(pem).unwrap())
        .unwrap()
}

#[test]
fn openssl_signatures_verify_through_their_entry_point_only() {
    for ((name, provider), (algorithm, pem, signature)) in providers::all()
        .into_iter()
        .flat_map(|p| OPENSSL.into_iter().map(move |row| (p, row)))
    {
        let key = verifier(provider, pem);
        let (allowed, refused) = if algorithm.is_legacy() {
            (
                key.verify_legacy(algorithm, MESSAGE, signature),
                key.verify(algorithm, MESSAGE, signature),
            )
        } else {
            (
                key.verify(algorithm, MESSAGE, signature),
                key.verify_legacy(algorithm, MESSAGE, signature),
            )
        };
        assert!(allowed.is_ok(), "{name} {algorithm:?}: {allowed:?}");
        assert_eq!(
            refused.unwrap_err().code(),
            "algorithm_not_allowed",
            "{name} {algorithm:?}"
        );
        let other = if algorithm.is_legacy() {
            key.verify_legacy(algorithm, b"another message", signature)
        } else {
            key.verify(algorithm, b"another message", signature)
        };
        assert_eq!(
            other.unwrap_err().code(),
            "signature_invalid",
            "{name} {algorithm:?}"
        );
    }
}

#[test]
fn only_sha2_of_256_bits_and_more_is_default() {
    let default: Vec<_> = SignatureAlgorithm::all()
        .filter(|a| !a.is_legacy())
        .map(|a| a.name())
        .collect();
    assert_eq!(
        default,
        [
            "rsa-sha256",
            "rsa-sha384",
            "rsa-sha512",
            "rsa-pss-sha256",
            "rsa-pss-sha384",
            "rsa-pss-sha512",
            "ecdsa-p256-sha256",
            "ecdsa-sha384",
            "ecdsa-sha512",
        ]
    );
    for algorithm in SignatureAlgorithm::all() {
        let digest = algorithm.digest();
        let sha2_256_plus = matches!(
            digest,
            DigestAlgorithm::Sha256 | DigestAlgorithm::Sha384 | DigestAlgorithm::Sha512
        );
        let dsa = algorithm.key_kinds() == [KeyKind::Dsa];
        assert_eq!(
            algorithm.is_legacy(),
            !sha2_256_plus || dsa,
            "{algorithm:?}"
        );
    }
}

#[test]
fn keys_are_read_with_their_kind_and_size() {
    // Sizes as `openssl pkey -pubin -text -noout` prints them ("Public-Key: (384 bit)",
    // "Public-Key: (1024 bit)", "Public-Key: (2048 bit)").
    for (pem, kind, bits) in [
        (P384, KeyKind::EcP384, 384),
        (DSA1024, KeyKind::Dsa, 1024),
        (DSA2048, KeyKind::Dsa, 2048),
    ] {
        let key = PublicKey::from_pem(pem).unwrap();
        assert_eq!((key.kind(), key.bits()), (kind, bits));
        assert_eq!(PublicKey::from_spki_der(key.spki_der()).unwrap(), key);
    }
}

#[test]
fn an_algorithm_needs_a_key_of_its_kind() {
    for (_, provider) in providers::all() {
        key_kind_checked(provider);
    }
}

fn key_kind_checked(provider: &dyn CryptoProvider) {
    let p384 = verifier(provider, P384);
    // ecdsa-sha256 is bound to P-256 (see `SignatureAlgorithm`); the kind is checked first.
    assert_eq!(
        p384.verify(SignatureAlgorithm::EcdsaP256Sha256, MESSAGE, OPENSSL[12].2)
            .unwrap_err()
            .code(),
        "algorithm_key_mismatch"
    );
    let rsa = verifier(provider, RSA);
    assert_eq!(
        rsa.verify_legacy(SignatureAlgorithm::DsaSha1, MESSAGE, OPENSSL[15].2)
            .unwrap_err()
            .code(),
        "algorithm_key_mismatch"
    );
    let dsa = verifier(provider, DSA1024);
    assert_eq!(
        dsa.verify_legacy(SignatureAlgorithm::RsaPssSha1, MESSAGE, OPENSSL[0].2)
            .unwrap_err()
            .code(),
        "algorithm_key_mismatch"
    );
}

#[test]
fn malformed_r_s_values_are_invalid_signatures() {
    for (_, provider) in providers::all() {
        malformed_r_s_refused(provider);
    }
}

fn malformed_r_s_refused(provider: &dyn CryptoProvider) {
    let (algorithm, pem, good) = OPENSSL[15];
    let key = verifier(provider, pem);
    let zeros = [0u8; 40];
    let mut long = good.to_vec();
    long.extend_from_slice(&[0; 130]);
    for bad in [&good[..39], &good[..0], &zeros[..], &long[..], &good[..20]] {
        assert_eq!(
            key.verify_legacy(algorithm, MESSAGE, bad)
                .unwrap_err()
                .code(),
            "signature_invalid",
            "{} bytes",
            bad.len()
        );
    }
    let (algorithm, pem, good) = OPENSSL[12];
    let key = verifier(provider, pem);
    assert_eq!(
        key.verify(algorithm, MESSAGE, &good[..95])
            .unwrap_err()
            .code(),
        "signature_invalid"
    );
}

#[test]
fn verify_only_algorithms_do_not_sign() {
    let key = PrivateKey::from_pem(include_str!("data/p256.key.pem")).unwrap();
    let mut rng = rng::TestRng::new(7);
    for ((name, provider), algorithm) in providers::all().into_iter().flat_map(|p| {
        [
            SignatureAlgorithm::EcdsaSha384,
            SignatureAlgorithm::EcdsaSha1,
        ]
        .map(|a| (p, a))
    }) {
        let signer = provider.signing_key(&key).unwrap();
        assert!(!algorithm.can_sign());
        assert_eq!(
            signer
                .sign(algorithm, MESSAGE, &mut rng)
                .unwrap_err()
                .code(),
            "algorithm_not_allowed",
            "{name} {algorithm:?}"
        );
    }
}

#[test]
fn the_trust_set_takes_legacy_algorithms_only_through_verify_legacy() {
    for (_, provider) in providers::all() {
        legacy_only_through_verify_legacy(TrustSet::with_provider(provider));
    }
}

fn legacy_only_through_verify_legacy(mut trust: TrustSet) {
    let cert = fedkit_certs::Certificate::parse(include_bytes!("data/p256.pem")).unwrap();
    trust.import(cert).unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2027-01-01T00:00:00Z")
        .unwrap()
        .to_utc();
    let (algorithm, _, signature) = OPENSSL[6];
    assert_eq!(
        trust
            .verify(algorithm, MESSAGE, signature, now, KeyHint::Any)
            .unwrap_err()
            .code(),
        "algorithm_not_allowed"
    );
    trust
        .verify_legacy(algorithm, MESSAGE, signature, now, KeyHint::Any)
        .unwrap();
    let (algorithm, _, signature) = OPENSSL[8];
    trust
        .verify(algorithm, MESSAGE, signature, now, KeyHint::Any)
        .unwrap();
    assert_eq!(
        trust
            .verify_legacy(algorithm, MESSAGE, signature, now, KeyHint::Any)
            .unwrap_err()
            .code(),
        "algorithm_not_allowed"
    );
}

#[test]
fn legacy_digests_match_their_published_examples() {
    // "abc" from FIPS 180-4 (SHA-224, example in the NIST examples document), FIPS 202 (SHA3),
    // and the RIPEMD-160 authors' test vectors; openssl dgst prints the same.
    for (algorithm, hex) in [
        (
            DigestAlgorithm::Sha224,
            "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
        ),
        (
            DigestAlgorithm::Sha3_224,
            "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf",
        ),
        (
            DigestAlgorithm::Sha3_256,
            "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
        ),
        (
            DigestAlgorithm::Sha3_384,
            "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25",
        ),
        (
            DigestAlgorithm::Sha3_512,
            "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0",
        ),
        (
            DigestAlgorithm::Ripemd160,
            "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc",
        ),
    ] {
        for (name, provider) in providers::all() {
            let digest = provider.digest_bytes(algorithm, b"abc");
            let printed: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(printed, hex, "{name} {algorithm:?}");
            assert_eq!(digest.len(), algorithm.output_len());
        }
        assert_eq!(
            DigestAlgorithm::from_xmldsig_uri(algorithm.xmldsig_uri()).unwrap(),
            algorithm
        );
    }
}
