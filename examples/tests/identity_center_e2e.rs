//! Issue 7's end-to-end flows over the real binaries: `identity-center` (users and groups
//! provisioned over SCIM, passwords, applications and certificates over the admin API) and
//! the applications users sign into — `saml-sp serve`, python3-saml — with a cookie-keeping
//! browser that follows redirects and submits auto-posting forms (support/browser.rs).
//!
//! Expected values are what the test provisioned and configured (the users, the group's id,
//! the attribute mappings), SAML 2.0 (core §2.2.2 NameID format, profiles §4.1 Web Browser SSO,
//! §4.4 single logout) and AWS IAM Identity Center's documented behaviour (research/saml.md:
//! `${user:groups}` sends group ids, only assigned users get an assertion, an SP that does not
//! trust the newly activated certificate can no longer sign users in).

#[path = "support/browser.rs"]
mod browser;
#[path = "support/identity_center.rs"]
mod identity_center;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use browser::{Browser, Page};
use fedkit_saml::names::NAMEID_EMAIL;
use fedkit_saml::{AuthnRequest, PostField, ReceivedMessage, RedirectLimits, RedirectQuery};
use fedkit_xml::Limits;
use identity_center::{IdentityCenter, SamlSp, SpOptions, key_path};
use serde_json::{Value, json};

const ALICE_PASSWORD: &str = "correct horse battery staple";
const BOB_PASSWORD: &str = "bob's own long passphrase";
const APP_NAME: &str = "Demo SP";

/// The people of every flow: Alice in the Engineering group (assigned to the application),
/// Bob in no group (not assigned).
struct Directory {
    alice: String,
    bob: String,
    group: String,
}

fn provision(ic: &IdentityCenter, passwords: bool) -> Directory {
    let alice = ic.create_user("alice", "Alice", "Jensen", "alice@example.com");
    let bob = ic.create_user("bob", "Bob", "Smith", "bob@example.com");
    let group = ic.create_group("Engineering", &[&alice]);
    if passwords {
        ic.set_password(&alice, ALICE_PASSWORD);
        ic.set_password(&bob, BOB_PASSWORD);
    }
    Directory { alice, bob, group }
}

/// The attribute mappings the application is registered with, in AWS's form.
fn mappings() -> Value {
    json!([
        {"name": "email", "value": "${user:email}"},
        {"name": "givenName", "value": "${user:givenName}"},
        {"name": "groups", "value": "${user:groups}"},
        {"name": "subject", "value": "${user:subject}"},
        {"name": "department", "value": "Research"},
        {"name": "displayName", "value": "${user:givenName} ${user:familyName}"},
    ])
}

/// What the mappings give for Alice: her SCIM attributes, her one group's id (AWS sends group
/// ids for `${user:groups}`), her SCIM id as the subject, the literal, and the
/// literal-and-placeholder mix.
fn alice_attributes(directory: &Directory) -> Value {
    json!({
        "email": ["alice@example.com"],
        "givenName": ["Alice"],
        "groups": [directory.group],
        "subject": [directory.alice],
        "department": ["Research"],
        "displayName": ["Alice Jensen"],
    })
}

/// identity-center with the directory, and one `saml-sp serve` registered from its metadata
/// with the mappings and the group assigned, trusting the application's IdP metadata.
struct World {
    ic: IdentityCenter,
    sp: SamlSp,
    directory: Directory,
    app: String,
}

fn world(options: SpOptions) -> World {
    let ic = IdentityCenter::start(&[]);
    let directory = provision(&ic, true);
    let sp = SamlSp::start(options);
    let app = register_sp(&ic, &sp, &directory);
    World {
        ic,
        sp,
        directory,
        app,
    }
}

/// Registers `sp` from its metadata, assigns the group, writes the application's IdP
/// metadata for the SP; the application id.
fn register_sp(ic: &IdentityCenter, sp: &SamlSp, directory: &Directory) -> String {
    let app = ic.register(
        &sp.metadata(),
        json!({ "name": APP_NAME, "attributes": mappings() }),
    );
    assert_eq!(app["entityId"], sp.entity_id.as_str(), "from the metadata");
    assert_eq!(app["acsUrl"], sp.acs_url.as_str(), "from the metadata");
    let id = app["id"].as_str().expect("application id").to_owned();
    assert_eq!(
        app["idpEntityId"],
        format!("{}/saml/{id}", ic.url),
        "the IdP entity ID the plan gives"
    );
    ic.assign(&id, "group", &directory.group);
    sp.trust(&ic.idp_metadata(&id, false));
    id
}

/// Fills in and submits the sign-in form on `page`.
fn sign_in(browser: &mut Browser, page: &Page, username: &str, password: &str) -> Page {
    let mut form = page
        .form_to("/login")
        .unwrap_or_else(|| panic!("no sign-in form at {}: {}", page.url, page.body));
    form.set("username", username).set("password", password);
    browser.submit(&form)
}

/// The SP's `/session` as the browser sees it.
fn sp_session(browser: &mut Browser, sp: &SamlSp) -> Value {
    let page = browser.get(&format!("{}/session", sp.url));
    assert_eq!(page.status, 200);
    serde_json::from_str(&page.body).expect("session JSON")
}

/// The stable code an error page shows (`Error code: <code …>CODE</code>`).
fn error_code(page: &Page) -> Option<String> {
    let at = page.body.find("Error code: <code")?;
    let rest = &page.body[at..];
    let start = rest.find('>')? + 1;
    let end = rest.find("</code>")?;
    rest.get(start..end).map(str::to_owned)
}

fn posted_to(browser: &Browser, url: &str) -> bool {
    browser.visited.iter().any(|v| v == &format!("POST {url}"))
}

/// The SP session a sign-in of Alice into application `app` must give.
fn assert_alice(session: &Value, world_ic: &IdentityCenter, app: &str, directory: &Directory) {
    assert_eq!(session["signed_in"], true, "{session}");
    assert_eq!(session["issuer"], format!("{}/saml/{app}", world_ic.url));
    // The default NameID mapping: ${user:email} in emailAddress format (SAML core §8.3.2).
    assert_eq!(session["name_id"], "alice@example.com");
    assert_eq!(session["name_id_format"], NAMEID_EMAIL);
    assert!(
        session["session_index"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "a SessionIndex for single logout: {session}"
    );
    assert_eq!(
        session["attributes"],
        alice_attributes(directory),
        "{session}"
    );
}

/// SP-initiated sign-in (SAML profiles §4.1.3): the SP's /login sends an AuthnRequest over
/// HTTP-Redirect, identity-center asks for the password, answers over HTTP-POST.
#[test]
fn sp_initiated_sign_in_into_saml_sp_serve() {
    let w = world(SpOptions::default());
    let mut browser = Browser::new();
    let login = browser.get(&format!("{}/login", w.sp.url));
    assert_eq!(login.status, 200, "{}", login.body);
    assert!(
        login.url.starts_with(&format!(
            "{}/login?next=%2Fsaml%2F{}%2Fresume%2F",
            w.ic.url, w.app
        )),
        "the SSO endpoint hands over to the sign-in form with a same-origin next: {:?}",
        browser.visited
    );
    assert!(
        browser
            .visited
            .iter()
            .any(|v| v.starts_with(&format!("GET {}/saml/{}/sso?SAMLRequest=", w.ic.url, w.app))),
        "the AuthnRequest went over HTTP-Redirect: {:?}",
        browser.visited
    );
    let home = sign_in(&mut browser, &login, "alice", ALICE_PASSWORD);
    assert_eq!(home.status, 200, "{}", home.body);
    assert_eq!(home.url, format!("{}/", w.sp.url), "{:?}", browser.visited);
    assert!(
        posted_to(&browser, &w.sp.acs_url),
        "the Response went over HTTP-POST"
    );
    assert!(home.body.contains("alice@example.com"), "{}", home.body);
    let session = sp_session(&mut browser, &w.sp);
    assert_alice(&session, &w.ic, &w.app, &w.directory);
    assert!(
        session["in_response_to"].as_str().is_some(),
        "answers the SP's AuthnRequest: {session}"
    );
}

/// SP-initiated over the HTTP-POST binding with signed AuthnRequests (SAML bindings §3.5,
/// core §5): the SP's metadata says `AuthnRequestsSigned="true"`, so the application requires
/// signed requests; the cross-site POST carries no session cookie in a browser, so
/// identity-center answers it with the sign-in hand-off all the same.
#[test]
fn sp_initiated_over_http_post_with_signed_requests() {
    let w = world(SpOptions {
        post_binding: true,
        sign_requests: true,
        ..SpOptions::default()
    });
    let (status, app) =
        w.ic.admin("GET", &format!("/admin/applications/{}", w.app), None);
    assert_eq!(status, 200);
    assert_eq!(app["requireSignedRequests"], true, "from the metadata");
    let mut browser = Browser::new();
    let login = browser.get(&format!("{}/login", w.sp.url));
    assert!(
        posted_to(&browser, &format!("{}/saml/{}/sso", w.ic.url, w.app)),
        "the AuthnRequest went over HTTP-POST: {:?}",
        browser.visited
    );
    assert!(
        login.url.starts_with(&format!("{}/login?next=", w.ic.url)),
        "{:?}",
        browser.visited
    );
    let home = sign_in(&mut browser, &login, "alice", ALICE_PASSWORD);
    assert_eq!(home.url, format!("{}/", w.sp.url), "{:?}", browser.visited);
    let session = sp_session(&mut browser, &w.sp);
    assert_alice(&session, &w.ic, &w.app, &w.directory);
    assert!(session["in_response_to"].as_str().is_some(), "{session}");
}

/// Assertion encryption (SAML core §2.3.4, §6): the SP's metadata offers an encryption key,
/// the application encrypts to it, and only the SP can read who signed in.
#[test]
fn encrypted_assertions_to_an_sp_with_an_encryption_key() {
    use base64::Engine as _;
    let w = world(SpOptions {
        decrypt: true,
        ..SpOptions::default()
    });
    let (_, app) =
        w.ic.admin("GET", &format!("/admin/applications/{}", w.app), None);
    assert!(
        app["encryptionCertificate"].as_str().is_some(),
        "from the metadata: {app}"
    );
    let mut browser = Browser::new();
    browser.stop_before = vec![w.sp.acs_url.clone()];
    let login = browser.get(&format!("{}/login", w.sp.url));
    let to_sp = sign_in(&mut browser, &login, "alice", ALICE_PASSWORD);
    let form = to_sp.forms().remove(0);
    let xml = base64::engine::general_purpose::STANDARD
        .decode(form.field("SAMLResponse").expect("SAMLResponse"))
        .expect("base64");
    let xml = String::from_utf8(xml).expect("utf-8");
    assert!(xml.contains("EncryptedAssertion"), "{xml}");
    assert!(
        !xml.contains("alice@example.com"),
        "nothing in the clear: {xml}"
    );
    browser.stop_before.clear();
    let home = browser.submit(&form);
    assert_eq!(home.url, format!("{}/", w.sp.url), "{}", home.body);
    assert_alice(
        &sp_session(&mut browser, &w.sp),
        &w.ic,
        &w.app,
        &w.directory,
    );
}

/// IdP-initiated sign-in (SAML profiles §4.1.5): the portal lists the assigned application,
/// its tile posts to /saml/{app}/initiate, an unsolicited Response reaches the SP.
#[test]
fn idp_initiated_sign_in_from_the_portal() {
    let w = world(SpOptions {
        allow_unsolicited: true,
        ..SpOptions::default()
    });
    let mut browser = Browser::new();
    let form = browser.get(&format!("{}/login", w.ic.url));
    assert_eq!(form.status, 200, "{}", form.body);
    let portal = sign_in(&mut browser, &form, "alice", ALICE_PASSWORD);
    assert_eq!(portal.status, 200, "{}", portal.body);
    assert_eq!(portal.url, format!("{}/", w.ic.url));
    assert!(portal.body.contains(APP_NAME), "{}", portal.body);
    let tile = portal
        .form_to(&format!("/saml/{}/initiate", w.app))
        .unwrap_or_else(|| panic!("no tile for {} in {}", w.app, portal.body));
    assert_eq!(tile.method, "post");
    assert!(tile.field("csrf").is_some_and(|c| !c.is_empty()));
    let home = browser.submit(&tile);
    assert_eq!(home.status, 200, "{}", home.body);
    assert_eq!(home.url, format!("{}/", w.sp.url), "{:?}", browser.visited);
    let session = sp_session(&mut browser, &w.sp);
    assert_alice(&session, &w.ic, &w.app, &w.directory);
    assert_eq!(session["in_response_to"], Value::Null, "unsolicited");

    // The tile without the session's CSRF token changes nothing.
    let mut forged = tile.clone();
    forged.set("csrf", "forged");
    let refused = browser.submit(&forged);
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(error_code(&refused).as_deref(), Some("csrf_mismatch"));
}

/// Only assigned users get an assertion (AWS: "users who are not assigned cannot access the
/// application"): Bob gets a refusal page in both directions and the SP receives nothing,
/// until he is assigned.
#[test]
fn an_unassigned_user_is_refused_and_the_sp_gets_nothing() {
    let w = world(SpOptions::default());
    let mut browser = Browser::new();
    let login = browser.get(&format!("{}/login", w.sp.url));
    let refused = sign_in(&mut browser, &login, "bob", BOB_PASSWORD);
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.url.starts_with(&w.ic.url), "{}", refused.url);
    assert_eq!(error_code(&refused).as_deref(), Some("not_assigned"));
    assert!(!refused.auto_submits(), "no form to the SP");
    assert!(!posted_to(&browser, &w.sp.acs_url), "{:?}", browser.visited);
    assert_eq!(sp_session(&mut browser, &w.sp)["signed_in"], false);

    // His portal lists nothing, and posting the tile form by hand is refused the same way.
    let portal = browser.get(&format!("{}/", w.ic.url));
    assert_eq!(portal.status, 200);
    assert!(!portal.body.contains(APP_NAME), "{}", portal.body);
    let csrf = portal
        .form_to("/logout")
        .and_then(|f| f.field("csrf").map(str::to_owned))
        .expect("the sign-out form's csrf");
    let by_hand = browser.post(
        &format!("{}/saml/{}/initiate", w.ic.url, w.app),
        &[("csrf", &csrf)],
    );
    assert_eq!(by_hand.status, 403, "{}", by_hand.body);
    assert_eq!(error_code(&by_hand).as_deref(), Some("not_assigned"));
    assert!(!posted_to(&browser, &w.sp.acs_url), "{:?}", browser.visited);

    // Assigned directly, he signs in: the refusal was the assignment, nothing else.
    w.ic.assign(&w.app, "user", &w.directory.bob);
    let home = browser.get(&format!("{}/login", w.sp.url));
    assert_eq!(home.url, format!("{}/", w.sp.url), "{:?}", browser.visited);
    let session = sp_session(&mut browser, &w.sp);
    assert_eq!(session["name_id"], "bob@example.com", "{session}");
    assert_eq!(session["attributes"]["subject"], json!([w.directory.bob]));
    let groups = &session["attributes"]["groups"];
    assert!(
        groups.is_null() || groups == &json!([]),
        "in no group: {session}"
    );
}

/// SP-initiated single logout (SAML profiles §4.4): signing out at the SP sends a signed
/// LogoutRequest, identity-center ends its session and answers; the portal then asks to sign
/// in again.
#[test]
fn signing_out_at_the_sp_ends_the_identity_center_session() {
    let w = world(SpOptions {
        signing_key: true,
        ..SpOptions::default()
    });
    let (status, app) =
        w.ic.admin("GET", &format!("/admin/applications/{}", w.app), None);
    assert_eq!(status, 200);
    assert_eq!(
        app["sloUrl"],
        format!("{}/slo", w.sp.url),
        "from the metadata"
    );
    let mut browser = Browser::new();
    let login = browser.get(&format!("{}/login", w.sp.url));
    let home = sign_in(&mut browser, &login, "alice", ALICE_PASSWORD);
    assert_eq!(sp_session(&mut browser, &w.sp)["signed_in"], true);
    let portal = browser.get(&format!("{}/", w.ic.url));
    assert!(
        portal.body.contains(APP_NAME),
        "signed in at the portal too"
    );

    let sign_out = home
        .form_to("/logout")
        .unwrap_or_else(|| panic!("no sign-out form: {}", home.body));
    let before = browser.visited.len();
    let after = browser.submit(&sign_out);
    let hops = browser.visited[before..].to_vec();
    assert_eq!(after.status, 200, "{}: {hops:?}", after.body);
    assert!(
        hops.iter()
            .any(|v| v.contains(&format!("{}/saml/{}/slo?SAMLRequest=", w.ic.url, w.app))),
        "the LogoutRequest went to identity-center: {hops:?}"
    );
    assert!(
        hops.iter().any(
            |v| v.contains(&format!("{}/slo", w.sp.url)) && v.contains("SAMLResponse")
                || v == &format!("POST {}/slo", w.sp.url)
        ),
        "identity-center answered at the SP's SLO endpoint: {hops:?}"
    );
    assert_eq!(after.url, format!("{}/", w.sp.url), "{hops:?}");
    assert_eq!(sp_session(&mut browser, &w.sp)["signed_in"], false);

    // The identity-center session is over: the portal offers sign-in, /login shows the form
    // (with a session it would redirect), and the SP's next sign-in asks for the password.
    let portal = browser.get(&format!("{}/", w.ic.url));
    assert!(!portal.body.contains(APP_NAME), "{}", portal.body);
    assert!(portal.body.contains("href=\"/login\""), "{}", portal.body);
    let form = browser.get(&format!("{}/login", w.ic.url));
    assert_eq!(form.url, format!("{}/login", w.ic.url));
    assert!(form.form_to("/login").is_some(), "{}", form.body);
    let again = browser.get(&format!("{}/login", w.sp.url));
    assert!(
        again.url.starts_with(&format!("{}/login?next=", w.ic.url)),
        "{:?}",
        browser.visited
    );
}

/// The href of the link whose text is `text`, resolved against the page's URL.
fn link(page: &Page, text: &str) -> Option<String> {
    let end = page.body.find(&format!(">{text}</a>"))?;
    let open = page.body[..end].rfind("<a href=\"")? + "<a href=\"".len();
    let close = open + page.body[open..end].find('"')?;
    Some(browser::resolve(
        &page.url,
        &browser::unescape(&page.body[open..close]),
    ))
}

/// IdP-initiated single logout (SAML profiles §4.4): signing out at the portal offers a
/// signed LogoutRequest for each application signed into; following it ends the SP's
/// session, and the SP's LogoutResponse comes back to identity-center.
#[test]
fn signing_out_at_the_portal_signs_out_of_the_application() {
    let w = world(SpOptions {
        signing_key: true,
        ..SpOptions::default()
    });
    let mut browser = Browser::new();
    let login = browser.get(&format!("{}/login", w.sp.url));
    sign_in(&mut browser, &login, "alice", ALICE_PASSWORD);
    assert_eq!(sp_session(&mut browser, &w.sp)["signed_in"], true);
    let portal = browser.get(&format!("{}/", w.ic.url));
    let sign_out = portal
        .form_to("/logout")
        .expect("the portal's sign-out form");
    let signed_out = browser.submit(&sign_out);
    assert_eq!(signed_out.status, 200, "{}", signed_out.body);
    let href = link(&signed_out, &format!("Sign out of {APP_NAME}"))
        .unwrap_or_else(|| panic!("no sign-out link for the app: {}", signed_out.body));
    assert!(
        href.starts_with(&format!("{}/slo?SAMLRequest=", w.sp.url)) && href.contains("&Signature="),
        "a signed Redirect-binding LogoutRequest to the SP: {href}"
    );
    let before = browser.visited.len();
    let done = browser.get(&href);
    let hops = browser.visited[before..].to_vec();
    assert_eq!(done.status, 200, "{}: {hops:?}", done.body);
    assert!(
        hops.iter().any(
            |v| v.contains(&format!("{}/saml/{}/slo?SAMLResponse=", w.ic.url, w.app))
                || v == &format!("POST {}/saml/{}/slo", w.ic.url, w.app)
        ),
        "the SP's LogoutResponse went back to identity-center: {hops:?}"
    );
    assert_eq!(
        done.url.split('?').next(),
        Some(format!("{}/saml/{}/slo", w.ic.url, w.app).as_str())
    );
    assert!(
        done.body.contains(&format!("signed out of {APP_NAME}")),
        "{}",
        done.body
    );
    assert_eq!(sp_session(&mut browser, &w.sp)["signed_in"], false);
    // The same link again: identity-center takes the answer to each LogoutRequest once.
    let again = browser.get(&href);
    assert_eq!(again.status, 400, "{}", again.body);
    assert_eq!(
        error_code(&again).as_deref(),
        Some("logout_response_unexpected")
    );
}

/// Runs a command, checks it succeeded, returns stdout.
fn run(command: &mut Command, stdin: Option<&str>) -> String {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("stdin");
    }
    drop(input);
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The AuthnRequest and RelayState of a Redirect-binding URL (SAML bindings §3.4.4), unsigned.
fn redirected_request(url: &str, issuer: &str, sso_url: &str) -> (AuthnRequest, Option<String>) {
    let (target, query) = url.split_once('?').expect("a query");
    assert_eq!(target, sso_url);
    let limits = RedirectLimits::default();
    let message = RedirectQuery::parse(query, &limits)
        .expect("Redirect binding query")
        .accept_unsigned(&limits)
        .expect("inflates");
    assert_eq!(message.field(), PostField::Request);
    let received = ReceivedMessage::from_redirect(&message, &Limits::default()).expect("XML");
    let request = AuthnRequest::read(&received, issuer, sso_url).expect("an AuthnRequest");
    (request, message.relay_state().map(str::to_owned))
}

const UPSTREAM: &str = "https://upstream.example.com/idp";
const UPSTREAM_SSO: &str = "https://upstream.example.com/sso";

/// The `saml-idp` binary as the external IdP: its metadata, and a signed Response for
/// identity-center's SP metadata.
struct Upstream {
    dir: tempfile::TempDir,
}

impl Upstream {
    fn new() -> Upstream {
        Upstream {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn metadata_file(&self) -> PathBuf {
        let xml = run(
            Command::new(env!("CARGO_BIN_EXE_saml-idp"))
                .args(["metadata", "--cert"])
                .arg(key_path("idp.cert.pem"))
                .args(["--idp-entity-id", UPSTREAM, "--sso-url", UPSTREAM_SSO]),
            None,
        );
        let path = self.dir.path().join("upstream.xml");
        std::fs::write(&path, xml).expect("write");
        path
    }

    /// `saml-idp issue` answering `in_response_to` for `email`, base64 for the POST form.
    fn respond(&self, ic: &IdentityCenter, email: &str, in_response_to: &str) -> String {
        let (status, sp_metadata) = ic.get("/external/metadata");
        assert_eq!(status, 200, "{sp_metadata}");
        let path = self.dir.path().join("identity-center-sp.xml");
        std::fs::write(&path, sp_metadata).expect("write");
        run(
            Command::new(env!("CARGO_BIN_EXE_saml-idp"))
                .args(["issue", "--key"])
                .arg(key_path("idp.key.pem"))
                .arg("--cert")
                .arg(key_path("idp.cert.pem"))
                .args(["--idp-entity-id", UPSTREAM, "--sp-metadata"])
                .arg(&path)
                .args(["--name-id", email, "--name-id-format", NAMEID_EMAIL])
                .args(["--in-response-to", in_response_to, "--base64"]),
            None,
        )
        .trim()
        .to_owned()
    }
}

/// Starts at `start`, answers identity-center's AuthnRequest to the upstream as `saml-idp`
/// for `email`, and posts that Response to /external/acs as the upstream's page would; the
/// page the browser ends on.
fn through_upstream(
    browser: &mut Browser,
    ic: &IdentityCenter,
    upstream: &Upstream,
    start: &str,
    email: &str,
) -> Page {
    browser.stop_before = vec![UPSTREAM_SSO.to_owned()];
    let to_upstream = browser.get(start);
    assert_eq!(to_upstream.status, 303, "{:?}", browser.visited);
    let location = to_upstream.location().expect("Location");
    let sp_entity = format!("{}/external/metadata", ic.url);
    let (request, relay_state) = redirected_request(&location, &sp_entity, UPSTREAM_SSO);
    assert_eq!(
        request.acs_url.as_deref(),
        Some(format!("{}/external/acs", ic.url).as_str())
    );
    assert_eq!(request.name_id_format.as_deref(), Some(NAMEID_EMAIL));
    let response = upstream.respond(ic, email, &request.id);
    let mut fields = vec![("SAMLResponse", response.as_str())];
    if let Some(relay) = relay_state.as_deref() {
        fields.push(("RelayState", relay));
    }
    browser.post(&format!("{}/external/acs", ic.url), &fields)
}

/// identity-center behind an external IdP (`--external-idp-metadata`, the `saml-idp` binary
/// upstream), as AWS behind Okta or Entra: users provisioned over SCIM first, then the
/// upstream's emailAddress NameID matched to them, SP- and IdP-initiated; an unprovisioned
/// email is refused.
#[test]
fn sign_in_through_an_external_idp_into_saml_sp_serve() {
    let upstream = Upstream::new();
    let metadata = upstream.metadata_file();
    let ic = IdentityCenter::start(&["--external-idp-metadata", metadata.to_str().expect("path")]);
    let directory = provision(&ic, false);
    let sp = SamlSp::start(SpOptions {
        allow_unsolicited: true,
        ..SpOptions::default()
    });
    let app = register_sp(&ic, &sp, &directory);

    // SP-initiated: the SP's AuthnRequest waits while identity-center asks the upstream.
    let mut browser = Browser::new();
    let sp_login = format!("{}/login", sp.url);
    let home = through_upstream(&mut browser, &ic, &upstream, &sp_login, "alice@example.com");
    assert_eq!(home.status, 200, "{}: {:?}", home.body, browser.visited);
    assert_eq!(home.url, format!("{}/", sp.url), "{:?}", browser.visited);
    let session = sp_session(&mut browser, &sp);
    assert_alice(&session, &ic, &app, &directory);
    assert!(session["in_response_to"].as_str().is_some(), "{session}");

    // IdP-initiated: the portal signs in through the upstream, its tile into the SP.
    let mut portal_user = Browser::new();
    let portal_login = format!("{}/login", ic.url);
    let portal = through_upstream(
        &mut portal_user,
        &ic,
        &upstream,
        &portal_login,
        "alice@example.com",
    );
    assert_eq!(
        portal.url,
        format!("{}/", ic.url),
        "{:?}",
        portal_user.visited
    );
    let tile = portal
        .form_to(&format!("/saml/{app}/initiate"))
        .unwrap_or_else(|| panic!("no tile: {}", portal.body));
    let home = portal_user.submit(&tile);
    assert_eq!(
        home.url,
        format!("{}/", sp.url),
        "{:?}",
        portal_user.visited
    );
    let session = sp_session(&mut portal_user, &sp);
    assert_alice(&session, &ic, &app, &directory);
    assert_eq!(session["in_response_to"], Value::Null, "unsolicited");

    // An email nobody provisioned: SAML creates no users, so the sign-in stops at
    // identity-center and the SP gets nothing.
    let mut stranger = Browser::new();
    let refused = through_upstream(
        &mut stranger,
        &ic,
        &upstream,
        &sp_login,
        "carol@example.com",
    );
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(
        error_code(&refused).as_deref(),
        Some("user_not_provisioned")
    );
    assert!(!posted_to(&stranger, &sp.acs_url), "{:?}", stranger.visited);
    assert_eq!(sp_session(&mut stranger, &sp)["signed_in"], false);
    // Password sign-in is off when sign-in is delegated.
    let (status, _) = ic.get("/login");
    assert_eq!(status, 303, "GET /login sends to the external IdP");
}

/// A query parameter's value, percent-decoded (`application/x-www-form-urlencoded`).
fn query_value(query: &str, name: &str) -> Option<String> {
    let raw = query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))?;
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = raw.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

const PYSAML2_IDP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/identity_center_e2e/pysaml2_idp.py"
);
const PYSAML2: &str = "https://pysaml2.example.com/idp";
const PYSAML2_SSO: &str = "https://pysaml2.example.com/sso";

/// The external IdP is pysaml2 (PyPI 7.5.0): identity-center configured from pysaml2's own
/// IdP metadata, pysaml2 from identity-center's /external/metadata; pysaml2 reads
/// identity-center's AuthnRequest and answers it; the user was provisioned over SCIM first.
#[test]
fn sign_in_through_pysaml2_as_the_external_idp() {
    let Some(python) = peer_python("saml2", "pysaml2", "7.5.0") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = json!({
        "entity_id": PYSAML2,
        "sso_url": PYSAML2_SSO,
        "key": key_path("idp.key.pem"),
        "cert": key_path("idp.cert.pem"),
    });
    let pysaml2 = |mode: &str, config: &Value| {
        run(
            Command::new(&python).args([PYSAML2_IDP, mode, &config.to_string()]),
            None,
        )
    };
    let upstream_metadata = dir.path().join("pysaml2.xml");
    std::fs::write(&upstream_metadata, pysaml2("metadata", &config)).expect("write");
    let ic = IdentityCenter::start(&[
        "--external-idp-metadata",
        upstream_metadata.to_str().expect("path"),
    ]);
    let directory = provision(&ic, false);
    let sp = SamlSp::start(SpOptions::default());
    let app = register_sp(&ic, &sp, &directory);
    let (status, sp_metadata) = ic.get("/external/metadata");
    assert_eq!(status, 200);
    let sp_metadata_path = dir.path().join("identity-center-sp.xml");
    std::fs::write(&sp_metadata_path, sp_metadata).expect("write");
    config["sp_metadata"] = json!(sp_metadata_path);

    let mut browser = Browser::new();
    browser.stop_before = vec![PYSAML2_SSO.to_owned()];
    let to_upstream = browser.get(&format!("{}/login", sp.url));
    assert_eq!(to_upstream.status, 303, "{:?}", browser.visited);
    let location = to_upstream.location().expect("Location");
    let (target, query) = location.split_once('?').expect("a query");
    assert_eq!(target, PYSAML2_SSO);
    config["saml_request"] = json!(query_value(query, "SAMLRequest").expect("SAMLRequest"));
    config["email"] = json!("alice@example.com");
    let answer: Value = serde_json::from_str(&pysaml2("respond", &config)).expect("JSON");
    assert_eq!(
        answer["issuer"],
        format!("{}/external/metadata", ic.url),
        "pysaml2 read identity-center's AuthnRequest"
    );
    let response = answer["response"].as_str().expect("response");
    let mut fields = vec![("SAMLResponse", response.to_owned())];
    if let Some(relay) = query_value(query, "RelayState") {
        fields.push(("RelayState", relay));
    }
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let home = browser.post(&format!("{}/external/acs", ic.url), &fields);
    assert_eq!(
        home.url,
        format!("{}/", sp.url),
        "{}: {:?}",
        home.body,
        browser.visited
    );
    assert_alice(&sp_session(&mut browser, &sp), &ic, &app, &directory);
}

/// One SP-initiated sign-in into `sp` with the browser's identity-center session; the page
/// the browser ends on.
fn sign_in_again(browser: &mut Browser, sp: &SamlSp) -> Page {
    browser.get(&format!("{}/login", sp.url))
}

fn certificates(ic: &IdentityCenter, app: &str) -> Vec<Value> {
    let list = ic.admin_ok(
        "GET",
        &format!("/admin/applications/{app}/certificates"),
        None,
        200,
    );
    list["certificates"]
        .as_array()
        .expect("certificates")
        .clone()
}

fn count_certificates(metadata: &str) -> usize {
    metadata.matches("X509Certificate>").count() / 2
}

/// Certificate rotation over the admin API, AWS's way: a second certificate is added inactive,
/// SPs are given both (`?certificates=next`), it is activated, the old one deleted; sign-in
/// works at every step for an SP that trusts both, and fails with a signature error for an SP
/// that knew only the old certificate once the new one signs.
#[test]
fn certificate_rotation_without_an_outage() {
    let w = world(SpOptions::default());
    let old_only = w.ic.idp_metadata(&w.app, false);
    assert_eq!(count_certificates(&old_only), 1);
    let first = certificates(&w.ic, &w.app);
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["status"], "active");
    let old_id = first[0]["id"].as_str().expect("id").to_owned();

    let mut browser = Browser::new();
    let login = browser.get(&format!("{}/login", w.sp.url));
    let home = sign_in(&mut browser, &login, "alice", ALICE_PASSWORD);
    assert_eq!(home.url, format!("{}/", w.sp.url), "{:?}", browser.visited);

    // A second certificate: inactive, so nothing changes for the SPs yet.
    let new = w.ic.admin_ok(
        "POST",
        &format!("/admin/applications/{}/certificates", w.app),
        None,
        201,
    );
    assert_eq!(new["status"], "inactive");
    let new_id = new["id"].as_str().expect("id").to_owned();
    assert_ne!(new_id, old_id);
    assert_eq!(
        count_certificates(&w.ic.idp_metadata(&w.app, false)),
        1,
        "the active one only"
    );
    let both = w.ic.idp_metadata(&w.app, true);
    assert_eq!(count_certificates(&both), 2, "active and next");
    w.sp.trust(&both);
    let home = sign_in_again(&mut browser, &w.sp);
    assert_eq!(home.url, format!("{}/", w.sp.url), "{:?}", browser.visited);

    // Activated: the new certificate signs.
    let activated = w.ic.admin_ok(
        "POST",
        &format!(
            "/admin/applications/{}/certificates/{new_id}/activate",
            w.app
        ),
        None,
        200,
    );
    let status_of = |list: &Value, id: &str| {
        list["certificates"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["id"] == id))
            .map(|c| c["status"].clone())
    };
    assert_eq!(status_of(&activated, &new_id), Some(json!("active")));
    assert_eq!(status_of(&activated, &old_id), Some(json!("inactive")));
    let home = sign_in_again(&mut browser, &w.sp);
    assert_eq!(home.url, format!("{}/", w.sp.url), "{:?}", browser.visited);
    assert_eq!(sp_session(&mut browser, &w.sp)["signed_in"], true);

    // The same SP knowing only the old certificate: refused with a signature error, as AWS
    // warns ("users can't sign in until the SP trusts the new certificate").
    w.sp.trust(&old_only);
    let refused = sign_in_again(&mut browser, &w.sp);
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(refused.url, w.sp.acs_url);
    assert_eq!(error_code(&refused).as_deref(), Some("untrusted_key"));

    // The old one deleted (the active one cannot be): sign-in still works, and the metadata
    // has the new certificate alone.
    w.sp.trust(&both);
    let (status, reply) = w.ic.admin(
        "DELETE",
        &format!("/admin/applications/{}/certificates/{new_id}", w.app),
        None,
    );
    assert_eq!(status, 409, "{reply}");
    assert_eq!(reply["error"], "certificate_active");
    w.ic.admin_ok(
        "DELETE",
        &format!("/admin/applications/{}/certificates/{old_id}", w.app),
        None,
        204,
    );
    let left = certificates(&w.ic, &w.app);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["id"], new_id.as_str());
    let home = sign_in_again(&mut browser, &w.sp);
    assert_eq!(home.url, format!("{}/", w.sp.url), "{:?}", browser.visited);
    let new_only = w.ic.idp_metadata(&w.app, false);
    assert_eq!(count_certificates(&new_only), 1);
    assert_eq!(
        new_only,
        w.ic.idp_metadata(&w.app, true),
        "no next any more"
    );
    w.sp.trust(&new_only);
    let home = sign_in_again(&mut browser, &w.sp);
    assert_eq!(home.url, format!("{}/", w.sp.url), "{:?}", browser.visited);
    assert_alice(
        &sp_session(&mut browser, &w.sp),
        &w.ic,
        &w.app,
        &w.directory,
    );
}

/// The python of `FEDKIT_PEERS_VENV` with `package` at `version` (imported as `module`), or
/// `None` with a line saying the test is skipped; a venv that is set but lacks it fails.
fn peer_python(module: &str, package: &str, version: &str) -> Option<PathBuf> {
    let Some(venv) = std::env::var_os("FEDKIT_PEERS_VENV") else {
        eprintln!("FEDKIT_PEERS_VENV not set: the {package} flow is not run here");
        return None;
    };
    let python = PathBuf::from(venv).join("bin").join("python");
    let probe = Command::new(&python)
        .args([
            "-c",
            &format!("import {module}, importlib.metadata as m; print(m.version('{package}'))"),
        ])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "FEDKIT_PEERS_VENV is set but {} is unusable: {e}",
                python.display()
            )
        });
    assert!(
        probe.status.success(),
        "FEDKIT_PEERS_VENV is set but has no {package}: {}",
        String::from_utf8_lossy(&probe.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&probe.stdout).trim(),
        version,
        "the pinned {package}"
    );
    Some(python)
}

/// The python3-saml 1.16.0 that .ci/run installs.
fn python3_saml() -> Option<PathBuf> {
    peer_python("onelogin.saml2", "python3-saml", "1.16.0")
}

const PYTHON_SP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/identity_center_e2e/python3_saml_sp.py"
);

fn python_sp(python: &PathBuf, mode: &str, config: &Value, stdin: Option<&str>) -> String {
    run(
        Command::new(python).args([PYTHON_SP, mode, &config.to_string()]),
        stdin,
    )
}

/// identity-center with the directory and python3-saml registered from its own SP metadata
/// (with a signing key and single logout when `slo`), the group assigned; the script's
/// configuration with identity-center's metadata in it.
struct PythonWorld {
    ic: IdentityCenter,
    directory: Directory,
    app: String,
    config: Value,
}

fn python_world(python: &PathBuf, slo: bool) -> PythonWorld {
    let ic = IdentityCenter::start(&[]);
    let directory = provision(&ic, true);
    // Loopback http is allowed for an ACS; nothing listens there: the browser stops before it.
    let acs_url = "http://127.0.0.1:9/python3-saml/acs";
    let mut config = json!({
        "entity_id": "https://python3-saml.example.com/metadata",
        "acs_url": acs_url,
    });
    if slo {
        config["slo_url"] = json!("http://127.0.0.1:9/python3-saml/slo");
        config["key"] = json!(key_path("sp.key.pem"));
        config["cert"] = json!(key_path("sp.cert.pem"));
    }
    let metadata = python_sp(python, "metadata", &config, None);
    let app = ic.register(
        &metadata,
        json!({ "name": "python3-saml", "attributes": mappings() }),
    );
    assert_eq!(app["acsUrl"], acs_url);
    assert_eq!(app["sloUrl"], config["slo_url"]);
    let app = app["id"].as_str().expect("id").to_owned();
    ic.assign(&app, "group", &directory.group);
    config["idp_metadata"] = json!(ic.idp_metadata(&app, false));
    PythonWorld {
        ic,
        directory,
        app,
        config,
    }
}

/// SP-initiated sign-in of Alice into python3-saml; its verdict on the Response.
fn python_sign_in(python: &PathBuf, w: &mut PythonWorld, browser: &mut Browser) -> Value {
    let login: Value =
        serde_json::from_str(&python_sp(python, "login", &w.config, None)).expect("login JSON");
    let url = login["url"].as_str().expect("url");
    let acs_url = w.config["acs_url"].as_str().expect("acs").to_owned();
    browser.stop_before = vec![acs_url.clone()];
    let form_page = browser.get(url);
    let to_sp = sign_in(browser, &form_page, "alice", ALICE_PASSWORD);
    assert!(to_sp.auto_submits(), "{}", to_sp.body);
    let form = to_sp.forms().remove(0);
    assert_eq!(form.action, acs_url);
    w.config["request_id"] = login["request_id"].clone();
    let response = form.field("SAMLResponse").expect("SAMLResponse");
    serde_json::from_str(&python_sp(python, "acs", &w.config, Some(response))).expect("JSON")
}

/// What single logout from python3-saml gives: its verdict on identity-center's
/// LogoutResponse, which binding that came over, and the portal page afterwards.
struct PythonLogout {
    verdict: Value,
    binding: &'static str,
    portal: Page,
}

/// SP-initiated single logout from python3-saml (SAML profiles §4.4.3): a signed
/// LogoutRequest over HTTP-Redirect for Alice's session, identity-center's answer carried to
/// python3-saml's Redirect-only SLO endpoint (as its metadata declares it).
fn python_logout(python: &PathBuf) -> PythonLogout {
    let mut w = python_world(python, true);
    let mut browser = Browser::new();
    let verdict = python_sign_in(python, &mut w, &mut browser);
    assert_eq!(verdict["ok"], true, "{verdict}");
    let portal = browser.get(&format!("{}/", w.ic.url));
    assert!(portal.body.contains("python3-saml"), "{}", portal.body);

    let mut logout = w.config.clone();
    logout["name_id"] = verdict["name_id"].clone();
    logout["name_id_format"] = verdict["name_id_format"].clone();
    logout["session_index"] = verdict["session_index"].clone();
    let request: Value =
        serde_json::from_str(&python_sp(python, "logout", &logout, None)).expect("JSON");
    let url = request["url"].as_str().expect("url");
    assert!(
        url.starts_with(&format!("{}/saml/{}/slo?SAMLRequest=", w.ic.url, w.app))
            && url.contains("&Signature="),
        "a signed Redirect-binding LogoutRequest: {url}"
    );
    let slo_url = w.config["slo_url"].as_str().expect("slo").to_owned();
    browser.stop_before = vec![slo_url.clone()];
    let answer = browser.get(url);
    let mut check = w.config.clone();
    check["request_id"] = request["request_id"].clone();
    let binding = match answer.location() {
        Some(location) => {
            let (target, query) = location.split_once('?').expect("a query");
            assert_eq!(target, slo_url);
            check["query"] = json!(query);
            "HTTP-Redirect"
        }
        None => {
            let form = answer
                .form_to(&slo_url)
                .unwrap_or_else(|| panic!("no LogoutResponse: {}", answer.body));
            let fields: serde_json::Map<String, Value> = form
                .fields
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            check["post_data"] = Value::Object(fields);
            "HTTP-POST"
        }
    };
    let verdict: Value =
        serde_json::from_str(&python_sp(python, "slo", &check, None)).expect("JSON");
    let portal = browser.get(&format!("{}/", w.ic.url));
    PythonLogout {
        verdict,
        binding,
        portal,
    }
}

/// python3-saml's LogoutRequest ends the identity-center session: the portal asks to sign in.
#[test]
fn single_logout_from_python3_saml_ends_the_session() {
    let Some(python) = python3_saml() else {
        return;
    };
    let logout = python_logout(&python);
    assert!(
        !logout.portal.body.contains("python3-saml"),
        "{}",
        logout.portal.body
    );
    assert!(
        logout.portal.body.contains("href=\"/login\""),
        "{}",
        logout.portal.body
    );
}

/// python3-saml accepts identity-center's LogoutResponse, signature included. It takes
/// logout messages over HTTP-Redirect only, the one binding its metadata offers for its
/// SingleLogoutService, and an IdP must answer over a binding the endpoint supports (SAML
/// metadata §2.2.2, profiles §4.4.4.1).
#[test]
fn single_logout_response_is_accepted_by_python3_saml() {
    let Some(python) = python3_saml() else {
        return;
    };
    let logout = python_logout(&python);
    assert_eq!(
        logout.binding, "HTTP-Redirect",
        "the binding the SP's metadata offers"
    );
    assert_eq!(
        logout.verdict["ok"], true,
        "python3-saml refused the LogoutResponse over {}: {}",
        logout.binding, logout.verdict
    );
}

/// The same sign-ins into python3-saml (OneLogin's toolkit) as the SP, configured from
/// identity-center's /saml/{app}/metadata; identity-center registered it from python3-saml's
/// own SP metadata. The browser carries the POST form to the script.
#[test]
fn sign_in_into_python3_saml() {
    let Some(python) = python3_saml() else {
        return;
    };
    let PythonWorld {
        ic,
        directory,
        app,
        mut config,
    } = python_world(&python, false);
    let acs_url = config["acs_url"].as_str().expect("acs").to_owned();
    let acs_url = acs_url.as_str();

    // SP-initiated: python3-saml's AuthnRequest, the password, the form to its ACS.
    let login: Value =
        serde_json::from_str(&python_sp(&python, "login", &config, None)).expect("login JSON");
    let url = login["url"].as_str().expect("url");
    assert!(
        url.starts_with(&format!("{}/saml/{app}/sso?SAMLRequest=", ic.url)),
        "{url}"
    );
    let mut browser = Browser::new();
    browser.stop_before.push(acs_url.to_owned());
    let form_page = browser.get(url);
    let to_sp = sign_in(&mut browser, &form_page, "alice", ALICE_PASSWORD);
    assert!(to_sp.auto_submits(), "{}", to_sp.body);
    let form = to_sp.forms().remove(0);
    assert_eq!(form.action, acs_url);
    let response = form.field("SAMLResponse").expect("SAMLResponse").to_owned();
    config["request_id"] = login["request_id"].clone();
    let verdict: Value =
        serde_json::from_str(&python_sp(&python, "acs", &config, Some(&response))).expect("JSON");
    assert_eq!(verdict["ok"], true, "{verdict}");
    assert_eq!(verdict["name_id"], "alice@example.com");
    assert_eq!(verdict["name_id_format"], NAMEID_EMAIL);
    assert_eq!(
        verdict["attributes"],
        alice_attributes(&directory),
        "{verdict}"
    );

    // The peer is no rubber stamp: the same response for another AuthnRequest is refused.
    let mut other = config.clone();
    other["request_id"] = json!("_another-request");
    let verdict: Value =
        serde_json::from_str(&python_sp(&python, "acs", &other, Some(&response))).expect("JSON");
    assert_eq!(verdict["ok"], false, "{verdict}");

    // Bob is not assigned: refused at identity-center, nothing for python3-saml.
    let bob_login: Value =
        serde_json::from_str(&python_sp(&python, "login", &config, None)).expect("login JSON");
    let mut bob = Browser::new();
    bob.stop_before.push(acs_url.to_owned());
    let form_page = bob.get(bob_login["url"].as_str().expect("url"));
    let refused = sign_in(&mut bob, &form_page, "bob", BOB_PASSWORD);
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(error_code(&refused).as_deref(), Some("not_assigned"));
    assert!(refused.form_to(acs_url).is_none(), "{}", refused.body);

    // IdP-initiated from the portal tile.
    let portal = browser.get(&format!("{}/", ic.url));
    let tile = portal
        .form_to(&format!("/saml/{app}/initiate"))
        .unwrap_or_else(|| panic!("no tile: {}", portal.body));
    let to_sp = browser.submit(&tile);
    assert!(to_sp.auto_submits(), "{}", to_sp.body);
    let response = to_sp.forms().remove(0);
    let response = response.field("SAMLResponse").expect("SAMLResponse");
    config["request_id"] = Value::Null;
    let verdict: Value =
        serde_json::from_str(&python_sp(&python, "acs", &config, Some(response))).expect("JSON");
    assert_eq!(verdict["ok"], true, "{verdict}");
    assert_eq!(verdict["name_id"], "alice@example.com");
    assert_eq!(
        verdict["attributes"],
        alice_attributes(&directory),
        "{verdict}"
    );
}
