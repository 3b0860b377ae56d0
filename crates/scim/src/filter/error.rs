//! Errors of the filter and path languages: what went wrong, where, and how it prints.

use std::fmt;

/// A byte range of the input text, `start..end`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
}

/// What was wrong with a filter or path. Every variant is the client's fault (bad input) unless
/// it says otherwise; [`FilterErrorKind::code`] is stable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FilterErrorKind {
    /// The input is empty or only whitespace.
    #[error("the filter is empty")]
    Empty,
    /// The input is longer than the configured byte limit.
    #[error("the filter is longer than {limit} bytes")]
    TooLong {
        /// The configured limit.
        limit: usize,
    },
    /// Parentheses, `not` and brackets nest deeper than the configured limit.
    #[error("the filter nests deeper than {limit} levels")]
    TooDeep {
        /// The configured limit.
        limit: usize,
    },
    /// More attribute expressions than the configured limit.
    #[error("the filter has more than {limit} attribute expressions")]
    TooManyTerms {
        /// The configured limit.
        limit: usize,
    },
    /// A character that starts no token (`'`, `!`, `=`, …).
    #[error("unexpected character")]
    UnexpectedCharacter,
    /// A string literal without its closing quote.
    #[error("unterminated string")]
    UnterminatedString,
    /// A string literal that is not a JSON string (bad escape, control character, lone surrogate).
    #[error("invalid string literal (compValue strings are JSON strings, RFC 7644 §3.4.2.2)")]
    InvalidString,
    /// A number that is not a JSON number (`01`, `1.`, `+1`, `.5`, out of range).
    #[error("invalid number (compValue numbers are JSON numbers)")]
    InvalidNumber,
    /// An attribute path that breaks the ATTRNAME rule or has more than one sub-attribute.
    #[error("invalid attribute path")]
    InvalidAttributePath,
    /// An attribute path was expected here.
    #[error("expected an attribute path")]
    ExpectedAttributePath,
    /// An attribute operator (eq ne co sw ew gt lt ge le pr) or `[` was expected here.
    #[error("expected an operator: eq, ne, co, sw, ew, gt, lt, ge, le or pr")]
    ExpectedOperator,
    /// A comparison value was expected here.
    #[error("expected a comparison value: a JSON string, number, true, false or null")]
    ExpectedValue,
    /// A bare word where a comparison value belongs (`True`, `x`): not a JSON literal.
    #[error("not a JSON literal; strings need double quotes and true/false/null are lower-case")]
    InvalidLiteral,
    /// `and` or `or` (or the end) was expected here.
    #[error("expected `and`, `or` or the end of the filter")]
    ExpectedLogicalOperator,
    /// A `(` without its `)`, or a `)` without its `(`.
    #[error("unbalanced parenthesis")]
    UnbalancedParenthesis,
    /// A `[` without its `]`.
    #[error("unclosed bracket")]
    UnclosedBracket,
    /// A valuePath inside a valuePath (RFC 7644 errata 4690).
    #[error("a valuePath cannot contain another valuePath")]
    NestedValuePath,
    /// A valuePath followed by `.subAttr`: PATCH-path syntax that the strict dialect refuses in a
    /// filter (RFC 7644 §3.5.2; Entra sends it, see `Dialect::Lenient`).
    #[error("`valuePath.subAttr` is PATCH-path syntax, not a filter (use the lenient dialect)")]
    ValuePathSubAttribute,
    /// Text left over after a complete path.
    #[error("unexpected text after the path")]
    TrailingInput,
    /// The attribute is not defined in the schema it was bound against.
    #[error("unknown attribute `{0}`")]
    UnknownAttribute(String),
    /// The comparison value's JSON type does not fit the attribute's type.
    #[error("`{attribute}` is of type {expected}; the comparison value does not fit")]
    ValueTypeMismatch {
        /// The attribute as written.
        attribute: String,
        /// The attribute's SCIM type.
        expected: &'static str,
    },
    /// `gt`, `ge`, `lt` or `le` on a boolean or binary attribute, or against `null`
    /// (RFC 7644 §3.4.2.2).
    #[error("`{op}` cannot order values of `{attribute}` ({reason})")]
    OrderingNotAllowed {
        /// The operator.
        op: &'static str,
        /// The attribute as written.
        attribute: String,
        /// Why: the type, or `null`.
        reason: &'static str,
    },
    /// `co`, `sw` or `ew` on an attribute that is not a string.
    #[error("`{op}` needs a string attribute; `{attribute}` is not one")]
    SubstringNotAllowed {
        /// The operator.
        op: &'static str,
        /// The attribute as written.
        attribute: String,
    },
    /// A comparison value for a dateTime attribute that is not an RFC 3339 date-time.
    #[error("`{0}` is a dateTime attribute; the value is not an RFC 3339 date-time")]
    InvalidDateTime(String),
    /// A sub-attribute on an attribute that is not complex, or a complex attribute compared
    /// without a sub-attribute where it has no `value` sub-attribute.
    #[error("`{0}` has no such sub-attribute")]
    InvalidSubAttribute(String),
    /// A valuePath (`attr[…]`) on an attribute that is not complex.
    #[error("`{0}` is not complex, so it cannot take a value filter")]
    ValuePathOnSimple(String),
    /// [`BoundFilter::matches`](super::BoundFilter::matches) was given something other than a
    /// JSON object (the caller's mistake).
    #[error("the resource to match is not a JSON object")]
    NotAnObject,
    /// [`BoundFilter::to_sql`](super::BoundFilter::to_sql) was given a column that is not an SQL
    /// identifier, or a schema with a name SQL cannot quote safely (the caller's mistake).
    #[error("`{0}` is not usable as an SQL identifier or JSON key")]
    InvalidColumnName(String),
    /// An attribute name inside brackets that carries a schema URN or a sub-attribute.
    #[error("inside brackets only sub-attribute names are allowed: `{0}`")]
    QualifiedNameInValuePath(String),
}

impl FilterErrorKind {
    /// A stable snake_case name for this kind.
    pub fn code(&self) -> &'static str {
        use FilterErrorKind::*;
        match self {
            Empty => "empty",
            TooLong { .. } => "too_long",
            TooDeep { .. } => "too_deep",
            TooManyTerms { .. } => "too_many_terms",
            UnexpectedCharacter => "unexpected_character",
            UnterminatedString => "unterminated_string",
            InvalidString => "invalid_string",
            InvalidNumber => "invalid_number",
            InvalidAttributePath => "invalid_attribute_path",
            ExpectedAttributePath => "expected_attribute_path",
            ExpectedOperator => "expected_operator",
            ExpectedValue => "expected_value",
            InvalidLiteral => "invalid_literal",
            ExpectedLogicalOperator => "expected_logical_operator",
            UnbalancedParenthesis => "unbalanced_parenthesis",
            UnclosedBracket => "unclosed_bracket",
            NestedValuePath => "nested_value_path",
            ValuePathSubAttribute => "value_path_sub_attribute",
            TrailingInput => "trailing_input",
            UnknownAttribute(_) => "unknown_attribute",
            ValueTypeMismatch { .. } => "value_type_mismatch",
            OrderingNotAllowed { .. } => "ordering_not_allowed",
            SubstringNotAllowed { .. } => "substring_not_allowed",
            InvalidDateTime(_) => "invalid_date_time",
            InvalidSubAttribute(_) => "invalid_sub_attribute",
            ValuePathOnSimple(_) => "value_path_on_simple",
            QualifiedNameInValuePath(_) => "qualified_name_in_value_path",
            NotAnObject => "not_an_object",
            InvalidColumnName(_) => "invalid_column_name",
        }
    }
}

/// Whether an error came from a filter or from a PATCH path; decides the SCIM `scimType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Language {
    /// A filter (`?filter=`, `/.search`, the inside of a valuePath).
    Filter,
    /// A PATCH operation's `path`.
    Path,
}

/// A rejected filter or path: the kind, the byte span it concerns, and the input text, which
/// [`Display`](fmt::Display) prints with a caret under the span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    kind: FilterErrorKind,
    span: Span,
    input: String,
    language: Language,
}

impl FilterError {
    pub(crate) fn new(kind: FilterErrorKind, span: Span) -> Self {
        FilterError {
            kind,
            span,
            input: String::new(),
            language: Language::Filter,
        }
    }

    pub(crate) fn with_input(mut self, input: &str, language: Language) -> Self {
        input.clone_into(&mut self.input);
        self.language = language;
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &FilterErrorKind {
        &self.kind
    }

    /// The stable code of the kind, e.g. `unterminated_string`.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The byte range of the input the error is about.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The input text the span refers to (empty for errors of filters built in code).
    pub fn input(&self) -> &str {
        &self.input
    }

    /// The SCIM `scimType` this error answers with (RFC 7644 §3.12): `invalidFilter` for
    /// filters, `invalidPath` for PATCH paths.
    pub fn scim_type(&self) -> &'static str {
        match self.language {
            Language::Filter => "invalidFilter",
            Language::Path => "invalidPath",
        }
    }

    /// Attaches the text a bound filter was parsed from, so the caret display can show it.
    pub fn with_source(self, input: &str) -> Self {
        let language = self.language;
        self.with_input(input, language)
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}..{}", self.kind, self.span.start, self.span.end)?;
        if self.input.is_empty() || self.input.contains(['\n', '\r']) {
            return Ok(());
        }
        // The caret line counts characters, not bytes, so it lines up under multi-byte text.
        let start = self
            .input
            .get(..self.span.start)
            .map_or(0, |s| s.chars().count());
        let width = self
            .input
            .get(self.span.start..self.span.end)
            .map_or(1, |s| s.chars().count())
            .max(1);
        write!(
            f,
            "\n{}\n{}{}",
            self.input,
            " ".repeat(start),
            "^".repeat(width)
        )
    }
}

impl std::error::Error for FilterError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.kind)
    }
}
