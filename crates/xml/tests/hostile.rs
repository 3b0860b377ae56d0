//! Every row of `tests/data/hostile.toml` is rejected with its own code, without a panic, and
//! a bad document changes nothing (parsing is all-or-nothing: there is no partial tree).

use fedkit_xml::Document;
use serde::Deserialize;

#[derive(Deserialize)]
struct Table {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    xml: Option<String>,
    hex: Option<String>,
    code: String,
    reason: String,
    /// Documentation only: libxml2 takes this input (see the table's header).
    #[serde(default, rename = "libxml2_accepts")]
    _libxml2_accepts: bool,
}

fn bytes(case: &Case) -> Vec<u8> {
    match (&case.xml, &case.hex) {
        (Some(xml), None) => xml.as_bytes().to_vec(),
        (None, Some(hex)) => (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
            .collect(),
        _ => panic!("case {} needs exactly one of xml and hex", case.name),
    }
}

#[test]
fn every_hostile_input_is_rejected_with_its_code() {
    let table: Table = toml::from_str(include_str!("data/hostile.toml")).expect("table parses");
    assert!(table.case.len() > 50);
    let mut failures = Vec::new();
    for case in &table.case {
        assert!(!case.reason.is_empty(), "{} needs a reason", case.name);
        match Document::parse(&bytes(case)) {
            Ok(_) => failures.push(format!("{}: accepted ({})", case.name, case.reason)),
            Err(e) if e.code() != case.code => failures.push(format!(
                "{}: got {} ({e}), expected {} ({})",
                case.name,
                e.code(),
                case.code,
                case.reason
            )),
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
