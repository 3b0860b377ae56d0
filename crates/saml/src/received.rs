//! A protocol message received over HTTP-POST or HTTP-Redirect, its signature checked the way
//! its binding signs: an enveloped signature over the whole message, or the query signature.

use crate::error::Error;
use crate::post::decode_post;
use crate::redirect::RedirectMessage;
use chrono::{DateTime, Utc};
use fedkit_certs::{TrustSet, default_provider};
use fedkit_xml::{Document, Limits};
use fedkit_xmldsig::{DSIG_NS, Verifier, VerifyPolicy};

/// A received request or response (AuthnRequest, LogoutRequest, LogoutResponse). When
/// [`is_signed`](Self::is_signed), the whole document was covered by a trusted signature.
#[derive(Debug)]
pub struct ReceivedMessage {
    pub(crate) doc: Document,
    pub(crate) relay_state: Option<String>,
    pub(crate) signed: bool,
}

impl ReceivedMessage {
    /// From an HTTP-POST form field: the document element must carry an enveloped signature by
    /// a key in `trust` (a signature that is present must verify).
    pub fn from_post(
        value: &str,
        relay_state: Option<&str>,
        trust: &TrustSet,
        policy: &VerifyPolicy,
        now: DateTime<Utc>,
        limits: &Limits,
    ) -> Result<Self, Error> {
        let message = Self::from_post_unverified(value, relay_state, trust, policy, now, limits)?;
        if message.signed {
            Ok(message)
        } else {
            Err(Error::Signature(fedkit_xmldsig::Error::SignatureNotFound {
                path: message.doc.path(message.doc.document_element()),
            }))
        }
    }

    /// Like [`from_post`](Self::from_post) but an unsigned message is accepted (and reported by
    /// [`is_signed`](Self::is_signed)); a signature that is present must still verify. For
    /// AuthnRequests at an IdP that checks the ACS URL against metadata.
    pub fn from_post_unverified(
        value: &str,
        relay_state: Option<&str>,
        trust: &TrustSet,
        policy: &VerifyPolicy,
        now: DateTime<Utc>,
        limits: &Limits,
    ) -> Result<Self, Error> {
        let xml = decode_post(value, limits.max_bytes.saturating_mul(4) / 3 + 4)?;
        let doc = Document::parse_with(&xml, limits)?;
        let root = doc.document_element();
        let signed = doc
            .children_named(root, Some(DSIG_NS), "Signature")
            .next()
            .is_some();
        if signed {
            Verifier::new(trust, policy, default_provider()).verify_enveloped(&doc, root, now)?;
        }
        Ok(ReceivedMessage {
            doc,
            relay_state: relay_state.map(str::to_owned),
            signed,
        })
    }

    /// From a Redirect-binding message ([`RedirectQuery::verify`](crate::RedirectQuery::verify)
    /// checked its query signature). An enveloped signature inside is not allowed there.
    pub fn from_redirect(message: &RedirectMessage, limits: &Limits) -> Result<Self, Error> {
        let doc = Document::parse_with(&message.xml, limits)?;
        Ok(ReceivedMessage {
            doc,
            relay_state: message.relay_state.clone(),
            signed: message.signed,
        })
    }

    /// Whether a trusted signature covers the message.
    pub fn is_signed(&self) -> bool {
        self.signed
    }

    /// RelayState as received.
    pub fn relay_state(&self) -> Option<&str> {
        self.relay_state.as_deref()
    }

    pub(crate) fn require_signed(&self) -> Result<(), Error> {
        if self.signed {
            Ok(())
        } else {
            Err(Error::Signature(fedkit_xmldsig::Error::SignatureNotFound {
                path: self.doc.path(self.doc.document_element()),
            }))
        }
    }
}
