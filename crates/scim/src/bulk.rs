//! Bulk (RFC 7644 §3.7): the BulkRequest/BulkResponse messages, limits, `bulkId:` references
//! and their execution order.
//!
//! A service provider parses with [`BulkRequest::parse`] (size limit first, then JSON, then
//! the operation limit), asks [`BulkRequest::execution_order`] for an order in which every
//! operation comes after the POSTs it references (cycles are refused with 409, RFC 7644
//! §3.7.1), runs them, and replaces `bulkId:` references with [`resolve_bulk_ids`] as ids
//! become known. [`BulkRequest::should_stop`] implements `failOnErrors`.

use std::collections::HashMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::error::Error;

/// The URN of a BulkRequest (RFC 7644 §3.7).
pub const BULK_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
/// The URN of a BulkResponse (RFC 7644 §3.7).
pub const BULK_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

const BULK_ID_PREFIX: &str = "bulkId:";

/// Limits on a Bulk request, as advertised in ServiceProviderConfig `bulk`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkLimits {
    /// `maxOperations` (default 1000).
    pub max_operations: usize,
    /// `maxPayloadSize` in bytes (default 1 MiB).
    pub max_payload_size: usize,
}

impl Default for BulkLimits {
    fn default() -> Self {
        BulkLimits {
            max_operations: 1000,
            max_payload_size: 1 << 20,
        }
    }
}

/// A Bulk operation's HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum BulkMethod {
    /// Create.
    Post,
    /// Replace.
    Put,
    /// Modify.
    Patch,
    /// Delete.
    Delete,
}

/// One operation of a BulkRequest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperation {
    /// The method.
    pub method: BulkMethod,
    /// The client's id for the operation; required for POST.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<String>,
    /// The version (ETag) precondition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The resource path, e.g. `/Users` or `/Groups/bulkId:qwerty`.
    pub path: String,
    /// The body, for POST, PUT and PATCH.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// A BulkRequest.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkRequest {
    /// `failOnErrors`: stop after this many errors.
    pub fail_on_errors: Option<u32>,
    /// The operations.
    pub operations: Vec<BulkOperation>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BulkRequestWire {
    schemas: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fail_on_errors: Option<u32>,
    #[serde(rename = "Operations")]
    operations: Vec<BulkOperation>,
}

impl Serialize for BulkRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        BulkRequestWire {
            schemas: vec![BULK_REQUEST_SCHEMA.to_owned()],
            fail_on_errors: self.fail_on_errors,
            operations: self.operations.clone(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for BulkRequest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = BulkRequestWire::deserialize(deserializer)?;
        if !wire.schemas.iter().any(|s| s == BULK_REQUEST_SCHEMA) {
            return Err(D::Error::custom(
                "schemas does not list the BulkRequest URN",
            ));
        }
        Ok(BulkRequest {
            fail_on_errors: wire.fail_on_errors,
            operations: wire.operations,
        })
    }
}

impl BulkRequest {
    /// Parses a Bulk body: its size against `max_payload_size` before anything else (RFC 7644
    /// §3.7.4: 413), then the JSON, the operation count (413), and the bulkIds (every POST has
    /// one; all are unique).
    pub fn parse(bytes: &[u8], limits: &BulkLimits) -> Result<BulkRequest, Error> {
        if bytes.len() > limits.max_payload_size {
            return Err(Error::BulkPayloadTooLarge {
                limit: limits.max_payload_size,
            });
        }
        let value: Value = serde_json::from_slice(bytes).map_err(|e| Error::InvalidSyntax {
            detail: e.to_string(),
        })?;
        let listed = value
            .get("schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| s.iter().any(|u| u.as_str() == Some(BULK_REQUEST_SCHEMA)));
        if !listed {
            return Err(Error::MessageSchemaMissing {
                expected: BULK_REQUEST_SCHEMA,
            });
        }
        let count = value
            .get("Operations")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if count > limits.max_operations {
            return Err(Error::BulkTooManyOperations {
                limit: limits.max_operations,
            });
        }
        if let Some(method) = value
            .get("Operations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|op| op.get("method"))
            .find(|m| {
                !m.as_str()
                    .is_some_and(|m| matches!(m, "POST" | "PUT" | "PATCH" | "DELETE"))
            })
        {
            return Err(Error::BulkInvalidMethod {
                method: method
                    .as_str()
                    .map_or_else(|| method.to_string(), str::to_owned),
            });
        }
        let request: BulkRequest =
            serde_json::from_value(value).map_err(|e| Error::InvalidSyntax {
                detail: e.to_string(),
            })?;
        let mut seen = std::collections::HashSet::new();
        for op in &request.operations {
            match &op.bulk_id {
                None if op.method == BulkMethod::Post => {
                    return Err(Error::BulkIdInvalid {
                        bulk_id: String::new(),
                    });
                }
                Some(id) if id.is_empty() || !seen.insert(id.as_str()) => {
                    return Err(Error::BulkIdInvalid {
                        bulk_id: id.clone(),
                    });
                }
                _ => {}
            }
        }
        Ok(request)
    }

    /// Whether to stop after `errors` failed operations (`failOnErrors`, RFC 7644 §3.7.3).
    pub fn should_stop(&self, errors: u32) -> bool {
        self.fail_on_errors.is_some_and(|limit| errors >= limit)
    }

    /// An order of operation indices in which each operation comes after every POST whose
    /// `bulkId` it references (in its path or anywhere in its data); otherwise the request's
    /// order. A reference to no POST is `bulk_id_unresolved`; a cycle is `bulk_id_cycle`.
    pub fn execution_order(&self) -> Result<Vec<usize>, Error> {
        let by_id: HashMap<&str, usize> = self
            .operations
            .iter()
            .enumerate()
            .filter(|(_, op)| op.method == BulkMethod::Post)
            .filter_map(|(i, op)| op.bulk_id.as_deref().map(|id| (id, i)))
            .collect();
        let mut depends: Vec<Vec<usize>> = Vec::with_capacity(self.operations.len());
        for op in &self.operations {
            let mut refs = Vec::new();
            collect_refs_in_str(&op.path, &mut refs);
            if let Some(data) = &op.data {
                collect_refs(data, &mut refs);
            }
            let mut deps = Vec::new();
            for id in refs {
                let Some(&j) = by_id.get(id.as_str()) else {
                    return Err(Error::BulkIdUnresolved { bulk_id: id });
                };
                if !deps.contains(&j) {
                    deps.push(j);
                }
            }
            depends.push(deps);
        }
        // Kahn's algorithm, taking the lowest ready index first to keep the request's order.
        let n = self.operations.len();
        let mut remaining: Vec<usize> = depends.iter().map(Vec::len).collect();
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, deps) in depends.iter().enumerate() {
            for &j in deps {
                if let Some(list) = dependents.get_mut(j) {
                    list.push(i);
                }
            }
        }
        let mut ready: std::collections::BTreeSet<usize> =
            (0..n).filter(|&i| remaining.get(i) == Some(&0)).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(i) = ready.pop_first() {
            order.push(i);
            for &k in dependents.get(i).map_or(&[][..], Vec::as_slice) {
                if let Some(r) = remaining.get_mut(k) {
                    *r -= 1;
                    if *r == 0 {
                        ready.insert(k);
                    }
                }
            }
        }
        if order.len() < n {
            let stuck = (0..n)
                .find(|i| remaining.get(*i).is_some_and(|&r| r > 0))
                .and_then(|i| self.operations.get(i))
                .and_then(|op| op.bulk_id.clone())
                .unwrap_or_default();
            return Err(Error::BulkIdCycle { bulk_id: stuck });
        }
        Ok(order)
    }
}

/// `bulkId:` references in a JSON value: strings that are exactly `bulkId:<id>`. Iterative, so
/// nesting depth cannot drive recursion.
fn collect_refs(value: &Value, out: &mut Vec<String>) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => {
                if let Some(id) = s.strip_prefix(BULK_ID_PREFIX) {
                    out.push(id.to_owned());
                }
            }
            Value::Array(items) => stack.extend(items),
            Value::Object(fields) => stack.extend(fields.values()),
            _ => {}
        }
    }
}

/// A `bulkId:` reference as a path segment (`/Groups/bulkId:qwerty`).
fn collect_refs_in_str(path: &str, out: &mut Vec<String>) {
    for segment in path.split('/') {
        if let Some(id) = segment.strip_prefix(BULK_ID_PREFIX) {
            out.push(id.to_owned());
        }
    }
}

/// Replaces every `bulkId:<id>` string in `value` with the id the service provider gave the
/// resource created by that operation. An id not yet in `created` is `bulk_id_unresolved`;
/// the value is left unchanged in that case.
pub fn resolve_bulk_ids(value: &mut Value, created: &HashMap<String, String>) -> Result<(), Error> {
    let mut refs = Vec::new();
    collect_refs(value, &mut refs);
    if let Some(missing) = refs.into_iter().find(|id| !created.contains_key(id)) {
        return Err(Error::BulkIdUnresolved { bulk_id: missing });
    }
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => {
                let replacement = s
                    .strip_prefix(BULK_ID_PREFIX)
                    .and_then(|id| created.get(id))
                    .cloned();
                if let Some(id) = replacement {
                    *s = id;
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(fields) => stack.extend(fields.values_mut()),
            _ => {}
        }
    }
    Ok(())
}

/// Replaces `bulkId:<id>` segments of a Bulk operation's path.
pub fn resolve_bulk_path(path: &str, created: &HashMap<String, String>) -> Result<String, Error> {
    let mut out = Vec::new();
    for segment in path.split('/') {
        match segment.strip_prefix(BULK_ID_PREFIX) {
            Some(id) => out.push(
                created
                    .get(id)
                    .ok_or_else(|| Error::BulkIdUnresolved {
                        bulk_id: id.to_owned(),
                    })?
                    .as_str(),
            ),
            None => out.push(segment),
        }
    }
    Ok(out.join("/"))
}

/// One operation's result in a BulkResponse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperationResult {
    /// The created or modified resource's URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The method.
    pub method: BulkMethod,
    /// The operation's bulkId.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<String>,
    /// The resource's version after the operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The HTTP status, as a string (RFC 7644 §3.7.3 examples).
    pub status: String,
    /// The response body, e.g. a SCIM Error for a failed operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
}

/// A BulkResponse.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BulkResponse {
    /// The results, in the order the operations were run.
    pub operations: Vec<BulkOperationResult>,
}

#[derive(Serialize, Deserialize)]
struct BulkResponseWire {
    schemas: Vec<String>,
    #[serde(rename = "Operations")]
    operations: Vec<BulkOperationResult>,
}

impl Serialize for BulkResponse {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        BulkResponseWire {
            schemas: vec![BULK_RESPONSE_SCHEMA.to_owned()],
            operations: self.operations.clone(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for BulkResponse {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = BulkResponseWire::deserialize(deserializer)?;
        if !wire.schemas.iter().any(|s| s == BULK_RESPONSE_SCHEMA) {
            return Err(D::Error::custom(
                "schemas does not list the BulkResponse URN",
            ));
        }
        Ok(BulkResponse {
            operations: wire.operations,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(ops: Vec<Value>) -> Vec<u8> {
        serde_json::to_vec(&json!({"schemas": [BULK_REQUEST_SCHEMA], "Operations": ops}))
            .unwrap_or_default()
    }

    fn delete(i: usize) -> Value {
        json!({"method": "DELETE", "path": format!("/Users/{i}")})
    }

    #[test]
    fn max_operations_at_its_edge() {
        let limits = BulkLimits {
            max_operations: 2,
            ..BulkLimits::default()
        };
        assert!(BulkRequest::parse(&body(vec![delete(1), delete(2)]), &limits).is_ok());
        let err = BulkRequest::parse(&body(vec![delete(1), delete(2), delete(3)]), &limits)
            .expect_err("3 > 2");
        assert_eq!(
            (err.code(), err.status()),
            ("bulk_too_many_operations", 413)
        );
    }

    #[test]
    fn max_payload_size_at_its_edge() {
        let bytes = body(vec![delete(1)]);
        let exact = BulkLimits {
            max_payload_size: bytes.len(),
            ..BulkLimits::default()
        };
        assert!(BulkRequest::parse(&bytes, &exact).is_ok());
        let smaller = BulkLimits {
            max_payload_size: bytes.len() - 1,
            ..BulkLimits::default()
        };
        let err = BulkRequest::parse(&bytes, &smaller).expect_err("one byte over");
        assert_eq!((err.code(), err.status()), ("bulk_payload_too_large", 413));
    }

    #[test]
    fn bulk_ids_are_required_on_post_and_unique() {
        let limits = BulkLimits::default();
        let post = |id: Option<&str>| {
            let mut op = json!({"method": "POST", "path": "/Users",
                "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a"}});
            if let Some(id) = id {
                op["bulkId"] = json!(id);
            }
            op
        };
        let missing = BulkRequest::parse(&body(vec![post(None)]), &limits).expect_err("no bulkId");
        assert_eq!(missing.code(), "bulk_id_invalid");
        let twice = BulkRequest::parse(&body(vec![post(Some("a")), post(Some("a"))]), &limits)
            .expect_err("duplicate");
        assert_eq!(twice.code(), "bulk_id_invalid");
    }

    #[test]
    fn unresolved_reference_and_bad_method_and_schema() {
        let limits = BulkLimits::default();
        let patch = json!({"method": "PATCH", "path": "/Groups/bulkId:nope", "data": {}});
        let request = BulkRequest::parse(&body(vec![patch]), &limits).expect("parses");
        let err = request.execution_order().expect_err("no such POST");
        assert_eq!((err.code(), err.status()), ("bulk_id_unresolved", 409));
        let get = json!({"method": "GET", "path": "/Users"});
        let err = BulkRequest::parse(&body(vec![get]), &limits).expect_err("GET");
        assert_eq!(err.code(), "bulk_invalid_method");
        let no_schema = br#"{"Operations": []}"#;
        let err = BulkRequest::parse(no_schema, &limits).expect_err("schemas");
        assert_eq!(err.code(), "message_schema_missing");
    }

    #[test]
    fn resolve_bulk_path_replaces_segments() {
        let created = HashMap::from([("q".to_owned(), "id-1".to_owned())]);
        assert_eq!(
            resolve_bulk_path("/Groups/bulkId:q", &created)
                .ok()
                .as_deref(),
            Some("/Groups/id-1")
        );
        assert!(resolve_bulk_path("/Groups/bulkId:x", &created).is_err());
    }
}
