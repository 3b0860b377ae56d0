//! Property: printing a parsed filter gives canonical text that parses back to an equal tree,
//! and printing is idempotent. Filters are generated as text from the grammar of RFC 7644
//! §3.4.2.2 with random spelling (operator case, optional space after `not`, redundant
//! parentheses, JSON escapes and numbers).

use fedkit_scim::{Dialect, Filter};
use proptest::prelude::*;

fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z][a-zA-Z0-9_-]{0,6}"
}

fn attr_path() -> impl Strategy<Value = String> {
    let urn = prop_oneof![
        Just(None),
        Just(Some(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        )),
        Just(Some("urn:ietf:params:scim:schemas:core:2.0:User")),
    ];
    (urn, name(), proptest::option::of(name())).prop_map(|(urn, n, sub)| {
        let mut s = urn.map(|u| format!("{u}:")).unwrap_or_default();
        s.push_str(&n);
        if let Some(sub) = sub {
            s.push('.');
            s.push_str(&sub);
        }
        s
    })
}

fn comp_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>().prop_map(|s| serde_json::to_string(&s).expect("json")),
        Just(r#""a\"b\\c\/d\u00e9\ud83d\ude00""#.to_owned()),
        any::<i64>().prop_map(|i| i.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
        Just("true".to_owned()),
        Just("false".to_owned()),
        Just("null".to_owned()),
    ]
}

fn op() -> impl Strategy<Value = String> {
    const OPS: [&str; 9] = ["eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le"];
    (proptest::sample::select(&OPS[..]), any::<u8>()).prop_map(|(op, case)| match case % 3 {
        0 => op.to_owned(),
        1 => op.to_uppercase(),
        _ => {
            let mut c = op.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>())
                .unwrap_or_default()
                + c.as_str()
        }
    })
}

fn attr_expr() -> impl Strategy<Value = String> {
    prop_oneof![
        attr_path().prop_map(|p| format!("{p} pr")),
        (attr_path(), op(), comp_value()).prop_map(|(p, o, v)| format!("{p} {o} {v}")),
    ]
}

fn val_filter() -> impl Strategy<Value = String> {
    let sub_expr = prop_oneof![
        name().prop_map(|p| format!("{p} pr")),
        (name(), op(), comp_value()).prop_map(|(p, o, v)| format!("{p} {o} {v}")),
    ];
    sub_expr.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} or {b}")),
            inner.clone().prop_map(|a| format!("not ({a})")),
            inner.prop_map(|a| format!("({a})")),
        ]
    })
}

fn filter_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        3 => attr_expr(),
        1 => (name(), val_filter()).prop_map(|(n, f)| format!("{n}[{f}]")),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} OR {b}")),
            inner.clone().prop_map(|a| format!("not ({a})")),
            inner.clone().prop_map(|a| format!("NOT({a})")),
            inner.prop_map(|a| format!("( {a} )")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn print_parse_roundtrip(text in filter_text()) {
        let filter = Filter::parse(&text, Dialect::Strict)
            .map_err(|e| TestCaseError::fail(format!("generated filter rejected: {e}")))?;
        let printed = filter.to_string();
        let again = Filter::parse(&printed, Dialect::Strict)
            .map_err(|e| TestCaseError::fail(format!("canonical text rejected: {e}")))?;
        prop_assert_eq!(&again, &filter, "{} -> {}", text, printed);
        prop_assert_eq!(again.to_string(), printed);
    }

    #[test]
    fn arbitrary_text_never_panics_and_accepted_text_roundtrips(text in "\\PC{0,60}") {
        for dialect in [Dialect::Strict, Dialect::Lenient] {
            if let Ok(filter) = Filter::parse(&text, dialect) {
                let printed = filter.to_string();
                prop_assert_eq!(Filter::parse(&printed, dialect).ok(), Some(filter));
            }
        }
    }
}
