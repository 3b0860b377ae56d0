//! Signature and digest algorithms, named as XML-DSig names them.

use crate::{Error, Result};

/// A signature algorithm: padding or curve plus digest.
///
/// RSA-SHA1 is here so that old signatures can be verified, and only through
/// [`VerifyingKey::verify_legacy_sha1`](crate::VerifyingKey::verify_legacy_sha1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-1 (legacy, verification only).
    RsaPkcs1Sha1,
    /// RSA PKCS#1 v1.5 with SHA-256, the SAML default.
    RsaPkcs1Sha256,
    /// RSA PKCS#1 v1.5 with SHA-384.
    RsaPkcs1Sha384,
    /// RSA PKCS#1 v1.5 with SHA-512.
    RsaPkcs1Sha512,
    /// RSA-PSS with SHA-256, MGF1-SHA-256, salt of 32 bytes (RFC 6931).
    RsaPssSha256,
    /// RSA-PSS with SHA-384, MGF1-SHA-384, salt of 48 bytes.
    RsaPssSha384,
    /// RSA-PSS with SHA-512, MGF1-SHA-512, salt of 64 bytes.
    RsaPssSha512,
    /// ECDSA on P-256 with SHA-256. Signatures are `r || s` (64 bytes) as XML-DSig
    /// (RFC 4050, RFC 6931) wants them, not DER.
    EcdsaP256Sha256,
}

const SIGNATURE_URIS: [(SignatureAlgorithm, &str); 8] = [
    (
        SignatureAlgorithm::RsaPkcs1Sha1,
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    ),
    (
        SignatureAlgorithm::RsaPkcs1Sha256,
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    ),
    (
        SignatureAlgorithm::RsaPkcs1Sha384,
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    ),
    (
        SignatureAlgorithm::RsaPkcs1Sha512,
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    ),
    (
        SignatureAlgorithm::RsaPssSha256,
        "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1",
    ),
    (
        SignatureAlgorithm::RsaPssSha384,
        "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1",
    ),
    (
        SignatureAlgorithm::RsaPssSha512,
        "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1",
    ),
    (
        SignatureAlgorithm::EcdsaP256Sha256,
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    ),
];

/// The kind of key an algorithm needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// An RSA key.
    Rsa,
    /// An elliptic-curve key on NIST P-256.
    EcP256,
}

impl KeyKind {
    /// A short name for messages: `"RSA"` or `"EC P-256"`.
    pub fn name(self) -> &'static str {
        match self {
            KeyKind::Rsa => "RSA",
            KeyKind::EcP256 => "EC P-256",
        }
    }
}

impl SignatureAlgorithm {
    /// The XML-DSig `SignatureMethod/@Algorithm` URI (RFC 3275, RFC 6931).
    pub fn xmldsig_uri(self) -> &'static str {
        SIGNATURE_URIS
            .iter()
            .find(|(alg, _)| *alg == self)
            .map_or("", |(_, uri)| uri)
    }

    /// The algorithm a `SignatureMethod/@Algorithm` URI names, compared exactly.
    pub fn from_xmldsig_uri(uri: &str) -> Result<Self> {
        SIGNATURE_URIS
            .iter()
            .find(|(_, known)| *known == uri)
            .map(|(alg, _)| *alg)
            .ok_or_else(|| Error::UnsupportedAlgorithm {
                uri: uri.chars().take(200).collect(),
            })
    }

    /// A short name for messages and JSON, e.g. `"rsa-sha256"`.
    pub fn name(self) -> &'static str {
        match self {
            SignatureAlgorithm::RsaPkcs1Sha1 => "rsa-sha1",
            SignatureAlgorithm::RsaPkcs1Sha256 => "rsa-sha256",
            SignatureAlgorithm::RsaPkcs1Sha384 => "rsa-sha384",
            SignatureAlgorithm::RsaPkcs1Sha512 => "rsa-sha512",
            SignatureAlgorithm::RsaPssSha256 => "rsa-pss-sha256",
            SignatureAlgorithm::RsaPssSha384 => "rsa-pss-sha384",
            SignatureAlgorithm::RsaPssSha512 => "rsa-pss-sha512",
            SignatureAlgorithm::EcdsaP256Sha256 => "ecdsa-p256-sha256",
        }
    }

    /// The digest the algorithm hashes the message with.
    pub fn digest(self) -> DigestAlgorithm {
        match self {
            SignatureAlgorithm::RsaPkcs1Sha1 => DigestAlgorithm::Sha1,
            SignatureAlgorithm::RsaPkcs1Sha256
            | SignatureAlgorithm::RsaPssSha256
            | SignatureAlgorithm::EcdsaP256Sha256 => DigestAlgorithm::Sha256,
            SignatureAlgorithm::RsaPkcs1Sha384 | SignatureAlgorithm::RsaPssSha384 => {
                DigestAlgorithm::Sha384
            }
            SignatureAlgorithm::RsaPkcs1Sha512 | SignatureAlgorithm::RsaPssSha512 => {
                DigestAlgorithm::Sha512
            }
        }
    }

    /// The kind of key the algorithm needs.
    pub fn key_kind(self) -> KeyKind {
        match self {
            SignatureAlgorithm::EcdsaP256Sha256 => KeyKind::EcP256,
            _ => KeyKind::Rsa,
        }
    }

    /// Whether the algorithm is only allowed through a named legacy entry point.
    pub fn is_legacy(self) -> bool {
        self == SignatureAlgorithm::RsaPkcs1Sha1
    }

    /// Checks that the algorithm fits a key of `kind` and, unless `legacy_sha1` is set, that it
    /// is not a legacy algorithm. Backends call this before every operation so that every
    /// backend refuses the same things with the same errors.
    pub fn check_usable(self, kind: KeyKind, legacy_sha1: bool) -> Result<()> {
        if self.is_legacy() != legacy_sha1 {
            return Err(Error::AlgorithmNotAllowed {
                algorithm: self.name(),
            });
        }
        if self.key_kind() != kind {
            return Err(Error::AlgorithmKeyMismatch {
                algorithm: self.name(),
                key: kind.name(),
            });
        }
        Ok(())
    }
}

/// A message digest, for XML-DSig `DigestMethod` and fingerprints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// SHA-1 (fingerprints for display; legacy digests).
    Sha1,
    /// SHA-256, the default.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

const DIGEST_URIS: [(DigestAlgorithm, &str); 4] = [
    (
        DigestAlgorithm::Sha1,
        "http://www.w3.org/2000/09/xmldsig#sha1",
    ),
    (
        DigestAlgorithm::Sha256,
        "http://www.w3.org/2001/04/xmlenc#sha256",
    ),
    (
        DigestAlgorithm::Sha384,
        "http://www.w3.org/2001/04/xmldsig-more#sha384",
    ),
    (
        DigestAlgorithm::Sha512,
        "http://www.w3.org/2001/04/xmlenc#sha512",
    ),
];

impl DigestAlgorithm {
    /// The XML-DSig `DigestMethod/@Algorithm` URI (RFC 3275, RFC 4051, XML-Enc).
    pub fn xmldsig_uri(self) -> &'static str {
        DIGEST_URIS
            .iter()
            .find(|(alg, _)| *alg == self)
            .map_or("", |(_, uri)| uri)
    }

    /// The digest a `DigestMethod/@Algorithm` URI names, compared exactly.
    pub fn from_xmldsig_uri(uri: &str) -> Result<Self> {
        DIGEST_URIS
            .iter()
            .find(|(_, known)| *known == uri)
            .map(|(alg, _)| *alg)
            .ok_or_else(|| Error::UnsupportedAlgorithm {
                uri: uri.chars().take(200).collect(),
            })
    }

    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha1 => 20,
            DigestAlgorithm::Sha256 => 32,
            DigestAlgorithm::Sha384 => 48,
            DigestAlgorithm::Sha512 => 64,
        }
    }

    /// A short name: `"sha1"`, `"sha256"`, …
    pub fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha1 => "sha1",
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Sha384 => "sha384",
            DigestAlgorithm::Sha512 => "sha512",
        }
    }
}
