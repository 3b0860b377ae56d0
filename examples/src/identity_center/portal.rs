//! The access portal and sign-in: `/` lists the signed-in user's applications (each a form that
//! starts an IdP-initiated sign-in), `/login` signs in with the built-in directory's password
//! or hands over to the external IdP, `/logout` ends the session.
//!
//! | route | what |
//! |---|---|
//! | `GET /` | signed out: a link to sign in; signed in: "Your applications" and "Sign out" |
//! | `GET /login?next=PATH` | the sign-in form (or the redirect to the external IdP); signed in: 303 to `next`, unless `reauth=1` |
//! | `POST /login` | login CSRF, throttle, password (argon2), active user, session, 303 to `next` |
//! | `POST /logout` | CSRF, ends the session in the store, clears the cookie |
//! | `GET /external/metadata`, `POST /external/acs`, `GET /external/complete` | see [`external_idp`] |
//!
//! Every handler runs its store work in one transaction on a blocking thread; a refused request
//! commits nothing except a counted login failure.

pub mod directory;
pub mod external_idp;
pub mod login_csrf;
pub mod next_path;
pub mod throttle;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;

use crate::identity_center::html::{self, escape};
use crate::identity_center::http::query_pairs;
use crate::identity_center::passwords;
use crate::identity_center::session::{self, Session};
use crate::identity_center::store::{ResourceKind, StoreError, Transaction};
use crate::identity_center::web::AppState;
use directory::Lookup;
use throttle::{Keys, Scope, ThrottleLimits};

/// Largest sign-in or sign-out form body read (413 above).
pub const MAX_FORM_BYTES: usize = 16 << 10;

/// The one message for an unknown user and a wrong password, so the page does not say which
/// usernames exist.
pub const INVALID_CREDENTIALS: &str = "Incorrect username or password.";

/// The routes of the portal and of sign-in through the external IdP.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", post(logout))
        .merge(external_idp::routes())
}

/// Runs `work` on a blocking thread (the stores are synchronous); a store failure is a 500 page.
pub(crate) async fn blocking<F>(state: Arc<AppState>, work: F) -> Response
where
    F: FnOnce(&AppState) -> Result<Response, StoreError> + Send + 'static,
{
    match tokio::task::spawn_blocking(move || work(&state)).await {
        Ok(Ok(response)) => response,
        Ok(Err(_)) | Err(_) => html::error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "store_error",
            "The server could not complete the request. Try again later.",
        ),
    }
}

/// A form body (`application/x-www-form-urlencoded`) of at most `limit` bytes, decoded.
pub(crate) async fn read_form(body: Body, limit: usize) -> Option<Vec<(String, String)>> {
    // One byte past the limit, so that exactly the limit passes and one more fails.
    let bytes = to_bytes(body, limit.saturating_add(1)).await.ok()?;
    if bytes.len() > limit {
        return None;
    }
    let text = std::str::from_utf8(&bytes).ok()?;
    Some(query_pairs(Some(text)))
}

/// The first value of a form or query field.
pub(crate) fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub(crate) fn form_too_large() -> Response {
    html::error_page(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Request too large",
        "form_too_large",
        "The form was larger than this server accepts.",
    )
}

/// A 303 to `location` with extra `Set-Cookie` values.
pub(crate) fn see_other(location: &str, cookies: &[String]) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(header::LOCATION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    append_cookies(&mut response, cookies);
    response
}

pub(crate) fn append_cookies(response: &mut Response, cookies: &[String]) {
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters (for a path segment or a
/// query value).
pub(crate) fn percent_encode(text: &str) -> String {
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

/// The `next` a request names, if it is safe; else `/`.
pub(crate) fn next_or_root(next: Option<&str>) -> String {
    next.and_then(next_path::safe_next)
        .unwrap_or("/")
        .to_owned()
}

fn home_page(state: &AppState, headers: &HeaderMap) -> Result<Response, StoreError> {
    let now = Utc::now().timestamp();
    let mut tx = state.store().begin()?;
    let Some(session) = session::current_sign_in(state, tx.as_mut(), headers, now)? else {
        let external = state.config.external_idp.is_some();
        let how = if external {
            "You sign in with your organisation's identity provider."
        } else {
            "You sign in with your username and password."
        };
        return Ok(html::page(
            "Access portal",
            &format!(
                "<p>Sign in to see the applications you have access to. {how}</p>\
<p><a href=\"/login\">Sign in</a></p>"
            ),
        ));
    };
    let user = tx.get(
        crate::identity_center::store::ResourceKind::User,
        &session.user_id,
    )?;
    let Some(user) = user.filter(directory::is_active) else {
        // The user was deleted or disabled since signing in: the session is over.
        session::end(tx.as_mut(), &session)?;
        tx.commit()?;
        let mut response = see_other("/login", &[]);
        append_cookies(&mut response, &[session::clear_cookie(state)]);
        return Ok(response);
    };
    let applications = directory::assigned_applications(tx.as_mut(), &session.user_id, now)?;
    let csrf = escape(&session.csrf);
    let mut body = format!(
        "<p>Signed in as <strong>{}</strong>.</p><h2>Your applications</h2>",
        escape(directory::display_name(&user))
    );
    if applications.is_empty() {
        body.push_str("<p>No applications are assigned to you yet.</p>");
    } else {
        body.push_str("<ul class=\"tiles\">");
        for app in &applications {
            body.push_str(&format!(
                "<li><form method=\"post\" action=\"/saml/{}/initiate\">\
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
<button type=\"submit\">{}</button></form></li>",
                escape(&percent_encode(&app.id)),
                escape(&app.name)
            ));
        }
        body.push_str("</ul>");
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
<button type=\"submit\">Sign out</button></form>"
    ));
    Ok(html::page("Access portal", &body))
}

async fn home(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    blocking(state, move |state| home_page(state, &headers)).await
}

/// The sign-in form, with an error above it when there is one.
fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    next: &str,
    error: Option<(&str, &str)>,
) -> Result<Response, StoreError> {
    let (token, set_cookie) = login_csrf::issue(state, headers)?;
    let (alert, described) = match error {
        Some((code, message)) => (
            format!(
                "<p class=\"error\" role=\"alert\" id=\"login-error\">{}</p><p>Error code: <code>{}</code></p>",
                escape(message),
                escape(code)
            ),
            " aria-describedby=\"login-error\"",
        ),
        None => (String::new(), ""),
    };
    let body = format!(
        "{alert}<form method=\"post\" action=\"/login\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<input type=\"hidden\" name=\"next\" value=\"{}\">\
<label for=\"username\">Username or email</label>\
<input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" required autofocus{described}>\
<label for=\"password\">Password</label>\
<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required{described}>\
<div><button type=\"submit\">Sign in</button></div></form>",
        escape(&token),
        escape(next)
    );
    let mut response = html::page_with_status(status, "Sign in", &body);
    if let Some(cookie) = set_cookie {
        append_cookies(&mut response, &[cookie]);
    }
    Ok(response)
}

fn login_get(
    state: &AppState,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Response, StoreError> {
    let pairs = query_pairs(query);
    let next = next_or_root(field(&pairs, "next"));
    // `reauth=1` (an application's ForceAuthn): ask again even with a live session; the new
    // sign-in replaces that session.
    let reauth = field(&pairs, "reauth") == Some("1");
    let now = Utc::now();
    // Made before the transaction: the first use generates an RSA key.
    let signer = match &state.config.external_idp {
        Some(idp) => external_idp::request_signer(state, idp, now)?,
        None => None,
    };
    let mut tx = state.store().begin()?;
    if !reauth && session::current_sign_in(state, tx.as_mut(), headers, now.timestamp())?.is_some()
    {
        return Ok(see_other(&next, &[]));
    }
    if let Some(idp) = &state.config.external_idp {
        let signer = signer.as_ref();
        let response = external_idp::start(state, tx.as_mut(), idp, &next, now, signer, reauth)?;
        tx.commit()?;
        return Ok(response);
    }
    drop(tx);
    form_page(state, headers, StatusCode::OK, &next, None)
}

async fn login_form(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let query = parts.uri.query().map(str::to_owned);
    blocking(state, move |state| {
        login_get(state, &parts.headers, query.as_deref())
    })
    .await
}

/// The client address the server saw, when it was served with connect info.
fn client_key(request_extensions: &axum::http::Extensions) -> Option<String> {
    request_extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| client_key_of(addr.ip()))
}

/// The throttle key of a client address: IPv4 addresses whole, IPv6 by their /64, the
/// smallest prefix a site is given (RFC 6177), so that one client cannot take a fresh
/// address from its /64 for every guess. IPv4-mapped IPv6 addresses count as IPv4.
fn client_key_of(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => format!("client:{v4}"),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("client:{v4}"),
            None => {
                let s = v6.segments();
                format!("client:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

fn throttled_page(
    state: &AppState,
    headers: &HeaderMap,
    next: &str,
    scope: Scope,
    retry_after: i64,
) -> Result<Response, StoreError> {
    let minutes = (retry_after + 59) / 60;
    let whom = match scope {
        Scope::User => "for this account",
        Scope::Client => "from your network address",
    };
    let message = format!(
        "Too many failed sign-in attempts {whom}. Try again in {minutes} minute{}.",
        if minutes == 1 { "" } else { "s" }
    );
    let mut response = form_page(
        state,
        headers,
        StatusCode::TOO_MANY_REQUESTS,
        next,
        Some(("login_throttled", &message)),
    )?;
    if let Ok(value) = HeaderValue::from_str(&retry_after.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    Ok(response)
}

fn login_post(
    state: &AppState,
    headers: &HeaderMap,
    client: Option<String>,
    form: &[(String, String)],
) -> Result<Response, StoreError> {
    let next = next_or_root(field(form, "next"));
    if state.config.external_idp.is_some() {
        return Ok(html::error_page(
            StatusCode::FORBIDDEN,
            "Password sign-in is off",
            "password_sign_in_disabled",
            "This portal signs users in through the external identity provider only.",
        ));
    }
    if !login_csrf::check(state, headers, field(form, "csrf").unwrap_or("")) {
        let response = form_page(
            state,
            headers,
            StatusCode::FORBIDDEN,
            &next,
            Some((
                "login_csrf_invalid",
                "The sign-in form expired or did not come from this site. Please sign in again.",
            )),
        )?;
        return Ok(response);
    }
    let username = field(form, "username").unwrap_or("");
    let password = field(form, "password").unwrap_or("");
    let now = Utc::now().timestamp();
    let limits = ThrottleLimits::default();
    let mut tx = state.store().begin()?;
    let lookup = directory::find_user(tx.as_mut(), username)?;
    let user = match lookup {
        Lookup::Found(id, doc) => Some((id, doc)),
        Lookup::NotFound | Lookup::Ambiguous => None,
    };
    let keys = Keys {
        user: match &user {
            Some((id, _)) => format!("user:{id}"),
            None => format!("name:{}", fedkit_scim::filter::fold_case(username.trim())),
        },
        client,
    };
    if let Some(throttled) = limits.check(tx.as_mut(), &keys, now)? {
        return throttled_page(
            state,
            headers,
            &next,
            throttled.scope,
            throttled.retry_after,
        );
    }
    // Counted as a failure before the password is checked, in this transaction (which holds
    // the account's counter lock): however many guesses arrive at once, at most the limit get
    // to argon2, and the slow hash runs after the commit, holding no lock (on SQLite it would
    // hold up every other write). A success takes the count back.
    limits.record_failure(tx.as_mut(), &keys, now)?;
    let user_id = user.as_ref().map(|(id, _)| id.clone()).unwrap_or_default();
    let stored = passwords::hash_to_check(tx.as_mut(), &user_id)?;
    tx.commit()?;
    // Unknown users go through the same argon2 work (a dummy hash).
    let verified = passwords::verify_phc(stored.as_deref(), password);
    if user.is_none() || !verified {
        return form_page(
            state,
            headers,
            StatusCode::UNAUTHORIZED,
            &next,
            Some(("invalid_credentials", INVALID_CREDENTIALS)),
        );
    }
    let mut tx = state.store().begin()?;
    // Read again: the user may have been disabled or deleted while the hash ran.
    let Some(doc) = tx.get(ResourceKind::User, &user_id)? else {
        return form_page(
            state,
            headers,
            StatusCode::UNAUTHORIZED,
            &next,
            Some(("invalid_credentials", INVALID_CREDENTIALS)),
        );
    };
    if !directory::is_active(&doc) {
        return Ok(html::error_page(
            StatusCode::FORBIDDEN,
            "Account disabled",
            "user_disabled",
            "Your account is disabled. Ask your administrator.",
        ));
    }
    limits.forgive(tx.as_mut(), &keys, now)?;
    let cookies = start_session(state, tx.as_mut(), headers, &user_id, "password", now)?;
    tx.commit()?;
    Ok(see_other(&next, &cookies))
}

/// Ends any session the browser still had (no session fixation across sign-ins), starts a new
/// one, and returns the cookies to set.
pub(crate) fn start_session(
    state: &AppState,
    tx: &mut dyn Transaction,
    headers: &HeaderMap,
    user_id: &str,
    source: &str,
    now: i64,
) -> Result<Vec<String>, StoreError> {
    if let Some(old) = session::current(state, tx, headers, now)? {
        session::end(tx, &old)?;
    }
    let (_, cookie) = session::create(state, tx, user_id, source, now)?;
    let mut cookies = vec![cookie];
    if login_csrf::cookie(headers, login_csrf::cookie_name(state)).is_some() {
        cookies.push(login_csrf::clear(state));
    }
    Ok(cookies)
}

async fn login_submit(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let client = client_key(&parts.extensions);
    let Some(form) = read_form(body, MAX_FORM_BYTES).await else {
        return form_too_large();
    };
    blocking(state, move |state| {
        login_post(state, &parts.headers, client, &form)
    })
    .await
}

fn logout_post(
    state: &AppState,
    headers: &HeaderMap,
    form: &[(String, String)],
) -> Result<Response, StoreError> {
    let now = Utc::now();
    let mut tx = state.store().begin()?;
    let Some(session) = session::current_sign_in(state, tx.as_mut(), headers, now.timestamp())?
    else {
        let mut response = html::page(
            "Signed out",
            "<p>You are signed out.</p><p><a href=\"/login\">Sign in again</a></p>",
        );
        append_cookies(&mut response, &[session::clear_cookie(state)]);
        return Ok(response);
    };
    if !session::csrf_ok(&session, field(form, "csrf").unwrap_or("")) {
        return Ok(html::error_page(
            StatusCode::FORBIDDEN,
            "Request refused",
            "csrf_invalid",
            "The form did not come from this site, so nothing was changed.",
        ));
    }
    let logout_links = application_logouts(state, tx.as_mut(), &session, now);
    session::end(tx.as_mut(), &session)?;
    tx.commit()?;
    let mut body = String::from("<p>You are signed out of the portal.</p>");
    if !logout_links.is_empty() {
        body.push_str("<h2>Applications you signed into</h2><p>Sign out of each as well:</p><ul>");
        for (name, url) in &logout_links {
            body.push_str(&format!(
                "<li><a href=\"{}\">Sign out of {}</a></li>",
                escape(url),
                escape(name)
            ));
        }
        body.push_str("</ul>");
    }
    body.push_str("<p><a href=\"/login\">Sign in again</a></p>");
    let mut response = html::page("Signed out", &body);
    append_cookies(&mut response, &[session::clear_cookie(state)]);
    Ok(response)
}

/// The applications' names and SAML LogoutRequest URLs for a session being ended; an
/// application whose request cannot be made is left out (the portal session ends regardless).
fn application_logouts(
    state: &AppState,
    tx: &mut dyn Transaction,
    session: &Session,
    now: chrono::DateTime<Utc>,
) -> Vec<(String, String)> {
    let Ok(requests) = crate::identity_center::saml_idp::logout_requests(state, tx, session, now)
    else {
        return Vec::new();
    };
    requests
        .into_iter()
        .map(|(app_id, url)| {
            let name = crate::identity_center::apps::load(tx, &app_id, now.timestamp())
                .ok()
                .flatten()
                .map(|app| app.name)
                .unwrap_or(app_id);
            (name, url)
        })
        .collect()
}

async fn logout(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Some(form) = read_form(body, MAX_FORM_BYTES).await else {
        return form_too_large();
    };
    blocking(state, move |state| {
        logout_post(state, &parts.headers, &form)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys by hand: IPv4 whole, IPv6 by /64, mapped IPv4 as IPv4.
    #[test]
    fn clients_are_keyed_by_address_or_ipv6_slash_64() {
        let key = |text: &str| client_key_of(text.parse().expect("ip"));
        assert_eq!(key("192.0.2.7"), "client:192.0.2.7");
        assert_eq!(key("2001:db8:1:2:aaaa::1"), "client:2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:ffff:1:2:3"), key("2001:db8:1:2::9"));
        assert_ne!(key("2001:db8:1:3::1"), key("2001:db8:1:2::1"));
        assert_eq!(key("::ffff:192.0.2.7"), "client:192.0.2.7");
    }
}
