//! Registering an application from the console: a name, SP entity ID and ACS URL, or the SP's
//! metadata pasted. The form goes through the admin API's [`registration::register`] (the
//! same validation, entity-ID claim and first certificate), so the two cannot drift apart; a
//! refusal is shown next to the field it concerns and saves nothing.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;

use crate::identity_center::admin_api::AdminError;
use crate::identity_center::admin_api::certificates::{
    DEFAULT_VALIDITY_MONTHS, MAX_VALIDITY_MONTHS,
};
use crate::identity_center::admin_api::registration::{self, ApplicationInput};
use crate::identity_center::console::admin_session;
use crate::identity_center::console::page::{alert, csrf_field, text_input};
use crate::identity_center::console::require_admin_form;
use crate::identity_center::html::escape;
use crate::identity_center::portal::{
    blocking, field, form_too_large, percent_encode, read_form, see_other,
};
use crate::identity_center::session::Session;
use crate::identity_center::store::StoreError;
use crate::identity_center::web::AppState;

/// The form's fields, as submitted (kept to fill the form again after a refusal).
#[derive(Debug, Default)]
pub(super) struct RegistrationForm {
    name: String,
    entity_id: String,
    acs_url: String,
    metadata: String,
    months: String,
}

impl RegistrationForm {
    fn read(form: &[(String, String)]) -> Self {
        let text = |name| field(form, name).unwrap_or("").to_owned();
        RegistrationForm {
            name: text("name"),
            entity_id: text("entity_id"),
            acs_url: text("acs_url"),
            metadata: text("metadata"),
            months: text("months"),
        }
    }

    /// The validity asked for: empty is the default; anything but a number is out of range
    /// (0), refused by the admin API's own check with its code.
    fn months(&self) -> Option<u32> {
        let text = self.months.trim();
        (!text.is_empty()).then(|| text.parse().unwrap_or(0))
    }

    fn has_metadata(&self) -> bool {
        !self.metadata.trim().is_empty()
    }
}

/// The form field a refusal concerns, or `None` for one shown above the form. A value that
/// came from pasted metadata (its field left empty) is the metadata's fault.
fn field_of(error: &AdminError, form: &RegistrationForm) -> Option<&'static str> {
    let own = |name: &'static str, value: &str| {
        if value.trim().is_empty() && form.has_metadata() {
            "metadata"
        } else {
            name
        }
    };
    match error {
        AdminError::MissingField("name") | AdminError::InvalidName(_) => {
            Some(own("name", &form.name))
        }
        AdminError::MissingField("entityId")
        | AdminError::InvalidEntityId(_)
        | AdminError::EntityIdTaken(_) => Some(own("entity_id", &form.entity_id)),
        AdminError::InvalidCertificateValidity(_) => Some("months"),
        AdminError::MissingField("acsUrl") => Some(own("acs_url", &form.acs_url)),
        AdminError::InvalidUrl { field, .. } | AdminError::InsecureUrl(field)
            if *field == "acsUrl" =>
        {
            Some(own("acs_url", &form.acs_url))
        }
        AdminError::InvalidMetadata(_)
        | AdminError::MetadataWithoutSp
        | AdminError::MetadataSeveralSps(_)
        | AdminError::MetadataWithoutPostAcs
        | AdminError::InvalidUrl { .. }
        | AdminError::InsecureUrl(_)
        | AdminError::InvalidCertificate { .. }
        | AdminError::UnsupportedEncryptionKey
        | AdminError::SigningCertificateRequired
            if form.has_metadata() =>
        {
            Some("metadata")
        }
        _ => None,
    }
}

/// The registration form, with a refusal next to its field (or above the form).
pub(super) fn form_html(
    session: &Session,
    values: &RegistrationForm,
    error: Option<&AdminError>,
) -> String {
    let field_error = error.and_then(|e| field_of(e, values));
    let message_for = |name: &str| match (error, field_error) {
        (Some(error), Some(f)) if f == name => Some(format!("{error} (code {})", error.code())),
        _ => None,
    };
    let mut out = String::from("<h2 id=\"register\">Register an application</h2>");
    if let (Some(error), None) = (error, field_error) {
        out.push_str(&alert(error.code(), &error.to_string()));
    }
    out.push_str(&format!(
        "<p>Give the name, SP entity ID and ACS URL, or paste the SP's metadata (fields left empty are taken from it). A signing certificate is generated for it.</p>\
<form method=\"post\" action=\"/admin/console/applications\">{}",
        csrf_field(session)
    ));
    out.push_str(&text_input(
        "name",
        "Name",
        &values.name,
        message_for("name").as_deref(),
    ));
    out.push_str(&text_input(
        "entity_id",
        "SP entity ID",
        &values.entity_id,
        message_for("entity_id").as_deref(),
    ));
    out.push_str(&text_input(
        "acs_url",
        "ACS URL (HTTP-POST)",
        &values.acs_url,
        message_for("acs_url").as_deref(),
    ));
    out.push_str(&text_input(
        "months",
        &format!("Validity of its signing certificate, in months (1 to {MAX_VALIDITY_MONTHS}; empty for {DEFAULT_VALIDITY_MONTHS})"),
        &values.months,
        message_for("months").as_deref(),
    ));
    let (described, note) = match message_for("metadata") {
        Some(message) => (
            " aria-invalid=\"true\" aria-describedby=\"metadata-error\"",
            format!(
                "<p class=\"error\" id=\"metadata-error\" role=\"alert\">{}</p>",
                escape(&message)
            ),
        ),
        None => ("", String::new()),
    };
    out.push_str(&format!(
        "<label for=\"metadata\">SP metadata XML (optional)</label><textarea id=\"metadata\" name=\"metadata\" rows=\"8\" cols=\"60\"{described}>{}</textarea>{note}\
<div><button type=\"submit\">Register</button></div></form>",
        escape(&values.metadata)
    ));
    out
}

/// `POST /admin/console/applications`: registers through [`registration::register`], the
/// administrator's session checked in each of its transactions; on success, to the new
/// application's page.
pub(super) async fn register(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // Metadata with certificates is larger than the console's other forms: the admin API's
    // body limit, the same as for a metadata upload there.
    let limit = state.scim.config().max_body_bytes;
    let Some(form) = read_form(body, limit).await else {
        return form_too_large();
    };
    blocking(state, move |state| register_post(state, &headers, &form)).await
}

fn register_post(
    state: &AppState,
    headers: &HeaderMap,
    form: &[(String, String)],
) -> Result<Response, StoreError> {
    let session = match require_admin_form(state, headers, form)? {
        Ok(session) => session,
        Err(refused) => return Ok(refused),
    };
    let values = RegistrationForm::read(form);
    let input = ApplicationInput::from_form(
        &values.name,
        &values.entity_id,
        &values.acs_url,
        &values.metadata,
        values.months(),
    );
    let still_signed_in = |tx: &mut dyn crate::identity_center::store::Transaction| {
        admin_session::current(state, tx, headers, Utc::now().timestamp())?
            .filter(|current| current.id == session.id)
            .map(|_| ())
            .ok_or(AdminError::Unauthorized)
    };
    match registration::register(state, input, None, &still_signed_in, Utc::now()) {
        Ok(app) => Ok(see_other(
            &format!("/admin/console/applications/{}", percent_encode(&app.id)),
            &[],
        )),
        Err(AdminError::Store(error)) => Err(error),
        Err(error) => {
            let status = error.status();
            super::application_pages::list_page(
                state,
                &session,
                status,
                &form_html(&session, &values, Some(&error)),
            )
        }
    }
}
