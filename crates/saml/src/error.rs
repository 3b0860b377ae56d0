//! The one error type of fedkit-saml.
//!
//! Every rejection has its own variant and a stable snake_case [`Error::code`]. Variants that
//! concern a place in the document carry its element path (`/samlp:Response/saml:Assertion`).
//! Who is at fault: the sender of the message, except [`Error::InvalidConfiguration`] and
//! [`Error::Build`] (the calling program).

/// Why a SAML message was refused, or could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The XML was refused by fedkit-xml (DOCTYPE, entity, limit, syntax); the code is
    /// fedkit-xml's (`dtd_forbidden`, `too_deep`, …).
    #[error("XML refused: {0}")]
    Xml(#[from] fedkit_xml::Error),
    /// A signature or an encryption was refused by fedkit-xmldsig; the code is fedkit-xmldsig's
    /// (`digest_mismatch`, `untrusted_key`, …).
    #[error("signature refused: {0}")]
    Signature(#[from] fedkit_xmldsig::Error),
    /// A key or certificate could not be used; the code is fedkit-certs'.
    #[error("key or certificate refused: {0}")]
    Certificate(#[from] fedkit_certs::Error),

    /// The encoded message is longer than the configured limit (checked before decoding).
    #[error("message of {found} bytes exceeds the limit of {limit}")]
    MessageTooLarge {
        /// The configured limit.
        limit: usize,
        /// The message length.
        found: usize,
    },
    /// The message is not valid base64.
    #[error("message is not valid base64")]
    Base64Invalid,
    /// A Redirect-binding message inflates past the configured limit (a deflate bomb).
    #[error("inflated message exceeds the limit of {limit} bytes")]
    InflatedTooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// A Redirect-binding message is not valid raw DEFLATE.
    #[error("message is not valid DEFLATE data")]
    InflateFailed,
    /// A query string is malformed (bad percent-encoding, a parameter repeated, one missing).
    #[error("query string refused: {reason}")]
    QueryMalformed {
        /// What is wrong.
        reason: &'static str,
    },
    /// A Redirect-binding message carries no `Signature` parameter but one is required.
    #[error("redirect message is not signed")]
    RedirectSignatureMissing,
    /// The `SigAlg` of a Redirect-binding message is not allowed.
    #[error("redirect SigAlg {algorithm} is not allowed")]
    RedirectAlgorithmNotAllowed {
        /// The SigAlg value (truncated).
        algorithm: String,
    },
    /// The Redirect-binding signature does not verify with any trusted key.
    #[error("redirect signature does not verify")]
    RedirectSignatureInvalid,

    /// The document element is not the expected SAML message.
    #[error("{found}: expected {expected}")]
    UnexpectedRoot {
        /// What was expected, e.g. `samlp:Response`.
        expected: &'static str,
        /// What was found (its path).
        found: String,
    },
    /// `Version` is not `2.0`.
    #[error("{path}: SAML version must be 2.0")]
    VersionUnsupported {
        /// The element.
        path: String,
    },
    /// A required element is missing.
    #[error("{path}: missing {name}")]
    ElementMissing {
        /// The parent element.
        path: String,
        /// The missing element.
        name: &'static str,
    },
    /// An element that may appear once appears several times.
    #[error("{path}: {count} {name} elements, expected at most one")]
    ElementNotUnique {
        /// The parent element.
        path: String,
        /// The repeated element.
        name: &'static str,
        /// How many.
        count: usize,
    },
    /// A required attribute is missing.
    #[error("{path}: missing attribute {name}")]
    AttributeMissing {
        /// The element.
        path: String,
        /// The attribute.
        name: &'static str,
    },
    /// A time is not an `xs:dateTime` in UTC.
    #[error("{path}: {value:?} is not a UTC xs:dateTime")]
    InvalidTime {
        /// The element carrying it.
        path: String,
        /// The text (truncated).
        value: String,
    },
    /// A value is not what its schema allows (a boolean, a URL scheme, …).
    #[error("{path}: invalid {what}")]
    InvalidValue {
        /// The element carrying it.
        path: String,
        /// What is invalid.
        what: &'static str,
    },

    /// The response carries no assertion.
    #[error("the response carries no assertion")]
    NoAssertion,
    /// The document holds more than one assertion (CVE-2022-41912): anywhere in the document,
    /// not only as children of the response.
    #[error("{count} assertions in the document, expected exactly one")]
    MultipleAssertions {
        /// How many.
        count: usize,
    },
    /// No trusted signature covers the assertion (neither on it nor on the response).
    #[error("no signature covers the assertion")]
    AssertionUnsigned,
    /// The response is not signed but the configuration requires it.
    #[error("the response is not signed")]
    ResponseUnsigned,
    /// The assertion is encrypted and no decryption key was configured.
    #[error("the assertion is encrypted and no decryption key is configured")]
    DecryptionKeyMissing,
    /// The status is not success; the codes say why.
    #[error("status {code}{}", sub_code.as_deref().map(|s| format!(" / {s}")).unwrap_or_default())]
    StatusNotSuccess {
        /// The top-level status code URI.
        code: String,
        /// The first nested status code URI, if any.
        sub_code: Option<String>,
        /// The StatusMessage, if any.
        message: Option<String>,
    },
    /// An Issuer is missing where it is required.
    #[error("{path}: missing Issuer")]
    IssuerMissing {
        /// The element that should carry it.
        path: String,
    },
    /// An Issuer names someone else than the expected peer.
    #[error("{path}: issuer {found:?} is not {expected:?}")]
    IssuerMismatch {
        /// The Issuer element.
        path: String,
        /// Who was expected.
        expected: String,
        /// Who was named (truncated).
        found: String,
    },
    /// `Destination` is not this endpoint.
    #[error("destination {found:?} is not {expected:?}")]
    DestinationMismatch {
        /// This endpoint.
        expected: String,
        /// What the message names (truncated).
        found: String,
    },
    /// A signed message has no `Destination` (SAML bindings §3.5.5.2 require it).
    #[error("a signed message must carry Destination")]
    DestinationMissing,
    /// The subject has no NameID.
    #[error("{path}: no NameID")]
    NameIdMissing {
        /// The Subject element.
        path: String,
    },
    /// No bearer SubjectConfirmation.
    #[error("no bearer SubjectConfirmation")]
    BearerConfirmationMissing,
    /// The bearer confirmation's `Recipient` is missing or not this endpoint.
    #[error("bearer Recipient {found:?} is not {expected:?}")]
    RecipientMismatch {
        /// This endpoint.
        expected: String,
        /// What the assertion names (truncated; empty when missing).
        found: String,
    },
    /// The bearer confirmation has no `NotOnOrAfter`.
    #[error("bearer SubjectConfirmationData has no NotOnOrAfter")]
    ConfirmationExpiryMissing,
    /// The bearer confirmation expired (NotOnOrAfter, with skew).
    #[error("bearer confirmation expired at {not_on_or_after}")]
    ConfirmationExpired {
        /// Its NotOnOrAfter.
        not_on_or_after: chrono::DateTime<chrono::Utc>,
    },
    /// The bearer confirmation is not yet valid (NotBefore, with skew).
    #[error("bearer confirmation not valid before {not_before}")]
    ConfirmationNotYetValid {
        /// Its NotBefore.
        not_before: chrono::DateTime<chrono::Utc>,
    },
    /// The assertion's Conditions/NotBefore is still in the future (with skew).
    #[error("assertion not valid before {not_before}")]
    AssertionNotYetValid {
        /// Conditions/NotBefore.
        not_before: chrono::DateTime<chrono::Utc>,
    },
    /// The assertion's Conditions/NotOnOrAfter has passed (with skew).
    #[error("assertion expired at {not_on_or_after}")]
    AssertionExpired {
        /// Conditions/NotOnOrAfter.
        not_on_or_after: chrono::DateTime<chrono::Utc>,
    },
    /// The assertion has no AudienceRestriction.
    #[error("the assertion has no AudienceRestriction")]
    AudienceMissing,
    /// An AudienceRestriction does not name this SP.
    #[error("audience restriction does not include {expected:?}")]
    AudienceMismatch {
        /// This SP's entity ID.
        expected: String,
    },
    /// The message answers a request this SP did not send, or one already answered or expired.
    #[error("InResponseTo {in_response_to:?} names no outstanding request")]
    InResponseToUnknown {
        /// The value (truncated).
        in_response_to: String,
    },
    /// The response's and the assertion's InResponseTo differ, or the only one is unsigned.
    #[error("InResponseTo values disagree or are not signed")]
    InResponseToMismatch,
    /// An unsolicited (IdP-initiated) response, and those are not allowed.
    #[error("unsolicited responses are not allowed")]
    UnsolicitedResponse,
    /// The caller was expecting an answer to a request, but this is unsolicited.
    #[error("expected an answer to an outstanding request")]
    InResponseToMissing,
    /// This assertion ID was already accepted (replay).
    #[error("assertion {id:?} was already used")]
    AssertionReplayed {
        /// The assertion ID (truncated).
        id: String,
    },
    /// The AuthnStatement's SessionNotOnOrAfter has passed.
    #[error("session ended at {session_not_on_or_after}")]
    SessionExpired {
        /// SessionNotOnOrAfter.
        session_not_on_or_after: chrono::DateTime<chrono::Utc>,
    },
    /// A metadata endpoint's URL is not http(s) (CVE-2023-45683).
    #[error("{path}: endpoint URL is not http(s)")]
    EndpointUrlNotHttp {
        /// The endpoint element.
        path: String,
    },
    /// The metadata has no entity with the expected role.
    #[error("metadata has no {role}")]
    MetadataRoleMissing {
        /// The role descriptor, e.g. `IDPSSODescriptor`.
        role: &'static str,
    },
    /// The metadata is not signed but a key to check it was given.
    #[error("metadata is not signed")]
    MetadataUnsigned,

    /// The calling program's configuration is unusable (e.g. no trusted IdP keys).
    #[error("invalid configuration: {reason}")]
    InvalidConfiguration {
        /// What is wrong.
        reason: &'static str,
    },
    /// A builder was given something it cannot put into a message.
    #[error("cannot build the message: {reason}")]
    Build {
        /// What is wrong.
        reason: String,
    },
}

impl Error {
    /// A stable snake_case code, for programs that must tell rejections apart.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Xml(inner) => inner.code(),
            Error::Signature(inner) => inner.code(),
            Error::Certificate(inner) => inner.code(),
            Error::MessageTooLarge { .. } => "message_too_large",
            Error::Base64Invalid => "base64_invalid",
            Error::InflatedTooLarge { .. } => "inflated_too_large",
            Error::InflateFailed => "inflate_failed",
            Error::QueryMalformed { .. } => "query_malformed",
            Error::RedirectSignatureMissing => "redirect_signature_missing",
            Error::RedirectAlgorithmNotAllowed { .. } => "redirect_algorithm_not_allowed",
            Error::RedirectSignatureInvalid => "redirect_signature_invalid",
            Error::UnexpectedRoot { .. } => "unexpected_root",
            Error::VersionUnsupported { .. } => "version_unsupported",
            Error::ElementMissing { .. } => "element_missing",
            Error::ElementNotUnique { .. } => "element_not_unique",
            Error::AttributeMissing { .. } => "attribute_missing",
            Error::InvalidTime { .. } => "invalid_time",
            Error::InvalidValue { .. } => "invalid_value",
            Error::NoAssertion => "no_assertion",
            Error::MultipleAssertions { .. } => "multiple_assertions",
            Error::AssertionUnsigned => "assertion_unsigned",
            Error::ResponseUnsigned => "response_unsigned",
            Error::DecryptionKeyMissing => "decryption_key_missing",
            Error::StatusNotSuccess { .. } => "status_not_success",
            Error::IssuerMissing { .. } => "issuer_missing",
            Error::IssuerMismatch { .. } => "issuer_mismatch",
            Error::DestinationMismatch { .. } => "destination_mismatch",
            Error::DestinationMissing => "destination_missing",
            Error::NameIdMissing { .. } => "name_id_missing",
            Error::BearerConfirmationMissing => "bearer_confirmation_missing",
            Error::RecipientMismatch { .. } => "recipient_mismatch",
            Error::ConfirmationExpiryMissing => "confirmation_expiry_missing",
            Error::ConfirmationExpired { .. } => "confirmation_expired",
            Error::ConfirmationNotYetValid { .. } => "confirmation_not_yet_valid",
            Error::AssertionNotYetValid { .. } => "assertion_not_yet_valid",
            Error::AssertionExpired { .. } => "assertion_expired",
            Error::AudienceMissing => "audience_missing",
            Error::AudienceMismatch { .. } => "audience_mismatch",
            Error::InResponseToUnknown { .. } => "in_response_to_unknown",
            Error::InResponseToMismatch => "in_response_to_mismatch",
            Error::UnsolicitedResponse => "unsolicited_response",
            Error::InResponseToMissing => "in_response_to_missing",
            Error::AssertionReplayed { .. } => "assertion_replayed",
            Error::SessionExpired { .. } => "session_expired",
            Error::EndpointUrlNotHttp { .. } => "endpoint_url_not_http",
            Error::MetadataRoleMissing { .. } => "metadata_role_missing",
            Error::MetadataUnsigned => "metadata_unsigned",
            Error::InvalidConfiguration { .. } => "invalid_configuration",
            Error::Build { .. } => "build_failed",
        }
    }
}

/// Truncates attacker-controlled text that goes into an error.
pub(crate) fn clip(s: &str) -> String {
    s.chars().take(200).collect()
}
