//! `samlp:AuthnRequest`: built by the SP, read by the IdP.

use crate::error::{Error, clip};
use crate::idp::new_id;
use crate::names::{ASSERTION_NS, BINDING_HTTP_POST, PROTOCOL_NS};
use crate::post::is_http_url;
use crate::read::{
    attribute, check_version, expect_element, optional_child, required_attribute, required_time,
    text,
};
use crate::received::ReceivedMessage;
use crate::time;
use crate::write::XmlText;
use chrono::{DateTime, Utc};
use fedkit_certs::CryptoRng;

/// An AuthnRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthnRequest {
    /// `ID`: track it, the response's InResponseTo must name it.
    pub id: String,
    /// `IssueInstant`.
    pub issue_instant: DateTime<Utc>,
    /// `Issuer`: the SP's entity ID.
    pub issuer: String,
    /// `Destination`: the IdP's SSO URL.
    pub destination: Option<String>,
    /// `AssertionConsumerServiceURL`.
    pub acs_url: Option<String>,
    /// `ProtocolBinding` for the response.
    pub protocol_binding: Option<String>,
    /// `NameIDPolicy/@Format`.
    pub name_id_format: Option<String>,
    /// `ForceAuthn`.
    pub force_authn: bool,
    /// `IsPassive`.
    pub is_passive: bool,
}

impl AuthnRequest {
    /// A new request from `issuer` to the IdP at `destination`, answered at `acs_url` over
    /// HTTP-POST; the ID from `rng`, the instant `now`.
    pub fn new(
        issuer: impl Into<String>,
        destination: impl Into<String>,
        acs_url: impl Into<String>,
        now: DateTime<Utc>,
        rng: &mut impl CryptoRng,
    ) -> Self {
        AuthnRequest {
            id: new_id(rng),
            issue_instant: now,
            issuer: issuer.into(),
            destination: Some(destination.into()),
            acs_url: Some(acs_url.into()),
            protocol_binding: Some(BINDING_HTTP_POST.to_owned()),
            name_id_format: None,
            force_authn: false,
            is_passive: false,
        }
    }

    /// The request as XML, unsigned (sign it with [`Signer::sign_xml`](crate::Signer::sign_xml)
    /// for HTTP-POST, or through [`redirect_url`](crate::redirect_url) for HTTP-Redirect).
    pub fn to_xml(&self) -> String {
        let instant = time::format(self.issue_instant);
        let mut w = XmlText::new();
        w.start(
            "samlp:AuthnRequest",
            &[
                ("xmlns:samlp", Some(PROTOCOL_NS)),
                ("xmlns:saml", Some(ASSERTION_NS)),
                ("ID", Some(&self.id)),
                ("Version", Some("2.0")),
                ("IssueInstant", Some(&instant)),
                ("Destination", self.destination.as_deref()),
                ("AssertionConsumerServiceURL", self.acs_url.as_deref()),
                ("ProtocolBinding", self.protocol_binding.as_deref()),
                ("ForceAuthn", self.force_authn.then_some("true")),
                ("IsPassive", self.is_passive.then_some("true")),
            ],
        );
        w.leaf("saml:Issuer", &[], &self.issuer);
        if let Some(format) = &self.name_id_format {
            w.empty(
                "samlp:NameIDPolicy",
                &[("Format", Some(format)), ("AllowCreate", Some("true"))],
            );
        }
        w.finish()
    }

    /// Reads a received AuthnRequest and checks it came from `expected_issuer` and was sent to
    /// `sso_url`; an ACS URL in it must be http(s) (the IdP still matches it against the SP's
    /// metadata before posting there).
    pub fn read(
        message: &ReceivedMessage,
        expected_issuer: &str,
        sso_url: &str,
    ) -> Result<AuthnRequest, Error> {
        let doc = &message.doc;
        let root = doc.document_element();
        expect_element(doc, root, PROTOCOL_NS, "AuthnRequest", "samlp:AuthnRequest")?;
        check_version(doc, root)?;
        let issuer_node = optional_child(doc, root, ASSERTION_NS, "Issuer")?.ok_or_else(|| {
            Error::IssuerMissing {
                path: doc.path(root),
            }
        })?;
        let issuer = text(doc, issuer_node);
        if issuer != expected_issuer {
            return Err(Error::IssuerMismatch {
                path: doc.path(issuer_node),
                expected: expected_issuer.to_owned(),
                found: clip(&issuer),
            });
        }
        let destination = attribute(doc, root, "Destination");
        check_destination(destination.as_deref(), sso_url, message.signed)?;
        let acs_url = attribute(doc, root, "AssertionConsumerServiceURL");
        if let Some(url) = &acs_url
            && !is_http_url(url)
        {
            return Err(Error::EndpointUrlNotHttp {
                path: doc.path(root),
            });
        }
        let name_id_format = optional_child(doc, root, PROTOCOL_NS, "NameIDPolicy")?
            .and_then(|policy| attribute(doc, policy, "Format"));
        Ok(AuthnRequest {
            id: required_attribute(doc, root, "ID")?,
            issue_instant: required_time(doc, root, "IssueInstant")?,
            issuer,
            destination,
            acs_url,
            protocol_binding: attribute(doc, root, "ProtocolBinding"),
            name_id_format,
            force_authn: bool_attribute(doc, root, "ForceAuthn")?,
            is_passive: bool_attribute(doc, root, "IsPassive")?,
        })
    }
}

pub(crate) fn check_destination(
    destination: Option<&str>,
    expected: &str,
    signed: bool,
) -> Result<(), Error> {
    match destination {
        Some(found) if found != expected => Err(Error::DestinationMismatch {
            expected: expected.to_owned(),
            found: clip(found),
        }),
        None if signed => Err(Error::DestinationMissing),
        _ => Ok(()),
    }
}

fn bool_attribute(
    doc: &fedkit_xml::Document,
    n: fedkit_xml::NodeId,
    local: &'static str,
) -> Result<bool, Error> {
    match doc.attribute(n, None, local) {
        None | Some("false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(_) => Err(Error::InvalidValue {
            path: doc.path(n),
            what: local,
        }),
    }
}
