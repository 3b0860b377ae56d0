//! The encodings fedkit-xml reads: UTF-8, and ISO-8859-1 or US-ASCII when the XML declaration
//! names them. Latin-1 input is decoded to UTF-8 before tokenising; offsets reported to callers
//! are mapped back to the input bytes.

use std::borrow::Cow;

use crate::error::{Error, Location};

/// The encoding a document is read in, from its XML declaration (UTF-8 without one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    /// ISO-8859-1: every byte is the code point of the same value (U+0000 to U+00FF).
    Latin1,
    /// US-ASCII: UTF-8 restricted to bytes below 0x80.
    Ascii,
}

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

impl Encoding {
    /// The encoding an `encoding="…"` label names (case-insensitive, XML 1.0 §4.3.3), or `None`
    /// for one we do not read. The Latin-1 and ASCII names are the IANA ones libxml2 accepts;
    /// windows-1252 and ISO-8859-15, which differ from Latin-1 in a few code points, are not.
    pub(crate) fn from_label(label: &str) -> Option<Encoding> {
        const LATIN1: [&str; 4] = ["ISO-8859-1", "ISO_8859-1", "latin1", "l1"];
        const ASCII: [&str; 2] = ["US-ASCII", "ASCII"];
        if label.eq_ignore_ascii_case("UTF-8") {
            Some(Encoding::Utf8)
        } else if LATIN1.iter().any(|name| label.eq_ignore_ascii_case(name)) {
            Some(Encoding::Latin1)
        } else if ASCII.iter().any(|name| label.eq_ignore_ascii_case(name)) {
            Some(Encoding::Ascii)
        } else {
            None
        }
    }

    /// The encoding `input` declares (UTF-8 when it has no declaration this can read; the
    /// declaration check on the decoded text then refuses a malformed one). An unknown label is
    /// refused before any byte is decoded, and so is a UTF-8 byte order mark before a
    /// declaration of another encoding, as peers disagree on which of the two wins (libxml2 2.9
    /// decodes by the declaration, libxml2 2.14 by the mark).
    pub(crate) fn declared(input: &[u8]) -> Result<Encoding, Error> {
        let (has_bom, body) = match input.strip_prefix(UTF8_BOM) {
            Some(rest) => (true, rest),
            None => (false, input),
        };
        let Some(label) = declared_label(body) else {
            return Ok(Encoding::Utf8);
        };
        let at = Location {
            offset: input.len() - body.len(),
            path: String::new(),
        };
        match Encoding::from_label(label) {
            None => Err(Error::UnsupportedEncoding {
                encoding: label.to_owned(),
                at,
            }),
            Some(Encoding::Utf8) => Ok(Encoding::Utf8),
            Some(_) if has_bom => Err(Error::EncodingConflict {
                declared: label.to_owned(),
                at,
            }),
            Some(encoding) => Ok(encoding),
        }
    }

    /// `input` as UTF-8 text: borrowed when its bytes already are that text, decoded otherwise.
    pub(crate) fn decode(self, input: &[u8]) -> Result<Cow<'_, str>, Error> {
        match self {
            Encoding::Latin1 if !input.is_ascii() => {
                Ok(Cow::Owned(input.iter().map(|b| char::from(*b)).collect()))
            }
            Encoding::Ascii => match input.iter().position(|b| !b.is_ascii()) {
                Some(offset) => Err(Error::InvalidAscii {
                    at: Location {
                        offset,
                        path: String::new(),
                    },
                }),
                None => Ok(Cow::Borrowed(std::str::from_utf8(input).unwrap_or(""))),
            },
            Encoding::Utf8 | Encoding::Latin1 => match std::str::from_utf8(input) {
                Ok(text) => Ok(Cow::Borrowed(text)),
                Err(e) => Err(Error::InvalidUtf8 {
                    at: Location {
                        offset: e.valid_up_to(),
                        path: String::new(),
                    },
                }),
            },
        }
    }
}

/// Length in bytes of `input` decoded from Latin-1 to UTF-8 (bytes from 0x80 take two).
pub(crate) fn latin1_decoded_len(input: &[u8]) -> usize {
    input.len() + input.iter().filter(|b| **b >= 0x80).count()
}

/// The `encoding` value of the XML declaration at the start of `body`, if there is one that the
/// pseudo-attribute reader can take apart. The full declaration check comes later, on the
/// decoded text, and must find the same label.
fn declared_label(body: &[u8]) -> Option<&str> {
    let rest = body.strip_prefix(b"<?xml")?;
    if !rest
        .first()
        .is_some_and(|b| crate::chars::is_whitespace(*b))
    {
        return None;
    }
    let end = rest.windows(2).position(|pair| pair == b"?>")?;
    let raw = rest.get(..end)?;
    // A stray non-ASCII byte ends the reading here; the declaration check refuses it later.
    let content = match std::str::from_utf8(raw) {
        Ok(content) => content,
        Err(e) => std::str::from_utf8(raw.get(..e.valid_up_to())?).ok()?,
    };
    let mut pairs = PseudoAttributes { rest: content };
    while let Ok(Some((name, value))) = pairs.next_pair() {
        if name == "encoding" {
            return Some(value);
        }
    }
    None
}

/// The `name="value"` pairs of an XML declaration.
pub(crate) struct PseudoAttributes<'a> {
    pub(crate) rest: &'a str,
}

impl<'a> PseudoAttributes<'a> {
    pub(crate) fn next_pair(&mut self) -> Result<Option<(&'a str, &'a str)>, ()> {
        let trimmed = self.rest.trim_start_matches([' ', '\t', '\n', '\r']);
        if trimmed.is_empty() {
            return Ok(None);
        }
        if trimmed.len() == self.rest.len() {
            return Err(());
        }
        let (name, after) = trimmed.split_once('=').ok_or(())?;
        let name = name.trim_end_matches([' ', '\t', '\n', '\r']);
        let after = after.trim_start_matches([' ', '\t', '\n', '\r']);
        let quote = after
            .chars()
            .next()
            .filter(|q| matches!(q, '"' | '\''))
            .ok_or(())?;
        let body = after.get(1..).ok_or(())?;
        let end = body.find(quote).ok_or(())?;
        self.rest = body.get(end + 1..).ok_or(())?;
        Ok(Some((name, body.get(..end).ok_or(())?)))
    }
}

/// Maps byte offsets in Latin-1 input decoded to UTF-8 back to offsets in the input: one input
/// byte per character. Offsets asked for in increasing order cost one pass over the text.
pub(crate) struct Latin1Offsets<'a> {
    utf8: &'a [u8],
    /// The last offset mapped, and the input offset it maps to.
    decoded: usize,
    original: usize,
}

impl<'a> Latin1Offsets<'a> {
    pub(crate) fn new(decoded: &'a str) -> Self {
        Latin1Offsets {
            utf8: decoded.as_bytes(),
            decoded: 0,
            original: 0,
        }
    }

    /// The input offset of the character at `offset` in the decoded text (offsets past its end,
    /// such as end-of-input errors, keep their distance from the end).
    pub(crate) fn original(&mut self, offset: usize) -> usize {
        if offset < self.decoded {
            self.decoded = 0;
            self.original = 0;
        }
        let end = offset.min(self.utf8.len());
        let characters = self
            .utf8
            .get(self.decoded.min(end)..end)
            .unwrap_or(&[])
            .iter()
            .filter(|b| (**b & 0xC0) != 0x80)
            .count();
        self.original += characters + (offset - end);
        self.decoded = offset;
        self.original
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_back_to_one_byte_per_character() {
        // "aééb" decoded: a (1 byte), é (2), é (2), b (1).
        let mut map = Latin1Offsets::new("a\u{e9}\u{e9}b");
        assert_eq!(map.original(0), 0);
        assert_eq!(map.original(1), 1);
        assert_eq!(map.original(3), 2);
        assert_eq!(map.original(5), 3);
        assert_eq!(map.original(6), 4);
        // Past the end: distance kept; then a smaller offset restarts the count.
        assert_eq!(map.original(8), 6);
        assert_eq!(map.original(3), 2);
    }

    #[test]
    fn labels_are_case_insensitive_and_exact() {
        for label in ["ISO-8859-1", "iso-8859-1", "Iso_8859-1", "LATIN1", "L1"] {
            assert_eq!(
                Encoding::from_label(label),
                Some(Encoding::Latin1),
                "{label}"
            );
        }
        for label in ["us-ascii", "ASCII"] {
            assert_eq!(
                Encoding::from_label(label),
                Some(Encoding::Ascii),
                "{label}"
            );
        }
        for label in [
            "latin-1",
            "ISO-8859-15",
            "windows-1252",
            "l 1",
            "ISO-8859-1 ",
            "",
        ] {
            assert_eq!(Encoding::from_label(label), None, "{label}");
        }
    }
}
