//! Registering and replacing applications: the request body (JSON, or SP metadata), its
//! validation, and the first signing certificate.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, SecondsFormat, Utc};
use fedkit_certs::{Certificate, CertificateSet, KeyKind};
use fedkit_saml::names;
use fedkit_saml::{EntityDescriptor, KeyUse, RoleDescriptor};
use serde::Deserialize;

use super::certificates::{self, CertificateOptions};
use super::{
    AdminError, Payload, application_json, authorize, blocking, check_principal, load_app,
    read_payload, reply,
};
use crate::identity_center::apps::{
    self, Application, Assignment, AttributeMapping, NameIdMapping, SloBinding,
};
use crate::identity_center::mapping;
use crate::identity_center::store::Transaction;
use crate::identity_center::web::AppState;

/// Longest display name, in characters.
const MAX_NAME_CHARS: usize = 128;
/// Longest entity ID: SAML metadata §2.2.1 caps entityID at 1024 characters.
const MAX_ENTITY_ID_CHARS: usize = 1024;
/// Longest URL, in bytes.
const MAX_URL_BYTES: usize = 2048;
/// Longest attribute name, in characters.
const MAX_ATTRIBUTE_NAME_CHARS: usize = 256;
/// Most attributes per application.
const MAX_ATTRIBUTES: usize = 100;
/// Most assignments in one application document (more through the assignments endpoint is
/// no different; this bounds one request's lookups).
const MAX_ASSIGNMENTS_PER_DOCUMENT: usize = 1000;

/// NameID formats SAML core §8.3 defines.
const NAME_ID_FORMATS: &[&str] = &[
    names::NAMEID_UNSPECIFIED,
    names::NAMEID_EMAIL,
    "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName",
    "urn:oasis:names:tc:SAML:1.1:nameid-format:WindowsDomainQualifiedName",
    "urn:oasis:names:tc:SAML:2.0:nameid-format:kerberos",
    "urn:oasis:names:tc:SAML:2.0:nameid-format:entity",
    names::NAMEID_PERSISTENT,
    names::NAMEID_TRANSIENT,
];

/// Attribute NameFormats SAML core §8.2 defines.
const ATTRIBUTE_NAME_FORMATS: &[&str] = &[
    "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified",
    names::ATTRNAME_URI,
    names::ATTRNAME_BASIC,
];

/// The body of `POST /admin/applications` and `PUT /admin/applications/{id}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ApplicationInput {
    name: Option<String>,
    entity_id: Option<String>,
    acs_url: Option<String>,
    slo_url: Option<String>,
    slo_binding: Option<SloBinding>,
    name_id: Option<NameIdInput>,
    attributes: Option<Vec<AttributeMapping>>,
    assignments: Option<Vec<Assignment>>,
    require_signed_requests: Option<bool>,
    sp_signing_certificates: Option<Vec<String>>,
    encryption_certificate: Option<String>,
    start_url: Option<String>,
    metadata_xml: Option<String>,
    certificate_validity_months: Option<u32>,
    certificate_key_size: Option<u32>,
    /// Read-only fields of an answer, accepted and ignored (as SCIM ignores readOnly
    /// attributes), so that a GET's document can be edited and PUT back.
    #[serde(rename = "id")]
    _id: Option<serde::de::IgnoredAny>,
    #[serde(rename = "created")]
    _created: Option<serde::de::IgnoredAny>,
    #[serde(rename = "idpEntityId")]
    _idp_entity_id: Option<serde::de::IgnoredAny>,
    #[serde(rename = "idpMetadataUrl")]
    _idp_metadata_url: Option<serde::de::IgnoredAny>,
    #[serde(rename = "idpSsoUrl")]
    _idp_sso_url: Option<serde::de::IgnoredAny>,
    #[serde(rename = "idpSloUrl")]
    _idp_slo_url: Option<serde::de::IgnoredAny>,
}

impl ApplicationInput {
    /// The console's registration form: a name, entity ID and ACS URL, or SP metadata pasted
    /// (whose values fill in the fields left empty), and the first certificate's validity in
    /// months. Empty fields count as absent.
    pub(crate) fn from_form(
        name: &str,
        entity_id: &str,
        acs_url: &str,
        metadata_xml: &str,
        months: Option<u32>,
    ) -> Self {
        let given = |text: &str| Some(text.trim().to_owned()).filter(|t| !t.is_empty());
        ApplicationInput {
            name: given(name),
            entity_id: given(entity_id),
            acs_url: given(acs_url),
            metadata_xml: given(metadata_xml),
            certificate_validity_months: months,
            ..ApplicationInput::default()
        }
    }
}

/// The NameID part: either half may be left to its default.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NameIdInput {
    source: Option<String>,
    format: Option<String>,
}

/// What SP metadata says about an application.
struct FromMetadata {
    entity_id: String,
    acs_url: String,
    slo_url: Option<String>,
    slo_binding: SloBinding,
    signing: Vec<String>,
    encryption: Option<String>,
    requests_signed: bool,
}

fn read_metadata(xml: &str) -> Result<FromMetadata, AdminError> {
    let entities = EntityDescriptor::parse(xml.as_bytes(), &fedkit_xml::Limits::default())
        .map_err(|e| AdminError::InvalidMetadata(format!("{} ({})", e, e.code())))?;
    let mut sps: Vec<(String, RoleDescriptor)> = entities
        .into_iter()
        .filter_map(|e| e.sp.map(|sp| (e.entity_id, sp)))
        .collect();
    let (entity_id, sp) = match sps.len() {
        0 => return Err(AdminError::MetadataWithoutSp),
        1 => sps.remove(0),
        n => return Err(AdminError::MetadataSeveralSps(n)),
    };
    // The default HTTP-POST ACS, else the lowest index, else the first (SAML metadata §2.2.3).
    let mut posts: Vec<_> = sp
        .services
        .iter()
        .filter(|e| e.binding == names::BINDING_HTTP_POST)
        .collect();
    posts.sort_by_key(|e| (!e.is_default, e.index.unwrap_or(u16::MAX)));
    let acs = posts.first().ok_or(AdminError::MetadataWithoutPostAcs)?;
    // A POST endpoint wins when there are both; the binding chosen is kept with the URL, and
    // logout messages go over it.
    let slo = sp
        .single_logout
        .iter()
        .find(|e| e.binding == names::BINDING_HTTP_POST)
        .or_else(|| {
            sp.single_logout
                .iter()
                .find(|e| e.binding == names::BINDING_HTTP_REDIRECT)
        });
    // Encryption only to a key the SP marked use="encryption": a key without `use` signs too,
    // and encrypting to an SP that never asked would break its sign-in.
    let encryption = sp
        .keys
        .iter()
        .filter(|k| k.key_use == KeyUse::Encryption)
        .flat_map(|k| k.certificates.iter())
        .next()
        .map(Certificate::to_pem);
    Ok(FromMetadata {
        entity_id,
        acs_url: acs.location.clone(),
        slo_url: slo.map(|e| e.location.clone()),
        slo_binding: match slo {
            Some(e) if e.binding == names::BINDING_HTTP_REDIRECT => SloBinding::Redirect,
            _ => SloBinding::Post,
        },
        signing: sp
            .certificates(KeyUse::Signing)
            .map(Certificate::to_pem)
            .collect(),
        encryption,
        requests_signed: sp.requests_signed,
    })
}

/// Whether a host is loopback, where plain http cannot be intercepted on the network.
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// An absolute http(s) URL with a host, no user info, no spaces or control characters;
/// https unless the host is loopback.
fn check_url(field: &'static str, url: &str) -> Result<(), AdminError> {
    let invalid = |reason| AdminError::InvalidUrl { field, reason };
    if url.len() > MAX_URL_BYTES {
        return Err(invalid("longer than 2048 bytes"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid("spaces or control characters"));
    }
    // WHATWG URL parsing reads `\` as `/` in http(s) URLs, so `https://good.example\.evil/`
    // shows one host and takes the browser to another.
    if url.contains('\\') {
        return Err(invalid("backslashes (browsers read them as /)"));
    }
    let lower = url.to_ascii_lowercase();
    let (secure, rest) = if lower.starts_with("https://") {
        (true, url.get(8..).unwrap_or_default())
    } else if lower.starts_with("http://") {
        (false, url.get(7..).unwrap_or_default())
    } else {
        return Err(invalid("the scheme must be http or https"));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(invalid("user info is not allowed"));
    }
    let host = if authority.starts_with('[') {
        authority
            .find(']')
            .and_then(|end| authority.get(..=end))
            .ok_or_else(|| invalid("unclosed IPv6 literal"))?
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    let port = authority.get(host.len()..).unwrap_or_default();
    if host.is_empty() {
        return Err(invalid("no host"));
    }
    // A name in ASCII letters, digits, dots and hyphens (an IDN in its punycode form): no
    // percent-escapes or look-alike characters for a browser to map to some other host.
    if !host.starts_with('[')
        && !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    {
        return Err(invalid(
            "the host must be ASCII letters, digits, dots and hyphens",
        ));
    }
    let port_ok = match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(digits) => !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()),
    };
    if !port_ok {
        return Err(invalid("bad port"));
    }
    if !secure && !is_loopback(host) {
        return Err(AdminError::InsecureUrl(field));
    }
    Ok(())
}

fn check_mapping(field: String, template: &str) -> Result<(), AdminError> {
    mapping::validate(template).map_err(|error| AdminError::InvalidMapping { field, error })
}

/// A PEM (or base64) certificate, read and written back as PEM.
fn normalise_certificate(field: &'static str, text: &str) -> Result<Certificate, AdminError> {
    Certificate::parse(text.as_bytes()).map_err(|e| AdminError::InvalidCertificate {
        field,
        reason: format!("{e} ({})", e.code()),
    })
}

/// Everything but the id, created and certificates, validated.
fn validate(
    tx: &mut dyn Transaction,
    input: ApplicationInput,
    query_name: Option<String>,
    id: &str,
    created: &str,
) -> Result<Application, AdminError> {
    let metadata = input
        .metadata_xml
        .as_deref()
        .map(read_metadata)
        .transpose()?;
    let name = input
        .name
        .or(query_name)
        .or_else(|| metadata.as_ref().map(|m| m.entity_id.clone()))
        .ok_or(AdminError::MissingField("name"))?;
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(AdminError::InvalidName(MAX_NAME_CHARS));
    }
    let entity_id = input
        .entity_id
        .or_else(|| metadata.as_ref().map(|m| m.entity_id.clone()))
        .ok_or(AdminError::MissingField("entityId"))?;
    if entity_id.is_empty()
        || entity_id.chars().count() > MAX_ENTITY_ID_CHARS
        || !entity_id.contains(':')
        || entity_id
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(AdminError::InvalidEntityId(MAX_ENTITY_ID_CHARS));
    }
    let acs_url = input
        .acs_url
        .or_else(|| metadata.as_ref().map(|m| m.acs_url.clone()))
        .ok_or(AdminError::MissingField("acsUrl"))?;
    check_url("acsUrl", &acs_url)?;
    let slo_from_input = input.slo_url.is_some();
    let slo_url = input
        .slo_url
        .or_else(|| metadata.as_ref().and_then(|m| m.slo_url.clone()));
    if let Some(url) = &slo_url {
        check_url("sloUrl", url)?;
    }
    // An explicit sloUrl without sloBinding is POST; from metadata, the endpoint's own binding.
    let slo_binding = input.slo_binding.unwrap_or(match &metadata {
        Some(m) if !slo_from_input => m.slo_binding,
        _ => SloBinding::Post,
    });
    if let Some(url) = &input.start_url {
        check_url("startUrl", url)?;
    }

    let name_id_input = input.name_id.unwrap_or_default();
    let name_id = NameIdMapping {
        source: name_id_input
            .source
            .unwrap_or_else(|| "${user:email}".to_owned()),
        format: name_id_input
            .format
            .unwrap_or_else(|| names::NAMEID_EMAIL.to_owned()),
    };
    check_mapping("nameId.source".into(), &name_id.source)?;
    if mapping::is_multi_valued(&name_id.source) {
        return Err(AdminError::MultiValuedNameId);
    }
    if !NAME_ID_FORMATS.contains(&name_id.format.as_str()) {
        return Err(AdminError::UnknownNameIdFormat(name_id.format));
    }

    let attributes = input.attributes.unwrap_or_default();
    if attributes.len() > MAX_ATTRIBUTES {
        return Err(AdminError::TooManyAttributes(MAX_ATTRIBUTES));
    }
    for (i, attribute) in attributes.iter().enumerate() {
        let chars = attribute.name.chars().count();
        if chars == 0 || chars > MAX_ATTRIBUTE_NAME_CHARS {
            return Err(AdminError::InvalidAttributeName(MAX_ATTRIBUTE_NAME_CHARS));
        }
        if attributes
            .get(..i)
            .unwrap_or_default()
            .iter()
            .any(|a| a.name == attribute.name)
        {
            return Err(AdminError::DuplicateAttribute(attribute.name.clone()));
        }
        check_mapping(format!("attributes[{i}].value"), &attribute.value)?;
        if let Some(format) = &attribute.name_format
            && !ATTRIBUTE_NAME_FORMATS.contains(&format.as_str())
        {
            return Err(AdminError::UnknownAttributeNameFormat(format.clone()));
        }
    }

    let assignments = input.assignments.unwrap_or_default();
    if assignments.len() > MAX_ASSIGNMENTS_PER_DOCUMENT {
        return Err(AdminError::TooManyAssignments(MAX_ASSIGNMENTS_PER_DOCUMENT));
    }
    for (i, assignment) in assignments.iter().enumerate() {
        if assignments
            .get(..i)
            .unwrap_or_default()
            .contains(assignment)
        {
            return Err(AdminError::DuplicateAssignment(assignment.clone()));
        }
        check_principal(tx, assignment)?;
    }

    let signing_texts = input
        .sp_signing_certificates
        .or_else(|| metadata.as_ref().map(|m| m.signing.clone()))
        .unwrap_or_default();
    let mut sp_signing_certificates = Vec::with_capacity(signing_texts.len());
    for text in &signing_texts {
        let pem = normalise_certificate("spSigningCertificates", text)?.to_pem();
        if !sp_signing_certificates.contains(&pem) {
            sp_signing_certificates.push(pem);
        }
    }
    let encryption_certificate = match input
        .encryption_certificate
        .or_else(|| metadata.as_ref().and_then(|m| m.encryption.clone()))
    {
        Some(text) => {
            let certificate = normalise_certificate("encryptionCertificate", &text)?;
            if certificate.public_key().kind() != KeyKind::Rsa {
                return Err(AdminError::UnsupportedEncryptionKey);
            }
            Some(certificate.to_pem())
        }
        None => None,
    };
    let require_signed_requests = input
        .require_signed_requests
        .or_else(|| metadata.as_ref().map(|m| m.requests_signed))
        .unwrap_or(false);
    if require_signed_requests && sp_signing_certificates.is_empty() {
        return Err(AdminError::SigningCertificateRequired);
    }

    // Checked without taking it, so that a registration refused here does no key generation;
    // the save takes it atomically.
    if let Some(holder) = apps::find_by_entity_id(tx, &entity_id, 0)?
        && holder.id != id
    {
        return Err(AdminError::EntityIdTaken(entity_id));
    }

    Ok(Application {
        id: id.to_owned(),
        name,
        entity_id,
        acs_url,
        slo_url,
        slo_binding,
        name_id,
        attributes,
        assignments,
        require_signed_requests,
        sp_signing_certificates,
        encryption_certificate,
        start_url: input.start_url,
        created: created.to_owned(),
    })
}

/// The request body as an [`ApplicationInput`]: JSON, or a metadata document alone.
fn parse_input(payload: Payload) -> Result<ApplicationInput, AdminError> {
    match payload {
        Payload::Json(value) => {
            serde_json::from_value(value).map_err(|e| AdminError::InvalidBody(e.to_string()))
        }
        Payload::Metadata(xml) => Ok(ApplicationInput {
            metadata_xml: Some(xml),
            ..ApplicationInput::default()
        }),
        Payload::Empty => Err(AdminError::InvalidBody("a body is required".into())),
    }
}

/// A new application id: `app-` and 16 hex digits from the OS RNG.
fn new_id() -> Result<String, AdminError> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| AdminError::Internal(format!("OS RNG: {e}")))?;
    Ok(format!(
        "app-{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ))
}

/// Saves `app` after taking its entity ID, releasing `previous_entity_id` when it changed.
fn save(
    tx: &mut dyn Transaction,
    app: &Application,
    previous_entity_id: Option<&str>,
) -> Result<(), AdminError> {
    if let Some(previous) = previous_entity_id
        && previous != app.entity_id
    {
        apps::release_entity_id(tx, previous, &app.id)?;
    }
    if !apps::claim_entity_id(tx, &app.entity_id, &app.id)? {
        return Err(AdminError::EntityIdTaken(app.entity_id.clone()));
    }
    apps::save(tx, app)?;
    Ok(())
}

/// Registers a new application: the one path for the admin API and the console. Validates,
/// generates the first certificate outside any transaction (RSA key generation takes up to
/// seconds), then validates again and saves the application, its entity-ID claim and its
/// certificate in one transaction. `authorize` runs in both transactions, so a caller whose
/// right ends during key generation saves nothing. Slow and synchronous: run it blocking.
pub(crate) fn register(
    state: &AppState,
    input: ApplicationInput,
    query_name: Option<String>,
    authorize: &dyn Fn(&mut dyn Transaction) -> Result<(), AdminError>,
    now: DateTime<Utc>,
) -> Result<Application, AdminError> {
    let created = now.to_rfc3339_opts(SecondsFormat::Secs, true);
    let id = new_id()?;
    let options = {
        let mut tx = state.store().begin()?;
        authorize(&mut *tx)?;
        let options = CertificateOptions::check(
            input.certificate_validity_months,
            input.certificate_key_size,
        )?;
        // A dry run: refusals come before the slow key generation.
        validate(&mut *tx, input.clone(), query_name.clone(), &id, &created)?;
        options
    };
    let credential = certificates::generate(&id, options, now)?;
    // Validated again: the store may have changed during key generation.
    let mut tx = state.store().begin()?;
    authorize(&mut *tx)?;
    let app = validate(&mut *tx, input, query_name, &id, &created)?;
    save(&mut *tx, &app, None)?;
    apps::save_certificates(&mut *tx, &app.id, &CertificateSet::new(credential))?;
    tx.commit()?;
    Ok(app)
}

/// `POST /admin/applications`: [`register`] with the admin token checked in each transaction.
pub(super) async fn create(
    state: Arc<AppState>,
    query_name: Option<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AdminError> {
    let payload = read_payload(&state, &headers, body).await;
    blocking(move || {
        // The token first, as every admin request: a bad body says nothing to a stranger.
        authorize(&mut *state.store().begin()?, &headers)?;
        let input = parse_input(payload?)?;
        let app = register(
            &state,
            input,
            query_name,
            &|tx| authorize(tx, &headers),
            Utc::now(),
        )?;
        Ok(reply(StatusCode::CREATED, application_json(&app, &state)))
    })
    .await
}

/// `PUT /admin/applications/{id}`: the document replaced; id, created and certificates kept.
pub(super) async fn replace(
    state: Arc<AppState>,
    id: String,
    query_name: Option<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AdminError> {
    let payload = read_payload(&state, &headers, body).await;
    let now: DateTime<Utc> = Utc::now();
    blocking(move || {
        let mut tx = state.store().begin()?;
        authorize(&mut *tx, &headers)?;
        let input = parse_input(payload?)?;
        if input.certificate_validity_months.is_some() || input.certificate_key_size.is_some() {
            return Err(AdminError::CertificateOptionsOnUpdate);
        }
        let old = load_app(&mut *tx, &id, now)?;
        let app = validate(&mut *tx, input, query_name, &old.id, &old.created)?;
        save(&mut *tx, &app, Some(&old.entity_id))?;
        tx.commit()?;
        Ok(reply(StatusCode::OK, application_json(&app, &state)))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity_center::apps::PrincipalKind;
    use crate::identity_center::store::{ResourceKind, SqliteStore, Store, UniqueKeys};

    fn input(patch: serde_json::Value) -> ApplicationInput {
        let mut body = serde_json::json!({"name": "n", "entityId": "urn:example:limits",
            "acsUrl": "https://sp.example.test/acs"});
        if let (Some(body), Some(patch)) = (body.as_object_mut(), patch.as_object()) {
            body.extend(patch.clone());
        }
        serde_json::from_value(body).expect("input")
    }

    fn code_of(store: &SqliteStore, patch: serde_json::Value) -> &'static str {
        let mut tx = store.begin().expect("begin");
        match validate(
            &mut *tx,
            input(patch),
            None,
            "app-1",
            "2026-01-01T00:00:00Z",
        ) {
            Ok(_) => "",
            Err(e) => e.code(),
        }
    }

    /// Each limit: the limit passes, one more fails with its own code.
    #[test]
    fn limits_at_their_edges() {
        let store = SqliteStore::in_memory().expect("store");
        let n = |c: usize| "n".repeat(c);
        assert_eq!(code_of(&store, serde_json::json!({"name": n(128)})), "");
        assert_eq!(
            code_of(&store, serde_json::json!({"name": n(129)})),
            "invalid_name"
        );
        let entity = |c: usize| format!("urn:{}", "e".repeat(c - 4));
        assert_eq!(
            code_of(&store, serde_json::json!({"entityId": entity(1024)})),
            ""
        );
        assert_eq!(
            code_of(&store, serde_json::json!({"entityId": entity(1025)})),
            "invalid_entity_id"
        );
        let attributes = |c: usize| {
            (0..c)
                .map(|i| serde_json::json!({"name": format!("a{i}"), "value": "x"}))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            code_of(&store, serde_json::json!({"attributes": attributes(100)})),
            ""
        );
        assert_eq!(
            code_of(&store, serde_json::json!({"attributes": attributes(101)})),
            "too_many_attributes"
        );

        let mut tx = store.begin().expect("begin");
        for i in 0..=MAX_ASSIGNMENTS_PER_DOCUMENT {
            let keys = UniqueKeys {
                name: Some(format!("u{i}")),
                external_id: None,
            };
            tx.insert(
                ResourceKind::User,
                &format!("u{i}"),
                &serde_json::json!({}),
                &keys,
            )
            .expect("user");
        }
        tx.commit().expect("commit");
        let assignments = |c: usize| {
            (0..c)
                .map(|i| Assignment {
                    kind: PrincipalKind::User,
                    id: format!("u{i}"),
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            code_of(
                &store,
                serde_json::json!({"assignments": assignments(1000)})
            ),
            ""
        );
        assert_eq!(
            code_of(
                &store,
                serde_json::json!({"assignments": assignments(1001)})
            ),
            "too_many_assignments"
        );
        let template = format!("${{user:email}}{}", "x".repeat(1024 - 13));
        assert_eq!(
            code_of(&store, serde_json::json!({"nameId": {"source": template}})),
            ""
        );
        assert_eq!(
            code_of(
                &store,
                serde_json::json!({"nameId": {"source": format!("{template}x")}})
            ),
            "mapping_too_long"
        );
    }

    /// (URL, expected code or "" for accepted, why); by hand from RFC 3986 §3.2 and the
    /// loopback rule (RFC 6890: 127.0.0.0/8, ::1).
    const URLS: &[(&str, &str, &str)] = &[
        ("https://sp.example.test/acs", "", "https anywhere"),
        (
            "HTTPS://SP.example.test/acs",
            "",
            "schemes are case-insensitive",
        ),
        ("http://127.0.0.1:8080/acs", "", "IPv4 loopback"),
        (
            "http://127.8.9.10/acs",
            "",
            "all of 127.0.0.0/8 is loopback",
        ),
        ("http://[::1]:9/acs", "", "IPv6 loopback"),
        ("http://LOCALHOST/acs", "", "localhost in any case"),
        (
            "http://127.0.0.1.evil.example/acs",
            "insecure_url",
            "a name that starts like loopback",
        ),
        (
            "http://localhost.evil.example/acs",
            "insecure_url",
            "a name that starts with localhost",
        ),
        ("http://[::2]/acs", "insecure_url", "not loopback"),
        (
            "http://10.0.0.1/acs",
            "insecure_url",
            "a private address is still a network",
        ),
        ("https://user@sp.example.test/", "invalid_url", "user info"),
        (
            "https://sp.example.test:/acs",
            "invalid_url",
            "an empty port",
        ),
        ("https://[::1/acs", "invalid_url", "unclosed IPv6 literal"),
        ("https://sp.example.test/a b", "invalid_url", "a space"),
        ("//sp.example.test/acs", "invalid_url", "no scheme"),
        ("data:text/html,x", "invalid_url", "not http(s)"),
    ];

    #[test]
    fn urls() {
        for (url, code, why) in URLS {
            match check_url("acsUrl", url) {
                Ok(()) => assert_eq!(*code, "", "{url}: {why}"),
                Err(e) => assert_eq!(e.code(), *code, "{url}: {why}"),
            }
        }
        let long = format!("https://sp.example.test/{}", "a".repeat(MAX_URL_BYTES - 24));
        assert_eq!(long.len(), MAX_URL_BYTES);
        assert!(check_url("acsUrl", &long).is_ok(), "2048 bytes pass");
        let over = format!("{long}a");
        assert_eq!(
            check_url("acsUrl", &over).map_err(|e| e.code()),
            Err("invalid_url")
        );
    }
}
