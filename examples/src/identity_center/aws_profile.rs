//! `--scim-profile aws`: fedkit-scim's AWS IAM Identity Center profile
//! ([`fedkit_scim::profile::aws`]) applied at the points a request passes, and AWS's error body.

use chrono::{DateTime, Utc};
use fedkit_scim::Filter;
use fedkit_scim::patch::PatchRequest;
use fedkit_scim::profile::aws::{
    AWS_VALIDATION_DETAIL, AwsException, AwsProfile, Operation, ResourceKind as AwsKind, Violation,
    aws_error_body,
};
use fedkit_scim::query::SearchRequest;
use serde_json::Value;

use crate::identity_center::api_error::ApiError;
use crate::identity_center::config::ServiceConfig;
use crate::identity_center::scim_api::ScimRequest;
use crate::identity_center::store::ResourceKind;

fn profile(config: &ServiceConfig) -> AwsProfile {
    AwsProfile {
        max_member_changes: config.max_member_changes,
        ..AwsProfile::default()
    }
}

fn aws_kind(kind: ResourceKind) -> AwsKind {
    match kind {
        ResourceKind::User => AwsKind::Users,
        ResourceKind::Group => AwsKind::Groups,
    }
}

fn first(violations: Vec<Violation>) -> Result<(), ApiError> {
    match violations.into_iter().next() {
        Some(v) => Err(ApiError::Aws(v)),
        None => Ok(()),
    }
}

/// Whether AWS offers the operation.
pub fn check_operation(operation: Operation, config: &ServiceConfig) -> Result<(), ApiError> {
    profile(config)
        .check_operation(operation)
        .map_err(ApiError::Aws)
}

/// CreateUser / PutUser / CreateGroup bodies.
pub fn check_resource(
    kind: ResourceKind,
    body: &Value,
    config: &ServiceConfig,
) -> Result<(), ApiError> {
    let p = profile(config);
    first(match kind {
        ResourceKind::User => p.check_user(body),
        ResourceKind::Group => p.check_group(body),
    })
}

/// PatchUser / PatchGroup.
pub fn check_patch(
    kind: ResourceKind,
    patch: &PatchRequest,
    config: &ServiceConfig,
) -> Result<(), ApiError> {
    first(profile(config).check_patch(aws_kind(kind), patch))
}

/// ListUsers / ListGroups parameters, filter included.
pub fn check_list(
    kind: ResourceKind,
    request: &ScimRequest,
    config: &ServiceConfig,
) -> Result<(), ApiError> {
    let pairs: Vec<(&str, &str)> = request
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let search = SearchRequest::from_query(&pairs)?;
    first(profile(config).check_list(aws_kind(kind), &search))
}

/// A filter (also checked by [`check_list`]; kept for a parsed filter in the lenient dialect).
pub fn check_filter(
    kind: ResourceKind,
    filter: &Filter,
    config: &ServiceConfig,
) -> Result<(), ApiError> {
    profile(config)
        .check_filter(aws_kind(kind), filter)
        .map_err(ApiError::Aws)
}

/// The body AWS sends for a failure: its exception for the status, its generic 400 text.
pub fn error_body(error: &ApiError, now: DateTime<Utc>) -> Value {
    let status = error.status();
    let exception = match status {
        401 => AwsException::Unauthorized,
        403 => AwsException::AccessDenied,
        404 => AwsException::ResourceNotFound,
        409 => AwsException::Conflict,
        429 => AwsException::Throttling,
        s if s >= 500 => AwsException::InternalServer,
        _ => AwsException::Validation,
    };
    let detail = match exception {
        AwsException::Validation => AWS_VALIDATION_DETAIL.to_owned(),
        _ => error.to_scim_error().detail.unwrap_or_default(),
    };
    let mut id = [0u8; 16];
    let request_id = match getrandom::fill(&mut id) {
        Ok(()) => id.iter().map(|b| format!("{b:02x}")).collect(),
        Err(_) => String::new(),
    };
    let mut body = aws_error_body(exception, &detail, &request_id, now);
    // AWS's 400 answers carry the exception's HTTP status even for what SCIM would call 405,
    // 413 or 415; the status line and the body's status agree.
    if let Some(fields) = body.as_object_mut() {
        fields.insert("status".into(), Value::String(status.to_string()));
    }
    body
}
