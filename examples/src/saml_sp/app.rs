//! The web application: its state, its routes, and the pages and redirects they answer with.

use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, TimeDelta, Utc};
use fedkit_saml::names::BINDING_HTTP_REDIRECT;
use fedkit_saml::{
    AuthnRequest, Endpoint, InMemoryReplayCache, InMemoryRequestTracker, PostField, post_form,
    redirect_url,
};
use serde_json::{Map, Value, json};

use crate::saml_sp::config::{IdpView, SpConfig, parse_idp_metadata};
use crate::saml_sp::form::{Form, RepeatedField, cookie_values};
use crate::saml_sp::html;
use crate::saml_sp::metadata::sp_metadata;
use crate::saml_sp::return_path::check_return_path;
use crate::saml_sp::sessions::{Session, SessionStore, SignedInUser};
use crate::saml_sp::sp_error::SpError;

/// How long an AuthnRequest or LogoutRequest may be answered.
pub const REQUEST_LIFETIME: TimeDelta = TimeDelta::minutes(5);

/// What changes while the SP runs; one lock, so each check-and-update is atomic.
#[derive(Debug)]
pub struct SpState {
    /// Outstanding AuthnRequests.
    pub requests: InMemoryRequestTracker,
    /// Outstanding LogoutRequests.
    pub logout_requests: InMemoryRequestTracker,
    /// Assertion IDs already accepted.
    pub replay: InMemoryReplayCache,
    /// Open sessions.
    pub sessions: SessionStore,
}

/// The IdP metadata in force: the bytes it was read from, and what they made.
#[derive(Debug)]
struct LoadedIdp {
    xml: Vec<u8>,
    view: Arc<IdpView>,
}

/// The running SP.
#[derive(Debug)]
pub struct App {
    /// The configuration.
    pub config: SpConfig,
    metadata: String,
    idp: RwLock<LoadedIdp>,
    state: Mutex<SpState>,
}

impl From<RepeatedField> for SpError {
    fn from(field: RepeatedField) -> Self {
        SpError::FieldRepeated(field.0)
    }
}

/// The OS random source, as fedkit's builders take it.
pub fn os_rng() -> impl fedkit_certs::CryptoRng {
    getrandom::rand_core::UnwrapErr(getrandom::SysRng)
}

const PAGE_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";
/// The auto-submitting form needs its inline `onload` handler.
const FORM_CSP: &str =
    "default-src 'none'; script-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

fn html_response(status: StatusCode, body: String, csp: &'static str) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    no_store(headers);
    response
}

fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// A page that says what was refused and why; stderr gets a line too.
pub fn error_response(error: &SpError) -> Response {
    eprintln!("saml-sp: refused: {} ({})", error, error.code());
    html_response(error.status(), html::error(error), PAGE_CSP)
}

/// A redirect (302 for the Redirect binding, 303 after a POST), with optional Set-Cookie.
pub fn redirect(status: StatusCode, location: &str, cookie: Option<String>) -> Response {
    let mut response = status.into_response();
    let headers = response.headers_mut();
    no_store(headers);
    match HeaderValue::from_str(location) {
        Ok(value) => {
            headers.insert(header::LOCATION, value);
        }
        Err(_) => return error_response(&SpError::Internal("unusable Location".to_owned())),
    }
    if let Some(value) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        headers.insert(header::SET_COOKIE, value);
    }
    response
}

impl App {
    /// The application for `config`, with the IdP metadata `idp_xml` read at start.
    pub fn new(config: SpConfig, idp_xml: Vec<u8>, view: IdpView) -> Self {
        let state = SpState {
            requests: InMemoryRequestTracker::new(),
            logout_requests: InMemoryRequestTracker::new(),
            replay: InMemoryReplayCache::new(),
            sessions: SessionStore::new(config.max_sessions),
        };
        App {
            metadata: sp_metadata(&config),
            config,
            idp: RwLock::new(LoadedIdp {
                xml: idp_xml,
                view: Arc::new(view),
            }),
            state: Mutex::new(state),
        }
    }

    /// The IdP as its metadata file says now: read again at each use (a few kilobytes), and
    /// rebuilt when its bytes changed, so a certificate added for rollover is trusted without a
    /// restart. A file that cannot be read or is invalid keeps the last good one in force.
    pub fn idp(&self) -> Arc<IdpView> {
        let path = &self.config.idp_metadata;
        let current = self.idp.read().unwrap_or_else(|p| p.into_inner());
        let xml = match std::fs::read(path) {
            Ok(xml) if xml != current.xml => xml,
            Ok(_) => return Arc::clone(&current.view),
            Err(e) => {
                eprintln!(
                    "saml-sp: {}: {e}; keeping the metadata read before",
                    path.display()
                );
                return Arc::clone(&current.view);
            }
        };
        let fallback = Arc::clone(&current.view);
        drop(current);
        match parse_idp_metadata(&xml).and_then(|entity| self.config.idp_view(&entity)) {
            Ok(view) => {
                eprintln!(
                    "saml-sp: {} changed: {} signing certificate(s) trusted now",
                    path.display(),
                    view.idp.trust.len()
                );
                let view = Arc::new(view);
                let mut loaded = self.idp.write().unwrap_or_else(|p| p.into_inner());
                *loaded = LoadedIdp {
                    xml,
                    view: Arc::clone(&view),
                };
                view
            }
            Err(e) => {
                eprintln!(
                    "saml-sp: {} changed but is not usable ({e}); keeping the metadata read before",
                    path.display()
                );
                fallback
            }
        }
    }

    /// The SP's metadata document.
    pub fn metadata(&self) -> &str {
        &self.metadata
    }

    /// The state; a panic elsewhere while holding it leaves data that is still consistent
    /// (every update is a single insert or remove), so a poisoned lock is taken over.
    pub fn lock(&self) -> MutexGuard<'_, SpState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `Set-Cookie` for a session until `expires_at`, or one that clears it.
    pub fn cookie(&self, value: Option<(&str, DateTime<Utc>)>, now: DateTime<Utc>) -> String {
        let secure = if self.config.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        let (value, max_age) = match value {
            Some((id, expires_at)) => (id, (expires_at - now).num_seconds().max(0)),
            None => ("", 0),
        };
        format!(
            "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
            self.config.cookie_name
        )
    }

    /// The browser's live session: its cookie value and a copy.
    pub fn session(&self, headers: &HeaderMap, now: DateTime<Utc>) -> Option<(String, Session)> {
        let state = self.lock();
        cookie_values(headers, &self.config.cookie_name)
            .into_iter()
            .find_map(|id| {
                state
                    .sessions
                    .get(id, now)
                    .map(|s| (id.to_owned(), s.clone()))
            })
    }

    /// Room for one more outstanding request, after forgetting expired ones.
    pub fn check_pending_room(
        &self,
        state: &mut SpState,
        now: DateTime<Utc>,
    ) -> Result<(), SpError> {
        state.requests.prune(now);
        state.logout_requests.prune(now);
        let pending = state.requests.len() + state.logout_requests.len();
        if pending >= self.config.max_pending_requests {
            return Err(SpError::TooManyPendingRequests(
                self.config.max_pending_requests,
            ));
        }
        Ok(())
    }

    /// Sends `xml` to the IdP `endpoint` by its binding: a 302 with the deflated message (a
    /// query signature when `sign`), or an auto-submitting form (an enveloped signature).
    pub fn deliver(
        &self,
        endpoint: &Endpoint,
        location: &str,
        field: PostField,
        xml: &str,
        relay_state: Option<&str>,
        sign: bool,
    ) -> Result<Response, SpError> {
        let mut rng = os_rng();
        let signer = if sign {
            self.config.signer.as_ref()
        } else {
            None
        };
        if endpoint.binding == BINDING_HTTP_REDIRECT {
            let url = redirect_url(location, field, xml, relay_state, signer, &mut rng)?;
            return Ok(redirect(StatusCode::FOUND, &url, None));
        }
        let xml = match signer {
            Some(signer) => signer.sign_xml(xml, &mut rng)?,
            None => xml.to_owned(),
        };
        let form = post_form(location, field, &xml, relay_state)?;
        Ok(html_response(StatusCode::OK, form, FORM_CSP))
    }

    fn login(&self, query: &Form, now: DateTime<Utc>) -> Result<Response, SpError> {
        let relay_state = match query.single("return_to")? {
            Some(path) => Some(check_return_path(path).map_err(|f| SpError::return_path(f, path))?),
            None => None,
        };
        let config = &self.config;
        let view = self.idp();
        let sso = &view.idp.sso;
        let request = AuthnRequest::new(
            &config.entity_id,
            &sso.location,
            &config.acs_url,
            now,
            &mut os_rng(),
        );
        let mut state = self.lock();
        self.check_pending_room(&mut state, now)?;
        let response = self.deliver(
            sso,
            &sso.location,
            PostField::Request,
            &request.to_xml(),
            relay_state,
            config.sign_requests,
        )?;
        state.requests.track(request.id, now + REQUEST_LIFETIME);
        Ok(response)
    }

    fn acs(
        &self,
        headers: &HeaderMap,
        form: &Form,
        now: DateTime<Utc>,
    ) -> Result<Response, SpError> {
        let saml_response = form
            .single("SAMLResponse")?
            .ok_or(SpError::FieldMissing("SAMLResponse"))?;
        let relay_state = form.single("RelayState")?;
        let config = &self.config;
        let view = self.idp();
        let mut state = self.lock();
        // Checked before validation, which would consume the request and the assertion ID.
        if state.sessions.is_full(now) {
            return Err(SpError::TooManySessions(config.max_sessions));
        }
        let state = &mut *state;
        let verified = view.service_provider.validate_post(
            saml_response,
            now,
            &mut state.requests,
            &mut state.replay,
        )?;
        let session_end = verified
            .assertion()
            .authn_statements
            .iter()
            .filter_map(|s| s.session_not_on_or_after)
            .fold(now + config.session_lifetime, DateTime::min);
        // A fresh ID at every sign-in (no session fixation); the browser's old session ends.
        for old in cookie_values(headers, &config.cookie_name) {
            state.sessions.close(old);
        }
        let user = SignedInUser::from_verified(&verified);
        eprintln!(
            "saml-sp: signed in {:?} from {} ({})",
            user.name_id.value,
            user.issuer,
            user.in_response_to.as_deref().unwrap_or("IdP-initiated")
        );
        let id = state.sessions.open(user, session_end, now)?;
        let target = match relay_state.map(check_return_path) {
            Some(Ok(path)) => path,
            Some(Err(fault)) => {
                eprintln!(
                    "saml-sp: RelayState not followed ({}): going to /",
                    fault.code()
                );
                "/"
            }
            None => "/",
        };
        Ok(redirect(
            StatusCode::SEE_OTHER,
            target,
            Some(self.cookie(Some((&id, session_end)), now)),
        ))
    }

    fn logout(
        &self,
        headers: &HeaderMap,
        form: &Form,
        now: DateTime<Utc>,
    ) -> Result<Response, SpError> {
        let cleared = self.cookie(None, now);
        let Some((id, session)) = self.session(headers, now) else {
            return Ok(redirect(StatusCode::SEE_OTHER, "/", Some(cleared)));
        };
        let token = form.single("csrf_token")?.unwrap_or_default();
        if !constant_time_eq(token.as_bytes(), session.csrf_token.as_bytes()) {
            return Err(SpError::CsrfMismatch);
        }
        let config = &self.config;
        let view = self.idp();
        let (Some(slo), true) = (&view.idp.slo, config.slo_enabled(&view)) else {
            self.lock().sessions.close(&id);
            return Ok(redirect(StatusCode::SEE_OTHER, "/", Some(cleared)));
        };
        let user = session.user;
        let request = fedkit_saml::LogoutRequest::new(
            &config.entity_id,
            &slo.location,
            user.name_id,
            user.session_index,
            REQUEST_LIFETIME,
            now,
            &mut os_rng(),
        );
        let mut state = self.lock();
        // The local session ends now, whatever happens next: a full request table (anyone can
        // fill it from /login) must not keep a user signed in.
        state.sessions.close(&id);
        if let Err(full) = self.check_pending_room(&mut state, now) {
            eprintln!("saml-sp: signed out here only: {full}");
            return Ok(redirect(StatusCode::SEE_OTHER, "/", Some(cleared)));
        }
        let mut response = self.deliver(
            slo,
            &slo.location,
            PostField::Request,
            &request.to_xml(),
            None,
            true,
        )?;
        state
            .logout_requests
            .track(request.id, now + REQUEST_LIFETIME);
        if let Ok(value) = HeaderValue::from_str(&cleared) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
        Ok(response)
    }
}

/// Equality whose time does not depend on where the inputs differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Runs `work` on a blocking thread (RSA and the state lock stay off the async workers).
pub async fn blocking<F>(app: Arc<App>, work: F) -> Response
where
    F: FnOnce(&App, DateTime<Utc>) -> Result<Response, SpError> + Send + 'static,
{
    let outcome = tokio::task::spawn_blocking(move || work(&app, Utc::now())).await;
    match outcome {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => error_response(&error),
        Err(_) => error_response(&SpError::Internal("worker failed".to_owned())),
    }
}

/// Reads a form body of at most `--max-form-bytes`.
pub async fn read_form(app: &App, body: Body) -> Result<Form, SpError> {
    let limit = app.config.max_form_bytes;
    // One byte past the limit is read, so exactly the limit passes and one more fails.
    match to_bytes(body, limit.saturating_add(1)).await {
        Ok(bytes) if bytes.len() <= limit => Ok(Form::parse(&String::from_utf8_lossy(&bytes))),
        _ => Err(SpError::BodyTooLarge(limit)),
    }
}

async fn home(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let page = match app.session(&headers, Utc::now()) {
        Some((_, session)) => html::signed_in(&session, app.config.slo_enabled(&app.idp())),
        None => html::signed_out(&app.config.entity_id),
    };
    html_response(StatusCode::OK, page, PAGE_CSP)
}

fn attributes_json(user: &SignedInUser) -> Value {
    let mut attributes = Map::new();
    for attribute in &user.attributes {
        let entry = attributes
            .entry(attribute.name.clone())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(values) = entry {
            values.extend(
                attribute
                    .values
                    .iter()
                    .map(|v| Value::String(v.text.clone())),
            );
        }
    }
    Value::Object(attributes)
}

/// The session as JSON, for scripts and end-to-end tests.
async fn session_json(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let body = match app.session(&headers, Utc::now()) {
        Some((_, session)) => {
            let user = &session.user;
            json!({
                "signed_in": true,
                "issuer": user.issuer,
                "name_id": user.name_id.value,
                "name_id_format": user.name_id.format,
                "session_index": user.session_index,
                "in_response_to": user.in_response_to,
                "attributes": attributes_json(user),
                "expires_at": session.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            })
        }
        None => json!({"signed_in": false}),
    };
    let mut response = (StatusCode::OK, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    no_store(headers);
    response
}

async fn login(State(app): State<Arc<App>>, uri: Uri) -> Response {
    let query = Form::parse(uri.query().unwrap_or_default());
    blocking(app, move |app, now| app.login(&query, now)).await
}

async fn acs(State(app): State<Arc<App>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let form = match read_form(&app, body).await {
        Ok(form) => form,
        Err(error) => return error_response(&error),
    };
    blocking(app, move |app, now| app.acs(&parts.headers, &form, now)).await
}

async fn logout(State(app): State<Arc<App>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let form = match read_form(&app, body).await {
        Ok(form) => form,
        Err(error) => return error_response(&error),
    };
    blocking(app, move |app, now| app.logout(&parts.headers, &form, now)).await
}

async fn metadata(State(app): State<Arc<App>>) -> Response {
    let mut response = (StatusCode::OK, Bytes::from(app.metadata().to_owned())).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/samlmetadata+xml"),
    );
    response
}

async fn not_found() -> Response {
    html_response(StatusCode::NOT_FOUND, html::not_found(), PAGE_CSP)
}

/// The routes.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/session", get(session_json))
        .route("/login", get(login))
        .route("/acs", axum::routing::post(acs))
        .route("/logout", axum::routing::post(logout))
        .route(
            "/slo",
            get(crate::saml_sp::slo::slo_redirect).post(crate::saml_sp::slo::slo_post),
        )
        .route("/metadata", get(metadata))
        .fallback(not_found)
        .with_state(app)
}
