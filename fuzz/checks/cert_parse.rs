//! Certificate and key parsing: arbitrary bytes never panic; a certificate that parses
//! re-parses to itself from every encoding we write (DER, PEM, base64), its fingerprints agree,
//! and its inspection and self-signature check run without panicking.

use chrono::DateTime;
use fedkit_certs::{
    Certificate, DigestAlgorithm, ParseLimits, PrivateKey, PublicKey, default_provider,
};

pub fn run(data: &[u8]) {
    let limits = ParseLimits {
        max_input_bytes: 64 << 10,
        max_certificates: 4,
    };
    if let Ok(certs) = Certificate::parse_all_with_limits(data, &limits) {
        assert!(!certs.is_empty() && certs.len() <= limits.max_certificates);
        for cert in &certs {
            check_certificate(cert);
        }
    }
    // The same bytes as a key: parsing never panics.
    if data.len() <= 16 << 10 {
        let _ = PublicKey::from_spki_der(data);
        let _ = PrivateKey::from_der(data);
        if let Ok(text) = std::str::from_utf8(data) {
            let _ = PublicKey::from_pem(text);
            let _ = PrivateKey::from_pem(text);
        }
    }
}

fn check_certificate(cert: &Certificate) {
    for encoded in [
        cert.der().to_vec(),
        cert.to_pem().into_bytes(),
        cert.to_base64().into_bytes(),
    ] {
        let again = Certificate::parse(&encoded).expect("our own encoding parses");
        assert_eq!(&again, cert);
        assert_eq!(again.subject(), cert.subject());
        assert_eq!(again.serial_hex(), cert.serial_hex());
    }
    let sha256 = cert.sha256_fingerprint();
    assert!(sha256.matches(&sha256.to_colon_hex().to_lowercase()));
    assert_eq!(cert.fingerprint(DigestAlgorithm::Sha256), *sha256);
    assert_eq!(cert.sha1_fingerprint().as_bytes().len(), 20);
    let _ = cert.status(DateTime::UNIX_EPOCH, 90);
    let _ = cert.signature_algorithm();
    let key = cert.public_key();
    assert_eq!(PublicKey::from_spki_der(key.spki_der()).as_ref(), Ok(key));
    let _ = cert.verify_signature(key, default_provider());
}
