//! `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9) with the `returned`
//! characteristic of each attribute (RFC 7643 §2.2): `always` is always returned, `never`
//! never, `request` only when named, `default` unless excluded. fedkit-scim has no projection
//! yet, so this adapter does it over its schema data.

use fedkit_scim::schema::{AttributeDef, Returned};
use fedkit_scim::{Dialect, Path, ResourceSchema};
use serde_json::{Map, Value};

/// One named attribute, resolved to its schema spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Named {
    /// The extension URN, or None for core and common attributes.
    extension: Option<String>,
    /// None: the whole extension.
    name: Option<String>,
    sub: Option<String>,
}

/// A parsed projection.
#[derive(Debug, Clone, Default)]
pub struct Projection {
    attributes: Vec<Named>,
    excluded: Vec<Named>,
}

fn resolve(text: &str, schema: &ResourceSchema) -> Option<Named> {
    let text = text.trim();
    if let Some(ext) = schema.extension(text) {
        return Some(Named {
            extension: Some(ext.schema.id.clone()),
            name: None,
            sub: None,
        });
    }
    let path = Path::parse(text, Dialect::Lenient).ok()?;
    let attr = path.attr;
    let urn = attr.urn.as_deref();
    let (home, def) = schema.locate(urn, &attr.name)?;
    let extension = match home {
        fedkit_scim::schema::AttributeHome::Root => None,
        fedkit_scim::schema::AttributeHome::Extension(urn) => Some(urn.to_owned()),
    };
    let sub = match &attr.sub_attr {
        Some(sub) => Some(def.sub_attribute(sub)?.name.clone()),
        None => None,
    };
    Some(Named {
        extension,
        name: Some(def.name.clone()),
        sub,
    })
}

fn list(text: Option<&str>, schema: &ResourceSchema) -> Vec<Named> {
    // Unknown names select nothing, as RFC 7644 gives no error for them.
    text.unwrap_or_default()
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .filter_map(|s| resolve(s, schema))
        .collect()
}

impl Projection {
    /// From the comma-separated query parameters.
    pub fn parse(
        attributes: Option<&str>,
        excluded: Option<&str>,
        schema: &ResourceSchema,
    ) -> Projection {
        Projection {
            attributes: list(attributes, schema),
            excluded: list(excluded, schema),
        }
    }

    /// Whether `attributes` was given: only named attributes are returned then.
    fn selective(&self) -> bool {
        !self.attributes.is_empty()
    }

    /// The resource as returned.
    pub fn apply(&self, doc: &Value, schema: &ResourceSchema) -> Value {
        let Value::Object(fields) = doc else {
            return doc.clone();
        };
        let mut out = Map::new();
        for (key, value) in fields {
            if key == "schemas" {
                out.insert(key.clone(), value.clone());
                continue;
            }
            if let Some(ext) = schema.extension(key) {
                let whole = |list: &[Named]| {
                    list.iter()
                        .any(|n| n.extension.as_deref() == Some(&ext.schema.id) && n.name.is_none())
                };
                let Value::Object(inner) = value else {
                    continue;
                };
                let mut inner_out = Map::new();
                for (k, v) in inner {
                    let Some(def) = ext.schema.attribute(k) else {
                        continue;
                    };
                    let kept = if whole(&self.attributes) {
                        self.keep(def, Some(&ext.schema.id), v, true)
                    } else if whole(&self.excluded) && def.returned != Returned::Always {
                        None
                    } else {
                        self.keep(def, Some(&ext.schema.id), v, false)
                    };
                    if let Some(v) = kept {
                        inner_out.insert(k.clone(), v);
                    }
                }
                if !inner_out.is_empty() {
                    out.insert(key.clone(), Value::Object(inner_out));
                }
                continue;
            }
            match schema.locate(None, key) {
                Some((_, def)) => {
                    if let Some(v) = self.keep(def, None, value, false) {
                        out.insert(key.clone(), v);
                    }
                }
                None if !self.selective() => {
                    out.insert(key.clone(), value.clone());
                }
                None => {}
            }
        }
        Value::Object(out)
    }

    fn keep(
        &self,
        def: &AttributeDef,
        extension: Option<&str>,
        value: &Value,
        whole_named: bool,
    ) -> Option<Value> {
        match def.returned {
            Returned::Never => return None,
            Returned::Always => return Some(value.clone()),
            _ => {}
        }
        let matching = |list: &[Named]| -> Vec<Named> {
            list.iter()
                .filter(|n| {
                    n.extension.as_deref() == extension
                        && n.name.as_deref() == Some(def.name.as_str())
                })
                .cloned()
                .collect()
        };
        if self.selective() {
            if whole_named {
                return Some(value.clone());
            }
            let named = matching(&self.attributes);
            if named.is_empty() {
                return None;
            }
            if named.iter().any(|n| n.sub.is_none()) {
                return Some(value.clone());
            }
            let subs: Vec<&str> = named.iter().filter_map(|n| n.sub.as_deref()).collect();
            return Some(filter_subs(value, def, |name| subs.contains(&name)));
        }
        if def.returned == Returned::Request {
            return None;
        }
        let excluded = matching(&self.excluded);
        if excluded.iter().any(|n| n.sub.is_none()) {
            return None;
        }
        let subs: Vec<&str> = excluded.iter().filter_map(|n| n.sub.as_deref()).collect();
        if subs.is_empty() {
            return Some(value.clone());
        }
        Some(filter_subs(value, def, |name| !subs.contains(&name)))
    }
}

/// Keeps the sub-attributes `wanted` says (and those returned always) of a complex value or of
/// each element of a multi-valued one.
fn filter_subs(value: &Value, def: &AttributeDef, wanted: impl Fn(&str) -> bool) -> Value {
    let one = |item: &Value| match item {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .filter(|(k, _)| {
                    def.sub_attribute(k).is_some_and(|s| {
                        s.returned == Returned::Always
                            || (s.returned != Returned::Never && wanted(&s.name))
                    })
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    };
    match value {
        Value::Array(items) => Value::Array(items.iter().map(one).collect()),
        other => one(other),
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
