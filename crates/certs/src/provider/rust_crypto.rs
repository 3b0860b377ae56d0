//! The RustCrypto backend: `rsa` 0.10 (PKCS#1 v1.5 and PSS, blinded), `p256`, `sha1`/`sha2`;
//! for verification only also `p384`, `dsa`, `sha3` and `ripemd`.

use core::fmt;

use pkcs8::DecodePublicKey as _;
use rand_core::CryptoRng;
use ripemd::Ripemd160;
use sha1::Sha1;
use sha2::{Digest as _, Sha224, Sha256, Sha384, Sha512};
use sha3::{Sha3_224, Sha3_256, Sha3_384, Sha3_512};
use signature::hazmat::PrehashVerifier as _;

use super::r_s::der_from_r_s;
use super::{CryptoProvider, DigestContext, SigningKey, VerifyingKey};
use crate::key::{PrivateKeyInner, PublicKeyInner};
use crate::{DigestAlgorithm, Error, KeyKind, PrivateKey, PublicKey, Result, SignatureAlgorithm};

/// The pure-Rust provider. [`default_provider`](crate::default_provider) returns one that
/// refuses RSA keys under 2048 bits.
#[derive(Debug, Clone, Copy)]
pub struct RustCryptoProvider {
    min_rsa_bits: usize,
}

impl RustCryptoProvider {
    /// The provider with the secure default: RSA keys of at least 2048 bits.
    pub const fn new() -> Self {
        RustCryptoProvider { min_rsa_bits: 2048 }
    }

    /// A provider that also takes RSA keys down to 1024 bits (see
    /// [`danger::legacy_rsa_1024_provider`](crate::danger::legacy_rsa_1024_provider)).
    pub(crate) const fn allowing_rsa_1024() -> Self {
        RustCryptoProvider { min_rsa_bits: 1024 }
    }

    pub(super) fn check_size(&self, key: &PublicKey) -> Result<()> {
        if key.kind() == KeyKind::Rsa && key.bits() < self.min_rsa_bits {
            return Err(Error::RsaKeyTooSmall {
                bits: key.bits(),
                minimum: self.min_rsa_bits,
            });
        }
        Ok(())
    }
}

impl Default for RustCryptoProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl CryptoProvider for RustCryptoProvider {
    fn signing_key(&self, key: &PrivateKey) -> Result<Box<dyn SigningKey>> {
        self.check_size(key.public_key())?;
        Ok(Box::new(RustCryptoSigningKey {
            key: key.clone(),
            ecdsa: match &key.inner {
                PrivateKeyInner::EcP256(secret) => Some(p256::ecdsa::SigningKey::from(secret)),
                PrivateKeyInner::Rsa(_) => None,
            },
        }))
    }

    fn verifying_key(&self, key: &PublicKey) -> Result<Box<dyn VerifyingKey>> {
        self.check_size(key)?;
        let invalid = |e: spki::Error| Error::InvalidPublicKey {
            reason: e.to_string(),
        };
        let loaded = match &key.inner {
            PublicKeyInner::EcP256(public) => {
                Loaded::EcP256(p256::ecdsa::VerifyingKey::from(public))
            }
            PublicKeyInner::EcP384(public) => {
                Loaded::EcP384(p384::ecdsa::VerifyingKey::from(public))
            }
            PublicKeyInner::Rsa { .. } => {
                Loaded::Rsa(rsa::PublicKey::from_public_key_der(key.spki_der()).map_err(invalid)?)
            }
            PublicKeyInner::Dsa { .. } => Loaded::Dsa(
                dsa::VerifyingKey::from_public_key_der(key.spki_der()).map_err(invalid)?,
            ),
        };
        Ok(Box::new(RustCryptoVerifyingKey {
            key: key.clone(),
            loaded,
        }))
    }

    fn digest(&self, algorithm: DigestAlgorithm) -> Box<dyn DigestContext> {
        match algorithm {
            DigestAlgorithm::Sha1 => Box::new(Hashing(Sha1::new(), algorithm)),
            DigestAlgorithm::Sha256 => Box::new(Hashing(Sha256::new(), algorithm)),
            DigestAlgorithm::Sha384 => Box::new(Hashing(Sha384::new(), algorithm)),
            DigestAlgorithm::Sha512 => Box::new(Hashing(Sha512::new(), algorithm)),
            DigestAlgorithm::Sha224 => Box::new(Hashing(Sha224::new(), algorithm)),
            DigestAlgorithm::Sha3_224 => Box::new(Hashing(Sha3_224::new(), algorithm)),
            DigestAlgorithm::Sha3_256 => Box::new(Hashing(Sha3_256::new(), algorithm)),
            DigestAlgorithm::Sha3_384 => Box::new(Hashing(Sha3_384::new(), algorithm)),
            DigestAlgorithm::Sha3_512 => Box::new(Hashing(Sha3_512::new(), algorithm)),
            DigestAlgorithm::Ripemd160 => Box::new(Hashing(Ripemd160::new(), algorithm)),
        }
    }
}

struct Hashing<D>(D, DigestAlgorithm);

impl<D: sha2::Digest + Send> DigestContext for Hashing<D> {
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    fn finish(self: Box<Self>) -> Vec<u8> {
        self.0.finalize().to_vec()
    }

    fn algorithm(&self) -> DigestAlgorithm {
        self.1
    }
}

struct RustCryptoSigningKey {
    key: PrivateKey,
    ecdsa: Option<p256::ecdsa::SigningKey>,
}

impl fmt::Debug for RustCryptoSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RustCryptoSigningKey")
            .field("key", &self.key)
            .finish()
    }
}

impl SigningKey for RustCryptoSigningKey {
    fn sign(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>> {
        algorithm.check_usable(self.key.kind(), false)?;
        if !algorithm.can_sign() {
            return Err(Error::AlgorithmNotAllowed {
                algorithm: algorithm.name(),
            });
        }
        let failed = |_| Error::SigningFailed;
        match (&self.key.inner, &self.ecdsa) {
            (PrivateKeyInner::Rsa(key), _) => match algorithm {
                SignatureAlgorithm::RsaPkcs1Sha256 => {
                    key.pkcs1v15_sign_with_rng::<Sha256, _>(rng, message)
                }
                SignatureAlgorithm::RsaPkcs1Sha384 => {
                    key.pkcs1v15_sign_with_rng::<Sha384, _>(rng, message)
                }
                SignatureAlgorithm::RsaPkcs1Sha512 => {
                    key.pkcs1v15_sign_with_rng::<Sha512, _>(rng, message)
                }
                SignatureAlgorithm::RsaPssSha256 => {
                    key.pss_sign_with_rng::<Sha256, _>(rng, message)
                }
                SignatureAlgorithm::RsaPssSha384 => {
                    key.pss_sign_with_rng::<Sha384, _>(rng, message)
                }
                SignatureAlgorithm::RsaPssSha512 => {
                    key.pss_sign_with_rng::<Sha512, _>(rng, message)
                }
                _ => return Err(Error::SigningFailed),
            }
            .map_err(failed),
            (PrivateKeyInner::EcP256(_), Some(signer)) => {
                let signature: p256::ecdsa::Signature =
                    signature::Signer::try_sign(signer, message)
                        .map_err(|_| Error::SigningFailed)?;
                Ok(signature.to_bytes().to_vec())
            }
            (PrivateKeyInner::EcP256(_), None) => Err(Error::SigningFailed),
        }
    }

    fn public_key(&self) -> &PublicKey {
        self.key.public_key()
    }
}

/// The backend's own key object, built once per verifying key.
enum Loaded {
    Rsa(rsa::PublicKey),
    EcP256(p256::ecdsa::VerifyingKey),
    EcP384(p384::ecdsa::VerifyingKey),
    Dsa(dsa::VerifyingKey),
}

struct RustCryptoVerifyingKey {
    key: PublicKey,
    loaded: Loaded,
}

impl fmt::Debug for RustCryptoVerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RustCryptoVerifyingKey")
            .field("key", &self.key)
            .finish()
    }
}

impl RustCryptoVerifyingKey {
    fn verify_checked(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<()> {
        use SignatureAlgorithm as S;
        let ok = match &self.loaded {
            Loaded::Rsa(key) => match algorithm {
                S::RsaPkcs1Sha1 => key.pkcs1v15_verify::<Sha1>(message, signature),
                S::RsaPkcs1Sha256 => key.pkcs1v15_verify::<Sha256>(message, signature),
                S::RsaPkcs1Sha384 => key.pkcs1v15_verify::<Sha384>(message, signature),
                S::RsaPkcs1Sha512 => key.pkcs1v15_verify::<Sha512>(message, signature),
                S::RsaPssSha256 => key.pss_verify::<Sha256>(message, signature),
                S::RsaPssSha384 => key.pss_verify::<Sha384>(message, signature),
                S::RsaPssSha512 => key.pss_verify::<Sha512>(message, signature),
                S::RsaPssSha1 => key.pss_verify::<Sha1>(message, signature),
                S::RsaPssSha224 => key.pss_verify::<Sha224>(message, signature),
                S::RsaPssSha3_224 => key.pss_verify::<Sha3_224>(message, signature),
                S::RsaPssSha3_256 => key.pss_verify::<Sha3_256>(message, signature),
                S::RsaPssSha3_384 => key.pss_verify::<Sha3_384>(message, signature),
                S::RsaPssSha3_512 => key.pss_verify::<Sha3_512>(message, signature),
                _ => return Err(Error::SignatureInvalid),
            }
            .is_ok(),
            Loaded::EcP256(key) => {
                let hash = self.prehash(algorithm, message);
                p256::ecdsa::Signature::from_slice(signature)
                    .is_ok_and(|sig| key.verify_prehash(&hash, &sig).is_ok())
            }
            Loaded::EcP384(key) => {
                let hash = self.prehash(algorithm, message);
                p384::ecdsa::Signature::from_slice(signature)
                    .is_ok_and(|sig| key.verify_prehash(&hash, &sig).is_ok())
            }
            Loaded::Dsa(key) => {
                let hash = self.prehash(algorithm, message);
                dsa_signature(signature).is_some_and(|sig| key.verify_prehash(&hash, &sig).is_ok())
            }
        };
        if ok {
            Ok(())
        } else {
            Err(Error::SignatureInvalid)
        }
    }

    fn prehash(&self, algorithm: SignatureAlgorithm, message: &[u8]) -> Vec<u8> {
        RustCryptoProvider::new().digest_bytes(algorithm.digest(), message)
    }
}

/// A DSA `r || s` signature value as the `dsa` crate's signature type.
fn dsa_signature(raw: &[u8]) -> Option<dsa::Signature> {
    let der = der_from_r_s(raw)?;
    dsa::Signature::try_from(der.as_slice()).ok()
}

impl VerifyingKey for RustCryptoVerifyingKey {
    fn verify(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<()> {
        algorithm.check_usable(self.key.kind(), false)?;
        self.verify_checked(algorithm, message, signature)
    }

    fn verify_legacy(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<()> {
        algorithm.check_usable(self.key.kind(), true)?;
        self.verify_checked(algorithm, message, signature)
    }

    fn public_key(&self) -> &PublicKey {
        &self.key
    }
}
