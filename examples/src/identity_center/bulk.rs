//! POST /Bulk (RFC 7644 §3.7) on fedkit-scim's Bulk model: [`BulkRequest::parse`] checks the
//! limits and bulkIds, [`BulkRequest::execution_order`] orders operations after the POSTs they
//! reference (cycles are 409), and `bulkId:` references are resolved with the ids the earlier
//! operations created. Each operation is its own transaction (Bulk is not atomic in SCIM), and
//! `failOnErrors` stops the run after that many failures.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use fedkit_scim::bulk::{
    BulkLimits, BulkMethod, BulkOperation, BulkOperationResult, BulkRequest, BulkResponse,
    resolve_bulk_ids, resolve_bulk_path,
};
use fedkit_scim::profile::aws::Operation;
use serde_json::Value;

use crate::identity_center::api_error::ApiError;
use crate::identity_center::aws_profile;
use crate::identity_center::config::Profile;
use crate::identity_center::scim_api::{ScimRequest, ScimResponse, ScimService};
use crate::identity_center::store::ResourceKind;

impl ScimService {
    pub(crate) fn bulk(
        &self,
        request: &ScimRequest,
        now: DateTime<Utc>,
    ) -> Result<ScimResponse, ApiError> {
        if self.config.profile == Profile::Aws {
            aws_profile::check_operation(Operation::Bulk, &self.config)?;
        }
        // Media type and JSON first, so those failures keep their own statuses (415, 400).
        self.json_body(request)?;
        let limits = BulkLimits {
            max_operations: self.config.max_bulk_operations,
            max_payload_size: self.config.max_body_bytes,
        };
        let bulk = BulkRequest::parse(&request.body, &limits)?;
        let order = bulk.execution_order()?;
        let mut created: HashMap<String, String> = HashMap::new();
        let mut response = BulkResponse::default();
        let mut errors = 0u32;
        for index in order {
            if bulk.should_stop(errors) {
                break;
            }
            let Some(op) = bulk.operations.get(index) else {
                continue;
            };
            let mut result = BulkOperationResult {
                location: None,
                method: op.method,
                bulk_id: op.bulk_id.clone(),
                version: None,
                status: String::new(),
                response: None,
            };
            match self.bulk_operation(op, &created, now) {
                Ok((answer, new_id)) => {
                    if let (Some(bulk_id), Some(id)) = (&op.bulk_id, new_id) {
                        created.insert(bulk_id.clone(), id);
                    }
                    result.status = answer.status.to_string();
                    result.location = answer.location.clone().or_else(|| {
                        answer
                            .body
                            .as_ref()
                            .and_then(|b| b.get("meta"))
                            .and_then(|m| m.get("location"))
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    });
                    result.version = answer.etag;
                }
                Err(error) => {
                    errors += 1;
                    let answer = self.error_response(&error, now);
                    result.status = answer.status.to_string();
                    result.response = answer.body;
                }
            }
            response.operations.push(result);
        }
        let body = serde_json::to_value(&response).map_err(|e| ApiError::Store(e.to_string()))?;
        Ok(ScimResponse::json(200, body))
    }

    fn bulk_operation(
        &self,
        op: &BulkOperation,
        created: &HashMap<String, String>,
        now: DateTime<Utc>,
    ) -> Result<(ScimResponse, Option<String>), ApiError> {
        let path = resolve_bulk_path(&op.path, created)?;
        let data = match &op.data {
            Some(data) => {
                let mut data = data.clone();
                resolve_bulk_ids(&mut data, created)?;
                Some(data)
            }
            None => None,
        };
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let kind = match segments.first() {
            Some(&"Users") => ResourceKind::User,
            Some(&"Groups") => ResourceKind::Group,
            _ => return Err(ApiError::NotFound(format!("bulk path {path}"))),
        };
        let sub = ScimRequest {
            path: path.clone(),
            if_match: op.version.clone(),
            ..ScimRequest::default()
        };
        let data = || {
            data.clone().ok_or_else(|| {
                ApiError::Scim(fedkit_scim::Error::InvalidSyntax {
                    detail: "this bulk operation needs data".into(),
                })
            })
        };
        match (op.method, segments.get(1)) {
            (BulkMethod::Post, None) => {
                let body = self.resource_body(kind, data()?);
                let (response, id) = self.create_resource(kind, &body, &sub, now)?;
                Ok((response, Some(id)))
            }
            (BulkMethod::Put, Some(id)) => {
                let body = self.resource_body(kind, data()?);
                Ok((self.replace(kind, id, &body, &sub, now)?, None))
            }
            (BulkMethod::Patch, Some(id)) => Ok((self.patch(kind, id, &data()?, &sub, now)?, None)),
            (BulkMethod::Delete, Some(id)) => Ok((self.delete(kind, id, &sub, now)?, None)),
            (method, _) => Err(ApiError::MethodNotAllowed(format!("{method:?}"))),
        }
    }
}
