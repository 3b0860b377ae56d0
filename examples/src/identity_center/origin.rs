//! Who created a user or group: SCIM (automatic provisioning) or an administrator (manual
//! provisioning). AWS IAM Identity Center makes the resources an IdP provisioned read-only in
//! its console once automatic provisioning is on, so that the IdP stays their one source of
//! truth; identity-center does the same in the admin API and console. The creator is written
//! in the creating transaction (record namespace [`ORIGINS`], keyed by resource id) and
//! removed with the resource.

use serde_json::{Value, json};

use crate::identity_center::store::{StoreError, Transaction};

/// Record namespace of creators.
pub const ORIGINS: &str = "origin";

/// Who created a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The SCIM API (an IdP's automatic provisioning): read-only to administrators.
    Scim,
    /// The admin API or console (manual provisioning): editable there.
    Admin,
}

impl Origin {
    /// `scim` or `admin`, as stored and as the admin API shows it (`managedBy`).
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Scim => "scim",
            Origin::Admin => "admin",
        }
    }
}

/// Records the creator of resource `id`.
pub fn record(tx: &mut dyn Transaction, id: &str, origin: Origin) -> Result<(), StoreError> {
    tx.record_put(ORIGINS, id, &json!({ "source": origin.as_str() }), None)
}

/// The creator of resource `id`. A resource without a record predates manual provisioning,
/// when SCIM was the only way in, so it counts as SCIM's.
pub fn of(tx: &mut dyn Transaction, id: &str) -> Result<Origin, StoreError> {
    let doc = tx.record_get(ORIGINS, id, 0)?;
    Ok(
        match doc
            .as_ref()
            .and_then(|d| d.get("source"))
            .and_then(Value::as_str)
        {
            Some("admin") => Origin::Admin,
            _ => Origin::Scim,
        },
    )
}

/// Forgets the creator of a deleted resource.
pub fn forget(tx: &mut dyn Transaction, id: &str) -> Result<(), StoreError> {
    tx.record_delete(ORIGINS, id).map(|_| ())
}
