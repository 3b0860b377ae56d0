//! The lenient input normaliser for PatchOp bodies ([`normalize_patch`]) and POST/PUT resource
//! bodies ([`normalize_resource`]) from identity providers that do not send RFC 7644 exactly
//! (research/scim.md §3). It rewrites the body into the strict form and says what it rewrote;
//! [`crate::patch::PatchRequest::parse`] or [`crate::resource::validate_create`] /
//! [`crate::resource::validate_replace`] then check the result as usual.
//!
//! Rewrites of a PatchOp body, each reported as a [`Rewrite`]:
//! - `op` in another case (`Add`, `Replace`, `REMOVE`; Entra ID, §3 #1–2) → lower case;
//! - `"True"`/`"False"` strings where the schema says boolean (§3 #3–5) → JSON booleans;
//! - pathless values with dotted keys (`name.givenName`, §3 #6–7) or URN-qualified keys
//!   (`urn:…:enterprise:2.0:User:department`, §3 #9) → one operation with that path per key;
//! - `remove` of a multi-valued attribute with a list of values (`members` + `[{"value": id}]`,
//!   §3 #11–14), or of a singular complex one such as `manager` with its value → one `remove`
//!   of `members[value eq "id"]` per listed value, so only what was listed goes;
//! - a bare string for a singular complex attribute with a `value` sub-attribute (enterprise
//!   `manager`, §3 #20) → `{"value": …}`.
//!
//! Rewrites of a resource body (POST/PUT):
//! - `"True"`/`"False"` strings where the schema says boolean, also in sub-attributes such as
//!   `emails[].primary` (§3 #4) → JSON booleans;
//! - a bare string for enterprise `manager` (§3 #20) → `{"value": …}`;
//! - top-level dotted keys (`name.givenName`, the resource form of §3 #6–7) → nested into their
//!   parent attribute; top-level URN-qualified keys (`urn:…:enterprise:2.0:User:department`,
//!   §3 #9) → moved into the extension object, whose URN is then added to `schemas` if missing.

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
    /// An extension URN added to a resource's `schemas` because a moved key now uses it.
    ExtensionDeclared,
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
            RewriteKind::ExtensionDeclared => "extension_declared",
        }
    }
}

/// One rewrite: which operation of the input (0-based) and what was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// The index of the operation in the input body (always 0 for a resource body).
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

/// Normalises a POST/PUT resource body for a resource type (see the module docs for the
/// rewrites). Input it does not understand is left as it is, for the strict validator to
/// reject.
///
/// ```
/// use fedkit_scim::normalize::{normalize_resource, RewriteKind};
/// use fedkit_scim::ResourceSchema;
/// let entra = serde_json::json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "userName": "bjensen", "active": "True"
/// });
/// let out = normalize_resource(&entra, ResourceSchema::users());
/// assert_eq!(out.body["active"], true);
/// assert_eq!(out.rewrites[0].kind, RewriteKind::BooleanString);
/// ```
pub fn normalize_resource(body: &Value, schema: &ResourceSchema) -> Normalized {
    let mut rewrites = Vec::new();
    let Some(object) = body.as_object() else {
        return Normalized {
            body: body.clone(),
            rewrites,
        };
    };
    let mut note = |kind: RewriteKind, detail: String| {
        rewrites.push(Rewrite {
            operation: 0,
            kind,
            detail,
        });
    };
    let mut out = Map::new();
    // Dotted and URN-qualified keys, moved after the plain ones so that they merge into them.
    let mut moved = Vec::new();
    for (key, value) in object {
        let mut value = value.clone();
        if let Some(extension) = schema.extension(key) {
            if let Value::Object(fields) = &mut value {
                for (name, v) in fields.iter_mut() {
                    if let Some(def) = extension.schema.attribute(name) {
                        let path = format!("{}:{}", extension.schema.id, def.name);
                        coerce(def, v, &path, &mut note);
                    }
                }
            }
            out.insert(key.clone(), value);
            continue;
        }
        let qualified =
            key.contains('.') || key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
        if qualified && !key.eq_ignore_ascii_case("schemas") {
            moved.push((key.clone(), value));
            continue;
        }
        if let Some((_, def)) = schema.locate(None, key) {
            coerce(def, &mut value, key, &mut note);
        }
        out.insert(key.clone(), value);
    }
    for (key, mut value) in moved {
        match move_target(&key, schema) {
            Some(target) if is_free(&out, &target) => {
                coerce(target.def, &mut value, &key, &mut note);
                note(
                    RewriteKind::PathlessKey,
                    format!("top-level key {key:?} → nested"),
                );
                insert_at(&mut out, &target, value);
                if let Some(urn) = target.extension {
                    declare(&mut out, urn, &mut note);
                }
            }
            _ => {
                out.insert(key, value);
            }
        }
    }
    Normalized {
        body: Value::Object(out),
        rewrites,
    }
}

/// Where a dotted or URN-qualified top-level key belongs.
struct MoveTarget<'s> {
    /// The extension object's URN, or `None` for the root.
    extension: Option<&'s str>,
    /// The attribute's name as the schema spells it.
    attribute: &'s str,
    /// The sub-attribute's name as the schema spells it, if the key names one.
    sub: Option<&'s str>,
    /// The definition the value is written to.
    def: &'s AttributeDef,
}

fn move_target<'s>(key: &str, schema: &'s ResourceSchema) -> Option<MoveTarget<'s>> {
    let parsed = Path::parse(key, Dialect::Lenient).ok()?;
    if parsed.value_filter.is_some() || parsed.sub_attr.is_some() {
        return None;
    }
    let (home, def) = schema.locate(parsed.attr.urn.as_deref(), &parsed.attr.name)?;
    let extension = match home {
        crate::schema::AttributeHome::Extension(urn) => Some(urn),
        crate::schema::AttributeHome::Root => None,
    };
    match &parsed.attr.sub_attr {
        Some(sub) => {
            let sub_def = def.sub_attribute(sub)?;
            if def.multi_valued {
                return None;
            }
            Some(MoveTarget {
                extension,
                attribute: &def.name,
                sub: Some(&sub_def.name),
                def: sub_def,
            })
        }
        // A bare core attribute behind its own URN: nothing nests, but it moves to the root.
        None if extension.is_some() || parsed.attr.urn.is_some() => Some(MoveTarget {
            extension,
            attribute: &def.name,
            sub: None,
            def,
        }),
        None => None,
    }
}

fn key_ci(object: &Map<String, Value>, name: &str) -> Option<String> {
    object
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
}

/// Whether the moved value has a free slot: its containers are objects (or absent) and the
/// attribute (or sub-attribute) is not set yet. If not, the key stays where it was, for the
/// strict validator to reject.
fn is_free(out: &Map<String, Value>, target: &MoveTarget<'_>) -> bool {
    let holder = match target.extension {
        Some(urn) => match key_ci(out, urn).and_then(|k| out.get(&k)) {
            Some(Value::Object(fields)) => fields,
            Some(_) => return false,
            None => return true,
        },
        None => out,
    };
    match (
        key_ci(holder, target.attribute).and_then(|k| holder.get(&k)),
        target.sub,
    ) {
        (None, _) => true,
        (Some(Value::Object(fields)), Some(sub)) => key_ci(fields, sub).is_none(),
        (Some(_), _) => false,
    }
}

/// Writes the moved value into the slot [`is_free`] found, creating its containers.
fn insert_at(out: &mut Map<String, Value>, target: &MoveTarget<'_>, value: Value) {
    let holder = match target.extension {
        Some(urn) => {
            let key = key_ci(out, urn).unwrap_or_else(|| urn.to_owned());
            match out.entry(key).or_insert_with(|| Value::Object(Map::new())) {
                Value::Object(fields) => fields,
                _ => return,
            }
        }
        None => out,
    };
    match target.sub {
        Some(sub) => {
            let key =
                key_ci(holder, target.attribute).unwrap_or_else(|| target.attribute.to_owned());
            if let Value::Object(fields) = holder
                .entry(key)
                .or_insert_with(|| Value::Object(Map::new()))
            {
                fields.insert(sub.to_owned(), value);
            }
        }
        None => {
            holder.insert(target.attribute.to_owned(), value);
        }
    }
}

/// Lists an extension URN in `schemas` if it is not there yet.
fn declare(out: &mut Map<String, Value>, urn: &str, note: &mut impl FnMut(RewriteKind, String)) {
    let key = key_ci(out, "schemas").unwrap_or_else(|| "schemas".to_owned());
    let Value::Array(schemas) = out.entry(key).or_insert_with(|| Value::Array(Vec::new())) else {
        return;
    };
    if schemas
        .iter()
        .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)))
    {
        return;
    }
    note(
        RewriteKind::ExtensionDeclared,
        format!("schemas: added {urn}"),
    );
    schemas.push(Value::String(urn.to_owned()));
}
