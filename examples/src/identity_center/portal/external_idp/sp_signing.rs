//! identity-center's own signing key as an SP to the external IdP, for IdPs whose metadata says
//! `WantAuthnRequestsSigned`: RSA 2048 with a 60-month self-signed certificate, made on first
//! use and kept in the store (one record; the first of several instances to insert it wins, the
//! others read its key), published in `/external/metadata`.

use chrono::{DateTime, Utc};
use fedkit_certs::{
    CertificateSet, DistinguishedName, PrivateKey, RsaKeySize, SelfSignedLeaf, SigningCredential,
};

use crate::identity_center::store::{StoreError, Transaction};
use crate::identity_center::web::{AppState, SECRETS};

/// The record key (namespace [`SECRETS`]) of the credential.
pub const SP_CREDENTIAL: &str = "external-sp-credential";

/// Validity of the generated certificate, in months (AWS's default for its certificates).
pub const VALIDITY_MONTHS: u32 = 60;

fn load(tx: &mut dyn Transaction) -> Result<Option<SigningCredential>, StoreError> {
    tx.record_get(SECRETS, SP_CREDENTIAL, 0)?
        .map(|doc| {
            serde_json::from_value::<CertificateSet>(doc)
                .map(|set| set.active().clone())
                .map_err(|e| StoreError::Corrupt(format!("external SP credential: {e}")))
        })
        .transpose()
}

/// The credential, made and stored if there is none yet. Slow the first time (RSA key
/// generation, outside any transaction): call it on a blocking thread.
pub fn credential(state: &AppState, now: DateTime<Utc>) -> Result<SigningCredential, StoreError> {
    if let Some(credential) = load(state.store().begin()?.as_mut())? {
        return Ok(credential);
    }
    let failed = |e: fedkit_certs::Error| StoreError::Database(format!("SP key: {e}"));
    let mut rng = getrandom::rand_core::UnwrapErr(getrandom::SysRng);
    let key = PrivateKey::generate_rsa(&mut rng, RsaKeySize::Bits2048).map_err(failed)?;
    let subject = DistinguishedName::new()
        .common_name("identity-center external IdP sign-in")
        .organization("fedkit identity-center");
    let certificate = SelfSignedLeaf::new(subject)
        .validity_months(VALIDITY_MONTHS)
        .build(&key, now, &mut rng)
        .map_err(failed)?;
    let set = CertificateSet::new(SigningCredential::new(key, certificate).map_err(failed)?);
    let doc = serde_json::to_value(&set).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut tx = state.store().begin()?;
    tx.record_insert_new(SECRETS, SP_CREDENTIAL, &doc, None, 0)?;
    let stored = load(tx.as_mut())?
        .ok_or_else(|| StoreError::Corrupt("external SP credential missing after insert".into()))?;
    tx.commit()?;
    Ok(stored)
}
