//! ISO-8859-1 and US-ASCII documents (`tests/data/encoding.toml`): decoded to UTF-8, checked
//! by the XML rules after decoding, with offsets that count the input's bytes; every other
//! encoding refused with its own code.

use fedkit_xml::{Document, Limits};
use serde::Deserialize;

#[derive(Deserialize)]
struct Table {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    hex: String,
    written: Option<String>,
    code: Option<String>,
    offset: Option<usize>,
    path: Option<String>,
    /// Documentation only: what xmllint does with the row.
    #[serde(default, rename = "libxml2")]
    _libxml2: Option<String>,
    reason: String,
}

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn every_row_decodes_or_is_refused_as_the_table_says() {
    let table: Table = toml::from_str(include_str!("data/encoding.toml")).expect("table parses");
    assert!(table.case.len() >= 30, "the table lost rows");
    let mut failures = Vec::new();
    for case in &table.case {
        assert!(!case.reason.is_empty(), "{} needs a reason", case.name);
        let outcome = Document::parse(&unhex(&case.hex));
        match (&case.written, &case.code, outcome) {
            (Some(written), None, Ok(doc)) => {
                if doc.to_xml() != *written {
                    failures.push(format!("{}: wrote {:?}", case.name, doc.to_xml()));
                }
                // The UTF-8 it writes reads back as the same tree.
                match Document::parse(doc.to_xml().as_bytes()) {
                    Ok(again) if again.to_xml() == *written => {}
                    _ => failures.push(format!("{}: written form does not reparse", case.name)),
                }
            }
            (None, Some(code), Err(e)) => {
                let at = e.location().cloned().unwrap_or_default();
                if e.code() != code || Some(at.offset) != case.offset {
                    failures.push(format!(
                        "{}: got {} at {} ({e}), expected {code} at {:?}",
                        case.name,
                        e.code(),
                        at.offset,
                        case.offset
                    ));
                }
                if let Some(path) = &case.path
                    && at.path != *path
                {
                    failures.push(format!(
                        "{}: path {:?}, expected {path:?}",
                        case.name, at.path
                    ));
                }
            }
            (_, _, Ok(doc)) => {
                failures.push(format!("{}: accepted as {:?}", case.name, doc.to_xml()))
            }
            (_, _, Err(e)) => failures.push(format!("{}: refused ({e})", case.name)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `<?xml version="1.0" encoding="latin1"?>` (39 bytes) then `<r>\xE9<a/>\xE9\xE9<b>\xE9</b></r>`:
/// offsets counted by hand from the bytes.
const LATIN1_NODES: &str = "3c3f786d6c2076657273696f6e3d22312e302220656e636f64696e673d226c6174696e31223f3e3c723ee93c612f3ee9e93c623ee93c2f623e3c2f723e";

#[test]
fn node_source_offsets_count_input_bytes() {
    let doc = Document::parse(&unhex(LATIN1_NODES)).expect("parses");
    let offsets: Vec<(String, usize)> = doc
        .descendants(doc.document_element())
        .map(|n| {
            let label = match doc.name(n) {
                Some(name) => name.to_string(),
                None => format!("{:?}", doc.text(n).unwrap_or("")),
            };
            (
                label,
                doc.source_offset(n).expect("parsed nodes have offsets"),
            )
        })
        .collect();
    let expected = [
        ("r", 39),
        ("\"\u{e9}\"", 42),
        ("a", 43),
        ("\"\u{e9}\u{e9}\"", 47),
        ("b", 49),
        ("\"\u{e9}\"", 52),
    ];
    let expected: Vec<(String, usize)> = expected
        .iter()
        .map(|(label, offset)| ((*label).to_owned(), *offset))
        .collect();
    assert_eq!(offsets, expected);
}

#[test]
fn max_bytes_counts_input_bytes_before_decoding() {
    // 61 input bytes that decode to 65 bytes of UTF-8.
    let input = unhex(LATIN1_NODES);
    assert_eq!(input.len(), 61);
    let at_limit = Limits {
        max_bytes: 61,
        ..Limits::default()
    };
    let doc = Document::parse_with(&input, &at_limit).expect("61 bytes within a 61-byte limit");
    assert_eq!(
        doc.to_xml().len(),
        65 - 39,
        "decoded: each of the four 0xE9 is two bytes"
    );
    let below = Limits {
        max_bytes: 60,
        ..Limits::default()
    };
    let error = Document::parse_with(&input, &below).expect_err("61 bytes over a 60-byte limit");
    assert_eq!(error.code(), "too_large");
    assert_eq!(
        error,
        fedkit_xml::Error::TooLarge {
            limit: 60,
            found: 61
        }
    );
}
