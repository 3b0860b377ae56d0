//! Which spelling of the filter and path languages a parser accepts.

/// The language a filter or path is parsed in.
///
/// [`Dialect::Strict`] is RFC 7644 §3.4.2.2 and §3.5.2 as written (plus the errata that the RFC's
/// own examples need: `not (` with a space, parentheses inside brackets). [`Dialect::Lenient`]
/// also accepts what identity providers are seen to send, each extension named below; use it only
/// on input from such a client.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// RFC 7644 grammar only. The default.
    #[default]
    Strict,
    /// Strict, plus:
    /// - a valuePath followed by a sub-attribute and a test, as Entra ID sends for uniqueness
    ///   checks: `emails[type eq "work"].value eq "x"` (research/scim.md §3 #33);
    /// - `$` at the start of attribute names, as in `members[$ref eq "…"]` (RFC 7643 allows
    ///   `$ref`, the RFC 7644 filter ABNF does not; §3 #38);
    /// - the literals `true`, `false` and `null` in any letter case (`True`, `FALSE`);
    /// - tabs, carriage returns and line feeds between tokens (the ABNF has only `SP`).
    Lenient,
}

impl Dialect {
    /// The name used on command lines and in test data: `strict` or `lenient`.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Strict => "strict",
            Dialect::Lenient => "lenient",
        }
    }
}
