//! Login CSRF: before there is a session, a signed double-submit token. `GET /login` sets a
//! cookie with a random nonce and puts HMAC-SHA256(cookie key, nonce) in the form; `POST /login`
//! needs both to match. A cross-site page can make a browser post the form but can neither read
//! the cookie nor forge the MAC, so it cannot sign a victim into the attacker's account.

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use sha2::Sha256;

use crate::identity_center::session::constant_time_eq;
use crate::identity_center::store::StoreError;
use crate::identity_center::web::AppState;

/// How long a sign-in form stays usable: one hour.
pub const LOGIN_FORM_SECONDS: i64 = 60 * 60;

/// The cookie's name (`__Host-` prefixed over https, as the session cookie).
pub fn cookie_name(state: &AppState) -> &'static str {
    if state.config.secure_cookies {
        "__Host-fedkit_login"
    } else {
        "fedkit_login"
    }
}

/// The MAC of `nonce` under the cookie key, base64url.
pub fn mac(state: &AppState, purpose: &str, nonce: &str) -> String {
    // A 32-byte key is always a valid HMAC key; the fallback never runs.
    let Ok(mut mac) = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(&state.cookie_key) else {
        return String::new();
    };
    mac.update(purpose.as_bytes());
    mac.update(b"\0");
    mac.update(nonce.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

const PURPOSE: &str = "fedkit login csrf";

/// 32 random bytes, base64url.
pub fn random_nonce() -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Database(format!("OS RNG: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The first value of cookie `name` in a request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .into_iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name && !v.is_empty()).then_some(v)
        })
}

/// A `Set-Cookie` value for cookie `name` (HttpOnly, SameSite=Lax, Path=/, Secure over https).
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: i64) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// The form token for this browser, and the `Set-Cookie` to send when the browser had no
/// nonce yet (an existing one is kept, so two open sign-in tabs both work).
pub fn issue(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(String, Option<String>), StoreError> {
    if let Some(nonce) = cookie(headers, cookie_name(state)) {
        return Ok((mac(state, PURPOSE, nonce), None));
    }
    let nonce = random_nonce()?;
    let set = set_cookie(state, cookie_name(state), &nonce, LOGIN_FORM_SECONDS);
    Ok((mac(state, PURPOSE, &nonce), Some(set)))
}

/// Whether the form's token matches the browser's cookie.
pub fn check(state: &AppState, headers: &HeaderMap, presented: &str) -> bool {
    cookie(headers, cookie_name(state)).is_some_and(|nonce| {
        constant_time_eq(mac(state, PURPOSE, nonce).as_bytes(), presented.as_bytes())
    })
}

/// A `Set-Cookie` that removes the nonce once it has served.
pub fn clear(state: &AppState) -> String {
    set_cookie(state, cookie_name(state), "", 0)
}
