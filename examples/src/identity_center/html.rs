//! The one page layout of the portal, the sign-in pages and SAML error pages: plain
//! server-rendered HTML, no script, readable without CSS, with a `lang`, a `<main>` landmark
//! and text and link colours above WCAG AA contrast.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub use crate::html_form::escape;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fff}\
header{background:#232f3e;color:#fff;padding:.75rem 1.5rem}header a{color:#fff}\
main{max-width:48rem;margin:1.5rem auto;padding:0 1.5rem}\
a{color:#0b57d0}label{display:block;margin:.75rem 0 .25rem;font-weight:600}\
input[type=text],input[type=password],input[type=email]{font-size:1rem;padding:.4rem;width:100%;max-width:24rem;border:1px solid #5f6368}\
button{font-size:1rem;padding:.45rem 1rem;margin-top:1rem;background:#0b57d0;color:#fff;border:0;border-radius:4px;cursor:pointer}\
button:focus,a:focus,input:focus{outline:3px solid #f29900;outline-offset:2px}\
.error{color:#a50e0e;font-weight:600}.tiles{list-style:none;padding:0}.tiles li{margin:.5rem 0}\
table{border-collapse:collapse}td,th{border:1px solid #5f6368;padding:.3rem .6rem;text-align:left}";

/// A whole page: `title` as text (escaped here), `body` as HTML the caller escaped.
pub fn document(title: &str, body: &str) -> String {
    let title = escape(title);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title} – identity-center</title><style>{STYLE}</style></head>\
<body><header><a href=\"/\">identity-center</a></header><main><h1>{title}</h1>{body}</main></body></html>\n"
    )
}

/// A 200 page.
pub fn page(title: &str, body: &str) -> Response {
    page_with_status(StatusCode::OK, title, body)
}

/// A page with a status: the layout, `text/html`, no caching, not framable, not sniffed, and
/// no Referer sent from it (a sign-in page's URL carries the `next` resume path).
pub fn page_with_status(status: StatusCode, title: &str, body: &str) -> Response {
    let mut response = (status, document(title, body)).into_response();
    secure_html_headers(response.headers_mut(), PAGE_CSP);
    response
}

/// The content security policy of every page: no script at all.
pub const PAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action *; frame-ancestors 'none'";

/// The headers of every HTML answer: `text/html`, not cached (pages carry CSRF tokens and
/// SAML messages), not framable, not sniffed, no Referer leaving the site, and `csp`.
pub fn secure_html_headers(headers: &mut HeaderMap, csp: &'static str) {
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
}

/// An error page: the message and its stable code.
pub fn error_page(status: StatusCode, title: &str, code: &str, message: &str) -> Response {
    page_with_status(
        status,
        title,
        &format!(
            "<p class=\"error\" role=\"alert\">{}</p><p>Error code: <code>{}</code></p><p><a href=\"/\">Back to the portal</a></p>",
            escape(message),
            escape(code)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_escapes_the_title() {
        let html = document("<script>", "<p>ok</p>");
        assert!(html.contains("<h1>&lt;script&gt;</h1>"));
        assert!(!html.contains("<h1><script>"));
        assert!(html.contains("<p>ok</p>"));
    }
}
