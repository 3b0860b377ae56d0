//! Bearer tokens: 256 bits from the OS RNG, printed once as base64url; only their SHA-256 is
//! stored, so a copy of the database does not hand out access. Lookup is by hash, so comparing
//! a presented token never compares secret bytes with a timing that depends on them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// AWS IAM Identity Center allows two SCIM tokens at a time, so an IdP can rotate without a gap.
pub const MAX_SCIM_TOKENS: usize = 2;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Provisioning over `/scim/v2`.
    Scim,
    /// The admin API (part 2).
    Admin,
}

impl TokenKind {
    /// The name stored and shown: `scim` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Scim => "scim",
            TokenKind::Admin => "admin",
        }
    }

    /// Parses `scim` or `admin`.
    pub fn parse(text: &str) -> Option<TokenKind> {
        match text {
            "scim" => Some(TokenKind::Scim),
            "admin" => Some(TokenKind::Admin),
            _ => None,
        }
    }
}

/// A token as listed: never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// A short public id, for `token revoke`.
    pub id: String,
    /// What it may do.
    pub kind: TokenKind,
    /// When it was made (RFC 3339).
    pub created: String,
}

/// A new secret and its public id.
pub struct NewToken {
    /// The bearer secret, shown once.
    pub secret: String,
    /// Its public id.
    pub id: String,
}

/// Makes a token from the OS RNG: 32 bytes of secret, 6 bytes of public id.
pub fn generate() -> Result<NewToken, getrandom::Error> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)?;
    let mut id = [0u8; 6];
    getrandom::fill(&mut id)?;
    Ok(NewToken {
        secret: URL_SAFE_NO_PAD.encode(secret),
        id: id.iter().map(|b| format!("{b:02x}")).collect(),
    })
}

/// The stored form of a secret: lower-case hex SHA-256.
pub fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_256_bits_and_differ() {
        let a = generate().expect("rng");
        let b = generate().expect("rng");
        // 32 bytes in unpadded base64url are 43 characters.
        assert_eq!(a.secret.len(), 43);
        assert_ne!(a.secret, b.secret);
        assert_ne!(a.id, b.id);
    }

    #[test]
    fn hash_is_sha256_hex() {
        // SHA-256("abc") from FIPS 180-2 appendix B.1.
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
