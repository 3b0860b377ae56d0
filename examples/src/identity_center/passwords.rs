//! Passwords of the built-in directory: argon2id (RFC 9106) with a per-user random salt,
//! stored as a PHC string in the record namespace [`PASSWORDS`], keyed by the SCIM user id.
//!
//! Parameters are the argon2 crate's defaults, OWASP's minimum for argon2id: 19 MiB of
//! memory, 2 passes, 1 lane. The policy follows NIST SP 800-63B: a length floor and a generous
//! ceiling, every character allowed, nothing truncated, no composition rules, and Unicode
//! normalised to NFKC before hashing (§5.1.1.2), so that "é" typed as one code point or as
//! "e" and a combining accent is one password.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use serde_json::json;
use unicode_normalization::UnicodeNormalization;

use crate::identity_center::store::{ResourceKind, StoreError, Transaction};

/// Record namespace of password hashes.
pub const PASSWORDS: &str = "password";

/// Bytes of salt per hash (RFC 9106 §3.1 recommends 16).
const SALT_BYTES: usize = 16;

/// Length rules for new passwords.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Fewest characters (Unicode scalar values). NIST asks for at least 8, and 15 when the
    /// password is the only factor; 12 by default.
    pub min_chars: usize,
    /// Most bytes of UTF-8; longer ones are refused, never truncated. 1024 by default.
    pub max_bytes: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_chars: 12,
            max_bytes: 1024,
        }
    }
}

/// Why a password was not set.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordError {
    /// Fewer characters than the policy's floor.
    #[error("the password has fewer than {min} characters")]
    TooShort {
        /// The floor.
        min: usize,
    },
    /// More bytes than the policy's ceiling.
    #[error("the password is longer than {max} bytes")]
    TooLong {
        /// The ceiling.
        max: usize,
    },
    /// No SCIM user has this id.
    #[error("no such user")]
    UnknownUser,
    /// The OS random source or the hash failed.
    #[error("hashing failed: {0}")]
    Hash(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PasswordError {
    /// A stable snake_case name for the failure.
    pub fn code(&self) -> &'static str {
        match self {
            PasswordError::TooShort { .. } => "password_too_short",
            PasswordError::TooLong { .. } => "password_too_long",
            PasswordError::UnknownUser => "user_not_found",
            PasswordError::Hash(_) => "password_hash_failed",
            PasswordError::Store(_) => "store_error",
        }
    }
}

/// The form a password is measured and hashed in: NFKC.
fn normalise(password: &str) -> String {
    password.nfkc().collect()
}

/// Checks `password` (after NFKC) against `policy`.
pub fn check_policy(password: &str, policy: &PasswordPolicy) -> Result<(), PasswordError> {
    // Bounded before normalising too: NFKC can lengthen a string (UAX #15, expansion factors).
    if password.len() > policy.max_bytes {
        return Err(PasswordError::TooLong {
            max: policy.max_bytes,
        });
    }
    let password = normalise(password);
    if password.len() > policy.max_bytes {
        return Err(PasswordError::TooLong {
            max: policy.max_bytes,
        });
    }
    if password.chars().count() < policy.min_chars {
        return Err(PasswordError::TooShort {
            min: policy.min_chars,
        });
    }
    Ok(())
}

/// The PHC string of `password` (after NFKC) with a fresh salt from the OS RNG.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    let mut salt = [0u8; SALT_BYTES];
    getrandom::fill(&mut salt).map_err(|e| PasswordError::Hash(format!("OS RNG: {e}")))?;
    Argon2::default()
        .hash_password_with_salt(normalise(password).as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Sets the password of SCIM user `user_id` (replacing any earlier one).
pub fn set(
    tx: &mut dyn Transaction,
    user_id: &str,
    password: &str,
    policy: &PasswordPolicy,
) -> Result<(), PasswordError> {
    check_policy(password, policy)?;
    if tx.get(ResourceKind::User, user_id)?.is_none() {
        return Err(PasswordError::UnknownUser);
    }
    store_hash(tx, user_id, &hash(password)?)
}

/// Stores a PHC string made by [`hash`] as the password of SCIM user `user_id`, so that the
/// hashing (memory-hard, tens of milliseconds) can run outside the transaction.
pub fn store_hash(tx: &mut dyn Transaction, user_id: &str, phc: &str) -> Result<(), PasswordError> {
    if tx.get(ResourceKind::User, user_id)?.is_none() {
        return Err(PasswordError::UnknownUser);
    }
    tx.record_put(PASSWORDS, user_id, &json!({ "hash": phc }), None)?;
    Ok(())
}

/// Removes a user's password; false when there was none.
pub fn delete(tx: &mut dyn Transaction, user_id: &str) -> Result<bool, StoreError> {
    tx.record_delete(PASSWORDS, user_id)
}

/// The stored PHC string of a user, if any.
pub fn stored_hash(tx: &mut dyn Transaction, user_id: &str) -> Result<Option<String>, StoreError> {
    let Some(doc) = tx.record_get(PASSWORDS, user_id, 0)? else {
        return Ok(None);
    };
    doc.get("hash")
        .and_then(|h| h.as_str())
        .map(|h| Some(h.to_owned()))
        .ok_or_else(|| StoreError::Corrupt(format!("password record of {user_id}")))
}

/// A hash no password of anyone's matches in practice, verified against when a user has no
/// password (or does not exist), so that the answer takes as long either way.
static DUMMY_HASH: LazyLock<Option<String>> = LazyLock::new(|| {
    Argon2::default()
        .hash_password_with_salt(b"identity-center dummy password", b"dummy-salt-16byt")
        .ok()
        .map(|h| h.to_string())
});

/// Whether `password` is the password of SCIM user `user_id`. False when the user does not
/// exist or has no password, after the same argon2 work as a real check. Whether the user is
/// active is the caller's question.
pub fn verify(tx: &mut dyn Transaction, user_id: &str, password: &str) -> Result<bool, StoreError> {
    let stored = hash_to_check(tx, user_id)?;
    Ok(verify_phc(stored.as_deref(), password))
}

/// The stored hash of an existing user, read for [`verify_phc`] so that the slow argon2 work can
/// run after the transaction ended (it would otherwise hold SQLite's write lock for every
/// failed guess).
pub fn hash_to_check(
    tx: &mut dyn Transaction,
    user_id: &str,
) -> Result<Option<String>, StoreError> {
    if tx.get(ResourceKind::User, user_id)?.is_none() {
        return Ok(None);
    }
    stored_hash(tx, user_id)
}

/// Whether `password` matches a PHC string from [`hash_to_check`]; `None` (no such user, no
/// password) is false after the same argon2 work against a dummy hash.
pub fn verify_phc(stored: Option<&str>, password: &str) -> bool {
    let dummy = DUMMY_HASH.as_deref().unwrap_or_default();
    let phc = stored.unwrap_or(dummy);
    let matches = Argon2::default()
        .verify_password(normalise(password).as_bytes(), phc)
        .is_ok();
    stored.is_some() && matches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_edges() {
        let policy = PasswordPolicy::default();
        assert!(
            check_policy(&"a".repeat(12), &policy).is_ok(),
            "12 chars pass"
        );
        assert_eq!(
            check_policy(&"a".repeat(11), &policy)
                .expect_err("11")
                .code(),
            "password_too_short"
        );
        // 12 characters of 2 bytes each: the floor counts characters, not bytes.
        assert!(check_policy(&"é".repeat(12), &policy).is_ok());
        assert!(check_policy(&"é".repeat(11), &policy).is_err());
        assert!(
            check_policy(&"a".repeat(1024), &policy).is_ok(),
            "1024 bytes pass"
        );
        assert_eq!(
            check_policy(&"a".repeat(1025), &policy)
                .expect_err("1025")
                .code(),
            "password_too_long"
        );
    }

    #[test]
    fn hash_is_argon2id_phc_and_salted() {
        let a = hash("correct horse battery").expect("hash");
        let b = hash("correct horse battery").expect("hash");
        // PHC string format (password-hashing.net): $argon2id$v=19$m=…,t=…,p=…$salt$hash.
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "a fresh salt each time");
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery", a.as_str())
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"correct horse batterY", a.as_str())
                .is_err()
        );
    }

    #[test]
    fn nfkc_makes_one_password_of_two_spellings() {
        // U+00E9 and U+0065 U+0301 are canonically equivalent (Unicode NFC/NFKC "é");
        // U+FB01 (the "ﬁ" ligature) is compatibility-equivalent to "fi".
        let composed = "caf\u{e9} au lait ok";
        let decomposed = "cafe\u{301} au lait ok";
        let phc = hash(composed).expect("hash");
        let normalised = normalise(decomposed);
        assert!(
            Argon2::default()
                .verify_password(normalised.as_bytes(), phc.as_str())
                .is_ok()
        );
        assert_eq!(normalise("\u{fb01}le"), "file");
        // Length is counted after NFKC: 12 ligatures are 24 characters, 6 are 12.
        assert!(check_policy(&"\u{fb01}".repeat(6), &PasswordPolicy::default()).is_ok());
        assert!(check_policy(&"\u{fb01}".repeat(5), &PasswordPolicy::default()).is_err());
    }

    #[test]
    fn dummy_hash_exists() {
        assert!(
            DUMMY_HASH
                .as_deref()
                .is_some_and(|h| h.starts_with("$argon2id$"))
        );
    }
}
