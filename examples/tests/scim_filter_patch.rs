//! `scim-filter patch` by running the binary: the PatchOp on stdin applied to --input, the
//! result on stdout; rejections exit 1 with a SCIM Error body; usage errors exit 2.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

fn resource_file(name: &str, resource: &Value) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("scim_patch_{name}.json"));
    std::fs::write(&path, resource.to_string()).expect("write fixture");
    path
}

fn patch(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scim-filter"))
        .arg("patch")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run scim-filter");
    // A usage error exits before reading stdin; the write may then fail with a broken pipe,
    // which is not what these tests are about (the exit code and output are).
    let _ = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes());
    child.wait_with_output().expect("wait")
}

fn group() -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1",
           "displayName": "Tour Guides", "members": [{"value": "u1"}, {"value": "u2"}]})
}

#[test]
fn strict_patch_prints_the_result() {
    let input = resource_file("strict", &group());
    let body = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations":[{"op":"remove","path":"members[value eq \"u1\"]"}]}"#;
    let out = patch(
        &[
            "--resource-type",
            "groups",
            "--input",
            input.to_str().expect("path"),
        ],
        body,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(result["members"], json!([{"value": "u2"}]));
}

#[test]
fn lenient_patch_normalises_entra_and_reports_rewrites() {
    let input = resource_file("lenient", &group());
    let body = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations":[{"op":"Remove","path":"members","value":[{"value":"u2"}]}]}"#;
    let path = input.to_str().expect("path");
    let strict = patch(&["--resource-type", "groups", "--input", path], body);
    assert_eq!(
        strict.status.code(),
        Some(1),
        "strict refuses the Entra shape"
    );
    let lenient = patch(
        &[
            "--resource-type",
            "groups",
            "--input",
            path,
            "--dialect",
            "lenient",
        ],
        body,
    );
    assert_eq!(
        lenient.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&lenient.stderr)
    );
    let result: Value = serde_json::from_slice(&lenient.stdout).expect("JSON");
    assert_eq!(result["members"], json!([{"value": "u1"}]));
    let stderr = String::from_utf8_lossy(&lenient.stderr);
    assert!(
        stderr.contains("op_case") && stderr.contains("remove_with_value"),
        "{stderr}"
    );
}

#[test]
fn rejection_is_a_scim_error_body() {
    let input = resource_file("reject", &group());
    let body = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations":[{"op":"replace","path":"id","value":"g2"}]}"#;
    let out = patch(
        &[
            "--resource-type",
            "groups",
            "--input",
            input.to_str().expect("path"),
        ],
        body,
    );
    assert_eq!(out.status.code(), Some(1));
    let error: Value = serde_json::from_slice(&out.stdout).expect("error JSON");
    assert_eq!(
        error["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    assert_eq!(error["status"], "400");
    assert_eq!(error["scimType"], "mutability");
    let not_json = patch(
        &[
            "--resource-type",
            "groups",
            "--input",
            input.to_str().expect("path"),
        ],
        "{",
    );
    assert_eq!(not_json.status.code(), Some(1));
    let error: Value = serde_json::from_slice(&not_json.stdout).expect("error JSON");
    assert_eq!(error["scimType"], "invalidSyntax");
}

#[test]
fn usage_errors_exit_2() {
    let missing = patch(
        &[
            "--resource-type",
            "groups",
            "--input",
            "/nonexistent/x.json",
        ],
        "{}",
    );
    assert_eq!(missing.status.code(), Some(2));
    let no_type = patch(&["--input", "x.json"], "{}");
    assert_eq!(no_type.status.code(), Some(2));
}
