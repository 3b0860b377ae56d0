//! Runs tests/data/resource_cases.toml through validate_create / validate_replace.

use fedkit_scim::ResourceSchema;
use fedkit_scim::resource::{
    OmittedOnReplace, UnknownAttributes, ValidationOptions, validate_create, validate_replace,
};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Table {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    reason: String,
    op: String,
    resource: String,
    body: String,
    current: Option<String>,
    unknown: Option<String>,
    canonical: Option<bool>,
    omitted: Option<String>,
    expect: Option<String>,
    error: Option<String>,
}

#[test]
fn resource_cases() {
    let table: Table = toml::from_str(include_str!("data/resource_cases.toml")).expect("cases");
    for case in &table.case {
        let schema = match case.resource.as_str() {
            "groups" => ResourceSchema::groups(),
            _ => ResourceSchema::users(),
        };
        let options = ValidationOptions {
            unknown_attributes: match case.unknown.as_deref() {
                Some("drop") => UnknownAttributes::Drop,
                _ => UnknownAttributes::Reject,
            },
            enforce_canonical_values: case.canonical.unwrap_or(true),
            omitted_on_replace: match case.omitted.as_deref() {
                Some("clear") => OmittedOnReplace::Clear,
                _ => OmittedOnReplace::Keep,
            },
            ..ValidationOptions::default()
        };
        let body: Value = serde_json::from_str(&case.body).expect("body");
        let result = match case.op.as_str() {
            "create" => validate_create(&body, schema, &options),
            _ => {
                let current: Value =
                    serde_json::from_str(case.current.as_deref().expect("current")).expect("json");
                validate_replace(&body, &current, schema, &options)
            }
        };
        match (result, &case.error, &case.expect) {
            (Err(e), Some(code), _) => assert_eq!(e.code(), code, "{}", case.reason),
            (Ok(valid), None, Some(expect)) => {
                let checks: serde_json::Map<String, Value> =
                    serde_json::from_str(expect).expect("expect");
                for (pointer, want) in checks {
                    let got = valid.as_json().pointer(&pointer);
                    match (&want, got) {
                        (Value::Null, None) => {}
                        (want, Some(got)) if want == got => {}
                        _ => panic!("{}: {pointer} is {got:?}, want {want}", case.reason),
                    }
                }
            }
            (other, _, _) => panic!("{}: got {other:?}", case.reason),
        }
    }
}

#[test]
fn max_values_at_its_edge() {
    let options = ValidationOptions {
        max_values: 2,
        ..ValidationOptions::default()
    };
    let body = |n: usize| {
        let emails: Vec<Value> = (0..n)
            .map(|i| serde_json::json!({"value": format!("{i}@x.org")}))
            .collect();
        serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "b", "emails": emails})
    };
    assert!(validate_create(&body(2), ResourceSchema::users(), &options).is_ok());
    let err = validate_create(&body(3), ResourceSchema::users(), &options).expect_err("3 > 2");
    assert_eq!(err.code(), "invalid_syntax");
}

#[test]
fn immutable_attribute_on_replace() {
    // RFC 7644 §3.5.1: an immutable attribute with a value must be sent unchanged (or omitted).
    use fedkit_scim::schema::{AttributeDef, AttributeType, Mutability, Schema};
    let mut badge = AttributeDef::new("badge", AttributeType::String);
    badge.mutability = Mutability::Immutable;
    let mut user_name = AttributeDef::new("userName", AttributeType::String);
    user_name.required = true;
    let schema = ResourceSchema {
        name: "Employee".to_owned(),
        endpoint: "/Employees".to_owned(),
        core: Schema {
            id: "urn:example:Employee".to_owned(),
            name: "Employee".to_owned(),
            description: String::new(),
            attributes: vec![user_name, badge],
        },
        extensions: Vec::new(),
    };
    let options = ValidationOptions::default();
    let current = serde_json::json!({"schemas": ["urn:example:Employee"], "id": "e1", "userName": "a", "badge": "B-1"});
    let same =
        serde_json::json!({"schemas": ["urn:example:Employee"], "userName": "b", "badge": "B-1"});
    assert!(validate_replace(&same, &current, &schema, &options).is_ok());
    let omitted = serde_json::json!({"schemas": ["urn:example:Employee"], "userName": "b"});
    let kept = validate_replace(&omitted, &current, &schema, &options).expect("omitted is kept");
    assert_eq!(kept.as_json()["badge"], "B-1");
    let changed =
        serde_json::json!({"schemas": ["urn:example:Employee"], "userName": "b", "badge": "B-2"});
    let err = validate_replace(&changed, &current, &schema, &options).expect_err("immutable");
    assert_eq!(err.code(), "immutable");
    assert_eq!(
        err.to_scim_error().scim_type.map(|t| t.as_str()),
        Some("mutability")
    );
    let fresh =
        serde_json::json!({"schemas": ["urn:example:Employee"], "id": "e2", "userName": "c"});
    assert!(
        validate_replace(&changed, &fresh, &schema, &options).is_ok(),
        "no value yet: may be set"
    );
}
