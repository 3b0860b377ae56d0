//! Every check of the SP validator, each broken on its own: rows in data/response_checks.toml.

#[path = "support/fixtures.rs"]
mod fixtures;
#[path = "support/template.rs"]
mod template;

use chrono::{DateTime, Utc};
use fedkit_saml::{InMemoryReplayCache, InMemoryRequestTracker};
use fixtures::*;
use std::collections::BTreeMap;

#[derive(serde::Deserialize)]
struct Table {
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    #[serde(default)]
    set: BTreeMap<String, String>,
    #[serde(default = "assertion_scope")]
    sign: String,
    now: String,
    expect: String,
    #[allow(dead_code)]
    reason: String,
}

fn assertion_scope() -> String {
    "assertion".to_owned()
}

/// Builds the document a row describes, signed as it says.
pub fn build(set: &BTreeMap<String, String>, sign: &str) -> String {
    let mut parts = template::defaults();
    for (key, value) in set {
        let key = parts
            .keys()
            .find(|k| **k == key.as_str())
            .copied()
            .unwrap_or_else(|| panic!("unknown part {key}"));
        parts.insert(key, value.clone());
    }
    let assertion_id = parts["assertion_id"].clone();
    let response_id = parts["response_id"].clone();
    let mut assertion = template::assertion(&parts);
    if sign == "assertion" || sign == "both" {
        assertion = sign_id(&assertion, &assertion_id, IDP_KEY, IDP_CERT);
    }
    let mut response = template::response(&parts, &assertion);
    if sign == "response" || sign == "both" {
        response = sign_id(&response, &response_id, IDP_KEY, IDP_CERT);
    }
    response
}

#[test]
fn every_row_gives_its_outcome() {
    let table: Table = toml::from_str(include_str!("data/response_checks.toml")).expect("table");
    let sp = sp();
    let mut failures = Vec::new();
    for case in &table.case {
        let xml = build(&case.set, &case.sign);
        let now: DateTime<Utc> = case.now.parse().expect("now");
        let mut tracker = InMemoryRequestTracker::new();
        tracker.track("_req1", "2027-01-01T01:00:00Z".parse().expect("time"));
        let mut replay = InMemoryReplayCache::new();
        let outcome = sp.validate_xml(xml.as_bytes(), now, &mut tracker, &mut replay);
        let got = match &outcome {
            Ok(_) => "ok".to_owned(),
            Err(e) => e.code().to_owned(),
        };
        if got != case.expect {
            failures.push(format!(
                "{}: expected {}, got {got} ({outcome:?})",
                case.name, case.expect
            ));
        }
        // Bad input changes nothing; a success consumes the request and the assertion ID.
        assert_eq!(tracker.is_empty(), got == "ok", "{}: tracker", case.name);
        assert_eq!(
            replay.len(),
            usize::from(got == "ok"),
            "{}: replay cache",
            case.name
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
