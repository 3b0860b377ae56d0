//! Every way a SCIM request can fail here, each with its HTTP status, its `scimType` and a stable
//! snake_case code. SCIM rule violations come from fedkit-scim as [`fedkit_scim::Error`]; this
//! enum adds what only a server over HTTP and a store can get wrong.

use fedkit_scim::{ScimError, ScimType};

use crate::identity_center::store::{StoreError, UniqueField};

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A SCIM rule from fedkit-scim (validation, PATCH, filter, version, count, bulk).
    #[error(transparent)]
    Scim(#[from] fedkit_scim::Error),
    /// No bearer token, or one this server did not issue.
    #[error("missing or invalid bearer token")]
    Unauthorized,
    /// A valid token that may not use this endpoint (an admin token on /scim/v2).
    #[error("this token may not use the SCIM API")]
    Forbidden,
    /// No such endpoint or resource.
    #[error("{0} not found")]
    NotFound(String),
    /// The endpoint exists but not with this method.
    #[error("method {0} not allowed here")]
    MethodNotAllowed(String),
    /// The body is not `application/scim+json` or `application/json`.
    #[error("unsupported media type {0:?}: send application/scim+json or application/json")]
    UnsupportedMediaType(String),
    /// The body is larger than the configured limit.
    #[error("request body larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// A unique attribute collides with another resource's.
    #[error("{0} is already taken by another resource")]
    Uniqueness(&'static str),
    /// If-None-Match matched on a GET: the client's copy is current.
    #[error("not modified")]
    NotModified,
    /// The profile does not offer this operation (AWS: no group PUT, no Bulk, no sort).
    #[error("{0}")]
    NotImplemented(String),
    /// A request that the AWS profile refuses although the RFC allows it.
    #[error("{0}")]
    ProfileRejected(String),
    /// A request the AWS profile refuses although the RFC allows it (AWS answers 400).
    #[error("{0}")]
    Aws(fedkit_scim::profile::aws::Violation),
    /// A member reference names no resource.
    #[error("member {0:?} does not exist")]
    UnknownMember(String),
    /// The store failed: the server's fault, not the client's.
    #[error("store: {0}")]
    Store(String),
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::Conflict(UniqueField::Name) => ApiError::Uniqueness("userName/displayName"),
            StoreError::Conflict(UniqueField::ExternalId) => ApiError::Uniqueness("externalId"),
            StoreError::Conflict(UniqueField::Id) => ApiError::Uniqueness("id"),
            other => ApiError::Store(other.to_string()),
        }
    }
}

impl ApiError {
    /// A stable snake_case name.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Scim(e) => e.code(),
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::Uniqueness(_) => "uniqueness",
            ApiError::NotModified => "not_modified",
            ApiError::NotImplemented(_) => "not_implemented",
            ApiError::ProfileRejected(_) => "profile_rejected",
            ApiError::Aws(v) => v.code(),
            ApiError::UnknownMember(_) => "unknown_member",
            ApiError::Store(_) => "store",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::Scim(e) => e.status(),
            ApiError::Unauthorized => 401,
            ApiError::Forbidden => 403,
            ApiError::NotFound(_) => 404,
            ApiError::MethodNotAllowed(_) => 405,
            ApiError::UnsupportedMediaType(_) => 415,
            ApiError::PayloadTooLarge(_) => 413,
            ApiError::Uniqueness(_) => 409,
            ApiError::NotModified => 304,
            ApiError::NotImplemented(_) => 501,
            ApiError::ProfileRejected(_) | ApiError::UnknownMember(_) | ApiError::Aws(_) => 400,
            ApiError::Store(_) => 500,
        }
    }

    /// The SCIM Error body (RFC 7644 §3.12).
    pub fn to_scim_error(&self) -> ScimError {
        let scim_type = match self {
            ApiError::Scim(e) => e.scim_type(),
            ApiError::Uniqueness(_) => Some(ScimType::Uniqueness),
            ApiError::ProfileRejected(_) | ApiError::UnknownMember(_) | ApiError::Aws(_) => {
                Some(ScimType::InvalidValue)
            }
            _ => None,
        };
        let detail = match self {
            // The store's message may name tables and files; the client needs none of it.
            ApiError::Store(_) => "internal error".to_owned(),
            other => other.to_string(),
        };
        ScimError {
            status: self.status(),
            scim_type,
            detail: Some(detail),
        }
    }
}
