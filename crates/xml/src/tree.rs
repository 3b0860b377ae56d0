//! The arena tree: storage, navigation and the read-only views handed to callers.

use std::borrow::Cow;
use std::fmt;

/// The `xml` prefix's namespace, bound in every document (Namespaces in XML 1.0 §3).
pub const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";
/// The namespace of `xmlns` declarations, which no prefix may be bound to.
pub const XMLNS_NAMESPACE: &str = "http://www.w3.org/2000/xmlns/";

pub(crate) const NONE: u32 = u32::MAX;

/// A range of [`Document::buf`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Span {
    pub start: u32,
    pub len: u32,
}

impl Span {
    pub(crate) const EMPTY: Span = Span { start: 0, len: 0 };

    pub(crate) fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.start as usize + self.len as usize
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum NodeData {
    Document,
    /// Index into [`Document::elements`].
    Element(u32),
    Text(Span),
    Comment(Span),
    Pi {
        target: Span,
        data: Span,
    },
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Node {
    pub data: NodeData,
    pub parent: u32,
    pub first_child: u32,
    pub last_child: u32,
    pub prev_sibling: u32,
    pub next_sibling: u32,
    /// Byte offset in the parsed input, or [`NONE`] for nodes built by the caller.
    pub offset: u32,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct ElementData {
    /// `len == 0` means no prefix (an empty prefix is not a name).
    pub prefix: Span,
    pub local: Span,
    /// Index into [`Document::namespaces`] or [`NONE`].
    pub namespace: u32,
    pub attributes_start: u32,
    pub attributes_len: u32,
    pub declarations_start: u32,
    pub declarations_len: u32,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct AttributeData {
    pub prefix: Span,
    pub local: Span,
    pub namespace: u32,
    pub value: Span,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct DeclarationData {
    /// `len == 0` declares the default namespace.
    pub prefix: Span,
    /// Index into [`Document::namespaces`], or [`NONE`] for `xmlns=""`.
    pub namespace: u32,
}

/// A parsed XML document: an arena of nodes addressed by [`NodeId`].
///
/// All strings live in one buffer; nodes, attributes and namespace declarations in flat vectors,
/// so dropping a document of any depth is flat and cheap.
#[derive(Debug, Clone)]
pub struct Document {
    pub(crate) buf: String,
    pub(crate) nodes: Vec<Node>,
    pub(crate) elements: Vec<ElementData>,
    pub(crate) attributes: Vec<AttributeData>,
    pub(crate) declarations: Vec<DeclarationData>,
    /// Interned namespace URIs.
    pub(crate) namespaces: Vec<Span>,
    /// ID values and their elements, sorted by value.
    pub(crate) ids: Vec<(Span, u32)>,
}

/// A node of a [`Document`]. Only the document that made it can resolve it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub(crate) u32);

impl NodeId {
    fn index(self) -> usize {
        self.0 as usize
    }
}

/// A namespace-aware name of an element or attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Name<'d> {
    /// The prefix as written (`saml` in `saml:Assertion`), `None` when unprefixed.
    pub prefix: Option<&'d str>,
    /// The local part (`Assertion`).
    pub local: &'d str,
    /// The namespace URI the prefix (or the default namespace) resolved to; `None` for no
    /// namespace. Unprefixed attributes are in no namespace.
    pub namespace: Option<&'d str>,
}

impl Name<'_> {
    /// Whether this is `local` in namespace `namespace` (prefixes do not matter).
    pub fn is(&self, namespace: Option<&str>, local: &str) -> bool {
        self.local == local && self.namespace == namespace
    }
}

/// Prints the qualified name as written: `prefix:local` or `local`.
impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.prefix {
            Some(prefix) => write!(f, "{prefix}:{}", self.local),
            None => f.write_str(self.local),
        }
    }
}

/// An attribute (namespace declarations are not attributes; see [`NamespaceDeclaration`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute<'d> {
    /// The attribute's name.
    pub name: Name<'d>,
    /// The value after XML 1.0 attribute-value normalisation: literal tab, newline and carriage
    /// return (and CRLF) become one space each; character and predefined entity references are
    /// replaced by the character they name (so `&#xA;` stays a newline).
    pub value: &'d str,
}

/// A namespace declaration made on an element (`xmlns="…"` or `xmlns:p="…"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct NamespaceDeclaration<'d> {
    /// `None` for the default namespace.
    pub prefix: Option<&'d str>,
    /// The namespace URI; empty for the undeclaration `xmlns=""`.
    pub uri: &'d str,
}

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind<'d> {
    /// The document node: the root of the arena, parent of the document element and of the
    /// comments and processing instructions around it.
    Document,
    /// An element, with its name.
    Element(Name<'d>),
    /// Character data, after end-of-line handling and reference expansion; CDATA sections are
    /// text too. Adjacent text, references and CDATA form one node; a comment or processing
    /// instruction between them makes two.
    Text(&'d str),
    /// A comment's content (between `<!--` and `-->`).
    Comment(&'d str),
    /// A processing instruction. `data` has the whitespace after the target removed.
    ProcessingInstruction {
        /// The target name.
        target: &'d str,
        /// Everything after the target and the whitespace that follows it.
        data: &'d str,
    },
}

/// One step of a document-order walk: [`Document::traverse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// Entering a node (before its children). Non-element nodes are opened and closed at once.
    Open(NodeId),
    /// Leaving a node (after its children).
    Close(NodeId),
}

impl Document {
    pub(crate) fn str_of(&self, span: Span) -> &str {
        self.buf.get(span.range()).unwrap_or("")
    }

    fn node(&self, n: NodeId) -> Option<&Node> {
        self.nodes.get(n.index())
    }

    fn link(value: u32) -> Option<NodeId> {
        (value != NONE).then_some(NodeId(value))
    }

    pub(crate) fn namespace_str(&self, index: u32) -> Option<&str> {
        self.namespaces
            .get(index as usize)
            .map(|span| self.str_of(*span))
    }

    pub(crate) fn element_data(&self, n: NodeId) -> Option<&ElementData> {
        match self.node(n)?.data {
            NodeData::Element(index) => self.elements.get(index as usize),
            _ => None,
        }
    }

    fn prefix_of(&self, span: Span) -> Option<&str> {
        (span.len != 0).then(|| self.str_of(span))
    }

    /// The document node, root of the arena.
    pub fn root(&self) -> NodeId {
        NodeId(0)
    }

    /// The document element (there is always exactly one).
    pub fn document_element(&self) -> NodeId {
        self.children(self.root())
            .find(|child| self.is_element(*child))
            .unwrap_or(NodeId(0))
    }

    /// What `n` is.
    ///
    /// # Panics
    /// If `n` comes from another document (a programming error, not an input error).
    pub fn kind(&self, n: NodeId) -> NodeKind<'_> {
        let node = self
            .node(n)
            .unwrap_or_else(|| panic!("NodeId {} is not from this document", n.0));
        match node.data {
            NodeData::Document => NodeKind::Document,
            NodeData::Element(_) => match self.name(n) {
                Some(name) => NodeKind::Element(name),
                None => NodeKind::Document,
            },
            NodeData::Text(span) => NodeKind::Text(self.str_of(span)),
            NodeData::Comment(span) => NodeKind::Comment(self.str_of(span)),
            NodeData::Pi { target, data } => NodeKind::ProcessingInstruction {
                target: self.str_of(target),
                data: self.str_of(data),
            },
        }
    }

    /// Whether `n` is an element.
    pub fn is_element(&self, n: NodeId) -> bool {
        matches!(
            self.node(n).map(|node| node.data),
            Some(NodeData::Element(_))
        )
    }

    /// The name of element `n`, `None` for other nodes.
    pub fn name(&self, n: NodeId) -> Option<Name<'_>> {
        let element = self.element_data(n)?;
        Some(Name {
            prefix: self.prefix_of(element.prefix),
            local: self.str_of(element.local),
            namespace: self.namespace_str(element.namespace),
        })
    }

    /// The content of text node `n`, `None` for other nodes.
    pub fn text(&self, n: NodeId) -> Option<&str> {
        match self.node(n)?.data {
            NodeData::Text(span) => Some(self.str_of(span)),
            _ => None,
        }
    }

    /// The parent of `n` (`None` for the document node and for detached nodes).
    pub fn parent(&self, n: NodeId) -> Option<NodeId> {
        Self::link(self.node(n)?.parent)
    }

    /// The first child of `n`.
    pub fn first_child(&self, n: NodeId) -> Option<NodeId> {
        Self::link(self.node(n)?.first_child)
    }

    /// The last child of `n`.
    pub fn last_child(&self, n: NodeId) -> Option<NodeId> {
        Self::link(self.node(n)?.last_child)
    }

    /// The sibling after `n`.
    pub fn next_sibling(&self, n: NodeId) -> Option<NodeId> {
        Self::link(self.node(n)?.next_sibling)
    }

    /// The sibling before `n`.
    pub fn previous_sibling(&self, n: NodeId) -> Option<NodeId> {
        Self::link(self.node(n)?.prev_sibling)
    }

    /// The children of `n` in document order.
    pub fn children(&self, n: NodeId) -> Children<'_> {
        Children {
            doc: self,
            next: self.first_child(n),
        }
    }

    /// The element children of `n` in document order.
    pub fn child_elements(&self, n: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.children(n).filter(|child| self.is_element(*child))
    }

    /// The element children of `n` named `local` in namespace `namespace`.
    pub fn children_named<'a>(
        &'a self,
        n: NodeId,
        namespace: Option<&'a str>,
        local: &'a str,
    ) -> impl Iterator<Item = NodeId> + 'a {
        self.children(n).filter(move |child| {
            self.name(*child)
                .is_some_and(|name| name.is(namespace, local))
        })
    }

    /// A document-order walk of the subtree at `n` (including `n`), as open and close steps.
    /// Iterative: depth costs no stack.
    pub fn traverse(&self, n: NodeId) -> Traverse<'_> {
        Traverse {
            doc: self,
            root: n,
            next: self.node(n).map(|_| Edge::Open(n)),
        }
    }

    /// The subtree at `n` (including `n`) in document order.
    pub fn descendants(&self, n: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.traverse(n).filter_map(|edge| match edge {
            Edge::Open(node) => Some(node),
            Edge::Close(_) => None,
        })
    }

    /// Whether `ancestor` is `n` or one of its ancestors.
    pub fn is_ancestor_or_self(&self, ancestor: NodeId, n: NodeId) -> bool {
        let mut current = Some(n);
        while let Some(node) = current {
            if node == ancestor {
                return true;
            }
            current = self.parent(node);
        }
        false
    }

    /// The attributes of element `n` in document order (empty for other nodes). Namespace
    /// declarations are not included.
    pub fn attributes(&self, n: NodeId) -> Attributes<'_> {
        let range = self
            .element_data(n)
            .map(|e| e.attributes_start as usize..(e.attributes_start + e.attributes_len) as usize)
            .unwrap_or(0..0);
        Attributes {
            doc: self,
            inner: self.attributes.get(range).unwrap_or(&[]).iter(),
        }
    }

    /// The value of the attribute `local` in namespace `namespace` on element `n`.
    /// Unprefixed attributes are in no namespace: `doc.attribute(n, None, "ID")`.
    pub fn attribute(&self, n: NodeId, namespace: Option<&str>, local: &str) -> Option<&str> {
        self.attributes(n)
            .find(|a| a.name.is(namespace, local))
            .map(|a| a.value)
    }

    /// The namespace declarations made on element `n`, in document order (including `xmlns=""`).
    pub fn namespace_declarations(&self, n: NodeId) -> NamespaceDeclarations<'_> {
        let range = self
            .element_data(n)
            .map(|e| {
                e.declarations_start as usize..(e.declarations_start + e.declarations_len) as usize
            })
            .unwrap_or(0..0);
        NamespaceDeclarations {
            doc: self,
            inner: self.declarations.get(range).unwrap_or(&[]).iter(),
        }
    }

    /// The namespaces in scope at element `n`: for each prefix (and the default namespace) the
    /// nearest declaration on `n` or an ancestor, sorted by prefix with the default first.
    /// Undeclared defaults (`xmlns=""`) and the implicit `xml` binding are left out.
    pub fn in_scope_namespaces(&self, n: NodeId) -> Vec<NamespaceDeclaration<'_>> {
        let mut seen: Vec<NamespaceDeclaration<'_>> = Vec::new();
        let mut current = Some(n);
        while let Some(node) = current {
            for declaration in self.namespace_declarations(node) {
                if !seen.iter().any(|s| s.prefix == declaration.prefix) {
                    seen.push(declaration);
                }
            }
            current = self.parent(node);
        }
        seen.retain(|d| !d.uri.is_empty() && d.prefix != Some("xml"));
        seen.sort();
        seen
    }

    /// The namespace URI `prefix` (`None`: the default namespace) resolves to at element `n`.
    pub fn lookup_namespace(&self, n: NodeId, prefix: Option<&str>) -> Option<&str> {
        if prefix == Some("xml") {
            return Some(XML_NAMESPACE);
        }
        let mut current = Some(n);
        while let Some(node) = current {
            if let Some(d) = self
                .namespace_declarations(node)
                .find(|d| d.prefix == prefix)
            {
                return (!d.uri.is_empty()).then_some(d.uri);
            }
            current = self.parent(node);
        }
        None
    }

    /// The text of `n`: for a text node its content; for an element or the document node the
    /// concatenation of every descendant text node in document order (the XPath string-value,
    /// DOM `textContent`); comments and processing instructions contribute nothing. Never the
    /// first text node only: `a<!---->b` is `ab`.
    pub fn text_content(&self, n: NodeId) -> Cow<'_, str> {
        self.concat_text(self.descendants(n))
    }

    /// The concatenation of the direct text children of `n` (text inside child elements is not
    /// included). For values such as `DigestValue` that must be plain text, check
    /// [`child_elements`](Self::child_elements) is empty as well.
    pub fn child_text(&self, n: NodeId) -> Cow<'_, str> {
        self.concat_text(self.children(n))
    }

    fn concat_text(&self, nodes: impl Iterator<Item = NodeId>) -> Cow<'_, str> {
        let mut result: Cow<'_, str> = Cow::Borrowed("");
        for text in nodes.filter_map(|node| self.text(node)) {
            if result.is_empty() {
                result = Cow::Borrowed(text);
            } else {
                result.to_mut().push_str(text);
            }
        }
        result
    }

    /// The element whose ID is `id`. ID attributes are the unprefixed `ID` (SAML) and `Id`
    /// (XML-DSig, XML-Enc) and `xml:id`; a document in which two of them share a value is
    /// rejected when parsed (`duplicate_id`), so the answer is unique.
    pub fn element_by_id(&self, id: &str) -> Option<NodeId> {
        let index = self
            .ids
            .binary_search_by(|(span, _)| self.str_of(*span).cmp(id))
            .ok()?;
        let node = NodeId(self.ids.get(index)?.1);
        self.is_ancestor_or_self(self.root(), node).then_some(node)
    }

    /// Byte offset where `n` starts in the parsed input as given, before any decoding from
    /// ISO-8859-1 (`None` for the document node and for nodes built after parsing).
    pub fn source_offset(&self, n: NodeId) -> Option<usize> {
        let offset = self.node(n)?.offset;
        (offset != NONE && n != self.root()).then_some(offset as usize)
    }

    /// A readable path to `n` for error messages, e.g.
    /// `/samlp:Response/saml:Assertion[2]/ds:Signature`. A position `[k]` (1-based) is added
    /// where siblings share the qualified name; non-element nodes end in `text()`, `comment()`
    /// or `processing-instruction()`.
    pub fn path(&self, n: NodeId) -> String {
        let mut steps = Vec::new();
        let mut current = Some(n);
        while let Some(node) = current {
            if node == self.root() {
                break;
            }
            steps.push(self.step(node));
            current = self.parent(node);
        }
        let mut path = String::new();
        for step in steps.iter().rev() {
            path.push('/');
            path.push_str(step);
        }
        if path.is_empty() {
            path.push('/');
        }
        path
    }

    fn step(&self, n: NodeId) -> String {
        let Some(name) = self.name(n) else {
            return match self.kind(n) {
                NodeKind::Text(_) => "text()".to_owned(),
                NodeKind::Comment(_) => "comment()".to_owned(),
                _ => "processing-instruction()".to_owned(),
            };
        };
        let same = |other: &NodeId| {
            self.name(*other)
                .is_some_and(|o| o.prefix == name.prefix && o.local == name.local)
        };
        let siblings = self
            .parent(n)
            .map(|p| self.children(p).filter(same).count())
            .unwrap_or(1);
        if siblings > 1 {
            let mut position = 1;
            let mut previous = self.previous_sibling(n);
            while let Some(p) = previous {
                if same(&p) {
                    position += 1;
                }
                previous = self.previous_sibling(p);
            }
            format!("{name}[{position}]")
        } else {
            name.to_string()
        }
    }
}

/// Iterator over the children of a node: [`Document::children`].
#[derive(Debug, Clone)]
pub struct Children<'d> {
    doc: &'d Document,
    next: Option<NodeId>,
}

impl Iterator for Children<'_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        let current = self.next?;
        self.next = self.doc.next_sibling(current);
        Some(current)
    }
}

/// Iterator over a subtree as open/close steps: [`Document::traverse`].
#[derive(Debug, Clone)]
pub struct Traverse<'d> {
    doc: &'d Document,
    root: NodeId,
    next: Option<Edge>,
}

impl Iterator for Traverse<'_> {
    type Item = Edge;

    fn next(&mut self) -> Option<Edge> {
        let current = self.next?;
        self.next = match current {
            Edge::Open(n) => match self.doc.first_child(n) {
                Some(child) => Some(Edge::Open(child)),
                None => Some(Edge::Close(n)),
            },
            Edge::Close(n) if n == self.root => None,
            Edge::Close(n) => match self.doc.next_sibling(n) {
                Some(sibling) => Some(Edge::Open(sibling)),
                None => self.doc.parent(n).map(Edge::Close),
            },
        };
        Some(current)
    }
}

/// Iterator over an element's attributes: [`Document::attributes`].
#[derive(Debug, Clone)]
pub struct Attributes<'d> {
    doc: &'d Document,
    inner: std::slice::Iter<'d, AttributeData>,
}

impl<'d> Iterator for Attributes<'d> {
    type Item = Attribute<'d>;

    fn next(&mut self) -> Option<Attribute<'d>> {
        let a = self.inner.next()?;
        Some(Attribute {
            name: Name {
                prefix: self.doc.prefix_of(a.prefix),
                local: self.doc.str_of(a.local),
                namespace: self.doc.namespace_str(a.namespace),
            },
            value: self.doc.str_of(a.value),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl ExactSizeIterator for Attributes<'_> {}

/// Iterator over an element's namespace declarations: [`Document::namespace_declarations`].
#[derive(Debug, Clone)]
pub struct NamespaceDeclarations<'d> {
    doc: &'d Document,
    inner: std::slice::Iter<'d, DeclarationData>,
}

impl<'d> Iterator for NamespaceDeclarations<'d> {
    type Item = NamespaceDeclaration<'d>;

    fn next(&mut self) -> Option<NamespaceDeclaration<'d>> {
        let d = self.inner.next()?;
        Some(NamespaceDeclaration {
            prefix: self.doc.prefix_of(d.prefix),
            uri: self.doc.namespace_str(d.namespace).unwrap_or(""),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl ExactSizeIterator for NamespaceDeclarations<'_> {}
