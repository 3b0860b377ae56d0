//! Attribute paths (`urn:…:User:name.givenName`) and PATCH paths (RFC 7644 §3.5.2:
//! `attrPath / valuePath [subAttr]`, e.g. `emails[type eq "work"].value`).

use std::fmt;

use crate::dialect::Dialect;
use crate::filter::{Filter, FilterError, ParseOptions, Span};

/// An attribute path as written: an optional schema URN, a name and an optional sub-attribute.
///
/// The URN is everything before the last `:` (so `…:enterprise:2.0:User:manager.value` splits
/// into the enterprise schema URN, `manager` and `value`, never at the `.` of `2.0`). Names keep
/// their spelling; matching against a schema is case-insensitive (RFC 7643 §2.1). Equality
/// ignores the span.
#[derive(Clone, Debug, Eq)]
pub struct AttrPath {
    /// The schema URN, without the final `:`.
    pub urn: Option<String>,
    /// The attribute name.
    pub name: String,
    /// The sub-attribute name.
    pub sub_attr: Option<String>,
    /// Where the path was in the text it was parsed from.
    pub span: Span,
}

impl AttrPath {
    /// A path from parts, for filters and paths built in code.
    pub fn new(urn: Option<&str>, name: &str, sub_attr: Option<&str>) -> Self {
        AttrPath {
            urn: urn.map(str::to_owned),
            name: name.to_owned(),
            sub_attr: sub_attr.map(str::to_owned),
            span: Span::default(),
        }
    }

    /// If the path is a bare schema URN such as
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User` (which splits into a URN and a
    /// "name" `User`), that URN; a caller that knows the schema decides whether it is one.
    pub fn as_schema_urn(&self) -> Option<String> {
        match (&self.urn, &self.sub_attr) {
            (Some(urn), None) => Some(format!("{urn}:{}", self.name)),
            _ => None,
        }
    }
}

impl PartialEq for AttrPath {
    fn eq(&self, other: &Self) -> bool {
        self.urn == other.urn && self.name == other.name && self.sub_attr == other.sub_attr
    }
}

impl std::hash::Hash for AttrPath {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (&self.urn, &self.name, &self.sub_attr).hash(state);
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub_attr {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// A PATCH operation's target (RFC 7644 §3.5.2): an attribute path, or a valuePath with an
/// optional sub-attribute after the brackets.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    /// The attribute (for a valuePath, the multi-valued complex attribute before `[`).
    pub attr: AttrPath,
    /// The filter in brackets, over the attribute's sub-attributes.
    pub value_filter: Option<Filter>,
    /// The sub-attribute after `].`, as in `emails[type eq "work"].value`.
    pub sub_attr: Option<String>,
}

impl Path {
    /// Parses a PATCH path with the default limits. Errors answer with `invalidPath`.
    ///
    /// ```
    /// use fedkit_scim::{Dialect, path::Path};
    /// let p = Path::parse(r#"emails[type eq "work"].value"#, Dialect::Strict).unwrap();
    /// assert_eq!(p.attr.name, "emails");
    /// assert_eq!(p.sub_attr.as_deref(), Some("value"));
    /// assert_eq!(p.to_string(), r#"emails[type eq "work"].value"#);
    /// ```
    pub fn parse(text: &str, dialect: Dialect) -> Result<Path, FilterError> {
        Path::parse_with(
            text,
            &ParseOptions {
                dialect,
                ..ParseOptions::default()
            },
        )
    }

    /// Parses a PATCH path with the given dialect and limits.
    pub fn parse_with(text: &str, options: &ParseOptions) -> Result<Path, FilterError> {
        crate::filter::parser::parse_path(text, options)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.attr)?;
        if let Some(filter) = &self.value_filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = &self.sub_attr {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}
