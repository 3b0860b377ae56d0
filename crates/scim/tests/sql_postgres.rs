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
         fedkit_fold_case(((doc) -> 'userName' #>> '{}')) COLLATE \"C\" = $1::text ELSE false END, false)"
    );
    assert_eq!(params, vec![json!("bjensen")], "folded once, in Rust");
}

/// The fold function's SQL, checked by running its recipe (`replace` for the multi-character
/// mappings, then one `translate`) here on the table's characters: the result must be
/// `fold_case`, so PostgreSQL computes what the evaluator does.
#[test]
fn postgres_fold_function_is_the_evaluator_fold() {
    use fedkit_scim::filter::{fold_case, postgres_fold_function};
    let sql = postgres_fold_function();
    let (_, rest) = sql.split_once("SELECT translate(").expect("translate");
    let (args, _) = rest.rsplit_once(") $fedkit$").expect("end");
    // args: <replace chain>, '<from>', '<to>'
    let mut quoted = args.split('\'').collect::<Vec<_>>();
    let to: Vec<char> = quoted[quoted.len() - 2].chars().collect();
    let from: Vec<char> = quoted[quoted.len() - 4].chars().collect();
    assert_eq!(from.len(), to.len());
    quoted.truncate(quoted.len() - 5);
    // replace($1, 'İ', 'i̇'): pairs of literals in the chain, innermost first.
    let pairs: Vec<(&str, &str)> = quoted
        .iter()
        .skip(1)
        .step_by(2)
        .copied()
        .collect::<Vec<_>>()
        .chunks(2)
        .map(|p| (p[0], p[1]))
        .collect();
    assert_eq!(
        pairs,
        vec![("İ", "i\u{307}")],
        "Unicode has one multi-character lowercase"
    );
    let run = |s: &str| -> String {
        let mut t = s.to_owned();
        for (a, b) in &pairs {
            t = t.replace(a, b);
        }
        t.chars()
            .map(|c| from.iter().position(|f| *f == c).map_or(c, |i| to[i]))
            .collect()
    };
    for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
        let s = c.to_string();
        assert_eq!(run(&s), fold_case(&s), "U+{:04X}", c as u32);
    }
    // Hand-checked against UnicodeData.txt: Ä→ä, KELVIN SIGN→k, Σ→σ (ς stays), ß stays.
    assert_eq!(run("Ä\u{212A}ΣςßİA"), "äkσςßi\u{307}a");
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
        clause.contains("strpos(fedkit_fold_case(((e1.v) -> 'value' #>> '{}')), $1::text) > 0"),
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
