//! identity-center, part 1: the SCIM 2.0 service. A thin composition of fedkit-scim over HTTP
//! (axum) and a store (SQLite by default, or PostgreSQL).
//!
//! `identity-center` serves; `identity-center token new|list|revoke` manages bearer tokens.

mod api_error;
mod aws_profile;
mod bulk;
pub mod cli;
pub mod config;
mod discovery;
pub mod http;
mod list;
mod projection;
mod resources;
pub mod scim_api;
pub mod store;
pub mod tokens;

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{SecondsFormat, Utc};
use clap::Parser;

pub use api_error::ApiError;
use cli::{Cli, Command, DialectArg, ProfileArg, TokenAction};
use config::{Profile, ServiceConfig};
use scim_api::ScimService;
use store::{Store, StoreError};
use tokens::{MAX_SCIM_TOKENS, TokenKind, TokenRecord};

/// Why the program stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The store could not be opened or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Files, sockets, the RNG.
    #[error("{0}")]
    Io(String),
    /// A bad argument.
    #[error("{0}")]
    Usage(String),
}

fn open_store(cli: &Cli) -> Result<Box<dyn Store>, RunError> {
    let url = match &cli.database {
        Some(url) => url.clone(),
        None => {
            std::fs::create_dir_all(&cli.data)
                .map_err(|e| RunError::Io(format!("cannot create {}: {e}", cli.data.display())))?;
            format!(
                "sqlite://{}",
                cli.data.join("identity-center.sqlite3").display()
            )
        }
    };
    Ok(store::open(&url)?)
}

/// Stores a new token and returns its secret; refuses a third SCIM token.
pub fn new_token(store: &dyn Store, kind: TokenKind) -> Result<(TokenRecord, String), RunError> {
    let mut tx = store.begin()?;
    let scim_tokens = tx
        .list_tokens()?
        .into_iter()
        .filter(|t| t.kind == TokenKind::Scim)
        .count();
    if kind == TokenKind::Scim && scim_tokens >= MAX_SCIM_TOKENS {
        return Err(RunError::Usage(format!(
            "at most {MAX_SCIM_TOKENS} SCIM tokens at a time: revoke one first"
        )));
    }
    let token = tokens::generate().map_err(|e| RunError::Io(format!("OS RNG: {e}")))?;
    let record = TokenRecord {
        id: token.id,
        kind,
        created: Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true),
    };
    tx.insert_token(&record, &tokens::hash(&token.secret))?;
    tx.commit()?;
    Ok((record, token.secret))
}

fn token_command(cli: &Cli, action: &TokenAction) -> Result<(), RunError> {
    let store = open_store(cli)?;
    match action {
        TokenAction::New { kind } => {
            let kind = TokenKind::parse(kind)
                .ok_or_else(|| RunError::Usage(format!("--kind {kind:?}: want scim or admin")))?;
            let (record, secret) = new_token(store.as_ref(), kind)?;
            eprintln!(
                "token {} ({}) created; it is shown only now",
                record.id,
                kind.as_str()
            );
            println!("{secret}");
        }
        TokenAction::List => {
            let mut tx = store.begin()?;
            for t in tx.list_tokens()? {
                println!("{}\t{}\t{}", t.id, t.kind.as_str(), t.created);
            }
        }
        TokenAction::Revoke { id } => {
            let mut tx = store.begin()?;
            if !tx.revoke_token(id)? {
                return Err(RunError::Usage(format!("no token {id}")));
            }
            tx.commit()?;
            eprintln!("token {id} revoked");
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

fn serve(cli: &Cli) -> Result<(), RunError> {
    let store = open_store(cli)?;
    // The sync PostgreSQL client must not run on the async runtime's threads, so the first
    // token is made before the runtime starts.
    let has_scim_token = {
        let mut tx = store.begin()?;
        tx.list_tokens()?.iter().any(|t| t.kind == TokenKind::Scim)
    };
    if !has_scim_token {
        // Printed as soon as it is stored: only its hash is kept, so a start that then fails
        // (the port is taken, say) must not lose the one chance to show it.
        let (record, secret) = new_token(store.as_ref(), TokenKind::Scim)?;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "SCIM token {} (shown once): {secret}", record.id);
        let _ = out.flush();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| RunError::Io(format!("runtime: {e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&cli.listen)
            .await
            .map_err(|e| RunError::Io(format!("cannot listen on {}: {e}", cli.listen)))?;
        let local = listener
            .local_addr()
            .map_err(|e| RunError::Io(e.to_string()))?;
        let base_url = cli
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{local}{}", http::SCIM_PREFIX))
            .trim_end_matches('/')
            .to_owned();
        let profile = match cli.scim_profile {
            ProfileArg::Full => Profile::Full,
            ProfileArg::Aws => Profile::Aws,
        };
        let dialect = match cli.idp_dialect {
            DialectArg::Strict => fedkit_scim::Dialect::Strict,
            DialectArg::Lenient => fedkit_scim::Dialect::Lenient,
        };
        let mut config = ServiceConfig::new(base_url.clone(), profile, dialect);
        config.max_body_bytes = cli.max_body_bytes;
        let service = Arc::new(ScimService::new(store, config));
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "SCIM base URL: {base_url}");
        let _ = out.flush();
        drop(out);
        axum::serve(listener, http::router(service))
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(|e| RunError::Io(format!("server: {e}")))
    })
}

/// The program.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(Command::Token { action }) => token_command(&cli, action),
        None => serve(&cli),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("identity-center: {error}");
            ExitCode::FAILURE
        }
    }
}
