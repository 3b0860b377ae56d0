//! PATCH (RFC 7644 §3.5.2): the PatchOp message and its all-or-nothing application to a
//! resource.
//!
//! [`PatchRequest::parse`] checks the message shape; [`PatchRequest::apply`] applies every
//! operation to a copy of the resource and returns the copy only if all succeeded and the
//! result still satisfies the schema (required attributes, one `primary`). The input resource
//! is never changed. Input from identity providers that do not speak RFC 7644 exactly goes
//! through [`crate::normalize`] first.

mod apply;

use serde_json::Value;

use crate::dialect::Dialect;
use crate::error::Error;
use crate::path::Path;
use crate::resource::{ValidationOptions, get_ci};
use crate::schema::ResourceSchema;

/// The URN in a PatchOp message's `schemas` (RFC 7644 §3.5.2).
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// One of the three PATCH operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchOpKind {
    /// `add`.
    Add,
    /// `remove`.
    Remove,
    /// `replace`.
    Replace,
}

impl PatchOpKind {
    /// The op as RFC 7644 spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            PatchOpKind::Add => "add",
            PatchOpKind::Remove => "remove",
            PatchOpKind::Replace => "replace",
        }
    }
}

/// One operation of a PatchOp message.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    /// The op.
    pub op: PatchOpKind,
    /// The parsed path, if any.
    pub path: Option<Path>,
    /// The path as sent.
    pub path_text: Option<String>,
    /// The value, if any.
    pub value: Option<Value>,
}

/// What a `replace` does when its value selection filter matches nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReplaceNoMatch {
    /// Fail with 400 `noTarget`, as RFC 7644 §3.5.2.3 says (the default).
    #[default]
    NoTarget,
    /// Create the element, as Entra ID expects for `emails[type eq "work"].value`
    /// (research/scim.md §3 #18). Only for filters that are `eq` tests joined by `and`.
    CreateElement,
}

/// PATCH settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchOptions {
    /// The path language (default strict).
    pub dialect: Dialect,
    /// The most operations one request may carry (default 1000).
    pub max_operations: usize,
    /// `replace` with a filter that matches nothing.
    pub replace_no_match: ReplaceNoMatch,
    /// Type and value checks on the values written.
    pub validation: ValidationOptions,
}

impl Default for PatchOptions {
    fn default() -> Self {
        PatchOptions {
            dialect: Dialect::Strict,
            max_operations: 1000,
            replace_no_match: ReplaceNoMatch::NoTarget,
            validation: ValidationOptions::default(),
        }
    }
}

/// A parsed PatchOp message.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchRequest {
    /// The operations, in order.
    pub operations: Vec<PatchOperation>,
}

/// The result of a successful PATCH.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOutcome {
    /// The patched resource.
    pub resource: Value,
    /// Whether anything changed (RFC 7644 §3.5.2: a no-op PATCH may answer 204).
    pub changed: bool,
}

impl PatchRequest {
    /// Parses a PatchOp body: `schemas` must list [`PATCH_OP_SCHEMA`], `Operations` must hold
    /// 1..=`max_operations` operations with a lower-case `op`, a path that parses in the
    /// dialect, a `value` for add/replace, a `path` and no `value` for remove.
    ///
    /// ```
    /// use fedkit_scim::patch::{PatchOptions, PatchRequest};
    /// use fedkit_scim::ResourceSchema;
    /// let body = serde_json::json!({
    ///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    ///     "Operations": [{"op": "add", "path": "members", "value": [{"value": "2819c223"}]}]
    /// });
    /// let group = serde_json::json!({
    ///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    ///     "id": "g1", "displayName": "Tour Guides"
    /// });
    /// let options = PatchOptions::default();
    /// let patch = PatchRequest::parse(&body, &options).unwrap();
    /// let out = patch.apply(&group, ResourceSchema::groups(), &options).unwrap();
    /// assert_eq!(out.resource["members"][0]["value"], "2819c223");
    /// ```
    pub fn parse(body: &Value, options: &PatchOptions) -> Result<PatchRequest, Error> {
        let object = body.as_object().ok_or_else(|| Error::InvalidSyntax {
            detail: "a PatchOp must be a JSON object".to_owned(),
        })?;
        let listed = get_ci(object, "schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| s.iter().any(|u| u.as_str() == Some(PATCH_OP_SCHEMA)));
        if !listed {
            return Err(Error::MessageSchemaMissing {
                expected: PATCH_OP_SCHEMA,
            });
        }
        let operations = match get_ci(object, "Operations") {
            Some(Value::Array(ops)) => ops,
            _ => {
                return Err(Error::InvalidSyntax {
                    detail: "Operations must be an array".to_owned(),
                });
            }
        };
        if operations.is_empty() {
            return Err(Error::PatchEmpty);
        }
        if operations.len() > options.max_operations {
            return Err(Error::PatchTooManyOperations {
                limit: options.max_operations,
            });
        }
        let operations = operations
            .iter()
            .map(|op| parse_operation(op, options.dialect))
            .collect::<Result<_, _>>()?;
        Ok(PatchRequest { operations })
    }

    /// The message as JSON, in RFC 7644 §3.5.2 shape.
    pub fn to_json(&self) -> Value {
        let operations: Vec<Value> = self
            .operations
            .iter()
            .map(|op| {
                let mut fields = serde_json::Map::new();
                fields.insert("op".to_owned(), Value::String(op.op.as_str().to_owned()));
                if let Some(path) = &op.path_text {
                    fields.insert("path".to_owned(), Value::String(path.clone()));
                }
                if let Some(value) = &op.value {
                    fields.insert("value".to_owned(), value.clone());
                }
                Value::Object(fields)
            })
            .collect();
        serde_json::json!({"schemas": [PATCH_OP_SCHEMA], "Operations": operations})
    }

    /// Applies the operations, all or nothing, to a copy of `resource`.
    pub fn apply(
        &self,
        resource: &Value,
        schema: &ResourceSchema,
        options: &PatchOptions,
    ) -> Result<PatchOutcome, Error> {
        apply::apply(self, resource, schema, options)
    }
}

fn parse_operation(op: &Value, dialect: Dialect) -> Result<PatchOperation, Error> {
    let object = op.as_object().ok_or_else(|| Error::InvalidSyntax {
        detail: "each operation must be a JSON object".to_owned(),
    })?;
    let kind = match get_ci(object, "op") {
        Some(Value::String(s)) => match s.as_str() {
            "add" => PatchOpKind::Add,
            "remove" => PatchOpKind::Remove,
            "replace" => PatchOpKind::Replace,
            other => {
                return Err(Error::PatchUnknownOp {
                    op: other.to_owned(),
                });
            }
        },
        Some(other) => {
            return Err(Error::PatchUnknownOp {
                op: other.to_string(),
            });
        }
        None => {
            return Err(Error::PatchUnknownOp { op: String::new() });
        }
    };
    let path_text = match get_ci(object, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err(Error::InvalidSyntax {
                detail: "path must be a string".to_owned(),
            });
        }
    };
    let path = match &path_text {
        Some(text) => Some(Path::parse(text, dialect).map_err(|e| Error::InvalidPath {
            path: text.clone(),
            detail: e.to_string(),
        })?),
        None => None,
    };
    let value = get_ci(object, "value").cloned();
    match kind {
        PatchOpKind::Remove => {
            let Some(text) = &path_text else {
                return Err(Error::PatchRemoveWithoutPath);
            };
            if value.is_some() {
                return Err(Error::PatchRemoveWithValue { path: text.clone() });
            }
        }
        PatchOpKind::Add | PatchOpKind::Replace => {
            if value.is_none() {
                return Err(Error::PatchValueMissing { op: kind.as_str() });
            }
        }
    }
    Ok(PatchOperation {
        op: kind,
        path,
        path_text,
        value,
    })
}
