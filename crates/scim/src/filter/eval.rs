//! Evaluation of a bound filter on a JSON resource. Attribute names match case-insensitively
//! (exact spelling first, then a scan), a multi-valued attribute matches when any value does,
//! and nothing is allocated per resource.

use std::cmp::Ordering;

use chrono::DateTime;
use serde_json::{Map, Value};

use super::ast::CompareOp;
use super::bind::{Access, BoundFilter, Check, Node, Operand, Test};
use super::error::{FilterError, FilterErrorKind, Span};
use super::fold;

impl BoundFilter {
    /// Whether the resource (a JSON object) matches. For a filter bound with
    /// [`Filter::bind_sub_attributes`](super::Filter::bind_sub_attributes), pass one element of
    /// the complex attribute.
    ///
    /// Fails only when `resource` is not a JSON object.
    pub fn matches(&self, resource: &Value) -> Result<bool, FilterError> {
        match resource {
            Value::Object(object) => Ok(eval(&self.node, object)),
            _ => Err(FilterError::new(
                FilterErrorKind::NotAnObject,
                Span::default(),
            )),
        }
    }
}

fn eval(node: &Node, object: &Map<String, Value>) -> bool {
    match node {
        Node::And(items) => items.iter().all(|n| eval(n, object)),
        Node::Or(items) => items.iter().any(|n| eval(n, object)),
        Node::Not(inner) => !eval(inner, object),
        Node::Test(test) => eval_test(test, object),
        Node::ValuePath { attr, filter } => match attribute(object, attr) {
            Some(Value::Array(items)) if attr.multi_valued => items
                .iter()
                .any(|item| item.as_object().is_some_and(|o| eval(filter, o))),
            Some(Value::Object(single)) if !attr.multi_valued => eval(filter, single),
            _ => false,
        },
    }
}

/// A key of a JSON object, in its schema spelling or else in any letter case.
///
/// One pass over the members comparing lengths first: a key's length sits in the map node, its
/// bytes behind a pointer, so most members are ruled out without touching their text (a tree
/// search would read the text of every key it passes, and a miss would need a second scan).
pub(crate) fn get<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    let mut folded = None;
    for (k, v) in object {
        if k.len() != key.len() {
            continue;
        }
        if k == key {
            return Some(v);
        }
        if folded.is_none() && k.eq_ignore_ascii_case(key) {
            folded = Some(v);
        }
    }
    folded
}

fn attribute<'a>(object: &'a Map<String, Value>, access: &Access) -> Option<&'a Value> {
    let home = match &access.extension {
        None => object,
        Some(urn) => get(object, urn)?.as_object()?,
    };
    get(home, &access.name)
}

/// Calls `f` on each value the access names until one returns true.
fn any_value(
    object: &Map<String, Value>,
    access: &Access,
    mut f: impl FnMut(&Value) -> bool,
) -> bool {
    let Some(value) = attribute(object, access) else {
        return false;
    };
    let mut each = |v: &Value| match &access.sub {
        None => f(v),
        Some(sub) => v.as_object().and_then(|o| get(o, sub)).is_some_and(&mut f),
    };
    if access.multi_valued {
        match value {
            Value::Array(items) => items.iter().any(each),
            _ => false,
        }
    } else {
        each(value)
    }
}

/// RFC 7644 §3.4.2.2 `pr`: not null, not "", not [] and not {}.
pub(crate) fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(members) => !members.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// RFC 7643 §2.5: not unassigned, null or an empty array.
fn is_assigned(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Array(items) => !items.is_empty(),
        _ => true,
    }
}

fn eval_test(test: &Test, object: &Map<String, Value>) -> bool {
    match &test.check {
        Check::Present => any_value(object, &test.access, is_present),
        Check::Assigned => any_value(object, &test.access, is_assigned),
        Check::Compare(op, operand) => {
            any_value(object, &test.access, |v| compare(*op, operand, v))
        }
    }
}

fn ordering_holds(op: CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Ne | CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn compare(op: CompareOp, operand: &Operand, value: &Value) -> bool {
    match operand {
        Operand::Str { text, case_exact } => {
            let Value::String(s) = value else {
                return false;
            };
            match (op, case_exact) {
                (CompareOp::Co, true) => s.contains(text.as_str()),
                (CompareOp::Sw, true) => s.starts_with(text.as_str()),
                (CompareOp::Ew, true) => s.ends_with(text.as_str()),
                (CompareOp::Co, false) => fold::contains(s, text),
                (CompareOp::Sw, false) => fold::starts_with(s, text),
                (CompareOp::Ew, false) => fold::ends_with(s, text),
                (_, true) => ordering_holds(op, s.as_str().cmp(text.as_str())),
                (CompareOp::Eq, false) => fold::eq(s, text),
                (_, false) => ordering_holds(op, fold::cmp(s, text)),
            }
        }
        Operand::Bool(b) => value.as_bool() == Some(*b) && op == CompareOp::Eq,
        Operand::Int(i) => match value {
            Value::Number(n) => match n.as_i64() {
                Some(v) => ordering_holds(op, v.cmp(i)),
                None => n
                    .as_f64()
                    .and_then(|v| v.partial_cmp(&(*i as f64)))
                    .is_some_and(|o| ordering_holds(op, o)),
            },
            _ => false,
        },
        Operand::Dec(d) => match value {
            Value::Number(n) => n
                .as_f64()
                .and_then(|v| v.partial_cmp(d))
                .is_some_and(|o| ordering_holds(op, o)),
            _ => false,
        },
        Operand::Time { at, .. } => {
            let Value::String(s) = value else {
                return false;
            };
            DateTime::parse_from_rfc3339(s).is_ok_and(|v| ordering_holds(op, v.cmp(at)))
        }
    }
}
