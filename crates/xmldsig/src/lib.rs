#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod c14n;
mod error;
mod key_info;
mod policy;
mod reference;
mod sign;
mod signature;
mod signed_info;
mod value;
mod verify;
pub mod xmlenc;

pub use error::Error;
pub use policy::VerifyPolicy;
pub use sign::{SignOptions, sign_enveloped};
pub use verify::{Verified, Verifier};

/// The XML-DSig namespace, `http://www.w3.org/2000/09/xmldsig#`.
pub const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
