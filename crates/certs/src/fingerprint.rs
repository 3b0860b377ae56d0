//! Certificate fingerprints: a digest of the DER certificate, shown as colon-separated hex.

use core::fmt;

use crate::{DigestAlgorithm, Error, Result, default_provider};

/// A digest of a certificate's DER encoding, shown as uppercase colon-hex like
/// `openssl x509 -fingerprint` (`AB:CD:…`). Compare with [`matches`](Self::matches), which
/// ignores case, colons and spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint {
    algorithm: DigestAlgorithm,
    bytes: Vec<u8>,
}

impl Fingerprint {
    /// The fingerprint of `der` under `algorithm`.
    pub fn of(algorithm: DigestAlgorithm, der: &[u8]) -> Self {
        Fingerprint {
            algorithm,
            bytes: default_provider().digest_bytes(algorithm, der),
        }
    }

    /// Reads a fingerprint written as hex, with or without colons or spaces, in any case.
    /// The length must be that of `algorithm`'s output.
    pub fn parse(algorithm: DigestAlgorithm, text: &str) -> Result<Self> {
        let digits: Vec<u8> = text
            .bytes()
            .filter(|b| *b != b':' && !b.is_ascii_whitespace())
            .collect();
        if digits.len() != 2 * algorithm.output_len() {
            return Err(Error::InvalidFingerprint);
        }
        let bytes = digits
            .chunks_exact(2)
            .map(|pair| match pair {
                [high, low] => Some(hex_value(*high)? << 4 | hex_value(*low)?),
                _ => None,
            })
            .collect::<Option<Vec<u8>>>()
            .ok_or(Error::InvalidFingerprint)?;
        Ok(Fingerprint { algorithm, bytes })
    }

    /// Whether `text` (hex in any case, colons and spaces ignored) is this fingerprint.
    pub fn matches(&self, text: &str) -> bool {
        Fingerprint::parse(self.algorithm, text).is_ok_and(|other| other == *self)
    }

    /// The digest algorithm.
    pub fn algorithm(&self) -> DigestAlgorithm {
        self.algorithm
    }

    /// The raw digest bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Uppercase colon-hex, e.g. `"AB:CD:01"`.
    pub fn to_colon_hex(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.bytes.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_empty_input_is_the_known_value() {
        // SHA-256("") from FIPS 180-4 examples: e3b0c442…7852b855.
        let fp = Fingerprint::of(DigestAlgorithm::Sha256, b"");
        assert!(fp.to_colon_hex().starts_with("E3:B0:C4:42:98:FC:1C:14"));
        assert!(fp.matches("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        assert!(fp.matches("E3 B0 C4 42 98 FC 1C 14 9A FB F4 C8 99 6F B9 24 27 AE 41 E4 64 9B 93 4C A4 95 99 1B 78 52 B8 55"));
        assert!(!fp.matches("e3b0c442"));
    }

    #[test]
    fn parse_rejects_wrong_length_and_non_hex() {
        assert_eq!(
            Fingerprint::parse(DigestAlgorithm::Sha1, "00"),
            Err(Error::InvalidFingerprint)
        );
        let forty_g = "g".repeat(40);
        assert_eq!(
            Fingerprint::parse(DigestAlgorithm::Sha1, &forty_g),
            Err(Error::InvalidFingerprint)
        );
    }
}
