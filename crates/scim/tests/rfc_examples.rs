//! The RFC 7643/7644/9865 example payloads (tests/data/rfc/; tests/data/rfc/README.md says, per
//! example, where its text was read and which errata are applied) deserialise into this crate's
//! models and serialise back equal, and behave as the RFC says.

use std::collections::HashMap;

use fedkit_scim::ResourceSchema;
use fedkit_scim::bulk::{BulkLimits, BulkRequest, BulkResponse, resolve_bulk_ids};
use fedkit_scim::config::{ServiceProviderConfig, resource_type_document, schema_document};
use fedkit_scim::error::ScimError;
use fedkit_scim::patch::{PatchOptions, PatchRequest};
use fedkit_scim::query::ListResponse;
use fedkit_scim::resource::{ValidationOptions, validate_create};
use fedkit_scim::schema::{Schema, SchemaExtension};
use serde_json::Value;

fn load(text: &str) -> Value {
    serde_json::from_str(text).expect("RFC example is JSON")
}

fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(value: &Value) -> Value {
    let model: T = serde_json::from_value(value.clone()).expect("deserialises");
    serde_json::to_value(&model).expect("serialises")
}

#[test]
fn rfc7644_3_12_error_bodies_round_trip() {
    let errors = load(include_str!("data/rfc/rfc7644_3.12_errors.json"));
    for body in errors.as_array().expect("array") {
        assert_eq!(&round_trip::<ScimError>(body), body);
    }
    let mutability: ScimError = serde_json::from_value(errors[1].clone()).expect("error");
    assert_eq!(
        (mutability.status, mutability.scim_type.map(|t| t.as_str())),
        (400, Some("mutability"))
    );
}

#[test]
fn rfc7644_3_4_2_list_response_round_trips() {
    let list = load(include_str!("data/rfc/rfc7644_3.4.2_list_response.json"));
    assert_eq!(round_trip::<ListResponse>(&list), list);
}

#[test]
fn rfc7644_3_7_bulk_messages_round_trip() {
    let request = load(include_str!("data/rfc/rfc7644_3.7_bulk_request.json"));
    assert_eq!(round_trip::<BulkRequest>(&request), request);
    let response = load(include_str!("data/rfc/rfc7644_3.7_bulk_response.json"));
    assert_eq!(round_trip::<BulkResponse>(&response), response);
    // §3.7.3: the response when each operation failed; every `response` is a SCIM Error
    // whose status is the operation's status.
    let failed = load(include_str!(
        "data/rfc/rfc7644_3.7.3_bulk_response_errors.json"
    ));
    assert_eq!(round_trip::<BulkResponse>(&failed), failed);
    let failed: BulkResponse = serde_json::from_value(failed).expect("bulk response");
    let statuses: Vec<(String, u16)> = failed
        .operations
        .iter()
        .map(|op| {
            let error: ScimError =
                serde_json::from_value(op.response.clone().expect("error body")).expect("error");
            (op.status.clone(), error.status)
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("400".to_owned(), 400),
            ("412".to_owned(), 412),
            ("412".to_owned(), 412),
            ("404".to_owned(), 404)
        ]
    );
    let parsed = BulkRequest::parse(
        include_bytes!("data/rfc/rfc7644_3.7_bulk_request.json"),
        &BulkLimits::default(),
    )
    .expect("valid bulk request");
    assert!(
        parsed.should_stop(1) && !parsed.should_stop(0),
        "failOnErrors is 1"
    );
    assert_eq!(
        parsed.execution_order().expect("no references"),
        [0, 1, 2, 3]
    );
}

#[test]
fn rfc7644_3_7_2_bulk_id_reference_resolves_after_its_post() {
    let mut request = BulkRequest::parse(
        include_bytes!("data/rfc/rfc7644_3.7.2_bulk_id_reference.json"),
        &BulkLimits::default(),
    )
    .expect("valid");
    assert_eq!(request.execution_order().expect("acyclic"), [0, 1]);
    let created = HashMap::from([(
        "qwerty".to_owned(),
        "92b725cd-9465-4e7d-8c16-01f8e146b87a".to_owned(),
    )]);
    let data = request.operations[1].data.as_mut().expect("group data");
    resolve_bulk_ids(data, &created).expect("resolves");
    assert_eq!(
        data["members"][0]["value"],
        "92b725cd-9465-4e7d-8c16-01f8e146b87a"
    );
}

#[test]
fn rfc7644_3_7_1_circular_references_are_a_409() {
    // RFC 7644 §3.7.1: the service provider MAY return 409 instead of resolving the cycle.
    let request = BulkRequest::parse(
        include_bytes!("data/rfc/rfc7644_3.7.1_bulk_circular.json"),
        &BulkLimits::default(),
    )
    .expect("valid");
    let err = request.execution_order().expect_err("cycle");
    assert_eq!((err.code(), err.status()), ("bulk_id_cycle", 409));
}

#[test]
fn rfc7643_8_5_service_provider_config_round_trips() {
    let config = load(include_str!(
        "data/rfc/rfc7643_8.5_service_provider_config.json"
    ));
    assert_eq!(round_trip::<ServiceProviderConfig>(&config), config);
}

#[test]
fn rfc7643_8_6_resource_types_match_the_generated_documents() {
    let docs = load(include_str!("data/rfc/rfc7643_8.6_resource_types.json"));
    let base = "https://example.com/v2";
    assert_eq!(
        resource_type_document(ResourceSchema::groups(), base),
        docs[1]
    );
    // The RFC's example makes the enterprise extension required; ours is optional by default.
    let mut users = ResourceSchema::users().clone();
    users.extensions = vec![SchemaExtension {
        schema: Schema::enterprise_user().clone(),
        required: true,
    }];
    assert_eq!(resource_type_document(&users, base), docs[0]);
}

#[test]
fn rfc7643_8_1_and_8_4_resources_validate() {
    let options = ValidationOptions::default();
    let user = load(include_str!("data/rfc/rfc7643_8.1_minimal_user.json"));
    let valid = validate_create(&user, ResourceSchema::users(), &options).expect("minimal user");
    // id and meta are readOnly: a create ignores them (RFC 7643 §2.2).
    let mut expected = user.clone();
    let fields = expected.as_object_mut().expect("object");
    fields.remove("id");
    fields.remove("meta");
    assert_eq!(valid.as_json(), &expected);
    let group = load(include_str!("data/rfc/rfc7643_8.4_group.json"));
    let valid = validate_create(&group, ResourceSchema::groups(), &options).expect("group");
    assert_eq!(valid.as_json()["members"], group["members"]);
}

#[test]
fn rfc7643_8_2_and_8_3_full_users_validate() {
    let options = ValidationOptions::default();
    let full = load(include_str!("data/rfc/rfc7643_8.2_full_user.json"));
    let enterprise = load(include_str!("data/rfc/rfc7643_8.3_enterprise_user.json"));
    for user in [&full, &enterprise] {
        let valid = validate_create(user, ResourceSchema::users(), &options).expect("full user");
        // RFC 7643 §4.1.2: groups is readOnly; §3.1: id and meta are readOnly. A create
        // ignores them and keeps every other attribute the example carries.
        let mut expected = user.clone();
        let fields = expected.as_object_mut().expect("object");
        for read_only in ["id", "meta", "groups"] {
            fields.remove(read_only);
        }
        assert_eq!(valid.as_json(), &expected);
    }
    // RFC 7643 §8.3: the extension's manager keeps its relative "$ref" as the RFC prints it.
    let manager =
        &enterprise["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"];
    assert_eq!(
        manager["$ref"],
        "../Users/26118915-6090-4610-87e4-49d8ca9f808d"
    );
}

#[test]
fn rfc7643_8_7_1_verified_errata_are_in_the_builtin_schemas() {
    // Erratum 8471 (https://www.rfc-editor.org/errata/eid8471): User groups.$ref refers to
    // Groups only. Erratum 5368: Group displayName is required.
    let user = schema_document(Schema::user(), "https://example.com/v2");
    let groups = user["attributes"]
        .as_array()
        .and_then(|a| a.iter().find(|attr| attr["name"] == "groups"))
        .expect("groups");
    let reference = groups["subAttributes"]
        .as_array()
        .and_then(|a| a.iter().find(|attr| attr["name"] == "$ref"))
        .expect("groups.$ref");
    assert_eq!(reference["referenceTypes"], serde_json::json!(["Group"]));
    let group = schema_document(Schema::group(), "https://example.com/v2");
    assert_eq!(group["attributes"][0]["name"], "displayName");
    assert_eq!(group["attributes"][0]["required"], true);
}

#[test]
fn rfc7644_3_5_2_patch_bodies_round_trip_and_apply() {
    // Indices follow the README table: 0-1 §3.5.2.1, 2-5 §3.5.2.2, 6-10 §3.5.2.3.
    let bodies = load(include_str!("data/rfc/rfc7644_3.5.2_patch_ops.json"));
    let options = PatchOptions::default();
    for body in bodies.as_array().expect("array") {
        let request = PatchRequest::parse(body, &options).expect("RFC PatchOp parses");
        assert_eq!(&request.to_json(), body);
    }
    let group = load(include_str!("data/rfc/rfc7643_8.4_group.json"));
    let apply = |i: usize, resource: &Value, schema: &ResourceSchema| {
        PatchRequest::parse(&bodies[i], &options)
            .and_then(|r| r.apply(resource, schema, &options))
            .expect("applies")
            .resource
    };
    let member_ids = |resource: &Value| -> Vec<String> {
        resource["members"]
            .as_array()
            .map(|members| {
                members
                    .iter()
                    .filter_map(|m| m["value"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    const BABS: &str = "2819c223-7f76-453a-919d-413861904646";
    const MANDY: &str = "902c246b-6245-4190-8e05-00816be7344a";
    const JAMES: &str = "08e1d05d-121c-4561-8b96-473d93df9210";
    // §3.5.2.1: add a member that is already there: no duplicate.
    assert_eq!(
        member_ids(&apply(0, &group, ResourceSchema::groups())),
        [BABS, MANDY]
    );
    // §3.5.2.2: remove one member by filter, then all.
    assert_eq!(
        member_ids(&apply(2, &group, ResourceSchema::groups())),
        [MANDY]
    );
    assert!(
        apply(3, &group, ResourceSchema::groups())
            .get("members")
            .is_none()
    );
    // §3.5.2.2: remove Babs (the RFC's `eq\"` without a space) and add James.
    assert_eq!(
        member_ids(&apply(5, &group, ResourceSchema::groups())),
        [MANDY, JAMES]
    );
    // §3.5.2.3: remove all, then add two, or one replace: exactly those two.
    let replaced = apply(6, &group, ResourceSchema::groups());
    assert_eq!(member_ids(&replaced), [BABS, JAMES]);
    assert_eq!(
        apply(7, &group, ResourceSchema::groups())["members"],
        replaced["members"]
    );
    // §3.5.2.1: pathless add; `nickname` is the RFC's spelling of nickName (case-insensitive).
    let user = load(include_str!("data/rfc/rfc7643_8.1_minimal_user.json"));
    let added = apply(1, &user, ResourceSchema::users());
    assert_eq!(added["nickName"], "Babs");
    assert_eq!(added["emails"][0]["type"], "home");
    // §3.5.2.2: remove the work emails ending in example.com from the §8.2 user.
    let full = load(include_str!("data/rfc/rfc7643_8.2_full_user.json"));
    let emails = apply(4, &full, ResourceSchema::users())["emails"].clone();
    assert_eq!(
        emails,
        serde_json::json!([{"value": "babs@jensen.org", "type": "home"}])
    );
    // §3.5.2.3: replace of a work address that does not exist is noTarget.
    let err = PatchRequest::parse(&bodies[8], &options)
        .and_then(|r| r.apply(&user, ResourceSchema::users(), &options))
        .expect_err("no work address");
    assert_eq!(err.code(), "no_target");
    // ... and on the §8.2 user, the work record is replaced and then its street changed;
    // the home address is untouched.
    let moved = apply(8, &full, ResourceSchema::users());
    assert_eq!(
        moved["addresses"][0]["streetAddress"],
        "911 Universal City Plaza"
    );
    assert_eq!(moved["addresses"][1], full["addresses"][1]);
    let street = apply(9, &moved, ResourceSchema::users());
    assert_eq!(street["addresses"][0]["streetAddress"], "1010 Broadway Ave");
    assert_eq!(street["addresses"][0]["postalCode"], "91608");
    // §3.5.2.3: pathless replace sets emails to exactly the two given and nickName.
    let swapped = apply(10, &added, ResourceSchema::users());
    assert_eq!(
        swapped["emails"],
        bodies[10]["Operations"][0]["value"]["emails"]
    );
    assert_eq!(swapped["nickName"], "Babs");
}

#[test]
fn rfc9865_cursor_list_response_and_pagination_config_round_trip() {
    // RFC 9865 §2 (a page with nextCursor and previousCursor; the draft text misses the quote
    // after previousCursor, fixed here) and §4 (the ServiceProviderConfig pagination block):
    // values as in the SCIM WG's draft source, see tests/data/rfc/README.md.
    let page = serde_json::json!({
        "totalResults": 100,
        "itemsPerPage": 10,
        "previousCursor": "ze7L30kMiiLX6x",
        "nextCursor": "YkU3OF86Pz0rGv",
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "Resources": []
    });
    assert_eq!(round_trip::<ListResponse>(&page), page);
    let mut config = load(include_str!(
        "data/rfc/rfc7643_8.5_service_provider_config.json"
    ));
    config["pagination"] = serde_json::json!({
        "cursor": true,
        "index": true,
        "defaultPaginationMethod": "cursor",
        "defaultPageSize": 100,
        "maxPageSize": 250,
        "cursorTimeout": 3600
    });
    assert_eq!(round_trip::<ServiceProviderConfig>(&config), config);
    let ours = serde_json::to_value(ServiceProviderConfig::fedkit_defaults()).expect("serialises");
    assert_eq!(round_trip::<ServiceProviderConfig>(&ours), ours);
    assert_eq!(ours["bulk"]["maxOperations"], 1000);
    assert_eq!(ours["pagination"]["cursor"], true);
}
