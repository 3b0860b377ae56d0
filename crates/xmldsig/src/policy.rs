//! What a verifier accepts: the algorithm allowlist.

use fedkit_certs::{DigestAlgorithm, SignatureAlgorithm};

/// The algorithms [`Verifier::verify_enveloped`](crate::Verifier::verify_enveloped) and
/// [`Verifier::verify_signature`](crate::Verifier::verify_signature) accept.
///
/// The default allows RSA PKCS#1 v1.5 with SHA-256/384/512, RSA-PSS with SHA-256/384/512, ECDSA
/// P-256 with SHA-256, and the digests SHA-256/384/512. SHA-1 (RSA-SHA1 signatures and SHA-1
/// digests) is refused unless [`VerifyPolicy::legacy_sha1`] is called; HMAC, DSA and MD5 are
/// never accepted, whatever the policy says: a public-key verifier has no business with a
/// shared-secret algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyPolicy {
    signature_algorithms: Vec<SignatureAlgorithm>,
    digest_algorithms: Vec<DigestAlgorithm>,
}

const DEFAULT_SIGNATURE_ALGORITHMS: [SignatureAlgorithm; 7] = [
    SignatureAlgorithm::RsaPkcs1Sha256,
    SignatureAlgorithm::RsaPkcs1Sha384,
    SignatureAlgorithm::RsaPkcs1Sha512,
    SignatureAlgorithm::RsaPssSha256,
    SignatureAlgorithm::RsaPssSha384,
    SignatureAlgorithm::RsaPssSha512,
    SignatureAlgorithm::EcdsaP256Sha256,
];

const DEFAULT_DIGEST_ALGORITHMS: [DigestAlgorithm; 3] = [
    DigestAlgorithm::Sha256,
    DigestAlgorithm::Sha384,
    DigestAlgorithm::Sha512,
];

impl Default for VerifyPolicy {
    fn default() -> Self {
        VerifyPolicy {
            signature_algorithms: DEFAULT_SIGNATURE_ALGORITHMS.to_vec(),
            digest_algorithms: DEFAULT_DIGEST_ALGORITHMS.to_vec(),
        }
    }
}

impl VerifyPolicy {
    /// Also accepts RSA-SHA1 signatures and SHA-1 digests, for peers that still sign with them.
    /// SHA-1 collisions are practical; turn this on per peer, not globally.
    pub fn legacy_sha1(mut self) -> Self {
        if !self
            .signature_algorithms
            .contains(&SignatureAlgorithm::RsaPkcs1Sha1)
        {
            self.signature_algorithms
                .push(SignatureAlgorithm::RsaPkcs1Sha1);
        }
        if !self.digest_algorithms.contains(&DigestAlgorithm::Sha1) {
            self.digest_algorithms.push(DigestAlgorithm::Sha1);
        }
        self
    }

    /// Narrows the signature algorithms to those in `allowed` that the current policy accepts
    /// (it can only remove, so a narrowed policy never accepts SHA-1 by accident).
    pub fn only_signature_algorithms(mut self, allowed: &[SignatureAlgorithm]) -> Self {
        self.signature_algorithms
            .retain(|alg| allowed.contains(alg));
        self
    }

    /// Narrows the digest algorithms to those in `allowed` that the current policy accepts.
    pub fn only_digest_algorithms(mut self, allowed: &[DigestAlgorithm]) -> Self {
        self.digest_algorithms.retain(|alg| allowed.contains(alg));
        self
    }

    /// Whether a signature algorithm is accepted.
    pub fn allows_signature(&self, algorithm: SignatureAlgorithm) -> bool {
        self.signature_algorithms.contains(&algorithm)
    }

    /// Whether a digest algorithm is accepted.
    pub fn allows_digest(&self, algorithm: DigestAlgorithm) -> bool {
        self.digest_algorithms.contains(&algorithm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_refuses_sha1_and_legacy_allows_it() {
        let default = VerifyPolicy::default();
        assert!(!default.allows_signature(SignatureAlgorithm::RsaPkcs1Sha1));
        assert!(!default.allows_digest(DigestAlgorithm::Sha1));
        assert!(default.allows_signature(SignatureAlgorithm::RsaPkcs1Sha256));
        let legacy = VerifyPolicy::default().legacy_sha1();
        assert!(legacy.allows_signature(SignatureAlgorithm::RsaPkcs1Sha1));
        assert!(legacy.allows_digest(DigestAlgorithm::Sha1));
    }

    #[test]
    fn narrowing_never_adds() {
        let narrowed = VerifyPolicy::default().only_signature_algorithms(&[
            SignatureAlgorithm::RsaPkcs1Sha1,
            SignatureAlgorithm::RsaPkcs1Sha512,
        ]);
        assert!(!narrowed.allows_signature(SignatureAlgorithm::RsaPkcs1Sha1));
        assert!(!narrowed.allows_signature(SignatureAlgorithm::RsaPkcs1Sha256));
        assert!(narrowed.allows_signature(SignatureAlgorithm::RsaPkcs1Sha512));
    }
}
