//! Validity at a given time, and what to do with a certificate outside its validity.

use chrono::{DateTime, Duration, Utc};

use crate::{Certificate, Error, Result};

/// How AWS colours the "Expires on" column: expiring means 90 days or less remain.
pub const DEFAULT_WARN_DAYS: u32 = 90;

/// Where `now` falls in a certificate's validity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ValidityStatus {
    /// `now` is before notBefore.
    NotYetValid,
    /// Valid, with more than the warning window left.
    Valid,
    /// Valid, with the warning window or less left.
    Expiring,
    /// `now` is after notAfter.
    Expired,
}

impl ValidityStatus {
    /// Status of the window `[not_before, not_after]` (both ends inclusive, RFC 5280
    /// §4.1.2.5) at `now`, warning when `warn_days` days or less remain.
    pub fn at(
        not_before: DateTime<Utc>,
        not_after: DateTime<Utc>,
        now: DateTime<Utc>,
        warn_days: u32,
    ) -> Self {
        if now < not_before {
            ValidityStatus::NotYetValid
        } else if now > not_after {
            ValidityStatus::Expired
        } else if not_after - now <= Duration::days(i64::from(warn_days)) {
            ValidityStatus::Expiring
        } else {
            ValidityStatus::Valid
        }
    }

    /// `"not_yet_valid"`, `"valid"`, `"expiring"` or `"expired"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ValidityStatus::NotYetValid => "not_yet_valid",
            ValidityStatus::Valid => "valid",
            ValidityStatus::Expiring => "expiring",
            ValidityStatus::Expired => "expired",
        }
    }

    /// Whether the certificate may be used at all (valid or expiring).
    pub fn is_within_validity(self) -> bool {
        matches!(self, ValidityStatus::Valid | ValidityStatus::Expiring)
    }
}

/// What to do with a certificate that is expired or not yet valid, evaluated per certificate.
///
/// The SAML metadata interoperability profile lets metadata carry expired certificates, and
/// peers differ; fedkit rejects by default and lets the caller choose `Warn` or `Ignore`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ExpiryPolicy {
    /// Refuse the certificate outside its validity (the default).
    #[default]
    Reject,
    /// Use the certificate, and report that it is outside its validity.
    Warn,
    /// Use the certificate without a word.
    Ignore,
}

/// The outcome of an [`ExpiryPolicy`] that let a certificate through.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExpiryOutcome {
    /// The certificate is within its validity.
    WithinValidity,
    /// Outside its validity, used because the policy is [`ExpiryPolicy::Warn`]; the error is
    /// what [`ExpiryPolicy::Reject`] would have returned.
    Warned(Error),
    /// Outside its validity, used because the policy is [`ExpiryPolicy::Ignore`].
    Ignored,
}

impl ExpiryPolicy {
    /// Applies the policy to `certificate` at `now`.
    pub fn evaluate(self, certificate: &Certificate, now: DateTime<Utc>) -> Result<ExpiryOutcome> {
        let problem = if now < certificate.not_before() {
            Error::CertificateNotYetValid {
                not_before: certificate.not_before(),
            }
        } else if now > certificate.not_after() {
            Error::CertificateExpired {
                not_after: certificate.not_after(),
            }
        } else {
            return Ok(ExpiryOutcome::WithinValidity);
        };
        match self {
            ExpiryPolicy::Reject => Err(problem),
            ExpiryPolicy::Warn => Ok(ExpiryOutcome::Warned(problem)),
            ExpiryPolicy::Ignore => Ok(ExpiryOutcome::Ignored),
        }
    }
}
