//! The administrator's session: the session module's signed, store-backed sessions with
//! `source = "admin"`, under a cookie of its own, so that signing in to the console neither
//! replaces nor reuses a portal session. A portal session's cookie value moved into the admin
//! cookie is refused (its source is not `admin`), and an admin session names no directory user.

use axum::http::{HeaderMap, HeaderValue, header};

use crate::identity_center::portal::login_csrf;
use crate::identity_center::session::{self, Session};
use crate::identity_center::store::{StoreError, Transaction};
use crate::identity_center::web::AppState;

/// The session source of administrators.
pub const SOURCE: &str = session::ADMIN_SOURCE;

/// Prefix of an admin session's `user_id`: never a SCIM id (those are UUIDs the server makes).
const USER_PREFIX: &str = "admin:";

/// The cookie's name (`__Host-` prefixed over https, as the portal's).
pub fn cookie_name(state: &AppState) -> &'static str {
    if state.config.secure_cookies {
        "__Host-fedkit_admin"
    } else {
        "fedkit_admin"
    }
}

/// The request's admin cookie presented to the session module under its own cookie name.
fn as_session_headers(state: &AppState, headers: &HeaderMap) -> Option<HeaderMap> {
    let value = login_csrf::cookie(headers, cookie_name(state))?;
    let mut out = HeaderMap::new();
    let line = format!("{}={value}", session::cookie_name(state));
    out.insert(header::COOKIE, HeaderValue::from_str(&line).ok()?);
    Some(out)
}

/// The signed-in administrator's session, if the admin cookie names a live admin session.
pub fn current(
    state: &AppState,
    tx: &mut dyn Transaction,
    headers: &HeaderMap,
    now: i64,
) -> Result<Option<Session>, StoreError> {
    let Some(headers) = as_session_headers(state, headers) else {
        return Ok(None);
    };
    Ok(session::current(state, tx, &headers, now)?
        .filter(|s| s.source == SOURCE && s.user_id.starts_with(USER_PREFIX)))
}

/// The administrator a session belongs to.
pub fn admin_name(session: &Session) -> &str {
    session
        .user_id
        .strip_prefix(USER_PREFIX)
        .unwrap_or_default()
}

/// Ends any admin session the browser had (no fixation), starts one for administrator `name`,
/// and returns the `Set-Cookie` values.
pub fn start(
    state: &AppState,
    tx: &mut dyn Transaction,
    headers: &HeaderMap,
    name: &str,
    now: i64,
) -> Result<Vec<String>, StoreError> {
    if let Some(old) = current(state, tx, headers, now)? {
        session::end(tx, &old)?;
    }
    let (_, cookie) = session::create(state, tx, &format!("{USER_PREFIX}{name}"), SOURCE, now)?;
    // The session module names its cookie; the value and attributes are kept as they are.
    let renamed = match cookie.split_once('=') {
        Some((_, rest)) => format!("{}={rest}", cookie_name(state)),
        None => cookie,
    };
    Ok(vec![renamed])
}

/// A `Set-Cookie` value that removes the admin cookie.
pub fn clear_cookie(state: &AppState) -> String {
    login_csrf::set_cookie(state, cookie_name(state), "", 0)
}
