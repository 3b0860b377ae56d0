//! The aws-lc-rs backend (feature `aws-lc`): AWS-LC signs RSA PKCS#1 v1.5, verifies RSA and
//! ECDSA, and computes the SHA-1, SHA-2 and SHA3-256/384/512 digests. The rest stays on
//! RustCrypto, inside this provider: what aws-lc-rs does not offer (DSA, SHA-224 and SHA-3 with
//! RSA-PSS, the rarer ECDSA digests, SHA3-224, RIPEMD-160) and what aws-lc-rs would do only with
//! randomness of its own (RSA-PSS salts, ECDSA nonces), so that those signatures keep taking
//! their randomness from the caller's RNG (PSS) or none at all (RFC 6979 ECDSA).

use core::fmt;
use std::sync::OnceLock;

use aws_lc_rs::digest;
use aws_lc_rs::signature::{self, ParsedPublicKey, RsaKeyPair, VerificationAlgorithm};
use rand_core::CryptoRng;

use super::r_s::der_from_r_s;
use super::{CryptoProvider, DigestContext, RustCryptoProvider, SigningKey, VerifyingKey};
use crate::{DigestAlgorithm, Error, KeyKind, PrivateKey, PublicKey, Result, SignatureAlgorithm};

/// The AWS-LC provider (cargo feature `aws-lc`): RSA signing about 5x, RSA verification about
/// 2.7x and ECDSA verification about 4.8x faster than RustCrypto here (x86_64), at the cost of
/// building AWS-LC's C code. Refuses RSA keys under 2048 bits, as the default provider does.
///
/// Which operations AWS-LC does and where its own randomness comes in is in the crate README
/// (Backends); signatures it makes are the same bytes the default provider makes.
#[derive(Debug, Clone, Copy, Default)]
pub struct AwsLcProvider {
    rust_crypto: RustCryptoProvider,
}

impl AwsLcProvider {
    /// The provider with the secure default: RSA keys of at least 2048 bits.
    pub const fn new() -> Self {
        AwsLcProvider {
            rust_crypto: RustCryptoProvider::new(),
        }
    }
}

impl CryptoProvider for AwsLcProvider {
    fn signing_key(&self, key: &PrivateKey) -> Result<Box<dyn SigningKey>> {
        // The RustCrypto key checks the size and signs what AWS-LC does not (see the module docs).
        let rust_crypto = self.rust_crypto.signing_key(key)?;
        let rsa = match key.kind() {
            KeyKind::Rsa => {
                let pkcs8 = key.to_pkcs8_der()?;
                Some(
                    RsaKeyPair::from_pkcs8(&pkcs8).map_err(|e| Error::InvalidPrivateKey {
                        reason: e.to_string(),
                    })?,
                )
            }
            _ => None,
        };
        Ok(Box::new(AwsLcSigningKey { rsa, rust_crypto }))
    }

    fn verifying_key(&self, key: &PublicKey) -> Result<Box<dyn VerifyingKey>> {
        self.rust_crypto.check_size(key)?;
        let loaded = AwsLcVerifyingKey {
            key: key.clone(),
            parsed: Default::default(),
            rust_crypto: OnceLock::new(),
        };
        // Parse now, for the algorithm the key kind is used with most, so that a key AWS-LC
        // refuses fails here and not at its first signature.
        match usual_algorithm(key.kind()).and_then(|a| aws_lc_verification(key.kind(), a)) {
            Some(verification) => {
                loaded.parsed(verification)?;
            }
            None => {
                loaded.rust_crypto()?;
            }
        }
        Ok(Box::new(loaded))
    }

    fn digest(&self, algorithm: DigestAlgorithm) -> Box<dyn DigestContext> {
        match aws_lc_digest(algorithm) {
            Some(aws) => Box::new(Hashing(digest::Context::new(aws), algorithm)),
            None => self.rust_crypto.digest(algorithm),
        }
    }

    fn digest_bytes(&self, algorithm: DigestAlgorithm, data: &[u8]) -> Vec<u8> {
        match aws_lc_digest(algorithm) {
            Some(aws) => digest::digest(aws, data).as_ref().to_vec(),
            None => self.rust_crypto.digest_bytes(algorithm, data),
        }
    }
}

fn aws_lc_digest(algorithm: DigestAlgorithm) -> Option<&'static digest::Algorithm> {
    match algorithm {
        DigestAlgorithm::Sha1 => Some(&digest::SHA1_FOR_LEGACY_USE_ONLY),
        DigestAlgorithm::Sha224 => Some(&digest::SHA224),
        DigestAlgorithm::Sha256 => Some(&digest::SHA256),
        DigestAlgorithm::Sha384 => Some(&digest::SHA384),
        DigestAlgorithm::Sha512 => Some(&digest::SHA512),
        DigestAlgorithm::Sha3_256 => Some(&digest::SHA3_256),
        DigestAlgorithm::Sha3_384 => Some(&digest::SHA3_384),
        DigestAlgorithm::Sha3_512 => Some(&digest::SHA3_512),
        DigestAlgorithm::Sha3_224 | DigestAlgorithm::Ripemd160 => None,
    }
}

struct Hashing(digest::Context, DigestAlgorithm);

impl DigestContext for Hashing {
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    fn finish(self: Box<Self>) -> Vec<u8> {
        self.0.finish().as_ref().to_vec()
    }

    fn algorithm(&self) -> DigestAlgorithm {
        self.1
    }
}

struct AwsLcSigningKey {
    /// AWS-LC's parsed key, for PKCS#1 v1.5; `None` for EC keys.
    rsa: Option<RsaKeyPair>,
    /// RSA-PSS and ECDSA, and the checks every signature goes through first.
    rust_crypto: Box<dyn SigningKey>,
}

impl fmt::Debug for AwsLcSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsLcSigningKey")
            .field("key", self.rust_crypto.public_key())
            .finish_non_exhaustive()
    }
}

impl SigningKey for AwsLcSigningKey {
    fn sign(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>> {
        let padding: &'static dyn signature::RsaEncoding = match algorithm {
            SignatureAlgorithm::RsaPkcs1Sha256 => &signature::RSA_PKCS1_SHA256,
            SignatureAlgorithm::RsaPkcs1Sha384 => &signature::RSA_PKCS1_SHA384,
            SignatureAlgorithm::RsaPkcs1Sha512 => &signature::RSA_PKCS1_SHA512,
            _ => return self.rust_crypto.sign(algorithm, message, rng),
        };
        let Some(pair) = &self.rsa else {
            // Not an RSA key: the RustCrypto key refuses with the documented error.
            return self.rust_crypto.sign(algorithm, message, rng);
        };
        let mut signature = vec![0; pair.public_modulus_len()];
        // aws-lc-rs ignores this argument (AWS-LC blinds with its own DRBG; see the README's
        // Backends section); its sealed trait takes no RNG of ours.
        let unused = aws_lc_rs::rand::SystemRandom::new();
        pair.sign(padding, &unused, message, &mut signature)
            .map_err(|_| Error::SigningFailed)?;
        Ok(signature)
    }

    fn public_key(&self) -> &PublicKey {
        self.rust_crypto.public_key()
    }
}

/// The algorithm SAML peers use with a key of `kind`; `None` for kinds AWS-LC does not load.
fn usual_algorithm(kind: KeyKind) -> Option<SignatureAlgorithm> {
    match kind {
        KeyKind::Rsa => Some(SignatureAlgorithm::RsaPkcs1Sha256),
        KeyKind::EcP256 => Some(SignatureAlgorithm::EcdsaP256Sha256),
        KeyKind::EcP384 => Some(SignatureAlgorithm::EcdsaSha384),
        _ => None,
    }
}

/// How a signature value goes to AWS-LC.
#[derive(Clone, Copy)]
enum Form {
    /// As it comes: RSA, and ECDSA through aws-lc-rs's fixed-width (`r || s`) algorithms.
    AsIs,
    /// ECDSA through aws-lc-rs's ASN.1 algorithms: `r || s` of exactly `2 * half` bytes, as DER.
    RsToDer { half: usize },
}

/// One AWS-LC verification algorithm for one key kind; `slot` indexes the key's cache.
#[derive(Clone, Copy)]
struct Verification {
    slot: usize,
    algorithm: &'static dyn VerificationAlgorithm,
    form: Form,
}

/// The most AWS-LC verification algorithms a key kind has (RSA: PKCS#1 v1.5 with four digests,
/// PSS with three).
const SLOTS: usize = 7;

/// The AWS-LC algorithm for `algorithm` on a key of `kind`, or `None` where aws-lc-rs has none
/// (the RustCrypto key verifies those).
fn aws_lc_verification(kind: KeyKind, algorithm: SignatureAlgorithm) -> Option<Verification> {
    use SignatureAlgorithm as S;
    use signature as aws;
    let v = |slot, algorithm, form| {
        Some(Verification {
            slot,
            algorithm,
            form,
        })
    };
    let p256 = Form::RsToDer { half: 32 };
    let p384 = Form::RsToDer { half: 48 };
    match (kind, algorithm) {
        (KeyKind::Rsa, S::RsaPkcs1Sha256) => v(0, &aws::RSA_PKCS1_2048_8192_SHA256, Form::AsIs),
        (KeyKind::Rsa, S::RsaPkcs1Sha384) => v(1, &aws::RSA_PKCS1_2048_8192_SHA384, Form::AsIs),
        (KeyKind::Rsa, S::RsaPkcs1Sha512) => v(2, &aws::RSA_PKCS1_2048_8192_SHA512, Form::AsIs),
        (KeyKind::Rsa, S::RsaPssSha256) => v(3, &aws::RSA_PSS_2048_8192_SHA256, Form::AsIs),
        (KeyKind::Rsa, S::RsaPssSha384) => v(4, &aws::RSA_PSS_2048_8192_SHA384, Form::AsIs),
        (KeyKind::Rsa, S::RsaPssSha512) => v(5, &aws::RSA_PSS_2048_8192_SHA512, Form::AsIs),
        (KeyKind::Rsa, S::RsaPkcs1Sha1) => v(
            6,
            &aws::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
            Form::AsIs,
        ),
        (KeyKind::EcP256, S::EcdsaP256Sha256) => v(0, &aws::ECDSA_P256_SHA256_FIXED, Form::AsIs),
        (KeyKind::EcP256, S::EcdsaSha384) => v(1, &aws::ECDSA_P256_SHA384_ASN1, p256),
        (KeyKind::EcP256, S::EcdsaSha512) => v(2, &aws::ECDSA_P256_SHA512_ASN1, p256),
        (KeyKind::EcP256, S::EcdsaSha1) => v(3, &aws::ECDSA_P256_SHA1_ASN1, p256),
        (KeyKind::EcP384, S::EcdsaSha384) => v(0, &aws::ECDSA_P384_SHA384_FIXED, Form::AsIs),
        (KeyKind::EcP384, S::EcdsaSha512) => v(1, &aws::ECDSA_P384_SHA512_ASN1, p384),
        (KeyKind::EcP384, S::EcdsaSha3_384) => v(2, &aws::ECDSA_P384_SHA3_384_FIXED, Form::AsIs),
        _ => None,
    }
}

struct AwsLcVerifyingKey {
    key: PublicKey,
    /// AWS-LC's parsed key per algorithm, each parsed on first use and kept (aws-lc-rs binds a
    /// parsed key to one algorithm).
    parsed: [OnceLock<ParsedPublicKey>; SLOTS],
    /// The RustCrypto key, for what AWS-LC does not verify; loaded on first use.
    rust_crypto: OnceLock<Box<dyn VerifyingKey>>,
}

impl fmt::Debug for AwsLcVerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsLcVerifyingKey")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl AwsLcVerifyingKey {
    fn parsed(&self, verification: Verification) -> Result<&ParsedPublicKey> {
        let cell = self
            .parsed
            .get(verification.slot)
            .ok_or(Error::SignatureInvalid)?;
        if let Some(parsed) = cell.get() {
            return Ok(parsed);
        }
        let parsed =
            ParsedPublicKey::new(verification.algorithm, self.key.spki_der()).map_err(|e| {
                Error::InvalidPublicKey {
                    reason: e.to_string(),
                }
            })?;
        Ok(cell.get_or_init(|| parsed))
    }

    fn rust_crypto(&self) -> Result<&dyn VerifyingKey> {
        if let Some(loaded) = self.rust_crypto.get() {
            return Ok(loaded.as_ref());
        }
        let loaded = RustCryptoProvider::new().verifying_key(&self.key)?;
        Ok(self.rust_crypto.get_or_init(|| loaded).as_ref())
    }

    fn verify_checked(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
        legacy: bool,
    ) -> Result<()> {
        algorithm.check_usable(self.key.kind(), legacy)?;
        let Some(verification) = aws_lc_verification(self.key.kind(), algorithm) else {
            let fallback = self.rust_crypto()?;
            return if legacy {
                fallback.verify_legacy(algorithm, message, signature)
            } else {
                fallback.verify(algorithm, message, signature)
            };
        };
        let parsed = self.parsed(verification)?;
        let ok = match verification.form {
            Form::AsIs => parsed.verify_sig(message, signature).is_ok(),
            Form::RsToDer { half } => {
                signature.len() == 2 * half
                    && der_from_r_s(signature)
                        .is_some_and(|der| parsed.verify_sig(message, &der).is_ok())
            }
        };
        if ok {
            Ok(())
        } else {
            Err(Error::SignatureInvalid)
        }
    }
}

impl VerifyingKey for AwsLcVerifyingKey {
    fn verify(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<()> {
        self.verify_checked(algorithm, message, signature, false)
    }

    fn verify_legacy(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<()> {
        self.verify_checked(algorithm, message, signature, true)
    }

    fn public_key(&self) -> &PublicKey {
        &self.key
    }
}
