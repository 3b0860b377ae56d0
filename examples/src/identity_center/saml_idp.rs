//! identity-center as the SAML 2.0 identity provider of its applications (fedkit-saml for the
//! protocol, fedkit-certs for each application's rotating signing certificates).
//!
//! Per application APP, with the entity ID `{public_url}/saml/APP`:
//!
//! | route | what |
//! |---|---|
//! | `GET /saml/APP/metadata` | IdP metadata: the active certificate, or active and next with `?certificates=next` |
//! | `GET /saml/APP/certificate` | the active certificate as PEM |
//! | `GET /saml/APP/sso` | an AuthnRequest over HTTP-Redirect |
//! | `POST /saml/APP/sso` | an AuthnRequest over HTTP-POST |
//! | `GET /saml/APP/resume/PENDING` | finishes a request that waited for sign-in |
//! | `POST /saml/APP/initiate` | IdP-initiated sign-in from the portal (form field `csrf`) |
//! | `GET`, `POST /saml/APP/slo` | single logout: the SP's LogoutRequest, or its LogoutResponse to ours |
//!
//! Every request runs in one store transaction on a blocking thread, committed only when it
//! succeeds, so a refused request consumes no AuthnRequest ID and no pending sign-in.

mod assertion;
mod authn;
mod error;
mod logout;
mod metadata;

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use fedkit_certs::{Certificate, TrustSet};

use crate::identity_center::apps::{self, Application};
use crate::identity_center::html;
use crate::identity_center::store::Transaction;
use crate::identity_center::web::AppState;

pub use error::SsoError;
pub use logout::logout_requests;

/// Record namespace of AuthnRequest IDs already received (one-time, until they would expire).
pub const AUTHN_REQUEST_IDS: &str = "saml-authn-request";
/// Record namespace of sign-ins waiting for the user to sign in.
pub const PENDING: &str = "saml-pending";
/// Record namespace of SessionIndex values handed out, for single logout.
pub const SESSION_INDEXES: &str = "saml-session-index";
/// Record namespace of LogoutRequests this IdP sent and still waits for.
pub const LOGOUT_REQUESTS: &str = "saml-logout-request";
/// Largest form body the SSO, SLO and initiate endpoints read (413 `form_too_large` above, an
/// HTML page like every refusal): fedkit-saml's default message limit (256 KiB) in base64 plus
/// form encoding and RelayState, as `/external/acs`.
pub const MAX_FORM_BYTES: usize = 512 << 10;

/// The IdP entity ID for an application.
pub fn entity_id(state: &AppState, app_id: &str) -> String {
    format!("{}/saml/{app_id}", state.config.public_url)
}

fn endpoint(state: &AppState, app_id: &str, leaf: &str) -> String {
    format!("{}/saml/{app_id}/{leaf}", state.config.public_url)
}

/// The OS random source, as the handlers use it.
fn rng() -> getrandom::rand_core::UnwrapErr<getrandom::SysRng> {
    getrandom::rand_core::UnwrapErr(getrandom::SysRng)
}

/// A random URL-safe token: 32 bytes from the OS, base64url.
fn random_token() -> String {
    use base64::Engine as _;
    use fedkit_certs::rand_core::Rng as _;
    let mut bytes = [0u8; 32];
    rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The application, or [`SsoError::AppNotFound`].
fn load_app(tx: &mut dyn Transaction, app_id: &str, now: i64) -> Result<Application, SsoError> {
    apps::load(tx, app_id, now)?.ok_or_else(|| SsoError::AppNotFound(app_id.to_owned()))
}

/// The SP's signing certificates as a trust set (empty when it registered none).
fn sp_trust(app: &Application) -> Result<TrustSet, SsoError> {
    let mut trust = TrustSet::new();
    for pem in &app.sp_signing_certificates {
        let certificate = Certificate::parse(pem).map_err(|e| {
            SsoError::AppConfigurationInvalid(format!("SP signing certificate: {e}"))
        })?;
        match trust.import(certificate) {
            Ok(_) | Err(fedkit_certs::Error::DuplicateCertificate) => {}
            Err(e) => {
                return Err(SsoError::AppConfigurationInvalid(format!(
                    "SP signing certificate: {e}"
                )));
            }
        }
    }
    Ok(trust)
}

/// A form body of at most [`MAX_FORM_BYTES`], as UTF-8 text.
async fn read_form(body: Body) -> Result<String, SsoError> {
    // One byte past the limit, so that exactly the limit passes and one more fails.
    let bytes = to_bytes(body, MAX_FORM_BYTES.saturating_add(1))
        .await
        .map_err(|_| SsoError::FormTooLarge)?;
    if bytes.len() > MAX_FORM_BYTES {
        return Err(SsoError::FormTooLarge);
    }
    String::from_utf8(bytes.to_vec()).map_err(|_| SsoError::FieldInvalid("the form is not UTF-8"))
}

/// Runs `work` on a blocking thread (the store is synchronous) with the current time, and
/// turns a refusal into its page.
async fn blocking<F>(state: Arc<AppState>, work: F) -> Response
where
    F: FnOnce(&AppState, DateTime<Utc>) -> Result<Response, SsoError> + Send + 'static,
{
    let now = Utc::now();
    match tokio::task::spawn_blocking(move || work(&state, now)).await {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => error.page(),
        Err(_) => SsoError::BuildFailed("worker_failed").page(),
    }
}

/// The routes of this module.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/saml/{app}/metadata", get(get_metadata))
        .route("/saml/{app}/certificate", get(get_certificate))
        .route("/saml/{app}/sso", get(sso_redirect).post(sso_post))
        .route("/saml/{app}/resume/{pending}", get(resume))
        .route("/saml/{app}/initiate", post(initiate))
        .route("/saml/{app}/slo", get(slo_redirect).post(slo_post))
}

async fn get_metadata(
    State(state): State<Arc<AppState>>,
    Path(app): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    blocking(state, move |state, now| {
        metadata::metadata(state, &app, query.as_deref(), now)
    })
    .await
}

async fn get_certificate(State(state): State<Arc<AppState>>, Path(app): Path<String>) -> Response {
    blocking(state, move |state, now| {
        metadata::certificate(state, &app, now)
    })
    .await
}

async fn sso_redirect(
    State(state): State<Arc<AppState>>,
    Path(app): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    blocking(state, move |state, now| {
        authn::receive(
            state,
            &app,
            authn::Binding::Redirect(query.as_deref().unwrap_or_default()),
            &headers,
            now,
        )
    })
    .await
}

async fn sso_post(
    State(state): State<Arc<AppState>>,
    Path(app): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let body = match read_form(body).await {
        Ok(body) => body,
        Err(error) => return error.page(),
    };
    blocking(state, move |state, now| {
        let body = body.as_str();
        authn::receive(state, &app, authn::Binding::Post(body), &headers, now)
    })
    .await
}

async fn resume(
    State(state): State<Arc<AppState>>,
    Path((app, pending)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    blocking(state, move |state, now| {
        authn::resume(state, &app, &pending, &headers, now)
    })
    .await
}

async fn initiate(
    State(state): State<Arc<AppState>>,
    Path(app): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let body = match read_form(body).await {
        Ok(body) => body,
        Err(error) => return error.page(),
    };
    blocking(state, move |state, now| {
        let body = body.as_str();
        assertion::initiate(state, &app, body, &headers, now)
    })
    .await
}

async fn slo_redirect(
    State(state): State<Arc<AppState>>,
    Path(app): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    blocking(state, move |state, now| {
        logout::receive(
            state,
            &app,
            authn::Binding::Redirect(query.as_deref().unwrap_or_default()),
            &headers,
            now,
        )
    })
    .await
}

async fn slo_post(
    State(state): State<Arc<AppState>>,
    Path(app): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let body = match read_form(body).await {
        Ok(body) => body,
        Err(error) => return error.page(),
    };
    blocking(state, move |state, now| {
        let body = body.as_str();
        logout::receive(state, &app, authn::Binding::Post(body), &headers, now)
    })
    .await
}

/// An HTML page that posts a SAML message to an SP as soon as it loads. The one place an
/// inline script runs: the form's `onload` submit (`post_form` escapes every value), so this
/// page alone allows inline script; nothing else is loaded.
fn auto_post(html: String, set_cookie: Option<String>) -> Response {
    let mut response = (StatusCode::OK, html).into_response();
    let headers = response.headers_mut();
    // The one page with a script: the POST binding's `onload` submit.
    html::secure_html_headers(
        headers,
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; form-action *; frame-ancestors 'none'",
    );
    if let Some(cookie) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        headers.append(header::SET_COOKIE, cookie);
    }
    response
}

/// Percent-encodes everything but RFC 3986 unreserved characters (a query parameter value).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
