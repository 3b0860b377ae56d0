//! Editing a tree: creating elements and text, inserting and detaching them (used to place a
//! signature into a document before it is written out).

use crate::chars::{is_ncname, is_whitespace_only};
use crate::error::Error;
use crate::namespace_uri::is_absolute_uri;
use crate::tree::{
    AttributeData, DeclarationData, Document, Edge, ElementData, NONE, Node, NodeData, NodeId,
    Span, XML_NAMESPACE, XMLNS_NAMESPACE,
};

/// An element for [`Document::create_element`]: its name, the namespaces it declares and its
/// attributes, in the order they will be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewElement<'a> {
    prefix: Option<&'a str>,
    local: &'a str,
    namespace: Option<&'a str>,
    declarations: Vec<(Option<&'a str>, &'a str)>,
    attributes: Vec<NewAttribute<'a>>,
}

/// `(Some((prefix, namespace)) or None, local, value)`.
type NewAttribute<'a> = (Option<(&'a str, &'a str)>, &'a str, &'a str);

impl<'a> NewElement<'a> {
    /// An element named `prefix:local` (or `local`) in `namespace`. The prefix must be declared
    /// on this element ([`declare`](Self::declare)) or on the element it is inserted under.
    pub fn new(prefix: Option<&'a str>, local: &'a str, namespace: Option<&'a str>) -> Self {
        NewElement {
            prefix,
            local,
            namespace,
            declarations: Vec::new(),
            attributes: Vec::new(),
        }
    }

    /// Adds the declaration `xmlns:prefix="uri"` (`xmlns="uri"` for `None`).
    pub fn declare(mut self, prefix: Option<&'a str>, uri: &'a str) -> Self {
        self.declarations.push((prefix, uri));
        self
    }

    /// Adds the unprefixed attribute `local="value"`.
    pub fn attribute(mut self, local: &'a str, value: &'a str) -> Self {
        self.attributes.push((None, local, value));
        self
    }

    /// Adds the attribute `prefix:local="value"` in `namespace`.
    pub fn attribute_ns(
        mut self,
        prefix: &'a str,
        namespace: &'a str,
        local: &'a str,
        value: &'a str,
    ) -> Self {
        self.attributes
            .push((Some((prefix, namespace)), local, value));
        self
    }
}

fn invalid_name(name: &str) -> Error {
    Error::InvalidName {
        name: name.to_owned(),
    }
}

fn check_ncname(name: &str) -> Result<(), Error> {
    if is_ncname(name) {
        Ok(())
    } else {
        Err(invalid_name(name))
    }
}

impl Document {
    fn push_str(&mut self, s: &str) -> Span {
        let start = self.buf.len() as u32;
        self.buf.push_str(s);
        Span {
            start,
            len: s.len() as u32,
        }
    }

    fn intern_namespace(&mut self, uri: &str) -> u32 {
        if let Some(index) = self
            .namespaces
            .iter()
            .position(|span| self.str_of(*span) == uri)
        {
            return index as u32;
        }
        let span = self.push_str(uri);
        self.namespaces.push(span);
        (self.namespaces.len() - 1) as u32
    }

    fn push_detached(&mut self, data: NodeData) -> NodeId {
        self.nodes.push(Node {
            data,
            parent: NONE,
            first_child: NONE,
            last_child: NONE,
            prev_sibling: NONE,
            next_sibling: NONE,
            offset: NONE,
        });
        NodeId((self.nodes.len() - 1) as u32)
    }

    /// Creates a detached element; insert it with [`append_child`](Self::append_child),
    /// [`insert_before`](Self::insert_before) or [`insert_after`](Self::insert_after).
    ///
    /// Fails with [`Error::InvalidName`] for a name that is not an NCName, an empty namespace,
    /// a reserved prefix or namespace, or a repeated attribute; with [`Error::DuplicateId`] if an
    /// `ID`, `Id` or `xml:id` value is already in use.
    pub fn create_element(&mut self, element: &NewElement<'_>) -> Result<NodeId, Error> {
        check_ncname(element.local)?;
        if let Some(prefix) = element.prefix {
            check_ncname(prefix)?;
            if prefix == "xmlns" || element.namespace.is_none() {
                return Err(invalid_name(prefix));
            }
        }
        if let Some(namespace) = element.namespace
            && !is_absolute_uri(namespace)
        {
            return Err(invalid_name(namespace));
        }
        for (i, (prefix, uri)) in element.declarations.iter().enumerate() {
            let reserved = match prefix {
                Some("xml") => *uri != XML_NAMESPACE,
                Some("xmlns") => true,
                Some(p) => !is_ncname(p) || uri.is_empty() || *uri == XML_NAMESPACE,
                None => *uri == XML_NAMESPACE,
            } || *uri == XMLNS_NAMESPACE
                || !(uri.is_empty() || is_absolute_uri(uri));
            let repeated = element
                .declarations
                .get(..i)
                .is_some_and(|earlier| earlier.iter().any(|(p, _)| p == prefix));
            if reserved || repeated {
                return Err(invalid_name(prefix.unwrap_or("xmlns")));
            }
        }
        let mut new_ids = Vec::new();
        for (i, (ns, local, value)) in element.attributes.iter().enumerate() {
            check_ncname(local)?;
            if let Some((prefix, namespace)) = ns {
                check_ncname(prefix)?;
                if !is_absolute_uri(namespace)
                    || *prefix == "xmlns"
                    || *namespace == XMLNS_NAMESPACE
                {
                    return Err(invalid_name(prefix));
                }
            }
            let repeated = element.attributes.get(..i).is_some_and(|earlier| {
                earlier.iter().any(|(other_ns, other_local, _)| {
                    other_local == local && other_ns.map(|(_, n)| n) == ns.map(|(_, n)| n)
                })
            });
            if repeated {
                return Err(invalid_name(local));
            }
            let is_id = match ns {
                None => matches!(*local, "ID" | "Id"),
                Some((_, namespace)) => *namespace == XML_NAMESPACE && *local == "id",
            };
            if is_id {
                if self.ids_position(value).is_ok() || new_ids.contains(value) {
                    return Err(Error::DuplicateId {
                        id: (*value).to_owned(),
                        at: crate::Location::default(),
                    });
                }
                new_ids.push(*value);
            }
        }

        let declarations_start = self.declarations.len() as u32;
        for (prefix, uri) in &element.declarations {
            let prefix = prefix.map(|p| self.push_str(p)).unwrap_or(Span::EMPTY);
            let namespace = if uri.is_empty() {
                NONE
            } else {
                self.intern_namespace(uri)
            };
            self.declarations
                .push(DeclarationData { prefix, namespace });
        }
        let attributes_start = self.attributes.len() as u32;
        let node = NodeId(self.nodes.len() as u32);
        for (ns, local, value) in &element.attributes {
            let (prefix, namespace) = match ns {
                Some((prefix, namespace)) => {
                    (self.push_str(prefix), self.intern_namespace(namespace))
                }
                None => (Span::EMPTY, NONE),
            };
            let local = self.push_str(local);
            let value_span = self.push_str(value);
            self.attributes.push(AttributeData {
                prefix,
                local,
                namespace,
                value: value_span,
            });
            if new_ids.contains(value) {
                let position = self.ids_position(value).unwrap_or_else(|p| p);
                self.ids.insert(position, (value_span, node.0));
            }
        }
        let prefix = element
            .prefix
            .map(|p| self.push_str(p))
            .unwrap_or(Span::EMPTY);
        let local = self.push_str(element.local);
        let namespace = element
            .namespace
            .map(|uri| self.intern_namespace(uri))
            .unwrap_or(NONE);
        self.elements.push(ElementData {
            prefix,
            local,
            namespace,
            attributes_start,
            attributes_len: self.attributes.len() as u32 - attributes_start,
            declarations_start,
            declarations_len: self.declarations.len() as u32 - declarations_start,
        });
        let index = (self.elements.len() - 1) as u32;
        Ok(self.push_detached(NodeData::Element(index)))
    }

    fn ids_position(&self, id: &str) -> Result<usize, usize> {
        self.ids
            .binary_search_by(|(span, _)| self.str_of(*span).cmp(id))
    }

    /// Creates a detached text node. Inserting it right beside another text node gives two
    /// text nodes that a parser would read back as one; append to the existing text instead.
    pub fn create_text(&mut self, text: &str) -> NodeId {
        let span = self.push_str(text);
        self.push_detached(NodeData::Text(span))
    }

    /// Creates a detached comment. Fails with [`Error::InvalidName`] if `text` contains `--`
    /// or ends with `-`, which a comment cannot hold.
    pub fn create_comment(&mut self, text: &str) -> Result<NodeId, Error> {
        if text.contains("--") || text.ends_with('-') {
            return Err(invalid_name(text));
        }
        let span = self.push_str(text);
        Ok(self.push_detached(NodeData::Comment(span)))
    }

    /// Appends the detached node `child` as the last child of `parent`.
    pub fn append_child(&mut self, parent: NodeId, child: NodeId) -> Result<(), Error> {
        let before = self.last_child(parent);
        self.insert(parent, before, child)
    }

    /// Inserts the detached node `child` as the sibling before `reference`.
    pub fn insert_before(&mut self, reference: NodeId, child: NodeId) -> Result<(), Error> {
        let parent = self.parent(reference).ok_or(Error::InvalidNode {
            reason: "the reference node has no parent",
        })?;
        let after = self.previous_sibling(reference);
        self.insert(parent, after, child)
    }

    /// Inserts the detached node `child` as the sibling after `reference`.
    pub fn insert_after(&mut self, reference: NodeId, child: NodeId) -> Result<(), Error> {
        let parent = self.parent(reference).ok_or(Error::InvalidNode {
            reason: "the reference node has no parent",
        })?;
        self.insert(parent, Some(reference), child)
    }

    /// Removes `n` (and its subtree) from its parent. The document element cannot be detached.
    pub fn detach(&mut self, n: NodeId) -> Result<(), Error> {
        if n == self.root() || n == self.document_element() {
            return Err(Error::InvalidNode {
                reason: "the document node and the document element cannot be detached",
            });
        }
        if self.nodes.get(n.0 as usize).is_none() {
            return Err(Error::InvalidNode {
                reason: "node from another document",
            });
        }
        self.unlink(n);
        Ok(())
    }

    fn unlink(&mut self, n: NodeId) {
        let Some(node) = self.nodes.get(n.0 as usize).copied() else {
            return;
        };
        if let Some(prev) = self.nodes.get_mut(node.prev_sibling as usize) {
            prev.next_sibling = node.next_sibling;
        } else if let Some(parent) = self.nodes.get_mut(node.parent as usize) {
            parent.first_child = node.next_sibling;
        }
        if let Some(next) = self.nodes.get_mut(node.next_sibling as usize) {
            next.prev_sibling = node.prev_sibling;
        } else if let Some(parent) = self.nodes.get_mut(node.parent as usize) {
            parent.last_child = node.prev_sibling;
        }
        if let Some(detached) = self.nodes.get_mut(n.0 as usize) {
            detached.parent = NONE;
            detached.prev_sibling = NONE;
            detached.next_sibling = NONE;
        }
    }

    /// Links detached `child` under `parent` after `after` (first if `None`), then checks that
    /// every prefix in the subtree resolves to the namespace it was created with.
    fn insert(
        &mut self,
        parent: NodeId,
        after: Option<NodeId>,
        child: NodeId,
    ) -> Result<(), Error> {
        let invalid = |reason| Err(Error::InvalidNode { reason });
        let (Some(parent_node), Some(child_node)) = (
            self.nodes.get(parent.0 as usize).copied(),
            self.nodes.get(child.0 as usize).copied(),
        ) else {
            return invalid("node from another document");
        };
        if child_node.parent != NONE || child == self.root() {
            return invalid("the node to insert is already in the tree");
        }
        if self.is_ancestor_or_self(child, parent) {
            return invalid("a node cannot be inserted inside itself");
        }
        match parent_node.data {
            NodeData::Element(_) => {}
            NodeData::Document => match child_node.data {
                NodeData::Element(_) => return invalid("the document has a document element"),
                NodeData::Text(span) if !is_whitespace_only(self.str_of(span)) => {
                    return invalid("text outside the document element");
                }
                NodeData::Text(_) => return invalid("text outside the document element"),
                _ => {}
            },
            _ => return invalid("only elements and the document node have children"),
        }
        let next = match after {
            Some(a) => self
                .nodes
                .get(a.0 as usize)
                .map(|n| n.next_sibling)
                .unwrap_or(NONE),
            None => parent_node.first_child,
        };
        let prev = after.map(|a| a.0).unwrap_or(NONE);
        if let Some(c) = self.nodes.get_mut(child.0 as usize) {
            c.parent = parent.0;
            c.prev_sibling = prev;
            c.next_sibling = next;
        }
        match self.nodes.get_mut(prev as usize) {
            Some(p) => p.next_sibling = child.0,
            None => {
                if let Some(p) = self.nodes.get_mut(parent.0 as usize) {
                    p.first_child = child.0;
                }
            }
        }
        match self.nodes.get_mut(next as usize) {
            Some(n) => n.prev_sibling = child.0,
            None => {
                if let Some(p) = self.nodes.get_mut(parent.0 as usize) {
                    p.last_child = child.0;
                }
            }
        }
        if let Some(prefix) = self.first_unresolved_prefix(child) {
            self.unlink(child);
            return Err(Error::NamespaceNotInScope { prefix });
        }
        Ok(())
    }

    /// The first prefix in `subtree` (empty for the default namespace of an unprefixed
    /// element) that does not resolve, where it now sits, to the namespace it was created with.
    fn first_unresolved_prefix(&self, subtree: NodeId) -> Option<String> {
        let resolves =
            |n, prefix: Option<&str>, namespace| self.lookup_namespace(n, prefix) == namespace;
        for edge in self.traverse(subtree) {
            let Edge::Open(n) = edge else { continue };
            let Some(name) = self.name(n) else { continue };
            if !resolves(n, name.prefix, name.namespace) {
                return Some(name.prefix.unwrap_or("").to_owned());
            }
            for attribute in self.attributes(n) {
                let prefix = attribute.name.prefix;
                if prefix.is_some() && !resolves(n, prefix, attribute.name.namespace) {
                    return prefix.map(str::to_owned);
                }
            }
        }
        None
    }
}
