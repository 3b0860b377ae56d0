//! The one error type of this crate.
//!
//! Every rejection has its own variant and a stable snake_case [`Error::code`], so that a
//! program (a SAML service provider, a test table) can tell failures apart without parsing
//! messages. Variants that concern a place in the document carry its element path, as
//! fedkit-xml's `Document::path` prints it (`/samlp:Response/saml:Assertion[1]/ds:Signature`).
//!
//! Who is at fault: every variant except [`Error::NoTrustedKeys`], [`Error::SignTargetWithoutId`],
//! [`Error::AlreadySigned`] and [`Error::SigningFailed`] describes the *input document* (hostile
//! or broken); those four are the caller's or the key's.

/// Why a signature was refused, a document could not be canonicalised, or signing failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The XML itself was refused by fedkit-xml (DOCTYPE, entity, limit, syntax); the code is
    /// fedkit-xml's (`dtd_forbidden`, `too_deep`, …).
    #[error("XML refused: {0}")]
    Xml(#[from] fedkit_xml::Error),

    /// The element that should carry the signature has no `ds:Signature` child.
    #[error("{path}: no ds:Signature element")]
    SignatureNotFound {
        /// Element that was expected to hold the signature.
        path: String,
    },
    /// The element holds more than one `ds:Signature` child, so which one covers it is
    /// ambiguous.
    #[error("{path}: {count} ds:Signature children, expected one")]
    SignatureNotUnique {
        /// Element holding the signatures.
        path: String,
        /// How many were found.
        count: usize,
    },
    /// `ds:Signature` does not have exactly one `ds:SignedInfo` (CVE-2020-15216,
    /// CVE-2025-29774).
    #[error("{path}: {count} ds:SignedInfo elements, expected exactly one")]
    SignedInfoNotUnique {
        /// The `ds:Signature` element.
        path: String,
        /// How many were found.
        count: usize,
    },
    /// `ds:Signature` does not have exactly one `ds:SignatureValue`.
    #[error("{path}: {count} ds:SignatureValue elements, expected exactly one")]
    SignatureValueNotUnique {
        /// The `ds:Signature` element.
        path: String,
        /// How many were found.
        count: usize,
    },
    /// `ds:Signature` has more than one `ds:KeyInfo`.
    #[error("{path}: {count} ds:KeyInfo elements, expected at most one")]
    KeyInfoNotUnique {
        /// The `ds:Signature` element.
        path: String,
        /// How many were found.
        count: usize,
    },
    /// An element, text or comment where the XML-DSig schema (or this crate's stricter profile of
    /// it) allows none: out of order, unknown, or a `ds:Object` beside an enveloped signature.
    #[error("{path}: unexpected {found}")]
    UnexpectedContent {
        /// The parent element.
        path: String,
        /// What was found (an element name, `text` or `comment`).
        found: String,
    },
    /// A required element is missing (`ds:CanonicalizationMethod`, `ds:DigestValue`, …).
    #[error("{path}: missing {name}")]
    ElementMissing {
        /// The parent element.
        path: String,
        /// The missing element's qualified name.
        name: &'static str,
    },
    /// A required attribute is missing (an `Algorithm`, a Reference's `URI`).
    #[error("{path}: missing attribute {name}")]
    AttributeMissing {
        /// The element lacking it.
        path: String,
        /// The attribute's name.
        name: &'static str,
    },
    /// `SignedInfo` does not hold exactly one `ds:Reference` (CVE-2016-5697, CVE-2026-33487).
    #[error("{path}: {count} ds:Reference elements, expected exactly one")]
    ReferenceNotUnique {
        /// The `ds:SignedInfo` element.
        path: String,
        /// How many were found.
        count: usize,
    },
    /// The Reference URI is neither `""` nor a bare-name `#id` (external URIs, XPointer).
    #[error("{path}: reference URI {uri:?} is not a same-document reference")]
    ReferenceUriNotAllowed {
        /// The `ds:Reference` element.
        path: String,
        /// The URI as written.
        uri: String,
    },
    /// The Reference has a `Type` other than an element reference: a `Manifest` (whose
    /// references nobody checks) or an unknown type.
    #[error("{path}: reference Type {type_uri:?} is not allowed")]
    ReferenceTypeNotAllowed {
        /// The `ds:Reference` element.
        path: String,
        /// The `Type` attribute.
        type_uri: String,
    },
    /// `#id` names no element of the document.
    #[error("{path}: reference #{id} names no element")]
    ReferenceNotFound {
        /// The `ds:Reference` element.
        path: String,
        /// The ID looked up.
        id: String,
    },
    /// The Reference resolves to another element than the one the signature must cover: not the
    /// Signature's parent, or not the element the caller asked about (signature wrapping).
    #[error("{path}: the reference covers {covered}, not the expected element")]
    ReferenceMismatch {
        /// The `ds:Reference` element.
        path: String,
        /// The element it covers.
        covered: String,
    },
    /// A Transform outside the allowlist (XPath, XPath Filter 2, XSLT, base64, …).
    #[error("{path}: transform {algorithm:?} is not allowed")]
    TransformNotAllowed {
        /// The `ds:Transform` element.
        path: String,
        /// Its `Algorithm`.
        algorithm: String,
    },
    /// Allowed transforms in a disallowed combination: one given twice, or canonicalisation
    /// before the enveloped-signature transform.
    #[error("{path}: transform {algorithm:?} repeated or out of order")]
    TransformOrder {
        /// The `ds:Transform` element.
        path: String,
        /// Its `Algorithm`.
        algorithm: String,
    },
    /// An enveloped-style Reference (it covers the Signature's ancestor) without the
    /// enveloped-signature transform: the digest would cover the signature itself.
    #[error(
        "{path}: reference covers its own signature but lacks the enveloped-signature transform"
    )]
    EnvelopedTransformMissing {
        /// The `ds:Reference` element.
        path: String,
    },
    /// `ds:KeyInfo` holds `ds:RetrievalMethod`, which points the verifier at other data.
    #[error("{path}: ds:RetrievalMethod is not allowed")]
    RetrievalMethodNotAllowed {
        /// The `ds:RetrievalMethod` element.
        path: String,
    },
    /// A CanonicalizationMethod (of SignedInfo or as a transform) outside the allowlist.
    #[error("{path}: canonicalization method {algorithm:?} is not allowed")]
    C14nMethodNotAllowed {
        /// The element naming it.
        path: String,
        /// Its `Algorithm`.
        algorithm: String,
    },
    /// `InclusiveNamespaces` is malformed (not under an exclusive method, repeated, or a prefix
    /// that is not an NCName or `#default`).
    #[error("{path}: malformed InclusiveNamespaces PrefixList")]
    InclusiveNamespacesMalformed {
        /// The `ec:InclusiveNamespaces` element.
        path: String,
    },
    /// SignatureMethod is unknown or not allowed by the policy (HMAC always; SHA-1 unless the
    /// legacy option is on).
    #[error("{path}: signature algorithm {algorithm:?} is not allowed")]
    AlgorithmNotAllowed {
        /// The `ds:SignatureMethod` element.
        path: String,
        /// Its `Algorithm`.
        algorithm: String,
    },
    /// DigestMethod is unknown or not allowed by the policy (SHA-1 unless the legacy option is
    /// on, MD5 and RIPEMD-160 always).
    #[error("{path}: digest algorithm {algorithm:?} is not allowed")]
    DigestAlgorithmNotAllowed {
        /// The `ds:DigestMethod` element.
        path: String,
        /// Its `Algorithm`.
        algorithm: String,
    },
    /// The SignatureMethod does not fit the trusted key (an RSA method with an EC key, …), so
    /// no trusted key could check it.
    #[error("{path}: signature algorithm {algorithm:?} does not fit any trusted key")]
    AlgorithmKeyMismatch {
        /// The `ds:SignatureMethod` element.
        path: String,
        /// Its `Algorithm`.
        algorithm: String,
    },
    /// `ds:DigestValue` is not one text node of strict base64 of the digest's length (a comment
    /// or element inside it: CVE-2025-29775).
    #[error("{path}: malformed DigestValue ({reason})")]
    DigestValueMalformed {
        /// The `ds:DigestValue` element.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `ds:SignatureValue` is not one text node of strict base64.
    #[error("{path}: malformed SignatureValue ({reason})")]
    SignatureValueMalformed {
        /// The `ds:SignatureValue` element.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `ds:KeyInfo` content that should identify a certificate cannot be read (bad base64, not
    /// a certificate).
    #[error("{path}: malformed KeyInfo ({reason})")]
    KeyInfoMalformed {
        /// The offending element.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The document's KeyInfo names certificates, none of which the caller trusts. The verifier
    /// does not fall back to other keys in this case (see the crate docs, "Keys").
    #[error("{path}: KeyInfo names no trusted certificate")]
    UntrustedKey {
        /// The `ds:KeyInfo` element.
        path: String,
    },
    /// The trusted certificates KeyInfo selected (or all of them) are outside their validity at
    /// the verification time, and the trust set's expiry policy refuses that.
    #[error("{path}: trusted certificate not usable now ({reason})")]
    CertificateNotValid {
        /// The `ds:Signature` element.
        path: String,
        /// What fedkit-certs said.
        reason: String,
    },
    /// The referenced content's digest differs from DigestValue: the signed content changed.
    #[error("{path}: digest mismatch")]
    DigestMismatch {
        /// The `ds:Reference` element.
        path: String,
    },
    /// The signature value does not verify over the canonical SignedInfo with any candidate
    /// trusted key.
    #[error("{path}: signature value does not verify")]
    SignatureInvalid {
        /// The `ds:Signature` element.
        path: String,
    },
    /// Canonicalisation was asked for a node that is neither the document node nor an element
    /// (a caller mistake when it comes from the API, a broken reference when from a document).
    #[error("{path}: only the document or an element can be canonicalised")]
    C14nNodeNotElement {
        /// The node.
        path: String,
    },
    /// An output element declares or needs a relative namespace URI, which C14N 1.0 §2 says
    /// implementations must refuse.
    #[error("{path}: relative namespace URI {uri:?}")]
    C14nRelativeNamespace {
        /// The element.
        path: String,
        /// The relative URI.
        uri: String,
    },
    /// Canonicalisation: the canonical form grew past
    /// [`C14nLimits::max_output_bytes`](crate::c14n::C14nLimits::max_output_bytes). Exclusive C14N
    /// repeats an ancestor's namespace declaration on every element that uses it, so a small
    /// document can expand enormously.
    #[error("canonical form exceeds {limit} bytes")]
    C14nOutputTooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// Canonicalisation: the exclusive C14N `InclusiveNamespaces PrefixList` has more entries than
    /// [`C14nLimits::max_inclusive_prefixes`](crate::c14n::C14nLimits::max_inclusive_prefixes).
    #[error("InclusiveNamespaces PrefixList has {found} entries, more than {limit}")]
    C14nTooManyInclusivePrefixes {
        /// The configured limit.
        limit: usize,
        /// Entries in the list.
        found: usize,
    },
    /// XML Encryption: an `EncryptionMethod` this crate does not accept (RSA-1_5 without
    /// [`DecryptPolicy::legacy_rsa_1_5`](crate::xmlenc::DecryptPolicy::legacy_rsa_1_5), 3DES,
    /// key wrap, an unknown digest or MGF).
    #[error("{path}: encryption algorithm {algorithm} is not allowed")]
    EncryptionMethodNotAllowed {
        /// The EncryptionMethod element.
        path: String,
        /// Its Algorithm (truncated).
        algorithm: String,
    },
    /// XML Encryption: no `xenc:EncryptedKey` carries the content key.
    #[error("{path}: no EncryptedKey")]
    EncryptedKeyMissing {
        /// The EncryptedData element.
        path: String,
    },
    /// XML Encryption: a CipherValue or OAEPparams is not plain base64 text.
    #[error("{path}: CipherValue is not base64 text")]
    CipherValueMalformed {
        /// The element.
        path: String,
    },
    /// XML Encryption: decryption failed. One error for a wrong key, bad OAEP or CBC padding
    /// and a bad GCM tag alike, so that it cannot serve as an oracle.
    #[error("{path}: decryption failed")]
    DecryptionFailed {
        /// The EncryptedData element.
        path: String,
    },
    /// Caller error: encrypting failed (the recipient's key is not RSA).
    #[error("encryption failed: {reason}")]
    EncryptionFailed {
        /// Why.
        reason: String,
    },
    /// Caller error: the trust set is empty, so nothing can ever verify.
    #[error("no trusted keys were given")]
    NoTrustedKeys,
    /// Caller error: the element to sign has no `ID` attribute to reference.
    #[error("{path}: element to sign has no ID attribute")]
    SignTargetWithoutId {
        /// The element to sign.
        path: String,
    },
    /// Caller error: the element to sign already has a `ds:Signature` child.
    #[error("{path}: element already has a ds:Signature child")]
    AlreadySigned {
        /// The element to sign.
        path: String,
    },
    /// The crypto provider could not sign (key and algorithm do not fit, provider failure).
    #[error("signing failed: {reason}")]
    SigningFailed {
        /// The provider's reason, as text.
        reason: String,
    },
}

impl Error {
    /// A stable snake_case code for this kind of failure, for programs and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Xml(inner) => inner.code(),
            Error::SignatureNotFound { .. } => "signature_not_found",
            Error::SignatureNotUnique { .. } => "signature_not_unique",
            Error::SignedInfoNotUnique { .. } => "signed_info_not_unique",
            Error::SignatureValueNotUnique { .. } => "signature_value_not_unique",
            Error::KeyInfoNotUnique { .. } => "key_info_not_unique",
            Error::UnexpectedContent { .. } => "unexpected_content",
            Error::ElementMissing { .. } => "element_missing",
            Error::AttributeMissing { .. } => "attribute_missing",
            Error::ReferenceNotUnique { .. } => "reference_not_unique",
            Error::ReferenceUriNotAllowed { .. } => "reference_uri_not_allowed",
            Error::ReferenceTypeNotAllowed { .. } => "reference_type_not_allowed",
            Error::ReferenceNotFound { .. } => "reference_not_found",
            Error::ReferenceMismatch { .. } => "reference_mismatch",
            Error::TransformNotAllowed { .. } => "transform_not_allowed",
            Error::TransformOrder { .. } => "transform_order",
            Error::EnvelopedTransformMissing { .. } => "enveloped_transform_missing",
            Error::RetrievalMethodNotAllowed { .. } => "retrieval_method_not_allowed",
            Error::C14nMethodNotAllowed { .. } => "c14n_method_not_allowed",
            Error::InclusiveNamespacesMalformed { .. } => "inclusive_namespaces_malformed",
            Error::AlgorithmNotAllowed { .. } => "algorithm_not_allowed",
            Error::DigestAlgorithmNotAllowed { .. } => "digest_algorithm_not_allowed",
            Error::AlgorithmKeyMismatch { .. } => "algorithm_key_mismatch",
            Error::DigestValueMalformed { .. } => "digest_value_malformed",
            Error::SignatureValueMalformed { .. } => "signature_value_malformed",
            Error::KeyInfoMalformed { .. } => "key_info_malformed",
            Error::UntrustedKey { .. } => "untrusted_key",
            Error::CertificateNotValid { .. } => "certificate_not_valid",
            Error::DigestMismatch { .. } => "digest_mismatch",
            Error::SignatureInvalid { .. } => "signature_invalid",
            Error::C14nNodeNotElement { .. } => "c14n_node_not_element",
            Error::C14nRelativeNamespace { .. } => "c14n_relative_namespace",
            Error::C14nOutputTooLarge { .. } => "c14n_output_too_large",
            Error::C14nTooManyInclusivePrefixes { .. } => "c14n_too_many_inclusive_prefixes",
            Error::EncryptionMethodNotAllowed { .. } => "encryption_method_not_allowed",
            Error::EncryptedKeyMissing { .. } => "encrypted_key_missing",
            Error::CipherValueMalformed { .. } => "cipher_value_malformed",
            Error::DecryptionFailed { .. } => "decryption_failed",
            Error::EncryptionFailed { .. } => "encryption_failed",
            Error::NoTrustedKeys => "no_trusted_keys",
            Error::SignTargetWithoutId { .. } => "sign_target_without_id",
            Error::AlreadySigned { .. } => "already_signed",
            Error::SigningFailed { .. } => "signing_failed",
        }
    }
}
