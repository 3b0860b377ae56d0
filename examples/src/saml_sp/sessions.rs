//! Server-side sessions: the browser holds only a random ID; the verified sign-in stays here.
//! Sessions are keyed by the SHA-256 of the ID, so a lookup's timing says nothing about IDs.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use fedkit_saml::names::NAMEID_UNSPECIFIED;
use fedkit_saml::{Attribute, NameId, VerifiedAssertion};
use sha2::{Digest as _, Sha256};

use crate::saml_sp::sp_error::SpError;

/// What a verified assertion said, kept for the session.
#[derive(Debug, Clone)]
pub struct SignedInUser {
    /// The assertion's Issuer.
    pub issuer: String,
    /// The subject.
    pub name_id: NameId,
    /// The SessionIndex, for single logout.
    pub session_index: Option<String>,
    /// The AuthnRequest it answered; `None` for an IdP-initiated sign-in.
    pub in_response_to: Option<String>,
    /// Every attribute, in order.
    pub attributes: Vec<Attribute>,
    /// Whether the Response was signed.
    pub response_signed: bool,
    /// Whether the Assertion was signed.
    pub assertion_signed: bool,
}

impl SignedInUser {
    /// Takes what the validator verified.
    pub fn from_verified(verified: &VerifiedAssertion) -> Self {
        SignedInUser {
            issuer: verified.issuer().to_owned(),
            name_id: verified.name_id().clone(),
            session_index: verified.session_index().map(str::to_owned),
            in_response_to: verified.in_response_to().map(str::to_owned),
            attributes: verified.attributes().to_vec(),
            response_signed: verified.response_signed(),
            assertion_signed: verified.assertion_signed(),
        }
    }
}

/// One signed-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    /// Who.
    pub user: SignedInUser,
    /// The sign-out form's CSRF token.
    pub csrf_token: String,
    /// When the session ends.
    pub expires_at: DateTime<Utc>,
}

/// The open sessions, at most `max`.
#[derive(Debug)]
pub struct SessionStore {
    sessions: HashMap<[u8; 32], Session>,
    max: usize,
}

/// 32 bytes from the OS random source, base64url.
pub fn random_token() -> Result<String, SpError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| SpError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// A NameID's Format; an absent one is `unspecified` (SAML core §8.3).
fn format(name_id: &NameId) -> &str {
    name_id.format.as_deref().unwrap_or(NAMEID_UNSPECIFIED)
}

fn key(id: &str) -> [u8; 32] {
    Sha256::digest(id.as_bytes()).into()
}

impl SessionStore {
    /// An empty store keeping at most `max` sessions.
    pub fn new(max: usize) -> Self {
        SessionStore {
            sessions: HashMap::new(),
            max,
        }
    }

    /// Drops expired sessions; then whether a new one would exceed the limit.
    pub fn is_full(&mut self, now: DateTime<Utc>) -> bool {
        self.sessions.retain(|_, s| s.expires_at > now);
        self.sessions.len() >= self.max
    }

    /// Opens a session for `user` until `expires_at`; returns the cookie value.
    pub fn open(
        &mut self,
        user: SignedInUser,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<String, SpError> {
        if self.is_full(now) {
            return Err(SpError::TooManySessions(self.max));
        }
        let id = random_token()?;
        let session = Session {
            user,
            csrf_token: random_token()?,
            expires_at,
        };
        self.sessions.insert(key(&id), session);
        Ok(id)
    }

    /// The live session with cookie value `id`.
    pub fn get(&self, id: &str, now: DateTime<Utc>) -> Option<&Session> {
        self.sessions.get(&key(id)).filter(|s| s.expires_at > now)
    }

    /// Ends the session `id`; returns it.
    pub fn close(&mut self, id: &str) -> Option<Session> {
        self.sessions.remove(&key(id))
    }

    /// Ends every session of `name_id` from `issuer` (only those of `session_indexes`, when
    /// any are given: SAML core §3.7.1); returns how many ended.
    pub fn close_subject(
        &mut self,
        issuer: &str,
        name_id: &NameId,
        session_indexes: &[String],
    ) -> usize {
        let before = self.sessions.len();
        self.sessions.retain(|_, s| {
            let user = &s.user;
            let same_subject = user.issuer == issuer
                && user.name_id.value == name_id.value
                && format(&user.name_id) == format(name_id);
            let same_session = session_indexes.is_empty()
                || user
                    .session_index
                    .as_ref()
                    .is_some_and(|i| session_indexes.contains(i));
            !(same_subject && same_session)
        });
        before - self.sessions.len()
    }
}
