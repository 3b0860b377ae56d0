//! XML parse: arbitrary bytes under small limits never panic; a document that parses is written
//! out, parsed again, and must give the same tree; the navigation API is exercised on it.

use fedkit_xml::{Document, Edge, Limits, NodeId, NodeKind};

fn limits() -> Limits {
    Limits {
        max_bytes: 64 << 10,
        max_depth: 32,
        max_elements: 2_000,
        max_attributes_per_element: 16,
        max_attribute_value_len: 4 << 10,
        max_text_len: 16 << 10,
        max_namespace_declarations_per_element: 8,
        max_namespace_declarations_total: 64,
    }
}

/// One line per node: everything the tree says about it, in document order.
fn describe(doc: &Document) -> Vec<String> {
    let mut lines = Vec::new();
    for edge in doc.traverse(doc.root()) {
        let n = match edge {
            Edge::Open(n) => n,
            Edge::Close(_) => {
                lines.push("close".to_owned());
                continue;
            }
        };
        let line = match doc.kind(n) {
            NodeKind::Element(name) => {
                let attributes: Vec<_> = doc
                    .attributes(n)
                    .map(|a| {
                        format!(
                            "{:?}{:?}{:?}={:?}",
                            a.name.prefix, a.name.local, a.name.namespace, a.value
                        )
                    })
                    .collect();
                let declarations: Vec<_> = doc.namespace_declarations(n).collect();
                format!(
                    "{name:?} {attributes:?} {declarations:?} {:?}",
                    doc.in_scope_namespaces(n)
                )
            }
            other => format!("{other:?}"),
        };
        lines.push(line);
    }
    lines
}

fn exercise(doc: &Document, n: NodeId) {
    let _ = doc.path(n);
    let _ = doc.text_content(n);
    let _ = doc.child_text(n);
    let _ = doc.source_offset(n);
    for attribute in doc.attributes(n) {
        if let Some(found) = doc.element_by_id(attribute.value) {
            assert!(doc.is_element(found));
        }
        let _ = doc.attribute(n, attribute.name.namespace, attribute.name.local);
    }
    let _ = doc.lookup_namespace(n, None);
}

pub fn run(data: &[u8]) {
    let Ok(doc) = Document::parse_with(data, &limits()) else {
        return;
    };
    for n in doc.descendants(doc.root()) {
        exercise(&doc, n);
        // Offsets count input bytes, also for ISO-8859-1 input decoded to longer UTF-8.
        if let Some(offset) = doc.source_offset(n) {
            assert!(offset < data.len(), "source offset {offset} past the input");
        }
    }
    let written = doc.to_xml();
    let again = Document::parse_with(
        written.as_bytes(),
        &Limits {
            max_bytes: usize::MAX,
            ..limits()
        },
    )
    .unwrap_or_else(|e| panic!("written document does not parse: {e}\n{written}"));
    assert_eq!(
        describe(&doc),
        describe(&again),
        "tree changed through write and parse:\n{written}"
    );
    assert_eq!(again.to_xml(), written, "writer is not stable");
    let mut subtree = String::new();
    doc.write_subtree(doc.document_element(), &mut subtree);
    assert!(
        written.contains(&subtree),
        "the document element is written the same on its own"
    );
}
