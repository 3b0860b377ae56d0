//! identity-center's SAML IdP endpoints over real HTTP: `web::router` on a loopback port, users
//! and groups provisioned over SCIM, an application and its certificates put into the store
//! directly, a signed-in session made in the store, and fedkit-saml's `ServiceProvider` (or
//! python3-saml, when `FEDKIT_PEERS_VENV` names its virtualenv) validating what comes back.
//! Expected values are what the test put in, SAML 2.0 core/bindings (section named at each
//! check) or the error codes the README documents.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use fedkit_certs::{
    Certificate, CertificateSet, DistinguishedName, PrivateKey, SelfSignedLeaf, SigningCredential,
    TrustSet, default_provider,
};
use fedkit_examples::identity_center::apps::{
    self, Application, Assignment, AttributeMapping, NameIdMapping, PrincipalKind, SloBinding,
};
use fedkit_examples::identity_center::config::{Profile, ServiceConfig};
use fedkit_examples::identity_center::scim_api::ScimService;
use fedkit_examples::identity_center::session::{self, SESSIONS};
use fedkit_examples::identity_center::store::{PostgresStore, SqliteStore, Store};
use fedkit_examples::identity_center::tokens::TokenKind;
use fedkit_examples::identity_center::web::{self, AppState, WebConfig};
use fedkit_examples::identity_center::{new_token, saml_idp};
use fedkit_saml::names::{ATTRNAME_URI, BINDING_HTTP_POST, NAMEID_EMAIL};
use fedkit_saml::{
    AuthnRequest, EntityDescriptor, InMemoryReplayCache, InMemoryRequestTracker, LogoutRequest,
    LogoutResponse, NameId, PostField, ReceivedMessage, ServiceProvider, Signer, ValidationOptions,
    VerifiedAssertion, check_identity_center_metadata, encode_post, redirect_url,
};
use fedkit_xml::Limits;
use fedkit_xmldsig::VerifyPolicy;
use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};

const IDP_FIRST_KEY: &str = include_str!("data/identity_center_sso/idp-first.key.pem");
const IDP_SECOND_KEY: &str = include_str!("data/identity_center_sso/idp-second.key.pem");
const SP_KEY: &str = include_str!("data/identity_center_sso/sp.key.pem");
const SP_OTHER_KEY: &str = include_str!("data/identity_center_sso/sp-other.key.pem");

const SP_ENTITY: &str = "https://sp.example.com/saml";
const ACS: &str = "https://sp.example.com/acs";
const SP_SLO: &str = "https://sp.example.com/slo";
const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

type Rng = getrandom::rand_core::UnwrapErr<getrandom::SysRng>;

fn rng() -> Rng {
    getrandom::rand_core::UnwrapErr(getrandom::SysRng)
}

/// A credential for `key` with a certificate made now (valid for 12 months).
fn credential(key_pem: &str, name: &str) -> SigningCredential {
    let key = PrivateKey::from_pem(key_pem).expect("key");
    let certificate = SelfSignedLeaf::new(DistinguishedName::new().common_name(name))
        .validity_months(12)
        .build(&key, Utc::now() - TimeDelta::minutes(1), &mut rng())
        .expect("certificate");
    SigningCredential::new(key, certificate).expect("credential")
}

/// identity-center serving `web::router` on a loopback port, with a SCIM token.
struct Ic {
    /// Where this instance listens.
    url: String,
    /// Its public URL.
    public: String,
    state: Arc<AppState>,
    token: String,
    http: Client,
    _data: Option<tempfile::TempDir>,
}

fn start() -> Ic {
    let data = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&data.path().join("ic.sqlite3")).expect("store");
    let mut ic = start_on(Box::new(store), None);
    ic._data = Some(data);
    ic
}

/// An instance on `store`, at its own port; `public_url` (default: that port's URL) is what
/// entity IDs and endpoints are built on, as behind a load balancer.
fn start_on(store: Box<dyn Store>, public_url: Option<&str>) -> Ic {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let public = public_url.unwrap_or(&url).to_owned();
    let cookie_key = web::cookie_key(store.as_ref()).expect("cookie key");
    let scim = ScimService::new(
        store,
        ServiceConfig::new(
            format!("{url}/scim/v2"),
            Profile::Full,
            fedkit_scim::Dialect::Strict,
        ),
    );
    let state = Arc::new(AppState {
        scim: Arc::new(scim),
        config: WebConfig::new(&public),
        cookie_key,
    });
    let (_, token) = new_token(state.store(), TokenKind::Scim).expect("token");
    let served = Arc::clone(&state);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            axum::serve(listener, web::router(served))
                .await
                .expect("serve");
        });
    });
    let http = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    Ic {
        url,
        public,
        state,
        token,
        http,
        _data: None,
    }
}

/// What a page or response carried.
struct Page {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

fn page(response: Response) -> Page {
    Page {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().expect("body"),
    }
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of `attr="…"` after `anchor` in an auto-post form.
fn form_value(html: &str, anchor: &str) -> Option<String> {
    let start = html.find(anchor)? + anchor.len();
    let rest = html.get(start..)?;
    let open = rest.find("value=\"")? + 7;
    let value = rest.get(open..)?;
    Some(unescape(value.get(..value.find('"')?)?))
}

/// An auto-post form: its action, its message and its RelayState.
struct Form {
    action: String,
    message: String,
    relay_state: Option<String>,
}

impl Page {
    fn form(&self) -> Form {
        assert_eq!(self.status, 200, "{}", self.body);
        let action_at = self.body.find("action=\"").expect("a form") + 8;
        let action = self.body.get(action_at..).expect("action");
        let action = unescape(
            action
                .get(..action.find('"').expect("quote"))
                .expect("action"),
        );
        let message = form_value(&self.body, "name=\"SAMLResponse\"").expect("SAMLResponse");
        Form {
            action,
            message,
            relay_state: form_value(&self.body, "name=\"RelayState\""),
        }
    }

    /// An error page with this status and code, and no SAML message.
    fn refused(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        assert!(
            self.body.contains(&format!("<code>{code}</code>")),
            "{code}: {}",
            self.body
        );
        assert!(!self.body.contains("SAMLResponse"), "{}", self.body);
    }
}

impl Ic {
    fn scim(&self, path: &str, body: &Value) -> Value {
        let response = self
            .http
            .post(format!("{}/scim/v2/{path}", self.url))
            .bearer_auth(&self.token)
            .header("Content-Type", "application/scim+json")
            .body(body.to_string())
            .send()
            .expect("scim");
        assert_eq!(response.status().as_u16(), 201);
        response.json().expect("json")
    }

    fn user(&self, name: &str, email: Option<&str>) -> String {
        let mut doc = json!({"schemas": [USER_SCHEMA], "userName": name,
            "name": {"givenName": "Barbara", "familyName": "Jensen"}});
        if let Some(email) = email {
            doc["emails"] = json!([{"value": email, "primary": true}]);
        }
        self.scim("Users", &doc)["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    fn group(&self, name: &str, members: &[&str]) -> String {
        let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
        self.scim(
            "Groups",
            &json!({"schemas": [GROUP_SCHEMA], "displayName": name, "members": members}),
        )["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    fn save_app(&self, app: &Application, set: &CertificateSet) {
        let mut tx = self.state.store().begin().expect("begin");
        apps::save(tx.as_mut(), app).expect("save");
        apps::save_certificates(tx.as_mut(), &app.id, set).expect("certificates");
        tx.commit().expect("commit");
    }

    fn certificates(&self, app: &str) -> CertificateSet {
        let mut tx = self.state.store().begin().expect("begin");
        apps::load_certificates(tx.as_mut(), app, Utc::now().timestamp())
            .expect("load")
            .expect("set")
    }

    /// A session for `user_id`: the `Cookie` header value and the CSRF token.
    fn sign_in(&self, user_id: &str) -> (String, String) {
        let mut tx = self.state.store().begin().expect("begin");
        let (session, set_cookie) = session::create(
            &self.state,
            tx.as_mut(),
            user_id,
            "password",
            Utc::now().timestamp(),
        )
        .expect("session");
        tx.commit().expect("commit");
        let pair = set_cookie.split(';').next().expect("cookie").to_owned();
        (pair, session.csrf)
    }

    fn session_count(&self) -> usize {
        let mut tx = self.state.store().begin().expect("begin");
        tx.record_list(SESSIONS, Utc::now().timestamp())
            .expect("list")
            .len()
    }

    fn get(&self, path_or_url: &str, cookie: Option<&str>) -> Page {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_owned()
        } else {
            format!("{}{path_or_url}", self.url)
        };
        let mut request = self.http.get(url);
        if let Some(cookie) = cookie {
            request = request.header("Cookie", cookie);
        }
        page(request.send().expect("GET"))
    }

    fn post_form(&self, path: &str, fields: &[(&str, &str)], cookie: Option<&str>) -> Page {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", form_encode(v)))
            .collect();
        let mut request = self
            .http
            .post(format!("{}{path}", self.url))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.join("&"));
        if let Some(cookie) = cookie {
            request = request.header("Cookie", cookie);
        }
        page(request.send().expect("POST"))
    }

    fn idp_entity(&self, app: &str) -> String {
        format!("{}/saml/{app}", self.public)
    }

    fn sso(&self, app: &str) -> String {
        format!("{}/saml/{app}/sso", self.public)
    }

    fn metadata(&self, app: &str, query: &str) -> EntityDescriptor {
        let page = self.get(&format!("/saml/{app}/metadata{query}"), None);
        assert_eq!(page.status, 200, "{}", page.body);
        let mut entities =
            EntityDescriptor::parse(page.body.as_bytes(), &Limits::default()).expect("metadata");
        assert_eq!(entities.len(), 1);
        entities.remove(0)
    }

    /// An SP trusting what the metadata (default: active certificate only) publishes.
    fn sp(&self, app: &str) -> ServiceProvider {
        let trust = self.metadata(app, "").idp_signing_trust().expect("trust");
        sp_trusting(self, app, trust)
    }
}

fn sp_trusting(ic: &Ic, app: &str, trust: TrustSet) -> ServiceProvider {
    ServiceProvider::new(SP_ENTITY, ACS, ic.idp_entity(app), trust).with_options(
        ValidationOptions {
            allow_unsolicited: true,
            ..ValidationOptions::default()
        },
    )
}

fn form_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One application "app-1" for `assigned`, with the AWS-style mappings the tests expect.
fn application(id: &str, assignments: Vec<Assignment>) -> Application {
    Application {
        id: id.to_owned(),
        name: "Wiki & Docs".to_owned(),
        entity_id: SP_ENTITY.to_owned(),
        acs_url: ACS.to_owned(),
        slo_url: Some(SP_SLO.to_owned()),
        slo_binding: SloBinding::Post,
        name_id: NameIdMapping {
            source: "${user:email}".to_owned(),
            format: NAMEID_EMAIL.to_owned(),
        },
        attributes: vec![
            AttributeMapping {
                name: "email".to_owned(),
                value: "${user:email}".to_owned(),
                name_format: None,
            },
            AttributeMapping {
                name: "displayName".to_owned(),
                value: "${user:familyName}, ${user:givenName}".to_owned(),
                name_format: None,
            },
            AttributeMapping {
                name: "https://aws.amazon.com/SAML/Attributes/AccessControl:groups".to_owned(),
                value: "${user:groups}".to_owned(),
                name_format: Some(ATTRNAME_URI.to_owned()),
            },
        ],
        assignments,
        require_signed_requests: false,
        sp_signing_certificates: Vec::new(),
        encryption_certificate: None,
        start_url: Some("https://sp.example.com/start".to_owned()),
        created: "2026-12-03T00:00:00Z".to_owned(),
    }
}

fn assign_user(id: &str) -> Assignment {
    Assignment {
        kind: PrincipalKind::User,
        id: id.to_owned(),
    }
}

/// A running identity-center with one application, a user assigned through a group, and
/// that user signed in.
struct World {
    ic: Ic,
    app: Application,
    user: String,
    group_a: String,
    group_b: String,
    cookie: String,
    csrf: String,
}

fn world(configure: impl FnOnce(&mut Application)) -> World {
    let ic = start();
    let user = ic.user("bjensen", Some("bjensen@example.com"));
    let group_a = ic.group("engineers", &[&user]);
    let group_b = ic.group("staff", &[&user]);
    let mut app = application(
        "app-1",
        vec![Assignment {
            kind: PrincipalKind::Group,
            id: group_a.clone(),
        }],
    );
    configure(&mut app);
    ic.save_app(
        &app,
        &CertificateSet::new(credential(IDP_FIRST_KEY, "app-1 first")),
    );
    let (cookie, csrf) = ic.sign_in(&user);
    World {
        ic,
        app,
        user,
        group_a,
        group_b,
        cookie,
        csrf,
    }
}

fn authn_request(ic: &Ic, app: &str) -> AuthnRequest {
    AuthnRequest::new(SP_ENTITY, ic.sso(app), ACS, Utc::now(), &mut rng())
}

fn redirect(ic: &Ic, app: &str, request: &AuthnRequest, relay: Option<&str>) -> String {
    redirect_url(
        &ic.sso(app),
        PostField::Request,
        &request.to_xml(),
        relay,
        None,
        &mut rng(),
    )
    .expect("url")
}

fn signed_redirect(ic: &Ic, app: &str, request: &AuthnRequest, signer: &Signer) -> String {
    redirect_url(
        &ic.sso(app),
        PostField::Request,
        &request.to_xml(),
        Some("signed"),
        Some(signer),
        &mut rng(),
    )
    .expect("url")
}

fn signer(key_pem: &str) -> (Signer, Certificate) {
    let credential = credential(key_pem, "sp");
    let certificate = credential.certificate().clone();
    (
        Signer::new(&credential, default_provider()).expect("signer"),
        certificate,
    )
}

/// What the SP makes of an auto-post form answering `request_id` (None: unsolicited).
fn validate(
    sp: &ServiceProvider,
    form: &Form,
    request_id: Option<&str>,
) -> Result<VerifiedAssertion, fedkit_saml::Error> {
    assert_eq!(form.action, ACS, "responses go to the registered ACS only");
    let now = Utc::now();
    let mut tracker = InMemoryRequestTracker::new();
    if let Some(id) = request_id {
        tracker.track(id, now + TimeDelta::minutes(5));
    }
    sp.validate_post(
        &form.message,
        now,
        &mut tracker,
        &mut InMemoryReplayCache::new(),
    )
}

fn values(assertion: &VerifiedAssertion, name: &str) -> Vec<String> {
    assertion
        .attribute(name)
        .map(|a| a.values.iter().map(|v| v.text.clone()).collect())
        .unwrap_or_default()
}

#[test]
fn metadata_publishes_the_active_certificate_and_the_endpoints() {
    let w = world(|app| app.require_signed_requests = true);
    let ic = &w.ic;
    let entity = ic.metadata("app-1", "");
    assert_eq!(entity.entity_id, format!("{}/saml/app-1", ic.url));
    let idp = entity.idp.as_ref().expect("IDPSSODescriptor");
    let active = ic.certificates("app-1").active().certificate().clone();
    let published: Vec<&Certificate> = idp.keys.iter().flat_map(|k| &k.certificates).collect();
    assert_eq!(published, vec![&active]);
    let sso = format!("{}/saml/app-1/sso", ic.url);
    let slo = format!("{}/saml/app-1/slo", ic.url);
    for binding in [
        BINDING_HTTP_POST,
        "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
    ] {
        assert_eq!(idp.service(binding).map(|e| &e.location), Some(&sso));
        assert!(
            idp.single_logout
                .iter()
                .any(|e| e.binding == binding && e.location == slo)
        );
    }
    assert_eq!(idp.name_id_formats, vec![NAMEID_EMAIL.to_owned()]);
    assert!(
        idp.requests_signed,
        "WantAuthnRequestsSigned follows the app"
    );

    let xml = ic.get("/saml/app-1/metadata", None);
    assert_eq!(
        xml.headers["content-type"], "application/samlmetadata+xml",
        "SAML metadata §4.1.1 media type"
    );
    assert_eq!(check_identity_center_metadata(&xml.body), Vec::new());

    let pem = ic.get("/saml/app-1/certificate", None);
    assert_eq!(pem.status, 200);
    assert_eq!(
        Certificate::parse(&pem.body).expect("pem"),
        active,
        "the download is the active certificate"
    );
    assert!(
        pem.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );

    ic.get("/saml/nope/metadata", None)
        .refused(404, "app_not_found");
    ic.get("/saml/app-1/metadata?certificates=all", None)
        .refused(400, "certificates_parameter_invalid");
}

#[test]
fn sp_initiated_redirect_and_post_bring_the_mapped_name_id_and_attributes() {
    let w = world(|_| {});
    let ic = &w.ic;
    let sp = ic.sp("app-1");

    // HTTP-Redirect, with a RelayState of exactly 80 bytes (bindings §3.4.3) returned as sent.
    let relay = "r".repeat(79) + "=";
    let request = authn_request(ic, "app-1");
    let page = ic.get(
        &redirect(ic, "app-1", &request, Some(&relay)),
        Some(&w.cookie),
    );
    assert!(
        page.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'unsafe-inline'"),
        "the auto-post page may run its onload submit"
    );
    let form = page.form();
    assert_eq!(form.relay_state.as_deref(), Some(relay.as_str()));
    let verified = validate(&sp, &form, Some(&request.id)).expect("valid");
    assert_eq!(verified.name_id().value, "bjensen@example.com");
    assert_eq!(verified.name_id().format.as_deref(), Some(NAMEID_EMAIL));
    assert_eq!(verified.in_response_to(), Some(request.id.as_str()));
    assert_eq!(values(&verified, "email"), vec!["bjensen@example.com"]);
    assert_eq!(values(&verified, "displayName"), vec!["Jensen, Barbara"]);
    let mut groups = values(
        &verified,
        "https://aws.amazon.com/SAML/Attributes/AccessControl:groups",
    );
    groups.sort();
    let mut expected = vec![w.group_a.clone(), w.group_b.clone()];
    expected.sort();
    assert_eq!(
        groups, expected,
        "one value per group (AWS sends group ids)"
    );
    assert_eq!(
        verified
            .attribute("https://aws.amazon.com/SAML/Attributes/AccessControl:groups")
            .and_then(|a| a.name_format.as_deref()),
        Some(ATTRNAME_URI)
    );

    // The session remembers the SessionIndex for SLO.
    let session_index = verified.session_index().expect("SessionIndex").to_owned();
    let mut tx = ic.state.store().begin().expect("begin");
    let mut headers = axum::http::HeaderMap::new();
    headers.insert("cookie", w.cookie.parse().unwrap());
    let session = session::current(&ic.state, tx.as_mut(), &headers, Utc::now().timestamp())
        .expect("current")
        .expect("session");
    assert_eq!(
        session.applications,
        vec![("app-1".to_owned(), session_index)]
    );
    drop(tx);

    // HTTP-POST.
    let request = authn_request(ic, "app-1");
    let page = ic.post_form(
        "/saml/app-1/sso",
        &[
            ("SAMLRequest", &encode_post(&request.to_xml())),
            ("RelayState", "<b>&\"'"),
        ],
        Some(&w.cookie),
    );
    let form = page.form();
    assert_eq!(form.relay_state.as_deref(), Some("<b>&\"'"));
    let verified = validate(&sp, &form, Some(&request.id)).expect("valid");
    assert_eq!(verified.name_id().value, "bjensen@example.com");
}

#[test]
fn requests_that_fail_a_check_are_refused_with_their_code() {
    let w = world(|_| {});
    let ic = &w.ic;
    let cookie = Some(w.cookie.as_str());
    let refused = |request: &AuthnRequest, status: u16, code: &str| {
        ic.get(&redirect(ic, "app-1", request, None), cookie)
            .refused(status, code);
    };

    // ACS URL: exact equality, no prefix, query or host games.
    for acs in [
        "https://sp.example.com/acs/",
        "https://sp.example.com/acs?next=https://evil.example",
        "https://sp.example.com.evil.example/acs",
        "https://SP.example.com/acs",
    ] {
        let mut request = authn_request(ic, "app-1");
        request.acs_url = Some(acs.to_owned());
        refused(&request, 400, "acs_url_mismatch");
    }
    let mut request = authn_request(ic, "app-1");
    request.issuer = "https://other-sp.example.com".to_owned();
    refused(&request, 400, "issuer_mismatch");
    let mut request = authn_request(ic, "app-1");
    request.destination = Some(format!("{}/saml/app-2/sso", ic.url));
    refused(&request, 400, "destination_mismatch");
    let mut request = authn_request(ic, "app-1");
    request.protocol_binding = Some("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact".into());
    refused(&request, 400, "protocol_binding_unsupported");
    let mut request = authn_request(ic, "app-1");
    request.name_id_format = Some("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent".into());
    refused(&request, 400, "name_id_format_unsupported");
    let mut request = authn_request(ic, "app-1");
    request.issue_instant = Utc::now() - TimeDelta::minutes(6);
    refused(&request, 400, "request_expired");
    let mut request = authn_request(ic, "app-1");
    request.issue_instant = Utc::now() + TimeDelta::minutes(3);
    refused(&request, 400, "request_not_yet_valid");

    // RelayState of 81 bytes: one more than bindings §3.4.3 allows.
    let request = authn_request(ic, "app-1");
    ic.get(
        &redirect(ic, "app-1", &request, Some(&"r".repeat(81))),
        cookie,
    )
    .refused(400, "relay_state_too_long");

    ic.get("/saml/app-1/sso?SAMLRequest=%%%", cookie)
        .refused(400, "request_malformed");
    ic.get("/saml/app-1/sso?RelayState=x", cookie)
        .refused(400, "request_malformed");
    ic.post_form("/saml/app-1/sso", &[("RelayState", "x")], cookie)
        .refused(400, "field_invalid");
    let twice = encode_post(&authn_request(ic, "app-1").to_xml());
    ic.post_form(
        "/saml/app-1/sso",
        &[("SAMLRequest", &twice), ("SAMLRequest", &twice)],
        cookie,
    )
    .refused(400, "field_invalid");
    let request = authn_request(ic, "nope");
    ic.get(&redirect(ic, "nope", &request, None), cookie)
        .refused(404, "app_not_found");
}

#[test]
fn a_replayed_authn_request_id_is_refused_but_a_refused_request_consumes_nothing() {
    let w = world(|_| {});
    let ic = &w.ic;
    let outsider = ic.user("outsider", Some("outsider@example.com"));
    let (outsider_cookie, _) = ic.sign_in(&outsider);

    let request = authn_request(ic, "app-1");
    let url = redirect(ic, "app-1", &request, None);
    // Refused for a user who is not assigned: the ID is not used up (the transaction rolled back).
    let page = ic.get(&url, Some(&outsider_cookie));
    page.refused(403, "not_assigned");
    assert!(
        page.body
            .contains("You don&#39;t have access to Wiki &amp; Docs"),
        "{}",
        page.body
    );
    let form = ic.get(&url, Some(&w.cookie)).form();
    validate(&ic.sp("app-1"), &form, Some(&request.id)).expect("valid");
    ic.get(&url, Some(&w.cookie))
        .refused(400, "request_replayed");
    // The same ID over the other binding is the same request.
    ic.post_form(
        "/saml/app-1/sso",
        &[("SAMLRequest", &encode_post(&request.to_xml()))],
        Some(&w.cookie),
    )
    .refused(400, "request_replayed");
}

#[test]
fn unassigned_disabled_and_unmappable_users_get_no_assertion() {
    let w = world(|_| {});
    let ic = &w.ic;
    let sp = ic.sp("app-1");
    // Not assigned: a page, no assertion.
    let outsider = ic.user("outsider", Some("outsider@example.com"));
    let (outsider_cookie, outsider_csrf) = ic.sign_in(&outsider);
    ic.post_form(
        "/saml/app-1/initiate",
        &[("csrf", &outsider_csrf)],
        Some(&outsider_cookie),
    )
    .refused(403, "not_assigned");

    // Assigned directly but without an e-mail address: the NameID mapping has no value.
    let nomail = ic.user("nomail", None);
    let mut app = w.app.clone();
    app.assignments.push(assign_user(&nomail));
    app.assignments.push(assign_user(&outsider));
    ic.save_app(&app, &ic.certificates("app-1"));
    let (nomail_cookie, nomail_csrf) = ic.sign_in(&nomail);
    ic.post_form(
        "/saml/app-1/initiate",
        &[("csrf", &nomail_csrf)],
        Some(&nomail_cookie),
    )
    .refused(403, "name_id_unavailable");
    // Now assigned, the outsider gets in.
    let form = ic
        .post_form(
            "/saml/app-1/initiate",
            &[("csrf", &outsider_csrf)],
            Some(&outsider_cookie),
        )
        .form();
    assert_eq!(
        validate(&sp, &form, None).expect("valid").name_id().value,
        "outsider@example.com"
    );

    // Disabled over SCIM (active: false): no assertion.
    let response = ic
        .http
        .patch(format!("{}/scim/v2/Users/{}", ic.url, w.user))
        .bearer_auth(&ic.token)
        .header("Content-Type", "application/scim+json")
        .body(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                   "Operations": [{"op": "replace", "path": "active", "value": false}]})
            .to_string(),
        )
        .send()
        .expect("patch");
    assert_eq!(response.status().as_u16(), 200);
    let request = authn_request(ic, "app-1");
    ic.get(&redirect(ic, "app-1", &request, None), Some(&w.cookie))
        .refused(403, "user_disabled");
}

#[test]
fn idp_initiated_sign_in_needs_the_session_csrf_token() {
    let w = world(|_| {});
    let ic = &w.ic;
    let page = ic.post_form(
        "/saml/app-1/initiate",
        &[("csrf", &w.csrf)],
        Some(&w.cookie),
    );
    let form = page.form();
    assert_eq!(
        form.relay_state.as_deref(),
        Some("https://sp.example.com/start"),
        "RelayState is the app's start URL"
    );
    let verified = validate(&ic.sp("app-1"), &form, None).expect("unsolicited response");
    assert_eq!(verified.in_response_to(), None, "no InResponseTo");
    assert_eq!(verified.name_id().value, "bjensen@example.com");
    // An SP that refuses unsolicited responses (fedkit-saml's default) says so.
    let strict = ServiceProvider::new(
        SP_ENTITY,
        ACS,
        ic.idp_entity("app-1"),
        ic.metadata("app-1", "").idp_signing_trust().expect("trust"),
    );
    assert_eq!(
        validate(&strict, &form, None).unwrap_err().code(),
        "unsolicited_response"
    );

    ic.post_form(
        "/saml/app-1/initiate",
        &[("csrf", "forged")],
        Some(&w.cookie),
    )
    .refused(403, "csrf_mismatch");
    ic.post_form("/saml/app-1/initiate", &[], Some(&w.cookie))
        .refused(403, "csrf_mismatch");
    ic.post_form("/saml/app-1/initiate", &[("csrf", &w.csrf)], None)
        .refused(401, "not_signed_in");
}

#[test]
fn without_a_session_the_request_waits_for_sign_in_once_in_the_same_browser() {
    let w = world(|_| {});
    let ic = &w.ic;
    let request = authn_request(ic, "app-1");
    // HTTP-POST arrives cross-site without the SameSite=Lax cookie.
    let page = ic.post_form(
        "/saml/app-1/sso",
        &[
            ("SAMLRequest", &encode_post(&request.to_xml())),
            ("RelayState", "state-1"),
        ],
        None,
    );
    assert_eq!(page.status, 303, "{}", page.body);
    let location = page.headers["location"].to_str().unwrap().to_owned();
    let next = location
        .strip_prefix("/login?next=")
        .expect("to the sign-in page");
    let resume = next.replace("%2F", "/");
    assert!(resume.starts_with("/saml/app-1/resume/"), "{resume}");
    let set_cookie = page.headers["set-cookie"].to_str().unwrap();
    assert!(
        set_cookie.contains(&format!("Path={resume};"))
            && set_cookie.contains("HttpOnly")
            && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    let pending_cookie = set_cookie.split(';').next().unwrap().to_owned();
    let both = format!("{}; {pending_cookie}", w.cookie);

    // The portal's sign-in page, with a live session, sends the browser on to `next` at once.
    let login = ic.get(&location, Some(&w.cookie));
    assert_eq!(login.status, 303, "{}", login.body);
    assert_eq!(login.headers["location"], resume.as_str());

    // Not signed in yet: back to the sign-in page, nothing consumed.
    let again = ic.get(&resume, Some(&pending_cookie));
    assert_eq!(again.status, 303);
    assert_eq!(again.headers["location"], location.as_str());
    // Another browser (no pending cookie) cannot finish it.
    ic.get(&resume, Some(&w.cookie))
        .refused(404, "pending_request_not_found");

    let form = ic.get(&resume, Some(&both)).form();
    assert_eq!(form.relay_state.as_deref(), Some("state-1"));
    let verified = validate(&ic.sp("app-1"), &form, Some(&request.id)).expect("valid");
    assert_eq!(verified.name_id().value, "bjensen@example.com");
    // One-time.
    ic.get(&resume, Some(&both))
        .refused(404, "pending_request_not_found");

    // IsPassive without a session: a Responder/NoPassive status, no sign-in page (core §3.4.1).
    let mut passive = authn_request(ic, "app-1");
    passive.is_passive = true;
    let form = ic.get(&redirect(ic, "app-1", &passive, None), None).form();
    let error = validate(&ic.sp("app-1"), &form, Some(&passive.id)).unwrap_err();
    assert_eq!(error.code(), "status_not_success", "{error}");
    assert!(error.to_string().contains("NoPassive"), "{error}");
}

#[test]
fn signed_requests_are_verified_and_required_when_the_app_says_so() {
    let (sp_signer, sp_certificate) = signer(SP_KEY);
    let (other_signer, _) = signer(SP_OTHER_KEY);
    let w = world(|app| {
        app.require_signed_requests = true;
        app.sp_signing_certificates = vec![sp_certificate.to_pem()];
    });
    let ic = &w.ic;
    let cookie = Some(w.cookie.as_str());
    let sp = ic.sp("app-1");

    // Unsigned, either binding.
    let request = authn_request(ic, "app-1");
    ic.get(&redirect(ic, "app-1", &request, None), cookie)
        .refused(400, "request_unsigned");
    ic.post_form(
        "/saml/app-1/sso",
        &[("SAMLRequest", &encode_post(&request.to_xml()))],
        cookie,
    )
    .refused(400, "request_unsigned");

    // Signed by another key, or with the query signature tampered with.
    ic.get(
        &signed_redirect(ic, "app-1", &request, &other_signer),
        cookie,
    )
    .refused(400, "request_signature_invalid");
    let url = signed_redirect(ic, "app-1", &request, &sp_signer);
    let (head, signature) = url.split_once("&Signature=").expect("signed");
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    let tampered = format!("{head}&Signature={flipped}{}", &signature[1..]);
    ic.get(&tampered, cookie)
        .refused(400, "request_signature_invalid");
    let relay_changed = url.replace("RelayState=signed", "RelayState=changed");
    ic.get(&relay_changed, cookie)
        .refused(400, "request_signature_invalid");
    let forged_post = other_signer
        .sign_xml(&request.to_xml(), &mut rng())
        .expect("sign");
    ic.post_form(
        "/saml/app-1/sso",
        &[("SAMLRequest", &encode_post(&forged_post))],
        cookie,
    )
    .refused(400, "request_signature_invalid");

    // Signed by the SP: accepted over both bindings.
    let form = ic.get(&url, cookie).form();
    assert_eq!(form.relay_state.as_deref(), Some("signed"));
    validate(&sp, &form, Some(&request.id)).expect("valid");
    let request = authn_request(ic, "app-1");
    let signed_post = sp_signer
        .sign_xml(&request.to_xml(), &mut rng())
        .expect("sign");
    let form = ic
        .post_form(
            "/saml/app-1/sso",
            &[("SAMLRequest", &encode_post(&signed_post))],
            cookie,
        )
        .form();
    validate(&sp, &form, Some(&request.id)).expect("valid");

    // An app that does not require signatures still refuses a bad one.
    let mut lenient = w.app.clone();
    lenient.require_signed_requests = false;
    ic.save_app(&lenient, &ic.certificates("app-1"));
    let request = authn_request(ic, "app-1");
    ic.get(
        &signed_redirect(ic, "app-1", &request, &other_signer),
        cookie,
    )
    .refused(400, "request_signature_invalid");
    let form = ic
        .get(&redirect(ic, "app-1", &request, None), cookie)
        .form();
    validate(&sp, &form, Some(&request.id)).expect("unsigned is fine here");
}

#[test]
fn rotation_publishes_the_next_certificate_and_activation_switches_the_signer() {
    let w = world(|_| {});
    let ic = &w.ic;
    let old_sp = ic.sp("app-1");
    let sign_in = || {
        ic.post_form(
            "/saml/app-1/initiate",
            &[("csrf", &w.csrf)],
            Some(&w.cookie),
        )
        .form()
    };

    // A second certificate: inactive, published only with ?certificates=next, active first.
    let mut set = ic.certificates("app-1");
    let old = set.active().certificate().clone();
    let fingerprint = set
        .add(credential(IDP_SECOND_KEY, "app-1 second"))
        .expect("add");
    ic.save_app(&w.app, &set);
    let new = set.get(&fingerprint).expect("added").certificate().clone();
    let published = |query: &str| -> Vec<Certificate> {
        ic.metadata("app-1", query)
            .idp
            .expect("idp")
            .keys
            .into_iter()
            .flat_map(|k| k.certificates)
            .collect()
    };
    assert_eq!(published(""), vec![old.clone()]);
    assert_eq!(published("?certificates=active"), vec![old.clone()]);
    assert_eq!(
        published("?certificates=next"),
        vec![old.clone(), new.clone()]
    );
    let both_sp = sp_trusting(
        ic,
        "app-1",
        ic.metadata("app-1", "?certificates=next")
            .idp_signing_trust()
            .expect("trust"),
    );
    let form = sign_in();
    validate(&old_sp, &form, None).expect("still signed by the old one");
    validate(&both_sp, &form, None).expect("the SP trusting both");

    // Activate the new one: the SP that only knew the old certificate fails, as AWS warns.
    set.activate(&fingerprint, Utc::now()).expect("activate");
    ic.save_app(&w.app, &set);
    assert_eq!(published(""), vec![new.clone()]);
    let form = sign_in();
    let error = validate(&old_sp, &form, None).unwrap_err();
    assert_eq!(error.code(), "untrusted_key", "{error}");
    let verified = validate(&both_sp, &form, None).expect("the SP trusting both");
    assert_eq!(verified.signing_certificate(), &new);

    // Delete the old one: sign-in still works.
    let old_fingerprint = old.sha256_fingerprint().clone();
    set.remove(&old_fingerprint, Utc::now()).expect("remove");
    ic.save_app(&w.app, &set);
    assert_eq!(published("?certificates=next"), vec![new]);
    validate(&both_sp, &sign_in(), None).expect("after deleting the old one");
}

#[test]
fn assertions_are_encrypted_to_the_app_certificate_when_it_has_one() {
    let sp_credential = credential(SP_KEY, "sp encryption");
    let w = world(|app| {
        app.encryption_certificate = Some(sp_credential.certificate().to_pem());
    });
    let ic = &w.ic;
    let form = ic
        .post_form(
            "/saml/app-1/initiate",
            &[("csrf", &w.csrf)],
            Some(&w.cookie),
        )
        .form();
    let xml = String::from_utf8(fedkit_saml::decode_post(&form.message, 1 << 20).expect("base64"))
        .expect("utf-8");
    assert!(xml.contains("EncryptedAssertion"), "{xml}");
    assert!(!xml.contains("bjensen@example.com"), "no cleartext");
    let sp = ic.sp("app-1");
    assert_eq!(
        validate(&sp, &form, None).unwrap_err().code(),
        "decryption_key_missing"
    );
    let sp = sp.with_decryption_key(sp_credential.key().clone());
    let verified = validate(&sp, &form, None).expect("decrypted and verified");
    assert_eq!(verified.name_id().value, "bjensen@example.com");
}

fn logout_request(ic: &Ic, signer: Option<&Signer>, index: Option<String>) -> (String, String) {
    let request = LogoutRequest::new(
        SP_ENTITY,
        format!("{}/saml/app-1/slo", ic.url),
        NameId::new("bjensen@example.com", NAMEID_EMAIL),
        index,
        TimeDelta::minutes(5),
        Utc::now(),
        &mut rng(),
    );
    let url = redirect_url(
        &format!("{}/saml/app-1/slo", ic.url),
        PostField::Request,
        &request.to_xml(),
        Some("slo-state"),
        signer,
        &mut rng(),
    )
    .expect("url");
    (url, request.id.clone())
}

#[test]
fn slo_from_the_sp_ends_the_session_and_answers_signed() {
    let (sp_signer, sp_certificate) = signer(SP_KEY);
    let w = world(|app| app.sp_signing_certificates = vec![sp_certificate.to_pem()]);
    let ic = &w.ic;
    let sp = ic.sp("app-1");
    let form = ic
        .post_form(
            "/saml/app-1/initiate",
            &[("csrf", &w.csrf)],
            Some(&w.cookie),
        )
        .form();
    let index = validate(&sp, &form, None)
        .expect("valid")
        .session_index()
        .map(str::to_owned);
    assert_eq!(ic.session_count(), 1);

    // Unsigned or forged: refused, the session stays (GHSA-vx8m-6fhw-pccw).
    let (unsigned, _) = logout_request(ic, None, index.clone());
    ic.get(&unsigned, Some(&w.cookie))
        .refused(400, "logout_unsigned");
    let (other_signer, _) = signer(SP_OTHER_KEY);
    let (forged, _) = logout_request(ic, Some(&other_signer), index.clone());
    ic.get(&forged, Some(&w.cookie))
        .refused(400, "request_signature_invalid");
    assert_eq!(ic.session_count(), 1);

    // Signed, over HTTP-POST, naming a SessionIndex of no session: answered, nothing ends.
    let other = LogoutRequest::new(
        SP_ENTITY,
        format!("{}/saml/app-1/slo", ic.url),
        NameId::new("bjensen@example.com", NAMEID_EMAIL),
        Some("_not-ours".to_owned()),
        TimeDelta::minutes(5),
        Utc::now(),
        &mut rng(),
    );
    let signed = sp_signer
        .sign_xml(&other.to_xml(), &mut rng())
        .expect("sign");
    let form = ic
        .post_form(
            "/saml/app-1/slo",
            &[("SAMLRequest", &encode_post(&signed))],
            None,
        )
        .form();
    assert_eq!(form.action, SP_SLO);
    assert_eq!(ic.session_count(), 1);

    // Signed, over HTTP-Redirect without the cookie (the SessionIndex names the session).
    let (url, request_id) = logout_request(ic, Some(&sp_signer), index);
    let page = ic.get(&url, None);
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(ic.session_count(), 0, "the session ended");
    let form = page.form();
    assert_eq!(form.action, SP_SLO);
    assert_eq!(form.relay_state.as_deref(), Some("slo-state"));
    let trust = ic.metadata("app-1", "").idp_signing_trust().expect("trust");
    let message = ReceivedMessage::from_post(
        &form.message,
        None,
        &trust,
        &VerifyPolicy::default(),
        Utc::now(),
        &Limits::default(),
    )
    .expect("signed LogoutResponse");
    let mut tracker = InMemoryRequestTracker::new();
    tracker.track(&request_id, Utc::now() + TimeDelta::minutes(5));
    let answer = LogoutResponse::read(
        &message,
        &ic.idp_entity("app-1"),
        SP_SLO,
        Utc::now(),
        &mut tracker,
    )
    .expect("success");
    assert_eq!(answer.in_response_to.as_deref(), Some(request_id.as_str()));

    // The cookie no longer signs in: a new request waits for the sign-in page.
    let request = authn_request(ic, "app-1");
    let page = ic.get(&redirect(ic, "app-1", &request, None), Some(&w.cookie));
    assert_eq!(page.status, 303);
}

#[test]
fn slo_with_the_browser_session_and_idp_initiated_logout_requests() {
    let (sp_signer, sp_certificate) = signer(SP_KEY);
    let w = world(|app| app.sp_signing_certificates = vec![sp_certificate.to_pem()]);
    let ic = &w.ic;
    let form = ic
        .post_form(
            "/saml/app-1/initiate",
            &[("csrf", &w.csrf)],
            Some(&w.cookie),
        )
        .form();
    validate(&ic.sp("app-1"), &form, None).expect("valid");

    // IdP-initiated: identity-center's LogoutRequest to the SP, and the SP's answer accepted once.
    let mut tx = ic.state.store().begin().expect("begin");
    let mut headers = axum::http::HeaderMap::new();
    headers.insert("cookie", w.cookie.parse().unwrap());
    let now = Utc::now();
    let session = session::current(&ic.state, tx.as_mut(), &headers, now.timestamp())
        .expect("current")
        .expect("session");
    let requests = saml_idp::logout_requests(&ic.state, tx.as_mut(), &session, now).expect("slo");
    tx.commit().expect("commit");
    assert_eq!(requests.len(), 1);
    let (app, url) = &requests[0];
    assert_eq!(app, "app-1");
    let query = url.strip_prefix(&format!("{SP_SLO}?")).expect("to the SP");
    let parsed =
        fedkit_saml::RedirectQuery::parse(query, &Default::default()).expect("redirect query");
    let trust = ic.metadata("app-1", "").idp_signing_trust().expect("trust");
    let message = parsed
        .verify(&trust, &VerifyPolicy::default(), now, &Default::default())
        .expect("signed by the app's active certificate");
    let received = ReceivedMessage::from_redirect(&message, &Limits::default()).expect("xml");
    let request = LogoutRequest::read(
        &received,
        &ic.idp_entity("app-1"),
        SP_SLO,
        now,
        TimeDelta::seconds(60),
    )
    .expect("LogoutRequest");
    assert_eq!(request.name_id.value, "bjensen@example.com");

    let answer = LogoutResponse::new(
        SP_ENTITY,
        format!("{}/saml/app-1/slo", ic.url),
        &request,
        fedkit_saml::Status::success(),
        Utc::now(),
        &mut rng(),
    );
    let signed = sp_signer
        .sign_xml(&answer.to_xml(), &mut rng())
        .expect("sign");
    let posted = ic.post_form(
        "/saml/app-1/slo",
        &[("SAMLResponse", &encode_post(&signed))],
        None,
    );
    assert_eq!(posted.status, 200, "{}", posted.body);
    assert!(posted.body.contains("signed out of Wiki &amp; Docs"));
    ic.post_form(
        "/saml/app-1/slo",
        &[("SAMLResponse", &encode_post(&signed))],
        None,
    )
    .refused(400, "logout_response_unexpected");

    // SP-initiated without SessionIndex: the browser's own session ends, its cookie is cleared.
    let (url, _) = logout_request(ic, Some(&sp_signer), None);
    let page = ic.get(&url, Some(&w.cookie));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.headers["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(ic.session_count(), 0);
}

/// python3-saml (PyPI 1.16.0) as the SP, configured from identity-center's metadata with its
/// own metadata parser: it builds the AuthnRequest and validates the Response in strict mode.
const PYTHON_SP: &str = r#"
import json, sys
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from onelogin.saml2.authn_request import OneLogin_Saml2_Authn_Request
from onelogin.saml2.response import OneLogin_Saml2_Response
cfg = json.loads(sys.argv[1])
settings = OneLogin_Saml2_IdPMetadataParser.merge_settings({
    "strict": True,
    "sp": {"entityId": cfg["sp"],
           "assertionConsumerService": {"url": cfg["acs"], "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"},
           "NameIDFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"},
    "security": {"wantAssertionsSigned": True, "rejectDeprecatedAlgorithm": True},
}, OneLogin_Saml2_IdPMetadataParser.parse(cfg["metadata"]))
settings = OneLogin_Saml2_Settings(settings)
if cfg["step"] == "request":
    request = OneLogin_Saml2_Authn_Request(settings)
    print(json.dumps({"id": request.get_id(), "SAMLRequest": request.get_request(),
                      "sso": settings.get_idp_data()["singleSignOnService"]["url"]}))
else:
    response = OneLogin_Saml2_Response(settings, cfg["response"])
    request = {"http_host": "sp.example.com", "script_name": "/acs", "https": "on"}
    ok = response.is_valid(request, cfg.get("request_id"), raise_exceptions=False)
    print(json.dumps({"ok": ok, "error": response.get_error(),
                      "name_id": response.get_nameid() if ok else None,
                      "attributes": response.get_attributes() if ok else None}))
"#;

fn python_sp(venv: &str, cfg: &Value) -> Value {
    let out = std::process::Command::new(format!("{venv}/bin/python"))
        .args(["-c", PYTHON_SP, &cfg.to_string()])
        .output()
        .unwrap_or_else(|e| panic!("FEDKIT_PEERS_VENV is set but {venv}/bin/python fails: {e}"));
    assert!(
        out.status.success(),
        "FEDKIT_PEERS_VENV is set but python3-saml is unusable: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn python3_saml_signs_in_from_identity_center_metadata() {
    let Ok(venv) = std::env::var("FEDKIT_PEERS_VENV") else {
        eprintln!("FEDKIT_PEERS_VENV not set: the python3-saml SP is not run here");
        return;
    };
    let w = world(|_| {});
    let ic = &w.ic;
    let metadata = ic.get("/saml/app-1/metadata", None).body;
    let base = json!({"sp": SP_ENTITY, "acs": ACS, "metadata": metadata});

    // SP-initiated: python3-saml's AuthnRequest over HTTP-Redirect (deflated, as it makes it).
    let mut cfg = base.clone();
    cfg["step"] = json!("request");
    let request = python_sp(&venv, &cfg);
    assert_eq!(
        request["sso"],
        ic.sso("app-1"),
        "SSO URL read from metadata"
    );
    let url = format!(
        "{}?SAMLRequest={}&RelayState=py",
        ic.sso("app-1"),
        form_encode(request["SAMLRequest"].as_str().expect("request"))
    );
    let form = ic.get(&url, Some(&w.cookie)).form();
    assert_eq!(form.relay_state.as_deref(), Some("py"));
    let mut cfg = base.clone();
    cfg["step"] = json!("response");
    cfg["response"] = json!(form.message);
    cfg["request_id"] = request["id"].clone();
    let verdict = python_sp(&venv, &cfg);
    assert_eq!(verdict["ok"], true, "{verdict}");
    assert_eq!(verdict["name_id"], "bjensen@example.com");
    assert_eq!(
        verdict["attributes"]["displayName"],
        json!(["Jensen, Barbara"])
    );

    // IdP-initiated from the portal tile.
    let form = ic
        .post_form(
            "/saml/app-1/initiate",
            &[("csrf", &w.csrf)],
            Some(&w.cookie),
        )
        .form();
    let mut cfg = base.clone();
    cfg["step"] = json!("response");
    cfg["response"] = json!(form.message);
    let verdict = python_sp(&venv, &cfg);
    assert_eq!(verdict["ok"], true, "{verdict}");
    assert_eq!(
        verdict["attributes"]["email"],
        json!(["bjensen@example.com"])
    );

    // Rotation: python3-saml configured from `?certificates=next` (two signing certificates,
    // its x509certMulti) keeps working across activation; configured from the old metadata
    // (only the old certificate) it refuses, as AWS warns.
    let mut set = ic.certificates("app-1");
    let fingerprint = set
        .add(credential(IDP_SECOND_KEY, "app-1 second"))
        .expect("add");
    ic.save_app(&w.app, &set);
    let next_metadata = ic.get("/saml/app-1/metadata?certificates=next", None).body;
    set.activate(&fingerprint, Utc::now()).expect("activate");
    ic.save_app(&w.app, &set);
    let form = ic
        .post_form(
            "/saml/app-1/initiate",
            &[("csrf", &w.csrf)],
            Some(&w.cookie),
        )
        .form();
    let mut cfg = base;
    cfg["step"] = json!("response");
    cfg["response"] = json!(form.message);
    let verdict = python_sp(&venv, &cfg);
    assert_eq!(verdict["ok"], false, "old metadata: {verdict}");
    cfg["metadata"] = json!(next_metadata);
    let verdict = python_sp(&venv, &cfg);
    assert_eq!(verdict["ok"], true, "next metadata: {verdict}");
}

/// Two instances on one database behave as one: a request waiting at one is finished at the
/// other, an ID used at one is refused at the other (the records are in the store).
fn two_instances(first: Ic, second: Ic) {
    let (a, b) = (&first, &second);
    let user = a.user("bjensen", Some("bjensen@example.com"));
    let app = application("app-1", vec![assign_user(&user)]);
    a.save_app(
        &app,
        &CertificateSet::new(credential(IDP_FIRST_KEY, "app-1")),
    );
    let (cookie, _) = a.sign_in(&user);
    let sp = b.sp("app-1");

    let request = authn_request(a, "app-1");
    let waiting = a.post_form(
        "/saml/app-1/sso",
        &[("SAMLRequest", &encode_post(&request.to_xml()))],
        None,
    );
    assert_eq!(waiting.status, 303, "{}", waiting.body);
    let location = waiting.headers["location"].to_str().unwrap();
    let resume = location
        .strip_prefix("/login?next=")
        .expect("login")
        .replace("%2F", "/");
    let pending = waiting.headers["set-cookie"].to_str().unwrap();
    let pending = pending.split(';').next().unwrap();
    let form = b.get(&resume, Some(&format!("{cookie}; {pending}"))).form();
    validate(&sp, &form, Some(&request.id)).expect("finished at the other instance");
    a.get(&resume, Some(&format!("{cookie}; {pending}")))
        .refused(404, "pending_request_not_found");

    let request = authn_request(a, "app-1");
    let form = a
        .get(&redirect(a, "app-1", &request, None), Some(&cookie))
        .form();
    validate(&sp, &form, Some(&request.id)).expect("valid");
    // The same URL, sent to the other instance's socket.
    let at_b = redirect(b, "app-1", &request, None).replace(&b.public, &b.url);
    assert!(at_b.starts_with(&b.url));
    b.get(&at_b, Some(&cookie)).refused(400, "request_replayed");
}

#[test]
fn two_instances_on_one_sqlite_file_behave_as_one() {
    let data = tempfile::tempdir().expect("tempdir");
    let path = data.path().join("ic.sqlite3");
    let first = start_on(Box::new(SqliteStore::open(&path).expect("store")), None);
    let public = first.public.clone();
    let second = start_on(
        Box::new(SqliteStore::open(&path).expect("store")),
        Some(&public),
    );
    two_instances(first, second);
}

#[test]
fn two_instances_on_one_postgres_database_behave_as_one() {
    let Ok(url) = std::env::var("FEDKIT_TEST_POSTGRES_URL") else {
        eprintln!("FEDKIT_TEST_POSTGRES_URL not set: the PostgreSQL case is not run here");
        return;
    };
    let mut admin = postgres::Client::connect(&url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("FEDKIT_TEST_POSTGRES_URL is set but unreachable: {e}"));
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).expect("rng");
    let name: String = std::iter::once("ic_sso_".to_owned())
        .chain(b.iter().map(|x| format!("{x:02x}")))
        .collect();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create database");
    let base = url.rsplit_once('/').map_or(url.as_str(), |(base, _)| base);
    let database = format!("{base}/{name}");
    let first = start_on(
        Box::new(PostgresStore::connect(&database).expect("postgres")),
        None,
    );
    let public = first.public.clone();
    let second = start_on(
        Box::new(PostgresStore::connect(&database).expect("postgres")),
        Some(&public),
    );
    two_instances(first, second);
}
