//! `web::router` served in-process on a free loopback port over a fresh SQLite store (and a
//! PostgreSQL one when `FEDKIT_TEST_POSTGRES_URL` is set), with an admin and a SCIM token, for
//! the manual-provisioning and console tests.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use fedkit_examples::identity_center::config::{Profile, ServiceConfig};
use fedkit_examples::identity_center::scim_api::ScimService;
use fedkit_examples::identity_center::store::{self, Store};
use fedkit_examples::identity_center::tokens::{self, TokenKind, TokenRecord};
use fedkit_examples::identity_center::web::{self, AppState, WebConfig};
use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

pub struct Server {
    pub url: String,
    pub admin: String,
    pub scim: String,
    pub state: Arc<AppState>,
    pub name: String,
}

pub fn store_token(store: &dyn Store, kind: TokenKind) -> String {
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

/// Serves `web::router` over `store` in a thread of its own.
pub fn serve(name: &str, store: Box<dyn Store>, profile: Profile) -> Server {
    let admin = store_token(store.as_ref(), TokenKind::Admin);
    let scim = store_token(store.as_ref(), TokenKind::Scim);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let config = ServiceConfig::new(
        format!("{url}/scim/v2"),
        profile,
        fedkit_scim::Dialect::Strict,
    );
    let state = Arc::new(AppState {
        scim: Arc::new(ScimService::new(store, config)),
        config: WebConfig::new(&url),
        cookie_key: [9; 32],
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
            axum::serve(
                listener,
                web::router(served).into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
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

/// A server on a SQLite store of its own.
pub fn sqlite_server(profile: Profile) -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.keep().join("store.sqlite3");
    let sqlite = store::open(&format!("sqlite://{}", path.display())).expect("sqlite");
    serve("sqlite", sqlite, profile)
}

/// One server per store: SQLite always, PostgreSQL when configured.
pub fn servers(profile: Profile) -> Vec<Server> {
    let mut out = vec![sqlite_server(profile)];
    match std::env::var("FEDKIT_TEST_POSTGRES_URL") {
        Ok(url) => {
            let pg = store::open(&url)
                .unwrap_or_else(|e| panic!("FEDKIT_TEST_POSTGRES_URL is set but unusable: {e}"));
            out.push(serve("postgres", pg, profile));
        }
        Err(_) => eprintln!("FEDKIT_TEST_POSTGRES_URL not set: PostgreSQL cases not run here"),
    }
    out
}

pub fn unique() -> String {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).expect("rng");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client")
}

pub fn parse(response: Response) -> (u16, Value) {
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
    /// A request with `token` and a JSON body of `content_type`.
    pub fn send(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        content_type: &str,
        body: Option<String>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = client().request(method, format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.header("Content-Type", content_type).body(body);
        }
        parse(request.send().expect("request"))
    }

    /// The admin API with the admin token.
    pub fn admin(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let admin = self.admin.clone();
        self.send(
            Some(&admin),
            method,
            path,
            "application/json",
            body.map(Value::to_string),
        )
    }

    /// The SCIM API with the SCIM token.
    pub fn scim_call(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let scim = self.scim.clone();
        self.send(
            Some(&scim),
            method,
            &format!("/scim/v2{path}"),
            "application/scim+json",
            body.map(Value::to_string),
        )
    }

    /// A user provisioned over SCIM, as an IdP does; returns its id.
    pub fn scim_user(&self, name: &str) -> String {
        let (status, body) = self.scim_call("POST", "/Users", Some(&user_doc(name)));
        assert_eq!(status, 201, "{}: {body}", self.name);
        body["id"].as_str().expect("id").to_owned()
    }

    /// A group provisioned over SCIM; returns its id.
    pub fn scim_group(&self, name: &str, members: &[&str]) -> String {
        let (status, body) = self.scim_call("POST", "/Groups", Some(&group_doc(name, members)));
        assert_eq!(status, 201, "{}: {body}", self.name);
        body["id"].as_str().expect("id").to_owned()
    }
}

/// A SCIM user document.
pub fn user_doc(name: &str) -> Value {
    json!({"schemas": [USER], "userName": name, "displayName": name,
        "name": {"givenName": "Given", "familyName": "Family"},
        "emails": [{"value": format!("{name}@example.test"), "primary": true}]})
}

/// A SCIM group document.
pub fn group_doc(name: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    json!({"schemas": [GROUP], "displayName": name, "members": members})
}
