//! Reading the text-only values of a signature: `DigestValue`, `SignatureValue`,
//! `X509Certificate`.
//!
//! A value is the whole text content of its element, ASCII whitespace removed, decoded as strict
//! base64 (canonical padding, no stray bits). Child elements, comments and processing
//! instructions are refused: xml-crypto read only the text before a comment (CVE-2025-29775).

use base64::Engine as _;
use fedkit_xml::{Document, NodeId, NodeKind};

/// Why a value could not be read; the caller wraps it in the variant for its element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueFault {
    /// A child element, comment or processing instruction.
    NotPlainText,
    /// Not strict base64 after removing whitespace.
    NotBase64,
    /// Empty after removing whitespace.
    Empty,
}

impl ValueFault {
    pub(crate) fn reason(self) -> &'static str {
        match self {
            ValueFault::NotPlainText => "holds something other than text",
            ValueFault::NotBase64 => "not base64",
            ValueFault::Empty => "empty",
        }
    }
}

/// Decodes the base64 text of element `n`.
pub(crate) fn base64_text(doc: &Document, n: NodeId) -> Result<Vec<u8>, ValueFault> {
    let mut compact = Vec::new();
    for child in doc.children(n) {
        match doc.kind(child) {
            NodeKind::Text(text) => {
                // Whitespace is a line break every 64 or 76 characters, if any: copy the runs
                // between them whole rather than byte by byte.
                compact.reserve(text.len());
                for run in text
                    .as_bytes()
                    .split(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                {
                    compact.extend_from_slice(run);
                }
            }
            _ => return Err(ValueFault::NotPlainText),
        }
    }
    if compact.is_empty() {
        return Err(ValueFault::Empty);
    }
    base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .map_err(|_| ValueFault::NotBase64)
}

/// Whether text node content is only XML whitespace (allowed between structural elements).
pub(crate) fn is_whitespace(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value_of(xml: &str) -> Result<Vec<u8>, ValueFault> {
        let doc = Document::parse(xml.as_bytes()).expect("test XML parses");
        base64_text(&doc, doc.document_element())
    }

    // Expected bytes: RFC 4648 §10 test vectors ("foobar" is Zm9vYmFy).
    #[test]
    fn whitespace_anywhere_is_ignored() {
        assert_eq!(value_of("<v>Zm9v\n YmFy\r\n\t</v>"), Ok(b"foobar".to_vec()));
        assert_eq!(value_of("<v>Zm9vYg==</v>"), Ok(b"foob".to_vec()));
    }

    #[test]
    fn comment_inside_is_refused() {
        assert_eq!(
            value_of("<v>Zm9v<!-- x -->YmFy</v>"),
            Err(ValueFault::NotPlainText)
        );
        assert_eq!(
            value_of("<v>Zm9v<b/>YmFy</v>"),
            Err(ValueFault::NotPlainText)
        );
        assert_eq!(
            value_of("<v>Zm9v<?pi x?>YmFy</v>"),
            Err(ValueFault::NotPlainText)
        );
    }

    #[test]
    fn sloppy_base64_is_refused() {
        // Missing padding, non-canonical trailing bits, characters outside the alphabet.
        assert_eq!(value_of("<v>Zm9vYg</v>"), Err(ValueFault::NotBase64));
        assert_eq!(value_of("<v>Zm9vYh==</v>"), Err(ValueFault::NotBase64));
        assert_eq!(value_of("<v>Zm9v-mFy</v>"), Err(ValueFault::NotBase64));
        assert_eq!(value_of("<v> \n </v>"), Err(ValueFault::Empty));
        assert_eq!(value_of("<v/>"), Err(ValueFault::Empty));
    }
}
