//! The binaries of issue 7's end-to-end flows, started as a user starts them: `identity-center`
//! (with an admin token from `identity-center token new --kind admin`) and `saml-sp serve`, each
//! on a free loopback port, each killed on drop. Helpers for what an administrator does over
//! SCIM and the admin API, with the status of every call checked.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use fedkit_certs::Certificate;
use fedkit_saml::names::{BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, NAMEID_EMAIL};
use fedkit_saml::{EntityDescriptor, KeyDescriptor, KeyUse, RoleDescriptor};
use reqwest::blocking::Client;
use serde_json::{Value, json};

/// fedkit-saml's test keys (crates/saml/tests/data/keys/README.md says how they were made).
pub const KEYS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../crates/saml/tests/data/keys"
);

/// A file of the test keys.
pub fn key_path(name: &str) -> PathBuf {
    Path::new(KEYS).join(name)
}

/// A child process, killed on drop, whose stdout lines after start-up are drained.
struct Process {
    child: Child,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Spawns `command` and reads stdout until a line starts with `last`; returns the lines read.
fn spawn(mut command: Command, last: &str) -> (Process, Vec<String>) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    let stdout = child.stdout.take().expect("stdout");
    let process = Process { child };
    let mut reader = BufReader::new(stdout).lines();
    let mut lines = Vec::new();
    for line in reader.by_ref() {
        let line = line.expect("stdout line");
        let done = line.starts_with(last);
        lines.push(line);
        if done {
            std::thread::spawn(move || for _ in reader {});
            return (process, lines);
        }
    }
    panic!("{command:?} exited before printing {last:?}: {lines:?}");
}

fn line_value<'a>(lines: &'a [String], prefix: &str) -> &'a str {
    lines
        .iter()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} line in {lines:?}"))
}

/// A JSON body, or `Null` for an empty or non-JSON one.
fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// A running identity-center.
pub struct IdentityCenter {
    process: Process,
    /// The public origin, without a trailing slash (`http://127.0.0.1:PORT`).
    pub url: String,
    /// The SCIM base URL it printed.
    pub scim_url: String,
    /// The first SCIM token it printed.
    pub scim_token: String,
    /// An admin token from `identity-center token new --kind admin`.
    pub admin_token: String,
    client: Client,
    data: tempfile::TempDir,
}

impl IdentityCenter {
    /// Starts identity-center on a fresh data directory with `extra` arguments, and makes an
    /// admin token.
    pub fn start(extra: &[&str]) -> IdentityCenter {
        let data = tempfile::tempdir().expect("tempdir");
        let bin = env!("CARGO_BIN_EXE_identity-center");
        // The admin token first: the token command opens the store the server then uses.
        let output = Command::new(bin)
            .args(["token", "new", "--kind", "admin", "--data"])
            .arg(data.path())
            .output()
            .expect("identity-center token new");
        assert!(
            output.status.success(),
            "token new: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let admin_token = String::from_utf8(output.stdout)
            .expect("utf-8")
            .trim()
            .to_owned();
        assert!(!admin_token.is_empty(), "token new printed no secret");
        let mut command = Command::new(bin);
        command
            .args(["--listen", "127.0.0.1:0", "--data"])
            .arg(data.path())
            .args(extra);
        let (process, lines) = spawn(command, "Portal URL: ");
        let scim_token = line_value(&lines, "SCIM token ")
            .split_once("(shown once): ")
            .expect("SCIM token line")
            .1
            .to_owned();
        IdentityCenter {
            process,
            url: line_value(&lines, "Portal URL: ")
                .trim_end_matches('/')
                .to_owned(),
            scim_url: line_value(&lines, "SCIM base URL: ").to_owned(),
            scim_token,
            admin_token,
            // Redirects are answers to check here, not to follow.
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            data,
        }
    }

    /// A SCIM call; the status and the JSON body.
    pub fn scim(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.scim_url);
        let mut request = self
            .client
            .request(method.parse().expect("method"), &url)
            .bearer_auth(&self.scim_token);
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/scim+json")
                .body(body.to_string());
        }
        let response = request.send().unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = response.status().as_u16();
        (status, json_of(&response.text().unwrap_or_default()))
    }

    /// An admin API call with a JSON body (or none); the status and the JSON body.
    pub fn admin(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.url);
        let mut request = self
            .client
            .request(method.parse().expect("method"), &url)
            .bearer_auth(&self.admin_token);
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = response.status().as_u16();
        (status, json_of(&response.text().unwrap_or_default()))
    }

    /// An admin API call that must answer `expected`; its JSON body.
    pub fn admin_ok(&self, method: &str, path: &str, body: Option<&Value>, expected: u16) -> Value {
        let (status, reply) = self.admin(method, path, body);
        assert_eq!(status, expected, "{method} {path}: {reply}");
        reply
    }

    /// Provisions a user over SCIM (RFC 7643 §4.1 attributes); its id.
    pub fn create_user(&self, user_name: &str, given: &str, family: &str, email: &str) -> String {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
            "name": {"givenName": given, "familyName": family},
            "displayName": format!("{given} {family}"),
            "emails": [{"value": email, "type": "work", "primary": true}],
            "active": true,
        });
        let (status, user) = self.scim("POST", "/Users", Some(&body));
        assert_eq!(status, 201, "POST /Users: {user}");
        user["id"].as_str().expect("user id").to_owned()
    }

    /// Provisions a group with these members over SCIM; its id.
    pub fn create_group(&self, name: &str, members: &[&str]) -> String {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": name,
            "members": members.iter().map(|m| json!({"value": m})).collect::<Vec<_>>(),
        });
        let (status, group) = self.scim("POST", "/Groups", Some(&body));
        assert_eq!(status, 201, "POST /Groups: {group}");
        group["id"].as_str().expect("group id").to_owned()
    }

    /// Sets a user's built-in directory password (204).
    pub fn set_password(&self, user_id: &str, password: &str) {
        self.admin_ok(
            "PUT",
            &format!("/admin/users/{user_id}/password"),
            Some(&json!({ "password": password })),
            204,
        );
    }

    /// Registers an application from SP metadata plus `extra` fields (name, attributes, …);
    /// the application document (201).
    pub fn register(&self, metadata_xml: &str, extra: Value) -> Value {
        let mut body = json!({ "metadataXml": metadata_xml });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        self.admin_ok("POST", "/admin/applications", Some(&body), 201)
    }

    /// Assigns a user or group (`kind` "user" or "group") to an application (201).
    pub fn assign(&self, app_id: &str, kind: &str, principal: &str) {
        self.admin_ok(
            "POST",
            &format!("/admin/applications/{app_id}/assignments"),
            Some(&json!({ "type": kind, "id": principal })),
            201,
        );
    }

    /// `GET /saml/{app}/metadata` (with `?certificates=next` when `next`), checked 200.
    pub fn idp_metadata(&self, app_id: &str, next: bool) -> String {
        let query = if next { "?certificates=next" } else { "" };
        let url = format!("{}/saml/{app_id}/metadata{query}", self.url);
        let response = self.client.get(&url).send().expect("metadata");
        let status = response.status().as_u16();
        let text = response.text().expect("metadata body");
        assert_eq!(status, 200, "GET {url}: {text}");
        text
    }

    /// A GET on identity-center without cookies; status and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.url))
            .send()
            .expect("GET");
        (
            response.status().as_u16(),
            response.text().unwrap_or_default(),
        )
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }
}

/// IdP metadata for `entity_id` with one signing certificate and SSO at `sso_url` over both
/// bindings: what `saml-sp serve` starts on before the real IdP's metadata is written.
pub fn idp_metadata_xml(entity_id: &str, sso_url: &str, certificate: &Certificate) -> String {
    let endpoint = |binding: &str| fedkit_saml::Endpoint {
        binding: binding.to_owned(),
        location: sso_url.to_owned(),
        response_location: None,
        index: None,
        is_default: false,
    };
    EntityDescriptor {
        entity_id: entity_id.to_owned(),
        valid_until: None,
        idp: Some(RoleDescriptor {
            keys: vec![KeyDescriptor {
                key_use: KeyUse::Signing,
                certificates: vec![certificate.clone()],
            }],
            single_logout: Vec::new(),
            name_id_formats: vec![NAMEID_EMAIL.to_owned()],
            services: vec![endpoint(BINDING_HTTP_REDIRECT), endpoint(BINDING_HTTP_POST)],
            requests_signed: false,
            want_assertions_signed: false,
        }),
        sp: None,
    }
    .to_xml()
}

/// The fixture IdP certificate (crates/saml/tests/data/keys/idp.cert.pem).
pub fn fixture_idp_certificate() -> Certificate {
    Certificate::parse(std::fs::read(key_path("idp.cert.pem")).expect("idp cert")).expect("cert")
}

/// A running `saml-sp serve`.
pub struct SamlSp {
    process: Process,
    /// Its base URL (`http://127.0.0.1:PORT`).
    pub url: String,
    /// Its entity ID.
    pub entity_id: String,
    /// Its ACS URL.
    pub acs_url: String,
    /// Its metadata URL.
    pub metadata_url: String,
    /// The IdP metadata file it reads at each use.
    pub idp_metadata_path: PathBuf,
    dir: tempfile::TempDir,
}

/// How `saml-sp serve` is started.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpOptions {
    /// `--allow-unsolicited` (IdP-initiated sign-in from the portal).
    pub allow_unsolicited: bool,
    /// `--key`/`--cert` with fedkit-saml's sp test key (signed logout messages, so SLO).
    pub signing_key: bool,
    /// `--binding post` instead of the Redirect binding.
    pub post_binding: bool,
    /// `--sign-requests` (with the key of `signing_key`): signed AuthnRequests, and
    /// `AuthnRequestsSigned="true"` in the metadata.
    pub sign_requests: bool,
    /// `--decrypt-key`/`--decrypt-cert` with fedkit-saml's sp test key: the metadata offers an
    /// encryption key, so assertions are encrypted to it.
    pub decrypt: bool,
    /// Reached at `http://localhost:PORT` rather than `http://127.0.0.1:PORT`: another site
    /// than identity-center's for a browser, so SameSite cookie rules apply between them.
    pub localhost: bool,
}

impl SamlSp {
    /// Starts `saml-sp serve` on placeholder IdP metadata (the fixture IdP); write the real
    /// IdP's metadata with [`SamlSp::trust`] once the application is registered.
    pub fn start(options: SpOptions) -> SamlSp {
        let dir = tempfile::tempdir().expect("tempdir");
        let idp_metadata_path = dir.path().join("idp.xml");
        let placeholder = idp_metadata_xml(
            "https://placeholder.invalid/idp",
            "https://placeholder.invalid/sso",
            &fixture_idp_certificate(),
        );
        std::fs::write(&idp_metadata_path, placeholder).expect("write metadata");
        let mut command = Command::new(env!("CARGO_BIN_EXE_saml-sp"));
        command.arg("serve");
        if options.localhost {
            // The base URL must name the port, so one is picked first (a race with another
            // process taking it in between is possible but harmless: the start fails loudly).
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("free port")
                .port();
            command
                .args(["--listen", &format!("127.0.0.1:{port}")])
                .args(["--base-url", &format!("http://localhost:{port}")]);
        } else {
            command.args(["--listen", "127.0.0.1:0"]);
        }
        command.arg("--idp-metadata").arg(&idp_metadata_path);
        if options.allow_unsolicited {
            command.arg("--allow-unsolicited");
        }
        if options.signing_key || options.sign_requests {
            command
                .arg("--key")
                .arg(key_path("sp.key.pem"))
                .arg("--cert")
                .arg(key_path("sp.cert.pem"));
        }
        if options.sign_requests {
            command.arg("--sign-requests");
        }
        if options.decrypt {
            command
                .arg("--decrypt-key")
                .arg(key_path("sp.key.pem"))
                .arg("--decrypt-cert")
                .arg(key_path("sp.cert.pem"));
        }
        if options.post_binding {
            command.args(["--binding", "post"]);
        }
        let (process, lines) = spawn(command, "SP single logout: ");
        let listening = line_value(&lines, "SP listening on ");
        let url = match options.localhost {
            true => listening.replacen("127.0.0.1", "localhost", 1),
            false => listening.to_owned(),
        };
        SamlSp {
            process,
            url,
            entity_id: line_value(&lines, "SP entity ID: ").to_owned(),
            acs_url: line_value(&lines, "SP ACS URL: ").to_owned(),
            metadata_url: line_value(&lines, "SP metadata URL: ").to_owned(),
            idp_metadata_path,
            dir,
        }
    }

    /// Its SP metadata.
    pub fn metadata(&self) -> String {
        let response = reqwest::blocking::get(&self.metadata_url).expect("SP metadata");
        assert_eq!(response.status().as_u16(), 200);
        response.text().expect("SP metadata body")
    }

    /// Replaces the IdP metadata it trusts (written to a new file and renamed over the old
    /// one, so the SP never reads half a file).
    pub fn trust(&self, idp_metadata: &str) {
        let fresh = self.dir.path().join("idp.xml.new");
        std::fs::write(&fresh, idp_metadata).expect("write metadata");
        std::fs::rename(&fresh, &self.idp_metadata_path).expect("rename metadata");
    }
}
