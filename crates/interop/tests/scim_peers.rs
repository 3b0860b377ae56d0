//! The filter tables of fedkit-scim run through independent implementations, Python
//! scim2-filter-parser 0.7.0 (parse) and scim2-models 0.12.3 (parse, bind, evaluate), from the
//! virtualenv that `.ci/run` makes (`FEDKIT_PEERS_VENV`). Every row must agree with each peer
//! except the rows listed in `crates/scim/tests/data/filter/peer_disagreements.toml`, each settled
//! there by RFC text; a listed row that agrees again fails too, so the list stays true.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

use fedkit_scim::{Dialect, Filter, ResourceSchema};
use serde::Deserialize;
use serde_json::{Value, json};

const PARSE_CASES: &str = include_str!("../../scim/tests/data/filter/parse_cases.toml");
const EVAL_CASES: &str = include_str!("../../scim/tests/data/filter/eval_cases.toml");
const USERS: &str = include_str!("../../scim/tests/data/filter/users.json");
const GROUPS: &str = include_str!("../../scim/tests/data/filter/groups.json");
const DISAGREEMENTS: &str = include_str!("../../scim/tests/data/filter/peer_disagreements.toml");

/// Reads the cases as JSON on stdin and answers, per case, what each peer made of it.
const DRIVER: &str = r#"
import json, sys
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParser
from scim2_models import EnterpriseUser, Group, ScimFilter, User
from scim2_models.path import grammar

req = json.load(sys.stdin)
lexer, parser = SCIMLexer(), SCIMParser()

def sfp_ok(f):
    try:
        return parser.parse(lexer.tokenize(f)) is not None
    except Exception:
        return False

def s2m_ok(f):
    try:
        grammar._build_filter(f)
        return True
    except Exception:
        return False

UserModel = User[EnterpriseUser]
def models(model, resources):
    out = []
    for r in resources:
        r = dict(r)
        # u4 carries a key outside the User schema to test that we ignore it; scim2-models
        # refuses extra keys at validation, before any filter runs.
        r.pop("members", None) if model is UserModel else None
        out.append((r["id"], model.model_validate(r)))
    return out

users = models(UserModel, req["users"])
groups = models(Group, req["groups"])

def evaluate(model, resources, f):
    try:
        sf = ScimFilter[model](f)
        return [i for i, m in resources if sf.match(m)]
    except Exception as e:
        return "error: " + type(e).__name__

json.dump({
    "sfp": [sfp_ok(f) for f in req["parse"]],
    "s2m": [s2m_ok(f) for f in req["parse"]],
    "users": [evaluate(UserModel, users, f) for f in req["eval_users"]],
    "groups": [evaluate(Group, groups, f) for f in req["eval_groups"]],
}, sys.stdout)
"#;

#[derive(Deserialize)]
struct Rows<T> {
    case: Vec<T>,
}

#[derive(Deserialize)]
struct ParseRow {
    filter: String,
    dialect: Option<String>,
}

#[derive(Deserialize)]
struct EvalRow {
    filter: String,
    resource: String,
    dialect: Option<String>,
}

#[derive(Deserialize)]
struct Known {
    parse: Vec<KnownRow>,
    eval: Vec<KnownRow>,
}

#[derive(Deserialize)]
struct KnownRow {
    peer: String,
    filter: String,
    reason: String,
}

fn resources(json: &str) -> Vec<Value> {
    match serde_json::from_str(json).expect("fixture") {
        Value::Array(items) => items,
        Value::Object(mut list) => match list.remove("Resources") {
            Some(Value::Array(items)) => items,
            _ => panic!("no Resources"),
        },
        _ => panic!("fixture shape"),
    }
}

fn strict(dialect: &Option<String>) -> bool {
    matches!(dialect.as_deref(), None | Some("strict") | Some("both"))
}

#[test]
fn filter_tables_agree_with_python_peers() {
    let venv = std::env::var("FEDKIT_PEERS_VENV").expect(
        "FEDKIT_PEERS_VENV must name a virtualenv with scim2-filter-parser==0.7.0 and scim2-models==0.12.3 (.ci/run makes it)",
    );
    let parse_rows: Rows<ParseRow> = toml::from_str(PARSE_CASES).expect("parse cases");
    let eval_rows: Rows<EvalRow> = toml::from_str(EVAL_CASES).expect("eval cases");
    let known: Known = toml::from_str(DISAGREEMENTS).expect("peer_disagreements.toml");
    assert!(
        known
            .parse
            .iter()
            .chain(&known.eval)
            .all(|k| k.reason.contains("RFC")),
        "every settlement cites the RFC"
    );

    let parse: Vec<&str> = parse_rows
        .case
        .iter()
        .filter(|r| strict(&r.dialect))
        .map(|r| r.filter.as_str())
        .collect();
    let eval: Vec<&EvalRow> = eval_rows
        .case
        .iter()
        .filter(|r| strict(&r.dialect) && r.resource != "metrics")
        .collect();
    let eval_on = |resource: &str| {
        eval.iter()
            .filter(|r| r.resource == resource)
            .map(|r| r.filter.as_str())
            .collect::<Vec<_>>()
    };
    let (eval_users, eval_groups) = (eval_on("users"), eval_on("groups"));
    let users = resources(USERS);
    let groups = resources(GROUPS);
    let request = json!({
        "parse": parse, "eval_users": eval_users, "eval_groups": eval_groups,
        "users": users, "groups": groups,
    });

    let mut child = Command::new(format!("{venv}/bin/python"))
        .args(["-c", DRIVER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run the peers' python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(request.to_string().as_bytes())
        .expect("write request");
    let out = child.wait_with_output().expect("peers finish");
    assert!(out.status.success(), "peer driver failed");
    let answer: Value = serde_json::from_slice(&out.stdout).expect("peer JSON");

    let mut found: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut detail = Vec::new();
    for (i, text) in parse.iter().enumerate() {
        let ours = Filter::parse(text, Dialect::Strict).is_ok();
        for (peer, key) in [("scim2-filter-parser", "sfp"), ("scim2-models", "s2m")] {
            if answer[key][i].as_bool() != Some(ours) {
                found.insert(("parse".into(), peer.into(), (*text).into()));
                detail.push(format!(
                    "parse {peer}: {text:?} ours={ours} peer={}",
                    answer[key][i]
                ));
            }
        }
    }
    for (resource, texts, schema, fixtures) in [
        ("users", &eval_users, ResourceSchema::users(), &users),
        ("groups", &eval_groups, ResourceSchema::groups(), &groups),
    ] {
        for (i, text) in texts.iter().enumerate() {
            let ours: Value =
                match Filter::parse(text, Dialect::Strict).and_then(|f| f.bind(schema)) {
                    Ok(bound) => fixtures
                        .iter()
                        .filter(|r| bound.matches(r).expect("object"))
                        .map(|r| r["id"].clone())
                        .collect::<Vec<_>>()
                        .into(),
                    Err(_) => Value::String("error".into()),
                };
            let theirs = &answer[resource][i];
            let agree = match (&ours, theirs) {
                (Value::String(_), Value::String(_)) => true,
                (a, b) => a == b,
            };
            if !agree {
                found.insert(("eval".into(), "scim2-models".into(), (*text).into()));
                detail.push(format!(
                    "eval {resource}: {text:?} ours={ours} scim2-models={theirs}"
                ));
            }
        }
    }
    let listed: BTreeSet<(String, String, String)> = known
        .parse
        .iter()
        .map(|k| ("parse".to_owned(), k.peer.clone(), k.filter.clone()))
        .chain(
            known
                .eval
                .iter()
                .map(|k| ("eval".to_owned(), k.peer.clone(), k.filter.clone())),
        )
        .collect();
    let unlisted: Vec<_> = found.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&found).collect();
    assert!(
        unlisted.is_empty() && stale.is_empty(),
        "unlisted disagreements: {unlisted:#?}\nlisted but now agreeing: {stale:#?}\nall:\n{}",
        detail.join("\n")
    );
}
