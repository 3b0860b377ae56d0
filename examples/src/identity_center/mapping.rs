//! Attribute mappings in AWS IAM Identity Center's form: literal text mixed with
//! `${user:ATTRIBUTE}` placeholders, evaluated against a SCIM user.
//!
//! The placeholders are those AWS lists for applications (research/saml.md §4c, AWS
//! `attributemappingsconcept.md`) and the contract, each read from the SCIM User
//! (RFC 7643 §4.1):
//!
//! | placeholder | value |
//! |---|---|
//! | `${user:email}` | the primary email's `value`, else the first email's |
//! | `${user:subject}` | the user's `id` (AWS: the user's identity-store id) |
//! | `${user:givenName}` | `name.givenName` |
//! | `${user:familyName}` | `name.familyName` |
//! | `${user:name}` | the full name: `name.formatted`, else `givenName familyName` (either alone when one is missing), else `displayName` |
//! | `${user:preferredUsername}` | `userName` |
//! | `${user:groups}` | one value per group the user is a direct member of: the group's `id`, as AWS sends group IDs rather than names |
//!
//! AWS no longer documents `${user:groups}` (awsdocs/aws-single-sign-on-user-guide pull request
//! 15 asks why it was removed from the guide); that its values are group IDs is what users
//! report from real responses (morincer/teamcity-plugin-saml issue 71).
//!
//! `${user:AD_GUID}` exists at AWS only for an Active Directory identity source, which
//! identity-center does not have, so it is refused like any unknown placeholder.
//!
//! A template whose single-valued placeholder has no value for a user yields no value at all
//! (the attribute is left out), rather than a half-filled string such as `"Jensen, "`.

use serde_json::Value;

use crate::identity_center::store::GroupRef;

/// The longest template accepted, in bytes.
pub const MAX_TEMPLATE_BYTES: usize = 1024;

/// Why a template is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MappingError {
    /// `${user:…}` names an attribute AWS does not offer.
    #[error("unknown placeholder ${{{0}}}")]
    UnknownPlaceholder(String),
    /// `${` without its closing `}`.
    #[error("a placeholder is not closed with }}")]
    UnterminatedPlaceholder,
    /// The template is empty.
    #[error("the mapping is empty")]
    Empty,
    /// The template is longer than [`MAX_TEMPLATE_BYTES`].
    #[error("the mapping is longer than {MAX_TEMPLATE_BYTES} bytes")]
    TooLong,
}

impl MappingError {
    /// A stable snake_case name for the failure.
    pub fn code(&self) -> &'static str {
        match self {
            MappingError::UnknownPlaceholder(_) => "unknown_placeholder",
            MappingError::UnterminatedPlaceholder => "unterminated_placeholder",
            MappingError::Empty => "empty_mapping",
            MappingError::TooLong => "mapping_too_long",
        }
    }
}

/// A user attribute a placeholder names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attribute {
    Email,
    Subject,
    GivenName,
    FamilyName,
    Name,
    PreferredUsername,
    Groups,
}

impl Attribute {
    fn parse(inner: &str) -> Option<Attribute> {
        Some(match inner {
            "user:email" => Attribute::Email,
            "user:subject" => Attribute::Subject,
            "user:givenName" => Attribute::GivenName,
            "user:familyName" => Attribute::FamilyName,
            "user:name" => Attribute::Name,
            "user:preferredUsername" => Attribute::PreferredUsername,
            "user:groups" => Attribute::Groups,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part<'a> {
    Literal(&'a str),
    Placeholder(Attribute),
}

fn parse(template: &str) -> Result<Vec<Part<'_>>, MappingError> {
    if template.is_empty() {
        return Err(MappingError::Empty);
    }
    if template.len() > MAX_TEMPLATE_BYTES {
        return Err(MappingError::TooLong);
    }
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        let (literal, tail) = rest.split_at(start);
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        let body = tail.get(2..).unwrap_or_default();
        let end = body
            .find('}')
            .ok_or(MappingError::UnterminatedPlaceholder)?;
        let inner = body.get(..end).unwrap_or_default();
        let attribute = Attribute::parse(inner)
            .ok_or_else(|| MappingError::UnknownPlaceholder(inner.to_owned()))?;
        parts.push(Part::Placeholder(attribute));
        rest = body.get(end + 1..).unwrap_or_default();
    }
    if !rest.is_empty() {
        parts.push(Part::Literal(rest));
    }
    Ok(parts)
}

/// Checks a template: known placeholders only, each closed, not empty, not too long.
pub fn validate(template: &str) -> Result<(), MappingError> {
    parse(template).map(|_| ())
}

/// Whether a valid template can give several values (it uses `${user:groups}`); a NameID
/// cannot take such a template.
pub fn is_multi_valued(template: &str) -> bool {
    parse(template).is_ok_and(|parts| parts.contains(&Part::Placeholder(Attribute::Groups)))
}

fn text<'a>(value: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter()
        .try_fold(value, |v, k| v.get(k))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn email(user: &Value) -> Option<String> {
    let emails = user.get("emails")?.as_array()?;
    let primary = emails
        .iter()
        .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true));
    primary
        .or_else(|| emails.first())
        .and_then(|e| text(e, &["value"]))
        .map(str::to_owned)
}

fn full_name(user: &Value) -> Option<String> {
    if let Some(formatted) = text(user, &["name", "formatted"]) {
        return Some(formatted.to_owned());
    }
    match (
        text(user, &["name", "givenName"]),
        text(user, &["name", "familyName"]),
    ) {
        (Some(given), Some(family)) => Some(format!("{given} {family}")),
        (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
        (None, None) => text(user, &["displayName"]).map(str::to_owned),
    }
}

fn single(attribute: Attribute, user: &Value) -> Option<String> {
    match attribute {
        Attribute::Email => email(user),
        Attribute::Subject => text(user, &["id"]).map(str::to_owned),
        Attribute::GivenName => text(user, &["name", "givenName"]).map(str::to_owned),
        Attribute::FamilyName => text(user, &["name", "familyName"]).map(str::to_owned),
        Attribute::Name => full_name(user),
        Attribute::PreferredUsername => text(user, &["userName"]).map(str::to_owned),
        Attribute::Groups => None,
    }
}

/// The values of `template` for `user` (a SCIM User document) who is a direct member of
/// `groups`. One value, except with `${user:groups}`: one value per group (none without
/// groups). No value when a single-valued placeholder has none for this user, and none for an
/// invalid template.
pub fn evaluate(template: &str, user: &Value, groups: &[GroupRef]) -> Vec<String> {
    let Ok(parts) = parse(template) else {
        return Vec::new();
    };
    let mut fixed = Vec::with_capacity(parts.len());
    let mut uses_groups = false;
    for part in &parts {
        match part {
            Part::Literal(text) => fixed.push(Some((*text).to_owned())),
            Part::Placeholder(Attribute::Groups) => {
                uses_groups = true;
                fixed.push(None);
            }
            Part::Placeholder(attribute) => match single(*attribute, user) {
                Some(value) => fixed.push(Some(value)),
                None => return Vec::new(),
            },
        }
    }
    let render = |group: &str| -> String {
        fixed
            .iter()
            .map(|part| part.as_deref().unwrap_or(group))
            .collect()
    };
    if uses_groups {
        groups.iter().map(|g| render(&g.id)).collect()
    } else {
        vec![render("")]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A user in RFC 7643 §8.2's shape (Barbara Jensen), trimmed.
    fn barbara() -> Value {
        json!({
            "id": "2819c223-7f76-453a-919d-413861904646",
            "userName": "bjensen",
            "displayName": "Babs Jensen",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [
                {"value": "bjensen@home.example", "type": "home"},
                {"value": "bjensen@example.com", "type": "work", "primary": true}
            ]
        })
    }

    fn groups() -> Vec<GroupRef> {
        vec![
            GroupRef {
                id: "g-1".into(),
                display: Some("Admins".into()),
            },
            GroupRef {
                id: "g-2".into(),
                display: None,
            },
        ]
    }

    /// (template, expected values, why); expectations written by hand from the table in the
    /// module docs.
    const CASES: &[(&str, &[&str], &str)] = &[
        (
            "${user:email}",
            &["bjensen@example.com"],
            "primary email wins",
        ),
        (
            "${user:subject}",
            &["2819c223-7f76-453a-919d-413861904646"],
            "the SCIM id",
        ),
        ("${user:givenName}", &["Barbara"], "name.givenName"),
        ("${user:familyName}", &["Jensen"], "name.familyName"),
        (
            "${user:name}",
            &["Barbara Jensen"],
            "no formatted name: given family",
        ),
        ("${user:preferredUsername}", &["bjensen"], "userName"),
        ("${user:groups}", &["g-1", "g-2"], "group ids, one each"),
        (
            "${user:familyName}, ${user:givenName}",
            &["Jensen, Barbara"],
            "literals between placeholders",
        ),
        (
            "arn:aws:iam::123:role/${user:groups},arn:aws:iam::123:saml-provider/ic",
            &[
                "arn:aws:iam::123:role/g-1,arn:aws:iam::123:saml-provider/ic",
                "arn:aws:iam::123:role/g-2,arn:aws:iam::123:saml-provider/ic",
            ],
            "groups inside text: one value per group",
        ),
        ("engineering", &["engineering"], "a literal alone"),
        ("cost $5 {x}", &["cost $5 {x}"], "$ and braces without ${"),
    ];

    #[test]
    fn evaluates_each_placeholder() {
        for (template, expected, why) in CASES {
            validate(template).unwrap_or_else(|e| panic!("{template}: {e}"));
            assert_eq!(
                evaluate(template, &barbara(), &groups()),
                *expected,
                "{template}: {why}"
            );
        }
    }

    #[test]
    fn missing_values() {
        let bare = json!({"id": "u1", "userName": "u", "emails": [{"value": "first@x.test"}]});
        assert_eq!(
            evaluate("${user:email}", &bare, &[]),
            ["first@x.test"],
            "no primary: the first email"
        );
        assert!(
            evaluate("Dr. ${user:familyName}", &bare, &[]).is_empty(),
            "a missing single value drops the whole value"
        );
        assert!(
            evaluate("${user:groups}", &bare, &[]).is_empty(),
            "no groups"
        );
        let only_display = json!({"id": "u1", "displayName": "Sam"});
        assert_eq!(evaluate("${user:name}", &only_display, &[]), ["Sam"]);
        let formatted =
            json!({"name": {"formatted": "Ms. Barbara J Jensen, III", "givenName": "B"}});
        assert_eq!(
            evaluate("${user:name}", &formatted, &[]),
            ["Ms. Barbara J Jensen, III"]
        );
        let given_only = json!({"name": {"givenName": "Cher"}});
        assert_eq!(evaluate("${user:name}", &given_only, &[]), ["Cher"]);
    }

    /// (template, code, why).
    const INVALID: &[(&str, &str, &str)] = &[
        (
            "${user:AD_GUID}",
            "unknown_placeholder",
            "AD-only at AWS; no AD here",
        ),
        (
            "${user:Email}",
            "unknown_placeholder",
            "names are case-sensitive",
        ),
        (
            "${path:userName}",
            "unknown_placeholder",
            "external-IdP syntax, not app mappings",
        ),
        ("${}", "unknown_placeholder", "empty placeholder"),
        ("x ${user:email", "unterminated_placeholder", "no closing }"),
        ("", "empty_mapping", "nothing to send"),
    ];

    #[test]
    fn refuses_bad_templates() {
        for (template, code, why) in INVALID {
            let error = validate(template).expect_err(template);
            assert_eq!(error.code(), *code, "{template}: {why}");
            assert!(
                evaluate(template, &barbara(), &groups()).is_empty(),
                "{template}"
            );
        }
    }

    #[test]
    fn multi_valued() {
        assert!(is_multi_valued("${user:groups}"));
        assert!(is_multi_valued("role/${user:groups}"));
        assert!(!is_multi_valued("${user:email}"));
        assert!(!is_multi_valued("groups"), "a literal");
    }

    #[test]
    fn length_limit_edge() {
        let at_limit = "a".repeat(MAX_TEMPLATE_BYTES);
        assert_eq!(validate(&at_limit), Ok(()));
        let over = "a".repeat(MAX_TEMPLATE_BYTES + 1);
        assert_eq!(validate(&over), Err(MappingError::TooLong));
    }
}
