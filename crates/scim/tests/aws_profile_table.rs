//! Runs tests/data/aws_profile_cases.toml against the AWS IAM Identity Center profile, plus the
//! 100-member limit at its edge and the error body shape.

use fedkit_scim::patch::{PATCH_OP_SCHEMA, PatchOptions, PatchRequest};
use fedkit_scim::profile::aws::{
    AWS_VALIDATION_DETAIL, AwsException, AwsProfile, Operation, ResourceKind, aws_error_body,
};
use fedkit_scim::query::SearchRequest;
use fedkit_scim::{Dialect, Filter};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct Table {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    reason: String,
    check: String,
    resource: Option<String>,
    input: Option<String>,
    #[serde(default)]
    query: Vec<(String, String)>,
    expect: Vec<String>,
}

fn operation(name: &str) -> Operation {
    match name {
        "PutGroup" => Operation::PutGroup,
        "Bulk" => Operation::Bulk,
        "Search" => Operation::Search,
        "PutUser" => Operation::PutUser,
        other => panic!("no operation {other} in the test's table"),
    }
}

#[test]
fn aws_profile_cases() {
    let table: Table = toml::from_str(include_str!("data/aws_profile_cases.toml")).expect("cases");
    assert!(table.case.len() >= 40, "{} cases", table.case.len());
    let profile = AwsProfile::default();
    for case in &table.case {
        let kind = match case.resource.as_deref() {
            Some("groups") => ResourceKind::Groups,
            _ => ResourceKind::Users,
        };
        let input = case.input.as_deref().unwrap_or("");
        let violations = match case.check.as_str() {
            "filter" => {
                let filter = Filter::parse(input, Dialect::Strict).expect("filter parses");
                profile
                    .check_filter(kind, &filter)
                    .err()
                    .into_iter()
                    .collect()
            }
            "list" => {
                let pairs: Vec<(&str, &str)> = case
                    .query
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                profile.check_list(kind, &SearchRequest::from_query(&pairs).expect("query"))
            }
            "operation" => profile
                .check_operation(operation(input))
                .err()
                .into_iter()
                .collect(),
            "user" => profile.check_user(&serde_json::from_str(input).expect("json")),
            "group" => profile.check_group(&serde_json::from_str(input).expect("json")),
            "patch" => {
                let ops: Value = serde_json::from_str(input).expect("json");
                let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops});
                let patch =
                    PatchRequest::parse(&body, &PatchOptions::default()).expect("valid PatchOp");
                profile.check_patch(kind, &patch)
            }
            other => panic!("unknown check {other}"),
        };
        let codes: Vec<&str> = violations.iter().map(|v| v.code()).collect();
        assert_eq!(codes, case.expect, "{}", case.reason);
    }
}

fn member_patch(adds: usize, removes: usize) -> PatchRequest {
    let members: Vec<Value> = (0..adds)
        .map(|i| json!({"value": format!("u{i}")}))
        .collect();
    let mut ops = Vec::new();
    if adds > 0 {
        ops.push(json!({"op": "add", "path": "members", "value": members}));
    }
    for i in 0..removes {
        ops.push(json!({"op": "remove", "path": format!("members[value eq \"r{i}\"]")}));
    }
    let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops});
    PatchRequest::parse(&body, &PatchOptions::default()).expect("valid")
}

#[test]
fn member_change_limit_at_its_edge() {
    // research/scim.md §1.6 and §3 #35: at most 100 membership changes per PatchGroup.
    let profile = AwsProfile::default();
    assert!(
        profile
            .check_patch(ResourceKind::Groups, &member_patch(60, 40))
            .is_empty()
    );
    let over = profile.check_patch(ResourceKind::Groups, &member_patch(60, 41));
    assert_eq!(
        over.iter().map(|v| v.code()).collect::<Vec<_>>(),
        ["aws_too_many_member_changes"]
    );
    let members: Vec<Value> = (0..101).map(|i| json!({"value": i.to_string()})).collect();
    let group = json!({"displayName": "G", "members": members});
    assert_eq!(
        profile.check_group(&group)[0].code(),
        "aws_too_many_members"
    );
}

#[test]
fn error_body_has_aws_shape() {
    // research/scim.md §1.7: both schema and schemas, string status, request id, timestamp,
    // no scimType.
    let now = "2026-12-03T10:00:00Z".parse().expect("time");
    let body = aws_error_body(
        AwsException::Validation,
        AWS_VALIDATION_DETAIL,
        "req-1",
        now,
    );
    assert_eq!(
        body["schema"],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    assert_eq!(
        body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    assert_eq!(body["status"], "400");
    assert_eq!(body["exceptionRequestId"], "req-1");
    assert_eq!(body["timeStamp"], "2026-12-03T10:00:00.000Z");
    assert!(body.get("scimType").is_none());
    assert_eq!(AwsException::Throttling.status(), 429);
}
