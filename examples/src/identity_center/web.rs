//! The web side of identity-center: one router for SCIM (`/scim/v2`), the admin API
//! (`/admin`), the SAML endpoints (`/saml`) and the access portal (`/`), over one shared state.

use std::sync::Arc;

use axum::Router;
use fedkit_saml::EntityDescriptor;
use serde_json::json;

use crate::identity_center::scim_api::ScimService;
use crate::identity_center::store::{Store, StoreError};
use crate::identity_center::{admin_api, admin_directory, console, http, portal, saml_idp};

/// Settings of the web side.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The public origin (`https://sso.example.com`, no trailing slash): entity IDs, endpoint
    /// URLs and redirects are built on it, so it must be what browsers and SPs see.
    pub public_url: String,
    /// Cookies carry `Secure` (set when the public URL is https).
    pub secure_cookies: bool,
    /// The upstream IdP users sign in with when sign-in is delegated
    /// (`--external-idp-metadata`); `None`: the built-in directory's passwords.
    pub external_idp: Option<EntityDescriptor>,
}

impl WebConfig {
    /// Settings for a public origin; `Secure` cookies when it is https.
    pub fn new(public_url: &str) -> WebConfig {
        let public_url = public_url.trim_end_matches('/').to_owned();
        WebConfig {
            secure_cookies: public_url.starts_with("https://"),
            public_url,
            external_idp: None,
        }
    }
}

/// What every handler shares.
pub struct AppState {
    /// The SCIM service, and through it the store.
    pub scim: Arc<ScimService>,
    /// Settings.
    pub config: WebConfig,
    /// The key that authenticates session cookies and CSRF tokens (HMAC-SHA256), kept in the
    /// store so that every instance on one database accepts the others' cookies.
    pub cookie_key: [u8; 32],
}

impl AppState {
    /// The store.
    pub fn store(&self) -> &dyn Store {
        self.scim.store()
    }
}

/// Record namespace of server secrets.
pub const SECRETS: &str = "secret";

/// The cookie key from the store, made from the OS RNG on first start. The first of several
/// instances starting at once wins the insert; the others read its key.
pub fn cookie_key(store: &dyn Store) -> Result<[u8; 32], StoreError> {
    let mut fresh = [0u8; 32];
    getrandom::fill(&mut fresh).map_err(|e| StoreError::Database(format!("OS RNG: {e}")))?;
    let encoded: String = fresh.iter().map(|b| format!("{b:02x}")).collect();
    let mut tx = store.begin()?;
    tx.record_insert_new(SECRETS, "cookie-key", &json!({ "key": encoded }), None, 0)?;
    let doc = tx
        .record_get(SECRETS, "cookie-key", 0)?
        .ok_or_else(|| StoreError::Corrupt("cookie key missing after insert".into()))?;
    tx.commit()?;
    let text = doc
        .get("key")
        .and_then(|k| k.as_str())
        .ok_or_else(|| StoreError::Corrupt("cookie key record".into()))?;
    let mut key = [0u8; 32];
    if text.len() != 64 || !text.is_ascii() {
        return Err(StoreError::Corrupt("cookie key length".into()));
    }
    for (i, byte) in key.iter_mut().enumerate() {
        let pair = text.get(2 * i..2 * i + 2).unwrap_or("zz");
        *byte = u8::from_str_radix(pair, 16)
            .map_err(|_| StoreError::Corrupt("cookie key is not hex".into()))?;
    }
    Ok(key)
}

/// The router of everything identity-center serves.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .merge(admin_api::routes())
        .merge(admin_directory::routes())
        .merge(console::routes())
        .merge(saml_idp::routes())
        .merge(portal::routes())
        .fallback(http::handle)
        .with_state(state)
}
