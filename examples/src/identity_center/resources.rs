//! Create, read, replace, patch and delete of Users and Groups. Each is one store transaction:
//! read (locked), apply fedkit-scim's rule to a copy, check the version, write, commit; any
//! error drops the transaction, which rolls it back.

use chrono::{DateTime, Utc};
use fedkit_scim::patch::{PatchOptions, PatchRequest};
use fedkit_scim::resource::{ValidationOptions, validate_create, validate_replace};
use fedkit_scim::{meta, normalize};
use serde_json::{Value, json};

use crate::identity_center::api_error::ApiError;
use crate::identity_center::aws_profile;
use crate::identity_center::config::Profile;
use crate::identity_center::origin::{self, Origin};
use crate::identity_center::projection::Projection;
use crate::identity_center::scim_api::{ScimRequest, ScimResponse, ScimService, kind_schema};
use crate::identity_center::store::{ResourceKind, Transaction, UniqueKeys};

/// A random UUID (version 4) for a new resource id.
fn new_id() -> Result<String, ApiError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| ApiError::Store(format!("OS RNG: {e}")))?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

fn text(doc: &Value, key: &str) -> Option<String> {
    doc.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// Member ids of a group document.
pub(crate) fn member_ids(doc: &Value) -> Vec<String> {
    doc.get("members")
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(|m| text(m, "value")).collect())
        .unwrap_or_default()
}

impl ScimService {
    pub(crate) fn location(&self, kind: ResourceKind, id: &str) -> String {
        format!(
            "{}{}/{id}",
            self.config.base_url,
            kind_schema(kind).endpoint
        )
    }

    fn validation(&self) -> ValidationOptions {
        ValidationOptions::default()
    }

    pub(crate) fn patch_options(&self) -> PatchOptions {
        PatchOptions {
            dialect: self.config.dialect,
            validation: self.validation(),
            ..PatchOptions::default()
        }
    }

    fn unique_keys(&self, kind: ResourceKind, doc: &Value) -> UniqueKeys {
        let name = match kind {
            ResourceKind::User => text(doc, "userName"),
            // AWS answers 409 for a second group of the same name; the RFC does not.
            ResourceKind::Group if self.config.profile == Profile::Aws => text(doc, "displayName"),
            ResourceKind::Group => None,
        };
        UniqueKeys {
            // The fold filters use (fedkit-scim's), so a 409 here and a filter that
            // finds nothing never disagree.
            name: name.map(|n| fedkit_scim::filter::fold_case(&n).into_owned()),
            external_id: text(doc, "externalId"),
        }
    }

    /// Checks that every member exists and writes the membership index.
    fn write_members(
        &self,
        tx: &mut dyn Transaction,
        group_id: &str,
        doc: &Value,
    ) -> Result<(), ApiError> {
        let ids = member_ids(doc);
        let found = tx.existing(&ids)?;
        if let Some(missing) = ids.iter().find(|id| !found.contains(id)) {
            return Err(ApiError::UnknownMember(missing.clone()));
        }
        tx.set_members(group_id, &ids)?;
        Ok(())
    }

    /// The resource as the client sees it: location, a user's `groups`, the projection, and in
    /// the AWS profile no group members (AWS never returns them).
    pub(crate) fn render(
        &self,
        tx: &mut dyn Transaction,
        kind: ResourceKind,
        doc: &Value,
        projection: &Projection,
    ) -> Result<Value, ApiError> {
        let mut out = doc.clone();
        let id = text(doc, "id").unwrap_or_default();
        if let Some(meta) = out.get_mut("meta").and_then(Value::as_object_mut) {
            meta.insert("location".into(), Value::String(self.location(kind, &id)));
        }
        match kind {
            ResourceKind::User => {
                let groups: Vec<Value> = tx
                    .groups_of(&id)?
                    .into_iter()
                    .map(|g| {
                        json!({
                            "value": g.id,
                            "$ref": self.location(ResourceKind::Group, &g.id),
                            "display": g.display,
                            "type": "direct",
                        })
                    })
                    .collect();
                if let (false, Some(fields)) = (groups.is_empty(), out.as_object_mut()) {
                    fields.insert("groups".into(), Value::Array(groups));
                }
            }
            ResourceKind::Group => {
                if self.config.profile == Profile::Aws
                    && let Some(fields) = out.as_object_mut()
                {
                    fields.remove("members");
                }
            }
        }
        Ok(projection.apply(&out, kind_schema(kind)))
    }

    fn projection(&self, kind: ResourceKind, request: &ScimRequest) -> Projection {
        Projection::parse(
            request.param("attributes"),
            request.param("excludedAttributes"),
            kind_schema(kind),
        )
    }

    fn respond(
        &self,
        tx: &mut dyn Transaction,
        status: u16,
        kind: ResourceKind,
        doc: &Value,
        request: &ScimRequest,
    ) -> Result<ScimResponse, ApiError> {
        let body = self.render(tx, kind, doc, &self.projection(kind, request))?;
        let id = text(doc, "id").unwrap_or_default();
        Ok(ScimResponse {
            status,
            body: Some(body),
            etag: self.etag_header(doc),
            location: (status == 201).then(|| self.location(kind, &id)),
        })
    }

    fn etag_header(&self, doc: &Value) -> Option<String> {
        if self.config.profile == Profile::Aws {
            return None;
        }
        doc.get("meta")
            .and_then(|m| m.get("version"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    fn check_if_match(&self, current: &Value, request: &ScimRequest) -> Result<(), ApiError> {
        if let Some(if_match) = request.if_match.as_deref() {
            meta::check_if_match(current, if_match)?;
        }
        Ok(())
    }

    fn stamp(&self, kind: ResourceKind, doc: &mut Value, id: &str, now: DateTime<Utc>) {
        meta::stamp(doc, kind_schema(kind), now, &self.location(kind, id));
    }

    /// POST /Users, /Groups.
    pub(crate) fn create(
        &self,
        kind: ResourceKind,
        body: &Value,
        request: &ScimRequest,
        now: DateTime<Utc>,
    ) -> Result<ScimResponse, ApiError> {
        let (response, _) = self.create_resource(kind, body, request, now)?;
        Ok(response)
    }

    /// POST, also returning the new id (for Bulk's bulkId).
    pub(crate) fn create_resource(
        &self,
        kind: ResourceKind,
        body: &Value,
        request: &ScimRequest,
        now: DateTime<Utc>,
    ) -> Result<(ScimResponse, String), ApiError> {
        self.create_resource_from(kind, body, request, now, Origin::Scim)
    }

    /// POST on behalf of `origin` (SCIM, or an administrator's manual provisioning), which is
    /// recorded in the same transaction.
    pub(crate) fn create_resource_from(
        &self,
        kind: ResourceKind,
        body: &Value,
        request: &ScimRequest,
        now: DateTime<Utc>,
        origin: Origin,
    ) -> Result<(ScimResponse, String), ApiError> {
        if self.config.profile == Profile::Aws {
            aws_profile::check_resource(kind, body, &self.config)?;
        }
        let schema = kind_schema(kind);
        let mut doc = validate_create(body, schema, &self.validation())?.into_json();
        let id = new_id()?;
        if let Some(fields) = doc.as_object_mut() {
            fields.insert("id".into(), Value::String(id.clone()));
        }
        self.stamp(kind, &mut doc, &id, now);
        let mut tx = self.store.begin()?;
        tx.insert(kind, &id, &doc, &self.unique_keys(kind, &doc))?;
        origin::record(tx.as_mut(), &id, origin)?;
        if kind == ResourceKind::Group {
            self.write_members(tx.as_mut(), &id, &doc)?;
        }
        let response = self.respond(tx.as_mut(), 201, kind, &doc, request)?;
        tx.commit()?;
        Ok((response, id))
    }

    /// GET /Users/{id}.
    pub(crate) fn get(
        &self,
        kind: ResourceKind,
        id: &str,
        request: &ScimRequest,
    ) -> Result<ScimResponse, ApiError> {
        let mut tx = self.store.begin()?;
        let doc = tx
            .get(kind, id)?
            .ok_or_else(|| ApiError::NotFound(format!("{} {id}", kind.as_str())))?;
        if let Some(if_none_match) = request.if_none_match.as_deref()
            && self.config.profile == Profile::Full
            && meta::check_if_match(&doc, if_none_match).is_ok()
        {
            return Err(ApiError::NotModified);
        }
        self.respond(tx.as_mut(), 200, kind, &doc, request)
    }

    /// PUT /Users/{id} (and /Groups/{id} in the full profile).
    pub(crate) fn replace(
        &self,
        kind: ResourceKind,
        id: &str,
        body: &Value,
        request: &ScimRequest,
        now: DateTime<Utc>,
    ) -> Result<ScimResponse, ApiError> {
        if self.config.profile == Profile::Aws {
            if kind == ResourceKind::Group {
                aws_profile::check_operation(
                    fedkit_scim::profile::aws::Operation::PutGroup,
                    &self.config,
                )?;
            }
            aws_profile::check_resource(kind, body, &self.config)?;
        }
        let schema = kind_schema(kind);
        let mut tx = self.store.begin()?;
        let current = tx
            .get(kind, id)?
            .ok_or_else(|| ApiError::NotFound(format!("{} {id}", kind.as_str())))?;
        self.check_if_match(&current, request)?;
        let mut doc = validate_replace(body, &current, schema, &self.validation())?.into_json();
        if let Some(fields) = doc.as_object_mut() {
            fields.insert("id".into(), Value::String(id.to_owned()));
            if let Some(meta) = current.get("meta") {
                fields.insert("meta".into(), meta.clone());
            }
        }
        self.stamp(kind, &mut doc, id, now);
        tx.update(kind, id, &doc, &self.unique_keys(kind, &doc))?;
        if kind == ResourceKind::Group {
            self.write_members(tx.as_mut(), id, &doc)?;
        }
        let response = self.respond(tx.as_mut(), 200, kind, &doc, request)?;
        tx.commit()?;
        Ok(response)
    }

    /// PATCH /Users/{id}, /Groups/{id}.
    pub(crate) fn patch(
        &self,
        kind: ResourceKind,
        id: &str,
        body: &Value,
        request: &ScimRequest,
        now: DateTime<Utc>,
    ) -> Result<ScimResponse, ApiError> {
        let schema = kind_schema(kind);
        let options = self.patch_options();
        let body = match self.config.dialect {
            fedkit_scim::Dialect::Strict => body.clone(),
            _ => normalize::normalize_patch(body, schema).body,
        };
        let patch = PatchRequest::parse(&body, &options)?;
        if self.config.profile == Profile::Aws {
            aws_profile::check_patch(kind, &patch, &self.config)?;
        }
        let mut tx = self.store.begin()?;
        let current = tx
            .get(kind, id)?
            .ok_or_else(|| ApiError::NotFound(format!("{} {id}", kind.as_str())))?;
        self.check_if_match(&current, request)?;
        let outcome = patch.apply(&current, schema, &options)?;
        let mut doc = outcome.resource;
        if outcome.changed {
            if kind == ResourceKind::Group {
                let before = member_ids(&current);
                let after = member_ids(&doc);
                let changes = after.iter().filter(|m| !before.contains(m)).count()
                    + before.iter().filter(|m| !after.contains(m)).count();
                if changes > self.config.max_member_changes {
                    return Err(ApiError::ProfileRejected(format!(
                        "more than {} member changes in one PATCH",
                        self.config.max_member_changes
                    )));
                }
            }
            self.stamp(kind, &mut doc, id, now);
            tx.update(kind, id, &doc, &self.unique_keys(kind, &doc))?;
            if kind == ResourceKind::Group {
                self.write_members(tx.as_mut(), id, &doc)?;
            }
        }
        let response = self.respond(tx.as_mut(), 200, kind, &doc, request)?;
        tx.commit()?;
        Ok(response)
    }

    /// DELETE /Users/{id}, /Groups/{id}. A deleted user leaves every group it was in, in the
    /// same transaction.
    pub(crate) fn delete(
        &self,
        kind: ResourceKind,
        id: &str,
        request: &ScimRequest,
        now: DateTime<Utc>,
    ) -> Result<ScimResponse, ApiError> {
        let mut tx = self.store.begin()?;
        let current = tx
            .get(kind, id)?
            .ok_or_else(|| ApiError::NotFound(format!("{} {id}", kind.as_str())))?;
        self.check_if_match(&current, request)?;
        for group in tx.groups_of(id)? {
            let Some(mut doc) = tx.get(ResourceKind::Group, &group.id)? else {
                continue;
            };
            if let Some(members) = doc.get_mut("members").and_then(Value::as_array_mut) {
                members.retain(|m| m.get("value").and_then(Value::as_str) != Some(id));
            }
            self.stamp(ResourceKind::Group, &mut doc, &group.id, now);
            let keys = self.unique_keys(ResourceKind::Group, &doc);
            tx.update(ResourceKind::Group, &group.id, &doc, &keys)?;
        }
        tx.delete(kind, id)?;
        origin::forget(tx.as_mut(), id)?;
        tx.commit()?;
        Ok(ScimResponse {
            status: 204,
            body: None,
            etag: None,
            location: None,
        })
    }
}
