//! The Response a signed-in, assigned user takes to an application: NameID and attributes from
//! the application's mappings, signed with its active certificate, encrypted when it asks,
//! posted to its registered ACS URL and nowhere else.

use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use fedkit_certs::rand_core::Rng as _;
use fedkit_certs::{Certificate, default_provider};
use fedkit_saml::names::STATUS_RESPONDER;
use fedkit_saml::{
    Attribute, AttributeValue, IdentityProvider, NameId, PostField, ResponseParams, SignatureScope,
    Status, post_form,
};
use serde_json::{Value, json};

use super::authn::{Checked, single_field};
use super::{SESSION_INDEXES, SsoError, auto_post, entity_id, load_app, rng};
use crate::identity_center::apps::{self, Application};
use crate::identity_center::http::query_pairs;
use crate::identity_center::mapping;
use crate::identity_center::session::{self, Session};
use crate::identity_center::store::{ResourceKind, Transaction};
use crate::identity_center::tokens;
use crate::identity_center::web::AppState;

/// SAML core §3.2.2.2: the IdP cannot authenticate without asking the user.
const STATUS_NO_PASSIVE: &str = "urn:oasis:names:tc:SAML:2.0:status:NoPassive";

fn identity_provider(
    state: &AppState,
    tx: &mut dyn Transaction,
    app: &Application,
    now: DateTime<Utc>,
) -> Result<IdentityProvider, SsoError> {
    let set = apps::load_certificates(tx, &app.id, now.timestamp())?
        .ok_or(SsoError::CertificateMissing)?;
    IdentityProvider::new(entity_id(state, &app.id), set.active(), default_provider())
        .map_err(|e| SsoError::BuildFailed(e.code()))
}

fn new_session_index() -> String {
    let mut bytes = [0u8; 20];
    rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("_si{hex}")
}

/// The key of a SessionIndex record.
pub(super) fn session_index_key(app_id: &str, session_index: &str) -> String {
    tokens::hash(&format!("{app_id}\n{session_index}"))
}

fn post_to_acs(
    app: &Application,
    xml: &str,
    relay_state: Option<&str>,
) -> Result<Response, SsoError> {
    let html = post_form(&app.acs_url, PostField::Response, xml, relay_state)
        .map_err(|_| SsoError::AppConfigurationInvalid("the ACS URL is not http(s)".to_owned()))?;
    Ok(auto_post(html, None))
}

/// A signed Response for the session's user, as the auto-posting page to the ACS URL; the
/// SessionIndex is remembered in the session for single logout. Writes go to `tx`, which the
/// caller commits.
pub(super) fn respond(
    state: &AppState,
    tx: &mut dyn Transaction,
    app: &Application,
    session: &mut Session,
    in_response_to: Option<&str>,
    relay_state: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Response, SsoError> {
    let user = tx
        .get(ResourceKind::User, &session.user_id)?
        .ok_or(SsoError::UserNotFound)?;
    // SCIM `active` absent means active (RFC 7643 §4.1.1 leaves it to the provider).
    if user.get("active").and_then(Value::as_bool) == Some(false) {
        return Err(SsoError::UserDisabled);
    }
    let groups = tx.groups_of(&session.user_id)?;
    if !apps::is_assigned(tx, app, &session.user_id)? {
        return Err(SsoError::NotAssigned(app.name.clone()));
    }
    let name_id = match mapping::evaluate(&app.name_id.source, &user, &groups).as_slice() {
        [one] => one.clone(),
        [] => return Err(SsoError::NameIdUnavailable),
        _ => return Err(SsoError::NameIdAmbiguous),
    };
    let attributes = app
        .attributes
        .iter()
        .filter_map(|m| {
            let values = mapping::evaluate(&m.value, &user, &groups);
            (!values.is_empty()).then(|| Attribute {
                name: m.name.clone(),
                name_format: m.name_format.clone(),
                friendly_name: None,
                values: values.into_iter().map(AttributeValue::string).collect(),
            })
        })
        .collect();
    let encrypt_to = app
        .encryption_certificate
        .as_deref()
        .map(Certificate::parse)
        .transpose()
        .map_err(|e| SsoError::AppConfigurationInvalid(format!("encryption certificate: {e}")))?;
    let idp = identity_provider(state, tx, app, now)?;

    let session_index = match session.applications.iter().find(|(a, _)| *a == app.id) {
        Some((_, index)) => index.clone(),
        None => {
            let index = new_session_index();
            session.applications.push((app.id.clone(), index.clone()));
            session::save(tx, session)?;
            index
        }
    };
    tx.record_put(
        SESSION_INDEXES,
        &session_index_key(&app.id, &session_index),
        &json!({
            "session": tokens::hash(&session.id),
            "app": app.id,
            "name_id": name_id,
        }),
        Some(session.expires),
    )?;

    let mut params = ResponseParams::new(
        &app.acs_url,
        &app.entity_id,
        NameId::new(name_id, &app.name_id.format),
    );
    params.attributes = attributes;
    params.in_response_to = in_response_to.map(str::to_owned);
    params.session_index = Some(session_index);
    params.encrypt_to = encrypt_to;
    let xml = idp
        .response(&params, now, &mut rng())
        .map_err(|e| SsoError::BuildFailed(e.code()))?;
    post_to_acs(app, &xml, relay_state)
}

/// IsPassive and nobody signed in: a signed Response with status Responder/NoPassive, so the
/// SP learns at once that it must ask for a visible sign-in.
pub(super) fn no_passive(
    state: &AppState,
    tx: &mut dyn Transaction,
    app: &Application,
    checked: &Checked,
    now: DateTime<Utc>,
) -> Result<Response, SsoError> {
    let idp = identity_provider(state, tx, app, now)?;
    let mut params = ResponseParams::new(&app.acs_url, &app.entity_id, NameId::default());
    params.in_response_to = Some(checked.request_id.clone());
    params.scope = SignatureScope::Response;
    params.status = Status {
        code: STATUS_RESPONDER.to_owned(),
        sub_codes: vec![STATUS_NO_PASSIVE.to_owned()],
        message: None,
    };
    let xml = idp
        .response(&params, now, &mut rng())
        .map_err(|e| SsoError::BuildFailed(e.code()))?;
    post_to_acs(app, &xml, checked.relay_state.as_deref())
}

/// `POST /saml/APP/initiate`: IdP-initiated sign-in from the portal's tile; an unsolicited
/// Response, with the application's start URL as RelayState.
pub(super) fn initiate(
    state: &AppState,
    app_id: &str,
    body: &str,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Result<Response, SsoError> {
    let mut tx = state.store().begin()?;
    let app = load_app(tx.as_mut(), app_id, now.timestamp())?;
    let mut session = session::current_sign_in(state, tx.as_mut(), headers, now.timestamp())?
        .ok_or(SsoError::NotSignedIn)?;
    let fields = query_pairs(Some(body));
    let csrf = single_field(&fields, "csrf", "csrf appears twice")?.unwrap_or_default();
    if !session::csrf_ok(&session, csrf) {
        return Err(SsoError::CsrfMismatch);
    }
    let response = respond(
        state,
        tx.as_mut(),
        &app,
        &mut session,
        None,
        app.start_url.as_deref(),
        now,
    )?;
    tx.commit()?;
    Ok(response)
}
