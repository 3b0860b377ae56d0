//! The store test suite, run on SQLite and on PostgreSQL with the same cases. PostgreSQL runs
//! when `FEDKIT_TEST_POSTGRES_URL` is set (`.ci/run` starts a server on loopback and sets it);
//! when it is set the database must be reachable, or the test fails.

use chrono::{TimeZone, Utc};
use fedkit_examples::identity_center::config::{Profile, ServiceConfig};
use fedkit_examples::identity_center::scim_api::{ScimRequest, ScimService};
use fedkit_examples::identity_center::store::{
    self, ResourceKind, Store, StoreError, UniqueField, UniqueKeys,
};
use fedkit_examples::identity_center::tokens;
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

fn stores() -> Vec<(String, Box<dyn Store>)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.keep().join("store.sqlite3");
    let mut out: Vec<(String, Box<dyn Store>)> = vec![(
        "sqlite".into(),
        store::open(&format!("sqlite://{}", path.display())).expect("sqlite"),
    )];
    match std::env::var("FEDKIT_TEST_POSTGRES_URL") {
        Ok(url) => {
            let pg = store::open(&url)
                .unwrap_or_else(|e| panic!("FEDKIT_TEST_POSTGRES_URL is set but unusable: {e}"));
            out.push(("postgres".into(), pg));
        }
        Err(_) => eprintln!("FEDKIT_TEST_POSTGRES_URL not set: PostgreSQL cases not run here"),
    }
    out
}

fn unique_suffix() -> String {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).expect("rng");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A SCIM token stored directly, past the two-token limit of `token new`, so that tests sharing
/// one PostgreSQL database never revoke each other's tokens.
fn scim_token(store: &dyn Store) -> String {
    let token = tokens::generate().expect("rng");
    let record = tokens::TokenRecord {
        id: token.id,
        kind: tokens::TokenKind::Scim,
        created: "2026-01-01T00:00:00Z".into(),
    };
    let mut tx = store.begin().expect("begin");
    tx.insert_token(&record, &tokens::hash(&token.secret))
        .expect("token");
    tx.commit().expect("commit");
    token.secret
}

fn service(store: Box<dyn Store>) -> ScimService {
    ScimService::new(
        store,
        ServiceConfig::new(
            "http://test/scim/v2".into(),
            Profile::Full,
            fedkit_scim::Dialect::Strict,
        ),
    )
}

/// A request with a bearer token.
fn request(token: &str, method: &str, path: &str, body: Option<Value>) -> ScimRequest {
    ScimRequest {
        method: method.into(),
        path: path.into(),
        authorization: Some(format!("Bearer {token}")),
        content_type: body.as_ref().map(|_| "application/scim+json".into()),
        body: body.map(|b| b.to_string().into_bytes()).unwrap_or_default(),
        ..ScimRequest::default()
    }
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5)
        .single()
        .expect("time")
}

#[test]
fn uniqueness_is_enforced_by_the_database() {
    for (name, store) in stores() {
        let s = unique_suffix();
        let keys = |n: &str, e: &str| UniqueKeys {
            name: Some(n.into()),
            external_id: Some(e.into()),
        };
        let mut tx = store.begin().expect("begin");
        tx.insert(
            ResourceKind::User,
            &format!("a{s}"),
            &json!({"userName": "x"}),
            &keys(&format!("n{s}"), &format!("e{s}")),
        )
        .expect("first insert");
        let same_name = tx.insert(
            ResourceKind::User,
            &format!("b{s}"),
            &json!({}),
            &keys(&format!("n{s}"), &format!("f{s}")),
        );
        assert!(
            matches!(same_name, Err(StoreError::Conflict(UniqueField::Name))),
            "{name}: {same_name:?}"
        );
        drop(tx);
        let mut tx = store.begin().expect("begin");
        tx.insert(
            ResourceKind::User,
            &format!("a{s}"),
            &json!({}),
            &keys(&format!("n{s}"), &format!("e{s}")),
        )
        .expect("insert");
        let same_external = tx.insert(
            ResourceKind::User,
            &format!("c{s}"),
            &json!({}),
            &keys(&format!("m{s}"), &format!("e{s}")),
        );
        assert!(
            matches!(
                same_external,
                Err(StoreError::Conflict(UniqueField::ExternalId))
            ),
            "{name}: {same_external:?}"
        );
        // The same name in the other resource type is no conflict.
        drop(tx);
        let mut tx = store.begin().expect("begin");
        tx.insert(
            ResourceKind::User,
            &format!("u{s}"),
            &json!({}),
            &keys(&format!("n{s}"), &format!("e{s}")),
        )
        .expect("user");
        tx.insert(
            ResourceKind::Group,
            &format!("g{s}"),
            &json!({}),
            &keys(&format!("n{s}"), &format!("e{s}")),
        )
        .expect("group");
    }
}

#[test]
fn a_dropped_transaction_leaves_nothing() {
    for (name, store) in stores() {
        let id = format!("dropped-{}", unique_suffix());
        let mut tx = store.begin().expect("begin");
        tx.insert(
            ResourceKind::User,
            &id,
            &json!({"id": id}),
            &UniqueKeys::default(),
        )
        .expect("insert");
        assert!(
            tx.get(ResourceKind::User, &id).expect("get").is_some(),
            "{name}: visible inside"
        );
        drop(tx);
        let mut tx = store.begin().expect("begin");
        assert!(
            tx.get(ResourceKind::User, &id).expect("get").is_none(),
            "{name}: rolled back"
        );
    }
}

#[test]
fn failed_patch_changes_nothing_and_filters_push_down() {
    for (name, store) in stores() {
        let svc = service(store);
        let token = scim_token(svc.store());
        let s = unique_suffix();
        let body = json!({"schemas": [USER], "userName": format!("pd{s}"), "title": "before",
                          "emails": [{"value": format!("pd{s}@example.com"), "type": "work"}]});
        let created = svc.handle(&request(&token, "POST", "/Users", Some(body)), now());
        assert_eq!(created.status, 201, "{name}: {:?}", created.body);
        let id = created
            .body
            .as_ref()
            .and_then(|b| b["id"].as_str())
            .expect("id")
            .to_owned();
        // RFC 7644 §3.5.2: all or nothing — the second operation fails (userName is required).
        let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
            {"op": "replace", "path": "title", "value": "after"},
            {"op": "remove", "path": "userName"}]});
        let failed = svc.handle(
            &request(&token, "PATCH", &format!("/Users/{id}"), Some(patch)),
            now(),
        );
        assert_eq!(failed.status, 400, "{name}: {:?}", failed.body);
        let got = svc.handle(
            &request(&token, "GET", &format!("/Users/{id}"), None),
            now(),
        );
        assert_eq!(
            got.body.as_ref().map(|b| b["title"].clone()),
            Some(json!("before")),
            "{name}"
        );

        let group = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                           "displayName": format!("g{s}"), "members": [{"value": id}]});
        let group = svc.handle(&request(&token, "POST", "/Groups", Some(group)), now());
        assert_eq!(group.status, 201, "{name}: {:?}", group.body);
        let gid = group
            .body
            .as_ref()
            .and_then(|b| b["id"].as_str())
            .expect("gid")
            .to_owned();
        for (filter, want) in [
            (
                format!("groups.value eq \"{gid}\" and userName sw \"pd\""),
                1,
            ),
            (format!("groups.value eq \"nope{s}\""), 0),
            (format!("userName eq \"PD{s}\""), 1),
            (format!("emails.value co \"pd{s}@\""), 1),
            (
                format!("emails[type eq \"work\" and value sw \"pd{s}\"]"),
                1,
            ),
            (format!("userName eq \"pd{s}\" and title eq \"after\""), 0),
            (
                format!("not (userName eq \"pd{s}\") and userName sw \"pd{s}\""),
                0,
            ),
        ] {
            let mut req = request(&token, "GET", "/Users", None);
            req.query = vec![("filter".into(), filter.clone())];
            let list = svc.handle(&req, now());
            assert_eq!(list.status, 200, "{name} {filter}: {:?}", list.body);
            assert_eq!(
                list.body.as_ref().map(|b| b["totalResults"].clone()),
                Some(json!(want)),
                "{name} {filter}"
            );
        }
    }
}

#[test]
fn cursor_pagination_walks_every_row_once() {
    for (name, store) in stores() {
        let svc = service(store);
        let token = scim_token(svc.store());
        let s = unique_suffix();
        for n in 0..7 {
            let body = json!({"schemas": [USER], "userName": format!("page{s}-{n}")});
            assert_eq!(
                svc.handle(&request(&token, "POST", "/Users", Some(body)), now())
                    .status,
                201
            );
        }
        let mut cursor = String::new();
        let mut seen = Vec::new();
        for _ in 0..10 {
            let mut req = request(&token, "GET", "/Users", None);
            req.query = vec![
                ("filter".into(), format!("userName sw \"page{s}-\"")),
                ("count".into(), "3".into()),
                ("cursor".into(), cursor.clone()),
            ];
            let page = svc.handle(&req, now()).body.expect("body");
            assert_eq!(page["totalResults"], 7, "{name}: {page}");
            for r in page["Resources"].as_array().expect("resources") {
                seen.push(r["userName"].as_str().expect("userName").to_owned());
            }
            match page["nextCursor"].as_str() {
                Some(next) => cursor = next.to_owned(),
                None => break,
            }
        }
        let want: Vec<String> = (0..7).map(|n| format!("page{s}-{n}")).collect();
        assert_eq!(seen, want, "{name}");
    }
}

/// The record table under applications, sessions and replay caches: expiry hides a record,
/// `record_insert_new` is a one-time check (the second insert of a live key loses, an expired
/// key is taken over), and a rolled-back put leaves nothing. Expected values by hand.
#[test]
fn records_expire_and_insert_new_is_one_time() {
    for (name, store) in stores() {
        let ns = format!("test-{}", unique_suffix());
        let mut tx = store.begin().expect("begin");
        assert!(
            tx.record_insert_new(&ns, "id-1", &json!({"n": 1}), Some(200), 100)
                .expect("insert"),
            "{name}: first insert wins"
        );
        assert!(
            !tx.record_insert_new(&ns, "id-1", &json!({"n": 2}), Some(300), 150)
                .expect("insert"),
            "{name}: a live key is not replaced"
        );
        assert_eq!(
            tx.record_get(&ns, "id-1", 150).expect("get"),
            Some(json!({"n": 1})),
            "{name}"
        );
        assert_eq!(
            tx.record_get(&ns, "id-1", 200).expect("get"),
            None,
            "{name}: expired at expires_at"
        );
        assert!(
            tx.record_insert_new(&ns, "id-1", &json!({"n": 3}), Some(400), 200)
                .expect("insert"),
            "{name}: an expired key is taken over"
        );
        tx.record_put(&ns, "app-b", &json!({"b": true}), None)
            .expect("put");
        tx.record_put(&ns, "app-a", &json!({"a": true}), None)
            .expect("put");
        tx.record_put(&ns, "app-b", &json!({"b": false}), None)
            .expect("replace");
        let keys: Vec<String> = tx
            .record_list(&ns, 250)
            .expect("list")
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, ["id-1", "app-b", "app-a"], "{name}: insertion order");
        assert_eq!(
            tx.record_get(&ns, "app-b", 250).expect("get"),
            Some(json!({"b": false})),
            "{name}"
        );
        assert!(tx.record_delete(&ns, "app-a").expect("delete"), "{name}");
        assert!(!tx.record_delete(&ns, "app-a").expect("delete"), "{name}");
        tx.commit().expect("commit");

        let mut tx = store.begin().expect("begin");
        tx.record_put(&ns, "rolled-back", &json!({}), None)
            .expect("put");
        drop(tx);
        let mut tx = store.begin().expect("begin");
        assert_eq!(
            tx.record_get(&ns, "rolled-back", 0).expect("get"),
            None,
            "{name}: a dropped transaction leaves nothing"
        );
        assert!(tx.record_purge_expired(400).expect("purge") >= 1, "{name}");
        assert_eq!(tx.record_get(&ns, "id-1", 0).expect("get"), None, "{name}");
        tx.commit().expect("commit");
    }
}
