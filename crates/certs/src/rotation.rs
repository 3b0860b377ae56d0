//! The signing side of rotation, in AWS IAM Identity Center's shape: a per-application set of
//! certificates with their keys, one of which is active and signs.

use base64::Engine as _;
use chrono::{DateTime, Utc};

use crate::{Certificate, CryptoProvider, Error, Fingerprint, PrivateKey, Result, SigningKey};

/// A certificate with its private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningCredential {
    key: PrivateKey,
    certificate: Certificate,
}

impl SigningCredential {
    /// Pairs a key with its certificate; fails with [`Error::KeyCertificateMismatch`] when the
    /// certificate is for another key.
    pub fn new(key: PrivateKey, certificate: Certificate) -> Result<Self> {
        if key.public_key() != certificate.public_key() {
            return Err(Error::KeyCertificateMismatch);
        }
        Ok(SigningCredential { key, certificate })
    }

    /// The private key.
    pub fn key(&self) -> &PrivateKey {
        &self.key
    }

    /// The certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// Loads the key into `provider` for signing; keep the result and reuse it.
    pub fn signing_key(&self, provider: &dyn CryptoProvider) -> Result<Box<dyn SigningKey>> {
        provider.signing_key(&self.key)
    }
}

/// Which certificates to publish in metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum MetadataPublication {
    /// Only the active certificate (what AWS publishes).
    #[default]
    ActiveOnly,
    /// The active certificate first, then the inactive ones, so peers can trust the next
    /// certificate before it becomes active (zero-downtime rollover).
    ActiveAndNext,
}

/// Default [`CertificateSet`] capacity: AWS allows two certificates per application.
pub const DEFAULT_MAX_CERTIFICATES: usize = 2;

/// The certificates of one application.
///
/// Rules: at most [`max_certificates`](Self::max_certificates) entries (default 2); exactly
/// one is active and it signs; a new one starts inactive; only an inactive one can be removed;
/// the last certificate valid at `now` cannot be removed; activation switches in one step.
///
/// Serialisable with serde; **the serialised form holds the private keys** (PKCS#8, base64),
/// so store it as a secret. Deserialisation checks the same rules.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "StoredSet", into = "StoredSet")]
pub struct CertificateSet {
    // Holding the active entry apart makes "exactly one active" a property of the type.
    active: SigningCredential,
    inactive: Vec<SigningCredential>,
    max_certificates: usize,
}

impl CertificateSet {
    /// A set whose first, active certificate is `first`, with the default capacity.
    pub fn new(first: SigningCredential) -> Self {
        CertificateSet {
            active: first,
            inactive: Vec::new(),
            max_certificates: DEFAULT_MAX_CERTIFICATES,
        }
    }

    /// A set with another capacity (at least 1; 0 fails with [`Error::CertificateSetFull`]).
    pub fn with_max_certificates(
        first: SigningCredential,
        max_certificates: usize,
    ) -> Result<Self> {
        if max_certificates == 0 {
            return Err(Error::CertificateSetFull { limit: 0 });
        }
        Ok(CertificateSet {
            max_certificates,
            ..Self::new(first)
        })
    }

    /// How many certificates the set may hold.
    pub fn max_certificates(&self) -> usize {
        self.max_certificates
    }

    /// How many certificates the set holds (at least 1).
    pub fn len(&self) -> usize {
        1 + self.inactive.len()
    }

    /// Always false: a set holds at least its active certificate.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The active credential, the one that signs.
    pub fn active(&self) -> &SigningCredential {
        &self.active
    }

    /// The inactive credentials, in the order added.
    pub fn inactive(&self) -> impl Iterator<Item = &SigningCredential> {
        self.inactive.iter()
    }

    /// Every credential with whether it is active: the active one first.
    pub fn iter(&self) -> impl Iterator<Item = (&SigningCredential, bool)> {
        core::iter::once((&self.active, true)).chain(self.inactive.iter().map(|e| (e, false)))
    }

    /// The credential whose certificate has this fingerprint.
    pub fn get(&self, fingerprint: &Fingerprint) -> Option<&SigningCredential> {
        self.iter()
            .map(|(entry, _)| entry)
            .find(|entry| has_fingerprint(entry, fingerprint))
    }

    /// Adds a certificate; it starts inactive. Returns its SHA-256 fingerprint.
    pub fn add(&mut self, credential: SigningCredential) -> Result<Fingerprint> {
        if self
            .iter()
            .any(|(entry, _)| entry.certificate == credential.certificate)
        {
            return Err(Error::DuplicateCertificate);
        }
        if self.len() >= self.max_certificates {
            return Err(Error::CertificateSetFull {
                limit: self.max_certificates,
            });
        }
        let fingerprint = credential.certificate.sha256_fingerprint().clone();
        self.inactive.push(credential);
        Ok(fingerprint)
    }

    /// Makes the certificate with this fingerprint the active one, in one step; the previously
    /// active one becomes inactive. A certificate outside its validity at `now` cannot be
    /// activated. Activating the active certificate changes nothing.
    pub fn activate(&mut self, fingerprint: &Fingerprint, now: DateTime<Utc>) -> Result<()> {
        if has_fingerprint(&self.active, fingerprint) {
            return Ok(());
        }
        let index = self
            .inactive
            .iter()
            .position(|entry| has_fingerprint(entry, fingerprint))
            .ok_or(Error::CertificateNotFound)?;
        let candidate = self.inactive.get(index).ok_or(Error::CertificateNotFound)?;
        crate::ExpiryPolicy::Reject.evaluate(&candidate.certificate, now)?;
        let promoted = self.inactive.remove(index);
        let demoted = core::mem::replace(&mut self.active, promoted);
        self.inactive.insert(index, demoted);
        Ok(())
    }

    /// Removes an inactive certificate. Refuses the active one
    /// ([`Error::CannotRemoveActive`]), and the last certificate valid at `now`
    /// ([`Error::LastValidCertificate`]).
    pub fn remove(
        &mut self,
        fingerprint: &Fingerprint,
        now: DateTime<Utc>,
    ) -> Result<SigningCredential> {
        if has_fingerprint(&self.active, fingerprint) {
            return Err(Error::CannotRemoveActive);
        }
        let index = self
            .inactive
            .iter()
            .position(|entry| has_fingerprint(entry, fingerprint))
            .ok_or(Error::CertificateNotFound)?;
        let is_valid =
            |entry: &SigningCredential| entry.certificate.status(now, 0).is_within_validity();
        let removing_valid = self.inactive.get(index).is_some_and(is_valid);
        let others_valid = self
            .iter()
            .filter(|(entry, _)| !has_fingerprint(entry, fingerprint))
            .any(|(entry, _)| is_valid(entry));
        if removing_valid && !others_valid {
            return Err(Error::LastValidCertificate);
        }
        Ok(self.inactive.remove(index))
    }

    /// The certificates to publish in metadata, active first.
    pub fn metadata_certificates(&self, publication: MetadataPublication) -> Vec<&Certificate> {
        let mut out = vec![self.active.certificate()];
        if publication == MetadataPublication::ActiveAndNext {
            out.extend(self.inactive.iter().map(SigningCredential::certificate));
        }
        out
    }
}

fn has_fingerprint(entry: &SigningCredential, fingerprint: &Fingerprint) -> bool {
    entry.certificate.fingerprint(fingerprint.algorithm()) == *fingerprint
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredSet {
    max_certificates: usize,
    entries: Vec<StoredEntry>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredEntry {
    active: bool,
    certificate: Certificate,
    /// PKCS#8 DER in base64.
    private_key: String,
}

impl From<CertificateSet> for StoredSet {
    fn from(set: CertificateSet) -> Self {
        let max_certificates = set.max_certificates;
        let entries = core::iter::once((set.active, true))
            .chain(set.inactive.into_iter().map(|e| (e, false)))
            .map(|(entry, active)| StoredEntry {
                active,
                private_key: entry
                    .key
                    .to_pkcs8_der()
                    .map(|der| base64::engine::general_purpose::STANDARD.encode(der.as_slice()))
                    .unwrap_or_default(),
                certificate: entry.certificate,
            })
            .collect();
        StoredSet {
            max_certificates,
            entries,
        }
    }
}

impl TryFrom<StoredSet> for CertificateSet {
    type Error = Error;

    fn try_from(stored: StoredSet) -> Result<Self> {
        if stored.max_certificates == 0 {
            return Err(Error::InconsistentSet {
                reason: "max_certificates is 0",
            });
        }
        if stored.entries.len() > stored.max_certificates {
            return Err(Error::InconsistentSet {
                reason: "more entries than max_certificates",
            });
        }
        let mut active = None;
        let mut entries: Vec<SigningCredential> = Vec::with_capacity(stored.entries.len());
        for (i, entry) in stored.entries.into_iter().enumerate() {
            if entry.active {
                if active.is_some() {
                    return Err(Error::InconsistentSet {
                        reason: "more than one active entry",
                    });
                }
                active = Some(i);
            }
            let der = zeroize::Zeroizing::new(
                base64::engine::general_purpose::STANDARD
                    .decode(entry.private_key.as_bytes())
                    .map_err(|_| Error::InvalidPrivateKey {
                        reason: "private_key is not base64".into(),
                    })?,
            );
            let credential =
                SigningCredential::new(PrivateKey::from_pkcs8_der(&der)?, entry.certificate)?;
            if entries
                .iter()
                .any(|e| e.certificate == credential.certificate)
            {
                return Err(Error::InconsistentSet {
                    reason: "duplicate certificate",
                });
            }
            entries.push(credential);
        }
        let active = active.ok_or(Error::InconsistentSet {
            reason: "no active entry",
        })?;
        let active_entry = entries.remove(active);
        Ok(CertificateSet {
            active: active_entry,
            inactive: entries,
            max_certificates: stored.max_certificates,
        })
    }
}
