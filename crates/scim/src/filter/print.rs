//! Canonical text: keywords and operators lower-case, one space between tokens, strings in
//! minimal JSON escaping, numbers as serde_json writes them, and parentheses exactly where the
//! tree needs them (a nested `or` under `and`, a same-operator chain grouped on purpose).

use std::fmt;

use super::ast::{AttrExpr, AttrTest, CompValue, Filter, SubAttrTest, ValuePath};

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Null => f.write_str("null"),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Number(n) => write!(f, "{n}"),
            CompValue::String(s) => {
                // Serialising a &str to JSON cannot fail.
                let json = serde_json::to_string(s).map_err(|_| fmt::Error)?;
                f.write_str(&json)
            }
        }
    }
}

impl fmt::Display for AttrTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttrTest::Present => f.write_str("pr"),
            AttrTest::Compare(op, value) => write!(f, "{} {value}", op.as_str()),
        }
    }
}

impl fmt::Display for AttrExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.path, self.test)
    }
}

impl fmt::Display for SubAttrTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, ".{} {}", self.sub_attr, self.test)
    }
}

impl fmt::Display for ValuePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.attr, self.filter)?;
        if let Some(then) = &self.then {
            write!(f, "{then}")?;
        }
        Ok(())
    }
}

fn chain(
    f: &mut fmt::Formatter<'_>,
    items: &[Filter],
    keyword: &str,
    parent_is_and: bool,
) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            write!(f, " {keyword} ")?;
        }
        let needs_parens = match item {
            Filter::Or(_) => true,
            Filter::And(_) => parent_is_and,
            _ => false,
        };
        if needs_parens {
            write!(f, "({item})")?;
        } else {
            write!(f, "{item}")?;
        }
    }
    Ok(())
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Attr(expr) => write!(f, "{expr}"),
            Filter::ValuePath(vp) => write!(f, "{vp}"),
            Filter::Not(inner) => write!(f, "not ({inner})"),
            Filter::And(items) => chain(f, items, "and", true),
            Filter::Or(items) => chain(f, items, "or", false),
        }
    }
}
