//! Serialisation back to XML text.

use crate::tree::{Document, Edge, NodeId, NodeKind};

impl Document {
    /// The whole document as XML (UTF-8, no XML declaration). Parsing the result gives the same
    /// tree: same nodes, names, namespaces, attribute values and text.
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(self.buf.len());
        let mut first = true;
        for child in self.children(self.root()) {
            if !first {
                out.push('\n');
            }
            first = false;
            self.write_node(child, &mut out, false);
        }
        out
    }

    /// Appends the subtree at `n` to `out` as XML. Namespaces declared on ancestors and used in
    /// scope are redeclared on `n`, so the fragment parses on its own with the same names.
    pub fn write_subtree(&self, n: NodeId, out: &mut String) {
        self.write_node(n, out, true);
    }

    fn write_node(&self, n: NodeId, out: &mut String, with_ancestor_namespaces: bool) {
        for edge in self.traverse(n) {
            match edge {
                Edge::Open(node) => {
                    let top = with_ancestor_namespaces && node == n;
                    self.write_open(node, out, top);
                }
                Edge::Close(node) => {
                    if let NodeKind::Element(name) = self.kind(node)
                        && self.first_child(node).is_some()
                    {
                        out.push_str("</");
                        push_qname(out, name.prefix, name.local);
                        out.push('>');
                    }
                }
            }
        }
    }

    fn write_open(&self, node: NodeId, out: &mut String, with_ancestor_namespaces: bool) {
        match self.kind(node) {
            NodeKind::Document => {}
            NodeKind::Element(name) => {
                out.push('<');
                push_qname(out, name.prefix, name.local);
                let own: Vec<_> = self.namespace_declarations(node).collect();
                for d in &own {
                    push_declaration(out, d.prefix, d.uri);
                }
                if with_ancestor_namespaces
                    && let Some(parent) = self.parent(node)
                    && self.is_element(parent)
                {
                    for d in self.in_scope_namespaces(parent) {
                        if !own.iter().any(|o| o.prefix == d.prefix) {
                            push_declaration(out, d.prefix, d.uri);
                        }
                    }
                }
                for attribute in self.attributes(node) {
                    out.push(' ');
                    push_qname(out, attribute.name.prefix, attribute.name.local);
                    out.push_str("=\"");
                    escape_attribute(out, attribute.value);
                    out.push('"');
                }
                if self.first_child(node).is_some() {
                    out.push('>');
                } else {
                    out.push_str("/>");
                }
            }
            NodeKind::Text(text) => escape_text(out, text),
            NodeKind::Comment(text) => {
                out.push_str("<!--");
                out.push_str(text);
                out.push_str("-->");
            }
            NodeKind::ProcessingInstruction { target, data } => {
                out.push_str("<?");
                out.push_str(target);
                if !data.is_empty() {
                    out.push(' ');
                    out.push_str(data);
                }
                out.push_str("?>");
            }
        }
    }
}

fn push_qname(out: &mut String, prefix: Option<&str>, local: &str) {
    if let Some(prefix) = prefix {
        out.push_str(prefix);
        out.push(':');
    }
    out.push_str(local);
}

fn push_declaration(out: &mut String, prefix: Option<&str>, uri: &str) {
    out.push_str(" xmlns");
    if let Some(prefix) = prefix {
        out.push(':');
        out.push_str(prefix);
    }
    out.push_str("=\"");
    escape_attribute(out, uri);
    out.push('"');
}

/// Text: `&`, `<`, `>` (so `]]>` cannot appear) and CR (which a parser would turn into LF).
pub(crate) fn escape_text(out: &mut String, text: &str) {
    escape(out, text, |c| match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '\r' => Some("&#xD;"),
        _ => None,
    });
}

/// Attribute values in double quotes: `&`, `<`, `"` and the whitespace characters attribute
/// normalisation would turn into spaces.
pub(crate) fn escape_attribute(out: &mut String, value: &str) {
    escape(out, value, |c| match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '"' => Some("&quot;"),
        '\t' => Some("&#x9;"),
        '\n' => Some("&#xA;"),
        '\r' => Some("&#xD;"),
        _ => None,
    });
}

fn escape(out: &mut String, s: &str, replacement: impl Fn(char) -> Option<&'static str>) {
    let mut plain_start = 0;
    for (i, c) in s.char_indices() {
        if let Some(r) = replacement(c) {
            out.push_str(s.get(plain_start..i).unwrap_or(""));
            out.push_str(r);
            plain_start = i + c.len_utf8();
        }
    }
    out.push_str(s.get(plain_start..).unwrap_or(""));
}
