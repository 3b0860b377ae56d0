//! The SCIM 2.0 service as a function from request to response, free of HTTP plumbing: routing,
//! authentication, media types and the error body. Resource operations are in `resources`,
//! lists in `list`, Bulk in `bulk`.

use chrono::{DateTime, Utc};
use fedkit_scim::ResourceSchema;
use serde_json::Value;

use crate::identity_center::api_error::ApiError;
use crate::identity_center::config::{Profile, ServiceConfig};
use crate::identity_center::discovery;
use crate::identity_center::store::{ResourceKind, Store};
use crate::identity_center::token_usage;
use crate::identity_center::tokens::{self, TokenKind};

/// A request below the SCIM base URL.
#[derive(Debug, Clone, Default)]
pub struct ScimRequest {
    /// `GET`, `POST`, `PUT`, `PATCH`, `DELETE`.
    pub method: String,
    /// The path after `/scim/v2`, e.g. `/Users/123`.
    pub path: String,
    /// Decoded query parameters.
    pub query: Vec<(String, String)>,
    /// `Authorization`.
    pub authorization: Option<String>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `If-Match`.
    pub if_match: Option<String>,
    /// `If-None-Match`.
    pub if_none_match: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl ScimRequest {
    /// A query parameter, by case-insensitive name.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A response: status, JSON body, and the headers SCIM uses.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimResponse {
    /// HTTP status.
    pub status: u16,
    /// The body, sent as `application/scim+json`.
    pub body: Option<Value>,
    /// `ETag`.
    pub etag: Option<String>,
    /// `Location`.
    pub location: Option<String>,
}

impl ScimResponse {
    /// A response with a body.
    pub fn json(status: u16, body: Value) -> ScimResponse {
        ScimResponse {
            status,
            body: Some(body),
            etag: None,
            location: None,
        }
    }
}

/// The service: a store and its settings.
pub struct ScimService {
    pub(crate) store: Box<dyn Store>,
    pub(crate) config: ServiceConfig,
}

pub(crate) fn kind_schema(kind: ResourceKind) -> &'static ResourceSchema {
    match kind {
        ResourceKind::User => ResourceSchema::users(),
        ResourceKind::Group => ResourceSchema::groups(),
    }
}

impl ScimService {
    /// A service over a store.
    pub fn new(store: Box<dyn Store>, config: ServiceConfig) -> ScimService {
        ScimService { store, config }
    }

    /// The settings.
    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    /// The store.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Handles one request at time `now`.
    pub fn handle(&self, request: &ScimRequest, now: DateTime<Utc>) -> ScimResponse {
        match self.route(request, now) {
            Ok(response) => response,
            Err(error) => self.error_response(&error, now),
        }
    }

    /// The error body: RFC 7644 §3.12, or in the AWS profile the shape AWS sends (both
    /// `schema` and `schemas`, string status, `exceptionRequestId`, `timeStamp`, no scimType;
    /// research/scim.md §1.7).
    pub fn error_response(&self, error: &ApiError, now: DateTime<Utc>) -> ScimResponse {
        if matches!(error, ApiError::NotModified) {
            return ScimResponse {
                status: 304,
                body: None,
                etag: None,
                location: None,
            };
        }
        let scim = error.to_scim_error();
        let body = match self.config.profile {
            Profile::Full => scim.to_json(),
            Profile::Aws => crate::identity_center::aws_profile::error_body(error, now),
        };
        ScimResponse::json(scim.status, body)
    }

    fn authenticate(&self, request: &ScimRequest, now: DateTime<Utc>) -> Result<(), ApiError> {
        let header = request
            .authorization
            .as_deref()
            .ok_or(ApiError::Unauthorized)?;
        let (scheme, secret) = header.split_once(' ').ok_or(ApiError::Unauthorized)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(ApiError::Unauthorized);
        }
        let mut tx = self.store.begin()?;
        let record = tx
            .find_token(&tokens::hash(secret.trim()))?
            .ok_or(ApiError::Unauthorized)?;
        if record.kind != TokenKind::Scim {
            return Err(ApiError::Forbidden);
        }
        // Best effort: a failed last-use write must not refuse provisioning.
        if let Ok(true) = token_usage::touch(tx.as_mut(), &record.id, now.timestamp()) {
            let _ = tx.commit();
        }
        Ok(())
    }

    /// Parses a JSON body after checking its size and media type.
    /// A POST/PUT resource body as the validator gets it: as sent in the strict dialect; with
    /// the IdP shapes of research/scim.md §3 (`"active": "True"`, bare `manager`, dotted and
    /// URN-qualified top-level keys) rewritten in the lenient one.
    pub(crate) fn resource_body(&self, kind: ResourceKind, body: Value) -> Value {
        match self.config.dialect {
            fedkit_scim::Dialect::Strict => body,
            _ => fedkit_scim::normalize::normalize_resource(&body, kind_schema(kind)).body,
        }
    }

    pub(crate) fn json_body(&self, request: &ScimRequest) -> Result<Value, ApiError> {
        if request.body.len() > self.config.max_body_bytes {
            return Err(ApiError::PayloadTooLarge(self.config.max_body_bytes));
        }
        let media = request.content_type.as_deref().unwrap_or_default();
        let essence = media.split(';').next().unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case("application/scim+json")
            && !essence.eq_ignore_ascii_case("application/json")
        {
            return Err(ApiError::UnsupportedMediaType(media.to_owned()));
        }
        serde_json::from_slice(&request.body).map_err(|e| {
            ApiError::Scim(fedkit_scim::Error::InvalidSyntax {
                detail: format!("body is not JSON: {e}"),
            })
        })
    }

    fn route(&self, request: &ScimRequest, now: DateTime<Utc>) -> Result<ScimResponse, ApiError> {
        self.authenticate(request, now)?;
        let segments: Vec<&str> = request.path.split('/').filter(|s| !s.is_empty()).collect();
        let method = request.method.as_str();
        let not_allowed = || Err(ApiError::MethodNotAllowed(method.to_owned()));
        let config = &self.config;
        match segments.as_slice() {
            ["ServiceProviderConfig"] => match method {
                "GET" => Ok(ScimResponse::json(
                    200,
                    discovery::service_provider_config(config),
                )),
                _ => not_allowed(),
            },
            ["ResourceTypes"] => match method {
                "GET" => Ok(ScimResponse::json(
                    200,
                    discovery::list_response(discovery::resource_types(config)),
                )),
                _ => not_allowed(),
            },
            ["ResourceTypes", name] => match method {
                "GET" => [ResourceSchema::users(), ResourceSchema::groups()]
                    .into_iter()
                    .find(|rs| rs.name == *name)
                    .map(|rs| ScimResponse::json(200, discovery::resource_type(rs, config)))
                    .ok_or_else(|| ApiError::NotFound(format!("resource type {name}"))),
                _ => not_allowed(),
            },
            ["Schemas"] => match method {
                "GET" => Ok(ScimResponse::json(
                    200,
                    discovery::list_response(discovery::schemas(config)),
                )),
                _ => not_allowed(),
            },
            ["Schemas", id] => match method {
                "GET" => discovery::known_schema(id)
                    .map(|s| ScimResponse::json(200, discovery::schema(s, config)))
                    .ok_or_else(|| ApiError::NotFound(format!("schema {id}"))),
                _ => not_allowed(),
            },
            [".search"] => match method {
                "POST" => self.search_all(request, &self.json_body(request)?),
                _ => not_allowed(),
            },
            ["Bulk"] => match method {
                "POST" => self.bulk(request, now),
                _ => not_allowed(),
            },
            [collection] | [collection, _] if resource_kind(collection).is_some() => {
                let Some(kind) = resource_kind(collection) else {
                    return Err(ApiError::NotFound(request.path.clone()));
                };
                match (segments.get(1).copied(), method) {
                    (None, "GET") => self.list(kind, request, None),
                    (None, "POST") => {
                        let body = self.resource_body(kind, self.json_body(request)?);
                        self.create(kind, &body, request, now)
                    }
                    (Some(".search"), "POST") => {
                        let body = self.json_body(request)?;
                        self.list(kind, request, Some(&body))
                    }
                    (Some(".search"), _) | (None, _) => not_allowed(),
                    (Some(id), "GET") => self.get(kind, id, request),
                    (Some(id), "PUT") => {
                        let body = self.resource_body(kind, self.json_body(request)?);
                        self.replace(kind, id, &body, request, now)
                    }
                    (Some(id), "PATCH") => {
                        self.patch(kind, id, &self.json_body(request)?, request, now)
                    }
                    (Some(id), "DELETE") => self.delete(kind, id, request, now),
                    (Some(_), _) => not_allowed(),
                }
            }
            ["Me"] => Err(ApiError::NotImplemented("/Me is not offered".into())),
            _ => Err(ApiError::NotFound(format!("endpoint {}", request.path))),
        }
    }
}

fn resource_kind(collection: &str) -> Option<ResourceKind> {
    match collection {
        "Users" => Some(ResourceKind::User),
        "Groups" => Some(ResourceKind::Group),
        _ => None,
    }
}
