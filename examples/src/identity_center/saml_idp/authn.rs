//! AuthnRequests received over HTTP-Redirect and HTTP-POST: checked, made one-time, then
//! answered at once (the user is signed in) or kept while the user signs in.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use fedkit_saml::names::{BINDING_HTTP_POST, NAMEID_UNSPECIFIED};
use fedkit_saml::{AuthnRequest, PostField, ReceivedMessage, RedirectLimits, RedirectQuery};
use fedkit_xml::Limits;
use fedkit_xmldsig::VerifyPolicy;
use serde::{Deserialize, Serialize};

use super::{
    AUTHN_REQUEST_IDS, PENDING, SsoError, assertion, endpoint, load_app, percent_encode,
    random_token, sp_trust,
};
use crate::identity_center::apps::Application;
use crate::identity_center::http::query_pairs;
use crate::identity_center::session::{self, constant_time_eq};
use crate::identity_center::store::Transaction;
use crate::identity_center::tokens;
use crate::identity_center::web::AppState;

/// The longest RelayState accepted, in bytes (SAML bindings §3.4.3 and §3.5.3: "MUST NOT
/// exceed 80 bytes").
pub const MAX_RELAY_STATE_BYTES: usize = 80;
/// How old an AuthnRequest's IssueInstant may be.
pub const MAX_REQUEST_AGE: TimeDelta = TimeDelta::minutes(5);
/// How far in the future an IssueInstant may be (the SP's clock may run ahead).
pub const CLOCK_SKEW: TimeDelta = TimeDelta::seconds(60);
/// How long a request waits for the user to sign in, in seconds.
pub const PENDING_SECONDS: i64 = 10 * 60;

/// The cookie binding a pending sign-in to the browser that started it.
const PENDING_COOKIE: &str = "fedkit_saml_pending";

/// How a message arrived.
pub(super) enum Binding<'a> {
    /// The raw query string of an HTTP-Redirect GET.
    Redirect(&'a str),
    /// The `application/x-www-form-urlencoded` body of an HTTP-POST.
    Post(&'a str),
}

/// A checked AuthnRequest, as kept while the user signs in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Checked {
    /// The application.
    pub app: String,
    /// The AuthnRequest ID (the response's InResponseTo).
    pub request_id: String,
    /// The SP's RelayState, returned unchanged.
    pub relay_state: Option<String>,
    /// IsPassive: the SP wants no sign-in page.
    pub is_passive: bool,
    /// ForceAuthn: the SP wants the user authenticated again (SAML core §3.4.1: the IdP "MUST
    /// authenticate the presenter directly rather than rely on a previous security context").
    #[serde(default)]
    pub force_authn: bool,
    /// When the request arrived (Unix seconds): with ForceAuthn only a session begun since
    /// then counts.
    #[serde(default)]
    pub received: i64,
    /// With ForceAuthn, the hash of the session the browser had when the request arrived,
    /// which never answers it (it may have begun in the same second).
    #[serde(default)]
    pub stale_session: Option<String>,
}

impl Checked {
    /// Whether `session` may answer this request: any live one, or with ForceAuthn one that
    /// began after the request arrived.
    fn accepts(&self, session: &session::Session) -> bool {
        !self.force_authn
            || (session.created >= self.received
                && self.stale_session.as_deref() != Some(tokens::hash(&session.id).as_str()))
    }
}

/// The one value of a form field; `None` when absent, an error when repeated.
pub(super) fn single_field<'a>(
    fields: &'a [(String, String)],
    name: &'static str,
    repeated: &'static str,
) -> Result<Option<&'a str>, SsoError> {
    let mut values = fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
    match (values.next(), values.next()) {
        (first, None) => Ok(first.map(String::as_str)),
        (_, Some(_)) => Err(SsoError::FieldInvalid(repeated)),
    }
}

/// The message of a binding: signature checked against the SP's certificates when present
/// (a present signature that does not verify is always refused), and required when the
/// application requires signed requests.
fn received(
    app: &Application,
    binding: &Binding<'_>,
    now: DateTime<Utc>,
) -> Result<ReceivedMessage, SsoError> {
    let trust = sp_trust(app)?;
    let policy = VerifyPolicy::default();
    let limits = Limits::default();
    let message = match binding {
        Binding::Redirect(query) => {
            let redirect_limits = RedirectLimits::default();
            let query = RedirectQuery::parse(query, &redirect_limits)?;
            let message = if query.is_signed() {
                if trust.is_empty() {
                    return Err(SsoError::SignatureInvalid("no_sp_certificates"));
                }
                query.verify(&trust, &policy, now, &redirect_limits)?
            } else {
                query.accept_unsigned(&redirect_limits)?
            };
            if message.field() != PostField::Request {
                return Err(SsoError::FieldInvalid("expected SAMLRequest"));
            }
            ReceivedMessage::from_redirect(&message, &limits)?
        }
        Binding::Post(body) => {
            let fields = query_pairs(Some(body));
            let value = single_field(&fields, "SAMLRequest", "SAMLRequest appears twice")?
                .ok_or(SsoError::FieldInvalid("expected SAMLRequest"))?;
            let relay = single_field(&fields, "RelayState", "RelayState appears twice")?;
            ReceivedMessage::from_post_unverified(value, relay, &trust, &policy, now, &limits)?
        }
    };
    if app.require_signed_requests && !message.is_signed() {
        return Err(SsoError::RequestUnsigned);
    }
    Ok(message)
}

/// Every check of an AuthnRequest for `app`, and its ID recorded as used (in `tx`: a refusal
/// later in the request rolls that back).
fn check(
    state: &AppState,
    tx: &mut dyn Transaction,
    app: &Application,
    binding: &Binding<'_>,
    now: DateTime<Utc>,
) -> Result<Checked, SsoError> {
    let message = received(app, binding, now)?;
    let relay_state = message.relay_state().map(str::to_owned);
    if relay_state
        .as_ref()
        .is_some_and(|r| r.len() > MAX_RELAY_STATE_BYTES)
    {
        return Err(SsoError::RelayStateTooLong);
    }
    let request = AuthnRequest::read(&message, &app.entity_id, &endpoint(state, &app.id, "sso"))?;
    // Exact string equality: no prefix, host or trailing-slash leniency.
    if request
        .acs_url
        .as_ref()
        .is_some_and(|url| *url != app.acs_url)
    {
        return Err(SsoError::AcsUrlMismatch);
    }
    if request
        .protocol_binding
        .as_ref()
        .is_some_and(|b| b != BINDING_HTTP_POST)
    {
        return Err(SsoError::ProtocolBindingUnsupported);
    }
    if request
        .name_id_format
        .as_ref()
        .is_some_and(|f| f != NAMEID_UNSPECIFIED && *f != app.name_id.format)
    {
        return Err(SsoError::NameIdFormatUnsupported);
    }
    if request.issue_instant + MAX_REQUEST_AGE < now {
        return Err(SsoError::RequestExpired);
    }
    if request.issue_instant > now + CLOCK_SKEW {
        return Err(SsoError::RequestNotYetValid);
    }
    // Kept until it would be refused as too old anyway.
    let kept_until = (request.issue_instant + MAX_REQUEST_AGE + CLOCK_SKEW).timestamp();
    let key = tokens::hash(&format!("{}\n{}", app.id, request.id));
    let first = tx.record_insert_new(
        AUTHN_REQUEST_IDS,
        &key,
        &serde_json::json!({ "app": app.id }),
        Some(kept_until),
        now.timestamp(),
    )?;
    if !first {
        return Err(SsoError::RequestReplayed);
    }
    Ok(Checked {
        app: app.id.clone(),
        request_id: request.id,
        relay_state,
        is_passive: request.is_passive,
        force_authn: request.force_authn,
        received: now.timestamp(),
        stale_session: None,
    })
}

fn resume_path(app_id: &str, pending: &str) -> String {
    format!("/saml/{}/resume/{pending}", percent_encode(app_id))
}

/// `303` to the sign-in page, which comes back to `next` (a relative path) once signed in;
/// with `reauth` the sign-in page asks again even when the browser has a session (ForceAuthn).
pub(super) fn to_login(next: &str, set_cookie: Option<String>, reauth: bool) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    let reauth = if reauth { "&reauth=1" } else { "" };
    if let Ok(location) =
        HeaderValue::from_str(&format!("/login?next={}{reauth}", percent_encode(next)))
    {
        headers.insert(header::LOCATION, location);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(cookie) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        headers.insert(header::SET_COOKIE, cookie);
    }
    response
}

fn pending_cookie(state: &AppState, path: &str, value: &str, max_age: i64) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{PENDING_COOKIE}={value}; Path={path}; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    )
}

/// `GET|POST /saml/APP/sso`.
pub(super) fn receive(
    state: &AppState,
    app_id: &str,
    binding: Binding<'_>,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Result<Response, SsoError> {
    let mut tx = state.store().begin()?;
    let app = load_app(tx.as_mut(), app_id, now.timestamp())?;
    let mut checked = check(state, tx.as_mut(), &app, &binding, now)?;
    let session = match session::current_sign_in(state, tx.as_mut(), headers, now.timestamp())? {
        Some(stale) if checked.force_authn => {
            checked.stale_session = Some(tokens::hash(&stale.id));
            None
        }
        current => current,
    };
    let response = match session {
        Some(mut session) => assertion::respond(
            state,
            tx.as_mut(),
            &app,
            &mut session,
            Some(&checked.request_id),
            checked.relay_state.as_deref(),
            now,
        )?,
        None if checked.is_passive => {
            assertion::no_passive(state, tx.as_mut(), &app, &checked, now)?
        }
        None => {
            let pending = random_token();
            let doc = serde_json::to_value(&checked)
                .map_err(|_| SsoError::BuildFailed("pending_record"))?;
            tx.record_put(
                PENDING,
                &tokens::hash(&pending),
                &doc,
                Some(now.timestamp() + PENDING_SECONDS),
            )?;
            let path = resume_path(&app.id, &pending);
            let cookie = pending_cookie(state, &path, &pending, PENDING_SECONDS);
            to_login(&path, Some(cookie), checked.force_authn)
        }
    };
    tx.commit()?;
    Ok(response)
}

/// Whether the browser presented the pending cookie for `pending`.
fn browser_started(headers: &HeaderMap, pending: &str) -> bool {
    headers
        .get_all(header::COOKIE)
        .into_iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .any(|(name, value)| {
            name == PENDING_COOKIE && constant_time_eq(value.as_bytes(), pending.as_bytes())
        })
}

/// `GET /saml/APP/resume/PENDING`: a request that waited for sign-in, answered once, in the
/// browser that started it.
pub(super) fn resume(
    state: &AppState,
    app_id: &str,
    pending: &str,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Result<Response, SsoError> {
    let mut tx = state.store().begin()?;
    let app = load_app(tx.as_mut(), app_id, now.timestamp())?;
    let key = tokens::hash(pending);
    let checked: Checked = tx
        .record_get(PENDING, &key, now.timestamp())?
        .and_then(|doc| serde_json::from_value(doc).ok())
        .filter(|c: &Checked| c.app == app.id)
        .ok_or(SsoError::PendingNotFound)?;
    if !browser_started(headers, pending) {
        return Err(SsoError::PendingNotFound);
    }
    let session = session::current_sign_in(state, tx.as_mut(), headers, now.timestamp())?
        .filter(|s| checked.accepts(s));
    let Some(mut session) = session else {
        // Not consumed: the user comes back here after signing in.
        return Ok(to_login(
            &resume_path(&app.id, pending),
            None,
            checked.force_authn,
        ));
    };
    tx.record_delete(PENDING, &key)?;
    let mut response = assertion::respond(
        state,
        tx.as_mut(),
        &app,
        &mut session,
        Some(&checked.request_id),
        checked.relay_state.as_deref(),
        now,
    )?;
    let clear = pending_cookie(state, &resume_path(&app.id, pending), "", 0);
    if let Ok(value) = HeaderValue::from_str(&clear) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    tx.commit()?;
    Ok(response)
}
