//! The SCIM Error model (RFC 7644 §3.12) and this crate's error enum.
//!
//! [`Error`] is what the model layers (resources, PATCH, queries, Bulk) reject input with. Every
//! variant has a stable snake_case [`Error::code`], the HTTP status and [`ScimType`] RFC 7644
//! §3.12 (and RFC 9865 §2.4) assign to it, and turns into the wire body with
//! [`Error::to_scim_error`].

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The URN in the `schemas` of every SCIM error body (RFC 7644 §3.12).
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The `scimType` detail keyword of a 400 error: RFC 7644 §3.12 Table 9, plus the pagination
/// keywords of RFC 9865 §2.4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScimType {
    /// The filter syntax is invalid or the filter compares an unsupported way.
    InvalidFilter,
    /// The filter yields more results than the service provider is willing to return.
    TooMany,
    /// One or more attribute values are already in use or reserved.
    Uniqueness,
    /// The modification is incompatible with the attribute's mutability or current state.
    Mutability,
    /// The request body is not a valid SCIM message.
    InvalidSyntax,
    /// The path attribute is invalid or malformed.
    InvalidPath,
    /// The path did not select a target (or a `remove` had no path).
    NoTarget,
    /// A required value is missing or a value does not fit the attribute or operation.
    InvalidValue,
    /// The requested protocol version is not supported.
    InvalidVers,
    /// The request carries sensitive information (e.g. a password in a URL).
    Sensitive,
    /// RFC 9865: the cursor value is not one this service provider issued.
    InvalidCursor,
    /// RFC 9865: the cursor has expired.
    ExpiredCursor,
    /// RFC 9865: the count value is outside what the service provider accepts.
    InvalidCount,
}

impl ScimType {
    /// Every value, in RFC order.
    pub const ALL: [ScimType; 13] = [
        ScimType::InvalidFilter,
        ScimType::TooMany,
        ScimType::Uniqueness,
        ScimType::Mutability,
        ScimType::InvalidSyntax,
        ScimType::InvalidPath,
        ScimType::NoTarget,
        ScimType::InvalidValue,
        ScimType::InvalidVers,
        ScimType::Sensitive,
        ScimType::InvalidCursor,
        ScimType::ExpiredCursor,
        ScimType::InvalidCount,
    ];

    /// The keyword as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
            ScimType::InvalidCursor => "invalidCursor",
            ScimType::ExpiredCursor => "expiredCursor",
            ScimType::InvalidCount => "invalidCount",
        }
    }

    /// The value for a wire keyword; keywords are case-sensitive JSON strings.
    pub fn from_keyword(keyword: &str) -> Option<ScimType> {
        ScimType::ALL.into_iter().find(|t| t.as_str() == keyword)
    }
}

impl std::fmt::Display for ScimType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ScimType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ScimType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let keyword = String::deserialize(deserializer)?;
        ScimType::from_keyword(&keyword)
            .ok_or_else(|| D::Error::custom(format!("unknown scimType {keyword:?}")))
    }
}

/// A SCIM error response body (RFC 7644 §3.12): `status` is serialised as a JSON string, as the
/// RFC's schema says (errata 6893 fixed the examples); a numeric status is accepted on input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimError {
    /// The HTTP status code.
    pub status: u16,
    /// The detail keyword, for 400 responses.
    pub scim_type: Option<ScimType>,
    /// Human-readable detail.
    pub detail: Option<String>,
}

impl ScimError {
    /// An error body with the given status and no detail keyword.
    pub fn new(status: u16) -> ScimError {
        ScimError {
            status,
            scim_type: None,
            detail: None,
        }
    }

    /// A 400 body with a detail keyword and text.
    pub fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> ScimError {
        ScimError {
            status: 400,
            scim_type: Some(scim_type),
            detail: Some(detail.into()),
        }
    }

    /// The body as a JSON value.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScimErrorWire {
    schemas: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scim_type: Option<ScimType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    status: StatusWire,
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum StatusWire {
    Text(String),
    Number(u16),
}

impl Serialize for ScimError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ScimErrorWire {
            schemas: vec![ERROR_SCHEMA.to_owned()],
            scim_type: self.scim_type,
            detail: self.detail.clone(),
            status: StatusWire::Text(self.status.to_string()),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ScimError {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = ScimErrorWire::deserialize(deserializer)?;
        if !wire.schemas.iter().any(|s| s == ERROR_SCHEMA) {
            return Err(D::Error::custom("schemas does not list the Error URN"));
        }
        let status = match wire.status {
            StatusWire::Number(n) => n,
            StatusWire::Text(text) => text
                .parse()
                .map_err(|_| D::Error::custom(format!("status {text:?} is not a number")))?,
        };
        Ok(ScimError {
            status,
            scim_type: wire.scim_type,
            detail: wire.detail,
        })
    }
}

/// Why this crate's model layers rejected a request. Each variant says who is at fault in its
/// documentation; all of them are faults of the request unless noted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The body is not JSON, or not the JSON shape the message needs.
    #[error("invalid syntax: {detail}")]
    InvalidSyntax {
        /// What was wrong.
        detail: String,
    },
    /// A message's `schemas` does not list the message URN it must.
    #[error("schemas must list {expected}")]
    MessageSchemaMissing {
        /// The URN that must be listed.
        expected: &'static str,
    },
    /// A JSON body nests deeper than the configured limit.
    #[error("JSON nests deeper than {limit}")]
    TooDeep {
        /// The configured limit.
        limit: usize,
    },
    /// A PatchOp has no operations.
    #[error("a PatchOp needs at least one operation")]
    PatchEmpty,
    /// A PatchOp carries more operations than the configured limit.
    #[error("more than {limit} PATCH operations")]
    PatchTooManyOperations {
        /// The configured limit.
        limit: usize,
    },
    /// An operation's `op` is not add, remove or replace.
    #[error("unknown PATCH op {op:?}")]
    PatchUnknownOp {
        /// The op as sent.
        op: String,
    },
    /// An add or replace carries no `value`.
    #[error("PATCH {op} needs a value")]
    PatchValueMissing {
        /// add or replace.
        op: &'static str,
    },
    /// A remove carries a `value`. RFC 7644 §3.5.2.2 gives remove no value, and the reading
    /// "remove the whole attribute" wipes all members when Entra means a few; the lenient
    /// normaliser rewrites this shape into per-value removals instead.
    #[error("PATCH remove of {path:?} carries a value")]
    PatchRemoveWithValue {
        /// The path of the remove.
        path: String,
    },
    /// A remove has no `path` (RFC 7644 §3.5.2.2: noTarget).
    #[error("PATCH remove needs a path")]
    PatchRemoveWithoutPath,
    /// A path or filter does not parse.
    #[error("invalid path {path:?}: {detail}")]
    InvalidPath {
        /// The path as sent.
        path: String,
        /// The parser's message, with its caret.
        detail: String,
    },
    /// A filter does not parse or does not bind to the schema.
    #[error("invalid filter: {detail}")]
    InvalidFilter {
        /// The parser's or binder's message, with its caret.
        detail: String,
    },
    /// A path names an attribute the resource's schemas do not define.
    #[error("no attribute {path:?} in the resource's schemas")]
    UnknownAttribute {
        /// The attribute path.
        path: String,
    },
    /// A value selection filter matched nothing where the RFC requires a match.
    #[error("the filter in {path:?} matched no value")]
    NoTarget {
        /// The path as sent.
        path: String,
    },
    /// A client tried to set or remove a readOnly attribute.
    #[error("attribute {attribute:?} is readOnly")]
    ReadOnly {
        /// The attribute path.
        attribute: String,
    },
    /// A client tried to change an immutable attribute that already has a value.
    #[error("attribute {attribute:?} is immutable")]
    Immutable {
        /// The attribute path.
        attribute: String,
    },
    /// A required attribute is absent, or an operation would remove it.
    #[error("required attribute {attribute:?} is missing")]
    RequiredMissing {
        /// The attribute path.
        attribute: String,
    },
    /// A value does not have the attribute's type.
    #[error("attribute {attribute:?} must be {expected}")]
    WrongType {
        /// The attribute path.
        attribute: String,
        /// What the schema wants, e.g. "a boolean".
        expected: &'static str,
    },
    /// A value is not one of the attribute's canonicalValues.
    #[error("{value:?} is not a canonical value of {attribute:?}")]
    NotCanonical {
        /// The attribute path.
        attribute: String,
        /// The value sent.
        value: String,
    },
    /// More than one value of a multi-valued attribute is marked primary.
    #[error("more than one value of {attribute:?} is primary")]
    MultiplePrimary {
        /// The attribute path.
        attribute: String,
    },
    /// `schemas` does not list the resource's core schema.
    #[error("schemas must list {expected}")]
    CoreSchemaMissing {
        /// The core schema URN.
        expected: String,
    },
    /// `schemas` lists a URN the resource type does not know.
    #[error("unknown schema {urn:?}")]
    UnknownSchema {
        /// The URN as sent.
        urn: String,
    },
    /// The body uses an extension that `schemas` does not list.
    #[error("extension {urn:?} is used but not listed in schemas")]
    ExtensionNotDeclared {
        /// The extension URN.
        urn: String,
    },
    /// A required extension is absent.
    #[error("required extension {urn:?} is missing")]
    ExtensionMissing {
        /// The extension URN.
        urn: String,
    },
    /// The caller's version precondition (If-Match) does not hold.
    #[error("version {expected:?} does not match the resource's version")]
    VersionMismatch {
        /// The version the request expected.
        expected: String,
    },
    /// `count` is outside what the service provider accepts.
    #[error("count {count} is outside 0..={max}")]
    InvalidCount {
        /// The count as sent.
        count: i64,
        /// The largest accepted count.
        max: u32,
    },
    /// A cursor is not one the service provider issued (RFC 9865).
    #[error("invalid cursor")]
    InvalidCursor,
    /// A cursor has expired (RFC 9865).
    #[error("expired cursor")]
    ExpiredCursor,
    /// `sortBy` names an attribute that cannot be sorted on.
    #[error("cannot sort by {attribute:?}")]
    InvalidSortBy {
        /// The attribute path.
        attribute: String,
    },
    /// `sortOrder` is neither ascending nor descending.
    #[error("sortOrder {value:?} is neither ascending nor descending")]
    InvalidSortOrder {
        /// The value sent.
        value: String,
    },
    /// A query would return more results than the service provider allows.
    #[error("the query selects more than {limit} resources")]
    TooManyResults {
        /// The configured limit.
        limit: usize,
    },
    /// A Bulk request has more operations than the configured limit (RFC 7644 §3.7.4: 413).
    #[error("more than {limit} bulk operations")]
    BulkTooManyOperations {
        /// The configured limit.
        limit: usize,
    },
    /// A Bulk request body is larger than the configured limit (RFC 7644 §3.7.4: 413).
    #[error("bulk request larger than {limit} bytes")]
    BulkPayloadTooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// A Bulk POST lacks a bulkId, or two operations share one.
    #[error("bulkId {bulk_id:?} is missing or not unique")]
    BulkIdInvalid {
        /// The bulkId (empty when missing).
        bulk_id: String,
    },
    /// A `bulkId:` reference names no operation of the request (RFC 7644 §3.7.2).
    #[error("bulkId reference {bulk_id:?} names no operation")]
    BulkIdUnresolved {
        /// The referenced bulkId.
        bulk_id: String,
    },
    /// `bulkId:` references form a cycle that cannot be resolved (RFC 7644 §3.7.1: 409).
    #[error("bulkId references form a cycle through {bulk_id:?}")]
    BulkIdCycle {
        /// A bulkId on the cycle.
        bulk_id: String,
    },
    /// A Bulk operation's method is not POST, PUT, PATCH or DELETE.
    #[error("bulk method {method:?} is not POST, PUT, PATCH or DELETE")]
    BulkInvalidMethod {
        /// The method sent.
        method: String,
    },
}

impl Error {
    /// A stable snake_case name of the variant.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidSyntax { .. } => "invalid_syntax",
            Error::MessageSchemaMissing { .. } => "message_schema_missing",
            Error::TooDeep { .. } => "too_deep",
            Error::PatchEmpty => "patch_empty",
            Error::PatchTooManyOperations { .. } => "patch_too_many_operations",
            Error::PatchUnknownOp { .. } => "patch_unknown_op",
            Error::PatchValueMissing { .. } => "patch_value_missing",
            Error::PatchRemoveWithValue { .. } => "patch_remove_with_value",
            Error::PatchRemoveWithoutPath => "patch_remove_without_path",
            Error::InvalidPath { .. } => "invalid_path",
            Error::InvalidFilter { .. } => "invalid_filter",
            Error::UnknownAttribute { .. } => "unknown_attribute",
            Error::NoTarget { .. } => "no_target",
            Error::ReadOnly { .. } => "read_only",
            Error::Immutable { .. } => "immutable",
            Error::RequiredMissing { .. } => "required_missing",
            Error::WrongType { .. } => "wrong_type",
            Error::NotCanonical { .. } => "not_canonical",
            Error::MultiplePrimary { .. } => "multiple_primary",
            Error::CoreSchemaMissing { .. } => "core_schema_missing",
            Error::UnknownSchema { .. } => "unknown_schema",
            Error::ExtensionNotDeclared { .. } => "extension_not_declared",
            Error::ExtensionMissing { .. } => "extension_missing",
            Error::VersionMismatch { .. } => "version_mismatch",
            Error::InvalidCount { .. } => "invalid_count",
            Error::InvalidCursor => "invalid_cursor",
            Error::ExpiredCursor => "expired_cursor",
            Error::InvalidSortBy { .. } => "invalid_sort_by",
            Error::InvalidSortOrder { .. } => "invalid_sort_order",
            Error::TooManyResults { .. } => "too_many_results",
            Error::BulkTooManyOperations { .. } => "bulk_too_many_operations",
            Error::BulkPayloadTooLarge { .. } => "bulk_payload_too_large",
            Error::BulkIdInvalid { .. } => "bulk_id_invalid",
            Error::BulkIdUnresolved { .. } => "bulk_id_unresolved",
            Error::BulkIdCycle { .. } => "bulk_id_cycle",
            Error::BulkInvalidMethod { .. } => "bulk_invalid_method",
        }
    }

    /// The HTTP status RFC 7644 gives this failure.
    pub fn status(&self) -> u16 {
        match self {
            Error::VersionMismatch { .. } => 412,
            Error::BulkTooManyOperations { .. } | Error::BulkPayloadTooLarge { .. } => 413,
            Error::BulkIdCycle { .. } | Error::BulkIdUnresolved { .. } => 409,
            _ => 400,
        }
    }

    /// The `scimType` keyword RFC 7644 §3.12 / RFC 9865 §2.4 assign, for 400 errors.
    pub fn scim_type(&self) -> Option<ScimType> {
        Some(match self {
            Error::InvalidSyntax { .. }
            | Error::MessageSchemaMissing { .. }
            | Error::TooDeep { .. }
            | Error::PatchEmpty
            | Error::PatchUnknownOp { .. }
            | Error::PatchValueMissing { .. }
            | Error::PatchRemoveWithValue { .. }
            | Error::BulkIdInvalid { .. }
            | Error::BulkInvalidMethod { .. } => ScimType::InvalidSyntax,
            Error::PatchRemoveWithoutPath | Error::NoTarget { .. } => ScimType::NoTarget,
            Error::InvalidPath { .. } | Error::UnknownAttribute { .. } => ScimType::InvalidPath,
            Error::InvalidFilter { .. } => ScimType::InvalidFilter,
            Error::ReadOnly { .. } | Error::Immutable { .. } => ScimType::Mutability,
            Error::PatchTooManyOperations { .. }
            | Error::RequiredMissing { .. }
            | Error::WrongType { .. }
            | Error::NotCanonical { .. }
            | Error::MultiplePrimary { .. }
            | Error::CoreSchemaMissing { .. }
            | Error::UnknownSchema { .. }
            | Error::ExtensionNotDeclared { .. }
            | Error::ExtensionMissing { .. }
            | Error::InvalidSortBy { .. }
            | Error::InvalidSortOrder { .. } => ScimType::InvalidValue,
            Error::InvalidCount { .. } => ScimType::InvalidCount,
            Error::InvalidCursor => ScimType::InvalidCursor,
            Error::ExpiredCursor => ScimType::ExpiredCursor,
            Error::TooManyResults { .. } => ScimType::TooMany,
            Error::VersionMismatch { .. }
            | Error::BulkTooManyOperations { .. }
            | Error::BulkPayloadTooLarge { .. }
            | Error::BulkIdUnresolved { .. }
            | Error::BulkIdCycle { .. } => return None,
        })
    }

    /// The SCIM error body for this failure.
    pub fn to_scim_error(&self) -> ScimError {
        ScimError {
            status: self.status(),
            scim_type: self.scim_type(),
            detail: Some(self.to_string()),
        }
    }
}

impl From<Error> for ScimError {
    fn from(error: Error) -> ScimError {
        error.to_scim_error()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scim_type_keywords_round_trip() {
        for t in ScimType::ALL {
            assert_eq!(ScimType::from_keyword(t.as_str()), Some(t));
        }
        assert_eq!(ScimType::from_keyword("InvalidFilter"), None);
    }

    #[test]
    fn status_is_serialised_as_a_string() {
        let body = ScimError::bad_request(ScimType::Mutability, "Attribute 'id' is readOnly");
        let json = body.to_json();
        assert_eq!(json["status"], "400");
        assert_eq!(json["scimType"], "mutability");
        assert_eq!(json["schemas"][0], ERROR_SCHEMA);
    }

    #[test]
    fn numeric_status_is_accepted_on_input() {
        let text = format!(r#"{{"schemas":["{ERROR_SCHEMA}"],"status":404}}"#);
        let body: ScimError = serde_json::from_str(&text).expect("error body parses");
        assert_eq!(body.status, 404);
        assert_eq!(body.scim_type, None);
    }

    #[test]
    fn body_without_error_urn_is_refused() {
        let text = r#"{"schemas":["urn:x"],"status":"400"}"#;
        assert!(serde_json::from_str::<ScimError>(text).is_err());
    }
}
