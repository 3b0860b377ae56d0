//! The shared store: PostgreSQL, so several identity-center instances can serve one directory.
//! Same tables and behaviour as the SQLite store; the document column is `jsonb`. PATCH and PUT
//! read their row `FOR UPDATE`, so concurrent writers to one resource queue on the row lock and
//! the second sees the first's version (412 with If-Match).

use std::sync::{Mutex, MutexGuard};

use fedkit_scim::filter::{SQL_FOLD_FUNCTION, SqlDialect, postgres_fold_function};
use postgres::error::SqlState;
use postgres::types::{ToSql, Type};
use postgres::{Client, NoTls};
use serde_json::Value;

use super::{
    GroupRef, ListPage, ListQuery, ResourceKind, SortKey, Store, StoreError, Transaction,
    UniqueField, UniqueKeys, sql_key_ok, token_record,
};
use crate::identity_center::tokens::TokenRecord;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS resources (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    resource_type TEXT NOT NULL,
    doc JSONB NOT NULL,
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
    seq BIGSERIAL PRIMARY KEY,
    namespace TEXT NOT NULL,
    rkey TEXT NOT NULL,
    doc JSONB NOT NULL,
    expires_at BIGINT,
    UNIQUE (namespace, rkey)
);
CREATE INDEX IF NOT EXISTS records_expiry ON records (expires_at);
";

/// How many connections the store keeps open.
const POOL_SIZE: usize = 4;

/// A PostgreSQL database.
pub struct PostgresStore {
    clients: Vec<Mutex<Client>>,
}

impl PostgresStore {
    /// Connects (plain TCP: loopback or a trusted network) and creates the tables if needed.
    pub fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let mut clients = Vec::with_capacity(POOL_SIZE);
        for _ in 0..POOL_SIZE {
            clients.push(Client::connect(url, NoTls).map_err(db)?);
        }
        if let Some(first) = clients.first_mut() {
            // Serialise schema creation between instances starting at once.
            first
                // The fold function filters call (fedkit-scim's fold, not the database's
                // ctype-dependent lower()), replaced each start so it follows the library.
                .batch_execute(&format!(
                    "BEGIN; SELECT pg_advisory_xact_lock(7644); {SCHEMA} {}; COMMIT;",
                    postgres_fold_function()
                ))
                .map_err(db)?;
        }
        Ok(PostgresStore {
            clients: clients.into_iter().map(Mutex::new).collect(),
        })
    }

    fn client(&self) -> Result<MutexGuard<'_, Client>, StoreError> {
        for client in &self.clients {
            if let Ok(guard) = client.try_lock() {
                return Ok(guard);
            }
        }
        // All busy: wait for the first (requests are short).
        let first = self
            .clients
            .first()
            .ok_or_else(|| StoreError::Database("no PostgreSQL connection".into()))?;
        Ok(first.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Store for PostgresStore {
    fn begin(&self) -> Result<Box<dyn Transaction + '_>, StoreError> {
        let mut client = self.client()?;
        client.batch_execute("BEGIN").map_err(db)?;
        Ok(Box::new(PostgresTransaction {
            client,
            done: false,
        }))
    }
}

struct PostgresTransaction<'a> {
    client: MutexGuard<'a, Client>,
    done: bool,
}

impl Drop for PostgresTransaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.client.batch_execute("ROLLBACK");
        }
    }
}

fn db(error: postgres::Error) -> StoreError {
    if error.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        let constraint = error
            .as_db_error()
            .and_then(|e| e.constraint())
            .unwrap_or_default();
        let field = if constraint.contains("unique_name") {
            UniqueField::Name
        } else if constraint.contains("external_id") {
            UniqueField::ExternalId
        } else {
            UniqueField::Id
        };
        return StoreError::Conflict(field);
    }
    StoreError::Database(error.to_string())
}

/// A parameter of a list query: filter values go in as text (the filter SQL casts them), the
/// rest as the column types.
enum Param {
    Text(String),
    Int(i64),
}

impl Param {
    fn sql_type(&self) -> Type {
        match self {
            Param::Text(_) => Type::TEXT,
            Param::Int(_) => Type::INT8,
        }
    }
    fn as_sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Param::Text(s) => s,
            Param::Int(i) => i,
        }
    }
}

fn json_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn sort_expression(sort: &SortKey) -> Option<String> {
    if !sort.keys.iter().all(|k| sql_key_ok(k) && !k.contains('\'')) {
        return None;
    }
    let (last, parents) = sort.keys.split_last()?;
    let mut expr = String::from("doc");
    for key in parents {
        expr.push_str(&format!(" -> '{key}'"));
    }
    expr.push_str(&format!(" ->> '{last}'"));
    Some(if sort.fold_case {
        format!("{SQL_FOLD_FUNCTION}({expr})")
    } else {
        format!("({expr})")
    })
}

fn list_condition(
    kind: ResourceKind,
    query: &ListQuery<'_>,
) -> Result<(String, Vec<Param>), StoreError> {
    let mut params = Vec::new();
    let mut filter_clause = None;
    if let Some(filter) = query.filter {
        let sql = filter
            .to_sql(SqlDialect::Postgres, "doc")
            .map_err(|e| StoreError::Database(e.to_string()))?;
        params.extend(sql.params.iter().map(|v| Param::Text(json_text(v))));
        filter_clause = Some(sql.where_clause);
    }
    let next = |params: &mut Vec<Param>, value: Param| {
        params.push(value);
        format!("${}", params.len())
    };
    let mut clause = format!(
        "resource_type = {}",
        next(&mut params, Param::Text(kind.as_str().to_owned()))
    );
    if let Some(name) = &query.hints.name {
        let p = next(&mut params, Param::Text(name.clone()));
        clause.push_str(&format!(" AND unique_name = {p}"));
    }
    if let Some(external_id) = &query.hints.external_id {
        let p = next(&mut params, Param::Text(external_id.clone()));
        clause.push_str(&format!(" AND external_id = {p}"));
    }
    if let Some(id) = &query.id_hint {
        let p = next(&mut params, Param::Text(id.clone()));
        clause.push_str(&format!(" AND id = {p}"));
    }
    for group in &query.member_of {
        let p = next(&mut params, Param::Text(group.clone()));
        clause.push_str(&format!(
            " AND id IN (SELECT member_id FROM memberships WHERE group_id = {p})"
        ));
    }
    if let Some(seq) = query.after_seq {
        let p = next(&mut params, Param::Int(seq));
        clause.push_str(&format!(" AND seq > {p}"));
    }
    if let Some(filter) = filter_clause {
        clause.push_str(&format!(" AND ({filter})"));
    }
    Ok((clause, params))
}

impl PostgresTransaction<'_> {
    fn query_params(
        &mut self,
        sql: &str,
        params: &[Param],
    ) -> Result<Vec<postgres::Row>, StoreError> {
        let types: Vec<Type> = params.iter().map(Param::sql_type).collect();
        let statement = self.client.prepare_typed(sql, &types).map_err(db)?;
        let values: Vec<&(dyn ToSql + Sync)> = params.iter().map(Param::as_sql).collect();
        self.client.query(&statement, &values).map_err(db)
    }
}

impl Transaction for PostgresTransaction<'_> {
    fn get(&mut self, kind: ResourceKind, id: &str) -> Result<Option<Value>, StoreError> {
        let row = self
            .client
            .query_opt(
                "SELECT doc FROM resources WHERE id = $1 AND resource_type = $2 FOR UPDATE",
                &[&id, &kind.as_str()],
            )
            .map_err(db)?;
        row.map(|r| r.try_get::<_, Value>(0).map_err(db))
            .transpose()
    }

    fn insert(
        &mut self,
        kind: ResourceKind,
        id: &str,
        doc: &Value,
        keys: &UniqueKeys,
    ) -> Result<(), StoreError> {
        self.client
            .execute(
                "INSERT INTO resources (id, resource_type, doc, unique_name, external_id) VALUES ($1, $2, $3, $4, $5)",
                &[&id, &kind.as_str(), doc, &keys.name, &keys.external_id],
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
            .client
            .execute(
                "UPDATE resources SET doc = $3, unique_name = $4, external_id = $5 WHERE id = $1 AND resource_type = $2",
                &[&id, &kind.as_str(), doc, &keys.name, &keys.external_id],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    fn delete(&mut self, kind: ResourceKind, id: &str) -> Result<bool, StoreError> {
        let n = self
            .client
            .execute(
                "DELETE FROM resources WHERE id = $1 AND resource_type = $2",
                &[&id, &kind.as_str()],
            )
            .map_err(db)?;
        self.client
            .execute(
                "DELETE FROM memberships WHERE group_id = $1 OR member_id = $1",
                &[&id],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    fn list(&mut self, kind: ResourceKind, query: &ListQuery<'_>) -> Result<ListPage, StoreError> {
        let (clause, mut params) = list_condition(kind, query)?;
        let total_rows = self.query_params(
            &format!("SELECT count(*) FROM resources WHERE {clause}"),
            &params,
        )?;
        let total: i64 = match total_rows.first() {
            Some(row) => row.try_get(0).map_err(db)?,
            None => 0,
        };
        let mut rows = Vec::new();
        if query.limit > 0 {
            let order = match &query.sort {
                Some(sort) => {
                    let expr = sort_expression(sort).ok_or_else(|| {
                        StoreError::Database("sort key is not an attribute name".into())
                    })?;
                    let direction = if sort.descending { "DESC" } else { "ASC" };
                    format!("{expr} COLLATE \"C\" {direction} NULLS LAST, seq")
                }
                None => "seq".to_owned(),
            };
            params.push(Param::Int(i64::try_from(query.limit).unwrap_or(i64::MAX)));
            let limit = params.len();
            params.push(Param::Int(i64::try_from(query.offset).unwrap_or(i64::MAX)));
            let offset = params.len();
            let sql = format!(
                "SELECT seq, doc FROM resources WHERE {clause} ORDER BY {order} LIMIT ${limit} OFFSET ${offset}"
            );
            for row in self.query_params(&sql, &params)? {
                rows.push((row.try_get(0).map_err(db)?, row.try_get(1).map_err(db)?));
            }
        }
        Ok(ListPage {
            total: u64::try_from(total).unwrap_or(0),
            rows,
        })
    }

    fn existing(&mut self, ids: &[String]) -> Result<Vec<String>, StoreError> {
        let rows = self
            .client
            .query("SELECT id FROM resources WHERE id = ANY($1)", &[&ids])
            .map_err(db)?;
        rows.iter().map(|r| r.try_get(0).map_err(db)).collect()
    }

    fn set_members(&mut self, group_id: &str, member_ids: &[String]) -> Result<(), StoreError> {
        self.client
            .execute("DELETE FROM memberships WHERE group_id = $1", &[&group_id])
            .map_err(db)?;
        self.client
            .execute(
                "INSERT INTO memberships (group_id, member_id) SELECT $1, m FROM unnest($2::text[]) AS m ON CONFLICT DO NOTHING",
                &[&group_id, &member_ids],
            )
            .map_err(db)?;
        Ok(())
    }

    fn groups_of(&mut self, member_id: &str) -> Result<Vec<GroupRef>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT m.group_id, r.doc ->> 'displayName' FROM memberships m \
                 JOIN resources r ON r.id = m.group_id WHERE m.member_id = $1 ORDER BY r.seq",
                &[&member_id],
            )
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(GroupRef {
                    id: r.try_get(0).map_err(db)?,
                    display: r.try_get(1).map_err(db)?,
                })
            })
            .collect()
    }

    fn insert_token(&mut self, record: &TokenRecord, hash: &str) -> Result<(), StoreError> {
        self.client
            .execute(
                "INSERT INTO tokens (id, kind, hash, created) VALUES ($1, $2, $3, $4)",
                &[&record.id, &record.kind.as_str(), &hash, &record.created],
            )
            .map_err(db)?;
        Ok(())
    }

    fn find_token(&mut self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        let row = self
            .client
            .query_opt(
                "SELECT id, kind, created FROM tokens WHERE hash = $1",
                &[&hash],
            )
            .map_err(db)?;
        match row {
            None => Ok(None),
            Some(r) => token_record(
                r.try_get(0).map_err(db)?,
                r.try_get::<_, String>(1).map_err(db)?.as_str(),
                r.try_get(2).map_err(db)?,
            )
            .map(Some),
        }
    }

    fn list_tokens(&mut self) -> Result<Vec<TokenRecord>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT id, kind, created FROM tokens ORDER BY created, id",
                &[],
            )
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                token_record(
                    r.try_get(0).map_err(db)?,
                    r.try_get::<_, String>(1).map_err(db)?.as_str(),
                    r.try_get(2).map_err(db)?,
                )
            })
            .collect()
    }

    fn revoke_token(&mut self, id: &str) -> Result<bool, StoreError> {
        let n = self
            .client
            .execute("DELETE FROM tokens WHERE id = $1", &[&id])
            .map_err(db)?;
        Ok(n == 1)
    }

    fn record_get(
        &mut self,
        namespace: &str,
        key: &str,
        now: i64,
    ) -> Result<Option<Value>, StoreError> {
        let row = self
            .client
            .query_opt(
                "SELECT doc FROM records WHERE namespace = $1 AND rkey = $2 AND (expires_at IS NULL OR expires_at > $3) FOR UPDATE",
                &[&namespace, &key, &now],
            )
            .map_err(db)?;
        row.map(|r| r.try_get::<_, Value>(0).map_err(db))
            .transpose()
    }

    fn record_put(
        &mut self,
        namespace: &str,
        key: &str,
        doc: &Value,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError> {
        self.client
            .execute(
                "INSERT INTO records (namespace, rkey, doc, expires_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (namespace, rkey) DO UPDATE SET doc = excluded.doc, expires_at = excluded.expires_at",
                &[&namespace, &key, doc, &expires_at],
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
        // The unique index decides between concurrent inserts: the loser's upsert waits for the
        // winner's commit, then sees its live row and changes nothing.
        let changed = self
            .client
            .execute(
                "INSERT INTO records (namespace, rkey, doc, expires_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (namespace, rkey) DO UPDATE SET doc = excluded.doc, expires_at = excluded.expires_at \
                 WHERE records.expires_at IS NOT NULL AND records.expires_at <= $5",
                &[&namespace, &key, doc, &expires_at, &now],
            )
            .map_err(db)?;
        Ok(changed == 1)
    }

    fn record_delete(&mut self, namespace: &str, key: &str) -> Result<bool, StoreError> {
        let n = self
            .client
            .execute(
                "DELETE FROM records WHERE namespace = $1 AND rkey = $2",
                &[&namespace, &key],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    fn record_list(
        &mut self,
        namespace: &str,
        now: i64,
    ) -> Result<Vec<(String, Value)>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT rkey, doc FROM records WHERE namespace = $1 AND (expires_at IS NULL OR expires_at > $2) ORDER BY seq",
                &[&namespace, &now],
            )
            .map_err(db)?;
        rows.iter()
            .map(|r| Ok((r.try_get(0).map_err(db)?, r.try_get(1).map_err(db)?)))
            .collect()
    }

    fn record_purge_expired(&mut self, now: i64) -> Result<u64, StoreError> {
        self.client
            .execute(
                "DELETE FROM records WHERE expires_at IS NOT NULL AND expires_at <= $1",
                &[&now],
            )
            .map_err(db)
    }

    fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        self.client.batch_execute("COMMIT").map_err(db)?;
        self.done = true;
        Ok(())
    }
}
