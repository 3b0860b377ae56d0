//! The command line of `saml-sp serve`, and the configuration it loads: the IdP from its
//! metadata, this SP's URLs, keys and limits.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use chrono::TimeDelta;
use clap::{Args, ValueEnum};
use fedkit_certs::{Certificate, PrivateKey, SigningCredential, TrustSet, default_provider};
use fedkit_saml::names::{BINDING_HTTP_POST, BINDING_HTTP_REDIRECT};
use fedkit_saml::{
    DecryptPolicy, Endpoint, EntityDescriptor, ServiceProvider, Signer, ValidationOptions,
};
use fedkit_xml::Limits;

/// How AuthnRequests (and LogoutRequests) travel to the IdP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BindingArg {
    /// HTTP-Redirect: a 302 to the IdP with the deflated message in the query.
    Redirect,
    /// HTTP-POST: an auto-submitting form.
    Post,
}

impl BindingArg {
    fn uri(self) -> &'static str {
        match self {
            BindingArg::Redirect => BINDING_HTTP_REDIRECT,
            BindingArg::Post => BINDING_HTTP_POST,
        }
    }
}

/// `saml-sp serve`: a demo SAML 2.0 service provider web application.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0: any free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8000")]
    pub listen: String,
    /// The IdP's metadata file. Every signing certificate in it is trusted (rollover).
    #[arg(long)]
    pub idp_metadata: PathBuf,
    /// This SP's entity ID (the Audience it accepts). Default: BASE-URL/metadata.
    #[arg(long)]
    pub entity_id: Option<String>,
    /// The URL browsers reach this SP at (ACS, SLO and metadata URLs derive from it).
    /// Default: http://ADDRESS-LISTENED-ON. An https URL also marks the cookie Secure.
    #[arg(long)]
    pub base_url: Option<String>,
    /// How the AuthnRequest travels to the IdP's SingleSignOnService.
    #[arg(long, value_enum, default_value = "redirect")]
    pub binding: BindingArg,
    /// This SP's private key (PEM): signs LogoutRequests and LogoutResponses (single logout
    /// needs it) and, with --sign-requests, AuthnRequests.
    #[arg(long, requires = "cert")]
    pub key: Option<PathBuf>,
    /// The certificate of --key (PEM), published in the metadata as the signing key.
    #[arg(long, requires = "key")]
    pub cert: Option<PathBuf>,
    /// Sign AuthnRequests (and publish AuthnRequestsSigned="true").
    #[arg(long, requires = "key")]
    pub sign_requests: bool,
    /// Private key (PEM) to decrypt EncryptedAssertions (AES-GCM content, RSA-OAEP key).
    #[arg(long, requires = "decrypt_cert")]
    pub decrypt_key: Option<PathBuf>,
    /// The certificate of --decrypt-key (PEM), published in the metadata as the encryption key.
    #[arg(long, requires = "decrypt_key")]
    pub decrypt_cert: Option<PathBuf>,
    /// Also decrypt AES-CBC content, for an IdP that cannot encrypt with AES-GCM. Weaker: CBC is
    /// malleable and its padding is a decryption oracle (Jager-Somorovsky 2011); off by default.
    #[arg(long, requires = "decrypt_key")]
    pub allow_aes_cbc: bool,
    /// Accept IdP-initiated (unsolicited) responses that answer no AuthnRequest of this SP, as
    /// an access portal sends. Weaker: without a request to answer, anyone holding a valid
    /// response for their own account can sign a victim's browser into it (login CSRF). Off
    /// by default: only responses to a request this SP sent are accepted.
    #[arg(long)]
    pub allow_unsolicited: bool,
    /// Allowed clock difference with the IdP, in seconds.
    #[arg(long, default_value_t = 60)]
    pub clock_skew_seconds: u32,
    /// Longest a sign-in lasts, in minutes (shorter when the IdP sets SessionNotOnOrAfter).
    #[arg(long, default_value_t = 480)]
    pub session_minutes: u32,
    /// Most sessions open at once; a sign-in beyond it is refused (503).
    #[arg(long, default_value_t = 10_000)]
    pub max_sessions: usize,
    /// Most AuthnRequests and LogoutRequests awaiting an answer (each for 5 minutes); a
    /// request beyond it is refused (503).
    #[arg(long, default_value_t = 10_000)]
    pub max_pending_requests: usize,
    /// Longest form body accepted at /acs, /logout and /slo, in bytes (413 beyond it).
    #[arg(long, default_value_t = 1 << 20)]
    pub max_form_bytes: usize,
}

/// The IdP, as its metadata describes it.
#[derive(Debug)]
pub struct IdpConfig {
    /// Its entity ID (the expected Issuer).
    pub entity_id: String,
    /// The SingleSignOnService for the chosen binding.
    pub sso: Endpoint,
    /// Its SingleLogoutService (HTTP-Redirect preferred, else HTTP-POST), if any.
    pub slo: Option<Endpoint>,
    /// Whether it asks for signed AuthnRequests.
    pub wants_signed_requests: bool,
    /// Every signing certificate of its metadata (logout messages are checked against them).
    pub trust: TrustSet,
}

/// Everything the running SP needs, loaded and checked at start.
#[derive(Debug)]
pub struct SpConfig {
    /// The IdP.
    pub idp: IdpConfig,
    /// The validator: this SP's entity ID and ACS, the IdP's trusted certificates.
    pub service_provider: ServiceProvider,
    /// `BASE/slo`.
    pub slo_url: String,
    /// `BASE/metadata`.
    pub metadata_url: String,
    /// Signs logout messages, and AuthnRequests when `sign_requests`.
    pub signer: Option<Signer>,
    /// Whether AuthnRequests are signed.
    pub sign_requests: bool,
    /// The encryption certificate published in the metadata.
    pub encryption_certificate: Option<Certificate>,
    /// The session cookie's name (per port: cookies are not isolated by port).
    pub cookie_name: String,
    /// Whether cookies carry `Secure` (https base URL).
    pub secure_cookies: bool,
    /// Clock skew, also applied to logout messages.
    pub clock_skew: TimeDelta,
    /// Longest session.
    pub session_lifetime: TimeDelta,
    /// Most open sessions.
    pub max_sessions: usize,
    /// Most outstanding requests.
    pub max_pending_requests: usize,
    /// Longest form body.
    pub max_form_bytes: usize,
}

impl SpConfig {
    /// This SP's entity ID.
    pub fn entity_id(&self) -> &str {
        self.service_provider.entity_id()
    }

    /// The ACS URL.
    pub fn acs_url(&self) -> &str {
        self.service_provider.acs_url()
    }

    /// Whether single logout with the IdP is possible: it has an SLO endpoint and this SP a
    /// key (logout messages must be signed, SAML profiles §4.4.3.1 and §4.4.4.1).
    pub fn slo_enabled(&self) -> bool {
        self.idp.slo.is_some() && self.signer.is_some()
    }
}

/// The files `args` names, read before the listener is bound so a typo fails fast.
#[derive(Debug)]
pub struct LoadedFiles {
    idp: EntityDescriptor,
    credential: Option<SigningCredential>,
    decryption: Option<SigningCredential>,
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_credential(key: &Path, cert: &Path) -> Result<SigningCredential, String> {
    let private = PrivateKey::from_pem(&read(key)?)
        .map_err(|e| format!("{}: {e} ({})", key.display(), e.code()))?;
    let certificate = Certificate::parse(read(cert)?)
        .map_err(|e| format!("{}: {e} ({})", cert.display(), e.code()))?;
    SigningCredential::new(private, certificate)
        .map_err(|e| format!("{} and {}: {e}", key.display(), cert.display()))
}

impl LoadedFiles {
    /// Reads the IdP metadata and the keys.
    pub fn read(args: &ServeArgs) -> Result<Self, String> {
        let path = &args.idp_metadata;
        let xml = read(path)?;
        let entities = EntityDescriptor::parse(xml.as_bytes(), &Limits::default())
            .map_err(|e| format!("{}: {e} ({})", path.display(), e.code()))?;
        let mut idps = entities.into_iter().filter(|e| e.idp.is_some());
        let idp = idps
            .next()
            .ok_or_else(|| format!("{}: no IDPSSODescriptor", path.display()))?;
        if idps.next().is_some() {
            return Err(format!(
                "{}: more than one IdP entity; give metadata of exactly one",
                path.display()
            ));
        }
        let credential = match (&args.key, &args.cert) {
            (Some(key), Some(cert)) => Some(read_credential(key, cert)?),
            _ => None,
        };
        let decryption = match (&args.decrypt_key, &args.decrypt_cert) {
            (Some(key), Some(cert)) => Some(read_credential(key, cert)?),
            _ => None,
        };
        Ok(LoadedFiles {
            idp,
            credential,
            decryption,
        })
    }
}

fn is_http_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://"))
        && url.len() > "https://".len()
        && !url.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// Builds the configuration once the listener's address is known.
pub fn configure(
    args: &ServeArgs,
    files: LoadedFiles,
    local: SocketAddr,
) -> Result<SpConfig, String> {
    let base_url = args
        .base_url
        .clone()
        .unwrap_or_else(|| format!("http://{local}"))
        .trim_end_matches('/')
        .to_owned();
    if !is_http_url(&base_url) {
        return Err(format!("--base-url {base_url}: not an http(s) URL"));
    }
    let entity_id = args
        .entity_id
        .clone()
        .unwrap_or_else(|| format!("{base_url}/metadata"));
    if entity_id.is_empty() || entity_id.chars().any(char::is_control) {
        return Err("--entity-id: empty or with control characters".to_owned());
    }
    let LoadedFiles {
        idp,
        credential,
        decryption,
    } = files;
    let Some(role) = &idp.idp else {
        return Err("IdP metadata: no IDPSSODescriptor".to_owned());
    };
    let trust = idp
        .idp_signing_trust()
        .map_err(|e| format!("IdP metadata: {e} ({})", e.code()))?;
    if trust.is_empty() {
        return Err("IdP metadata: no signing certificate".to_owned());
    }
    let sso = role.service(args.binding.uri()).cloned().ok_or_else(|| {
        format!(
            "IdP metadata: no SingleSignOnService for {}; try --binding {}",
            args.binding.uri(),
            match args.binding {
                BindingArg::Redirect => "post",
                BindingArg::Post => "redirect",
            }
        )
    })?;
    let slo = [BINDING_HTTP_REDIRECT, BINDING_HTTP_POST]
        .iter()
        .find_map(|binding| role.single_logout.iter().find(|e| e.binding == *binding))
        .cloned();
    let clock_skew = TimeDelta::seconds(i64::from(args.clock_skew_seconds));
    let options = ValidationOptions {
        clock_skew,
        allow_unsolicited: args.allow_unsolicited,
        ..ValidationOptions::default()
    };
    let mut service_provider = ServiceProvider::new(
        entity_id,
        format!("{base_url}/acs"),
        idp.entity_id.clone(),
        trust.clone(),
    )
    .with_options(options);
    let encryption_certificate = match decryption {
        Some(pair) => {
            service_provider = service_provider.with_decryption_key(pair.key().clone());
            if args.allow_aes_cbc {
                service_provider =
                    service_provider.with_decrypt_policy(DecryptPolicy::default().legacy_aes_cbc());
            }
            Some(pair.certificate().clone())
        }
        None => None,
    };
    let signer = credential
        .map(|c| Signer::new(&c, default_provider()))
        .transpose()
        .map_err(|e| format!("--key: {e} ({})", e.code()))?;
    Ok(SpConfig {
        idp: IdpConfig {
            entity_id: idp.entity_id.clone(),
            sso,
            slo,
            wants_signed_requests: role.requests_signed,
            trust,
        },
        service_provider,
        slo_url: format!("{base_url}/slo"),
        metadata_url: format!("{base_url}/metadata"),
        secure_cookies: base_url.to_ascii_lowercase().starts_with("https://"),
        signer,
        sign_requests: args.sign_requests,
        encryption_certificate,
        cookie_name: format!("saml_sp_session_{}", local.port()),
        clock_skew,
        session_lifetime: TimeDelta::minutes(i64::from(args.session_minutes.max(1))),
        max_sessions: args.max_sessions,
        max_pending_requests: args.max_pending_requests,
        max_form_bytes: args.max_form_bytes,
    })
}
