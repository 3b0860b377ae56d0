//! `saml-sp serve` run as a user runs it: the binary on a free loopback port, driven over real
//! HTTP by a client that keeps cookies and carries messages between the SP and a test IdP
//! (fedkit-saml's IdentityProvider with the fixture key, or the `saml-idp` binary), as a
//! browser does. Expected values are what the test IdP put in, and SAML 2.0's rules (core,
//! bindings and profiles, section named at the check).

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use fedkit_certs::rand_core::{TryCryptoRng, TryRng};
use fedkit_certs::{
    Certificate, DistinguishedName, PrivateKey, RsaKeySize, SelfSignedLeaf, SigningCredential,
    TrustSet, default_provider,
};
use fedkit_saml::names::{BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, NAMEID_EMAIL};
use fedkit_saml::{
    Attribute, AuthnRequest, Endpoint, EntityDescriptor, IdentityProvider, InMemoryRequestTracker,
    KeyDescriptor, KeyUse, LogoutRequest, LogoutResponse, NameId, PostField, ReceivedMessage,
    RedirectLimits, RedirectQuery, ResponseParams, RoleDescriptor, Status, encode_post,
    redirect_url,
};
use fedkit_xml::Limits;
use fedkit_xmldsig::VerifyPolicy;
use reqwest::blocking::Client;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

const KEYS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../crates/saml/tests/data/keys"
);
const IDP: &str = "https://idp.example.com/metadata";
const SSO: &str = "https://idp.example.com/sso";
const IDP_SLO: &str = "https://idp.example.com/slo";
const ALICE: &str = "alice@example.com";
const SESSION_INDEX: &str = "_session-1";

fn key_path(name: &str) -> String {
    format!("{KEYS}/{name}")
}

fn read_key(name: &str) -> PrivateKey {
    PrivateKey::from_pem(&std::fs::read_to_string(key_path(name)).expect("key")).expect("key")
}

fn read_cert(name: &str) -> Certificate {
    Certificate::parse(std::fs::read(key_path(name)).expect("cert")).expect("cert")
}

fn rng() -> impl fedkit_certs::CryptoRng {
    getrandom::rand_core::UnwrapErr(getrandom::SysRng)
}

/// A deterministic RNG for key generation: SHA-256 of a seed and a counter.
struct SeededRng {
    seed: u64,
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl SeededRng {
    fn new(seed: u64) -> Self {
        SeededRng {
            seed,
            counter: 0,
            block: [0; 32],
            used: 32,
        }
    }
}

impl TryRng for SeededRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for byte in dst {
            if self.used == 32 {
                let mut h = Sha256::new();
                h.update(self.seed.to_le_bytes());
                h.update(self.counter.to_le_bytes());
                self.block = h.finalize().into();
                self.counter += 1;
                self.used = 0;
            }
            *byte = self.block[self.used];
            self.used += 1;
        }
        Ok(())
    }
}

impl TryCryptoRng for SeededRng {}

/// A second IdP key and certificate, as after a rollover (fedkit-certs, seeded RNG).
fn next_idp_credential() -> SigningCredential {
    let mut seeded = SeededRng::new(7);
    let key = PrivateKey::generate_rsa(&mut seeded, RsaKeySize::Bits2048).expect("key");
    let cert = SelfSignedLeaf::new(DistinguishedName::new().common_name("idp-next.example.com"))
        .validity_months(12)
        .build(&key, Utc::now() - TimeDelta::hours(1), &mut seeded)
        .expect("certificate");
    SigningCredential::new(key, cert).expect("credential")
}

fn fixture_idp() -> IdentityProvider {
    let credential =
        SigningCredential::new(read_key("idp.key.pem"), read_cert("idp.cert.pem")).expect("idp");
    IdentityProvider::new(IDP, &credential, default_provider()).expect("idp")
}

fn endpoint(binding: &str, location: &str) -> Endpoint {
    Endpoint {
        binding: binding.to_owned(),
        location: location.to_owned(),
        response_location: None,
        index: None,
        is_default: false,
    }
}

/// IdP metadata: one signing KeyDescriptor per certificate, SSO over `sso_bindings`, SLO over
/// `slo_binding` if given.
fn idp_metadata(certs: &[Certificate], sso_bindings: &[&str], slo_binding: Option<&str>) -> String {
    EntityDescriptor {
        entity_id: IDP.to_owned(),
        valid_until: None,
        idp: Some(RoleDescriptor {
            keys: certs
                .iter()
                .map(|c| KeyDescriptor {
                    key_use: KeyUse::Signing,
                    certificates: vec![c.clone()],
                })
                .collect(),
            single_logout: slo_binding
                .map(|b| endpoint(b, IDP_SLO))
                .into_iter()
                .collect(),
            name_id_formats: vec![NAMEID_EMAIL.to_owned()],
            services: sso_bindings.iter().map(|b| endpoint(b, SSO)).collect(),
            requests_signed: false,
            want_assertions_signed: false,
        }),
        sp: None,
    }
    .to_xml()
}

fn default_metadata() -> String {
    idp_metadata(
        &[read_cert("idp.cert.pem")],
        &[BINDING_HTTP_REDIRECT, BINDING_HTTP_POST],
        None,
    )
}

struct Sp {
    child: Child,
    url: String,
    entity_id: String,
    acs: String,
    metadata_path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Sp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sp_command(metadata: &str, dir: &tempfile::TempDir, extra: &[&str]) -> Command {
    let path = dir.path().join("idp.xml");
    std::fs::write(&path, metadata).expect("write metadata");
    let mut command = Command::new(env!("CARGO_BIN_EXE_saml-sp"));
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--idp-metadata"])
        .arg(&path)
        .args(extra);
    command
}

/// Starts `saml-sp serve` and reads the lines it promises on stdout.
fn start(metadata: &str, extra: &[&str]) -> Sp {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = sp_command(metadata, &dir, extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start saml-sp serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut printed = HashMap::new();
    while printed.len() < 5 {
        let line = lines.next().expect("a startup line").expect("stdout");
        let (label, value) = line.split_once(": ").unwrap_or(("", ""));
        let label = label.strip_prefix("SP ").unwrap_or(label).to_owned();
        let value = match line.strip_prefix("SP listening on ") {
            Some(url) => {
                printed.insert("listening".to_owned(), url.to_owned());
                continue;
            }
            None => value.to_owned(),
        };
        printed.insert(label, value);
    }
    let url = printed["listening"].clone();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    Sp {
        child,
        entity_id: printed["entity ID"].clone(),
        acs: printed["ACS URL"].clone(),
        url,
        metadata_path: dir.path().join("idp.xml"),
        _dir: dir,
    }
}

/// A cookie-keeping HTTP client that does not follow redirects (the test carries them).
struct Browser {
    client: Client,
    cookies: HashMap<String, String>,
}

struct Page {
    status: u16,
    location: Option<String>,
    set_cookies: Vec<String>,
    body: String,
}

impl Page {
    fn error_code(&self) -> &str {
        self.body
            .split("<code id=\"error-code\">")
            .nth(1)
            .and_then(|rest| rest.split("</code>").next())
            .unwrap_or("")
    }
}

impl Browser {
    fn new() -> Self {
        Browser {
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            cookies: HashMap::new(),
        }
    }

    fn send(&mut self, request: reqwest::blocking::RequestBuilder) -> Page {
        let mut request = request;
        if !self.cookies.is_empty() {
            let header: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            request = request.header(COOKIE, header.join("; "));
        }
        let response = request.send().expect("request");
        let set_cookies: Vec<String> = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().expect("ascii").to_owned())
            .collect();
        for cookie in &set_cookies {
            let (pair, attributes) = cookie.split_once(';').unwrap_or((cookie, ""));
            let (name, value) = pair.split_once('=').expect("name=value");
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        Page {
            status: response.status().as_u16(),
            location: response
                .headers()
                .get(LOCATION)
                .map(|v| v.to_str().expect("ascii").to_owned()),
            set_cookies,
            body: response.text().expect("body"),
        }
    }

    fn get(&mut self, url: &str) -> Page {
        let request = self.client.get(url);
        self.send(request)
    }

    fn post(&mut self, url: &str, form: &[(&str, &str)]) -> Page {
        let request = self.client.post(url).form(form);
        self.send(request)
    }
}

fn query_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The AuthnRequest in a Redirect-binding Location, checked as the IdP would (SAML bindings
/// §3.4.4.1): signed by a key in `sp_trust` when given, else unsigned.
fn redirected_request(
    location: &str,
    sp: &Sp,
    sp_trust: Option<&TrustSet>,
) -> (AuthnRequest, Option<String>) {
    let (target, query) = location.split_once('?').expect("a query");
    assert_eq!(target, SSO, "sent to the IdP's SingleSignOnService");
    let limits = RedirectLimits::default();
    let parsed = RedirectQuery::parse(query, &limits).expect("Redirect binding query");
    let message = match sp_trust {
        Some(trust) => parsed
            .verify(trust, &VerifyPolicy::default(), Utc::now(), &limits)
            .expect("the query signature verifies with the SP's certificate"),
        None => {
            assert!(!parsed.is_signed(), "unsigned unless --sign-requests");
            parsed.accept_unsigned(&limits).expect("inflates")
        }
    };
    assert_eq!(message.field(), PostField::Request);
    let received = ReceivedMessage::from_redirect(&message, &Limits::default()).expect("XML");
    let request = AuthnRequest::read(&received, &sp.entity_id, SSO).expect("an AuthnRequest");
    (request, message.relay_state().map(str::to_owned))
}

/// `GET /login` and the AuthnRequest it sends.
fn login(
    browser: &mut Browser,
    sp: &Sp,
    return_to: Option<&str>,
) -> (AuthnRequest, Option<String>) {
    let url = match return_to {
        Some(path) => format!("{}/login?return_to={}", sp.url, query_encode(path)),
        None => format!("{}/login", sp.url),
    };
    let page = browser.get(&url);
    assert_eq!(
        page.status, 302,
        "the Redirect binding answers 302 (bindings §3.4.4)"
    );
    redirected_request(&page.location.expect("Location"), sp, None)
}

fn params(sp: &Sp, in_response_to: Option<&str>) -> ResponseParams {
    let mut params = ResponseParams::new(&sp.acs, &sp.entity_id, NameId::new(ALICE, NAMEID_EMAIL));
    params.in_response_to = in_response_to.map(str::to_owned);
    params.session_index = Some(SESSION_INDEX.to_owned());
    params.attributes = vec![
        Attribute::strings("groups", ["admins", "staff"]),
        Attribute::strings("displayName", ["<script>alert(1)</script>"]),
    ];
    params
}

fn response(idp: &IdentityProvider, params: &ResponseParams) -> String {
    encode_post(
        &idp.response(params, Utc::now(), &mut rng())
            .expect("response"),
    )
}

fn post_acs(browser: &mut Browser, sp: &Sp, saml_response: &str, relay: Option<&str>) -> Page {
    let mut form = vec![("SAMLResponse", saml_response)];
    if let Some(relay) = relay {
        form.push(("RelayState", relay));
    }
    browser.post(&format!("{}/acs", sp.url), &form)
}

fn signed_in_as(browser: &mut Browser, sp: &Sp) -> Option<String> {
    let page = browser.get(&format!("{}/session", sp.url));
    assert_eq!(page.status, 200);
    let json: Value = serde_json::from_str(&page.body).expect("JSON");
    json["name_id"].as_str().map(str::to_owned)
}

/// Signs alice in through /login and /acs; returns the AuthnRequest.
fn sign_in(browser: &mut Browser, sp: &Sp, idp: &IdentityProvider) -> AuthnRequest {
    let (request, relay) = login(browser, sp, None);
    let page = post_acs(
        browser,
        sp,
        &response(idp, &params(sp, Some(&request.id))),
        relay.as_deref(),
    );
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(signed_in_as(browser, sp).as_deref(), Some(ALICE));
    request
}

fn csrf_token(home: &str) -> String {
    home.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a CSRF token in the sign-out form")
        .to_owned()
}

fn trust(cert: Certificate) -> TrustSet {
    let mut trust = TrustSet::new();
    trust.import(cert).expect("trust");
    trust
}

#[test]
fn sp_initiated_sign_in_shows_the_verified_subject_and_escaped_attributes() {
    let sp = start(&default_metadata(), &[]);
    let idp = fixture_idp();
    let mut browser = Browser::new();

    let home = browser.get(&format!("{}/", sp.url));
    assert_eq!(home.status, 200);
    assert!(
        home.body
            .contains("<a id=\"sign-in\" href=\"/login\">Sign in</a>")
    );

    let (request, relay) = login(&mut browser, &sp, Some("/after?x=1"));
    // What the SP asked for (SAML core §3.4.1): its entity ID as Issuer, its ACS over POST.
    assert_eq!(request.issuer, sp.entity_id);
    assert_eq!(request.acs_url.as_deref(), Some(sp.acs.as_str()));
    assert_eq!(request.protocol_binding.as_deref(), Some(BINDING_HTTP_POST));
    assert_eq!(request.destination.as_deref(), Some(SSO));
    // An ID from the OS RNG: xs:ID, at least 128 bits (SAML core §1.3.4).
    assert!(request.id.len() >= 22, "{}", request.id);
    assert_eq!(relay.as_deref(), Some("/after?x=1"));

    let page = post_acs(
        &mut browser,
        &sp,
        &response(&idp, &params(&sp, Some(&request.id))),
        relay.as_deref(),
    );
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        page.location.as_deref(),
        Some("/after?x=1"),
        "RelayState carried back"
    );
    let cookie = page.set_cookies.first().expect("a session cookie");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie} lacks {flag}");
    }
    assert!(!cookie.contains("Secure"), "an http base URL: {cookie}");
    let value = cookie
        .split(';')
        .next()
        .and_then(|p| p.split_once('='))
        .expect("pair")
        .1;
    // 32 random bytes, base64url without padding.
    assert_eq!(value.len(), 43, "{value}");

    let home = browser.get(&format!("{}/", sp.url));
    assert_eq!(home.status, 200);
    let body = &home.body;
    for expected in [
        format!("<td id=\"name-id\">{ALICE}</td>"),
        format!("<td id=\"name-id-format\">{NAMEID_EMAIL}</td>"),
        format!("<td id=\"session-index\">{SESSION_INDEX}</td>"),
        format!("<td id=\"issuer\">{IDP}</td>"),
        format!("<td id=\"in-response-to\">{}</td>", request.id),
        "<tr><td>groups</td><td><ul><li>admins</li><li>staff</li></ul></td></tr>".to_owned(),
        "<li>&lt;script&gt;alert(1)&lt;/script&gt;</li>".to_owned(),
        "<button type=\"submit\" id=\"sign-out\">Sign out</button>".to_owned(),
    ] {
        assert!(body.contains(&expected), "{expected} not in {body}");
    }
    assert!(
        !body.contains("<script>"),
        "an attribute value is never markup"
    );

    let json: Value =
        serde_json::from_str(&browser.get(&format!("{}/session", sp.url)).body).expect("JSON");
    assert_eq!(json["signed_in"], true);
    assert_eq!(json["issuer"], IDP);
    assert_eq!(json["session_index"], SESSION_INDEX);
    assert_eq!(
        json["attributes"]["groups"],
        serde_json::json!(["admins", "staff"])
    );

    // The same response again: its request was answered (profiles §4.1.4.5: one use).
    let again = post_acs(
        &mut Browser::new(),
        &sp,
        &response(&idp, &params(&sp, Some(&request.id))),
        None,
    );
    assert_eq!(again.status, 403);
    assert_eq!(again.error_code(), "in_response_to_unknown");
    assert!(again.set_cookies.is_empty());
    assert_eq!(signed_in_as(&mut browser, &sp).as_deref(), Some(ALICE));
}

#[test]
fn a_refused_response_changes_nothing() {
    let sp = start(&default_metadata(), &[]);
    let idp = fixture_idp();
    let mut browser = Browser::new();
    let (request, _) = login(&mut browser, &sp, None);

    // Audience names another SP (SAML core §2.5.1.4).
    let mut other = params(&sp, Some(&request.id));
    other.audience = "https://other-sp.example.com".to_owned();
    let page = post_acs(&mut browser, &sp, &response(&idp, &other), None);
    assert_eq!(page.status, 403);
    assert_eq!(page.error_code(), "audience_mismatch");
    assert!(page.body.contains("id=\"error-message\""));
    assert!(page.set_cookies.is_empty(), "no session");
    assert_eq!(signed_in_as(&mut browser, &sp), None);

    // Signed by a key the IdP's metadata does not hold.
    let attacker =
        SigningCredential::new(read_key("attacker.key.pem"), read_cert("attacker.cert.pem"))
            .expect("attacker");
    let forger = IdentityProvider::new(IDP, &attacker, default_provider()).expect("forger");
    let page = post_acs(
        &mut browser,
        &sp,
        &response(&forger, &params(&sp, Some(&request.id))),
        None,
    );
    assert_eq!(page.status, 403);
    assert_eq!(page.error_code(), "untrusted_key");

    // Issued ten minutes ago: its bearer confirmation (5 minutes) has lapsed, beyond the 60 s
    // skew (profiles §4.1.4.2).
    let stale = idp
        .response(
            &params(&sp, Some(&request.id)),
            Utc::now() - TimeDelta::minutes(10),
            &mut rng(),
        )
        .expect("response");
    let page = post_acs(&mut browser, &sp, &encode_post(&stale), None);
    assert_eq!(
        (page.status, page.error_code()),
        (403, "confirmation_expired")
    );

    // Not base64 at all.
    let page = post_acs(&mut browser, &sp, "not*base64", None);
    assert_eq!((page.status, page.error_code()), (403, "base64_invalid"));
    let page = browser.post(&format!("{}/acs", sp.url), &[("RelayState", "/")]);
    assert_eq!((page.status, page.error_code()), (400, "field_missing"));

    // The request is still outstanding: the right answer signs in.
    let page = post_acs(
        &mut browser,
        &sp,
        &response(&idp, &params(&sp, Some(&request.id))),
        None,
    );
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(signed_in_as(&mut browser, &sp).as_deref(), Some(ALICE));

    // A bad response from a signed-in browser leaves its session as it was.
    let page = post_acs(&mut browser, &sp, &response(&idp, &other), None);
    assert_eq!(page.error_code(), "audience_mismatch");
    assert_eq!(signed_in_as(&mut browser, &sp).as_deref(), Some(ALICE));
}

#[test]
fn unsolicited_responses_need_the_opt_in_and_are_never_accepted_twice() {
    let idp = fixture_idp();
    let strict = start(&default_metadata(), &[]);
    let mut browser = Browser::new();
    let page = post_acs(
        &mut browser,
        &strict,
        &response(&idp, &params(&strict, None)),
        None,
    );
    assert_eq!(page.status, 403);
    assert_eq!(page.error_code(), "unsolicited_response");
    assert_eq!(signed_in_as(&mut browser, &strict), None);

    let portal = start(&default_metadata(), &["--allow-unsolicited"]);
    let unsolicited = response(&idp, &params(&portal, None));
    let page = post_acs(
        &mut browser,
        &portal,
        &unsolicited,
        Some("https://evil.example/"),
    );
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        page.location.as_deref(),
        Some("/"),
        "an off-site RelayState is not followed"
    );
    let json: Value =
        serde_json::from_str(&browser.get(&format!("{}/session", portal.url)).body).expect("JSON");
    assert_eq!(json["name_id"], ALICE);
    assert_eq!(json["in_response_to"], Value::Null);
    let home = browser.get(&format!("{}/", portal.url));
    assert!(
        home.body
            .contains("<td id=\"in-response-to\">(IdP-initiated)</td>")
    );

    // The replay cache (profiles §4.1.4.5): the same assertion ID never signs in twice.
    let page = post_acs(&mut Browser::new(), &portal, &unsolicited, None);
    assert_eq!(page.status, 403);
    assert_eq!(page.error_code(), "assertion_replayed");

    let page = post_acs(
        &mut Browser::new(),
        &portal,
        &response(&idp, &params(&portal, None)),
        Some("/inside"),
    );
    assert_eq!(page.location.as_deref(), Some("/inside"));
}

#[test]
fn return_paths_follow_the_table() {
    let table: Value = serde_json::from_str(include_str!("data/saml_sp/return_paths.json"))
        .expect("return_paths.json");
    let sp = start(&default_metadata(), &[]);
    let mut browser = Browser::new();
    for case in table["cases"].as_array().expect("cases") {
        let path = case["path"].as_str().expect("path");
        let reason = case["reason"].as_str().expect("reason");
        let page = browser.get(&format!(
            "{}/login?return_to={}",
            sp.url,
            query_encode(path)
        ));
        match case["code"].as_str() {
            None => {
                assert_eq!(page.status, 302, "{path:?} ({reason}): {}", page.body);
                let (_, relay) = redirected_request(&page.location.expect("Location"), &sp, None);
                assert_eq!(relay.as_deref(), Some(path), "{reason}");
            }
            Some(code) => {
                assert_eq!(page.status, 400, "{path:?} ({reason})");
                assert_eq!(page.error_code(), code, "{path:?} ({reason})");
            }
        }
    }
}

#[test]
fn idp_rollover_every_signing_certificate_of_the_metadata_is_trusted() {
    let next = next_idp_credential();
    let metadata = idp_metadata(
        &[read_cert("idp.cert.pem"), next.certificate().clone()],
        &[BINDING_HTTP_REDIRECT],
        None,
    );
    let sp = start(&metadata, &[]);
    for idp in [
        fixture_idp(),
        IdentityProvider::new(IDP, &next, default_provider()).expect("next idp"),
    ] {
        let mut browser = Browser::new();
        sign_in(&mut browser, &sp, &idp);
    }
}

#[test]
fn signed_requests_over_both_bindings() {
    let sp_trust = trust(read_cert("sp.cert.pem"));
    let keys = [
        "--sign-requests",
        "--key",
        &key_path("sp.key.pem"),
        "--cert",
        &key_path("sp.cert.pem"),
    ];
    let redirect = start(&default_metadata(), &keys);
    let page = Browser::new().get(&format!("{}/login?return_to=/r", redirect.url));
    assert_eq!(page.status, 302);
    let location = page.location.expect("Location");
    assert!(location.contains("&SigAlg=") && location.contains("&Signature="));
    let (_, relay) = redirected_request(&location, &redirect, Some(&sp_trust));
    assert_eq!(
        relay.as_deref(),
        Some("/r"),
        "RelayState is under the signature"
    );
    // Another key does not verify it (bindings §3.4.4.1).
    let parsed = RedirectQuery::parse(
        location.split_once('?').expect("query").1,
        &RedirectLimits::default(),
    )
    .expect("query");
    let wrong = parsed.verify(
        &trust(read_cert("attacker.cert.pem")),
        &VerifyPolicy::default(),
        Utc::now(),
        &RedirectLimits::default(),
    );
    assert_eq!(wrong.unwrap_err().code(), "redirect_signature_invalid");

    let mut post_args = keys.to_vec();
    post_args.extend(["--binding", "post"]);
    let post = start(&default_metadata(), &post_args);
    let page = Browser::new().get(&format!("{}/login?return_to=/p", post.url));
    assert_eq!(
        page.status, 200,
        "the POST binding is an auto-submitting form"
    );
    assert!(page.body.contains(&format!("action=\"{SSO}\"")));
    assert!(page.body.contains("onload=\"document.forms[0].submit()\""));
    let field = |name: &str| {
        page.body
            .split(&format!("name=\"{name}\" value=\""))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .map(str::to_owned)
    };
    let value = field("SAMLRequest").expect("SAMLRequest");
    assert_eq!(field("RelayState").as_deref(), Some("/p"));
    let received = ReceivedMessage::from_post(
        &value,
        Some("/p"),
        &sp_trust,
        &VerifyPolicy::default(),
        Utc::now(),
        &Limits::default(),
    )
    .expect("an enveloped signature by the SP's key");
    assert!(received.is_signed());
    let request = AuthnRequest::read(&received, &post.entity_id, SSO).expect("AuthnRequest");
    assert_eq!(request.acs_url.as_deref(), Some(post.acs.as_str()));
}

#[test]
fn metadata_describes_the_sp_and_saml_idp_signs_in_from_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let encryption = next_idp_credential();
    let encryption_key = dir.path().join("enc.key.pem");
    let encryption_cert = dir.path().join("enc.cert.pem");
    std::fs::write(
        &encryption_key,
        encryption.key().to_pkcs8_pem().expect("pem").as_bytes(),
    )
    .expect("write");
    std::fs::write(&encryption_cert, encryption.certificate().to_pem()).expect("write");
    let metadata = idp_metadata(
        &[read_cert("idp.cert.pem")],
        &[BINDING_HTTP_REDIRECT],
        Some(BINDING_HTTP_REDIRECT),
    );
    let sp = start(
        &metadata,
        &[
            "--sign-requests",
            "--key",
            &key_path("sp.key.pem"),
            "--cert",
            &key_path("sp.cert.pem"),
            "--decrypt-key",
            encryption_key.to_str().expect("utf-8"),
            "--decrypt-cert",
            encryption_cert.to_str().expect("utf-8"),
        ],
    );
    let mut browser = Browser::new();
    let page = browser.get(&format!("{}/metadata", sp.url));
    assert_eq!(page.status, 200);
    let entities =
        EntityDescriptor::parse(page.body.as_bytes(), &Limits::default()).expect("parses");
    assert_eq!(entities.len(), 1);
    let entity = &entities[0];
    assert_eq!(entity.entity_id, sp.entity_id);
    assert_eq!(
        entity.entity_id,
        format!("{}/metadata", sp.url),
        "the default entity ID"
    );
    let role = entity.sp.as_ref().expect("SPSSODescriptor");
    assert!(entity.idp.is_none());
    let acs = role.service(BINDING_HTTP_POST).expect("an HTTP-POST ACS");
    assert_eq!(acs.location, sp.acs);
    assert!(acs.is_default);
    let slo = format!("{}/slo", sp.url);
    for binding in [BINDING_HTTP_REDIRECT, BINDING_HTTP_POST] {
        assert!(
            role.single_logout
                .iter()
                .any(|e| e.binding == binding && e.location == slo),
            "SingleLogoutService {binding}"
        );
    }
    assert!(
        role.requests_signed,
        "AuthnRequestsSigned with --sign-requests"
    );
    assert!(role.want_assertions_signed);
    assert_eq!(
        role.certificates(KeyUse::Signing).collect::<Vec<_>>(),
        vec![&read_cert("sp.cert.pem")]
    );
    assert!(role.keys.iter().any(|k| k.key_use == KeyUse::Encryption
        && k.certificates == vec![encryption.certificate().clone()]));

    // saml-idp reads the Audience and the ACS from this metadata and answers the request,
    // encrypting to the published encryption certificate.
    let metadata_file = dir.path().join("sp.xml");
    std::fs::write(&metadata_file, &page.body).expect("write");
    let login = browser.get(&format!("{}/login", sp.url));
    let sp_trust = trust(read_cert("sp.cert.pem"));
    let (request, _) = redirected_request(&login.location.expect("Location"), &sp, Some(&sp_trust));
    let out = Command::new(env!("CARGO_BIN_EXE_saml-idp"))
        .args(["issue", "--key", &key_path("idp.key.pem"), "--cert"])
        .arg(key_path("idp.cert.pem"))
        .args(["--idp-entity-id", IDP, "--sp-metadata"])
        .arg(&metadata_file)
        .args(["--name-id", ALICE, "--name-id-format", NAMEID_EMAIL])
        .args([
            "--attr",
            "groups=staff",
            "--in-response-to",
            &request.id,
            "--base64",
        ])
        .arg("--encrypt-to")
        .arg(&encryption_cert)
        .output()
        .expect("saml-idp");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let issued = String::from_utf8(out.stdout).expect("utf-8");
    let page = post_acs(&mut browser, &sp, issued.trim(), None);
    assert_eq!(page.status, 303, "{}", page.body);
    let json: Value =
        serde_json::from_str(&browser.get(&format!("{}/session", sp.url)).body).expect("JSON");
    assert_eq!(json["name_id"], ALICE);
    assert_eq!(json["attributes"]["groups"], serde_json::json!(["staff"]));

    // Without keys: no KeyDescriptor, no SLO, AuthnRequestsSigned absent.
    let plain = start(&metadata, &[]);
    let body = Browser::new().get(&format!("{}/metadata", plain.url)).body;
    let entities = EntityDescriptor::parse(body.as_bytes(), &Limits::default()).expect("parses");
    let role = entities[0].sp.as_ref().expect("SPSSODescriptor");
    assert!(role.keys.is_empty() && role.single_logout.is_empty() && !role.requests_signed);
}

#[test]
fn encrypted_assertions_need_the_decryption_key() {
    let idp = fixture_idp();
    let plain = start(&default_metadata(), &["--allow-unsolicited"]);
    let mut encrypted = params(&plain, None);
    encrypted.encrypt_to = Some(read_cert("sp.cert.pem"));
    let page = post_acs(
        &mut Browser::new(),
        &plain,
        &response(&idp, &encrypted),
        None,
    );
    assert_eq!(page.status, 403);
    assert_eq!(page.error_code(), "decryption_key_missing");

    let decrypting = start(
        &default_metadata(),
        &[
            "--allow-unsolicited",
            "--decrypt-key",
            &key_path("sp.key.pem"),
            "--decrypt-cert",
            &key_path("sp.cert.pem"),
        ],
    );
    let mut encrypted = params(&decrypting, None);
    encrypted.encrypt_to = Some(read_cert("sp.cert.pem"));
    let mut browser = Browser::new();
    let page = post_acs(&mut browser, &decrypting, &response(&idp, &encrypted), None);
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        signed_in_as(&mut browser, &decrypting).as_deref(),
        Some(ALICE)
    );
}

fn slo_sp(slo_binding: &str) -> Sp {
    let metadata = idp_metadata(
        &[read_cert("idp.cert.pem")],
        &[BINDING_HTTP_REDIRECT],
        Some(slo_binding),
    );
    start(
        &metadata,
        &[
            "--key",
            &key_path("sp.key.pem"),
            "--cert",
            &key_path("sp.cert.pem"),
        ],
    )
}

#[test]
fn sp_initiated_single_logout_round_trip() {
    let sp = slo_sp(BINDING_HTTP_REDIRECT);
    let idp = fixture_idp();
    let mut browser = Browser::new();
    sign_in(&mut browser, &sp, &idp);
    let home = browser.get(&format!("{}/", sp.url)).body;
    assert!(home.contains("single logout"));

    // A cross-site form without the session's token is refused; the session stays.
    let page = browser.post(&format!("{}/logout", sp.url), &[("csrf_token", "guess")]);
    assert_eq!(
        (page.status, page.error_code()),
        (403, "csrf_token_mismatch")
    );
    assert_eq!(signed_in_as(&mut browser, &sp).as_deref(), Some(ALICE));

    let page = browser.post(
        &format!("{}/logout", sp.url),
        &[("csrf_token", &csrf_token(&home))],
    );
    assert_eq!(page.status, 302, "{}", page.body);
    assert!(page.set_cookies.iter().any(|c| c.contains("Max-Age=0")));
    assert_eq!(
        signed_in_as(&mut browser, &sp),
        None,
        "the local session ended at once"
    );

    // The IdP's side (profiles §4.4.3): a LogoutRequest signed by the SP, for alice's session.
    let location = page.location.expect("Location");
    let (target, query) = location.split_once('?').expect("query");
    assert_eq!(target, IDP_SLO);
    let limits = RedirectLimits::default();
    let message = RedirectQuery::parse(query, &limits)
        .expect("query")
        .verify(
            &trust(read_cert("sp.cert.pem")),
            &VerifyPolicy::default(),
            Utc::now(),
            &limits,
        )
        .expect("signed by the SP");
    let received = ReceivedMessage::from_redirect(&message, &Limits::default()).expect("XML");
    let request = LogoutRequest::read(
        &received,
        &sp.entity_id,
        IDP_SLO,
        Utc::now(),
        TimeDelta::seconds(60),
    )
    .expect("LogoutRequest");
    assert_eq!(request.name_id.value, ALICE);
    assert_eq!(request.name_id.format.as_deref(), Some(NAMEID_EMAIL));
    assert_eq!(request.session_indexes, vec![SESSION_INDEX.to_owned()]);

    let slo = format!("{}/slo", sp.url);
    let answer = LogoutResponse::new(
        IDP,
        &slo,
        &request,
        Status::success(),
        Utc::now(),
        &mut rng(),
    );
    let xml = answer.to_xml();
    let unsigned =
        redirect_url(&slo, PostField::Response, &xml, None, None, &mut rng()).expect("url");
    let page = browser.get(&unsigned);
    assert_eq!(
        (page.status, page.error_code()),
        (403, "redirect_signature_missing")
    );

    let signed = redirect_url(
        &slo,
        PostField::Response,
        &xml,
        None,
        Some(idp.signer()),
        &mut rng(),
    )
    .expect("url");
    let page = browser.get(&signed);
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/"));
    let page = browser.get(&signed);
    assert_eq!(
        (page.status, page.error_code()),
        (403, "in_response_to_unknown")
    );
}

#[test]
fn idp_initiated_logout_request_ends_the_session_and_is_answered() {
    let sp = slo_sp(BINDING_HTTP_POST);
    let idp = fixture_idp();
    let mut browser = Browser::new();
    sign_in(&mut browser, &sp, &idp);
    let slo = format!("{}/slo", sp.url);
    let request = LogoutRequest::new(
        IDP,
        &slo,
        NameId::new(ALICE, NAMEID_EMAIL),
        Some(SESSION_INDEX.to_owned()),
        TimeDelta::minutes(5),
        Utc::now(),
        &mut rng(),
    );

    // Unsigned logout requests are refused (GHSA-vx8m-6fhw-pccw); the session stays.
    let mut front_channel = Browser::new();
    let unsigned = encode_post(&request.to_xml());
    let page = front_channel.post(&slo, &[("SAMLRequest", &unsigned)]);
    assert_eq!(
        (page.status, page.error_code()),
        (403, "signature_not_found")
    );
    assert_eq!(signed_in_as(&mut browser, &sp).as_deref(), Some(ALICE));

    // Another subject's request ends nothing of alice's.
    let mut bob = request.clone();
    bob.name_id = NameId::new("bob@example.com", NAMEID_EMAIL);
    let signed_bob = idp
        .signer()
        .sign_xml(&bob.to_xml(), &mut rng())
        .expect("sign");
    let page = front_channel.post(&slo, &[("SAMLRequest", &encode_post(&signed_bob))]);
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(signed_in_as(&mut browser, &sp).as_deref(), Some(ALICE));

    // Signed, through a browser without the SP's cookie (SameSite=Lax keeps it off a
    // cross-site POST): the session is found by NameID and SessionIndex.
    let signed = idp
        .signer()
        .sign_xml(&request.to_xml(), &mut rng())
        .expect("sign");
    let page = front_channel.post(
        &slo,
        &[("SAMLRequest", &encode_post(&signed)), ("RelayState", "r1")],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        signed_in_as(&mut browser, &sp),
        None,
        "alice's session ended"
    );
    assert!(page.body.contains(&format!("action=\"{IDP_SLO}\"")));
    let value = page
        .body
        .split("name=\"SAMLResponse\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("SAMLResponse");
    assert!(
        page.body.contains("name=\"RelayState\" value=\"r1\""),
        "RelayState returned"
    );
    let received = ReceivedMessage::from_post(
        value,
        Some("r1"),
        &trust(read_cert("sp.cert.pem")),
        &VerifyPolicy::default(),
        Utc::now(),
        &Limits::default(),
    )
    .expect("signed by the SP");
    let mut outstanding = InMemoryRequestTracker::new();
    outstanding.track(request.id.clone(), Utc::now() + TimeDelta::minutes(5));
    let answer = LogoutResponse::read(
        &received,
        &sp.entity_id,
        IDP_SLO,
        Utc::now(),
        &mut outstanding,
    )
    .expect("a Success answering the request");
    assert_eq!(answer.in_response_to.as_deref(), Some(request.id.as_str()));
    assert!(answer.status.is_success());
}

#[test]
fn without_idp_slo_sign_out_is_local() {
    let sp = start(
        &default_metadata(),
        &[
            "--key",
            &key_path("sp.key.pem"),
            "--cert",
            &key_path("sp.cert.pem"),
        ],
    );
    let idp = fixture_idp();
    let mut browser = Browser::new();
    sign_in(&mut browser, &sp, &idp);
    let home = browser.get(&format!("{}/", sp.url)).body;
    let page = browser.post(
        &format!("{}/logout", sp.url),
        &[("csrf_token", &csrf_token(&home))],
    );
    assert_eq!(page.status, 303);
    assert_eq!(page.location.as_deref(), Some("/"));
    assert!(page.set_cookies.iter().any(|c| c.contains("Max-Age=0")));
    assert_eq!(signed_in_as(&mut browser, &sp), None);
    let page = browser.get(&format!("{}/slo?SAMLResponse=x", sp.url));
    assert_eq!(
        (page.status, page.error_code()),
        (404, "slo_not_configured")
    );
}

#[test]
fn https_base_url_marks_the_cookie_secure() {
    let sp = start(
        &default_metadata(),
        &[
            "--allow-unsolicited",
            "--base-url",
            "https://sp.example.test/",
        ],
    );
    assert_eq!(sp.entity_id, "https://sp.example.test/metadata");
    assert_eq!(sp.acs, "https://sp.example.test/acs");
    let page = post_acs(
        &mut Browser::new(),
        &sp,
        &response(&fixture_idp(), &params(&sp, None)),
        None,
    );
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(page.set_cookies.iter().any(|c| c.ends_with("; Secure")));
}

#[test]
fn limits_hold_at_their_edge() {
    // Outstanding requests: the limit passes, one more is refused.
    let sp = start(&default_metadata(), &["--max-pending-requests", "2"]);
    let mut browser = Browser::new();
    login(&mut browser, &sp, None);
    login(&mut browser, &sp, None);
    let page = browser.get(&format!("{}/login", sp.url));
    assert_eq!(
        (page.status, page.error_code()),
        (503, "too_many_pending_requests")
    );

    // Sessions: the second sign-in is refused before its response is used up.
    let idp = fixture_idp();
    let sp = start(
        &default_metadata(),
        &["--allow-unsolicited", "--max-sessions", "1"],
    );
    let mut first = Browser::new();
    assert_eq!(
        post_acs(&mut first, &sp, &response(&idp, &params(&sp, None)), None).status,
        303
    );
    let second_response = response(&idp, &params(&sp, None));
    let mut second = Browser::new();
    let page = post_acs(&mut second, &sp, &second_response, None);
    assert_eq!((page.status, page.error_code()), (503, "too_many_sessions"));
    let home = first.get(&format!("{}/", sp.url)).body;
    first.post(
        &format!("{}/logout", sp.url),
        &[("csrf_token", &csrf_token(&home))],
    );
    let page = post_acs(&mut second, &sp, &second_response, None);
    assert_eq!(
        page.status, 303,
        "not replayed: the refusal used nothing up"
    );

    // Form bodies: exactly the limit is read (and refused as SAML), one more byte is not.
    let sp = start(&default_metadata(), &["--max-form-bytes", "100"]);
    let url = format!("{}/acs", sp.url);
    let client = Client::new();
    let body = |len: usize| format!("SAMLResponse={}", "A".repeat(len - "SAMLResponse=".len()));
    let at_limit = client.post(&url).body(body(100)).send().expect("post");
    assert_eq!(
        at_limit.status().as_u16(),
        403,
        "base64_invalid: 87 characters"
    );
    let over = client.post(&url).body(body(101)).send().expect("post");
    assert_eq!(over.status().as_u16(), 413);
    assert!(over.text().expect("body").contains("body_too_large"));
}

#[test]
fn configuration_errors_exit_2_before_serving() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |metadata: &str, extra: &[&str]| {
        let out = sp_command(metadata, &dir, extra).output().expect("run");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stderr) = run(&default_metadata(), &["--sign-requests"]);
    assert_eq!(code, Some(2), "--sign-requests needs --key: {stderr}");
    let post_only = idp_metadata(&[read_cert("idp.cert.pem")], &[BINDING_HTTP_POST], None);
    let (code, stderr) = run(&post_only, &[]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("no SingleSignOnService") && stderr.contains("--binding post"),
        "{stderr}"
    );
    let (code, stderr) = run(&idp_metadata(&[], &[BINDING_HTTP_REDIRECT], None), &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("no signing certificate"), "{stderr}");
    let (code, stderr) = run(
        &default_metadata(),
        &[
            "--key",
            &key_path("sp.key.pem"),
            "--cert",
            &key_path("idp.cert.pem"),
        ],
    );
    assert_eq!(code, Some(2), "a certificate for another key: {stderr}");
    let (code, _) = run("<not metadata/>", &[]);
    assert_eq!(code, Some(2));
}

#[test]
fn one_response_posted_by_eight_browsers_at_once_signs_in_one() {
    let sp = start(&default_metadata(), &["--allow-unsolicited"]);
    let posted = response(&fixture_idp(), &params(&sp, None));
    let statuses: Vec<(u16, String)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    let page = post_acs(&mut Browser::new(), &sp, &posted, None);
                    (page.status, page.error_code().to_owned())
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("worker"))
            .collect()
    });
    let winners = statuses.iter().filter(|(status, _)| *status == 303).count();
    assert_eq!(winners, 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .filter(|(status, _)| *status != 303)
            .all(|(status, code)| *status == 403 && code == "assertion_replayed"),
        "{statuses:?}"
    );
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let mut sp = start(&default_metadata(), &[]);
    let pid = sp.child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = sp.child.wait().expect("wait");
    assert_eq!(status.code(), Some(0), "graceful shutdown exits 0");
}

#[test]
fn a_changed_idp_metadata_file_is_trusted_without_a_restart() {
    let sp = start(&default_metadata(), &["--allow-unsolicited"]);
    let old = fixture_idp();
    let next_credential = next_idp_credential();
    let next = IdentityProvider::new(IDP, &next_credential, default_provider()).expect("next");
    let attempt = |idp: &IdentityProvider| {
        let page = post_acs(
            &mut Browser::new(),
            &sp,
            &response(idp, &params(&sp, None)),
            None,
        );
        (page.status, page.error_code().to_owned())
    };
    assert_eq!(attempt(&next), (403, "untrusted_key".to_owned()));

    // Rollover, as identity-center publishes it: active + next.
    let both = idp_metadata(
        &[
            read_cert("idp.cert.pem"),
            next_credential.certificate().clone(),
        ],
        &[BINDING_HTTP_REDIRECT],
        None,
    );
    std::fs::write(&sp.metadata_path, both).expect("write");
    assert_eq!(attempt(&next).0, 303);
    assert_eq!(attempt(&old).0, 303);

    // A broken file keeps the last good metadata in force.
    std::fs::write(&sp.metadata_path, "<md:EntityDescriptor").expect("write");
    assert_eq!(attempt(&old).0, 303);

    // The old certificate deleted: only the next one verifies.
    let next_only = idp_metadata(
        &[next_credential.certificate().clone()],
        &[BINDING_HTTP_REDIRECT],
        None,
    );
    std::fs::write(&sp.metadata_path, next_only).expect("write");
    assert_eq!(attempt(&old), (403, "untrusted_key".to_owned()));
    assert_eq!(attempt(&next).0, 303);
}

#[test]
fn a_full_request_table_does_not_keep_anyone_signed_in() {
    let metadata = idp_metadata(
        &[read_cert("idp.cert.pem")],
        &[BINDING_HTTP_REDIRECT],
        Some(BINDING_HTTP_REDIRECT),
    );
    let sp = start(
        &metadata,
        &[
            "--key",
            &key_path("sp.key.pem"),
            "--cert",
            &key_path("sp.cert.pem"),
            "--max-pending-requests",
            "1",
        ],
    );
    let mut browser = Browser::new();
    sign_in(&mut browser, &sp, &fixture_idp());
    // Someone fills the table of outstanding requests.
    login(&mut Browser::new(), &sp, None);
    let home = browser.get(&format!("{}/", sp.url)).body;
    let page = browser.post(
        &format!("{}/logout", sp.url),
        &[("csrf_token", &csrf_token(&home))],
    );
    assert_eq!(page.status, 303, "signed out here, without single logout");
    assert_eq!(page.location.as_deref(), Some("/"));
    assert_eq!(signed_in_as(&mut browser, &sp), None);
}
