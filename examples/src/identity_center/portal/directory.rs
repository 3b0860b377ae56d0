//! Finding the user someone signs in as: by SCIM `userName` (case-insensitive, RFC 7643 §4.1.1
//! makes it caseExact false) or else by an email value — the same rule for a typed username
//! and for an external IdP's emailAddress NameID.

use fedkit_scim::{Dialect, Filter, ResourceSchema};
use serde_json::Value;

use crate::identity_center::apps::{self, Application};
use crate::identity_center::store::{ListQuery, ResourceKind, StoreError, Transaction, UniqueKeys};

/// The longest sign-in name looked up; longer input finds no one.
pub const MAX_LOGIN_NAME_BYTES: usize = 256;

/// Who a sign-in name names.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// One user: its SCIM id and document.
    Found(String, Value),
    /// No user has this userName or email.
    NotFound,
    /// No userName matches and several users share this email.
    Ambiguous,
}

fn query(
    tx: &mut dyn Transaction,
    filter: &str,
    hints: UniqueKeys,
) -> Result<Option<Vec<Value>>, StoreError> {
    // The value is a JSON string literal (RFC 7644 §3.4.2.2 compValue), so quotes and
    // backslashes in it cannot change the filter.
    let Ok(parsed) = Filter::parse(filter, Dialect::Strict) else {
        return Ok(None);
    };
    let Ok(bound) = parsed.bind(ResourceSchema::users()) else {
        return Ok(None);
    };
    let page = tx.list(
        ResourceKind::User,
        &ListQuery {
            filter: Some(&bound),
            hints,
            id_hint: None,
            member_of: Vec::new(),
            sort: None,
            offset: 0,
            after_seq: None,
            limit: 2,
        },
    )?;
    Ok(Some(page.rows.into_iter().map(|(_, doc)| doc).collect()))
}

fn found(doc: Value) -> Lookup {
    match doc.get("id").and_then(Value::as_str) {
        Some(id) => Lookup::Found(id.to_owned(), doc),
        None => Lookup::NotFound,
    }
}

/// The user whose userName is `name` (case-insensitively), else the one user with an email
/// value `name`.
pub fn find_user(tx: &mut dyn Transaction, name: &str) -> Result<Lookup, StoreError> {
    let name = name.trim();
    if name.is_empty() || name.len() > MAX_LOGIN_NAME_BYTES {
        return Ok(Lookup::NotFound);
    }
    let Ok(literal) = serde_json::to_string(name) else {
        return Ok(Lookup::NotFound);
    };
    let by_name = query(
        tx,
        &format!("userName eq {literal}"),
        UniqueKeys {
            name: Some(fedkit_scim::filter::fold_case(name).into_owned()),
            external_id: None,
        },
    )?;
    if let Some(doc) = by_name.and_then(|rows| rows.into_iter().next()) {
        return Ok(found(doc));
    }
    let by_email = query(
        tx,
        &format!("emails.value eq {literal}"),
        UniqueKeys::default(),
    )?
    .unwrap_or_default();
    let mut rows = by_email.into_iter();
    Ok(match (rows.next(), rows.next()) {
        (Some(doc), None) => found(doc),
        (Some(_), Some(_)) => Lookup::Ambiguous,
        (None, _) => Lookup::NotFound,
    })
}

/// Whether a user may sign in: SCIM `active` is not false (an absent `active` counts as active,
/// as AWS treats users provisioned without it).
pub fn is_active(user: &Value) -> bool {
    user.get("active").and_then(Value::as_bool) != Some(false)
}

/// The name shown for a user: displayName, else userName.
pub fn display_name(user: &Value) -> &str {
    user.get("displayName")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .or_else(|| user.get("userName").and_then(Value::as_str))
        .unwrap_or("")
}

/// The applications `user_id` is assigned to ([`apps::is_assigned`], the rule the SSO
/// endpoints apply too), in registration order.
pub fn assigned_applications(
    tx: &mut dyn Transaction,
    user_id: &str,
    now: i64,
) -> Result<Vec<Application>, StoreError> {
    let mut assigned = Vec::new();
    for app in apps::list(tx, now)? {
        if apps::is_assigned(tx, &app, user_id)? {
            assigned.push(app);
        }
    }
    Ok(assigned)
}
