//! The HTTP-POST binding: base64 in, and an auto-submitting HTML form out.

use crate::error::Error;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Decodes the base64 of a `SAMLResponse`/`SAMLRequest` form field (already form-decoded).
/// XML whitespace inside it (line breaks from the IdP's encoder) is skipped. `limit` bounds
/// the encoded length and is checked before any work.
pub fn decode_post(value: &str, limit: usize) -> Result<Vec<u8>, Error> {
    if value.len() > limit {
        return Err(Error::MessageTooLarge {
            limit,
            found: value.len(),
        });
    }
    let compact: Vec<u8> = value
        .bytes()
        .filter(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .collect();
    STANDARD.decode(compact).map_err(|_| Error::Base64Invalid)
}

/// Base64 of a message for a form field.
pub fn encode_post(xml: &str) -> String {
    STANDARD.encode(xml.as_bytes())
}

/// An HTML page that POSTs `field` (`SAMLResponse` or `SAMLRequest`) with the message and the
/// optional RelayState to `action` as soon as it loads; every value is HTML-escaped. `action`
/// must be http(s) (CVE-2023-45683: a `javascript:` URL would run in the user's browser).
pub fn post_form(
    action: &str,
    field: PostField,
    xml: &str,
    relay_state: Option<&str>,
) -> Result<String, Error> {
    if !is_http_url(action) {
        return Err(Error::EndpointUrlNotHttp {
            path: "form action".to_owned(),
        });
    }
    let mut html = String::with_capacity(xml.len() * 4 / 3 + 512);
    html.push_str(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>SAML</title></head>",
    );
    html.push_str("<body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"");
    escape_html(&mut html, action);
    html.push_str("\"><input type=\"hidden\" name=\"");
    html.push_str(field.name());
    html.push_str("\" value=\"");
    escape_html(&mut html, &encode_post(xml));
    html.push('"');
    html.push('>');
    if let Some(relay) = relay_state {
        html.push_str("<input type=\"hidden\" name=\"RelayState\" value=\"");
        escape_html(&mut html, relay);
        html.push_str("\">");
    }
    html.push_str(
        "<noscript><button type=\"submit\">Continue</button></noscript></form></body></html>\n",
    );
    Ok(html)
}

/// Which form field carries the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostField {
    /// `SAMLRequest` (AuthnRequest, LogoutRequest).
    Request,
    /// `SAMLResponse` (Response, LogoutResponse).
    Response,
}

impl PostField {
    /// The form field name.
    pub fn name(self) -> &'static str {
        match self {
            PostField::Request => "SAMLRequest",
            PostField::Response => "SAMLResponse",
        }
    }
}

/// Whether a URL is absolute http or https (scheme compared case-insensitively).
pub(crate) fn is_http_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url.chars().any(|c| c.is_control() || c == ' ')
}

fn escape_html(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_escapes_relay_state_and_refuses_script_urls() {
        let html = post_form(
            "https://sp.example.com/acs",
            PostField::Response,
            "<x/>",
            Some("\"><script>alert(1)</script>"),
        )
        .unwrap();
        assert!(!html.contains("<script>"));
        assert!(html.contains("&quot;&gt;&lt;script&gt;"));
        // base64 of "<x/>" by hand: PHgvPg==
        assert!(html.contains("value=\"PHgvPg==\""));
        let refused = post_form("javascript:alert(1)", PostField::Response, "<x/>", None);
        assert_eq!(refused.unwrap_err().code(), "endpoint_url_not_http");
    }

    #[test]
    fn decode_skips_line_breaks_and_checks_the_limit_first() {
        assert_eq!(decode_post("PHgv\r\nPg==", 100).unwrap(), b"<x/>");
        assert_eq!(decode_post("PHgvPg==", 8).unwrap(), b"<x/>");
        assert_eq!(
            decode_post("PHgvPg==", 7).unwrap_err().code(),
            "message_too_large"
        );
        assert_eq!(
            decode_post("PHgv*g==", 100).unwrap_err().code(),
            "base64_invalid"
        );
    }
}
