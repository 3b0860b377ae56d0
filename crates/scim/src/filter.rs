//! SCIM filters (RFC 7644 §3.4.2.2), in stages like regex-syntax: text → tokens with spans
//! ([`lexer`](self)) → [`Filter`] syntax tree that prints back to canonical text → [`BoundFilter`]
//! resolved against a schema → evaluation on JSON resources, or translation to SQL.
//!
//! ```
//! use fedkit_scim::{Dialect, Filter};
//! let f = Filter::parse(r#"userName Eq "bjensen" and not(title pr)"#, Dialect::Strict).unwrap();
//! assert_eq!(f.to_string(), r#"userName eq "bjensen" and not (title pr)"#);
//! ```

mod ast;
mod bind;
mod error;
mod eval;
mod fold;
mod lexer;
pub(crate) mod parser;
mod print;
mod sql;

pub use ast::{AttrExpr, AttrTest, CompValue, CompareOp, Filter, SubAttrTest, ValuePath};
pub use bind::BoundFilter;
pub use error::{FilterError, FilterErrorKind, Span};
pub use fold::fold_case;
pub use parser::{MAX_DEPTH_CEILING, ParseOptions};
pub use sql::{SQL_FOLD_FUNCTION, SqlDialect, SqlWhere, postgres_fold_function};

use crate::dialect::Dialect;

impl Filter {
    /// Parses a filter in the given dialect with the default limits of [`ParseOptions`].
    pub fn parse(text: &str, dialect: Dialect) -> Result<Filter, FilterError> {
        parser::parse_filter(text, &ParseOptions::dialect(dialect))
    }

    /// Parses a filter with the given dialect and limits.
    pub fn parse_with(text: &str, options: &ParseOptions) -> Result<Filter, FilterError> {
        parser::parse_filter(text, options)
    }
}
