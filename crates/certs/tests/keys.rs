//! Keys: import and export in every format, and generation from the caller's RNG.
//! Fixture keys were made with `openssl genpkey` (see tests/data/README.md).

#[path = "support/rng.rs"]
mod rng;

use fedkit_certs::{Error, KeyKind, PrivateKey, PublicKey, RsaKeySize};

const RSA2048_PKCS8_PEM: &str = include_str!("data/rsa2048.key.pem");
const RSA2048_PKCS8_DER: &[u8] = include_bytes!("data/rsa2048.key.der");
const RSA2048_PKCS1_PEM: &str = include_str!("data/rsa2048.pkcs1.pem");
const RSA2048_PKCS1_DER: &[u8] = include_bytes!("data/rsa2048.pkcs1.der");
const RSA2048_PUB_PEM: &str = include_str!("data/rsa2048.pub.pem");
const P256_PEM: &str = include_str!("data/p256.key.pem");
const P256_PUB_PEM: &str = include_str!("data/p256.pub.pem");
const ED25519_PEM: &str = include_str!("data/ed25519.key.pem");

#[test]
fn generates_rsa_2048_from_the_callers_rng() {
    let mut rng = rng::TestRng::new(1);
    let key = PrivateKey::generate_rsa(&mut rng, RsaKeySize::Bits2048).unwrap();
    assert_eq!(key.kind(), KeyKind::Rsa);
    assert_eq!(key.bits(), 2048);
    // Same seed, same key: the RNG is the only source of randomness.
    let again = PrivateKey::generate_rsa(&mut rng::TestRng::new(1), RsaKeySize::Bits2048).unwrap();
    assert_eq!(key, again);
}

#[test]
fn generates_3072_and_4096_and_p256() {
    let mut rng = rng::TestRng::new(2);
    for size in [RsaKeySize::Bits3072, RsaKeySize::Bits4096] {
        let key = PrivateKey::generate_rsa(&mut rng, size).unwrap();
        assert_eq!(key.bits(), size.bits());
    }
    let ec = PrivateKey::generate_ec_p256(&mut rng).unwrap();
    assert_eq!((ec.kind(), ec.bits()), (KeyKind::EcP256, 256));
}

#[test]
fn rsa_key_sizes_other_than_the_three_are_refused() {
    assert_eq!(RsaKeySize::from_bits(2048).unwrap(), RsaKeySize::Bits2048);
    let err = RsaKeySize::from_bits(1024).unwrap_err();
    assert_eq!(err.code(), "unsupported_rsa_key_size");
    assert_eq!(
        RsaKeySize::from_bits(8192).unwrap_err().code(),
        "unsupported_rsa_key_size"
    );
}

#[test]
fn pkcs8_pkcs1_pem_and_der_all_read_the_same_key() {
    let pkcs8_pem = PrivateKey::from_pem(RSA2048_PKCS8_PEM).unwrap();
    let pkcs8_der = PrivateKey::from_pkcs8_der(RSA2048_PKCS8_DER).unwrap();
    let pkcs1_pem = PrivateKey::from_pem(RSA2048_PKCS1_PEM).unwrap();
    let any_der = PrivateKey::from_der(RSA2048_PKCS8_DER).unwrap();
    let pkcs1_der = PrivateKey::from_pkcs1_der(RSA2048_PKCS1_DER).unwrap();
    let any_pkcs1_der = PrivateKey::from_der(RSA2048_PKCS1_DER).unwrap();
    assert_eq!(pkcs8_pem, pkcs1_der);
    assert_eq!(pkcs8_pem, any_pkcs1_der);
    assert_eq!(pkcs8_pem, pkcs8_der);
    assert_eq!(pkcs8_pem, pkcs1_pem);
    assert_eq!(pkcs8_pem, any_der);
    // The public half matches what `openssl pkey -pubout` printed.
    assert_eq!(
        pkcs8_pem.public_key(),
        &PublicKey::from_pem(RSA2048_PUB_PEM).unwrap()
    );
    assert_eq!(pkcs8_pem.bits(), 2048);
}

#[test]
fn export_round_trips_through_every_format() {
    let key = PrivateKey::from_pem(RSA2048_PKCS8_PEM).unwrap();
    let pkcs8_der = key.to_pkcs8_der().unwrap();
    // openssl wrote the same PKCS#8 DER for this key (rsa2048.key.der).
    assert_eq!(pkcs8_der.as_slice(), RSA2048_PKCS8_DER);
    assert_eq!(PrivateKey::from_pkcs8_der(&pkcs8_der).unwrap(), key);
    assert_eq!(
        PrivateKey::from_pem(&key.to_pkcs8_pem().unwrap()).unwrap(),
        key
    );
    let pkcs1_der = key.to_pkcs1_der().unwrap();
    assert_eq!(pkcs1_der.as_slice(), RSA2048_PKCS1_DER);
    assert_eq!(PrivateKey::from_pkcs1_der(&pkcs1_der).unwrap(), key);
    let pkcs1_pem = key.to_pkcs1_pem().unwrap();
    assert!(pkcs1_pem.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
    // Same base64 body as `openssl rsa -traditional` (which wraps at 64 too).
    assert_eq!(pkcs1_pem.as_str(), RSA2048_PKCS1_PEM);
    assert_eq!(PrivateKey::from_pem(&pkcs1_pem).unwrap(), key);
}

#[test]
fn public_keys_round_trip_and_compare_by_spki() {
    let rsa = PublicKey::from_pem(RSA2048_PUB_PEM).unwrap();
    assert_eq!(rsa.to_pem(), RSA2048_PUB_PEM);
    assert_eq!(PublicKey::from_spki_der(rsa.spki_der()).unwrap(), rsa);
    let ec = PublicKey::from_pem(P256_PUB_PEM).unwrap();
    assert_eq!((ec.kind(), ec.bits()), (KeyKind::EcP256, 256));
    assert_eq!(ec.to_pem(), P256_PUB_PEM);
    assert_ne!(rsa, ec);
    let ec_private = PrivateKey::from_pem(P256_PEM).unwrap();
    assert_eq!(ec_private.public_key(), &ec);
    assert_eq!(
        ec_private.to_pkcs1_der().unwrap_err().code(),
        "unsupported_key_algorithm"
    );
    let pkcs8 = ec_private.to_pkcs8_der().unwrap();
    assert_eq!(PrivateKey::from_pkcs8_der(&pkcs8).unwrap(), ec_private);
}

#[test]
fn other_key_algorithms_and_garbage_are_refused_with_distinct_errors() {
    assert!(matches!(
        PrivateKey::from_pem(ED25519_PEM),
        Err(Error::UnsupportedKeyAlgorithm { .. })
    ));
    assert_eq!(
        PrivateKey::from_der(b"\x30\x03\x02\x01\x00")
            .unwrap_err()
            .code(),
        "invalid_private_key"
    );
    assert_eq!(
        PrivateKey::from_pem("hello").unwrap_err().code(),
        "malformed_pem"
    );
    assert_eq!(
        PublicKey::from_pem(RSA2048_PKCS8_PEM).unwrap_err().code(),
        "malformed_pem"
    );
    assert_eq!(
        PublicKey::from_spki_der(b"\x30\x00").unwrap_err().code(),
        "invalid_public_key"
    );
    let encrypted = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
    assert_eq!(
        PrivateKey::from_pem(encrypted).unwrap_err().code(),
        "malformed_pem"
    );
}

#[test]
fn debug_output_never_shows_key_material() {
    let key = PrivateKey::from_pem(RSA2048_PKCS8_PEM).unwrap();
    let shown = format!("{key:?}");
    assert!(shown.contains("bits: 2048"), "{shown}");
    assert!(shown.len() < 80, "{shown}");
}

/// The SPKI of rsa2048.pub.pem with one byte changed at `offset` from the end.
fn spki_with(offset_from_end: usize, value: u8) -> Vec<u8> {
    let mut der = PublicKey::from_pem(RSA2048_PUB_PEM)
        .unwrap()
        .spki_der()
        .to_vec();
    let at = der.len() - offset_from_end;
    der[at] = value;
    der
}

#[test]
fn malformed_rsa_public_keys_are_refused_at_parse_time() {
    // The SPKI ends with the modulus' last byte, then INTEGER 65537 (02 03 01 00 01).
    let good = PublicKey::from_pem(RSA2048_PUB_PEM)
        .unwrap()
        .spki_der()
        .to_vec();
    assert_eq!(&good[good.len() - 5..], [0x02, 0x03, 0x01, 0x00, 0x01]);
    let modulus_last = good[good.len() - 6];
    let even_modulus = spki_with(6, modulus_last & !1);
    assert_eq!(
        PublicKey::from_spki_der(&even_modulus).unwrap_err().code(),
        "invalid_public_key"
    );
    // e = 0x020001 = 131073 is odd and in range: accepted, and the provider loads it.
    let other_e = spki_with(3, 0x02);
    let key = PublicKey::from_spki_der(&other_e).unwrap();
    assert!(fedkit_certs::default_provider().verifying_key(&key).is_ok());
    // e = 0x000001 is not minimal DER.
    let non_minimal = spki_with(3, 0x00);
    assert_eq!(
        PublicKey::from_spki_der(&non_minimal).unwrap_err().code(),
        "invalid_public_key"
    );
}
