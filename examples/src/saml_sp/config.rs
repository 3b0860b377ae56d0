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
    /// The IdP's metadata file. Every signing certificate in it is trusted (rollover); the file
    /// is read again when it changes, so a new certificate is trusted without a restart.
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

/// What the IdP's metadata makes of this SP: the IdP and the validator trusting it. Rebuilt
/// when the metadata file changes.
#[derive(Debug)]
pub struct IdpView {
    /// The IdP.
    pub idp: IdpConfig,
    /// The validator: this SP's entity ID and ACS, the IdP's trusted certificates.
    pub service_provider: ServiceProvider,
}

/// Everything the running SP needs that does not come from the IdP's metadata.
#[derive(Debug)]
pub struct SpConfig {
    /// The IdP metadata file, re-read when it changes.
    pub idp_metadata: PathBuf,
    /// This SP's entity ID.
    pub entity_id: String,
    /// `BASE/acs`.
    pub acs_url: String,
    /// `BASE/slo`.
    pub slo_url: String,
    /// `BASE/metadata`.
    pub metadata_url: String,
    /// How AuthnRequests travel.
    pub binding: BindingArg,
    /// Validation options (skew, unsolicited responses).
    pub validation: ValidationOptions,
    /// Decrypts EncryptedAssertions.
    pub decryption_key: Option<PrivateKey>,
    /// Whether AES-CBC content is decrypted too (legacy).
    pub allow_aes_cbc: bool,
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
    /// Whether single logout with the IdP is possible: it has an SLO endpoint and this SP a
    /// key (logout messages must be signed, SAML profiles §4.4.3.1 and §4.4.4.1).
    pub fn slo_enabled(&self, view: &IdpView) -> bool {
        view.idp.slo.is_some() && self.signer.is_some()
    }

    /// The IdP and the validator from its metadata `entity`.
    pub fn idp_view(&self, entity: &EntityDescriptor) -> Result<IdpView, String> {
        let Some(role) = &entity.idp else {
            return Err("no IDPSSODescriptor".to_owned());
        };
        let trust = entity
            .idp_signing_trust()
            .map_err(|e| format!("{e} ({})", e.code()))?;
        if trust.is_empty() {
            return Err("no signing certificate".to_owned());
        }
        let binding = self.binding;
        let sso = role.service(binding.uri()).cloned().ok_or_else(|| {
            format!(
                "no SingleSignOnService for {}; try --binding {}",
                binding.uri(),
                match binding {
                    BindingArg::Redirect => "post",
                    BindingArg::Post => "redirect",
                }
            )
        })?;
        let slo = [BINDING_HTTP_REDIRECT, BINDING_HTTP_POST]
            .iter()
            .find_map(|b| role.single_logout.iter().find(|e| e.binding == *b))
            .cloned();
        let mut service_provider = ServiceProvider::new(
            self.entity_id.clone(),
            self.acs_url.clone(),
            entity.entity_id.clone(),
            trust.clone(),
        )
        .with_options(self.validation.clone());
        if let Some(key) = &self.decryption_key {
            service_provider = service_provider.with_decryption_key(key.clone());
            if self.allow_aes_cbc {
                service_provider =
                    service_provider.with_decrypt_policy(DecryptPolicy::default().legacy_aes_cbc());
            }
        }
        Ok(IdpView {
            idp: IdpConfig {
                entity_id: entity.entity_id.clone(),
                sso,
                slo,
                wants_signed_requests: role.requests_signed,
                trust,
            },
            service_provider,
        })
    }
}

/// The IdP's entity in a metadata document: exactly one.
pub fn parse_idp_metadata(xml: &[u8]) -> Result<EntityDescriptor, String> {
    let entities = EntityDescriptor::parse(xml, &Limits::default())
        .map_err(|e| format!("{e} ({})", e.code()))?;
    let mut idps = entities.into_iter().filter(|e| e.idp.is_some());
    let idp = idps.next().ok_or("no IDPSSODescriptor")?;
    if idps.next().is_some() {
        return Err("more than one IdP entity; give metadata of exactly one".to_owned());
    }
    Ok(idp)
}

/// The files `args` names, read before the listener is bound so a typo fails fast.
#[derive(Debug)]
pub struct LoadedFiles {
    idp_xml: Vec<u8>,
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
        let idp_xml = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let idp = parse_idp_metadata(&idp_xml).map_err(|e| format!("{}: {e}", path.display()))?;
        let credential = match (&args.key, &args.cert) {
            (Some(key), Some(cert)) => Some(read_credential(key, cert)?),
            _ => None,
        };
        let decryption = match (&args.decrypt_key, &args.decrypt_cert) {
            (Some(key), Some(cert)) => Some(read_credential(key, cert)?),
            _ => None,
        };
        Ok(LoadedFiles {
            idp_xml,
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

/// Builds the configuration once the listener's address is known; returns it with the IdP
/// metadata's bytes and what they make of this SP.
pub fn configure(
    args: &ServeArgs,
    files: LoadedFiles,
    local: SocketAddr,
) -> Result<(SpConfig, Vec<u8>, IdpView), String> {
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
        idp_xml,
        idp,
        credential,
        decryption,
    } = files;
    let clock_skew = TimeDelta::seconds(i64::from(args.clock_skew_seconds));
    let signer = credential
        .map(|c| Signer::new(&c, default_provider()))
        .transpose()
        .map_err(|e| format!("--key: {e} ({})", e.code()))?;
    let config = SpConfig {
        idp_metadata: args.idp_metadata.clone(),
        entity_id,
        acs_url: format!("{base_url}/acs"),
        slo_url: format!("{base_url}/slo"),
        metadata_url: format!("{base_url}/metadata"),
        binding: args.binding,
        validation: ValidationOptions {
            clock_skew,
            allow_unsolicited: args.allow_unsolicited,
            ..ValidationOptions::default()
        },
        decryption_key: decryption.as_ref().map(|pair| pair.key().clone()),
        allow_aes_cbc: args.allow_aes_cbc,
        signer,
        sign_requests: args.sign_requests,
        encryption_certificate: decryption.map(|pair| pair.certificate().clone()),
        cookie_name: format!("saml_sp_session_{}", local.port()),
        secure_cookies: base_url.to_ascii_lowercase().starts_with("https://"),
        clock_skew,
        session_lifetime: TimeDelta::minutes(i64::from(args.session_minutes.max(1))),
        max_sessions: args.max_sessions,
        max_pending_requests: args.max_pending_requests,
        max_form_bytes: args.max_form_bytes,
    };
    let view = config
        .idp_view(&idp)
        .map_err(|e| format!("{}: {e}", args.idp_metadata.display()))?;
    Ok((config, idp_xml, view))
}
