//! Runs tests/data/normalize_resource_cases.toml: each POST/PUT shape of research/scim.md §3
//! through `normalize_resource`, checking the body, the rewrite codes, that the strict
//! validator rejects the raw input with the row's code and accepts the normalised one.

use fedkit_scim::ResourceSchema;
use fedkit_scim::normalize::normalize_resource;
use fedkit_scim::resource::{ValidationOptions, validate_create};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Table {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    reason: String,
    resource: String,
    input: String,
    expect: String,
    rewrites: Vec<String>,
    strict_error: String,
    #[serde(default)]
    expect_invalid: bool,
}

fn json(text: &str, what: &str, case: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{case}: {what} is not JSON: {e}"))
}

#[test]
fn normalize_resource_table() {
    let table: Table = toml::from_str(include_str!("data/normalize_resource_cases.toml"))
        .expect("the table parses");
    assert!(table.case.len() >= 12, "the table lost rows");
    let options = ValidationOptions::default();
    let mut failures = Vec::new();
    for case in &table.case {
        let schema = match case.resource.as_str() {
            "group" => ResourceSchema::groups(),
            _ => ResourceSchema::users(),
        };
        let input = json(&case.input, "input", &case.name);
        let expect = json(&case.expect, "expect", &case.name);
        let out = normalize_resource(&input, schema);
        let codes: Vec<&str> = out.rewrites.iter().map(|r| r.kind.code()).collect();
        if out.body != expect {
            failures.push(format!(
                "{}: body {} ({})",
                case.name, out.body, case.reason
            ));
        }
        if codes != case.rewrites {
            failures.push(format!(
                "{}: rewrites {codes:?} ({})",
                case.name, case.reason
            ));
        }
        if out.rewrites.iter().any(|r| r.detail.is_empty()) {
            failures.push(format!("{}: a rewrite without detail", case.name));
        }
        let strict = validate_create(&input, schema, &options)
            .err()
            .map(|e| e.code());
        let want = (!case.strict_error.is_empty()).then_some(case.strict_error.as_str());
        if strict != want {
            failures.push(format!(
                "{}: strict gave {strict:?}, want {want:?}",
                case.name
            ));
        }
        let lenient = validate_create(&out.body, schema, &options);
        if lenient.is_ok() == case.expect_invalid {
            failures.push(format!(
                "{}: normalised body validation {:?}",
                case.name,
                lenient.err().map(|e| e.code())
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn non_object_body_is_returned_as_is() {
    let body = serde_json::json!(["active", "True"]);
    let out = normalize_resource(&body, ResourceSchema::users());
    assert_eq!(out.body, body);
    assert!(out.rewrites.is_empty());
}
