//! The console's users and groups: lists with a SCIM filter box (a parse error is shown with a
//! caret under the bad span) and pages, create and edit forms (a refusal is shown next to the
//! field it concerns, and nothing changes), delete with a confirmation step, and a user's
//! password for the built-in directory. Changes go through [`admin_directory`], the admin
//! API's code path; what SCIM created is shown read-only with the reason.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;
use fedkit_scim::filter::Filter;
use serde_json::{Value, json};

use crate::identity_center::admin_directory::{self, DirectoryError, MANAGED_BY};
use crate::identity_center::config::Profile;
use crate::identity_center::console::page::{
    alert, caret, console_page, csrf_field, pagination, text_input,
};
use crate::identity_center::console::{require_admin, require_admin_form};
use crate::identity_center::html::escape;
use crate::identity_center::http::query_pairs;
use crate::identity_center::passwords::{self, PasswordPolicy};
use crate::identity_center::portal::{
    MAX_FORM_BYTES, blocking, field, form_too_large, percent_encode, read_form, see_other,
};
use crate::identity_center::session::Session;
use crate::identity_center::store::{ResourceKind, StoreError};
use crate::identity_center::web::AppState;

/// Rows per list page.
pub const PER_PAGE: u64 = 20;

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// The routes of the user and group pages.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/console/users", get(list_users).post(create_user))
        .route("/admin/console/users/new", get(new_user))
        .route("/admin/console/users/{id}", get(show_user).post(edit_user))
        .route("/admin/console/users/{id}/delete", post(delete_user))
        .route("/admin/console/users/{id}/password", post(set_password))
        .route("/admin/console/groups", get(list_groups).post(create_group))
        .route("/admin/console/groups/new", get(new_group))
        .route(
            "/admin/console/groups/{id}",
            get(show_group).post(edit_group),
        )
        .route("/admin/console/groups/{id}/delete", post(delete_group))
}

/// What differs between the user and the group pages.
struct Kind {
    kind: ResourceKind,
    /// `users`, `groups`: the path segment.
    plural: &'static str,
    /// `User`, `Group`.
    title: &'static str,
    /// Form fields: name, label.
    fields: &'static [(&'static str, &'static str)],
}

const USERS: Kind = Kind {
    kind: ResourceKind::User,
    plural: "users",
    title: "User",
    fields: &[
        ("userName", "User name"),
        ("givenName", "Given name"),
        ("familyName", "Family name"),
        ("displayName", "Display name"),
        ("email", "Email"),
    ],
};

const GROUPS: Kind = Kind {
    kind: ResourceKind::Group,
    plural: "groups",
    title: "Group",
    fields: &[
        ("displayName", "Group name"),
        ("members", "Member user ids (one per line)"),
    ],
};

impl Kind {
    fn base(&self) -> String {
        format!("/admin/console/{}", self.plural)
    }

    /// The form's values of a resource document.
    fn values(&self, doc: &Value) -> Vec<(&'static str, String)> {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        self.fields
            .iter()
            .map(|(name, _)| {
                let value = match *name {
                    "givenName" | "familyName" => text(&doc["name"][name]),
                    "email" => doc["emails"]
                        .as_array()
                        .and_then(|list| {
                            list.iter()
                                .find(|e| e["primary"] == true)
                                .or_else(|| list.first())
                        })
                        .map(|e| text(&e["value"]))
                        .unwrap_or_default(),
                    "members" => doc["members"]
                        .as_array()
                        .map(|list| {
                            list.iter()
                                .map(|m| text(&m["value"]))
                                .collect::<Vec<_>>()
                                .join("\n")
                        })
                        .unwrap_or_default(),
                    other => text(&doc[other]),
                };
                (*name, value)
            })
            .collect()
    }

    /// The SCIM document of a submitted form: `base` (the current document on edit) with the
    /// form's attributes set, so attributes the form does not show are kept.
    fn document(&self, form: &[(String, String)], base: Option<&Value>) -> Value {
        let value = |name: &str| field(form, name).unwrap_or("").trim().to_owned();
        let mut doc = base.cloned().unwrap_or_else(|| json!({}));
        let Some(fields) = doc.as_object_mut() else {
            return doc;
        };
        fields.remove(MANAGED_BY);
        let set = |fields: &mut serde_json::Map<String, Value>, key: &str, text: String| {
            if text.is_empty() {
                fields.remove(key);
            } else {
                fields.insert(key.into(), json!(text));
            }
        };
        match self.kind {
            ResourceKind::User => {
                fields.insert("schemas".into(), json!([USER_SCHEMA]));
                set(fields, "userName", value("userName"));
                set(fields, "displayName", value("displayName"));
                let mut name = fields
                    .get("name")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                set(&mut name, "givenName", value("givenName"));
                set(&mut name, "familyName", value("familyName"));
                if name.is_empty() {
                    fields.remove("name");
                } else {
                    fields.insert("name".into(), Value::Object(name));
                }
                let email = value("email");
                if email.is_empty() {
                    fields.remove("emails");
                } else {
                    fields.insert(
                        "emails".into(),
                        json!([{"value": email, "type": "work", "primary": true}]),
                    );
                }
                fields.insert("active".into(), json!(field(form, "active") == Some("on")));
            }
            ResourceKind::Group => {
                fields.insert("schemas".into(), json!([GROUP_SCHEMA]));
                set(fields, "displayName", value("displayName"));
                let members: Vec<Value> = value("members")
                    .split(['\n', ',', ' '])
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .map(|m| json!({"value": m}))
                    .collect();
                fields.insert("members".into(), Value::Array(members));
            }
        }
        doc
    }

    /// The form field a refusal concerns, from the attribute its message names.
    fn field_of(&self, error: &DirectoryError) -> Option<&'static str> {
        if error.code() == "unknown_member" {
            return Some("members");
        }
        let message = error.message();
        let scim_names = [
            ("userName", "userName"),
            ("givenName", "givenName"),
            ("familyName", "familyName"),
            ("displayName", "displayName"),
            ("emails", "email"),
            ("members", "members"),
        ];
        scim_names
            .iter()
            .filter(|(_, form)| self.fields.iter().any(|(name, _)| name == form))
            .find(|(scim, _)| message.contains(scim))
            .map(|(_, form)| *form)
    }
}

/// The create or edit form, with a refusal next to its field (or above the form).
fn form_html(
    kind: &Kind,
    session: &Session,
    action: &str,
    values: &[(&'static str, String)],
    active: bool,
    error: Option<&DirectoryError>,
) -> String {
    let field_error = error.and_then(|e| kind.field_of(e));
    let mut out = String::new();
    if let (Some(error), None) = (error, field_error) {
        out.push_str(&alert(error.code(), &error.message()));
    }
    out.push_str(&format!(
        "<form method=\"post\" action=\"{}\">{}",
        escape(action),
        csrf_field(session)
    ));
    for (name, label) in kind.fields {
        let value = values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        let message = match (error, field_error) {
            (Some(error), Some(f)) if f == *name => {
                Some(format!("{} (code {})", error.message(), error.code()))
            }
            _ => None,
        };
        if *name == "members" {
            let (described, note) = match &message {
                Some(m) => (
                    " aria-invalid=\"true\" aria-describedby=\"members-error\"",
                    format!(
                        "<p class=\"error\" id=\"members-error\" role=\"alert\">{}</p>",
                        escape(m)
                    ),
                ),
                None => ("", String::new()),
            };
            out.push_str(&format!(
                "<label for=\"members\">{}</label><textarea id=\"members\" name=\"members\" rows=\"5\" cols=\"40\"{described}>{}</textarea>{note}",
                escape(label),
                escape(value)
            ));
        } else {
            out.push_str(&text_input(name, label, value, message.as_deref()));
        }
    }
    if kind.kind == ResourceKind::User {
        out.push_str(&format!(
            "<p><input type=\"checkbox\" id=\"active\" name=\"active\"{}><label for=\"active\" style=\"display:inline\"> Active (may sign in)</label></p>",
            if active { " checked" } else { "" }
        ));
    }
    out.push_str("<div><button type=\"submit\">Save</button></div></form>");
    out
}

/// A refusal's HTTP status on a form page.
fn form_status(error: &DirectoryError) -> StatusCode {
    error.status()
}

fn list_page(
    kind: &Kind,
    state: &AppState,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Response, StoreError> {
    let session = match require_admin(state, headers)? {
        Ok(session) => session,
        Err(redirect) => return Ok(redirect),
    };
    let pairs = query_pairs(query);
    let filter = field(&pairs, "filter").unwrap_or("").trim().to_owned();
    let page = field(&pairs, "page")
        .and_then(|p| p.parse::<u64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let base = kind.base();
    let mut body = format!(
        "<form method=\"get\" action=\"{base}\" role=\"search\"><label for=\"filter\">SCIM filter</label>\
<input type=\"text\" id=\"filter\" name=\"filter\" value=\"{}\" placeholder=\"{}\" aria-describedby=\"filter-help\">\
<p id=\"filter-help\">RFC 7644 §3.4.2.2, e.g. <code>{}</code></p><button type=\"submit\">Search</button></form>\
<p><a href=\"{base}/new\">Create {}</a></p>",
        escape(&filter),
        if kind.kind == ResourceKind::User {
            "userName sw \"a\""
        } else {
            "displayName eq \"Admins\""
        },
        if kind.kind == ResourceKind::User {
            "userName sw \"j\" and active eq true"
        } else {
            "displayName co \"ops\""
        },
        kind.title.to_lowercase()
    );
    let mut status = StatusCode::OK;
    // Parsed here too, for the caret: the list itself reports only the message.
    let parsed = match filter.as_str() {
        "" => Ok(()),
        text => Filter::parse(text, state.scim.config().dialect).map(|_| ()),
    };
    if let Err(error) = parsed {
        let span = error.span();
        body.push_str(&format!(
            "<div role=\"alert\" id=\"filter-error\"><p class=\"error\">The filter does not parse: {} (code <code>{}</code>)</p>{}</div>",
            escape(&error.kind().to_string()),
            escape(error.code()),
            caret(&filter, span.start, span.end)
        ));
        return Ok(console_page(
            &session,
            StatusCode::BAD_REQUEST,
            &format!("{}s", kind.title),
            &body,
        ));
    }
    // The AWS profile pages by cursor only (AWS refuses startIndex); the full one by index.
    let aws = state.scim.config().profile == Profile::Aws;
    let cursor = field(&pairs, "cursor").unwrap_or("").to_owned();
    let mut query = vec![("count".to_owned(), PER_PAGE.to_string())];
    if aws {
        query.push(("cursor".to_owned(), cursor.clone()));
    } else {
        query.push((
            "startIndex".to_owned(),
            ((page - 1) * PER_PAGE + 1).to_string(),
        ));
    }
    if !filter.is_empty() {
        query.push(("filter".to_owned(), filter.clone()));
    }
    match admin_directory::list(state, kind.kind, query) {
        Ok(list) => {
            let total = list["totalResults"].as_u64().unwrap_or(0);
            let rows: String = list["Resources"]
                .as_array()
                .map(|items| items.iter().map(|item| row(kind, item)).collect())
                .unwrap_or_default();
            let head = match kind.kind {
                ResourceKind::User => {
                    "<th scope=\"col\">User name</th><th scope=\"col\">Display name</th><th scope=\"col\">Email</th><th scope=\"col\">Status</th><th scope=\"col\">Created by</th>"
                }
                ResourceKind::Group => {
                    "<th scope=\"col\">Group name</th><th scope=\"col\">Members</th><th scope=\"col\">Created by</th>"
                }
            };
            body.push_str(&format!(
                "<table><caption>{}s{}</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{}",
                kind.title,
                if filter.is_empty() { String::new() } else { format!(" matching <code>{}</code>", escape(&filter)) },
                if aws {
                    cursor_pagination(&base, &filter, &cursor, list["nextCursor"].as_str())
                } else {
                    pagination(&base, &filter, page, PER_PAGE, total)
                }
            ));
        }
        Err(error) => {
            status = error.status();
            body.push_str(&format!(
                "<div id=\"filter-error\">{}</div>",
                alert(error.code(), &error.message())
            ));
        }
    }
    Ok(console_page(
        &session,
        status,
        &format!("{}s", kind.title),
        &body,
    ))
}

/// First/Next links for cursor paging (the AWS profile), keeping `filter`.
fn cursor_pagination(base: &str, filter: &str, cursor: &str, next: Option<&str>) -> String {
    let mut out = String::from("<nav aria-label=\"Pages\"><p>");
    if !cursor.is_empty() {
        out.push_str(&format!(
            "<a href=\"{base}?filter={}\">First page</a> ",
            percent_encode(filter)
        ));
    }
    if let Some(next) = next {
        out.push_str(&format!(
            "<a href=\"{base}?filter={}&amp;cursor={}\">Next page</a>",
            percent_encode(filter),
            percent_encode(next)
        ));
    }
    out.push_str("</p></nav>");
    out
}

fn created_by(doc: &Value) -> &'static str {
    match doc[MANAGED_BY].as_str() {
        Some("admin") => "Administrator",
        _ => "SCIM (read-only)",
    }
}

fn row(kind: &Kind, item: &Value) -> String {
    let id = item["id"].as_str().unwrap_or_default();
    let link = |text: &str| {
        format!(
            "<a href=\"{}/{}\">{}</a>",
            kind.base(),
            percent_encode(id),
            escape(text)
        )
    };
    let values = kind.values(item);
    let value = |name: &str| {
        values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    match kind.kind {
        ResourceKind::User => format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            link(&value("userName")),
            escape(&value("displayName")),
            escape(&value("email")),
            if item["active"] == false {
                "Disabled"
            } else {
                "Active"
            },
            created_by(item)
        ),
        ResourceKind::Group => format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            link(&value("displayName")),
            item["members"].as_array().map_or(0, Vec::len),
            created_by(item)
        ),
    }
}

fn new_page(kind: &Kind, state: &AppState, headers: &HeaderMap) -> Result<Response, StoreError> {
    let session = match require_admin(state, headers)? {
        Ok(session) => session,
        Err(redirect) => return Ok(redirect),
    };
    let body = form_html(kind, &session, &kind.base(), &[], true, None);
    Ok(console_page(
        &session,
        StatusCode::OK,
        &format!("Create {}", kind.title.to_lowercase()),
        &body,
    ))
}

fn create_post(
    kind: &Kind,
    state: &AppState,
    headers: &HeaderMap,
    form: &[(String, String)],
) -> Result<Response, StoreError> {
    let session = match require_admin_form(state, headers, form)? {
        Ok(session) => session,
        Err(refused) => return Ok(refused),
    };
    let doc = kind.document(form, None);
    match admin_directory::create(state, kind.kind, doc, Utc::now()) {
        Ok(created) => {
            let id = created["id"].as_str().unwrap_or_default();
            Ok(see_other(
                &format!("{}/{}?created=1", kind.base(), percent_encode(id)),
                &[],
            ))
        }
        Err(error) => {
            let values = submitted(kind, form);
            let body = form_html(
                kind,
                &session,
                &kind.base(),
                &values,
                field(form, "active") == Some("on"),
                Some(&error),
            );
            Ok(console_page(
                &session,
                form_status(&error),
                &format!("Create {}", kind.title.to_lowercase()),
                &body,
            ))
        }
    }
}

/// The form's values as submitted, to show them again with the refusal.
fn submitted(kind: &Kind, form: &[(String, String)]) -> Vec<(&'static str, String)> {
    kind.fields
        .iter()
        .map(|(name, _)| (*name, field(form, name).unwrap_or("").to_owned()))
        .collect()
}

/// A refused form as submitted: its values, its active box, the refusal.
type Submitted<'a> = (&'a [(&'static str, String)], bool, &'a DirectoryError);

/// The detail page: the attributes, and for hand-made resources the edit, password and delete
/// forms; for SCIM's, why they are read-only.
fn detail_body(
    kind: &Kind,
    session: &Session,
    doc: &Value,
    notice: Option<&str>,
    form_values: Option<Submitted<'_>>,
) -> String {
    let id = doc["id"].as_str().unwrap_or_default();
    let action = format!("{}/{}", kind.base(), percent_encode(id));
    let mut out = String::new();
    if let Some(notice) = notice {
        out.push_str(&format!("<p role=\"status\">{}</p>", escape(notice)));
    }
    out.push_str(&format!(
        "<p>Id: <code>{}</code> · Created by: {}</p>",
        escape(id),
        created_by(doc)
    ));
    if doc[MANAGED_BY] != "admin" {
        out.push_str(&alert(
            "managed_by_scim",
            &DirectoryError::ManagedByScim(if kind.kind == ResourceKind::User {
                "user"
            } else {
                "group"
            })
            .message(),
        ));
        let rows: String = kind
            .values(doc)
            .iter()
            .map(|(name, value)| {
                let label = kind
                    .fields
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or(*name, |(_, l)| *l);
                format!(
                    "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
                    escape(label),
                    escape(value)
                )
            })
            .collect();
        out.push_str(&format!("<table>{rows}</table>"));
        return out;
    }
    let current_values = kind.values(doc);
    let (values, active, error) = match form_values {
        Some((values, active, error)) => (values, active, Some(error)),
        None => (current_values.as_slice(), doc["active"] != false, None),
    };
    out.push_str(&format!(
        "<h2>Edit</h2>{}",
        form_html(kind, session, &action, values, active, error)
    ));
    if kind.kind == ResourceKind::User {
        out.push_str(&format!(
            "<h2>Password</h2><form method=\"post\" action=\"{action}/password\">{}\
<label for=\"password\">New password (at least 12 characters)</label>\
<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"new-password\" required>\
<div><button type=\"submit\">Set password</button></div></form>",
            csrf_field(session)
        ));
    }
    out.push_str(&format!(
        "<h2>Delete</h2><form method=\"post\" action=\"{action}/delete\">{}<button type=\"submit\">Delete {}…</button></form>",
        csrf_field(session),
        kind.title.to_lowercase()
    ));
    out
}

fn title_of(kind: &Kind, doc: &Value) -> String {
    let name = match kind.kind {
        ResourceKind::User => doc["userName"].as_str(),
        ResourceKind::Group => doc["displayName"].as_str(),
    };
    format!("{} {}", kind.title, name.unwrap_or_default())
}

fn show_page(
    kind: &Kind,
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    query: Option<&str>,
) -> Result<Response, StoreError> {
    let session = match require_admin(state, headers)? {
        Ok(session) => session,
        Err(redirect) => return Ok(redirect),
    };
    let pairs = query_pairs(query);
    let notice = [
        ("created", "Created."),
        ("saved", "Saved."),
        ("password", "Password set."),
    ]
    .iter()
    .find(|(key, _)| field(&pairs, key) == Some("1"))
    .map(|(_, text)| *text);
    match admin_directory::get_resource(state, kind.kind, id) {
        Ok(doc) => {
            let body = detail_body(kind, &session, &doc, notice, None);
            Ok(console_page(
                &session,
                StatusCode::OK,
                &title_of(kind, &doc),
                &body,
            ))
        }
        Err(error) => Ok(console_page(
            &session,
            error.status(),
            &format!("{} not found", kind.title),
            &alert(error.code(), &error.message()),
        )),
    }
}

fn edit_post(
    kind: &Kind,
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    form: &[(String, String)],
) -> Result<Response, StoreError> {
    let session = match require_admin_form(state, headers, form)? {
        Ok(session) => session,
        Err(refused) => return Ok(refused),
    };
    let current = match admin_directory::get_resource(state, kind.kind, id) {
        Ok(doc) => doc,
        Err(error) => {
            return Ok(console_page(
                &session,
                error.status(),
                &format!("{} not found", kind.title),
                &alert(error.code(), &error.message()),
            ));
        }
    };
    let doc = kind.document(form, Some(&current));
    let outcome = if kind.kind == ResourceKind::Group && state.scim.config().profile == Profile::Aws
    {
        // AWS has no group PUT; its PATCH rules apply (members added and removed one by one).
        match group_patch(&current, &doc) {
            Some(patch) => admin_directory::patch(state, kind.kind, id, &patch, Utc::now()),
            None => Ok(current.clone()),
        }
    } else {
        admin_directory::replace(state, kind.kind, id, doc, Utc::now())
    };
    match outcome {
        Ok(_) => Ok(see_other(
            &format!("{}/{}?saved=1", kind.base(), percent_encode(id)),
            &[],
        )),
        Err(error) => {
            let values = submitted(kind, form);
            let active = field(form, "active") == Some("on");
            let body = detail_body(
                kind,
                &session,
                &current,
                None,
                Some((&values, active, &error)),
            );
            Ok(console_page(
                &session,
                form_status(&error),
                &title_of(kind, &current),
                &body,
            ))
        }
    }
}

/// The PatchOp that turns group `current` into `wanted` (name replaced, members added and
/// removed by value filter), or `None` when nothing differs.
fn group_patch(current: &Value, wanted: &Value) -> Option<Value> {
    let members = |doc: &Value| -> Vec<String> {
        doc["members"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|m| m["value"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (before, after) = (members(current), members(wanted));
    let mut operations = Vec::new();
    if current["displayName"] != wanted["displayName"] {
        operations
            .push(json!({"op": "replace", "path": "displayName", "value": wanted["displayName"]}));
    }
    let added: Vec<Value> = after
        .iter()
        .filter(|m| !before.contains(m))
        .map(|m| json!({"value": m}))
        .collect();
    if !added.is_empty() {
        operations.push(json!({"op": "add", "path": "members", "value": added}));
    }
    for gone in before.iter().filter(|m| !after.contains(m)) {
        // The id as a JSON string literal, so quotes in it stay data in the filter.
        let literal = Value::String(gone.clone()).to_string();
        operations.push(json!({"op": "remove", "path": format!("members[value eq {literal}]")}));
    }
    (!operations.is_empty()).then(|| {
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations})
    })
}

fn delete_post(
    kind: &Kind,
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    form: &[(String, String)],
) -> Result<Response, StoreError> {
    let session = match require_admin_form(state, headers, form)? {
        Ok(session) => session,
        Err(refused) => return Ok(refused),
    };
    let action = format!("{}/{}/delete", kind.base(), percent_encode(id));
    if field(form, "confirm") != Some("yes") {
        let body = format!(
            "<p>Delete this {} for good? Applications assigned to it lose the assignment's effect.</p>\
<form method=\"post\" action=\"{action}\">{}<input type=\"hidden\" name=\"confirm\" value=\"yes\">\
<button type=\"submit\">Yes, delete</button></form><p><a href=\"{}/{}\">No, keep it</a></p>",
            kind.title.to_lowercase(),
            csrf_field(&session),
            kind.base(),
            percent_encode(id)
        );
        return Ok(console_page(
            &session,
            StatusCode::OK,
            "Confirm deletion",
            &body,
        ));
    }
    match admin_directory::delete(state, kind.kind, id, Utc::now()) {
        Ok(()) => Ok(see_other(&kind.base(), &[])),
        Err(error) => Ok(console_page(
            &session,
            error.status(),
            "Not deleted",
            &alert(error.code(), &error.message()),
        )),
    }
}

fn password_post(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    form: &[(String, String)],
) -> Result<Response, StoreError> {
    let session = match require_admin_form(state, headers, form)? {
        Ok(session) => session,
        Err(refused) => return Ok(refused),
    };
    // SCIM's users get their passwords from the IdP, as everything else.
    match admin_directory::get_resource(state, ResourceKind::User, id) {
        Ok(doc) if doc[MANAGED_BY] == "admin" => {}
        Ok(_) => {
            let error = DirectoryError::ManagedByScim("user");
            return Ok(console_page(
                &session,
                error.status(),
                "Password not set",
                &alert(error.code(), &error.message()),
            ));
        }
        Err(error) => {
            return Ok(console_page(
                &session,
                error.status(),
                "Password not set",
                &alert(error.code(), &error.message()),
            ));
        }
    }
    let password = field(form, "password").unwrap_or("");
    // Checked before hashing, which is slow on purpose; hashed outside the transaction.
    let outcome = passwords::check_policy(password, &PasswordPolicy::default())
        .and_then(|()| passwords::hash(password))
        .and_then(|phc| {
            let mut tx = state.store().begin()?;
            passwords::store_hash(tx.as_mut(), id, &phc)?;
            tx.commit()?;
            Ok(())
        });
    match outcome {
        Ok(()) => Ok(see_other(
            &format!("/admin/console/users/{}?password=1", percent_encode(id)),
            &[],
        )),
        Err(error) => Ok(console_page(
            &session,
            StatusCode::BAD_REQUEST,
            "Password not set",
            &format!(
                "<p class=\"error\" role=\"alert\" id=\"password-error\">{} (code <code>{}</code>)</p><p><a href=\"/admin/console/users/{}\">Back to the user</a></p>",
                escape(&error.to_string()),
                escape(error.code()),
                percent_encode(id)
            ),
        )),
    }
}

async fn list_users(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    blocking(state, move |s| {
        list_page(&USERS, s, &headers, query.as_deref())
    })
    .await
}

async fn list_groups(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    blocking(state, move |s| {
        list_page(&GROUPS, s, &headers, query.as_deref())
    })
    .await
}

async fn new_user(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    blocking(state, move |s| new_page(&USERS, s, &headers)).await
}

async fn new_group(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    blocking(state, move |s| new_page(&GROUPS, s, &headers)).await
}

async fn show_user(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    blocking(state, move |s| {
        show_page(&USERS, s, &headers, &id, query.as_deref())
    })
    .await
}

async fn show_group(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    blocking(state, move |s| {
        show_page(&GROUPS, s, &headers, &id, query.as_deref())
    })
    .await
}

/// A form post: the body read (413 above the limit), then `work` on a blocking thread.
async fn with_form<F>(state: Arc<AppState>, body: Body, work: F) -> Response
where
    F: FnOnce(&AppState, &[(String, String)]) -> Result<Response, StoreError> + Send + 'static,
{
    let Some(form) = read_form(body, MAX_FORM_BYTES).await else {
        return form_too_large();
    };
    blocking(state, move |s| work(s, &form)).await
}

async fn create_user(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    with_form(state, body, move |s, f| create_post(&USERS, s, &headers, f)).await
}

async fn create_group(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    with_form(state, body, move |s, f| {
        create_post(&GROUPS, s, &headers, f)
    })
    .await
}

async fn edit_user(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    with_form(state, body, move |s, f| {
        edit_post(&USERS, s, &headers, &id, f)
    })
    .await
}

async fn edit_group(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    with_form(state, body, move |s, f| {
        edit_post(&GROUPS, s, &headers, &id, f)
    })
    .await
}

async fn delete_user(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    with_form(state, body, move |s, f| {
        delete_post(&USERS, s, &headers, &id, f)
    })
    .await
}

async fn delete_group(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    with_form(state, body, move |s, f| {
        delete_post(&GROUPS, s, &headers, &id, f)
    })
    .await
}

async fn set_password(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    with_form(state, body, move |s, f| password_post(s, &headers, &id, f)).await
}
