//! XML canonicalization: exclusive C14N 1.0 (what SAML signs with), inclusive C14N 1.0 and 1.1
//! (for verifying others' signatures), each with or without comments.
//!
//! [`canonicalize_into`] walks a [`fedkit_xml::Document`] once, iteratively, and hands the
//! canonical bytes to a [`C14nSink`] in large slices, so a digest can be fed while canonicalising
//! without building the output. Canonicalising an element gives what a same-document reference
//! (`URI="#id"`) to it digests: the element's subtree as a document subset, with the namespace
//! context (and, for inclusive C14N, the inherited `xml:*` attributes) the specifications require.
//! The enveloped-signature transform is the `omit` argument: that subtree is left out wholly.
//!
//! ```
//! use fedkit_xmldsig::c14n::{canonicalize, C14nMethod};
//!
//! let doc = fedkit_xml::Document::parse(
//!     br#"<r xmlns:a="urn:a" xmlns:unused="urn:u"><a:e b="2" a:x='&lt;"'/></r>"#,
//! )?;
//! let e = doc.child_elements(doc.document_element()).next().unwrap();
//! let method = C14nMethod::Exclusive10 { with_comments: false, inclusive_prefixes: vec![] };
//! let bytes = canonicalize(&doc, e, &method, None)?;
//! assert_eq!(bytes, br#"<a:e xmlns:a="urn:a" b="2" a:x="&lt;&quot;"></a:e>"#);
//! # Ok::<(), fedkit_xmldsig::Error>(())
//! ```

mod escape;
mod namespaces;
mod output;
mod render;
mod xml_base;

use crate::Error;
use fedkit_xml::{Document, NodeId};

/// A canonicalization algorithm, as named by a `CanonicalizationMethod` or `Transform`
/// `Algorithm` URI.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum C14nMethod {
    /// Canonical XML 1.0, `http://www.w3.org/TR/2001/REC-xml-c14n-20010315` (`#WithComments`).
    /// A subtree carries every namespace in scope and inherits the `xml:*` attributes of its
    /// ancestors.
    Inclusive10 {
        /// Keep comments (the `#WithComments` variant).
        with_comments: bool,
    },
    /// Canonical XML 1.1, `http://www.w3.org/2006/12/xml-c14n11` (`#WithComments`): as 1.0, but
    /// a subtree inherits only `xml:lang` and `xml:space`, and its `xml:base` is joined with its
    /// ancestors' (§2.4).
    Inclusive11 {
        /// Keep comments (the `#WithComments` variant).
        with_comments: bool,
    },
    /// Exclusive XML Canonicalization 1.0, `http://www.w3.org/2001/10/xml-exc-c14n#`
    /// (`#WithComments`): an element declares only the namespaces it or its attributes use.
    Exclusive10 {
        /// Keep comments (the `#WithComments` variant).
        with_comments: bool,
        /// The `InclusiveNamespaces PrefixList`: prefixes treated as in inclusive C14N;
        /// `#default` names the default namespace.
        inclusive_prefixes: Vec<String>,
    },
}

const INCLUSIVE_10: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
const INCLUSIVE_10_WITH_COMMENTS: &str =
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments";
const INCLUSIVE_11: &str = "http://www.w3.org/2006/12/xml-c14n11";
const INCLUSIVE_11_WITH_COMMENTS: &str = "http://www.w3.org/2006/12/xml-c14n11#WithComments";
const EXCLUSIVE_10: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const EXCLUSIVE_10_WITH_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";

impl C14nMethod {
    /// The method an `Algorithm` URI names, `None` for any other URI. Exclusive methods come with
    /// an empty prefix list; the caller adds the `InclusiveNamespaces` one.
    pub fn from_uri(uri: &str) -> Option<Self> {
        Some(match uri {
            INCLUSIVE_10 => C14nMethod::Inclusive10 {
                with_comments: false,
            },
            INCLUSIVE_10_WITH_COMMENTS => C14nMethod::Inclusive10 {
                with_comments: true,
            },
            INCLUSIVE_11 => C14nMethod::Inclusive11 {
                with_comments: false,
            },
            INCLUSIVE_11_WITH_COMMENTS => C14nMethod::Inclusive11 {
                with_comments: true,
            },
            EXCLUSIVE_10 => C14nMethod::Exclusive10 {
                with_comments: false,
                inclusive_prefixes: Vec::new(),
            },
            EXCLUSIVE_10_WITH_COMMENTS => C14nMethod::Exclusive10 {
                with_comments: true,
                inclusive_prefixes: Vec::new(),
            },
            _ => return None,
        })
    }

    /// The `Algorithm` URI of this method.
    pub fn uri(&self) -> &'static str {
        match self {
            C14nMethod::Inclusive10 {
                with_comments: false,
            } => INCLUSIVE_10,
            C14nMethod::Inclusive10 {
                with_comments: true,
            } => INCLUSIVE_10_WITH_COMMENTS,
            C14nMethod::Inclusive11 {
                with_comments: false,
            } => INCLUSIVE_11,
            C14nMethod::Inclusive11 {
                with_comments: true,
            } => INCLUSIVE_11_WITH_COMMENTS,
            C14nMethod::Exclusive10 {
                with_comments: false,
                ..
            } => EXCLUSIVE_10,
            C14nMethod::Exclusive10 {
                with_comments: true,
                ..
            } => EXCLUSIVE_10_WITH_COMMENTS,
        }
    }

    /// Whether comments are kept.
    pub fn with_comments(&self) -> bool {
        match self {
            C14nMethod::Inclusive10 { with_comments }
            | C14nMethod::Inclusive11 { with_comments }
            | C14nMethod::Exclusive10 { with_comments, .. } => *with_comments,
        }
    }
}

/// Where canonical bytes go: a buffer, or a digest fed as the walk proceeds.
pub trait C14nSink {
    /// Appends `bytes` to the canonical output.
    fn write(&mut self, bytes: &[u8]);
}

impl C14nSink for Vec<u8> {
    fn write(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Bounds on canonicalisation. The canonical form of a document is not bounded by its size:
/// exclusive C14N repeats an ancestor's namespace declaration on every element that uses it, so
/// one long namespace URI and many small elements make a small input expand a thousandfold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct C14nLimits {
    /// Bytes of canonical output (`c14n_output_too_large`). Default 16 MiB: sixteen times
    /// fedkit-xml's default input limit, far above what any real document canonicalises to.
    pub max_output_bytes: usize,
    /// Entries in exclusive C14N's `InclusiveNamespaces PrefixList`, repeats included
    /// (`c14n_too_many_inclusive_prefixes`). Default 64: SAML signers list a handful, often none.
    pub max_inclusive_prefixes: usize,
}

impl C14nLimits {
    /// The default limits (see each field).
    pub const DEFAULT: C14nLimits = C14nLimits {
        max_output_bytes: 16 << 20,
        max_inclusive_prefixes: 64,
    };
}

impl Default for C14nLimits {
    fn default() -> Self {
        C14nLimits::DEFAULT
    }
}

/// Canonicalises `node` into `out`: the whole document when `node` is [`Document::root`], else
/// the subtree of element `node` as a same-document reference selects it. The subtree at `omit`
/// (the `ds:Signature` being verified, for the enveloped-signature transform) is left out.
///
/// Errors: [`Error::C14nNodeNotElement`] when `node` is neither the document node nor an element
/// of `doc`; [`Error::C14nRelativeNamespace`] when an output element declares or needs a relative
/// namespace URI, which C14N 1.0 §2 says implementations must refuse (fedkit-xml already refuses
/// those when parsing, so this is a second line of defence);
/// [`Error::C14nOutputTooLarge`] and [`Error::C14nTooManyInclusivePrefixes`] past
/// [`C14nLimits::DEFAULT`]. On error the sink may hold a prefix
/// of the output; discard it.
pub fn canonicalize_into(
    doc: &Document,
    node: NodeId,
    method: &C14nMethod,
    omit: Option<NodeId>,
    out: &mut dyn C14nSink,
) -> Result<(), Error> {
    canonicalize_into_with(doc, node, method, omit, &C14nLimits::DEFAULT, out)
}

/// [`canonicalize_into`] with other limits.
pub fn canonicalize_into_with(
    doc: &Document,
    node: NodeId,
    method: &C14nMethod,
    omit: Option<NodeId>,
    limits: &C14nLimits,
    out: &mut dyn C14nSink,
) -> Result<(), Error> {
    if let C14nMethod::Exclusive10 {
        inclusive_prefixes, ..
    } = method
        && inclusive_prefixes.len() > limits.max_inclusive_prefixes
    {
        return Err(Error::C14nTooManyInclusivePrefixes {
            limit: limits.max_inclusive_prefixes,
            found: inclusive_prefixes.len(),
        });
    }
    render::Renderer::new(doc, method, omit, limits, out).run(node)
}

/// [`canonicalize_into`] a fresh buffer.
pub fn canonicalize(
    doc: &Document,
    node: NodeId,
    method: &C14nMethod,
    omit: Option<NodeId>,
) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    canonicalize_into(doc, node, method, omit, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::C14nMethod;

    #[test]
    fn every_method_uri_round_trips() {
        for uri in [
            super::INCLUSIVE_10,
            super::INCLUSIVE_10_WITH_COMMENTS,
            super::INCLUSIVE_11,
            super::INCLUSIVE_11_WITH_COMMENTS,
            super::EXCLUSIVE_10,
            super::EXCLUSIVE_10_WITH_COMMENTS,
        ] {
            let method = C14nMethod::from_uri(uri).unwrap();
            assert_eq!(method.uri(), uri);
            assert_eq!(method.with_comments(), uri.ends_with("WithComments"));
        }
    }

    #[test]
    fn unknown_and_near_miss_uris_are_refused() {
        for uri in [
            "",
            "http://www.w3.org/2001/10/xml-exc-c14n",
            "http://www.w3.org/2001/10/xml-exc-c14n#withcomments",
            "http://www.w3.org/2006/12/xml-c14n11#",
            "http://www.w3.org/TR/1999/REC-xpath-19991116",
        ] {
            assert_eq!(C14nMethod::from_uri(uri), None, "{uri:?}");
        }
    }
}
