//! A real headless Chromium walks the admin console (issue 9's browser test): signs in as the
//! administrator, creates a user and a group by typing into the forms, searches with a SCIM
//! filter (and sees the caret under a bad one), rotates an application's certificate through
//! the colour states (a one-month certificate is yellow; the new one green; activate; delete
//! the old one), and creates and revokes a SCIM token — checking the page and the store after
//! each step. Screenshots go to `chromium::artifacts_dir()`. Runs when `FEDKIT_CHROMEDRIVER` is
//! set (support/chromium.rs). The application is registered over the admin API, where
//! registration lives. Expected values are what the test typed or registered.

#[path = "support/admin_server.rs"]
mod admin_server;
#[path = "support/chromium.rs"]
mod chromium;

use std::time::{Duration, Instant};

use admin_server::{Server, servers, unique};
use fantoccini::{Client, ClientBuilder, Locator};
use fedkit_examples::identity_center::config::Profile;
use fedkit_examples::identity_center::console::admin_account;
use serde_json::{Value, json};

const PASSWORD: &str = "console password 1";

async fn connect(driver: &chromium::Driver) -> Client {
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(chromium::capabilities(driver))
        .connect(&driver.url)
        .await
        .expect("WebDriver session")
}

async fn wait_for_url(client: &Client, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let url = client.current_url().await.expect("current URL").to_string();
        if url.contains(needle) {
            return url;
        }
        if Instant::now() > deadline {
            let source = client.source().await.unwrap_or_default();
            panic!("still on {url}, not {needle}: {source}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn screenshot(client: &Client, name: &str) {
    let shot = client.screenshot().await.expect("screenshot");
    // PNG signature (RFC 2083 §3.1).
    assert_eq!(shot.get(..8), Some(&b"\x89PNG\r\n\x1a\n"[..]));
    let path = chromium::artifacts_dir().join(name);
    std::fs::write(&path, &shot).expect("write screenshot");
    eprintln!("screenshot: {}", path.display());
}

/// Scrolls the certificate table (the page's last table) into view for the screenshot.
async fn show_certificates(client: &Client) {
    client
        .execute(
            "document.querySelector('main > table:last-of-type').scrollIntoView({block: 'center'})",
            vec![],
        )
        .await
        .expect("scroll");
}

async fn type_into(client: &Client, id: &str, text: &str) {
    let element = client.find(Locator::Id(id)).await.expect(id);
    element.clear().await.expect("clear");
    element.send_keys(text).await.expect("type");
}

async fn click(client: &Client, css: &str) {
    client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .expect("click");
}

/// Clicks `css` on the confirmation page (its button says `yes`), once that page has replaced
/// the one whose button led there (both have a form to the same action).
async fn confirm(client: &Client, css: &str, yes: &str) {
    let source = source_with(client, yes).await;
    assert!(source.contains(yes), "no confirmation page: {source}");
    click(client, css).await;
}

async fn exists(client: &Client, css: &str) -> bool {
    !client
        .find_all(Locator::Css(css))
        .await
        .expect("find")
        .is_empty()
}

async fn body_text(client: &Client) -> String {
    // A page still loading may have no <main> yet, or replace it mid-read: retry a while.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(main) = client.find(Locator::Css("main")).await
            && let Ok(text) = main.text().await
        {
            return text;
        }
        assert!(Instant::now() < deadline, "no <main> on the page");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The page source once it contains `needle` (a page that is still loading has no stable
/// elements to read), within 15 seconds.
async fn source_with(client: &Client, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let source = client.source().await.unwrap_or_default();
        if source.contains(needle) || Instant::now() > deadline {
            return source;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn users_named(server: &Server, user_name: &str) -> Vec<Value> {
    let (_, body) = server.admin(
        "GET",
        &format!("/admin/users?filter=userName%20eq%20%22{user_name}%22"),
        None,
    );
    body["Resources"].as_array().cloned().unwrap_or_default()
}

fn certificates(server: &Server, app: &str) -> Vec<Value> {
    let (status, body) = server.admin(
        "GET",
        &format!("/admin/applications/{app}/certificates"),
        None,
    );
    assert_eq!(status, 200, "{body}");
    body["certificates"].as_array().cloned().unwrap_or_default()
}

#[test]
fn chromium_walks_the_admin_console() {
    let Some(path) = chromium::driver_path() else {
        return;
    };
    let server = servers(Profile::Full).into_iter().next().expect("sqlite");
    admin_account::init(server.state.store(), "root", PASSWORD, false).expect("init");
    let base = server.url.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let driver = chromium::start(&path);
    let client = runtime.block_on(connect(&driver));

    // Sign in.
    runtime.block_on(async {
        client.goto(&format!("{base}/admin")).await.expect("goto");
        type_into(&client, "name", "root").await;
        type_into(&client, "password", PASSWORD).await;
        click(&client, "form[action=\"/admin/console/login\"] button").await;
        wait_for_url(&client, "/admin/console/users").await;
        assert!(body_text(&client).await.contains("Signed in as root"));
        screenshot(&client, "console-01-signed-in.png").await;
    });

    // A user by hand.
    let name = format!("grace-{}", unique());
    runtime.block_on(async {
        click(&client, "a[href=\"/admin/console/users/new\"]").await;
        type_into(&client, "userName", &name).await;
        type_into(&client, "givenName", "Grace").await;
        type_into(&client, "familyName", "Hopper").await;
        type_into(&client, "displayName", "Grace Hopper").await;
        type_into(&client, "email", &format!("{name}@example.test")).await;
        click(&client, "form[action=\"/admin/console/users\"] button").await;
        wait_for_url(&client, "created=1").await;
        assert!(body_text(&client).await.contains("Created."));
        screenshot(&client, "console-02-user-created.png").await;
    });
    let users = users_named(&server, &name);
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["name"]["familyName"], "Hopper");
    assert_eq!(users[0]["active"], true);
    assert_eq!(users[0]["managedBy"], "admin");
    let user_id = users[0]["id"].as_str().expect("id").to_owned();

    // A group by hand, with the user.
    let group = format!("Navy {}", unique());
    runtime.block_on(async {
        client
            .goto(&format!("{base}/admin/console/groups/new"))
            .await
            .expect("goto");
        type_into(&client, "displayName", &group).await;
        type_into(&client, "members", &user_id).await;
        click(&client, "form[action=\"/admin/console/groups\"] button").await;
        wait_for_url(&client, "created=1").await;
        screenshot(&client, "console-03-group-created.png").await;
    });
    let (_, groups) = server.admin("GET", "/admin/groups", None);
    assert_eq!(groups["totalResults"], 1);
    assert_eq!(groups["Resources"][0]["displayName"], group.as_str());
    assert_eq!(
        groups["Resources"][0]["members"][0]["value"],
        user_id.as_str()
    );

    // Search with a filter, then a bad one.
    server.scim_user(&format!("other-{}", unique()));
    runtime.block_on(async {
        client
            .goto(&format!("{base}/admin/console/users"))
            .await
            .expect("goto");
        type_into(&client, "filter", &format!("userName eq \"{name}\"")).await;
        click(&client, "form[role=\"search\"] button").await;
        wait_for_url(&client, "filter=").await;
        let text = body_text(&client).await;
        assert!(text.contains(&name) && !text.contains("other-"), "{text}");
        assert!(text.contains("Page 1 of 1 (1 in all)"));
        screenshot(&client, "console-04-search.png").await;
        type_into(&client, "filter", "userName zz \"a\"").await;
        click(&client, "form[role=\"search\"] button").await;
        let caret = client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css("pre.caret"))
            .await
            .expect("caret")
            .text()
            .await
            .expect("text");
        assert_eq!(caret, "userName zz \"a\"\n         ^^");
        screenshot(&client, "console-05-filter-error.png").await;
    });

    // An application registered through the console's form, its certificate valid for one
    // month (90 days or less left: AWS's yellow), then rotated through the colours.
    let s = unique();
    let entity_id = format!("https://payroll-{s}.example.test/saml");
    runtime.block_on(async {
        client
            .goto(&format!("{base}/admin/console/applications"))
            .await
            .expect("goto");
        type_into(&client, "name", &format!("Payroll {s}")).await;
        type_into(&client, "entity_id", &entity_id).await;
        // Plain http to a network host is refused beside the field, and nothing is saved.
        type_into(
            &client,
            "acs_url",
            &format!("http://payroll-{s}.example.test/acs"),
        )
        .await;
        type_into(&client, "months", "1").await;
        click(
            &client,
            "form[action=\"/admin/console/applications\"] button",
        )
        .await;
        let error = client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Id("acs_url-error"))
            .await
            .expect("the ACS URL refused")
            .text()
            .await
            .expect("text");
        assert!(error.contains("insecure_url"), "{error}");
    });
    let (_, apps) = server.admin("GET", "/admin/applications", None);
    assert!(
        !apps.to_string().contains(&entity_id),
        "refused, saved nothing: {apps}"
    );
    let app_id = runtime.block_on(async {
        type_into(
            &client,
            "acs_url",
            &format!("https://payroll-{s}.example.test/acs"),
        )
        .await;
        screenshot(&client, "console-06-register-application.png").await;
        click(
            &client,
            "form[action=\"/admin/console/applications\"] button",
        )
        .await;
        let url = wait_for_url(&client, "/admin/console/applications/app-").await;
        let text = source_with(&client, "<h2>Assignments</h2>").await;
        assert!(
            text.contains(&format!("Payroll {s}")) && text.contains(&entity_id),
            "{text}"
        );
        screenshot(&client, "console-07-application-registered.png").await;
        url.rsplit('/').next().expect("id").to_owned()
    });
    let (status, app) = server.admin("GET", &format!("/admin/applications/{app_id}"), None);
    assert_eq!(status, 200, "{app}");
    assert_eq!(app["entityId"], json!(entity_id));
    assert_eq!(
        app["acsUrl"],
        json!(format!("https://payroll-{s}.example.test/acs"))
    );
    let old = certificates(&server, &app_id)[0]["id"]
        .as_str()
        .expect("cid")
        .to_owned();
    runtime.block_on(async {
        // The group is assigned on the application's page.
        client
            .find(Locator::Id("principal"))
            .await
            .expect("principal")
            .send_keys(groups["Resources"][0]["id"].as_str().expect("group id"))
            .await
            .expect("type");
        client
            .execute(
                "document.getElementById('principal-type').value = 'group'",
                vec![],
            )
            .await
            .expect("choose group");
        click(&client, "form[action$=\"/assignments\"] button").await;
        let text = source_with(&client, &format!("<td>{group}</td>")).await;
        assert!(
            text.contains("${user:email}") && text.contains(&format!("<td>{group}</td>")),
            "{text}"
        );
        assert!(exists(&client, &format!("#cert-{old} td.expiry-yellow")).await);
        show_certificates(&client).await;
        screenshot(&client, "console-08-certificate-yellow.png").await;
        click(&client, "form[action$=\"/certificates\"] button").await;
        confirm(
            &client,
            "form[action$=\"/certificates\"] button",
            "Yes, continue",
        )
        .await;
        wait_for_url(&client, &format!("/admin/console/applications/{app_id}")).await;
        client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css("td.expiry-green"))
            .await
            .expect("a green certificate");
        show_certificates(&client).await;
        screenshot(&client, "console-09-rotated.png").await;
    });
    let certs = certificates(&server, &app_id);
    assert_eq!(certs.len(), 2);
    let new = certs
        .iter()
        .find(|c| c["id"] != old.as_str())
        .and_then(|c| c["id"].as_str())
        .expect("new")
        .to_owned();
    assert_eq!(
        certs.iter().find(|c| c["id"] == new.as_str()).expect("new")["status"],
        "inactive"
    );
    runtime.block_on(async {
        click(
            &client,
            &format!("form[action$=\"/certificates/{new}/activate\"] button"),
        )
        .await;
        confirm(
            &client,
            &format!("form[action$=\"/certificates/{new}/activate\"] button"),
            "Yes, continue",
        )
        .await;
        client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(&format!(
                "form[action$=\"/certificates/{old}/delete\"]"
            )))
            .await
            .expect("the old one is deletable now");
        show_certificates(&client).await;
        screenshot(&client, "console-10-activated.png").await;
    });
    let certs = certificates(&server, &app_id);
    assert_eq!(
        certs.iter().find(|c| c["id"] == new.as_str()).expect("new")["status"],
        "active"
    );
    runtime.block_on(async {
        click(
            &client,
            &format!("form[action$=\"/certificates/{old}/delete\"] button"),
        )
        .await;
        confirm(
            &client,
            &format!("form[action$=\"/certificates/{old}/delete\"] button"),
            "Yes, continue",
        )
        .await;
        let deadline = Instant::now() + Duration::from_secs(15);
        while exists(&client, &format!("#cert-{old}")).await
            || !exists(&client, &format!("#cert-{new} td.expiry-green")).await
        {
            assert!(
                Instant::now() < deadline,
                "the old certificate is still listed"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        show_certificates(&client).await;
        screenshot(&client, "console-11-old-deleted.png").await;
    });
    let certs = certificates(&server, &app_id);
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0]["id"], new.as_str());

    // A SCIM token: created and shown once, then revoked.
    let secret = runtime.block_on(async {
        client
            .goto(&format!("{base}/admin/console/tokens"))
            .await
            .expect("goto");
        click(&client, "form[action=\"/admin/console/tokens\"] button").await;
        let secret = client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Id("secret"))
            .await
            .expect("secret")
            .prop("value")
            .await
            .expect("value")
            .expect("a value");
        screenshot(&client, "console-12-token-created.png").await;
        secret
    });
    let (status, _) = server.send(Some(&secret), "GET", "/scim/v2/Users", "", None);
    assert_eq!(status, 200, "the new token provisions");
    let token_id = {
        let hash = fedkit_examples::identity_center::tokens::hash(&secret);
        let mut tx = server.state.store().begin().expect("tx");
        tx.find_token(&hash).expect("find").expect("stored").id
    };
    runtime.block_on(async {
        click(
            &client,
            &format!("form[action=\"/admin/console/tokens/{token_id}/revoke\"] button"),
        )
        .await;
        confirm(
            &client,
            &format!("form[action=\"/admin/console/tokens/{token_id}/revoke\"] button"),
            "Yes, revoke",
        )
        .await;
        let deadline = Instant::now() + Duration::from_secs(15);
        while !body_text(&client).await.contains("SCIM tokens (1 of 2)") {
            assert!(Instant::now() < deadline, "the token is still listed");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        screenshot(&client, "console-13-token-revoked.png").await;
        client.close().await.expect("close");
    });
    let (status, _) = server.send(Some(&secret), "GET", "/scim/v2/Users", "", None);
    assert_eq!(status, 401, "revoked");
}
