//! Sign-in through an external IdP (`--external-idp-metadata`): identity-center is then a SAML
//! SP to it, as AWS IAM Identity Center is to Okta or Entra ID, and password sign-in is off.
//!
//! 1. `GET /login` sends an AuthnRequest (HTTP-Redirect, NameIDPolicy emailAddress; signed
//!    with [`sp_signing`]'s key when the IdP's metadata says `WantAuthnRequestsSigned`, else
//!    unsigned, as AWS sends them) to the IdP's SingleSignOnService. Its ID is stored for 10 minutes with where to go
//!    afterwards and the hash of a random browser nonce set as a cookie; RelayState is the
//!    request ID, an opaque key, never a URL.
//! 2. `POST /external/acs` validates the response (fedkit-saml: signature by one of the
//!    metadata's signing certificates, audience `{public_url}/external/metadata`, destination,
//!    InResponseTo an outstanding request, one-time assertion ID), then matches the
//!    emailAddress NameID to a provisioned user: userName (case-insensitive), else an email
//!    value. SAML creates no users: they must come over SCIM first.
//! 3. The IdP's POST is cross-site, so it carries no SameSite=Lax cookie; the ACS answers 303
//!    to `GET /external/complete`, a top-level navigation that does. There the browser nonce
//!    must match the one the request was sent with (so nobody can post their own response into
//!    someone else's browser), and the session starts.

pub mod sp_signing;
mod store_state;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use fedkit_saml::names::{BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, NAMEID_EMAIL};
use fedkit_saml::{
    AuthnRequest, Endpoint, EntityDescriptor, KeyDescriptor, KeyUse, PostField, RoleDescriptor,
    ServiceProvider, Signer, redirect_url,
};
use serde_json::{Value, json};

use super::directory::{self, Lookup};
use super::login_csrf;
use super::{append_cookies, blocking, field, next_or_root, read_form, see_other, start_session};
use crate::identity_center::html;
use crate::identity_center::http::query_pairs;
use crate::identity_center::store::{StoreError, Transaction};
use crate::identity_center::tokens;
use crate::identity_center::web::AppState;
pub use store_state::{EXTERNAL_ASSERTIONS, EXTERNAL_REQUESTS, StoreState};

/// Record namespace of verified sign-ins waiting for `GET /external/complete`.
pub const EXTERNAL_LOGINS: &str = "external-login";
/// How long an AuthnRequest sent to the IdP may be answered: 10 minutes.
pub const REQUEST_SECONDS: i64 = 10 * 60;
/// How long a verified sign-in waits for the browser's `GET /external/complete`: 2 minutes.
pub const COMPLETE_SECONDS: i64 = 2 * 60;
/// Largest ACS form body read: fedkit-saml's default message limit (256 KiB) in base64 plus
/// form encoding and RelayState.
pub const MAX_ACS_FORM_BYTES: usize = 512 << 10;

/// identity-center's entity ID as an SP to the external IdP.
pub fn sp_entity_id(state: &AppState) -> String {
    format!("{}/external/metadata", state.config.public_url)
}

/// identity-center's assertion consumer service URL.
pub fn acs_url(state: &AppState) -> String {
    format!("{}/external/acs", state.config.public_url)
}

/// The routes of this module.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/external/metadata", get(metadata))
        .route("/external/acs", post(acs))
        .route("/external/complete", get(complete))
}

fn cookie_name(state: &AppState) -> &'static str {
    if state.config.secure_cookies {
        "__Host-fedkit_external"
    } else {
        "fedkit_external"
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    html::error_page(status, "Sign-in failed", code, message)
}

/// The SP metadata to register at the upstream IdP, with the key AuthnRequests are signed with
/// when the IdP wants them signed.
pub fn sp_metadata(state: &AppState, signing: &fedkit_certs::Certificate) -> EntityDescriptor {
    EntityDescriptor {
        entity_id: sp_entity_id(state),
        valid_until: None,
        idp: None,
        sp: Some(RoleDescriptor {
            keys: vec![KeyDescriptor {
                key_use: KeyUse::Signing,
                certificates: vec![signing.clone()],
            }],
            single_logout: Vec::new(),
            name_id_formats: vec![NAMEID_EMAIL.to_owned()],
            services: vec![Endpoint {
                binding: BINDING_HTTP_POST.to_owned(),
                location: acs_url(state),
                response_location: None,
                index: Some(0),
                is_default: true,
            }],
            requests_signed: false,
            want_assertions_signed: true,
        }),
    }
}

async fn metadata(State(state): State<Arc<AppState>>) -> Response {
    blocking(state, |state| {
        let credential = sp_signing::credential(state, Utc::now())?;
        let xml = sp_metadata(state, credential.certificate()).to_xml();
        let mut response = (StatusCode::OK, xml).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/samlmetadata+xml"),
        );
        Ok(response)
    })
    .await
}

/// The signer for AuthnRequests to `idp`: `Some` when its metadata says
/// `WantAuthnRequestsSigned` (the key is made on first use, outside any transaction).
pub fn request_signer(
    state: &AppState,
    idp: &EntityDescriptor,
    now: DateTime<Utc>,
) -> Result<Option<Signer>, StoreError> {
    if !idp.idp.as_ref().is_some_and(|role| role.requests_signed) {
        return Ok(None);
    }
    let credential = sp_signing::credential(state, now)?;
    Signer::new(&credential, fedkit_certs::default_provider())
        .map(Some)
        .map_err(|e| StoreError::Corrupt(format!("external SP key: {e}")))
}

/// Sends the browser to the external IdP with a new AuthnRequest; `next` is where it returns.
/// `force_authn` passes an application's ForceAuthn upstream, so the IdP asks the user again.
pub fn start(
    state: &AppState,
    tx: &mut dyn Transaction,
    idp: &EntityDescriptor,
    next: &str,
    now: DateTime<Utc>,
    signer: Option<&Signer>,
    force_authn: bool,
) -> Result<Response, StoreError> {
    let Some(sso) = idp
        .idp
        .as_ref()
        .and_then(|role| role.service(BINDING_HTTP_REDIRECT))
    else {
        return Ok(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "external_idp_misconfigured",
            "The external identity provider's metadata has no HTTP-Redirect SingleSignOnService.",
        ));
    };
    let mut rng = getrandom::rand_core::UnwrapErr(getrandom::SysRng);
    let mut request = AuthnRequest::new(
        sp_entity_id(state),
        sso.location.clone(),
        acs_url(state),
        now,
        &mut rng,
    );
    request.name_id_format = Some(NAMEID_EMAIL.to_owned());
    request.force_authn = force_authn;
    let nonce = login_csrf::random_nonce()?;
    let record = json!({ "next": next, "browser": tokens::hash(&nonce) });
    let now_s = now.timestamp();
    if !tx.record_insert_new(
        EXTERNAL_REQUESTS,
        &request.id,
        &record,
        Some(now_s.saturating_add(REQUEST_SECONDS)),
        now_s,
    )? {
        return Err(StoreError::Corrupt("AuthnRequest ID collision".into()));
    }
    let Ok(url) = redirect_url(
        &sso.location,
        PostField::Request,
        &request.to_xml(),
        Some(&request.id),
        signer,
        &mut rng,
    ) else {
        return Ok(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "external_idp_misconfigured",
            "The AuthnRequest could not be encoded.",
        ));
    };
    let cookie = login_csrf::set_cookie(state, cookie_name(state), &nonce, REQUEST_SECONDS);
    Ok(see_other(&url, &[cookie]))
}

fn acs_post(state: &AppState, form: &[(String, String)]) -> Result<Response, StoreError> {
    let Some(idp) = &state.config.external_idp else {
        return Ok(error(
            StatusCode::NOT_FOUND,
            "external_idp_not_configured",
            "This portal does not sign in through an external identity provider.",
        ));
    };
    let Some(saml_response) = field(form, "SAMLResponse") else {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "saml_response_missing",
            "The identity provider's answer had no SAMLResponse.",
        ));
    };
    let Ok(trust) = idp.idp_signing_trust() else {
        return Ok(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "external_idp_misconfigured",
            "The external identity provider's metadata has no usable signing certificate.",
        ));
    };
    let sp = ServiceProvider::new(sp_entity_id(state), acs_url(state), &idp.entity_id, trust);
    let now = Utc::now();
    let mut tx = state.store().begin()?;
    let adapters = StoreState::new(tx.as_mut());
    let outcome = sp.validate_post(
        saml_response,
        now,
        &mut adapters.tracker(),
        &mut adapters.replay_cache(),
    );
    let request = adapters.finish()?;
    let verified = match outcome {
        Ok(verified) => verified,
        Err(e) => {
            return Ok(error(
                StatusCode::BAD_REQUEST,
                e.code(),
                &format!("The identity provider's response was refused: {e}."),
            ));
        }
    };
    let name_id = verified.name_id();
    if name_id.format.as_deref() != Some(NAMEID_EMAIL) {
        return Ok(error(
            StatusCode::FORBIDDEN,
            "name_id_format_unsupported",
            "The identity provider must send the NameID in emailAddress format.",
        ));
    }
    let user_id = match directory::find_user(tx.as_mut(), &name_id.value)? {
        Lookup::Found(id, doc) if directory::is_active(&doc) => id,
        Lookup::Found(..) => {
            return Ok(error(
                StatusCode::FORBIDDEN,
                "user_disabled",
                "Your account is disabled. Ask your administrator.",
            ));
        }
        Lookup::NotFound => {
            return Ok(error(
                StatusCode::FORBIDDEN,
                "user_not_provisioned",
                "No user with this email address has been provisioned. Ask your administrator.",
            ));
        }
        Lookup::Ambiguous => {
            return Ok(error(
                StatusCode::FORBIDDEN,
                "user_ambiguous",
                "Several users have this email address, so it names none of them.",
            ));
        }
    };
    // Solicited responses only (the default), so the request record exists here.
    let request = request.unwrap_or(Value::Null);
    let text = |key: &str| request.get(key).and_then(Value::as_str).unwrap_or("");
    let key = login_csrf::random_nonce()?;
    let now_s = now.timestamp();
    tx.record_put(
        EXTERNAL_LOGINS,
        &tokens::hash(&key),
        &json!({ "user_id": user_id, "next": text("next"), "browser": text("browser") }),
        Some(now_s.saturating_add(COMPLETE_SECONDS)),
    )?;
    tx.commit()?;
    Ok(see_other(
        &format!("/external/complete?login={}", super::percent_encode(&key)),
        &[],
    ))
}

async fn acs(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let Some(form) = read_form(request.into_body(), MAX_ACS_FORM_BYTES).await else {
        return super::form_too_large();
    };
    blocking(state, move |state| acs_post(state, &form)).await
}

fn complete_get(
    state: &AppState,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Response, StoreError> {
    let pairs = query_pairs(query);
    let key = tokens::hash(field(&pairs, "login").unwrap_or(""));
    let now = Utc::now().timestamp();
    let mut tx = state.store().begin()?;
    let Some(login) = tx.record_get(EXTERNAL_LOGINS, &key, now)? else {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "external_login_unknown",
            "This sign-in link is unknown, used or expired. Sign in again.",
        ));
    };
    let text = |key: &str| login.get(key).and_then(Value::as_str).unwrap_or("");
    let browser = login_csrf::cookie(headers, cookie_name(state))
        .map(tokens::hash)
        .unwrap_or_default();
    if text("browser").is_empty()
        || !crate::identity_center::session::constant_time_eq(
            browser.as_bytes(),
            text("browser").as_bytes(),
        )
    {
        return Ok(error(
            StatusCode::FORBIDDEN,
            "external_login_wrong_browser",
            "This sign-in was started in another browser. Sign in again from this one.",
        ));
    }
    tx.record_delete(EXTERNAL_LOGINS, &key)?;
    let mut cookies = start_session(
        state,
        tx.as_mut(),
        headers,
        text("user_id"),
        "external",
        now,
    )?;
    tx.commit()?;
    cookies.push(login_csrf::set_cookie(state, cookie_name(state), "", 0));
    let next = next_or_root(Some(text("next")));
    let mut response = see_other(&next, &[]);
    append_cookies(&mut response, &cookies);
    Ok(response)
}

async fn complete(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let query = parts.uri.query().map(str::to_owned);
    blocking(state, move |state| {
        complete_get(state, &parts.headers, query.as_deref())
    })
    .await
}
