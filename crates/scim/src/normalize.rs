//! The lenient input normaliser for PatchOp bodies from identity providers that do not send
//! RFC 7644 exactly (research/scim.md §3). It rewrites the body into the strict form and says
//! what it rewrote; [`crate::patch::PatchRequest::parse`] then checks the result as usual.
//!
//! Rewrites, each reported as a [`Rewrite`]:
//! - `op` in another case (`Add`, `Replace`, `REMOVE`; Entra ID, §3 #1–2) → lower case;
//! - `"True"`/`"False"` strings where the schema says boolean (§3 #3–5) → JSON booleans;
//! - pathless values with dotted keys (`name.givenName`, §3 #6–7) or URN-qualified keys
//!   (`urn:…:enterprise:2.0:User:department`, §3 #9) → one operation with that path per key;
//! - `remove` of a multi-valued attribute with a list of values (`members` + `[{"value": id}]`,
//!   §3 #11–14), or of a singular complex one such as `manager` with its value → one `remove`
//!   of `members[value eq "id"]` per listed value, so only what was listed goes;
//! - a bare string for a singular complex attribute with a `value` sub-attribute (enterprise
//!   `manager`, §3 #20) → `{"value": …}`.

use serde_json::{Map, Value};

use crate::dialect::Dialect;
use crate::path::Path;
use crate::resource::get_ci;
use crate::schema::{AttributeDef, AttributeType, ResourceSchema};

/// Which rewrite the normaliser made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RewriteKind {
    /// `op` lower-cased.
    OpCase,
    /// A `"True"`/`"False"` string turned into a boolean.
    BooleanString,
    /// A pathless value key with a dot or a URN split into its own operation.
    PathlessKey,
    /// A `remove` with a value list split into per-value removals.
    RemoveWithValue,
    /// A bare string wrapped as `{"value": …}`.
    BareValue,
}

impl RewriteKind {
    /// A stable snake_case name.
    pub fn code(self) -> &'static str {
        match self {
            RewriteKind::OpCase => "op_case",
            RewriteKind::BooleanString => "boolean_string",
            RewriteKind::PathlessKey => "pathless_key",
            RewriteKind::RemoveWithValue => "remove_with_value",
            RewriteKind::BareValue => "bare_value",
        }
    }
}

/// One rewrite: which operation of the input (0-based) and what was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// The index of the operation in the input body.
    pub operation: usize,
    /// The kind of rewrite.
    pub kind: RewriteKind,
    /// What was rewritten, for logs.
    pub detail: String,
}

/// A normalised body and the rewrites that made it.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalized {
    /// The body in RFC 7644 form (as far as the rewrites go).
    pub body: Value,
    /// What was changed, in order.
    pub rewrites: Vec<Rewrite>,
}

/// Normalises a PatchOp body for a resource type. Input it does not understand is left as it
/// is, for the strict parser to reject.
///
/// ```
/// use fedkit_scim::normalize::{normalize_patch, RewriteKind};
/// use fedkit_scim::ResourceSchema;
/// let entra = serde_json::json!({
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///     "Operations": [{"op": "Replace", "path": "active", "value": "False"}]
/// });
/// let out = normalize_patch(&entra, ResourceSchema::users());
/// assert_eq!(out.body["Operations"][0]["op"], "replace");
/// assert_eq!(out.body["Operations"][0]["value"], false);
/// assert_eq!(out.rewrites[1].kind, RewriteKind::BooleanString);
/// ```
pub fn normalize_patch(body: &Value, schema: &ResourceSchema) -> Normalized {
    let mut rewrites = Vec::new();
    let Some(object) = body.as_object() else {
        return Normalized {
            body: body.clone(),
            rewrites,
        };
    };
    let Some((ops_key, Value::Array(operations))) = object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Operations"))
    else {
        return Normalized {
            body: body.clone(),
            rewrites,
        };
    };
    let mut out_ops = Vec::with_capacity(operations.len());
    for (index, operation) in operations.iter().enumerate() {
        let Value::Object(fields) = operation else {
            out_ops.push(operation.clone());
            continue;
        };
        let mut fields = fields.clone();
        let mut note = |kind: RewriteKind, detail: String| {
            rewrites.push(Rewrite {
                operation: index,
                kind,
                detail,
            });
        };
        let op = lower_op(&mut fields, &mut note);
        let path = match get_ci(&fields, "path") {
            Some(Value::String(p)) => Some(p.clone()),
            _ => None,
        };
        match (op.as_deref(), path) {
            (Some("remove"), Some(path)) => {
                out_ops.extend(split_remove(fields, &path, schema, &mut note));
            }
            (Some("add" | "replace"), Some(path)) => {
                if let Some(def) = target_def(&path, schema)
                    && let Some(value) = value_mut(&mut fields)
                {
                    coerce(def, value, &path, &mut note);
                }
                out_ops.push(Value::Object(fields));
            }
            (Some(op @ ("add" | "replace")), None) => {
                out_ops.extend(split_pathless(fields, op, schema, &mut note));
            }
            _ => out_ops.push(Value::Object(fields)),
        }
    }
    let mut out = object.clone();
    out.insert(ops_key.clone(), Value::Array(out_ops));
    Normalized {
        body: Value::Object(out),
        rewrites,
    }
}

fn lower_op(
    fields: &mut Map<String, Value>,
    note: &mut impl FnMut(RewriteKind, String),
) -> Option<String> {
    let key = fields
        .keys()
        .find(|k| k.eq_ignore_ascii_case("op"))?
        .clone();
    let Some(Value::String(op)) = fields.get(&key) else {
        return None;
    };
    let lower = op.to_ascii_lowercase();
    if !matches!(lower.as_str(), "add" | "remove" | "replace") {
        return Some(op.clone());
    }
    if *op != lower || key != "op" {
        note(RewriteKind::OpCase, format!("op {op:?} → {lower:?}"));
        fields.remove(&key);
        fields.insert("op".to_owned(), Value::String(lower.clone()));
    }
    Some(lower)
}

fn value_mut(fields: &mut Map<String, Value>) -> Option<&mut Value> {
    let key = fields
        .keys()
        .find(|k| k.eq_ignore_ascii_case("value"))?
        .clone();
    fields.get_mut(&key)
}

/// The definition a path's value is written to: the attribute, its sub-attribute, or the
/// sub-attribute after a valuePath's brackets.
fn target_def<'s>(path: &str, schema: &'s ResourceSchema) -> Option<&'s AttributeDef> {
    let parsed = Path::parse(path, Dialect::Lenient).ok()?;
    let (_, def) = schema.locate(parsed.attr.urn.as_deref(), &parsed.attr.name)?;
    match (&parsed.attr.sub_attr, &parsed.sub_attr) {
        (Some(sub), _) | (None, Some(sub)) => def.sub_attribute(sub),
        (None, None) => Some(def),
    }
}

/// Coerces boolean strings and bare values in `value` as written to `def`, with bounded depth
/// (a schema has at most two levels).
fn coerce(
    def: &AttributeDef,
    value: &mut Value,
    path: &str,
    note: &mut impl FnMut(RewriteKind, String),
) {
    match def.kind {
        AttributeType::Boolean => {
            let flip = |v: &mut Value, note: &mut dyn FnMut(RewriteKind, String)| {
                if let Value::String(s) = v {
                    let b = if s.eq_ignore_ascii_case("true") {
                        true
                    } else if s.eq_ignore_ascii_case("false") {
                        false
                    } else {
                        return;
                    };
                    note(RewriteKind::BooleanString, format!("{path}: {s:?} → {b}"));
                    *v = Value::Bool(b);
                }
            };
            match value {
                Value::Array(items) => items.iter_mut().for_each(|v| flip(v, note)),
                v => flip(v, note),
            }
        }
        AttributeType::Complex => {
            if !def.multi_valued
                && def.sub_attribute("value").is_some()
                && let Value::String(s) = value
            {
                note(
                    RewriteKind::BareValue,
                    format!("{path}: bare {s:?} → {{\"value\": {s:?}}}"),
                );
                let mut wrapped = Map::new();
                wrapped.insert("value".to_owned(), Value::String(std::mem::take(s)));
                *value = Value::Object(wrapped);
            }
            let mut coerce_fields = |fields: &mut Map<String, Value>| {
                for (key, v) in fields.iter_mut() {
                    if let Some(sub) = def.sub_attribute(key)
                        && sub.kind != AttributeType::Complex
                    {
                        coerce(sub, v, &format!("{path}.{}", sub.name), note);
                    }
                }
            };
            match value {
                Value::Object(fields) => coerce_fields(fields),
                Value::Array(items) => {
                    for item in items {
                        if let Value::Object(fields) = item {
                            coerce_fields(fields);
                        }
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
}

/// `remove` of a multi-valued complex attribute with a value list → one removal per value.
fn split_remove(
    mut fields: Map<String, Value>,
    path: &str,
    schema: &ResourceSchema,
    note: &mut impl FnMut(RewriteKind, String),
) -> Vec<Value> {
    let Some(value_key) = fields
        .keys()
        .find(|k| k.eq_ignore_ascii_case("value"))
        .cloned()
    else {
        return vec![Value::Object(fields)];
    };
    let Ok(parsed) = Path::parse(path, Dialect::Lenient) else {
        return vec![Value::Object(fields)];
    };
    let def = schema.locate(parsed.attr.urn.as_deref(), &parsed.attr.name);
    let plain = parsed.value_filter.is_none()
        && parsed.sub_attr.is_none()
        && parsed.attr.sub_attr.is_none();
    // Multi-valued complex attributes (members), and singular complex ones selected by value
    // (manager, research/scim.md §3 #21).
    let selectable = |d: &AttributeDef| {
        d.kind == AttributeType::Complex && (d.multi_valued || d.sub_attribute("value").is_some())
    };
    if !def.is_some_and(|(_, d)| plain && selectable(d)) {
        return vec![Value::Object(fields)];
    }
    let items = match fields.remove(&value_key) {
        Some(Value::Array(items)) => items,
        Some(single @ (Value::Object(_) | Value::String(_))) => vec![single],
        Some(other) => {
            fields.insert(value_key, other);
            return vec![Value::Object(fields)];
        }
        None => Vec::new(),
    };
    let mut ids = Vec::new();
    for item in &items {
        // {"value": id}, or a bare id.
        let id = if item.is_string() {
            Some(item)
        } else {
            item.as_object().and_then(|o| get_ci(o, "value"))
        };
        match id {
            Some(Value::String(id)) => ids.push(id.clone()),
            _ => {
                // Not a list of {"value": …}: leave it for the strict parser to reject.
                fields.insert(value_key, Value::Array(items));
                return vec![Value::Object(fields)];
            }
        }
    }
    if ids.is_empty() {
        fields.insert(value_key, Value::Array(items));
        return vec![Value::Object(fields)];
    }
    note(
        RewriteKind::RemoveWithValue,
        format!(
            "remove {path} with {} listed values → one removal each",
            ids.len()
        ),
    );
    ids.into_iter()
        .map(|id| {
            let quoted = serde_json::to_string(&id).unwrap_or_default();
            let mut op = Map::new();
            op.insert("op".to_owned(), Value::String("remove".to_owned()));
            op.insert(
                "path".to_owned(),
                Value::String(format!("{}[value eq {quoted}]", parsed.attr)),
            );
            Value::Object(op)
        })
        .collect()
}

/// A pathless add/replace: dotted and URN-qualified keys become operations of their own;
/// booleans and bare values are coerced.
fn split_pathless(
    mut fields: Map<String, Value>,
    op: &str,
    schema: &ResourceSchema,
    note: &mut impl FnMut(RewriteKind, String),
) -> Vec<Value> {
    let Some(value) = value_mut(&mut fields) else {
        return vec![Value::Object(fields)];
    };
    let Value::Object(keys) = value else {
        return vec![Value::Object(fields)];
    };
    let mut kept = Map::new();
    let mut split = Vec::new();
    for (key, mut v) in std::mem::take(keys) {
        if let Some(extension) = schema.extension(&key) {
            if let Value::Object(ext_fields) = &mut v {
                for (name, ext_value) in ext_fields.iter_mut() {
                    if let Some(def) = extension.schema.attribute(name) {
                        let path = format!("{}:{}", extension.schema.id, def.name);
                        coerce(def, ext_value, &path, note);
                    }
                }
            }
            kept.insert(key, v);
            continue;
        }
        let splits =
            key.contains('.') || key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
        if splits
            && !key.eq_ignore_ascii_case("schemas")
            && let Some(def) = target_def(&key, schema)
        {
            coerce(def, &mut v, &key, note);
            note(
                RewriteKind::PathlessKey,
                format!("pathless key {key:?} → its own operation"),
            );
            let mut one = Map::new();
            one.insert("op".to_owned(), Value::String(op.to_owned()));
            one.insert("path".to_owned(), Value::String(key));
            one.insert("value".to_owned(), v);
            split.push(Value::Object(one));
            continue;
        }
        if let Some((_, def)) = schema.locate(None, &key) {
            coerce(def, &mut v, &key, note);
        }
        kept.insert(key, v);
    }
    let mut out = Vec::with_capacity(split.len() + 1);
    if !kept.is_empty() || split.is_empty() {
        *keys = kept;
        out.push(Value::Object(fields));
    }
    out.extend(split);
    out
}
