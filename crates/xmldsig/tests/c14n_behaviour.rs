//! Canonicalization behaviour SAML signatures depend on (`tests/data/c14n/behaviour_cases.toml`):
//! the enveloped-signature omission, subtree namespace context, PrefixList, `xml:*` inheritance,
//! comments in text, and the refusals. Plus the API's edges: foreign and non-element nodes, and
//! the sink receiving exactly the bytes of the buffered form.

use fedkit_xml::{Document, NodeId};
use fedkit_xmldsig::c14n::{C14nMethod, C14nSink, canonicalize, canonicalize_into};
use serde::Deserialize;

#[derive(Deserialize)]
struct Table {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    reason: String,
    method: String,
    #[serde(default)]
    inclusive_prefixes: Vec<String>,
    xml: String,
    subtree: Option<String>,
    omit: Option<String>,
    expected: Option<String>,
    expected_error: Option<String>,
    checked: String,
}

fn method(uri: &str, prefixes: &[String]) -> C14nMethod {
    let mut method = C14nMethod::from_uri(uri).expect("known method URI");
    if let C14nMethod::Exclusive10 {
        inclusive_prefixes, ..
    } = &mut method
    {
        inclusive_prefixes.extend_from_slice(prefixes);
    }
    method
}

fn by_id(doc: &Document, id: &str) -> NodeId {
    doc.element_by_id(id)
        .unwrap_or_else(|| panic!("no element with ID {id}"))
}

#[test]
fn behaviour_table() {
    let table: Table = toml::from_str(include_str!("data/c14n/behaviour_cases.toml"))
        .expect("behaviour_cases.toml");
    let mut failures = Vec::new();
    for case in &table.case {
        assert!(
            !case.reason.is_empty() && !case.checked.is_empty(),
            "{}",
            case.name
        );
        let doc = match Document::parse(case.xml.as_bytes()) {
            Ok(doc) => doc,
            Err(e) if case.expected_error.as_deref() == Some(e.code()) => continue,
            Err(e) => panic!("{}: {e}", case.name),
        };
        let node = case
            .subtree
            .as_deref()
            .map_or(doc.root(), |id| by_id(&doc, id));
        let omit = case.omit.as_deref().map(|id| by_id(&doc, id));
        let outcome = canonicalize(
            &doc,
            node,
            &method(&case.method, &case.inclusive_prefixes),
            omit,
        );
        let ok = match (&outcome, &case.expected, &case.expected_error) {
            (Ok(bytes), Some(expected), None) => bytes == expected.as_bytes(),
            (Err(e), None, Some(code)) => e.code() == code,
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{}: got {:?}",
                case.name,
                outcome.map(|b| String::from_utf8_lossy(&b).into_owned())
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn exclusive() -> C14nMethod {
    C14nMethod::Exclusive10 {
        with_comments: false,
        inclusive_prefixes: Vec::new(),
    }
}

#[test]
fn text_and_comment_nodes_are_refused_as_apex() {
    let doc = Document::parse(b"<r>text<!--c--></r>").unwrap();
    for child in doc.children(doc.document_element()) {
        let error = canonicalize(&doc, child, &exclusive(), None).unwrap_err();
        assert_eq!(error.code(), "c14n_node_not_element");
    }
}

#[test]
fn a_node_of_another_document_is_refused_without_panicking() {
    let small = Document::parse(b"<r/>").unwrap();
    let large = Document::parse(b"<r><a><b><c/></b></a></r>").unwrap();
    let foreign = large.descendants(large.root()).last().unwrap();
    let error = canonicalize(&small, foreign, &exclusive(), None).unwrap_err();
    assert_eq!(error.code(), "c14n_node_not_element");
}

/// A sink that records how it was called, to check the streaming form equals the buffered one.
#[derive(Default)]
struct Recording {
    bytes: Vec<u8>,
    calls: usize,
}

impl C14nSink for Recording {
    fn write(&mut self, bytes: &[u8]) {
        assert!(!bytes.is_empty(), "empty writes are wasted calls");
        self.bytes.extend_from_slice(bytes);
        self.calls += 1;
    }
}

#[test]
fn streaming_into_a_sink_gives_the_buffered_bytes() {
    let xml = br#"<r xmlns="urn:r"><a x="1&amp;2">long text without any escapes at all</a></r>"#;
    let doc = Document::parse(xml).unwrap();
    let mut recording = Recording::default();
    canonicalize_into(&doc, doc.root(), &exclusive(), None, &mut recording).unwrap();
    assert_eq!(
        recording.bytes,
        canonicalize(&doc, doc.root(), &exclusive(), None).unwrap()
    );
    // Text goes out as one slice, not per character.
    assert!(recording.calls < 30, "{} writes", recording.calls);
}

#[test]
fn deep_documents_do_not_use_the_call_stack() {
    // fedkit-xml's depth limit is the only bound; canonicalising at that depth with a small
    // thread stack shows the walk is iterative.
    let depth = 5_000;
    let mut xml = String::new();
    for _ in 0..depth {
        xml.push_str("<a xmlns:p=\"urn:p\">");
    }
    for _ in 0..depth {
        xml.push_str("</a>");
    }
    let mut limits = fedkit_xml::Limits::DEFAULT;
    limits.max_depth = depth;
    limits.max_namespace_declarations_total = depth;
    let doc = Document::parse_with(xml.as_bytes(), &limits).unwrap();
    let handle = std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(move || {
            let inclusive = C14nMethod::Inclusive10 {
                with_comments: false,
            };
            let bytes = canonicalize(&doc, doc.root(), &inclusive, None).unwrap();
            // Only the outermost element declares p: every inner declaration is redundant.
            assert_eq!(
                bytes.len(),
                "<a xmlns:p=\"urn:p\">".len() + (depth - 1) * "<a>".len() + depth * "</a>".len()
            );
            canonicalize(&doc, doc.root(), &exclusive(), None).unwrap()
        })
        .unwrap();
    let exclusive_bytes = handle.join().expect("no stack overflow");
    assert_eq!(exclusive_bytes.len(), depth * ("<a>".len() + "</a>".len()));
}

#[test]
fn output_limit_passes_at_the_limit_and_fails_one_byte_later() {
    use fedkit_xmldsig::c14n::{C14nLimits, canonicalize_into_with};
    let doc = Document::parse(br#"<r xmlns:a="urn:a"><a:e x="1">text</a:e></r>"#).unwrap();
    let full = canonicalize(&doc, doc.root(), &exclusive(), None).unwrap();
    let at_limit = C14nLimits {
        max_output_bytes: full.len(),
        ..C14nLimits::DEFAULT
    };
    let mut out = Vec::new();
    canonicalize_into_with(&doc, doc.root(), &exclusive(), None, &at_limit, &mut out).unwrap();
    assert_eq!(out, full);
    let one_short = C14nLimits {
        max_output_bytes: full.len() - 1,
        ..C14nLimits::DEFAULT
    };
    let error = canonicalize_into_with(
        &doc,
        doc.root(),
        &exclusive(),
        None,
        &one_short,
        &mut Vec::new(),
    )
    .unwrap_err();
    assert_eq!(error.code(), "c14n_output_too_large");
}

#[test]
fn exclusive_namespace_amplification_is_stopped_by_the_default_limit() {
    // One 60 KiB namespace URI declared on an element that does not use it, and 40 000 small
    // elements under unrelated parents that do: exclusive c14n would write the URI 40 000 times
    // (2.4 GB) from an input of under 1 MiB.
    let uri = format!("urn:{}", "x".repeat(60 << 10));
    let mut xml = format!("<r xmlns:a=\"{uri}\">");
    for _ in 0..20_000 {
        xml.push_str("<b><a:c/></b>");
    }
    xml.push_str("</r>");
    assert!(xml.len() < 1 << 20);
    let doc = Document::parse(xml.as_bytes()).expect("within fedkit-xml's default limits");
    let error = canonicalize(&doc, doc.root(), &exclusive(), None).unwrap_err();
    assert_eq!(error.code(), "c14n_output_too_large");
    // Inclusive c14n declares it once and stays near the input size.
    let inclusive = C14nMethod::Inclusive10 {
        with_comments: false,
    };
    let bytes = canonicalize(&doc, doc.root(), &inclusive, None).unwrap();
    assert!(bytes.len() < 2 * xml.len());
}
