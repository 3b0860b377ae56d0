//! The admin console: server-rendered HTML under `/admin` for administrators in a browser,
//! usable without JavaScript. `GET /admin` is the sign-in (the password `identity-center admin
//! init` set); the pages live under `/admin/console/…` so that they never collide with the
//! JSON admin API beside them. Every form carries the admin session's CSRF token; every change
//! goes through the same functions as the admin API (manual provisioning through the SCIM
//! service), so a refusal here is the API's refusal, shown next to the field, and changes
//! nothing.
//!
//! | Path | What |
//! |---|---|
//! | `GET /admin` | sign-in form (login CSRF, throttled as the portal's) or on to the console |
//! | `POST /admin/console/login`, `POST /admin/console/logout` | sign in, sign out |
//! | `/admin/console/users`, `/admin/console/groups` | lists with a SCIM filter box, pages, forms |
//! | `/admin/console/applications` | mappings, assignments, IdP metadata, certificates (rotate, activate, delete) |
//! | `/admin/console/tokens` | SCIM tokens: create (shown once), list, revoke |

pub mod admin_account;
mod admin_session;
mod application_pages;
mod application_registration;
mod directory_pages;
mod page;
mod token_pages;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;

use crate::identity_center::html::{self, escape};
use crate::identity_center::passwords;
use crate::identity_center::portal::throttle::{Keys, Scope, ThrottleLimits};
use crate::identity_center::portal::{
    MAX_FORM_BYTES, append_cookies, blocking, field, form_too_large, login_csrf, read_form,
    see_other,
};
use crate::identity_center::session::{self, Session};
use crate::identity_center::store::StoreError;
use crate::identity_center::web::AppState;

/// Where the console starts after sign-in.
pub const HOME: &str = "/admin/console/users";

/// The routes of the console.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin", get(sign_in_page))
        .route("/admin/console", get(console_home))
        .route("/admin/console/login", post(sign_in))
        .route("/admin/console/logout", post(sign_out))
        .merge(directory_pages::routes())
        .merge(application_pages::routes())
        .merge(token_pages::routes())
}

/// The sign-in form, with an error above it when there is one.
fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
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
        "{alert}<form method=\"post\" action=\"/admin/console/login\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<label for=\"name\">Administrator name</label>\
<input type=\"text\" id=\"name\" name=\"name\" autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" required autofocus{described}>\
<label for=\"password\">Password</label>\
<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required{described}>\
<div><button type=\"submit\">Sign in</button></div></form>",
        escape(&token)
    );
    let mut response = html::page_with_status(status, "Administrator sign-in", &body);
    if let Some(cookie) = set_cookie {
        append_cookies(&mut response, &[cookie]);
    }
    Ok(response)
}

async fn sign_in_page(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    blocking(state, move |state| {
        let now = Utc::now().timestamp();
        let mut tx = state.store().begin()?;
        if admin_session::current(state, tx.as_mut(), &headers, now)?.is_some() {
            return Ok(see_other(HOME, &[]));
        }
        if !admin_account::exists(tx.as_mut())? {
            return Ok(html::error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "No administrator yet",
                "no_administrator",
                "No administrator has been set up. Run `identity-center admin init` on the server first.",
            ));
        }
        drop(tx);
        form_page(state, &headers, StatusCode::OK, None)
    })
    .await
}

async fn console_home() -> Response {
    see_other(HOME, &[])
}

/// The message for an unknown name and a wrong password alike.
pub const INVALID_CREDENTIALS: &str = "Incorrect administrator name or password.";

fn sign_in_post(
    state: &AppState,
    headers: &HeaderMap,
    client: Option<String>,
    form: &[(String, String)],
) -> Result<Response, StoreError> {
    if !login_csrf::check(state, headers, field(form, "csrf").unwrap_or("")) {
        return form_page(
            state,
            headers,
            StatusCode::FORBIDDEN,
            Some((
                "login_csrf_invalid",
                "The sign-in form expired or did not come from this site. Please sign in again.",
            )),
        );
    }
    let name = field(form, "name").unwrap_or("").trim();
    let password = field(form, "password").unwrap_or("");
    let now = Utc::now().timestamp();
    let limits = ThrottleLimits::default();
    // Apart from the portal's user keys, so that guesses at the console lock only the console.
    let keys = Keys {
        user: format!("admin:{name}"),
        client,
    };
    let mut tx = state.store().begin()?;
    if let Some(throttled) = limits.check(tx.as_mut(), &keys, now)? {
        let minutes = (throttled.retry_after + 59) / 60;
        let whom = match throttled.scope {
            Scope::User => "for this administrator",
            Scope::Client => "from your network address",
        };
        let message =
            format!("Too many failed sign-in attempts {whom}. Try again in {minutes} minute(s).");
        let mut response = form_page(
            state,
            headers,
            StatusCode::TOO_MANY_REQUESTS,
            Some(("login_throttled", &message)),
        )?;
        if let Ok(value) = HeaderValue::from_str(&throttled.retry_after.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Ok(response);
    }
    // Counted as a failure before the password is checked (as the portal does): at most the
    // limit of parallel guesses reach argon2, which runs after the commit, holding no lock (on
    // SQLite it would hold up every other write). A success takes the count back.
    limits.record_failure(tx.as_mut(), &keys, now)?;
    let stored = admin_account::stored_hash(tx.as_mut(), name)?;
    tx.commit()?;
    if !passwords::verify_phc(stored.as_deref(), password) {
        return form_page(
            state,
            headers,
            StatusCode::UNAUTHORIZED,
            Some(("invalid_credentials", INVALID_CREDENTIALS)),
        );
    }
    let mut tx = state.store().begin()?;
    // Read again: `admin init --force` may have replaced the administrator meanwhile.
    if admin_account::stored_hash(tx.as_mut(), name)? != stored {
        return form_page(
            state,
            headers,
            StatusCode::UNAUTHORIZED,
            Some(("invalid_credentials", INVALID_CREDENTIALS)),
        );
    }
    limits.forgive(tx.as_mut(), &keys, now)?;
    let mut cookies = admin_session::start(state, tx.as_mut(), headers, name, now)?;
    tx.commit()?;
    if login_csrf::cookie(headers, login_csrf::cookie_name(state)).is_some() {
        cookies.push(login_csrf::clear(state));
    }
    Ok(see_other(HOME, &cookies))
}

async fn sign_in(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let client = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| format!("client:{}", addr.ip()));
    let Some(form) = read_form(body, MAX_FORM_BYTES).await else {
        return form_too_large();
    };
    blocking(state, move |state| {
        sign_in_post(state, &parts.headers, client, &form)
    })
    .await
}

async fn sign_out(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    let Some(form) = read_form(body, MAX_FORM_BYTES).await else {
        return form_too_large();
    };
    blocking(state, move |state| {
        let now = Utc::now().timestamp();
        let mut tx = state.store().begin()?;
        let Some(session) = admin_session::current(state, tx.as_mut(), &headers, now)? else {
            return Ok(see_other("/admin", &[admin_session::clear_cookie(state)]));
        };
        if !session::csrf_ok(&session, field(&form, "csrf").unwrap_or("")) {
            return Ok(csrf_refused());
        }
        session::end(tx.as_mut(), &session)?;
        tx.commit()?;
        Ok(see_other("/admin", &[admin_session::clear_cookie(state)]))
    })
    .await
}

/// The page for a console form without this session's CSRF token.
pub(crate) fn csrf_refused() -> Response {
    html::error_page(
        StatusCode::FORBIDDEN,
        "Form refused",
        "csrf_invalid",
        "The form did not come from this console session. Reload the page and try again.",
    )
}

/// The signed-in administrator's session, or the 303 to the sign-in page.
pub(crate) fn require_admin(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Result<Session, Response>, StoreError> {
    let now = Utc::now().timestamp();
    let mut tx = state.store().begin()?;
    Ok(admin_session::current(state, tx.as_mut(), headers, now)?
        .ok_or_else(|| see_other("/admin", &[])))
}

/// The administrator's session for a form post whose `csrf` field must be its token.
pub(crate) fn require_admin_form(
    state: &AppState,
    headers: &HeaderMap,
    form: &[(String, String)],
) -> Result<Result<Session, Response>, StoreError> {
    Ok(match require_admin(state, headers)? {
        Ok(session) if session::csrf_ok(&session, field(form, "csrf").unwrap_or("")) => Ok(session),
        Ok(_) => Err(csrf_refused()),
        Err(redirect) => Err(redirect),
    })
}
