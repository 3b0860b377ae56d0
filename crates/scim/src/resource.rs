//! Resource validation on create (POST, RFC 7644 §3.3) and replace (PUT, §3.5.1) against a
//! [`ResourceSchema`]: `schemas`, types, mutability, required attributes, canonicalValues and
//! the one-`primary` rule (RFC 7643 §2.4).
//!
//! A [`ValidatedResource`] can only be made by [`validate_create`] or [`validate_replace`].

use serde_json::{Map, Value};

use crate::error::Error;
use crate::schema::{AttributeDef, AttributeType, Mutability, ResourceSchema};

/// What to do with attributes no schema of the resource type defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownAttributes {
    /// Reject the request with `unknown_attribute` (the default).
    #[default]
    Reject,
    /// Drop them silently, for clients that send vendor attributes.
    Drop,
}

/// What a PUT does with readWrite attributes the body omits (RFC 7644 §3.5.1 lets a service
/// provider either clear them or keep them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OmittedOnReplace {
    /// Keep the current values (the default): an Okta PUT that omits `active` must not
    /// deactivate the user (research/scim.md §3 #23). `null` still clears a value.
    #[default]
    Keep,
    /// Clear them, the other reading of RFC 7644 §3.5.1.
    Clear,
}

/// Validation settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationOptions {
    /// Attributes not in any schema.
    pub unknown_attributes: UnknownAttributes,
    /// Whether string values must be one of an attribute's canonicalValues (compared per
    /// caseExact). On by default.
    pub enforce_canonical_values: bool,
    /// PUT semantics for omitted attributes.
    pub omitted_on_replace: OmittedOnReplace,
    /// The most values a multi-valued attribute may carry (default 10 000).
    pub max_values: usize,
}

impl Default for ValidationOptions {
    fn default() -> Self {
        ValidationOptions {
            unknown_attributes: UnknownAttributes::Reject,
            enforce_canonical_values: true,
            omitted_on_replace: OmittedOnReplace::Keep,
            max_values: 10_000,
        }
    }
}

/// A resource body that passed validation; readOnly attributes the client sent are gone.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedResource(Value);

impl ValidatedResource {
    /// The validated JSON.
    pub fn as_json(&self) -> &Value {
        &self.0
    }

    /// The validated JSON, owned.
    pub fn into_json(self) -> Value {
        self.0
    }
}

/// Validates a POST body. readOnly attributes (`id`, `meta`, `groups`, …) are dropped, as RFC
/// 7643 §2.2 says the service provider ignores them.
///
/// ```
/// use fedkit_scim::resource::{validate_create, ValidationOptions};
/// use fedkit_scim::ResourceSchema;
/// let body = serde_json::json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "userName": "bjensen", "id": "ignored", "active": true
/// });
/// let user = validate_create(&body, ResourceSchema::users(), &ValidationOptions::default()).unwrap();
/// assert!(user.as_json().get("id").is_none());
/// ```
pub fn validate_create(
    body: &Value,
    schema: &ResourceSchema,
    options: &ValidationOptions,
) -> Result<ValidatedResource, Error> {
    let object = as_object(body)?;
    let mut out = Map::new();
    check_schemas(object, schema)?;
    for (key, value) in object {
        if let Some(extension) = schema.extension(key) {
            let ext = as_object_at(value, key)?;
            let mut ext_out = Map::new();
            for (sub_key, sub_value) in ext {
                let Some(def) = extension.schema.attribute(sub_key) else {
                    unknown(key, sub_key, options)?;
                    continue;
                };
                let path = format!("{key}:{}", def.name);
                if let Some(v) = writable(def, sub_value, &path, options)? {
                    ext_out.insert(def.name.clone(), v);
                }
            }
            out.insert(extension.schema.id.clone(), Value::Object(ext_out));
            continue;
        }
        let Some((_, def)) = schema.locate(None, key) else {
            unknown("", key, options)?;
            continue;
        };
        if def.name == "schemas" {
            out.insert("schemas".to_owned(), value.clone());
            continue;
        }
        if let Some(v) = writable(def, value, &def.name, options)? {
            out.insert(def.name.clone(), v);
        }
    }
    check_required(&out, schema)?;
    Ok(ValidatedResource(Value::Object(out)))
}

/// Validates a PUT body against the current resource (RFC 7644 §3.5.1): readOnly values come
/// from `current`, immutable values must not change, omitted readWrite values follow
/// [`ValidationOptions::omitted_on_replace`].
pub fn validate_replace(
    body: &Value,
    current: &Value,
    schema: &ResourceSchema,
    options: &ValidationOptions,
) -> Result<ValidatedResource, Error> {
    let current = as_object(current)?;
    let body_object = as_object(body)?;
    let created = validate_create(body, schema, options)?.into_json();
    let Value::Object(mut out) = created else {
        return Err(syntax("resource is not an object"));
    };
    // readOnly values are the service provider's: take them from the current resource.
    for (key, value) in current {
        if let Some(extension) = schema.extension(key) {
            let (Value::Object(cur_ext), Some(new_ext)) =
                (value, out.get(&extension.schema.id).cloned())
            else {
                if options.omitted_on_replace == OmittedOnReplace::Keep
                    && !out.contains_key(&extension.schema.id)
                {
                    out.insert(extension.schema.id.clone(), value.clone());
                }
                continue;
            };
            let Value::Object(mut new_ext) = new_ext else {
                continue;
            };
            for (sub_key, cur_value) in cur_ext {
                if let Some(def) = extension.schema.attribute(sub_key) {
                    let path = format!("{}:{}", extension.schema.id, def.name);
                    let cleared = nulled(body_object, Some(&extension.schema.id), &def.name);
                    merge_kept(def, &path, cleared, cur_value, &mut new_ext, options)?;
                }
            }
            out.insert(extension.schema.id.clone(), Value::Object(new_ext));
            continue;
        }
        if let Some((_, def)) = schema.locate(None, key) {
            if def.name == "schemas" {
                continue;
            }
            let name = def.name.clone();
            let cleared = nulled(body_object, None, &def.name);
            merge_kept(def, &name, cleared, value, &mut out, options)?;
        }
    }
    declare_extensions(&mut out, schema);
    check_required(&out, schema)?;
    Ok(ValidatedResource(Value::Object(out)))
}

/// Lists in `schemas` every extension whose object is present (a kept extension must be).
pub(crate) fn declare_extensions(out: &mut Map<String, Value>, schema: &ResourceSchema) {
    let present: Vec<String> = schema
        .extensions
        .iter()
        .filter(|e| out.keys().any(|k| k.eq_ignore_ascii_case(&e.schema.id)))
        .map(|e| e.schema.id.clone())
        .collect();
    if present.is_empty() {
        return;
    }
    let key = key_ci(out, "schemas").unwrap_or_else(|| "schemas".to_owned());
    let entry = out.entry(key).or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(listed) = entry {
        for urn in present {
            let known = listed
                .iter()
                .any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(&urn)));
            if !known {
                listed.push(Value::String(urn));
            }
        }
    }
}

fn merge_kept(
    def: &AttributeDef,
    path: &str,
    cleared: bool,
    current: &Value,
    out: &mut Map<String, Value>,
    options: &ValidationOptions,
) -> Result<(), Error> {
    match def.mutability {
        Mutability::ReadOnly => {
            out.insert(def.name.clone(), current.clone());
        }
        Mutability::Immutable => match out.get(&def.name) {
            Some(new) if !is_unassigned(current) && !same_value(def, new, current) => {
                return Err(Error::Immutable {
                    attribute: path.to_owned(),
                });
            }
            None => {
                out.insert(def.name.clone(), current.clone());
            }
            Some(_) => {}
        },
        Mutability::ReadWrite | Mutability::WriteOnly => {
            if options.omitted_on_replace == OmittedOnReplace::Keep
                && !out.contains_key(&def.name)
                && !cleared
            {
                out.insert(def.name.clone(), current.clone());
            }
        }
    }
    Ok(())
}

/// Whether the PUT body set the attribute to null, which clears it even under
/// [`OmittedOnReplace::Keep`].
fn nulled(body: &Map<String, Value>, urn: Option<&str>, name: &str) -> bool {
    let container = match urn {
        None => Some(body),
        Some(urn) => get_ci(body, urn).and_then(Value::as_object),
    };
    container
        .and_then(|c| get_ci(c, name))
        .is_some_and(Value::is_null)
}

/// The value to store for a client-supplied attribute, or `None` when it is dropped (readOnly,
/// or null meaning unassigned).
fn writable(
    def: &AttributeDef,
    value: &Value,
    path: &str,
    options: &ValidationOptions,
) -> Result<Option<Value>, Error> {
    if def.mutability == Mutability::ReadOnly || value.is_null() {
        return Ok(None);
    }
    check_value(def, value, path, options)?;
    Ok(Some(value.clone()))
}

fn unknown(urn: &str, key: &str, options: &ValidationOptions) -> Result<(), Error> {
    match options.unknown_attributes {
        UnknownAttributes::Drop => Ok(()),
        UnknownAttributes::Reject => Err(Error::UnknownAttribute {
            path: if urn.is_empty() {
                key.to_owned()
            } else {
                format!("{urn}:{key}")
            },
        }),
    }
}

/// `schemas` must list the core schema; every URN must be known; every extension object used
/// must be listed; required extensions must be present.
pub(crate) fn check_schemas(
    object: &Map<String, Value>,
    schema: &ResourceSchema,
) -> Result<(), Error> {
    let listed: Vec<&str> = match get_ci(object, "schemas") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| wrong("schemas", "an array of URIs"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(wrong("schemas", "an array of URIs")),
        None => Vec::new(),
    };
    if !listed.iter().any(|u| schema.is_core(u)) {
        return Err(Error::CoreSchemaMissing {
            expected: schema.core.id.clone(),
        });
    }
    for urn in &listed {
        if !schema.is_core(urn) && schema.extension(urn).is_none() {
            return Err(Error::UnknownSchema {
                urn: (*urn).to_owned(),
            });
        }
    }
    for extension in &schema.extensions {
        let used = object
            .keys()
            .any(|k| k.eq_ignore_ascii_case(&extension.schema.id));
        let declared = listed
            .iter()
            .any(|u| u.eq_ignore_ascii_case(&extension.schema.id));
        if used && !declared {
            return Err(Error::ExtensionNotDeclared {
                urn: extension.schema.id.clone(),
            });
        }
        if extension.required && !used {
            return Err(Error::ExtensionMissing {
                urn: extension.schema.id.clone(),
            });
        }
    }
    Ok(())
}

/// Every required attribute (core and extensions present) has a value.
pub(crate) fn check_required(
    object: &Map<String, Value>,
    schema: &ResourceSchema,
) -> Result<(), Error> {
    for def in &schema.core.attributes {
        if def.required && get_ci(object, &def.name).is_none_or(is_unassigned) {
            return Err(Error::RequiredMissing {
                attribute: def.name.clone(),
            });
        }
    }
    for extension in &schema.extensions {
        if let Some(Value::Object(ext)) = get_ci(object, &extension.schema.id) {
            for def in &extension.schema.attributes {
                if def.required && get_ci(ext, &def.name).is_none_or(is_unassigned) {
                    return Err(Error::RequiredMissing {
                        attribute: format!("{}:{}", extension.schema.id, def.name),
                    });
                }
            }
        }
    }
    Ok(())
}

/// Checks a value against its definition: type, multi-valuedness, sub-attributes,
/// canonicalValues, the one-primary rule. Depth is bounded by the schema (two levels).
pub(crate) fn check_value(
    def: &AttributeDef,
    value: &Value,
    path: &str,
    options: &ValidationOptions,
) -> Result<(), Error> {
    if def.multi_valued {
        let Value::Array(items) = value else {
            return Err(wrong(path, "an array"));
        };
        if items.len() > options.max_values {
            return Err(Error::InvalidSyntax {
                detail: format!("{path} has more than {} values", options.max_values),
            });
        }
        for item in items {
            check_single(def, item, path, options)?;
        }
        check_primary(def, items, path)
    } else {
        check_single(def, value, path, options)
    }
}

/// Checks one value (an element, for multi-valued attributes).
pub(crate) fn check_single(
    def: &AttributeDef,
    value: &Value,
    path: &str,
    options: &ValidationOptions,
) -> Result<(), Error> {
    if value.is_null() {
        return Ok(());
    }
    match def.kind {
        AttributeType::Complex => {
            let Value::Object(fields) = value else {
                return Err(wrong(path, "an object"));
            };
            for (key, sub_value) in fields {
                let Some(sub) = def.sub_attribute(key) else {
                    if options.unknown_attributes == UnknownAttributes::Reject {
                        return Err(Error::UnknownAttribute {
                            path: format!("{path}.{key}"),
                        });
                    }
                    continue;
                };
                let sub_path = format!("{path}.{}", sub.name);
                if sub.multi_valued {
                    check_value(sub, sub_value, &sub_path, options)?;
                } else {
                    check_scalar(sub, sub_value, &sub_path, options)?;
                }
            }
            Ok(())
        }
        _ => check_scalar(def, value, path, options),
    }
}

fn check_scalar(
    def: &AttributeDef,
    value: &Value,
    path: &str,
    options: &ValidationOptions,
) -> Result<(), Error> {
    let ok = match (def.kind, value) {
        (_, Value::Null) => true,
        (AttributeType::String, Value::String(s)) => {
            if options.enforce_canonical_values
                && !def.canonical_values.is_empty()
                && !def.canonical_values.iter().any(|c| str_eq(def, c, s))
            {
                return Err(Error::NotCanonical {
                    attribute: path.to_owned(),
                    value: s.clone(),
                });
            }
            true
        }
        (AttributeType::Reference, Value::String(_)) => true,
        (AttributeType::Boolean, Value::Bool(_)) => true,
        (AttributeType::Decimal, Value::Number(_)) => true,
        (AttributeType::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (AttributeType::DateTime, Value::String(s)) => {
            chrono::DateTime::parse_from_rfc3339(s).is_ok()
        }
        (AttributeType::Binary, Value::String(s)) => is_base64(s),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(wrong(path, expected(def.kind)))
    }
}

fn check_primary(def: &AttributeDef, items: &[Value], path: &str) -> Result<(), Error> {
    if def.kind != AttributeType::Complex || def.sub_attribute("primary").is_none() {
        return Ok(());
    }
    let primaries = items.iter().filter(|item| is_primary(item)).count();
    if primaries > 1 {
        return Err(Error::MultiplePrimary {
            attribute: path.to_owned(),
        });
    }
    Ok(())
}

/// Whether a multi-valued element is marked `primary: true` (key matched case-insensitively).
pub(crate) fn is_primary(item: &Value) -> bool {
    item.as_object()
        .and_then(|o| get_ci(o, "primary"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// Whether two values of an attribute are equal under its caseExact rule.
pub(crate) fn same_value(def: &AttributeDef, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => str_eq(def, x, y),
        (Value::Object(x), Value::Object(y)) if def.kind == AttributeType::Complex => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    let sub = def.sub_attribute(k);
                    match (sub, get_ci(y, k)) {
                        (Some(sub), Some(w)) => same_value(sub, v, w),
                        (None, Some(w)) => v == w,
                        _ => false,
                    }
                })
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_value(def, v, w))
        }
        _ => a == b,
    }
}

/// String equality per caseExact (RFC 7643 §2.2).
pub(crate) fn str_eq(def: &AttributeDef, a: &str, b: &str) -> bool {
    if def.case_exact || a == b {
        return a == b;
    }
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    // Full Unicode case folding without allocating: compare the lower-cased character streams.
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// RFC 7643 §2.5: null, "", [] and {} all mean "no value".
pub(crate) fn is_unassigned(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// The value of a key matched case-insensitively (RFC 7643 §2.1).
pub(crate) fn get_ci<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// The key as spelled in the object, matched case-insensitively.
pub(crate) fn key_ci(object: &Map<String, Value>, name: &str) -> Option<String> {
    if object.contains_key(name) {
        return Some(name.to_owned());
    }
    object
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
}

fn is_base64(s: &str) -> bool {
    let trimmed = s.trim_end_matches('=');
    s.len() - trimmed.len() <= 2
        && trimmed
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'-' || b == b'_')
}

fn expected(kind: AttributeType) -> &'static str {
    match kind {
        AttributeType::String => "a string",
        AttributeType::Boolean => "a boolean",
        AttributeType::Decimal => "a number",
        AttributeType::Integer => "an integer",
        AttributeType::DateTime => "an RFC 3339 dateTime",
        AttributeType::Binary => "base64 text",
        AttributeType::Reference => "a URI string",
        AttributeType::Complex => "an object",
    }
}

fn wrong(path: &str, expected: &'static str) -> Error {
    Error::WrongType {
        attribute: path.to_owned(),
        expected,
    }
}

fn syntax(detail: &str) -> Error {
    Error::InvalidSyntax {
        detail: detail.to_owned(),
    }
}

fn as_object(value: &Value) -> Result<&Map<String, Value>, Error> {
    value
        .as_object()
        .ok_or_else(|| syntax("a resource must be a JSON object"))
}

fn as_object_at<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, Error> {
    value.as_object().ok_or_else(|| wrong(path, "an object"))
}
