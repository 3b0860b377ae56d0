//! scim.patch: PATCH parse + apply (and the lenient normaliser where the body needs it) for
//! typical IdP bodies, in operations-requests per second (criterion `Throughput::Elements`, one
//! request per iteration). Bodies: Okta's pathless deactivate, Entra's default-dialect user
//! update (capitalised ops, a valuePath with sub-attribute, an enterprise URN path, a "False"
//! string), Entra's group membership delta, and a strict 10-member add.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fedkit_scim::normalize::normalize_patch;
use fedkit_scim::patch::{PatchOptions, PatchRequest};
use fedkit_scim::{Dialect, ResourceSchema};
use serde_json::{Value, json};

fn user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "id": "2819c223-7f76-453a-919d-413861904646", "externalId": "701984",
        "userName": "bjensen@example.com", "displayName": "Babs Jensen", "active": true,
        "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Barbara Jensen"},
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                   {"value": "babs@jensen.org", "type": "home"}],
        "phoneNumbers": [{"value": "555-555-8377", "type": "work"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
            {"employeeNumber": "701984", "department": "Tour Operations",
             "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}}
    })
}

fn group(members: usize) -> Value {
    let members: Vec<Value> = (0..members)
        .map(|i| json!({"value": format!("member-{i:04}"), "display": format!("Member {i}")}))
        .collect();
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
           "id": "e9e30dba", "displayName": "Tour Guides", "members": members})
}

fn patch_op(ops: Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("scim.patch");
    g.throughput(Throughput::Elements(1));
    let user = user();
    let strict = PatchOptions::default();
    let lenient = PatchOptions {
        dialect: Dialect::Lenient,
        ..PatchOptions::default()
    };
    let users = ResourceSchema::users();
    let groups = ResourceSchema::groups();

    let okta = patch_op(json!([{"op": "replace", "value": {"active": false}}]));
    g.bench_function("okta_deactivate", |b| {
        b.iter(|| {
            PatchRequest::parse(black_box(&okta), &strict)
                .and_then(|p| p.apply(&user, users, &strict))
                .map(|o| o.changed)
        })
    });

    let entra_user = patch_op(json!([
        {"op": "Replace", "path": "displayName", "value": "Barbara Jensen"},
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "barbara@example.com"},
        {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Sales"},
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Add", "path": "name.givenName", "value": "Barb"}
    ]));
    g.bench_function("entra_user_update_lenient", |b| {
        b.iter(|| {
            let body = normalize_patch(black_box(&entra_user), users).body;
            PatchRequest::parse(&body, &lenient)
                .and_then(|p| p.apply(&user, users, &lenient))
                .map(|o| o.changed)
        })
    });

    let big_group = group(100);
    let entra_members = patch_op(json!([
        {"op": "Add", "path": "members", "value": [{"value": "member-new-1"}, {"value": "member-new-2"}]},
        {"op": "Remove", "path": "members", "value": [{"value": "member-0050"}]}
    ]));
    g.bench_function("entra_group_delta_100_members_lenient", |b| {
        b.iter(|| {
            let body = normalize_patch(black_box(&entra_members), groups).body;
            PatchRequest::parse(&body, &lenient)
                .and_then(|p| p.apply(&big_group, groups, &lenient))
                .map(|o| o.changed)
        })
    });

    let adds: Vec<Value> = (0..10)
        .map(|i| json!({"value": format!("new-{i}")}))
        .collect();
    let strict_add = patch_op(json!([{"op": "add", "path": "members", "value": adds}]));
    g.bench_function("add_10_members_to_100_strict", |b| {
        b.iter(|| {
            PatchRequest::parse(black_box(&strict_add), &strict)
                .and_then(|p| p.apply(&big_group, groups, &strict))
                .map(|o| o.changed)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
