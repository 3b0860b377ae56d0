//! Applying a parsed PatchOp to a copy of a resource (RFC 7644 §3.5.2.1–3).
//!
//! Targets: an attribute (`displayName`), a sub-attribute (`name.givenName`), a valuePath
//! (`members[value eq "x"]`, also on a singular complex attribute such as `manager`), a valuePath
//! with a sub-attribute (`emails[type eq "work"].value`), a whole extension (its URN), or —
//! without a path — the keys of the value object.

use serde_json::{Map, Value};

use super::{PatchOpKind, PatchOptions, PatchOutcome, PatchRequest, ReplaceNoMatch};
use crate::error::Error;
use crate::filter::{AttrTest, BoundFilter, CompValue, CompareOp, Filter};
use crate::resource::{
    ValidationOptions, check_required, check_schemas, check_single, check_value,
    declare_extensions, get_ci, is_primary, is_unassigned, key_ci, same_value,
};
use crate::schema::{AttributeDef, AttributeHome, AttributeType, Mutability, ResourceSchema};

/// A value selection filter, bound to the attribute's sub-attributes.
struct Selector<'a> {
    ast: &'a Filter,
    bound: BoundFilter,
    /// The sub-attribute after `].`.
    then: Option<&'a AttributeDef>,
}

/// What one operation (or one key of a pathless value) targets.
struct Target<'a> {
    home: AttributeHome<'a>,
    def: &'a AttributeDef,
    /// The sub-attribute of `name.sub`.
    sub: Option<&'a AttributeDef>,
    selector: Option<Selector<'a>>,
    /// The path as the client wrote it, for error messages.
    text: &'a str,
}

pub(super) fn apply(
    request: &PatchRequest,
    resource: &Value,
    schema: &ResourceSchema,
    options: &PatchOptions,
) -> Result<PatchOutcome, Error> {
    let Value::Object(original) = resource else {
        return Err(Error::InvalidSyntax {
            detail: "the resource to patch must be a JSON object".to_owned(),
        });
    };
    let mut work = original.clone();
    for operation in &request.operations {
        let value = operation.value.as_ref();
        match (&operation.path, &operation.path_text) {
            (Some(path), Some(text)) => {
                if path.value_filter.is_none() && path.sub_attr.is_none() {
                    let whole = path
                        .attr
                        .as_schema_urn()
                        .and_then(|urn| schema.extension(&urn));
                    if let Some(extension) = whole {
                        whole_extension(&mut work, operation.op, extension, value, text, options)?;
                        continue;
                    }
                }
                let (home, def) = schema
                    .locate(path.attr.urn.as_deref(), &path.attr.name)
                    .ok_or_else(|| unknown(text))?;
                let sub = match &path.attr.sub_attr {
                    Some(name) => Some(def.sub_attribute(name).ok_or_else(|| unknown(text))?),
                    None => None,
                };
                let selector = match &path.value_filter {
                    None => None,
                    Some(_) if sub.is_some() => {
                        return Err(invalid_path(text, "a sub-attribute cannot carry a filter"));
                    }
                    Some(ast) => {
                        let bound = ast
                            .bind_sub_attributes(def)
                            .map_err(|e| invalid_path(text, &e.to_string()))?;
                        let then = match &path.sub_attr {
                            Some(name) => {
                                Some(def.sub_attribute(name).ok_or_else(|| unknown(text))?)
                            }
                            None => None,
                        };
                        Some(Selector { ast, bound, then })
                    }
                };
                let target = Target {
                    home,
                    def,
                    sub,
                    selector,
                    text,
                };
                apply_target(&mut work, operation.op, &target, value, options)?;
            }
            _ => pathless(&mut work, operation.op, value, schema, options)?,
        }
    }
    declare_extensions(&mut work, schema);
    // A patch that changed `schemas` itself must leave it valid (core listed, URNs known).
    if get_ci(&work, "schemas") != get_ci(original, "schemas") {
        check_schemas(&work, schema)?;
    }
    check_required(&work, schema)?;
    let patched = Value::Object(work);
    let changed = &patched != resource;
    Ok(PatchOutcome {
        resource: patched,
        changed,
    })
}

/// add/replace without a path: each key of the value object is a target (RFC 7644 §3.5.2.1).
fn pathless(
    work: &mut Map<String, Value>,
    op: PatchOpKind,
    value: Option<&Value>,
    schema: &ResourceSchema,
    options: &PatchOptions,
) -> Result<(), Error> {
    let Some(Value::Object(fields)) = value else {
        return Err(Error::WrongType {
            attribute: "value".to_owned(),
            expected: "an object (the operation has no path)",
        });
    };
    for (key, v) in fields {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some(extension) = schema.extension(key) {
            whole_extension(work, op, extension, Some(v), key, options)?;
            continue;
        }
        let (home, def) = schema.locate(None, key).ok_or_else(|| unknown(key))?;
        let target = Target {
            home,
            def,
            sub: None,
            selector: None,
            text: key,
        };
        apply_target(work, op, &target, Some(v), options)?;
    }
    Ok(())
}

fn whole_extension(
    work: &mut Map<String, Value>,
    op: PatchOpKind,
    extension: &crate::schema::SchemaExtension,
    value: Option<&Value>,
    text: &str,
    options: &PatchOptions,
) -> Result<(), Error> {
    let urn = extension.schema.id.as_str();
    if op == PatchOpKind::Remove {
        if extension.required {
            return Err(Error::ExtensionMissing {
                urn: urn.to_owned(),
            });
        }
        if let Some(key) = key_ci(work, urn) {
            if let Some(Value::Object(fields)) = work.get(&key) {
                for (name, current) in fields {
                    if let Some(def) = extension.schema.attribute(name) {
                        check_removable(def, Some(current), &format!("{urn}:{name}"))?;
                    }
                }
            }
            work.remove(&key);
        }
        if let Some(Value::Array(listed)) = key_ci(work, "schemas").and_then(|k| work.get_mut(&k)) {
            listed.retain(|u| !u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(urn)));
        }
        return Ok(());
    }
    let Some(Value::Object(fields)) = value else {
        return Err(Error::WrongType {
            attribute: text.to_owned(),
            expected: "an object of extension attributes",
        });
    };
    for (name, v) in fields {
        // scim2-models clients put the extension's own `schemas` inside its value; it names
        // no attribute, and the resource's `schemas` is maintained separately.
        if name.eq_ignore_ascii_case("schemas") {
            continue;
        }
        let def = extension
            .schema
            .attribute(name)
            .ok_or_else(|| unknown(&format!("{urn}:{name}")))?;
        let path = format!("{urn}:{}", def.name);
        let target = Target {
            home: AttributeHome::Extension(urn),
            def,
            sub: None,
            selector: None,
            text: &path,
        };
        apply_target(work, op, &target, Some(v), options)?;
    }
    Ok(())
}

fn apply_target(
    work: &mut Map<String, Value>,
    op: PatchOpKind,
    target: &Target<'_>,
    value: Option<&Value>,
    options: &PatchOptions,
) -> Result<(), Error> {
    let Some(container) = container(work, target.home, op != PatchOpKind::Remove) else {
        return Ok(());
    };
    canonical_key(container, &target.def.name);
    // `null` means "no value" (RFC 7643 §2.5): writing it is removing.
    let (op, value) = match value {
        Some(Value::Null) => (PatchOpKind::Remove, None),
        Some(Value::Array(a)) if a.is_empty() && op == PatchOpKind::Replace => {
            (PatchOpKind::Remove, None)
        }
        other => (op, other),
    };
    let result = match (&target.selector, target.sub) {
        (None, None) => plain(container, op, target, value, &options.validation),
        (None, Some(sub)) => sub_attribute(container, op, target, sub, value, &options.validation),
        (Some(selector), _) => selected(container, op, target, selector, value, options),
    };
    if let AttributeHome::Extension(urn) = target.home
        && let Some(key) = key_ci(work, urn)
        && work.get(&key).is_some_and(is_unassigned)
    {
        work.remove(&key);
    }
    result
}

/// The object an attribute lives in: the resource, or its extension object (created for
/// add/replace).
fn container<'w>(
    work: &'w mut Map<String, Value>,
    home: AttributeHome<'_>,
    create: bool,
) -> Option<&'w mut Map<String, Value>> {
    match home {
        AttributeHome::Root => Some(work),
        AttributeHome::Extension(urn) => {
            let key = match key_ci(work, urn) {
                Some(key) => key,
                None if create => {
                    work.insert(urn.to_owned(), Value::Object(Map::new()));
                    urn.to_owned()
                }
                None => return None,
            };
            let slot = work.get_mut(&key)?;
            if !slot.is_object() {
                if !create {
                    return None;
                }
                *slot = Value::Object(Map::new());
            }
            slot.as_object_mut()
        }
    }
}

/// Renames a key spelled in another case to the schema's spelling.
fn canonical_key(container: &mut Map<String, Value>, name: &str) {
    if let Some(key) = key_ci(container, name)
        && key != name
        && let Some(v) = container.remove(&key)
    {
        container.insert(name.to_owned(), v);
    }
}

/// A whole attribute: `displayName`, `emails`, `name`.
fn plain(
    container: &mut Map<String, Value>,
    op: PatchOpKind,
    target: &Target<'_>,
    value: Option<&Value>,
    validation: &ValidationOptions,
) -> Result<(), Error> {
    let def = target.def;
    let name = def.name.as_str();
    let (PatchOpKind::Add | PatchOpKind::Replace, Some(value)) = (op, value) else {
        check_removable(def, container.get(name), target.text)?;
        container.remove(name);
        return Ok(());
    };
    if def.multi_valued {
        let items = match value {
            Value::Array(items) => items.clone(),
            single => vec![single.clone()],
        };
        check_value(def, &Value::Array(items.clone()), target.text, validation)?;
        let current = container.get(name);
        if op == PatchOpKind::Replace {
            check_writable(def, current, &Value::Array(items.clone()), target.text)?;
            container.insert(name.to_owned(), Value::Array(items));
            return Ok(());
        }
        let mut values = match container.remove(name) {
            Some(Value::Array(values)) => values,
            None | Some(Value::Null) => Vec::new(),
            Some(other) => vec![other],
        };
        let mut touched = Vec::new();
        for item in items {
            match values.iter().position(|v| same_element(def, v, &item)) {
                Some(i) => {
                    if let (Some(Value::Object(existing)), Value::Object(new)) =
                        (values.get_mut(i), &item)
                    {
                        for (k, v) in new {
                            existing.insert(k.clone(), v.clone());
                        }
                    }
                    touched.push(i);
                }
                None => {
                    check_writable(def, None, &item, target.text)?;
                    values.push(item);
                    touched.push(values.len() - 1);
                }
            }
        }
        if values.len() > validation.max_values {
            return Err(Error::InvalidSyntax {
                detail: format!(
                    "{} would have more than {} values",
                    target.text, validation.max_values
                ),
            });
        }
        finish_multi(def, &mut values, &touched, target.text)?;
        container.insert(name.to_owned(), Value::Array(values));
        return Ok(());
    }
    check_single(def, value, target.text, validation)?;
    if def.kind == AttributeType::Complex {
        let Value::Object(fields) = value else {
            return Err(wrong(target.text, "an object"));
        };
        let slot = container
            .entry(name.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        if let Value::Object(existing) = slot {
            merge_fields(def, existing, fields, target.text)?;
        }
        return Ok(());
    }
    check_writable(def, container.get(name), value, target.text)?;
    container.insert(name.to_owned(), value.clone());
    Ok(())
}

/// `name.givenName`, or `emails.display` (every element) on a multi-valued attribute.
fn sub_attribute(
    container: &mut Map<String, Value>,
    op: PatchOpKind,
    target: &Target<'_>,
    sub: &AttributeDef,
    value: Option<&Value>,
    validation: &ValidationOptions,
) -> Result<(), Error> {
    let name = target.def.name.as_str();
    check_parent_writable(target.def, target.text, container.get(name))?;
    if target.def.multi_valued {
        let Some(Value::Array(values)) = container.get_mut(name) else {
            return match op {
                PatchOpKind::Remove => Ok(()),
                _ => Err(Error::NoTarget {
                    path: target.text.to_owned(),
                }),
            };
        };
        for element in values.iter_mut() {
            if let Value::Object(fields) = element {
                write_sub(fields, sub, op, value, target.text, validation)?;
            }
        }
        let touched: Vec<usize> = (0..values.len()).collect();
        return finish_multi(target.def, values, &touched, target.text);
    }
    if op == PatchOpKind::Remove {
        if let Some(Value::Object(fields)) = container.get_mut(name) {
            write_sub(fields, sub, op, None, target.text, validation)?;
            if fields.is_empty() {
                container.remove(name);
            }
        }
        return Ok(());
    }
    let slot = container
        .entry(name.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(fields) => write_sub(fields, sub, op, value, target.text, validation),
        _ => Ok(()),
    }
}

/// A valuePath: `members[value eq "x"]`, `emails[type eq "work"].value`, `manager[value eq "x"]`.
fn selected(
    container: &mut Map<String, Value>,
    op: PatchOpKind,
    target: &Target<'_>,
    selector: &Selector<'_>,
    value: Option<&Value>,
    options: &PatchOptions,
) -> Result<(), Error> {
    let def = target.def;
    let name = def.name.as_str();
    let validation = &options.validation;
    check_parent_writable(def, target.text, container.get(name))?;
    // A singular complex attribute is a list of one for selection (research/scim.md §3 #21).
    let mut values = match container.remove(name) {
        Some(Value::Array(values)) => values,
        None | Some(Value::Null) => Vec::new(),
        Some(single) => vec![single],
    };
    let restore = |container: &mut Map<String, Value>, values: Vec<Value>| {
        if values.is_empty() {
            return;
        }
        let stored = if def.multi_valued {
            Value::Array(values)
        } else {
            values.into_iter().next().unwrap_or(Value::Null)
        };
        container.insert(name.to_owned(), stored);
    };
    let mut matched = Vec::new();
    for (i, element) in values.iter().enumerate() {
        let hit = selector
            .bound
            .matches(element)
            .map_err(|e| invalid_path(target.text, &e.to_string()))?;
        if hit {
            matched.push(i);
        }
    }
    let outcome = (|| -> Result<Vec<usize>, Error> {
        match op {
            PatchOpKind::Remove => {
                match selector.then {
                    None => {
                        let mut index = 0;
                        values.retain(|_| {
                            let keep = !matched.contains(&index);
                            index += 1;
                            keep
                        });
                    }
                    Some(sub) => {
                        for &i in &matched {
                            if let Some(Value::Object(fields)) = values.get_mut(i) {
                                write_sub(fields, sub, op, None, target.text, validation)?;
                            }
                        }
                    }
                }
                Ok(Vec::new())
            }
            PatchOpKind::Add | PatchOpKind::Replace => {
                let value = value.ok_or(Error::PatchValueMissing { op: op.as_str() })?;
                let create = op == PatchOpKind::Add
                    || options.replace_no_match == ReplaceNoMatch::CreateElement;
                if matched.is_empty() {
                    if !create {
                        return Err(Error::NoTarget {
                            path: target.text.to_owned(),
                        });
                    }
                    let element = new_element(def, selector, value, target.text)?;
                    check_single(def, &element, target.text, validation)?;
                    if !def.multi_valued {
                        values.clear();
                    }
                    values.push(element);
                    return Ok(vec![values.len() - 1]);
                }
                for &i in &matched {
                    let Some(Value::Object(fields)) = values.get_mut(i) else {
                        continue;
                    };
                    match (selector.then, op) {
                        (Some(sub), _) => {
                            write_sub(fields, sub, op, Some(value), target.text, validation)?
                        }
                        (None, PatchOpKind::Replace) => {
                            check_single(def, value, target.text, validation)?;
                            let Value::Object(new) = value else {
                                return Err(wrong(target.text, "an object"));
                            };
                            for sub in &def.sub_attributes {
                                if sub.mutability == Mutability::Immutable
                                    && let Some(old) = get_ci(fields, &sub.name)
                                {
                                    let same = get_ci(new, &sub.name)
                                        .is_some_and(|n| same_value(sub, n, old));
                                    if !same {
                                        return Err(Error::Immutable {
                                            attribute: format!("{}.{}", target.text, sub.name),
                                        });
                                    }
                                }
                            }
                            *fields = new.clone();
                        }
                        (None, _) => {
                            check_single(def, value, target.text, validation)?;
                            let Value::Object(new) = value else {
                                return Err(wrong(target.text, "an object"));
                            };
                            merge_fields(def, fields, new, target.text)?;
                        }
                    }
                }
                Ok(matched.clone())
            }
        }
    })();
    let touched = match outcome {
        Ok(touched) => touched,
        Err(e) => {
            restore(container, values);
            return Err(e);
        }
    };
    if def.multi_valued {
        finish_multi(def, &mut values, &touched, target.text)?;
    }
    restore(container, values);
    Ok(())
}

/// The element an `add` (or an Entra-style `replace`) creates when its filter matches nothing:
/// the filter's `eq` terms plus the value (research/scim.md §3 #18, #19).
fn new_element(
    def: &AttributeDef,
    selector: &Selector<'_>,
    value: &Value,
    text: &str,
) -> Result<Value, Error> {
    let mut terms = Vec::new();
    if !eq_terms(selector.ast, &mut terms) {
        return Err(Error::NoTarget {
            path: text.to_owned(),
        });
    }
    let mut element = Map::new();
    for (name, v) in terms {
        let sub = def.sub_attribute(name).ok_or_else(|| unknown(text))?;
        element.insert(sub.name.clone(), v);
    }
    match (selector.then, value) {
        (Some(sub), v) => {
            element.insert(sub.name.clone(), v.clone());
        }
        (None, Value::Object(fields)) => {
            for (k, v) in fields {
                let name = def.sub_attribute(k).map_or(k.as_str(), |s| s.name.as_str());
                element.insert(name.to_owned(), v.clone());
            }
        }
        (None, _) => return Err(wrong(text, "an object")),
    }
    Ok(Value::Object(element))
}

/// Collects `sub eq value` terms joined by `and`; false if the filter is anything else.
fn eq_terms<'f>(filter: &'f Filter, out: &mut Vec<(&'f str, Value)>) -> bool {
    match filter {
        Filter::Attr(expr) => match &expr.test {
            AttrTest::Compare(CompareOp::Eq, v)
                if expr.path.urn.is_none() && expr.path.sub_attr.is_none() =>
            {
                out.push((expr.path.name.as_str(), comp_json(v)));
                true
            }
            _ => false,
        },
        Filter::And(parts) => parts.iter().all(|p| eq_terms(p, out)),
        _ => false,
    }
}

fn comp_json(value: &CompValue) -> Value {
    match value {
        CompValue::Null => Value::Null,
        CompValue::Bool(b) => Value::Bool(*b),
        CompValue::Number(n) => Value::Number(n.clone()),
        CompValue::String(s) => Value::String(s.clone()),
    }
}

/// Writes or removes one sub-attribute of a complex value, with its mutability and type checks.
fn write_sub(
    fields: &mut Map<String, Value>,
    sub: &AttributeDef,
    op: PatchOpKind,
    value: Option<&Value>,
    text: &str,
    validation: &ValidationOptions,
) -> Result<(), Error> {
    let path = format!("{text}.{}", sub.name);
    canonical_key(fields, &sub.name);
    match (op, value) {
        (PatchOpKind::Add | PatchOpKind::Replace, Some(v)) if !v.is_null() => {
            if sub.multi_valued {
                check_value(sub, v, &path, validation)?;
            } else {
                check_single(sub, v, &path, validation)?;
            }
            check_writable(sub, fields.get(&sub.name), v, &path)?;
            fields.insert(sub.name.clone(), v.clone());
        }
        _ => {
            check_removable(sub, fields.get(&sub.name), &path)?;
            fields.remove(&sub.name);
        }
    }
    Ok(())
}

/// Merges the sub-attributes of `new` into an existing complex value (RFC 7644 §3.5.2.1/3:
/// sub-attributes not named stay as they are).
fn merge_fields(
    def: &AttributeDef,
    existing: &mut Map<String, Value>,
    new: &Map<String, Value>,
    text: &str,
) -> Result<(), Error> {
    for (key, v) in new {
        let Some(sub) = def.sub_attribute(key) else {
            return Err(unknown(&format!("{text}.{key}")));
        };
        let path = format!("{text}.{}", sub.name);
        canonical_key(existing, &sub.name);
        if v.is_null() {
            check_removable(sub, existing.get(&sub.name), &path)?;
            existing.remove(&sub.name);
            continue;
        }
        check_writable(sub, existing.get(&sub.name), v, &path)?;
        existing.insert(sub.name.clone(), v.clone());
    }
    Ok(())
}

/// After a change to a multi-valued attribute: a value just marked primary clears the others
/// (RFC 7644 §3.5.2); more than one primary left is an error.
fn finish_multi(
    def: &AttributeDef,
    values: &mut [Value],
    touched: &[usize],
    text: &str,
) -> Result<(), Error> {
    if def.sub_attribute("primary").is_none() {
        return Ok(());
    }
    let winner = touched
        .iter()
        .rev()
        .copied()
        .find(|&i| values.get(i).is_some_and(is_primary));
    if let Some(winner) = winner {
        for (i, value) in values.iter_mut().enumerate() {
            if i != winner
                && is_primary(value)
                && let Value::Object(fields) = value
                && let Some(key) = key_ci(fields, "primary")
            {
                fields.insert(key, Value::Bool(false));
            }
        }
    }
    if values.iter().filter(|v| is_primary(v)).count() > 1 {
        return Err(Error::MultiplePrimary {
            attribute: text.to_owned(),
        });
    }
    Ok(())
}

/// Two values of a multi-valued attribute are the same member if their `value`s are equal
/// (and their `type`s, when both have one); otherwise if they are equal as a whole.
fn same_element(def: &AttributeDef, a: &Value, b: &Value) -> bool {
    if let (Value::Object(x), Value::Object(y), Some(value_def)) =
        (a, b, def.sub_attribute("value"))
        && let (Some(vx), Some(vy)) = (get_ci(x, "value"), get_ci(y, "value"))
    {
        let same_type = match (
            get_ci(x, "type"),
            get_ci(y, "type"),
            def.sub_attribute("type"),
        ) {
            (Some(tx), Some(ty), Some(type_def)) => same_value(type_def, tx, ty),
            _ => true,
        };
        return same_type && same_value(value_def, vx, vy);
    }
    same_value(def, a, b)
}

/// A multi-valued or complex attribute whose own mutability forbids changing its parts.
fn check_parent_writable(
    def: &AttributeDef,
    text: &str,
    current: Option<&Value>,
) -> Result<(), Error> {
    match def.mutability {
        Mutability::ReadOnly => Err(Error::ReadOnly {
            attribute: text.to_owned(),
        }),
        Mutability::Immutable if current.is_some_and(|c| !is_unassigned(c)) => {
            Err(Error::Immutable {
                attribute: text.to_owned(),
            })
        }
        _ => Ok(()),
    }
}

/// RFC 7644 §3.5.2: readOnly never changes; immutable only while it has no value. Writing the
/// value it already has is not a change.
fn check_writable(
    def: &AttributeDef,
    current: Option<&Value>,
    new: &Value,
    text: &str,
) -> Result<(), Error> {
    let unchanged = current.is_some_and(|c| same_value(def, c, new));
    match def.mutability {
        Mutability::ReadOnly if !unchanged => Err(Error::ReadOnly {
            attribute: text.to_owned(),
        }),
        Mutability::Immutable if !unchanged && current.is_some_and(|c| !is_unassigned(c)) => {
            Err(Error::Immutable {
                attribute: text.to_owned(),
            })
        }
        _ => Ok(()),
    }
}

/// Removing a value: not readOnly, not an immutable value, not a required attribute.
fn check_removable(def: &AttributeDef, current: Option<&Value>, text: &str) -> Result<(), Error> {
    if current.is_none_or(is_unassigned) {
        return Ok(());
    }
    match def.mutability {
        Mutability::ReadOnly => Err(Error::ReadOnly {
            attribute: text.to_owned(),
        }),
        Mutability::Immutable => Err(Error::Immutable {
            attribute: text.to_owned(),
        }),
        _ if def.required => Err(Error::RequiredMissing {
            attribute: text.to_owned(),
        }),
        _ => Ok(()),
    }
}

fn unknown(path: &str) -> Error {
    Error::UnknownAttribute {
        path: path.to_owned(),
    }
}

fn invalid_path(path: &str, detail: &str) -> Error {
    Error::InvalidPath {
        path: path.to_owned(),
        detail: detail.to_owned(),
    }
}

fn wrong(path: &str, expected: &'static str) -> Error {
    Error::WrongType {
        attribute: path.to_owned(),
        expected,
    }
}
