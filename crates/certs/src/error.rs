//! The one error type of the crate.

/// Everything fedkit-certs can refuse, each with a stable [`code`](Error::code).
///
/// Variants say who is at fault: *input* means untrusted bytes (an upload, metadata, a
/// signature), *caller* means how the API was used, *policy* means a secure default refused
/// something the caller may opt into by name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input: larger than [`ParseLimits::max_input_bytes`](crate::ParseLimits::max_input_bytes).
    #[error("input is {actual} bytes, more than the limit of {limit}")]
    InputTooLarge {
        /// Size of the input in bytes.
        actual: usize,
        /// The configured limit.
        limit: usize,
    },
    /// Input: more certificates than [`ParseLimits::max_certificates`](crate::ParseLimits::max_certificates).
    #[error("input holds more than {limit} certificates")]
    TooManyCertificates {
        /// The configured limit.
        limit: usize,
    },
    /// Input: nothing that looks like a certificate (empty, or only whitespace and text).
    #[error("no certificate found in the input")]
    NoCertificate,
    /// Input: one certificate was asked for and the input holds several.
    #[error("expected one certificate, found {count}")]
    MultipleCertificates {
        /// How many certificates the input holds.
        count: usize,
    },
    /// Input: a PEM block that is not well formed (unterminated, wrong label, stray text inside).
    #[error("malformed PEM: {reason}")]
    MalformedPem {
        /// What was wrong.
        reason: &'static str,
    },
    /// Input: the base64 body does not decode.
    #[error("invalid base64 at offset {offset}")]
    InvalidBase64 {
        /// Offset into the normalised (whitespace-free) base64 text.
        offset: usize,
    },
    /// Input: the bytes are not a DER X.509 certificate.
    #[error("not a DER X.509 certificate: {reason}")]
    InvalidCertificate {
        /// The DER decoder's description.
        reason: String,
    },
    /// Input: a public key that is not a valid RSA or P-256 key.
    #[error("invalid public key: {reason}")]
    InvalidPublicKey {
        /// What was wrong.
        reason: String,
    },
    /// Input: a private key that does not decode or is inconsistent.
    #[error("invalid private key: {reason}")]
    InvalidPrivateKey {
        /// What was wrong (never key material).
        reason: String,
    },
    /// Input: a key algorithm other than RSA or ECDSA P-256.
    #[error("unsupported key algorithm {oid}")]
    UnsupportedKeyAlgorithm {
        /// The SPKI algorithm OID (and curve OID for EC keys).
        oid: String,
    },
    /// Policy: an RSA key smaller than the minimum (2048 bits).
    #[error("RSA key of {bits} bits is smaller than the minimum of {minimum}")]
    RsaKeyTooSmall {
        /// The key's modulus size.
        bits: usize,
        /// The minimum accepted.
        minimum: usize,
    },
    /// Caller: an RSA key size that is not 2048, 3072 or 4096.
    #[error("unsupported RSA key size {bits}; use 2048, 3072 or 4096")]
    UnsupportedRsaKeySize {
        /// The size asked for.
        bits: usize,
    },
    /// Input or caller: an algorithm URI or identifier fedkit does not implement.
    #[error("unsupported algorithm {uri}")]
    UnsupportedAlgorithm {
        /// The URI or OID that was asked for.
        uri: String,
    },
    /// Policy: the algorithm exists but is not allowed through this entry point
    /// (a legacy algorithm outside [`VerifyingKey::verify_legacy`](crate::VerifyingKey::verify_legacy),
    /// a default one through it, or a verify-only algorithm for signing).
    #[error("algorithm {algorithm} is not allowed here")]
    AlgorithmNotAllowed {
        /// The algorithm's name.
        algorithm: &'static str,
    },
    /// Input or caller: the algorithm does not fit the key (an RSA algorithm with an EC key, or
    /// the reverse).
    #[error("algorithm {algorithm} does not fit a {key} key")]
    AlgorithmKeyMismatch {
        /// The algorithm's name.
        algorithm: &'static str,
        /// The key's kind.
        key: &'static str,
    },
    /// Input: the signature does not verify under the key.
    #[error("signature does not verify")]
    SignatureInvalid,
    /// Backend: signing failed (a broken key or RNG).
    #[error("signing failed")]
    SigningFailed,
    /// Backend: key generation failed.
    #[error("key generation failed")]
    KeyGenerationFailed,
    /// Caller: a certificate subject with no attributes or an empty/oversized value.
    #[error("invalid subject: {reason}")]
    InvalidSubject {
        /// What was wrong.
        reason: &'static str,
    },
    /// Caller: a validity period of zero months, more than the maximum, or past year 9999.
    #[error("invalid validity of {months} months")]
    InvalidValidity {
        /// The months asked for.
        months: u32,
    },
    /// Backend: the certificate could not be assembled or encoded.
    #[error("certificate could not be built: {reason}")]
    CertificateBuild {
        /// The encoder's description.
        reason: String,
    },
    /// Input: a fingerprint that is not hex of the right length.
    #[error("invalid fingerprint")]
    InvalidFingerprint,
    /// Policy: the certificate's notBefore is after `now`.
    #[error("certificate is not valid before {not_before}")]
    CertificateNotYetValid {
        /// The certificate's notBefore.
        not_before: chrono::DateTime<chrono::Utc>,
    },
    /// Policy: the certificate's notAfter is before `now`.
    #[error("certificate expired at {not_after}")]
    CertificateExpired {
        /// The certificate's notAfter.
        not_after: chrono::DateTime<chrono::Utc>,
    },
    /// Caller: the private key does not belong to the certificate.
    #[error("private key does not match the certificate's public key")]
    KeyCertificateMismatch,
    /// Caller: the set already holds as many certificates as it may.
    #[error("certificate set is full ({limit} certificates)")]
    CertificateSetFull {
        /// The configured limit.
        limit: usize,
    },
    /// Caller: this certificate is already in the set.
    #[error("certificate is already in the set")]
    DuplicateCertificate,
    /// Caller: no certificate in the set has this fingerprint.
    #[error("no certificate with this fingerprint in the set")]
    CertificateNotFound,
    /// Caller: the active certificate cannot be removed; activate another first.
    #[error("the active certificate cannot be removed")]
    CannotRemoveActive,
    /// Caller: removing this certificate would leave no valid certificate.
    #[error("the last valid certificate cannot be removed")]
    LastValidCertificate,
    /// Input: a stored set that breaks the set's rules (no active entry, two, too many).
    #[error("stored certificate set is inconsistent: {reason}")]
    InconsistentSet {
        /// Which rule was broken.
        reason: &'static str,
    },
    /// Input: no trusted certificate is selected by the key hint.
    #[error("no trusted certificate matches the key hint")]
    NoMatchingTrustedKey,
    /// Input: no trusted certificate verified the signature (all failed, or all were refused by
    /// the expiry policy).
    #[error("no trusted certificate verifies the signature")]
    NoTrustedKeyVerifies,
}

impl Error {
    /// A stable snake_case name for the failure, for programs and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InputTooLarge { .. } => "input_too_large",
            Error::TooManyCertificates { .. } => "too_many_certificates",
            Error::NoCertificate => "no_certificate",
            Error::MultipleCertificates { .. } => "multiple_certificates",
            Error::MalformedPem { .. } => "malformed_pem",
            Error::InvalidBase64 { .. } => "invalid_base64",
            Error::InvalidCertificate { .. } => "invalid_certificate",
            Error::InvalidPublicKey { .. } => "invalid_public_key",
            Error::InvalidPrivateKey { .. } => "invalid_private_key",
            Error::UnsupportedKeyAlgorithm { .. } => "unsupported_key_algorithm",
            Error::RsaKeyTooSmall { .. } => "rsa_key_too_small",
            Error::UnsupportedRsaKeySize { .. } => "unsupported_rsa_key_size",
            Error::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
            Error::AlgorithmNotAllowed { .. } => "algorithm_not_allowed",
            Error::AlgorithmKeyMismatch { .. } => "algorithm_key_mismatch",
            Error::SignatureInvalid => "signature_invalid",
            Error::SigningFailed => "signing_failed",
            Error::KeyGenerationFailed => "key_generation_failed",
            Error::InvalidSubject { .. } => "invalid_subject",
            Error::InvalidValidity { .. } => "invalid_validity",
            Error::CertificateBuild { .. } => "certificate_build_failed",
            Error::InvalidFingerprint => "invalid_fingerprint",
            Error::CertificateNotYetValid { .. } => "certificate_not_yet_valid",
            Error::CertificateExpired { .. } => "certificate_expired",
            Error::KeyCertificateMismatch => "key_certificate_mismatch",
            Error::CertificateSetFull { .. } => "certificate_set_full",
            Error::DuplicateCertificate => "duplicate_certificate",
            Error::CertificateNotFound => "certificate_not_found",
            Error::CannotRemoveActive => "cannot_remove_active",
            Error::LastValidCertificate => "last_valid_certificate",
            Error::InconsistentSet { .. } => "inconsistent_set",
            Error::NoMatchingTrustedKey => "no_matching_trusted_key",
            Error::NoTrustedKeyVerifies => "no_trusted_key_verifies",
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_snake_case() {
        let time = chrono::DateTime::UNIX_EPOCH;
        let all = [
            Error::InputTooLarge {
                actual: 2,
                limit: 1,
            },
            Error::TooManyCertificates { limit: 1 },
            Error::NoCertificate,
            Error::MultipleCertificates { count: 2 },
            Error::MalformedPem { reason: "" },
            Error::InvalidBase64 { offset: 0 },
            Error::InvalidCertificate {
                reason: String::new(),
            },
            Error::InvalidPublicKey {
                reason: String::new(),
            },
            Error::InvalidPrivateKey {
                reason: String::new(),
            },
            Error::UnsupportedKeyAlgorithm { oid: String::new() },
            Error::RsaKeyTooSmall {
                bits: 1024,
                minimum: 2048,
            },
            Error::UnsupportedRsaKeySize { bits: 1 },
            Error::UnsupportedAlgorithm { uri: String::new() },
            Error::AlgorithmNotAllowed { algorithm: "" },
            Error::AlgorithmKeyMismatch {
                algorithm: "",
                key: "",
            },
            Error::SignatureInvalid,
            Error::SigningFailed,
            Error::KeyGenerationFailed,
            Error::InvalidSubject { reason: "" },
            Error::InvalidValidity { months: 0 },
            Error::CertificateBuild {
                reason: String::new(),
            },
            Error::InvalidFingerprint,
            Error::CertificateNotYetValid { not_before: time },
            Error::CertificateExpired { not_after: time },
            Error::KeyCertificateMismatch,
            Error::CertificateSetFull { limit: 2 },
            Error::DuplicateCertificate,
            Error::CertificateNotFound,
            Error::CannotRemoveActive,
            Error::LastValidCertificate,
            Error::InconsistentSet { reason: "" },
            Error::NoMatchingTrustedKey,
            Error::NoTrustedKeyVerifies,
        ];
        let mut codes: Vec<&str> = all.iter().map(Error::code).collect();
        assert!(codes.iter().all(|c| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        }));
        codes.sort_unstable();
        let before = codes.len();
        codes.dedup();
        assert_eq!(codes.len(), before, "codes must be distinct");
        assert!(all.iter().all(|e| !e.to_string().is_empty()));
    }
}
