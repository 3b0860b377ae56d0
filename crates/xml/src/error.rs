//! The one error type of fedkit-xml.

use std::fmt;

/// Where in the input (or the tree) an error happened.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// Byte offset into the parsed input as given, before any decoding from ISO-8859-1 (0 for
    /// errors raised while editing a tree).
    pub offset: usize,
    /// Path of the innermost element open at the error, e.g. `/samlp:Response/saml:Assertion[1]`;
    /// empty outside the document element.
    pub path: String,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "at byte {}", self.offset)
        } else {
            write!(f, "at byte {} in {}", self.offset, self.path)
        }
    }
}

/// Every way parsing or editing a document can fail.
///
/// Variants up to [`Error::InvalidNode`] are faults of the input (an attacker or a broken peer);
/// the last group ([`Error::InvalidNode`], [`Error::NamespaceNotInScope`], [`Error::InvalidName`])
/// are mistakes of the calling
/// program. Each has a stable snake_case [`code`](Error::code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is longer than [`Limits::max_bytes`](crate::Limits::max_bytes).
    #[error("document of {found} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// The configured limit.
        limit: usize,
        /// The input length.
        found: usize,
    },
    /// Elements are nested deeper than [`Limits::max_depth`](crate::Limits::max_depth).
    #[error("elements nested deeper than {limit} {at}")]
    TooDeep {
        /// The configured limit.
        limit: usize,
        /// Where.
        at: Location,
    },
    /// More elements than [`Limits::max_elements`](crate::Limits::max_elements).
    #[error("more than {limit} elements {at}")]
    TooManyElements {
        /// The configured limit.
        limit: usize,
        /// Where.
        at: Location,
    },
    /// An element has more attributes than
    /// [`Limits::max_attributes_per_element`](crate::Limits::max_attributes_per_element).
    #[error("more than {limit} attributes on one element {at}")]
    TooManyAttributes {
        /// The configured limit.
        limit: usize,
        /// Where.
        at: Location,
    },
    /// An attribute value (after normalisation) is longer than
    /// [`Limits::max_attribute_value_len`](crate::Limits::max_attribute_value_len).
    #[error("attribute value longer than {limit} bytes {at}")]
    AttributeValueTooLong {
        /// The configured limit.
        limit: usize,
        /// Where.
        at: Location,
    },
    /// A text node (after reference expansion) is longer than
    /// [`Limits::max_text_len`](crate::Limits::max_text_len).
    #[error("text node longer than {limit} bytes {at}")]
    TextTooLong {
        /// The configured limit.
        limit: usize,
        /// Where.
        at: Location,
    },
    /// One element declares more namespaces than
    /// [`Limits::max_namespace_declarations_per_element`](crate::Limits::max_namespace_declarations_per_element).
    #[error("more than {limit} namespace declarations on one element {at}")]
    TooManyNamespaceDeclarations {
        /// The configured limit.
        limit: usize,
        /// Where.
        at: Location,
    },
    /// The document declares more namespaces than
    /// [`Limits::max_namespace_declarations_total`](crate::Limits::max_namespace_declarations_total).
    #[error("more than {limit} namespace declarations in the document {at}")]
    TooManyNamespaceDeclarationsTotal {
        /// The configured limit.
        limit: usize,
        /// Where.
        at: Location,
    },
    /// A `<!DOCTYPE` declaration: DTDs are never processed (XXE, entity expansion bombs).
    #[error("DOCTYPE declarations are forbidden {at}")]
    DtdForbidden {
        /// Where.
        at: Location,
    },
    /// An entity reference other than the five predefined ones (`&lt;` `&gt;` `&amp;` `&apos;`
    /// `&quot;`); without a DTD no other entity can be defined.
    #[error("undefined entity &{name}; {at}")]
    UndefinedEntity {
        /// The entity name as written.
        name: String,
        /// Where.
        at: Location,
    },
    /// A character reference that is malformed or names a character XML does not allow.
    #[error("invalid character reference &{reference}; {at}")]
    InvalidCharacterReference {
        /// The reference as written, without `&` and `;`.
        reference: String,
        /// Where.
        at: Location,
    },
    /// The input is not valid UTF-8.
    #[error("input is not UTF-8 {at}")]
    InvalidUtf8 {
        /// Where.
        at: Location,
    },
    /// The XML declaration names an encoding other than UTF-8, ISO-8859-1 (also `ISO_8859-1`,
    /// `latin1`, `l1`) and US-ASCII (`ASCII`), in any case, or the input starts with a UTF-16
    /// byte order mark. Look-alikes such as windows-1252 and ISO-8859-15 are refused too: they
    /// map some bytes to other characters than ISO-8859-1 does.
    #[error("unsupported encoding {encoding:?} {at}")]
    UnsupportedEncoding {
        /// The encoding named (or `UTF-16` for a UTF-16 byte order mark).
        encoding: String,
        /// Where.
        at: Location,
    },
    /// The input starts with a UTF-8 byte order mark but its XML declaration names another
    /// encoding. Peers disagree on which wins (libxml2 2.9 decodes by the declaration, libxml2
    /// 2.14 by the mark), so the document could be read two ways.
    #[error("UTF-8 byte order mark but encoding {declared:?} declared {at}")]
    EncodingConflict {
        /// The encoding the declaration names.
        declared: String,
        /// Where.
        at: Location,
    },
    /// The XML declaration names US-ASCII but the input has a byte above 0x7F.
    #[error("byte above 0x7F in a document declared US-ASCII {at}")]
    InvalidAscii {
        /// Where.
        at: Location,
    },
    /// The XML declaration is malformed or names a version other than 1.0.
    #[error("malformed XML declaration {at}")]
    InvalidDeclaration {
        /// Where.
        at: Location,
    },
    /// A character that XML 1.0 does not allow (most C0 controls, U+FFFE, U+FFFF).
    #[error("character U+{code_point:04X} is not allowed in XML {at}")]
    InvalidCharacter {
        /// The offending code point.
        code_point: u32,
        /// Where.
        at: Location,
    },
    /// An element, attribute or processing-instruction name that is not an XML name (or, with
    /// namespaces, not a QName).
    #[error("invalid name {name:?} {at}")]
    InvalidQName {
        /// The name as written.
        name: String,
        /// Where.
        at: Location,
    },
    /// Input that is not well-formed XML in a way no more specific variant covers (unclosed
    /// tags, a `<` in an attribute value, `]]>` in text, `--` in a comment, a missing `=`...).
    #[error("malformed XML: {reason} {at}")]
    Malformed {
        /// What the parser expected.
        reason: &'static str,
        /// Where.
        at: Location,
    },
    /// An end tag that does not match the open element.
    #[error("end tag </{found}> does not match <{expected}> {at}")]
    MismatchedEndTag {
        /// The open element's qualified name.
        expected: String,
        /// The end tag's name.
        found: String,
        /// Where.
        at: Location,
    },
    /// The input ends before the document element is closed, or has no document element.
    #[error("unexpected end of input {at}")]
    UnexpectedEof {
        /// Where.
        at: Location,
    },
    /// Non-whitespace text, or a second element, outside the document element.
    #[error("content outside the document element {at}")]
    ContentOutsideRoot {
        /// Where.
        at: Location,
    },
    /// The same attribute (by qualified name, or by namespace URI and local name) appears twice
    /// on one element.
    #[error("duplicate attribute {name:?} {at}")]
    DuplicateAttribute {
        /// The attribute's qualified name.
        name: String,
        /// Where.
        at: Location,
    },
    /// A prefix used on an element or attribute that no enclosing element declares.
    #[error("unbound namespace prefix {prefix:?} {at}")]
    UnboundPrefix {
        /// The prefix.
        prefix: String,
        /// Where.
        at: Location,
    },
    /// A namespace declaration that the Namespaces in XML 1.0 rules forbid: declaring `xmlns`,
    /// binding `xml` to another URI or another prefix to the `xml`/`xmlns` URIs, `xmlns:p=""`,
    /// or an element named with the `xmlns` prefix.
    #[error("reserved namespace prefix or URI misused ({reason}) {at}")]
    ReservedNamespace {
        /// Which rule.
        reason: &'static str,
        /// Where.
        at: Location,
    },
    /// A namespace declaration whose URI is not an absolute URI (RFC 3986 syntax, ASCII). libxml2
    /// reports these as namespace errors and its canonicaliser refuses relative ones, so such a
    /// document could not be verified the same way by libxmlsec1 peers.
    #[error("namespace URI {uri:?} is not an absolute URI {at}")]
    InvalidNamespaceUri {
        /// The URI as declared.
        uri: String,
        /// Where.
        at: Location,
    },
    /// Two elements carry the same ID value (in `ID`, `Id` or `xml:id`). SAML and XML-DSig need
    /// an ID to name exactly one element; a duplicate is the shape of a signature-wrapping attack.
    #[error("duplicate ID {id:?} {at}")]
    DuplicateId {
        /// The ID value.
        id: String,
        /// Where the second occurrence is.
        at: Location,
    },
    /// Caller mistake: a `NodeId` that does not belong to this document, or an edit that would
    /// break the tree (a child under a non-element, a second document element, inserting a node
    /// that is already attached).
    #[error("invalid node for this operation: {reason}")]
    InvalidNode {
        /// What was wrong.
        reason: &'static str,
    },
    /// Caller mistake: an inserted element or attribute uses a prefix (empty for the default
    /// namespace) that is not bound, at its new place, to the namespace it was created with.
    #[error("prefix {prefix:?} is not bound to the node's namespace where it was inserted")]
    NamespaceNotInScope {
        /// The prefix.
        prefix: String,
    },
    /// Caller mistake: a name passed to the tree builder that is not an NCName, or a namespace
    /// URI that is empty where one is needed.
    #[error("invalid name {name:?} given to the tree builder")]
    InvalidName {
        /// The name given.
        name: String,
    },
}

/// The `at` field of an error, borrowed as `$error` is (shared or mutable).
macro_rules! location_of {
    ($error:expr) => {
        match $error {
            Error::TooDeep { at, .. }
            | Error::TooManyElements { at, .. }
            | Error::TooManyAttributes { at, .. }
            | Error::AttributeValueTooLong { at, .. }
            | Error::TextTooLong { at, .. }
            | Error::TooManyNamespaceDeclarations { at, .. }
            | Error::TooManyNamespaceDeclarationsTotal { at, .. }
            | Error::DtdForbidden { at }
            | Error::UndefinedEntity { at, .. }
            | Error::InvalidCharacterReference { at, .. }
            | Error::InvalidUtf8 { at }
            | Error::UnsupportedEncoding { at, .. }
            | Error::EncodingConflict { at, .. }
            | Error::InvalidAscii { at }
            | Error::InvalidDeclaration { at }
            | Error::InvalidCharacter { at, .. }
            | Error::InvalidQName { at, .. }
            | Error::Malformed { at, .. }
            | Error::MismatchedEndTag { at, .. }
            | Error::UnexpectedEof { at }
            | Error::ContentOutsideRoot { at }
            | Error::DuplicateAttribute { at, .. }
            | Error::UnboundPrefix { at, .. }
            | Error::ReservedNamespace { at, .. }
            | Error::InvalidNamespaceUri { at, .. }
            | Error::DuplicateId { at, .. } => Some(at),
            Error::TooLarge { .. }
            | Error::InvalidNode { .. }
            | Error::NamespaceNotInScope { .. }
            | Error::InvalidName { .. } => None,
        }
    };
}

impl Error {
    /// A stable snake_case identifier for this kind of error, for logs and for programs that
    /// must tell failures apart.
    pub fn code(&self) -> &'static str {
        match self {
            Error::TooLarge { .. } => "too_large",
            Error::TooDeep { .. } => "too_deep",
            Error::TooManyElements { .. } => "too_many_elements",
            Error::TooManyAttributes { .. } => "too_many_attributes",
            Error::AttributeValueTooLong { .. } => "attribute_value_too_long",
            Error::TextTooLong { .. } => "text_too_long",
            Error::TooManyNamespaceDeclarations { .. } => "too_many_namespace_declarations",
            Error::TooManyNamespaceDeclarationsTotal { .. } => {
                "too_many_namespace_declarations_total"
            }
            Error::DtdForbidden { .. } => "dtd_forbidden",
            Error::UndefinedEntity { .. } => "undefined_entity",
            Error::InvalidCharacterReference { .. } => "invalid_character_reference",
            Error::InvalidUtf8 { .. } => "invalid_utf8",
            Error::UnsupportedEncoding { .. } => "unsupported_encoding",
            Error::EncodingConflict { .. } => "encoding_conflict",
            Error::InvalidAscii { .. } => "invalid_ascii",
            Error::InvalidDeclaration { .. } => "invalid_declaration",
            Error::InvalidCharacter { .. } => "invalid_character",
            Error::InvalidQName { .. } => "invalid_name",
            Error::Malformed { .. } => "malformed",
            Error::MismatchedEndTag { .. } => "mismatched_end_tag",
            Error::UnexpectedEof { .. } => "unexpected_eof",
            Error::ContentOutsideRoot { .. } => "content_outside_root",
            Error::DuplicateAttribute { .. } => "duplicate_attribute",
            Error::UnboundPrefix { .. } => "unbound_prefix",
            Error::ReservedNamespace { .. } => "reserved_namespace",
            Error::InvalidNamespaceUri { .. } => "invalid_namespace_uri",
            Error::DuplicateId { .. } => "duplicate_id",
            Error::InvalidNode { .. } => "invalid_node",
            Error::NamespaceNotInScope { .. } => "namespace_not_in_scope",
            Error::InvalidName { .. } => "invalid_builder_name",
        }
    }

    /// The location of the error, if it has one.
    pub fn location(&self) -> Option<&Location> {
        location_of!(self)
    }

    /// The location to rewrite when offsets in decoded text are mapped back to the input.
    pub(crate) fn location_mut(&mut self) -> Option<&mut Location> {
        location_of!(self)
    }
}
