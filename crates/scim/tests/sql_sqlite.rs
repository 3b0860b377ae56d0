//! SQL translation against a real SQLite (rusqlite, bundled): for every filter, the rows the
//! `WHERE` clause selects are exactly the resources `BoundFilter::matches` accepts. First on the
//! peers' 31 filters over generated users, then on generated filters over generated users.

#[path = "filter_gen/users.rs"]
mod gen_users;

use fedkit_scim::filter::{SQL_FOLD_FUNCTION, SqlDialect, fold_case};
use fedkit_scim::{Dialect, Filter, ResourceSchema};
use proptest::prelude::*;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, types::Value as SqlValue};
use serde_json::{Value, json};

fn load(users: &[Value]) -> Connection {
    let db = Connection::open_in_memory().expect("sqlite");
    // The fold function the translation calls, as a store registers it.
    db.create_scalar_function(
        SQL_FOLD_FUNCTION,
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            Ok(match ctx.get_raw(0) {
                ValueRef::Text(bytes) => SqlValue::Text(
                    fold_case(std::str::from_utf8(bytes).expect("utf-8")).into_owned(),
                ),
                ValueRef::Null => SqlValue::Null,
                ValueRef::Integer(i) => SqlValue::Integer(i),
                ValueRef::Real(r) => SqlValue::Real(r),
                ValueRef::Blob(b) => SqlValue::Blob(b.to_vec()),
            })
        },
    )
    .expect("fold function");
    db.execute(
        "CREATE TABLE users (n INTEGER PRIMARY KEY, doc TEXT NOT NULL)",
        [],
    )
    .expect("table");
    let mut insert = db
        .prepare("INSERT INTO users (n, doc) VALUES (?1, ?2)")
        .expect("insert");
    for (n, user) in users.iter().enumerate() {
        insert
            .execute(rusqlite::params![n as i64, user.to_string()])
            .expect("row");
    }
    drop(insert);
    db
}

fn sql_matches(db: &Connection, filter: &Filter) -> Vec<usize> {
    let bound = filter.bind(ResourceSchema::users()).expect("binds");
    let sql = bound.to_sql(SqlDialect::Sqlite, "doc").expect("sql");
    let params: Vec<SqlValue> = sql
        .params
        .iter()
        .map(|p| match p {
            Value::String(s) => SqlValue::Text(s.clone()),
            Value::Number(n) if n.is_i64() => SqlValue::Integer(n.as_i64().unwrap_or_default()),
            Value::Number(n) => SqlValue::Real(n.as_f64().unwrap_or_default()),
            other => panic!("unexpected parameter {other}"),
        })
        .collect();
    let query = format!("SELECT n FROM users WHERE {} ORDER BY n", sql.where_clause);
    let mut stmt = db
        .prepare(&query)
        .unwrap_or_else(|e| panic!("{e}: {query}"));
    stmt.query_map(rusqlite::params_from_iter(params), |row| {
        row.get::<_, i64>(0)
    })
    .unwrap_or_else(|e| panic!("{e}: {query}"))
    .map(|n| n.expect("row") as usize)
    .collect()
}

fn memory_matches(users: &[Value], filter: &Filter) -> Vec<usize> {
    let bound = filter.bind(ResourceSchema::users()).expect("binds");
    users
        .iter()
        .enumerate()
        .filter(|(_, u)| bound.matches(u).expect("object"))
        .map(|(n, _)| n)
        .collect()
}

#[test]
fn sqlite_selects_what_evaluation_matches_on_the_peer_filters() {
    let users = gen_users::users(2_000);
    let db = load(&users);
    for text in include_str!("data/filter/peer_filters.txt")
        .lines()
        .filter(|l| !l.is_empty())
    {
        let filter = Filter::parse(text, Dialect::Strict).expect("parses");
        assert_eq!(
            sql_matches(&db, &filter),
            memory_matches(&users, &filter),
            "{text}"
        );
    }
}

#[test]
fn comparison_values_are_parameters_never_sql_text() {
    let text = r#"userName eq "x' OR 1=1 --" or displayName co "%_\\""#;
    let filter = Filter::parse(text, Dialect::Strict).expect("parses");
    let sql = filter
        .bind(ResourceSchema::users())
        .expect("binds")
        .to_sql(SqlDialect::Sqlite, "doc")
        .expect("sql");
    assert!(!sql.where_clause.contains("OR 1=1"), "{}", sql.where_clause);
    assert_eq!(sql.params, vec![json!("x' or 1=1 --"), json!("%_\\")]);
    let users = vec![
        json!({"userName": "X' OR 1=1 --"}),
        json!({"userName": "other"}),
    ];
    assert_eq!(sql_matches(&load(&users), &filter), vec![0]);
}

#[test]
fn column_name_must_be_an_identifier() {
    let filter = Filter::parse("title pr", Dialect::Strict).expect("parses");
    let bound = filter.bind(ResourceSchema::users()).expect("binds");
    assert!(bound.to_sql(SqlDialect::Sqlite, "u.doc").is_ok());
    for bad in ["doc; DROP TABLE users", "", "1doc", "doc)"] {
        let e = bound.to_sql(SqlDialect::Sqlite, bad).expect_err(bad);
        assert_eq!(e.code(), "invalid_column_name");
    }
}

// Generated filters over generated users. Strings include letters whose case mapping is not
// ASCII's: Ä/ä, the Kelvin sign (lowercases to ASCII k), Σ/σ/ς, İ (lowercases to two characters),
// ß (no single-character uppercase), so SQLite's own lower() would disagree with the evaluator.

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn string_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("a".to_owned()),
        Just("A".to_owned()),
        Just("ab".to_owned()),
        Just("Ab%".to_owned()),
        Just("b_c".to_owned()),
        Just("work".to_owned()),
        Just("WORK".to_owned()),
        Just("home".to_owned()),
        Just("x@example.com".to_owned()),
        Just("O'Malley".to_owned()),
        Just("q\"\\z".to_owned()),
        Just("Ärger".to_owned()),
        Just("ärger".to_owned()),
        Just("Ä".to_owned()),
        Just("\u{212A}elvin".to_owned()),
        Just("kelvin".to_owned()),
        Just("ΟΔΟΣ".to_owned()),
        Just("οδος".to_owned()),
        Just("σς".to_owned()),
        Just("İi".to_owned()),
        Just("\u{307}".to_owned()),
        Just("i\u{307}".to_owned()),
        Just("STRAßE".to_owned()),
        Just("strasse".to_owned()),
    ]
}

fn date_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("2020-01-01T00:00:00Z".to_owned()),
        Just("2020-01-01T01:00:00+01:00".to_owned()),
        Just("2019-12-31T23:00:00-02:00".to_owned()),
        Just("2021-06-15T12:30:00Z".to_owned()),
        Just("2020-01-01T00:00:00.5Z".to_owned()),
    ]
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("string")
}

fn leaf() -> impl Strategy<Value = String> {
    let string_attr = prop_oneof![
        Just("userName"),
        Just("displayName"),
        Just("title"),
        Just("name.familyName"),
        Just("emails"),
        Just("emails.value"),
        Just("emails.type"),
        Just("externalId"),
        Just("id"),
        Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
        Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"),
    ];
    let string_op = prop_oneof![
        Just("eq"),
        Just("ne"),
        Just("co"),
        Just("sw"),
        Just("ew"),
        Just("gt"),
        Just("ge"),
        Just("lt"),
        Just("le")
    ];
    let date_attr = prop_oneof![Just("meta.created"), Just("meta.lastModified")];
    let date_op = prop_oneof![
        Just("eq"),
        Just("ne"),
        Just("gt"),
        Just("ge"),
        Just("lt"),
        Just("le")
    ];
    let present_attr = prop_oneof![
        Just("title"),
        Just("nickName"),
        Just("emails"),
        Just("emails.value"),
        Just("name"),
        Just("active"),
        Just("meta.created"),
        Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"),
    ];
    prop_oneof![
        (string_attr, string_op, string_value())
            .prop_map(|(a, o, v)| format!("{a} {o} {}", json_string(&v))),
        (date_attr, date_op, date_value()).prop_map(|(a, o, v)| format!("{a} {o} \"{v}\"")),
        present_attr.clone().prop_map(|a| format!("{a} pr")),
        present_attr.prop_map(|a| format!("{a} eq null")),
        any::<bool>().prop_map(|b| format!("active eq {b}")),
        any::<bool>().prop_map(|b| format!("active ne {b}")),
        (string_value(), string_value()).prop_map(|(t, v)| format!(
            "emails[type eq {} or value co {}]",
            json_string(&t),
            json_string(&v)
        )),
        string_value().prop_map(|v| format!("emails[not (type eq {})]", json_string(&v))),
        string_value().prop_map(|v| format!("{ENT}:manager[value sw {}]", json_string(&v))),
    ]
}

fn filter_text() -> impl Strategy<Value = String> {
    leaf().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} or {b})")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    })
}

fn maybe<T: Strategy<Value = Value>>(s: T) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![1 => Just(None), 1 => Just(Some(Value::Null)), 4 => s.prop_map(Some)]
}

fn user() -> impl Strategy<Value = Value> {
    let s = || string_value().prop_map(Value::String);
    let d = || date_value().prop_map(Value::String);
    let email = (maybe(s()), maybe(s())).prop_map(|(value, ty)| {
        let mut e = serde_json::Map::new();
        if let Some(v) = value {
            e.insert("value".into(), v);
        }
        if let Some(t) = ty {
            e.insert("type".into(), t);
        }
        Value::Object(e)
    });
    let emails = maybe(proptest::collection::vec(email, 0..3).prop_map(Value::Array));
    (
        (
            maybe(s()),
            maybe(s()),
            maybe(s()),
            maybe(s()),
            maybe(any::<bool>().prop_map(Value::Bool)),
        ),
        (
            maybe(s()),
            emails,
            maybe(d()),
            maybe(d()),
            maybe(s()),
            maybe(s()),
            maybe(s()),
        ),
    )
        .prop_map(
            |(
                (user_name, display, title, nick, active),
                (family, emails, created, modified, dept, mgr, ext),
            )| {
                let mut u = serde_json::Map::new();
                let mut put = |k: &str, v: Option<Value>| {
                    if let Some(v) = v {
                        u.insert(k.to_owned(), v);
                    }
                };
                put("userName", user_name);
                put("displayName", display);
                put("title", title);
                put("nickName", nick);
                put("active", active);
                put("externalId", ext);
                put("emails", emails);
                put("name", family.map(|f| json!({ "familyName": f })));
                let mut meta = serde_json::Map::new();
                if let Some(c) = created {
                    meta.insert("created".into(), c);
                }
                if let Some(m) = modified {
                    meta.insert("lastModified".into(), m);
                }
                u.insert("meta".into(), Value::Object(meta));
                let mut ent = serde_json::Map::new();
                if let Some(d) = dept {
                    ent.insert("department".into(), d);
                }
                if let Some(m) = mgr {
                    ent.insert("manager".into(), json!({ "value": m }));
                }
                u.insert(ENT.into(), Value::Object(ent));
                Value::Object(u)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn sqlite_agrees_with_evaluation_on_generated_filters(
        text in filter_text(),
        users in proptest::collection::vec(user(), 1..12),
    ) {
        let filter = Filter::parse(&text, Dialect::Strict).expect("generated filters parse");
        let db = load(&users);
        prop_assert_eq!(sql_matches(&db, &filter), memory_matches(&users, &filter), "{}", text);
    }
}

#[derive(serde::Deserialize)]
struct FoldCase {
    filter: String,
    user_name: String,
    display_name: Option<String>,
    email: Option<String>,
    matches: bool,
    reason: String,
}

#[derive(serde::Deserialize)]
struct FoldCases {
    case: Vec<FoldCase>,
}

#[test]
fn non_ascii_case_folding_agrees_with_the_table() {
    let cases: FoldCases =
        toml::from_str(include_str!("data/sql_fold_cases.toml")).expect("table parses");
    assert!(cases.case.len() >= 20);
    for case in &cases.case {
        let mut user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "1", "userName": case.user_name});
        if let Some(d) = &case.display_name {
            user["displayName"] = json!(d);
        }
        if let Some(e) = &case.email {
            user["emails"] = json!([{"value": e}]);
        }
        let users = vec![user];
        let filter = Filter::parse(&case.filter, Dialect::Strict).expect("parses");
        let expected: Vec<usize> = if case.matches { vec![0] } else { vec![] };
        let why = format!("{} on {:?}: {}", case.filter, case.user_name, case.reason);
        assert_eq!(memory_matches(&users, &filter), expected, "memory: {why}");
        assert_eq!(
            sql_matches(&load(&users), &filter),
            expected,
            "sqlite: {why}"
        );
    }
}
