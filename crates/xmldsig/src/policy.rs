//! What a verifier accepts: the algorithm allowlist.

use fedkit_certs::{DigestAlgorithm, SignatureAlgorithm};

/// The algorithms [`Verifier::verify_enveloped`](crate::Verifier::verify_enveloped) and
/// [`Verifier::verify_signature`](crate::Verifier::verify_signature) accept.
///
/// The default allows RSA PKCS#1 v1.5 with SHA-256/384/512, RSA-PSS with SHA-256/384/512, ECDSA
/// with SHA-256 (P-256) and SHA-384/512 (P-256 or P-384), and the digests SHA-256/384/512: the
/// SHA-2 family at 128 bits of security or more. ECDSA P-384 SHA-384 is as sound as what was
/// already there, so it is a default, not a legacy mode.
///
/// Everything else fedkit-certs can verify is legacy and needs a named opt-in:
/// [`VerifyPolicy::legacy_sha1`] adds RSA-SHA1 and SHA-1 digests only;
/// [`VerifyPolicy::legacy`] adds every legacy algorithm (SHA-1, SHA-224, SHA-3 and RIPEMD-160
/// with RSA-PSS, ECDSA and DSA, and those digests; see
/// [`SignatureAlgorithm`] for why each is legacy). RSA keys under 2048 bits are a separate
/// opt-in on the trust set's provider (`fedkit_certs::danger::legacy_rsa_1024_provider`). HMAC
/// and MD5 are never accepted, whatever the policy says: a public-key verifier has no business
/// with a shared-secret algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyPolicy {
    signature_algorithms: Vec<SignatureAlgorithm>,
    digest_algorithms: Vec<DigestAlgorithm>,
}

const DEFAULT_SIGNATURE_ALGORITHMS: [SignatureAlgorithm; 9] = [
    SignatureAlgorithm::RsaPkcs1Sha256,
    SignatureAlgorithm::RsaPkcs1Sha384,
    SignatureAlgorithm::RsaPkcs1Sha512,
    SignatureAlgorithm::RsaPssSha256,
    SignatureAlgorithm::RsaPssSha384,
    SignatureAlgorithm::RsaPssSha512,
    SignatureAlgorithm::EcdsaP256Sha256,
    SignatureAlgorithm::EcdsaSha384,
    SignatureAlgorithm::EcdsaSha512,
];

const LEGACY_DIGEST_ALGORITHMS: [DigestAlgorithm; 7] = [
    DigestAlgorithm::Sha1,
    DigestAlgorithm::Sha224,
    DigestAlgorithm::Sha3_224,
    DigestAlgorithm::Sha3_256,
    DigestAlgorithm::Sha3_384,
    DigestAlgorithm::Sha3_512,
    DigestAlgorithm::Ripemd160,
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

    /// Also accepts every legacy algorithm fedkit-certs can verify
    /// ([`SignatureAlgorithm::is_legacy`]: RSA-SHA1; RSA-PSS with SHA-1, SHA-224 and SHA-3; ECDSA
    /// with SHA-1, SHA-224, SHA-3 and RIPEMD-160; DSA with SHA-1 and SHA-256) and the digests
    /// SHA-1, SHA-224, SHA3-224/256/384/512 and RIPEMD-160. A superset of
    /// [`legacy_sha1`](Self::legacy_sha1), for peers and archives that cannot be re-signed; turn it
    /// on per peer, not globally.
    pub fn legacy(mut self) -> Self {
        for algorithm in SignatureAlgorithm::all().filter(|alg| alg.is_legacy()) {
            if !self.signature_algorithms.contains(&algorithm) {
                self.signature_algorithms.push(algorithm);
            }
        }
        for digest in LEGACY_DIGEST_ALGORITHMS {
            if !self.digest_algorithms.contains(&digest) {
                self.digest_algorithms.push(digest);
            }
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
    fn legacy_adds_every_legacy_algorithm_and_nothing_else() {
        let legacy = VerifyPolicy::default().legacy();
        for algorithm in SignatureAlgorithm::all() {
            assert!(legacy.allows_signature(algorithm), "{algorithm:?}");
        }
        for digest in LEGACY_DIGEST_ALGORITHMS
            .into_iter()
            .chain(DEFAULT_DIGEST_ALGORITHMS)
        {
            assert!(legacy.allows_digest(digest), "{digest:?}");
        }
        let default = VerifyPolicy::default();
        for algorithm in SignatureAlgorithm::all() {
            assert_eq!(
                default.allows_signature(algorithm),
                !algorithm.is_legacy(),
                "{algorithm:?}"
            );
        }
        let sha1_only = VerifyPolicy::default().legacy_sha1();
        assert!(!sha1_only.allows_signature(SignatureAlgorithm::DsaSha1));
        assert!(!sha1_only.allows_signature(SignatureAlgorithm::EcdsaSha1));
        assert!(!sha1_only.allows_digest(DigestAlgorithm::Sha224));
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
