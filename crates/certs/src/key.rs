//! Public and private keys: RSA and ECDSA P-256, in PKCS#8, PKCS#1 and SPKI, PEM and DER; public
//! ECDSA P-384 and DSA keys (SPKI) for verification only.

use core::fmt;

use der::{Decode as _, Encode as _};
use pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rand_core::CryptoRng;
use rsa::traits::PublicKeyParts;
use zeroize::Zeroizing;

use crate::{Error, KeyKind, Result};

/// The RSA key sizes fedkit generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum RsaKeySize {
    /// 2048 bits, what AWS IAM Identity Center generates.
    #[default]
    Bits2048,
    /// 3072 bits.
    Bits3072,
    /// 4096 bits.
    Bits4096,
}

impl RsaKeySize {
    /// The size in bits.
    pub fn bits(self) -> usize {
        match self {
            RsaKeySize::Bits2048 => 2048,
            RsaKeySize::Bits3072 => 3072,
            RsaKeySize::Bits4096 => 4096,
        }
    }

    /// The size for a bit count, if fedkit generates keys of that size.
    pub fn from_bits(bits: usize) -> Result<Self> {
        match bits {
            2048 => Ok(RsaKeySize::Bits2048),
            3072 => Ok(RsaKeySize::Bits3072),
            4096 => Ok(RsaKeySize::Bits4096),
            _ => Err(Error::UnsupportedRsaKeySize { bits }),
        }
    }
}

#[derive(Clone)]
pub(crate) enum PublicKeyInner {
    /// Only checked for shape here; the provider builds its key object (a costly Montgomery
    /// set-up) once, when the key is loaded for verification.
    Rsa {
        bits: usize,
    },
    EcP256(p256::PublicKey),
    EcP384(p384::PublicKey),
    /// Checked (group parameters and `y`) when read; the provider decodes it again from the SPKI.
    Dsa {
        bits: usize,
    },
}

/// A public key (RSA, ECDSA P-256 or P-384, DSA), compared by its canonical SPKI encoding.
///
/// P-384 and DSA keys are for verification only (fedkit has no P-384 or DSA private keys).
#[derive(Clone)]
pub struct PublicKey {
    pub(crate) inner: PublicKeyInner,
    spki_der: Vec<u8>,
}

impl PublicKey {
    /// Reads a DER `SubjectPublicKeyInfo`.
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        let spki =
            spki::SubjectPublicKeyInfoRef::try_from(der).map_err(|e| Error::InvalidPublicKey {
                reason: e.to_string(),
            })?;
        let oid = spki.algorithm.oid;
        if oid == const_oid_rsa() {
            let bits = spki
                .subject_public_key
                .as_bytes()
                .ok_or(Error::InvalidPublicKey {
                    reason: "key bit string has unused bits".into(),
                })?;
            Self::from_pkcs1_public_der(bits)
        } else if oid == const_oid_ec() {
            let curve = spki
                .algorithm
                .parameters
                .and_then(|p| p.decode_as::<spki::ObjectIdentifier>().ok());
            if curve == Some(const_oid_p384()) {
                let key = p384::PublicKey::from_public_key_der(der).map_err(|e| {
                    Error::InvalidPublicKey {
                        reason: e.to_string(),
                    }
                })?;
                return Self::from_p384(key);
            }
            if curve != Some(const_oid_p256()) {
                return Err(Error::UnsupportedKeyAlgorithm {
                    oid: match curve {
                        Some(c) => format!("{oid} curve {c}"),
                        None => format!("{oid} with unnamed curve"),
                    },
                });
            }
            let key =
                p256::PublicKey::from_public_key_der(der).map_err(|e| Error::InvalidPublicKey {
                    reason: e.to_string(),
                })?;
            Self::from_p256(key)
        } else if oid == const_oid_dsa() {
            let key = dsa::VerifyingKey::try_from(spki).map_err(|e| Error::InvalidPublicKey {
                reason: e.to_string(),
            })?;
            let bits = key.components().p().bit_width() as usize;
            let spki_der = dsa_spki_der(&key)?;
            Ok(PublicKey {
                inner: PublicKeyInner::Dsa { bits },
                spki_der,
            })
        } else {
            Err(Error::UnsupportedKeyAlgorithm {
                oid: oid.to_string(),
            })
        }
    }

    /// Reads a PEM `PUBLIC KEY` (SPKI) or `RSA PUBLIC KEY` (PKCS#1) block.
    pub fn from_pem(pem: &str) -> Result<Self> {
        let (label, der) = pem_decode(pem)?;
        match label.as_str() {
            "PUBLIC KEY" => Self::from_spki_der(&der),
            "RSA PUBLIC KEY" => Self::from_pkcs1_public_der(&der),
            _ => Err(Error::MalformedPem {
                reason: "expected a PUBLIC KEY or RSA PUBLIC KEY block",
            }),
        }
    }

    /// Checks a PKCS#1 `RSAPublicKey` the way `rsa` 0.10 does (modulus odd, 1024 to 8192 bits;
    /// exponent from 2 to 2^33 - 1 and below the modulus) and keeps its canonical SPKI.
    fn from_pkcs1_public_der(pkcs1_der: &[u8]) -> Result<Self> {
        let invalid = |reason: &str| Error::InvalidPublicKey {
            reason: reason.into(),
        };
        let key =
            pkcs1::RsaPublicKey::<der::asn1::UintRef<'_>>::from_der(pkcs1_der).map_err(|e| {
                Error::InvalidPublicKey {
                    reason: e.to_string(),
                }
            })?;
        let modulus = key.modulus.as_bytes();
        let exponent = key.public_exponent.as_bytes();
        let bits = bit_length(modulus);
        if !(rsa::PublicKey::MIN_SIZE..=rsa::PublicKey::MAX_SIZE).contains(&bits) {
            return Err(invalid("RSA modulus size out of range"));
        }
        if modulus.last().is_none_or(|b| b & 1 == 0) {
            return Err(invalid("RSA modulus is even"));
        }
        let e_bits = bit_length(exponent);
        let e_value = exponent
            .iter()
            .fold(0u64, |acc, &b| acc.wrapping_shl(8) | u64::from(b));
        if e_bits > 33 || !(2..=(1u64 << 33) - 1).contains(&e_value) {
            return Err(invalid("RSA public exponent out of range"));
        }
        let spki = spki::SubjectPublicKeyInfoOwned {
            algorithm: spki::AlgorithmIdentifierOwned {
                oid: const_oid_rsa(),
                parameters: Some(der::Any::null()),
            },
            subject_public_key: der::asn1::BitString::from_bytes(&key.to_der().map_err(|e| {
                Error::InvalidPublicKey {
                    reason: e.to_string(),
                }
            })?)
            .map_err(|e| Error::InvalidPublicKey {
                reason: e.to_string(),
            })?,
        };
        let spki_der = spki.to_der().map_err(|e| Error::InvalidPublicKey {
            reason: e.to_string(),
        })?;
        Ok(PublicKey {
            inner: PublicKeyInner::Rsa { bits },
            spki_der,
        })
    }

    fn from_rsa(key: &rsa::PublicKey) -> Result<Self> {
        let spki_der = key
            .to_public_key_der()
            .map_err(|e| Error::InvalidPublicKey {
                reason: e.to_string(),
            })?
            .into_vec();
        Ok(PublicKey {
            inner: PublicKeyInner::Rsa {
                bits: key.n().bit_width() as usize,
            },
            spki_der,
        })
    }

    pub(crate) fn from_p256(key: p256::PublicKey) -> Result<Self> {
        let spki_der = key
            .to_public_key_der()
            .map_err(|e| Error::InvalidPublicKey {
                reason: e.to_string(),
            })?
            .into_vec();
        Ok(PublicKey {
            inner: PublicKeyInner::EcP256(key),
            spki_der,
        })
    }

    fn from_p384(key: p384::PublicKey) -> Result<Self> {
        let spki_der = key
            .to_public_key_der()
            .map_err(|e| Error::InvalidPublicKey {
                reason: e.to_string(),
            })?
            .into_vec();
        Ok(PublicKey {
            inner: PublicKeyInner::EcP384(key),
            spki_der,
        })
    }

    /// The canonical DER `SubjectPublicKeyInfo`.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The key as a PEM `PUBLIC KEY` block (LF line endings).
    pub fn to_pem(&self) -> String {
        pem_encode("PUBLIC KEY", &self.spki_der)
    }

    /// RSA, EC P-256, EC P-384 or DSA.
    pub fn kind(&self) -> KeyKind {
        match self.inner {
            PublicKeyInner::Rsa { .. } => KeyKind::Rsa,
            PublicKeyInner::EcP256(_) => KeyKind::EcP256,
            PublicKeyInner::EcP384(_) => KeyKind::EcP384,
            PublicKeyInner::Dsa { .. } => KeyKind::Dsa,
        }
    }

    /// The key size: the RSA modulus or DSA prime length, or 256 / 384 for the curves.
    pub fn bits(&self) -> usize {
        match &self.inner {
            PublicKeyInner::Rsa { bits } | PublicKeyInner::Dsa { bits } => *bits,
            PublicKeyInner::EcP256(_) => 256,
            PublicKeyInner::EcP384(_) => 384,
        }
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.spki_der == other.spki_der
    }
}

impl Eq for PublicKey {}

impl core::hash::Hash for PublicKey {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.spki_der.hash(state);
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("kind", &self.kind())
            .field("bits", &self.bits())
            .finish()
    }
}

#[derive(Clone)]
pub(crate) enum PrivateKeyInner {
    Rsa(Box<rsa::PrivateKey>),
    EcP256(p256::SecretKey),
}

/// A private key (RSA or ECDSA P-256). Key material is zeroised on drop and never printed.
#[derive(Clone)]
pub struct PrivateKey {
    pub(crate) inner: PrivateKeyInner,
    public: PublicKey,
}

impl PrivateKey {
    /// Generates an RSA key (public exponent 65537) from the caller's RNG.
    ///
    /// Slow in debug builds (seconds for 2048 bits); tests keep keys as fixtures.
    pub fn generate_rsa<R: CryptoRng + ?Sized>(rng: &mut R, size: RsaKeySize) -> Result<Self> {
        let key = rsa::PrivateKey::new(rng, size.bits()).map_err(|_| Error::KeyGenerationFailed)?;
        Self::from_rsa(key)
    }

    /// Generates an ECDSA P-256 key from the caller's RNG.
    pub fn generate_ec_p256<R: CryptoRng + ?Sized>(rng: &mut R) -> Result<Self> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        // Rejection sampling: a uniform scalar in [1, n). Fails with negligible probability.
        for _ in 0..64 {
            rng.fill_bytes(bytes.as_mut());
            if let Ok(key) = p256::SecretKey::from_slice(bytes.as_ref()) {
                return Self::from_p256(key);
            }
        }
        Err(Error::KeyGenerationFailed)
    }

    fn from_rsa(key: rsa::PrivateKey) -> Result<Self> {
        let public = PublicKey::from_rsa(key.as_public_key())?;
        Ok(PrivateKey {
            inner: PrivateKeyInner::Rsa(Box::new(key)),
            public,
        })
    }

    fn from_p256(key: p256::SecretKey) -> Result<Self> {
        let public = PublicKey::from_p256(key.public_key())?;
        Ok(PrivateKey {
            inner: PrivateKeyInner::EcP256(key),
            public,
        })
    }

    /// Reads a DER PKCS#8 `PrivateKeyInfo` (RSA or EC P-256, unencrypted).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        let info = pkcs8::PrivateKeyInfoRef::try_from(der).map_err(invalid_private)?;
        let oid = info.algorithm.oid;
        if oid == const_oid_rsa() {
            let key = rsa::PrivateKey::from_pkcs8_der(der).map_err(invalid_private)?;
            Self::from_rsa(key)
        } else if oid == const_oid_ec() {
            let key = p256::SecretKey::from_pkcs8_der(der).map_err(invalid_private)?;
            Self::from_p256(key)
        } else {
            Err(Error::UnsupportedKeyAlgorithm {
                oid: oid.to_string(),
            })
        }
    }

    /// Reads a DER PKCS#1 `RSAPrivateKey`.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self> {
        let key = rsa::PrivateKey::from_pkcs1_der(der).map_err(invalid_private)?;
        Self::from_rsa(key)
    }

    /// Reads DER that is either PKCS#8 or PKCS#1.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        Self::from_pkcs8_der(der).or_else(|pkcs8_error| {
            if matches!(pkcs8_error, Error::UnsupportedKeyAlgorithm { .. }) {
                return Err(pkcs8_error);
            }
            Self::from_pkcs1_der(der).map_err(|_| pkcs8_error)
        })
    }

    /// Reads a PEM `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1) block. Encrypted keys
    /// are refused.
    pub fn from_pem(pem: &str) -> Result<Self> {
        let (label, der) = pem_decode(pem)?;
        match label.as_str() {
            "PRIVATE KEY" => Self::from_pkcs8_der(&der),
            "RSA PRIVATE KEY" => Self::from_pkcs1_der(&der),
            _ => Err(Error::MalformedPem {
                reason: "expected a PRIVATE KEY or RSA PRIVATE KEY block",
            }),
        }
    }

    /// The key as DER PKCS#8.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        let doc = match &self.inner {
            PrivateKeyInner::Rsa(key) => key.to_pkcs8_der(),
            PrivateKeyInner::EcP256(key) => key.to_pkcs8_der(),
        }
        .map_err(invalid_private)?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    /// The key as a PEM `PRIVATE KEY` (PKCS#8) block with LF line endings.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>> {
        let der = self.to_pkcs8_der()?;
        Ok(Zeroizing::new(pem_encode("PRIVATE KEY", &der)))
    }

    /// The key as DER PKCS#1 (RSA keys only).
    pub fn to_pkcs1_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        match &self.inner {
            PrivateKeyInner::Rsa(key) => {
                let doc = key.to_pkcs1_der().map_err(invalid_private)?;
                Ok(Zeroizing::new(doc.as_bytes().to_vec()))
            }
            PrivateKeyInner::EcP256(_) => Err(Error::UnsupportedKeyAlgorithm {
                oid: "PKCS#1 holds RSA keys only".into(),
            }),
        }
    }

    /// The key as a PEM `RSA PRIVATE KEY` (PKCS#1) block (RSA keys only).
    pub fn to_pkcs1_pem(&self) -> Result<Zeroizing<String>> {
        let der = self.to_pkcs1_der()?;
        Ok(Zeroizing::new(pem_encode("RSA PRIVATE KEY", &der)))
    }

    /// The matching public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// RSA or EC P-256.
    pub fn kind(&self) -> KeyKind {
        self.public.kind()
    }

    /// The key size in bits.
    pub fn bits(&self) -> usize {
        self.public.bits()
    }
}

impl PartialEq for PrivateKey {
    /// Keys are equal when their public halves are; comparing secrets is not needed to tell
    /// keys apart and would not be constant time.
    fn eq(&self, other: &Self) -> bool {
        self.public == other.public
    }
}

impl Eq for PrivateKey {}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("kind", &self.kind())
            .field("bits", &self.bits())
            .finish_non_exhaustive()
    }
}

/// Bit length of a big-endian unsigned integer.
fn bit_length(bytes: &[u8]) -> usize {
    let mut digits = bytes.iter().skip_while(|b| **b == 0);
    match digits.next() {
        Some(first) => 8 * digits.count() + (8 - first.leading_zeros() as usize),
        None => 0,
    }
}

fn invalid_private(e: impl fmt::Display) -> Error {
    Error::InvalidPrivateKey {
        reason: e.to_string(),
    }
}

fn const_oid_rsa() -> spki::ObjectIdentifier {
    spki::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1")
}

fn const_oid_ec() -> spki::ObjectIdentifier {
    spki::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1")
}

fn const_oid_p256() -> spki::ObjectIdentifier {
    spki::ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7")
}

fn const_oid_p384() -> spki::ObjectIdentifier {
    spki::ObjectIdentifier::new_unwrap("1.3.132.0.34")
}

fn const_oid_dsa() -> spki::ObjectIdentifier {
    spki::ObjectIdentifier::new_unwrap("1.2.840.10040.4.1")
}

/// The canonical SPKI of a DSA key, so that equal keys compare equal however they were encoded.
fn dsa_spki_der(key: &dsa::VerifyingKey) -> Result<Vec<u8>> {
    key.to_public_key_der()
        .map(|doc| doc.into_vec())
        .map_err(|e| Error::InvalidPublicKey {
            reason: e.to_string(),
        })
}

/// Decodes one PEM block, tolerant of CRLF, surrounding text and any line length.
fn pem_decode(pem: &str) -> Result<(String, Zeroizing<Vec<u8>>)> {
    let blocks = crate::decode::pem_blocks(pem.as_bytes(), &crate::ParseLimits::default())?;
    let mut blocks = blocks.into_iter();
    let Some(first) = blocks.next() else {
        return Err(Error::MalformedPem {
            reason: "no BEGIN line",
        });
    };
    if blocks.next().is_some() {
        return Err(Error::MalformedPem {
            reason: "more than one PEM block",
        });
    }
    Ok((first.label, Zeroizing::new(first.der)))
}

pub(crate) fn pem_encode(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::with_capacity(body.len() + body.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for line in body.as_bytes().chunks(64) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(core::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}
