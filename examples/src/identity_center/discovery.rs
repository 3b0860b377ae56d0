//! `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas` (RFC 7644 §4, RFC 7643 §5–7),
//! written from the settings this server runs with and from fedkit-scim's schema data, so they
//! describe exactly what the server does.

use fedkit_scim::ResourceSchema;
use fedkit_scim::schema::Schema;
use serde_json::{Value, json};

use crate::identity_center::config::{Profile, ServiceConfig};

const SPC_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
/// The ListResponse message URN (RFC 7644 §3.4.2).
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// The ServiceProviderConfig document.
pub fn service_provider_config(config: &ServiceConfig) -> Value {
    let full = config.profile == Profile::Full;
    json!({
        "schemas": [SPC_SCHEMA],
        "documentationUri": "https://github.com/fedkit/fedkit#identity-center",
        "patch": {"supported": true},
        "bulk": {
            "supported": full,
            "maxOperations": if full { config.max_bulk_operations } else { 0 },
            "maxPayloadSize": if full { config.max_body_bytes } else { 0 },
        },
        "filter": {"supported": true, "maxResults": config.max_count},
        "changePassword": {"supported": false},
        "sort": {"supported": full},
        "etag": {"supported": full},
        "pagination": {
            "cursor": true,
            "index": full,
            "defaultPaginationMethod": if full { "index" } else { "cursor" },
            "defaultPageSize": config.max_count,
            "maxPageSize": config.max_count,
            "cursorTimeout": 3600,
        },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "A bearer token made with `identity-center token new --kind scim`",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{}/ServiceProviderConfig", config.base_url),
        },
    })
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
    let extensions: Vec<Value> = rs
        .extensions
        .iter()
        .map(|e| json!({"schema": e.schema.id, "required": e.required}))
        .collect();
    json!({
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": rs.name,
        "name": rs.name,
        "endpoint": rs.endpoint,
        "description": format!("{} of this identity center", rs.endpoint.trim_start_matches('/')),
        "schema": rs.core.id,
        "schemaExtensions": extensions,
        "meta": {
            "resourceType": "ResourceType",
            "location": format!("{}/ResourceTypes/{}", config.base_url, rs.name),
        },
    })
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
    let mut doc = serde_json::to_value(s).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut doc {
        fields.insert("schemas".into(), json!([SCHEMA_SCHEMA]));
        fields.insert(
            "meta".into(),
            json!({"resourceType": "Schema", "location": format!("{}/Schemas/{}", config.base_url, s.id)}),
        );
    }
    doc
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
