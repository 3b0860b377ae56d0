#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod c14n;
mod error;
mod policy;

pub use error::Error;
pub use policy::VerifyPolicy;
