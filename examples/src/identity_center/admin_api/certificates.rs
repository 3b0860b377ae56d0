//! An application's signing certificates, AWS's rules (fedkit-certs [`CertificateSet`]): at
//! most two, one active that signs, new ones inactive, activation in one step, only an
//! inactive one deleted. The private keys never leave the store.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use fedkit_certs::{
    CertificateSet, DEFAULT_WARN_DAYS, DigestAlgorithm, DistinguishedName, Fingerprint, PrivateKey,
    RsaKeySize, SelfSignedLeaf, SigningCredential,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AdminError, Payload, authorize, blocking, load_app, read_payload, reply, transaction};
use crate::identity_center::apps;
use crate::identity_center::store::Transaction;
use crate::identity_center::web::AppState;

/// Longest validity offered, in months (10 years). AWS takes a validity in months and does
/// not document a range; one month is the shortest, which also gives an "expiring"
/// certificate at once (90 days or less left).
pub const MAX_VALIDITY_MONTHS: u32 = 120;
/// Validity of a certificate when none is asked for: AWS's five years.
pub const DEFAULT_VALIDITY_MONTHS: u32 = 60;

/// Validity and key size of a new certificate.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CertificateOptions {
    months: u32,
    key_size: RsaKeySize,
}

impl CertificateOptions {
    /// The options asked for, defaults filled in: 60 months, RSA 2048 (as AWS generates).
    pub(crate) fn check(months: Option<u32>, key_size: Option<u32>) -> Result<Self, AdminError> {
        let months = months.unwrap_or(DEFAULT_VALIDITY_MONTHS);
        if !(1..=MAX_VALIDITY_MONTHS).contains(&months) {
            return Err(AdminError::InvalidCertificateValidity(MAX_VALIDITY_MONTHS));
        }
        let key_size = match key_size.unwrap_or(2048) {
            2048 => RsaKeySize::Bits2048,
            3072 => RsaKeySize::Bits3072,
            other => return Err(AdminError::InvalidKeySize(other)),
        };
        Ok(CertificateOptions { months, key_size })
    }
}

/// A new key and self-signed certificate for application `app_id` (slow: run it blocking).
pub(crate) fn generate(
    app_id: &str,
    options: CertificateOptions,
    now: DateTime<Utc>,
) -> Result<SigningCredential, AdminError> {
    let failed = |e: fedkit_certs::Error| AdminError::Internal(format!("certificate: {e}"));
    let mut rng = getrandom::rand_core::UnwrapErr(getrandom::SysRng);
    let key = PrivateKey::generate_rsa(&mut rng, options.key_size).map_err(failed)?;
    // Subject in AWS's shape: a common name naming the application, and the organisation.
    let subject = DistinguishedName::new()
        .common_name(format!("identity-center {app_id}"))
        .organization("fedkit identity-center");
    let certificate = SelfSignedLeaf::new(subject)
        .validity_months(options.months)
        .build(&key, now, &mut rng)
        .map_err(failed)?;
    SigningCredential::new(key, certificate).map_err(failed)
}

/// The id of a certificate in URLs: its SHA-256 fingerprint, lower-case hex without colons.
fn certificate_id(fingerprint: &Fingerprint) -> String {
    fingerprint
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn certificate_json(credential: &SigningCredential, active: bool, now: DateTime<Utc>) -> Value {
    let certificate = credential.certificate();
    json!({
        "id": certificate_id(certificate.sha256_fingerprint()),
        "status": if active { "active" } else { "inactive" },
        "validity": certificate.status(now, DEFAULT_WARN_DAYS).as_str(),
        "notBefore": certificate.not_before().to_rfc3339_opts(SecondsFormat::Secs, true),
        "notAfter": certificate.not_after().to_rfc3339_opts(SecondsFormat::Secs, true),
        "subject": certificate.subject(),
        "serialNumber": certificate.serial_hex(),
        "keySize": certificate.public_key().bits(),
        "sha1Fingerprint": certificate.sha1_fingerprint().to_colon_hex(),
        "sha256Fingerprint": certificate.sha256_fingerprint().to_colon_hex(),
        "certificate": certificate.to_pem(),
    })
}

fn set_json(set: &CertificateSet, now: DateTime<Utc>) -> Value {
    let items: Vec<Value> = set
        .iter()
        .map(|(credential, active)| certificate_json(credential, active, now))
        .collect();
    json!({ "certificates": items, "maxCertificates": set.max_certificates() })
}

fn load_set(
    tx: &mut dyn Transaction,
    app_id: &str,
    now: DateTime<Utc>,
) -> Result<CertificateSet, AdminError> {
    load_app(tx, app_id, now)?;
    apps::load_certificates(tx, app_id, now.timestamp())?.ok_or_else(|| {
        AdminError::Store(crate::identity_center::store::StoreError::Corrupt(format!(
            "application {app_id} has no certificates"
        )))
    })
}

fn parse_id(cid: &str) -> Result<Fingerprint, AdminError> {
    Fingerprint::parse(DigestAlgorithm::Sha256, cid)
        .map_err(|_| AdminError::CertificateNotFound(cid.to_owned()))
}

fn rule_error(error: fedkit_certs::Error, cid: &str) -> AdminError {
    match error {
        fedkit_certs::Error::CertificateSetFull { limit } => AdminError::CertificateLimit(limit),
        fedkit_certs::Error::CannotRemoveActive => AdminError::CertificateActive,
        fedkit_certs::Error::LastValidCertificate => AdminError::LastValidCertificate,
        fedkit_certs::Error::CertificateNotFound => AdminError::CertificateNotFound(cid.to_owned()),
        fedkit_certs::Error::CertificateExpired { .. }
        | fedkit_certs::Error::CertificateNotYetValid { .. } => AdminError::CertificateNotValid,
        other => AdminError::Internal(format!("certificate set: {other}")),
    }
}

/// `GET /admin/applications/{id}/certificates`.
pub(super) async fn list(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = transaction(state, headers, move |tx, _, now| {
        let set = load_set(tx, &id, now)?;
        Ok(reply(StatusCode::OK, set_json(&set, now)))
    })
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// The optional body of `POST …/certificates`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewCertificate {
    validity_months: Option<u32>,
    key_size: Option<u32>,
}

/// `POST /admin/applications/{id}/certificates`: a new inactive certificate. Refused before
/// key generation when the set is full, and checked again in the transaction that adds it.
pub(super) async fn create(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let payload = read_payload(&state, &headers, body).await;
        let now = Utc::now();
        let worker = Arc::clone(&state);
        let check_id = id.clone();
        let check_headers = headers.clone();
        let options = blocking(move || {
            let mut tx = worker.store().begin()?;
            authorize(&mut *tx, &check_headers)?;
            let request: NewCertificate = match payload? {
                Payload::Empty => NewCertificate::default(),
                Payload::Json(value) => serde_json::from_value(value)
                    .map_err(|e| AdminError::InvalidBody(e.to_string()))?,
                Payload::Metadata(_) => {
                    return Err(AdminError::UnsupportedMediaType(
                        "application/samlmetadata+xml".into(),
                    ));
                }
            };
            let options = CertificateOptions::check(request.validity_months, request.key_size)?;
            let set = load_set(&mut *tx, &check_id, now)?;
            if set.len() >= set.max_certificates() {
                return Err(AdminError::CertificateLimit(set.max_certificates()));
            }
            Ok(options)
        })
        .await?;
        let app_id = id.clone();
        let credential = blocking(move || generate(&app_id, options, now)).await?;
        transaction(state, headers, move |tx, _, now| {
            let mut set = load_set(tx, &id, now)?;
            let active = false;
            let view = certificate_json(&credential, active, now);
            set.add(credential).map_err(|e| rule_error(e, ""))?;
            apps::save_certificates(tx, &id, &set)?;
            Ok(reply(StatusCode::CREATED, view))
        })
        .await
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /admin/applications/{id}/certificates/{cid}/activate`: the certificate signs from
/// now on; the one before becomes inactive.
pub(super) async fn activate(
    State(state): State<Arc<AppState>>,
    Path((id, cid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let result = transaction(state, headers, move |tx, _, now| {
        let fingerprint = parse_id(&cid)?;
        let mut set = load_set(tx, &id, now)?;
        set.activate(&fingerprint, now)
            .map_err(|e| rule_error(e, &cid))?;
        apps::save_certificates(tx, &id, &set)?;
        Ok(reply(StatusCode::OK, set_json(&set, now)))
    })
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `DELETE /admin/applications/{id}/certificates/{cid}`: only an inactive certificate.
pub(super) async fn remove(
    State(state): State<Arc<AppState>>,
    Path((id, cid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let result = transaction(state, headers, move |tx, _, now| {
        let fingerprint = parse_id(&cid)?;
        let mut set = load_set(tx, &id, now)?;
        set.remove(&fingerprint, now)
            .map_err(|e| rule_error(e, &cid))?;
        apps::save_certificates(tx, &id, &set)?;
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}
