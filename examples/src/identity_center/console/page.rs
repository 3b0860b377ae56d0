//! The console's page frame: navigation, the signed-in administrator with a sign-out form,
//! and the small pieces every page uses (field errors, pagination, the filter caret).

use axum::http::StatusCode;
use axum::response::Response;

use crate::identity_center::console::admin_session;
use crate::identity_center::html::{self, escape};
use crate::identity_center::portal::percent_encode;
use crate::identity_center::session::Session;

/// A console page: the navigation, then `body` (HTML the caller escaped).
pub fn console_page(session: &Session, status: StatusCode, title: &str, body: &str) -> Response {
    let nav = format!(
        "<nav aria-label=\"Console\"><a href=\"/admin/console/users\">Users</a> · \
<a href=\"/admin/console/groups\">Groups</a> · \
<a href=\"/admin/console/applications\">Applications</a> · <a href=\"/admin/console/tokens\">SCIM tokens</a>\
<form method=\"post\" action=\"/admin/console/logout\" style=\"display:inline;margin-left:1rem\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\"><span>Signed in as <strong>{}</strong></span> \
<button type=\"submit\">Sign out</button></form></nav>",
        escape(&session.csrf),
        escape(admin_session::admin_name(session))
    );
    html::page_with_status(status, title, &format!("{nav}{body}"))
}

/// The hidden CSRF field of a console form.
pub fn csrf_field(session: &Session) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        escape(&session.csrf)
    )
}

/// A labelled text input with its error (if any) right after it, tied by `aria-describedby`.
pub fn text_input(name: &str, label: &str, value: &str, error: Option<&str>) -> String {
    let (described, message) = match error {
        Some(message) => (
            format!(" aria-invalid=\"true\" aria-describedby=\"{name}-error\""),
            format!(
                "<p class=\"error\" id=\"{name}-error\" role=\"alert\">{}</p>",
                escape(message)
            ),
        ),
        None => (String::new(), String::new()),
    };
    format!(
        "<label for=\"{name}\">{}</label><input type=\"text\" id=\"{name}\" name=\"{name}\" value=\"{}\"{described}>{message}",
        escape(label),
        escape(value)
    )
}

/// A page error not tied to one field, with its code.
pub fn alert(code: &str, message: &str) -> String {
    format!(
        "<div role=\"alert\"><p class=\"error\">{}</p><p>Error code: <code>{}</code></p></div>",
        escape(message),
        escape(code)
    )
}

/// The filter text with a caret line under bytes `start..end` (clamped to character
/// boundaries), as a preformatted block.
pub fn caret(text: &str, start: usize, end: usize) -> String {
    let start = (0..=start.min(text.len()))
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    let end = (end.max(start)..=text.len())
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(text.len());
    let pad = text.get(..start).map_or(0, |s| s.chars().count());
    let width = text.get(start..end).map_or(0, |s| s.chars().count()).max(1);
    format!(
        "<pre class=\"caret\" aria-label=\"Where the filter is wrong\">{}\n{}{}</pre>",
        escape(text),
        " ".repeat(pad),
        "^".repeat(width)
    )
}

/// Previous/next links for page `page` of `total` items, `per_page` each, keeping `filter`.
pub fn pagination(base: &str, filter: &str, page: u64, per_page: u64, total: u64) -> String {
    let pages = total.div_ceil(per_page).max(1);
    let link = |p: u64, text: &str| {
        format!(
            "<a href=\"{base}?filter={}&amp;page={p}\">{text}</a>",
            percent_encode(filter)
        )
    };
    let mut out = format!("<nav aria-label=\"Pages\"><p>Page {page} of {pages} ({total} in all) ");
    if page > 1 {
        out.push_str(&link(page - 1, "Previous page"));
        out.push(' ');
    }
    if page < pages {
        out.push_str(&link(page + 1, "Next page"));
    }
    out.push_str("</p></nav>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caret_sits_under_the_span_in_characters() {
        // "é" is two bytes but one column.
        let html = caret("é eq", 3, 5);
        assert!(html.contains("é eq\n  ^^</pre>"), "{html}");
        // An empty span still shows one caret; a span past the end is clamped.
        assert!(caret("ab", 2, 2).contains("ab\n  ^</pre>"));
        assert!(caret("ab", 9, 12).contains("ab\n  ^</pre>"));
        assert!(caret("<x>", 0, 1).contains("&lt;x&gt;\n^</pre>"));
    }

    #[test]
    fn pagination_links_keep_the_filter() {
        let html = pagination("/admin/console/users", "a eq \"b\"", 2, 20, 41);
        assert!(html.contains("Page 2 of 3 (41 in all)"));
        assert!(html.contains("filter=a%20eq%20%22b%22&amp;page=1\">Previous page"));
        assert!(html.contains("page=3\">Next page"));
        let first = pagination("/x", "", 1, 20, 0);
        assert!(first.contains("Page 1 of 1") && !first.contains("Next"));
    }
}
