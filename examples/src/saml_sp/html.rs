//! The pages, server-rendered. Every value that came from a SAML message or a request is
//! escaped; nothing else is interpolated.

use std::fmt::Write as _;

use crate::saml_sp::sessions::Session;
use crate::saml_sp::sp_error::SpError;

pub use crate::html_form::escape;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;\
padding:0 1rem;line-height:1.5}table{border-collapse:collapse;margin:1rem 0;width:100%}\
th,td{border:1px solid #999;padding:.3rem .6rem;text-align:left;vertical-align:top}\
caption{text-align:left;font-weight:bold}ul{margin:0;padding-left:1.2rem}\
.refused{color:#a00000}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · saml-sp</title><style>{STYLE}</style></head>\
         <body><main>{body}</main></body></html>\n",
        title = escape(title)
    )
}

/// The home page when nobody is signed in.
pub fn signed_out(entity_id: &str) -> String {
    page(
        "Demo application",
        &format!(
            "<h1>Demo application</h1><p>This is the SAML service provider \
             <code>{}</code>. You are not signed in.</p>\
             <p><a id=\"sign-in\" href=\"/login\">Sign in</a></p>",
            escape(entity_id)
        ),
    )
}

fn row(out: &mut String, label: &str, id: &str, value: Option<&str>) {
    let _ = write!(
        out,
        "<tr><th scope=\"row\">{label}</th><td id=\"{id}\">{}</td></tr>",
        value
            .map(escape)
            .unwrap_or_else(|| "<i>none</i>".to_owned())
    );
}

/// The home page of a signed-in user: the verified subject and every attribute.
pub fn signed_in(session: &Session, slo: bool) -> String {
    let user = &session.user;
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>Demo application</h1><p>Signed in as <strong id=\"signed-in-as\">{}</strong>.</p>",
        escape(&user.name_id.value)
    );
    body.push_str("<table><caption>Verified subject</caption><tbody>");
    row(&mut body, "NameID", "name-id", Some(&user.name_id.value));
    row(
        &mut body,
        "Format",
        "name-id-format",
        user.name_id.format.as_deref(),
    );
    row(
        &mut body,
        "SessionIndex",
        "session-index",
        user.session_index.as_deref(),
    );
    row(&mut body, "Issuer", "issuer", Some(&user.issuer));
    row(
        &mut body,
        "In response to",
        "in-response-to",
        Some(user.in_response_to.as_deref().unwrap_or("(IdP-initiated)")),
    );
    let signed = match (user.assertion_signed, user.response_signed) {
        (true, true) => "assertion and response",
        (true, false) => "assertion",
        (false, _) => "response",
    };
    row(&mut body, "Signed", "signed", Some(signed));
    body.push_str("</tbody></table>");

    body.push_str(
        "<table id=\"attributes\"><caption>Attributes</caption><thead><tr>\
         <th scope=\"col\">Name</th><th scope=\"col\">Values</th></tr></thead><tbody>",
    );
    if user.attributes.is_empty() {
        body.push_str("<tr><td colspan=\"2\"><i>none</i></td></tr>");
    }
    for attribute in &user.attributes {
        let _ = write!(body, "<tr><td>{}", escape(&attribute.name));
        if let Some(friendly) = &attribute.friendly_name {
            let _ = write!(body, " ({})", escape(friendly));
        }
        body.push_str("</td><td><ul>");
        for value in &attribute.values {
            if value.nil {
                body.push_str("<li><i>nil</i></li>");
            } else {
                let _ = write!(body, "<li>{}</li>", escape(&value.text));
            }
        }
        body.push_str("</ul></td></tr>");
    }
    body.push_str("</tbody></table>");
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/logout\">\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{}\">\
         <button type=\"submit\" id=\"sign-out\">Sign out</button></form><p>{}</p>",
        escape(&session.csrf_token),
        if slo {
            "Signing out also ends the session at the identity provider (single logout)."
        } else {
            "Signing out ends the session here only (the identity provider has no single \
             logout endpoint, or this SP has no signing key)."
        }
    );
    page("Signed in", &body)
}

/// A refusal: the code and the message.
pub fn error(error: &SpError) -> String {
    page(
        "Request refused",
        &format!(
            "<h1 class=\"refused\">Request refused</h1>\
             <p>Error code: <code id=\"error-code\">{}</code></p>\
             <p id=\"error-message\">{}</p><p><a href=\"/\">Back to the application</a></p>",
            escape(error.code()),
            escape(&error.to_string())
        ),
    )
}

/// No such page.
pub fn not_found() -> String {
    page(
        "Not found",
        "<h1>Not found</h1><p><a href=\"/\">Back to the application</a></p>",
    )
}
