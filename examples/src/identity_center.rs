//! identity-center: the SCIM 2.0 service (fedkit-scim), a SAML 2.0 identity provider for
//! registered applications (fedkit-saml, fedkit-certs) and the access portal, over HTTP (axum)
//! and a store (SQLite by default, or PostgreSQL).
//!
//! `identity-center` serves; `identity-center token new|list|revoke` manages bearer tokens;
//! `identity-center admin init` sets the console administrator's password.

pub mod admin_api;
pub mod admin_directory;
mod api_error;
pub mod apps;
mod aws_profile;
mod bulk;
pub mod cli;
pub mod config;
pub mod console;
mod discovery;
pub mod html;
pub mod http;
mod list;
pub mod mapping;
pub mod origin;
pub mod passwords;
pub mod portal;
mod projection;
mod resources;
pub mod saml_idp;
pub mod scim_api;
pub mod session;
pub mod store;
pub mod token_usage;
pub mod tokens;
pub mod web;

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
                // As the console's list: SCIM authentication records a use at most once a
                // minute; "never" when none was recorded.
                let last_used = token_usage::last_used(tx.as_mut(), &t.id)?
                    .and_then(|at| chrono::DateTime::<Utc>::from_timestamp(at, 0))
                    .map_or_else(
                        || "never".to_owned(),
                        |at| at.to_rfc3339_opts(SecondsFormat::Secs, true),
                    );
                println!("{}\t{}\t{}\t{last_used}", t.id, t.kind.as_str(), t.created);
            }
        }
        TokenAction::Revoke { id } => {
            let mut tx = store.begin()?;
            if !tx.revoke_token(id)? {
                return Err(RunError::Usage(format!("no token {id}")));
            }
            token_usage::forget(tx.as_mut(), id)?;
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
    let external_idp = match &cli.external_idp_metadata {
        Some(path) => Some(read_external_idp(path)?),
        None => None,
    };
    // Bound before the first token is made, so that a start that fails for a taken port or a
    // bad flag leaves the first-start token to the start that works.
    let listener = std::net::TcpListener::bind(&cli.listen)
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .map_err(|e| RunError::Io(format!("cannot listen on {}: {e}", cli.listen)))?;
    // The sync PostgreSQL client must not run on the async runtime's threads, so the first
    // token is made before the runtime starts.
    let has_scim_token = {
        let mut tx = store.begin()?;
        tx.list_tokens()?.iter().any(|t| t.kind == TokenKind::Scim)
    };
    if !has_scim_token {
        // Printed as soon as it is stored: only its hash is kept, so a start that then fails
        // must not lose the one chance to show it.
        let (record, secret) = new_token(store.as_ref(), TokenKind::Scim)?;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "SCIM token {} (shown once): {secret}", record.id);
        let _ = out.flush();
    }
    let cookie_key = web::cookie_key(store.as_ref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| RunError::Io(format!("runtime: {e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::from_std(listener)
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
        let mut web_config = web::WebConfig::new(
            cli.public_url
                .as_deref()
                .unwrap_or(&format!("http://{local}")),
        );
        web_config.external_idp = external_idp;
        let state = Arc::new(web::AppState {
            scim: service,
            config: web_config,
            cookie_key,
        });
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "SCIM base URL: {base_url}");
        let _ = writeln!(out, "Portal URL: {}/", state.config.public_url);
        let _ = out.flush();
        drop(out);
        // The client address feeds the portal's per-client login throttle.
        tokio::spawn(purge_expired_records(Arc::clone(&state)));
        axum::serve(
            listener,
            web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| RunError::Io(format!("server: {e}")))
    })
}

/// Every ten minutes, deletes the records that have expired (sessions, throttle counters,
/// replay-cache entries, one-time request IDs): they are already invisible to every read, so
/// this only reclaims space. A failure is reported and retried next time.
async fn purge_expired_records(state: Arc<web::AppState>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        let worker = Arc::clone(&state);
        let purged = tokio::task::spawn_blocking(move || {
            let mut tx = worker.store().begin()?;
            let n = tx.record_purge_expired(Utc::now().timestamp())?;
            tx.commit()?;
            Ok::<u64, StoreError>(n)
        })
        .await;
        if let Ok(Err(error)) = purged {
            eprintln!("identity-center: purging expired records: {error}");
        }
    }
}

/// The IdP entity of an `--external-idp-metadata` file: the one entity with an
/// IDPSSODescriptor.
fn read_external_idp(path: &std::path::Path) -> Result<fedkit_saml::EntityDescriptor, RunError> {
    let xml = std::fs::read(path)
        .map_err(|e| RunError::Io(format!("cannot read {}: {e}", path.display())))?;
    let entities = fedkit_saml::EntityDescriptor::parse(&xml, &fedkit_xml::Limits::default())
        .map_err(|e| RunError::Usage(format!("{}: {e}", path.display())))?;
    let mut idps = entities.into_iter().filter(|e| e.idp.is_some());
    match (idps.next(), idps.next()) {
        (Some(idp), None) => Ok(idp),
        (None, _) => Err(RunError::Usage(format!(
            "{}: no IDPSSODescriptor",
            path.display()
        ))),
        (Some(_), Some(_)) => Err(RunError::Usage(format!(
            "{}: more than one IdP entity",
            path.display()
        ))),
    }
}

/// The program.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(Command::Token { action }) => token_command(&cli, action),
        Some(Command::Admin { action }) => open_store(&cli)
            .and_then(|store| console::admin_account::command(store.as_ref(), action)),
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
