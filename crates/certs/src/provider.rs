//! The crypto provider: signing, verification and digests by algorithm, behind traits, with two
//! backends: RustCrypto (the default) and AWS-LC (feature `aws-lc`).
//!
//! Keys are loaded into provider objects once ([`CryptoProvider::signing_key`],
//! [`CryptoProvider::verifying_key`]) and reused for every signature.

use core::fmt::Debug;

use rand_core::CryptoRng;

use crate::{DigestAlgorithm, PrivateKey, PublicKey, Result, SignatureAlgorithm};

#[cfg(feature = "aws-lc")]
mod aws_lc;
mod r_s;
mod rust_crypto;

#[cfg(feature = "aws-lc")]
pub use aws_lc::AwsLcProvider;
pub use rust_crypto::RustCryptoProvider;

/// A cryptographic backend.
pub trait CryptoProvider: Send + Sync + Debug {
    /// Loads a private key for signing. Fails with
    /// [`Error::RsaKeyTooSmall`](crate::Error::RsaKeyTooSmall) for RSA keys under the
    /// provider's minimum.
    fn signing_key(&self, key: &PrivateKey) -> Result<Box<dyn SigningKey>>;

    /// Loads a public key for verification. Fails with
    /// [`Error::RsaKeyTooSmall`](crate::Error::RsaKeyTooSmall) for RSA keys under the
    /// provider's minimum.
    fn verifying_key(&self, key: &PublicKey) -> Result<Box<dyn VerifyingKey>>;

    /// Starts a streaming digest.
    fn digest(&self, algorithm: DigestAlgorithm) -> Box<dyn DigestContext>;

    /// Digests `data` in one call.
    fn digest_bytes(&self, algorithm: DigestAlgorithm, data: &[u8]) -> Vec<u8> {
        let mut context = self.digest(algorithm);
        context.update(data);
        context.finish()
    }
}

/// A private key loaded into a provider.
pub trait SigningKey: Send + Sync + Debug {
    /// Signs `message` (the whole message; the algorithm hashes it).
    ///
    /// `rng` blinds RSA private-key operations and salts PSS; ECDSA signatures are
    /// deterministic (RFC 6979) and come out as `r || s`. An algorithm fedkit only verifies
    /// ([`SignatureAlgorithm::can_sign`] is false: every legacy one, ECDSA SHA-384/512) is refused
    /// with [`Error::AlgorithmNotAllowed`](crate::Error::AlgorithmNotAllowed); an algorithm for
    /// another key kind with [`Error::AlgorithmKeyMismatch`](crate::Error::AlgorithmKeyMismatch).
    fn sign(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>>;

    /// The public half, to publish or to put into a certificate.
    fn public_key(&self) -> &PublicKey;
}

/// A public key loaded into a provider.
pub trait VerifyingKey: Send + Sync + Debug {
    /// Verifies `signature` over `message` (the whole message; the algorithm hashes it).
    ///
    /// A legacy algorithm ([`SignatureAlgorithm::is_legacy`]) is refused with
    /// [`Error::AlgorithmNotAllowed`](crate::Error::AlgorithmNotAllowed) (use
    /// [`verify_legacy`](Self::verify_legacy)); an algorithm for another key kind with
    /// [`Error::AlgorithmKeyMismatch`](crate::Error::AlgorithmKeyMismatch); a bad signature with
    /// [`Error::SignatureInvalid`](crate::Error::SignatureInvalid).
    fn verify(&self, algorithm: SignatureAlgorithm, message: &[u8], signature: &[u8])
    -> Result<()>;

    /// Verifies a signature made with a legacy algorithm (SHA-1, SHA-224, SHA-3, RIPEMD-160,
    /// DSA), for peers that still send them. Takes only legacy algorithms: a default one is
    /// refused with [`Error::AlgorithmNotAllowed`](crate::Error::AlgorithmNotAllowed), so a
    /// caller cannot route everything through the weaker entry point by accident.
    fn verify_legacy(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<()>;

    /// Verifies an RSA PKCS#1 v1.5 SHA-1 signature: legacy, for peers that still send them.
    fn verify_legacy_sha1(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        self.verify_legacy(SignatureAlgorithm::RsaPkcs1Sha1, message, signature)
    }

    /// The key this verifier checks against.
    fn public_key(&self) -> &PublicKey;
}

/// A digest being computed; feed it with [`update`](Self::update), end it with
/// [`finish`](Self::finish).
pub trait DigestContext: Send {
    /// Feeds more bytes.
    fn update(&mut self, data: &[u8]);

    /// Ends the digest and returns it.
    fn finish(self: Box<Self>) -> Vec<u8>;

    /// The algorithm being computed.
    fn algorithm(&self) -> DigestAlgorithm;
}

static RUST_CRYPTO: RustCryptoProvider = RustCryptoProvider::new();

/// The default provider: RustCrypto (pure Rust), RSA keys of at least 2048 bits.
pub fn default_provider() -> &'static dyn CryptoProvider {
    &RUST_CRYPTO
}

#[cfg(feature = "aws-lc")]
static AWS_LC: AwsLcProvider = AwsLcProvider::new();

/// The AWS-LC provider (cargo feature `aws-lc`), RSA keys of at least 2048 bits. Pass it where a
/// provider is taken (e.g. [`TrustSet::with_provider`](crate::TrustSet::with_provider)); the
/// [`default_provider`] stays RustCrypto whatever features are on.
#[cfg(feature = "aws-lc")]
pub fn aws_lc_provider() -> &'static dyn CryptoProvider {
    &AWS_LC
}
