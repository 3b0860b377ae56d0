//! `/slo`: single logout messages from the IdP, over HTTP-Redirect (GET) or HTTP-POST. A
//! LogoutResponse completes a sign-out this SP started; a LogoutRequest (the IdP signing the
//! user out everywhere) ends the subject's sessions here and is answered. Unsigned logout
//! messages are refused on both bindings.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use chrono::{DateTime, Utc};
use fedkit_saml::{
    LogoutRequest, LogoutResponse, PostField, ReceivedMessage, RedirectLimits, RedirectQuery,
    Status,
};
use fedkit_xml::Limits;
use fedkit_xmldsig::VerifyPolicy;

use crate::saml_sp::app::{App, blocking, error_response, os_rng, read_form, redirect};
use crate::saml_sp::form::Form;
use crate::saml_sp::return_path::check_return_path;
use crate::saml_sp::sp_error::SpError;

impl App {
    fn received_redirect(
        &self,
        query: &str,
        now: DateTime<Utc>,
    ) -> Result<(PostField, ReceivedMessage), SpError> {
        let view = self.idp();
        if !self.config.slo_enabled(&view) {
            return Err(SpError::SloNotConfigured);
        }
        let limits = RedirectLimits::default();
        let parsed = RedirectQuery::parse(query, &limits)?;
        let message = parsed.verify(&view.idp.trust, &VerifyPolicy::default(), now, &limits)?;
        let received = ReceivedMessage::from_redirect(&message, &Limits::default())?;
        Ok((message.field(), received))
    }

    fn received_post(
        &self,
        form: &Form,
        now: DateTime<Utc>,
    ) -> Result<(PostField, ReceivedMessage), SpError> {
        let view = self.idp();
        if !self.config.slo_enabled(&view) {
            return Err(SpError::SloNotConfigured);
        }
        let (field, value) = match (form.single("SAMLRequest")?, form.single("SAMLResponse")?) {
            (Some(value), None) => (PostField::Request, value),
            (None, Some(value)) => (PostField::Response, value),
            (Some(_), Some(_)) => return Err(SpError::FieldRepeated("SAMLRequest/SAMLResponse")),
            (None, None) => return Err(SpError::FieldMissing("SAMLRequest or SAMLResponse")),
        };
        let received = ReceivedMessage::from_post(
            value,
            form.single("RelayState")?,
            &view.idp.trust,
            &VerifyPolicy::default(),
            now,
            &Limits::default(),
        )?;
        Ok((field, received))
    }

    fn logout_message(
        &self,
        field: PostField,
        received: &ReceivedMessage,
        now: DateTime<Utc>,
    ) -> Result<Response, SpError> {
        match field {
            PostField::Response => self.logout_response(received, now),
            PostField::Request => self.logout_request(received, now),
        }
    }

    /// The IdP's answer to our LogoutRequest: the local session already ended at /logout.
    fn logout_response(
        &self,
        received: &ReceivedMessage,
        now: DateTime<Utc>,
    ) -> Result<Response, SpError> {
        let config = &self.config;
        let view = self.idp();
        let mut state = self.lock();
        LogoutResponse::read(
            received,
            &view.idp.entity_id,
            &config.slo_url,
            now,
            &mut state.logout_requests,
        )?;
        let target = received
            .relay_state()
            .and_then(|r| check_return_path(r).ok())
            .unwrap_or("/");
        eprintln!("saml-sp: single logout completed at the IdP");
        Ok(redirect(StatusCode::SEE_OTHER, target, None))
    }

    /// The IdP ends the subject's sessions: end them here, answer with a signed Success.
    fn logout_request(
        &self,
        received: &ReceivedMessage,
        now: DateTime<Utc>,
    ) -> Result<Response, SpError> {
        let config = &self.config;
        let view = self.idp();
        let request = LogoutRequest::read(
            received,
            &view.idp.entity_id,
            &config.slo_url,
            now,
            config.clock_skew,
        )?;
        let Some(slo) = &view.idp.slo else {
            return Err(SpError::SloNotConfigured);
        };
        let ended = self.lock().sessions.close_subject(
            &view.idp.entity_id,
            &request.name_id,
            &request.session_indexes,
        );
        eprintln!(
            "saml-sp: the IdP signed out {:?}: {ended} session(s) ended",
            request.name_id.value
        );
        let destination = slo.response_location.as_deref().unwrap_or(&slo.location);
        let response = LogoutResponse::new(
            &config.entity_id,
            destination,
            &request,
            Status::success(),
            now,
            &mut os_rng(),
        );
        // The browser that carried the request may hold one of the ended sessions.
        let mut answer = self.deliver(
            slo,
            destination,
            PostField::Response,
            &response.to_xml(),
            received.relay_state(),
            true,
        )?;
        if let Ok(value) = axum::http::HeaderValue::from_str(&self.cookie(None, now)) {
            answer
                .headers_mut()
                .insert(axum::http::header::SET_COOKIE, value);
        }
        Ok(answer)
    }
}

/// `GET /slo?SAMLResponse=…` or `?SAMLRequest=…` (HTTP-Redirect).
pub async fn slo_redirect(State(app): State<Arc<App>>, uri: Uri) -> Response {
    let query = uri.query().unwrap_or_default().to_owned();
    blocking(app, move |app, now| {
        let (field, received) = app.received_redirect(&query, now)?;
        app.logout_message(field, &received, now)
    })
    .await
}

/// `POST /slo` with `SAMLResponse` or `SAMLRequest` (HTTP-POST).
pub async fn slo_post(State(app): State<Arc<App>>, request: Request) -> Response {
    let form = match read_form(&app, request.into_body()).await {
        Ok(form) => form,
        Err(error) => return error_response(&error),
    };
    blocking(app, move |app, now| {
        let (field, received) = app.received_post(&form, now)?;
        app.logout_message(field, &received, now)
    })
    .await
}
