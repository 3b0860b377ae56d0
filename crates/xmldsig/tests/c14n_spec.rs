//! The examples of the W3C C14N 1.0 and Exclusive C14N specifications, byte for byte
//! (`tests/data/c14n/spec_cases.toml`; provenance in `tests/data/c14n/README.md`).

use fedkit_xml::{Document, NodeId};
use fedkit_xmldsig::c14n::{C14nMethod, canonicalize};
use serde::Deserialize;

#[derive(Deserialize)]
struct Table {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    source: String,
    method: String,
    input: String,
    subtree: Option<String>,
    #[serde(default)]
    inclusive_prefixes: Vec<String>,
    expected: Option<String>,
    expected_error: Option<String>,
    reason: String,
}

macro_rules! fixture {
    ($name:literal) => {
        ($name, include_bytes!(concat!("data/c14n/", $name)))
    };
}

/// Every file the table may name; `include_bytes!` keeps the test free of file I/O.
const FILES: &[(&str, &[u8])] = &[
    fixture!("spec-3.1-pis-comments.input.xml"),
    fixture!("spec-3.1-pis-comments-no-doctype.input.xml"),
    fixture!("spec-3.1-pis-comments.c14n.out"),
    fixture!("spec-3.1-pis-comments.c14n-with-comments.out"),
    fixture!("spec-3.2-whitespace.input.xml"),
    fixture!("spec-3.2-whitespace.c14n.out"),
    fixture!("spec-3.3-tags.input.xml"),
    fixture!("spec-3.3-tags-no-doctype.input.xml"),
    fixture!("spec-3.3-tags-no-doctype.c14n.out"),
    fixture!("spec-3.4-chars-no-doctype.input.xml"),
    fixture!("spec-3.4-chars-no-doctype.c14n.out"),
    fixture!("spec-3.6-utf8.input.xml"),
    fixture!("spec-3.6-utf8-declared-utf8.input.xml"),
    fixture!("spec-3.6-latin1-byte.input.xml"),
    fixture!("spec-3.6-utf8.c14n.out"),
    fixture!("exc-spec-2.2-first.input.xml"),
    fixture!("exc-spec-2.2-first.elem2.c14n.out"),
    fixture!("exc-spec-2.2-first.elem2.exc-c14n.out"),
    fixture!("exc-spec-2.2-second.input.xml"),
    fixture!("exc-spec-2.2-second.elem2.c14n.out"),
    fixture!("exc-spec-2.2-second.elem2.exc-c14n.out"),
    fixture!("exc-spec-2.2-second.elem2.exc-c14n-n2.out"),
];

fn data(name: &str) -> &'static [u8] {
    FILES
        .iter()
        .find(|(file, _)| *file == name)
        .map(|(_, bytes)| *bytes)
        .unwrap_or_else(|| panic!("{name} is not in FILES"))
}

/// The first element in document order named `{namespace}local` (or `local` for no namespace).
fn find_element(doc: &Document, name: &str) -> NodeId {
    let (namespace, local) = match name.strip_prefix('{').and_then(|rest| rest.split_once('}')) {
        Some((namespace, local)) => (Some(namespace), local),
        None => (None, name),
    };
    doc.descendants(doc.root())
        .find(|node| doc.name(*node).is_some_and(|n| n.is(namespace, local)))
        .unwrap_or_else(|| panic!("no element {name}"))
}

fn run(case: &Case) -> Result<Vec<u8>, String> {
    let doc = Document::parse(data(&case.input)).map_err(|e| e.code().to_owned())?;
    let mut method = C14nMethod::from_uri(&case.method).expect("known method URI");
    if let C14nMethod::Exclusive10 {
        inclusive_prefixes, ..
    } = &mut method
    {
        inclusive_prefixes.clone_from(&case.inclusive_prefixes);
    }
    let node = match &case.subtree {
        Some(name) => find_element(&doc, name),
        None => doc.root(),
    };
    canonicalize(&doc, node, &method, None).map_err(|e| e.code().to_owned())
}

#[test]
fn w3c_specification_examples_match_byte_for_byte() {
    let table: Table =
        toml::from_str(include_str!("data/c14n/spec_cases.toml")).expect("spec_cases.toml");
    assert!(table.case.len() >= 14, "the table lost rows");
    let mut failures = Vec::new();
    for case in &table.case {
        assert!(
            case.source.starts_with("https://www.w3.org/TR/"),
            "{}",
            case.name
        );
        assert!(!case.reason.is_empty(), "{}", case.name);
        let outcome = run(case);
        let ok = match (&case.expected, &case.expected_error, &outcome) {
            (Some(expected), None, Ok(bytes)) => bytes.as_slice() == data(expected),
            (None, Some(code), Err(found)) => code == found,
            _ => false,
        };
        if !ok {
            let shown = match &outcome {
                Ok(bytes) => String::from_utf8_lossy(bytes).into_owned(),
                Err(code) => format!("error {code}"),
            };
            failures.push(format!("{} ({}):\n{shown}", case.name, case.source));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
