//! Runs tests/data/query_cases.toml: paging, sorting and projection.

use fedkit_scim::ResourceSchema;
use fedkit_scim::query::{
    ListResponse, Page, PageOptions, SearchRequest, SortOrder, project, sort_resources,
};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct Table {
    users: String,
    page: Vec<PageCase>,
    sort: Vec<SortCase>,
    project: Vec<ProjectCase>,
}

#[derive(Deserialize)]
struct PageCase {
    reason: String,
    query: Vec<(String, String)>,
    #[serde(default)]
    reject_above_max: bool,
    expect: Option<PageExpect>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct PageExpect {
    kind: String,
    start_index: Option<u64>,
    cursor: Option<String>,
    count: u32,
}

#[derive(Deserialize)]
struct SortCase {
    reason: String,
    sort_by: String,
    order: Option<String>,
    expect: Option<Vec<String>>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct ProjectCase {
    reason: String,
    user: usize,
    #[serde(default)]
    attributes: Vec<String>,
    #[serde(default)]
    excluded: Vec<String>,
    expect: String,
}

fn table() -> (Table, Vec<Value>) {
    let table: Table =
        toml::from_str(include_str!("data/query_cases.toml")).expect("query_cases.toml");
    let users: Vec<Value> = serde_json::from_str(&table.users).expect("users");
    (table, users)
}

#[test]
fn paging_cases() {
    let (table, _) = table();
    for case in &table.page {
        let pairs: Vec<(&str, &str)> = case
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let options = PageOptions {
            reject_count_above_max: case.reject_above_max,
            ..PageOptions::default()
        };
        let page = SearchRequest::from_query(&pairs).and_then(|r| r.page(&options));
        match (&case.expect, &case.error, page) {
            (_, Some(code), Err(e)) => assert_eq!(e.code(), code, "{}", case.reason),
            (Some(want), None, Ok(page)) => {
                let expected = match want.kind.as_str() {
                    "index" => Page::Index {
                        start_index: want.start_index.unwrap_or(1),
                        count: want.count,
                    },
                    _ => Page::Cursor {
                        cursor: want.cursor.clone(),
                        count: want.count,
                    },
                };
                assert_eq!(page, expected, "{}", case.reason);
            }
            (_, _, other) => panic!("{}: got {other:?}", case.reason),
        }
    }
}

#[test]
fn sort_cases() {
    let (table, users) = table();
    for case in &table.sort {
        let mut list = users.clone();
        let order = match case.order.as_deref() {
            Some(o) => SortOrder::parse(o).expect("order"),
            None => SortOrder::Ascending,
        };
        let result = sort_resources(&mut list, &case.sort_by, order, ResourceSchema::users());
        match (&case.expect, &case.error, result) {
            (Some(want), None, Ok(())) => {
                let ids: Vec<&str> = list.iter().filter_map(|u| u["id"].as_str()).collect();
                assert_eq!(ids, *want, "{}", case.reason);
            }
            (None, Some(code), Err(e)) => {
                assert_eq!(e.code(), code, "{}", case.reason);
                assert_eq!(
                    list, users,
                    "{}: a failed sort changes nothing",
                    case.reason
                );
            }
            (_, _, other) => panic!("{}: got {other:?}", case.reason),
        }
    }
}

#[test]
fn projection_cases() {
    let (table, users) = table();
    for case in &table.project {
        let out = project(
            &users[case.user],
            &case.attributes,
            &case.excluded,
            ResourceSchema::users(),
        );
        let want: Value = serde_json::from_str(&case.expect).expect("expect");
        assert_eq!(out, want, "{}", case.reason);
    }
}

#[test]
fn search_body_round_trip_of_rfc_7644_section_3_4_3_example() {
    // RFC 7644 §3.4.3, the /.search example body.
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "attributes": ["displayName", "userName"],
        "excludedAttributes": [],
        "filter": "displayName sw \"smith\"",
        "startIndex": 1,
        "count": 10
    });
    let request = SearchRequest::from_body(&body).expect("search body");
    assert_eq!(request.attributes, ["displayName", "userName"]);
    assert_eq!(request.filter.as_deref(), Some("displayName sw \"smith\""));
    assert_eq!(
        request.page(&PageOptions::default()).expect("page"),
        Page::Index {
            start_index: 1,
            count: 10
        }
    );
    let bound = request
        .bound_filter(ResourceSchema::users(), fedkit_scim::Dialect::Strict)
        .expect("binds")
        .expect("has a filter");
    assert!(
        bound
            .matches(&json!({"displayName": "Smithers"}))
            .expect("eval")
    );
    let without_schema = json!({"filter": "userName eq \"x\""});
    assert_eq!(
        SearchRequest::from_body(&without_schema)
            .expect_err("no schemas")
            .code(),
        "message_schema_missing"
    );
}

#[test]
fn index_page_slices_and_counts() {
    let (_, users) = table();
    let page = ListResponse::index_page(&users, 2, 1);
    assert_eq!(
        (page.total_results, page.items_per_page, page.start_index),
        (Some(3), Some(1), Some(2))
    );
    assert_eq!(page.resources[0]["id"], "u2");
    let beyond = ListResponse::index_page(&users, 10, 5);
    assert_eq!(
        (beyond.total_results, beyond.items_per_page),
        (Some(3), Some(0))
    );
    let none = ListResponse::index_page(&users, 1, 0);
    assert!(none.resources.is_empty());
}

#[test]
fn too_many_results_limit_edge() {
    assert!(fedkit_scim::query::check_total(100, 100).is_ok());
    let err = fedkit_scim::query::check_total(101, 100).expect_err("101 > 100");
    assert_eq!(
        err.to_scim_error().scim_type.map(|t| t.as_str()),
        Some("tooMany")
    );
}
