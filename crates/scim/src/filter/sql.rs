//! Translation of a bound filter into a parameterised SQL `WHERE` clause over a column holding
//! each resource as JSON (SQLite `json_extract`/`json_each`, PostgreSQL `jsonb` operators), so a
//! store can push filters down with the results [`BoundFilter::matches`] gives.
//!
//! Every comparison value is a parameter; the SQL text holds only the column name (checked to be
//! an identifier) and attribute names from the schema. Each test is wrapped so it yields true or
//! false, never NULL, because `not` over SQL's unknown would differ from the in-memory result.
//!
//! What the store must do for results to agree: keep attribute names in their schema spelling
//! (as validation writes them), keep dateTimes valid RFC 3339, and provide the SQL function
//! [`SQL_FOLD_FUNCTION`] that case-insensitive comparisons call. The database's own `lower()` is
//! never used: SQLite's folds ASCII only and PostgreSQL's depends on the database's ctype, so
//! either would miss `Ärger` for `ärger` while the evaluator (and a store's folded unique key)
//! treat them as equal. In SQLite, register it as a deterministic UTF-8 scalar function of one
//! argument returning [`fold_case`](super::fold_case) of a text argument (and the argument
//! unchanged otherwise); in PostgreSQL (UTF8 database encoding), run the `CREATE FUNCTION` that
//! [`postgres_fold_function`] writes. A store that lacks the function gets an error from the
//! database, never wrong results. Known difference: SQLite compares dateTimes to the millisecond
//! (the evaluator to the nanosecond).

use std::fmt::Write;

use serde_json::Value;

use super::ast::CompareOp;
use super::bind::{Access, BoundFilter, Check, Node, Operand, Test};
use super::error::{FilterError, FilterErrorKind, Span};

/// The name of the SQL function case-insensitive comparisons call on the resource's text: it must
/// return [`fold_case`](super::fold_case) of its argument (see the module docs for how a store
/// provides it).
pub const SQL_FOLD_FUNCTION: &str = "fedkit_fold_case";

/// A PostgreSQL `CREATE OR REPLACE FUNCTION` statement defining [`SQL_FOLD_FUNCTION`] as the
/// same fold as [`fold_case`](super::fold_case), for a store to run at schema setup.
///
/// It is generated from [`char::to_lowercase`] over every character: `replace` for the few that
/// fold to more than one character, then one `translate` for the rest. So it is exact for the
/// Unicode version fedkit was built with and independent of the database's collation and ctype;
/// run it again after upgrading. It needs the UTF8 database encoding.
///
/// ```
/// let sql = fedkit_scim::filter::postgres_fold_function();
/// assert!(sql.starts_with("CREATE OR REPLACE FUNCTION fedkit_fold_case(text)"));
/// assert!(sql.contains('Ä') && sql.contains('ä'));
/// ```
pub fn postgres_fold_function() -> String {
    let mut from = String::new();
    let mut to = String::new();
    let mut body = String::from("$1");
    for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
        let mut lower = c.to_lowercase();
        match (lower.next(), lower.next()) {
            (Some(l), None) if l == c => {}
            (Some(l), None) => {
                from.push(c);
                to.push(l);
            }
            _ => {
                // Replaced before `translate`, whose input the replacement then is: its
                // characters are lower-case already (checked by a test), so nothing folds twice.
                body = format!("replace({body}, '{c}', '{}')", c.to_lowercase());
            }
        }
    }
    format!(
        "CREATE OR REPLACE FUNCTION {SQL_FOLD_FUNCTION}(text) RETURNS text LANGUAGE sql IMMUTABLE \
         STRICT PARALLEL SAFE AS $fedkit$ SELECT translate({body}, '{from}', '{to}') $fedkit$"
    )
}

/// The SQL dialect to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SqlDialect {
    /// SQLite 3.38+ (JSON functions built in); parameters `?1`, `?2`, …
    Sqlite,
    /// PostgreSQL 11+ over a `jsonb` column; parameters `$1`, `$2`, …
    Postgres,
}

/// A `WHERE` clause and the values of its parameters, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct SqlWhere {
    /// The condition, to follow `WHERE`.
    pub where_clause: String,
    /// Parameter values: JSON strings and numbers, bound as text and numbers.
    pub params: Vec<Value>,
}

impl BoundFilter {
    /// Writes the filter as a condition over `json_column`, which must be a plain or dotted SQL
    /// identifier (`resource`, `u.doc`).
    ///
    /// ```
    /// use fedkit_scim::{Dialect, Filter, ResourceSchema};
    /// use fedkit_scim::filter::SqlDialect;
    /// let f = Filter::parse(r#"userName eq "bjensen""#, Dialect::Strict).unwrap();
    /// let sql = f.bind(ResourceSchema::users()).unwrap().to_sql(SqlDialect::Sqlite, "doc").unwrap();
    /// assert_eq!(sql.params, vec![serde_json::json!("bjensen")]);
    /// assert!(sql.where_clause.contains("json_extract(doc, '$.\"userName\"')"));
    /// ```
    pub fn to_sql(&self, dialect: SqlDialect, json_column: &str) -> Result<SqlWhere, FilterError> {
        let identifier = json_column.split('.').all(|part| {
            part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        });
        if !identifier {
            return Err(FilterError::new(
                FilterErrorKind::InvalidColumnName(json_column.to_owned()),
                Span::default(),
            ));
        }
        let mut writer = Writer {
            dialect,
            params: Vec::new(),
            aliases: 0,
        };
        let where_clause = writer.node(&self.node, json_column)?;
        Ok(SqlWhere {
            where_clause,
            params: writer.params,
        })
    }
}

/// A JSON value the SQL can reach: a path inside a JSON document expression, or a row of
/// `json_each`/`jsonb_array_elements`.
enum Slot {
    Path { doc: String, keys: Vec<String> },
    Element { alias: String },
}

struct Writer {
    dialect: SqlDialect,
    params: Vec<Value>,
    aliases: usize,
}

fn name_ok(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':' | b'.' | b'$'))
}

impl Writer {
    fn param(&mut self, value: Value) -> String {
        self.params.push(value);
        match self.dialect {
            SqlDialect::Sqlite => format!("?{}", self.params.len()),
            SqlDialect::Postgres => format!("${}", self.params.len()),
        }
    }

    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("e{}", self.aliases)
    }

    fn node(&mut self, node: &Node, doc: &str) -> Result<String, FilterError> {
        Ok(match node {
            Node::And(items) => self.chain(items, doc, " AND ")?,
            Node::Or(items) => self.chain(items, doc, " OR ")?,
            Node::Not(inner) => format!("NOT {}", self.node(inner, doc)?),
            Node::Test(test) => self.test(test, doc)?,
            Node::ValuePath { attr, filter } => self.value_path(attr, filter, doc)?,
        })
    }

    fn chain(&mut self, items: &[Node], doc: &str, joiner: &str) -> Result<String, FilterError> {
        let mut out = String::from("(");
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(joiner);
            }
            out.push_str(&self.node(item, doc)?);
        }
        out.push(')');
        Ok(out)
    }

    fn keys(access: &Access) -> Result<Vec<String>, FilterError> {
        let keys: Vec<String> = access
            .extension
            .iter()
            .chain(Some(&access.name))
            .cloned()
            .collect();
        match keys.iter().find(|k| !name_ok(k)) {
            Some(bad) => Err(FilterError::new(
                FilterErrorKind::InvalidColumnName(bad.clone()),
                Span::default(),
            )),
            None => Ok(keys),
        }
    }

    /// The SQL expression of the JSON value in a slot, usable as a document for further paths.
    fn json(&self, slot: &Slot) -> String {
        match (self.dialect, slot) {
            (SqlDialect::Sqlite, Slot::Path { doc, keys }) => {
                format!("json_extract({doc}, '{}')", sqlite_path(keys))
            }
            (SqlDialect::Sqlite, Slot::Element { alias }) => format!("{alias}.value"),
            (SqlDialect::Postgres, Slot::Path { doc, keys }) => {
                let mut out = format!("({doc})");
                for key in keys {
                    let _ = write!(out, " -> '{key}'");
                }
                out
            }
            (SqlDialect::Postgres, Slot::Element { alias }) => format!("{alias}.v"),
        }
    }

    /// The slot's JSON type name.
    fn ty(&self, slot: &Slot) -> String {
        match (self.dialect, slot) {
            (SqlDialect::Sqlite, Slot::Path { doc, keys }) => {
                format!("json_type({doc}, '{}')", sqlite_path(keys))
            }
            (SqlDialect::Sqlite, Slot::Element { alias }) => format!("{alias}.type"),
            (SqlDialect::Postgres, _) => format!("jsonb_typeof({})", self.json(slot)),
        }
    }

    /// The slot's scalar value as SQL text or number.
    fn scalar(&self, slot: &Slot) -> String {
        match self.dialect {
            SqlDialect::Sqlite => self.json(slot),
            SqlDialect::Postgres => format!("({} #>> '{{}}')", self.json(slot)),
        }
    }

    /// Runs `inner` on each value the access names (every element of a multi-valued attribute,
    /// the sub-attribute of each if there is one), true when any passes.
    fn any_value(
        &mut self,
        access: &Access,
        doc: &str,
        inner: impl FnOnce(&mut Self, &Slot) -> Result<String, FilterError>,
    ) -> Result<String, FilterError> {
        let keys = Self::keys(access)?;
        if let Some(sub) = &access.sub
            && !name_ok(sub)
        {
            return Err(FilterError::new(
                FilterErrorKind::InvalidColumnName(sub.clone()),
                Span::default(),
            ));
        }
        let top = Slot::Path {
            doc: doc.to_owned(),
            keys,
        };
        if !access.multi_valued {
            let slot = match &access.sub {
                None => top,
                Some(sub) => match top {
                    Slot::Path { doc, mut keys } => {
                        keys.push(sub.clone());
                        Slot::Path { doc, keys }
                    }
                    element => element,
                },
            };
            return inner(self, &slot);
        }
        let alias = self.alias();
        let element = Slot::Element {
            alias: alias.clone(),
        };
        let (slot, guard) = match &access.sub {
            None => (element, None),
            Some(sub) => (
                Slot::Path {
                    doc: self.json(&element),
                    keys: vec![sub.clone()],
                },
                Some(self.ty(&element)),
            ),
        };
        let mut cond = inner(self, &slot)?;
        if let Some(guard) = guard {
            cond = self.when_object(&guard, &cond);
        }
        Ok(self.exists_each(&top, &alias, &cond))
    }

    fn when_object(&self, ty: &str, cond: &str) -> String {
        match self.dialect {
            SqlDialect::Sqlite => format!("CASE WHEN {ty} = 'object' THEN {cond} ELSE 0 END"),
            SqlDialect::Postgres => format!("CASE WHEN {ty} = 'object' THEN {cond} ELSE false END"),
        }
    }

    fn exists_each(&self, array: &Slot, alias: &str, cond: &str) -> String {
        let ty = self.ty(array);
        match (self.dialect, array) {
            (SqlDialect::Sqlite, Slot::Path { doc, keys }) => format!(
                "EXISTS (SELECT 1 FROM json_each({doc}, '{}') AS {alias} WHERE {ty} = 'array' AND {cond})",
                sqlite_path(keys)
            ),
            _ => {
                let json = self.json(array);
                let from = match self.dialect {
                    SqlDialect::Sqlite => format!("json_each({json}) AS {alias}"),
                    SqlDialect::Postgres => format!(
                        "jsonb_array_elements(CASE WHEN {ty} = 'array' THEN {json} ELSE '[]'::jsonb END) AS {alias}(v)"
                    ),
                };
                let guard = match self.dialect {
                    SqlDialect::Sqlite => format!("{ty} = 'array' AND "),
                    SqlDialect::Postgres => String::new(),
                };
                format!("EXISTS (SELECT 1 FROM {from} WHERE {guard}{cond})")
            }
        }
    }

    fn value_path(
        &mut self,
        attr: &Access,
        filter: &Node,
        doc: &str,
    ) -> Result<String, FilterError> {
        let whole = Access {
            sub: None,
            ..attr.clone()
        };
        self.any_value(&whole, doc, |w, slot| {
            let element_doc = w.json(slot);
            let ty = w.ty(slot);
            let cond = w.node(filter, &element_doc)?;
            Ok(w.when_object(&ty, &cond))
        })
    }

    fn test(&mut self, test: &Test, doc: &str) -> Result<String, FilterError> {
        let check = test.check.clone();
        let cond = self.any_value(&test.access, doc, |w, slot| Ok(w.check(&check, slot)))?;
        Ok(match self.dialect {
            SqlDialect::Sqlite => format!("COALESCE({cond}, 0)"),
            SqlDialect::Postgres => format!("COALESCE({cond}, false)"),
        })
    }

    fn check(&mut self, check: &Check, slot: &Slot) -> String {
        let ty = self.ty(slot);
        let v = self.scalar(slot);
        let sqlite = self.dialect == SqlDialect::Sqlite;
        let (op, operand) = match check {
            Check::Present => {
                let json = self.json(slot);
                return if sqlite {
                    format!(
                        "(CASE COALESCE({ty}, 'null') WHEN 'null' THEN 0 WHEN 'text' THEN {v} <> '' \
                         WHEN 'array' THEN {json} <> '[]' WHEN 'object' THEN {json} <> '{{}}' ELSE 1 END)"
                    )
                } else {
                    format!(
                        "(CASE COALESCE({ty}, 'null') WHEN 'null' THEN false WHEN 'string' THEN {v} <> '' \
                         WHEN 'array' THEN jsonb_array_length({json}) > 0 WHEN 'object' THEN {json} <> '{{}}'::jsonb \
                         ELSE true END)"
                    )
                };
            }
            Check::Assigned => {
                let json = self.json(slot);
                return if sqlite {
                    format!(
                        "(CASE COALESCE({ty}, 'null') WHEN 'null' THEN 0 WHEN 'array' THEN {json} <> '[]' ELSE 1 END)"
                    )
                } else {
                    format!(
                        "(CASE COALESCE({ty}, 'null') WHEN 'null' THEN false WHEN 'array' THEN jsonb_array_length({json}) > 0 \
                         ELSE true END)"
                    )
                };
            }
            Check::Compare(op, operand) => (*op, operand),
        };
        let sym = match op {
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            _ => "=",
        };
        let (string_ty, false_lit) = if sqlite {
            ("'text'", "0")
        } else {
            ("'string'", "false")
        };
        match operand {
            Operand::Str { text, case_exact } => {
                let p = self.param(Value::String(text.clone()));
                let p = if sqlite { p } else { format!("{p}::text") };
                let x = if *case_exact {
                    v
                } else {
                    format!("{SQL_FOLD_FUNCTION}({v})")
                };
                let body = match (op, sqlite) {
                    (CompareOp::Co, true) => format!("instr({x}, {p}) > 0"),
                    (CompareOp::Sw, true) => format!("substr({x}, 1, length({p})) = {p}"),
                    (CompareOp::Ew, true) => {
                        format!("({p} = '' OR substr({x}, -length({p})) = {p})")
                    }
                    (CompareOp::Co, false) => format!("strpos({x}, {p}) > 0"),
                    (CompareOp::Sw, false) => format!("left({x}, length({p})) = {p}"),
                    (CompareOp::Ew, false) => format!("right({x}, length({p})) = {p}"),
                    // Code-point order, as the evaluator compares (PostgreSQL's default collation
                    // would not).
                    (_, false) => format!("{x} COLLATE \"C\" {sym} {p}"),
                    (_, true) => format!("{x} {sym} {p}"),
                };
                format!("CASE WHEN {ty} = {string_ty} THEN {body} ELSE {false_lit} END")
            }
            Operand::Bool(b) => {
                if sqlite {
                    format!("{ty} = '{b}'")
                } else {
                    format!("{ty} = 'boolean' AND {} = '{b}'::jsonb", self.json(slot))
                }
            }
            Operand::Int(_) | Operand::Dec(_) => {
                let value = match operand {
                    Operand::Int(i) => Value::from(*i),
                    Operand::Dec(d) => Value::from(*d),
                    _ => Value::Null,
                };
                let p = self.param(value);
                if sqlite {
                    format!("CASE WHEN {ty} IN ('integer', 'real') THEN {v} {sym} {p} ELSE 0 END")
                } else {
                    format!(
                        "CASE WHEN {ty} = 'number' THEN {v}::numeric {sym} {p}::numeric ELSE false END"
                    )
                }
            }
            Operand::Time { text, .. } => {
                let p = self.param(Value::String(text.clone()));
                if sqlite {
                    format!(
                        "CASE WHEN {ty} = 'text' THEN julianday({v}) {sym} julianday({p}) ELSE 0 END"
                    )
                } else {
                    format!(
                        "CASE WHEN {ty} = 'string' THEN {v}::timestamptz {sym} {p}::timestamptz ELSE false END"
                    )
                }
            }
        }
    }
}

/// `$."a"."b"`: each key quoted, so the dots and colons of URNs stay inside one key.
fn sqlite_path(keys: &[String]) -> String {
    let mut out = String::from("$");
    for key in keys {
        let _ = write!(out, ".\"{key}\"");
    }
    out
}
