//! identity-center driven as a user runs it: the binary started on a free loopback port from a
//! clean data directory, spoken to over real HTTP. Expected statuses and bodies are RFC 7644's
//! (section named at each check) or, for the replays, the data files' (research/scim.md §3).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use reqwest::blocking::Client;
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Upper bound of the write burst the SIGKILL test interrupts (it is killed after 1.5 s).
const BURST: usize = 50_000;

struct Server {
    child: Child,
    url: String,
    token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary and reads the token and base URL it prints.
fn start(data: &std::path::Path, token: Option<&str>, extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_identity-center"))
        .args(["--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start identity-center");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut token = token.map(str::to_owned);
    let url = loop {
        let line = lines
            .next()
            .expect("server printed its URL")
            .expect("stdout line");
        if let Some(secret) = line.split("(shown once): ").nth(1) {
            token = Some(secret.trim().to_owned());
        }
        if let Some(url) = line.strip_prefix("SCIM base URL: ") {
            break url.trim().to_owned();
        }
    };
    Server {
        child,
        url,
        token: token.expect("a token was printed or given"),
    }
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

impl Server {
    fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = client()
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/scim+json")
                .body(body.to_string());
        }
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let response = request.send().expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("JSON body")
        };
        (status, body, headers)
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let (status, body, _) = self.send(method, path, body, &[]);
        (status, body)
    }
}

fn user(name: &str) -> Value {
    json!({"schemas": [USER], "userName": name, "displayName": name,
           "name": {"givenName": "G", "familyName": "F"}})
}

fn is_scim_error(body: &Value, status: u16) {
    // RFC 7644 §3.12: the Error schema and status as a string.
    assert_eq!(
        body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error",
        "{body}"
    );
    assert_eq!(body["status"], status.to_string(), "{body}");
}

#[test]
fn crud_filter_patch_group_over_http() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path(), None, &["--max-body-bytes", "4096"]);
    assert!(server.url.starts_with("http://127.0.0.1:") && server.url.ends_with("/scim/v2"));

    let (status, created, headers) = server.send("POST", "/Users", Some(&user("bjensen")), &[]);
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(
        headers["location"].to_str().expect("location"),
        format!("{}/Users/{id}", server.url)
    );
    assert_eq!(
        headers["etag"].to_str().expect("etag"),
        created["meta"]["version"]
    );

    // RFC 7643 §4.1.1: userName is caseExact false, so the filter matches any case.
    let (status, list) = server.call("GET", "/Users?filter=userName%20eq%20%22BJENSEN%22", None);
    assert_eq!(status, 200);
    assert_eq!(list["totalResults"], 1);
    assert_eq!(list["Resources"][0]["id"], id.as_str());

    let version = created["meta"]["version"]
        .as_str()
        .expect("version")
        .to_owned();
    let patch = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": "Babs"}]});
    let (status, patched, _) = server.send(
        "PATCH",
        &format!("/Users/{id}"),
        Some(&patch),
        &[("If-Match", &version)],
    );
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["displayName"], "Babs");
    // RFC 7644 §3.14: the old version no longer matches.
    let (status, body, _) = server.send(
        "PATCH",
        &format!("/Users/{id}"),
        Some(&patch),
        &[("If-Match", &version)],
    );
    assert_eq!(status, 412);
    is_scim_error(&body, 412);

    let group = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Tour Guides"});
    let (status, group) = server.call("POST", "/Groups", Some(&group));
    assert_eq!(status, 201, "{group}");
    let gid = group["id"].as_str().expect("gid").to_owned();
    let add = json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": [{"value": id}]}]});
    let (status, group) = server.call("PATCH", &format!("/Groups/{gid}"), Some(&add));
    assert_eq!(status, 200, "{group}");
    let (_, fetched) = server.call("GET", &format!("/Users/{id}"), None);
    assert_eq!(fetched["groups"][0]["value"], gid.as_str());

    // Errors are SCIM Error bodies with their statuses (RFC 7644 §3.12).
    let (status, body) = server.call("GET", "/Users/nope", None);
    assert_eq!(status, 404);
    is_scim_error(&body, 404);
    let (status, body) = server.call("POST", "/Users", Some(&user("BJensen")));
    assert_eq!(status, 409);
    is_scim_error(&body, 409);
    assert_eq!(body["scimType"], "uniqueness");
    let (status, body) = server.call("DELETE", "/Users", None);
    assert_eq!(status, 405);
    is_scim_error(&body, 405);
    let (status, body) = server.call("GET", "/Users?filter=userName%20zz%20%22x%22", None);
    assert_eq!(status, 400);
    assert_eq!(body["scimType"], "invalidFilter");
    let response = client()
        .get(format!("{}/Users", server.url))
        .send()
        .expect("request");
    assert_eq!(response.status().as_u16(), 401);
    is_scim_error(&response.json().expect("json"), 401);
    let response = client()
        .get(format!("{}/Users", server.url))
        .bearer_auth("not-a-token")
        .send()
        .expect("request");
    assert_eq!(response.status().as_u16(), 401);
    let response = client()
        .post(format!("{}/Users", server.url))
        .bearer_auth(&server.token)
        .header("Content-Type", "text/plain")
        .body(user("x").to_string())
        .send()
        .expect("request");
    assert_eq!(response.status().as_u16(), 415);
    is_scim_error(&response.json().expect("json"), 415);

    // The body limit at its edge: 4096 bytes pass, 4097 are refused with 413.
    let post = |len: usize| {
        let mut text = user(&format!("edge{len}")).to_string();
        text.push_str(&" ".repeat(len - text.len()));
        client()
            .post(format!("{}/Users", server.url))
            .bearer_auth(&server.token)
            .header("Content-Type", "application/json")
            .body(text)
            .send()
            .expect("request")
    };
    assert_eq!(post(4096).status().as_u16(), 201);
    let too_large = post(4097);
    assert_eq!(too_large.status().as_u16(), 413);
    is_scim_error(&too_large.json().expect("json"), 413);

    let (status, _) = server.call("DELETE", &format!("/Users/{id}"), None);
    assert_eq!(status, 204);
    let (_, group) = server.call("GET", &format!("/Groups/{gid}"), None);
    assert!(
        group
            .get("members")
            .is_none_or(|m| m.as_array().is_some_and(Vec::is_empty)),
        "{group}"
    );
}

fn substitute(text: &str, ids: &std::collections::HashMap<String, String>) -> String {
    let mut out = text.to_owned();
    for (name, id) in ids {
        out = out.replace(&format!("{{{name}}}"), id);
    }
    out
}

fn replay(file: &str) {
    let script: Value = serde_json::from_str(file).expect("replay file");
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path(), None, &["--idp-dialect", "lenient"]);
    let mut ids = std::collections::HashMap::new();
    for step in script["steps"].as_array().expect("steps") {
        let path = substitute(step["path"].as_str().expect("path"), &ids);
        let body = step.get("body").map(|b| {
            serde_json::from_str::<Value>(&substitute(&b.to_string(), &ids)).expect("body")
        });
        let (status, got) = server.call(
            step["method"].as_str().expect("method"),
            &path,
            body.as_ref(),
        );
        assert_eq!(
            status,
            step["status"].as_u64().expect("status") as u16,
            "{}: {got}",
            step["why"]
        );
        if let Some(name) = step.get("save").and_then(Value::as_str) {
            ids.insert(
                name.to_owned(),
                got["id"].as_str().expect("created id").to_owned(),
            );
        }
        for (k, v) in step
            .get("expect")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            assert_eq!(&got[k], v, "{}: {k} in {got}", step["why"]);
        }
    }
    for check in script["final"].as_array().expect("final") {
        let path = substitute(check["path"].as_str().expect("path"), &ids);
        let (status, got) = server.call("GET", &path, None);
        assert_eq!(
            status,
            check["status"].as_u64().expect("status") as u16,
            "{path}: {got}"
        );
        for (k, v) in check
            .get("expect")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            assert_eq!(&got[k], v, "{path}: {k} in {got}");
        }
        let values = |key: &str| -> Vec<String> {
            got[key]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|m| m["value"].as_str().map(str::to_owned))
                .collect()
        };
        for key in ["members", "groups"] {
            if let Some(want) = check.get(key).and_then(Value::as_array) {
                let want: Vec<String> = want
                    .iter()
                    .map(|w| substitute(w.as_str().expect("id"), &ids))
                    .collect();
                assert_eq!(values(key), want, "{path}: {key} in {got}");
            }
        }
        if let Some(email) = check.get("email") {
            assert_eq!(&got["emails"][0]["value"], email, "{path}: {got}");
        }
        if let Some(department) = check.get("department") {
            assert_eq!(
                &got["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"],
                department,
                "{got}"
            );
        }
    }
}

#[test]
fn entra_provisioning_replay() {
    replay(include_str!("data/identity_center/entra.json"));
}

#[test]
fn okta_provisioning_replay() {
    replay(include_str!("data/identity_center/okta.json"));
}

/// A fresh PostgreSQL database on the server `FEDKIT_TEST_POSTGRES_URL` names, or None when it
/// is not set. Set but unusable fails the test.
fn fresh_postgres() -> Option<String> {
    let url = std::env::var("FEDKIT_TEST_POSTGRES_URL").ok()?;
    let mut admin = postgres::Client::connect(&url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("FEDKIT_TEST_POSTGRES_URL is set but unreachable: {e}"));
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).expect("rng");
    let name: String = std::iter::once("ic_".to_owned())
        .chain(b.iter().map(|x| format!("{x:02x}")))
        .collect();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create database");
    let base = url.rsplit_once('/').map_or(url.as_str(), |(base, _)| base);
    Some(format!("{base}/{name}"))
}

#[test]
fn if_match_race_has_exactly_one_winner() {
    let dir = tempfile::tempdir().expect("tempdir");
    if_match_race(Arc::new(start(dir.path(), None, &[])));
}

#[test]
fn concurrency_on_postgres() {
    let Some(url) = fresh_postgres() else {
        eprintln!("FEDKIT_TEST_POSTGRES_URL not set: PostgreSQL concurrency not run here");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Arc::new(start(dir.path(), None, &["--database", &url]));
    if_match_race(Arc::clone(&server));
    let Some(url) = fresh_postgres() else { return };
    colliding_usernames(Arc::new(start(dir.path(), None, &["--database", &url])));
}

/// Two clients PATCH one user with the same If-Match: one 200, one 412, nothing lost.
fn if_match_race(server: Arc<Server>) {
    let (_, created) = server.call("POST", "/Users", Some(&user("race")));
    let id = created["id"].as_str().expect("id").to_owned();
    let version = created["meta"]["version"]
        .as_str()
        .expect("version")
        .to_owned();
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = ["first", "second"]
        .into_iter()
        .map(|title| {
            let (server, barrier, id, version) = (Arc::clone(&server), Arc::clone(&barrier), id.clone(), version.clone());
            std::thread::spawn(move || {
                let patch = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": title}]});
                barrier.wait();
                server.send("PATCH", &format!("/Users/{id}"), Some(&patch), &[("If-Match", &version)]).0
            })
        })
        .collect();
    let mut statuses: Vec<u16> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    statuses.sort();
    assert_eq!(statuses, vec![200, 412]);
    let (_, now) = server.call("GET", &format!("/Users/{id}"), None);
    assert!(now["title"] == "first" || now["title"] == "second", "{now}");
}

#[test]
fn colliding_usernames_from_eight_clients_have_one_winner_each() {
    let dir = tempfile::tempdir().expect("tempdir");
    colliding_usernames(Arc::new(start(dir.path(), None, &[])));
}

/// Eight clients create the same five userNames (in two letter cases) at once.
fn colliding_usernames(server: Arc<Server>) {
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|client_no| {
            let (server, barrier) = (Arc::clone(&server), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                // Every client creates the same five names, in its own letter case.
                (0..5)
                    .map(|n| {
                        let name = if client_no % 2 == 0 {
                            format!("shared{n}")
                        } else {
                            format!("SHARED{n}")
                        };
                        server.call("POST", "/Users", Some(&user(&name))).0
                    })
                    .collect::<Vec<u16>>()
            })
        })
        .collect();
    let results: Vec<Vec<u16>> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    for n in 0..5 {
        let wins = results.iter().filter(|r| r[n] == 201).count();
        let conflicts = results.iter().filter(|r| r[n] == 409).count();
        assert_eq!((wins, conflicts), (1, 7), "name {n}: {results:?}");
    }
    let (_, list) = server.call("GET", "/Users", None);
    assert_eq!(list["totalResults"], 5);
}

#[test]
fn sigkill_during_writes_keeps_every_acknowledged_write() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = start(dir.path(), None, &[]);
    let token = server.token.clone();
    let url = server.url.clone();
    let writer = std::thread::spawn(move || {
        let client = client();
        let mut acknowledged = Vec::new();
        for n in 0..BURST {
            let body = json!({"schemas": [USER], "userName": format!("burst{n}"),
                              "name": {"givenName": "Burst", "familyName": format!("N{n}")},
                              "emails": [{"value": format!("burst{n}@example.com"), "primary": true}]});
            let sent = client
                .post(format!("{url}/Users"))
                .bearer_auth(&token)
                .header("Content-Type", "application/scim+json")
                .body(body.to_string())
                .send();
            match sent {
                Ok(r) if r.status().as_u16() == 201 => acknowledged.push(n),
                _ => break,
            }
        }
        acknowledged
    });
    std::thread::sleep(Duration::from_millis(1500));
    server.child.kill().expect("SIGKILL");
    let _ = server.child.wait();
    let acknowledged = writer.join().expect("writer");
    assert!(
        !acknowledged.is_empty(),
        "no write was acknowledged before the kill"
    );
    assert!(
        acknowledged.len() < BURST,
        "the burst ended before the kill; nothing was tested"
    );

    let token = server.token.clone();
    let restarted = start(dir.path(), Some(&token), &[]);
    let (status, list) = restarted.call("GET", "/Users?count=1000&sortBy=meta.created", None);
    assert_eq!(status, 200, "{list}");
    let total = list["totalResults"].as_u64().expect("total") as usize;
    // Every acknowledged write is there; at most the one in flight at the kill is extra.
    assert!(
        total == acknowledged.len() || total == acknowledged.len() + 1,
        "{total} vs {}",
        acknowledged.len()
    );
    for n in acknowledged.iter().step_by(97).chain(acknowledged.last()) {
        let (_, found) = restarted.call(
            "GET",
            &format!("/Users?filter=userName%20eq%20%22burst{n}%22"),
            None,
        );
        assert_eq!(found["totalResults"], 1, "burst{n} lost");
        // No partial write: the stored resource is whole.
        assert_eq!(
            found["Resources"][0]["emails"][0]["value"],
            format!("burst{n}@example.com")
        );
    }
}

#[test]
fn aws_profile_behaves_as_aws_documents() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path(), None, &["--scim-profile", "aws"]);
    // research/scim.md §1.5: AWS requires displayName and both name parts.
    let (status, body) = server.call(
        "POST",
        "/Users",
        Some(&json!({"schemas": [USER], "userName": "nameless"})),
    );
    assert_eq!(status, 400);
    // §1.7: AWS's error body: schema and schemas, string status, request id, time, no scimType.
    assert_eq!(
        body["schema"],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    assert_eq!(body["status"], "400");
    assert_eq!(
        body["detail"],
        "Request is unparsable, syntactically incorrect, or violates schema."
    );
    assert!(
        body["exceptionRequestId"].is_string() && body["timeStamp"].is_string(),
        "{body}"
    );
    assert!(body.get("scimType").is_none(), "{body}");
    let (status, created) = server.call("POST", "/Users", Some(&user("awsuser")));
    assert_eq!(status, 201, "{created}");
    // §1.3: eq only; §1.4: count 1..=100, no sort.
    let (status, _) = server.call("GET", "/Users?filter=userName%20sw%20%22aws%22", None);
    assert_eq!(status, 400);
    let (status, _) = server.call("GET", "/Users?count=101", None);
    assert_eq!(status, 400);
    let (status, _) = server.call("GET", "/Users?sortBy=userName", None);
    assert_eq!(status, 400);
    let (status, list) = server.call("GET", "/Users?filter=userName%20eq%20%22AWSUSER%22", None);
    assert_eq!(
        (status, list["totalResults"].clone()),
        (200, json!(1)),
        "{list}"
    );
    // §1.2: no group PUT, no Bulk; §1.3: groups come back without members.
    let group = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Ops",
                       "members": [{"value": created["id"]}]});
    let (status, group) = server.call("POST", "/Groups", Some(&group));
    assert_eq!(status, 201, "{group}");
    assert!(group.get("members").is_none(), "{group}");
    let gid = group["id"].as_str().expect("gid");
    // §1.3: membership is asked with groups.value on users and id + members on groups.
    let by_group = format!("/Users?filter=groups.value%20eq%20%22{gid}%22");
    let (status, members) = server.call("GET", &by_group, None);
    assert_eq!(
        (status, members["totalResults"].clone()),
        (200, json!(1)),
        "{members}"
    );
    let uid = created["id"].as_str().expect("uid");
    let pair = format!("/Groups?filter=id%20eq%20%22{gid}%22%20and%20members%20eq%20%22{uid}%22");
    let (status, groups) = server.call("GET", &pair, None);
    assert_eq!(
        (status, groups["totalResults"].clone()),
        (200, json!(1)),
        "{groups}"
    );
    let (status, _) = server.call("PUT", &format!("/Groups/{gid}"), Some(&json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Ops"})));
    assert_eq!(status, 400);
    let (status, _) = server.call("POST", "/Bulk", Some(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": []})));
    assert_eq!(status, 400);
    // §1.6: replacing all members is refused.
    let replace = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "members", "value": []}]});
    let (status, _) = server.call("PATCH", &format!("/Groups/{gid}"), Some(&replace));
    assert_eq!(status, 400);
    // A second group of the same name is a conflict in AWS.
    let (status, _) = server.call("POST", "/Groups", Some(&json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "ops"})));
    assert_eq!(status, 409);
}

#[test]
fn bulk_resolves_bulk_ids_and_stops_on_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path(), None, &[]);
    // RFC 7644 §3.7.2: a group references, by bulkId, a user that a later operation creates;
    // the user is created first.
    let bulk = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "failOnErrors": 1, "Operations": [
        {"method": "POST", "path": "/Groups", "bulkId": "g1", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Bulk", "members": [{"value": "bulkId:u1"}]}},
        {"method": "POST", "path": "/Users", "bulkId": "u1", "data": user("bulkuser")},
        {"method": "POST", "path": "/Users", "bulkId": "u2", "data": user("BULKUSER")},
        {"method": "POST", "path": "/Users", "bulkId": "u3", "data": user("never-run")}]});
    let (status, body) = server.call("POST", "/Bulk", Some(&bulk));
    assert_eq!(status, 200, "{body}");
    let ops = body["Operations"].as_array().expect("ops");
    let statuses: Vec<&str> = ops
        .iter()
        .map(|o| o["status"].as_str().unwrap_or_default())
        .collect();
    // The third collides (409) and failOnErrors=1 stops the run before the fourth.
    assert_eq!(statuses, vec!["201", "201", "409"], "{body}");
    assert_eq!(ops[0]["bulkId"], "u1", "{body}");
    let (_, users) = server.call("GET", "/Users?filter=userName%20eq%20%22bulkuser%22", None);
    let uid = users["Resources"][0]["id"].as_str().expect("uid");
    assert_eq!(users["Resources"][0]["groups"][0]["display"], "Bulk");
    let (_, none) = server.call("GET", "/Users?filter=userName%20eq%20%22never-run%22", None);
    assert_eq!(none["totalResults"], 0);
    assert!(!uid.is_empty());
}

fn token_cli(dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_identity-center"))
        .arg("token")
        .args(args)
        .arg("--data")
        .arg(dir)
        .output()
        .expect("run token command");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
    )
}

#[test]
fn token_commands_keep_two_scim_tokens_and_revoke() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, first) = token_cli(dir.path(), &["new", "--kind", "scim"]);
    assert!(ok);
    // 32 random bytes, unpadded base64url.
    assert_eq!(first.len(), 43, "{first}");
    let (ok, _) = token_cli(dir.path(), &["new", "--kind", "scim"]);
    assert!(ok);
    // AWS allows two SCIM tokens at a time (research/scim.md §1.1).
    let (ok, _) = token_cli(dir.path(), &["new", "--kind", "scim"]);
    assert!(!ok, "a third SCIM token was issued");
    let (ok, admin) = token_cli(dir.path(), &["new", "--kind", "admin"]);
    assert!(ok);
    let (_, list) = token_cli(dir.path(), &["list"]);
    let rows: Vec<&str> = list.lines().collect();
    assert_eq!(rows.len(), 3, "{list}");
    assert!(!list.contains(&first), "token list shows a secret");

    // id, kind, created, last use: none yet.
    assert!(
        rows.iter().all(|r| r.split('\t').nth(3) == Some("never")),
        "{list}"
    );

    // A server over the same data prints no new token, and takes the stored ones.
    let server = start(dir.path(), Some(&first), &[]);
    let before = chrono::Utc::now().timestamp();
    assert_eq!(server.call("GET", "/Users", None).0, 200);
    // The use is recorded (Unix seconds, shown as RFC 3339) for `first` alone.
    let (_, used) = token_cli(dir.path(), &["list"]);
    let last_used: Vec<&str> = used.lines().filter_map(|r| r.split('\t').nth(3)).collect();
    let at = chrono::DateTime::parse_from_rfc3339(last_used[0]).expect("an RFC 3339 time");
    assert!(at.timestamp() >= before && at.timestamp() <= chrono::Utc::now().timestamp());
    assert_eq!(&last_used[1..], ["never", "never"], "{used}");
    let response = client()
        .get(format!("{}/Users", server.url))
        .bearer_auth(&admin)
        .send()
        .expect("request");
    assert_eq!(response.status().as_u16(), 403);
    is_scim_error(&response.json().expect("json"), 403);

    let first_id = rows
        .iter()
        .find(|r| r.contains("\tscim\t"))
        .and_then(|r| r.split('\t').next())
        .expect("a scim token id");
    let (ok, _) = token_cli(dir.path(), &["revoke", first_id]);
    assert!(ok);
    let (ok, _) = token_cli(dir.path(), &["revoke", first_id]);
    assert!(!ok, "revoking twice succeeded");
    // `token list` is oldest first, so the revoked one is `first`: refused from the next request.
    assert_eq!(server.call("GET", "/Users", None).0, 401);
    let (_, list) = token_cli(dir.path(), &["list"]);
    assert_eq!(list.lines().count(), 2, "{list}");
    let (ok, _) = token_cli(dir.path(), &["new", "--kind", "scim"]);
    assert!(ok, "a slot was freed by revoke");
}

#[test]
fn sigterm_shuts_down_gracefully() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = start(dir.path(), None, &[]);
    assert_eq!(
        server.call("POST", "/Users", Some(&user("before-term"))).0,
        201
    );
    let sent = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(sent.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status after SIGTERM: {status}");
}

/// Percent-encodes every byte but ASCII letters and digits (RFC 3986 §2.1).
fn query_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// An IdP's "look up by filter, create if missing" loop on a non-ASCII userName: the filter
/// finds what the uniqueness check collides with (RFC 7643 §4.1.1 userName caseExact=false;
/// Ä/ä and U+212A/k are case pairs in UnicodeData.txt).
fn non_ascii_lookup(server: &Server) {
    let (status, created) = server.call("POST", "/Users", Some(&user("Ärger")));
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    let (status, body) = server.call("POST", "/Users", Some(&user("ärger")));
    assert_eq!(status, 409, "{body}");
    is_scim_error(&body, 409);
    assert_eq!(body["scimType"], "uniqueness", "{body}");
    for (filter, want) in [
        (r#"userName eq "ärger""#, 1),
        (r#"userName eq "Ärger""#, 1),
        (r#"userName eq "ÄRGER""#, 1),
        (r#"displayName sw "Ä""#, 1),
        (r#"displayName sw "ä""#, 1),
        (r#"userName co "RGE""#, 1),
        (r#"userName eq "arger""#, 0),
    ] {
        let path = format!("/Users?filter={}", query_encode(filter));
        let (status, list) = server.call("GET", &path, None);
        assert_eq!(status, 200, "{filter}: {list}");
        assert_eq!(list["totalResults"], want, "{filter}: {list}");
        if want == 1 {
            assert_eq!(list["Resources"][0]["id"], id.as_str(), "{filter}");
        }
    }
    // The Kelvin sign U+212A lowercases to ASCII k: one user for both spellings.
    let (status, created) = server.call("POST", "/Users", Some(&user("\u{212A}elvin")));
    assert_eq!(status, 201, "{created}");
    let (status, _) = server.call("POST", "/Users", Some(&user("kelvin")));
    assert_eq!(status, 409);
    let path = format!("/Users?filter={}", query_encode(r#"userName eq "KELVIN""#));
    let (_, list) = server.call("GET", &path, None);
    assert_eq!(list["totalResults"], 1, "{list}");
}

#[test]
fn non_ascii_usernames_are_found_by_the_filter_that_collides() {
    let dir = tempfile::tempdir().expect("tempdir");
    non_ascii_lookup(&start(dir.path(), None, &[]));
}

#[test]
fn non_ascii_usernames_on_postgres() {
    let Some(url) = fresh_postgres() else {
        eprintln!("FEDKIT_TEST_POSTGRES_URL not set: PostgreSQL non-ASCII lookup not run here");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    non_ascii_lookup(&start(dir.path(), None, &["--database", &url]));
}

/// research/scim.md §3 #4: Entra POSTs `"active": "True"`. Lenient: accepted and stored as a
/// JSON boolean (and a PUT the same); strict: RFC 7643 §2.3.2 says boolean, so 400 with scimType
/// invalidValue (RFC 7644 §3.12).
#[test]
fn lenient_dialect_accepts_boolean_strings_on_post_and_put() {
    let mut entra = user("entra-active");
    entra["active"] = json!("True");
    entra["emails"] = json!([{"value": "e@example.com", "primary": "True"}]);

    let dir = tempfile::tempdir().expect("tempdir");
    let lenient = start(dir.path(), None, &["--idp-dialect", "lenient"]);
    let (status, created) = lenient.call("POST", "/Users", Some(&entra));
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["active"], json!(true), "{created}");
    assert_eq!(created["emails"][0]["primary"], json!(true), "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    let (status, stored) = lenient.call("GET", &format!("/Users/{id}"), None);
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["active"], json!(true), "{stored}");
    entra["active"] = json!("False");
    let (status, replaced) = lenient.call("PUT", &format!("/Users/{id}"), Some(&entra));
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["active"], json!(false), "{replaced}");
    drop(lenient);

    let dir = tempfile::tempdir().expect("tempdir");
    let strict = start(dir.path(), None, &[]);
    entra["active"] = json!("True");
    let (status, body) = strict.call("POST", "/Users", Some(&entra));
    assert_eq!(status, 400, "{body}");
    is_scim_error(&body, 400);
    assert_eq!(body["scimType"], "invalidValue", "{body}");
}

/// Regression (found by fresh-user runs of the README): the first SCIM token is shown once, so
/// a start that cannot serve must not use it up. The port is bound before the token is made: a
/// first start on a busy port fails without making one, and the next start that serves shows it.
#[test]
fn a_first_start_on_a_busy_port_leaves_the_token_to_the_start_that_serves() {
    let dir = tempfile::tempdir().expect("tempdir");
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = busy.local_addr().expect("addr").to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_identity-center"))
        .args(["--listen", &addr, "--data"])
        .arg(dir.path())
        .output()
        .expect("run identity-center");
    assert!(!out.status.success(), "it served on a port that was taken");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot listen on"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("(shown once)"),
        "no token made by a start that failed"
    );
    let list = Command::new(env!("CARGO_BIN_EXE_identity-center"))
        .args(["token", "list", "--data"])
        .arg(dir.path())
        .output()
        .expect("token list");
    assert_eq!(String::from_utf8_lossy(&list.stdout), "", "no token stored");
    drop(busy);
    // `start` reads the token this start prints, and the call proves it is the stored one.
    let server = start(dir.path(), None, &[]);
    assert_eq!(server.token.len(), 43, "256 bits in unpadded base64url");
    assert_eq!(server.call("GET", "/Users", None).0, 200);
}
