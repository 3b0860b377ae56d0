//! The embedded store: one SQLite file in WAL mode.
//!
//! Crash safety: WAL with `synchronous=FULL` syncs the log on every commit, so a write the
//! server acknowledged survives a SIGKILL and a power cut, and a transaction that did not
//! commit leaves nothing behind (its frames are never marked committed). NORMAL would survive
//! SIGKILL too (the OS holds the data) but may lose the last commits on power loss; a SCIM
//! write rate makes the extra fsync cheap enough.
//!
//! One connection behind a mutex: SQLite has one writer at a time anyway, and every
//! transaction starts with BEGIN IMMEDIATE, so requests are serialised and a read-modify-write
//! (PATCH with If-Match) cannot interleave with another.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use fedkit_scim::filter::{SQL_FOLD_FUNCTION, SqlDialect, fold_case};
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;
use rusqlite::{
    Connection, ErrorCode, OptionalExtension, params_from_iter, types::Value as SqlValue,
};
use serde_json::Value;

use super::{
    GroupRef, ListPage, ListQuery, ResourceKind, SortKey, Store, StoreError, Transaction,
    UniqueField, UniqueKeys, sql_key_ok, token_record,
};
use crate::identity_center::tokens::TokenRecord;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS resources (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    resource_type TEXT NOT NULL,
    doc TEXT NOT NULL,
    unique_name TEXT,
    external_id TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS resources_unique_name ON resources (resource_type, unique_name);
CREATE UNIQUE INDEX IF NOT EXISTS resources_external_id ON resources (resource_type, external_id);
CREATE TABLE IF NOT EXISTS memberships (
    group_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    PRIMARY KEY (group_id, member_id)
);
CREATE INDEX IF NOT EXISTS memberships_member ON memberships (member_id);
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace TEXT NOT NULL,
    rkey TEXT NOT NULL,
    doc TEXT NOT NULL,
    expires_at BIGINT,
    UNIQUE (namespace, rkey)
);
CREATE INDEX IF NOT EXISTS records_expiry ON records (expires_at);
";

/// A SQLite database file.
pub struct SqliteStore {
    connection: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let connection = Connection::open(path).map_err(db)?;
        Self::init(connection)
    }

    /// An in-memory database, for tests.
    pub fn in_memory() -> Result<SqliteStore, StoreError> {
        Self::init(Connection::open_in_memory().map_err(db)?)
    }

    fn init(connection: Connection) -> Result<SqliteStore, StoreError> {
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000;",
            )
            .map_err(db)?;
        // Filters fold case with this, not SQLite's ASCII-only lower(), so SQL selects what
        // in-memory evaluation and the folded unique_name say.
        connection
            .create_scalar_function(
                SQL_FOLD_FUNCTION,
                1,
                FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
                |ctx| fold_function(ctx),
            )
            .map_err(db)?;
        connection.execute_batch(SCHEMA).map_err(db)?;
        Ok(SqliteStore {
            connection: Mutex::new(connection),
        })
    }
}

impl Store for SqliteStore {
    fn begin(&self) -> Result<Box<dyn Transaction + '_>, StoreError> {
        // A panic while holding the lock leaves no open transaction (Drop rolled it back), so
        // the connection is still usable.
        let connection = self.connection.lock().unwrap_or_else(|p| p.into_inner());
        connection.execute_batch("BEGIN IMMEDIATE").map_err(db)?;
        Ok(Box::new(SqliteTransaction {
            connection,
            done: false,
        }))
    }
}

struct SqliteTransaction<'a> {
    connection: MutexGuard<'a, Connection>,
    done: bool,
}

impl Drop for SqliteTransaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.connection.execute_batch("ROLLBACK");
        }
    }
}

/// [`SQL_FOLD_FUNCTION`]: text folded with fedkit-scim's [`fold_case`], anything else unchanged.
fn fold_function(ctx: &Context<'_>) -> rusqlite::Result<SqlValue> {
    Ok(match ctx.get_raw(0) {
        ValueRef::Text(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => SqlValue::Text(fold_case(text).into_owned()),
            Err(_) => SqlValue::Blob(bytes.to_vec()),
        },
        ValueRef::Null => SqlValue::Null,
        ValueRef::Integer(i) => SqlValue::Integer(i),
        ValueRef::Real(r) => SqlValue::Real(r),
        ValueRef::Blob(b) => SqlValue::Blob(b.to_vec()),
    })
}

fn db(error: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(code, message) = &error
        && code.code == ErrorCode::ConstraintViolation
    {
        let message = message.as_deref().unwrap_or_default();
        let field = if message.contains("unique_name") {
            UniqueField::Name
        } else if message.contains("external_id") {
            UniqueField::ExternalId
        } else {
            UniqueField::Id
        };
        return StoreError::Conflict(field);
    }
    StoreError::Database(error.to_string())
}

fn parse_doc(text: &str) -> Result<Value, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn to_sql_value(value: &Value) -> SqlValue {
    match value {
        Value::String(s) => SqlValue::Text(s.clone()),
        Value::Number(n) => match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => SqlValue::Real(n.as_f64().unwrap_or(0.0)),
        },
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Null => SqlValue::Null,
        other => SqlValue::Text(other.to_string()),
    }
}

fn sort_expression(sort: &SortKey) -> Option<String> {
    if !sort.keys.iter().all(|k| sql_key_ok(k)) {
        return None;
    }
    let path: String = sort.keys.iter().map(|k| format!(".\"{k}\"")).collect();
    let value = format!("json_extract(doc, '${path}')");
    Some(if sort.fold_case {
        format!("{SQL_FOLD_FUNCTION}({value})")
    } else {
        value
    })
}

/// The WHERE clause and parameters of a list query, shared by the count and the page.
pub(crate) fn list_condition(
    kind: ResourceKind,
    query: &ListQuery<'_>,
) -> Result<(String, Vec<SqlValue>), StoreError> {
    let mut params: Vec<SqlValue> = Vec::new();
    let mut filter_clause = None;
    if let Some(filter) = query.filter {
        let sql = filter
            .to_sql(SqlDialect::Sqlite, "doc")
            .map_err(|e| StoreError::Database(e.to_string()))?;
        params.extend(sql.params.iter().map(to_sql_value));
        filter_clause = Some(sql.where_clause);
    }
    let next = |params: &mut Vec<SqlValue>, value: SqlValue| {
        params.push(value);
        format!("?{}", params.len())
    };
    let mut clause = format!(
        "resource_type = {}",
        next(&mut params, SqlValue::Text(kind.as_str().to_owned()))
    );
    if let Some(name) = &query.hints.name {
        let p = next(&mut params, SqlValue::Text(name.clone()));
        clause.push_str(&format!(" AND unique_name = {p}"));
    }
    if let Some(external_id) = &query.hints.external_id {
        let p = next(&mut params, SqlValue::Text(external_id.clone()));
        clause.push_str(&format!(" AND external_id = {p}"));
    }
    if let Some(id) = &query.id_hint {
        let p = next(&mut params, SqlValue::Text(id.clone()));
        clause.push_str(&format!(" AND id = {p}"));
    }
    for group in &query.member_of {
        let p = next(&mut params, SqlValue::Text(group.clone()));
        clause.push_str(&format!(
            " AND id IN (SELECT member_id FROM memberships WHERE group_id = {p})"
        ));
    }
    if let Some(seq) = query.after_seq {
        let p = next(&mut params, SqlValue::Integer(seq));
        clause.push_str(&format!(" AND seq > {p}"));
    }
    if let Some(filter) = filter_clause {
        clause.push_str(&format!(" AND ({filter})"));
    }
    Ok((clause, params))
}

/// The full page query.
pub(crate) fn list_sql(
    kind: ResourceKind,
    query: &ListQuery<'_>,
) -> Result<(String, Vec<SqlValue>), StoreError> {
    let (clause, mut params) = list_condition(kind, query)?;
    let order = match &query.sort {
        Some(sort) => {
            let expr = sort_expression(sort)
                .ok_or_else(|| StoreError::Database("sort key is not an attribute name".into()))?;
            let direction = if sort.descending { "DESC" } else { "ASC" };
            // Resources without a value sort last either way (RFC 7644 §3.4.2.3).
            format!("({expr}) IS NULL, {expr} {direction}, seq")
        }
        None => "seq".to_owned(),
    };
    params.push(SqlValue::Integer(
        i64::try_from(query.limit).unwrap_or(i64::MAX),
    ));
    let limit = params.len();
    params.push(SqlValue::Integer(
        i64::try_from(query.offset).unwrap_or(i64::MAX),
    ));
    let offset = params.len();
    Ok((
        format!(
            "SELECT seq, doc FROM resources WHERE {clause} ORDER BY {order} LIMIT ?{limit} OFFSET ?{offset}"
        ),
        params,
    ))
}

impl Transaction for SqliteTransaction<'_> {
    fn get(&mut self, kind: ResourceKind, id: &str) -> Result<Option<Value>, StoreError> {
        let text: Option<String> = self
            .connection
            .query_row(
                "SELECT doc FROM resources WHERE id = ?1 AND resource_type = ?2",
                (id, kind.as_str()),
                |row| row.get(0),
            )
            .optional()
            .map_err(db)?;
        text.as_deref().map(parse_doc).transpose()
    }

    fn insert(
        &mut self,
        kind: ResourceKind,
        id: &str,
        doc: &Value,
        keys: &UniqueKeys,
    ) -> Result<(), StoreError> {
        self.connection
            .execute(
                "INSERT INTO resources (id, resource_type, doc, unique_name, external_id) VALUES (?1, ?2, ?3, ?4, ?5)",
                (id, kind.as_str(), doc.to_string(), &keys.name, &keys.external_id),
            )
            .map_err(db)?;
        Ok(())
    }

    fn update(
        &mut self,
        kind: ResourceKind,
        id: &str,
        doc: &Value,
        keys: &UniqueKeys,
    ) -> Result<bool, StoreError> {
        let n = self
            .connection
            .execute(
                "UPDATE resources SET doc = ?3, unique_name = ?4, external_id = ?5 WHERE id = ?1 AND resource_type = ?2",
                (id, kind.as_str(), doc.to_string(), &keys.name, &keys.external_id),
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    fn delete(&mut self, kind: ResourceKind, id: &str) -> Result<bool, StoreError> {
        let n = self
            .connection
            .execute(
                "DELETE FROM resources WHERE id = ?1 AND resource_type = ?2",
                (id, kind.as_str()),
            )
            .map_err(db)?;
        self.connection
            .execute(
                "DELETE FROM memberships WHERE group_id = ?1 OR member_id = ?1",
                [id],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    fn list(&mut self, kind: ResourceKind, query: &ListQuery<'_>) -> Result<ListPage, StoreError> {
        let (clause, params) = list_condition(kind, query)?;
        let total: i64 = self
            .connection
            .query_row(
                &format!("SELECT count(*) FROM resources WHERE {clause}"),
                params_from_iter(params.iter()),
                |row| row.get(0),
            )
            .map_err(db)?;
        let mut rows = Vec::new();
        if query.limit > 0 {
            let (sql, params) = list_sql(kind, query)?;
            let mut statement = self.connection.prepare(&sql).map_err(db)?;
            let mut cursor = statement
                .query(params_from_iter(params.iter()))
                .map_err(db)?;
            while let Some(row) = cursor.next().map_err(db)? {
                let seq: i64 = row.get(0).map_err(db)?;
                let text: String = row.get(1).map_err(db)?;
                rows.push((seq, parse_doc(&text)?));
            }
        }
        Ok(ListPage {
            total: u64::try_from(total).unwrap_or(0),
            rows,
        })
    }

    fn existing(&mut self, ids: &[String]) -> Result<Vec<String>, StoreError> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT id FROM resources WHERE id = ?1")
            .map_err(db)?;
        let mut found = Vec::new();
        for id in ids {
            if let Some(id) = statement
                .query_row([id], |row| row.get::<_, String>(0))
                .optional()
                .map_err(db)?
            {
                found.push(id);
            }
        }
        Ok(found)
    }

    fn set_members(&mut self, group_id: &str, member_ids: &[String]) -> Result<(), StoreError> {
        self.connection
            .execute("DELETE FROM memberships WHERE group_id = ?1", [group_id])
            .map_err(db)?;
        let mut statement = self
            .connection
            .prepare_cached(
                "INSERT OR IGNORE INTO memberships (group_id, member_id) VALUES (?1, ?2)",
            )
            .map_err(db)?;
        for member in member_ids {
            statement.execute((group_id, member)).map_err(db)?;
        }
        Ok(())
    }

    fn groups_of(&mut self, member_id: &str) -> Result<Vec<GroupRef>, StoreError> {
        let mut statement = self
            .connection
            .prepare_cached(
                "SELECT m.group_id, json_extract(r.doc, '$.displayName') FROM memberships m \
                 JOIN resources r ON r.id = m.group_id WHERE m.member_id = ?1 ORDER BY r.seq",
            )
            .map_err(db)?;
        let rows = statement
            .query_map([member_id], |row| {
                Ok(GroupRef {
                    id: row.get(0)?,
                    display: row.get(1)?,
                })
            })
            .map_err(db)?;
        rows.collect::<Result<_, _>>().map_err(db)
    }

    fn insert_token(&mut self, record: &TokenRecord, hash: &str) -> Result<(), StoreError> {
        self.connection
            .execute(
                "INSERT INTO tokens (id, kind, hash, created) VALUES (?1, ?2, ?3, ?4)",
                (&record.id, record.kind.as_str(), hash, &record.created),
            )
            .map_err(db)?;
        Ok(())
    }

    fn find_token(&mut self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        let row: Option<(String, String, String)> = self
            .connection
            .query_row(
                "SELECT id, kind, created FROM tokens WHERE hash = ?1",
                [hash],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()
            .map_err(db)?;
        row.map(|(id, kind, created)| token_record(id, &kind, created))
            .transpose()
    }

    fn list_tokens(&mut self) -> Result<Vec<TokenRecord>, StoreError> {
        let mut statement = self
            .connection
            .prepare("SELECT id, kind, created FROM tokens ORDER BY created, id")
            .map_err(db)?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })
            .map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, kind, created) = row.map_err(db)?;
            out.push(token_record(id, &kind, created)?);
        }
        Ok(out)
    }

    fn revoke_token(&mut self, id: &str) -> Result<bool, StoreError> {
        let n = self
            .connection
            .execute("DELETE FROM tokens WHERE id = ?1", [id])
            .map_err(db)?;
        Ok(n == 1)
    }

    fn record_get(
        &mut self,
        namespace: &str,
        key: &str,
        now: i64,
    ) -> Result<Option<Value>, StoreError> {
        let text: Option<String> = self
            .connection
            .query_row(
                "SELECT doc FROM records WHERE namespace = ?1 AND rkey = ?2 AND (expires_at IS NULL OR expires_at > ?3)",
                (namespace, key, now),
                |row| row.get(0),
            )
            .optional()
            .map_err(db)?;
        text.as_deref().map(parse_doc).transpose()
    }

    fn record_put(
        &mut self,
        namespace: &str,
        key: &str,
        doc: &Value,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError> {
        self.connection
            .execute(
                "INSERT INTO records (namespace, rkey, doc, expires_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (namespace, rkey) DO UPDATE SET doc = excluded.doc, expires_at = excluded.expires_at",
                (namespace, key, doc.to_string(), expires_at),
            )
            .map_err(db)?;
        Ok(())
    }

    fn record_insert_new(
        &mut self,
        namespace: &str,
        key: &str,
        doc: &Value,
        expires_at: Option<i64>,
        now: i64,
    ) -> Result<bool, StoreError> {
        // An expired row with the key is taken over; a live one makes the upsert a no-op.
        let changed = self
            .connection
            .execute(
                "INSERT INTO records (namespace, rkey, doc, expires_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (namespace, rkey) DO UPDATE SET doc = excluded.doc, expires_at = excluded.expires_at \
                 WHERE records.expires_at IS NOT NULL AND records.expires_at <= ?5",
                (namespace, key, doc.to_string(), expires_at, now),
            )
            .map_err(db)?;
        Ok(changed == 1)
    }

    fn record_delete(&mut self, namespace: &str, key: &str) -> Result<bool, StoreError> {
        let n = self
            .connection
            .execute(
                "DELETE FROM records WHERE namespace = ?1 AND rkey = ?2",
                (namespace, key),
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    fn record_list(
        &mut self,
        namespace: &str,
        now: i64,
    ) -> Result<Vec<(String, Value)>, StoreError> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT rkey, doc FROM records WHERE namespace = ?1 AND (expires_at IS NULL OR expires_at > ?2) ORDER BY seq",
            )
            .map_err(db)?;
        let rows = statement
            .query_map((namespace, now), |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            let (key, text) = row.map_err(db)?;
            out.push((key, parse_doc(&text)?));
        }
        Ok(out)
    }

    fn record_purge_expired(&mut self, now: i64) -> Result<u64, StoreError> {
        let n = self
            .connection
            .execute(
                "DELETE FROM records WHERE expires_at IS NOT NULL AND expires_at <= ?1",
                [now],
            )
            .map_err(db)?;
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }

    fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        self.connection.execute_batch("COMMIT").map_err(db)?;
        self.done = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fedkit_scim::{Dialect, Filter, ResourceSchema};

    fn plan(store: &SqliteStore, filter_text: &str, hints: UniqueKeys) -> String {
        let filter = Filter::parse(filter_text, Dialect::Strict).expect("filter");
        let bound = filter.bind(ResourceSchema::users()).expect("bind");
        let query = ListQuery {
            filter: Some(&bound),
            hints,
            id_hint: None,
            member_of: Vec::new(),
            sort: None,
            offset: 0,
            after_seq: None,
            limit: 10,
        };
        let (sql, params) = list_sql(ResourceKind::User, &query).expect("sql");
        let connection = store.connection.lock().expect("lock");
        let mut statement = connection
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("explain");
        let rows = statement
            .query_map(params_from_iter(params.iter()), |row| {
                row.get::<_, String>(3)
            })
            .expect("plan");
        rows.map(|r| r.expect("row")).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn indexed_username_eq_uses_the_unique_index() {
        let store = SqliteStore::in_memory().expect("store");
        let hinted = plan(
            &store,
            r#"userName eq "bjensen""#,
            UniqueKeys {
                name: Some("bjensen".into()),
                external_id: None,
            },
        );
        assert!(
            hinted.contains("USING INDEX resources_unique_name"),
            "{hinted}"
        );
        assert!(!hinted.contains("SCAN resources"), "{hinted}");
        // Without the hint the translated filter alone scans: the reason the hint exists.
        let unhinted = plan(&store, r#"userName eq "bjensen""#, UniqueKeys::default());
        assert!(!unhinted.contains("resources_unique_name"), "{unhinted}");
    }
}
