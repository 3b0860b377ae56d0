//! Limits on untrusted filters, each at its edge: the limit passes, one more fails with its own
//! error. Also the caret display and the depth ceiling that keeps recursion bounded.

use fedkit_scim::filter::{MAX_DEPTH_CEILING, ParseOptions};
use fedkit_scim::path::Path;
use fedkit_scim::{Dialect, Filter};

fn options(max_len: usize, max_depth: usize, max_terms: usize) -> ParseOptions {
    let mut o = ParseOptions::default();
    o.max_len = max_len;
    o.max_depth = max_depth;
    o.max_terms = max_terms;
    o
}

fn nested(depth: usize) -> String {
    format!("{}a pr{}", "(".repeat(depth), ")".repeat(depth))
}

fn terms(n: usize) -> String {
    vec!["a pr"; n].join(" or ")
}

#[test]
fn defaults_are_documented_values() {
    let d = ParseOptions::default();
    assert_eq!(
        (d.dialect, d.max_len, d.max_depth, d.max_terms),
        (Dialect::Strict, 16_384, 32, 512)
    );
}

#[test]
fn depth_limit_edge() {
    let o = options(1 << 20, 8, 1000);
    assert!(Filter::parse_with(&nested(8), &o).is_ok());
    let e = Filter::parse_with(&nested(9), &o).expect_err("9 levels");
    assert_eq!(e.code(), "too_deep");
    assert_eq!(e.span().start, 8, "the caret is on the ninth parenthesis");
}

#[test]
fn depth_counts_not_and_brackets_too() {
    let o = options(1 << 20, 2, 1000);
    assert!(Filter::parse_with(r#"not (emails[type eq "w"])"#, &o).is_ok());
    let e = Filter::parse_with(r#"not ((emails[type eq "w"]))"#, &o).expect_err("3 levels");
    assert_eq!(e.code(), "too_deep");
}

#[test]
fn default_depth_edge() {
    assert!(Filter::parse(&nested(32), Dialect::Strict).is_ok());
    assert_eq!(
        Filter::parse(&nested(33), Dialect::Strict)
            .expect_err("33")
            .code(),
        "too_deep"
    );
}

#[test]
fn depth_above_the_ceiling_counts_as_the_ceiling() {
    let o = options(1 << 20, usize::MAX, usize::MAX);
    assert!(Filter::parse_with(&nested(MAX_DEPTH_CEILING), &o).is_ok());
    let e = Filter::parse_with(&nested(MAX_DEPTH_CEILING + 1), &o).expect_err("ceiling");
    assert_eq!(e.code(), "too_deep");
    // A hostile nest far deeper than any stack would take is refused, not overflowed.
    let deep = format!("{}a pr", "not (".repeat(100_000));
    assert_eq!(
        Filter::parse_with(&deep, &o).expect_err("deep").code(),
        "too_deep"
    );
}

#[test]
fn term_limit_edge() {
    let o = options(1 << 20, 32, 10);
    assert!(Filter::parse_with(&terms(10), &o).is_ok());
    let e = Filter::parse_with(&terms(11), &o).expect_err("11 terms");
    assert_eq!(e.code(), "too_many_terms");
    // Terms inside brackets count.
    assert!(Filter::parse_with(&format!("emails[{}]", terms(9)), &o).is_ok());
    assert_eq!(
        Filter::parse_with(&format!("emails[{}]", terms(10)), &o)
            .expect_err("11")
            .code(),
        "too_many_terms"
    );
}

#[test]
fn default_term_edge() {
    assert!(Filter::parse(&terms(512), Dialect::Strict).is_ok());
    assert_eq!(
        Filter::parse(&terms(513), Dialect::Strict)
            .expect_err("513")
            .code(),
        "too_many_terms"
    );
}

#[test]
fn length_limit_edge() {
    let text = r#"userName eq "abc""#;
    let o = options(text.len(), 32, 512);
    assert!(Filter::parse_with(text, &o).is_ok());
    let longer = format!("{text} ");
    let e = Filter::parse_with(&longer, &o).expect_err("one byte more");
    assert_eq!(e.code(), "too_long");
    let e = Path::parse_with(
        &format!("{}x", "a".repeat(16_384)),
        &ParseOptions::default(),
    )
    .expect_err("path");
    assert_eq!((e.code(), e.scim_type()), ("too_long", "invalidPath"));
}

#[test]
fn errors_print_a_caret_under_the_span() {
    let e = Filter::parse(r#"userName xx "bjensen""#, Dialect::Strict).expect_err("xx");
    assert_eq!(
        e.to_string(),
        "expected an operator: eq, ne, co, sw, ew, gt, lt, ge, le or pr at 9..11\nuserName xx \"bjensen\"\n         ^^"
    );
    // Columns count characters, so the caret lines up after multi-byte text.
    let e =
        Filter::parse(r#"displayName eq "Jürgen" and"#, Dialect::Strict).expect_err("dangling and");
    let shown = e.to_string();
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(
        lines[2],
        format!(
            "{}^",
            " ".repeat(r#"displayName eq "Jürgen" and"#.chars().count())
        )
    );
}

#[test]
fn bind_errors_point_at_the_attribute() {
    let text = r#"title pr and nosuch eq "x""#;
    let e = Filter::parse(text, Dialect::Strict)
        .expect("parses")
        .bind(fedkit_scim::ResourceSchema::users())
        .expect_err("unknown")
        .with_source(text);
    assert_eq!(e.code(), "unknown_attribute");
    assert_eq!((e.span().start, e.span().end), (13, 19));
    assert!(e.to_string().ends_with("             ^^^^^^"), "{e}");
}
