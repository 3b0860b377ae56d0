//! c14n stability: for every document that parses, canonicalising, reparsing the canonical bytes
//! and canonicalising again gives the same bytes, in every method, for the whole document and for
//! the subtree of each child of the document element. Canonicalisation never panics.

use fedkit_xml::{Document, Limits, NodeId};
use fedkit_xmldsig::c14n::{C14nMethod, canonicalize};

fn methods() -> [C14nMethod; 6] {
    [
        C14nMethod::Inclusive10 {
            with_comments: false,
        },
        C14nMethod::Inclusive10 {
            with_comments: true,
        },
        C14nMethod::Inclusive11 {
            with_comments: true,
        },
        C14nMethod::Exclusive10 {
            with_comments: false,
            inclusive_prefixes: Vec::new(),
        },
        C14nMethod::Exclusive10 {
            with_comments: true,
            inclusive_prefixes: Vec::new(),
        },
        C14nMethod::Exclusive10 {
            with_comments: false,
            inclusive_prefixes: vec!["#default".to_owned(), "a".to_owned()],
        },
    ]
}

/// The canonical form is a document of its own: a little longer than the input at most (a
/// reference per escaped character), so reparse it with room to spare.
fn reparse_limits() -> Limits {
    let mut limits = Limits::DEFAULT;
    limits.max_bytes = usize::MAX;
    limits.max_text_len = usize::MAX;
    limits.max_attribute_value_len = usize::MAX;
    limits.max_namespace_declarations_total = usize::MAX;
    limits
}

fn check(doc: &Document, node: NodeId, method: &C14nMethod) {
    let Ok(first) = canonicalize(doc, node, method, None) else {
        return;
    };
    let again = Document::parse_with(&first, &reparse_limits()).unwrap_or_else(|e| {
        panic!(
            "canonical output does not parse ({e}):\n{}",
            String::from_utf8_lossy(&first)
        )
    });
    let second = canonicalize(&again, again.root(), method, None)
        .unwrap_or_else(|e| panic!("canonical output does not canonicalise: {e}"));
    assert!(
        first == second,
        "not stable under {}:\n{}\n---\n{}",
        method.uri(),
        String::from_utf8_lossy(&first),
        String::from_utf8_lossy(&second)
    );
}

pub fn run(data: &[u8]) {
    let Ok(doc) = Document::parse(data) else {
        return;
    };
    let subtrees: Vec<NodeId> = doc.child_elements(doc.document_element()).take(4).collect();
    for method in &methods() {
        check(&doc, doc.root(), method);
        for &node in &subtrees {
            check(&doc, node, method);
        }
    }
}
