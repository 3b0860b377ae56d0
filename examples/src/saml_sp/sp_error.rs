//! Why a request to the demo SP was refused: each a stable code and an HTTP status. SAML
//! rejections carry fedkit-saml's own code.

use axum::http::StatusCode;

use crate::saml_sp::return_path::ReturnPathFault;

/// A refused request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpError {
    /// fedkit-saml refused a message (a forged, expired, misaddressed or replayed one).
    #[error("{0}")]
    Saml(#[from] fedkit_saml::Error),
    /// The return path or RelayState is not a path on this SP.
    #[error("{message}: {path:?}")]
    ReturnPath {
        /// The fault.
        fault: ReturnPathFault,
        /// What it is about.
        message: &'static str,
        /// The path, as given (clipped).
        path: String,
    },
    /// A required form or query field is absent.
    #[error("the request has no {0} field")]
    FieldMissing(&'static str),
    /// A form or query field appears more than once.
    #[error("the request has the {0} field more than once")]
    FieldRepeated(&'static str),
    /// The body is larger than `--max-form-bytes`.
    #[error("the request body is larger than {0} bytes")]
    BodyTooLarge(usize),
    /// The sign-out form's CSRF token is absent or not this session's.
    #[error("the form's CSRF token does not belong to this session")]
    CsrfMismatch,
    /// `--max-pending-requests` requests are already waiting for an answer.
    #[error("{0} requests are already waiting for the IdP; try again in a few minutes")]
    TooManyPendingRequests(usize),
    /// `--max-sessions` sessions are open.
    #[error("{0} sessions are open, the most this SP keeps")]
    TooManySessions(usize),
    /// A logout message arrived, but single logout is off (no --key, or no IdP endpoint).
    #[error(
        "single logout is not configured (it needs --key, --cert and an IdP SingleLogoutService)"
    )]
    SloNotConfigured,
    /// The OS random source failed.
    #[error("the OS random source failed")]
    Random,
    /// Something on this side failed (a worker thread).
    #[error("internal error: {0}")]
    Internal(String),
}

impl SpError {
    /// The stable snake_case code shown on the error page.
    pub fn code(&self) -> &'static str {
        match self {
            SpError::Saml(e) => e.code(),
            SpError::ReturnPath { fault, .. } => fault.code(),
            SpError::FieldMissing(_) => "field_missing",
            SpError::FieldRepeated(_) => "field_repeated",
            SpError::BodyTooLarge(_) => "body_too_large",
            SpError::CsrfMismatch => "csrf_token_mismatch",
            SpError::TooManyPendingRequests(_) => "too_many_pending_requests",
            SpError::TooManySessions(_) => "too_many_sessions",
            SpError::SloNotConfigured => "slo_not_configured",
            SpError::Random => "random_source_failed",
            SpError::Internal(_) => "internal_error",
        }
    }

    /// The HTTP status: 403 for refused SAML messages and CSRF, 400 for malformed requests.
    pub fn status(&self) -> StatusCode {
        match self {
            SpError::Saml(_) | SpError::CsrfMismatch => StatusCode::FORBIDDEN,
            SpError::ReturnPath { .. } | SpError::FieldMissing(_) | SpError::FieldRepeated(_) => {
                StatusCode::BAD_REQUEST
            }
            SpError::BodyTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            SpError::TooManyPendingRequests(_) | SpError::TooManySessions(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            SpError::SloNotConfigured => StatusCode::NOT_FOUND,
            SpError::Random | SpError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A refused return path.
    pub fn return_path(fault: ReturnPathFault, path: &str) -> Self {
        SpError::ReturnPath {
            fault,
            message: fault.message(),
            path: path.chars().take(100).collect(),
        }
    }
}
