//! SP response validation from arbitrary bytes (as XML and as the base64 of a POST): never a
//! panic; an accepted response names its subject. Seeds: fuzz/corpus/saml_response/.

use chrono::{DateTime, TimeZone, Utc};
use fedkit_certs::{Certificate, TrustSet};
use fedkit_saml::{InMemoryReplayCache, InMemoryRequestTracker, ServiceProvider};
use std::sync::OnceLock;

const IDP_CERT: &str = include_str!("../../crates/saml/tests/data/keys/idp.cert.pem");

fn sp() -> &'static ServiceProvider {
    static SP: OnceLock<ServiceProvider> = OnceLock::new();
    SP.get_or_init(|| {
        let mut trust = TrustSet::new();
        if let Ok(cert) = Certificate::parse(IDP_CERT) {
            let _ = trust.import(cert);
        }
        ServiceProvider::new(
            "https://sp.example.com/metadata",
            "https://sp.example.com/acs",
            "https://idp.example.com/metadata",
            trust,
        )
    })
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

pub fn run(data: &[u8]) {
    let sp = sp();
    let mut tracker = InMemoryRequestTracker::new();
    tracker.track("_req1", now() + chrono::TimeDelta::hours(1));
    let mut replay = InMemoryReplayCache::new();
    if let Ok(verified) = sp.validate_xml(data, now(), &mut tracker, &mut replay) {
        assert!(!verified.name_id().value.is_empty());
        assert_eq!(replay.len(), 1);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = sp.validate_post(text, now(), &mut tracker, &mut InMemoryReplayCache::new());
    }
}
