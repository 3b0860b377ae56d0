//! `saml-sp verify`: check a SAML Response against IdP metadata and print the verified
//! assertion as JSON, or a stable error code. `saml-sp serve`: a demo SP web application
//! (`fedkit_examples::saml_sp`).
//!
//! `verify` exits 0 with `{issuer, name_id, …}` on success, 1 with
//! `{"error": {"code", "message"}}` on a rejection, 2 on a usage error. The system clock is read
//! here (`--now` overrides it), never inside the library.

use chrono::{DateTime, TimeDelta, Utc};
use clap::{Parser, Subcommand};
use fedkit_examples::saml_sp::ServeArgs;
use fedkit_saml::{
    EntityDescriptor, InMemoryReplayCache, InMemoryRequestTracker, ServiceProvider,
    ValidationOptions, VerifiedAssertion, decode_post,
};
use fedkit_xml::Limits;
use serde_json::{Map, Value, json};
use std::io::Read as _;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "saml-sp",
    about = "A SAML 2.0 service provider for the command line"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify a SAML Response (raw XML or the base64 a browser posts).
    Verify(VerifyArgs),
    /// Serve a demo SP web application: sign in over SAML, see the verified NameID and
    /// attributes, sign out (single logout).
    Serve(Box<ServeArgs>),
}

#[derive(Parser)]
struct VerifyArgs {
    /// The IdP's metadata (its entityID is the expected issuer, its signing keys are trusted).
    #[arg(long)]
    idp_metadata: String,
    /// This SP's entity ID (the expected Audience).
    #[arg(long)]
    sp_entity_id: String,
    /// This SP's ACS URL (the expected Destination and Recipient).
    #[arg(long)]
    acs_url: String,
    /// The AuthnRequest ID the response must answer.
    #[arg(long)]
    request_id: Option<String>,
    /// Accept unsolicited (IdP-initiated) responses.
    #[arg(long)]
    allow_idp_initiated: bool,
    /// The time to validate at (RFC 3339); default: the system clock.
    #[arg(long)]
    now: Option<String>,
    /// Allowed clock skew in seconds.
    #[arg(long, default_value_t = 60)]
    skew: u32,
    /// Private key (PEM) to decrypt an EncryptedAssertion (AES-GCM content, RSA-OAEP key).
    #[arg(long)]
    decrypt_key: Option<String>,
    /// Also decrypt AES-CBC content, for an IdP that cannot encrypt with AES-GCM. Weaker: CBC is
    /// malleable and its padding is a decryption oracle (Jager-Somorovsky 2011); off by default.
    #[arg(long)]
    allow_aes_cbc: bool,
    /// Read the response from this file instead of stdin.
    #[arg(long)]
    input: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Verify(args) => verify(&args),
        Command::Serve(args) => fedkit_examples::saml_sp::serve(&args),
    }
}

fn usage(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("saml-sp: {message}");
    ExitCode::from(2)
}

fn verify(args: &VerifyArgs) -> ExitCode {
    let metadata = match std::fs::read(&args.idp_metadata) {
        Ok(bytes) => bytes,
        Err(e) => return usage(format!("{}: {e}", args.idp_metadata)),
    };
    let entities = match EntityDescriptor::parse(&metadata, &Limits::default()) {
        Ok(entities) => entities,
        Err(e) => return usage(format!("{}: {e} ({})", args.idp_metadata, e.code())),
    };
    let Some(idp) = entities.iter().find(|e| e.idp.is_some()) else {
        return usage(format!("{}: no IDPSSODescriptor", args.idp_metadata));
    };
    let trust = match idp.idp_signing_trust() {
        Ok(trust) if !trust.is_empty() => trust,
        Ok(_) => return usage(format!("{}: no signing certificate", args.idp_metadata)),
        Err(e) => return usage(format!("{}: {e}", args.idp_metadata)),
    };
    let now: DateTime<Utc> = match &args.now {
        Some(text) => match DateTime::parse_from_rfc3339(text) {
            Ok(t) => t.with_timezone(&Utc),
            Err(e) => return usage(format!("--now {text}: {e}")),
        },
        None => Utc::now(),
    };
    let decryption_key = match &args.decrypt_key {
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|pem| fedkit_certs::PrivateKey::from_pem(&pem).map_err(|e| e.to_string()))
        {
            Ok(key) => Some(key),
            Err(e) => return usage(format!("--decrypt-key {path}: {e}")),
        },
        None => None,
    };
    let mut input = Vec::new();
    let read = match &args.input {
        Some(path) => std::fs::read(path).map(|bytes| input = bytes),
        None => std::io::stdin().read_to_end(&mut input).map(|_| ()),
    };
    if let Err(e) = read {
        return usage(format!("reading the response: {e}"));
    }

    let options = ValidationOptions {
        clock_skew: TimeDelta::seconds(i64::from(args.skew)),
        allow_unsolicited: args.allow_idp_initiated,
        ..ValidationOptions::default()
    };
    let mut sp = ServiceProvider::new(&args.sp_entity_id, &args.acs_url, &idp.entity_id, trust)
        .with_options(options);
    if let Some(key) = decryption_key {
        sp = sp.with_decryption_key(key);
    }
    if args.allow_aes_cbc {
        sp = sp.with_decrypt_policy(fedkit_saml::DecryptPolicy::default().legacy_aes_cbc());
    }
    let mut tracker = InMemoryRequestTracker::new();
    if let Some(id) = &args.request_id {
        tracker.track(id.clone(), now + TimeDelta::days(1));
    }
    let mut replay = InMemoryReplayCache::new();

    let trimmed = input.trim_ascii();
    let outcome = if trimmed.starts_with(b"<") {
        sp.validate_xml(trimmed, now, &mut tracker, &mut replay)
    } else {
        match std::str::from_utf8(trimmed) {
            Ok(text) => decode_post(text, sp.options().max_message_bytes)
                .and_then(|xml| sp.validate_xml(&xml, now, &mut tracker, &mut replay)),
            Err(_) => Err(fedkit_saml::Error::Base64Invalid),
        }
    };
    match outcome {
        Ok(verified) => {
            println!("{}", to_json(&verified));
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!(
                "{}",
                json!({"error": {"code": e.code(), "message": e.to_string()}})
            );
            ExitCode::from(1)
        }
    }
}

fn to_json(v: &VerifiedAssertion) -> Value {
    let mut attributes = Map::new();
    for attribute in v.attributes() {
        let entry = attributes
            .entry(attribute.name.clone())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(values) = entry {
            values.extend(
                attribute
                    .values
                    .iter()
                    .map(|v| Value::String(v.text.clone())),
            );
        }
    }
    json!({
        "issuer": v.issuer(),
        "name_id": v.name_id().value,
        "name_id_format": v.name_id().format,
        "session_index": v.session_index(),
        "audience": v.audience(),
        "not_on_or_after": v.not_on_or_after().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        "attributes": attributes,
    })
}
