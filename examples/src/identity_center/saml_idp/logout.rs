//! Single logout. An SP's signed LogoutRequest ends the identity-center session it names and
//! is answered with a signed LogoutResponse at the SP's SLO URL; [`logout_requests`] builds
//! the LogoutRequests identity-center sends when the user signs out of the portal, and the
//! SPs' LogoutResponses to them are accepted here.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use fedkit_saml::{
    InMemoryRequestTracker, LogoutRequest, LogoutResponse, NameId, PostField, ReceivedMessage,
    RedirectLimits, RedirectQuery, Status, post_form, redirect_url,
};
use fedkit_xml::Limits;
use fedkit_xmldsig::VerifyPolicy;
use serde_json::{Value, json};

use super::assertion::session_index_key;
use super::authn::{Binding, CLOCK_SKEW, MAX_RELAY_STATE_BYTES, single_field};
use super::{
    LOGOUT_REQUESTS, SESSION_INDEXES, SsoError, auto_post, endpoint, entity_id, load_app, rng,
    sp_trust,
};
use crate::identity_center::apps::{self, Application, SloBinding};
use crate::identity_center::html;
use crate::identity_center::http::query_pairs;
use crate::identity_center::session::{self, SESSIONS, Session};
use crate::identity_center::store::Transaction;
use crate::identity_center::tokens;
use crate::identity_center::web::AppState;

/// How long a LogoutRequest identity-center sends stays answerable.
const LOGOUT_LIFETIME: TimeDelta = TimeDelta::minutes(5);

/// The signed message of a binding; logout messages are never accepted unsigned
/// (GHSA-vx8m-6fhw-pccw).
fn received(
    app: &Application,
    binding: &Binding<'_>,
    now: DateTime<Utc>,
) -> Result<(PostField, ReceivedMessage), SsoError> {
    let trust = sp_trust(app)?;
    let policy = VerifyPolicy::default();
    let limits = Limits::default();
    let (field, message) = match binding {
        Binding::Redirect(query) => {
            let redirect_limits = RedirectLimits::default();
            let query = RedirectQuery::parse(query, &redirect_limits)?;
            if !query.is_signed() {
                return Err(SsoError::LogoutUnsigned);
            }
            let message = query.verify(&trust, &policy, now, &redirect_limits)?;
            (
                message.field(),
                ReceivedMessage::from_redirect(&message, &limits)?,
            )
        }
        Binding::Post(body) => {
            let fields = query_pairs(Some(body));
            let request = single_field(&fields, "SAMLRequest", "SAMLRequest appears twice")?;
            let response = single_field(&fields, "SAMLResponse", "SAMLResponse appears twice")?;
            let relay = single_field(&fields, "RelayState", "RelayState appears twice")?;
            let (field, value) = match (request, response) {
                (Some(value), None) => (PostField::Request, value),
                (None, Some(value)) => (PostField::Response, value),
                _ => {
                    return Err(SsoError::FieldInvalid(
                        "expected one of SAMLRequest and SAMLResponse",
                    ));
                }
            };
            let message =
                ReceivedMessage::from_post_unverified(value, relay, &trust, &policy, now, &limits)?;
            (field, message)
        }
    };
    if !message.is_signed() {
        return Err(SsoError::LogoutUnsigned);
    }
    if message
        .relay_state()
        .is_some_and(|r| r.len() > MAX_RELAY_STATE_BYTES)
    {
        return Err(SsoError::RelayStateTooLong);
    }
    Ok((field, message))
}

/// `GET|POST /saml/APP/slo`.
pub(super) fn receive(
    state: &AppState,
    app_id: &str,
    binding: Binding<'_>,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Result<Response, SsoError> {
    let mut tx = state.store().begin()?;
    let app = load_app(tx.as_mut(), app_id, now.timestamp())?;
    let (field, message) = received(&app, &binding, now)?;
    let response = match field {
        PostField::Request => logout_request(state, tx.as_mut(), &app, &message, headers, now)?,
        PostField::Response => logout_response(state, tx.as_mut(), &app, &message, now)?,
    };
    tx.commit()?;
    Ok(response)
}

/// Ends the sessions an SP's LogoutRequest names (by SessionIndex, for this subject; without
/// SessionIndex, the browser's own session if this subject has one at this application) and
/// answers with a signed LogoutResponse.
fn logout_request(
    state: &AppState,
    tx: &mut dyn Transaction,
    app: &Application,
    message: &ReceivedMessage,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Result<Response, SsoError> {
    let request = LogoutRequest::read(
        message,
        &app.entity_id,
        &endpoint(state, &app.id, "slo"),
        now,
        CLOCK_SKEW,
    )?;
    let slo_url = app.slo_url.clone().ok_or(SsoError::SloUrlMissing)?;
    let current = session::current_sign_in(state, tx, headers, now.timestamp())?;
    let current_key = current.as_ref().map(|s| tokens::hash(&s.id));
    let indexes: Vec<String> = if request.session_indexes.is_empty() {
        current
            .iter()
            .flat_map(|s| s.applications.iter())
            .filter(|(a, _)| *a == app.id)
            .map(|(_, index)| index.clone())
            .collect()
    } else {
        request.session_indexes.clone()
    };
    let mut ended_current = false;
    for index in &indexes {
        let key = session_index_key(&app.id, index);
        let Some(doc) = tx.record_get(SESSION_INDEXES, &key, now.timestamp())? else {
            continue;
        };
        let field = |name: &str| doc.get(name).and_then(Value::as_str).map(str::to_owned);
        if field("app").as_deref() != Some(app.id.as_str())
            || field("name_id").as_deref() != Some(request.name_id.value.as_str())
        {
            continue;
        }
        if let Some(session_key) = field("session") {
            tx.record_delete(SESSIONS, &session_key)?;
            ended_current |= current_key.as_deref() == Some(session_key.as_str());
        }
        tx.record_delete(SESSION_INDEXES, &key)?;
    }
    if ended_current && let Some(session) = &current {
        session::end(tx, session)?;
    }

    let set = apps::load_certificates(tx, &app.id, now.timestamp())?
        .ok_or(SsoError::CertificateMissing)?;
    let idp = fedkit_saml::IdentityProvider::new(
        entity_id(state, &app.id),
        set.active(),
        fedkit_certs::default_provider(),
    )
    .map_err(|e| SsoError::BuildFailed(e.code()))?;
    let answer = LogoutResponse::new(
        entity_id(state, &app.id),
        &slo_url,
        &request,
        Status::success(),
        now,
        &mut rng(),
    );
    let clear = ended_current.then(|| session::clear_cookie(state));
    if app.slo_binding == SloBinding::Redirect {
        // HTTP-Redirect (SAML bindings §3.4.4.1): the signature is over the query, not in the
        // XML.
        let url = redirect_url(
            &slo_url,
            PostField::Response,
            &answer.to_xml(),
            message.relay_state(),
            Some(idp.signer()),
            &mut rng(),
        )
        .map_err(|e| SsoError::BuildFailed(e.code()))?;
        return Ok(redirect(&url, clear));
    }
    let signed = idp
        .signer()
        .sign_xml(&answer.to_xml(), &mut rng())
        .map_err(|e| SsoError::BuildFailed(e.code()))?;
    let html = post_form(
        &slo_url,
        PostField::Response,
        &signed,
        message.relay_state(),
    )
    .map_err(|_| SsoError::AppConfigurationInvalid("the SLO URL is not http(s)".into()))?;
    Ok(auto_post(html, clear))
}

/// A 302 to an SP's Redirect-binding endpoint, not cached, clearing the session cookie when the
/// logout ended this browser's session.
fn redirect(url: &str, set_cookie: Option<String>) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    let headers = response.headers_mut();
    if let Ok(location) = HeaderValue::from_str(url) {
        headers.insert(header::LOCATION, location);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(cookie) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        headers.insert(header::SET_COOKIE, cookie);
    }
    response
}

/// An SP's answer to a LogoutRequest identity-center sent.
fn logout_response(
    state: &AppState,
    tx: &mut dyn Transaction,
    app: &Application,
    message: &ReceivedMessage,
    now: DateTime<Utc>,
) -> Result<Response, SsoError> {
    let mut tracker = InMemoryRequestTracker::new();
    let mut keys = Vec::new();
    for (key, doc) in tx.record_list(LOGOUT_REQUESTS, now.timestamp())? {
        let field = |name: &str| doc.get(name).and_then(Value::as_str).map(str::to_owned);
        let expires = doc
            .get("expires")
            .and_then(Value::as_i64)
            .and_then(|t| DateTime::from_timestamp(t, 0));
        if let (Some(id), Some(expires)) = (field("id"), expires)
            && field("app").as_deref() == Some(app.id.as_str())
        {
            tracker.track(id.clone(), expires);
            keys.push((id, key));
        }
    }
    let answer = LogoutResponse::read(
        message,
        &app.entity_id,
        &endpoint(state, &app.id, "slo"),
        now,
        &mut tracker,
    )
    .map_err(|e| match e {
        fedkit_saml::Error::InResponseToUnknown { .. }
        | fedkit_saml::Error::InResponseToMissing => SsoError::LogoutResponseUnexpected,
        other => SsoError::from(other),
    })?;
    if let Some((_, key)) = keys
        .iter()
        .find(|(id, _)| answer.in_response_to.as_deref() == Some(id.as_str()))
    {
        tx.record_delete(LOGOUT_REQUESTS, key)?;
    }
    let mut response = html::page(
        "Signed out",
        &format!(
            "<p>You are signed out of {}.</p><p><a href=\"/\">Back to the portal</a></p>",
            html::escape(&app.name)
        ),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The signed HTTP-Redirect LogoutRequests that sign `session`'s user out of every
/// application that has an SLO URL, as `(application id, URL)`; each request is remembered
/// (in `tx`) so that the SP's LogoutResponse is accepted once. For the portal's sign-out.
pub fn logout_requests(
    state: &AppState,
    tx: &mut dyn Transaction,
    session: &Session,
    now: DateTime<Utc>,
) -> Result<Vec<(String, String)>, SsoError> {
    let mut out = Vec::new();
    for (app_id, index) in &session.applications {
        let Some(app) = apps::load(tx, app_id, now.timestamp())? else {
            continue;
        };
        let Some(slo_url) = app.slo_url.as_deref() else {
            continue;
        };
        let Some(doc) = tx.record_get(
            SESSION_INDEXES,
            &session_index_key(app_id, index),
            now.timestamp(),
        )?
        else {
            continue;
        };
        let Some(name_id) = doc.get("name_id").and_then(Value::as_str) else {
            continue;
        };
        let Some(set) = apps::load_certificates(tx, app_id, now.timestamp())? else {
            continue;
        };
        let idp = fedkit_saml::IdentityProvider::new(
            entity_id(state, app_id),
            set.active(),
            fedkit_certs::default_provider(),
        )
        .map_err(|e| SsoError::BuildFailed(e.code()))?;
        let request = LogoutRequest::new(
            entity_id(state, app_id),
            slo_url,
            NameId::new(name_id, &app.name_id.format),
            Some(index.clone()),
            LOGOUT_LIFETIME,
            now,
            &mut rng(),
        );
        let url = redirect_url(
            slo_url,
            PostField::Request,
            &request.to_xml(),
            None,
            Some(idp.signer()),
            &mut rng(),
        )
        .map_err(|e| SsoError::BuildFailed(e.code()))?;
        let expires = (now + LOGOUT_LIFETIME).timestamp();
        tx.record_put(
            LOGOUT_REQUESTS,
            &tokens::hash(&format!("{app_id}\n{}", request.id)),
            &json!({ "app": app_id, "id": request.id, "expires": expires }),
            Some(expires),
        )?;
        out.push((app_id.clone(), url));
    }
    Ok(out)
}
