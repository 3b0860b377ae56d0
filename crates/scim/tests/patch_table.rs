//! Runs tests/data/patch_cases.toml: every row in the strict dialect and, through the
//! normaliser, in the lenient dialect. See the file's header for the row format.

use fedkit_scim::Dialect;
use fedkit_scim::ResourceSchema;
use fedkit_scim::normalize::normalize_patch;
use fedkit_scim::patch::{PATCH_OP_SCHEMA, PatchOptions, PatchRequest};
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
    #[serde(default)]
    #[allow(dead_code)]
    source: Option<String>,
    resource: String,
    ops: Option<String>,
    body: Option<String>,
    error: Option<String>,
    strict_error: Option<String>,
    lenient_error: Option<String>,
    expect: Option<String>,
    strict_expect: Option<String>,
    lenient_expect: Option<String>,
    #[serde(default)]
    unchanged: bool,
    #[serde(default)]
    rewrites: Vec<String>,
}

fn json(text: &str, what: &str, case: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{case}: {what} is not JSON: {e}"))
}

fn run(case: &Case, dialect: Dialect, fixtures: &Value) -> Result<(), String> {
    let resource = &fixtures[&case.resource];
    let schema = match case.resource.as_str() {
        "group" => ResourceSchema::groups(),
        _ => ResourceSchema::users(),
    };
    let body = match (&case.body, &case.ops) {
        (Some(body), _) => json(body, "body", &case.name),
        (None, Some(ops)) => serde_json::json!({
            "schemas": [PATCH_OP_SCHEMA],
            "Operations": json(ops, "ops", &case.name),
        }),
        (None, None) => panic!("{}: needs ops or body", case.name),
    };
    let options = PatchOptions {
        dialect,
        ..PatchOptions::default()
    };
    let body = if dialect == Dialect::Lenient {
        let normalized = normalize_patch(&body, schema);
        let codes: Vec<&str> = normalized.rewrites.iter().map(|r| r.kind.code()).collect();
        if codes != case.rewrites {
            return Err(format!("rewrites {codes:?}, expected {:?}", case.rewrites));
        }
        normalized.body
    } else {
        body
    };
    let before = resource.clone();
    let result =
        PatchRequest::parse(&body, &options).and_then(|p| p.apply(resource, schema, &options));
    if resource != &before {
        return Err("the input resource changed".to_owned());
    }
    let (error, expect) = match dialect {
        Dialect::Strict => (case.strict_error.as_ref(), case.strict_expect.as_ref()),
        _ => (case.lenient_error.as_ref(), case.lenient_expect.as_ref()),
    };
    let error = error.or(case.error.as_ref());
    let expect = expect.or(case.expect.as_ref());
    match (result, error) {
        (Err(e), Some(code)) if e.code() == code => {
            // Every rejection maps to a SCIM error body with a 4xx status.
            let body = e.to_scim_error();
            if !(400..500).contains(&body.status) {
                return Err(format!("status {} for {code}", body.status));
            }
            Ok(())
        }
        (Err(e), Some(code)) => Err(format!("error {} ({e}), expected {code}", e.code())),
        (Err(e), None) => Err(format!("unexpected error {} ({e})", e.code())),
        (Ok(out), Some(code)) => Err(format!("succeeded, expected {code}: {}", out.resource)),
        (Ok(out), None) => {
            if case.unchanged && (out.resource != *resource || out.changed) {
                return Err(format!("expected no change, got {}", out.resource));
            }
            if let Some(expect) = expect {
                let Value::Object(checks) = json(expect, "expect", &case.name) else {
                    panic!("{}: expect must be an object", case.name);
                };
                for (pointer, want) in checks {
                    let got = out.resource.pointer(&pointer);
                    let ok = match (&want, got) {
                        (Value::Null, None) => true,
                        (want, Some(got)) => want == got,
                        _ => false,
                    };
                    if !ok {
                        return Err(format!(
                            "{pointer}: got {got:?}, want {want}; result {}",
                            out.resource
                        ));
                    }
                }
            } else if !case.unchanged {
                return Err("the row checks nothing on success".to_owned());
            }
            Ok(())
        }
    }
}

#[test]
fn patch_cases_in_both_dialects() {
    let table: Table =
        toml::from_str(include_str!("data/patch_cases.toml")).expect("patch_cases.toml");
    let fixtures: Value =
        serde_json::from_str(include_str!("data/patch_fixtures.json")).expect("fixtures");
    assert!(
        table.case.len() >= 60,
        "the issue asks for at least 60 PATCH cases"
    );
    let mut failures = Vec::new();
    for case in &table.case {
        assert!(
            !case.reason.is_empty(),
            "{}: every row needs a reason",
            case.name
        );
        for dialect in [Dialect::Strict, Dialect::Lenient] {
            if let Err(why) = run(case, dialect, &fixtures) {
                failures.push(format!("{} [{}]: {why}", case.name, dialect.as_str()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
