//! `scim-filter`: SCIM 2.0 filters on the command line, for people and for other tools' tests.
//!
//! ```text
//! scim-filter parse [--dialect strict|lenient] 'FILTER'
//! scim-filter eval  --resource-type users|groups --input FILE [--dialect …] 'FILTER'
//! scim-filter sql   --engine sqlite|postgres --resource-type users|groups [--column NAME] 'FILTER'
//! scim-filter patch --resource-type users|groups --input RESOURCE.json [--dialect …] < PATCHOP.json
//! ```
//!
//! `patch` applies the PatchOp on stdin to the resource (RFC 7644 §3.5.2, all or nothing) and
//! prints the result; `--dialect lenient` first runs the IdP-dialect normaliser and reports each
//! rewrite on stderr.
//!
//! Success: exit 0 and the result on stdout (canonical text; a JSON array of the matching `id`s
//! in input order; `{"where_clause", "params"}`). A rejected input: exit 1 and a SCIM Error JSON
//! on stdout. A usage error (bad arguments, unreadable file): exit 2 and a message on stderr.
//! Each subcommand is one `run_*` function from parsed arguments to a result or a [`ScimError`].

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use fedkit_scim::filter::SqlDialect;
use fedkit_scim::{Dialect, Filter, FilterError, ResourceSchema, ScimError, ScimType};
use serde_json::{Value, json};

#[derive(Parser)]
#[command(
    name = "scim-filter",
    about = "Parse, evaluate and translate SCIM 2.0 filters (RFC 7644 §3.4.2.2)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the filter's canonical text.
    Parse {
        #[arg(long, value_enum, default_value_t = DialectArg::Strict)]
        dialect: DialectArg,
        /// The filter.
        filter: String,
    },
    /// Print the ids of the resources in FILE (a JSON array or a ListResponse) that match.
    Eval {
        #[arg(long, value_enum)]
        resource_type: ResourceTypeArg,
        /// A JSON array of resources, or a ListResponse.
        #[arg(long)]
        input: std::path::PathBuf,
        #[arg(long, value_enum, default_value_t = DialectArg::Strict)]
        dialect: DialectArg,
        /// The filter.
        filter: String,
    },
    /// Print a parameterised WHERE clause over a JSON column, and its parameters.
    Sql {
        #[arg(long, value_enum)]
        engine: EngineArg,
        #[arg(long, value_enum)]
        resource_type: ResourceTypeArg,
        /// The column holding each resource as JSON (SQLite text, PostgreSQL jsonb).
        #[arg(long, default_value = "resource")]
        column: String,
        #[arg(long, value_enum, default_value_t = DialectArg::Strict)]
        dialect: DialectArg,
        /// The filter.
        filter: String,
    },
    /// Apply the PatchOp on stdin to the resource in RESOURCE.json; print the result.
    Patch {
        #[arg(long, value_enum)]
        resource_type: ResourceTypeArg,
        /// The resource to patch, as JSON.
        #[arg(long)]
        input: std::path::PathBuf,
        #[arg(long, value_enum, default_value_t = DialectArg::Strict)]
        dialect: DialectArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum DialectArg {
    Strict,
    Lenient,
}

impl From<DialectArg> for Dialect {
    fn from(d: DialectArg) -> Dialect {
        match d {
            DialectArg::Strict => Dialect::Strict,
            DialectArg::Lenient => Dialect::Lenient,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum ResourceTypeArg {
    Users,
    Groups,
}

impl ResourceTypeArg {
    fn schema(self) -> &'static ResourceSchema {
        match self {
            ResourceTypeArg::Users => ResourceSchema::users(),
            ResourceTypeArg::Groups => ResourceSchema::groups(),
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum EngineArg {
    Sqlite,
    Postgres,
}

/// Why a run did not produce a result.
enum Failure {
    /// The input was rejected: exit 1 with this SCIM error on stdout.
    Rejected(ScimError),
    /// The command could not run as asked: exit 2 with this message on stderr.
    Usage(String),
}

fn invalid_filter(e: FilterError, text: &str) -> Failure {
    Failure::Rejected(ScimError::bad_request(
        ScimType::InvalidFilter,
        e.with_source(text).to_string(),
    ))
}

fn bound(
    text: &str,
    dialect: DialectArg,
    resource_type: ResourceTypeArg,
) -> Result<fedkit_scim::BoundFilter, Failure> {
    Filter::parse(text, dialect.into())
        .and_then(|f| f.bind(resource_type.schema()))
        .map_err(|e| invalid_filter(e, text))
}

/// Reads a JSON file; unreadable is a usage error, unparsable a rejection (invalidSyntax).
fn read_json(path: &std::path::Path) -> Result<Value, Failure> {
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Failure::Rejected(ScimError::bad_request(
            ScimType::InvalidSyntax,
            format!("{}: {e}", path.display()),
        ))
    })
}

fn run_parse(dialect: DialectArg, filter: &str) -> Result<String, Failure> {
    Filter::parse(filter, dialect.into())
        .map(|f| f.to_string())
        .map_err(|e| invalid_filter(e, filter))
}

fn run_eval(
    resource_type: ResourceTypeArg,
    input: &std::path::Path,
    dialect: DialectArg,
    filter: &str,
) -> Result<String, Failure> {
    let bound = bound(filter, dialect, resource_type)?;
    let resources = match read_json(input)? {
        Value::Array(items) => items,
        Value::Object(mut list)
            if list.contains_key("Resources") || list.contains_key("totalResults") =>
        {
            match list.remove("Resources") {
                Some(Value::Array(items)) => items,
                None => Vec::new(),
                Some(_) => return Err(not_resources("Resources is not an array")),
            }
        }
        _ => {
            return Err(not_resources(
                "expected a JSON array of resources or a ListResponse",
            ));
        }
    };
    let mut ids = Vec::new();
    for resource in &resources {
        let matched = bound
            .matches(resource)
            .map_err(|_| not_resources("every resource must be a JSON object"))?;
        if matched {
            ids.push(resource.get("id").cloned().unwrap_or(Value::Null));
        }
    }
    Ok(Value::Array(ids).to_string())
}

fn not_resources(detail: &str) -> Failure {
    Failure::Rejected(ScimError::bad_request(ScimType::InvalidSyntax, detail))
}

fn run_sql(
    engine: EngineArg,
    resource_type: ResourceTypeArg,
    column: &str,
    dialect: DialectArg,
    filter: &str,
) -> Result<String, Failure> {
    let engine = match engine {
        EngineArg::Sqlite => SqlDialect::Sqlite,
        EngineArg::Postgres => SqlDialect::Postgres,
    };
    let sql = bound(filter, dialect, resource_type)?
        .to_sql(engine, column)
        .map_err(|e| Failure::Usage(format!("--column: {e}")))?;
    Ok(json!({ "where_clause": sql.where_clause, "params": sql.params }).to_string())
}

fn run_patch(
    resource_type: ResourceTypeArg,
    input: &std::path::Path,
    dialect: DialectArg,
) -> Result<String, Failure> {
    use fedkit_scim::patch::{PatchOptions, PatchRequest};
    use std::io::Read;
    let resource = read_json(input)?;
    let mut stdin = Vec::new();
    std::io::stdin()
        .read_to_end(&mut stdin)
        .map_err(|e| Failure::Usage(format!("cannot read stdin: {e}")))?;
    let body: Value = serde_json::from_slice(&stdin).map_err(|e| {
        Failure::Rejected(ScimError::bad_request(
            ScimType::InvalidSyntax,
            format!("stdin: {e}"),
        ))
    })?;
    let schema = resource_type.schema();
    let body = match dialect {
        DialectArg::Strict => body,
        DialectArg::Lenient => {
            let normalized = fedkit_scim::normalize::normalize_patch(&body, schema);
            for rewrite in &normalized.rewrites {
                eprintln!(
                    "scim-filter: operation {}: {}: {}",
                    rewrite.operation,
                    rewrite.kind.code(),
                    rewrite.detail
                );
            }
            normalized.body
        }
    };
    let options = PatchOptions {
        dialect: dialect.into(),
        ..PatchOptions::default()
    };
    let outcome = PatchRequest::parse(&body, &options)
        .and_then(|request| request.apply(&resource, schema, &options))
        .map_err(|e| Failure::Rejected(e.to_scim_error()))?;
    Ok(outcome.resource.to_string())
}

fn main() -> ExitCode {
    // clap prints usage errors to stderr and exits with 2 itself.
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Parse { dialect, filter } => run_parse(*dialect, filter),
        Command::Eval {
            resource_type,
            input,
            dialect,
            filter,
        } => run_eval(*resource_type, input, *dialect, filter),
        Command::Sql {
            engine,
            resource_type,
            column,
            dialect,
            filter,
        } => run_sql(*engine, *resource_type, column, *dialect, filter),
        Command::Patch {
            resource_type,
            input,
            dialect,
        } => run_patch(*resource_type, input, *dialect),
    };
    match result {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(Failure::Rejected(error)) => {
            println!("{}", error.to_json());
            ExitCode::from(1)
        }
        Err(Failure::Usage(message)) => {
            eprintln!("scim-filter: {message}");
            ExitCode::from(2)
        }
    }
}
