//! The service provider: one call from the posted message to a [`VerifiedAssertion`].

use crate::assertion::{Assertion, Attribute, NameId, SubjectConfirmationData};
use crate::error::{Error, clip};
use crate::names::{ASSERTION_NS, CM_BEARER, PROTOCOL_NS};
use crate::post::decode_post;
use crate::read::{check_version, expect_element, optional_child, required_child, text};
use crate::state::{ReplayCache, RequestTracker};
use crate::status::Status;
use chrono::{DateTime, TimeDelta, Utc};
use fedkit_certs::{Certificate, CryptoProvider, PrivateKey, TrustSet, default_provider};
use fedkit_xml::{Document, Limits, NodeId};
use fedkit_xmldsig::xmlenc::{self, DecryptPolicy, XENC_NS};
use fedkit_xmldsig::{DSIG_NS, Verifier, VerifyPolicy};

/// Limits and switches for validation. The defaults are the strict ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationOptions {
    /// Allowed clock difference for every time check, both ways. Default 60 s.
    pub clock_skew: TimeDelta,
    /// Accept responses that answer no request (IdP-initiated). Default off.
    pub allow_unsolicited: bool,
    /// Require the Response itself to be signed (not only the assertion). Default off.
    pub require_signed_response: bool,
    /// Longest encoded message accepted, checked before decoding. Default 256 KiB.
    pub max_message_bytes: usize,
    /// Longest inflated Redirect-binding message. Default 256 KiB.
    pub max_inflated_bytes: usize,
    /// Parser limits for the decoded XML (its `max_bytes` is also capped by
    /// `max_message_bytes`).
    pub xml_limits: Limits,
}

impl Default for ValidationOptions {
    fn default() -> Self {
        ValidationOptions {
            clock_skew: TimeDelta::seconds(60),
            allow_unsolicited: false,
            require_signed_response: false,
            max_message_bytes: 256 << 10,
            max_inflated_bytes: 256 << 10,
            xml_limits: Limits::default(),
        }
    }
}

/// A service provider trusting one IdP.
#[derive(Debug, Clone)]
pub struct ServiceProvider {
    pub(crate) entity_id: String,
    pub(crate) acs_url: String,
    pub(crate) idp_entity_id: String,
    pub(crate) idp_trust: TrustSet,
    pub(crate) policy: VerifyPolicy,
    pub(crate) options: ValidationOptions,
    pub(crate) provider: &'static dyn CryptoProvider,
    pub(crate) decryption_key: Option<PrivateKey>,
    pub(crate) decrypt_policy: DecryptPolicy,
}

/// An assertion that passed every check. Only [`ServiceProvider`] makes these; everything in it
/// was read from the signed subtree.
#[derive(Debug, Clone)]
pub struct VerifiedAssertion {
    assertion: Assertion,
    audience: String,
    not_on_or_after: DateTime<Utc>,
    in_response_to: Option<String>,
    response_signed: bool,
    assertion_signed: bool,
    certificate: Certificate,
}

impl VerifiedAssertion {
    /// The whole assertion model.
    pub fn assertion(&self) -> &Assertion {
        &self.assertion
    }

    /// The assertion's Issuer (the IdP's entity ID).
    pub fn issuer(&self) -> &str {
        &self.assertion.issuer
    }

    /// The subject's NameID.
    pub fn name_id(&self) -> &NameId {
        // The validator refuses assertions without one.
        self.assertion
            .subject
            .name_id
            .as_ref()
            .unwrap_or(&EMPTY_NAME_ID)
    }

    /// The first AuthnStatement's SessionIndex (for SLO).
    pub fn session_index(&self) -> Option<&str> {
        self.assertion
            .authn_statements
            .first()
            .and_then(|s| s.session_index.as_deref())
    }

    /// The audience that matched: this SP's entity ID.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The earliest of the Conditions' and the bearer confirmation's NotOnOrAfter.
    pub fn not_on_or_after(&self) -> DateTime<Utc> {
        self.not_on_or_after
    }

    /// Every attribute.
    pub fn attributes(&self) -> &[Attribute] {
        &self.assertion.attributes
    }

    /// The first attribute named `name`.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.assertion.attributes.iter().find(|a| a.name == name)
    }

    /// The request this answered; `None` for an unsolicited response.
    pub fn in_response_to(&self) -> Option<&str> {
        self.in_response_to.as_deref()
    }

    /// Whether the Response carried a verified signature.
    pub fn response_signed(&self) -> bool {
        self.response_signed
    }

    /// Whether the Assertion carried a verified signature.
    pub fn assertion_signed(&self) -> bool {
        self.assertion_signed
    }

    /// The trusted certificate that verified (the assertion's signature when both are signed).
    pub fn signing_certificate(&self) -> &Certificate {
        &self.certificate
    }
}

static EMPTY_NAME_ID: NameId = NameId {
    value: String::new(),
    format: None,
    name_qualifier: None,
    sp_name_qualifier: None,
    sp_provided_id: None,
};

impl ServiceProvider {
    /// An SP with entity ID `entity_id` and ACS `acs_url`, trusting responses from
    /// `idp_entity_id` signed by a certificate in `idp_trust`, with the default policy
    /// (SHA-256 and up) and [`ValidationOptions::default`].
    pub fn new(
        entity_id: impl Into<String>,
        acs_url: impl Into<String>,
        idp_entity_id: impl Into<String>,
        idp_trust: TrustSet,
    ) -> Self {
        ServiceProvider {
            entity_id: entity_id.into(),
            acs_url: acs_url.into(),
            idp_entity_id: idp_entity_id.into(),
            idp_trust,
            policy: VerifyPolicy::default(),
            options: ValidationOptions::default(),
            provider: default_provider(),
            decryption_key: None,
            decrypt_policy: DecryptPolicy::default(),
        }
    }

    /// Replaces the validation options.
    pub fn with_options(mut self, options: ValidationOptions) -> Self {
        self.options = options;
        self
    }

    /// Replaces the signature algorithm policy.
    pub fn with_policy(mut self, policy: VerifyPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Decrypts `EncryptedAssertion`s with this key (AES-GCM content, RSA-OAEP key transport;
    /// AES-CBC content and RSA-1_5 only when opted in with
    /// [`with_decrypt_policy`](Self::with_decrypt_policy)).
    pub fn with_decryption_key(mut self, key: PrivateKey) -> Self {
        self.decryption_key = Some(key);
        self
    }

    /// Replaces the decryption policy (e.g. `DecryptPolicy::default().legacy_aes_cbc()` for a
    /// peer that cannot encrypt with AES-GCM; both legacy options are weaker, see
    /// [`DecryptPolicy`]).
    pub fn with_decrypt_policy(mut self, policy: DecryptPolicy) -> Self {
        self.decrypt_policy = policy;
        self
    }

    /// This SP's entity ID.
    pub fn entity_id(&self) -> &str {
        &self.entity_id
    }

    /// This SP's ACS URL.
    pub fn acs_url(&self) -> &str {
        &self.acs_url
    }

    /// The options in force.
    pub fn options(&self) -> &ValidationOptions {
        &self.options
    }

    /// Validates the `SAMLResponse` form field of an HTTP-POST (base64, form-decoded).
    pub fn validate_post(
        &self,
        saml_response: &str,
        now: DateTime<Utc>,
        requests: &mut dyn RequestTracker,
        replay: &mut dyn ReplayCache,
    ) -> Result<VerifiedAssertion, Error> {
        let xml = decode_post(saml_response, self.options.max_message_bytes)?;
        self.validate_xml(&xml, now, requests, replay)
    }

    /// Validates a Response given as XML bytes. State changes (the replay cache, the request
    /// tracker) happen only when every check passed.
    pub fn validate_xml(
        &self,
        xml: &[u8],
        now: DateTime<Utc>,
        requests: &mut dyn RequestTracker,
        replay: &mut dyn ReplayCache,
    ) -> Result<VerifiedAssertion, Error> {
        if self.idp_trust.is_empty() {
            return Err(Error::InvalidConfiguration {
                reason: "no trusted IdP certificates",
            });
        }
        let limit = self.options.max_message_bytes;
        if xml.len() > limit {
            return Err(Error::MessageTooLarge {
                limit,
                found: xml.len(),
            });
        }
        let limits = Limits {
            max_bytes: self.options.xml_limits.max_bytes.min(limit),
            ..self.options.xml_limits.clone()
        };
        let doc = Document::parse_with(xml, &limits)?;
        let response = doc.document_element();
        expect_element(&doc, response, PROTOCOL_NS, "Response", "samlp:Response")?;
        check_version(&doc, response)?;
        let verifier = Verifier::new(&self.idp_trust, &self.policy, self.provider);

        // Any signature present must verify; an unverifiable one is never ignored.
        let response_verified = if has_signature(&doc, response) {
            Some(verifier.verify_enveloped(&doc, response, now)?)
        } else {
            None
        };
        let response_signed = response_verified.is_some();
        if self.options.require_signed_response && !response_signed {
            return Err(Error::ResponseUnsigned);
        }
        if let Some(issuer) = optional_child(&doc, response, ASSERTION_NS, "Issuer")? {
            self.check_issuer(&doc, issuer)?;
        }
        match doc.attribute(response, None, "Destination") {
            Some(destination) if destination != self.acs_url => {
                return Err(Error::DestinationMismatch {
                    expected: self.acs_url.clone(),
                    found: clip(destination),
                });
            }
            None if response_signed => return Err(Error::DestinationMissing),
            _ => {}
        }
        let status = Status::read(&doc, required_child(&doc, response, PROTOCOL_NS, "Status")?)?;
        if !status.is_success() {
            return Err(status.into_error());
        }

        let (plain, encrypted) = count_assertions(&doc);
        match plain + encrypted {
            0 => return Err(Error::NoAssertion),
            1 => {}
            count => return Err(Error::MultipleAssertions { count }),
        }
        let decrypted;
        let (adoc, assertion_node) = if encrypted == 1 {
            let wrapper = required_child(&doc, response, ASSERTION_NS, "EncryptedAssertion")?;
            decrypted = self.decrypt(&doc, wrapper, &limits)?;
            (&decrypted, decrypted.document_element())
        } else {
            (
                &doc,
                required_child(&doc, response, ASSERTION_NS, "Assertion")?,
            )
        };

        let assertion_verified = if has_signature(adoc, assertion_node) {
            Some(verifier.verify_enveloped(adoc, assertion_node, now)?)
        } else {
            None
        };
        let certificate = match (&assertion_verified, &response_verified) {
            (Some(v), _) | (None, Some(v)) => v.certificate().clone(),
            (None, None) => return Err(Error::AssertionUnsigned),
        };

        let assertion = Assertion::read(adoc, assertion_node)?;
        let issuer = required_child(adoc, assertion_node, ASSERTION_NS, "Issuer")?;
        self.check_issuer(adoc, issuer)?;
        if assertion.subject.name_id.is_none() {
            return Err(Error::NameIdMissing {
                path: adoc.path(assertion_node),
            });
        }
        let skew = self.options.clock_skew;
        let confirmation = self.bearer_confirmation(&assertion, now)?;
        let conditions = assertion
            .conditions
            .as_ref()
            .ok_or(Error::AudienceMissing)?;
        if let Some(not_before) = conditions.not_before
            && now + skew < not_before
        {
            return Err(Error::AssertionNotYetValid { not_before });
        }
        let mut not_on_or_after = confirmation.not_on_or_after.unwrap_or(now);
        if let Some(limit) = conditions.not_on_or_after {
            if now - skew >= limit {
                return Err(Error::AssertionExpired {
                    not_on_or_after: limit,
                });
            }
            not_on_or_after = not_on_or_after.min(limit);
        }
        if conditions.audience_restrictions.is_empty() {
            return Err(Error::AudienceMissing);
        }
        if !conditions
            .audience_restrictions
            .iter()
            .all(|audiences| audiences.contains(&self.entity_id))
        {
            return Err(Error::AudienceMismatch {
                expected: self.entity_id.clone(),
            });
        }
        for statement in &assertion.authn_statements {
            if let Some(end) = statement.session_not_on_or_after
                && now - skew >= end
            {
                return Err(Error::SessionExpired {
                    session_not_on_or_after: end,
                });
            }
        }

        // The request this answers must come from signed content: the bearer confirmation, or
        // a signed Response.
        let response_irt = doc.attribute(response, None, "InResponseTo");
        let in_response_to = match (response_irt, confirmation.in_response_to.as_deref()) {
            (Some(a), Some(b)) if a != b => return Err(Error::InResponseToMismatch),
            (_, Some(b)) => Some(b.to_owned()),
            (Some(a), None) if response_signed => Some(a.to_owned()),
            (Some(_), None) => return Err(Error::InResponseToMismatch),
            (None, None) => None,
        };
        match &in_response_to {
            Some(id) if !requests.is_outstanding(id, now) => {
                return Err(Error::InResponseToUnknown {
                    in_response_to: clip(id),
                });
            }
            None if !self.options.allow_unsolicited => return Err(Error::UnsolicitedResponse),
            _ => {}
        }

        if !replay.insert(&assertion.id, not_on_or_after + skew, now) {
            return Err(Error::AssertionReplayed {
                id: clip(&assertion.id),
            });
        }
        if let Some(id) = &in_response_to {
            requests.complete(id);
        }
        Ok(VerifiedAssertion {
            assertion,
            audience: self.entity_id.clone(),
            not_on_or_after,
            in_response_to,
            response_signed,
            assertion_signed: assertion_verified.is_some(),
            certificate,
        })
    }

    fn check_issuer(&self, doc: &Document, issuer: NodeId) -> Result<(), Error> {
        let found = text(doc, issuer);
        if found == self.idp_entity_id {
            Ok(())
        } else {
            Err(Error::IssuerMismatch {
                path: doc.path(issuer),
                expected: self.idp_entity_id.clone(),
                found: clip(&found),
            })
        }
    }

    /// The first bearer confirmation that passes; else the first one's fault.
    fn bearer_confirmation<'a>(
        &self,
        assertion: &'a Assertion,
        now: DateTime<Utc>,
    ) -> Result<&'a SubjectConfirmationData, Error> {
        let mut first_fault = None;
        for confirmation in &assertion.subject.confirmations {
            if confirmation.method != CM_BEARER {
                continue;
            }
            let outcome = match &confirmation.data {
                Some(data) => self.check_bearer(data, now).map(|()| data),
                None => Err(Error::ConfirmationExpiryMissing),
            };
            match outcome {
                Ok(data) => return Ok(data),
                Err(fault) => {
                    first_fault.get_or_insert(fault);
                }
            }
        }
        Err(first_fault.unwrap_or(Error::BearerConfirmationMissing))
    }

    fn check_bearer(
        &self,
        data: &SubjectConfirmationData,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let skew = self.options.clock_skew;
        if data.recipient.as_deref() != Some(self.acs_url.as_str()) {
            return Err(Error::RecipientMismatch {
                expected: self.acs_url.clone(),
                found: clip(data.recipient.as_deref().unwrap_or("")),
            });
        }
        let not_on_or_after = data
            .not_on_or_after
            .ok_or(Error::ConfirmationExpiryMissing)?;
        if now - skew >= not_on_or_after {
            return Err(Error::ConfirmationExpired { not_on_or_after });
        }
        if let Some(not_before) = data.not_before
            && now + skew < not_before
        {
            return Err(Error::ConfirmationNotYetValid { not_before });
        }
        Ok(())
    }
}

impl ServiceProvider {
    /// Decrypts the EncryptedAssertion `wrapper` into a document of its own whose root is a
    /// `saml:Assertion`; what it holds is verified like any assertion (its own signature, or the
    /// response's around it).
    ///
    /// Everything that depends on the plaintext — key unwrap, content decryption, UTF-8, XML
    /// syntax and limits, trailing content, the root's name and namespace — fails as the one
    /// `decryption_failed`, with no detail: a distinct answer for "bad padding" or "not XML"
    /// would be a decryption oracle (Jager and Somorovsky 2011). Structural faults of the
    /// EncryptedAssertion itself (a missing element, a refused algorithm) keep their own codes;
    /// they depend only on what the sender wrote.
    fn decrypt(&self, doc: &Document, wrapper: NodeId, limits: &Limits) -> Result<Document, Error> {
        let key = self
            .decryption_key
            .as_ref()
            .ok_or(Error::DecryptionKeyMissing)?;
        let data = required_child(doc, wrapper, XENC_NS, "EncryptedData")?;
        let siblings: Vec<NodeId> = doc
            .children_named(wrapper, Some(XENC_NS), "EncryptedKey")
            .collect();
        let failed = || {
            Error::Signature(fedkit_xmldsig::Error::DecryptionFailed {
                path: doc.path(data),
            })
        };
        let plaintext = match xmlenc::decrypt(doc, data, &siblings, key, &self.decrypt_policy) {
            Ok(plaintext) => plaintext,
            Err(fedkit_xmldsig::Error::DecryptionFailed { .. }) => return Err(failed()),
            Err(refused) => return Err(refused.into()),
        };
        // The decrypted assertion is checked under the same limits as the message.
        let decrypted = Document::parse_with(&plaintext, limits).map_err(|_| failed())?;
        let root = decrypted.document_element();
        if !decrypted
            .name(root)
            .is_some_and(|name| name.is(Some(ASSERTION_NS), "Assertion"))
        {
            return Err(failed());
        }
        Ok(decrypted)
    }
}

fn has_signature(doc: &Document, n: NodeId) -> bool {
    doc.children_named(n, Some(DSIG_NS), "Signature")
        .next()
        .is_some()
}

/// Assertions and encrypted assertions anywhere in the document (CVE-2022-41912: a second one
/// hidden in Extensions, an Object or Advice counts too).
fn count_assertions(doc: &Document) -> (usize, usize) {
    let mut plain = 0;
    let mut encrypted = 0;
    for n in doc.descendants(doc.root()) {
        if let Some(name) = doc.name(n) {
            if name.is(Some(ASSERTION_NS), "Assertion") {
                plain += 1;
            } else if name.is(Some(ASSERTION_NS), "EncryptedAssertion") {
                encrypted += 1;
            }
        }
    }
    (plain, encrypted)
}
