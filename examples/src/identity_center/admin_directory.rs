//! Manual provisioning: users and groups created, changed and deleted by an administrator, over
//! the admin API (`/admin/users`, `/admin/groups`, JSON, admin bearer token) and the console.
//! Every operation goes through the SCIM service's own create, replace, patch, delete and list
//! (fedkit-scim's schema rules, the same uniqueness, normalisation and profile checks), so a
//! user made by hand and one made over SCIM cannot differ. What SCIM created is read-only here
//! (`managed_by_scim`, as AWS IAM Identity Center does once automatic provisioning is on);
//! what an administrator created stays editable.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::identity_center::admin_api::AdminError;
use crate::identity_center::api_error::ApiError;
use crate::identity_center::config::Profile;
use crate::identity_center::http::query_pairs;
use crate::identity_center::origin::{self, Origin};
use crate::identity_center::scim_api::{ScimRequest, ScimService};
use crate::identity_center::store::{ResourceKind, Transaction};
use crate::identity_center::tokens::{self, TokenKind};
use crate::identity_center::web::AppState;

/// The top-level key the admin API adds to each resource: who created it (`scim`, `admin`).
pub const MANAGED_BY: &str = "managedBy";

/// Why a manual provisioning request was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DirectoryError {
    /// Authentication and body reading, as the rest of the admin API.
    #[error(transparent)]
    Admin(#[from] AdminError),
    /// A SCIM rule (schema, uniqueness, filter, unknown member, not found), with the code the
    /// SCIM API gives it.
    #[error(transparent)]
    Scim(#[from] ApiError),
    /// SCIM provisioning created this resource, so only SCIM may change it.
    #[error(
        "this {0} was created by automatic provisioning (SCIM) and is read-only here: change it in the identity provider"
    )]
    ManagedByScim(&'static str),
}

impl From<crate::identity_center::store::StoreError> for DirectoryError {
    fn from(error: crate::identity_center::store::StoreError) -> Self {
        DirectoryError::Scim(ApiError::from(error))
    }
}

impl DirectoryError {
    /// A stable snake_case name.
    pub fn code(&self) -> &'static str {
        match self {
            DirectoryError::Admin(e) => e.code(),
            DirectoryError::Scim(e) => e.code(),
            DirectoryError::ManagedByScim(_) => "managed_by_scim",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            DirectoryError::Admin(e) => e.status(),
            DirectoryError::Scim(e) => {
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            DirectoryError::ManagedByScim(_) => StatusCode::FORBIDDEN,
        }
    }

    /// The message for people: the SCIM detail (never the store's internals).
    pub fn message(&self) -> String {
        match self {
            DirectoryError::Scim(e) => e.to_scim_error().detail.unwrap_or_default(),
            DirectoryError::Admin(AdminError::Store(_)) => "the store failed".to_owned(),
            other => other.to_string(),
        }
    }
}

impl IntoResponse for DirectoryError {
    fn into_response(self) -> Response {
        if let DirectoryError::Admin(error) = self {
            return error.into_response();
        }
        let status = self.status();
        if status.is_server_error() {
            eprintln!("identity-center admin directory: {self}");
        }
        (
            status,
            axum::Json(json!({ "error": self.code(), "message": self.message() })),
        )
            .into_response()
    }
}

fn kind_name(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::User => "user",
        ResourceKind::Group => "group",
    }
}

/// A request for the SCIM service's resource functions, which read only its query (projection,
/// filter, paging) and preconditions.
fn internal_request(query: Vec<(String, String)>) -> ScimRequest {
    ScimRequest {
        query,
        ..ScimRequest::default()
    }
}

/// `doc` with its creator added under [`MANAGED_BY`], and a group's members even in the AWS
/// profile (whose SCIM API never returns them, but an administrator needs to see them).
fn annotate(
    tx: &mut dyn Transaction,
    service: &ScimService,
    kind: ResourceKind,
    mut doc: Value,
) -> Result<Value, DirectoryError> {
    let id = doc
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let managed_by = origin::of(tx, &id)?;
    let raw_members = match (kind, service.config().profile) {
        (ResourceKind::Group, Profile::Aws) => tx
            .get(ResourceKind::Group, &id)?
            .and_then(|g| g.get("members").cloned()),
        _ => None,
    };
    if let Some(fields) = doc.as_object_mut() {
        fields.insert(MANAGED_BY.into(), json!(managed_by.as_str()));
        if let Some(members) = raw_members {
            fields.insert("members".into(), members);
        }
    }
    Ok(doc)
}

fn annotated(state: &AppState, kind: ResourceKind, doc: Value) -> Result<Value, DirectoryError> {
    let mut tx = state.store().begin()?;
    annotate(tx.as_mut(), &state.scim, kind, doc)
}

/// Refuses to change a resource SCIM created (and a missing one, with SCIM's 404).
fn check_editable(state: &AppState, kind: ResourceKind, id: &str) -> Result<(), DirectoryError> {
    let mut tx = state.store().begin()?;
    if tx.get(kind, id)?.is_none() {
        return Err(ApiError::NotFound(format!("{} {id}", kind.as_str())).into());
    }
    match origin::of(tx.as_mut(), id)? {
        Origin::Admin => Ok(()),
        Origin::Scim => Err(DirectoryError::ManagedByScim(kind_name(kind))),
    }
}

/// The SCIM body of an admin request: the creator annotation a GET added is dropped (so a
/// GET's document can be PUT back), then the dialect's normalisation, as SCIM POST/PUT do.
fn resource_body(service: &ScimService, kind: ResourceKind, mut body: Value) -> Value {
    if let Some(fields) = body.as_object_mut() {
        fields.remove(MANAGED_BY);
    }
    service.resource_body(kind, body)
}

fn body_of(response: crate::identity_center::scim_api::ScimResponse) -> Value {
    response.body.unwrap_or(Value::Null)
}

/// Creates a user or group by hand; returns its document.
pub fn create(
    state: &AppState,
    kind: ResourceKind,
    body: Value,
    now: DateTime<Utc>,
) -> Result<Value, DirectoryError> {
    let service = &state.scim;
    let body = resource_body(service, kind, body);
    let (response, _) =
        service.create_resource_from(kind, &body, &internal_request(vec![]), now, Origin::Admin)?;
    annotated(state, kind, body_of(response))
}

/// A user or group with its creator.
pub fn get_resource(
    state: &AppState,
    kind: ResourceKind,
    id: &str,
) -> Result<Value, DirectoryError> {
    let response = state.scim.get(kind, id, &internal_request(vec![]))?;
    annotated(state, kind, body_of(response))
}

/// Replaces a hand-made user or group (SCIM PUT semantics).
pub fn replace(
    state: &AppState,
    kind: ResourceKind,
    id: &str,
    body: Value,
    now: DateTime<Utc>,
) -> Result<Value, DirectoryError> {
    check_editable(state, kind, id)?;
    let service = &state.scim;
    let body = resource_body(service, kind, body);
    let response = service.replace(kind, id, &body, &internal_request(vec![]), now)?;
    annotated(state, kind, body_of(response))
}

/// Patches a hand-made user or group (a SCIM PatchOp: RFC 7644 §3.5.2).
pub fn patch(
    state: &AppState,
    kind: ResourceKind,
    id: &str,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<Value, DirectoryError> {
    check_editable(state, kind, id)?;
    let response = state
        .scim
        .patch(kind, id, body, &internal_request(vec![]), now)?;
    annotated(state, kind, body_of(response))
}

/// Deletes a hand-made user or group.
pub fn delete(
    state: &AppState,
    kind: ResourceKind,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), DirectoryError> {
    check_editable(state, kind, id)?;
    state
        .scim
        .delete(kind, id, &internal_request(vec![]), now)?;
    Ok(())
}

/// A SCIM list (`filter`, `startIndex`, `count`, `sortBy`, …) with each resource's creator.
pub fn list(
    state: &AppState,
    kind: ResourceKind,
    query: Vec<(String, String)>,
) -> Result<Value, DirectoryError> {
    let mut out = body_of(state.scim.list(kind, &internal_request(query), None)?);
    let mut tx = state.store().begin()?;
    if let Some(items) = out.get_mut("Resources").and_then(Value::as_array_mut) {
        for item in items.iter_mut() {
            *item = annotate(tx.as_mut(), &state.scim, kind, item.take())?;
        }
    }
    Ok(out)
}

/// The routes of manual provisioning.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/admin/users",
            get(http_list::<USERS>).post(http_create::<USERS>),
        )
        .route(
            "/admin/users/{id}",
            get(http_read::<USERS>)
                .put(http_replace::<USERS>)
                .patch(http_patch::<USERS>)
                .delete(http_delete::<USERS>),
        )
        .route(
            "/admin/groups",
            get(http_list::<GROUPS>).post(http_create::<GROUPS>),
        )
        .route(
            "/admin/groups/{id}",
            get(http_read::<GROUPS>)
                .put(http_replace::<GROUPS>)
                .patch(http_patch::<GROUPS>)
                .delete(http_delete::<GROUPS>),
        )
        .method_not_allowed_fallback(method_not_allowed)
}

async fn method_not_allowed() -> Response {
    AdminError::MethodNotAllowed.into_response()
}

/// Checks the admin bearer token as the rest of the admin API does: an admin token passes, a
/// SCIM token is `insufficient_scope`, anything else 401.
fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), DirectoryError> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
        .ok_or(AdminError::Unauthorized)?;
    let mut tx = state.store().begin()?;
    match tx.find_token(&tokens::hash(presented))? {
        Some(record) if record.kind == TokenKind::Admin => Ok(()),
        Some(_) => Err(AdminError::NotAdminToken.into()),
        None => Err(AdminError::InvalidToken.into()),
    }
}

/// A request as the handler received it.
enum Operation {
    List(Vec<(String, String)>),
    Create(Body),
    Get(String),
    Replace(String, Body),
    Patch(String, Body),
    Delete(String),
}

/// A request with its body read, ready for a blocking thread.
enum Action {
    List(Vec<(String, String)>),
    Create(Value),
    Get(String),
    Replace(String, Value),
    Patch(String, Value),
    Delete(String),
}

/// Reads a JSON body with the SCIM API's limit and media types (`application/json`,
/// `application/scim+json`).
async fn json_body(state: &AppState, headers: &HeaderMap, body: Body) -> Result<Value, ApiError> {
    let limit = state.scim.config().max_body_bytes;
    // One byte past the limit, so that exactly the limit passes and one more fails.
    let bytes = match to_bytes(body, limit.saturating_add(1)).await {
        Ok(bytes) if bytes.len() <= limit => bytes,
        _ => return Err(ApiError::PayloadTooLarge(limit)),
    };
    let request = ScimRequest {
        content_type: headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: bytes.to_vec(),
        ..ScimRequest::default()
    };
    state.scim.json_body(&request)
}

async fn blocking<F>(work: F) -> Result<Response, DirectoryError>
where
    F: FnOnce() -> Result<Response, DirectoryError> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| AdminError::Internal("worker failed".into()))?
}

async fn serve(
    state: Arc<AppState>,
    kind: ResourceKind,
    headers: HeaderMap,
    operation: Operation,
) -> Result<Response, DirectoryError> {
    let now = Utc::now();
    let (auth_state, auth_headers) = (Arc::clone(&state), headers.clone());
    blocking(move || authorize(&auth_state, &auth_headers).map(|()| Response::default())).await?;
    // Bodies are read only for authorized callers, so that only admins learn parse errors.
    let action = match operation {
        Operation::List(query) => Action::List(query),
        Operation::Get(id) => Action::Get(id),
        Operation::Delete(id) => Action::Delete(id),
        Operation::Create(body) => Action::Create(json_body(&state, &headers, body).await?),
        Operation::Replace(id, body) => {
            Action::Replace(id, json_body(&state, &headers, body).await?)
        }
        Operation::Patch(id, body) => Action::Patch(id, json_body(&state, &headers, body).await?),
    };
    blocking(move || {
        let state = state.as_ref();
        Ok(match action {
            Action::List(query) => axum::Json(list(state, kind, query)?).into_response(),
            Action::Create(value) => (
                StatusCode::CREATED,
                axum::Json(create(state, kind, value, now)?),
            )
                .into_response(),
            Action::Get(id) => axum::Json(get_resource(state, kind, &id)?).into_response(),
            Action::Replace(id, value) => {
                axum::Json(replace(state, kind, &id, value, now)?).into_response()
            }
            Action::Patch(id, value) => {
                axum::Json(patch(state, kind, &id, &value, now)?).into_response()
            }
            Action::Delete(id) => {
                delete(state, kind, &id, now)?;
                StatusCode::NO_CONTENT.into_response()
            }
        })
    })
    .await
}

async fn run(
    state: Arc<AppState>,
    kind: ResourceKind,
    headers: HeaderMap,
    operation: Operation,
) -> Response {
    serve(state, kind, headers, operation)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// The collection a handler serves, as a const parameter: one handler per operation for both.
const USERS: bool = false;
/// See [`USERS`].
const GROUPS: bool = true;

fn kind<const G: bool>() -> ResourceKind {
    if G {
        ResourceKind::Group
    } else {
        ResourceKind::User
    }
}

async fn http_list<const G: bool>(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = query_pairs(query.as_deref());
    run(state, kind::<G>(), headers, Operation::List(query)).await
}

async fn http_create<const G: bool>(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    run(state, kind::<G>(), headers, Operation::Create(body)).await
}

async fn http_read<const G: bool>(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    run(state, kind::<G>(), headers, Operation::Get(id)).await
}

async fn http_replace<const G: bool>(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    run(state, kind::<G>(), headers, Operation::Replace(id, body)).await
}

async fn http_patch<const G: bool>(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    run(state, kind::<G>(), headers, Operation::Patch(id, body)).await
}

async fn http_delete<const G: bool>(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    run(state, kind::<G>(), headers, Operation::Delete(id)).await
}
