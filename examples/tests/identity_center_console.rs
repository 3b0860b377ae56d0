//! The admin console over real HTTP with a cookie-keeping client (support/browser.rs):
//! sign-in, users and groups made by hand, the filter box, read-only SCIM resources, refused
//! forms that change nothing, SCIM tokens. Expected values: what the test put in, the
//! console's documented codes (README), and the store read back through the library.

#[path = "support/admin_server.rs"]
mod admin_server;
#[path = "support/browser.rs"]
mod browser;

use admin_server::{Server, sqlite_server, unique};
use browser::{Browser, Form, Page};
use fedkit_examples::identity_center::config::Profile;
use fedkit_examples::identity_center::console::admin_account;
use serde_json::Value;

const PASSWORD: &str = "console password 1";

/// The POST form whose action is exactly `path`.
fn post_form(page: &Page, base: &str, path: &str) -> Form {
    let action = format!("{base}{path}");
    page.forms()
        .into_iter()
        .find(|f| f.method == "post" && f.action == action)
        .unwrap_or_else(|| panic!("no POST form to {path} on {}: {}", page.url, page.body))
}

fn signed_in(server: &Server) -> Browser {
    let mut browser = Browser::new();
    let page = browser.get(&format!("{}/admin", server.url));
    assert_eq!(page.status, 200, "{}", page.body);
    let mut form = post_form(&page, &server.url, "/admin/console/login");
    form.set("name", "root").set("password", PASSWORD);
    let page = browser.submit(&form);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.url.ends_with("/admin/console/users"), "{}", page.url);
    assert!(page.body.contains("Signed in as <strong>root</strong>"));
    browser
}

/// The console's state is store-wide (one administrator, at most two SCIM tokens), and the
/// PostgreSQL cases of the other suites share one database across parallel tests; so this suite
/// runs on a SQLite store of its own per test. The store calls under the console are covered on
/// PostgreSQL by the store, admin and manual-provisioning suites.
fn console_servers(profile: Profile) -> [Server; 1] {
    [sqlite_server(profile)]
}

fn users_named(server: &Server, user_name: &str) -> Vec<Value> {
    let (_, body) = server.admin(
        "GET",
        &format!("/admin/users?filter=userName%20eq%20%22{user_name}%22"),
        None,
    );
    body["Resources"].as_array().cloned().unwrap_or_default()
}

fn user_total(server: &Server) -> u64 {
    let (status, body) = server.admin("GET", "/admin/users", None);
    assert_eq!(status, 200, "{body}");
    body["totalResults"].as_u64().expect("totalResults")
}

#[test]
fn sign_in_needs_an_administrator_the_right_password_and_the_form_token() {
    for server in console_servers(Profile::Full) {
        let mut browser = Browser::new();
        let page = browser.get(&format!("{}/admin", server.url));
        assert_eq!(page.status, 503, "{}", page.body);
        assert!(page.body.contains("no_administrator"));

        admin_account::init(server.state.store(), "root", PASSWORD, false).expect("init");
        let page = browser.get(&format!("{}/admin/console/users", server.url));
        assert!(
            page.url.ends_with("/admin"),
            "signed out: back to sign-in ({})",
            page.url
        );

        let mut form = post_form(&page, &server.url, "/admin/console/login");
        form.set("name", "root").set("password", "wrong password!!");
        let refused = browser.submit(&form);
        assert_eq!(refused.status, 401);
        assert!(refused.body.contains("invalid_credentials"));

        // Without the login-CSRF cookie (another browser), the right password is refused.
        let mut stranger = Browser::new();
        let page = stranger.post(
            &format!("{}/admin/console/login", server.url),
            &[
                ("csrf", form.field("csrf").unwrap_or("")),
                ("name", "root"),
                ("password", PASSWORD),
            ],
        );
        assert_eq!(page.status, 403);
        assert!(page.body.contains("login_csrf_invalid"));

        let mut browser = signed_in(&server);
        // Sign out needs the session's CSRF token, then the console is closed again.
        let page = browser.get(&format!("{}/admin/console/users", server.url));
        let mut logout = post_form(&page, &server.url, "/admin/console/logout");
        let wrong = {
            let mut f = logout.clone();
            f.set("csrf", "forged");
            browser.submit(&f)
        };
        assert_eq!(wrong.status, 403);
        assert!(wrong.body.contains("csrf_invalid"));
        logout.set(
            "csrf",
            logout.field("csrf").unwrap_or("").to_owned().as_str(),
        );
        let page = browser.submit(&logout);
        assert!(page.url.ends_with("/admin"), "{}", page.url);
        let page = browser.get(&format!("{}/admin/console/users", server.url));
        assert!(page.url.ends_with("/admin"), "{}", page.url);
    }
}

#[test]
fn admin_sign_in_is_throttled_per_administrator_name() {
    for server in console_servers(Profile::Full) {
        admin_account::init(server.state.store(), "root", PASSWORD, false).expect("init");
        let mut browser = Browser::new();
        let name = format!("guess-{}", unique());
        // portal/throttle.rs ThrottleLimits::default(): 5 failures per account in 15 minutes.
        for attempt in 1..=6 {
            let page = browser.get(&format!("{}/admin", server.url));
            let mut form = post_form(&page, &server.url, "/admin/console/login");
            form.set("name", &name).set("password", "not the password");
            let page = browser.submit(&form);
            let expected = if attempt <= 5 { 401 } else { 429 };
            assert_eq!(page.status, expected, "attempt {attempt}");
        }
        let page = browser.get(&format!("{}/admin", server.url));
        assert!(page.body.contains("Sign in"));
        // Another name is not locked; its success forgets its own failures.
        let fail_as_root = |browser: &mut Browser| {
            let page = browser.get(&format!("{}/admin", server.url));
            let mut form = post_form(&page, &server.url, "/admin/console/login");
            form.set("name", "root").set("password", "not the password");
            browser.submit(&form).status
        };
        for _ in 0..4 {
            assert_eq!(fail_as_root(&mut browser), 401);
        }
        drop(signed_in(&server));
        for attempt in 1..=5 {
            assert_eq!(
                fail_as_root(&mut browser),
                401,
                "attempt {attempt} after a success"
            );
        }
        assert_eq!(fail_as_root(&mut browser), 429);
    }
}

#[test]
fn users_by_hand_search_and_read_only_scim_users() {
    for server in console_servers(Profile::Full) {
        admin_account::init(server.state.store(), "root", PASSWORD, false).expect("init");
        let mut browser = signed_in(&server);
        let base = &server.url;

        // A refused create shows the message next to the field and creates nothing.
        let before = user_total(&server);
        let page = browser.get(&format!("{base}/admin/console/users/new"));
        let mut form = post_form(&page, base, "/admin/console/users");
        form.set("userName", "")
            .set("givenName", "Ada")
            .set("active", "on");
        let page = browser.submit(&form);
        assert_eq!(page.status, 400, "{}", page.body);
        assert!(page.body.contains("id=\"userName-error\""), "{}", page.body);
        assert!(page.body.contains("value=\"Ada\""), "the input is kept");
        assert_eq!(user_total(&server), before);

        // A good one.
        let name = format!("ada-{}", unique());
        let mut form = post_form(&page, base, "/admin/console/users");
        form.set("userName", &name)
            .set("givenName", "Ada")
            .set("familyName", "Lovelace")
            .set("displayName", "Ada Lovelace")
            .set("email", &format!("{name}@example.test"))
            .set("active", "on");
        let page = browser.submit(&form);
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("Created."));
        let stored = users_named(&server, &name);
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0]["name"]["familyName"], "Lovelace");
        assert_eq!(stored[0]["active"], true);
        assert_eq!(stored[0]["managedBy"], "admin");
        let id = stored[0]["id"].as_str().expect("id").to_owned();

        // Edit: disable, and a refused rename to a taken userName that changes nothing.
        let taken = format!("taken-{}", unique());
        let scim_id = server.scim_user(&taken);
        let detail = format!("/admin/console/users/{id}");
        let mut form = post_form(&page, base, &detail);
        form.set("userName", &taken).set("active", "on");
        let page = browser.submit(&form);
        assert_eq!(page.status, 409, "{}", page.body);
        assert!(page.body.contains("id=\"userName-error\""), "{}", page.body);
        assert_eq!(users_named(&server, &name).len(), 1, "unchanged");
        let mut form = post_form(&page, base, &detail);
        form.set("userName", &name).set("active", "");
        let page = browser.submit(&form);
        assert!(page.body.contains("Saved."), "{}", page.body);
        assert_eq!(users_named(&server, &name)[0]["active"], false);

        // The filter box.
        let page = browser.get(&format!(
            "{base}/admin/console/users?filter={}",
            browser::encode(&format!("userName eq \"{name}\""))
        ));
        assert_eq!(page.status, 200);
        assert!(page.body.contains(&format!(">{name}</a>")));
        assert!(!page.body.contains(&format!(">{taken}</a>")));
        assert!(page.body.contains("Page 1 of 1 (1 in all)"));
        // A parse error: the caret sits under the bad span (fedkit-scim's byte offsets).
        let page = browser.get(&format!(
            "{base}/admin/console/users?filter={}",
            browser::encode("userName zz \"a\"")
        ));
        assert_eq!(page.status, 400, "{}", page.body);
        assert!(page.body.contains("<pre class=\"caret\""), "{}", page.body);
        assert!(
            page.body.contains("userName zz &quot;a&quot;\n         ^^"),
            "{}",
            page.body
        );

        // A SCIM user: shown read-only, and a forged edit is refused and changes nothing.
        let page = browser.get(&format!("{base}/admin/console/users/{scim_id}"));
        assert!(page.body.contains("managed_by_scim"), "{}", page.body);
        assert!(page.forms().iter().all(|f| f.action.ends_with("/logout")));
        let csrf = post_form(&page, base, "/admin/console/logout")
            .field("csrf")
            .unwrap_or("")
            .to_owned();
        let page = browser.post(
            &format!("{base}/admin/console/users/{scim_id}"),
            &[("csrf", &csrf), ("userName", "hijacked"), ("active", "on")],
        );
        assert_eq!(page.status, 403, "{}", page.body);
        assert_eq!(users_named(&server, &taken).len(), 1);
        let page = browser.post(
            &format!("{base}/admin/console/users/{scim_id}/delete"),
            &[("csrf", &csrf), ("confirm", "yes")],
        );
        assert_eq!(page.status, 403, "{}", page.body);
        assert_eq!(users_named(&server, &taken).len(), 1);

        // A form without the session's token changes nothing.
        let page = browser.post(
            &format!("{base}/admin/console/users"),
            &[
                ("csrf", "forged"),
                ("userName", "forged-user"),
                ("active", "on"),
            ],
        );
        assert_eq!(page.status, 403);
        assert!(users_named(&server, "forged-user").is_empty());

        // Password: too short is refused, a good one set.
        let page = browser.get(&format!("{base}{detail}"));
        let mut form = post_form(&page, base, &format!("{detail}/password"));
        form.set("password", "short");
        let refused = browser.submit(&form);
        assert_eq!(refused.status, 400);
        assert!(refused.body.contains("password_too_short"));
        form.set("password", "a long enough password");
        let page = browser.submit(&form);
        assert!(page.body.contains("Password set."), "{}", page.body);

        // Delete, with the confirmation step.
        let form = post_form(&page, base, &format!("{detail}/delete"));
        let confirm = browser.submit(&form);
        assert!(confirm.body.contains("Yes, delete"));
        assert_eq!(
            users_named(&server, &name).len(),
            1,
            "not before confirming"
        );
        let yes = post_form(&confirm, base, &format!("{detail}/delete"));
        let page = browser.submit(&yes);
        assert!(page.url.ends_with("/admin/console/users"), "{}", page.url);
        assert!(users_named(&server, &name).is_empty());
    }
}

#[test]
fn groups_by_hand_with_members() {
    for server in console_servers(Profile::Full) {
        admin_account::init(server.state.store(), "root", PASSWORD, false).expect("init");
        let mut browser = signed_in(&server);
        let base = &server.url;
        let member = server.scim_user(&format!("member-{}", unique()));
        let page = browser.get(&format!("{base}/admin/console/groups/new"));
        let mut form = post_form(&page, base, "/admin/console/groups");
        let name = format!("Team {}", unique());
        form.set("displayName", &name)
            .set("members", "no-such-user");
        let page = browser.submit(&form);
        assert_eq!(page.status, 400, "{}", page.body);
        assert!(page.body.contains("id=\"members-error\""), "{}", page.body);
        let (_, list) = server.admin("GET", "/admin/groups", None);
        assert_eq!(list["totalResults"], 0, "nothing was created");

        let mut form = post_form(&page, base, "/admin/console/groups");
        form.set("displayName", &name).set("members", &member);
        let page = browser.submit(&form);
        assert!(page.body.contains("Created."), "{}", page.body);
        let (_, list) = server.admin("GET", "/admin/groups", None);
        assert_eq!(list["Resources"][0]["members"][0]["value"], member.as_str());
        let page = browser.get(&format!("{base}/admin/console/groups"));
        assert!(page.body.contains(&browser_text(&name)));
    }
}

fn browser_text(text: &str) -> String {
    format!(">{text}</a>")
}

#[test]
fn scim_tokens_are_created_once_listed_limited_to_two_and_revoked() {
    for server in console_servers(Profile::Full) {
        admin_account::init(server.state.store(), "root", PASSWORD, false).expect("init");
        let mut browser = signed_in(&server);
        let base = &server.url;
        // The test server made one SCIM token; one more may be created.
        let page = browser.get(&format!("{base}/admin/console/tokens"));
        assert!(page.body.contains("SCIM tokens (1 of 2)"), "{}", page.body);
        let form = post_form(&page, base, "/admin/console/tokens");
        let page = browser.submit(&form);
        assert_eq!(page.status, 201, "{}", page.body);
        let secret = page
            .body
            .split("id=\"secret\" readonly value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the secret is shown")
            .to_owned();
        let (status, _) = server.send(Some(&secret), "GET", "/scim/v2/Users", "", None);
        assert_eq!(status, 200, "the new token works on SCIM");
        assert!(page.body.contains("SCIM tokens (2 of 2)"));
        let page = browser.get(&format!("{base}/admin/console/tokens"));
        assert!(!page.body.contains(&secret), "shown only once");
        // Last use: the new token was just used, the test server's never.
        assert_eq!(
            page.body.matches("<td>Never</td>").count(),
            1,
            "{}",
            page.body
        );
        let today = chrono::Utc::now().format("<td>%Y-%m-%dT").to_string();
        assert!(
            page.body.matches(&today).count() >= 2,
            "created and used today"
        );
        assert!(!page.body.contains("Create SCIM token"));
        // A third is refused even when posted directly.
        let csrf = post_form(&page, base, "/admin/console/logout")
            .field("csrf")
            .unwrap_or("")
            .to_owned();
        let refused = browser.post(&format!("{base}/admin/console/tokens"), &[("csrf", &csrf)]);
        assert_eq!(refused.status, 409);

        // Revoke the new one, after confirming.
        let mut tx = server.state.store().begin().expect("tx");
        let tokens = tx.list_tokens().expect("tokens");
        drop(tx);
        let newest = tokens
            .iter()
            .map(|t| t.id.clone())
            .find(|id| {
                page.body.contains(&format!("tokens/{id}/revoke")) && {
                    !server_token_is(&server, id)
                }
            })
            .expect("the new token's row");
        let form = post_form(
            &page,
            base,
            &format!("/admin/console/tokens/{newest}/revoke"),
        );
        let confirm = browser.submit(&form);
        assert!(confirm.body.contains("Yes, revoke"));
        let (status, _) = server.send(Some(&secret), "GET", "/scim/v2/Users", "", None);
        assert_eq!(status, 200, "not before confirming");
        let yes = post_form(
            &confirm,
            base,
            &format!("/admin/console/tokens/{newest}/revoke"),
        );
        let page = browser.submit(&yes);
        assert!(page.body.contains("SCIM tokens (1 of 2)"), "{}", page.body);
        let (status, _) = server.send(Some(&secret), "GET", "/scim/v2/Users", "", None);
        assert_eq!(status, 401, "revoked");
    }
}

/// Whether token `id` is the one the test server was started with.
fn server_token_is(server: &Server, id: &str) -> bool {
    let hash = fedkit_examples::identity_center::tokens::hash(&server.scim);
    let mut tx = server.state.store().begin().expect("tx");
    tx.find_token(&hash)
        .expect("find")
        .is_some_and(|record| record.id == id)
}

/// `identity-center admin init` as a user runs it: the password from stdin, then a refused
/// second run, then `--force --password-file`; the store read back through the library.
#[test]
fn admin_init_from_the_command_line() {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_identity-center"))
            .arg("--data")
            .arg(&data)
            .args(["admin", "init"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("wait");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, err) = run(&[], "short\n");
    assert!(!ok, "policy: 12 characters at least ({err})");
    let (ok, err) = run(&[], "first admin password\n");
    assert!(ok, "{err}");
    let (ok, err) = run(&["--name", "other"], "second admin password\n");
    assert!(!ok && err.contains("--force"), "{err}");
    let file = dir.path().join("password.txt");
    std::fs::write(&file, "replaced admin password\nignored line\n").expect("write");
    let (ok, err) = run(
        &[
            "--name",
            "other",
            "--force",
            "--password-file",
            &file.display().to_string(),
        ],
        "",
    );
    assert!(ok, "{err}");

    let store = fedkit_examples::identity_center::store::open(&format!(
        "sqlite://{}",
        data.join("identity-center.sqlite3").display()
    ))
    .expect("store");
    let mut tx = store.begin().expect("tx");
    assert!(!admin_account::verify(tx.as_mut(), "admin", "first admin password").expect("verify"));
    assert!(
        admin_account::verify(tx.as_mut(), "other", "replaced admin password").expect("verify")
    );
    // The stored hash is argon2id's PHC string, never the password.
    let record = tx
        .record_get(admin_account::ADMIN_PASSWORDS, "other", 0)
        .expect("get")
        .expect("record");
    let hash = record["hash"].as_str().expect("hash");
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("replaced admin password"));
}

/// The certificate rows of an application page: (status, expiry class), in order.
fn certificate_rows(page: &Page) -> Vec<(String, String)> {
    page.body
        .split("<tr id=\"cert-")
        .skip(1)
        .map(|row| {
            let status = row
                .split("<td>")
                .nth(1)
                .and_then(|c| c.split('<').next())
                .unwrap_or("")
                .to_owned();
            let class = row
                .split("class=\"expiry-")
                .nth(1)
                .and_then(|c| c.split('"').next())
                .unwrap_or("")
                .to_owned();
            (status, class)
        })
        .collect()
}

fn store_certificates(server: &Server, app: &str) -> Vec<(bool, String)> {
    let mut tx = server.state.store().begin().expect("tx");
    let set = fedkit_examples::identity_center::apps::load_certificates(
        tx.as_mut(),
        app,
        chrono::Utc::now().timestamp(),
    )
    .expect("load")
    .expect("set");
    set.iter()
        .map(|(c, active)| {
            let fp = c.certificate().sha256_fingerprint();
            (
                active,
                fp.as_bytes().iter().map(|b| format!("{b:02x}")).collect(),
            )
        })
        .collect()
}

#[test]
fn application_certificates_rotate_through_the_colours() {
    for server in console_servers(Profile::Full) {
        admin_account::init(server.state.store(), "root", PASSWORD, false).expect("init");
        let base = &server.url;
        let s = unique();
        // One month of validity: 90 days or less left from the start, AWS's yellow.
        let (status, app) = server.admin(
            "POST",
            "/admin/applications",
            Some(&serde_json::json!({"name": format!("App {s}"),
                "entityId": format!("https://sp-{s}.example.test/saml"),
                "acsUrl": format!("https://sp-{s}.example.test/acs"),
                "certificateValidityMonths": 1})),
        );
        assert_eq!(status, 201, "{app}");
        let app_id = app["id"].as_str().expect("id").to_owned();
        let detail = format!("/admin/console/applications/{app_id}");
        let mut browser = signed_in(&server);
        let page = browser.get(&format!("{base}/admin/console/applications"));
        assert!(page.body.contains(&format!("App {s}")), "{}", page.body);
        let page = browser.get(&format!("{base}{detail}"));
        assert!(page.body.contains(&format!("/saml/{app_id}/metadata")));
        assert_eq!(
            certificate_rows(&page),
            vec![("Active".to_owned(), "yellow".to_owned())]
        );

        // A bad validity is refused next to the field and adds nothing.
        let mut form = post_form(&page, base, &format!("{detail}/certificates"));
        form.set("months", "0");
        let refused = browser.submit(&form);
        assert_eq!(refused.status, 400);
        assert!(refused.body.contains("id=\"months-error\""));
        assert_eq!(store_certificates(&server, &app_id).len(), 1);

        // Rotate: a new certificate (after confirming), inactive and green.
        form.set("months", "60");
        let confirm = browser.submit(&form);
        assert!(confirm.body.contains("Yes, continue"), "{}", confirm.body);
        assert_eq!(store_certificates(&server, &app_id).len(), 1, "not yet");
        let yes = post_form(&confirm, base, &format!("{detail}/certificates"));
        let page = browser.submit(&yes);
        assert_eq!(
            certificate_rows(&page),
            vec![
                ("Active".to_owned(), "yellow".to_owned()),
                ("Inactive".to_owned(), "green".to_owned())
            ]
        );
        assert!(page.body.contains("the most at a time"));
        let certs = store_certificates(&server, &app_id);
        let (old, new) = (certs[0].1.clone(), certs[1].1.clone());

        // The active one cannot be deleted (no button; a forged post is refused).
        let csrf = post_form(&page, base, "/admin/console/logout")
            .field("csrf")
            .unwrap_or("")
            .to_owned();
        let refused = browser.post(
            &format!("{base}{detail}/certificates/{old}/delete"),
            &[("csrf", &csrf), ("confirm", "yes")],
        );
        assert_eq!(refused.status, 409, "{}", refused.body);
        assert!(refused.body.contains("certificate_active"));

        // Activate the new one, then delete the old.
        let form = post_form(
            &page,
            base,
            &format!("{detail}/certificates/{new}/activate"),
        );
        let confirm = browser.submit(&form);
        let yes = post_form(
            &confirm,
            base,
            &format!("{detail}/certificates/{new}/activate"),
        );
        let page = browser.submit(&yes);
        assert_eq!(
            certificate_rows(&page),
            vec![
                ("Active".to_owned(), "green".to_owned()),
                ("Inactive".to_owned(), "yellow".to_owned())
            ],
            "the active one first"
        );
        assert_eq!(
            store_certificates(&server, &app_id),
            vec![(true, new.clone()), (false, old.clone())]
        );
        let form = post_form(&page, base, &format!("{detail}/certificates/{old}/delete"));
        let confirm = browser.submit(&form);
        let yes = post_form(
            &confirm,
            base,
            &format!("{detail}/certificates/{old}/delete"),
        );
        let page = browser.submit(&yes);
        assert_eq!(
            certificate_rows(&page),
            vec![("Active".to_owned(), "green".to_owned())]
        );
        assert_eq!(
            store_certificates(&server, &app_id),
            vec![(true, new.clone())]
        );

        // The PEM download is the stored certificate.
        let pem = browser.get(&format!("{base}{detail}/certificates/{new}/pem"));
        assert!(pem.body.starts_with("-----BEGIN CERTIFICATE-----"));
    }
}

#[test]
fn long_lists_are_paged_and_keep_the_filter() {
    for server in console_servers(Profile::Full) {
        admin_account::init(server.state.store(), "root", PASSWORD, false).expect("init");
        let prefix = format!("page-{}-", unique());
        // PER_PAGE is 20: 21 matching users make two pages, the second with one row.
        for i in 0..21 {
            let (status, body) = server.admin(
                "POST",
                "/admin/users",
                Some(&admin_server::user_doc(&format!("{prefix}{i:02}"))),
            );
            assert_eq!(status, 201, "{body}");
        }
        server.scim_user(&format!("elsewhere-{}", unique()));
        let mut browser = signed_in(&server);
        let filter = format!("userName sw \"{prefix}\"");
        let page = browser.get(&format!(
            "{}/admin/console/users?filter={}",
            server.url,
            browser::encode(&filter)
        ));
        assert!(
            page.body.contains("Page 1 of 2 (21 in all)"),
            "{}",
            page.body
        );
        assert_eq!(
            page.body
                .matches("<tr><td><a href=\"/admin/console/users/")
                .count(),
            20
        );
        let next = page
            .body
            .split("<a href=\"")
            .filter_map(|part| part.split('"').next())
            .find(|href| href.contains("page=2"))
            .expect("a next link")
            .replace("&amp;", "&");
        let page = browser.get(&format!("{}{next}", server.url));
        assert!(
            page.body.contains("Page 2 of 2 (21 in all)"),
            "{}",
            page.body
        );
        assert_eq!(
            page.body
                .matches("<tr><td><a href=\"/admin/console/users/")
                .count(),
            1
        );
        assert!(page.body.contains("Previous page"));
        assert!(!page.body.contains("elsewhere-"), "the filter is kept");
    }
}

#[test]
fn application_assignments_are_added_and_removed() {
    for server in console_servers(Profile::Full) {
        admin_account::init(server.state.store(), "root", PASSWORD, false).expect("init");
        let base = &server.url;
        let s = unique();
        let (status, app) = server.admin(
            "POST",
            "/admin/applications",
            Some(&serde_json::json!({"name": format!("App {s}"),
                "entityId": format!("https://sp-{s}.example.test/saml"),
                "acsUrl": format!("https://sp-{s}.example.test/acs")})),
        );
        assert_eq!(status, 201, "{app}");
        let app_id = app["id"].as_str().expect("id").to_owned();
        let detail = format!("/admin/console/applications/{app_id}");
        let user_name = format!("assignee-{}", unique());
        let user = server.scim_user(&user_name);
        let assignments = || {
            let (_, app) = server.admin("GET", &format!("/admin/applications/{app_id}"), None);
            app["assignments"].clone()
        };
        let mut browser = signed_in(&server);
        let page = browser.get(&format!("{base}{detail}"));
        let mut form = post_form(&page, base, &format!("{detail}/assignments"));
        form.set("type", "user").set("principal", "no-such-user");
        let refused = browser.submit(&form);
        assert_eq!(refused.status, 400);
        assert!(refused.body.contains("id=\"principal-error\""));
        assert!(refused.body.contains("unknown_principal"));
        form.set("type", "group").set("principal", &user);
        assert_eq!(browser.submit(&form).status, 400, "a user's id is no group");
        assert_eq!(assignments(), serde_json::json!([]));

        form.set("type", "user").set("principal", &user);
        let page = browser.submit(&form);
        assert!(
            page.body.contains(&format!("<td>{user_name}</td>")),
            "{}",
            page.body
        );
        assert_eq!(
            assignments(),
            serde_json::json!([{"type": "user", "id": user}])
        );
        let again = browser.submit(&form);
        assert_eq!(again.status, 409);
        assert!(again.body.contains("assignment_exists"));

        let remove = post_form(
            &page,
            base,
            &format!("{detail}/assignments/user/{user}/remove"),
        );
        let page = browser.submit(&remove);
        assert!(!page.body.contains(&format!("<td>{user_name}</td>")));
        assert_eq!(assignments(), serde_json::json!([]));
    }
}

#[test]
fn the_aws_profile_pages_by_cursor() {
    for server in console_servers(Profile::Aws) {
        admin_account::init(server.state.store(), "root", PASSWORD, false).expect("init");
        for i in 0..21 {
            let (status, body) = server.admin(
                "POST",
                "/admin/users",
                Some(&admin_server::user_doc(&format!("aws-{i:02}-{}", unique()))),
            );
            assert_eq!(status, 201, "{body}");
        }
        let mut browser = signed_in(&server);
        let rows = "<tr><td><a href=\"/admin/console/users/";
        let page = browser.get(&format!("{}/admin/console/users", server.url));
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(page.body.matches(rows).count(), 20);
        let next = page
            .body
            .split("<a href=\"")
            .filter_map(|part| part.split('"').next())
            .find(|href| href.contains("cursor="))
            .expect("a next link")
            .replace("&amp;", "&");
        let page = browser.get(&format!("{}{next}", server.url));
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(page.body.matches(rows).count(), 1);
        assert!(page.body.contains("First page") && !page.body.contains("Next page"));
        // AWS's filter rules hold here too: `sw` is not among AWS's operators.
        let page = browser.get(&format!(
            "{}/admin/console/users?filter={}",
            server.url,
            browser::encode("userName sw \"aws\"")
        ));
        assert_eq!(page.status, 400, "{}", page.body);
        assert!(page.body.contains("id=\"filter-error\""));
    }
}

#[test]
fn the_aws_profile_edits_groups_by_patch() {
    for server in console_servers(Profile::Aws) {
        admin_account::init(server.state.store(), "root", PASSWORD, false).expect("init");
        let base = &server.url;
        let first = server.scim_user(&format!("first-{}", unique()));
        let second = server.scim_user(&format!("second-{}", unique()));
        let mut browser = signed_in(&server);
        let page = browser.get(&format!("{base}/admin/console/groups/new"));
        let mut form = post_form(&page, base, "/admin/console/groups");
        let name = format!("Ops {}", unique());
        form.set("displayName", &name).set("members", &first);
        let page = browser.submit(&form);
        assert!(page.body.contains("Created."), "{}", page.body);
        let (_, list) = server.admin("GET", "/admin/groups", None);
        let gid = list["Resources"][0]["id"].as_str().expect("id").to_owned();
        // AWS has no group PUT (the admin API's PUT is refused here); the console sends a
        // PATCH (rename, add one, remove one).
        let (status, body) = server.admin(
            "PUT",
            &format!("/admin/groups/{gid}"),
            Some(&admin_server::group_doc(&name, &[&second])),
        );
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("aws_unsupported_operation"))
        );
        let detail = format!("/admin/console/groups/{gid}");
        let mut form = post_form(&page, base, &detail);
        form.set("displayName", &format!("{name} renamed"))
            .set("members", &second);
        let page = browser.submit(&form);
        assert!(page.body.contains("Saved."), "{}", page.body);
        let (_, group) = server.admin("GET", &format!("/admin/groups/{gid}"), None);
        assert_eq!(group["displayName"], format!("{name} renamed").as_str());
        assert_eq!(group["members"], serde_json::json!([{"value": second}]));
    }
}

#[test]
fn scim_changes_show_in_the_console_at_once() {
    for server in console_servers(Profile::Full) {
        admin_account::init(server.state.store(), "root", PASSWORD, false).expect("init");
        let name = format!("idp-{}", unique());
        let id = server.scim_user(&name);
        let mut browser = signed_in(&server);
        let page = browser.get(&format!("{}/admin/console/users/{id}", server.url));
        assert!(
            page.body.contains(&format!("<td>{name}</td>")),
            "{}",
            page.body
        );
        let (status, _) = server.scim_call(
            "PATCH",
            &format!("/Users/{id}"),
            Some(&serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "displayName", "value": "Renamed by the IdP"}]})),
        );
        assert_eq!(status, 200);
        let page = browser.get(&format!("{}/admin/console/users/{id}", server.url));
        assert!(
            page.body.contains("<td>Renamed by the IdP</td>"),
            "{}",
            page.body
        );
        let (status, _) = server.scim_call("DELETE", &format!("/Users/{id}"), None);
        assert_eq!(status, 204);
        let page = browser.get(&format!("{}/admin/console/users/{id}", server.url));
        assert_eq!(page.status, 404);
        let page = browser.get(&format!("{}/admin/console/users", server.url));
        assert!(!page.body.contains(&name));
    }
}

fn store_apps(server: &Server) -> Vec<fedkit_examples::identity_center::apps::Application> {
    let mut tx = server.state.store().begin().expect("tx");
    fedkit_examples::identity_center::apps::list(tx.as_mut(), chrono::Utc::now().timestamp())
        .expect("list")
}

/// The console's form registers through the admin API's validation: each refusal beside its
/// field, the store unchanged; fields or pasted metadata register with a first certificate.
#[test]
fn applications_are_registered_through_the_console_form() {
    for server in console_servers(Profile::Full) {
        admin_account::init(server.state.store(), "root", PASSWORD, false).expect("init");
        let base = &server.url;
        let s = unique();
        let taken = format!("https://taken-{s}.example.test/saml");
        let (status, body) = server.admin(
            "POST",
            "/admin/applications",
            Some(&serde_json::json!({"name": "Taken", "entityId": taken,
                "acsUrl": format!("https://taken-{s}.example.test/acs")})),
        );
        assert_eq!(status, 201, "{body}");
        let before = store_apps(&server).len();
        let mut browser = signed_in(&server);
        let page = browser.get(&format!("{base}/admin/console/applications"));
        let mut form = post_form(&page, base, "/admin/console/applications");
        let entity_id = format!("https://sp-{s}.example.test/saml");
        // (name, entity ID, ACS URL, metadata, the field refused, its code); the codes are
        // the admin API's (README table), plain http only for loopback hosts.
        let refusals = [
            (
                "",
                entity_id.as_str(),
                "https://sp.example.test/acs",
                "",
                "name",
                "missing_field",
            ),
            (
                "App",
                "no-colon",
                "https://sp.example.test/acs",
                "",
                "entity_id",
                "invalid_entity_id",
            ),
            (
                "App",
                taken.as_str(),
                "https://sp.example.test/acs",
                "",
                "entity_id",
                "entity_id_taken",
            ),
            (
                "App",
                entity_id.as_str(),
                "http://sp.example.test/acs",
                "",
                "acs_url",
                "insecure_url",
            ),
            (
                "App",
                entity_id.as_str(),
                "",
                "",
                "acs_url",
                "missing_field",
            ),
            (
                "",
                "",
                "",
                "<EntityDescriptor",
                "metadata",
                "invalid_metadata",
            ),
        ];
        for (name, entity, acs, metadata, field, code) in refusals {
            form.set("name", name)
                .set("entity_id", entity)
                .set("acs_url", acs)
                .set("metadata", metadata);
            let refused = browser.submit(&form);
            assert!(
                refused.status == 400 || refused.status == 409,
                "{field} {code}: {}",
                refused.status
            );
            assert!(
                refused.body.contains(&format!("id=\"{field}-error\"")),
                "{field} {code}: {}",
                refused.body
            );
            assert!(refused.body.contains(code), "{field} {code}");
            assert_eq!(store_apps(&server).len(), before, "{code} saved nothing");
        }

        // The first certificate's validity: 1 to 120 months (the admin API's check); a word
        // is no number of months.
        for months in ["0", "121", "soon"] {
            form.set("name", "App")
                .set("entity_id", &entity_id)
                .set("acs_url", "https://sp.example.test/acs")
                .set("metadata", "")
                .set("months", months);
            let refused = browser.submit(&form);
            assert_eq!(refused.status, 400, "{months}");
            assert!(refused.body.contains("id=\"months-error\""), "{months}");
            assert!(refused.body.contains("invalid_certificate_validity"));
            assert_eq!(store_apps(&server).len(), before, "{months} saved nothing");
        }
        form.set("months", "1");
        form.set("name", &format!("Form app {s}"))
            .set("entity_id", &entity_id)
            .set("acs_url", &format!("https://sp-{s}.example.test/acs"))
            .set("metadata", "");
        let page = browser.submit(&form);
        assert_eq!(page.status, 200, "{}", page.body);
        let app = store_apps(&server)
            .into_iter()
            .find(|a| a.entity_id == entity_id)
            .expect("registered");
        assert!(
            page.url
                .ends_with(&format!("/admin/console/applications/{}", app.id))
        );
        assert!(page.body.contains(&format!("Form app {s}")));
        assert_eq!(app.acs_url, format!("https://sp-{s}.example.test/acs"));
        assert_eq!(store_certificates(&server, &app.id).len(), 1);
        assert!(store_certificates(&server, &app.id)[0].0, "active");
        assert!(
            page.body.contains("class=\"expiry-yellow\""),
            "one month of validity is AWS's yellow"
        );

        // Pasted metadata (SAML metadata §2.4.4: an SPSSODescriptor with a POST ACS).
        let from_metadata = format!("https://md-{s}.example.test/saml");
        let metadata = format!(
            "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"{from_metadata}\">\
<md:SPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\
<md:AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\"https://md-{s}.example.test/acs\" index=\"0\"/>\
</md:SPSSODescriptor></md:EntityDescriptor>"
        );
        let page = browser.get(&format!("{base}/admin/console/applications"));
        let mut form = post_form(&page, base, "/admin/console/applications");
        form.set("metadata", &metadata);
        let page = browser.submit(&form);
        assert_eq!(page.status, 200, "{}", page.body);
        let app = store_apps(&server)
            .into_iter()
            .find(|a| a.entity_id == from_metadata)
            .expect("registered from metadata");
        assert_eq!(
            app.name, from_metadata,
            "the name defaults to the entity ID"
        );
        assert_eq!(app.acs_url, format!("https://md-{s}.example.test/acs"));
        assert_eq!(store_apps(&server).len(), before + 2);
    }
}

/// An administrator's console session is no portal sign-in: with `source = admin` the portal
/// and the SAML IdP treat it as no session, even for a directory user's id in the portal's own
/// cookie; the same user's password session (the control) reaches both.
#[test]
fn admin_sessions_are_no_portal_sign_in() {
    use fedkit_examples::identity_center::session;
    for server in console_servers(Profile::Full) {
        let s = unique();
        let user = server.scim_user(&format!("portal-{s}"));
        let (status, app) = server.admin(
            "POST",
            "/admin/applications",
            Some(&serde_json::json!({"name": format!("Portal app {s}"),
                "entityId": format!("https://portal-{s}.example.test/saml"),
                "acsUrl": format!("https://portal-{s}.example.test/acs"),
                "assignments": [{"type": "user", "id": user}]})),
        );
        assert_eq!(status, 201, "{app}");
        let app_id = app["id"].as_str().expect("id").to_owned();
        let client = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        for (source, signed_in) in [(session::ADMIN_SOURCE, false), ("password", true)] {
            let (session, set_cookie) = {
                let mut tx = server.state.store().begin().expect("tx");
                let created = session::create(
                    &server.state,
                    tx.as_mut(),
                    &user,
                    source,
                    chrono::Utc::now().timestamp(),
                )
                .expect("session");
                tx.commit().expect("commit");
                created
            };
            let cookie = set_cookie.split(';').next().expect("cookie").to_owned();
            let portal = client
                .get(format!("{}/", server.url))
                .header("cookie", &cookie)
                .send()
                .expect("portal");
            let text = portal.text().expect("body");
            assert_eq!(
                text.contains(&format!("Portal app {s}")),
                signed_in,
                "{source}: {text}"
            );
            let initiate = client
                .post(format!("{}/saml/{app_id}/initiate", server.url))
                .header("cookie", &cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("origin", &server.url)
                .body(format!("csrf={}", session.csrf))
                .send()
                .expect("initiate");
            let status = initiate.status().as_u16();
            let text = initiate.text().expect("body");
            if signed_in {
                assert_eq!(status, 200, "{text}");
                assert!(text.contains("SAMLResponse"), "{text}");
            } else {
                assert_eq!(status, 401, "{text}");
                assert!(text.contains("not_signed_in"), "{text}");
            }
        }
    }
}

/// The registration form takes pasted metadata up to the admin API's body limit: exactly the
/// limit is read (and refused as metadata that does not parse), one byte more is 413.
#[test]
fn the_registration_form_is_read_up_to_the_body_limit() {
    for server in console_servers(Profile::Full) {
        admin_account::init(server.state.store(), "root", PASSWORD, false).expect("init");
        let base = &server.url;
        let limit = server.state.scim.config().max_body_bytes;
        let mut browser = signed_in(&server);
        let page = browser.get(&format!("{base}/admin/console/applications"));
        let form = post_form(&page, base, "/admin/console/applications");
        let csrf = form.field("csrf").expect("csrf").to_owned();
        let before = store_apps(&server).len();
        // The body is `csrf=…&metadata=…`, each value percent-encoded.
        let prefix = "csrf=".len() + browser::encode(&csrf).len() + "&metadata=".len();
        for (extra, status) in [(0, 400), (1, 413)] {
            let metadata = "a".repeat(limit - prefix + extra);
            let page = browser.post(
                &format!("{base}/admin/console/applications"),
                &[("csrf", &csrf), ("metadata", &metadata)],
            );
            assert_eq!(page.status, status, "limit + {extra}");
            if status == 400 {
                assert!(page.body.contains("id=\"metadata-error\""), "{}", page.body);
            }
            assert_eq!(store_apps(&server).len(), before);
        }
    }
}
