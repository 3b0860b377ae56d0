//! Limits on untrusted input.

/// Bounds on what [`Document::parse_with`](crate::Document::parse_with) accepts. Every overrun is
/// its own [`Error`](crate::Error) variant.
///
/// The defaults fit SAML messages and metadata with a wide margin (a signed SAML response is a few
/// kilobytes, ten or so elements deep) while keeping memory and time for a hostile document small.
/// Raise them for larger documents; there is no "unlimited" setting, but `usize::MAX` is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Input length in bytes, counted before any decoding (`too_large`). Default 1 MiB; never
    /// more than 2 GiB whatever is set, as the tree addresses its strings with 32-bit offsets
    /// (for ISO-8859-1 input, that ceiling applies to its length decoded to UTF-8).
    pub max_bytes: usize,
    /// Element nesting depth; the document element is depth 1 (`too_deep`). Default 64.
    pub max_depth: usize,
    /// Elements in the document (`too_many_elements`). Default 50 000.
    pub max_elements: usize,
    /// Attributes on one element, not counting namespace declarations (`too_many_attributes`).
    /// Default 64.
    pub max_attributes_per_element: usize,
    /// Bytes of one attribute value after normalisation (`attribute_value_too_long`). Default
    /// 64 KiB.
    pub max_attribute_value_len: usize,
    /// Bytes of one text node after reference expansion (`text_too_long`). Default 512 KiB, so an
    /// encrypted assertion's CipherValue fits.
    pub max_text_len: usize,
    /// Namespace declarations on one element (`too_many_namespace_declarations`). Default 32.
    pub max_namespace_declarations_per_element: usize,
    /// Namespace declarations in the whole document (`too_many_namespace_declarations_total`).
    /// Default 1024.
    pub max_namespace_declarations_total: usize,
}

impl Limits {
    /// The default limits (see each field).
    pub const DEFAULT: Limits = Limits {
        max_bytes: 1 << 20,
        max_depth: 64,
        max_elements: 50_000,
        max_attributes_per_element: 64,
        max_attribute_value_len: 64 << 10,
        max_text_len: 512 << 10,
        max_namespace_declarations_per_element: 32,
        max_namespace_declarations_total: 1024,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
