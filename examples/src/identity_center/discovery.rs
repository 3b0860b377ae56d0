//! `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas` (RFC 7644 §4, RFC 7643 §5–7):
//! fedkit-scim's documents ([`fedkit_scim::config`]), with the ServiceProviderConfig set from
//! the settings this server runs with, so they describe exactly what it does.

use fedkit_scim::ResourceSchema;
use fedkit_scim::config::{
    ServiceProviderConfig, Supported, resource_type_document, schema_document,
};
use fedkit_scim::schema::Schema;
use serde_json::{Value, json};

use crate::identity_center::config::{Profile, ServiceConfig};

/// The ListResponse message URN (RFC 7644 §3.4.2).
pub use fedkit_scim::query::LIST_RESPONSE_SCHEMA as LIST_RESPONSE;

/// The ServiceProviderConfig document.
pub fn service_provider_config(config: &ServiceConfig) -> Value {
    let full = config.profile == Profile::Full;
    let mut spc = ServiceProviderConfig::fedkit_defaults();
    spc.documentation_uri = Some("https://github.com/fedkit/fedkit#identity-center".into());
    spc.bulk.supported = full;
    spc.bulk.max_operations = if full {
        config.max_bulk_operations as u64
    } else {
        0
    };
    spc.bulk.max_payload_size = if full {
        config.max_body_bytes as u64
    } else {
        0
    };
    spc.filter.max_results = config.max_count;
    spc.sort = Supported { supported: full };
    spc.etag = Supported { supported: full };
    if let Some(pagination) = &mut spc.pagination {
        pagination.index = full;
        pagination.default_pagination_method = Some(if full { "index" } else { "cursor" }.into());
        pagination.default_page_size = Some(config.max_count);
        pagination.max_page_size = Some(config.max_count);
    }
    spc.meta = Some(json!({
        "resourceType": "ServiceProviderConfig",
        "location": format!("{}/ServiceProviderConfig", config.base_url),
    }));
    serde_json::to_value(&spc).unwrap_or(Value::Null)
}

/// The resource types served.
pub fn resource_types(config: &ServiceConfig) -> Vec<Value> {
    [ResourceSchema::users(), ResourceSchema::groups()]
        .into_iter()
        .map(|rs| resource_type(rs, config))
        .collect()
}

/// One ResourceType document.
pub fn resource_type(rs: &ResourceSchema, config: &ServiceConfig) -> Value {
    resource_type_document(rs, &config.base_url)
}

/// The schemas served: User, EnterpriseUser, Group.
pub fn schemas(config: &ServiceConfig) -> Vec<Value> {
    [Schema::user(), Schema::enterprise_user(), Schema::group()]
        .into_iter()
        .map(|s| schema(s, config))
        .collect()
}

/// One Schema document.
pub fn schema(s: &Schema, config: &ServiceConfig) -> Value {
    schema_document(s, &config.base_url)
}

/// Whether a URN is one the server serves (for `GET /Schemas/{id}`).
pub fn known_schema(id: &str) -> Option<&'static Schema> {
    [Schema::user(), Schema::enterprise_user(), Schema::group()]
        .into_iter()
        .find(|s| s.id.eq_ignore_ascii_case(id))
}

/// A ListResponse of all `resources` (discovery lists are small and unpaged).
pub fn list_response(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}
