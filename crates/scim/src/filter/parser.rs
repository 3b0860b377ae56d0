//! Recursive descent over the tokens: `or` < `and` < `not`/grouping < attribute expressions,
//! chains left to right. Recursion follows only parentheses, `not` and brackets, and each of
//! those first passes the depth budget, so input cannot drive it past `max_depth` levels.

use super::ast::{AttrExpr, AttrTest, CompValue, CompareOp, Filter, SubAttrTest, ValuePath};
use super::error::{FilterError, FilterErrorKind, Language, Span};
use super::lexer::{Lexer, Token, TokenKind};
use crate::dialect::Dialect;
use crate::path::{AttrPath, Path};

/// The most a caller may raise [`ParseOptions::max_depth`] to; deeper would risk the stack in the
/// recursive printer, binder and evaluator.
pub const MAX_DEPTH_CEILING: usize = 64;

/// Dialect and limits for parsing untrusted filters and paths.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseOptions {
    /// Strict (default) or lenient.
    pub dialect: Dialect,
    /// Input longer than this many bytes is refused (`too_long`). Default 16 384.
    pub max_len: usize,
    /// Parentheses, `not` and brackets nested deeper than this are refused (`too_deep`).
    /// Default 32; values above [`MAX_DEPTH_CEILING`] count as the ceiling.
    pub max_depth: usize,
    /// More attribute expressions than this are refused (`too_many_terms`). Default 512.
    pub max_terms: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            dialect: Dialect::Strict,
            max_len: 16_384,
            max_depth: 32,
            max_terms: 512,
        }
    }
}

impl ParseOptions {
    /// The defaults with the given dialect.
    pub fn dialect(dialect: Dialect) -> Self {
        ParseOptions {
            dialect,
            ..ParseOptions::default()
        }
    }
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    peeked: Option<Token>,
    options: &'a ParseOptions,
    depth: usize,
    terms: usize,
    in_brackets: bool,
    /// Parsing a PATCH path, where `].sub` is grammar rather than an Entra extension.
    path_mode: bool,
}

fn err(kind: FilterErrorKind, span: Span) -> FilterError {
    FilterError::new(kind, span)
}

pub(crate) fn parse_filter(text: &str, options: &ParseOptions) -> Result<Filter, FilterError> {
    parse_filter_inner(text, options).map_err(|e| e.with_input(text, Language::Filter))
}

pub(crate) fn parse_path(text: &str, options: &ParseOptions) -> Result<Path, FilterError> {
    parse_path_inner(text, options).map_err(|e| e.with_input(text, Language::Path))
}

fn check_input(text: &str, options: &ParseOptions) -> Result<(), FilterError> {
    if text.len() > options.max_len {
        return Err(err(
            FilterErrorKind::TooLong {
                limit: options.max_len,
            },
            Span::new(options.max_len, text.len()),
        ));
    }
    if text.trim().is_empty() {
        return Err(err(FilterErrorKind::Empty, Span::new(0, text.len())));
    }
    Ok(())
}

fn parse_filter_inner(text: &str, options: &ParseOptions) -> Result<Filter, FilterError> {
    check_input(text, options)?;
    let mut p = Parser::new(text, options);
    let filter = p.or()?;
    let next = p.bump()?;
    match next.kind {
        TokenKind::End => Ok(filter),
        TokenKind::RParen => Err(err(FilterErrorKind::UnbalancedParenthesis, next.span)),
        _ => Err(err(FilterErrorKind::ExpectedLogicalOperator, next.span)),
    }
}

fn parse_path_inner(text: &str, options: &ParseOptions) -> Result<Path, FilterError> {
    check_input(text, options)?;
    let mut p = Parser::new(text, options);
    p.path_mode = true;
    let first = p.bump()?;
    if first.kind != TokenKind::Word {
        return Err(err(FilterErrorKind::ExpectedAttributePath, first.span));
    }
    let attr = p.attr_path(first.span)?;
    let mut path = Path {
        attr,
        value_filter: None,
        sub_attr: None,
    };
    if p.peek()?.kind == TokenKind::LBracket {
        if path.attr.sub_attr.is_some() {
            return Err(err(FilterErrorKind::InvalidAttributePath, path.attr.span));
        }
        let (filter, close) = p.bracketed()?;
        path.value_filter = Some(filter);
        if let Some(sub) = p.sub_after_bracket(close)? {
            path.sub_attr = Some(sub.0);
        }
    }
    let next = p.bump()?;
    if next.kind != TokenKind::End {
        return Err(err(FilterErrorKind::TrailingInput, next.span));
    }
    Ok(path)
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, options: &'a ParseOptions) -> Self {
        Parser {
            lexer: Lexer::new(text, options.dialect == Dialect::Lenient),
            peeked: None,
            options,
            depth: 0,
            terms: 0,
            in_brackets: false,
            path_mode: false,
        }
    }

    fn peek(&mut self) -> Result<&Token, FilterError> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lexer.next_token()?);
        }
        match &self.peeked {
            Some(token) => Ok(token),
            None => Err(err(
                FilterErrorKind::UnexpectedCharacter,
                Span::new(self.lexer.pos(), self.lexer.pos()),
            )),
        }
    }

    fn bump(&mut self) -> Result<Token, FilterError> {
        match self.peeked.take() {
            Some(token) => Ok(token),
            None => self.lexer.next_token(),
        }
    }

    fn text(&self, span: Span) -> &'a str {
        self.lexer.input().get(span.start..span.end).unwrap_or("")
    }

    fn peek_keyword(&mut self, keyword: &str) -> Result<bool, FilterError> {
        let token = self.peek()?.clone();
        Ok(token.kind == TokenKind::Word && self.text(token.span).eq_ignore_ascii_case(keyword))
    }

    fn enter(&mut self, span: Span) -> Result<(), FilterError> {
        let limit = self.options.max_depth.min(MAX_DEPTH_CEILING);
        self.depth += 1;
        if self.depth > limit {
            return Err(err(FilterErrorKind::TooDeep { limit }, span));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Filter, FilterError> {
        let first = self.and()?;
        if !self.peek_keyword("or")? {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.peek_keyword("or")? {
            self.bump()?;
            items.push(self.and()?);
        }
        Ok(Filter::Or(items))
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        let first = self.unary()?;
        if !self.peek_keyword("and")? {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.peek_keyword("and")? {
            self.bump()?;
            items.push(self.unary()?);
        }
        Ok(Filter::And(items))
    }

    fn unary(&mut self) -> Result<Filter, FilterError> {
        let token = self.bump()?;
        match token.kind {
            TokenKind::LParen => {
                let inner = self.group(token.span)?;
                Ok(inner)
            }
            TokenKind::Word => {
                // `not` is a keyword only before `(` (with or without a space: errata 7319);
                // otherwise it is an attribute called `not`.
                if self.text(token.span).eq_ignore_ascii_case("not")
                    && self.peek()?.kind == TokenKind::LParen
                {
                    let open = self.bump()?;
                    let inner = self.group(open.span)?;
                    return Ok(Filter::Not(Box::new(inner)));
                }
                self.attr_expr(token.span)
            }
            _ => Err(err(FilterErrorKind::ExpectedAttributePath, token.span)),
        }
    }

    /// After a `(`: the filter and its `)`.
    fn group(&mut self, open: Span) -> Result<Filter, FilterError> {
        self.enter(open)?;
        let inner = self.or()?;
        let close = self.bump()?;
        match close.kind {
            TokenKind::RParen => {}
            TokenKind::End => return Err(err(FilterErrorKind::UnbalancedParenthesis, open)),
            TokenKind::RBracket => return Err(err(FilterErrorKind::UnbalancedParenthesis, open)),
            _ => return Err(err(FilterErrorKind::ExpectedLogicalOperator, close.span)),
        }
        self.depth -= 1;
        Ok(inner)
    }

    fn count_term(&mut self, span: Span) -> Result<(), FilterError> {
        self.terms += 1;
        if self.terms > self.options.max_terms {
            return Err(err(
                FilterErrorKind::TooManyTerms {
                    limit: self.options.max_terms,
                },
                span,
            ));
        }
        Ok(())
    }

    fn attr_expr(&mut self, word: Span) -> Result<Filter, FilterError> {
        let path = self.attr_path(word)?;
        self.count_term(word)?;
        if self.peek()?.kind == TokenKind::LBracket {
            let (filter, close) = self.bracketed()?;
            let then = match self.sub_after_bracket(close)? {
                Some((sub_attr, _)) => Some(SubAttrTest {
                    sub_attr,
                    test: self.attr_test()?,
                }),
                None => None,
            };
            return Ok(Filter::ValuePath(ValuePath {
                attr: path,
                filter: Box::new(filter),
                then,
            }));
        }
        let test = self.attr_test()?;
        Ok(Filter::Attr(AttrExpr { path, test }))
    }

    /// `[valFilter]`; returns the filter and the span of `]`.
    fn bracketed(&mut self) -> Result<(Filter, Span), FilterError> {
        let open = self.bump()?;
        if self.in_brackets {
            return Err(err(FilterErrorKind::NestedValuePath, open.span));
        }
        self.enter(open.span)?;
        self.in_brackets = true;
        let inner = self.or()?;
        self.in_brackets = false;
        let close = self.bump()?;
        match close.kind {
            TokenKind::RBracket => {}
            TokenKind::End => return Err(err(FilterErrorKind::UnclosedBracket, open.span)),
            TokenKind::RParen => {
                return Err(err(FilterErrorKind::UnbalancedParenthesis, close.span));
            }
            _ => return Err(err(FilterErrorKind::ExpectedLogicalOperator, close.span)),
        }
        self.depth -= 1;
        Ok((inner, close.span))
    }

    /// `.subAttr` right after `]` (no space between). In a filter only the lenient dialect takes
    /// it; in a PATCH path it is part of the grammar.
    fn sub_after_bracket(&mut self, close: Span) -> Result<Option<(String, Span)>, FilterError> {
        let dot = self.peek()?.clone();
        if dot.kind != TokenKind::Dot || dot.span.start != close.end {
            return Ok(None);
        }
        self.bump()?;
        let name = self.bump()?;
        if name.kind != TokenKind::Word || name.span.start != dot.span.end {
            return Err(err(
                FilterErrorKind::InvalidAttributePath,
                Span::new(dot.span.start, name.span.end),
            ));
        }
        let text = self.text(name.span);
        if !self.is_attr_name(text) {
            return Err(err(FilterErrorKind::InvalidAttributePath, name.span));
        }
        let whole = Span::new(dot.span.start, name.span.end);
        // A PATCH path takes `.sub` in both dialects; a filter only in the lenient one.
        if !self.path_mode && self.options.dialect == Dialect::Strict {
            return Err(err(FilterErrorKind::ValuePathSubAttribute, whole));
        }
        Ok(Some((text.to_owned(), whole)))
    }

    fn attr_test(&mut self) -> Result<AttrTest, FilterError> {
        let token = self.bump()?;
        if token.kind != TokenKind::Word {
            return Err(err(FilterErrorKind::ExpectedOperator, token.span));
        }
        let word = self.text(token.span);
        if word.eq_ignore_ascii_case("pr") {
            return Ok(AttrTest::Present);
        }
        let op = CompareOp::from_word(word)
            .ok_or_else(|| err(FilterErrorKind::ExpectedOperator, token.span))?;
        let value = self.comp_value()?;
        Ok(AttrTest::Compare(op, value))
    }

    fn comp_value(&mut self) -> Result<CompValue, FilterError> {
        let token = self.bump()?;
        match token.kind {
            TokenKind::String(s) => Ok(CompValue::String(s)),
            TokenKind::Number(n) => Ok(CompValue::Number(n)),
            TokenKind::Word => {
                let word = self.text(token.span);
                let lenient = self.options.dialect == Dialect::Lenient;
                let is = |lit: &str| word == lit || (lenient && word.eq_ignore_ascii_case(lit));
                if is("true") {
                    Ok(CompValue::Bool(true))
                } else if is("false") {
                    Ok(CompValue::Bool(false))
                } else if is("null") {
                    Ok(CompValue::Null)
                } else {
                    Err(err(FilterErrorKind::InvalidLiteral, token.span))
                }
            }
            _ => Err(err(FilterErrorKind::ExpectedValue, token.span)),
        }
    }

    /// ATTRNAME = ALPHA *(ALPHA / DIGIT / "-" / "_"); the lenient dialect also lets it start
    /// with `$` (`$ref`).
    fn is_attr_name(&self, name: &str) -> bool {
        let mut bytes = name.bytes();
        let first_ok = match bytes.next() {
            Some(b) if b.is_ascii_alphabetic() => true,
            Some(b'$') => self.options.dialect == Dialect::Lenient && name.len() > 1,
            _ => false,
        };
        first_ok && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }

    /// Splits a word into URN, name and sub-attribute: the URN ends at the last `:`.
    fn attr_path(&self, span: Span) -> Result<AttrPath, FilterError> {
        let text = self.text(span);
        let bad = || err(FilterErrorKind::InvalidAttributePath, span);
        let (urn, rest) = match text.rsplit_once(':') {
            Some((urn, rest)) => {
                if !urn.starts_with(|c: char| c.is_ascii_alphabetic()) || urn.contains("::") {
                    return Err(bad());
                }
                (Some(urn.to_owned()), rest)
            }
            None => (None, text),
        };
        let (name, sub_attr) = match rest.split_once('.') {
            Some((name, sub)) => (name, Some(sub)),
            None => (rest, None),
        };
        if !self.is_attr_name(name) || sub_attr.is_some_and(|s| !self.is_attr_name(s)) {
            return Err(bad());
        }
        Ok(AttrPath {
            urn,
            name: name.to_owned(),
            sub_attr: sub_attr.map(str::to_owned),
            span,
        })
    }
}
