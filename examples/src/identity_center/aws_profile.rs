//! The AWS IAM Identity Center rules that go beyond RFC 7644 (research/scim.md §1.3–1.6), for
//! `--scim-profile aws`. fedkit-scim has no AWS profile yet; these checks are the adapter until
//! it does.

use fedkit_scim::Filter;
use fedkit_scim::filter::{AttrTest, CompareOp};
use fedkit_scim::patch::{PatchOpKind, PatchRequest};
use serde_json::Value;

use crate::identity_center::api_error::ApiError;
use crate::identity_center::config::ServiceConfig;
use crate::identity_center::store::ResourceKind;

fn rejected(detail: impl Into<String>) -> ApiError {
    ApiError::ProfileRejected(detail.into())
}

fn get_ci<'a>(doc: &'a Value, key: &str) -> Option<&'a Value> {
    doc.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn present(value: Option<&Value>) -> bool {
    value.is_some_and(|v| !v.is_null() && v.as_str() != Some(""))
}

/// CreateUser / PutUser / CreateGroup (§1.5–1.6).
pub fn check_resource(
    kind: ResourceKind,
    body: &Value,
    config: &ServiceConfig,
) -> Result<(), ApiError> {
    match kind {
        ResourceKind::User => {
            for key in ["userName", "displayName"] {
                if !present(get_ci(body, key)) {
                    return Err(rejected(format!("{key} is required")));
                }
            }
            let name = get_ci(body, "name");
            for key in ["givenName", "familyName"] {
                if !present(name.and_then(|n| get_ci(n, key))) {
                    return Err(rejected(format!("name.{key} is required")));
                }
            }
            for key in [
                "ims",
                "photos",
                "x509Certificates",
                "entitlements",
                "password",
                "groups",
            ] {
                if get_ci(body, key).is_some() {
                    return Err(rejected(format!("{key} is not supported")));
                }
            }
            for key in ["emails", "addresses", "phoneNumbers", "roles"] {
                if get_ci(body, key)
                    .and_then(Value::as_array)
                    .is_some_and(|a| a.len() > 1)
                {
                    return Err(rejected(format!("{key} takes one value only")));
                }
            }
        }
        ResourceKind::Group => {
            let members = get_ci(body, "members")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if members > config.max_member_changes {
                return Err(rejected(format!(
                    "more than {} members",
                    config.max_member_changes
                )));
            }
        }
    }
    Ok(())
}

/// PatchUser / PatchGroup (§1.6).
pub fn check_patch(
    kind: ResourceKind,
    patch: &PatchRequest,
    _config: &ServiceConfig,
) -> Result<(), ApiError> {
    let attr = |op: &fedkit_scim::patch::PatchOperation| {
        op.path.as_ref().map(|p| p.attr.name.to_ascii_lowercase())
    };
    match kind {
        ResourceKind::User => {
            for special in ["username", "active"] {
                let ops = patch
                    .operations
                    .iter()
                    .filter(|op| attr(op).as_deref() == Some(special))
                    .count();
                if ops > 1 {
                    return Err(rejected(format!("several operations on {special}")));
                }
                if patch
                    .operations
                    .iter()
                    .any(|op| op.op == PatchOpKind::Remove && attr(op).as_deref() == Some(special))
                {
                    return Err(rejected(format!("{special} cannot be removed")));
                }
            }
        }
        ResourceKind::Group => {
            for op in &patch.operations {
                let name = attr(op);
                if let Some(name) = name.as_deref()
                    && !matches!(name, "displayname" | "members" | "externalid")
                {
                    return Err(rejected(format!("{name} cannot be patched on a group")));
                }
                let whole_members = name.as_deref() == Some("members")
                    && op.path.as_ref().is_some_and(|p| p.value_filter.is_none());
                if whole_members && op.op == PatchOpKind::Replace {
                    return Err(rejected("Replacing group memberships is not supported."));
                }
                if whole_members && op.op == PatchOpKind::Remove {
                    return Err(rejected("Removing all group memberships is not supported."));
                }
            }
        }
    }
    Ok(())
}

/// ListUsers / ListGroups filters: `eq` only, joined by `and`, on the attributes AWS filters.
pub fn check_filter(kind: ResourceKind, filter: &Filter) -> Result<(), ApiError> {
    let items: Vec<&Filter> = match filter {
        Filter::And(items) => items.iter().collect(),
        other => vec![other],
    };
    let allowed: &[&str] = match kind {
        ResourceKind::User => &["userName", "externalId", "id", "manager"],
        ResourceKind::Group => &["displayName", "externalId", "id", "members"],
    };
    for item in items {
        let Filter::Attr(expr) = item else {
            return Err(rejected("only eq filters joined by and are supported"));
        };
        if !matches!(expr.test, AttrTest::Compare(CompareOp::Eq, _)) {
            return Err(rejected("only the eq operator is supported"));
        }
        if !allowed
            .iter()
            .any(|a| a.eq_ignore_ascii_case(&expr.path.name))
        {
            return Err(rejected(format!(
                "filtering on {} is not supported",
                expr.path.name
            )));
        }
    }
    Ok(())
}
