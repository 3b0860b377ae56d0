//! The filter syntax tree: faithful to the text (names keep their spelling, explicit grouping of a
//! same-operator chain is kept), printable back to canonical text by `Display`.

use crate::path::AttrPath;

/// An attribute operator of RFC 7644 §3.4.2.2 other than `pr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `co`: contains.
    Co,
    /// `sw`: starts with.
    Sw,
    /// `ew`: ends with.
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `lt`: less than.
    Lt,
    /// `ge`: greater than or equal.
    Ge,
    /// `le`: less than or equal.
    Le,
}

impl CompareOp {
    /// The operator in its canonical lower-case spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Lt => "lt",
            CompareOp::Ge => "ge",
            CompareOp::Le => "le",
        }
    }

    /// The operator for a word, matched case-insensitively (RFC 7644 §3.4.2.2).
    pub fn from_word(word: &str) -> Option<Self> {
        const ALL: [CompareOp; 9] = [
            CompareOp::Eq,
            CompareOp::Ne,
            CompareOp::Co,
            CompareOp::Sw,
            CompareOp::Ew,
            CompareOp::Gt,
            CompareOp::Lt,
            CompareOp::Ge,
            CompareOp::Le,
        ];
        ALL.into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(word))
    }

    /// Whether this is one of the ordering operators `gt`, `ge`, `lt`, `le`.
    pub fn is_ordering(self) -> bool {
        matches!(
            self,
            CompareOp::Gt | CompareOp::Lt | CompareOp::Ge | CompareOp::Le
        )
    }

    /// Whether this is one of the substring operators `co`, `sw`, `ew`.
    pub fn is_substring(self) -> bool {
        matches!(self, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
    }
}

/// A comparison value: a JSON literal (RFC 7644 §3.4.2.2 `compValue`).
#[derive(Clone, Debug, PartialEq)]
pub enum CompValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A JSON number.
    Number(serde_json::Number),
    /// A JSON string, unescaped.
    String(String),
}

/// What an attribute expression tests.
#[derive(Clone, Debug, PartialEq)]
pub enum AttrTest {
    /// `pr`: the attribute has a non-empty value.
    Present,
    /// `op compValue`.
    Compare(CompareOp, CompValue),
}

/// `attrPath pr` or `attrPath op compValue`.
#[derive(Clone, Debug, PartialEq)]
pub struct AttrExpr {
    /// The attribute tested.
    pub path: AttrPath,
    /// The test.
    pub test: AttrTest,
}

/// `attrPath[valFilter]`: some value of a complex attribute matches the inner filter.
#[derive(Clone, Debug, PartialEq)]
pub struct ValuePath {
    /// The complex attribute.
    pub attr: AttrPath,
    /// The filter over its sub-attributes.
    pub filter: Box<Filter>,
    /// Lenient dialect only: `attr[filter].sub op value` (Entra ID) — a value that matches the
    /// filter must also pass this test on its sub-attribute `sub`.
    pub then: Option<SubAttrTest>,
}

/// The `.sub op value` tail of Entra's `emails[type eq "work"].value eq "x"`.
#[derive(Clone, Debug, PartialEq)]
pub struct SubAttrTest {
    /// The sub-attribute name as written.
    pub sub_attr: String,
    /// The test on it.
    pub test: AttrTest,
}

/// A parsed filter.
///
/// `and`/`or` chains are flat (`a and b and c` is one `And` of three); parentheses around a
/// same-operator chain are kept as nesting, so printing gives back an equal tree.
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    /// An attribute expression.
    Attr(AttrExpr),
    /// A valuePath.
    ValuePath(ValuePath),
    /// `not (filter)`.
    Not(Box<Filter>),
    /// Two or more filters joined by `and`.
    And(Vec<Filter>),
    /// Two or more filters joined by `or`.
    Or(Vec<Filter>),
}
