//! Validity status (table in data/validity-cases.toml) and the expiry policy.

#[path = "support/fixtures.rs"]
mod fixtures;

use chrono::{DateTime, TimeZone, Utc};
use fedkit_certs::{Certificate, DEFAULT_WARN_DAYS, Error, ExpiryOutcome, ExpiryPolicy};

#[derive(serde::Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    fixture: String,
    now: DateTime<Utc>,
    warn_days: u32,
    status: String,
    reason: String,
}

fn cert(name: &str) -> Certificate {
    Certificate::parse(fixtures::file(&format!("{name}.pem"))).unwrap()
}

#[test]
fn status_at_every_edge_in_the_table() {
    let cases: Cases = toml::from_str(include_str!("data/validity-cases.toml")).unwrap();
    assert!(cases.case.len() >= 10);
    for case in cases.case {
        let status = cert(&case.fixture).status(case.now, case.warn_days);
        assert_eq!(status.as_str(), case.status, "{}", case.reason);
        let json = serde_json::to_string(&status).unwrap();
        assert_eq!(json, format!("\"{}\"", case.status));
    }
    assert_eq!(DEFAULT_WARN_DAYS, 90);
}

#[test]
fn policy_rejects_by_default_and_warns_or_ignores_when_asked() {
    let now = Utc.with_ymd_and_hms(2026, 12, 3, 0, 0, 0).unwrap();
    let expired = cert("expired");
    let future = cert("not-yet-valid");
    let current = cert("idp-rsa2048");
    assert_eq!(ExpiryPolicy::default(), ExpiryPolicy::Reject);

    let expired_error = Error::CertificateExpired {
        not_after: Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap(),
    };
    let future_error = Error::CertificateNotYetValid {
        not_before: Utc.with_ymd_and_hms(2040, 1, 1, 0, 0, 0).unwrap(),
    };
    assert_eq!(expired_error.code(), "certificate_expired");
    assert_eq!(future_error.code(), "certificate_not_yet_valid");

    assert_eq!(
        ExpiryPolicy::Reject.evaluate(&expired, now),
        Err(expired_error.clone())
    );
    assert_eq!(
        ExpiryPolicy::Reject.evaluate(&future, now),
        Err(future_error.clone())
    );
    assert_eq!(
        ExpiryPolicy::Reject.evaluate(&current, now),
        Ok(ExpiryOutcome::WithinValidity)
    );

    assert_eq!(
        ExpiryPolicy::Warn.evaluate(&expired, now),
        Ok(ExpiryOutcome::Warned(expired_error))
    );
    assert_eq!(
        ExpiryPolicy::Warn.evaluate(&future, now),
        Ok(ExpiryOutcome::Warned(future_error))
    );
    assert_eq!(
        ExpiryPolicy::Warn.evaluate(&current, now),
        Ok(ExpiryOutcome::WithinValidity)
    );

    assert_eq!(
        ExpiryPolicy::Ignore.evaluate(&expired, now),
        Ok(ExpiryOutcome::Ignored)
    );
    assert_eq!(
        ExpiryPolicy::Ignore.evaluate(&current, now),
        Ok(ExpiryOutcome::WithinValidity)
    );
}
