//! The canonicalising walk: one pass over the subtree in document order, with an explicit stack
//! of open elements (input depth never reaches the call stack) and reusable scratch vectors (no
//! allocation per node once they have grown).

use std::borrow::Cow;

use fedkit_xml::{Document, NodeId, NodeKind, XML_NAMESPACE};

use super::escape::{write_attribute_value, write_text};
use super::namespaces::NamespaceStack;
use super::output::Output;
use super::{C14nLimits, C14nMethod, C14nSink, xml_base};
use crate::Error;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Inclusive10,
    Inclusive11,
    Exclusive10,
}

/// An attribute ready to be sorted and written.
struct OutAttribute<'d> {
    namespace: &'d str,
    prefix: Option<&'d str>,
    local: &'d str,
    value: Cow<'d, str>,
}

pub(crate) struct Renderer<'d, 'o> {
    doc: &'d Document,
    mode: Mode,
    with_comments: bool,
    /// Exclusive C14N's InclusiveNamespaces prefixes, `""` for `#default`, sorted, each once.
    inclusive_prefixes: Vec<&'d str>,
    omit: Option<NodeId>,
    out: Output<'o>,
    max_output_bytes: usize,
    /// Bindings the output has declared, per open output element.
    rendered: NamespaceStack<'d>,
    /// Bindings the document has in scope (exclusive mode's inclusive prefixes need them).
    in_scope: NamespaceStack<'d>,
    open: Vec<NodeId>,
    declarations: Vec<(&'d str, &'d str)>,
    attributes: Vec<OutAttribute<'d>>,
}

impl<'d, 'o> Renderer<'d, 'o>
where
    'd: 'o,
{
    pub(crate) fn new(
        doc: &'d Document,
        method: &'d C14nMethod,
        omit: Option<NodeId>,
        limits: &C14nLimits,
        out: &'o mut dyn C14nSink,
    ) -> Self {
        let (mode, inclusive_prefixes) = match method {
            C14nMethod::Inclusive10 { .. } => (Mode::Inclusive10, Vec::new()),
            C14nMethod::Inclusive11 { .. } => (Mode::Inclusive11, Vec::new()),
            C14nMethod::Exclusive10 {
                inclusive_prefixes, ..
            } => {
                let mut prefixes: Vec<&str> = inclusive_prefixes
                    .iter()
                    .map(|p| if p == "#default" { "" } else { p.as_str() })
                    .collect();
                prefixes.sort_unstable();
                prefixes.dedup();
                (Mode::Exclusive10, prefixes)
            }
        };
        Renderer {
            doc,
            mode,
            with_comments: method.with_comments(),
            inclusive_prefixes,
            omit,
            out: Output::new(out, limits.max_output_bytes),
            max_output_bytes: limits.max_output_bytes,
            rendered: NamespaceStack::default(),
            in_scope: NamespaceStack::default(),
            open: Vec::new(),
            declarations: Vec::new(),
            attributes: Vec::new(),
        }
    }

    pub(crate) fn run(mut self, node: NodeId) -> Result<(), Error> {
        let result = self.render(node);
        self.out.flush();
        result?;
        self.check_output()
    }

    fn check_output(&self) -> Result<(), Error> {
        if self.out.exceeded {
            return Err(Error::C14nOutputTooLarge {
                limit: self.max_output_bytes,
            });
        }
        Ok(())
    }

    fn render(&mut self, node: NodeId) -> Result<(), Error> {
        if node == self.doc.root() {
            return self.document();
        }
        if Some(node) == self.omit {
            return Ok(());
        }
        if self.doc.name(node).is_none() {
            // A NodeId of another document may be out of this one's range; path() would panic.
            let in_document = self.doc.traverse(node).next().is_some();
            return Err(Error::C14nNodeNotElement {
                path: if in_document {
                    self.doc.path(node)
                } else {
                    "(not a node of this document)".to_owned()
                },
            });
        }
        if self.mode == Mode::Exclusive10 && !self.inclusive_prefixes.is_empty() {
            self.seed_in_scope(node);
        }
        self.subtree(node)
    }

    /// C14N 1.0 §2.1: comments and PIs outside the document element, each separated from it by
    /// one newline; whitespace there is not output.
    fn document(&mut self) -> Result<(), Error> {
        let doc = self.doc;
        let mut after_element = false;
        for child in doc.children(doc.root()) {
            if Some(child) == self.omit {
                continue;
            }
            match doc.kind(child) {
                NodeKind::Element(_) => {
                    self.subtree(child)?;
                    after_element = true;
                }
                NodeKind::Comment(text) if self.with_comments => {
                    self.outside(after_element, |r| r.comment(text));
                }
                NodeKind::ProcessingInstruction { target, data } => {
                    self.outside(after_element, |r| r.processing_instruction(target, data));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn outside(&mut self, after_element: bool, write: impl FnOnce(&mut Self)) {
        if after_element {
            self.out.write(b"\n");
        }
        write(self);
        if !after_element {
            self.out.write(b"\n");
        }
    }

    fn comment(&mut self, text: &str) {
        self.out.write(b"<!--");
        self.out.write(text.as_bytes());
        self.out.write(b"-->");
    }

    fn processing_instruction(&mut self, target: &str, data: &str) {
        self.out.write(b"<?");
        self.out.write(target.as_bytes());
        if !data.is_empty() {
            self.out.write(b" ");
            self.out.write(data.as_bytes());
        }
        self.out.write(b"?>");
    }

    /// The document's bindings above the apex, outermost first, so that inner ones shadow.
    fn seed_in_scope(&mut self, apex: NodeId) {
        let mut ancestors = Vec::new();
        let mut current = self.doc.parent(apex);
        while let Some(node) = current {
            ancestors.push(node);
            current = self.doc.parent(node);
        }
        self.in_scope.enter();
        for &ancestor in ancestors.iter().rev() {
            for declaration in self.doc.namespace_declarations(ancestor) {
                self.in_scope
                    .bind(declaration.prefix.unwrap_or(""), declaration.uri);
            }
        }
    }

    fn subtree(&mut self, apex: NodeId) -> Result<(), Error> {
        let doc = self.doc;
        self.start_element(apex, true)?;
        self.open.push(apex);
        let mut next = doc.first_child(apex);
        loop {
            let Some(node) = next else {
                let Some(element) = self.open.pop() else {
                    return Ok(());
                };
                self.end_element(element);
                if element == apex {
                    return Ok(());
                }
                next = doc.next_sibling(element);
                continue;
            };
            if Some(node) == self.omit {
                next = doc.next_sibling(node);
                continue;
            }
            self.check_output()?;
            match doc.kind(node) {
                NodeKind::Element(_) => {
                    self.start_element(node, false)?;
                    self.open.push(node);
                    next = doc.first_child(node);
                    continue;
                }
                NodeKind::Text(text) => write_text(&mut self.out, text),
                NodeKind::Comment(text) if self.with_comments => self.comment(text),
                NodeKind::ProcessingInstruction { target, data } => {
                    self.processing_instruction(target, data)
                }
                _ => {}
            }
            next = doc.next_sibling(node);
        }
    }

    fn end_element(&mut self, element: NodeId) {
        if let Some(name) = self.doc.name(element) {
            self.out.write(b"</");
            self.write_qname(name.prefix, name.local);
            self.out.write(b">");
        }
        self.rendered.leave();
        self.in_scope.leave();
    }

    fn write_qname(&mut self, prefix: Option<&str>, local: &str) {
        if let Some(prefix) = prefix {
            self.out.write(prefix.as_bytes());
            self.out.write(b":");
        }
        self.out.write(local.as_bytes());
    }

    fn start_element(&mut self, element: NodeId, apex: bool) -> Result<(), Error> {
        let doc = self.doc;
        let Some(name) = doc.name(element) else {
            return Ok(());
        };
        self.rendered.enter();
        self.in_scope.enter();
        for declaration in doc.namespace_declarations(element) {
            if !declaration.uri.is_empty() && !is_absolute_uri(declaration.uri) {
                return Err(Error::C14nRelativeNamespace {
                    path: doc.path(element),
                    uri: declaration.uri.to_owned(),
                });
            }
            self.in_scope
                .bind(declaration.prefix.unwrap_or(""), declaration.uri);
        }

        self.collect_attributes(element, apex);
        self.declarations.clear();
        match self.mode {
            Mode::Inclusive10 | Mode::Inclusive11 if apex => {
                for declaration in doc.in_scope_namespaces(element) {
                    self.declare_if_new(declaration.prefix.unwrap_or(""), declaration.uri);
                }
            }
            Mode::Inclusive10 | Mode::Inclusive11 => {
                for declaration in doc.namespace_declarations(element) {
                    self.declare_if_new(declaration.prefix.unwrap_or(""), declaration.uri);
                }
            }
            Mode::Exclusive10 => {
                self.declare_if_new(name.prefix.unwrap_or(""), name.namespace.unwrap_or(""));
                for index in 0..self.attributes.len() {
                    let attribute = &self.attributes[index];
                    if let Some(prefix) = attribute.prefix {
                        let namespace = attribute.namespace;
                        self.declare_if_new(prefix, namespace);
                    }
                }
                self.declare_inclusive_prefixes(element, apex);
            }
        }
        if self.declarations.len() > 1 {
            self.declarations.sort_unstable_by(|a, b| a.0.cmp(b.0));
        }
        for index in 0..self.declarations.len() {
            let (prefix, uri) = self.declarations[index];
            if !uri.is_empty() && !is_absolute_uri(uri) {
                return Err(Error::C14nRelativeNamespace {
                    path: doc.path(element),
                    uri: uri.to_owned(),
                });
            }
            self.rendered.bind(prefix, uri);
        }

        self.out.write(b"<");
        self.write_qname(name.prefix, name.local);
        for index in 0..self.declarations.len() {
            let (prefix, uri) = self.declarations[index];
            if prefix.is_empty() {
                self.out.write(b" xmlns=\"");
            } else {
                self.out.write(b" xmlns:");
                self.out.write(prefix.as_bytes());
                self.out.write(b"=\"");
            }
            write_attribute_value(&mut self.out, uri);
            self.out.write(b"\"");
        }
        let attributes = std::mem::take(&mut self.attributes);
        for attribute in &attributes {
            self.out.write(b" ");
            self.write_qname(attribute.prefix, attribute.local);
            self.out.write(b"=\"");
            write_attribute_value(&mut self.out, &attribute.value);
            self.out.write(b"\"");
        }
        self.attributes = attributes;
        self.out.write(b">");
        Ok(())
    }

    /// Exclusive C14N §3: a listed prefix is treated as inclusive C14N treats every prefix. After
    /// the apex has declared each listed prefix in scope there, the output matches the document
    /// for all of them, and only a declaration on an element can change that: so below the apex
    /// only the element's own declarations of listed prefixes are looked at. That keeps the work
    /// per element to its declarations rather than the list times the bindings in scope.
    fn declare_inclusive_prefixes(&mut self, element: NodeId, apex: bool) {
        if self.inclusive_prefixes.is_empty() {
            return;
        }
        if apex {
            for index in 0..self.inclusive_prefixes.len() {
                let prefix = self.inclusive_prefixes[index];
                if let Some(uri) = self.in_scope.lookup(prefix) {
                    self.declare_if_new(prefix, uri);
                }
            }
            return;
        }
        for declaration in self.doc.namespace_declarations(element) {
            let prefix = declaration.prefix.unwrap_or("");
            if self.inclusive_prefixes.binary_search(&prefix).is_ok() {
                self.declare_if_new(prefix, declaration.uri);
            }
        }
    }

    /// Queues `xmlns:prefix="uri"` unless the nearest output ancestor already declared the same
    /// (C14N 1.0 §2.3; exclusive C14N §3). The `xml` prefix is never declared; an empty default
    /// namespace is declared (`xmlns=""`) only to undo a non-empty one in the output.
    fn declare_if_new(&mut self, prefix: &'d str, uri: &'d str) {
        if prefix == "xml" || self.declarations.iter().any(|(p, _)| *p == prefix) {
            return;
        }
        let rendered = self.rendered.lookup(prefix);
        if rendered.is_some_and(|r| same_str(r, uri)) || (uri.is_empty() && rendered.is_none()) {
            return;
        }
        self.declarations.push((prefix, uri));
    }

    fn collect_attributes(&mut self, element: NodeId, apex: bool) {
        let doc = self.doc;
        self.attributes.clear();
        for attribute in doc.attributes(element) {
            self.attributes.push(OutAttribute {
                namespace: attribute.name.namespace.unwrap_or(""),
                prefix: attribute.name.prefix,
                local: attribute.name.local,
                value: Cow::Borrowed(attribute.value),
            });
        }
        if apex && self.mode != Mode::Exclusive10 {
            self.inherit_xml_attributes(element);
        }
        if self.attributes.len() > 1 {
            self.attributes.sort_unstable_by(|a, b| {
                let namespace = if same_str(a.namespace, b.namespace) {
                    std::cmp::Ordering::Equal
                } else {
                    a.namespace.cmp(b.namespace)
                };
                namespace.then_with(|| a.local.cmp(b.local))
            });
        }
    }

    /// C14N 1.0 §2.4: the apex of a subtree carries the `xml:*` attributes of its ancestors that
    /// it does not override (the nearest ancestor's wins). C14N 1.1 §2.4: only `xml:lang` and
    /// `xml:space` are inherited, `xml:id` never, and `xml:base` is joined with the ancestors'.
    fn inherit_xml_attributes(&mut self, apex: NodeId) {
        let doc = self.doc;
        let mut ancestor_bases: Vec<&'d str> = Vec::new();
        let mut current = doc.parent(apex);
        while let Some(ancestor) = current {
            for attribute in doc.attributes(ancestor) {
                if attribute.name.namespace != Some(XML_NAMESPACE) {
                    continue;
                }
                let local = attribute.name.local;
                if self.mode == Mode::Inclusive11 {
                    if local == "base" {
                        ancestor_bases.push(attribute.value);
                        continue;
                    }
                    if local != "lang" && local != "space" {
                        continue;
                    }
                }
                let present = self
                    .attributes
                    .iter()
                    .any(|a| a.namespace == XML_NAMESPACE && a.local == local);
                if !present {
                    self.attributes.push(OutAttribute {
                        namespace: XML_NAMESPACE,
                        prefix: Some("xml"),
                        local,
                        value: Cow::Borrowed(attribute.value),
                    });
                }
            }
            current = doc.parent(ancestor);
        }
        if ancestor_bases.is_empty() {
            return;
        }
        // Outermost base first; each inner value is resolved against what encloses it.
        let mut base = String::new();
        for value in ancestor_bases.iter().rev() {
            base = if base.is_empty() {
                (*value).to_owned()
            } else {
                xml_base::join(&base, value)
            };
        }
        let own = self
            .attributes
            .iter_mut()
            .find(|a| a.namespace == XML_NAMESPACE && a.local == "base");
        match own {
            Some(attribute) => {
                attribute.value = Cow::Owned(xml_base::join(&base, &attribute.value));
            }
            None => self.attributes.push(OutAttribute {
                namespace: XML_NAMESPACE,
                prefix: Some("xml"),
                local: "base",
                value: Cow::Owned(base),
            }),
        }
    }
}

/// String equality with a shortcut: fedkit-xml interns namespace URIs, so equal URIs from one
/// document are usually the same slice.
#[inline]
fn same_str(a: &str, b: &str) -> bool {
    (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b
}

/// Whether `uri` starts with a scheme (RFC 3986 §3.1: `ALPHA *( ALPHA / DIGIT / "+" / "-" / "."
/// ) ":"`), the test libxml2 applies before canonicalising namespace URIs.
fn is_absolute_uri(uri: &str) -> bool {
    let Some((scheme, _)) = uri.split_once(':') else {
        return false;
    };
    let mut bytes = scheme.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::is_absolute_uri;

    #[test]
    fn scheme_detection_follows_rfc3986() {
        for uri in [
            "urn:oasis:names:tc:SAML:2.0:assertion",
            "http://x",
            "foo:bar",
            "a+b.c-d:x",
        ] {
            assert!(is_absolute_uri(uri), "{uri}");
        }
        for uri in ["", "foo", "/abs/path", "1http://x", ":x", "a b:c", "../x:y"] {
            assert!(!is_absolute_uri(uri), "{uri}");
        }
    }
}
