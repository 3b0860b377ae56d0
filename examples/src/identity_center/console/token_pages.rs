//! The console's SCIM tokens (AWS: at most two at a time, so one can be rotated while the other
//! still works): create (the secret shown once, on the answer to the POST, never stored),
//! list with creation and last-use time, revoke with a confirmation step.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, SecondsFormat, Utc};

use crate::identity_center::console::page::{alert, console_page, csrf_field};
use crate::identity_center::console::{require_admin, require_admin_form};
use crate::identity_center::html::escape;
use crate::identity_center::portal::{
    MAX_FORM_BYTES, blocking, field, form_too_large, percent_encode, read_form, see_other,
};
use crate::identity_center::session::Session;
use crate::identity_center::store::StoreError;
use crate::identity_center::token_usage;
use crate::identity_center::tokens::{MAX_SCIM_TOKENS, TokenKind};
use crate::identity_center::web::AppState;
use crate::identity_center::{RunError, new_token};

/// The routes of the token pages.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/console/tokens", get(list).post(create))
        .route("/admin/console/tokens/{id}/revoke", post(revoke))
}

fn list_body(state: &AppState, session: &Session) -> Result<String, StoreError> {
    let mut tx = state.store().begin()?;
    let tokens: Vec<_> = tx
        .list_tokens()?
        .into_iter()
        .filter(|t| t.kind == TokenKind::Scim)
        .collect();
    let mut rows = String::new();
    for t in &tokens {
        let last_used = match token_usage::last_used(tx.as_mut(), &t.id)? {
            Some(at) => DateTime::<Utc>::from_timestamp(at, 0)
                .map(|d| d.to_rfc3339_opts(SecondsFormat::Secs, true))
                .unwrap_or_default(),
            None => "Never".to_owned(),
        };
        rows.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td><form method=\"post\" action=\"/admin/console/tokens/{}/revoke\">{}<button type=\"submit\" aria-label=\"Revoke token {}\">Revoke…</button></form></td></tr>",
                escape(&t.id),
                escape(&t.created),
                escape(&last_used),
                percent_encode(&t.id),
                csrf_field(session),
                escape(&t.id)
            ));
    }
    let create = if tokens.len() < MAX_SCIM_TOKENS {
        format!(
            "<form method=\"post\" action=\"/admin/console/tokens\">{}<button type=\"submit\">Create SCIM token</button></form>",
            csrf_field(session)
        )
    } else {
        format!(
            "<p>There are {MAX_SCIM_TOKENS} SCIM tokens, the most at a time: revoke one to create another.</p>"
        )
    };
    Ok(format!(
        "<table><caption>SCIM tokens ({} of {MAX_SCIM_TOKENS})</caption><thead><tr><th scope=\"col\">Token id</th><th scope=\"col\">Created</th><th scope=\"col\">Last used</th><th scope=\"col\">Action</th></tr></thead><tbody>{rows}</tbody></table>{create}",
        tokens.len()
    ))
}

async fn list(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    blocking(state, move |state| {
        let session = match require_admin(state, &headers)? {
            Ok(session) => session,
            Err(redirect) => return Ok(redirect),
        };
        let body = list_body(state, &session)?;
        Ok(console_page(&session, StatusCode::OK, "SCIM tokens", &body))
    })
    .await
}

async fn create(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    let Some(form) = read_form(body, MAX_FORM_BYTES).await else {
        return form_too_large();
    };
    blocking(state, move |state| {
        let session = match require_admin_form(state, &headers, &form)? {
            Ok(session) => session,
            Err(refused) => return Ok(refused),
        };
        let (status, notice) = match new_token(state.store(), TokenKind::Scim) {
            Ok((record, secret)) => (
                StatusCode::CREATED,
                format!(
                    "<div role=\"status\"><p>SCIM token <code>{}</code> created. Copy it now: it is shown only this once.</p>\
<label for=\"secret\">Token</label><input type=\"text\" id=\"secret\" readonly value=\"{}\"></div>",
                    escape(&record.id),
                    escape(&secret)
                ),
            ),
            Err(RunError::Usage(message)) => {
                (StatusCode::CONFLICT, alert("scim_token_limit_reached", &message))
            }
            Err(RunError::Store(error)) => return Err(error),
            Err(RunError::Io(message)) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                alert("internal_error", &message),
            ),
        };
        let body = format!("{notice}{}", list_body(state, &session)?);
        Ok(console_page(&session, status, "SCIM tokens", &body))
    })
    .await
}

async fn revoke(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(form) = read_form(body, MAX_FORM_BYTES).await else {
        return form_too_large();
    };
    blocking(state, move |state| {
        let session = match require_admin_form(state, &headers, &form)? {
            Ok(session) => session,
            Err(refused) => return Ok(refused),
        };
        if field(&form, "confirm") != Some("yes") {
            let body = format!(
                "<p>Revoke SCIM token <code>{}</code>? An identity provider using it stops provisioning at once.</p>\
<form method=\"post\" action=\"/admin/console/tokens/{}/revoke\">{}<input type=\"hidden\" name=\"confirm\" value=\"yes\">\
<button type=\"submit\">Yes, revoke</button></form><p><a href=\"/admin/console/tokens\">No, keep it</a></p>",
                escape(&id),
                percent_encode(&id),
                csrf_field(&session)
            );
            return Ok(console_page(&session, StatusCode::OK, "Confirm revocation", &body));
        }
        let mut tx = state.store().begin()?;
        // Only SCIM tokens are managed here; admin tokens stay with the command line.
        let is_scim = tx
            .list_tokens()?
            .iter()
            .any(|t| t.id == id && t.kind == TokenKind::Scim);
        if !is_scim || !tx.revoke_token(&id)? {
            let body = alert("token_not_found", "There is no SCIM token with this id.");
            return Ok(console_page(&session, StatusCode::NOT_FOUND, "SCIM tokens", &body));
        }
        token_usage::forget(tx.as_mut(), &id)?;
        tx.commit()?;
        Ok(see_other("/admin/console/tokens", &[]))
    })
    .await
}
