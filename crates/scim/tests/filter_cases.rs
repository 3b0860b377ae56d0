//! Table-driven filter cases: parse (canonical print or error code and span) from
//! data/filter/parse_cases.toml, evaluation against fixture users and groups from
//! data/filter/eval_cases.toml. Each row carries its reason and source.

use fedkit_scim::schema::SchemaExtension;
use fedkit_scim::{AttributeDef, AttributeType, Dialect, Filter, ResourceSchema, Schema};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct ParseTable {
    case: Vec<ParseCase>,
}

#[derive(Deserialize)]
struct ParseCase {
    filter: String,
    #[serde(default)]
    dialect: Option<String>,
    canonical: Option<String>,
    error: Option<String>,
    span: Option<[usize; 2]>,
    reason: String,
}

#[derive(Deserialize)]
struct EvalTable {
    case: Vec<EvalCase>,
}

#[derive(Deserialize)]
struct EvalCase {
    filter: String,
    resource: String,
    #[serde(default)]
    dialect: Option<String>,
    matches: Option<Vec<String>>,
    error: Option<String>,
    reason: String,
}

fn dialects(name: Option<&str>) -> Vec<Dialect> {
    match name {
        None | Some("both") => vec![Dialect::Strict, Dialect::Lenient],
        Some("strict") => vec![Dialect::Strict],
        Some("lenient") => vec![Dialect::Lenient],
        Some(other) => panic!("unknown dialect {other}"),
    }
}

#[test]
fn parse_cases() {
    let table: ParseTable =
        toml::from_str(include_str!("data/filter/parse_cases.toml")).expect("parse_cases.toml");
    assert!(table.case.len() >= 90, "{} parse cases", table.case.len());
    let mut failures = Vec::new();
    for case in &table.case {
        for dialect in dialects(case.dialect.as_deref()) {
            let got = Filter::parse(&case.filter, dialect);
            let label = format!("{:?} [{}] ({})", case.filter, dialect.as_str(), case.reason);
            match (&got, &case.canonical, &case.error) {
                (Ok(filter), Some(canonical), None) => {
                    let printed = filter.to_string();
                    if &printed != canonical {
                        failures.push(format!("{label}: printed {printed:?}, want {canonical:?}"));
                        continue;
                    }
                    match Filter::parse(&printed, dialect) {
                        Ok(again) if &again == filter => {}
                        other => {
                            failures.push(format!("{label}: canonical text reparses to {other:?}"))
                        }
                    }
                }
                (Err(e), None, Some(code)) => {
                    if e.code() != code {
                        failures.push(format!("{label}: error {} ({e}), want {code}", e.code()));
                    } else if let Some([start, end]) = case.span
                        && (e.span().start, e.span().end) != (start, end)
                    {
                        failures.push(format!("{label}: span {:?}, want {start}..{end}", e.span()));
                    }
                    if e.scim_type() != "invalidFilter" {
                        failures.push(format!("{label}: scimType {}", e.scim_type()));
                    }
                }
                (got, _, _) => failures.push(format!("{label}: got {got:?}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A schema with the number and binary types the built-in ones lack.
fn metrics_schema() -> ResourceSchema {
    let mut core = Schema::user().clone();
    core.attributes.truncate(0);
    ResourceSchema {
        name: "Metrics".into(),
        endpoint: "/Metrics".into(),
        core,
        extensions: vec![SchemaExtension {
            schema: Schema {
                id: "urn:example:params:scim:schemas:extension:metrics:2.0:User".into(),
                name: "Metrics".into(),
                description: "Test attributes of every numeric type and binary.".into(),
                attributes: vec![
                    AttributeDef::new("loginCount", AttributeType::Integer),
                    AttributeDef::new("score", AttributeType::Decimal),
                    AttributeDef::new("badge", AttributeType::Binary),
                ],
            },
            required: false,
        }],
    }
}

fn resources(json: &str) -> Vec<Value> {
    match serde_json::from_str(json).expect("fixture JSON") {
        Value::Array(items) => items,
        Value::Object(mut list) => match list.remove("Resources") {
            Some(Value::Array(items)) => items,
            _ => panic!("ListResponse without Resources"),
        },
        _ => panic!("fixture is neither an array nor a ListResponse"),
    }
}

#[test]
fn eval_cases() {
    let table: EvalTable =
        toml::from_str(include_str!("data/filter/eval_cases.toml")).expect("eval_cases.toml");
    assert!(table.case.len() >= 100, "{} eval cases", table.case.len());
    let users = resources(include_str!("data/filter/users.json"));
    let groups = resources(include_str!("data/filter/groups.json"));
    let metrics = resources(include_str!("data/filter/metrics.json"));
    let metrics_schema = metrics_schema();
    let mut failures = Vec::new();
    for case in &table.case {
        let (schema, fixtures) = match case.resource.as_str() {
            "users" => (ResourceSchema::users(), &users),
            "groups" => (ResourceSchema::groups(), &groups),
            "metrics" => (&metrics_schema, &metrics),
            other => panic!("unknown resource {other}"),
        };
        let dialect = dialects(case.dialect.as_deref().or(Some("strict")))[0];
        let label = format!("{:?} [{}] ({})", case.filter, dialect.as_str(), case.reason);
        let bound = Filter::parse(&case.filter, dialect).and_then(|f| f.bind(schema));
        match (bound, &case.matches, &case.error) {
            (Ok(bound), Some(want), None) => {
                let got: Vec<&str> = fixtures
                    .iter()
                    .filter(|r| bound.matches(r).expect("fixtures are objects"))
                    .map(|r| r["id"].as_str().expect("id"))
                    .collect();
                if got != *want {
                    failures.push(format!("{label}: matched {got:?}, want {want:?}"));
                }
            }
            (Err(e), None, Some(code)) => {
                if e.code() != code {
                    failures.push(format!("{label}: error {} ({e}), want {code}", e.code()));
                }
            }
            (Ok(_), _, Some(code)) => failures.push(format!("{label}: accepted, want {code}")),
            (Err(e), _, _) => failures.push(format!("{label}: error {} ({e})", e.code())),
            (Ok(_), None, None) => panic!("{label}: row has neither matches nor error"),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
