//! Applications: the SAML service providers users sign into, each with its attribute
//! mappings, assignments and signing certificates, kept as records in the store.
//!
//! An application's record (namespace [`APPS`], key: its id) holds everything but the keys;
//! its [`CertificateSet`] (namespace [`APP_CERTIFICATES`], same key) holds the private keys and
//! is never sent over the admin API.

use fedkit_certs::CertificateSet;
use serde::{Deserialize, Serialize};

use crate::identity_center::store::{ResourceKind, StoreError, Transaction};

/// Record namespace of applications.
pub const APPS: &str = "app";
/// Record namespace of applications' certificate sets (private keys inside).
pub const APP_CERTIFICATES: &str = "app-certificates";
/// Record namespace mapping an SP entity ID to its application's id: one record per entity
/// ID, taken with an atomic insert, so two registrations racing for one entity ID cannot
/// both win.
pub const APP_ENTITY_IDS: &str = "app-entity-id";

/// The NameID an application receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameIdMapping {
    /// Where the value comes from: `${user:email}`, `${user:subject}`, `${user:name}`, … or a
    /// literal.
    pub source: String,
    /// The NameID Format URI (`urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress`, …).
    pub format: String,
}

/// One SAML attribute an application receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttributeMapping {
    /// The SAML attribute Name.
    pub name: String,
    /// `${user:…}` placeholders and literal text, as AWS writes them.
    pub value: String,
    /// The NameFormat URI, if any (`urn:oasis:names:tc:SAML:2.0:attrname-format:uri`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_format: Option<String>,
}

/// The binding of an SP's single logout endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SloBinding {
    /// HTTP-POST: an auto-submitting form.
    #[default]
    Post,
    /// HTTP-Redirect: a signed query string (`SigAlg`, `Signature`).
    Redirect,
}

/// Who may sign into an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrincipalKind {
    /// A user, by SCIM id.
    User,
    /// Every direct member of a group, by SCIM id.
    Group,
}

/// An assignment of a user or a group to an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// User or group.
    #[serde(rename = "type")]
    pub kind: PrincipalKind,
    /// The SCIM id.
    pub id: String,
}

/// A registered application (a SAML SP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    /// Generated id; also the path segment of its SAML endpoints (`/saml/{id}/…`).
    pub id: String,
    /// Display name in the portal.
    pub name: String,
    /// The SP's entity ID: the AuthnRequest Issuer and the assertion's Audience.
    pub entity_id: String,
    /// The SP's assertion consumer service URL (HTTP-POST): the only place responses go.
    pub acs_url: String,
    /// The SP's single logout URL, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo_url: Option<String>,
    /// The binding `slo_url` takes: identity-center's LogoutRequests and LogoutResponses go to
    /// it over this binding (SAML profiles §4.4.4.1), as the SP's metadata says.
    #[serde(default)]
    pub slo_binding: SloBinding,
    /// The NameID it receives.
    pub name_id: NameIdMapping,
    /// The attributes it receives, in order.
    #[serde(default)]
    pub attributes: Vec<AttributeMapping>,
    /// Who may sign in.
    #[serde(default)]
    pub assignments: Vec<Assignment>,
    /// Whether AuthnRequests must be signed by one of `sp_signing_certificates`.
    #[serde(default)]
    pub require_signed_requests: bool,
    /// The SP's signing certificates (PEM), for its AuthnRequests and LogoutRequests.
    #[serde(default)]
    pub sp_signing_certificates: Vec<String>,
    /// Encrypt assertions to this SP certificate (PEM), when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_certificate: Option<String>,
    /// Where the portal sends users after an IdP-initiated sign-in (the RelayState), if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_url: Option<String>,
    /// When it was registered (RFC 3339).
    pub created: String,
}

/// The application with this id.
pub fn load(
    tx: &mut dyn Transaction,
    id: &str,
    now: i64,
) -> Result<Option<Application>, StoreError> {
    tx.record_get(APPS, id, now)?
        .map(|doc| serde_json::from_value(doc).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()
}

/// Every application, oldest first.
pub fn list(tx: &mut dyn Transaction, now: i64) -> Result<Vec<Application>, StoreError> {
    tx.record_list(APPS, now)?
        .into_iter()
        .map(|(_, doc)| serde_json::from_value(doc).map_err(|e| StoreError::Corrupt(e.to_string())))
        .collect()
}

/// Stores an application (insert or replace). It does not take the entity ID
/// ([`claim_entity_id`]): the admin API does both in one transaction, so applications saved
/// here directly (tests) are not found by [`find_by_entity_id`].
pub fn save(tx: &mut dyn Transaction, app: &Application) -> Result<(), StoreError> {
    let doc = serde_json::to_value(app).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.record_put(APPS, &app.id, &doc, None)
}

/// An application's certificates with their keys.
pub fn load_certificates(
    tx: &mut dyn Transaction,
    id: &str,
    now: i64,
) -> Result<Option<CertificateSet>, StoreError> {
    tx.record_get(APP_CERTIFICATES, id, now)?
        .map(|doc| serde_json::from_value(doc).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()
}

/// Stores an application's certificates (insert or replace).
pub fn save_certificates(
    tx: &mut dyn Transaction,
    id: &str,
    set: &CertificateSet,
) -> Result<(), StoreError> {
    let doc = serde_json::to_value(set).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.record_put(APP_CERTIFICATES, id, &doc, None)
}

/// Deletes an application, its certificates and its entity ID; false when there was none.
pub fn delete(tx: &mut dyn Transaction, id: &str) -> Result<bool, StoreError> {
    if let Some(app) = load(tx, id, 0)? {
        release_entity_id(tx, &app.entity_id, id)?;
    }
    let existed = tx.record_delete(APPS, id)?;
    tx.record_delete(APP_CERTIFICATES, id)?;
    Ok(existed)
}

/// The application whose SP entity ID is `entity_id` (compared exactly, as SAML compares
/// entity IDs).
pub fn find_by_entity_id(
    tx: &mut dyn Transaction,
    entity_id: &str,
    now: i64,
) -> Result<Option<Application>, StoreError> {
    let Some(doc) = tx.record_get(APP_ENTITY_IDS, entity_id, now)? else {
        return Ok(None);
    };
    match doc.get("app").and_then(|a| a.as_str()) {
        Some(id) => load(tx, id, now),
        None => Err(StoreError::Corrupt(format!(
            "entity ID record {entity_id:?}"
        ))),
    }
}

/// Takes `entity_id` for application `app_id`: true when it was free (or already this
/// application's), false when another application holds it.
pub fn claim_entity_id(
    tx: &mut dyn Transaction,
    entity_id: &str,
    app_id: &str,
) -> Result<bool, StoreError> {
    let doc = serde_json::json!({ "app": app_id });
    if tx.record_insert_new(APP_ENTITY_IDS, entity_id, &doc, None, 0)? {
        return Ok(true);
    }
    let holder = tx.record_get(APP_ENTITY_IDS, entity_id, 0)?;
    Ok(holder
        .as_ref()
        .and_then(|d| d.get("app"))
        .and_then(|a| a.as_str())
        == Some(app_id))
}

/// Frees `entity_id` if application `app_id` holds it.
pub fn release_entity_id(
    tx: &mut dyn Transaction,
    entity_id: &str,
    app_id: &str,
) -> Result<(), StoreError> {
    let holder = tx.record_get(APP_ENTITY_IDS, entity_id, 0)?;
    if holder
        .as_ref()
        .and_then(|d| d.get("app"))
        .and_then(|a| a.as_str())
        == Some(app_id)
    {
        tx.record_delete(APP_ENTITY_IDS, entity_id)?;
    }
    Ok(())
}

/// Whether user `user_id` may sign into `app`: assigned directly, or through a group the
/// user is a direct member of (AWS does not expand nested groups either). A user that no
/// longer exists is not assigned.
pub fn is_assigned(
    tx: &mut dyn Transaction,
    app: &Application,
    user_id: &str,
) -> Result<bool, StoreError> {
    if tx.get(ResourceKind::User, user_id)?.is_none() {
        return Ok(false);
    }
    if app
        .assignments
        .iter()
        .any(|a| a.kind == PrincipalKind::User && a.id == user_id)
    {
        return Ok(true);
    }
    let groups = tx.groups_of(user_id)?;
    Ok(app
        .assignments
        .iter()
        .any(|a| a.kind == PrincipalKind::Group && groups.iter().any(|g| g.id == a.id)))
}
