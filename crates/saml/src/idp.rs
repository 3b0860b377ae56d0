//! The identity provider: responses and assertions, signed as the SP wants them.

use crate::assertion::{Attribute, NameId};
use crate::error::Error;
use crate::names::{
    AC_PASSWORD_PROTECTED_TRANSPORT, ASSERTION_NS, CM_BEARER, PROTOCOL_NS, XS_NS, XSI_NS,
};
use crate::signer::Signer;
use crate::status::Status;
use crate::time;
use crate::write::XmlText;
use chrono::{DateTime, TimeDelta, Utc};
use fedkit_certs::{Certificate, CryptoProvider, CryptoRng, SigningCredential};
use fedkit_xml::Document;
use fedkit_xmldsig::xmlenc::{self, ContentAlgorithm};

/// What the IdP signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureScope {
    /// The assertion only (what most SPs want; the default).
    #[default]
    Assertion,
    /// The response only (its signature covers the assertion).
    Response,
    /// The assertion, then the response around it.
    Both,
}

/// An identity provider: an entity ID and a signing key with its certificate.
#[derive(Debug)]
pub struct IdentityProvider {
    entity_id: String,
    signer: Signer,
}

/// One response to build: who it is for, about whom, and how it is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseParams {
    /// The SP's ACS URL: `Destination` and the bearer `Recipient`.
    pub acs_url: String,
    /// The SP's entity ID: the `Audience`.
    pub audience: String,
    /// The subject.
    pub name_id: NameId,
    /// Attributes, in order.
    pub attributes: Vec<Attribute>,
    /// The AuthnRequest ID this answers; `None` for an unsolicited (IdP-initiated) response.
    pub in_response_to: Option<String>,
    /// The SessionIndex for SLO; `None` to draw one from the RNG.
    pub session_index: Option<String>,
    /// How long the assertion may be used. Default 5 minutes.
    pub lifetime: TimeDelta,
    /// AuthnContextClassRef.
    pub authn_context_class_ref: String,
    /// What to sign.
    pub scope: SignatureScope,
    /// The status; a non-success status produces a response without an assertion.
    pub status: Status,
    /// Encrypt the (signed) assertion to this SP certificate: an EncryptedAssertion.
    pub encrypt_to: Option<Certificate>,
    /// The content encryption for `encrypt_to`. Default AES-256-GCM.
    pub encryption: ContentAlgorithm,
}

impl ResponseParams {
    /// A successful response for `audience` at `acs_url` about `name_id`, signed on the
    /// assertion, valid for 5 minutes.
    pub fn new(acs_url: impl Into<String>, audience: impl Into<String>, name_id: NameId) -> Self {
        ResponseParams {
            acs_url: acs_url.into(),
            audience: audience.into(),
            name_id,
            attributes: Vec::new(),
            in_response_to: None,
            session_index: None,
            lifetime: TimeDelta::minutes(5),
            authn_context_class_ref: AC_PASSWORD_PROTECTED_TRANSPORT.to_owned(),
            scope: SignatureScope::Assertion,
            status: Status::success(),
            encrypt_to: None,
            encryption: ContentAlgorithm::Aes256Gcm,
        }
    }
}

impl IdentityProvider {
    /// An IdP named `entity_id` signing with `credential` through `provider`.
    pub fn new(
        entity_id: impl Into<String>,
        credential: &SigningCredential,
        provider: &'static dyn CryptoProvider,
    ) -> Result<Self, Error> {
        Ok(IdentityProvider {
            entity_id: entity_id.into(),
            signer: Signer::new(credential, provider)?,
        })
    }

    /// The IdP's entity ID.
    pub fn entity_id(&self) -> &str {
        &self.entity_id
    }

    /// The signing certificate (what the SP must trust).
    pub fn certificate(&self) -> &Certificate {
        self.signer.certificate()
    }

    /// The signer, for other messages this IdP sends (LogoutRequest, LogoutResponse, metadata).
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// Builds and signs a Response: IDs and the SessionIndex from `rng`, every instant from
    /// `now`. Returns the XML.
    pub fn response(
        &self,
        params: &ResponseParams,
        now: DateTime<Utc>,
        rng: &mut impl CryptoRng,
    ) -> Result<String, Error> {
        let response_id = new_id(rng);
        let assertion_id = new_id(rng);
        let session_index = params.session_index.clone().unwrap_or_else(|| new_id(rng));
        let issue_instant = time::format(now);
        let until = time::format(now + params.lifetime);

        // The assertion first, on its own: signed, then perhaps encrypted, then placed.
        let assertion_xml = if params.status.is_success() {
            let mut a = XmlText::new();
            write_assertion(
                &mut a,
                &AssertionText {
                    id: &assertion_id,
                    issuer: &self.entity_id,
                    issue_instant: &issue_instant,
                    until: &until,
                    session_index: &session_index,
                },
                params,
            );
            let mut doc = Document::parse(a.finish().as_bytes())?;
            if matches!(
                params.scope,
                SignatureScope::Assertion | SignatureScope::Both
            ) {
                let root = doc.document_element();
                // No InclusiveNamespaces PrefixList: python3-saml's schema set refuses the
                // ec:InclusiveNamespaces element (seen in crates/interop/tests/saml_python3_saml.rs).
                self.signer.sign_element(&mut doc, root, &[], rng)?;
            }
            let signed = doc.to_xml();
            match &params.encrypt_to {
                Some(recipient) => Some(format!(
                    "<saml:EncryptedAssertion>{}</saml:EncryptedAssertion>",
                    xmlenc::encrypt(signed.as_bytes(), recipient, params.encryption, rng)?
                )),
                None => Some(signed),
            }
        } else {
            None
        };

        let mut w = XmlText::new();
        w.start(
            "samlp:Response",
            &[
                ("xmlns:samlp", Some(PROTOCOL_NS)),
                ("xmlns:saml", Some(ASSERTION_NS)),
                ("ID", Some(&response_id)),
                ("Version", Some("2.0")),
                ("IssueInstant", Some(&issue_instant)),
                ("Destination", Some(&params.acs_url)),
                ("InResponseTo", params.in_response_to.as_deref()),
            ],
        );
        w.leaf("saml:Issuer", &[], &self.entity_id);
        write_status(&mut w, &params.status);
        if let Some(assertion) = &assertion_xml {
            w.raw(assertion);
        }
        let xml = w.finish();

        let mut doc = Document::parse(xml.as_bytes())?;
        let response = doc.document_element();
        if !params.status.is_success()
            || matches!(
                params.scope,
                SignatureScope::Response | SignatureScope::Both
            )
        {
            self.signer.sign_element(&mut doc, response, &[], rng)?;
        }
        Ok(doc.to_xml())
    }
}

/// A fresh message ID: `_` and 160 random bits in hex (an NCName, as `ID` must be).
pub(crate) fn new_id(rng: &mut impl CryptoRng) -> String {
    let mut bytes = [0u8; 20];
    rng.fill_bytes(&mut bytes);
    let mut id = String::with_capacity(41);
    id.push('_');
    for b in bytes {
        id.push_str(&format!("{b:02x}"));
    }
    id
}

pub(crate) fn write_status(w: &mut XmlText, status: &Status) {
    w.start("samlp:Status", &[]);
    w.start("samlp:StatusCode", &[("Value", Some(&status.code))]);
    for sub in &status.sub_codes {
        w.start("samlp:StatusCode", &[("Value", Some(sub))]);
    }
    for _ in &status.sub_codes {
        w.end();
    }
    w.end();
    if let Some(message) = &status.message {
        w.leaf("samlp:StatusMessage", &[], message);
    }
    w.end();
}

struct AssertionText<'a> {
    id: &'a str,
    issuer: &'a str,
    issue_instant: &'a str,
    until: &'a str,
    session_index: &'a str,
}

fn write_assertion(w: &mut XmlText, a: &AssertionText<'_>, params: &ResponseParams) {
    w.start(
        "saml:Assertion",
        &[
            ("xmlns:saml", Some(ASSERTION_NS)),
            ("xmlns:xs", Some(XS_NS)),
            ("xmlns:xsi", Some(XSI_NS)),
            ("ID", Some(a.id)),
            ("Version", Some("2.0")),
            ("IssueInstant", Some(a.issue_instant)),
        ],
    );
    w.leaf("saml:Issuer", &[], a.issuer);
    w.start("saml:Subject", &[]);
    let n = &params.name_id;
    w.leaf(
        "saml:NameID",
        &[
            ("Format", n.format.as_deref()),
            ("NameQualifier", n.name_qualifier.as_deref()),
            ("SPNameQualifier", n.sp_name_qualifier.as_deref()),
            ("SPProvidedID", n.sp_provided_id.as_deref()),
        ],
        &n.value,
    );
    w.start("saml:SubjectConfirmation", &[("Method", Some(CM_BEARER))]);
    w.empty(
        "saml:SubjectConfirmationData",
        &[
            ("InResponseTo", params.in_response_to.as_deref()),
            ("NotOnOrAfter", Some(a.until)),
            ("Recipient", Some(&params.acs_url)),
        ],
    );
    w.end();
    w.end();
    w.start(
        "saml:Conditions",
        &[
            ("NotBefore", Some(a.issue_instant)),
            ("NotOnOrAfter", Some(a.until)),
        ],
    );
    w.start("saml:AudienceRestriction", &[]);
    w.leaf("saml:Audience", &[], &params.audience);
    w.end();
    w.end();
    w.start(
        "saml:AuthnStatement",
        &[
            ("AuthnInstant", Some(a.issue_instant)),
            ("SessionIndex", Some(a.session_index)),
        ],
    );
    w.start("saml:AuthnContext", &[]);
    w.leaf(
        "saml:AuthnContextClassRef",
        &[],
        &params.authn_context_class_ref,
    );
    w.end();
    w.end();
    if !params.attributes.is_empty() {
        w.start("saml:AttributeStatement", &[]);
        for attribute in &params.attributes {
            w.start(
                "saml:Attribute",
                &[
                    ("Name", Some(&attribute.name)),
                    ("NameFormat", attribute.name_format.as_deref()),
                    ("FriendlyName", attribute.friendly_name.as_deref()),
                ],
            );
            for value in &attribute.values {
                w.leaf(
                    "saml:AttributeValue",
                    &[("xsi:type", Some("xs:string"))],
                    &value.text,
                );
            }
            w.end();
        }
        w.end();
    }
    w.end();
}
