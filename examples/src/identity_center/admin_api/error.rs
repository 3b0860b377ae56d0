//! The admin API's refusals: each its own variant, HTTP status and stable code, answered as
//! `{"error": code, "message": text}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::identity_center::apps::Assignment;
use crate::identity_center::mapping::MappingError;
use crate::identity_center::passwords::PasswordError;
use crate::identity_center::store::StoreError;

/// Why an admin request was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// No bearer token.
    #[error("an admin bearer token is required")]
    Unauthorized,
    /// A bearer token that is no token of this server.
    #[error("the bearer token is not valid")]
    InvalidToken,
    /// A SCIM token: valid, but not for the admin API.
    #[error("this is a SCIM token; the admin API needs an admin token")]
    NotAdminToken,
    /// The body is larger than the limit.
    #[error("the body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// A Content-Type the endpoint does not take.
    #[error(
        "unsupported Content-Type {0:?}: want application/json or application/samlmetadata+xml"
    )]
    UnsupportedMediaType(String),
    /// The body is not JSON.
    #[error("the body is not JSON: {0}")]
    InvalidJson(String),
    /// JSON of the wrong shape (unknown field, wrong type).
    #[error("{0}")]
    InvalidBody(String),
    /// A required field is missing.
    #[error("{0} is required")]
    MissingField(&'static str),
    /// The display name is empty or too long.
    #[error("name must be 1 to {0} characters")]
    InvalidName(usize),
    /// The entity ID is not an absolute URI of acceptable length.
    #[error("entityId must be an absolute URI of at most {0} characters without spaces")]
    InvalidEntityId(usize),
    /// Another application has this SP entity ID.
    #[error("another application has entity ID {0:?}")]
    EntityIdTaken(String),
    /// Not an http(s) URL.
    #[error("{field} is not an http(s) URL: {reason}")]
    InvalidUrl {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// A plain-http URL to a host other than loopback.
    #[error("{0} must use https (plain http only to a loopback host)")]
    InsecureUrl(&'static str),
    /// A mapping template is refused.
    #[error("{field}: {error}")]
    InvalidMapping {
        /// Which mapping.
        field: String,
        /// Why.
        error: MappingError,
    },
    /// A NameID source that can give several values.
    #[error("nameId.source cannot use ${{user:groups}}: a NameID has one value")]
    MultiValuedNameId,
    /// A NameID Format that SAML does not define.
    #[error("unknown NameID format {0:?}")]
    UnknownNameIdFormat(String),
    /// An attribute NameFormat that SAML does not define.
    #[error("unknown attribute NameFormat {0:?}")]
    UnknownAttributeNameFormat(String),
    /// An attribute with an empty or too long name.
    #[error("attribute names must be 1 to {0} characters")]
    InvalidAttributeName(usize),
    /// Two attributes with one name.
    #[error("attribute {0:?} is mapped twice")]
    DuplicateAttribute(String),
    /// More attributes than allowed.
    #[error("at most {0} attributes")]
    TooManyAttributes(usize),
    /// An assignment to a user or group that does not exist.
    #[error("no {:?} with id {:?}", .0.kind, .0.id)]
    UnknownPrincipal(Assignment),
    /// The same principal twice in one document.
    #[error("{:?} {:?} is assigned twice", .0.kind, .0.id)]
    DuplicateAssignment(Assignment),
    /// The assignment exists already.
    #[error("{:?} {:?} is already assigned", .0.kind, .0.id)]
    AssignmentExists(Assignment),
    /// No such assignment.
    #[error("no such assignment")]
    AssignmentNotFound,
    /// A principal type other than user or group.
    #[error("principal type {0:?}: want user or group")]
    InvalidPrincipalType(String),
    /// More assignments than allowed.
    #[error("at most {0} assignments in a document")]
    TooManyAssignments(usize),
    /// An SP certificate that does not parse.
    #[error("{field}: {reason}")]
    InvalidCertificate {
        /// Which field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// An encryption certificate whose key cannot receive an RSA-OAEP key transport.
    #[error("encryptionCertificate must carry an RSA key")]
    UnsupportedEncryptionKey,
    /// Signed AuthnRequests required without a certificate to check them with.
    #[error("requireSignedRequests needs at least one spSigningCertificates entry")]
    SigningCertificateRequired,
    /// SP metadata that does not parse.
    #[error("the SP metadata does not parse: {0}")]
    InvalidMetadata(String),
    /// SP metadata without an SPSSODescriptor.
    #[error("the metadata has no SPSSODescriptor")]
    MetadataWithoutSp,
    /// SP metadata with several SP entities.
    #[error("the metadata has {0} SP entities; register one at a time")]
    MetadataSeveralSps(usize),
    /// SP metadata without an HTTP-POST AssertionConsumerService.
    #[error("the SPSSODescriptor has no HTTP-POST AssertionConsumerService")]
    MetadataWithoutPostAcs,
    /// Certificate validity out of range.
    #[error("certificateValidityMonths must be 1 to {0}")]
    InvalidCertificateValidity(u32),
    /// A key size that is not offered.
    #[error("key size {0}: want 2048 or 3072")]
    InvalidKeySize(u32),
    /// Certificate options on an update, where no certificate is made.
    #[error("certificate options apply at registration; use POST …/certificates")]
    CertificateOptionsOnUpdate,
    /// A path under `/admin` that names no endpoint.
    #[error("no endpoint {0:?}")]
    NotFound(String),
    /// A method the endpoint does not have.
    #[error("this endpoint does not take this method (see Allow)")]
    MethodNotAllowed,
    /// No such application.
    #[error("no application {0:?}")]
    ApplicationNotFound(String),
    /// No such certificate on this application.
    #[error("no certificate {0:?} on this application")]
    CertificateNotFound(String),
    /// The application has as many certificates as allowed.
    #[error("an application has at most {0} certificates: delete the inactive one first")]
    CertificateLimit(usize),
    /// The active certificate cannot be deleted.
    #[error("the active certificate cannot be deleted: activate another first")]
    CertificateActive,
    /// Deleting the last certificate valid now.
    #[error("this is the last certificate valid now")]
    LastValidCertificate,
    /// Activating a certificate outside its validity.
    #[error("the certificate is expired or not yet valid")]
    CertificateNotValid,
    /// No such SCIM user.
    #[error("no user {0:?}")]
    UserNotFound(String),
    /// A password shorter than the policy's floor.
    #[error("the password has fewer than {0} characters")]
    PasswordTooShort(usize),
    /// A password longer than the policy's ceiling.
    #[error("the password is longer than {0} bytes")]
    PasswordTooLong(usize),
    /// The user has no password to delete.
    #[error("the user has no password")]
    PasswordNotSet,
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// Key generation, the RNG or a worker failed.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AdminError {
    /// A stable snake_case name for the failure.
    pub fn code(&self) -> &'static str {
        match self {
            AdminError::Unauthorized => "unauthorized",
            AdminError::InvalidToken => "invalid_token",
            AdminError::NotAdminToken => "insufficient_scope",
            AdminError::PayloadTooLarge(_) => "payload_too_large",
            AdminError::UnsupportedMediaType(_) => "unsupported_media_type",
            AdminError::InvalidJson(_) => "invalid_json",
            AdminError::InvalidBody(_) => "invalid_body",
            AdminError::MissingField(_) => "missing_field",
            AdminError::InvalidName(_) => "invalid_name",
            AdminError::InvalidEntityId(_) => "invalid_entity_id",
            AdminError::EntityIdTaken(_) => "entity_id_taken",
            AdminError::InvalidUrl { .. } => "invalid_url",
            AdminError::InsecureUrl(_) => "insecure_url",
            AdminError::InvalidMapping { error, .. } => error.code(),
            AdminError::MultiValuedNameId => "multi_valued_name_id",
            AdminError::UnknownNameIdFormat(_) => "unknown_name_id_format",
            AdminError::UnknownAttributeNameFormat(_) => "unknown_attribute_name_format",
            AdminError::InvalidAttributeName(_) => "invalid_attribute_name",
            AdminError::DuplicateAttribute(_) => "duplicate_attribute",
            AdminError::TooManyAttributes(_) => "too_many_attributes",
            AdminError::UnknownPrincipal(_) => "unknown_principal",
            AdminError::DuplicateAssignment(_) => "duplicate_assignment",
            AdminError::AssignmentExists(_) => "assignment_exists",
            AdminError::AssignmentNotFound => "assignment_not_found",
            AdminError::InvalidPrincipalType(_) => "invalid_principal_type",
            AdminError::TooManyAssignments(_) => "too_many_assignments",
            AdminError::InvalidCertificate { .. } => "invalid_certificate",
            AdminError::UnsupportedEncryptionKey => "unsupported_encryption_key",
            AdminError::SigningCertificateRequired => "signing_certificate_required",
            AdminError::InvalidMetadata(_) => "invalid_metadata",
            AdminError::MetadataWithoutSp => "metadata_without_sp",
            AdminError::MetadataSeveralSps(_) => "metadata_several_sps",
            AdminError::MetadataWithoutPostAcs => "metadata_without_post_acs",
            AdminError::InvalidCertificateValidity(_) => "invalid_certificate_validity",
            AdminError::InvalidKeySize(_) => "invalid_key_size",
            AdminError::CertificateOptionsOnUpdate => "certificate_options_on_update",
            AdminError::NotFound(_) => "not_found",
            AdminError::MethodNotAllowed => "method_not_allowed",
            AdminError::ApplicationNotFound(_) => "application_not_found",
            AdminError::CertificateNotFound(_) => "certificate_not_found",
            AdminError::CertificateLimit(_) => "certificate_limit_reached",
            AdminError::CertificateActive => "certificate_active",
            AdminError::LastValidCertificate => "last_valid_certificate",
            AdminError::CertificateNotValid => "certificate_not_valid",
            AdminError::UserNotFound(_) => "user_not_found",
            AdminError::PasswordTooShort(_) => "password_too_short",
            AdminError::PasswordTooLong(_) => "password_too_long",
            AdminError::PasswordNotSet => "password_not_set",
            AdminError::Store(_) => "store_error",
            AdminError::Internal(_) => "internal_error",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            AdminError::Unauthorized | AdminError::InvalidToken => StatusCode::UNAUTHORIZED,
            AdminError::NotAdminToken => StatusCode::FORBIDDEN,
            AdminError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AdminError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AdminError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AdminError::NotFound(_)
            | AdminError::ApplicationNotFound(_)
            | AdminError::CertificateNotFound(_)
            | AdminError::AssignmentNotFound
            | AdminError::UserNotFound(_)
            | AdminError::PasswordNotSet => StatusCode::NOT_FOUND,
            AdminError::EntityIdTaken(_)
            | AdminError::AssignmentExists(_)
            | AdminError::CertificateLimit(_)
            | AdminError::CertificateActive
            | AdminError::LastValidCertificate
            | AdminError::CertificateNotValid => StatusCode::CONFLICT,
            AdminError::Store(_) | AdminError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl From<PasswordError> for AdminError {
    fn from(error: PasswordError) -> Self {
        match error {
            PasswordError::TooShort { min } => AdminError::PasswordTooShort(min),
            PasswordError::TooLong { max } => AdminError::PasswordTooLong(max),
            PasswordError::UnknownUser => AdminError::UserNotFound(String::new()),
            PasswordError::Store(e) => AdminError::Store(e),
            other => AdminError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let status = self.status();
        // Store details stay in the log, not in the answer.
        let message = match &self {
            AdminError::Store(_) => "the store failed".to_owned(),
            other => other.to_string(),
        };
        if status.is_server_error() {
            eprintln!("identity-center admin: {self}");
        }
        let mut response = (
            status,
            axum::Json(json!({ "error": self.code(), "message": message })),
        )
            .into_response();
        let challenge = match self {
            AdminError::Unauthorized => Some("Bearer realm=\"identity-center-admin\""),
            AdminError::InvalidToken => {
                Some("Bearer realm=\"identity-center-admin\", error=\"invalid_token\"")
            }
            AdminError::NotAdminToken => {
                Some("Bearer realm=\"identity-center-admin\", error=\"insufficient_scope\"")
            }
            _ => None,
        };
        if let Some(challenge) = challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        response
    }
}
