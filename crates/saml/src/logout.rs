//! Single logout: `samlp:LogoutRequest` and `samlp:LogoutResponse`, built and checked.

use crate::assertion::{NameId, read_name_id};
use crate::authn_request::check_destination;
use crate::error::{Error, clip};
use crate::idp::{new_id, write_status};
use crate::names::{ASSERTION_NS, PROTOCOL_NS};
use crate::read::{
    attribute, check_version, expect_element, optional_child, required_attribute, required_child,
    required_time, text, time_attribute,
};
use crate::received::ReceivedMessage;
use crate::state::RequestTracker;
use crate::status::Status;
use crate::time;
use crate::write::XmlText;
use chrono::{DateTime, TimeDelta, Utc};
use fedkit_certs::CryptoRng;
use fedkit_xml::{Document, NodeId};

/// A LogoutRequest: end the sessions of `name_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutRequest {
    /// `ID`.
    pub id: String,
    /// `IssueInstant`.
    pub issue_instant: DateTime<Utc>,
    /// `Issuer`.
    pub issuer: String,
    /// `Destination`.
    pub destination: Option<String>,
    /// `NotOnOrAfter`.
    pub not_on_or_after: Option<DateTime<Utc>>,
    /// The subject whose sessions end.
    pub name_id: NameId,
    /// `SessionIndex` values (none: every session of the subject).
    pub session_indexes: Vec<String>,
}

/// A LogoutResponse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutResponse {
    /// `ID`.
    pub id: String,
    /// `IssueInstant`.
    pub issue_instant: DateTime<Utc>,
    /// `Issuer`.
    pub issuer: String,
    /// `Destination`.
    pub destination: Option<String>,
    /// `InResponseTo`: the LogoutRequest's ID.
    pub in_response_to: Option<String>,
    /// The status.
    pub status: Status,
}

impl LogoutRequest {
    /// A request from `issuer` to `destination` to end `name_id`'s session `session_index`,
    /// valid for `lifetime` from `now`.
    pub fn new(
        issuer: impl Into<String>,
        destination: impl Into<String>,
        name_id: NameId,
        session_index: Option<String>,
        lifetime: TimeDelta,
        now: DateTime<Utc>,
        rng: &mut impl CryptoRng,
    ) -> Self {
        LogoutRequest {
            id: new_id(rng),
            issue_instant: now,
            issuer: issuer.into(),
            destination: Some(destination.into()),
            not_on_or_after: Some(now + lifetime),
            name_id,
            session_indexes: session_index.into_iter().collect(),
        }
    }

    /// The request as XML, unsigned.
    pub fn to_xml(&self) -> String {
        let instant = time::format(self.issue_instant);
        let until = self.not_on_or_after.map(time::format);
        let mut w = XmlText::new();
        w.start(
            "samlp:LogoutRequest",
            &[
                ("xmlns:samlp", Some(PROTOCOL_NS)),
                ("xmlns:saml", Some(ASSERTION_NS)),
                ("ID", Some(&self.id)),
                ("Version", Some("2.0")),
                ("IssueInstant", Some(&instant)),
                ("Destination", self.destination.as_deref()),
                ("NotOnOrAfter", until.as_deref()),
            ],
        );
        w.leaf("saml:Issuer", &[], &self.issuer);
        let n = &self.name_id;
        w.leaf(
            "saml:NameID",
            &[
                ("Format", n.format.as_deref()),
                ("NameQualifier", n.name_qualifier.as_deref()),
                ("SPNameQualifier", n.sp_name_qualifier.as_deref()),
            ],
            &n.value,
        );
        for index in &self.session_indexes {
            w.leaf("samlp:SessionIndex", &[], index);
        }
        w.finish()
    }

    /// Reads a signed LogoutRequest from `expected_issuer` sent to `endpoint`, unexpired at
    /// `now` (with `skew`). Unsigned logout requests are refused on every binding
    /// (GHSA-vx8m-6fhw-pccw).
    pub fn read(
        message: &ReceivedMessage,
        expected_issuer: &str,
        endpoint: &str,
        now: DateTime<Utc>,
        skew: TimeDelta,
    ) -> Result<LogoutRequest, Error> {
        message.require_signed()?;
        let doc = &message.doc;
        let root = doc.document_element();
        expect_element(
            doc,
            root,
            PROTOCOL_NS,
            "LogoutRequest",
            "samlp:LogoutRequest",
        )?;
        check_version(doc, root)?;
        let issuer = check_issuer(doc, root, expected_issuer)?;
        let destination = attribute(doc, root, "Destination");
        check_destination(destination.as_deref(), endpoint, true)?;
        let not_on_or_after = time_attribute(doc, root, "NotOnOrAfter")?;
        if let Some(limit) = not_on_or_after
            && now - skew >= limit
        {
            return Err(Error::AssertionExpired {
                not_on_or_after: limit,
            });
        }
        let name_id = read_name_id(doc, required_child(doc, root, ASSERTION_NS, "NameID")?);
        Ok(LogoutRequest {
            id: required_attribute(doc, root, "ID")?,
            issue_instant: required_time(doc, root, "IssueInstant")?,
            issuer,
            destination,
            not_on_or_after,
            name_id,
            session_indexes: doc
                .children_named(root, Some(PROTOCOL_NS), "SessionIndex")
                .map(|s| text(doc, s))
                .collect(),
        })
    }
}

impl LogoutResponse {
    /// The answer from `issuer` to `request`, sent to `destination`.
    pub fn new(
        issuer: impl Into<String>,
        destination: impl Into<String>,
        request: &LogoutRequest,
        status: Status,
        now: DateTime<Utc>,
        rng: &mut impl CryptoRng,
    ) -> Self {
        LogoutResponse {
            id: new_id(rng),
            issue_instant: now,
            issuer: issuer.into(),
            destination: Some(destination.into()),
            in_response_to: Some(request.id.clone()),
            status,
        }
    }

    /// The response as XML, unsigned.
    pub fn to_xml(&self) -> String {
        let instant = time::format(self.issue_instant);
        let mut w = XmlText::new();
        w.start(
            "samlp:LogoutResponse",
            &[
                ("xmlns:samlp", Some(PROTOCOL_NS)),
                ("xmlns:saml", Some(ASSERTION_NS)),
                ("ID", Some(&self.id)),
                ("Version", Some("2.0")),
                ("IssueInstant", Some(&instant)),
                ("Destination", self.destination.as_deref()),
                ("InResponseTo", self.in_response_to.as_deref()),
            ],
        );
        w.leaf("saml:Issuer", &[], &self.issuer);
        write_status(&mut w, &self.status);
        w.finish()
    }

    /// Reads a signed LogoutResponse from `expected_issuer` sent to `endpoint`, answering a
    /// request in `requests` (completed on success); a non-success status is an error.
    pub fn read(
        message: &ReceivedMessage,
        expected_issuer: &str,
        endpoint: &str,
        now: DateTime<Utc>,
        requests: &mut dyn RequestTracker,
    ) -> Result<LogoutResponse, Error> {
        message.require_signed()?;
        let doc = &message.doc;
        let root = doc.document_element();
        expect_element(
            doc,
            root,
            PROTOCOL_NS,
            "LogoutResponse",
            "samlp:LogoutResponse",
        )?;
        check_version(doc, root)?;
        let issuer = check_issuer(doc, root, expected_issuer)?;
        let destination = attribute(doc, root, "Destination");
        check_destination(destination.as_deref(), endpoint, true)?;
        let status = Status::read(doc, required_child(doc, root, PROTOCOL_NS, "Status")?)?;
        let in_response_to = attribute(doc, root, "InResponseTo");
        match &in_response_to {
            Some(id) if requests.is_outstanding(id, now) => {}
            Some(id) => {
                return Err(Error::InResponseToUnknown {
                    in_response_to: clip(id),
                });
            }
            None => return Err(Error::InResponseToMissing),
        }
        if !status.is_success() {
            return Err(status.into_error());
        }
        if let Some(id) = &in_response_to {
            requests.complete(id);
        }
        Ok(LogoutResponse {
            id: required_attribute(doc, root, "ID")?,
            issue_instant: required_time(doc, root, "IssueInstant")?,
            issuer,
            destination,
            in_response_to,
            status,
        })
    }
}

fn check_issuer(doc: &Document, root: NodeId, expected: &str) -> Result<String, Error> {
    let node =
        optional_child(doc, root, ASSERTION_NS, "Issuer")?.ok_or_else(|| Error::IssuerMissing {
            path: doc.path(root),
        })?;
    let issuer = text(doc, node);
    if issuer == expected {
        Ok(issuer)
    } else {
        Err(Error::IssuerMismatch {
            path: doc.path(node),
            expected: expected.to_owned(),
            found: clip(&issuer),
        })
    }
}
