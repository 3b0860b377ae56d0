#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod algorithm;
mod builder;
mod certificate;
pub mod danger;
mod decode;
mod error;
mod fingerprint;
mod key;
mod name;
mod provider;
mod rotation;
mod trust;
mod validity;

pub use algorithm::{DigestAlgorithm, KeyKind, SignatureAlgorithm};
pub use builder::{DistinguishedName, MAX_VALIDITY_MONTHS, NameAttribute, SelfSignedLeaf};
pub use certificate::Certificate;
pub use decode::ParseLimits;
pub use error::{Error, Result};
pub use fingerprint::Fingerprint;
pub use key::{PrivateKey, PublicKey, RsaKeySize};
#[cfg(feature = "aws-lc")]
pub use provider::{AwsLcProvider, aws_lc_provider};
pub use provider::{
    CryptoProvider, DigestContext, RustCryptoProvider, SigningKey, VerifyingKey, default_provider,
};
/// rand_core 0.10, re-exported so callers implement or name the RNG traits at the same version.
pub use rand_core;
/// The RNG trait key generation, signing and serial numbers take (rand_core 0.10).
pub use rand_core::CryptoRng;
pub use rotation::{
    CertificateSet, DEFAULT_MAX_CERTIFICATES, MetadataPublication, SigningCredential,
};
pub use trust::{KeyHint, TrustSet, Verified};
pub use validity::{DEFAULT_WARN_DAYS, ExpiryOutcome, ExpiryPolicy, ValidityStatus};
