//! The PostgreSQL translation as text (a live PostgreSQL runs it in the identity-center tests).
//! Expected strings are written by hand from the PostgreSQL 11+ jsonb operator docs: `->` gives
//! jsonb (NULL on a missing key or a non-object), `#>> '{}'` its text, `jsonb_typeof` its type;
//! `jsonb_array_elements` raises on a non-array, hence the CASE in front of it.

use fedkit_scim::filter::SqlDialect;
use fedkit_scim::{Dialect, Filter, ResourceSchema};
use serde_json::json;

fn pg(text: &str) -> (String, Vec<serde_json::Value>) {
    let sql = Filter::parse(text, Dialect::Strict)
        .expect("parses")
        .bind(ResourceSchema::users())
        .expect("binds")
        .to_sql(SqlDialect::Postgres, "doc")
        .expect("sql");
    (sql.where_clause, sql.params)
}

#[test]
fn case_insensitive_string_equality() {
    let (clause, params) = pg(r#"userName eq "BJensen""#);
    assert_eq!(
        clause,
        "COALESCE(CASE WHEN jsonb_typeof((doc) -> 'userName') = 'string' THEN \
         lower(((doc) -> 'userName' #>> '{}')) COLLATE \"C\" = $1::text ELSE false END, false)"
    );
    assert_eq!(params, vec![json!("bjensen")], "folded once, in Rust");
}

#[test]
fn case_exact_attribute_is_compared_as_is() {
    let (clause, params) = pg(r#"externalId sw "E-""#);
    assert_eq!(
        clause,
        "COALESCE(CASE WHEN jsonb_typeof((doc) -> 'externalId') = 'string' THEN \
         left(((doc) -> 'externalId' #>> '{}'), length($1::text)) = $1::text ELSE false END, false)"
    );
    assert_eq!(params, vec![json!("E-")]);
}

#[test]
fn multi_valued_any_match_uses_exists_over_elements() {
    let (clause, _) = pg(r#"emails.value co "example.com""#);
    assert!(clause.starts_with(
        "COALESCE(EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof((doc) -> 'emails') = 'array' \
         THEN (doc) -> 'emails' ELSE '[]'::jsonb END) AS e1(v) WHERE CASE WHEN jsonb_typeof(e1.v) = 'object' THEN"
    ), "{clause}");
    assert!(
        clause.contains("strpos(lower(((e1.v) -> 'value' #>> '{}')), $1::text) > 0"),
        "{clause}"
    );
}

#[test]
fn extension_urn_is_one_key_and_datetimes_cast() {
    let (clause, params) =
        pg(r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x""#);
    assert!(clause.contains("(doc) -> 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User' -> 'manager' -> 'value'"));
    assert_eq!(params, vec![json!("x")]);
    let (clause, params) = pg(r#"meta.lastModified gt "2011-05-13T04:42:34-07:00""#);
    assert!(
        clause.contains("::timestamptz > $1::timestamptz"),
        "{clause}"
    );
    assert_eq!(params, vec![json!("2011-05-13T04:42:34-07:00")]);
}

#[test]
fn logic_present_and_booleans() {
    let (clause, params) = pg("not (title pr) or active eq true");
    assert_eq!(
        clause,
        "(NOT COALESCE((CASE COALESCE(jsonb_typeof((doc) -> 'title'), 'null') WHEN 'null' THEN false \
         WHEN 'string' THEN ((doc) -> 'title' #>> '{}') <> '' WHEN 'array' THEN jsonb_array_length((doc) -> 'title') > 0 \
         WHEN 'object' THEN (doc) -> 'title' <> '{}'::jsonb ELSE true END), false) OR \
         COALESCE(jsonb_typeof((doc) -> 'active') = 'boolean' AND (doc) -> 'active' = 'true'::jsonb, false))"
    );
    assert!(params.is_empty());
}

#[test]
fn values_never_reach_the_sql_text() {
    let (clause, params) = pg(r#"displayName eq "'; DROP TABLE users; --""#);
    assert!(!clause.contains("DROP"), "{clause}");
    assert_eq!(params, vec![json!("'; drop table users; --")]);
}
