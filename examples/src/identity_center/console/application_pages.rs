//! The console's applications: each with its endpoints, NameID and attribute mappings,
//! assignments (by name), the IdP metadata download, and its signing certificates in AWS's
//! expiry colours (red expired, yellow 90 days or less left, green), with AWS's rotate /
//! activate / delete actions, each after a confirmation step. The rules are fedkit-certs'
//! [`CertificateSet`] (at most two, one active, new ones inactive, only an inactive one
//! deleted), the same the admin API applies; registration is the admin API's own path
//! (console/application_registration.rs), as is certificate generation.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, SecondsFormat, Utc};
use fedkit_certs::{
    CertificateSet, DEFAULT_WARN_DAYS, DigestAlgorithm, Fingerprint, ValidityStatus,
};

use crate::identity_center::admin_api::certificates::{
    self, CertificateOptions, DEFAULT_VALIDITY_MONTHS, MAX_VALIDITY_MONTHS,
};
use crate::identity_center::console::application_registration;

use crate::identity_center::apps::{self, Application, PrincipalKind};
use crate::identity_center::console::page::{alert, console_page, csrf_field};
use crate::identity_center::console::{require_admin, require_admin_form};
use crate::identity_center::html::escape;
use crate::identity_center::portal::{
    MAX_FORM_BYTES, blocking, field, form_too_large, percent_encode, read_form, see_other,
};
use crate::identity_center::session::Session;
use crate::identity_center::store::{ResourceKind, StoreError, Transaction};
use crate::identity_center::web::AppState;

/// The routes of the application pages.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/admin/console/applications",
            get(list).post(application_registration::register),
        )
        .route("/admin/console/applications/{id}", get(show))
        .route(
            "/admin/console/applications/{id}/certificates",
            post(rotate),
        )
        .route(
            "/admin/console/applications/{id}/certificates/{cid}/activate",
            post(activate),
        )
        .route(
            "/admin/console/applications/{id}/certificates/{cid}/delete",
            post(remove),
        )
        .route(
            "/admin/console/applications/{id}/certificates/{cid}/pem",
            get(download),
        )
        .route(
            "/admin/console/applications/{id}/assignments",
            post(add_assignment),
        )
        .route(
            "/admin/console/applications/{id}/assignments/{kind}/{principal}/remove",
            post(remove_assignment),
        )
}

fn certificate_id(fingerprint: &Fingerprint) -> String {
    fingerprint
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// AWS's colours, with the words too (colour is never the only signal), above WCAG AA contrast.
fn validity_cell(status: ValidityStatus) -> &'static str {
    match status {
        ValidityStatus::Expired => {
            "<td class=\"expiry-red\" style=\"background:#fce8e6;color:#a50e0e;font-weight:600\">Expired</td>"
        }
        ValidityStatus::Expiring => {
            "<td class=\"expiry-yellow\" style=\"background:#fef7e0;color:#6b4500;font-weight:600\">Expires within 90 days</td>"
        }
        ValidityStatus::Valid => {
            "<td class=\"expiry-green\" style=\"background:#e6f4ea;color:#0d652d;font-weight:600\">Valid</td>"
        }
        _ => {
            "<td class=\"expiry-grey\" style=\"background:#f1f3f4;color:#3c4043;font-weight:600\">Not yet valid</td>"
        }
    }
}

async fn list(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    blocking(state, move |state| {
        let session = match require_admin(state, &headers)? {
            Ok(session) => session,
            Err(redirect) => return Ok(redirect),
        };
        let form = application_registration::form_html(&session, &Default::default(), None);
        list_page(state, &session, StatusCode::OK, &form)
    })
    .await
}

/// The applications table, then `form` (the registration form, with a refusal if any).
pub(super) fn list_page(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    form: &str,
) -> Result<Response, StoreError> {
    let now = Utc::now();
    let mut tx = state.store().begin()?;
    let apps = apps::list(tx.as_mut(), now.timestamp())?;
    let rows: String = apps
        .iter()
        .map(|app| {
            format!(
                "<tr><td><a href=\"/admin/console/applications/{}\">{}</a></td><td><code>{}</code></td><td>{}</td></tr>",
                percent_encode(&app.id),
                escape(&app.name),
                escape(&app.entity_id),
                app.assignments.len()
            )
        })
        .collect();
    let body = format!(
        "<table><caption>Applications ({})</caption><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">SP entity ID</th><th scope=\"col\">Assignments</th></tr></thead><tbody>{rows}</tbody></table>{form}",
        apps.len()
    );
    Ok(console_page(session, status, "Applications", &body))
}

fn principal_name(
    tx: &mut dyn Transaction,
    kind: PrincipalKind,
    id: &str,
) -> Result<String, StoreError> {
    let (resource, key) = match kind {
        PrincipalKind::User => (ResourceKind::User, "userName"),
        PrincipalKind::Group => (ResourceKind::Group, "displayName"),
    };
    Ok(tx
        .get(resource, id)?
        .and_then(|doc| doc.get(key).and_then(|v| v.as_str()).map(str::to_owned))
        .unwrap_or_else(|| format!("(deleted {id})")))
}

fn detail_body(
    state: &AppState,
    tx: &mut dyn Transaction,
    session: &Session,
    app: &Application,
    now: DateTime<Utc>,
    assignment_error: &str,
) -> Result<String, StoreError> {
    let base = format!("/admin/console/applications/{}", percent_encode(&app.id));
    let idp = format!(
        "{}/saml/{}",
        state.config.public_url,
        percent_encode(&app.id)
    );
    let mut out = format!(
        "<h2>Endpoints</h2><table>\
<tr><th scope=\"row\">SP entity ID</th><td><code>{}</code></td></tr>\
<tr><th scope=\"row\">ACS URL</th><td><code>{}</code></td></tr>\
<tr><th scope=\"row\">IdP entity ID</th><td><code>{}</code></td></tr>\
<tr><th scope=\"row\">IdP metadata</th><td><a href=\"/saml/{}/metadata\" download>Download IdP metadata</a></td></tr></table>",
        escape(&app.entity_id),
        escape(&app.acs_url),
        escape(&idp),
        percent_encode(&app.id)
    );
    let attributes: String = app
        .attributes
        .iter()
        .map(|a| {
            format!(
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
                escape(&a.name),
                escape(&a.value),
                escape(a.name_format.as_deref().unwrap_or("unspecified"))
            )
        })
        .collect();
    out.push_str(&format!(
        "<h2>Attribute mappings</h2><p>NameID: <code>{}</code> as <code>{}</code></p>\
<table><caption>Attributes ({})</caption><thead><tr><th scope=\"col\">Attribute</th><th scope=\"col\">Value</th><th scope=\"col\">Name format</th></tr></thead><tbody>{attributes}</tbody></table>",
        escape(&app.name_id.source),
        escape(&app.name_id.format),
        app.attributes.len()
    ));
    let mut assignments = String::new();
    for assignment in &app.assignments {
        let kind = match assignment.kind {
            PrincipalKind::User => "User",
            PrincipalKind::Group => "Group",
        };
        let name = principal_name(tx, assignment.kind, &assignment.id)?;
        assignments.push_str(&format!(
            "<tr><td>{kind}</td><td>{}</td><td><code>{}</code></td><td><form method=\"post\" action=\"{base}/assignments/{}/{}/remove\">{}<button type=\"submit\" aria-label=\"Remove {} {}\">Remove</button></form></td></tr>",
            escape(&name),
            escape(&assignment.id),
            kind.to_lowercase(),
            percent_encode(&assignment.id),
            csrf_field(session),
            kind.to_lowercase(),
            escape(&name)
        ));
    }
    out.push_str(&format!(
        "<h2>Assignments</h2>{assignment_error}<table><caption>Assigned users and groups ({})</caption><thead><tr><th scope=\"col\">Type</th><th scope=\"col\">Name</th><th scope=\"col\">Id</th><th scope=\"col\">Action</th></tr></thead><tbody>{assignments}</tbody></table>\
<form method=\"post\" action=\"{base}/assignments\">{}<label for=\"principal-type\">Type</label>\
<select id=\"principal-type\" name=\"type\"><option value=\"user\">User</option><option value=\"group\">Group</option></select>\
<label for=\"principal\">User or group id</label><input type=\"text\" id=\"principal\" name=\"principal\" required>\
<div><button type=\"submit\">Assign</button></div></form>",
        app.assignments.len(),
        csrf_field(session)
    ));
    let Some(set) = apps::load_certificates(tx, &app.id, now.timestamp())? else {
        return Ok(out);
    };
    let mut rows = String::new();
    for (credential, active) in set.iter() {
        let certificate = credential.certificate();
        let cid = certificate_id(certificate.sha256_fingerprint());
        let actions = if active {
            "Signs assertions".to_owned()
        } else {
            format!(
                "<form method=\"post\" action=\"{base}/certificates/{cid}/activate\" style=\"display:inline\">{csrf}<button type=\"submit\" aria-label=\"Activate certificate {cid}\">Activate…</button></form> \
<form method=\"post\" action=\"{base}/certificates/{cid}/delete\" style=\"display:inline\">{csrf}<button type=\"submit\" aria-label=\"Delete certificate {cid}\">Delete…</button></form>",
                csrf = csrf_field(session)
            )
        };
        rows.push_str(&format!(
            "<tr id=\"cert-{cid}\"><td>{}</td>{}<td>{}</td><td style=\"word-break:break-all;max-width:16rem\"><code>{}</code></td><td><a href=\"{base}/certificates/{cid}/pem\" download>PEM</a></td><td>{actions}</td></tr>",
            if active { "Active" } else { "Inactive" },
            validity_cell(certificate.status(now, DEFAULT_WARN_DAYS)),
            escape(&certificate.not_after().to_rfc3339_opts(SecondsFormat::Secs, true)),
            escape(&certificate.sha256_fingerprint().to_colon_hex()),
        ));
    }
    let rotate = if set.len() < set.max_certificates() {
        format!(
            "<form method=\"post\" action=\"{base}/certificates\">{}\
<label for=\"months\">Validity of the new certificate, in months (1 to {MAX_VALIDITY_MONTHS})</label>\
<input type=\"text\" id=\"months\" name=\"months\" inputmode=\"numeric\" value=\"{DEFAULT_VALIDITY_MONTHS}\">\
<div><button type=\"submit\">Add a new certificate…</button></div></form>",
            csrf_field(session)
        )
    } else {
        format!(
            "<p>{} certificates, the most at a time: delete the inactive one to add another.</p>",
            set.max_certificates()
        )
    };
    out.push_str(&format!(
        "<h2>Signing certificates</h2><table><caption>Certificates ({} of {})</caption><thead><tr><th scope=\"col\">Status</th><th scope=\"col\">Expiry</th><th scope=\"col\">Not after</th><th scope=\"col\">SHA-256 fingerprint</th><th scope=\"col\">Download</th><th scope=\"col\">Actions</th></tr></thead><tbody>{rows}</tbody></table>{rotate}",
        set.len(),
        set.max_certificates()
    ));
    Ok(out)
}

fn app_page(
    state: &AppState,
    session: &Session,
    id: &str,
    status: StatusCode,
    notice: &str,
) -> Result<Response, StoreError> {
    let now = Utc::now();
    let mut tx = state.store().begin()?;
    let Some(app) = apps::load(tx.as_mut(), id, now.timestamp())? else {
        return Ok(console_page(
            session,
            StatusCode::NOT_FOUND,
            "Application not found",
            &alert(
                "application_not_found",
                "There is no application with this id.",
            ),
        ));
    };
    // A refused assignment is shown beside the assignment form; anything else on top.
    let (top, beside) = if notice.contains("id=\"principal-error\"") {
        ("", notice)
    } else {
        (notice, "")
    };
    let body = detail_body(state, tx.as_mut(), session, &app, now, beside)?;
    Ok(console_page(
        session,
        status,
        &format!("Application {}", app.name),
        &format!("{top}{body}"),
    ))
}

async fn show(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    blocking(state, move |state| {
        let session = match require_admin(state, &headers)? {
            Ok(session) => session,
            Err(redirect) => return Ok(redirect),
        };
        app_page(state, &session, &id, StatusCode::OK, "")
    })
    .await
}

/// A confirmation page that posts `fields` (and `confirm=yes`) back to `action`.
fn confirm_page(
    session: &Session,
    title: &str,
    question: &str,
    action: &str,
    fields: &[(&str, &str)],
    back: &str,
) -> Response {
    let hidden: String = fields
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(k),
                escape(v)
            )
        })
        .collect();
    let body = format!(
        "<p>{}</p><form method=\"post\" action=\"{}\">{}{hidden}<input type=\"hidden\" name=\"confirm\" value=\"yes\">\
<button type=\"submit\">Yes, continue</button></form><p><a href=\"{}\">No, go back</a></p>",
        escape(question),
        escape(action),
        csrf_field(session),
        escape(back)
    );
    console_page(session, StatusCode::OK, title, &body)
}

/// Why a certificate action was refused: fedkit-certs' rule, with the admin API's code.
fn rule_refusal(error: &fedkit_certs::Error) -> (&'static str, String) {
    let code = match error {
        fedkit_certs::Error::CertificateSetFull { .. } => "certificate_limit_reached",
        fedkit_certs::Error::CannotRemoveActive => "certificate_active",
        fedkit_certs::Error::LastValidCertificate => "last_valid_certificate",
        fedkit_certs::Error::CertificateNotFound => "certificate_not_found",
        fedkit_certs::Error::CertificateExpired { .. }
        | fedkit_certs::Error::CertificateNotYetValid { .. } => "certificate_not_valid",
        _ => "certificate_error",
    };
    (code, error.to_string())
}

fn load_set(
    tx: &mut dyn Transaction,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<CertificateSet>, StoreError> {
    if apps::load(tx, id, now.timestamp())?.is_none() {
        return Ok(None);
    }
    apps::load_certificates(tx, id, now.timestamp())
}

async fn rotate(
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
        let back = format!("/admin/console/applications/{}", percent_encode(&id));
        let months_text = field(&form, "months").unwrap_or("").trim().to_owned();
        let Some(months) = months_text
            .parse::<u32>()
            .ok()
            .filter(|m| (1..=MAX_VALIDITY_MONTHS).contains(m))
        else {
            let notice = format!(
                "<p class=\"error\" role=\"alert\" id=\"months-error\">Validity must be a whole number of months from 1 to {MAX_VALIDITY_MONTHS} (code <code>invalid_certificate_validity</code>).</p>"
            );
            return app_page(state, &session, &id, StatusCode::BAD_REQUEST, &notice);
        };
        if field(&form, "confirm") != Some("yes") {
            return Ok(confirm_page(
                &session,
                "Confirm new certificate",
                &format!("Add a new inactive signing certificate valid for {months} months? It signs nothing until you activate it; publish it to the application first."),
                &format!("{back}/certificates"),
                &[("months", &months_text)],
                &back,
            ));
        }
        let now = Utc::now();
        {
            let mut tx = state.store().begin()?;
            match load_set(tx.as_mut(), &id, now)? {
                None => return app_page(state, &session, &id, StatusCode::NOT_FOUND, ""),
                Some(set) if set.len() >= set.max_certificates() => {
                    let notice = alert(
                        "certificate_limit_reached",
                        &format!("At most {} certificates.", set.max_certificates()),
                    );
                    return app_page(state, &session, &id, StatusCode::CONFLICT, &notice);
                }
                Some(_) => {}
            }
        }
        let credential = match CertificateOptions::check(Some(months), None)
            .and_then(|options| certificates::generate(&id, options, now))
        {
            Ok(credential) => credential,
            Err(error) => {
                let notice = alert(error.code(), &error.to_string());
                return app_page(state, &session, &id, StatusCode::INTERNAL_SERVER_ERROR, &notice);
            }
        };
        let mut tx = state.store().begin()?;
        let Some(mut set) = load_set(tx.as_mut(), &id, now)? else {
            return app_page(state, &session, &id, StatusCode::NOT_FOUND, "");
        };
        if let Err(error) = set.add(credential) {
            drop(tx);
            let (code, message) = rule_refusal(&error);
            return app_page(state, &session, &id, StatusCode::CONFLICT, &alert(code, &message));
        }
        apps::save_certificates(tx.as_mut(), &id, &set)?;
        tx.commit()?;
        Ok(see_other(&back, &[]))
    })
    .await
}

/// Activate or delete: fedkit-certs' rule in one transaction, after a confirmation step.
fn certificate_action(
    state: &AppState,
    headers: &HeaderMap,
    form: &[(String, String)],
    id: &str,
    cid: &str,
    delete: bool,
) -> Result<Response, StoreError> {
    let session = match require_admin_form(state, headers, form)? {
        Ok(session) => session,
        Err(refused) => return Ok(refused),
    };
    let back = format!("/admin/console/applications/{}", percent_encode(id));
    let Ok(fingerprint) = Fingerprint::parse(DigestAlgorithm::Sha256, cid) else {
        let notice = alert("certificate_not_found", "There is no such certificate.");
        return app_page(state, &session, id, StatusCode::NOT_FOUND, &notice);
    };
    let verb = if delete { "delete" } else { "activate" };
    if field(form, "confirm") != Some("yes") {
        let question = if delete {
            "Delete this inactive certificate for good? Applications that still trust it will fail to verify anything it signed."
        } else {
            "Activate this certificate? From now on it signs every assertion for this application; the application must already trust it, or its sign-ins fail."
        };
        return Ok(confirm_page(
            &session,
            &format!("Confirm: {verb} certificate"),
            question,
            &format!("{back}/certificates/{}/{verb}", percent_encode(cid)),
            &[],
            &back,
        ));
    }
    let now = Utc::now();
    let mut tx = state.store().begin()?;
    let Some(mut set) = load_set(tx.as_mut(), id, now)? else {
        return app_page(state, &session, id, StatusCode::NOT_FOUND, "");
    };
    let outcome = if delete {
        set.remove(&fingerprint, now).map(|_| ())
    } else {
        set.activate(&fingerprint, now)
    };
    if let Err(error) = outcome {
        drop(tx);
        let (code, message) = rule_refusal(&error);
        let status = if code == "certificate_not_found" {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::CONFLICT
        };
        return app_page(state, &session, id, status, &alert(code, &message));
    }
    apps::save_certificates(tx.as_mut(), id, &set)?;
    tx.commit()?;
    Ok(see_other(&back, &[]))
}

async fn activate(
    State(state): State<Arc<AppState>>,
    Path((id, cid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(form) = read_form(body, MAX_FORM_BYTES).await else {
        return form_too_large();
    };
    blocking(state, move |s| {
        certificate_action(s, &headers, &form, &id, &cid, false)
    })
    .await
}

async fn remove(
    State(state): State<Arc<AppState>>,
    Path((id, cid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(form) = read_form(body, MAX_FORM_BYTES).await else {
        return form_too_large();
    };
    blocking(state, move |s| {
        certificate_action(s, &headers, &form, &id, &cid, true)
    })
    .await
}

/// A certificate as a PEM file (the certificate only; keys never leave the store).
async fn download(
    State(state): State<Arc<AppState>>,
    Path((id, cid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    blocking(state, move |state| {
        let session = match require_admin(state, &headers)? {
            Ok(session) => session,
            Err(redirect) => return Ok(redirect),
        };
        let now = Utc::now();
        let mut tx = state.store().begin()?;
        let pem = load_set(tx.as_mut(), &id, now)?.and_then(|set| {
            set.iter()
                .map(|(credential, _)| credential.certificate())
                .find(|c| certificate_id(c.sha256_fingerprint()) == cid)
                .map(|c| c.to_pem())
        });
        let Some(pem) = pem else {
            return Ok(console_page(
                &session,
                StatusCode::NOT_FOUND,
                "Certificate not found",
                &alert("certificate_not_found", "There is no such certificate."),
            ));
        };
        let mut response = (StatusCode::OK, pem).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-pem-file"),
        );
        if let Ok(value) = HeaderValue::from_str(&format!(
            "attachment; filename=\"{}.pem\"",
            cid.get(..16).unwrap_or(&cid)
        )) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        Ok(response)
    })
    .await
}

fn principal_kind(text: &str) -> Option<PrincipalKind> {
    match text {
        "user" => Some(PrincipalKind::User),
        "group" => Some(PrincipalKind::Group),
        _ => None,
    }
}

fn assignment_refused(code: &str, message: &str) -> String {
    format!(
        "<p class=\"error\" role=\"alert\" id=\"principal-error\">{} (code <code>{}</code>)</p>",
        escape(message),
        escape(code)
    )
}

/// Assigns a user or group (an existing SCIM resource of that type, not yet assigned), as
/// `POST /admin/applications/{id}/assignments` does.
fn add_assignment_post(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    form: &[(String, String)],
) -> Result<Response, StoreError> {
    let session = match require_admin_form(state, headers, form)? {
        Ok(session) => session,
        Err(refused) => return Ok(refused),
    };
    let now = Utc::now();
    let principal = field(form, "principal").unwrap_or("").trim().to_owned();
    let Some(kind) = principal_kind(field(form, "type").unwrap_or("")) else {
        let notice =
            assignment_refused("invalid_principal_type", "The type must be user or group.");
        return app_page(state, &session, id, StatusCode::BAD_REQUEST, &notice);
    };
    let mut tx = state.store().begin()?;
    let Some(mut app) = apps::load(tx.as_mut(), id, now.timestamp())? else {
        return app_page(state, &session, id, StatusCode::NOT_FOUND, "");
    };
    let resource = match kind {
        PrincipalKind::User => ResourceKind::User,
        PrincipalKind::Group => ResourceKind::Group,
    };
    let assignment = apps::Assignment {
        kind,
        id: principal.clone(),
    };
    let refusal = if principal.is_empty() || tx.get(resource, &principal)?.is_none() {
        Some((
            StatusCode::BAD_REQUEST,
            "unknown_principal",
            "There is no such user or group.",
        ))
    } else if app.assignments.contains(&assignment) {
        Some((
            StatusCode::CONFLICT,
            "assignment_exists",
            "It is assigned already.",
        ))
    } else {
        None
    };
    if let Some((status, code, message)) = refusal {
        drop(tx);
        return app_page(
            state,
            &session,
            id,
            status,
            &assignment_refused(code, message),
        );
    }
    app.assignments.push(assignment);
    apps::save(tx.as_mut(), &app)?;
    tx.commit()?;
    Ok(see_other(
        &format!("/admin/console/applications/{}", percent_encode(id)),
        &[],
    ))
}

fn remove_assignment_post(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    kind: &str,
    principal: &str,
    form: &[(String, String)],
) -> Result<Response, StoreError> {
    let session = match require_admin_form(state, headers, form)? {
        Ok(session) => session,
        Err(refused) => return Ok(refused),
    };
    let now = Utc::now();
    let mut tx = state.store().begin()?;
    let Some(mut app) = apps::load(tx.as_mut(), id, now.timestamp())? else {
        return app_page(state, &session, id, StatusCode::NOT_FOUND, "");
    };
    let before = app.assignments.len();
    if let Some(kind) = principal_kind(kind) {
        app.assignments
            .retain(|a| !(a.kind == kind && a.id == principal));
    }
    if app.assignments.len() == before {
        drop(tx);
        let notice = assignment_refused("assignment_not_found", "There is no such assignment.");
        return app_page(state, &session, id, StatusCode::NOT_FOUND, &notice);
    }
    apps::save(tx.as_mut(), &app)?;
    tx.commit()?;
    Ok(see_other(
        &format!("/admin/console/applications/{}", percent_encode(id)),
        &[],
    ))
}

async fn add_assignment(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(form) = read_form(body, MAX_FORM_BYTES).await else {
        return form_too_large();
    };
    blocking(state, move |s| add_assignment_post(s, &headers, &id, &form)).await
}

async fn remove_assignment(
    State(state): State<Arc<AppState>>,
    Path((id, kind, principal)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(form) = read_form(body, MAX_FORM_BYTES).await else {
        return form_too_large();
    };
    blocking(state, move |s| {
        remove_assignment_post(s, &headers, &id, &kind, &principal, &form)
    })
    .await
}
