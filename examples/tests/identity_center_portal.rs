//! The access portal and sign-in over real HTTP: `web::router` served on 127.0.0.1:0 over a
//! fresh SQLite store, users provisioned over SCIM with a SCIM token, passwords set through
//! `passwords::set`, a cookie-keeping browser (tests/support/browser.rs). Expected values come
//! from issue 7's contract, RFC 6265 (cookie attributes), RFC 6585 §4 (429, Retry-After), the
//! SAML 2.0 core spec (InResponseTo, Audience) or what the test put in.

#[path = "support/browser.rs"]
mod browser;

use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;

use browser::{Form, Page, encode};
use fedkit_examples::identity_center::apps::{self, Application};
use fedkit_examples::identity_center::config::{Profile, ServiceConfig};
use fedkit_examples::identity_center::passwords::{self, PasswordPolicy};
use fedkit_examples::identity_center::scim_api::ScimService;
use fedkit_examples::identity_center::session::SESSIONS;
use fedkit_examples::identity_center::store::SqliteStore;
use fedkit_examples::identity_center::tokens::TokenKind;
use fedkit_examples::identity_center::web::{self, AppState, WebConfig};
use fedkit_examples::identity_center::{new_token, portal};
use fedkit_saml::names::NAMEID_EMAIL;
use fedkit_saml::{EntityDescriptor, RedirectLimits, RedirectQuery};
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PASSWORD: &str = "correct horse battery staple";
const KEYS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../crates/saml/tests/data/keys"
);

struct Portal {
    url: String,
    state: Arc<AppState>,
    scim_token: String,
    _dir: tempfile::TempDir,
}

/// Serves `web::router` (with the client address, as the binary serves it) on a free port.
/// `public_url`: the origin the portal believes it has (default: its real address).
fn portal(public_url: Option<&str>, external_idp: Option<EntityDescriptor>) -> Portal {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("ic.sqlite3")).expect("store");
    let (_, scim_token) = new_token(&store, TokenKind::Scim).expect("token");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let mut config = WebConfig::new(public_url.unwrap_or(&url));
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
        _dir: dir,
    }
}

impl Portal {
    fn scim(&self, method: &str, path: &str, body: &Value) -> Value {
        let response = reqwest::blocking::Client::new()
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).expect("method"),
                format!("{}/scim/v2{path}", self.url),
            )
            .bearer_auth(&self.scim_token)
            .header("Content-Type", "application/scim+json")
            .body(body.to_string())
            .send()
            .expect("SCIM request");
        assert!(response.status().is_success(), "{method} {path}");
        response.json().expect("SCIM JSON")
    }

    /// Provisions a user over SCIM and sets its password; returns its id.
    fn user(&self, name: &str, email: &str) -> String {
        let doc = self.scim(
            "POST",
            "/Users",
            &json!({"schemas": [USER], "userName": name, "displayName": format!("{name} (display)"),
                    "emails": [{"value": email, "type": "work", "primary": true}]}),
        );
        let id = doc["id"].as_str().expect("id").to_owned();
        let mut tx = self.state.store().begin().expect("begin");
        passwords::set(tx.as_mut(), &id, PASSWORD, &PasswordPolicy::default()).expect("password");
        tx.commit().expect("commit");
        id
    }

    fn group(&self, name: &str, members: &[&str]) -> String {
        let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
        let doc = self.scim(
            "POST",
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": name, "members": members}),
        );
        doc["id"].as_str().expect("id").to_owned()
    }

    fn app(&self, id: &str, name: &str, assignments: Value) {
        let app: Application = serde_json::from_value(json!({
            "id": id, "name": name, "entityId": format!("https://{id}.example/sp"),
            "acsUrl": format!("https://{id}.example/acs"),
            "nameId": {"source": "${user:email}", "format": NAMEID_EMAIL},
            "assignments": assignments, "created": "2026-12-03T00:00:00Z"
        }))
        .expect("application");
        let mut tx = self.state.store().begin().expect("begin");
        apps::save(tx.as_mut(), &app).expect("save");
        tx.commit().expect("commit");
    }

    fn sessions(&self) -> Vec<Value> {
        let mut tx = self.state.store().begin().expect("begin");
        tx.record_list(SESSIONS, chrono::Utc::now().timestamp())
            .expect("list")
            .into_iter()
            .map(|(_, doc)| doc)
            .collect()
    }

    /// Signs `browser` in through the form at `/login?next=…` (no redirects followed after the
    /// POST).
    fn sign_in(&self, browser: &mut Browser, username: &str, password: &str, next: &str) -> Page {
        let page = browser.get(&format!("{}/login?next={}", self.url, encode(next)));
        assert_eq!(page.status, 200, "{}", page.body);
        let mut form = page.form_to("/login").expect("sign-in form");
        form.set("username", username).set("password", password);
        browser.submit_once(&form)
    }
}

/// A cookie-keeping client that can also stop after one hop (the 303 after POST /login is what
/// several tests look at); pages and forms are read with the shared test browser's scanner.
struct Browser {
    client: reqwest::blocking::Client,
}

impl Browser {
    fn new() -> Browser {
        Browser {
            client: reqwest::blocking::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
        }
    }

    fn fetch(&mut self, url: &str, form: Option<&[(&str, &str)]>) -> Page {
        let request = match form {
            Some(fields) => self.client.post(url).form(fields),
            None => self.client.get(url),
        };
        let response = request.send().unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    v.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        Page {
            url: url.to_owned(),
            status,
            body: response.text().unwrap_or_default(),
            headers,
        }
    }

    fn settle(&mut self, mut page: Page) -> Page {
        for _ in 0..10 {
            if page.status != 303 && page.status != 302 {
                return page;
            }
            let target = browser::resolve(&page.url, page.header("location").expect("location"));
            page = self.fetch(&target, None);
        }
        panic!("redirect loop");
    }

    fn get_once(&mut self, url: &str) -> Page {
        self.fetch(url, None)
    }

    fn get(&mut self, url: &str) -> Page {
        let page = self.fetch(url, None);
        self.settle(page)
    }

    fn post_once(&mut self, url: &str, fields: &[(&str, &str)]) -> Page {
        self.fetch(url, Some(fields))
    }

    fn post(&mut self, url: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.fetch(url, Some(fields));
        self.settle(page)
    }

    fn submit_once(&mut self, form: &Form) -> Page {
        let fields: Vec<(&str, &str)> = form
            .fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.post_once(&form.action, &fields)
    }

    fn submit(&mut self, form: &Form) -> Page {
        let page = self.submit_once(form);
        self.settle(page)
    }
}

fn code_of(page: &Page) -> Option<String> {
    let start = page.body.find("Error code: <code>")? + "Error code: <code>".len();
    let end = page.body[start..].find("</code>")? + start;
    Some(page.body[start..end].to_owned())
}

fn tiles(page: &Page) -> Vec<String> {
    page.forms()
        .into_iter()
        .filter(|f| f.action.contains("/saml/"))
        .map(|f| f.action)
        .collect()
}

#[test]
fn the_portal_lists_exactly_the_assigned_applications() {
    let p = portal(None, None);
    let alice = p.user("alice", "alice@example.com");
    let bob = p.user("bob", "bob@example.com");
    let team = p.group("team", &[&alice]);
    p.app(
        "direct",
        "Direct app",
        json!([{"type": "user", "id": alice}]),
    );
    p.app(
        "viagroup",
        "Group app",
        json!([{"type": "group", "id": team}]),
    );
    p.app("bobs", "Bob's app", json!([{"type": "user", "id": bob}]));

    let mut signed_out = Browser::new();
    let page = signed_out.get(&format!("{}/", p.url));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("href=\"/login\""), "{}", page.body);
    assert!(tiles(&page).is_empty());

    // userName is caseExact false (RFC 7643 §4.1.1): ALICE is alice.
    let mut b = Browser::new();
    let answer = p.sign_in(&mut b, "ALICE", PASSWORD, "/");
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(answer.header("location"), Some("/"));
    let home = b.get(&format!("{}/", p.url));
    assert!(home.body.contains("Your applications"), "{}", home.body);
    assert!(home.body.contains("alice (display)"));
    assert_eq!(
        tiles(&home),
        vec![
            format!("{}/saml/direct/initiate", p.url),
            format!("{}/saml/viagroup/initiate", p.url)
        ]
    );
    // Every tile and the sign-out form carry the session's CSRF token.
    let stored_csrf = p.sessions()[0]["csrf"].as_str().expect("csrf").to_owned();
    for form in home.forms() {
        assert_eq!(form.method, "post");
        assert_eq!(form.field("csrf"), Some(stored_csrf.as_str()), "{form:?}");
    }
    assert!(home.form_to("/logout").is_some());

    // With a session, /login goes straight to a safe next.
    let again = b.get_once(&format!(
        "{}/login?next=%2Fsaml%2Fdirect%2Fresume%2Fx",
        p.url
    ));
    assert_eq!(again.status, 303);
    assert_eq!(again.header("location"), Some("/saml/direct/resume/x"));

    // The primary email signs in as well; Bob sees only his app.
    let mut b2 = Browser::new();
    assert_eq!(
        p.sign_in(&mut b2, "bob@example.com", PASSWORD, "/").status,
        303
    );
    let home = b2.get(&format!("{}/", p.url));
    assert_eq!(tiles(&home), vec![format!("{}/saml/bobs/initiate", p.url)]);
}

#[test]
fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let p = portal(None, None);
    p.user("carol", "carol@example.com");
    let mut b = Browser::new();
    let wrong = p.sign_in(&mut b, "carol", "not the password at all", "/");
    let unknown = p.sign_in(&mut b, "nobody", PASSWORD, "/");
    for page in [&wrong, &unknown] {
        assert_eq!(page.status, 401);
        assert_eq!(code_of(page).as_deref(), Some("invalid_credentials"));
        assert!(page.body.contains(portal::INVALID_CREDENTIALS));
        assert!(
            page.header("set-cookie")
                .is_none_or(|c| !c.contains("fedkit_session="))
        );
    }
    assert!(p.sessions().is_empty());
}

#[test]
fn throttling_refuses_the_attempt_after_the_limit_even_with_the_right_password() {
    let p = portal(None, None);
    p.user("dave", "dave@example.com");
    p.user("erin", "erin@example.com");
    let limit = portal::throttle::ThrottleLimits::default().max_failures_per_user;
    let mut b = Browser::new();
    for attempt in 1..=limit {
        let page = p.sign_in(&mut b, "dave", "wrong password", "/");
        assert_eq!(
            page.status, 401,
            "attempt {attempt} reaches the password check"
        );
    }
    let page = p.sign_in(&mut b, "DAVE", PASSWORD, "/");
    assert_eq!(page.status, 429, "attempt {} is throttled", limit + 1);
    assert_eq!(code_of(&page).as_deref(), Some("login_throttled"));
    assert!(page.body.contains("Too many failed sign-in attempts"));
    let retry: i64 = page
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=900).contains(&retry), "{retry}");
    // The email names the same account, so it shares the counter.
    assert_eq!(
        p.sign_in(&mut b, "dave@example.com", PASSWORD, "/").status,
        429
    );
    assert!(p.sessions().is_empty());

    // A success resets the account's counter: limit-1 failures, a success, then limit
    // failures all reach the password check again.
    for _ in 1..limit {
        assert_eq!(p.sign_in(&mut b, "erin", "wrong password", "/").status, 401);
    }
    assert_eq!(
        p.sign_in(&mut Browser::new(), "erin", PASSWORD, "/").status,
        303
    );
    for attempt in 1..=limit {
        let page = p.sign_in(&mut b, "erin", "wrong password", "/");
        assert_eq!(page.status, 401, "after the reset, attempt {attempt}");
    }
    assert_eq!(p.sign_in(&mut b, "erin", PASSWORD, "/").status, 429);
}

#[test]
fn one_client_guessing_across_accounts_is_throttled_by_address() {
    let p = portal(None, None);
    p.user("lee", "lee@example.com");
    let limit = portal::throttle::ThrottleLimits::default().max_failures_per_client;
    let mut b = Browser::new();
    // Every failure names a different account, so no account's counter fills up.
    for attempt in 0..limit {
        let page = p.sign_in(&mut b, &format!("guess{attempt}"), "wrong password", "/");
        assert_eq!(page.status, 401, "attempt {attempt}");
    }
    let page = p.sign_in(&mut b, "lee", PASSWORD, "/");
    assert_eq!(page.status, 429, "attempt {} from 127.0.0.1", limit + 1);
    assert_eq!(code_of(&page).as_deref(), Some("login_throttled"));
    assert!(
        page.body.contains("from your network address"),
        "{}",
        page.body
    );
}

#[test]
fn next_values_that_leave_the_origin_are_refused() {
    let table: Value =
        serde_json::from_str(include_str!("data/identity_center_portal/next.json")).expect("table");
    let p = portal(None, None);
    p.user("frank", "frank@example.com");
    let cases = table["cases"].as_array().expect("cases");
    // Through the sign-in form's hidden field: the 303 after POST /login.
    for case in cases {
        let next = case["next"].as_str().expect("next");
        let mut b = Browser::new();
        let page = b.get(&format!("{}/login?next={}", p.url, encode(next)));
        let mut form = page.form_to("/login").expect("form");
        form.set("username", "frank")
            .set("password", PASSWORD)
            .set("next", next);
        let answer = b.submit_once(&form);
        assert_eq!(answer.status, 303, "{}", case["reason"]);
        assert_eq!(
            answer.header("location"),
            case["location"].as_str(),
            "POST next={next:?}: {}",
            case["reason"]
        );
        // And through GET /login?next=… with the session just made.
        let again = b.get_once(&format!("{}/login?next={}", p.url, encode(next)));
        assert_eq!(
            again.header("location"),
            case["location"].as_str(),
            "GET next={next:?}: {}",
            case["reason"]
        );
    }
}

#[test]
fn missing_or_wrong_csrf_is_refused_and_changes_nothing() {
    let p = portal(None, None);
    p.user("gina", "gina@example.com");
    let mut b = Browser::new();
    let page = b.get(&format!("{}/login", p.url));
    let form = page.form_to("/login").expect("form");
    let token = form.field("csrf").expect("csrf").to_owned();
    let login = format!("{}/login", p.url);

    for (fields, why) in [
        (
            vec![("username", "gina"), ("password", PASSWORD)],
            "no csrf field",
        ),
        (
            vec![("username", "gina"), ("password", PASSWORD), ("csrf", "x")],
            "a wrong csrf field",
        ),
    ] {
        let page = b.post_once(&login, &fields);
        assert_eq!(page.status, 403, "{why}");
        assert_eq!(
            code_of(&page).as_deref(),
            Some("login_csrf_invalid"),
            "{why}"
        );
    }
    // A valid token from another browser, without that browser's cookie (a login CSRF attack
    // posting the attacker's own form): refused.
    let mut other = Browser::new();
    let page = other.post_once(
        &login,
        &[
            ("username", "gina"),
            ("password", PASSWORD),
            ("csrf", &token),
        ],
    );
    assert_eq!(page.status, 403);
    assert!(p.sessions().is_empty(), "no session was made");

    // Sign-out needs the session's token; without it the session stays.
    assert_eq!(p.sign_in(&mut b, "gina", PASSWORD, "/").status, 303);
    let logout = format!("{}/logout", p.url);
    for fields in [vec![], vec![("csrf", "wrong")]] {
        let page = b.post_once(&logout, &fields);
        assert_eq!(page.status, 403);
        assert_eq!(code_of(&page).as_deref(), Some("csrf_invalid"));
    }
    assert_eq!(p.sessions().len(), 1);
    assert!(
        b.get(&format!("{}/", p.url))
            .body
            .contains("Your applications")
    );
}

/// The `Set-Cookie` of the session after signing in with a bare client (the browser's jar
/// hides attributes).
fn session_set_cookie(p: &Portal, cookie_name: &str, login_cookie: &str) -> String {
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = client
        .get(format!("{}/login", p.url))
        .send()
        .expect("GET /login");
    let nonce_cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{login_cookie}=")))
        .expect("login CSRF cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    let body = page.text().expect("body");
    let forms = browser::forms(&body, &p.url);
    let token = forms[0].field("csrf").expect("csrf").to_owned();
    let answer = client
        .post(format!("{}/login", p.url))
        .header("Cookie", nonce_cookie)
        .form(&[
            ("username", "hank"),
            ("password", PASSWORD),
            ("csrf", &token),
        ])
        .send()
        .expect("POST /login");
    assert_eq!(answer.status(), 303);
    answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{cookie_name}=")))
        .expect("session cookie")
        .to_owned()
}

fn attributes(set_cookie: &str) -> Vec<String> {
    set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

#[test]
fn session_cookies_are_http_only_lax_root_and_secure_over_https() {
    let p = portal(None, None);
    p.user("hank", "hank@example.com");
    let plain = attributes(&session_set_cookie(&p, "fedkit_session", "fedkit_login"));
    for wanted in ["httponly", "samesite=lax", "path=/"] {
        assert!(plain.iter().any(|a| a == wanted), "{wanted} in {plain:?}");
    }
    assert!(!plain.iter().any(|a| a == "secure"), "{plain:?}");

    // An https public URL: Secure, and the __Host- prefix (RFC 6265bis §4.1.3.2).
    let p = portal(Some("https://portal.example"), None);
    p.user("hank", "hank@example.com");
    let secure = attributes(&session_set_cookie(
        &p,
        "__Host-fedkit_session",
        "__Host-fedkit_login",
    ));
    for wanted in ["httponly", "samesite=lax", "path=/", "secure"] {
        assert!(secure.iter().any(|a| a == wanted), "{wanted} in {secure:?}");
    }
    assert!(
        !secure.iter().any(|a| a.starts_with("domain")),
        "{secure:?}"
    );
}

#[test]
fn sign_out_ends_the_session_in_the_store() {
    let p = portal(None, None);
    let ivy = p.user("ivy", "ivy@example.com");
    let mut b = Browser::new();
    assert_eq!(p.sign_in(&mut b, "ivy", PASSWORD, "/").status, 303);
    assert_eq!(p.sessions().len(), 1);
    assert_eq!(p.sessions()[0]["user_id"], ivy);
    let home = b.get(&format!("{}/", p.url));
    let form = home.form_to("/logout").expect("sign-out form");
    let page = b.submit(&form);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("signed out"), "{}", page.body);
    assert!(p.sessions().is_empty());
    let home = b.get(&format!("{}/", p.url));
    assert!(home.body.contains("href=\"/login\""));
    assert!(tiles(&home).is_empty());
}

#[test]
fn a_disabled_user_is_refused() {
    let p = portal(None, None);
    let jo = p.user("jo", "jo@example.com");
    p.scim(
        "PATCH",
        &format!("/Users/{jo}"),
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "active", "value": false}]}),
    );
    let page = p.sign_in(&mut Browser::new(), "jo", PASSWORD, "/");
    assert_eq!(page.status, 403);
    assert_eq!(code_of(&page).as_deref(), Some("user_disabled"));
    assert!(p.sessions().is_empty());
}

// ---- external IdP: the saml-idp example binary as the upstream ----

const IDP_ENTITY: &str = "https://upstream.example/idp";
const IDP_SSO: &str = "https://upstream.example/sso";

fn saml_idp(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_saml-idp"))
        .args(args)
        .output()
        .expect("run saml-idp");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

fn upstream_metadata() -> EntityDescriptor {
    let xml = saml_idp(&[
        "metadata",
        "--cert",
        &format!("{KEYS}/idp.cert.pem"),
        "--idp-entity-id",
        IDP_ENTITY,
        "--sso-url",
        IDP_SSO,
    ]);
    EntityDescriptor::parse(xml.as_bytes(), &fedkit_xml::Limits::default())
        .expect("metadata")
        .remove(0)
}

/// Starts a sign-in: GET /login answers 303 to the upstream SSO URL with an AuthnRequest.
/// Returns its ID (checked to be the RelayState as well).
fn begin_external(p: &Portal, b: &mut Browser, next: &str) -> String {
    let page = b.get_once(&format!("{}/login?next={}", p.url, encode(next)));
    assert_eq!(page.status, 303, "{}", page.body);
    let location = page.header("location").expect("location");
    let query = location
        .strip_prefix(&format!("{IDP_SSO}?"))
        .expect("to the upstream SSO URL");
    let parsed = RedirectQuery::parse(query, &RedirectLimits::default()).expect("redirect query");
    let message = parsed
        .accept_unsigned(&RedirectLimits::default())
        .expect("message");
    let xml = String::from_utf8(message.xml().to_vec()).expect("xml");
    let id_start = xml.find(" ID=\"").expect("ID") + 5;
    let id = xml[id_start..].split('"').next().expect("id").to_owned();
    assert_eq!(
        message.relay_state(),
        Some(id.as_str()),
        "RelayState is the opaque key"
    );
    assert!(xml.contains(&format!(
        "AssertionConsumerServiceURL=\"{}/external/acs\"",
        p.url
    )));
    assert!(xml.contains(NAMEID_EMAIL));
    id
}

fn upstream_response(p: &Portal, request_id: &str, email: &str, audience: Option<&str>) -> String {
    let audience = audience
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{}/external/metadata", p.url));
    saml_idp(&[
        "issue",
        "--key",
        &format!("{KEYS}/idp.key.pem"),
        "--cert",
        &format!("{KEYS}/idp.cert.pem"),
        "--idp-entity-id",
        IDP_ENTITY,
        "--acs-url",
        &format!("{}/external/acs", p.url),
        "--audience",
        &audience,
        "--name-id",
        email,
        "--name-id-format",
        NAMEID_EMAIL,
        "--in-response-to",
        request_id,
        "--base64",
    ])
}

#[test]
fn an_external_idp_signs_in_provisioned_users_only() {
    let p = portal(None, Some(upstream_metadata()));
    let kim = p.user("kim", "Kim@Example.com");
    p.app("kimsapp", "Kim's app", json!([{"type": "user", "id": kim}]));
    let acs = format!("{}/external/acs", p.url);

    // identity-center's SP metadata, for the upstream IdP.
    let xml = reqwest::blocking::get(format!("{}/external/metadata", p.url))
        .expect("metadata")
        .text()
        .expect("text");
    let sp = EntityDescriptor::parse(xml.as_bytes(), &fedkit_xml::Limits::default())
        .expect("SP metadata")
        .remove(0);
    assert_eq!(sp.entity_id, format!("{}/external/metadata", p.url));
    assert_eq!(sp.sp.expect("SPSSODescriptor").services[0].location, acs);

    // A valid response for a provisioned email signs in and lands on next.
    let mut b = Browser::new();
    let id = begin_external(&p, &mut b, "/");
    let response = upstream_response(&p, &id, "kim@example.com", None);
    let home = b.post(&acs, &[("SAMLResponse", &response), ("RelayState", &id)]);
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("Your applications"), "{}", home.body);
    assert_eq!(
        tiles(&home),
        vec![format!("{}/saml/kimsapp/initiate", p.url)]
    );
    assert_eq!(p.sessions().len(), 1);
    assert_eq!(p.sessions()[0]["source"], "external");

    // The same response again: its request was answered already.
    let replay = b.post_once(&acs, &[("SAMLResponse", &response), ("RelayState", &id)]);
    assert_eq!(replay.status, 400);
    assert_eq!(code_of(&replay).as_deref(), Some("in_response_to_unknown"));

    // An email nobody was provisioned with.
    let mut b = Browser::new();
    let id = begin_external(&p, &mut b, "/");
    let response = upstream_response(&p, &id, "stranger@example.com", None);
    let page = b.post_once(&acs, &[("SAMLResponse", &response), ("RelayState", &id)]);
    assert_eq!(page.status, 403);
    assert_eq!(code_of(&page).as_deref(), Some("user_not_provisioned"));

    // A response for another SP.
    let id = begin_external(&p, &mut b, "/");
    let response = upstream_response(&p, &id, "kim@example.com", Some("https://other.example/sp"));
    let page = b.post_once(&acs, &[("SAMLResponse", &response), ("RelayState", &id)]);
    assert_eq!(page.status, 400);
    assert_eq!(code_of(&page).as_deref(), Some("audience_mismatch"));

    // A valid response posted in a browser that did not start the sign-in (login CSRF).
    let mut victim = Browser::new();
    let id = begin_external(&p, &mut b, "/");
    let response = upstream_response(&p, &id, "kim@example.com", None);
    let page = victim.post(&acs, &[("SAMLResponse", &response), ("RelayState", &id)]);
    assert_eq!(page.status, 403);
    assert_eq!(
        code_of(&page).as_deref(),
        Some("external_login_wrong_browser")
    );
    assert_eq!(p.sessions().len(), 1, "still only the first sign-in");

    // Password sign-in is off while an external IdP is the identity source.
    let page = Browser::new().post_once(
        &format!("{}/login", p.url),
        &[("username", "kim"), ("password", PASSWORD)],
    );
    assert_eq!(page.status, 403);
    assert_eq!(code_of(&page).as_deref(), Some("password_sign_in_disabled"));
}

#[test]
fn authn_requests_are_signed_when_the_external_idp_wants_them_signed() {
    let mut upstream = upstream_metadata();
    // WantAuthnRequestsSigned="true" (SAML metadata §2.4.3).
    upstream
        .idp
        .as_mut()
        .expect("IDPSSODescriptor")
        .requests_signed = true;
    let p = portal(None, Some(upstream));
    p.user("lin", "lin@example.com");

    // The key AuthnRequests are signed with is the one /external/metadata publishes.
    let xml = reqwest::blocking::get(format!("{}/external/metadata", p.url))
        .expect("metadata")
        .text()
        .expect("text");
    let sp = EntityDescriptor::parse(xml.as_bytes(), &fedkit_xml::Limits::default())
        .expect("SP metadata")
        .remove(0);
    let certificate = sp
        .sp
        .expect("SPSSODescriptor")
        .certificates(fedkit_saml::KeyUse::Signing)
        .next()
        .expect("signing certificate")
        .clone();
    let mut trust = fedkit_certs::TrustSet::new();
    trust.import(certificate).expect("trust");

    let mut b = Browser::new();
    let page = b.get_once(&format!("{}/login", p.url));
    let location = page.header("location").expect("location");
    let query = location
        .strip_prefix(&format!("{IDP_SSO}?"))
        .expect("upstream");
    let parsed = RedirectQuery::parse(query, &RedirectLimits::default()).expect("query");
    assert!(parsed.is_signed());
    let message = parsed
        .verify(
            &trust,
            &fedkit_xmldsig::VerifyPolicy::default(),
            chrono::Utc::now(),
            &RedirectLimits::default(),
        )
        .expect("the query signature verifies with the published key");
    let id = message.relay_state().expect("RelayState").to_owned();

    // The flow completes as with unsigned requests.
    let response = upstream_response(&p, &id, "lin@example.com", None);
    let home = b.post(
        &format!("{}/external/acs", p.url),
        &[("SAMLResponse", &response), ("RelayState", &id)],
    );
    assert!(home.body.contains("Signed in as"), "{}", home.body);

    // A portal whose IdP does not ask for signatures sends them unsigned, as AWS does.
    let p = portal(None, Some(upstream_metadata()));
    let page = Browser::new().get_once(&format!("{}/login", p.url));
    let query = page
        .header("location")
        .expect("location")
        .split_once('?')
        .expect("query")
        .1
        .to_owned();
    let parsed = RedirectQuery::parse(&query, &RedirectLimits::default()).expect("query");
    assert!(!parsed.is_signed());
}
