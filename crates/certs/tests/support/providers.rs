//! The providers the suites run against: RustCrypto always, AWS-LC too when the `aws-lc`
//! feature is on (`cargo test -p fedkit-certs --features aws-lc`).

#![allow(dead_code)]

use fedkit_certs::{CryptoProvider, default_provider};

/// Every backend of this build, by name.
pub fn all() -> Vec<(&'static str, &'static dyn CryptoProvider)> {
    #[allow(unused_mut)]
    let mut providers = vec![("rustcrypto", default_provider())];
    #[cfg(feature = "aws-lc")]
    providers.push(("aws-lc", fedkit_certs::aws_lc_provider()));
    providers
}
