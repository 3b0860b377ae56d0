//! Where identity-center keeps resources and tokens. One [`Transaction`] per request: every
//! read and write of a request goes through it, and nothing is visible to others until
//! [`Transaction::commit`]; dropping it rolls back, so a failed PATCH or a crash changes nothing.
//!
//! Uniqueness (case-insensitive `userName`, `externalId` per resource type, and for the AWS
//! profile a group's `displayName`) is enforced by unique indexes inside the transaction, not
//! by a read before the write, so two clients racing for one name cannot both win.

mod postgres;
mod sqlite;

use fedkit_scim::BoundFilter;
use serde_json::Value;

use crate::identity_center::tokens::{TokenKind, TokenRecord};

pub use self::postgres::PostgresStore;
pub use self::sqlite::SqliteStore;

/// The two resource types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// `/Users`.
    User,
    /// `/Groups`.
    Group,
}

impl ResourceKind {
    /// The name stored in the `resource_type` column and in `meta.resourceType`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::User => "User",
            ResourceKind::Group => "Group",
        }
    }
}

/// The columns a unique index covers, computed from the document by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UniqueKeys {
    /// Lower-cased userName (users) or displayName (groups, AWS profile only).
    pub name: Option<String>,
    /// externalId, case-exact.
    pub external_id: Option<String>,
}

/// Which unique index a write collided with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueField {
    /// userName / displayName.
    Name,
    /// externalId.
    ExternalId,
    /// id (a generated id collided; practically never).
    Id,
}

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique index refused the write.
    #[error("uniqueness violated on {0:?}")]
    Conflict(UniqueField),
    /// The database failed (I/O, lock timeout, lost connection).
    #[error("database: {0}")]
    Database(String),
    /// A stored document is not JSON (a corrupted row).
    #[error("stored document is not JSON: {0}")]
    Corrupt(String),
    /// The URL names no store this program has.
    #[error("unsupported database URL {0:?} (want sqlite://PATH or postgres://…)")]
    UnsupportedUrl(String),
}

/// How a list query orders its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    /// JSON keys from the document root to the value (schema spelling, e.g. `name`,
    /// `familyName`); checked to be attribute names before they reach SQL.
    pub keys: Vec<String>,
    /// Compare lower-cased (caseExact false).
    pub fold_case: bool,
    /// Descending order.
    pub descending: bool,
}

/// A list query. Rows come in the order of `sort`, then of insertion.
pub struct ListQuery<'a> {
    /// The filter, pushed down as SQL.
    pub filter: Option<&'a BoundFilter>,
    /// Indexed columns the filter implies, so the database can use its indexes.
    pub hints: UniqueKeys,
    /// A required `id` the filter implies.
    pub id_hint: Option<String>,
    /// Groups the resource must be a direct member of (`groups.value eq …`, answered from the
    /// membership index because `groups` is derived, not stored in the document).
    pub member_of: Vec<String>,
    /// Sort order.
    pub sort: Option<SortKey>,
    /// Rows to skip (index pagination).
    pub offset: u64,
    /// Only rows inserted after this sequence number (cursor pagination).
    pub after_seq: Option<i64>,
    /// The most rows to return.
    pub limit: u64,
}

/// One page of a list query.
pub struct ListPage {
    /// How many rows match in all.
    pub total: u64,
    /// The rows of this page: sequence number and document.
    pub rows: Vec<(i64, Value)>,
}

/// A group a member belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRef {
    /// The group's id.
    pub id: String,
    /// The group's displayName.
    pub display: Option<String>,
}

/// A store: opens transactions.
pub trait Store: Send + Sync {
    /// Starts a read-write transaction. SQLite takes the write lock at once (BEGIN IMMEDIATE)
    /// so that a read-modify-write cannot be overtaken.
    fn begin(&self) -> Result<Box<dyn Transaction + '_>, StoreError>;
}

/// One transaction. Dropping it without [`Transaction::commit`] rolls back.
pub trait Transaction {
    /// A resource document, locked for the rest of the transaction.
    fn get(&mut self, kind: ResourceKind, id: &str) -> Result<Option<Value>, StoreError>;
    /// Inserts a new resource.
    fn insert(
        &mut self,
        kind: ResourceKind,
        id: &str,
        doc: &Value,
        keys: &UniqueKeys,
    ) -> Result<(), StoreError>;
    /// Replaces a resource's document; false when there is no such resource.
    fn update(
        &mut self,
        kind: ResourceKind,
        id: &str,
        doc: &Value,
        keys: &UniqueKeys,
    ) -> Result<bool, StoreError>;
    /// Deletes a resource and its memberships; false when there is no such resource.
    fn delete(&mut self, kind: ResourceKind, id: &str) -> Result<bool, StoreError>;
    /// Lists resources.
    fn list(&mut self, kind: ResourceKind, query: &ListQuery<'_>) -> Result<ListPage, StoreError>;
    /// Which of `ids` exist as resources (of either type), for member references.
    fn existing(&mut self, ids: &[String]) -> Result<Vec<String>, StoreError>;
    /// Sets a group's membership index to exactly `member_ids`.
    fn set_members(&mut self, group_id: &str, member_ids: &[String]) -> Result<(), StoreError>;
    /// The groups a resource is a direct member of.
    fn groups_of(&mut self, member_id: &str) -> Result<Vec<GroupRef>, StoreError>;
    /// Stores a token hash.
    fn insert_token(&mut self, record: &TokenRecord, hash: &str) -> Result<(), StoreError>;
    /// The token with this hash.
    fn find_token(&mut self, hash: &str) -> Result<Option<TokenRecord>, StoreError>;
    /// All tokens, oldest first.
    fn list_tokens(&mut self) -> Result<Vec<TokenRecord>, StoreError>;
    /// Deletes a token; false when there is none with that id.
    fn revoke_token(&mut self, id: &str) -> Result<bool, StoreError>;
    /// A record of `namespace` (applications, certificates, sessions, …) that has not expired at
    /// `now` (Unix seconds), locked for the rest of the transaction.
    fn record_get(
        &mut self,
        namespace: &str,
        key: &str,
        now: i64,
    ) -> Result<Option<Value>, StoreError>;
    /// Inserts or replaces a record; `expires_at` (Unix seconds) makes it vanish after then.
    fn record_put(
        &mut self,
        namespace: &str,
        key: &str,
        doc: &Value,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError>;
    /// Inserts a record unless one that has not expired at `now` exists: one atomic
    /// check-and-insert (a replay cache, a one-time request ID), so two instances on one
    /// database cannot both win. True when this call inserted it.
    fn record_insert_new(
        &mut self,
        namespace: &str,
        key: &str,
        doc: &Value,
        expires_at: Option<i64>,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// Deletes a record; false when there was none.
    fn record_delete(&mut self, namespace: &str, key: &str) -> Result<bool, StoreError>;
    /// The records of `namespace` not expired at `now`, oldest first.
    fn record_list(
        &mut self,
        namespace: &str,
        now: i64,
    ) -> Result<Vec<(String, Value)>, StoreError>;
    /// Deletes every record expired at `now`; returns how many.
    fn record_purge_expired(&mut self, now: i64) -> Result<u64, StoreError>;
    /// Makes the transaction's writes durable and visible.
    fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// Opens the store a `--database` URL names: `sqlite://PATH` or `postgres://…`.
pub fn open(url: &str) -> Result<Box<dyn Store>, StoreError> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        return Ok(Box::new(SqliteStore::open(std::path::Path::new(path))?));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Box::new(PostgresStore::connect(url)?));
    }
    Err(StoreError::UnsupportedUrl(url.to_owned()))
}

/// Whether a JSON key may be written into SQL text (attribute names from the schema only).
pub(crate) fn sql_key_ok(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':' | b'.' | b'$'))
}

pub(crate) fn token_record(
    id: String,
    kind: &str,
    created: String,
) -> Result<TokenRecord, StoreError> {
    let kind = TokenKind::parse(kind)
        .ok_or_else(|| StoreError::Corrupt(format!("token kind {kind:?}")))?;
    Ok(TokenRecord { id, kind, created })
}
