//! The HTTP side: axum hands every request under `/scim/v2` to [`ScimService::handle`](crate::identity_center::scim_api::ScimService::handle) on a
//! blocking thread (the stores are synchronous), and writes its answer as
//! `application/scim+json`. Anything else gets a SCIM 404.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use crate::html_form::decode_component as decode;
use crate::identity_center::api_error::ApiError;
use crate::identity_center::scim_api::{ScimRequest, ScimResponse};
use crate::identity_center::web::AppState;

/// The path prefix of the SCIM API.
pub const SCIM_PREFIX: &str = "/scim/v2";

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The pairs of a query string or an `application/x-www-form-urlencoded` body, decoded.
pub(crate) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(pair), String::new()),
        })
        .collect()
}

/// Every request under [`SCIM_PREFIX`], and the JSON 404 for paths no other route takes.
pub(crate) async fn handle(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let service = Arc::clone(&state.scim);
    let (parts, body) = request.into_parts();
    let now = Utc::now();
    let Some(path) = parts.uri.path().strip_prefix(SCIM_PREFIX) else {
        return to_http(
            service.error_response(&ApiError::NotFound(parts.uri.path().to_owned()), now),
        );
    };
    let limit = service.config().max_body_bytes;
    // Read one byte past the limit, so that exactly the limit passes and one more fails.
    let body = match to_bytes(body, limit.saturating_add(1)).await {
        Ok(bytes) if bytes.len() <= limit => bytes,
        _ => return to_http(service.error_response(&ApiError::PayloadTooLarge(limit), now)),
    };
    let scim_request = ScimRequest {
        method: parts.method.as_str().to_owned(),
        path: path.to_owned(),
        query: query_pairs(parts.uri.query()),
        authorization: header_text(&parts.headers, header::AUTHORIZATION),
        content_type: header_text(&parts.headers, header::CONTENT_TYPE),
        if_match: header_text(&parts.headers, header::IF_MATCH),
        if_none_match: header_text(&parts.headers, header::IF_NONE_MATCH),
        body: body.to_vec(),
    };
    let worker = Arc::clone(&service);
    match tokio::task::spawn_blocking(move || worker.handle(&scim_request, now)).await {
        Ok(response) => to_http(response),
        Err(_) => to_http(service.error_response(&ApiError::Store("worker failed".into()), now)),
    }
}

fn to_http(response: ScimResponse) -> Response {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = match &response.body {
        Some(body) => (status, Body::from(body.to_string())).into_response(),
        None => status.into_response(),
    };
    let headers = out.headers_mut();
    if response.body.is_some() {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/scim+json"),
        );
    }
    if let Some(etag) = response.etag.and_then(|e| HeaderValue::from_str(&e).ok()) {
        headers.insert(header::ETAG, etag);
    }
    if let Some(location) = response
        .location
        .and_then(|l| HeaderValue::from_str(&l).ok())
    {
        headers.insert(header::LOCATION, location);
    }
    if response.status == 401 {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"scim\""),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_percent_and_plus_decoded() {
        let pairs = query_pairs(Some("filter=userName+eq+%22bjensen%22&count=2&bad=%zz"));
        assert_eq!(
            pairs[0],
            ("filter".into(), "userName eq \"bjensen\"".into())
        );
        assert_eq!(pairs[1], ("count".into(), "2".into()));
        assert_eq!(pairs[2], ("bad".into(), "%zz".into()));
    }
}
