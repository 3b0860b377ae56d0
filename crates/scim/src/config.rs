//! Discovery documents (RFC 7643 §5–§7, RFC 7644 §4): ServiceProviderConfig (with RFC 9865
//! `pagination`), and the ResourceType and Schema documents generated from the schema data.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::schema::{ResourceSchema, Schema};

/// The URN of a ServiceProviderConfig (RFC 7643 §5).
pub const SERVICE_PROVIDER_CONFIG_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
/// The URN of a ResourceType document (RFC 7643 §6).
pub const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
/// The URN of a Schema document (RFC 7643 §7).
pub const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// `{ "supported": bool }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Supported {
    /// Whether the feature is supported.
    pub supported: bool,
}

/// The `bulk` block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct BulkConfig {
    /// Whether Bulk is supported.
    pub supported: bool,
    /// The most operations per request.
    pub max_operations: u64,
    /// The largest request body in bytes.
    pub max_payload_size: u64,
}

/// The `filter` block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FilterConfig {
    /// Whether filtering is supported.
    pub supported: bool,
    /// The most resources a query returns.
    pub max_results: u64,
}

/// The RFC 9865 `pagination` block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PaginationConfig {
    /// Cursor paging supported.
    pub cursor: bool,
    /// Index paging supported.
    pub index: bool,
    /// `cursor` or `index`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_pagination_method: Option<String>,
    /// The page size without `count`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_page_size: Option<u64>,
    /// The largest page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_page_size: Option<u64>,
    /// Seconds a cursor stays valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_timeout: Option<u64>,
}

/// One entry of `authenticationSchemes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationScheme {
    /// `oauth`, `oauth2`, `oauthbearertoken`, `httpbasic`, `httpdigest`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A name.
    pub name: String,
    /// A description.
    pub description: String,
    /// The specification's URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec_uri: Option<String>,
    /// Documentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_uri: Option<String>,
    /// Whether this is the preferred scheme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
}

/// A ServiceProviderConfig (RFC 7643 §5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceProviderConfig {
    /// Always `[SERVICE_PROVIDER_CONFIG_SCHEMA]`.
    pub schemas: Vec<String>,
    /// Human documentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_uri: Option<String>,
    /// PATCH.
    pub patch: Supported,
    /// Bulk.
    pub bulk: BulkConfig,
    /// Filtering.
    pub filter: FilterConfig,
    /// Password change.
    pub change_password: Supported,
    /// Sorting.
    pub sort: Supported,
    /// ETags.
    pub etag: Supported,
    /// Authentication schemes.
    pub authentication_schemes: Vec<AuthenticationScheme>,
    /// RFC 9865 pagination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<PaginationConfig>,
    /// `meta`, as the service provider sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
}

impl ServiceProviderConfig {
    /// What this crate implements: PATCH, Bulk (1000 operations, 1 MiB), filter (1000
    /// results), sort, ETags, no password change, bearer tokens, index and cursor paging.
    pub fn fedkit_defaults() -> ServiceProviderConfig {
        ServiceProviderConfig {
            schemas: vec![SERVICE_PROVIDER_CONFIG_SCHEMA.to_owned()],
            documentation_uri: None,
            patch: Supported { supported: true },
            bulk: BulkConfig {
                supported: true,
                max_operations: 1000,
                max_payload_size: 1 << 20,
            },
            filter: FilterConfig {
                supported: true,
                max_results: 1000,
            },
            change_password: Supported { supported: false },
            sort: Supported { supported: true },
            etag: Supported { supported: true },
            authentication_schemes: vec![AuthenticationScheme {
                kind: "oauthbearertoken".to_owned(),
                name: "OAuth Bearer Token".to_owned(),
                description: "Authentication with a bearer token (RFC 6750)".to_owned(),
                spec_uri: Some("https://www.rfc-editor.org/rfc/rfc6750".to_owned()),
                documentation_uri: None,
                primary: Some(true),
            }],
            pagination: Some(PaginationConfig {
                cursor: true,
                index: true,
                default_pagination_method: Some("index".to_owned()),
                default_page_size: Some(100),
                max_page_size: Some(1000),
                cursor_timeout: None,
            }),
            meta: None,
        }
    }
}

/// The ResourceType document of a resource type (RFC 7643 §6), `base_url` without a
/// trailing slash.
pub fn resource_type_document(schema: &ResourceSchema, base_url: &str) -> Value {
    let extensions: Vec<Value> = schema
        .extensions
        .iter()
        .map(|e| json!({"schema": e.schema.id, "required": e.required}))
        .collect();
    let mut doc = Map::new();
    doc.insert("schemas".to_owned(), json!([RESOURCE_TYPE_SCHEMA]));
    doc.insert("id".to_owned(), json!(schema.name));
    doc.insert("name".to_owned(), json!(schema.name));
    doc.insert("endpoint".to_owned(), json!(schema.endpoint));
    doc.insert("description".to_owned(), json!(schema.core.description));
    doc.insert("schema".to_owned(), json!(schema.core.id));
    if !extensions.is_empty() {
        doc.insert("schemaExtensions".to_owned(), Value::Array(extensions));
    }
    doc.insert(
        "meta".to_owned(),
        json!({
            "location": format!("{base_url}/ResourceTypes/{}", schema.name),
            "resourceType": "ResourceType"
        }),
    );
    Value::Object(doc)
}

/// The Schema document of a schema (RFC 7643 §7), `base_url` without a trailing slash.
pub fn schema_document(schema: &Schema, base_url: &str) -> Value {
    let mut doc = match serde_json::to_value(schema) {
        Ok(Value::Object(doc)) => doc,
        _ => Map::new(),
    };
    doc.insert("schemas".to_owned(), json!([SCHEMA_SCHEMA]));
    doc.insert(
        "meta".to_owned(),
        json!({
            "resourceType": "Schema",
            "location": format!("{base_url}/Schemas/{}", schema.id)
        }),
    );
    Value::Object(doc)
}
