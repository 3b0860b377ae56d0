//! PATCH settings, each tested at its edge.

use fedkit_scim::ResourceSchema;
use fedkit_scim::patch::{PATCH_OP_SCHEMA, PatchOptions, PatchRequest, ReplaceNoMatch};
use fedkit_scim::resource::ValidationOptions;
use serde_json::{Value, json};

fn fixtures() -> Value {
    serde_json::from_str(include_str!("data/patch_fixtures.json")).expect("fixtures")
}

fn body(ops: Vec<Value>) -> Value {
    json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops})
}

#[test]
fn max_operations_limit_passes_and_limit_plus_one_fails() {
    let options = PatchOptions {
        max_operations: 3,
        ..PatchOptions::default()
    };
    let op = json!({"op": "replace", "path": "title", "value": "x"});
    assert!(PatchRequest::parse(&body(vec![op.clone(); 3]), &options).is_ok());
    let err = PatchRequest::parse(&body(vec![op; 4]), &options).expect_err("4 > 3");
    assert_eq!(err.code(), "patch_too_many_operations");
}

#[test]
fn max_values_limit_passes_and_limit_plus_one_fails() {
    let fixtures = fixtures();
    let group = &fixtures["group"];
    let options = PatchOptions {
        validation: ValidationOptions {
            max_values: 3,
            ..ValidationOptions::default()
        },
        ..PatchOptions::default()
    };
    // The group has two members: one more is the limit, two more is over it.
    let add = |ids: &[&str]| {
        let members: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
        body(vec![
            json!({"op": "add", "path": "members", "value": members}),
        ])
    };
    let one = PatchRequest::parse(&add(&["a"]), &options).expect("parse");
    assert!(one.apply(group, ResourceSchema::groups(), &options).is_ok());
    let two = PatchRequest::parse(&add(&["a", "b"]), &options).expect("parse");
    let err = two
        .apply(group, ResourceSchema::groups(), &options)
        .expect_err("4 > 3");
    assert_eq!(err.code(), "invalid_syntax");
}

#[test]
fn replace_no_match_create_element_is_opt_in() {
    // research/scim.md §3 #18: Entra expects replace on a missing work email to create it.
    let fixtures = fixtures();
    let mut user = fixtures["user"].clone();
    user["emails"] = json!([{"value": "babs@jensen.org", "type": "home"}]);
    let patch = body(vec![json!({
        "op": "replace", "path": "emails[type eq \"work\"].value", "value": "w@example.com"
    })]);
    let strict = PatchOptions::default();
    let request = PatchRequest::parse(&patch, &strict).expect("parse");
    let err = request
        .apply(&user, ResourceSchema::users(), &strict)
        .expect_err("RFC: noTarget");
    assert_eq!(err.code(), "no_target");
    assert_eq!(
        err.to_scim_error().scim_type.map(|t| t.as_str()),
        Some("noTarget")
    );
    let entra = PatchOptions {
        replace_no_match: ReplaceNoMatch::CreateElement,
        ..PatchOptions::default()
    };
    let out = request
        .apply(&user, ResourceSchema::users(), &entra)
        .expect("created");
    assert_eq!(
        out.resource["emails"][1],
        json!({"type": "work", "value": "w@example.com"})
    );
}

#[test]
fn unchanged_patch_reports_no_change() {
    let fixtures = fixtures();
    let options = PatchOptions::default();
    let same = body(vec![
        json!({"op": "replace", "path": "displayName", "value": "Babs Jensen"}),
    ]);
    let request = PatchRequest::parse(&same, &options).expect("parse");
    let out = request
        .apply(&fixtures["user"], ResourceSchema::users(), &options)
        .expect("ok");
    assert!(!out.changed);
}

#[test]
fn resource_without_schemas_can_still_be_patched() {
    // A stored resource without `schemas` (a store that keeps it elsewhere): a patch that does
    // not touch schemas must not fail on it, nor add an empty one.
    let group = json!({"id": "g1", "displayName": "G", "members": []});
    let options = PatchOptions::default();
    let patch = body(vec![
        json!({"op": "add", "path": "members", "value": [{"value": "u1"}]}),
    ]);
    let request = PatchRequest::parse(&patch, &options).expect("parse");
    let out = request
        .apply(&group, ResourceSchema::groups(), &options)
        .expect("applies");
    assert_eq!(out.resource["members"][0]["value"], "u1");
    assert!(out.resource.get("schemas").is_none());
}
