//! The AWS IAM Identity Center SCIM profile (research/scim.md §1): what its endpoint accepts,
//! as checks a server runs before serving a request and a client runs before sending one.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::error::ERROR_SCHEMA;
use crate::filter::{AttrTest, CompValue, CompareOp, Filter};
use crate::patch::{PatchOpKind, PatchRequest};
use crate::query::SearchRequest;
use crate::resource::get_ci;
use crate::schema::{ENTERPRISE_USER, GROUP, USER};

/// A SCIM operation, as the profile tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// POST /Users.
    CreateUser,
    /// GET /Users/{id}.
    GetUser,
    /// GET /Users.
    ListUsers,
    /// PUT /Users/{id}.
    PutUser,
    /// PATCH /Users/{id}.
    PatchUser,
    /// DELETE /Users/{id}.
    DeleteUser,
    /// POST /Groups.
    CreateGroup,
    /// GET /Groups/{id}.
    GetGroup,
    /// GET /Groups.
    ListGroups,
    /// PUT /Groups/{id}.
    PutGroup,
    /// PATCH /Groups/{id}.
    PatchGroup,
    /// DELETE /Groups/{id}.
    DeleteGroup,
    /// POST /Bulk.
    Bulk,
    /// POST /.search (any endpoint).
    Search,
    /// /Me.
    Me,
    /// GET /ServiceProviderConfig.
    ServiceProviderConfig,
    /// GET /Schemas.
    Schemas,
    /// GET /ResourceTypes.
    ResourceTypes,
}

/// Users or groups, for the checks that differ between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// /Users.
    Users,
    /// /Groups.
    Groups,
}

/// Something the AWS endpoint would refuse. Every variant has its own [`Violation::code`];
/// on the wire, AWS answers all of them with a 400 ValidationException (§1.7), see
/// [`aws_error_body`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Violation {
    /// The operation is not offered (no group PUT, no Bulk, no /.search, no /Me; §1.2).
    #[error("{0:?} is not supported")]
    UnsupportedOperation(Operation),
    /// A filter uses an operator other than `eq` (§1.3).
    #[error("filter operator {0} is not supported; only eq")]
    FilterOperator(String),
    /// A filter uses `or`, `not` or a valuePath (§1.3: only `and`).
    #[error("filter uses {0}; only eq joined by and is supported")]
    FilterLogic(&'static str),
    /// A filter's attributes are not one of the supported combinations (§1.3).
    #[error("filtering on {0} is not supported")]
    FilterAttributes(String),
    /// A filter compares with something other than a non-empty string (§1.3).
    #[error("filter values must be non-empty strings")]
    FilterValue,
    /// `count` is outside 1..=100 (§1.4).
    #[error("count {0} is outside 1..=100")]
    CountOutOfRange(i64),
    /// `startIndex` is not supported on lists (§1.4).
    #[error("startIndex is not supported")]
    StartIndexUnsupported,
    /// `attributes`/`excludedAttributes` are not supported on lists (§1.4).
    #[error("attributes and excludedAttributes are not supported")]
    ProjectionUnsupported,
    /// Sorting is not supported (§1.10).
    #[error("sortBy/sortOrder are not supported")]
    SortUnsupported,
    /// The cursor has characters outside `[-a-zA-Z0-9+=/:_]` (§1.4).
    #[error("cursor has characters outside [-a-zA-Z0-9+=/:_]")]
    CursorCharacters,
    /// A required attribute is missing (§1.5: userName, displayName, name.givenName,
    /// name.familyName; displayName for groups).
    #[error("{0} is required")]
    RequiredAttribute(&'static str),
    /// A multi-valued attribute carries more than one value (§1.5, §1.6).
    #[error("{0} accepts one value only")]
    MultipleValues(String),
    /// The single email is not marked primary (§1.5).
    #[error("the email must be primary")]
    EmailNotPrimary,
    /// An attribute or sub-attribute AWS rejects (§1.5).
    #[error("{0} is not supported")]
    RejectedAttribute(String),
    /// A PATCH touches an attribute AWS does not let PATCH modify (§1.6).
    #[error("{0} cannot be modified by PATCH")]
    NotModifiable(String),
    /// A pathless PATCH operation names more than one attribute (§1.6, §3 #34).
    #[error("a PATCH operation without path may modify a single attribute only")]
    PathlessMultipleAttributes,
    /// More than one operation on userName or active (§1.6).
    #[error("{0} is modified by more than one operation")]
    RepeatedAttribute(&'static str),
    /// A remove of userName or active (§1.6).
    #[error("{0} cannot be removed")]
    ProtectedRemove(&'static str),
    /// More than 100 membership changes in one PATCH (§1.6, §3 #35).
    #[error("{0} membership changes; at most 100 per request")]
    TooManyMemberChanges(usize),
    /// Replacing or removing all members (§1.6, §3 #36).
    #[error("replacing group memberships is not supported")]
    ReplaceMembers,
    /// A PATCH path filter uses something other than `eq` (§1.6).
    #[error("PATCH filters support only eq")]
    PatchFilterOperator,
    /// More than 100 members in a CreateGroup (§1.6).
    #[error("{0} members; at most 100 per request")]
    TooManyMembers(usize),
}

impl Violation {
    /// A stable snake_case name.
    pub fn code(&self) -> &'static str {
        match self {
            Violation::UnsupportedOperation(_) => "aws_unsupported_operation",
            Violation::FilterOperator(_) => "aws_filter_operator",
            Violation::FilterLogic(_) => "aws_filter_logic",
            Violation::FilterAttributes(_) => "aws_filter_attributes",
            Violation::FilterValue => "aws_filter_value",
            Violation::CountOutOfRange(_) => "aws_count_out_of_range",
            Violation::StartIndexUnsupported => "aws_start_index_unsupported",
            Violation::ProjectionUnsupported => "aws_projection_unsupported",
            Violation::SortUnsupported => "aws_sort_unsupported",
            Violation::CursorCharacters => "aws_cursor_characters",
            Violation::RequiredAttribute(_) => "aws_required_attribute",
            Violation::MultipleValues(_) => "aws_multiple_values",
            Violation::EmailNotPrimary => "aws_email_not_primary",
            Violation::RejectedAttribute(_) => "aws_rejected_attribute",
            Violation::NotModifiable(_) => "aws_not_modifiable",
            Violation::PathlessMultipleAttributes => "aws_pathless_multiple_attributes",
            Violation::RepeatedAttribute(_) => "aws_repeated_attribute",
            Violation::ProtectedRemove(_) => "aws_protected_remove",
            Violation::TooManyMemberChanges(_) => "aws_too_many_member_changes",
            Violation::ReplaceMembers => "aws_replace_members",
            Violation::PatchFilterOperator => "aws_patch_filter_operator",
            Violation::TooManyMembers(_) => "aws_too_many_members",
        }
    }
}

/// AWS's exception names and their HTTP statuses (§1.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AwsException {
    /// 400: unparsable, violates schema, or unsupported.
    Validation,
    /// 401: missing or invalid token, or wrong tenant.
    Unauthorized,
    /// 403: not permitted.
    AccessDenied,
    /// 404: unknown user or group.
    ResourceNotFound,
    /// 409: duplicate user or group.
    Conflict,
    /// 429: over limits.
    Throttling,
    /// 500: service fault.
    InternalServer,
}

impl AwsException {
    /// The HTTP status.
    pub fn status(self) -> u16 {
        match self {
            AwsException::Validation => 400,
            AwsException::Unauthorized => 401,
            AwsException::AccessDenied => 403,
            AwsException::ResourceNotFound => 404,
            AwsException::Conflict => 409,
            AwsException::Throttling => 429,
            AwsException::InternalServer => 500,
        }
    }
}

/// The generic 400 detail AWS sends (§1.7).
pub const AWS_VALIDATION_DETAIL: &str =
    "Request is unparsable, syntactically incorrect, or violates schema.";

/// An error body in AWS's shape (§1.7): both `schema` and `schemas`, `detail`, `status` as a
/// string, `exceptionRequestId` and `timeStamp`, and no `scimType`. The request id and the
/// time are the caller's (this crate has no clock or RNG).
pub fn aws_error_body(
    exception: AwsException,
    detail: &str,
    request_id: &str,
    now: DateTime<Utc>,
) -> Value {
    json!({
        "schema": ERROR_SCHEMA,
        "schemas": [ERROR_SCHEMA],
        "detail": detail,
        "status": exception.status().to_string(),
        "exceptionRequestId": request_id,
        "timeStamp": now.to_rfc3339_opts(SecondsFormat::Millis, true),
    })
}

/// The profile's limits; the defaults are AWS's documented ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsProfile {
    /// The largest `count` (100).
    pub max_count: i64,
    /// The most membership changes per PATCH, and members per CreateGroup (100).
    pub max_member_changes: usize,
}

impl Default for AwsProfile {
    fn default() -> Self {
        AwsProfile {
            max_count: 100,
            max_member_changes: 100,
        }
    }
}

const USER_FILTERS: &[&[&str]] = &[
    &["username"],
    &["externalid"],
    &["groups.value"],
    &["id", "manager"],
];
const GROUP_FILTERS: &[&[&str]] = &[
    &["displayname"],
    &["externalid"],
    &["id", "members"],
    &["id", "member"],
];
const USER_PATCHABLE: &[&str] = &[
    "username",
    "active",
    "externalid",
    "displayname",
    "nickname",
    "profileurl",
    "title",
    "usertype",
    "preferredlanguage",
    "locale",
    "timezone",
    "name",
    "emails",
    "addresses",
    "phonenumbers",
];
const REJECTED_USER_ATTRIBUTES: &[&str] = &[
    "ims",
    "photos",
    "x509certificates",
    "entitlements",
    "password",
];
const SINGLE_VALUED: &[&str] = &["emails", "addresses", "phonenumbers", "roles"];

impl AwsProfile {
    /// Whether AWS offers the operation (§1.2).
    pub fn check_operation(&self, operation: Operation) -> Result<(), Violation> {
        match operation {
            Operation::PutGroup | Operation::Bulk | Operation::Search | Operation::Me => {
                Err(Violation::UnsupportedOperation(operation))
            }
            _ => Ok(()),
        }
    }

    /// A list filter: only `attr eq "string"` terms joined by `and`, on one of the attribute
    /// combinations AWS documents for the resource type (§1.3).
    pub fn check_filter(&self, kind: ResourceKind, filter: &Filter) -> Result<(), Violation> {
        let terms: Vec<&Filter> = match filter {
            Filter::And(parts) => parts.iter().collect(),
            other => vec![other],
        };
        let mut names = Vec::with_capacity(terms.len());
        for term in terms {
            match term {
                Filter::Attr(expr) => {
                    match &expr.test {
                        AttrTest::Compare(CompareOp::Eq, CompValue::String(s)) if !s.is_empty() => {
                        }
                        AttrTest::Compare(CompareOp::Eq, _) => return Err(Violation::FilterValue),
                        AttrTest::Compare(op, _) => {
                            return Err(Violation::FilterOperator(op.as_str().to_owned()));
                        }
                        AttrTest::Present => {
                            return Err(Violation::FilterOperator("pr".to_owned()));
                        }
                    }
                    let core = expr.path.urn.as_deref().is_none_or(|u| {
                        u.eq_ignore_ascii_case(USER)
                            || u.eq_ignore_ascii_case(GROUP)
                            || u.eq_ignore_ascii_case(ENTERPRISE_USER)
                    });
                    if !core {
                        return Err(Violation::FilterAttributes(expr.path.to_string()));
                    }
                    let mut name = expr.path.name.to_ascii_lowercase();
                    match &expr.path.sub_attr {
                        // manager.value is the manager (its id).
                        Some(sub) if name == "manager" && sub.eq_ignore_ascii_case("value") => {}
                        Some(sub) => {
                            name.push('.');
                            name.push_str(&sub.to_ascii_lowercase());
                        }
                        None => {}
                    }
                    names.push(name);
                }
                Filter::Or(_) => return Err(Violation::FilterLogic("or")),
                Filter::Not(_) => return Err(Violation::FilterLogic("not")),
                Filter::ValuePath(_) => return Err(Violation::FilterLogic("a valuePath")),
                Filter::And(_) => return Err(Violation::FilterLogic("nested and")),
            }
        }
        let allowed = match kind {
            ResourceKind::Users => USER_FILTERS,
            ResourceKind::Groups => GROUP_FILTERS,
        };
        let mut sorted = names.clone();
        sorted.sort();
        let ok = allowed.iter().any(|combo| {
            let mut want: Vec<&str> = combo.to_vec();
            want.sort();
            want == sorted
        });
        if ok {
            Ok(())
        } else {
            Err(Violation::FilterAttributes(names.join(" and ")))
        }
    }

    /// A list request (§1.4): count 1..=100, no startIndex, no projection, no sort, cursor
    /// characters; and its filter, if it parses (a filter that does not parse is the parser's
    /// error to report).
    pub fn check_list(&self, kind: ResourceKind, request: &SearchRequest) -> Vec<Violation> {
        let mut out = Vec::new();
        if let Some(count) = request.count
            && !(1..=self.max_count).contains(&count)
        {
            out.push(Violation::CountOutOfRange(count));
        }
        if request.start_index.is_some() {
            out.push(Violation::StartIndexUnsupported);
        }
        if !request.attributes.is_empty() || !request.excluded_attributes.is_empty() {
            out.push(Violation::ProjectionUnsupported);
        }
        if request.sort_by.is_some() || request.sort_order.is_some() {
            out.push(Violation::SortUnsupported);
        }
        if let Some(cursor) = &request.cursor {
            let ok = cursor
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-+=/:_".contains(&b));
            if !ok {
                out.push(Violation::CursorCharacters);
            }
        }
        if let Some(text) = &request.filter
            && let Ok(filter) = Filter::parse(text, crate::dialect::Dialect::Strict)
            && let Err(v) = self.check_filter(kind, &filter)
        {
            out.push(v);
        }
        out
    }

    /// A CreateUser/PutUser body (§1.5).
    pub fn check_user(&self, user: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        let Some(object) = user.as_object() else {
            out.push(Violation::RequiredAttribute("userName"));
            return out;
        };
        let present =
            |v: Option<&Value>| v.is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty()));
        if !present(get_ci(object, "userName")) {
            out.push(Violation::RequiredAttribute("userName"));
        }
        if !present(get_ci(object, "displayName")) {
            out.push(Violation::RequiredAttribute("displayName"));
        }
        let name = get_ci(object, "name").and_then(Value::as_object);
        if !present(name.and_then(|n| get_ci(n, "givenName"))) {
            out.push(Violation::RequiredAttribute("name.givenName"));
        }
        if !present(name.and_then(|n| get_ci(n, "familyName"))) {
            out.push(Violation::RequiredAttribute("name.familyName"));
        }
        for key in object.keys() {
            let lower = key.to_ascii_lowercase();
            if REJECTED_USER_ATTRIBUTES.contains(&lower.as_str()) || lower == "groups" {
                out.push(Violation::RejectedAttribute(key.clone()));
            }
        }
        check_user_values(object, &mut out);
        out
    }

    /// A CreateGroup body: displayName required, at most 100 members (§1.6).
    pub fn check_group(&self, group: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        let object = group.as_object();
        let name = object
            .and_then(|o| get_ci(o, "displayName"))
            .and_then(Value::as_str);
        if name.is_none_or(str::is_empty) {
            out.push(Violation::RequiredAttribute("displayName"));
        }
        let members = object
            .and_then(|o| get_ci(o, "members"))
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if members > self.max_member_changes {
            out.push(Violation::TooManyMembers(members));
        }
        out
    }

    /// A PatchUser or PatchGroup request (§1.6).
    pub fn check_patch(&self, kind: ResourceKind, patch: &PatchRequest) -> Vec<Violation> {
        let mut out = Vec::new();
        let mut user_name_ops = 0;
        let mut active_ops = 0;
        let mut member_changes = 0;
        for op in &patch.operations {
            // The attributes the operation touches, lower-cased, and whether it has a filter.
            let mut touched: Vec<(String, Option<&Filter>)> = Vec::new();
            match (&op.path, &op.value) {
                (Some(path), _) => {
                    let extension = path
                        .attr
                        .as_schema_urn()
                        .is_some_and(|u| u.eq_ignore_ascii_case(ENTERPRISE_USER))
                        || path
                            .attr
                            .urn
                            .as_deref()
                            .is_some_and(|u| u.eq_ignore_ascii_case(ENTERPRISE_USER));
                    let mut name = path.attr.name.to_ascii_lowercase();
                    if let Some(sub) = &path.attr.sub_attr
                        && extension
                        && name == "manager"
                        && sub.eq_ignore_ascii_case("displayName")
                    {
                        out.push(Violation::RejectedAttribute(
                            "manager.displayName".to_owned(),
                        ));
                    }
                    if extension {
                        name = "enterprise".to_owned();
                    }
                    touched.push((name, path.value_filter.as_ref()));
                }
                (None, Some(Value::Object(fields))) => {
                    if fields.len() > 1 {
                        out.push(Violation::PathlessMultipleAttributes);
                    }
                    for key in fields.keys() {
                        let name = if key.eq_ignore_ascii_case(ENTERPRISE_USER) {
                            "enterprise".to_owned()
                        } else {
                            key.to_ascii_lowercase()
                        };
                        touched.push((name, None));
                    }
                }
                (None, _) => {}
            }
            for (name, filter) in &touched {
                if let Some(filter) = filter
                    && !eq_only(filter)
                {
                    out.push(Violation::PatchFilterOperator);
                }
                match kind {
                    ResourceKind::Users => {
                        let allowed =
                            USER_PATCHABLE.contains(&name.as_str()) || name == "enterprise";
                        if !allowed {
                            out.push(Violation::NotModifiable(name.clone()));
                        }
                        if name == "username" {
                            user_name_ops += 1;
                        }
                        if name == "active" {
                            active_ops += 1;
                        }
                        if op.op == PatchOpKind::Remove && name == "username" {
                            out.push(Violation::ProtectedRemove("userName"));
                        }
                        if op.op == PatchOpKind::Remove && name == "active" {
                            out.push(Violation::ProtectedRemove("active"));
                        }
                    }
                    ResourceKind::Groups => {
                        if !matches!(name.as_str(), "displayname" | "members" | "externalid") {
                            out.push(Violation::NotModifiable(name.clone()));
                        }
                        if name == "members" {
                            match (op.op, filter) {
                                (PatchOpKind::Replace, _) | (PatchOpKind::Remove, None) => {
                                    out.push(Violation::ReplaceMembers);
                                }
                                (PatchOpKind::Remove, Some(f)) => member_changes += or_terms(f),
                                (PatchOpKind::Add, _) => {
                                    member_changes +=
                                        value_count(op.value.as_ref(), op.path.is_some())
                                }
                            }
                        }
                    }
                }
            }
            if kind == ResourceKind::Users
                && let Some(value) = &op.value
            {
                let wrapped;
                let fields = match (&op.path, value) {
                    (None, Value::Object(fields)) => fields,
                    (Some(path), v)
                        if path.value_filter.is_none() && path.attr.sub_attr.is_none() =>
                    {
                        let mut one = serde_json::Map::new();
                        one.insert(path.attr.name.clone(), v.clone());
                        wrapped = one;
                        &wrapped
                    }
                    _ => continue,
                };
                check_user_values(fields, &mut out);
            }
        }
        if user_name_ops > 1 {
            out.push(Violation::RepeatedAttribute("userName"));
        }
        if active_ops > 1 {
            out.push(Violation::RepeatedAttribute("active"));
        }
        if member_changes > self.max_member_changes {
            out.push(Violation::TooManyMemberChanges(member_changes));
        }
        out
    }
}

/// One value per multi-valued attribute, a primary email, roles' and display sub-attributes
/// (§1.5).
fn check_user_values(object: &serde_json::Map<String, Value>, out: &mut Vec<Violation>) {
    for (key, value) in object {
        let lower = key.to_ascii_lowercase();
        if !SINGLE_VALUED.contains(&lower.as_str()) {
            if key.eq_ignore_ascii_case(ENTERPRISE_USER) {
                let display = value
                    .get("manager")
                    .and_then(Value::as_object)
                    .is_some_and(|m| get_ci(m, "displayName").is_some());
                if display {
                    out.push(Violation::RejectedAttribute(
                        "manager.displayName".to_owned(),
                    ));
                }
            }
            continue;
        }
        let items: Vec<&Value> = match value {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        if items.len() > 1 {
            out.push(Violation::MultipleValues(key.clone()));
        }
        for item in &items {
            let Some(fields) = item.as_object() else {
                continue;
            };
            if lower != "roles" && get_ci(fields, "display").is_some() {
                out.push(Violation::RejectedAttribute(format!("{key}.display")));
            }
            if lower == "roles" {
                for sub in fields.keys() {
                    if !["value", "type", "primary"]
                        .iter()
                        .any(|s| s.eq_ignore_ascii_case(sub))
                    {
                        out.push(Violation::RejectedAttribute(format!("{key}.{sub}")));
                    }
                }
            }
            if lower == "emails" && get_ci(fields, "primary").and_then(Value::as_bool) != Some(true)
            {
                out.push(Violation::EmailNotPrimary);
            }
        }
    }
}

/// Whether a PATCH path filter is `eq` tests joined by `and`.
fn eq_only(filter: &Filter) -> bool {
    match filter {
        Filter::Attr(expr) => matches!(expr.test, AttrTest::Compare(CompareOp::Eq, _)),
        Filter::And(parts) => parts.iter().all(eq_only),
        _ => false,
    }
}

/// How many members a removal filter names: one per `or` branch.
fn or_terms(filter: &Filter) -> usize {
    match filter {
        Filter::Or(parts) => parts.len(),
        _ => 1,
    }
}

/// How many member values an add carries.
fn value_count(value: Option<&Value>, has_path: bool) -> usize {
    let value = if has_path {
        value
    } else {
        value.and_then(|v| v.get("members"))
    };
    match value {
        Some(Value::Array(items)) => items.len(),
        Some(_) => 1,
        None => 0,
    }
}
