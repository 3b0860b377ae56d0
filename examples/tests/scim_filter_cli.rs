//! The `scim-filter` command-line contract (issue 5): exit 0 with the result on stdout; exit 1
//! with a SCIM Error JSON (`schemas`, string `status`, `scimType`, `detail`) on stdout for a
//! rejected input; exit 2 for usage errors. The default dialect is strict.

use std::process::{Command, Output};

use serde_json::Value;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scim-filter"))
        .args(args)
        .output()
        .expect("run scim-filter")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("utf-8 stdout")
}

fn fixture(name: &str) -> String {
    format!(
        "{}/../crates/scim/tests/data/filter/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn assert_scim_error(out: &Output, scim_type: &str) -> Value {
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body: Value = serde_json::from_str(&stdout(out)).expect("SCIM error JSON");
    assert_eq!(
        body["schemas"],
        serde_json::json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );
    assert_eq!(
        body["status"], "400",
        "status is a JSON string (RFC 7644 §3.12)"
    );
    assert_eq!(body["scimType"], scim_type);
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    body
}

#[test]
fn parse_prints_canonical_text() {
    let out = run(&["parse", r#"userName Eq "bjensen" and NOT(title pr)"#]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "userName eq \"bjensen\" and not (title pr)\n");
}

#[test]
fn parse_rejection_is_invalid_filter_with_a_caret() {
    let body = assert_scim_error(&run(&["parse", r#"userName eq 'x'"#]), "invalidFilter");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.ends_with("            ^")),
        "{body}"
    );
}

#[test]
fn default_dialect_is_strict() {
    let entra = r#"emails[type eq "work"].value eq "x@example.com""#;
    assert_scim_error(&run(&["parse", entra]), "invalidFilter");
    let out = run(&["parse", "--dialect", "lenient", entra]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out).trim_end(), entra);
}

#[test]
fn eval_prints_matching_ids_in_input_order() {
    let users = fixture("users.json");
    let out = run(&[
        "eval",
        "--resource-type",
        "users",
        "--input",
        &users,
        r#"emails co "example.com""#,
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out).trim_end(), r#"["u1","u2","u5"]"#);
}

#[test]
fn eval_reads_a_list_response() {
    let groups = fixture("groups.json");
    let out = run(&[
        "eval",
        "--resource-type",
        "groups",
        "--input",
        &groups,
        "members pr",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out).trim_end(), r#"["g1","g3"]"#);
}

#[test]
fn eval_bind_error_is_invalid_filter() {
    let users = fixture("users.json");
    assert_scim_error(
        &run(&[
            "eval",
            "--resource-type",
            "users",
            "--input",
            &users,
            "active gt true",
        ]),
        "invalidFilter",
    );
}

#[test]
fn eval_input_that_is_not_json_is_invalid_syntax() {
    let not_json = fixture("parse_cases.toml");
    assert_scim_error(
        &run(&[
            "eval",
            "--resource-type",
            "users",
            "--input",
            &not_json,
            "title pr",
        ]),
        "invalidSyntax",
    );
}

#[test]
fn sql_prints_where_clause_and_params() {
    let out = run(&[
        "sql",
        "--engine",
        "sqlite",
        "--resource-type",
        "users",
        r#"userName eq "BJensen""#,
    ]);
    assert_eq!(out.status.code(), Some(0));
    let body: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(body["params"], serde_json::json!(["bjensen"]));
    assert!(
        body["where_clause"]
            .as_str()
            .is_some_and(|w| w.contains("?1") && w.contains("resource"))
    );
    let out = run(&[
        "sql",
        "--engine",
        "postgres",
        "--resource-type",
        "groups",
        r#"members eq "u1""#,
    ]);
    let body: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert!(
        body["where_clause"]
            .as_str()
            .is_some_and(|w| w.contains("$1") && w.contains("jsonb_array_elements"))
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["frobnicate"][..],
        &["parse"],
        &["eval", "--resource-type", "users", "title pr"],
        &[
            "sql",
            "--engine",
            "mysql",
            "--resource-type",
            "users",
            "title pr",
        ],
        &[
            "eval",
            "--resource-type",
            "users",
            "--input",
            "/nonexistent/users.json",
            "title pr",
        ],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
