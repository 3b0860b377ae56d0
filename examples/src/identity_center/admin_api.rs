//! The admin API under `/admin`: applications (register by JSON or from SP metadata, replace,
//! delete), their assignments and signing certificates, and the built-in directory's
//! passwords. JSON in and out; every request needs an admin bearer token
//! (`identity-center token new --kind admin`). One store transaction per request, so a
//! refused request changes nothing.

pub(crate) mod certificates;
mod error;
pub(crate) mod registration;

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post, put};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::identity_center::apps::{self, Application, Assignment, PrincipalKind};
use crate::identity_center::passwords::{self, PasswordError, PasswordPolicy};
use crate::identity_center::store::{ResourceKind, Transaction};
use crate::identity_center::tokens::{self, TokenKind};
use crate::identity_center::web::AppState;

pub use error::AdminError;

/// The routes of this module.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/admin/applications",
            get(list_applications).post(create_application),
        )
        .route(
            "/admin/applications/{id}",
            get(get_application)
                .put(replace_application)
                .delete(delete_application),
        )
        .route("/admin/applications/{id}/assignments", post(add_assignment))
        .route(
            "/admin/applications/{id}/assignments/{kind}/{principal}",
            delete(remove_assignment),
        )
        .route(
            "/admin/applications/{id}/certificates",
            get(certificates::list).post(certificates::create),
        )
        .route(
            "/admin/applications/{id}/certificates/{cid}/activate",
            post(certificates::activate),
        )
        .route(
            "/admin/applications/{id}/certificates/{cid}",
            delete(certificates::remove),
        )
        .route(
            "/admin/users/{id}/password",
            put(set_password).delete(delete_password),
        )
        .route("/admin/{*rest}", any(not_found))
        .method_not_allowed_fallback(method_not_allowed)
}

/// Paths under `/admin` that name no endpoint: the JSON error, not the SCIM one.
async fn not_found(uri: axum::http::Uri) -> Response {
    AdminError::NotFound(uri.path().to_owned()).into_response()
}

/// A method an endpoint does not have (axum adds the `Allow` header).
async fn method_not_allowed() -> Response {
    AdminError::MethodNotAllowed.into_response()
}

/// Checks the bearer token: an admin token passes; a SCIM token is refused with 403
/// (RFC 6750 §3.1 `insufficient_scope`: a valid token without the right); anything else 401.
fn authorize(tx: &mut dyn Transaction, headers: &HeaderMap) -> Result<(), AdminError> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
        .ok_or(AdminError::Unauthorized)?;
    match tx.find_token(&tokens::hash(presented))? {
        Some(record) if record.kind == TokenKind::Admin => Ok(()),
        Some(_) => Err(AdminError::NotAdminToken),
        None => Err(AdminError::InvalidToken),
    }
}

/// Runs `work` on a blocking thread (the store is synchronous), off the async runtime.
async fn blocking<T, F>(work: F) -> Result<T, AdminError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, AdminError> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| AdminError::Internal("worker failed".into()))?
}

/// Runs `work` in one authorized transaction, committed only when it succeeds.
async fn transaction<T, F>(
    state: Arc<AppState>,
    headers: HeaderMap,
    work: F,
) -> Result<T, AdminError>
where
    T: Send + 'static,
    F: FnOnce(&mut dyn Transaction, &AppState, DateTime<Utc>) -> Result<T, AdminError>
        + Send
        + 'static,
{
    let now = Utc::now();
    blocking(move || {
        let mut tx = state.store().begin()?;
        authorize(&mut *tx, &headers)?;
        let out = work(&mut *tx, &state, now)?;
        tx.commit()?;
        Ok(out)
    })
    .await
}

/// What a request body is.
enum Payload {
    /// `application/json` (or `…+json`).
    Json(Value),
    /// `application/samlmetadata+xml` (or `application/xml`, `text/xml`): SP metadata.
    Metadata(String),
    /// No body.
    Empty,
}

/// Reads a body up to the configured limit and sorts it by Content-Type.
async fn read_payload(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<Payload, AdminError> {
    let limit = state.scim.config().max_body_bytes;
    // One byte past the limit, so that exactly the limit passes and one more fails.
    let bytes: Bytes = match to_bytes(body, limit.saturating_add(1)).await {
        Ok(bytes) if bytes.len() <= limit => bytes,
        _ => return Err(AdminError::PayloadTooLarge(limit)),
    };
    if bytes.is_empty() {
        return Ok(Payload::Empty);
    }
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match media_type.as_str() {
        "application/json" => {}
        "application/samlmetadata+xml" | "application/xml" | "text/xml" => {
            let text = String::from_utf8(bytes.to_vec())
                .map_err(|_| AdminError::InvalidMetadata("not UTF-8".into()))?;
            return Ok(Payload::Metadata(text));
        }
        other if other.ends_with("+json") => {}
        other => return Err(AdminError::UnsupportedMediaType(other.to_owned())),
    }
    serde_json::from_slice(&bytes)
        .map(Payload::Json)
        .map_err(|e| AdminError::InvalidJson(e.to_string()))
}

/// A JSON body into `T`, refusing other bodies.
fn json_body<T: serde::de::DeserializeOwned>(payload: Payload) -> Result<T, AdminError> {
    match payload {
        Payload::Json(value) => {
            serde_json::from_value(value).map_err(|e| AdminError::InvalidBody(e.to_string()))
        }
        Payload::Empty => Err(AdminError::InvalidBody("a JSON body is required".into())),
        Payload::Metadata(_) => Err(AdminError::UnsupportedMediaType(
            "application/samlmetadata+xml".into(),
        )),
    }
}

fn reply(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn load_app(
    tx: &mut dyn Transaction,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Application, AdminError> {
    apps::load(tx, id, now.timestamp())?
        .ok_or_else(|| AdminError::ApplicationNotFound(id.to_owned()))
}

/// The JSON of an application: its record and the identity-center endpoints SPs configure.
fn application_json(app: &Application, state: &AppState) -> Value {
    let mut doc = serde_json::to_value(app).unwrap_or(Value::Null);
    let base = format!("{}/saml/{}", state.config.public_url, app.id);
    if let Some(object) = doc.as_object_mut() {
        object.insert("idpEntityId".into(), json!(base));
        object.insert("idpMetadataUrl".into(), json!(format!("{base}/metadata")));
        object.insert("idpSsoUrl".into(), json!(format!("{base}/sso")));
        object.insert("idpSloUrl".into(), json!(format!("{base}/slo")));
    }
    doc
}

async fn list_applications(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let result = transaction(state, headers, |tx, state, now| {
        let apps = apps::list(tx, now.timestamp())?;
        let items: Vec<Value> = apps.iter().map(|a| application_json(a, state)).collect();
        Ok(reply(StatusCode::OK, json!({ "applications": items })))
    })
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn get_application(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = transaction(state, headers, move |tx, state, now| {
        let app = load_app(tx, &id, now)?;
        Ok(reply(StatusCode::OK, application_json(&app, state)))
    })
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `?name=` for a metadata body, which has no room for a display name. Read leniently (the
/// last `name` wins) so that no query is refused outside the JSON error format.
fn name_parameter(query: Option<&str>) -> Option<String> {
    crate::identity_center::http::query_pairs(query)
        .into_iter()
        .filter(|(k, _)| k == "name")
        .map(|(_, v)| v)
        .next_back()
}

async fn create_application(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    registration::create(state, name_parameter(query.as_deref()), headers, body)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn replace_application(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    registration::replace(state, id, name_parameter(query.as_deref()), headers, body)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn delete_application(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = transaction(state, headers, move |tx, _, _| {
        if !apps::delete(tx, &id)? {
            return Err(AdminError::ApplicationNotFound(id));
        }
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// Checks that an assignment's principal is a SCIM user or group of that type.
fn check_principal(tx: &mut dyn Transaction, assignment: &Assignment) -> Result<(), AdminError> {
    let kind = match assignment.kind {
        PrincipalKind::User => ResourceKind::User,
        PrincipalKind::Group => ResourceKind::Group,
    };
    if tx.get(kind, &assignment.id)?.is_none() {
        return Err(AdminError::UnknownPrincipal(assignment.clone()));
    }
    Ok(())
}

async fn add_assignment(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // Parse errors wait until the token is checked, so that only admins learn them.
    let payload = read_payload(&state, &headers, body).await;
    let result = transaction(state, headers, move |tx, _, now| {
        let assignment: Assignment = json_body(payload?)?;
        let mut app = load_app(tx, &id, now)?;
        if app.assignments.contains(&assignment) {
            return Err(AdminError::AssignmentExists(assignment));
        }
        check_principal(tx, &assignment)?;
        app.assignments.push(assignment.clone());
        apps::save(tx, &app)?;
        Ok(reply(
            StatusCode::CREATED,
            serde_json::to_value(&assignment).unwrap_or(Value::Null),
        ))
    })
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn remove_assignment(
    State(state): State<Arc<AppState>>,
    Path((id, kind, principal)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let result = transaction(state, headers, move |tx, _, now| {
        let kind = match kind.as_str() {
            "user" => PrincipalKind::User,
            "group" => PrincipalKind::Group,
            _ => return Err(AdminError::InvalidPrincipalType(kind)),
        };
        let mut app = load_app(tx, &id, now)?;
        let before = app.assignments.len();
        app.assignments
            .retain(|a| !(a.kind == kind && a.id == principal));
        if app.assignments.len() == before {
            return Err(AdminError::AssignmentNotFound);
        }
        apps::save(tx, &app)?;
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    password: String,
}

/// `PUT /admin/users/{id}/password`: checked in one transaction, hashed outside any (argon2
/// is memory-hard on purpose), stored in a second that checks the user again.
async fn set_password(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let payload = read_payload(&state, &headers, body).await;
    let unknown = |id: &str| {
        let id = id.to_owned();
        move |e| match e {
            PasswordError::UnknownUser => AdminError::UserNotFound(id),
            other => other.into(),
        }
    };
    let result = async {
        let user = id.clone();
        let password = transaction(Arc::clone(&state), headers.clone(), move |tx, _, _| {
            let body: PasswordBody = json_body(payload?)?;
            passwords::check_policy(&body.password, &PasswordPolicy::default())
                .map_err(unknown(&user))?;
            if tx.get(ResourceKind::User, &user)?.is_none() {
                return Err(AdminError::UserNotFound(user));
            }
            Ok(body.password)
        })
        .await?;
        let phc = blocking(move || passwords::hash(&password).map_err(AdminError::from)).await?;
        transaction(state, headers, move |tx, _, _| {
            passwords::store_hash(tx, &id, &phc).map_err(unknown(&id))?;
            Ok(StatusCode::NO_CONTENT.into_response())
        })
        .await
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn delete_password(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = transaction(state, headers, move |tx, _, _| {
        if tx.get(ResourceKind::User, &id)?.is_none() {
            return Err(AdminError::UserNotFound(id));
        }
        if !passwords::delete(tx, &id)? {
            return Err(AdminError::PasswordNotSet);
        }
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}
