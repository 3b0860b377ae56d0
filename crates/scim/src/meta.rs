//! Resource metadata (RFC 7643 §3.1 `meta`) and versions/ETags (RFC 7644 §3.14).
//!
//! The version is a weak ETag derived from the resource's content (everything but `meta`), so
//! two equal resources have equal versions and any change gives a new one. The caller passes
//! the time and the location: this crate reads no clock.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::schema::ResourceSchema;

/// The weak ETag of a resource's content, `W/"<32 hex digits>"`: SHA-256 over a canonical
/// serialisation (keys sorted, `meta` left out), truncated to 128 bits.
///
/// ```
/// let a = serde_json::json!({"userName": "bjensen", "meta": {"version": "W/\"1\""}});
/// let b = serde_json::json!({"userName": "bjensen"});
/// assert_eq!(fedkit_scim::meta::etag(&a), fedkit_scim::meta::etag(&b));
/// assert!(fedkit_scim::meta::etag(&a).starts_with("W/\""));
/// ```
pub fn etag(resource: &Value) -> String {
    let mut hasher = Sha256::new();
    match resource {
        Value::Object(fields) => {
            let without_meta: Map<String, Value> = fields
                .iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case("meta"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            canonical(&Value::Object(without_meta), &mut hasher);
        }
        other => canonical(other, &mut hasher),
    }
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(32);
    for byte in digest.iter().take(16) {
        hex.push_str(&format!("{byte:02x}"));
    }
    format!("W/\"{hex}\"")
}

/// Feeds a canonical serialisation to the hasher: object keys in byte order, whatever order
/// the map keeps (serde_json's `preserve_order` feature may be on elsewhere in a build).
/// Depth is bounded by serde_json's parser limit on anything parsed from text.
fn canonical(value: &Value, hasher: &mut Sha256) {
    match value {
        Value::Object(fields) => {
            let mut keys: Vec<&String> = fields.keys().collect();
            keys.sort();
            hasher.update(b"{");
            for key in keys {
                hasher.update(serde_json::to_string(key).unwrap_or_default().as_bytes());
                hasher.update(b":");
                if let Some(v) = fields.get(key) {
                    canonical(v, hasher);
                }
                hasher.update(b",");
            }
            hasher.update(b"}");
        }
        Value::Array(items) => {
            hasher.update(b"[");
            for item in items {
                canonical(item, hasher);
                hasher.update(b",");
            }
            hasher.update(b"]");
        }
        scalar => hasher.update(scalar.to_string().as_bytes()),
    }
}

/// Sets `meta` on a resource the service provider is about to store: `resourceType`,
/// `created` (kept if present, else `now`), `lastModified` = `now`, `location`, and `version`
/// = [`etag`] of the content.
pub fn stamp(resource: &mut Value, schema: &ResourceSchema, now: DateTime<Utc>, location: &str) {
    let version = etag(resource);
    let Value::Object(fields) = resource else {
        return;
    };
    let now_text = now.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    let created = fields
        .get("meta")
        .and_then(|m| m.get("created"))
        .filter(|c| c.is_string())
        .cloned()
        .unwrap_or_else(|| Value::String(now_text.clone()));
    let mut meta = Map::new();
    meta.insert(
        "resourceType".to_owned(),
        Value::String(schema.name.clone()),
    );
    meta.insert("created".to_owned(), created);
    meta.insert("lastModified".to_owned(), Value::String(now_text));
    meta.insert("location".to_owned(), Value::String(location.to_owned()));
    meta.insert("version".to_owned(), Value::String(version));
    fields.retain(|k, _| !k.eq_ignore_ascii_case("meta"));
    fields.insert("meta".to_owned(), Value::Object(meta));
}

/// Checks an `If-Match` precondition (RFC 7644 §3.14, RFC 7232 §3.1 weak comparison): `*`
/// matches any resource; otherwise one of the listed ETags must equal the resource's version,
/// ignoring the `W/` prefix.
pub fn check_if_match(resource: &Value, if_match: &str) -> Result<(), Error> {
    let current = etag(resource);
    let current = opaque(&current);
    let ok = if_match
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || opaque(tag) == current);
    if ok {
        Ok(())
    } else {
        Err(Error::VersionMismatch {
            expected: if_match.to_owned(),
        })
    }
}

fn opaque(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn etag_ignores_key_order_and_meta() {
        let a = json!({"a": 1, "b": {"x": true, "y": [1, 2]}});
        let b = json!({"b": {"y": [1, 2], "x": true}, "a": 1, "meta": {"created": "x"}});
        assert_eq!(etag(&a), etag(&b));
        assert_ne!(
            etag(&a),
            etag(&json!({"a": 2, "b": {"x": true, "y": [1, 2]}}))
        );
        assert_ne!(etag(&json!({"y": [1, 2]})), etag(&json!({"y": [2, 1]})));
    }

    #[test]
    fn stamp_keeps_created_and_sets_version() {
        let now: DateTime<Utc> = "2026-01-02T03:04:05Z".parse().expect("time");
        let mut user = json!({"userName": "b", "meta": {"created": "2020-01-01T00:00:00Z"}});
        stamp(&mut user, ResourceSchema::users(), now, "https://x/Users/1");
        assert_eq!(user["meta"]["created"], "2020-01-01T00:00:00Z");
        assert_eq!(user["meta"]["lastModified"], "2026-01-02T03:04:05Z");
        assert_eq!(user["meta"]["resourceType"], "User");
        assert_eq!(user["meta"]["version"], etag(&user).as_str());
    }

    #[test]
    fn if_match_uses_weak_comparison() {
        let user = json!({"userName": "b"});
        let tag = etag(&user);
        assert!(check_if_match(&user, &tag).is_ok());
        assert!(check_if_match(&user, tag.trim_start_matches("W/")).is_ok());
        assert!(check_if_match(&user, "*").is_ok());
        let err = check_if_match(&user, "W/\"0\"").expect_err("stale version");
        assert_eq!((err.code(), err.status()), ("version_mismatch", 412));
    }
}
