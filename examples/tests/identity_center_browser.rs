//! A real headless Chromium signs in through identity-center's portal and lands on the
//! application's page (`saml-sp serve`) with the verified attributes (issue 7's browser test):
//! it types the username and password, submits, clicks the application's tile, and the
//! auto-posting SAML form (an inline `onload` submit under the page's CSP) carries the
//! Response to the SP. Screenshots of the portal and the application page go to
//! `chromium::artifacts_dir()`. Runs when `FEDKIT_CHROMEDRIVER` is set (support/chromium.rs).
//!
//! Expected values are what the test provisioned over SCIM and configured as mappings.

#[path = "support/chromium.rs"]
mod chromium;
#[path = "support/identity_center.rs"]
mod identity_center;

use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use identity_center::{IdentityCenter, SamlSp, SpOptions};
use serde_json::json;

const PASSWORD: &str = "correct horse battery staple";
const APP_NAME: &str = "Demo SP";

/// What the browser test signs into: Alice in a group assigned to `saml-sp serve`.
struct Setup {
    ic: IdentityCenter,
    sp: SamlSp,
    app: String,
    group: String,
}

fn setup(options: SpOptions) -> Setup {
    let ic = IdentityCenter::start(&[]);
    let alice = ic.create_user("alice", "Alice", "Jensen", "alice@example.com");
    let group = ic.create_group("Engineering", &[&alice]);
    ic.set_password(&alice, PASSWORD);
    let sp = SamlSp::start(options);
    let app = ic.register(
        &sp.metadata(),
        json!({
            "name": APP_NAME,
            "attributes": [
                {"name": "email", "value": "${user:email}"},
                {"name": "givenName", "value": "${user:givenName}"},
                {"name": "groups", "value": "${user:groups}"},
                {"name": "department", "value": "Research"},
            ],
        }),
    );
    let app = app["id"].as_str().expect("id").to_owned();
    ic.assign(&app, "group", &group);
    sp.trust(&ic.idp_metadata(&app, false));
    Setup { ic, sp, app, group }
}

/// Waits until the browser is on a URL starting with `prefix`.
async fn wait_for_url(client: &Client, prefix: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let url = client.current_url().await.expect("current URL").to_string();
        if url.starts_with(prefix) {
            return url;
        }
        if Instant::now() > deadline {
            let source = client.source().await.unwrap_or_default();
            panic!("still on {url}, not {prefix}: {source}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn text(client: &Client, css: &str) -> String {
    client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("text")
}

async fn screenshot(client: &Client, name: &str) {
    let shot = client.screenshot().await.expect("screenshot");
    // PNG signature (RFC 2083 §3.1).
    assert_eq!(shot.get(..8), Some(&b"\x89PNG\r\n\x1a\n"[..]));
    let path = chromium::artifacts_dir().join(name);
    std::fs::write(&path, &shot).expect("write screenshot");
    eprintln!("screenshot: {}", path.display());
}

/// A WebDriver session on a fresh Chromium profile.
async fn connect(driver: &chromium::Driver) -> Client {
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(chromium::capabilities(driver))
        .connect(&driver.url)
        .await
        .expect("WebDriver session")
}

/// Types Alice's username and password into identity-center's sign-in form and submits it.
async fn fill_in_the_sign_in_form(client: &Client, setup: &Setup) {
    wait_for_url(client, &format!("{}/login", setup.ic.url)).await;
    client
        .find(Locator::Id("username"))
        .await
        .expect("username field")
        .send_keys("alice")
        .await
        .expect("type");
    client
        .find(Locator::Id("password"))
        .await
        .expect("password field")
        .send_keys(PASSWORD)
        .await
        .expect("type");
    client
        .find(Locator::Css(
            "form[action=\"/login\"] button[type=\"submit\"]",
        ))
        .await
        .expect("submit button")
        .click()
        .await
        .expect("submit");
}

/// The SP's page shows Alice's verified subject and mapped attributes.
async fn assert_signed_in(client: &Client, setup: &Setup) {
    wait_for_url(client, &format!("{}/", setup.sp.url)).await;
    let signed_in_as = text(client, "#signed-in-as").await;
    assert_eq!(signed_in_as, "alice@example.com");
    assert_eq!(text(client, "#name-id").await, "alice@example.com");
    assert_eq!(
        text(client, "#name-id-format").await,
        fedkit_saml::names::NAMEID_EMAIL
    );
    assert_eq!(
        text(client, "#issuer").await,
        format!("{}/saml/{}", setup.ic.url, setup.app)
    );
    let attributes = text(client, "#attributes").await;
    for expected in [
        "email",
        "alice@example.com",
        "givenName",
        "Alice",
        "groups",
        setup.group.as_str(),
        "department",
        "Research",
    ] {
        assert!(
            attributes.contains(expected),
            "{expected:?} in the attributes table: {attributes}"
        );
    }
}

/// Portal first: sign in, click the tile, land on the SP (IdP-initiated).
async fn sign_in_and_open_the_app(driver: &chromium::Driver, setup: &Setup) {
    let client = connect(driver).await;
    let portal = format!("{}/", setup.ic.url);
    client.goto(&portal).await.expect("goto portal");
    client
        .find(Locator::LinkText("Sign in"))
        .await
        .expect("the portal's sign-in link")
        .click()
        .await
        .expect("click");
    fill_in_the_sign_in_form(&client, setup).await;
    let tile = Locator::Css("form[action$=\"/initiate\"] button");
    let button = client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(tile)
        .await
        .expect("the application's tile");
    assert_eq!(client.current_url().await.expect("url").as_str(), portal);
    assert_eq!(button.text().await.expect("tile text"), APP_NAME);
    screenshot(&client, "identity-center-portal.png").await;
    button.click().await.expect("click the tile");

    // The auto-posting form submits itself; the SP's page shows the verified subject.
    assert_signed_in(&client, setup).await;
    assert_eq!(text(&client, "#in-response-to").await, "(IdP-initiated)");
    screenshot(&client, "saml-sp-signed-in.png").await;
    client.close().await.expect("close");
}

/// Signed in at the portal first, then the application on another site (`localhost` against
/// identity-center's `127.0.0.1`) signs in over the HTTP-POST binding: its cross-site POST
/// carries no SameSite=Lax session cookie, the 303 that follows is a top-level GET that does,
/// so the user is not asked for the password again.
async fn cross_site_post_binding_reuses_the_portal_session(
    driver: &chromium::Driver,
    setup: &Setup,
) {
    let client = connect(driver).await;
    client
        .goto(&format!("{}/login", setup.ic.url))
        .await
        .expect("goto sign-in");
    fill_in_the_sign_in_form(&client, setup).await;
    client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("form[action$=\"/initiate\"] button"))
        .await
        .expect("signed in at the portal");
    assert!(setup.sp.url.starts_with("http://localhost:"));
    client
        .goto(&format!("{}/", setup.sp.url))
        .await
        .expect("goto SP");
    client
        .find(Locator::Id("sign-in"))
        .await
        .expect("the SP's sign-in link")
        .click()
        .await
        .expect("click");
    assert_signed_in(&client, setup).await;
    assert!(text(&client, "#in-response-to").await.starts_with('_'));
    screenshot(&client, "saml-sp-cross-site-post.png").await;
    client.close().await.expect("close");
}

/// Application first: its "Sign in" sends an AuthnRequest, identity-center asks for the
/// password, the Response comes back (SP-initiated).
async fn sign_in_from_the_app(driver: &chromium::Driver, setup: &Setup) {
    let client = connect(driver).await;
    client
        .goto(&format!("{}/", setup.sp.url))
        .await
        .expect("goto SP");
    client
        .find(Locator::Id("sign-in"))
        .await
        .expect("the SP's sign-in link")
        .click()
        .await
        .expect("click");
    fill_in_the_sign_in_form(&client, setup).await;
    assert_signed_in(&client, setup).await;
    let in_response_to = text(&client, "#in-response-to").await;
    assert!(
        in_response_to.starts_with('_'),
        "answers the SP's AuthnRequest: {in_response_to}"
    );
    screenshot(&client, "saml-sp-sp-initiated.png").await;
    client.close().await.expect("close");
}

#[test]
fn chromium_signs_in_through_the_portal_and_from_the_application() {
    let Some(path) = chromium::driver_path() else {
        return;
    };
    let setup = setup(SpOptions {
        allow_unsolicited: true,
        ..SpOptions::default()
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // One chromedriver (and so one fresh profile, no cookies) per flow.
    let driver = chromium::start(&path);
    runtime.block_on(sign_in_and_open_the_app(&driver, &setup));
    drop(driver);
    let driver = chromium::start(&path);
    runtime.block_on(sign_in_from_the_app(&driver, &setup));
}

#[test]
fn chromium_cross_site_post_binding_reuses_the_portal_session() {
    let Some(path) = chromium::driver_path() else {
        return;
    };
    let setup = setup(SpOptions {
        post_binding: true,
        localhost: true,
        ..SpOptions::default()
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let driver = chromium::start(&path);
    runtime.block_on(cross_site_post_binding_reuses_the_portal_session(
        &driver, &setup,
    ));
}
