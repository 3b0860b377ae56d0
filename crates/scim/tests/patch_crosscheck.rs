//! Our strict PATCH results against an independent implementation: python-scim's scim2-models
//! 0.12.3 (tests/data/peer/scim2_models_patch.json, made by scim2_models_patch.py from the same
//! cases and fixtures). Where the two agree on acceptance, the peer's result must satisfy the
//! same expected pointers as ours. Every disagreement is listed, with the RFC text that settles
//! it, in tests/data/patch_crosscheck.toml; an unlisted one, or a listed one that went away,
//! fails the test.

use std::collections::BTreeMap;

use fedkit_scim::ResourceSchema;
use fedkit_scim::patch::{PATCH_OP_SCHEMA, PatchOptions, PatchRequest};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    resource: String,
    ops: Option<String>,
    body: Option<String>,
    expect: Option<String>,
    strict_expect: Option<String>,
}

#[derive(Deserialize)]
struct Settled {
    disagreement: Vec<Disagreement>,
}

#[derive(Deserialize)]
struct Disagreement {
    name: String,
    kind: String,
    ruling: String,
}

#[test]
fn strict_patch_agrees_with_scim2_models_or_the_rfc_settles_it() {
    let cases: Cases = toml::from_str(include_str!("data/patch_cases.toml")).expect("cases");
    let fixtures: Value =
        serde_json::from_str(include_str!("data/patch_fixtures.json")).expect("fixtures");
    let peer: Value =
        serde_json::from_str(include_str!("data/peer/scim2_models_patch.json")).expect("peer");
    let settled: Settled =
        toml::from_str(include_str!("data/patch_crosscheck.toml")).expect("crosscheck");
    let options = PatchOptions::default();
    let mut found: BTreeMap<String, String> = BTreeMap::new();
    let mut compared = 0;
    for case in &cases.case {
        let peer_case = &peer["cases"][&case.name];
        let peer_ok = peer_case["ok"].as_bool().expect("peer ran every case");
        let schema = match case.resource.as_str() {
            "group" => ResourceSchema::groups(),
            _ => ResourceSchema::users(),
        };
        let body: Value = match (&case.body, &case.ops) {
            (Some(body), _) => serde_json::from_str(body).expect("body"),
            (None, Some(ops)) => serde_json::json!({
                "schemas": [PATCH_OP_SCHEMA],
                "Operations": serde_json::from_str::<Value>(ops).expect("ops"),
            }),
            _ => panic!("{}: no body", case.name),
        };
        let ours = PatchRequest::parse(&body, &options)
            .and_then(|p| p.apply(&fixtures[&case.resource], schema, &options));
        match (ours, peer_ok) {
            (Ok(_), false) => {
                found.insert(case.name.clone(), "peer_rejects".to_owned());
            }
            (Err(_), true) => {
                found.insert(case.name.clone(), "peer_accepts".to_owned());
            }
            (Err(_), false) => compared += 1,
            (Ok(_), true) => {
                compared += 1;
                let Some(expect) = case.strict_expect.as_ref().or(case.expect.as_ref()) else {
                    continue;
                };
                let checks: serde_json::Map<String, Value> =
                    serde_json::from_str(expect).expect("expect");
                let result = &peer_case["result"];
                let differs =
                    checks
                        .iter()
                        .any(|(pointer, want)| match (want, result.pointer(pointer)) {
                            (Value::Null, None) => false,
                            (want, Some(got)) => want != got,
                            _ => true,
                        });
                if differs {
                    found.insert(case.name.clone(), "peer_value".to_owned());
                }
            }
        }
    }
    let listed: BTreeMap<String, String> = settled
        .disagreement
        .iter()
        .map(|d| {
            assert!(
                d.ruling.contains("RFC"),
                "{}: a ruling cites RFC text",
                d.name
            );
            (d.name.clone(), d.kind.clone())
        })
        .collect();
    assert!(
        compared >= 40,
        "only {compared} cases where the peer and we agree"
    );
    assert_eq!(found, listed, "disagreements with scim2-models changed");
}
