//! GET /Users, /Groups and POST /.search (RFC 7644 §3.4.2–3.4.3) with index pagination and
//! RFC 9865 cursors. The filter is fedkit-scim's, bound to the resource schema and pushed down
//! to the store as SQL; equality on an indexed column is also passed as a hint, because the
//! translated filter wraps each test for NULL-safety and so is not index-searchable by itself.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fedkit_scim::filter::{AttrTest, CompValue, CompareOp};
use fedkit_scim::profile::aws::Operation;
use fedkit_scim::schema::{AttributeHome, AttributeType};
use fedkit_scim::{Filter, Path, ResourceSchema};
use serde_json::{Value, json};

use crate::identity_center::api_error::ApiError;
use crate::identity_center::aws_profile;
use crate::identity_center::config::Profile;
use crate::identity_center::discovery::LIST_RESPONSE;
use crate::identity_center::projection::Projection;
use crate::identity_center::scim_api::{ScimRequest, ScimResponse, ScimService, kind_schema};
use crate::identity_center::store::{ListQuery, ResourceKind, SortKey, UniqueKeys};

/// The query parameters, from the URL or a `.search` body.
struct Params {
    filter: Option<String>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    start_index: Option<i64>,
    count: Option<i64>,
    cursor: Option<String>,
    attributes: Option<String>,
    excluded: Option<String>,
}

fn int_param(text: Option<&str>, name: &str) -> Result<Option<i64>, ApiError> {
    text.map(|t| {
        t.trim().parse::<i64>().map_err(|_| {
            ApiError::Scim(fedkit_scim::Error::InvalidSyntax {
                detail: format!("{name} must be an integer"),
            })
        })
    })
    .transpose()
}

fn joined(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(","),
        ),
        _ => None,
    }
}

impl Params {
    fn from_request(request: &ScimRequest, body: Option<&Value>) -> Result<Params, ApiError> {
        if let Some(body) = body {
            let get = |k: &str| {
                body.as_object()
                    .and_then(|o| o.iter().find(|(key, _)| key.eq_ignore_ascii_case(k)))
                    .map(|(_, v)| v)
            };
            let as_text = |k: &str| get(k).and_then(Value::as_str).map(str::to_owned);
            let as_int = |k: &str| get(k).and_then(Value::as_i64);
            return Ok(Params {
                filter: as_text("filter"),
                sort_by: as_text("sortBy"),
                sort_order: as_text("sortOrder"),
                start_index: as_int("startIndex"),
                count: as_int("count"),
                cursor: as_text("cursor"),
                attributes: joined(get("attributes")),
                excluded: joined(get("excludedAttributes")),
            });
        }
        Ok(Params {
            filter: request.param("filter").map(str::to_owned),
            sort_by: request.param("sortBy").map(str::to_owned),
            sort_order: request.param("sortOrder").map(str::to_owned),
            start_index: int_param(request.param("startIndex"), "startIndex")?,
            count: int_param(request.param("count"), "count")?,
            cursor: request.param("cursor").map(str::to_owned),
            attributes: request.param("attributes").map(str::to_owned),
            excluded: request.param("excludedAttributes").map(str::to_owned),
        })
    }
}

/// Where a cursor resumes: after a row (unsorted lists) or at an offset (sorted lists).
enum Cursor {
    AfterSeq(i64),
    Offset(u64),
}

fn encode_cursor(cursor: &Cursor) -> String {
    let text = match cursor {
        Cursor::AfterSeq(seq) => format!("k{seq}"),
        Cursor::Offset(offset) => format!("o{offset}"),
    };
    URL_SAFE_NO_PAD.encode(text)
}

fn decode_cursor(text: &str) -> Result<Option<Cursor>, ApiError> {
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || ApiError::Scim(fedkit_scim::Error::InvalidCursor);
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
    let text = std::str::from_utf8(&bytes).map_err(|_| bad())?;
    if let Some(n) = text.strip_prefix('k') {
        return n
            .parse()
            .map(|n| Some(Cursor::AfterSeq(n)))
            .map_err(|_| bad());
    }
    if let Some(n) = text.strip_prefix('o') {
        return n
            .parse()
            .map(|n| Some(Cursor::Offset(n)))
            .map_err(|_| bad());
    }
    Err(bad())
}

/// Equality tests on indexed columns that the filter requires (top level, or an `and` of them).
fn hints(filter: &Filter, kind: ResourceKind, profile: Profile) -> (UniqueKeys, Option<String>) {
    let mut keys = UniqueKeys::default();
    let mut id = None;
    let items: Vec<&Filter> = match filter {
        Filter::And(items) => items.iter().collect(),
        other => vec![other],
    };
    for item in items {
        let Filter::Attr(expr) = item else { continue };
        let AttrTest::Compare(CompareOp::Eq, CompValue::String(value)) = &expr.test else {
            continue;
        };
        let core = expr
            .path
            .urn
            .as_deref()
            .is_none_or(|u| kind_schema(kind).is_core(u));
        if !core || expr.path.sub_attr.is_some() {
            continue;
        }
        let name = expr.path.name.as_str();
        if name.eq_ignore_ascii_case("externalId") {
            keys.external_id = Some(value.clone());
        } else if name.eq_ignore_ascii_case("id") {
            id = Some(value.clone());
        } else if (kind == ResourceKind::User && name.eq_ignore_ascii_case("userName"))
            || (kind == ResourceKind::Group
                && profile == Profile::Aws
                && name.eq_ignore_ascii_case("displayName"))
        {
            // The fold unique_keys stores and filters compare with.
            keys.name = Some(fedkit_scim::filter::fold_case(value).into_owned());
        }
    }
    (keys, id)
}

fn group_term(filter: &Filter) -> Option<String> {
    let Filter::Attr(expr) = filter else {
        return None;
    };
    let AttrTest::Compare(CompareOp::Eq, CompValue::String(value)) = &expr.test else {
        return None;
    };
    let core = expr
        .path
        .urn
        .as_deref()
        .is_none_or(|u| kind_schema(ResourceKind::User).is_core(u));
    let is_groups_value = core
        && expr.path.name.eq_ignore_ascii_case("groups")
        && expr
            .path
            .sub_attr
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("value"));
    is_groups_value.then(|| value.clone())
}

/// Takes `groups.value eq "…"` terms off the top level of a user filter (alone or in an `and`),
/// for the store to answer from the membership index; the rest stays a filter.
fn split_group_terms(filter: Filter) -> (Option<Filter>, Vec<String>) {
    if let Some(group) = group_term(&filter) {
        return (None, vec![group]);
    }
    let Filter::And(items) = filter else {
        return (Some(filter), Vec::new());
    };
    let mut groups = Vec::new();
    let mut rest = Vec::new();
    for item in items {
        match group_term(&item) {
            Some(group) => groups.push(group),
            None => rest.push(item),
        }
    }
    let rest = match rest.len() {
        0 => None,
        1 => rest.pop(),
        _ => Some(Filter::And(rest)),
    };
    (rest, groups)
}

fn sort_key(
    sort_by: &str,
    order: Option<&str>,
    schema: &ResourceSchema,
    dialect: fedkit_scim::Dialect,
) -> Result<SortKey, ApiError> {
    let invalid = || {
        ApiError::Scim(fedkit_scim::Error::InvalidSortBy {
            attribute: sort_by.to_owned(),
        })
    };
    let descending = match order.map(str::to_ascii_lowercase).as_deref() {
        None | Some("ascending") => false,
        Some("descending") => true,
        Some(_) => {
            return Err(ApiError::Scim(fedkit_scim::Error::InvalidSortOrder {
                value: order.unwrap_or_default().to_owned(),
            }));
        }
    };
    let path = Path::parse(sort_by, dialect).map_err(|_| invalid())?;
    if path.value_filter.is_some() {
        return Err(invalid());
    }
    let (home, def) = schema
        .locate(path.attr.urn.as_deref(), &path.attr.name)
        .ok_or_else(invalid)?;
    let mut keys = Vec::new();
    if let AttributeHome::Extension(urn) = home {
        keys.push(urn.to_owned());
    }
    keys.push(def.name.clone());
    let leaf = match &path.attr.sub_attr {
        Some(sub) => {
            let sub = def.sub_attribute(sub).ok_or_else(invalid)?;
            keys.push(sub.name.clone());
            sub
        }
        None => def,
    };
    if def.multi_valued || leaf.kind == AttributeType::Complex {
        return Err(invalid());
    }
    Ok(SortKey {
        keys,
        fold_case: !leaf.case_exact && leaf.kind == AttributeType::String,
        descending,
    })
}

impl ScimService {
    /// A list or search.
    pub(crate) fn list(
        &self,
        kind: ResourceKind,
        request: &ScimRequest,
        body: Option<&Value>,
    ) -> Result<ScimResponse, ApiError> {
        let config = &self.config;
        let aws = config.profile == Profile::Aws;
        if aws {
            if body.is_some() {
                aws_profile::check_operation(Operation::Search, config)?;
            }
            aws_profile::check_list(kind, request, config)?;
        }
        let params = Params::from_request(request, body)?;
        let schema = kind_schema(kind);
        let parsed = params
            .filter
            .as_deref()
            .map(|text| Filter::parse(text, config.dialect))
            .transpose()
            .map_err(|e| {
                ApiError::Scim(fedkit_scim::Error::InvalidFilter {
                    detail: e.to_string(),
                })
            })?;
        if let (true, Some(filter)) = (aws, &parsed) {
            aws_profile::check_filter(kind, filter, config)?;
        }
        // `groups` is derived from the membership index, not stored in user documents.
        let (parsed, member_of) = match (kind, parsed) {
            (ResourceKind::User, Some(filter)) => split_group_terms(filter),
            (_, parsed) => (parsed, Vec::new()),
        };
        let bound = parsed
            .as_ref()
            .map(|f| f.bind(schema))
            .transpose()
            .map_err(|e| {
                ApiError::Scim(fedkit_scim::Error::InvalidFilter {
                    detail: e.to_string(),
                })
            })?;
        let sort = match params.sort_by.as_deref() {
            Some(by) => Some(sort_key(
                by,
                params.sort_order.as_deref(),
                schema,
                config.dialect,
            )?),
            None => None,
        };
        let max = config.max_count;
        let count = match params.count {
            None => max,
            Some(c) => u64::try_from(c.max(0)).unwrap_or(0).min(max),
        };
        let cursor_mode = params.cursor.is_some();
        let cursor = params
            .cursor
            .as_deref()
            .map(decode_cursor)
            .transpose()?
            .flatten();
        let start_index = if aws || cursor_mode {
            1
        } else {
            u64::try_from(params.start_index.unwrap_or(1).max(1)).unwrap_or(1)
        };
        let (hint_keys, id_hint) = parsed
            .as_ref()
            .map(|f| hints(f, kind, config.profile))
            .unwrap_or_default();
        let mut query = ListQuery {
            filter: bound.as_ref(),
            hints: hint_keys,
            id_hint,
            member_of,
            sort: sort.clone(),
            offset: start_index - 1,
            after_seq: None,
            limit: count,
        };
        match cursor {
            Some(Cursor::AfterSeq(seq)) => query.after_seq = Some(seq),
            Some(Cursor::Offset(offset)) => query.offset = offset,
            None => {}
        }
        let projection = Projection::parse(
            params.attributes.as_deref(),
            params.excluded.as_deref(),
            schema,
        );
        let mut tx = self.store.begin()?;
        // One row more than the page tells a cursor whether there is a next page.
        if cursor_mode {
            query.limit = count.saturating_add(1);
        }
        let page = tx.list(kind, &query)?;
        let total = if cursor_mode {
            let whole = ListQuery {
                after_seq: None,
                offset: 0,
                limit: 0,
                sort: None,
                ..query
            };
            tx.list(kind, &whole)?.total
        } else {
            page.total
        };
        let more = cursor_mode && page.rows.len() as u64 > count;
        let rows: Vec<_> = page
            .rows
            .into_iter()
            .take(usize::try_from(count).unwrap_or(usize::MAX))
            .collect();
        let mut resources = Vec::with_capacity(rows.len());
        for (_, doc) in &rows {
            resources.push(self.render(tx.as_mut(), kind, doc, &projection)?);
        }
        let mut body = json!({
            "schemas": [LIST_RESPONSE],
            "totalResults": total,
            "itemsPerPage": resources.len(),
        });
        if let Some(fields) = body.as_object_mut() {
            if cursor_mode {
                if more {
                    let next = match (&sort, rows.last()) {
                        (None, Some((seq, _))) => Some(Cursor::AfterSeq(*seq)),
                        (Some(_), _) => Some(Cursor::Offset(query.offset + rows.len() as u64)),
                        (None, None) => None,
                    };
                    if let Some(next) = next {
                        fields.insert("nextCursor".into(), Value::String(encode_cursor(&next)));
                    }
                }
            } else {
                fields.insert("startIndex".into(), json!(start_index));
            }
            fields.insert("Resources".into(), Value::Array(resources));
        }
        Ok(ScimResponse::json(200, body))
    }
}

impl ScimService {
    /// POST `/.search` at the root (RFC 7644 §3.4.3): every resource type, Users then Groups,
    /// one index-paginated list over both.
    pub(crate) fn search_all(
        &self,
        request: &ScimRequest,
        body: &Value,
    ) -> Result<ScimResponse, ApiError> {
        if self.config.profile == Profile::Aws {
            aws_profile::check_operation(Operation::Search, &self.config)?;
        }
        let params = Params::from_request(request, Some(body))?;
        if params.cursor.is_some() {
            return Err(ApiError::Scim(fedkit_scim::Error::InvalidCursor));
        }
        let start = params.start_index.unwrap_or(1).max(1);
        let count = params
            .count
            .map_or(self.config.max_count, |c| {
                u64::try_from(c.max(0)).unwrap_or(0)
            })
            .min(self.config.max_count);
        let page = |kind, start: i64, count: u64| -> Result<Value, ApiError> {
            let mut body = body.clone();
            if let Some(fields) = body.as_object_mut() {
                fields.retain(|k, _| {
                    !k.eq_ignore_ascii_case("startIndex") && !k.eq_ignore_ascii_case("count")
                });
                fields.insert("startIndex".into(), json!(start));
                fields.insert("count".into(), json!(count));
            }
            Ok(self
                .list(kind, request, Some(&body))?
                .body
                .unwrap_or(Value::Null))
        };
        let users = page(ResourceKind::User, start, count)?;
        let user_total = users["totalResults"].as_i64().unwrap_or(0);
        let mut resources: Vec<Value> = users["Resources"].as_array().cloned().unwrap_or_default();
        let remaining = count.saturating_sub(resources.len() as u64);
        let groups = page(ResourceKind::Group, (start - user_total).max(1), remaining)?;
        let group_total = groups["totalResults"].as_i64().unwrap_or(0);
        resources.extend(groups["Resources"].as_array().cloned().unwrap_or_default());
        Ok(ScimResponse::json(
            200,
            json!({
                "schemas": [LIST_RESPONSE],
                "totalResults": user_total + group_total,
                "startIndex": start,
                "itemsPerPage": resources.len(),
                "Resources": resources,
            }),
        ))
    }
}
