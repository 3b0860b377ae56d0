//! POST /Bulk (RFC 7644 §3.7): operations run in order, each one its own transaction (Bulk is
//! not atomic in SCIM), `bulkId:` references replaced by the ids the operations created, and
//! `failOnErrors` stopping the run after that many failures.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::identity_center::api_error::ApiError;
use crate::identity_center::config::Profile;
use crate::identity_center::scim_api::{ScimRequest, ScimResponse, ScimService};
use crate::identity_center::store::ResourceKind;

const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

/// Replaces every string `bulkId:<id>` with the created id; the first unknown reference fails.
fn resolve(value: &Value, ids: &Map<String, Value>) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => match s.strip_prefix("bulkId:") {
            Some(bulk_id) => ids
                .get(bulk_id)
                .cloned()
                .ok_or_else(|| bulk_id.to_owned())?,
            None => value.clone(),
        },
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| resolve(v, ids))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| Ok((k.clone(), resolve(v, ids)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

fn field<'a>(op: &'a Value, key: &str) -> Option<&'a Value> {
    op.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

impl ScimService {
    pub(crate) fn bulk(
        &self,
        request: &ScimRequest,
        now: DateTime<Utc>,
    ) -> Result<ScimResponse, ApiError> {
        if self.config.profile == Profile::Aws {
            crate::identity_center::aws_profile::check_operation(
                fedkit_scim::profile::aws::Operation::Bulk,
                &self.config,
            )?;
        }
        if request.body.len() > self.config.max_body_bytes {
            return Err(fedkit_scim::Error::BulkPayloadTooLarge {
                limit: self.config.max_body_bytes,
            }
            .into());
        }
        let body = self.json_body(request)?;
        let listed = field(&body, "schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| s.iter().any(|u| u.as_str() == Some(BULK_REQUEST)));
        if !listed {
            return Err(fedkit_scim::Error::MessageSchemaMissing {
                expected: BULK_REQUEST,
            }
            .into());
        }
        let operations = field(&body, "Operations")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                ApiError::Scim(fedkit_scim::Error::InvalidSyntax {
                    detail: "Operations must be an array".into(),
                })
            })?;
        if operations.len() > self.config.max_bulk_operations {
            return Err(fedkit_scim::Error::BulkTooManyOperations {
                limit: self.config.max_bulk_operations,
            }
            .into());
        }
        let fail_on_errors = field(&body, "failOnErrors").and_then(Value::as_u64);
        let mut seen = std::collections::HashSet::new();
        for op in operations {
            let method = field(op, "method")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_ascii_uppercase();
            if !matches!(method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE") {
                return Err(fedkit_scim::Error::BulkInvalidMethod { method }.into());
            }
            let bulk_id = field(op, "bulkId").and_then(Value::as_str);
            if method == "POST"
                && bulk_id.is_none_or(|b| b.is_empty() || !seen.insert(b.to_owned()))
            {
                return Err(fedkit_scim::Error::BulkIdInvalid {
                    bulk_id: bulk_id.unwrap_or_default().to_owned(),
                }
                .into());
            }
        }
        let mut ids = Map::new();
        let mut results = Vec::new();
        let mut errors = 0u64;
        for op in operations {
            if fail_on_errors.is_some_and(|limit| errors >= limit) {
                break;
            }
            let method = field(op, "method")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_ascii_uppercase();
            let bulk_id = field(op, "bulkId")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let outcome = self.bulk_operation(op, &method, &ids, now);
            let mut result = json!({"method": method});
            if let Some(b) = &bulk_id {
                result["bulkId"] = json!(b);
            }
            match outcome {
                Ok((response, created)) => {
                    if let (Some(b), Some(id)) = (&bulk_id, created) {
                        ids.insert(b.clone(), Value::String(id));
                    }
                    result["status"] = json!(response.status.to_string());
                    if let Some(location) = response.location.clone().or_else(|| {
                        response
                            .body
                            .as_ref()
                            .and_then(|b| b.get("meta"))
                            .and_then(|m| m.get("location"))
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    }) {
                        result["location"] = json!(location);
                    }
                    if let Some(etag) = response.etag {
                        result["version"] = json!(etag);
                    }
                }
                Err(error) => {
                    errors += 1;
                    let response = self.error_response(&error, now);
                    result["status"] = json!(response.status.to_string());
                    result["response"] = response.body.unwrap_or(Value::Null);
                }
            }
            results.push(result);
        }
        Ok(ScimResponse::json(
            200,
            json!({"schemas": [BULK_RESPONSE], "Operations": results}),
        ))
    }

    fn bulk_operation(
        &self,
        op: &Value,
        method: &str,
        ids: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Result<(ScimResponse, Option<String>), ApiError> {
        let unresolved =
            |bulk_id: String| ApiError::Scim(fedkit_scim::Error::BulkIdUnresolved { bulk_id });
        let path = field(op, "path")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let path = match resolve(&Value::String(path.to_owned()), ids).map_err(unresolved)? {
            Value::String(s) => s,
            _ => path.to_owned(),
        };
        let data = field(op, "data")
            .map(|d| resolve(d, ids))
            .transpose()
            .map_err(unresolved)?;
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let kind = match segments.first() {
            Some(&"Users") => ResourceKind::User,
            Some(&"Groups") => ResourceKind::Group,
            _ => return Err(ApiError::NotFound(format!("bulk path {path}"))),
        };
        let sub = ScimRequest {
            method: method.to_owned(),
            path: path.clone(),
            if_match: field(op, "version")
                .and_then(Value::as_str)
                .map(str::to_owned),
            ..ScimRequest::default()
        };
        let data = || {
            data.clone().ok_or_else(|| {
                ApiError::Scim(fedkit_scim::Error::InvalidSyntax {
                    detail: "bulk operation needs data".into(),
                })
            })
        };
        match (method, segments.get(1)) {
            ("POST", None) => {
                let (response, id) = self.create_resource(kind, &data()?, &sub, now)?;
                Ok((response, Some(id)))
            }
            ("PUT", Some(id)) => Ok((self.replace(kind, id, &data()?, &sub, now)?, None)),
            ("PATCH", Some(id)) => Ok((self.patch(kind, id, &data()?, &sub, now)?, None)),
            ("DELETE", Some(id)) => Ok((self.delete(kind, id, &sub, now)?, None)),
            _ => Err(ApiError::MethodNotAllowed(method.to_owned())),
        }
    }
}
