//! Namespace scope stacks: which prefix bindings the canonical output has declared so far, and
//! which the document has in scope, both as one flat vector with a mark per open element.
//!
//! Lookups scan from the innermost binding outwards. Declarations per element and per document
//! are bounded by fedkit-xml's limits, and real documents hold a handful, so a flat scan beats a
//! hash map here; nothing walks the ancestors of an element.

/// A stack of `(prefix, namespace URI)` bindings, `""` being the default namespace.
#[derive(Default)]
pub(crate) struct NamespaceStack<'d> {
    bindings: Vec<(&'d str, &'d str)>,
    marks: Vec<usize>,
}

impl<'d> NamespaceStack<'d> {
    /// Opens the scope of an element.
    pub(crate) fn enter(&mut self) {
        self.marks.push(self.bindings.len());
    }

    /// Closes the innermost scope, dropping the bindings made in it.
    pub(crate) fn leave(&mut self) {
        if let Some(mark) = self.marks.pop() {
            self.bindings.truncate(mark);
        }
    }

    /// Binds `prefix` in the innermost scope.
    pub(crate) fn bind(&mut self, prefix: &'d str, uri: &'d str) {
        self.bindings.push((prefix, uri));
    }

    /// The innermost binding of `prefix`; the default namespace is `""` when never bound (that is
    /// what the empty output and the empty document start with).
    pub(crate) fn lookup(&self, prefix: &str) -> Option<&'d str> {
        match self
            .bindings
            .iter()
            .rev()
            .find(|(bound, _)| *bound == prefix)
        {
            Some((_, uri)) => Some(uri),
            None if prefix.is_empty() => Some(""),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::NamespaceStack;

    #[test]
    fn inner_binding_shadows_and_leave_restores() {
        let mut stack = NamespaceStack::default();
        stack.enter();
        stack.bind("a", "urn:outer");
        stack.enter();
        stack.bind("a", "urn:inner");
        stack.bind("", "urn:default");
        assert_eq!(stack.lookup("a"), Some("urn:inner"));
        assert_eq!(stack.lookup(""), Some("urn:default"));
        stack.leave();
        assert_eq!(stack.lookup("a"), Some("urn:outer"));
        assert_eq!(stack.lookup(""), Some(""));
        assert_eq!(stack.lookup("b"), None);
        stack.leave();
        stack.leave();
        assert_eq!(stack.lookup("a"), None);
    }
}
