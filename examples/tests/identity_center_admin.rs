//! The admin API over real HTTP: `web::router` served on 127.0.0.1:0, spoken to with reqwest.
//! Every case runs on SQLite, and on PostgreSQL too when `FEDKIT_TEST_POSTGRES_URL` is set
//! (then the database must be reachable, or the test fails).
//!
//! Expected values: statuses and codes are the admin API's documented ones (README); AWS's
//! certificate rules (research/certs-and-crates.md §1.1: two at most, one active, new ones
//! inactive, only inactive deleted, expiring within 90 days); fingerprints, dates and key
//! sizes as the `openssl` command reads the returned PEM (it must be installed; .ci/run
//! installs it); what the test itself sent.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Months, Utc};
use fedkit_examples::identity_center::config::{Profile, ServiceConfig};
use fedkit_examples::identity_center::scim_api::ScimService;
use fedkit_examples::identity_center::store::{self, Store};
use fedkit_examples::identity_center::tokens::{self, TokenKind, TokenRecord};
use fedkit_examples::identity_center::web::{self, AppState, WebConfig};
use fedkit_examples::identity_center::{apps, passwords};
use fedkit_saml::{Endpoint, EntityDescriptor, KeyDescriptor, KeyUse, RoleDescriptor, names};
use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const VALIDATION: &str = include_str!("data/identity_center_admin/validation.json");

struct Server {
    url: String,
    admin: String,
    scim: String,
    state: Arc<AppState>,
    name: String,
}

fn store_token(store: &dyn Store, kind: TokenKind) -> String {
    let token = tokens::generate().expect("rng");
    let record = TokenRecord {
        id: token.id,
        kind,
        created: "2026-01-01T00:00:00Z".into(),
    };
    let mut tx = store.begin().expect("begin");
    tx.insert_token(&record, &tokens::hash(&token.secret))
        .expect("token");
    tx.commit().expect("commit");
    token.secret
}

/// Serves `web::router` over `store` on a free loopback port, in a thread of its own.
fn serve(name: &str, store: Box<dyn Store>, max_body_bytes: usize) -> Server {
    let admin = store_token(store.as_ref(), TokenKind::Admin);
    let scim = store_token(store.as_ref(), TokenKind::Scim);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let mut config = ServiceConfig::new(
        format!("{url}/scim/v2"),
        Profile::Full,
        fedkit_scim::Dialect::Strict,
    );
    config.max_body_bytes = max_body_bytes;
    let state = Arc::new(AppState {
        scim: Arc::new(ScimService::new(store, config)),
        config: WebConfig::new(&url),
        cookie_key: [7; 32],
    });
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
    Server {
        url,
        admin,
        scim,
        state,
        name: name.to_owned(),
    }
}

/// One server per store: SQLite always, PostgreSQL when configured.
fn servers_with_limit(max_body_bytes: usize) -> Vec<Server> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.keep().join("store.sqlite3");
    let sqlite = store::open(&format!("sqlite://{}", path.display())).expect("sqlite");
    let mut out = vec![serve("sqlite", sqlite, max_body_bytes)];
    match std::env::var("FEDKIT_TEST_POSTGRES_URL") {
        Ok(url) => {
            let pg = store::open(&url)
                .unwrap_or_else(|e| panic!("FEDKIT_TEST_POSTGRES_URL is set but unusable: {e}"));
            out.push(serve("postgres", pg, max_body_bytes));
        }
        Err(_) => eprintln!("FEDKIT_TEST_POSTGRES_URL not set: PostgreSQL cases not run here"),
    }
    out
}

fn servers() -> Vec<Server> {
    servers_with_limit(1 << 20)
}

fn unique() -> String {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).expect("rng");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client")
}

fn parse(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON body: {text}"))
    };
    (status, body)
}

impl Server {
    fn call_as(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = client().request(method, format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        parse(request.send().expect("request"))
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        self.call_as(Some(&self.admin), method, path, body)
    }

    fn raw(&self, method: &str, path: &str, content_type: &str, body: String) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let response = client()
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(&self.admin)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .expect("request");
        parse(response)
    }

    /// A SCIM user (over the SCIM API, as an IdP provisions one); returns its id.
    fn user(&self, name: &str) -> String {
        let body = json!({"schemas": [USER], "userName": name, "displayName": name,
            "name": {"givenName": "Given", "familyName": "Family"},
            "emails": [{"value": format!("{name}@example.test"), "primary": true}]});
        let response = client()
            .post(format!("{}/scim/v2/Users", self.url))
            .bearer_auth(&self.scim)
            .header("Content-Type", "application/scim+json")
            .body(body.to_string())
            .send()
            .expect("request");
        let (status, body) = parse(response);
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().expect("id").to_owned()
    }

    fn group(&self, name: &str, members: &[&str]) -> String {
        let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
        let body = json!({"schemas": [GROUP], "displayName": name, "members": members});
        let response = client()
            .post(format!("{}/scim/v2/Groups", self.url))
            .bearer_auth(&self.scim)
            .header("Content-Type", "application/scim+json")
            .body(body.to_string())
            .send()
            .expect("request");
        let (status, body) = parse(response);
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().expect("id").to_owned()
    }

    /// Registers an application by JSON; returns its document.
    fn register(&self, extra: Value) -> Value {
        let s = unique();
        let mut body = json!({"name": format!("App {s}"),
            "entityId": format!("https://sp-{s}.example.test/saml"),
            "acsUrl": format!("https://sp-{s}.example.test/acs")});
        merge(&mut body, &extra);
        let (status, app) = self.call("POST", "/admin/applications", Some(&body));
        assert_eq!(status, 201, "{}: {app}", self.name);
        app
    }

    fn certificates(&self, app_id: &str) -> Vec<Value> {
        let (status, body) = self.call(
            "GET",
            &format!("/admin/applications/{app_id}/certificates"),
            None,
        );
        assert_eq!(status, 200, "{body}");
        body["certificates"].as_array().expect("array").clone()
    }

    fn apps(&self) -> Vec<Value> {
        let (status, body) = self.call("GET", "/admin/applications", None);
        assert_eq!(status, 200, "{body}");
        body["applications"].as_array().expect("array").clone()
    }

    fn app_ids(&self) -> Vec<String> {
        self.apps()
            .iter()
            .map(|a| a["id"].as_str().expect("id").to_owned())
            .collect()
    }

    /// Whether an application with this name or entity ID exists (tests share one
    /// PostgreSQL database and run at once, so only their own names tell).
    fn has_app_like(&self, body: &Value) -> bool {
        self.apps().iter().any(|a| {
            (body.get("name").is_some() && a["name"] == body["name"])
                || (body.get("entityId").is_some() && a["entityId"] == body["entityId"])
        })
    }
}

/// Sets each key of `patch` on `body`; a null removes it.
fn merge(body: &mut Value, patch: &Value) {
    let (Some(body), Some(patch)) = (body.as_object_mut(), patch.as_object()) else {
        return;
    };
    for (k, v) in patch {
        if v.is_null() {
            body.remove(k);
        } else {
            body.insert(k.clone(), v.clone());
        }
    }
}

fn assert_error(status: u16, body: &Value, want_status: u16, code: &str, context: &str) {
    assert_eq!(status, want_status, "{context}: {body}");
    assert_eq!(body["error"], code, "{context}: {body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{context}: {body}"
    );
}

/// What `openssl x509` reads from a PEM certificate.
fn openssl_x509(pem: &str, args: &[&str]) -> String {
    let mut child = Command::new("openssl")
        .arg("x509")
        .args(["-noout"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the openssl command (install it: .ci/run does)");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(pem.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("openssl");
    assert!(out.status.success(), "openssl x509 {args:?}");
    String::from_utf8(out.stdout).expect("utf-8")
}

fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("RFC 3339 time: {value}"))
}

#[test]
fn auth_needs_an_admin_token() {
    for server in servers() {
        let no_token = client()
            .get(format!("{}/admin/applications", server.url))
            .send()
            .expect("request");
        let challenge = no_token
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let (status, body) = parse(no_token);
        assert_error(status, &body, 401, "unauthorized", "no token");
        // RFC 6750 §3: a 401 carries a Bearer challenge.
        assert!(
            challenge.is_some_and(|c| c.starts_with("Bearer ")),
            "challenge"
        );

        let (status, body) =
            server.call_as(Some("not-a-token"), "GET", "/admin/applications", None);
        assert_error(status, &body, 401, "invalid_token", "wrong token");

        // A SCIM token is valid but not for this API: RFC 6750 §3.1 insufficient_scope, 403.
        let scim = server.scim.clone();
        let (status, body) = server.call_as(Some(&scim), "GET", "/admin/applications", None);
        assert_error(status, &body, 403, "insufficient_scope", "SCIM token");

        // Refused before anything is parsed or written: a bad body still answers 401.
        let (status, body) = server.call_as(None, "POST", "/admin/applications", Some(&json!({})));
        assert_error(status, &body, 401, "unauthorized", "POST without token");
        let refused = json!({"name": format!("scim {}", unique()),
            "entityId": format!("urn:x:scim:{}", unique()), "acsUrl": "https://x.test/acs"});
        let (status, _) =
            server.call_as(Some(&scim), "POST", "/admin/applications", Some(&refused));
        assert_eq!(status, 403);
        assert!(
            !server.has_app_like(&refused),
            "{}: nothing registered",
            server.name
        );

        let (status, body) = server.call("GET", "/admin/applications", None);
        assert_eq!(status, 200, "{body}");
    }
}

#[test]
fn register_by_json_with_aws_defaults_and_a_certificate() {
    for server in servers() {
        let app = server.register(json!({}));
        let id = app["id"].as_str().expect("id");
        // AWS's default subject: ${user:email} in emailAddress format; no attributes.
        assert_eq!(app["nameId"]["source"], "${user:email}");
        assert_eq!(
            app["nameId"]["format"],
            "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
        );
        assert_eq!(app["attributes"], json!([]));
        assert_eq!(app["assignments"], json!([]));
        assert_eq!(app["requireSignedRequests"], false);
        assert_eq!(
            app["idpMetadataUrl"],
            format!("{}/saml/{id}/metadata", server.url)
        );
        let (status, fetched) = server.call("GET", &format!("/admin/applications/{id}"), None);
        assert_eq!(status, 200);
        assert_eq!(
            fetched, app,
            "{}: GET returns what POST answered",
            server.name
        );
        assert!(server.app_ids().contains(&id.to_owned()));

        let certificates = server.certificates(id);
        assert_eq!(
            certificates.len(),
            1,
            "one certificate generated on registration"
        );
        let cert = &certificates[0];
        assert_eq!(cert["status"], "active");
        assert_eq!(cert["validity"], "valid");
        let pem = cert["certificate"].as_str().expect("pem");
        let listing = serde_json::to_string(&certificates).expect("json");
        assert!(!listing.contains("PRIVATE KEY"), "never the key");
        // Fingerprints as openssl computes them (`x509 -fingerprint`, colon hex).
        let sha256 = openssl_x509(pem, &["-fingerprint", "-sha256"]);
        assert_eq!(
            sha256.trim().split('=').nth(1),
            cert["sha256Fingerprint"].as_str(),
            "{sha256}"
        );
        let sha1 = openssl_x509(pem, &["-fingerprint", "-sha1"]);
        assert_eq!(
            sha1.trim().split('=').nth(1),
            cert["sha1Fingerprint"].as_str()
        );
        assert_eq!(
            cert["id"].as_str().map(str::to_owned),
            cert["sha256Fingerprint"]
                .as_str()
                .map(|f| f.replace(':', "").to_ascii_lowercase()),
            "the id is the SHA-256 fingerprint in lower-case hex"
        );
        let text = openssl_x509(pem, &["-text"]);
        assert!(
            text.contains("Public-Key: (2048 bit)"),
            "AWS's 2048 by default: {text}"
        );
        assert!(
            text.contains(&format!("CN=identity-center {id}"))
                || text.contains(&format!("CN = identity-center {id}")),
            "{text}"
        );
        // Five years by default (AWS), to the second.
        let not_before = time(&cert["notBefore"]);
        assert_eq!(
            not_before.checked_add_months(Months::new(60)),
            Some(time(&cert["notAfter"]))
        );
    }
}

#[test]
fn register_from_sp_metadata() {
    for server in servers() {
        // The SP's own certificates: two PEMs identity-center made for other applications.
        let donor = server.register(json!({}));
        let donor_id = donor["id"].as_str().expect("id");
        let signing = server.certificates(donor_id)[0]["certificate"]
            .as_str()
            .expect("pem")
            .to_owned();
        let s = unique();
        let endpoint =
            |binding: &str, location: String, index: Option<u16>, is_default: bool| Endpoint {
                binding: binding.into(),
                location,
                response_location: None,
                index,
                is_default,
            };
        let certificate = fedkit_certs::Certificate::parse(signing.as_bytes()).expect("pem");
        let entity = EntityDescriptor {
            entity_id: format!("https://sp-{s}.example.test/metadata"),
            valid_until: None,
            idp: None,
            sp: Some(RoleDescriptor {
                keys: vec![
                    KeyDescriptor {
                        key_use: KeyUse::Signing,
                        certificates: vec![certificate.clone()],
                    },
                    KeyDescriptor {
                        key_use: KeyUse::Encryption,
                        certificates: vec![certificate.clone()],
                    },
                ],
                single_logout: vec![endpoint(
                    names::BINDING_HTTP_REDIRECT,
                    format!("https://sp-{s}.example.test/slo"),
                    None,
                    false,
                )],
                name_id_formats: vec![names::NAMEID_EMAIL.into()],
                services: vec![
                    endpoint(
                        names::BINDING_HTTP_POST,
                        format!("https://sp-{s}.example.test/acs-1"),
                        Some(1),
                        false,
                    ),
                    // SAML metadata §2.2.3: the isDefault endpoint is the default.
                    endpoint(
                        names::BINDING_HTTP_POST,
                        format!("https://sp-{s}.example.test/acs-default"),
                        Some(2),
                        true,
                    ),
                ],
                requests_signed: true,
                want_assertions_signed: true,
            }),
        };
        let xml = entity.to_xml();

        // 1. The metadata document as the body.
        let (status, app) = server.raw(
            "POST",
            &format!("/admin/applications?name=Metadata%20{s}"),
            "application/samlmetadata+xml",
            xml.clone(),
        );
        assert_eq!(status, 201, "{}: {app}", server.name);
        assert_eq!(app["name"], format!("Metadata {s}"));
        assert_eq!(app["entityId"], entity.entity_id);
        assert_eq!(
            app["acsUrl"],
            format!("https://sp-{s}.example.test/acs-default")
        );
        assert_eq!(app["sloUrl"], format!("https://sp-{s}.example.test/slo"));
        // The endpoint's own binding, the only one it offers: logout messages go over it.
        assert_eq!(app["sloBinding"], "redirect");
        assert_eq!(app["requireSignedRequests"], true, "AuthnRequestsSigned");
        assert_eq!(app["spSigningCertificates"], json!([certificate.to_pem()]));
        assert_eq!(app["encryptionCertificate"], certificate.to_pem());

        // 2. The same entity again, as JSON with metadataXml: its entity ID is taken.
        let body = json!({"name": "again", "metadataXml": xml});
        let (status, error) = server.call("POST", "/admin/applications", Some(&body));
        assert_error(status, &error, 409, "entity_id_taken", "same entity twice");

        // 3. Deleted, then registered as JSON with metadataXml; explicit fields win.
        let id = app["id"].as_str().expect("id");
        let (status, _) = server.call("DELETE", &format!("/admin/applications/{id}"), None);
        assert_eq!(status, 204);
        let body = json!({"name": "json", "metadataXml": xml, "requireSignedRequests": false,
            "acsUrl": format!("https://sp-{s}.example.test/acs-1")});
        let (status, app) = server.call("POST", "/admin/applications", Some(&body));
        assert_eq!(status, 201, "{app}");
        assert_eq!(
            app["entityId"], entity.entity_id,
            "the freed entity ID is free"
        );
        assert_eq!(app["acsUrl"], format!("https://sp-{s}.example.test/acs-1"));
        assert_eq!(app["requireSignedRequests"], false);
    }
}

#[test]
fn refused_documents_change_nothing() {
    let table: Value = serde_json::from_str(VALIDATION).expect("table");
    let cases = table["cases"].as_array().expect("cases");
    for server in servers() {
        let existing =
            server.register(json!({"attributes": [{"name": "mail", "value": "${user:email}"}]}));
        let id = existing["id"].as_str().expect("id");
        let certificates = server.certificates(id);
        for case in cases {
            let reason = case["reason"].as_str().expect("reason");
            let code = case["code"].as_str().expect("code");
            let want = u16::try_from(case["status"].as_u64().expect("status")).expect("u16");
            let s = unique();
            let mut body = json!({"name": format!("Refused {s}"), "entityId": format!("urn:example:refused:{s}"),
                "acsUrl": "https://sp.example.test/acs"});
            merge(&mut body, &case["set"]);

            let (status, error) = server.call("POST", "/admin/applications", Some(&body));
            assert_error(
                status,
                &error,
                want,
                code,
                &format!("{}: POST {reason}", server.name),
            );
            assert!(
                !server.has_app_like(&body),
                "{reason}: a refused POST adds nothing"
            );

            let path = format!("/admin/applications/{id}");
            let (status, error) = server.call("PUT", &path, Some(&body));
            assert_error(
                status,
                &error,
                want,
                code,
                &format!("{}: PUT {reason}", server.name),
            );
            let (_, after) = server.call("GET", &path, None);
            assert_eq!(after, existing, "{reason}: a refused PUT changes nothing");
        }
        assert_eq!(server.certificates(id), certificates);

        // One over the attribute name limit (256 characters) fails, the limit passes.
        let long = |n: usize| json!({"attributes": [{"name": "a".repeat(n), "value": "x"}]});
        let (status, body) = server.call(
            "PUT",
            &format!("/admin/applications/{id}"),
            Some(&{
                let mut b = existing.clone();
                merge(&mut b, &long(257));
                b
            }),
        );
        assert_error(
            status,
            &body,
            400,
            "invalid_attribute_name",
            "257 characters",
        );
        let mut at_limit = existing.clone();
        merge(&mut at_limit, &long(256));
        let (status, body) =
            server.call("PUT", &format!("/admin/applications/{id}"), Some(&at_limit));
        assert_eq!(status, 200, "256 characters pass: {body}");
        // A GET's document PUT back as it is (its read-only fields ignored) changes nothing.
        let (_, current) = server.call("GET", &format!("/admin/applications/{id}"), None);
        let (status, body) =
            server.call("PUT", &format!("/admin/applications/{id}"), Some(&current));
        assert_eq!(status, 200, "{body}");
        assert_eq!(body, current, "a round trip");

        // Not JSON, not a known media type.
        let (status, body) = server.raw(
            "POST",
            "/admin/applications",
            "application/json",
            "{".into(),
        );
        assert_error(status, &body, 400, "invalid_json", "broken JSON");
        let (status, body) = server.raw("POST", "/admin/applications", "text/plain", "x".into());
        assert_error(status, &body, 415, "unsupported_media_type", "text/plain");
        let (status, body) = server.call("GET", "/admin/applications/app-none", None);
        assert_error(status, &body, 404, "application_not_found", "unknown id");
        let (status, body) = server.call(
            "PUT",
            "/admin/applications/app-none",
            Some(&json!({
            "name": "x", "entityId": "urn:x:none", "acsUrl": "https://x.test/acs"})),
        );
        assert_error(
            status,
            &body,
            404,
            "application_not_found",
            "PUT unknown id",
        );
        let (status, body) = server.call("GET", "/admin/nothing/here", None);
        assert_error(status, &body, 404, "not_found", "no such endpoint");
        let response = client()
            .patch(format!("{}/admin/applications", server.url))
            .bearer_auth(&server.admin)
            .send()
            .expect("request");
        // RFC 9110 §15.5.6: a 405 lists the allowed methods.
        let allow = response
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .unwrap_or_default();
        let (status, body) = parse(response);
        assert_error(status, &body, 405, "method_not_allowed", "PATCH");
        assert!(
            allow.contains("GET") && allow.contains("POST"),
            "Allow: {allow}"
        );
        let (status, body) = server.call("DELETE", "/admin/applications/app-none", None);
        assert_error(
            status,
            &body,
            404,
            "application_not_found",
            "DELETE unknown id",
        );
    }
}

#[test]
fn loopback_http_is_allowed_and_put_replaces() {
    for server in servers() {
        let s = unique();
        let app = server.register(json!({"acsUrl": format!("http://127.0.0.1:8080/acs-{s}"),
            "sloUrl": "http://localhost/slo", "startUrl": "http://[::1]:9/start"}));
        let id = app["id"].as_str().expect("id").to_owned();
        let certificates = server.certificates(&id);
        let user = server.user(&format!("put-{s}"));

        let new_entity = format!("urn:example:replaced:{s}");
        let body = json!({"name": "Replaced", "entityId": new_entity,
            "acsUrl": "https://replaced.example.test/acs",
            "nameId": {"source": "${user:subject}", "format": names::NAMEID_PERSISTENT},
            "attributes": [{"name": "groups", "value": "${user:groups}", "nameFormat": names::ATTRNAME_BASIC}],
            "assignments": [{"type": "user", "id": user}]});
        let (status, replaced) =
            server.call("PUT", &format!("/admin/applications/{id}"), Some(&body));
        assert_eq!(status, 200, "{replaced}");
        assert_eq!(replaced["id"], app["id"], "id kept");
        assert_eq!(replaced["created"], app["created"], "created kept");
        assert_eq!(replaced["entityId"], new_entity);
        assert!(
            replaced.get("sloUrl").is_none(),
            "a PUT replaces: fields left out are gone"
        );
        assert_eq!(replaced["nameId"]["source"], "${user:subject}");
        assert_eq!(
            replaced["attributes"][0]["nameFormat"],
            names::ATTRNAME_BASIC
        );
        assert_eq!(server.certificates(&id), certificates, "certificates kept");

        // The old entity ID is free again; the new one is taken.
        let old_entity = app["entityId"].as_str().expect("entity");
        let other = server.register(json!({"entityId": old_entity}));
        let (status, body) = server.call(
            "POST",
            "/admin/applications",
            Some(&json!({
            "name": "x", "entityId": new_entity, "acsUrl": "https://x.example.test/acs"})),
        );
        assert_error(status, &body, 409, "entity_id_taken", "the new entity ID");
        // A PUT onto another application's entity ID is refused too, and changes nothing.
        let other_id = other["id"].as_str().expect("id");
        let (status, body) = server.call(
            "PUT",
            &format!("/admin/applications/{other_id}"),
            Some(&json!({
            "name": "x", "entityId": new_entity, "acsUrl": "https://x.example.test/acs"})),
        );
        assert_error(
            status,
            &body,
            409,
            "entity_id_taken",
            "PUT onto a taken entity ID",
        );
        let (_, unchanged) = server.call("GET", &format!("/admin/applications/{other_id}"), None);
        assert_eq!(unchanged, other);

        let (status, body) = server.call(
            "PUT",
            &format!("/admin/applications/{id}"),
            Some(&json!({
            "name": "x", "entityId": new_entity, "acsUrl": "https://x.example.test/acs",
            "certificateValidityMonths": 12})),
        );
        assert_error(
            status,
            &body,
            400,
            "certificate_options_on_update",
            "PUT with certificate options",
        );

        // DELETE removes the application and its certificates.
        let (status, _) = server.call("DELETE", &format!("/admin/applications/{id}"), None);
        assert_eq!(status, 204);
        let (status, body) = server.call(
            "GET",
            &format!("/admin/applications/{id}/certificates"),
            None,
        );
        assert_error(
            status,
            &body,
            404,
            "application_not_found",
            "certificates of a deleted app",
        );
        let mut tx = server.state.store().begin().expect("begin");
        assert!(
            apps::load_certificates(&mut *tx, &id, 0)
                .expect("load")
                .is_none(),
            "keys deleted"
        );
        assert!(
            apps::find_by_entity_id(&mut *tx, &new_entity, 0)
                .expect("find")
                .is_none()
        );
    }
}

#[test]
fn certificate_rules_as_aws() {
    for server in servers() {
        // One month: 90 days or less left at once, so "expiring" (AWS's yellow).
        let app = server.register(json!({"certificateValidityMonths": 1}));
        let id = app["id"].as_str().expect("id");
        let first = server.certificates(id);
        assert_eq!(first[0]["validity"], "expiring");
        let first_id = first[0]["id"].as_str().expect("id").to_owned();
        let base = format!("/admin/applications/{id}/certificates");

        for (body, code, why) in [
            (json!({"keySize": 4096}), "invalid_key_size", "2048 or 3072"),
            (json!({"keySize": 1024}), "invalid_key_size", "never 1024"),
            (
                json!({"validityMonths": 0}),
                "invalid_certificate_validity",
                "0 months",
            ),
            (
                json!({"validityMonths": 121}),
                "invalid_certificate_validity",
                "one over 120",
            ),
            (json!({"validity": 12}), "invalid_body", "unknown field"),
        ] {
            let (status, error) = server.call("POST", &base, Some(&body));
            assert_error(status, &error, 400, code, why);
        }
        assert_eq!(server.certificates(id).len(), 1, "refusals add nothing");

        // A new certificate starts inactive; 120 months is the limit and passes.
        let (status, second) = server.call("POST", &base, Some(&json!({"validityMonths": 120})));
        assert_eq!(status, 201, "{second}");
        assert_eq!(second["status"], "inactive");
        assert_eq!(second["validity"], "valid");
        assert_eq!(
            time(&second["notBefore"]).checked_add_months(Months::new(120)),
            Some(time(&second["notAfter"]))
        );
        let second_id = second["id"].as_str().expect("id").to_owned();

        // Two at most: the third is refused before any key is made.
        let (status, error) = server.call("POST", &base, None);
        assert_error(
            status,
            &error,
            409,
            "certificate_limit_reached",
            "third certificate",
        );
        assert_eq!(server.certificates(id).len(), 2);

        // Only an inactive one is deleted.
        let (status, error) = server.call("DELETE", &format!("{base}/{first_id}"), None);
        assert_error(
            status,
            &error,
            409,
            "certificate_active",
            "delete the active one",
        );

        // Activation switches in one step.
        let (status, body) = server.call("POST", &format!("{base}/{second_id}/activate"), None);
        assert_eq!(status, 200, "{body}");
        let listed = server.certificates(id);
        let status_of = |cid: &str| {
            listed
                .iter()
                .find(|c| c["id"] == cid)
                .map(|c| c["status"].clone())
        };
        assert_eq!(status_of(&second_id), Some(json!("active")));
        assert_eq!(status_of(&first_id), Some(json!("inactive")));
        let mut tx = server.state.store().begin().expect("begin");
        let set = apps::load_certificates(&mut *tx, id, 0)
            .expect("load")
            .expect("set");
        drop(tx);
        assert_eq!(
            set.active()
                .certificate()
                .sha256_fingerprint()
                .to_colon_hex(),
            second["sha256Fingerprint"].as_str().expect("fp"),
            "the stored set signs with the activated one"
        );

        let (status, error) = server.call(
            "POST",
            &format!("{base}/{}/activate", "ab".repeat(32)),
            None,
        );
        assert_error(
            status,
            &error,
            404,
            "certificate_not_found",
            "unknown certificate",
        );
        let (status, error) = server.call("DELETE", &format!("{base}/not-hex"), None);
        assert_error(status, &error, 404, "certificate_not_found", "malformed id");

        // The old one, now inactive, is deleted; one remains.
        let (status, _) = server.call("DELETE", &format!("{base}/{first_id}"), None);
        assert_eq!(status, 204);
        let listed = server.certificates(id);
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0]["id"], second_id.as_str());

        // RSA 3072 when asked at registration.
        let big = server.register(json!({"certificateKeySize": 3072}));
        let cert = &server.certificates(big["id"].as_str().expect("id"))[0];
        assert_eq!(cert["keySize"], 3072);
        let text = openssl_x509(cert["certificate"].as_str().expect("pem"), &["-text"]);
        assert!(text.contains("Public-Key: (3072 bit)"), "{text}");
        let (status, body) = server.call(
            "POST",
            "/admin/applications",
            Some(&json!({
            "name": "x", "entityId": "urn:x:4096", "acsUrl": "https://x.test/acs",
            "certificateKeySize": 4096})),
        );
        assert_error(
            status,
            &body,
            400,
            "invalid_key_size",
            "registration with 4096",
        );
    }
}

#[test]
fn assignments_and_is_assigned() {
    for server in servers() {
        let s = unique();
        let direct = server.user(&format!("direct-{s}"));
        let member = server.user(&format!("member-{s}"));
        let outsider = server.user(&format!("outsider-{s}"));
        let group = server.group(&format!("group-{s}"), &[&member]);
        let app = server.register(json!({"assignments": [{"type": "group", "id": group}]}));
        let id = app["id"].as_str().expect("id");
        let path = format!("/admin/applications/{id}/assignments");

        let (status, body) =
            server.call("POST", &path, Some(&json!({"type": "user", "id": direct})));
        assert_eq!(status, 201, "{body}");
        let (status, body) =
            server.call("POST", &path, Some(&json!({"type": "user", "id": direct})));
        assert_error(status, &body, 409, "assignment_exists", "twice");
        let (status, body) =
            server.call("POST", &path, Some(&json!({"type": "user", "id": group})));
        assert_error(
            status,
            &body,
            400,
            "unknown_principal",
            "a group id as a user",
        );
        let (status, body) = server.call("POST", &path, Some(&json!({"type": "user"})));
        assert_error(status, &body, 400, "invalid_body", "no id");
        let (_, fetched) = server.call("GET", &format!("/admin/applications/{id}"), None);
        assert_eq!(
            fetched["assignments"],
            json!([{"type": "group", "id": group}, {"type": "user", "id": direct}])
        );

        let check = |user: &str| {
            let mut tx = server.state.store().begin().expect("begin");
            let app = apps::load(&mut *tx, id, 0).expect("load").expect("app");
            apps::is_assigned(&mut *tx, &app, user).expect("is_assigned")
        };
        assert!(check(&direct), "assigned directly");
        assert!(check(&member), "assigned through a group");
        assert!(!check(&outsider), "not assigned");
        assert!(!check("no-such-user"), "no such user");

        let (status, _) = server.call("DELETE", &format!("{path}/user/{direct}"), None);
        assert_eq!(status, 204);
        assert!(!check(&direct), "unassigned");
        let (status, body) = server.call("DELETE", &format!("{path}/user/{direct}"), None);
        assert_error(status, &body, 404, "assignment_not_found", "again");
        let (status, body) = server.call("DELETE", &format!("{path}/role/{direct}"), None);
        assert_error(status, &body, 400, "invalid_principal_type", "role");
        let (status, _) = server.call("DELETE", &format!("{path}/group/{group}"), None);
        assert_eq!(status, 204);
        assert!(!check(&member), "the group's members with it");
    }
}

#[test]
fn passwords_are_argon2id_and_verify() {
    for server in servers() {
        let s = unique();
        let user = server.user(&format!("pw-{s}"));
        let path = format!("/admin/users/{user}/password");
        let good = "correct horse battery staple";

        let (status, body) = server.call(
            "PUT",
            "/admin/users/no-such-user/password",
            Some(&json!({"password": good})),
        );
        assert_error(status, &body, 404, "user_not_found", "unknown user");
        // NIST SP 800-63B style: a floor of 12 characters, a ceiling of 1024 bytes.
        let (status, body) = server.call("PUT", &path, Some(&json!({"password": "a".repeat(11)})));
        assert_error(status, &body, 400, "password_too_short", "11 characters");
        let (status, body) =
            server.call("PUT", &path, Some(&json!({"password": "a".repeat(1025)})));
        assert_error(status, &body, 400, "password_too_long", "1025 bytes");
        let (status, body) = server.call("PUT", &path, Some(&json!({"pass": good})));
        assert_error(status, &body, 400, "invalid_body", "wrong field");
        let mut tx = server.state.store().begin().expect("begin");
        assert_eq!(
            passwords::stored_hash(&mut *tx, &user).expect("read"),
            None,
            "refusals store nothing"
        );
        drop(tx);

        let (status, _) = server.call("PUT", &path, Some(&json!({"password": "a".repeat(1024)})));
        assert_eq!(status, 204, "1024 bytes pass");
        let (status, _) = server.call("PUT", &path, Some(&json!({"password": good})));
        assert_eq!(status, 204);

        let mut tx = server.state.store().begin().expect("begin");
        let phc = passwords::stored_hash(&mut *tx, &user)
            .expect("read")
            .expect("hash");
        // The PHC string format: $argon2id$v=19$m=…,t=…,p=…$salt$hash (RFC 9106 version 0x13).
        assert!(phc.starts_with("$argon2id$v=19$"), "{phc}");
        assert!(!phc.contains(good));
        assert!(passwords::verify(&mut *tx, &user, good).expect("verify"));
        assert!(
            !passwords::verify(&mut *tx, &user, "correct horse battery stapl").expect("verify")
        );
        assert!(
            !passwords::verify(&mut *tx, &user, &"a".repeat(1024)).expect("verify"),
            "the old one is replaced"
        );
        assert!(!passwords::verify(&mut *tx, "no-such-user", good).expect("verify"));
        drop(tx);

        let (status, _) = server.call("DELETE", &path, None);
        assert_eq!(status, 204);
        let mut tx = server.state.store().begin().expect("begin");
        assert!(
            !passwords::verify(&mut *tx, &user, good).expect("verify"),
            "deleted"
        );
        drop(tx);
        let (status, body) = server.call("DELETE", &path, None);
        assert_error(status, &body, 404, "password_not_set", "deleted twice");
        let (status, body) = server.call("DELETE", "/admin/users/no-such-user/password", None);
        assert_error(status, &body, 404, "user_not_found", "unknown user");
    }
}

#[test]
fn body_limit_edge() {
    let limit = 600;
    for server in servers_with_limit(limit) {
        // JSON padded with spaces to exactly the limit passes the limit (and fails on content:
        // a missing field); one byte more is 413.
        let body = json!({"name": "x"}).to_string();
        let at_limit = format!("{body}{}", " ".repeat(limit - body.len()));
        let (status, error) =
            server.raw("POST", "/admin/applications", "application/json", at_limit);
        assert_error(status, &error, 400, "missing_field", "exactly the limit");
        let over = format!("{body}{}", " ".repeat(limit + 1 - body.len()));
        let (status, error) = server.raw("POST", "/admin/applications", "application/json", over);
        assert_error(status, &error, 413, "payload_too_large", "one byte over");
    }
}

#[test]
fn racing_requests_cannot_break_the_rules() {
    for server in servers() {
        // Four registrations of one entity ID at once: the entity ID is taken by an atomic
        // insert in the saving transaction, so exactly one wins.
        let s = unique();
        let body = json!({"name": format!("Race {s}"), "entityId": format!("urn:example:race:{s}"),
            "acsUrl": "https://race.example.test/acs"});
        let results: Vec<(u16, Value)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| server.call("POST", "/admin/applications", Some(&body))))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        let created: Vec<&Value> = results
            .iter()
            .filter(|(status, _)| *status == 201)
            .map(|(_, app)| app)
            .collect();
        assert_eq!(created.len(), 1, "{}: {results:?}", server.name);
        for (status, error) in results.iter().filter(|(status, _)| *status != 201) {
            assert_error(*status, error, 409, "entity_id_taken", "the losers");
        }
        let same: Vec<Value> = server
            .apps()
            .into_iter()
            .filter(|a| a["entityId"] == body["entityId"])
            .collect();
        assert_eq!(same.len(), 1, "one application with the entity ID");

        // Three new certificates at once on an application with one: each passes the early
        // check, makes a key, and the saving transaction re-checks: one is added.
        let id = created[0]["id"].as_str().expect("id");
        let path = format!("/admin/applications/{id}/certificates");
        let results: Vec<(u16, Value)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..3)
                .map(|_| scope.spawn(|| server.call("POST", &path, None)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        assert_eq!(
            results.iter().filter(|(status, _)| *status == 201).count(),
            1,
            "{}: {results:?}",
            server.name
        );
        for (status, error) in results.iter().filter(|(status, _)| *status != 201) {
            assert_error(
                *status,
                error,
                409,
                "certificate_limit_reached",
                "the losers",
            );
        }
        assert_eq!(server.certificates(id).len(), 2);
    }
}
