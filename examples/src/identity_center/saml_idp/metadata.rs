//! Per-application IdP metadata and the active certificate's PEM.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use fedkit_certs::MetadataPublication;
use fedkit_saml::names::{BINDING_HTTP_POST, BINDING_HTTP_REDIRECT};
use fedkit_saml::{Endpoint, EntityDescriptor, KeyDescriptor, KeyUse, RoleDescriptor};

use super::{SsoError, endpoint, entity_id, load_app};
use crate::identity_center::apps;
use crate::identity_center::http::query_pairs;
use crate::identity_center::web::AppState;

/// Which certificates `?certificates=` asks for: `active` (the default, what AWS publishes)
/// or `next` (active first, then the inactive one, so SPs can trust it before it signs).
fn publication(query: Option<&str>) -> Result<MetadataPublication, SsoError> {
    let mut publication = MetadataPublication::ActiveOnly;
    for (name, value) in query_pairs(query) {
        if name == "certificates" {
            publication = match value.as_str() {
                "active" => MetadataPublication::ActiveOnly,
                "next" => MetadataPublication::ActiveAndNext,
                _ => return Err(SsoError::CertificatesParameterInvalid),
            };
        }
    }
    Ok(publication)
}

/// The metadata document of application `app_id`.
pub(super) fn metadata_xml(
    state: &AppState,
    app_id: &str,
    publication: MetadataPublication,
    now: DateTime<Utc>,
) -> Result<String, SsoError> {
    let mut tx = state.store().begin()?;
    let app = load_app(tx.as_mut(), app_id, now.timestamp())?;
    let set = apps::load_certificates(tx.as_mut(), &app.id, now.timestamp())?
        .ok_or(SsoError::CertificateMissing)?;
    let at = |leaf: &str| {
        let location = endpoint(state, &app.id, leaf);
        [BINDING_HTTP_REDIRECT, BINDING_HTTP_POST].map(|binding| Endpoint {
            binding: binding.to_owned(),
            location: location.clone(),
            response_location: None,
            index: None,
            is_default: false,
        })
    };
    let descriptor = EntityDescriptor {
        entity_id: entity_id(state, &app.id),
        valid_until: None,
        idp: Some(RoleDescriptor {
            // One KeyDescriptor per certificate: what SPs (python3-saml's x509certMulti,
            // Shibboleth) read as several trusted signing keys.
            keys: set
                .metadata_certificates(publication)
                .into_iter()
                .map(|certificate| KeyDescriptor {
                    key_use: KeyUse::Signing,
                    certificates: vec![certificate.clone()],
                })
                .collect(),
            single_logout: at("slo").into(),
            name_id_formats: vec![app.name_id.format.clone()],
            services: at("sso").into(),
            requests_signed: app.require_signed_requests,
            want_assertions_signed: false,
        }),
        sp: None,
    };
    Ok(descriptor.to_xml())
}

/// `GET /saml/APP/metadata`.
pub(super) fn metadata(
    state: &AppState,
    app_id: &str,
    query: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Response, SsoError> {
    let xml = metadata_xml(state, app_id, publication(query)?, now)?;
    let mut response = (StatusCode::OK, xml).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/samlmetadata+xml"),
    );
    Ok(response)
}

/// `GET /saml/APP/certificate`: the active certificate, as a download.
pub(super) fn certificate(
    state: &AppState,
    app_id: &str,
    now: DateTime<Utc>,
) -> Result<Response, SsoError> {
    let mut tx = state.store().begin()?;
    let app = load_app(tx.as_mut(), app_id, now.timestamp())?;
    let set = apps::load_certificates(tx.as_mut(), &app.id, now.timestamp())?
        .ok_or(SsoError::CertificateMissing)?;
    let mut response = (StatusCode::OK, set.active().certificate().to_pem()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-pem-file"),
    );
    // The id is a path segment axum decoded; only its safe characters go into the file name.
    let file: String = app
        .id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"identity-center-{file}.pem\""
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
