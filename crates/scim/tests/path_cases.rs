//! Table-driven PATCH path cases from data/path/path_cases.toml.

use fedkit_scim::path::Path;
use fedkit_scim::{AttrPath, Dialect};
use serde::Deserialize;

#[derive(Deserialize)]
struct Table {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    path: String,
    dialect: Option<String>,
    urn: Option<String>,
    name: Option<String>,
    attr_sub: Option<String>,
    filter: Option<String>,
    sub: Option<String>,
    canonical: Option<String>,
    error: Option<String>,
    reason: String,
}

#[test]
fn path_cases() {
    let table: Table =
        toml::from_str(include_str!("data/path/path_cases.toml")).expect("path_cases.toml");
    assert!(table.case.len() >= 30);
    let mut failures = Vec::new();
    for case in &table.case {
        let dialects = match case.dialect.as_deref() {
            None => vec![Dialect::Strict, Dialect::Lenient],
            Some("strict") => vec![Dialect::Strict],
            Some("lenient") => vec![Dialect::Lenient],
            Some(other) => panic!("dialect {other}"),
        };
        for dialect in dialects {
            let label = format!("{:?} [{}] ({})", case.path, dialect.as_str(), case.reason);
            match (Path::parse(&case.path, dialect), &case.error) {
                (Ok(path), None) => {
                    let want_attr = AttrPath::new(
                        case.urn.as_deref(),
                        case.name.as_deref().expect("name"),
                        case.attr_sub.as_deref(),
                    );
                    let filter = path.value_filter.as_ref().map(ToString::to_string);
                    if path.attr != want_attr || filter != case.filter || path.sub_attr != case.sub
                    {
                        failures.push(format!("{label}: parsed {path:?}"));
                    }
                    let printed = path.to_string();
                    if Some(&printed) != case.canonical.as_ref() {
                        failures.push(format!("{label}: printed {printed:?}"));
                    }
                    if Path::parse(&printed, dialect).as_ref() != Ok(&path) {
                        failures.push(format!("{label}: canonical text does not reparse equal"));
                    }
                }
                (Err(e), Some(code)) => {
                    if e.code() != code || e.scim_type() != "invalidPath" {
                        failures.push(format!(
                            "{label}: error {} / {} ({e})",
                            e.code(),
                            e.scim_type()
                        ));
                    }
                }
                (got, _) => failures.push(format!("{label}: got {got:?}")),
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

#[test]
fn whole_extension_path_gives_back_its_urn() {
    let urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let path = Path::parse(urn, Dialect::Strict).expect("parses");
    assert_eq!(path.attr.as_schema_urn().as_deref(), Some(urn));
    assert_eq!(
        Path::parse("name.givenName", Dialect::Strict)
            .expect("parses")
            .attr
            .as_schema_urn(),
        None
    );
}
