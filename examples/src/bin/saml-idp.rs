//! `saml-idp issue`: a signed SAML Response for an SP; `saml-idp metadata`: IdP metadata.
//!
//! The OS random source and the system clock are read here (`--now` overrides the clock),
//! never inside the library.

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use fedkit_certs::{Certificate, PrivateKey, SigningCredential, default_provider};
use fedkit_saml::names::{
    BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, NAMEID_EMAIL, NAMEID_UNSPECIFIED,
};
use fedkit_saml::{
    Attribute, AttributeValue, Endpoint, EntityDescriptor, IdentityProvider, KeyDescriptor, KeyUse,
    NameId, ResponseParams, RoleDescriptor, SignatureScope, encode_post,
};
use fedkit_xml::Limits;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "saml-idp",
    about = "A SAML 2.0 identity provider for tests and demos"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Issue a signed Response.
    Issue(Box<IssueArgs>),
    /// Print IdP metadata.
    Metadata(MetadataArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum Sign {
    Assertion,
    Response,
    Both,
}

#[derive(Parser)]
struct IssueArgs {
    /// The signing key (PEM, PKCS#8 or PKCS#1).
    #[arg(long)]
    key: String,
    /// The signing certificate (PEM).
    #[arg(long)]
    cert: String,
    /// This IdP's entity ID (the Issuer).
    #[arg(long)]
    idp_entity_id: String,
    /// The SP's metadata: its entityID is the Audience, its HTTP-POST ACS the Destination.
    #[arg(long, conflicts_with_all = ["acs_url", "audience"], required_unless_present_all = ["acs_url", "audience"])]
    sp_metadata: Option<String>,
    /// The SP's ACS URL (Destination and Recipient).
    #[arg(long, requires = "audience")]
    acs_url: Option<String>,
    /// The SP's entity ID (Audience).
    #[arg(long, requires = "acs_url")]
    audience: Option<String>,
    /// The subject's NameID.
    #[arg(long)]
    name_id: String,
    /// The NameID Format URI.
    #[arg(long, default_value = NAMEID_UNSPECIFIED)]
    name_id_format: String,
    /// An attribute, NAME=VALUE; repeat a name for several values.
    #[arg(long = "attr")]
    attributes: Vec<String>,
    /// The AuthnRequest ID this answers (none: IdP-initiated).
    #[arg(long)]
    in_response_to: Option<String>,
    /// What to sign.
    #[arg(long, value_enum, default_value = "assertion")]
    sign: Sign,
    /// Encrypt the assertion to this certificate (PEM).
    #[arg(long)]
    encrypt_to: Option<String>,
    /// The issue instant (RFC 3339); default: the system clock.
    #[arg(long)]
    now: Option<String>,
    /// Print the base64 an HTTP-POST form carries instead of XML.
    #[arg(long)]
    base64: bool,
}

#[derive(Parser)]
struct MetadataArgs {
    /// The signing certificate (PEM).
    #[arg(long)]
    cert: String,
    /// This IdP's entity ID.
    #[arg(long)]
    idp_entity_id: String,
    /// The SingleSignOnService URL (HTTP-Redirect and HTTP-POST).
    #[arg(long)]
    sso_url: String,
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Issue(args) => issue(&args),
        Command::Metadata(args) => metadata(&args),
    };
    match result {
        Ok(output) => {
            println!("{output}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("saml-idp: {message}");
            ExitCode::from(2)
        }
    }
}

fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))
}

fn certificate(path: &str) -> Result<Certificate, String> {
    Certificate::parse(read(path)?).map_err(|e| format!("{path}: {e}"))
}

fn issue(args: &IssueArgs) -> Result<String, String> {
    let key = PrivateKey::from_pem(&read(&args.key)?).map_err(|e| format!("{}: {e}", args.key))?;
    let credential = SigningCredential::new(key, certificate(&args.cert)?)
        .map_err(|e| format!("key and certificate: {e}"))?;
    let idp = IdentityProvider::new(&args.idp_entity_id, &credential, default_provider())
        .map_err(|e| e.to_string())?;
    let (acs_url, audience) = match (&args.sp_metadata, &args.acs_url, &args.audience) {
        (Some(path), _, _) => sp_endpoint(path)?,
        (None, Some(acs), Some(audience)) => (acs.clone(), audience.clone()),
        _ => return Err("give --sp-metadata or both --acs-url and --audience".to_owned()),
    };
    let now: DateTime<Utc> = match &args.now {
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map_err(|e| format!("--now {text}: {e}"))?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let mut params = ResponseParams::new(
        acs_url,
        audience,
        NameId::new(&args.name_id, &args.name_id_format),
    );
    params.in_response_to = args.in_response_to.clone();
    if let Some(path) = &args.encrypt_to {
        params.encrypt_to = Some(certificate(path)?);
    }
    params.scope = match args.sign {
        Sign::Assertion => SignatureScope::Assertion,
        Sign::Response => SignatureScope::Response,
        Sign::Both => SignatureScope::Both,
    };
    for pair in &args.attributes {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("--attr {pair}: expected NAME=VALUE"))?;
        match params.attributes.iter_mut().find(|a| a.name == name) {
            Some(attribute) => attribute.values.push(AttributeValue::string(value)),
            None => params.attributes.push(Attribute::strings(name, [value])),
        }
    }
    let mut rng = getrandom::rand_core::UnwrapErr(getrandom::SysRng);
    let xml = idp
        .response(&params, now, &mut rng)
        .map_err(|e| format!("{e} ({})", e.code()))?;
    Ok(if args.base64 { encode_post(&xml) } else { xml })
}

/// The SP's entity ID and its HTTP-POST ACS (the default one, else the lowest index).
fn sp_endpoint(path: &str) -> Result<(String, String), String> {
    let entities = EntityDescriptor::parse(read(path)?.as_bytes(), &Limits::default())
        .map_err(|e| format!("{path}: {e} ({})", e.code()))?;
    let (entity, role) = entities
        .iter()
        .find_map(|e| e.sp.as_ref().map(|sp| (e, sp)))
        .ok_or_else(|| format!("{path}: no SPSSODescriptor"))?;
    let mut acs: Vec<&Endpoint> = role
        .services
        .iter()
        .filter(|e| e.binding == BINDING_HTTP_POST)
        .collect();
    acs.sort_by_key(|e| (!e.is_default, e.index.unwrap_or(u16::MAX)));
    let endpoint = acs
        .first()
        .ok_or_else(|| format!("{path}: no HTTP-POST AssertionConsumerService"))?;
    Ok((endpoint.location.clone(), entity.entity_id.clone()))
}

fn metadata(args: &MetadataArgs) -> Result<String, String> {
    let endpoint = |binding: &str| Endpoint {
        binding: binding.to_owned(),
        location: args.sso_url.clone(),
        response_location: None,
        index: None,
        is_default: false,
    };
    let descriptor = EntityDescriptor {
        entity_id: args.idp_entity_id.clone(),
        valid_until: None,
        idp: Some(RoleDescriptor {
            keys: vec![KeyDescriptor {
                key_use: KeyUse::Signing,
                certificates: vec![certificate(&args.cert)?],
            }],
            single_logout: Vec::new(),
            name_id_formats: vec![NAMEID_EMAIL.to_owned(), NAMEID_UNSPECIFIED.to_owned()],
            services: vec![endpoint(BINDING_HTTP_REDIRECT), endpoint(BINDING_HTTP_POST)],
            requests_signed: false,
            want_assertions_signed: false,
        }),
        sp: None,
    };
    let xml = descriptor.to_xml();
    // What we print must read back (it also refuses a non-http(s) SSO URL).
    EntityDescriptor::parse(xml.as_bytes(), &Limits::default())
        .map_err(|e| format!("{e} ({})", e.code()))?;
    Ok(xml)
}
