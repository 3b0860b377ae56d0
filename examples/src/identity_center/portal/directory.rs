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

/// Whether a sign-in name and a stored userName or email are the same name: ASCII letters match
/// in either case, other characters match each other by Unicode lower case, but an ASCII
/// character never matches a non-ASCII one. The store's filter compares by Unicode lower case
/// alone, where U+212A KELVIN SIGN equals `k`, so an external IdP account spelled
/// `\u{212A}en@example.com` would otherwise sign in as the provisioned `ken@example.com`.
pub fn same_name(typed: &str, stored: &str) -> bool {
    typed.chars().count() == stored.chars().count()
        && typed.chars().zip(stored.chars()).all(|(a, b)| {
            a == b
                || match (a.is_ascii(), b.is_ascii()) {
                    (true, true) => a.eq_ignore_ascii_case(&b),
                    (false, false) => a.to_lowercase().eq(b.to_lowercase()),
                    _ => false,
                }
        })
}

fn user_name_is(doc: &Value, name: &str) -> bool {
    doc.get("userName")
        .and_then(Value::as_str)
        .is_some_and(|stored| same_name(name, stored))
}

fn has_email(doc: &Value, name: &str) -> bool {
    doc.get("emails")
        .and_then(Value::as_array)
        .is_some_and(|emails| {
            emails.iter().any(|email| {
                email
                    .get("value")
                    .and_then(Value::as_str)
                    .is_some_and(|stored| same_name(name, stored))
            })
        })
}

/// The user whose userName is `name` (case-insensitively, by [`same_name`]), else the one user
/// with an email value `name`.
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
    if let Some(doc) = by_name
        .and_then(|rows| rows.into_iter().next())
        .filter(|doc| user_name_is(doc, name))
    {
        return Ok(found(doc));
    }
    let by_email = query(
        tx,
        &format!("emails.value eq {literal}"),
        UniqueKeys::default(),
    )?
    .unwrap_or_default();
    // Rows the store matched only by a wider case mapping are not this name (when two such
    // rows fill the page, a real match beyond it is missed: a refusal, never a wrong user).
    let mut rows = by_email.into_iter().filter(|doc| has_email(doc, name));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity_center::store::{SqliteStore, Store};
    use serde_json::json;

    fn add(tx: &mut dyn Transaction, id: &str, user_name: &str, emails: &[&str]) {
        let emails: Vec<Value> = emails.iter().map(|e| json!({ "value": e })).collect();
        let doc = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": id, "userName": user_name, "emails": emails,
        });
        let keys = UniqueKeys {
            name: Some(fedkit_scim::filter::fold_case(user_name).into_owned()),
            external_id: None,
        };
        tx.insert(ResourceKind::User, id, &doc, &keys)
            .expect("insert");
    }

    fn id(lookup: Lookup) -> Option<String> {
        match lookup {
            Lookup::Found(id, _) => Some(id),
            _ => None,
        }
    }

    #[test]
    fn user_name_first_then_a_unique_email() {
        let store = SqliteStore::in_memory().expect("store");
        let mut tx = store.begin().expect("begin");
        add(tx.as_mut(), "u1", "Alice", &["alice@example.com"]);
        // Bob's email is Alice's userName spelled otherwise: the userName wins.
        add(tx.as_mut(), "u2", "bob", &["ALICE", "shared@example.com"]);
        add(tx.as_mut(), "u3", "carol", &["shared@example.com"]);
        add(tx.as_mut(), "u4", "quote\"d", &[]);
        let tx = tx.as_mut();
        // userName is caseExact false (RFC 7643 §4.1.1), and so is emails.value (§4.1.2).
        assert_eq!(id(find_user(tx, "alice").expect("find")), Some("u1".into()));
        assert_eq!(
            id(find_user(tx, " ALICE ").expect("find")),
            Some("u1".into())
        );
        assert_eq!(
            id(find_user(tx, "Alice@Example.com").expect("find")),
            Some("u1".into())
        );
        assert_eq!(
            find_user(tx, "shared@example.com").expect("find"),
            Lookup::Ambiguous
        );
        assert_eq!(find_user(tx, "nobody").expect("find"), Lookup::NotFound);
        assert_eq!(find_user(tx, "").expect("find"), Lookup::NotFound);
        // The typed name is a JSON string literal in the filter: quotes stay data.
        assert_eq!(
            id(find_user(tx, "quote\"d").expect("find")),
            Some("u4".into())
        );
        assert_eq!(
            find_user(tx, "x\" or userName pr or userName eq \"y").expect("find"),
            Lookup::NotFound
        );
        let long = "a".repeat(MAX_LOGIN_NAME_BYTES + 1);
        assert_eq!(find_user(tx, &long).expect("find"), Lookup::NotFound);
    }

    #[test]
    fn same_name_folds_ascii_and_non_ascii_case_but_never_across() {
        assert!(same_name("KEN@Example.COM", "ken@example.com"));
        // Non-ASCII letters still match in either case (Unicode lower case).
        assert!(same_name("\u{c5}sa", "\u{e5}sa"));
        // U+212A KELVIN SIGN lower-cases to ASCII k (UnicodeData.txt), but is not the letter k.
        assert!(!same_name("\u{212A}en", "ken"));
        assert!(!same_name("ken", "\u{212A}en"));
        // U+0130 lower-cases to two characters (i + U+0307), never to a lone i.
        assert!(!same_name("\u{130}da", "ida"));
        assert!(!same_name("ken", "kent"));
    }

    #[test]
    fn a_kelvin_sign_look_alike_finds_no_one() {
        let store = SqliteStore::in_memory().expect("store");
        let mut tx = store.begin().expect("begin");
        add(tx.as_mut(), "u1", "ken", &["ken@example.com"]);
        let tx = tx.as_mut();
        assert_eq!(id(find_user(tx, "KEN").expect("find")), Some("u1".into()));
        assert_eq!(find_user(tx, "\u{212A}en").expect("find"), Lookup::NotFound);
        assert_eq!(
            find_user(tx, "\u{212A}en@example.com").expect("find"),
            Lookup::NotFound
        );
    }

    #[test]
    fn active_unless_active_is_false() {
        assert!(is_active(&json!({})));
        assert!(is_active(&json!({ "active": true })));
        assert!(!is_active(&json!({ "active": false })));
    }
}
