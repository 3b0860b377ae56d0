//! Bytes to [`Document`]: quick-xml tokenizes; every well-formedness, namespace, limit and
//! hostile-input check is ours.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use quick_xml::errors::{Error as TokenError, IllFormedError, SyntaxError};
use quick_xml::events::Event;
use quick_xml::reader::Reader;

use crate::chars::{find_invalid_char, is_name, is_whitespace, is_whitespace_only, split_qname};
use crate::encoding::{Encoding, Latin1Offsets, PseudoAttributes, latin1_decoded_len};
use crate::error::{Error, Location};
use crate::limits::Limits;
use crate::namespace_uri::is_absolute_uri;
use crate::reference::{ReferenceError, decode_reference};
use crate::tree::{
    AttributeData, DeclarationData, Document, ElementData, NONE, Node, NodeData, NodeId, Span,
    XML_NAMESPACE, XMLNS_NAMESPACE,
};

/// FNV-1a: prefixes are short and few, so a keyed hash buys nothing here.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// Prefix id of the default namespace.
const DEFAULT_PREFIX: u32 = 0;
/// Prefix id of `xml`, bound to [`XML_NAMESPACE`] (namespace index 0) from the start.
const XML_PREFIX: u32 = 1;

struct OpenElement {
    node: u32,
    /// The qualified name as written, to match the end tag.
    qname: Span,
    /// Length of `Builder::undo` when this element was opened.
    undo_len: usize,
}

struct TextRun {
    offset: u32,
    span: Span,
    /// Whether `span` is a copy at the end of the buffer (and may grow in place).
    copied: bool,
}

#[derive(Clone, Copy)]
struct RawAttribute<'i> {
    qname: &'i str,
    qname_offset: u32,
    value: Span,
}

struct Builder<'i> {
    input: &'i str,
    /// What the input was decoded from, for the declaration check.
    encoding: Encoding,
    limits: &'i Limits,
    doc: Document,
    stack: Vec<OpenElement>,
    text: Option<TextRun>,
    attributes: Vec<RawAttribute<'i>>,
    prefixes: FnvMap<&'i str, u32>,
    prefix_spans: Vec<Span>,
    /// Current binding (namespace index or [`NONE`]) per prefix id.
    bindings: Vec<u32>,
    /// `(prefix id, previous binding)` to restore when elements close.
    undo: Vec<(u32, u32)>,
    uris: FnvMap<Box<str>, u32>,
    declarations_total: usize,
    seen_root: bool,
    /// The qualified name of the start tag being read, for error paths.
    opening: Option<&'i str>,
    /// Prefix ids declared on the current start tag (kept to reuse its allocation).
    declared: Vec<u32>,
}

impl Document {
    /// Parses `input` with the default [`Limits`].
    ///
    /// UTF-8 is read (a byte order mark is fine), and so are ISO-8859-1 and US-ASCII when the
    /// XML declaration names them; any DOCTYPE is refused.
    pub fn parse(input: &[u8]) -> Result<Document, Error> {
        Self::parse_with(input, &Limits::DEFAULT)
    }

    /// Parses `input` within `limits`.
    pub fn parse_with(input: &[u8], limits: &Limits) -> Result<Document, Error> {
        // Spans are u32 offsets into a buffer that holds the input and, at most, a normalised
        // copy of every part of it: half the u32 range keeps every offset exact.
        let ceiling = limits.max_bytes.min(HARD_CEILING);
        if input.len() > ceiling {
            return Err(Error::TooLarge {
                limit: ceiling,
                found: input.len(),
            });
        }
        if input.starts_with(&[0xFE, 0xFF]) || input.starts_with(&[0xFF, 0xFE]) {
            return Err(Error::UnsupportedEncoding {
                encoding: "UTF-16".to_owned(),
                at: Location::default(),
            });
        }
        let encoding = Encoding::declared(input)?;
        if encoding == Encoding::Latin1 {
            // The limit is on the input; the ceiling is on the buffer, which holds it as UTF-8.
            let decoded_len = latin1_decoded_len(input);
            if decoded_len > HARD_CEILING {
                return Err(Error::TooLarge {
                    limit: HARD_CEILING,
                    found: decoded_len,
                });
            }
        }
        match encoding.decode(input)? {
            Cow::Borrowed(text) => parse_text(text, encoding, limits),
            Cow::Owned(text) => {
                let mut offsets = Latin1Offsets::new(&text);
                match parse_text(&text, encoding, limits) {
                    Ok(mut doc) => {
                        // Nodes are in document order, so their offsets only grow.
                        for node in doc.nodes.iter_mut().filter(|node| node.offset != NONE) {
                            node.offset = offsets.original(node.offset as usize) as u32;
                        }
                        Ok(doc)
                    }
                    Err(mut error) => {
                        if let Some(at) = error.location_mut() {
                            at.offset = offsets.original(at.offset);
                        }
                        Err(error)
                    }
                }
            }
        }
    }
}

/// What an attribute value scan looks at: the quote that may end it, and the bytes
/// `Builder::normalize_attribute` rewrites or refuses.
static ATTRIBUTE_VALUE_STOPS: [bool; 256] = {
    let mut table = [false; 256];
    let stops = [b'"', b'\'', b'&', b'<', b'\t', b'\n', b'\r'];
    let mut i = 0;
    while i < stops.len() {
        table[stops[i] as usize] = true;
        i += 1;
    }
    table
};

/// The length of the attribute value at the start of `tail` (up to the closing `quote`), and
/// whether it is plain: nothing for normalisation to do, so it can stay a span of the input.
/// One pass instead of a search for the quote and a second one for those bytes.
fn scan_attribute_value(tail: &[u8], quote: u8) -> Option<(usize, bool)> {
    let mut plain = true;
    for (len, &b) in tail.iter().enumerate() {
        if !ATTRIBUTE_VALUE_STOPS[usize::from(b)] {
            continue;
        }
        if b == quote {
            return Some((len, plain));
        }
        // The other quote is plain text inside this value.
        plain &= matches!(b, b'"' | b'\'');
    }
    None
}

/// The most input (as UTF-8) any [`Limits`] lets through: see [`Limits::max_bytes`].
const HARD_CEILING: usize = u32::MAX as usize / 2 - 64;

/// Parses `text`, the input as UTF-8, read in `encoding` (which its declaration must name).
fn parse_text(text: &str, encoding: Encoding, limits: &Limits) -> Result<Document, Error> {
    if let Some((offset, code_point)) = find_invalid_char(text) {
        return Err(Error::InvalidCharacter {
            code_point,
            at: Location {
                offset,
                path: String::new(),
            },
        });
    }
    Builder::new(text, encoding, limits).run()
}

impl<'i> Builder<'i> {
    fn new(input: &'i str, encoding: Encoding, limits: &'i Limits) -> Self {
        let mut buf = String::with_capacity(input.len() + XML_NAMESPACE.len() + 64);
        buf.push_str(input);
        let xml_uri = Span {
            start: buf.len() as u32,
            len: XML_NAMESPACE.len() as u32,
        };
        buf.push_str(XML_NAMESPACE);
        let xml_prefix = Span {
            start: buf.len() as u32,
            len: 3,
        };
        buf.push_str("xml");
        // Rough sizes (SAML runs at about one tag per 30 bytes), to save most regrowing.
        let tags = input.len() / 32;
        let mut doc = Document {
            buf,
            nodes: Vec::with_capacity(tags * 2 + 1),
            elements: Vec::with_capacity(tags / 2 + 1),
            attributes: Vec::with_capacity(tags),
            declarations: Vec::new(),
            namespaces: vec![xml_uri],
            ids: Vec::new(),
        };
        doc.nodes.push(Node {
            data: NodeData::Document,
            parent: NONE,
            first_child: NONE,
            last_child: NONE,
            prev_sibling: NONE,
            next_sibling: NONE,
            offset: 0,
        });
        Builder {
            input,
            encoding,
            limits,
            doc,
            stack: Vec::new(),
            text: None,
            attributes: Vec::new(),
            prefixes: FnvMap::default(),
            prefix_spans: vec![Span::EMPTY, xml_prefix],
            bindings: vec![NONE, 0],
            undo: Vec::new(),
            uris: FnvMap::default(),
            declarations_total: 0,
            seen_root: false,
            opening: None,
            declared: Vec::new(),
        }
    }

    /// Where we are, for an error at `offset`.
    fn at(&self, offset: usize) -> Location {
        let mut path = self
            .stack
            .last()
            .map(|open| self.doc.path(NodeId(open.node)))
            .unwrap_or_default();
        if let Some(qname) = self.opening {
            path.push('/');
            path.push_str(qname);
        }
        Location { offset, path }
    }

    fn malformed(&self, reason: &'static str, offset: usize) -> Error {
        Error::Malformed {
            reason,
            at: self.at(offset),
        }
    }

    /// Offset of `s` (which must borrow from the input) in the input.
    fn offset_of(&self, s: &str) -> Option<u32> {
        let start = (s.as_ptr() as usize).checked_sub(self.input.as_ptr() as usize)?;
        (start + s.len() <= self.input.len()).then_some(start as u32)
    }

    /// `s` re-borrowed from the input with the input's lifetime.
    fn reborrow(&self, s: &str, at: usize) -> Result<(&'i str, u32), Error> {
        let offset = self
            .offset_of(s)
            .ok_or_else(|| self.malformed("tokenizer returned a copy", at))?;
        let input = self.input;
        let slice = input
            .get(offset as usize..offset as usize + s.len())
            .ok_or_else(|| self.malformed("tokenizer returned a copy", at))?;
        Ok((slice, offset))
    }

    fn run(mut self) -> Result<Document, Error> {
        let base = if self.input.starts_with('\u{FEFF}') {
            3
        } else {
            0
        };
        let body = self.input.get(base..).unwrap_or("");
        let mut reader = Reader::from_str(body);
        let config = reader.config_mut();
        config.check_end_names = false;
        config.check_comments = false;
        config.expand_empty_elements = false;
        config.allow_dangling_amp = false;
        config.trim_text(false);
        let mut first = true;
        loop {
            let start = base + reader.buffer_position() as usize;
            let event = match reader.read_event() {
                Ok(event) => event,
                Err(error) => {
                    let offset = base + reader.error_position() as usize;
                    return Err(self.token_error(error, start, offset));
                }
            };
            let end = base + reader.buffer_position() as usize;
            let is_first = std::mem::replace(&mut first, false);
            match event {
                Event::Decl(_) => {
                    if !is_first {
                        return Err(self.malformed("XML declaration not at the start", start));
                    }
                    self.declaration(start, end)?;
                }
                Event::DocType(_) => {
                    return Err(Error::DtdForbidden { at: self.at(start) });
                }
                Event::Start(e) => {
                    let (content, offset) = self.reborrow(&e, start)?;
                    self.start_element(content, offset, e.name().0.len(), start, false)?;
                }
                Event::Empty(e) => {
                    let (content, offset) = self.reborrow(&e, start)?;
                    self.start_element(content, offset, e.name().0.len(), start, true)?;
                }
                Event::End(e) => {
                    let name = self.reborrow(e.name().0, start)?.0;
                    self.end_element(name, start)?;
                }
                Event::Text(t) => {
                    let (raw, offset) = self.reborrow(&t, start)?;
                    self.character_data(raw, offset, true)?;
                }
                Event::CData(t) => {
                    let (raw, offset) = self.reborrow(&t, start)?;
                    if self.stack.is_empty() {
                        return Err(Error::ContentOutsideRoot { at: self.at(start) });
                    }
                    self.character_data(raw, offset, false)?;
                }
                Event::GeneralRef(r) => {
                    let name = self.reborrow(&r, start)?.0;
                    self.text_reference(name, start)?;
                }
                Event::Comment(c) => {
                    let (raw, _) = self.reborrow(&c, start)?;
                    self.comment(raw, start)?;
                }
                Event::PI(_) => self.processing_instruction(start, end)?,
                Event::Eof => break,
            }
        }
        self.flush_text()?;
        if !self.stack.is_empty() {
            return Err(Error::UnexpectedEof {
                at: self.at(self.input.len()),
            });
        }
        if !self.seen_root {
            return Err(Error::UnexpectedEof {
                at: self.at(self.input.len()),
            });
        }
        self.finish_ids()?;
        Ok(self.doc)
    }

    fn token_error(&self, error: TokenError, start: usize, offset: usize) -> Error {
        let rest = self.input.as_bytes().get(start..).unwrap_or(&[]);
        if rest.len() >= 9
            && rest
                .get(..9)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"<!DOCTYPE"))
        {
            return Error::DtdForbidden { at: self.at(start) };
        }
        let at = self.at(offset);
        match error {
            TokenError::Syntax(SyntaxError::InvalidBangMarkup) => Error::Malformed {
                reason: "unknown <! markup",
                at,
            },
            TokenError::Syntax(SyntaxError::UnclosedDoctype)
            | TokenError::IllFormed(IllFormedError::MissingDoctypeName) => {
                Error::DtdForbidden { at: self.at(start) }
            }
            TokenError::Syntax(_) | TokenError::IllFormed(IllFormedError::MissingEndTag(_)) => {
                Error::UnexpectedEof { at }
            }
            TokenError::IllFormed(IllFormedError::UnclosedReference) => Error::Malformed {
                reason: "'&' not starting a reference ended by ';'",
                at,
            },
            TokenError::IllFormed(IllFormedError::UnmatchedEndTag(_)) => Error::Malformed {
                reason: "end tag without a start tag",
                at,
            },
            TokenError::IllFormed(
                IllFormedError::MissingDeclVersion(_) | IllFormedError::UnknownVersion,
            ) => Error::InvalidDeclaration { at },
            _ => Error::Malformed {
                reason: "not well-formed",
                at,
            },
        }
    }

    /// `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`, pseudo-attributes in order.
    fn declaration(&mut self, start: usize, end: usize) -> Result<(), Error> {
        let invalid = || Error::InvalidDeclaration {
            at: Location {
                offset: start,
                path: String::new(),
            },
        };
        let content = self
            .input
            .get(start + 5..end.saturating_sub(2))
            .ok_or_else(invalid)?;
        let mut pairs = PseudoAttributes { rest: content };
        let mut expected = ["version", "encoding", "standalone"].iter().peekable();
        let mut saw_version = false;
        while let Some((name, value)) = pairs.next_pair().map_err(|_| invalid())? {
            while expected.peek().is_some_and(|e| **e != name) {
                expected.next();
            }
            match expected.next() {
                Some(&"version") => {
                    saw_version = true;
                    if value != "1.0" {
                        return Err(invalid());
                    }
                }
                Some(&"encoding") => {
                    if Encoding::from_label(value) != Some(self.encoding) {
                        return Err(Error::UnsupportedEncoding {
                            encoding: value.to_owned(),
                            at: Location {
                                offset: start,
                                path: String::new(),
                            },
                        });
                    }
                }
                Some(&"standalone") if matches!(value, "yes" | "no") => {}
                _ => return Err(invalid()),
            }
            if !saw_version {
                return Err(invalid());
            }
        }
        if !saw_version {
            return Err(invalid());
        }
        Ok(())
    }

    fn processing_instruction(&mut self, start: usize, end: usize) -> Result<(), Error> {
        self.flush_text()?;
        let content = self
            .input
            .get(start + 2..end.saturating_sub(2))
            .ok_or_else(|| self.malformed("unterminated processing instruction", start))?;
        let target_len = content
            .bytes()
            .position(is_whitespace)
            .unwrap_or(content.len());
        let (target, rest) = content.split_at(target_len);
        let data = rest.trim_start_matches(|c: char| c.is_ascii() && is_whitespace(c as u8));
        if !is_name(target) || target.contains(':') {
            return Err(Error::InvalidQName {
                name: target.to_owned(),
                at: self.at(start),
            });
        }
        if target.eq_ignore_ascii_case("xml") {
            return Err(self.malformed("processing instruction target 'xml' is reserved", start));
        }
        let target = self.input_span(target);
        let data = self.copy_normalized(data);
        self.push_node(NodeData::Pi { target, data }, start as u32);
        Ok(())
    }

    fn comment(&mut self, raw: &'i str, start: usize) -> Result<(), Error> {
        self.flush_text()?;
        if (raw.contains('-') && raw.contains("--")) || raw.ends_with('-') {
            return Err(self.malformed("'--' inside a comment", start));
        }
        let span = self.copy_normalized(raw);
        self.push_node(NodeData::Comment(span), start as u32);
        Ok(())
    }

    /// A span of the input (the buffer starts with a copy of it).
    fn input_span(&self, s: &str) -> Span {
        Span {
            start: self.offset_of(s).unwrap_or(0),
            len: s.len() as u32,
        }
    }

    /// `s` with XML 1.0 end-of-line handling: the input span itself if it has no CR, else a
    /// normalised copy at the end of the buffer.
    fn copy_normalized(&mut self, s: &'i str) -> Span {
        if !s.contains('\r') {
            return self.input_span(s);
        }
        let start = self.doc.buf.len();
        push_eol_normalized(&mut self.doc.buf, s);
        Span {
            start: start as u32,
            len: (self.doc.buf.len() - start) as u32,
        }
    }

    fn push_node(&mut self, data: NodeData, offset: u32) -> u32 {
        let id = self.doc.nodes.len() as u32;
        let parent = self.stack.last().map(|open| open.node).unwrap_or(0);
        let prev = self
            .doc
            .nodes
            .get(parent as usize)
            .map(|p| p.last_child)
            .unwrap_or(NONE);
        self.doc.nodes.push(Node {
            data,
            parent,
            first_child: NONE,
            last_child: NONE,
            prev_sibling: prev,
            next_sibling: NONE,
            offset,
        });
        if let Some(p) = self.doc.nodes.get_mut(parent as usize) {
            if p.first_child == NONE {
                p.first_child = id;
            }
            p.last_child = id;
        }
        if let Some(previous) = self.doc.nodes.get_mut(prev as usize) {
            previous.next_sibling = id;
        }
        id
    }

    /// Literal character data (`eol`: a text piece, checked for `]]>`) or CDATA content.
    fn character_data(&mut self, raw: &'i str, offset: u32, is_text: bool) -> Result<(), Error> {
        if self.stack.is_empty() {
            if is_whitespace_only(raw) {
                return Ok(());
            }
            return Err(Error::ContentOutsideRoot {
                at: self.at(offset as usize),
            });
        }
        // One pass for both bytes that need more work (most text pieces are short indentation,
        // where two memchr calls cost more than the scan); `]]>` is looked for only after a `>`.
        let (mut has_gt, mut has_cr) = (false, false);
        for b in raw.bytes() {
            has_gt |= b == b'>';
            has_cr |= b == b'\r';
        }
        if is_text
            && has_gt
            && let Some(found) = raw.find("]]>")
        {
            return Err(self.malformed("']]>' in text", offset as usize + found));
        }
        if raw.is_empty() {
            return Ok(());
        }
        match &mut self.text {
            None if !has_cr => {
                self.text = Some(TextRun {
                    offset,
                    span: Span {
                        start: offset,
                        len: raw.len() as u32,
                    },
                    copied: false,
                });
            }
            _ => {
                self.begin_copied_text(offset);
                push_eol_normalized(&mut self.doc.buf, raw);
            }
        }
        self.update_text_len(offset as usize)
    }

    /// Makes the pending text run a copy at the end of the buffer, ready to grow.
    fn begin_copied_text(&mut self, offset: u32) {
        let buf = &mut self.doc.buf;
        match &mut self.text {
            Some(run) if run.copied => {}
            Some(run) => {
                let start = buf.len();
                buf.extend_from_within(run.span.range());
                run.span.start = start as u32;
                run.copied = true;
            }
            None => {
                self.text = Some(TextRun {
                    offset,
                    span: Span {
                        start: buf.len() as u32,
                        len: 0,
                    },
                    copied: true,
                });
            }
        }
    }

    fn update_text_len(&mut self, offset: usize) -> Result<(), Error> {
        let buf_len = self.doc.buf.len();
        let limit = self.limits.max_text_len;
        let len = match &mut self.text {
            Some(run) => {
                if run.copied {
                    run.span.len = (buf_len - run.span.start as usize) as u32;
                }
                run.span.len as usize
            }
            None => 0,
        };
        if len > limit {
            return Err(Error::TextTooLong {
                limit,
                at: self.at(offset),
            });
        }
        Ok(())
    }

    fn text_reference(&mut self, name: &'i str, start: usize) -> Result<(), Error> {
        if self.stack.is_empty() {
            return Err(Error::ContentOutsideRoot { at: self.at(start) });
        }
        let c = decode_reference(name).map_err(|e| self.reference_error(e, name, start))?;
        self.begin_copied_text(start as u32);
        self.doc.buf.push(c);
        self.update_text_len(start)
    }

    fn reference_error(&self, error: ReferenceError, name: &str, offset: usize) -> Error {
        match error {
            ReferenceError::UndefinedEntity => Error::UndefinedEntity {
                name: name.to_owned(),
                at: self.at(offset),
            },
            ReferenceError::InvalidCharacterReference => Error::InvalidCharacterReference {
                reference: name.to_owned(),
                at: self.at(offset),
            },
            ReferenceError::Unterminated => {
                self.malformed("'&' not starting a reference ended by ';'", offset)
            }
            ReferenceError::LessThan => self.malformed("'<' in an attribute value", offset),
        }
    }

    fn flush_text(&mut self) -> Result<(), Error> {
        if let Some(run) = self.text.take()
            && run.span.len > 0
        {
            self.push_node(NodeData::Text(run.span), run.offset);
        }
        Ok(())
    }

    fn start_element(
        &mut self,
        content: &'i str,
        content_offset: u32,
        name_len: usize,
        start: usize,
        empty: bool,
    ) -> Result<(), Error> {
        self.flush_text()?;
        if self.stack.is_empty() && self.seen_root {
            return Err(Error::ContentOutsideRoot { at: self.at(start) });
        }
        self.seen_root = true;
        if self.stack.len() >= self.limits.max_depth {
            return Err(Error::TooDeep {
                limit: self.limits.max_depth,
                at: self.at(start),
            });
        }
        if self.doc.elements.len() >= self.limits.max_elements {
            return Err(Error::TooManyElements {
                limit: self.limits.max_elements,
                at: self.at(start),
            });
        }
        let qname = content.get(..name_len).unwrap_or("");
        let rest = content.get(name_len..).unwrap_or("");
        self.opening = Some(qname);
        let result = self.open_element(qname, rest, content_offset, name_len, start, empty);
        self.opening = None;
        result
    }

    fn open_element(
        &mut self,
        qname: &'i str,
        rest: &'i str,
        content_offset: u32,
        name_len: usize,
        start: usize,
        empty: bool,
    ) -> Result<(), Error> {
        let (prefix, local) = split_qname(qname).ok_or_else(|| Error::InvalidQName {
            name: qname.to_owned(),
            at: self.at(start),
        })?;
        if prefix == Some("xmlns") {
            return Err(Error::ReservedNamespace {
                reason: "element with the xmlns prefix",
                at: self.at(start),
            });
        }
        let has_declarations =
            self.parse_attributes(rest, content_offset + name_len as u32, start)?;
        let undo_len = self.undo.len();
        let declarations_start = self.doc.declarations.len() as u32;
        if has_declarations {
            self.bind_declarations()?;
        }
        let declarations_len = self.doc.declarations.len() as u32 - declarations_start;

        let namespace = match prefix {
            None => self
                .bindings
                .get(DEFAULT_PREFIX as usize)
                .copied()
                .unwrap_or(NONE),
            Some(p) => self.resolve(p, start)?,
        };
        let prefix_span = match prefix {
            Some(p) => self.input_span(p),
            None => Span::EMPTY,
        };
        let element_index = self.doc.elements.len() as u32;
        let node = self.doc.nodes.len() as u32;
        let attributes_start = self.doc.attributes.len() as u32;
        self.resolve_attributes(node)?;
        let attributes_len = self.doc.attributes.len() as u32 - attributes_start;
        self.doc.elements.push(ElementData {
            prefix: prefix_span,
            local: self.input_span(local),
            namespace,
            attributes_start,
            attributes_len,
            declarations_start,
            declarations_len,
        });
        self.push_node(NodeData::Element(element_index), start as u32);
        if empty {
            self.unbind(undo_len);
        } else {
            self.stack.push(OpenElement {
                node,
                qname: self.input_span(qname),
                undo_len,
            });
        }
        Ok(())
    }

    fn end_element(&mut self, name: &'i str, start: usize) -> Result<(), Error> {
        self.flush_text()?;
        let Some(open) = self.stack.last() else {
            return Err(self.malformed("end tag without a start tag", start));
        };
        let expected = self.doc.str_of(open.qname);
        if expected != name {
            return Err(Error::MismatchedEndTag {
                expected: expected.to_owned(),
                found: name.to_owned(),
                at: self.at(start),
            });
        }
        let undo_len = open.undo_len;
        self.stack.pop();
        self.unbind(undo_len);
        Ok(())
    }

    fn unbind(&mut self, undo_len: usize) {
        while self.undo.len() > undo_len {
            if let Some((prefix, previous)) = self.undo.pop()
                && let Some(binding) = self.bindings.get_mut(prefix as usize)
            {
                *binding = previous;
            }
        }
    }

    /// Splits the attribute part of a start tag into raw attributes with normalised values.
    /// Returns whether there were namespace declarations among them.
    fn parse_attributes(
        &mut self,
        rest: &'i str,
        rest_offset: u32,
        start: usize,
    ) -> Result<bool, Error> {
        self.attributes.clear();
        let bytes = rest.as_bytes();
        let (mut attributes, mut declarations) = (0usize, 0usize);
        let mut i = 0;
        loop {
            let ws_start = i;
            while bytes.get(i).copied().is_some_and(is_whitespace) {
                i += 1;
            }
            if i >= bytes.len() {
                break;
            }
            let here = rest_offset as usize + i;
            if i == ws_start {
                return Err(self.malformed("whitespace required between attributes", here));
            }
            let name_start = i;
            while bytes
                .get(i)
                .is_some_and(|b| !is_whitespace(*b) && *b != b'=')
            {
                i += 1;
            }
            let qname = rest
                .get(name_start..i)
                .ok_or_else(|| self.malformed("bad attribute name", here))?;
            while bytes.get(i).copied().is_some_and(is_whitespace) {
                i += 1;
            }
            if bytes.get(i) != Some(&b'=') {
                return Err(self.malformed("attribute without '='", here));
            }
            i += 1;
            while bytes.get(i).copied().is_some_and(is_whitespace) {
                i += 1;
            }
            let quote = match bytes.get(i) {
                Some(q @ (b'"' | b'\'')) => *q,
                _ => return Err(self.malformed("attribute value not quoted", here)),
            };
            i += 1;
            let value_start = i;
            let (value_len, plain) = bytes
                .get(i..)
                .and_then(|tail| scan_attribute_value(tail, quote))
                .ok_or_else(|| self.malformed("unterminated attribute value", here))?;
            i += value_len + 1;
            let raw = rest
                .get(value_start..value_start + value_len)
                .ok_or_else(|| self.malformed("bad attribute value", here))?;
            if qname == "xmlns" || qname.starts_with("xmlns:") {
                declarations += 1;
                if declarations > self.limits.max_namespace_declarations_per_element {
                    return Err(Error::TooManyNamespaceDeclarations {
                        limit: self.limits.max_namespace_declarations_per_element,
                        at: self.at(start),
                    });
                }
            } else {
                attributes += 1;
                if attributes > self.limits.max_attributes_per_element {
                    return Err(Error::TooManyAttributes {
                        limit: self.limits.max_attributes_per_element,
                        at: self.at(start),
                    });
                }
            }
            let value = if plain {
                self.input_span(raw)
            } else {
                self.normalize_attribute(raw, rest_offset as usize + value_start)?
            };
            if value.len as usize > self.limits.max_attribute_value_len {
                return Err(Error::AttributeValueTooLong {
                    limit: self.limits.max_attribute_value_len,
                    at: self.at(here),
                });
            }
            self.attributes.push(RawAttribute {
                qname,
                qname_offset: rest_offset + name_start as u32,
                value,
            });
        }
        Ok(declarations > 0)
    }

    /// XML 1.0 §3.3.3 for CDATA attributes: references replaced, each literal whitespace
    /// character (a CRLF pair counting as one) becomes a space.
    fn normalize_attribute(&mut self, raw: &'i str, offset: usize) -> Result<Span, Error> {
        let start = self.doc.buf.len();
        let mut rest = raw;
        let mut consumed = 0;
        while let Some(i) = rest
            .bytes()
            .position(|b| matches!(b, b'&' | b'<' | b'\t' | b'\n' | b'\r'))
        {
            let (plain, tail) = rest.split_at(i);
            self.doc.buf.push_str(plain);
            let at = offset + consumed + i;
            let mut chars = tail.chars();
            let next = match chars.next() {
                Some('<') => return Err(self.reference_error(ReferenceError::LessThan, "", at)),
                Some('&') => {
                    let body = chars.as_str();
                    let end = body.find(';').ok_or_else(|| {
                        self.reference_error(ReferenceError::Unterminated, "", at)
                    })?;
                    let name = body.get(..end).unwrap_or("");
                    let c =
                        decode_reference(name).map_err(|e| self.reference_error(e, name, at))?;
                    self.doc.buf.push(c);
                    body.get(end + 1..).unwrap_or("")
                }
                Some('\r') => {
                    self.doc.buf.push(' ');
                    let after = chars.as_str();
                    after.strip_prefix('\n').unwrap_or(after)
                }
                _ => {
                    self.doc.buf.push(' ');
                    chars.as_str()
                }
            };
            consumed += rest.len() - next.len();
            rest = next;
        }
        self.doc.buf.push_str(rest);
        Ok(Span {
            start: start as u32,
            len: (self.doc.buf.len() - start) as u32,
        })
    }

    /// A handful of prefixes and namespaces is the norm: comparing beats hashing (and allocating
    /// a map) until there are more than this many, when the maps take over.
    const LINEAR: usize = 8;

    fn find_prefix(&self, prefix: &str) -> Option<u32> {
        if prefix == "xml" {
            return Some(XML_PREFIX);
        }
        if self.prefix_spans.len() <= Self::LINEAR {
            return self
                .prefix_spans
                .iter()
                .skip(2)
                .position(|span| self.doc.str_of(*span) == prefix)
                .map(|i| i as u32 + 2);
        }
        self.prefixes.get(prefix).copied()
    }

    fn intern_prefix(&mut self, prefix: &'i str) -> u32 {
        if let Some(id) = self.find_prefix(prefix) {
            return id;
        }
        let id = self.prefix_spans.len() as u32;
        self.prefix_spans.push(self.input_span(prefix));
        self.bindings.push(NONE);
        if self.prefix_spans.len() > Self::LINEAR {
            if self.prefixes.is_empty() {
                let input = self.input;
                for (i, span) in self.prefix_spans.iter().enumerate().skip(2) {
                    if let Some(p) = input.get(span.range()) {
                        self.prefixes.insert(p, i as u32);
                    }
                }
            }
            self.prefixes.insert(prefix, id);
        }
        id
    }

    /// The namespace index of the URI at `value`, or `None` if it is new and not an absolute
    /// URI (checked once per distinct URI).
    fn intern_uri(&mut self, value: Span) -> Option<u32> {
        let uri = self.doc.str_of(value);
        let known = if self.doc.namespaces.len() <= Self::LINEAR {
            self.doc
                .namespaces
                .iter()
                .position(|span| self.doc.str_of(*span) == uri)
                .map(|i| i as u32)
        } else {
            self.uris.get(uri).copied()
        };
        if known.is_some() {
            return known;
        }
        if !is_absolute_uri(uri) {
            return None;
        }
        let index = self.doc.namespaces.len() as u32;
        self.doc.namespaces.push(value);
        if self.doc.namespaces.len() > Self::LINEAR {
            if self.uris.is_empty() {
                for (i, span) in self.doc.namespaces.iter().enumerate() {
                    self.uris.insert(self.doc.str_of(*span).into(), i as u32);
                }
            } else {
                self.uris.insert(self.doc.str_of(value).into(), index);
            }
        }
        Some(index)
    }

    /// Binds the `xmlns` attributes among `self.attributes` and removes them from it.
    fn bind_declarations(&mut self) -> Result<(), Error> {
        let mut seen = std::mem::take(&mut self.declared);
        seen.clear();
        let mut i = 0;
        while let Some(attribute) = self.attributes.get(i).copied() {
            let prefix = if attribute.qname == "xmlns" {
                None
            } else if let Some(p) = attribute.qname.strip_prefix("xmlns:") {
                Some(p)
            } else {
                i += 1;
                continue;
            };
            self.bind_one(prefix, &attribute, &mut seen)?;
            i += 1;
        }
        self.declared = seen;
        self.attributes
            .retain(|a| a.qname != "xmlns" && !a.qname.starts_with("xmlns:"));
        Ok(())
    }

    fn bind_one(
        &mut self,
        prefix: Option<&'i str>,
        attribute: &RawAttribute<'i>,
        seen: &mut Vec<u32>,
    ) -> Result<(), Error> {
        let at = attribute.qname_offset as usize;
        self.declarations_total += 1;
        if self.declarations_total > self.limits.max_namespace_declarations_total {
            return Err(Error::TooManyNamespaceDeclarationsTotal {
                limit: self.limits.max_namespace_declarations_total,
                at: self.at(at),
            });
        }
        let uri = self.doc.str_of(attribute.value);
        let (is_xml_uri, is_xmlns_uri, is_empty) =
            (uri == XML_NAMESPACE, uri == XMLNS_NAMESPACE, uri.is_empty());
        let reason = match prefix {
            Some(p) if !crate::chars::is_ncname(p) => {
                return Err(Error::InvalidQName {
                    name: attribute.qname.to_owned(),
                    at: self.at(at),
                });
            }
            Some("xmlns") => Some("the xmlns prefix cannot be declared"),
            Some("xml") if !is_xml_uri => Some("the xml prefix bound to another namespace"),
            Some(p) if p != "xml" && is_xml_uri => {
                Some("the xml namespace bound to another prefix")
            }
            None if is_xml_uri => Some("the xml namespace as the default namespace"),
            _ if is_xmlns_uri => Some("the xmlns namespace declared"),
            Some(_) if is_empty => Some("a prefix cannot be undeclared in XML 1.0 (xmlns:p=\"\")"),
            _ => None,
        };
        if let Some(reason) = reason {
            return Err(Error::ReservedNamespace {
                reason,
                at: self.at(at),
            });
        }
        let prefix_id = match prefix {
            Some(p) => self.intern_prefix(p),
            None => DEFAULT_PREFIX,
        };
        if seen.contains(&prefix_id) {
            return Err(Error::DuplicateAttribute {
                name: attribute.qname.to_owned(),
                at: self.at(at),
            });
        }
        seen.push(prefix_id);
        let namespace = if is_empty {
            NONE
        } else {
            self.intern_uri(attribute.value)
                .ok_or_else(|| Error::InvalidNamespaceUri {
                    uri: self.doc.str_of(attribute.value).to_owned(),
                    at: self.at(at),
                })?
        };
        let previous = self
            .bindings
            .get(prefix_id as usize)
            .copied()
            .unwrap_or(NONE);
        self.undo.push((prefix_id, previous));
        if let Some(binding) = self.bindings.get_mut(prefix_id as usize) {
            *binding = namespace;
        }
        self.doc.declarations.push(DeclarationData {
            prefix: match prefix {
                Some(_) => self
                    .prefix_spans
                    .get(prefix_id as usize)
                    .copied()
                    .unwrap_or(Span::EMPTY),
                None => Span::EMPTY,
            },
            namespace,
        });
        Ok(())
    }

    fn resolve(&mut self, prefix: &'i str, at: usize) -> Result<u32, Error> {
        let id = self.find_prefix(prefix).unwrap_or(NONE);
        match self.bindings.get(id as usize).copied() {
            Some(namespace) if namespace != NONE => Ok(namespace),
            _ => Err(Error::UnboundPrefix {
                prefix: prefix.to_owned(),
                at: self.at(at),
            }),
        }
    }

    /// Resolves the (non-declaration) attributes, checks duplicates and records IDs.
    fn resolve_attributes(&mut self, node: u32) -> Result<(), Error> {
        let first = self.doc.attributes.len();
        // Pairwise duplicate checks are quickest for the usual handful; past that, sorting keeps
        // raised limits from turning into quadratic work.
        let pairwise = self.attributes.len() <= 16;
        let mut i = 0;
        while let Some(attribute) = self.attributes.get(i).copied() {
            self.resolve_attribute(&attribute, node, first, pairwise)?;
            i += 1;
        }
        if !pairwise {
            self.sorted_duplicate_check(first)?;
        }
        Ok(())
    }

    /// The duplicate-attribute rule of [`resolve_attribute`](Self::resolve_attribute), by
    /// sorting: same prefix and local name, or same namespace and local name.
    fn sorted_duplicate_check(&self, first: usize) -> Result<(), Error> {
        let doc = &self.doc;
        let attributes = doc.attributes.get(first..).unwrap_or(&[]);
        let mut by_qname: Vec<(&str, &str, usize)> = attributes
            .iter()
            .enumerate()
            .map(|(i, a)| (doc.str_of(a.local), doc.str_of(a.prefix), i))
            .collect();
        by_qname.sort_unstable();
        let mut duplicates: Vec<usize> = by_qname
            .windows(2)
            .filter_map(|w| match w {
                [a, b] if a.0 == b.0 && a.1 == b.1 => Some(a.2.max(b.2)),
                _ => None,
            })
            .collect();
        let mut by_expanded: Vec<(u32, &str, usize)> = attributes
            .iter()
            .enumerate()
            .filter(|(_, a)| a.namespace != NONE)
            .map(|(i, a)| (a.namespace, doc.str_of(a.local), i))
            .collect();
        by_expanded.sort_unstable();
        duplicates.extend(by_expanded.windows(2).filter_map(|w| match w {
            [a, b] if a.0 == b.0 && a.1 == b.1 => Some(a.2.max(b.2)),
            _ => None,
        }));
        let Some(index) = duplicates.into_iter().min() else {
            return Ok(());
        };
        let raw = self.attributes.get(index);
        Err(Error::DuplicateAttribute {
            name: raw.map(|a| a.qname.to_owned()).unwrap_or_default(),
            at: self.at(raw.map(|a| a.qname_offset as usize).unwrap_or(0)),
        })
    }

    fn resolve_attribute(
        &mut self,
        attribute: &RawAttribute<'i>,
        node: u32,
        first: usize,
        pairwise: bool,
    ) -> Result<(), Error> {
        let at = attribute.qname_offset as usize;
        let (prefix, local) = split_qname(attribute.qname).ok_or_else(|| Error::InvalidQName {
            name: attribute.qname.to_owned(),
            at: self.at(at),
        })?;
        let namespace = match prefix {
            Some(p) => self.resolve(p, at)?,
            None => NONE,
        };
        let local_span = self.input_span(local);
        let prefix_span = match prefix {
            Some(p) => self.input_span(p),
            None => Span::EMPTY,
        };
        // Same qualified name, or (Namespaces in XML §6.3) same namespace URI and local name.
        let duplicate = pairwise
            && self.doc.attributes.get(first..).is_some_and(|earlier| {
                earlier.iter().any(|e| {
                    self.doc.str_of(e.local) == local
                        && (self.doc.str_of(e.prefix) == prefix.unwrap_or("")
                            || (namespace != NONE && e.namespace == namespace))
                })
            });
        if duplicate {
            return Err(Error::DuplicateAttribute {
                name: attribute.qname.to_owned(),
                at: self.at(at),
            });
        }
        let is_id = match prefix {
            None => matches!(local, "ID" | "Id"),
            Some(_) => namespace == 0 && local == "id",
        };
        if is_id {
            self.doc.ids.push((attribute.value, node));
        }
        self.doc.attributes.push(AttributeData {
            prefix: prefix_span,
            local: local_span,
            namespace,
            value: attribute.value,
        });
        Ok(())
    }

    /// Sorts the ID index and rejects the first duplicate (reported at its later occurrence).
    fn finish_ids(&mut self) -> Result<(), Error> {
        let mut ids = std::mem::take(&mut self.doc.ids);
        let doc = &self.doc;
        ids.sort_by(|a, b| doc.str_of(a.0).cmp(doc.str_of(b.0)).then(a.1.cmp(&b.1)));
        let duplicate = ids
            .windows(2)
            .filter_map(|pair| match pair {
                [a, b] if doc.str_of(a.0) == doc.str_of(b.0) => Some(*b),
                _ => None,
            })
            .min_by_key(|(_, node)| *node);
        if let Some((span, node)) = duplicate {
            let node = NodeId(node);
            return Err(Error::DuplicateId {
                id: doc.str_of(span).to_owned(),
                at: Location {
                    offset: doc.source_offset(node).unwrap_or(0),
                    path: doc.path(node),
                },
            });
        }
        self.doc.ids = ids;
        Ok(())
    }
}

/// Appends `s` with CRLF and lone CR turned into LF (XML 1.0 §2.11).
pub(crate) fn push_eol_normalized(buf: &mut String, s: &str) {
    let mut rest = s;
    while let Some(i) = rest.find('\r') {
        buf.push_str(rest.get(..i).unwrap_or(""));
        buf.push('\n');
        let after = rest.get(i + 1..).unwrap_or("");
        rest = after.strip_prefix('\n').unwrap_or(after);
    }
    buf.push_str(rest);
}
