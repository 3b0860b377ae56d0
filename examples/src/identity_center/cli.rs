//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// identity-center: a SCIM 2.0 service in the shape of AWS IAM Identity Center.
#[derive(Debug, Parser)]
#[command(name = "identity-center", version)]
pub struct Cli {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Data directory; the SQLite database is `DIR/identity-center.sqlite3`.
    #[arg(long, global = true, default_value = "./fedkit-data")]
    pub data: PathBuf,
    /// Store URL, `sqlite://PATH` or `postgres://…`; overrides --data.
    #[arg(long, global = true)]
    pub database: Option<String>,
    /// The public SCIM base URL for meta.location behind a proxy (default http://LISTEN/scim/v2).
    #[arg(long)]
    pub base_url: Option<String>,
    /// The public origin of the portal and SAML endpoints behind a proxy
    /// (default http://LISTEN); https makes cookies Secure.
    #[arg(long)]
    pub public_url: Option<String>,
    /// Delegate sign-in to this SAML IdP (its metadata XML): identity-center is then an SP to
    /// it and matches the emailAddress NameID to a provisioned user, as AWS does with Okta or
    /// Entra ID. Without it, users sign in with passwords of the built-in directory.
    #[arg(long)]
    pub external_idp_metadata: Option<PathBuf>,
    /// full: RFC 7643/7644; aws: as AWS IAM Identity Center's SCIM endpoint.
    #[arg(long, value_enum, default_value_t = ProfileArg::Full)]
    pub scim_profile: ProfileArg,
    /// strict: RFC 7644 only; lenient: also the PATCH, POST/PUT and filter dialects Entra ID
    /// and Okta send (capitalised ops, "True" strings, dotted and URN keys, remove-with-value).
    #[arg(long, value_enum, default_value_t = DialectArg::Strict)]
    pub idp_dialect: DialectArg,
    /// Largest request body in bytes.
    #[arg(long, default_value_t = 1 << 20)]
    pub max_body_bytes: usize,
    /// A subcommand; none serves.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The SCIM profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileArg {
    /// RFC 7643/7644 in full.
    Full,
    /// AWS IAM Identity Center.
    Aws,
}

/// The IdP dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    /// RFC 7644 only.
    Strict,
    /// RFC 7644 and what IdPs send.
    Lenient,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Bearer tokens.
    Token {
        /// What to do.
        #[command(subcommand)]
        action: TokenAction,
    },
    /// The console's administrator.
    Admin {
        /// What to do.
        #[command(subcommand)]
        action: AdminAction,
    },
}

/// Administrator subcommands.
#[derive(Debug, Subcommand)]
pub enum AdminAction {
    /// Set the first administrator's console password (argon2id), read from the first line of
    /// stdin or of --password-file; refused when an administrator exists, unless --force.
    Init {
        /// The administrator's sign-in name.
        #[arg(long, default_value = "admin")]
        name: String,
        /// A file whose first line is the password (instead of stdin).
        #[arg(long)]
        password_file: Option<PathBuf>,
        /// Replace the existing administrator.
        #[arg(long)]
        force: bool,
    },
}

/// Token subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Print a new token on stdout (only its hash is stored).
    New {
        /// scim (provisioning, at most two) or admin.
        #[arg(long, default_value = "scim")]
        kind: String,
    },
    /// List tokens (ids, kinds, dates; never secrets).
    List,
    /// Revoke a token by id.
    Revoke {
        /// The id `token list` shows.
        id: String,
    },
}
