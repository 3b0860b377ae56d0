//! Attacks on identity-center's sign-in surfaces over real HTTP (`web::router` on 127.0.0.1:0,
//! a fresh SQLite store): each test is one attack from the red-team pass of issue 7, and asserts
//! the refusal the SAML specs, RFC 7643 or issue 7's contract call for. Upstream responses are
//! made in-process with fedkit-saml's IdentityProvider and the test keys of crates/saml, so an
//! attack can change the XML after signing.

#[path = "support/browser.rs"]
mod browser;

use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;

use browser::{Page, encode};
use fedkit_certs::{Certificate, PrivateKey, SigningCredential, default_provider};
use fedkit_examples::identity_center::config::{Profile, ServiceConfig};
use fedkit_examples::identity_center::new_token;
use fedkit_examples::identity_center::scim_api::ScimService;
use fedkit_examples::identity_center::session::SESSIONS;
use fedkit_examples::identity_center::store::SqliteStore;
use fedkit_examples::identity_center::tokens::TokenKind;
use fedkit_examples::identity_center::web::{self, AppState, WebConfig};
use fedkit_saml::names::NAMEID_EMAIL;
use fedkit_saml::{
    EntityDescriptor, IdentityProvider, NameId, RedirectLimits, RedirectQuery, ResponseParams,
    encode_post,
};
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const KEYS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../crates/saml/tests/data/keys"
);
const IDP_ENTITY: &str = "https://upstream.example/idp";
const IDP_SSO: &str = "https://upstream.example/sso";
const SP_ENTITY: &str = "https://sp.example/sp";
const SP_ACS: &str = "https://sp.example/acs";
const PASSWORD: &str = "correct horse battery staple";

struct Portal {
    url: String,
    state: Arc<AppState>,
    scim_token: String,
    admin_token: String,
    _dir: tempfile::TempDir,
}

/// Serves `web::router` with the client address on a free port, over a fresh SQLite file.
fn portal(external_idp: Option<EntityDescriptor>) -> Portal {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("ic.sqlite3")).expect("store");
    let (_, scim_token) = new_token(&store, TokenKind::Scim).expect("token");
    let (_, admin_token) = new_token(&store, TokenKind::Admin).expect("token");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let mut config = WebConfig::new(&url);
    config.external_idp = external_idp;
    let scim = ScimService::new(
        Box::new(store),
        ServiceConfig::new(
            format!("{url}/scim/v2"),
            Profile::Full,
            fedkit_scim::Dialect::Strict,
        ),
    );
    let mut cookie_key = [0u8; 32];
    getrandom::fill(&mut cookie_key).expect("rng");
    let state = Arc::new(AppState {
        scim: Arc::new(scim),
        config,
        cookie_key,
    });
    let router = web::router(Arc::clone(&state));
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .expect("serve");
        });
    });
    Portal {
        url,
        state,
        scim_token,
        admin_token,
        _dir: dir,
    }
}

impl Portal {
    /// Provisions a user over SCIM; returns its id.
    fn user(&self, name: &str, email: &str) -> String {
        let response = reqwest::blocking::Client::new()
            .post(format!("{}/scim/v2/Users", self.url))
            .bearer_auth(&self.scim_token)
            .header("Content-Type", "application/scim+json")
            .body(
                json!({"schemas": [USER], "userName": name,
                       "emails": [{"value": email, "type": "work", "primary": true}]})
                .to_string(),
            )
            .send()
            .expect("SCIM request");
        assert!(response.status().is_success(), "POST /Users {name}");
        let doc: Value = response.json().expect("SCIM JSON");
        doc["id"].as_str().expect("id").to_owned()
    }

    /// An admin API request with the admin token; the status and JSON answer.
    fn admin(&self, method: reqwest::Method, path: &str, body: &Value) -> (u16, Value) {
        let response = reqwest::blocking::Client::new()
            .request(method, format!("{}/admin{path}", self.url))
            .bearer_auth(&self.admin_token)
            .json(body)
            .send()
            .expect("admin request");
        let status = response.status().as_u16();
        (status, response.json().unwrap_or(Value::Null))
    }

    /// A user with a password, assigned to a new application; returns the application id.
    fn assigned_app(&self, user: &str) -> String {
        let id = self.user(user, &format!("{user}@example.com"));
        let (status, _) = self.admin(
            reqwest::Method::PUT,
            &format!("/users/{id}/password"),
            &json!({ "password": PASSWORD }),
        );
        assert_eq!(status, 204);
        let (status, app) = self.admin(
            reqwest::Method::POST,
            "/applications",
            &json!({"name": "App", "entityId": SP_ENTITY, "acsUrl": SP_ACS,
                    "assignments": [{"type": "user", "id": id}]}),
        );
        assert_eq!(status, 201, "{app}");
        app["id"].as_str().expect("app id").to_owned()
    }

    /// The user ids of the live sessions in the store.
    fn session_users(&self) -> Vec<String> {
        let mut tx = self.state.store().begin().expect("begin");
        tx.record_list(SESSIONS, chrono::Utc::now().timestamp())
            .expect("list")
            .into_iter()
            .filter_map(|(_, doc)| doc["user_id"].as_str().map(str::to_owned))
            .collect()
    }
}

fn code_of(page: &Page) -> Option<String> {
    let start = page.body.find("Error code: <code>")? + "Error code: <code>".len();
    let end = page.body[start..].find("</code>")? + start;
    Some(page.body[start..end].to_owned())
}

fn upstream_metadata() -> EntityDescriptor {
    let out = Command::new(env!("CARGO_BIN_EXE_saml-idp"))
        .args([
            "metadata",
            "--cert",
            &format!("{KEYS}/idp.cert.pem"),
            "--idp-entity-id",
            IDP_ENTITY,
            "--sso-url",
            IDP_SSO,
        ])
        .output()
        .expect("run saml-idp");
    assert!(out.status.success());
    EntityDescriptor::parse(&out.stdout, &fedkit_xml::Limits::default())
        .expect("metadata")
        .remove(0)
}

fn upstream() -> IdentityProvider {
    let read = |name: &str| std::fs::read_to_string(format!("{KEYS}/{name}")).expect("key file");
    let key = PrivateKey::from_pem(&read("idp.key.pem")).expect("key");
    let cert = Certificate::parse(read("idp.cert.pem")).expect("cert");
    let credential = SigningCredential::new(key, cert).expect("credential");
    IdentityProvider::new(IDP_ENTITY, &credential, default_provider()).expect("idp")
}

/// Starts an external sign-in in `b`; returns the AuthnRequest ID.
fn begin_external(p: &Portal, b: &mut browser::Browser) -> String {
    let page = b.get_once(&format!("{}/login?next={}", p.url, encode("/")));
    assert_eq!(page.status, 303, "{}", page.body);
    let location = page.header("location").expect("location");
    let query = location
        .strip_prefix(&format!("{IDP_SSO}?"))
        .expect("to the upstream SSO URL");
    let parsed = RedirectQuery::parse(query, &RedirectLimits::default()).expect("redirect query");
    let message = parsed
        .accept_unsigned(&RedirectLimits::default())
        .expect("message");
    message.relay_state().expect("RelayState").to_owned()
}

/// A signed upstream Response (assertion signed) for `email`, as XML.
fn upstream_xml(p: &Portal, request_id: &str, email: &str) -> String {
    let mut params = ResponseParams::new(
        format!("{}/external/acs", p.url),
        format!("{}/external/metadata", p.url),
        NameId::new(email, NAMEID_EMAIL),
    );
    params.in_response_to = Some(request_id.to_owned());
    let mut rng = getrandom::rand_core::UnwrapErr(getrandom::SysRng);
    upstream()
        .response(&params, chrono::Utc::now(), &mut rng)
        .expect("response")
}

/// Posts `xml` to the ACS in `b` and follows the hand-off; the final page.
fn post_acs(p: &Portal, b: &mut browser::Browser, request_id: &str, xml: &str) -> Page {
    b.post(
        &format!("{}/external/acs", p.url),
        &[
            ("SAMLResponse", &encode_post(xml)),
            ("RelayState", request_id),
        ],
    )
}

#[test]
fn external_sign_in_refuses_unicode_look_alikes_of_a_provisioned_email() {
    let p = portal(Some(upstream_metadata()));
    let ken = p.user("ken", "ken@example.com");

    // U+212A KELVIN SIGN lower-cases to ASCII `k` (UnicodeData.txt's simple lowercase mapping),
    // so a match by Unicode lower case takes an upstream account spelled
    // "\u{212A}en@example.com" for the provisioned ken@example.com: a different string to the
    // upstream IdP (its own user, perhaps self-registered), the same one to us. Case-insensitive
    // matching (RFC 7643 §2.3.1 caseExact=false) must not cross from non-ASCII to ASCII.
    for look_alike in ["\u{212A}en@example.com", "\u{212A}EN@EXAMPLE.COM"] {
        let mut b = browser::Browser::new();
        let id = begin_external(&p, &mut b);
        let page = post_acs(&p, &mut b, &id, &upstream_xml(&p, &id, look_alike));
        assert_eq!(page.status, 403, "{look_alike}: {}", page.body);
        assert_eq!(
            code_of(&page).as_deref(),
            Some("user_not_provisioned"),
            "{look_alike}"
        );
    }
    assert!(p.session_users().is_empty(), "no one signed in");

    // ASCII case stays insensitive: KEN@EXAMPLE.COM is ken.
    let mut b = browser::Browser::new();
    let id = begin_external(&p, &mut b);
    let page = post_acs(&p, &mut b, &id, &upstream_xml(&p, &id, "KEN@Example.COM"));
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(p.session_users(), vec![ken]);
}

#[test]
fn a_comment_inside_the_upstream_name_id_does_not_shorten_it() {
    let p = portal(Some(upstream_metadata()));
    p.user("alice", "alice@example.com");
    let mut b = browser::Browser::new();
    let id = begin_external(&p, &mut b);
    // Signed for alice@example.com.evil; exclusive c14n drops comments, so the signature still
    // verifies with a comment after "alice@example.com" (the 2018 CVE-2017-11427 family).
    let xml = upstream_xml(&p, &id, "alice@example.com.evil");
    let injected = xml.replacen("alice@example.com.evil", "alice@example.com<!---->.evil", 1);
    assert_ne!(xml, injected);
    let page = post_acs(&p, &mut b, &id, &injected);
    assert_ne!(page.status, 200, "{}", page.body);
    assert!(p.session_users().is_empty(), "alice must not be signed in");
}

/// A change to a signed Response document.
type Rewrite = fn(&str) -> String;

#[test]
fn a_wrapped_or_second_assertion_does_not_sign_anyone_in() {
    let p = portal(Some(upstream_metadata()));
    let alice = p.user("alice", "alice@example.com");
    p.user("mallory", "mallory@example.com");
    let variants: Vec<(&str, Rewrite)> = vec![
        ("evil assertion before the signed one", |xml| {
            let start = xml.find("<saml:Assertion").expect("assertion");
            let end = xml.find("</saml:Assertion>").expect("end") + "</saml:Assertion>".len();
            let signed = &xml[start..end];
            let evil = signed
                .replace("mallory@example.com", "alice@example.com")
                .replacen(" ID=\"", " ID=\"evil", 1);
            format!("{}{}{}", &xml[..start], evil, &xml[start..])
        }),
        ("evil assertion after the signed one", |xml| {
            let start = xml.find("<saml:Assertion").expect("assertion");
            let end = xml.find("</saml:Assertion>").expect("end") + "</saml:Assertion>".len();
            let signed = &xml[start..end];
            let evil = signed
                .replace("mallory@example.com", "alice@example.com")
                .replacen(" ID=\"", " ID=\"evil", 1);
            format!("{}{}{}", &xml[..end], evil, &xml[end..])
        }),
        (
            "signed assertion moved into Extensions, evil one in its place",
            |xml| {
                let start = xml.find("<saml:Assertion").expect("assertion");
                let end = xml.find("</saml:Assertion>").expect("end") + "</saml:Assertion>".len();
                let signed = &xml[start..end];
                let evil = signed.replace("mallory@example.com", "alice@example.com");
                let status = xml.find("<samlp:Status").expect("status");
                format!(
                    "{}<samlp:Extensions>{}</samlp:Extensions>{}{}{}",
                    &xml[..status],
                    signed,
                    &xml[status..start],
                    evil,
                    &xml[end..]
                )
            },
        ),
    ];
    for (name, wrap) in variants {
        let mut b = browser::Browser::new();
        let id = begin_external(&p, &mut b);
        let xml = upstream_xml(&p, &id, "mallory@example.com");
        assert!(xml.contains("<saml:Assertion"), "prefix as assumed: {xml}");
        let page = post_acs(&p, &mut b, &id, &wrap(&xml));
        eprintln!("{name}: {} {:?}", page.status, code_of(&page));
        assert!(
            !p.session_users().contains(&alice),
            "{name}: alice was signed in"
        );
    }
}

/// An unsigned HTTP-Redirect AuthnRequest from the test SP to `app`'s SSO endpoint.
fn authn_request_url(p: &Portal, app: &str, force_authn: bool) -> String {
    let sso = format!("{}/saml/{app}/sso", p.url);
    let mut rng = getrandom::rand_core::UnwrapErr(getrandom::SysRng);
    let mut request =
        fedkit_saml::AuthnRequest::new(SP_ENTITY, &sso, SP_ACS, chrono::Utc::now(), &mut rng);
    request.force_authn = force_authn;
    fedkit_saml::redirect_url(
        &sso,
        fedkit_saml::PostField::Request,
        &request.to_xml(),
        None,
        None,
        &mut rng,
    )
    .expect("redirect URL")
}

fn sign_in(p: &Portal, b: &mut browser::Browser, user: &str) -> Page {
    let page = b.get_once(&format!("{}/login", p.url));
    let mut form = page.form_to("/login").expect("sign-in form");
    form.set("username", user).set("password", PASSWORD);
    b.submit(&form)
}

#[test]
fn force_authn_is_not_answered_from_an_earlier_session() {
    let p = portal(None);
    let app = p.assigned_app("fay");
    let mut b = browser::Browser::new();
    assert!(
        sign_in(&p, &mut b, "fay")
            .body
            .contains("Your applications")
    );

    // Control: without ForceAuthn the live session answers at once.
    let page = b.get_once(&authn_request_url(&p, &app, false));
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        page.form_to(SP_ACS).map(|f| f.action),
        Some(SP_ACS.to_owned())
    );

    // SAML core §3.4.1: with ForceAuthn the IdP "MUST authenticate the presenter directly
    // rather than rely on a previous security context": the sign-in form, despite the session.
    let page = b.get_once(&authn_request_url(&p, &app, true));
    assert_eq!(page.status, 303, "{}", page.body);
    let login = page.location().expect("to sign-in");
    assert!(
        login.contains("/login?next=") && login.ends_with("&reauth=1"),
        "{login}"
    );
    let form_page = b.get_once(&login);
    assert_eq!(
        form_page.status, 200,
        "the form, not a redirect: {}",
        form_page.body
    );
    let resume = form_page
        .form_to("/login")
        .and_then(|f| f.field("next").map(str::to_owned))
        .expect("next");
    // Going straight to the resume path with the old session still asks for a sign-in.
    let again = b.get_once(&format!("{}{resume}", p.url));
    assert_eq!(again.status, 303);
    assert!(again.location().is_some_and(|l| l.ends_with("&reauth=1")));
    // Signing in again answers the waiting request, once.
    let mut form = form_page.form_to("/login").expect("form");
    form.set("username", "fay").set("password", PASSWORD);
    b.stop_before.push(SP_ACS.to_owned());
    let posted = b.submit(&form);
    assert_eq!(posted.url, format!("{}{resume}", p.url));
    assert_eq!(posted.status, 200, "{}", posted.body);
    let to_sp = posted.form_to(SP_ACS).expect("the auto-post to the SP");
    assert!(to_sp.field("SAMLResponse").is_some());
    assert_eq!(
        p.session_users().len(),
        1,
        "the new sign-in replaced the old session"
    );
}

#[test]
fn no_next_value_leaves_the_portal_origin() {
    let p = portal(None);
    p.assigned_app("gus");
    let mut b = browser::Browser::new();
    assert!(
        sign_in(&p, &mut b, "gus")
            .body
            .contains("Your applications")
    );
    let table: Value = serde_json::from_str(include_str!("data/identity_center_attacks/next.json"))
        .expect("next.json");
    let origin = reqwest::Url::parse(&p.url).expect("url").origin();
    for case in table["cases"].as_array().expect("cases") {
        let next = case["next"].as_str().expect("next");
        // With a live session GET /login answers 303 to next at once (or to / when refused).
        let page = b.get_once(&format!("{}/login?next={}", p.url, encode(next)));
        assert_eq!(page.status, 303, "{next:?}");
        let location = page.header("location").expect("location");
        let resolved = reqwest::Url::parse(&format!("{}/login", p.url))
            .and_then(|base| base.join(location))
            .unwrap_or_else(|e| panic!("{next:?} -> {location:?}: {e}"));
        assert_eq!(
            resolved.origin(),
            origin,
            "{next:?} -> {location:?} ({})",
            case["reason"]
        );
    }
}

#[test]
fn unsigned_response_fields_cannot_move_an_assertion_to_another_request() {
    let p = portal(Some(upstream_metadata()));
    let ivy = p.user("ivy", "ivy@example.com");
    // The assertion (and so its SubjectConfirmationData InResponseTo) is signed; the Response
    // element around it is not, so an attacker holding ivy's assertion for request A can
    // rewrite the Response's InResponseTo to their own request B (SAML profiles §4.1.4.3: the
    // SubjectConfirmationData InResponseTo must match the request).
    let mut victim = browser::Browser::new();
    let request_a = begin_external(&p, &mut victim);
    let mut attacker = browser::Browser::new();
    let request_b = begin_external(&p, &mut attacker);
    let xml = upstream_xml(&p, &request_a, "ivy@example.com");
    let moved = xml.replacen(
        &format!("InResponseTo=\"{request_a}\""),
        &format!("InResponseTo=\"{request_b}\""),
        1,
    );
    assert_ne!(moved, xml, "the Response carries InResponseTo first");
    let page = post_acs(&p, &mut attacker, &request_b, &moved);
    assert_ne!(page.status, 200, "{}", page.body);
    assert!(!p.session_users().contains(&ivy));

    // An unsolicited response (no InResponseTo anywhere) is refused: sign-in is SP-initiated.
    let mut params = ResponseParams::new(
        format!("{}/external/acs", p.url),
        format!("{}/external/metadata", p.url),
        NameId::new("ivy@example.com", NAMEID_EMAIL),
    );
    params.in_response_to = None;
    let mut rng = getrandom::rand_core::UnwrapErr(getrandom::SysRng);
    let unsolicited = upstream()
        .response(&params, chrono::Utc::now(), &mut rng)
        .expect("response");
    let page = post_acs(&p, &mut browser::Browser::new(), "", &unsolicited);
    assert_ne!(page.status, 200, "{}", page.body);
    assert!(!p.session_users().contains(&ivy));

    // A response signed by a key the metadata does not list (signature "stripped" and redone).
    let read = |name: &str| std::fs::read_to_string(format!("{KEYS}/{name}")).expect("key file");
    let key = PrivateKey::from_pem(&read("attacker.key.pem")).expect("key");
    let cert = Certificate::parse(read("attacker.cert.pem")).expect("cert");
    let forger = IdentityProvider::new(
        IDP_ENTITY,
        &SigningCredential::new(key, cert).expect("credential"),
        default_provider(),
    )
    .expect("idp");
    let mut b = browser::Browser::new();
    let id = begin_external(&p, &mut b);
    let mut params = ResponseParams::new(
        format!("{}/external/acs", p.url),
        format!("{}/external/metadata", p.url),
        NameId::new("ivy@example.com", NAMEID_EMAIL),
    );
    params.in_response_to = Some(id.clone());
    let forged = forger
        .response(&params, chrono::Utc::now(), &mut rng)
        .expect("response");
    let page = post_acs(&p, &mut b, &id, &forged);
    assert_ne!(page.status, 200, "{}", page.body);
    assert!(p.session_users().is_empty());
}

#[test]
fn every_html_page_is_unframable_unsniffed_and_uncached() {
    let p = portal(None);
    let app = p.assigned_app("hal");
    let mut b = browser::Browser::new();
    let login = b.get_once(&format!("{}/login", p.url));
    let home = sign_in(&p, &mut b, "hal");
    let csrf = home
        .form_to("/initiate")
        .and_then(|f| f.field("csrf").map(str::to_owned))
        .expect("tile");
    b.stop_before.push(SP_ACS.to_owned());
    let auto_post = b.post(
        &format!("{}/saml/{app}/initiate", p.url),
        &[("csrf", csrf.as_str())],
    );
    assert!(auto_post.auto_submits(), "{}", auto_post.body);
    let error = b.get_once(&format!("{}/saml/no-such-app/sso", p.url));
    assert_eq!(code_of(&error).as_deref(), Some("app_not_found"));
    // RFC 7034 (X-Frame-Options), CSP Level 3 frame-ancestors, RFC 9111 §5.2.2.5 no-store for
    // pages carrying CSRF tokens or assertions, Fetch's X-Content-Type-Options: nosniff.
    for (name, page) in [
        ("sign-in form", &login),
        ("portal", &home),
        ("auto-post", &auto_post),
        ("error", &error),
    ] {
        assert_eq!(page.header("x-frame-options"), Some("DENY"), "{name}");
        assert!(
            page.header("content-security-policy")
                .is_some_and(|csp| csp.contains("frame-ancestors 'none'")
                    && csp.contains("default-src 'none'")),
            "{name}"
        );
        assert_eq!(page.header("cache-control"), Some("no-store"), "{name}");
        assert_eq!(
            page.header("x-content-type-options"),
            Some("nosniff"),
            "{name}"
        );
        assert_eq!(
            page.header("referrer-policy"),
            Some("no-referrer"),
            "{name}"
        );
        assert!(
            page.header("content-type")
                .is_some_and(|t| t.starts_with("text/html")),
            "{name}"
        );
    }
}

/// The SP's signing credential (crates/saml's test key and certificate).
fn sp_signer() -> fedkit_saml::Signer {
    let read = |name: &str| std::fs::read_to_string(format!("{KEYS}/{name}")).expect("key file");
    let key = PrivateKey::from_pem(&read("sp.key.pem")).expect("key");
    let cert = Certificate::parse(read("sp.cert.pem")).expect("cert");
    let credential = SigningCredential::new(key, cert).expect("credential");
    fedkit_saml::Signer::new(&credential, default_provider()).expect("signer")
}

#[test]
fn a_signed_authn_request_cannot_be_rewrapped_or_reused() {
    let p = portal(None);
    let read = |name: &str| std::fs::read_to_string(format!("{KEYS}/{name}")).expect("file");
    let (status, app) = p.admin(
        reqwest::Method::POST,
        "/applications",
        &json!({"name": "Signed", "entityId": SP_ENTITY, "acsUrl": SP_ACS,
                "spSigningCertificates": [read("sp.cert.pem")], "requireSignedRequests": true}),
    );
    assert_eq!(status, 201, "{app}");
    let app = app["id"].as_str().expect("id").to_owned();
    let sso = format!("{}/saml/{app}/sso", p.url);
    let mut rng = getrandom::rand_core::UnwrapErr(getrandom::SysRng);
    let request =
        fedkit_saml::AuthnRequest::new(SP_ENTITY, &sso, SP_ACS, chrono::Utc::now(), &mut rng);
    let signed = sp_signer()
        .sign_xml(&request.to_xml(), &mut rng)
        .expect("signed");
    let post = |xml: &str| {
        let client = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let response = client
            .post(&sso)
            .form(&[("SAMLRequest", encode_post(xml))])
            .send()
            .expect("POST");
        let status = response.status().as_u16();
        let body = response.text().unwrap_or_default();
        let page = Page {
            url: sso.clone(),
            status,
            body,
            headers: Vec::new(),
        };
        (status, code_of(&page))
    };

    // The signed request itself waits for sign-in (303), once.
    assert_eq!(post(&signed).0, 303);
    assert_eq!(post(&signed), (400, Some("request_replayed".to_owned())));

    // Its ID changed after signing (a replay under a fresh ID): the digest no longer matches.
    let renamed = signed.replacen(
        &format!("ID=\"{}\"", request.id),
        "ID=\"_fresh0123456789\"",
        1,
    );
    assert_ne!(renamed, signed);
    let (status, _) = post(&renamed);
    assert_eq!(status, 400, "renamed");

    // XSW: a fresh unsigned request around the signed one (in Extensions), whose signature
    // still verifies but covers the inner element, not the request that would be answered.
    let fresh =
        fedkit_saml::AuthnRequest::new(SP_ENTITY, &sso, SP_ACS, chrono::Utc::now(), &mut rng);
    let outer = fresh.to_xml();
    let issuer_end = outer.find("</saml:Issuer>").expect("issuer") + "</saml:Issuer>".len();
    let inner = signed
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        .unwrap_or(&signed);
    let wrapped = format!(
        "{}<samlp:Extensions>{inner}</samlp:Extensions>{}",
        &outer[..issuer_end],
        &outer[issuer_end..]
    );
    let (status, code) = post(&wrapped);
    assert_eq!(status, 400, "wrapped: {code:?}");
    // Moving the signature element alone onto the fresh request does not sign it either.
    let sig_start = signed.find("<ds:Signature").expect("signature");
    let sig_end = signed.find("</ds:Signature>").expect("end") + "</ds:Signature>".len();
    let moved = format!(
        "{}{}{}",
        &outer[..issuer_end],
        &signed[sig_start..sig_end],
        &outer[issuer_end..]
    );
    let (status, code) = post(&moved);
    assert_eq!(status, 400, "moved signature: {code:?}");
}

#[test]
fn force_authn_goes_upstream_when_an_external_idp_signs_users_in() {
    let p = portal(Some(upstream_metadata()));
    let app = p.assigned_app("kim");
    let mut b = browser::Browser::new();
    let id = begin_external(&p, &mut b);
    let home = post_acs(&p, &mut b, &id, &upstream_xml(&p, &id, "kim@example.com"));
    assert!(home.body.contains("Your applications"), "{}", home.body);

    let page = b.get_once(&authn_request_url(&p, &app, true));
    assert_eq!(page.status, 303, "{}", page.body);
    let login = page.location().expect("to sign-in");
    assert!(login.ends_with("&reauth=1"), "{login}");
    // The portal sends the browser upstream again, asking the IdP for a fresh authentication.
    let upstream = b.get_once(&login);
    assert_eq!(upstream.status, 303, "{}", upstream.body);
    let query = upstream
        .header("location")
        .and_then(|l| l.strip_prefix(&format!("{IDP_SSO}?")))
        .expect("to the upstream SSO URL")
        .to_owned();
    let parsed = RedirectQuery::parse(&query, &RedirectLimits::default()).expect("query");
    let message = parsed
        .accept_unsigned(&RedirectLimits::default())
        .expect("message");
    let xml = String::from_utf8(message.xml().to_vec()).expect("xml");
    assert!(xml.contains("ForceAuthn=\"true\""), "{xml}");
    // Without reauth, a live session goes straight to next.
    let page = b.get_once(&format!("{}/login?next=%2F", p.url));
    assert_eq!(page.header("location"), Some("/"));
}

#[test]
fn an_oversized_saml_form_gets_the_html_refusal_at_the_limit_plus_one() {
    use fedkit_examples::identity_center::saml_idp::MAX_FORM_BYTES;
    let p = portal(None);
    let app = p.assigned_app("ida");
    let client = reqwest::blocking::Client::new();
    let post = |path: &str, size: usize| {
        // `SAMLRequest=` then base64-alphabet filler: a form of exactly `size` bytes.
        let body = format!("SAMLRequest={}", "A".repeat(size - "SAMLRequest=".len()));
        assert_eq!(body.len(), size);
        let response = client
            .post(format!("{}{path}", p.url))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .expect("POST");
        let status = response.status().as_u16();
        let page = Page {
            url: path.to_owned(),
            status,
            body: response.text().unwrap_or_default(),
            headers: Vec::new(),
        };
        (status, code_of(&page))
    };
    for leaf in ["sso", "slo", "initiate"] {
        let path = format!("/saml/{app}/{leaf}");
        // At the limit the form is read (and refused for what it says, not for its size).
        let (status, code) = post(&path, MAX_FORM_BYTES);
        assert_ne!(status, 413, "{leaf} at the limit: {code:?}");
        assert!(code.is_some(), "{leaf}: an HTML refusal with its code");
        // One byte more: 413 with the page and its code, not the framework's plain text.
        assert_eq!(
            post(&path, MAX_FORM_BYTES + 1),
            (413, Some("form_too_large".to_owned())),
            "{leaf}"
        );
    }
}

/// The portal's own forms (`/login`, `/logout`, and the console's sign-in) are read up to
/// portal::MAX_FORM_BYTES (16 KiB): at the limit the form is read and answered for what it says
/// (no CSRF token; no session to end), one byte more is 413 `form_too_large`. Sizes by
/// construction.
#[test]
fn an_oversized_portal_form_is_refused_at_the_limit_plus_one() {
    use fedkit_examples::identity_center::portal::MAX_FORM_BYTES;
    let p = portal(None);
    let client = reqwest::blocking::Client::new();
    let post = |path: &str, size: usize| {
        let body = format!("username={}", "a".repeat(size - "username=".len()));
        assert_eq!(body.len(), size);
        let response = client
            .post(format!("{}{path}", p.url))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .expect("POST");
        let status = response.status().as_u16();
        let page = Page {
            url: path.to_owned(),
            status,
            body: response.text().unwrap_or_default(),
            headers: Vec::new(),
        };
        (status, code_of(&page))
    };
    for path in ["/login", "/logout", "/admin/console/login"] {
        let (status, code) = post(path, MAX_FORM_BYTES);
        assert_ne!(status, 413, "{path} at the limit: {code:?}");
        assert_ne!(
            code.as_deref(),
            Some("form_too_large"),
            "{path} at the limit"
        );
        assert_eq!(
            post(path, MAX_FORM_BYTES + 1),
            (413, Some("form_too_large".to_owned())),
            "{path}"
        );
    }
}

/// The `name=value` of the `Set-Cookie` for `name` in a response.
fn set_cookie_pair(response: &reqwest::blocking::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

#[test]
fn a_session_cookie_planted_before_sign_in_does_not_survive_it() {
    use fedkit_examples::identity_center::session;
    let p = portal(None);
    p.assigned_app("jo");
    let mallory = p.user("mallory", "mallory@example.com");
    // Mallory's own live session, tossed into the victim's browser before the victim signs in.
    let planted = {
        let mut tx = p.state.store().begin().expect("begin");
        let now = chrono::Utc::now().timestamp();
        let (_, set_cookie) =
            session::create(&p.state, tx.as_mut(), &mallory, "password", now).expect("session");
        tx.commit().expect("commit");
        set_cookie.split(';').next().expect("pair").to_owned()
    };
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let form = client
        .get(format!("{}/login", p.url))
        .send()
        .expect("GET /login");
    let login_cookie = set_cookie_pair(&form, "fedkit_login").expect("login CSRF cookie");
    let page = Page {
        url: format!("{}/login", p.url),
        status: form.status().as_u16(),
        headers: Vec::new(),
        body: form.text().expect("body"),
    };
    let csrf = page
        .form_to("/login")
        .and_then(|f| f.field("csrf").map(str::to_owned))
        .expect("csrf");
    let signed_in = client
        .post(format!("{}/login", p.url))
        .header("Cookie", format!("{planted}; {login_cookie}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "jo"),
            ("password", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .expect("POST /login");
    assert_eq!(signed_in.status().as_u16(), 303);
    let issued = set_cookie_pair(&signed_in, "fedkit_session").expect("a new session cookie");
    assert_ne!(issued, planted, "a fresh session id, not the planted one");
    // The planted session was ended, so neither side holds a session the other knows.
    let home = |cookie: &str| {
        client
            .get(format!("{}/", p.url))
            .header("Cookie", cookie)
            .send()
            .expect("GET /")
            .text()
            .expect("body")
    };
    assert!(!home(&planted).contains("Your applications"));
    assert!(home(&issued).contains("Signed in as <strong>jo</strong>"));
    assert_eq!(p.session_users().len(), 1);
}
