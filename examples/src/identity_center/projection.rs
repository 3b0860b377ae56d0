//! `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9): the lists as the request
//! carries them, applied by fedkit-scim's [`fedkit_scim::query::project`], which honours each
//! attribute's `returned` characteristic.

use fedkit_scim::ResourceSchema;
use serde_json::Value;

/// A parsed projection.
#[derive(Debug, Clone, Default)]
pub struct Projection {
    attributes: Vec<String>,
    excluded: Vec<String>,
}

fn list(text: Option<&str>) -> Vec<String> {
    text.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Projection {
    /// From the comma-separated query parameters.
    pub fn parse(
        attributes: Option<&str>,
        excluded: Option<&str>,
        _schema: &ResourceSchema,
    ) -> Projection {
        Projection {
            attributes: list(attributes),
            excluded: list(excluded),
        }
    }

    /// The resource as returned.
    pub fn apply(&self, doc: &Value, schema: &ResourceSchema) -> Value {
        fedkit_scim::query::project(doc, &self.attributes, &self.excluded, schema)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "1", "userName": "bjensen", "displayName": "Babs",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "b@example.com", "type": "work"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tour"}
        })
    }

    #[test]
    fn attributes_keep_named_and_always_returned() {
        // RFC 7644 §3.4.2.5: id is returned always (RFC 7643 §3.1), the rest only when named.
        let users = ResourceSchema::users();
        let p = Projection::parse(Some("userName,name.familyName"), None, users);
        let out = p.apply(&user(), users);
        assert_eq!(out["id"], "1");
        assert_eq!(out["userName"], "bjensen");
        assert_eq!(out["name"], json!({"familyName": "Jensen"}));
        assert!(out.get("displayName").is_none());
        assert!(out.get("emails").is_none());
    }

    #[test]
    fn excluded_attributes_drop_named_but_never_id() {
        let users = ResourceSchema::users();
        let p = Projection::parse(
            None,
            Some("emails,id,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
            users,
        );
        let out = p.apply(&user(), users);
        assert!(out.get("emails").is_none());
        assert_eq!(out["id"], "1");
        assert!(
            out.get("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
                .is_none()
        );
        assert_eq!(out["displayName"], "Babs");
    }
}
