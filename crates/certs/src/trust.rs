//! The verifying side of rotation: every imported certificate verifies, so an IdP can roll its
//! key over without an outage (AWS IAM Identity Center as SP works this way).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::{
    Certificate, CryptoProvider, Error, ExpiryOutcome, ExpiryPolicy, Fingerprint, Result,
    SignatureAlgorithm, VerifyingKey, default_provider,
};

/// Which trusted certificates a signature may be checked against. A document's `KeyInfo` may
/// only narrow the choice among trusted certificates; it is never a source of trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyHint<'a> {
    /// Try every trusted certificate.
    Any,
    /// Only the trusted certificate with exactly this DER encoding.
    CertificateDer(&'a [u8]),
    /// Only trusted certificates whose public key has exactly this DER SPKI.
    SpkiDer(&'a [u8]),
}

#[derive(Debug, Clone)]
struct TrustedCertificate {
    certificate: Certificate,
    // Loaded once at import so that verification never re-parses the key.
    verifier: Arc<dyn VerifyingKey>,
}

/// Proof that a signature verified: which certificate, and what the expiry policy said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified<'a> {
    /// The trusted certificate whose key verified the signature.
    pub certificate: &'a Certificate,
    /// [`ExpiryOutcome::WithinValidity`] unless the policy let an expired or not-yet-valid
    /// certificate through.
    pub expiry: ExpiryOutcome,
}

/// A set of trusted certificates for one peer. Every certificate in it verifies; the expiry
/// policy (default [`ExpiryPolicy::Reject`]) is applied to each candidate at `now`.
///
/// Serialisable with serde (the certificates and the policy); deserialised sets load their
/// keys into the default provider.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "StoredTrust", into = "StoredTrust")]
pub struct TrustSet {
    entries: Vec<TrustedCertificate>,
    expiry_policy: ExpiryPolicy,
    provider: &'static dyn CryptoProvider,
}

impl Default for TrustSet {
    fn default() -> Self {
        Self::new()
    }
}

impl PartialEq for TrustSet {
    fn eq(&self, other: &Self) -> bool {
        self.expiry_policy == other.expiry_policy && self.certificates().eq(other.certificates())
    }
}

impl TrustSet {
    /// An empty set using the default provider and rejecting certificates outside validity.
    pub fn new() -> Self {
        TrustSet {
            entries: Vec::new(),
            expiry_policy: ExpiryPolicy::Reject,
            provider: default_provider(),
        }
    }

    /// An empty set whose keys are loaded into `provider`.
    pub fn with_provider(provider: &'static dyn CryptoProvider) -> Self {
        TrustSet {
            provider,
            ..Self::new()
        }
    }

    /// Changes the expiry policy.
    pub fn set_expiry_policy(&mut self, policy: ExpiryPolicy) {
        self.expiry_policy = policy;
    }

    /// The expiry policy.
    pub fn expiry_policy(&self) -> ExpiryPolicy {
        self.expiry_policy
    }

    /// Trusts a certificate from now on; returns its SHA-256 fingerprint. Fails if it is
    /// already trusted or the provider refuses its key (e.g. a too-small RSA key).
    pub fn import(&mut self, certificate: Certificate) -> Result<Fingerprint> {
        if self.entries.iter().any(|e| e.certificate == certificate) {
            return Err(Error::DuplicateCertificate);
        }
        let verifier: Arc<dyn VerifyingKey> =
            Arc::from(self.provider.verifying_key(certificate.public_key())?);
        let fingerprint = certificate.sha256_fingerprint().clone();
        self.entries.push(TrustedCertificate {
            certificate,
            verifier,
        });
        Ok(fingerprint)
    }

    /// Stops trusting a certificate. The last certificate valid at `now` cannot be removed
    /// ([`Error::LastValidCertificate`]).
    pub fn remove(&mut self, fingerprint: &Fingerprint, now: DateTime<Utc>) -> Result<Certificate> {
        let matches = |c: &Certificate| c.fingerprint(fingerprint.algorithm()) == *fingerprint;
        let index = self
            .entries
            .iter()
            .position(|e| matches(&e.certificate))
            .ok_or(Error::CertificateNotFound)?;
        let is_valid = |c: &Certificate| c.status(now, 0).is_within_validity();
        let removing_valid = self
            .entries
            .get(index)
            .is_some_and(|e| is_valid(&e.certificate));
        let others_valid = self
            .entries
            .iter()
            .any(|e| !matches(&e.certificate) && is_valid(&e.certificate));
        if removing_valid && !others_valid {
            return Err(Error::LastValidCertificate);
        }
        Ok(self.entries.remove(index).certificate)
    }

    /// The trusted certificates, in the order imported.
    pub fn certificates(&self) -> impl Iterator<Item = &Certificate> {
        self.entries.iter().map(|e| &e.certificate)
    }

    /// How many certificates are trusted.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no certificate is trusted.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Verifies `signature` over `message` with any trusted certificate the hint selects and
    /// the expiry policy admits. Legacy algorithms are refused (see
    /// [`verify_legacy`](Self::verify_legacy)).
    pub fn verify(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
        now: DateTime<Utc>,
        hint: KeyHint<'_>,
    ) -> Result<Verified<'_>> {
        if algorithm.is_legacy() {
            return Err(Error::AlgorithmNotAllowed {
                algorithm: algorithm.name(),
            });
        }
        self.verify_with(algorithm, now, hint, |verifier| {
            verifier.verify(algorithm, message, signature)
        })
    }

    /// [`verify`](Self::verify) for the legacy algorithms only
    /// ([`SignatureAlgorithm::is_legacy`]: SHA-1, SHA-224, SHA-3, RIPEMD-160, DSA), opt-in by name.
    /// A default algorithm is refused with `algorithm_not_allowed`. For RSA keys under 2048 bits,
    /// build the set with [`danger::legacy_rsa_1024_provider`](crate::danger::legacy_rsa_1024_provider).
    pub fn verify_legacy(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
        now: DateTime<Utc>,
        hint: KeyHint<'_>,
    ) -> Result<Verified<'_>> {
        if !algorithm.is_legacy() {
            return Err(Error::AlgorithmNotAllowed {
                algorithm: algorithm.name(),
            });
        }
        self.verify_with(algorithm, now, hint, |verifier| {
            verifier.verify_legacy(algorithm, message, signature)
        })
    }

    /// [`verify`](Self::verify) for RSA PKCS#1 v1.5 SHA-1 signatures: legacy, opt-in by name.
    pub fn verify_legacy_sha1(
        &self,
        message: &[u8],
        signature: &[u8],
        now: DateTime<Utc>,
        hint: KeyHint<'_>,
    ) -> Result<Verified<'_>> {
        self.verify_with(SignatureAlgorithm::RsaPkcs1Sha1, now, hint, |verifier| {
            verifier.verify_legacy_sha1(message, signature)
        })
    }

    fn verify_with(
        &self,
        algorithm: SignatureAlgorithm,
        now: DateTime<Utc>,
        hint: KeyHint<'_>,
        check: impl Fn(&dyn VerifyingKey) -> Result<()>,
    ) -> Result<Verified<'_>> {
        let selected = |entry: &&TrustedCertificate| match hint {
            KeyHint::Any => true,
            KeyHint::CertificateDer(der) => entry.certificate.der() == der,
            KeyHint::SpkiDer(spki) => entry.certificate.public_key().spki_der() == spki,
        };
        let mut any_selected = false;
        let mut expiry_refusal = None;
        let mut kind_mismatch = None;
        let mut tried_signature = false;
        for entry in self.entries.iter().filter(selected) {
            any_selected = true;
            if !algorithm
                .key_kinds()
                .contains(&entry.certificate.public_key().kind())
            {
                kind_mismatch.get_or_insert(Error::AlgorithmKeyMismatch {
                    algorithm: algorithm.name(),
                    key: entry.certificate.public_key().kind().name(),
                });
                continue;
            }
            let expiry = match self.expiry_policy.evaluate(&entry.certificate, now) {
                Ok(outcome) => outcome,
                Err(refusal) => {
                    expiry_refusal.get_or_insert(refusal);
                    continue;
                }
            };
            tried_signature = true;
            if check(entry.verifier.as_ref()).is_ok() {
                return Ok(Verified {
                    certificate: &entry.certificate,
                    expiry,
                });
            }
        }
        // The most telling reason: a bad signature, else why no key could be tried.
        Err(if !any_selected {
            if matches!(hint, KeyHint::Any) {
                Error::NoTrustedKeyVerifies
            } else {
                Error::NoMatchingTrustedKey
            }
        } else if tried_signature {
            Error::NoTrustedKeyVerifies
        } else if let Some(refusal) = expiry_refusal {
            refusal
        } else {
            kind_mismatch.unwrap_or(Error::NoTrustedKeyVerifies)
        })
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredTrust {
    expiry_policy: ExpiryPolicy,
    certificates: Vec<Certificate>,
}

impl From<TrustSet> for StoredTrust {
    fn from(set: TrustSet) -> Self {
        StoredTrust {
            expiry_policy: set.expiry_policy,
            certificates: set.entries.into_iter().map(|e| e.certificate).collect(),
        }
    }
}

impl TryFrom<StoredTrust> for TrustSet {
    type Error = Error;

    fn try_from(stored: StoredTrust) -> Result<Self> {
        let mut set = TrustSet::new();
        set.expiry_policy = stored.expiry_policy;
        for certificate in stored.certificates {
            set.import(certificate)?;
        }
        Ok(set)
    }
}
