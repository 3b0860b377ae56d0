//! Turns filter text into tokens with byte spans. Context-free: whether a word is an attribute
//! path, an operator or a keyword is the parser's call, so `"OR"` inside quotes stays a string and
//! an attribute may be called `and`.

use super::error::{FilterError, FilterErrorKind, Span};

/// What a token is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum TokenKind {
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `.` at the start of a token (only meaningful right after `]`).
    Dot,
    /// A run of attribute-path characters: letters, digits, `_ - : . $`.
    Word,
    /// A JSON string, unescaped.
    String(String),
    /// A JSON number.
    Number(serde_json::Number),
    /// End of input.
    End,
}

/// A token and where it is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    pub(crate) span: Span,
}

/// Yields tokens one by one from the input; all lexing state is here.
pub(crate) struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    /// Tabs, CRs and LFs separate tokens too (lenient); otherwise only spaces do, as in the
    /// RFC 7644 ABNF (`SP`).
    any_whitespace: bool,
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'$' || b == b'_'
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':' | b'.' | b'$')
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(input: &'a str, any_whitespace: bool) -> Self {
        Lexer {
            input,
            pos: 0,
            any_whitespace,
        }
    }

    pub(crate) fn input(&self) -> &'a str {
        self.input
    }

    /// Offset of the next unread byte.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.input.as_bytes().get(at).copied()
    }

    /// The next token; `End` once the input is used up.
    pub(crate) fn next_token(&mut self) -> Result<Token, FilterError> {
        while self.byte(self.pos).is_some_and(|b| {
            b == b' ' || (self.any_whitespace && matches!(b, b'\t' | b'\r' | b'\n'))
        }) {
            self.pos += 1;
        }
        let start = self.pos;
        let Some(b) = self.byte(start) else {
            return Ok(Token {
                kind: TokenKind::End,
                span: Span::new(start, start),
            });
        };
        let single = |kind| {
            Ok(Token {
                kind,
                span: Span::new(start, start + 1),
            })
        };
        match b {
            b'(' => {
                self.pos += 1;
                single(TokenKind::LParen)
            }
            b')' => {
                self.pos += 1;
                single(TokenKind::RParen)
            }
            b'[' => {
                self.pos += 1;
                single(TokenKind::LBracket)
            }
            b']' => {
                self.pos += 1;
                single(TokenKind::RBracket)
            }
            b'.' => {
                self.pos += 1;
                single(TokenKind::Dot)
            }
            b'"' => self.string(start),
            b'-' | b'0'..=b'9' => self.number(start),
            b if is_word_start(b) => {
                let mut end = start + 1;
                while self.byte(end).is_some_and(is_word_byte) {
                    end += 1;
                }
                self.pos = end;
                Ok(Token {
                    kind: TokenKind::Word,
                    span: Span::new(start, end),
                })
            }
            _ => {
                let width = self
                    .input
                    .get(start..)
                    .and_then(|s| s.chars().next())
                    .map_or(1, char::len_utf8);
                Err(FilterError::new(
                    FilterErrorKind::UnexpectedCharacter,
                    Span::new(start, start + width),
                ))
            }
        }
    }

    fn string(&mut self, start: usize) -> Result<Token, FilterError> {
        let bytes = self.input.as_bytes();
        let mut at = start + 1;
        loop {
            match bytes.get(at) {
                None => {
                    return Err(FilterError::new(
                        FilterErrorKind::UnterminatedString,
                        Span::new(start, bytes.len()),
                    ));
                }
                Some(b'\\') => at += 2,
                Some(b'"') => break,
                Some(_) => at += 1,
            }
        }
        let end = at + 1;
        let span = Span::new(start, end);
        // serde_json is the strict JSON string grammar: escapes, no raw control characters, no
        // lone surrogates.
        let text = self
            .input
            .get(start..end)
            .ok_or_else(|| FilterError::new(FilterErrorKind::InvalidString, span))?;
        let value: String = serde_json::from_str(text)
            .map_err(|_| FilterError::new(FilterErrorKind::InvalidString, span))?;
        self.pos = end;
        Ok(Token {
            kind: TokenKind::String(value),
            span,
        })
    }

    fn number(&mut self, start: usize) -> Result<Token, FilterError> {
        let mut end = start;
        while self
            .byte(end)
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.'))
        {
            end += 1;
        }
        let span = Span::new(start, end);
        let text = self.input.get(start..end).unwrap_or("");
        if !is_json_number(text.as_bytes()) {
            return Err(FilterError::new(FilterErrorKind::InvalidNumber, span));
        }
        let number = json_number(text)
            .ok_or_else(|| FilterError::new(FilterErrorKind::InvalidNumber, span))?;
        self.pos = end;
        Ok(Token {
            kind: TokenKind::Number(number),
            span,
        })
    }
}

/// The value of a JSON number: integers exactly as i64 or u64, anything else as the nearest f64
/// (Rust's parser is correctly rounded; serde_json's default float parser is not, which would
/// break print-then-parse round trips). `None` when out of the f64 range.
fn json_number(text: &str) -> Option<serde_json::Number> {
    if !text.contains(['.', 'e', 'E']) {
        if let Ok(i) = text.parse::<i64>() {
            return Some(i.into());
        }
        if let Ok(u) = text.parse::<u64>() {
            return Some(u.into());
        }
    }
    text.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
}

/// RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn is_json_number(s: &[u8]) -> bool {
    let mut i = 0;
    let digits = |i: &mut usize| {
        let from = *i;
        while s.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > from
    };
    if s.get(i) == Some(&b'-') {
        i += 1;
    }
    match s.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if s.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == s.len()
}

#[cfg(test)]
mod tests {
    use super::is_json_number;

    #[test]
    fn json_number_grammar_per_rfc_8259() {
        for ok in ["0", "-0", "12", "-12.5", "1e5", "1E+5", "2.5e-3"] {
            assert!(is_json_number(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "", "-", "01", "1.", ".5", "+1", "1e", "1e+", "0x10", "1.5.2", "--1",
        ] {
            assert!(!is_json_number(bad.as_bytes()), "{bad}");
        }
    }
}
