//! PATCH apply on arbitrary bodies: never panics, in either dialect; on error the resource is
//! unchanged; on success the result still has its required attribute and at most one primary
//! email. Input that is a JSON array is taken as the Operations of a PatchOp.

use fedkit_scim::Dialect;
use fedkit_scim::ResourceSchema;
use fedkit_scim::normalize::normalize_patch;
use fedkit_scim::patch::{PATCH_OP_SCHEMA, PatchOptions, PatchRequest};
use serde_json::{Value, json};

fn user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "id": "2819c223", "userName": "bjensen", "displayName": "Babs", "active": true,
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [{"value": "b@example.com", "type": "work", "primary": true},
                   {"value": "b@home.org", "type": "home"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
            {"department": "Tour", "manager": {"value": "m1", "displayName": "John"}}
    })
}

fn group() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "g1", "displayName": "Tour Guides",
        "members": [{"value": "u1", "display": "A"}, {"value": "u2"}]
    })
}

/// The fuzz target's body.
pub fn run(data: &[u8]) {
    let Ok(input) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let body = match input {
        Value::Array(ops) => json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops}),
        other => other,
    };
    for (resource, schema, required) in [
        (user(), ResourceSchema::users(), "userName"),
        (group(), ResourceSchema::groups(), "displayName"),
    ] {
        for dialect in [Dialect::Strict, Dialect::Lenient] {
            let options = PatchOptions {
                dialect,
                ..PatchOptions::default()
            };
            let body = match dialect {
                Dialect::Lenient => normalize_patch(&body, schema).body,
                _ => body.clone(),
            };
            let before = resource.clone();
            let result = PatchRequest::parse(&body, &options)
                .and_then(|request| request.apply(&resource, schema, &options));
            assert_eq!(resource, before, "apply changed its input");
            match result {
                Ok(out) => {
                    assert!(
                        out.resource.get(required).is_some_and(|v| !v.is_null()),
                        "a required attribute was removed"
                    );
                    let primaries = out.resource["emails"].as_array().map_or(0, |e| {
                        e.iter().filter(|v| v["primary"] == json!(true)).count()
                    });
                    assert!(primaries <= 1, "two primary emails");
                    assert_eq!(out.changed, out.resource != resource);
                }
                Err(e) => {
                    assert!(!e.code().is_empty());
                    let body = e.to_scim_error();
                    assert!((400..500).contains(&body.status));
                }
            }
        }
    }
}
