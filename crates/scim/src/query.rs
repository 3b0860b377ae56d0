//! Queries (RFC 7644 §3.4): the search parameters from a URL or a `/.search` body, paging by
//! index (§3.4.2.4) or cursor (RFC 9865), sorting (§3.4.2.3), `attributes` /
//! `excludedAttributes` projection honouring `returned` (§3.4.2.5, RFC 7643 §2.2), and the
//! ListResponse message.

use std::cmp::Ordering;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::dialect::Dialect;
use crate::error::Error;
use crate::filter::{BoundFilter, Filter};
use crate::path::Path;
use crate::resource::{get_ci, is_primary};
use crate::schema::{AttributeDef, AttributeHome, AttributeType, ResourceSchema, Returned};

/// The URN of a ListResponse (RFC 7644 §3.4.2).
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// The URN of a `/.search` body (RFC 7644 §3.4.3).
pub const SEARCH_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// `sortOrder` (RFC 7644 §3.4.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// `ascending` (the default).
    #[default]
    Ascending,
    /// `descending`.
    Descending,
}

impl SortOrder {
    /// Parses `ascending` / `descending` (case-insensitive).
    pub fn parse(text: &str) -> Result<SortOrder, Error> {
        if text.eq_ignore_ascii_case("ascending") {
            Ok(SortOrder::Ascending)
        } else if text.eq_ignore_ascii_case("descending") {
            Ok(SortOrder::Descending)
        } else {
            Err(Error::InvalidSortOrder {
                value: text.to_owned(),
            })
        }
    }
}

/// The query parameters of a list or search request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchRequest {
    /// `attributes`: return only these (plus `returned: always`).
    pub attributes: Vec<String>,
    /// `excludedAttributes`: leave these out (unless `returned: always`).
    pub excluded_attributes: Vec<String>,
    /// `filter`, as text.
    pub filter: Option<String>,
    /// `sortBy`.
    pub sort_by: Option<String>,
    /// `sortOrder`.
    pub sort_order: Option<SortOrder>,
    /// `startIndex`, as sent.
    pub start_index: Option<i64>,
    /// `count`, as sent.
    pub count: Option<i64>,
    /// RFC 9865 `cursor`: `Some("")` asks for the first page.
    pub cursor: Option<String>,
}

/// Paging settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageOptions {
    /// The count when none is given (default 100).
    pub default_count: u32,
    /// The largest count served (default 1000); larger counts are lowered to it (RFC 7644
    /// §3.4.2.4 lets a service provider return fewer) unless `reject_count_above_max`.
    pub max_count: u32,
    /// Answer counts above `max_count` with RFC 9865's `invalidCount` instead.
    pub reject_count_above_max: bool,
}

impl Default for PageOptions {
    fn default() -> Self {
        PageOptions {
            default_count: 100,
            max_count: 1000,
            reject_count_above_max: false,
        }
    }
}

/// Which page a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// Index paging: 1-based `start_index`, at most `count` resources.
    Index {
        /// 1-based index of the first resource.
        start_index: u64,
        /// Most resources on the page (0: only totalResults).
        count: u32,
    },
    /// Cursor paging (RFC 9865).
    Cursor {
        /// The cursor the client sent; `None` for the first page.
        cursor: Option<String>,
        /// Most resources on the page.
        count: u32,
    },
}

impl SearchRequest {
    /// Reads URL query parameters (already percent-decoded). Names are matched
    /// case-insensitively; `attributes` and `excludedAttributes` are comma-separated.
    pub fn from_query(pairs: &[(&str, &str)]) -> Result<SearchRequest, Error> {
        let mut request = SearchRequest::default();
        for (name, value) in pairs {
            let is = |n: &str| name.eq_ignore_ascii_case(n);
            if is("attributes") {
                request.attributes = split_list(value);
            } else if is("excludedAttributes") {
                request.excluded_attributes = split_list(value);
            } else if is("filter") {
                request.filter = Some((*value).to_owned());
            } else if is("sortBy") {
                request.sort_by = Some((*value).to_owned());
            } else if is("sortOrder") {
                request.sort_order = Some(SortOrder::parse(value)?);
            } else if is("startIndex") {
                request.start_index = Some(integer("startIndex", value)?);
            } else if is("count") {
                request.count = Some(integer("count", value)?);
            } else if is("cursor") {
                request.cursor = Some((*value).to_owned());
            }
        }
        Ok(request)
    }

    /// Reads a `/.search` body (RFC 7644 §3.4.3): `schemas` must list
    /// [`SEARCH_REQUEST_SCHEMA`]; attribute lists are JSON arrays.
    pub fn from_body(body: &Value) -> Result<SearchRequest, Error> {
        let object = body.as_object().ok_or_else(|| Error::InvalidSyntax {
            detail: "a SearchRequest must be a JSON object".to_owned(),
        })?;
        let listed = get_ci(object, "schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| s.iter().any(|u| u.as_str() == Some(SEARCH_REQUEST_SCHEMA)));
        if !listed {
            return Err(Error::MessageSchemaMissing {
                expected: SEARCH_REQUEST_SCHEMA,
            });
        }
        let text = |name: &str| -> Result<Option<String>, Error> {
            match get_ci(object, name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(syntax(&format!("{name} must be a string"))),
            }
        };
        let list = |name: &str| -> Result<Vec<String>, Error> {
            match get_ci(object, name) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map(str::to_owned)
                            .ok_or_else(|| syntax(&format!("{name} must be an array of strings")))
                    })
                    .collect(),
                Some(Value::String(s)) => Ok(split_list(s)),
                Some(_) => Err(syntax(&format!("{name} must be an array of strings"))),
            }
        };
        let number = |name: &str| -> Result<Option<i64>, Error> {
            match get_ci(object, name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => n
                    .as_i64()
                    .map(Some)
                    .ok_or_else(|| syntax(&format!("{name} must be an integer"))),
                Some(_) => Err(syntax(&format!("{name} must be an integer"))),
            }
        };
        Ok(SearchRequest {
            attributes: list("attributes")?,
            excluded_attributes: list("excludedAttributes")?,
            filter: text("filter")?,
            sort_by: text("sortBy")?,
            sort_order: text("sortOrder")?
                .map(|s| SortOrder::parse(&s))
                .transpose()?,
            start_index: number("startIndex")?,
            count: number("count")?,
            cursor: text("cursor")?,
        })
    }

    /// The request's page: RFC 7644 §3.4.2.4 for index paging (startIndex below 1 is 1, a
    /// negative count is 0), RFC 9865 when a `cursor` is present (an empty cursor is the first
    /// page; startIndex together with cursor is refused).
    pub fn page(&self, options: &PageOptions) -> Result<Page, Error> {
        let count = match self.count {
            None => options.default_count.min(options.max_count),
            Some(n) if n < 0 && self.cursor.is_some() => {
                return Err(Error::InvalidCount {
                    count: n,
                    max: options.max_count,
                });
            }
            Some(n) if n < 0 => 0,
            Some(n) if n > i64::from(options.max_count) => {
                if options.reject_count_above_max {
                    return Err(Error::InvalidCount {
                        count: n,
                        max: options.max_count,
                    });
                }
                options.max_count
            }
            Some(n) => u32::try_from(n).unwrap_or(options.max_count),
        };
        match &self.cursor {
            Some(_) if self.start_index.is_some() => Err(Error::InvalidSyntax {
                detail: "startIndex and cursor cannot be used together".to_owned(),
            }),
            Some(cursor) => Ok(Page::Cursor {
                cursor: (!cursor.is_empty()).then(|| cursor.clone()),
                count,
            }),
            None => Ok(Page::Index {
                start_index: self.start_index.map_or(1, |i| i.max(1) as u64),
                count,
            }),
        }
    }

    /// Parses and binds the filter, if any.
    pub fn bound_filter(
        &self,
        schema: &ResourceSchema,
        dialect: Dialect,
    ) -> Result<Option<BoundFilter>, Error> {
        let Some(text) = &self.filter else {
            return Ok(None);
        };
        let filter = Filter::parse(text, dialect).map_err(|e| Error::InvalidFilter {
            detail: e.to_string(),
        })?;
        let bound = filter.bind(schema).map_err(|e| Error::InvalidFilter {
            detail: e.to_string(),
        })?;
        Ok(Some(bound))
    }
}

fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn integer(name: &str, value: &str) -> Result<i64, Error> {
    value
        .trim()
        .parse()
        .map_err(|_| syntax(&format!("{name} must be an integer")))
}

fn syntax(detail: &str) -> Error {
    Error::InvalidSyntax {
        detail: detail.to_owned(),
    }
}

/// A ListResponse (RFC 7644 §3.4.2; RFC 9865 §2.2 for the cursors).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListResponse {
    /// `totalResults`: all matches, over all pages (RFC 9865 lets cursor paging omit it).
    pub total_results: Option<u64>,
    /// `itemsPerPage`: resources on this page.
    pub items_per_page: Option<u64>,
    /// `startIndex` (index paging).
    pub start_index: Option<u64>,
    /// `nextCursor` (cursor paging).
    pub next_cursor: Option<String>,
    /// `previousCursor` (cursor paging).
    pub previous_cursor: Option<String>,
    /// `Resources`.
    pub resources: Vec<Value>,
}

impl ListResponse {
    /// The index page of `matches` (already filtered and sorted) that `start_index`/`count`
    /// select.
    pub fn index_page(matches: &[Value], start_index: u64, count: u32) -> ListResponse {
        let skip = usize::try_from(start_index.saturating_sub(1)).unwrap_or(usize::MAX);
        let resources: Vec<Value> = matches
            .iter()
            .skip(skip)
            .take(count as usize)
            .cloned()
            .collect();
        ListResponse {
            total_results: Some(matches.len() as u64),
            items_per_page: Some(resources.len() as u64),
            start_index: Some(start_index.max(1)),
            next_cursor: None,
            previous_cursor: None,
            resources,
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListResponseWire {
    schemas: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    total_results: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    items_per_page: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    start_index: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    previous_cursor: Option<String>,
    #[serde(rename = "Resources", default)]
    resources: Vec<Value>,
}

impl Serialize for ListResponse {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ListResponseWire {
            schemas: vec![LIST_RESPONSE_SCHEMA.to_owned()],
            total_results: self.total_results,
            items_per_page: self.items_per_page,
            start_index: self.start_index,
            next_cursor: self.next_cursor.clone(),
            previous_cursor: self.previous_cursor.clone(),
            resources: self.resources.clone(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ListResponse {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = ListResponseWire::deserialize(deserializer)?;
        if !wire.schemas.iter().any(|s| s == LIST_RESPONSE_SCHEMA) {
            return Err(D::Error::custom(
                "schemas does not list the ListResponse URN",
            ));
        }
        Ok(ListResponse {
            total_results: wire.total_results,
            items_per_page: wire.items_per_page,
            start_index: wire.start_index,
            next_cursor: wire.next_cursor,
            previous_cursor: wire.previous_cursor,
            resources: wire.resources,
        })
    }
}

/// An attribute named in `sortBy`, `attributes` or `excludedAttributes`, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Named<'s> {
    home: AttributeHome<'s>,
    def: &'s AttributeDef,
    sub: Option<&'s AttributeDef>,
}

fn resolve_name<'s>(text: &str, schema: &'s ResourceSchema) -> Option<Named<'s>> {
    let path = Path::parse(text, Dialect::Strict).ok()?;
    if path.value_filter.is_some() || path.sub_attr.is_some() {
        return None;
    }
    let (home, def) = schema.locate(path.attr.urn.as_deref(), &path.attr.name)?;
    let sub = match &path.attr.sub_attr {
        Some(name) => Some(def.sub_attribute(name)?),
        None => None,
    };
    Some(Named { home, def, sub })
}

/// Sorts resources by `sortBy` (RFC 7644 §3.4.2.3): strings per caseExact, numbers
/// numerically, dateTimes chronologically, booleans false first; a multi-valued attribute
/// sorts by its primary value (else its first). Resources without a value sort last in either
/// order. The sort is stable.
pub fn sort_resources(
    resources: &mut [Value],
    sort_by: &str,
    order: SortOrder,
    schema: &ResourceSchema,
) -> Result<(), Error> {
    let invalid = || Error::InvalidSortBy {
        attribute: sort_by.to_owned(),
    };
    let named = resolve_name(sort_by, schema).ok_or_else(invalid)?;
    let leaf = match (named.def.kind, named.sub) {
        (_, Some(sub)) => sub,
        (AttributeType::Complex, None) => named.def.sub_attribute("value").ok_or_else(invalid)?,
        (_, None) => named.def,
    };
    if matches!(leaf.kind, AttributeType::Complex | AttributeType::Binary) {
        return Err(invalid());
    }
    let mut keyed: Vec<(Option<SortKey>, Value)> = resources
        .iter()
        .map(|r| (sort_key(r, &named, leaf), r.clone()))
        .collect();
    keyed.sort_by(|(a, _), (b, _)| match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) => {
            let o = a.cmp(b);
            if order == SortOrder::Descending {
                o.reverse()
            } else {
                o
            }
        }
    });
    for (slot, (_, value)) in resources.iter_mut().zip(keyed) {
        *slot = value;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum SortKey {
    Bool(bool),
    Number(f64),
    Time(i64, u32),
    Text(String),
}

impl SortKey {
    fn cmp(&self, other: &SortKey) -> Ordering {
        self.partial_cmp(other).unwrap_or(Ordering::Equal)
    }
}

fn sort_key(resource: &Value, named: &Named<'_>, leaf: &AttributeDef) -> Option<SortKey> {
    let object = resource.as_object()?;
    let container = match named.home {
        AttributeHome::Root => object,
        AttributeHome::Extension(urn) => get_ci(object, urn)?.as_object()?,
    };
    let mut value = get_ci(container, &named.def.name)?;
    if let Value::Array(items) = value {
        value = items
            .iter()
            .find(|v| is_primary(v))
            .or_else(|| items.first())?;
    }
    if named.def.kind == AttributeType::Complex {
        value = get_ci(value.as_object()?, &leaf.name)?;
    }
    match (leaf.kind, value) {
        (AttributeType::Boolean, Value::Bool(b)) => Some(SortKey::Bool(*b)),
        (AttributeType::Integer | AttributeType::Decimal, Value::Number(n)) => {
            n.as_f64().map(SortKey::Number)
        }
        (AttributeType::DateTime, Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| SortKey::Time(t.timestamp(), t.timestamp_subsec_nanos())),
        (_, Value::String(s)) if leaf.case_exact => Some(SortKey::Text(s.clone())),
        (_, Value::String(s)) => Some(SortKey::Text(s.to_lowercase())),
        _ => None,
    }
}

/// Projects a resource for a response (RFC 7644 §3.4.2.5, §3.9; RFC 7643 §2.2 `returned`):
/// `always` attributes are kept whatever the lists say, `never` ones are dropped, `request`
/// ones appear only when named in `attributes`, `default` ones unless excluded or unless
/// `attributes` names others. Names are case-insensitive and may carry a schema URN or a
/// sub-attribute (`name.givenName`); a bare extension URN names the whole extension. Names no
/// schema defines select nothing.
///
/// ```
/// use fedkit_scim::query::project;
/// use fedkit_scim::ResourceSchema;
/// let user = serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "id": "1", "userName": "b", "password": "x", "name": {"givenName": "B", "familyName": "J"}});
/// let out = project(&user, &["name.givenName".into()], &[], ResourceSchema::users());
/// assert_eq!(out, serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "id": "1", "name": {"givenName": "B"}}));
/// ```
pub fn project(
    resource: &Value,
    attributes: &[String],
    excluded: &[String],
    schema: &ResourceSchema,
) -> Value {
    let Some(object) = resource.as_object() else {
        return resource.clone();
    };
    let listed: Vec<Named<'_>> = attributes
        .iter()
        .filter_map(|a| resolve_name(a, schema))
        .collect();
    let listed_extensions: Vec<&str> = attributes
        .iter()
        .filter_map(|a| schema.extension(a).map(|e| e.schema.id.as_str()))
        .collect();
    let excluded: Vec<Named<'_>> = excluded
        .iter()
        .filter_map(|a| resolve_name(a, schema))
        .collect();
    let selecting = !attributes.is_empty();
    let mut out = Map::new();
    for (key, value) in object {
        if key.eq_ignore_ascii_case("schemas") {
            out.insert(key.clone(), value.clone());
            continue;
        }
        if let Some(extension) = schema.extension(key) {
            let urn = extension.schema.id.as_str();
            let Value::Object(fields) = value else {
                continue;
            };
            let whole = listed_extensions.contains(&urn);
            let mut ext_out = Map::new();
            for (name, v) in fields {
                let Some(def) = extension.schema.attribute(name) else {
                    continue;
                };
                let home = AttributeHome::Extension(urn);
                let select = Selection {
                    listed: &listed,
                    excluded: &excluded,
                    selecting: selecting && !whole,
                };
                if let Some(v) = select.attribute(home, def, v) {
                    ext_out.insert(name.clone(), v);
                }
            }
            if !ext_out.is_empty() {
                out.insert(key.clone(), Value::Object(ext_out));
            }
            continue;
        }
        let Some((home, def)) = schema.locate(None, key) else {
            continue;
        };
        let select = Selection {
            listed: &listed,
            excluded: &excluded,
            selecting,
        };
        if let Some(v) = select.attribute(home, def, value) {
            out.insert(key.clone(), v);
        }
    }
    Value::Object(out)
}

struct Selection<'a, 's> {
    listed: &'a [Named<'s>],
    excluded: &'a [Named<'s>],
    selecting: bool,
}

impl Selection<'_, '_> {
    fn names<'n>(
        list: &'n [Named<'_>],
        home: AttributeHome<'_>,
        def: &AttributeDef,
    ) -> impl Iterator<Item = &'n Named<'n>> {
        list.iter()
            .filter(move |n| n.home == home && n.def.name == def.name)
    }

    fn attribute(
        &self,
        home: AttributeHome<'_>,
        def: &AttributeDef,
        value: &Value,
    ) -> Option<Value> {
        match def.returned {
            Returned::Never => return None,
            Returned::Always => return Some(value.clone()),
            _ => {}
        }
        let listed: Vec<&Named<'_>> = Self::names(self.listed, home, def).collect();
        let excluded: Vec<&Named<'_>> = Self::names(self.excluded, home, def).collect();
        let whole_listed = listed.iter().any(|n| n.sub.is_none());
        if def.returned == Returned::Request || self.selecting {
            if listed.is_empty() {
                return None;
            }
            if whole_listed || def.kind != AttributeType::Complex {
                return Some(strip_subs(def, value, |_| true));
            }
            let subs: Vec<&str> = listed
                .iter()
                .filter_map(|n| n.sub.map(|s| s.name.as_str()))
                .collect();
            return Some(strip_subs(def, value, |sub| {
                sub.returned == Returned::Always || subs.contains(&sub.name.as_str())
            }))
            .filter(|v| !crate::resource::is_unassigned(v));
        }
        if excluded.iter().any(|n| n.sub.is_none()) {
            return None;
        }
        let dropped: Vec<&str> = excluded
            .iter()
            .filter_map(|n| n.sub.map(|s| s.name.as_str()))
            .collect();
        Some(strip_subs(def, value, |sub| {
            sub.returned == Returned::Always || !dropped.contains(&sub.name.as_str())
        }))
    }
}

/// Keeps the sub-attributes `keep` accepts (and never those with `returned: never`).
fn strip_subs(def: &AttributeDef, value: &Value, keep: impl Fn(&AttributeDef) -> bool) -> Value {
    if def.kind != AttributeType::Complex {
        return value.clone();
    }
    let strip = |v: &Value| -> Value {
        let Value::Object(fields) = v else {
            return v.clone();
        };
        let kept: Map<String, Value> = fields
            .iter()
            .filter(|(k, _)| {
                def.sub_attribute(k)
                    .is_some_and(|s| s.returned != Returned::Never && keep(s))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Value::Object(kept)
    };
    match value {
        Value::Array(items) => Value::Array(items.iter().map(strip).collect()),
        other => strip(other),
    }
}

/// Refuses a result set larger than the service provider returns (RFC 7644 §3.4.2: 400
/// `tooMany`).
pub fn check_total(total: usize, limit: usize) -> Result<(), Error> {
    if total > limit {
        Err(Error::TooManyResults { limit })
    } else {
        Ok(())
    }
}
