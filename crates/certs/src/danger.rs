//! Weaker modes, opt-in and named as such. Each one undoes a default that protects you.

use crate::{CryptoProvider, RustCryptoProvider};

static LEGACY_RSA_1024: RustCryptoProvider = RustCryptoProvider::allowing_rsa_1024();

/// The RustCrypto provider taking RSA keys down to 1024 bits, for peers (AWS offers 1024-bit
/// application certificates) that cannot rotate yet. 1024-bit RSA is within reach of
/// well-funded attackers; use it only for verifying, and only as long as you must.
pub fn legacy_rsa_1024_provider() -> &'static dyn CryptoProvider {
    &LEGACY_RSA_1024
}
