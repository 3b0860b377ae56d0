//! Why a SAML endpoint refused: one variant per rejection, each with a stable code and an HTTP
//! status, shown to the user as an HTML page (never a redirect: an SP's request that fails a
//! check has not earned a trip back to any URL).

use axum::http::StatusCode;
use axum::response::Response;

use crate::identity_center::html;
use crate::identity_center::store::StoreError;

/// A refusal of a SAML endpoint.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SsoError {
    /// No application has this id.
    #[error("there is no application {0:?}")]
    AppNotFound(String),
    /// The message could not be read (base64, DEFLATE, XML, a required attribute); the detail
    /// is fedkit-saml's code.
    #[error("the SAML message could not be read ({0})")]
    RequestMalformed(&'static str),
    /// The Issuer is not the application's entity ID.
    #[error("the request's Issuer is not this application's entity ID")]
    IssuerMismatch,
    /// The Destination is not this endpoint.
    #[error("the request's Destination is not this endpoint ({0})")]
    DestinationMismatch(&'static str),
    /// The AssertionConsumerServiceURL is not the registered one.
    #[error("the AssertionConsumerServiceURL is not the one registered for this application")]
    AcsUrlMismatch,
    /// A ProtocolBinding other than HTTP-POST was asked for.
    #[error("responses are sent over HTTP-POST only")]
    ProtocolBindingUnsupported,
    /// A NameIDPolicy Format the application does not use was asked for.
    #[error("this application receives NameIDs of another format")]
    NameIdFormatUnsupported,
    /// The application requires signed requests and this one is not signed.
    #[error("this application must sign its requests")]
    RequestUnsigned,
    /// A signature is present and does not verify with the application's certificates.
    #[error("the request's signature does not verify ({0})")]
    SignatureInvalid(&'static str),
    /// IssueInstant is older than the accepted window.
    #[error("the request is too old")]
    RequestExpired,
    /// IssueInstant is in the future beyond the clock skew.
    #[error("the request is dated in the future")]
    RequestNotYetValid,
    /// This AuthnRequest ID was already received.
    #[error("this request was already used")]
    RequestReplayed,
    /// RelayState longer than 80 bytes (SAML bindings §3.4.3, §3.5.3).
    #[error("RelayState is longer than 80 bytes")]
    RelayStateTooLong,
    /// A form or query field is missing, repeated or not allowed here.
    #[error("{0}")]
    FieldInvalid(&'static str),
    /// A POSTed form larger than [`super::MAX_FORM_BYTES`].
    #[error("the form is larger than this server accepts")]
    FormTooLarge,
    /// The pending sign-in expired, was used, or belongs to another browser.
    #[error("this sign-in request expired or was already used; start again from the application")]
    PendingNotFound,
    /// The request needs a signed-in user.
    #[error("you are not signed in")]
    NotSignedIn,
    /// The form's CSRF token is not this session's.
    #[error("the form is out of date; reload the portal and try again")]
    CsrfMismatch,
    /// The signed-in user no longer exists.
    #[error("your user no longer exists")]
    UserNotFound,
    /// The signed-in user is disabled (SCIM `active: false`).
    #[error("your user is disabled")]
    UserDisabled,
    /// The user is not assigned to the application.
    #[error("You don't have access to {0}")]
    NotAssigned(String),
    /// The NameID mapping gives this user no value.
    #[error("your user has no value for this application's NameID")]
    NameIdUnavailable,
    /// The NameID mapping gives this user more than one value.
    #[error("this application's NameID mapping gives more than one value")]
    NameIdAmbiguous,
    /// The application has no signing certificate.
    #[error("this application has no signing certificate")]
    CertificateMissing,
    /// A stored certificate or URL of the application is unusable.
    #[error("this application's configuration is unusable: {0}")]
    AppConfigurationInvalid(String),
    /// The application has no single logout URL to answer to.
    #[error("this application has no single logout URL")]
    SloUrlMissing,
    /// A logout message is not signed.
    #[error("logout messages must be signed")]
    LogoutUnsigned,
    /// A LogoutResponse answers no LogoutRequest this IdP sent.
    #[error("this logout response answers no logout request of ours")]
    LogoutResponseUnexpected,
    /// Signing or encrypting failed.
    #[error("the response could not be built ({0})")]
    BuildFailed(&'static str),
    /// The `certificates` query parameter is neither `active` nor `next`.
    #[error("certificates must be active or next")]
    CertificatesParameterInvalid,
    /// The store failed.
    #[error("the store failed")]
    Store(#[from] StoreError),
}

impl SsoError {
    /// A stable snake_case name for the refusal.
    pub fn code(&self) -> &'static str {
        match self {
            SsoError::AppNotFound(_) => "app_not_found",
            SsoError::RequestMalformed(_) => "request_malformed",
            SsoError::IssuerMismatch => "issuer_mismatch",
            SsoError::DestinationMismatch(_) => "destination_mismatch",
            SsoError::AcsUrlMismatch => "acs_url_mismatch",
            SsoError::ProtocolBindingUnsupported => "protocol_binding_unsupported",
            SsoError::NameIdFormatUnsupported => "name_id_format_unsupported",
            SsoError::RequestUnsigned => "request_unsigned",
            SsoError::SignatureInvalid(_) => "request_signature_invalid",
            SsoError::RequestExpired => "request_expired",
            SsoError::RequestNotYetValid => "request_not_yet_valid",
            SsoError::RequestReplayed => "request_replayed",
            SsoError::RelayStateTooLong => "relay_state_too_long",
            SsoError::FieldInvalid(_) => "field_invalid",
            SsoError::FormTooLarge => "form_too_large",
            SsoError::PendingNotFound => "pending_request_not_found",
            SsoError::NotSignedIn => "not_signed_in",
            SsoError::CsrfMismatch => "csrf_mismatch",
            SsoError::UserNotFound => "user_not_found",
            SsoError::UserDisabled => "user_disabled",
            SsoError::NotAssigned(_) => "not_assigned",
            SsoError::NameIdUnavailable => "name_id_unavailable",
            SsoError::NameIdAmbiguous => "name_id_ambiguous",
            SsoError::CertificateMissing => "certificate_missing",
            SsoError::AppConfigurationInvalid(_) => "app_configuration_invalid",
            SsoError::SloUrlMissing => "slo_url_missing",
            SsoError::LogoutUnsigned => "logout_unsigned",
            SsoError::LogoutResponseUnexpected => "logout_response_unexpected",
            SsoError::BuildFailed(_) => "build_failed",
            SsoError::CertificatesParameterInvalid => "certificates_parameter_invalid",
            SsoError::Store(_) => "store_error",
        }
    }

    /// The HTTP status of the page.
    pub fn status(&self) -> StatusCode {
        match self {
            SsoError::AppNotFound(_) | SsoError::PendingNotFound => StatusCode::NOT_FOUND,
            SsoError::FormTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            SsoError::NotSignedIn => StatusCode::UNAUTHORIZED,
            SsoError::CsrfMismatch
            | SsoError::UserNotFound
            | SsoError::UserDisabled
            | SsoError::NotAssigned(_)
            | SsoError::NameIdUnavailable
            | SsoError::NameIdAmbiguous => StatusCode::FORBIDDEN,
            SsoError::CertificateMissing
            | SsoError::AppConfigurationInvalid(_)
            | SsoError::SloUrlMissing
            | SsoError::BuildFailed(_)
            | SsoError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            SsoError::NotAssigned(_) => "No access",
            SsoError::NotSignedIn => "Sign in first",
            SsoError::Store(_) | SsoError::BuildFailed(_) => "Something went wrong",
            _ => "Sign-in refused",
        }
    }

    /// The HTML page users see.
    pub fn page(&self) -> Response {
        html::error_page(self.status(), self.title(), self.code(), &self.to_string())
    }
}

impl From<fedkit_saml::Error> for SsoError {
    fn from(error: fedkit_saml::Error) -> SsoError {
        use fedkit_saml::Error as E;
        match error {
            E::IssuerMismatch { .. } | E::IssuerMissing { .. } => SsoError::IssuerMismatch,
            E::DestinationMismatch { .. } | E::DestinationMissing => {
                SsoError::DestinationMismatch(error.code())
            }
            E::Signature(_)
            | E::Certificate(_)
            | E::RedirectSignatureInvalid
            | E::RedirectAlgorithmNotAllowed { .. }
            | E::InvalidConfiguration { .. } => SsoError::SignatureInvalid(error.code()),
            E::RedirectSignatureMissing => SsoError::LogoutUnsigned,
            other => SsoError::RequestMalformed(other.code()),
        }
    }
}
