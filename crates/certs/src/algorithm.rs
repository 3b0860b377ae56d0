//! Signature and digest algorithms, named as XML-DSig names them.

use crate::{Error, Result};

/// A signature algorithm: padding or curve plus digest.
///
/// Two groups, and [`is_legacy`](Self::is_legacy) tells them apart:
///
/// - **Default** (signing and verifying): RSA PKCS#1 v1.5 and RSA-PSS with SHA-256/384/512, ECDSA
///   with SHA-256/384/512. ECDSA with SHA-384 and SHA-512 (on P-256 or P-384) is in the default
///   group because nothing about it is weaker than ECDSA P-256 SHA-256: SHA-2 at 192 and 256 bits
///   of collision resistance, on curves with no known weakness. Only ECDSA P-256 SHA-256 and the
///   RSA ones sign; the rest verify only.
/// - **Legacy** (verification only, and only through
///   [`VerifyingKey::verify_legacy`](crate::VerifyingKey::verify_legacy)): everything on SHA-1,
///   SHA-224 or RIPEMD-160 (collisions practical, or security under 128 bits), DSA (withdrawn by
///   FIPS 186-5), and the SHA-3 variants. SHA-3 is sound, but no SAML peer signs with it and the
///   xmldsig-more URIs are seen only in test suites; keeping it opt-in keeps what a default
///   verifier parses to what deployments send.
///
/// XML-DSig's ECDSA URIs name the digest, not the curve: the curve comes from the key, so the
/// ECDSA variants other than [`EcdsaP256Sha256`](Self::EcdsaP256Sha256) take P-256 and P-384
/// keys ([`key_kinds`](Self::key_kinds)). ECDSA and DSA signature values are `r || s` (RFC 4050,
/// RFC 3275 section 6.4), never DER.
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
    /// RSA-PSS with SHA-1, MGF1-SHA-1, salt of 20 bytes (legacy, verification only).
    RsaPssSha1,
    /// RSA-PSS with SHA-224, MGF1-SHA-224, salt of 28 bytes (legacy, verification only).
    RsaPssSha224,
    /// RSA-PSS with SHA3-224 and MGF1 of it (RFC 6931; legacy, verification only).
    RsaPssSha3_224,
    /// RSA-PSS with SHA3-256 and MGF1 of it (legacy, verification only).
    RsaPssSha3_256,
    /// RSA-PSS with SHA3-384 and MGF1 of it (legacy, verification only).
    RsaPssSha3_384,
    /// RSA-PSS with SHA3-512 and MGF1 of it (legacy, verification only).
    RsaPssSha3_512,
    /// ECDSA on P-256 with SHA-256. Signatures are `r || s` (64 bytes) as XML-DSig
    /// (RFC 4050, RFC 6931) wants them, not DER.
    EcdsaP256Sha256,
    /// ECDSA (P-256 or P-384) with SHA-384, verification only.
    EcdsaSha384,
    /// ECDSA (P-256 or P-384) with SHA-512, verification only.
    EcdsaSha512,
    /// ECDSA (P-256 or P-384) with SHA-1 (legacy, verification only).
    EcdsaSha1,
    /// ECDSA (P-256 or P-384) with SHA-224 (legacy, verification only).
    EcdsaSha224,
    /// ECDSA (P-256 or P-384) with SHA3-224 (RFC 9231, whose URIs sit in the 2021/04 namespace;
    /// legacy, verification only).
    EcdsaSha3_224,
    /// ECDSA (P-256 or P-384) with SHA3-256 (legacy, verification only).
    EcdsaSha3_256,
    /// ECDSA (P-256 or P-384) with SHA3-384 (legacy, verification only).
    EcdsaSha3_384,
    /// ECDSA (P-256 or P-384) with SHA3-512 (legacy, verification only).
    EcdsaSha3_512,
    /// ECDSA (P-256 or P-384) with RIPEMD-160 (legacy, verification only).
    EcdsaRipemd160,
    /// DSA with SHA-1 (RFC 3275; legacy, verification only).
    DsaSha1,
    /// DSA with SHA-256 (XML-DSig 1.1; legacy, verification only).
    DsaSha256,
}

const SIGNATURE_URIS: [(SignatureAlgorithm, &str); 25] = [
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
        SignatureAlgorithm::RsaPssSha1,
        "http://www.w3.org/2007/05/xmldsig-more#sha1-rsa-MGF1",
    ),
    (
        SignatureAlgorithm::RsaPssSha224,
        "http://www.w3.org/2007/05/xmldsig-more#sha224-rsa-MGF1",
    ),
    (
        SignatureAlgorithm::RsaPssSha3_224,
        "http://www.w3.org/2007/05/xmldsig-more#sha3-224-rsa-MGF1",
    ),
    (
        SignatureAlgorithm::RsaPssSha3_256,
        "http://www.w3.org/2007/05/xmldsig-more#sha3-256-rsa-MGF1",
    ),
    (
        SignatureAlgorithm::RsaPssSha3_384,
        "http://www.w3.org/2007/05/xmldsig-more#sha3-384-rsa-MGF1",
    ),
    (
        SignatureAlgorithm::RsaPssSha3_512,
        "http://www.w3.org/2007/05/xmldsig-more#sha3-512-rsa-MGF1",
    ),
    (
        SignatureAlgorithm::EcdsaP256Sha256,
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    ),
    (
        SignatureAlgorithm::EcdsaSha384,
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    ),
    (
        SignatureAlgorithm::EcdsaSha512,
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
    ),
    (
        SignatureAlgorithm::EcdsaSha1,
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1",
    ),
    (
        SignatureAlgorithm::EcdsaSha224,
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha224",
    ),
    (
        SignatureAlgorithm::EcdsaSha3_224,
        "http://www.w3.org/2021/04/xmldsig-more#ecdsa-sha3-224",
    ),
    (
        SignatureAlgorithm::EcdsaSha3_256,
        "http://www.w3.org/2021/04/xmldsig-more#ecdsa-sha3-256",
    ),
    (
        SignatureAlgorithm::EcdsaSha3_384,
        "http://www.w3.org/2021/04/xmldsig-more#ecdsa-sha3-384",
    ),
    (
        SignatureAlgorithm::EcdsaSha3_512,
        "http://www.w3.org/2021/04/xmldsig-more#ecdsa-sha3-512",
    ),
    (
        SignatureAlgorithm::EcdsaRipemd160,
        "http://www.w3.org/2007/05/xmldsig-more#ecdsa-ripemd160",
    ),
    (
        SignatureAlgorithm::DsaSha1,
        "http://www.w3.org/2000/09/xmldsig#dsa-sha1",
    ),
    (
        SignatureAlgorithm::DsaSha256,
        "http://www.w3.org/2009/xmldsig11#dsa-sha256",
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
    /// An elliptic-curve key on NIST P-384 (verification only).
    EcP384,
    /// A DSA key (legacy, verification only).
    Dsa,
}

impl KeyKind {
    /// A short name for messages: `"RSA"`, `"EC P-256"`, `"EC P-384"` or `"DSA"`.
    pub fn name(self) -> &'static str {
        match self {
            KeyKind::Rsa => "RSA",
            KeyKind::EcP256 => "EC P-256",
            KeyKind::EcP384 => "EC P-384",
            KeyKind::Dsa => "DSA",
        }
    }
}

const RSA: &[KeyKind] = &[KeyKind::Rsa];
const EC_ANY: &[KeyKind] = &[KeyKind::EcP256, KeyKind::EcP384];

impl SignatureAlgorithm {
    /// The XML-DSig `SignatureMethod/@Algorithm` URI (RFC 3275, RFC 6931, XML-DSig 1.1).
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

    /// Every algorithm, in the order of their URIs.
    pub fn all() -> impl Iterator<Item = SignatureAlgorithm> {
        SIGNATURE_URIS.iter().map(|(alg, _)| *alg)
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
            SignatureAlgorithm::RsaPssSha1 => "rsa-pss-sha1",
            SignatureAlgorithm::RsaPssSha224 => "rsa-pss-sha224",
            SignatureAlgorithm::RsaPssSha3_224 => "rsa-pss-sha3-224",
            SignatureAlgorithm::RsaPssSha3_256 => "rsa-pss-sha3-256",
            SignatureAlgorithm::RsaPssSha3_384 => "rsa-pss-sha3-384",
            SignatureAlgorithm::RsaPssSha3_512 => "rsa-pss-sha3-512",
            SignatureAlgorithm::EcdsaP256Sha256 => "ecdsa-p256-sha256",
            SignatureAlgorithm::EcdsaSha384 => "ecdsa-sha384",
            SignatureAlgorithm::EcdsaSha512 => "ecdsa-sha512",
            SignatureAlgorithm::EcdsaSha1 => "ecdsa-sha1",
            SignatureAlgorithm::EcdsaSha224 => "ecdsa-sha224",
            SignatureAlgorithm::EcdsaSha3_224 => "ecdsa-sha3-224",
            SignatureAlgorithm::EcdsaSha3_256 => "ecdsa-sha3-256",
            SignatureAlgorithm::EcdsaSha3_384 => "ecdsa-sha3-384",
            SignatureAlgorithm::EcdsaSha3_512 => "ecdsa-sha3-512",
            SignatureAlgorithm::EcdsaRipemd160 => "ecdsa-ripemd160",
            SignatureAlgorithm::DsaSha1 => "dsa-sha1",
            SignatureAlgorithm::DsaSha256 => "dsa-sha256",
        }
    }

    /// The digest the algorithm hashes the message with.
    pub fn digest(self) -> DigestAlgorithm {
        use SignatureAlgorithm as S;
        match self {
            S::RsaPkcs1Sha1 | S::RsaPssSha1 | S::EcdsaSha1 | S::DsaSha1 => DigestAlgorithm::Sha1,
            S::RsaPssSha224 | S::EcdsaSha224 => DigestAlgorithm::Sha224,
            S::RsaPkcs1Sha256 | S::RsaPssSha256 | S::EcdsaP256Sha256 | S::DsaSha256 => {
                DigestAlgorithm::Sha256
            }
            S::RsaPkcs1Sha384 | S::RsaPssSha384 | S::EcdsaSha384 => DigestAlgorithm::Sha384,
            S::RsaPkcs1Sha512 | S::RsaPssSha512 | S::EcdsaSha512 => DigestAlgorithm::Sha512,
            S::RsaPssSha3_224 | S::EcdsaSha3_224 => DigestAlgorithm::Sha3_224,
            S::RsaPssSha3_256 | S::EcdsaSha3_256 => DigestAlgorithm::Sha3_256,
            S::RsaPssSha3_384 | S::EcdsaSha3_384 => DigestAlgorithm::Sha3_384,
            S::RsaPssSha3_512 | S::EcdsaSha3_512 => DigestAlgorithm::Sha3_512,
            S::EcdsaRipemd160 => DigestAlgorithm::Ripemd160,
        }
    }

    /// The kinds of key the algorithm works with: one, except for the ECDSA algorithms whose
    /// curve XML-DSig leaves to the key (P-256 or P-384).
    pub fn key_kinds(self) -> &'static [KeyKind] {
        use SignatureAlgorithm as S;
        match self {
            S::EcdsaP256Sha256 => &[KeyKind::EcP256],
            S::EcdsaSha384
            | S::EcdsaSha512
            | S::EcdsaSha1
            | S::EcdsaSha224
            | S::EcdsaSha3_224
            | S::EcdsaSha3_256
            | S::EcdsaSha3_384
            | S::EcdsaSha3_512
            | S::EcdsaRipemd160 => EC_ANY,
            S::DsaSha1 | S::DsaSha256 => &[KeyKind::Dsa],
            _ => RSA,
        }
    }

    /// Whether the algorithm is only allowed through a named legacy entry point (see the
    /// type's docs for which and why).
    pub fn is_legacy(self) -> bool {
        use SignatureAlgorithm as S;
        !matches!(
            self,
            S::RsaPkcs1Sha256
                | S::RsaPkcs1Sha384
                | S::RsaPkcs1Sha512
                | S::RsaPssSha256
                | S::RsaPssSha384
                | S::RsaPssSha512
                | S::EcdsaP256Sha256
                | S::EcdsaSha384
                | S::EcdsaSha512
        )
    }

    /// Whether fedkit signs with the algorithm (RSA PKCS#1 v1.5 and PSS with SHA-256/384/512,
    /// ECDSA P-256 SHA-256); the others verify only.
    pub fn can_sign(self) -> bool {
        !self.is_legacy()
            && !matches!(
                self,
                SignatureAlgorithm::EcdsaSha384 | SignatureAlgorithm::EcdsaSha512
            )
    }

    /// Checks that the algorithm fits a key of `kind` and that it is a legacy algorithm exactly
    /// when `legacy` is set (the default entry points refuse legacy algorithms; the legacy entry
    /// points take nothing else). Backends call this before every operation so that every
    /// backend refuses the same things with the same errors.
    pub fn check_usable(self, kind: KeyKind, legacy: bool) -> Result<()> {
        if self.is_legacy() != legacy {
            return Err(Error::AlgorithmNotAllowed {
                algorithm: self.name(),
            });
        }
        if !self.key_kinds().contains(&kind) {
            return Err(Error::AlgorithmKeyMismatch {
                algorithm: self.name(),
                key: kind.name(),
            });
        }
        Ok(())
    }
}

/// A message digest, for XML-DSig `DigestMethod` and fingerprints.
///
/// SHA-256/384/512 are the default for XML-DSig references; SHA-1, SHA-224, the SHA-3 family and
/// RIPEMD-160 are there for legacy verification (see [`SignatureAlgorithm`] for why).
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
    /// SHA-224 (legacy).
    Sha224,
    /// SHA3-224 (legacy).
    Sha3_224,
    /// SHA3-256 (legacy).
    Sha3_256,
    /// SHA3-384 (legacy).
    Sha3_384,
    /// SHA3-512 (legacy).
    Sha3_512,
    /// RIPEMD-160 (legacy).
    Ripemd160,
}

const DIGEST_URIS: [(DigestAlgorithm, &str); 10] = [
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
    (
        DigestAlgorithm::Sha224,
        "http://www.w3.org/2001/04/xmldsig-more#sha224",
    ),
    (
        DigestAlgorithm::Sha3_224,
        "http://www.w3.org/2007/05/xmldsig-more#sha3-224",
    ),
    (
        DigestAlgorithm::Sha3_256,
        "http://www.w3.org/2007/05/xmldsig-more#sha3-256",
    ),
    (
        DigestAlgorithm::Sha3_384,
        "http://www.w3.org/2007/05/xmldsig-more#sha3-384",
    ),
    (
        DigestAlgorithm::Sha3_512,
        "http://www.w3.org/2007/05/xmldsig-more#sha3-512",
    ),
    (
        DigestAlgorithm::Ripemd160,
        "http://www.w3.org/2001/04/xmlenc#ripemd160",
    ),
];

impl DigestAlgorithm {
    /// The XML-DSig `DigestMethod/@Algorithm` URI (RFC 3275, RFC 4051, RFC 6931, XML-Enc).
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
            DigestAlgorithm::Sha1 | DigestAlgorithm::Ripemd160 => 20,
            DigestAlgorithm::Sha224 | DigestAlgorithm::Sha3_224 => 28,
            DigestAlgorithm::Sha256 | DigestAlgorithm::Sha3_256 => 32,
            DigestAlgorithm::Sha384 | DigestAlgorithm::Sha3_384 => 48,
            DigestAlgorithm::Sha512 | DigestAlgorithm::Sha3_512 => 64,
        }
    }

    /// A short name: `"sha1"`, `"sha256"`, `"sha3-256"`, `"ripemd160"`, …
    pub fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha1 => "sha1",
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Sha384 => "sha384",
            DigestAlgorithm::Sha512 => "sha512",
            DigestAlgorithm::Sha224 => "sha224",
            DigestAlgorithm::Sha3_224 => "sha3-224",
            DigestAlgorithm::Sha3_256 => "sha3-256",
            DigestAlgorithm::Sha3_384 => "sha3-384",
            DigestAlgorithm::Sha3_512 => "sha3-512",
            DigestAlgorithm::Ripemd160 => "ripemd160",
        }
    }
}
