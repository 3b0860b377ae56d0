//! Manual provisioning over the admin API (`/admin/users`, `/admin/groups`), over real HTTP on
//! loopback, on SQLite (and PostgreSQL when `FEDKIT_TEST_POSTGRES_URL` is set).
//!
//! Expected values: what the test sent; the admin API's documented codes (README:
//! `managed_by_scim` 403, the token codes); for schema and uniqueness refusals, the status the
//! SCIM API itself gives the same document (RFC 7644 §3.12: 400 invalidValue, 409 uniqueness),
//! asserted by sending it to both — one code path means both must answer alike.

#[path = "support/admin_server.rs"]
mod admin_server;

use admin_server::{Server, group_doc, servers, unique, user_doc};
use fedkit_examples::identity_center::config::Profile;
use serde_json::{Value, json};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn version(server: &Server, path: &str) -> Value {
    let (status, body) = server.scim_call("GET", path, None);
    assert_eq!(status, 200, "{}: {body}", server.name);
    body["meta"]["version"].clone()
}

/// How many users carry this externalId: a count of this test's own users only, since the
/// PostgreSQL cases share one database with tests running in parallel.
fn users_with_external_id(server: &Server, external_id: &str) -> u64 {
    let (status, body) = server.admin(
        "GET",
        &format!("/admin/users?filter=externalId%20eq%20%22{external_id}%22"),
        None,
    );
    assert_eq!(status, 200, "{body}");
    body["totalResults"].as_u64().expect("totalResults")
}

#[test]
fn a_scim_created_user_is_read_only_in_the_admin_api() {
    for server in servers(Profile::Full) {
        let name = format!("scim-{}", unique());
        let id = server.scim_user(&name);
        let path = format!("/admin/users/{id}");
        let before = version(&server, &format!("/Users/{id}"));

        let (status, body) = server.admin("GET", &path, None);
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["managedBy"], "scim");
        assert_eq!(body["userName"], name.as_str());

        let mut changed = user_doc(&name);
        changed["displayName"] = json!("Renamed by hand");
        let patch = json!({"schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": "active", "value": false}]});
        for (method, body) in [
            ("PUT", Some(&changed)),
            ("PATCH", Some(&patch)),
            ("DELETE", None),
        ] {
            let (status, answer) = server.admin(method, &path, body);
            assert_eq!(status, 403, "{} {method}: {answer}", server.name);
            assert_eq!(answer["error"], "managed_by_scim", "{method}");
            assert!(
                answer["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("SCIM")),
                "the message says why: {answer}"
            );
        }
        assert_eq!(version(&server, &format!("/Users/{id}")), before);

        // SCIM itself may still change it, and the admin API shows the change at once.
        let (status, _) = server.scim_call(
            "PATCH",
            &format!("/Users/{id}"),
            Some(&json!({"schemas": [PATCH_OP],
                "Operations": [{"op": "replace", "path": "displayName", "value": "From the IdP"}]})),
        );
        assert_eq!(status, 200);
        let (_, body) = server.admin("GET", &path, None);
        assert_eq!(body["displayName"], "From the IdP");
    }
}

#[test]
fn a_hand_made_user_is_editable_and_seen_by_scim() {
    for server in servers(Profile::Full) {
        let name = format!("hand-{}", unique());
        let (status, created) = server.admin("POST", "/admin/users", Some(&user_doc(&name)));
        assert_eq!(status, 201, "{}: {created}", server.name);
        assert_eq!(created["managedBy"], "admin");
        let id = created["id"].as_str().expect("id").to_owned();
        let path = format!("/admin/users/{id}");

        // The same store and document as SCIM's.
        let (status, scim) = server.scim_call("GET", &format!("/Users/{id}"), None);
        assert_eq!(status, 200);
        assert_eq!(scim["userName"], name.as_str());

        // A GET's document goes back as a PUT (managedBy is dropped on the way in).
        let (_, mut doc) = server.admin("GET", &path, None);
        doc["displayName"] = json!("Edited by hand");
        let (status, replaced) = server.admin("PUT", &path, Some(&doc));
        assert_eq!(status, 200, "{replaced}");
        assert_eq!(replaced["displayName"], "Edited by hand");
        assert_eq!(replaced["managedBy"], "admin");

        // Disable.
        let (status, patched) = server.admin(
            "PATCH",
            &path,
            Some(&json!({"schemas": [PATCH_OP],
                "Operations": [{"op": "replace", "path": "active", "value": false}]})),
        );
        assert_eq!(status, 200, "{patched}");
        let (_, scim) = server.scim_call("GET", &format!("/Users/{id}"), None);
        assert_eq!(scim["active"], false);
        assert_eq!(scim["displayName"], "Edited by hand");

        // A password for the built-in directory (the admin API's endpoint).
        let (status, body) = server.admin(
            "PUT",
            &format!("/admin/users/{id}/password"),
            Some(&json!({"password": "correct horse battery staple"})),
        );
        assert_eq!(status, 204, "{body}");

        let (status, _) = server.admin("DELETE", &path, None);
        assert_eq!(status, 204);
        let (status, _) = server.scim_call("GET", &format!("/Users/{id}"), None);
        assert_eq!(status, 404);
        let (status, body) = server.admin("GET", &path, None);
        assert_eq!(status, 404);
        assert_eq!(body["error"], "not_found");
    }
}

#[test]
fn bad_input_is_refused_as_scim_refuses_it_and_changes_nothing() {
    for server in servers(Profile::Full) {
        let taken = format!("taken-{}", unique());
        server.scim_user(&taken);
        let mut no_user_name = user_doc("x");
        no_user_name
            .as_object_mut()
            .expect("object")
            .remove("userName");
        let mut wrong_type = user_doc(&format!("t-{}", unique()));
        wrong_type["active"] = json!("yes");
        let mut unknown_schema = user_doc(&format!("s-{}", unique()));
        unknown_schema["schemas"] = json!(["urn:example:not-a-schema"]);
        // Every refused document carries this marker, so what one might have created is found.
        let marker = format!("refused-{}", unique());
        for (why, mut doc) in [
            ("userName is required (RFC 7643 §4.1)", no_user_name),
            ("active is a boolean", wrong_type),
            ("a schema the server does not have", unknown_schema),
            (
                "userName taken, in another case",
                user_doc(&taken.to_uppercase()),
            ),
        ] {
            doc["externalId"] = json!(marker);
            let (scim_status, scim) = server.scim_call("POST", "/Users", Some(&doc));
            let (status, body) = server.admin("POST", "/admin/users", Some(&doc));
            assert!(status == 400 || status == 409, "{why}: {status} {body}");
            assert_eq!(status, scim_status, "{why}: admin {body} vs SCIM {scim}");
            assert!(
                body["error"].is_string() && body["message"].is_string(),
                "{why}"
            );
        }
        for (why, content_type, text, status, code) in [
            ("not JSON", "application/json", "{", 400, "invalid_syntax"),
            (
                "not a JSON media type",
                "text/plain",
                "{}",
                415,
                "unsupported_media_type",
            ),
        ] {
            let admin = server.admin.clone();
            let (got, body) = server.send(
                Some(&admin),
                "POST",
                "/admin/users",
                content_type,
                Some(text.into()),
            );
            assert_eq!((got, body["error"].as_str()), (status, Some(code)), "{why}");
        }
        assert_eq!(
            users_with_external_id(&server, &marker),
            0,
            "nothing was created"
        );

        // A bad replace leaves the hand-made user as it was.
        let name = format!("keep-{}", unique());
        let (_, created) = server.admin("POST", "/admin/users", Some(&user_doc(&name)));
        let id = created["id"].as_str().expect("id").to_owned();
        let before = version(&server, &format!("/Users/{id}"));
        let mut bad = user_doc(&taken);
        bad["displayName"] = json!("should not stick");
        let (status, body) = server.admin("PUT", &format!("/admin/users/{id}"), Some(&bad));
        assert_eq!(status, 409, "{body}");
        let (status, body) = server.admin(
            "PATCH",
            &format!("/admin/users/{id}"),
            Some(&json!({"schemas": [PATCH_OP], "Operations": [{"op": "explode"}]})),
        );
        assert_eq!(status, 400, "{body}");
        assert_eq!(version(&server, &format!("/Users/{id}")), before);
    }
}

#[test]
fn groups_by_hand_with_members_and_scim_groups_read_only() {
    for server in servers(Profile::Full) {
        let scim_member = server.scim_user(&format!("m-{}", unique()));
        let (_, hand) = server.admin(
            "POST",
            "/admin/users",
            Some(&user_doc(&format!("h-{}", unique()))),
        );
        let hand_member = hand["id"].as_str().expect("id").to_owned();
        let name = format!("Team {}", unique());
        let (status, group) = server.admin(
            "POST",
            "/admin/groups",
            Some(&group_doc(&name, &[&scim_member, &hand_member])),
        );
        assert_eq!(status, 201, "{group}");
        assert_eq!(group["managedBy"], "admin");
        let gid = group["id"].as_str().expect("id").to_owned();
        let (_, user) = server.scim_call("GET", &format!("/Users/{scim_member}"), None);
        assert_eq!(user["groups"][0]["value"], gid.as_str());

        // Drop a member.
        let (status, patched) = server.admin(
            "PATCH",
            &format!("/admin/groups/{gid}"),
            Some(&json!({"schemas": [PATCH_OP], "Operations": [
                {"op": "remove", "path": format!("members[value eq \"{scim_member}\"]")}]})),
        );
        assert_eq!(status, 200, "{patched}");
        let members: Vec<&str> = patched["members"]
            .as_array()
            .expect("members")
            .iter()
            .filter_map(|m| m["value"].as_str())
            .collect();
        assert_eq!(members, vec![hand_member.as_str()]);

        // An unknown member changes nothing.
        let before = version(&server, &format!("/Groups/{gid}"));
        let (status, body) = server.admin(
            "PUT",
            &format!("/admin/groups/{gid}"),
            Some(&group_doc(&name, &["no-such-user"])),
        );
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("unknown_member"))
        );
        assert_eq!(version(&server, &format!("/Groups/{gid}")), before);

        let scim_group = server.scim_group(&format!("IdP {}", unique()), &[&scim_member]);
        let (status, body) = server.admin("DELETE", &format!("/admin/groups/{scim_group}"), None);
        assert_eq!(
            (status, body["error"].as_str()),
            (403, Some("managed_by_scim"))
        );
        let (status, _) = server.scim_call("GET", &format!("/Groups/{scim_group}"), None);
        assert_eq!(status, 200, "still there");

        let (status, _) = server.admin("DELETE", &format!("/admin/groups/{gid}"), None);
        assert_eq!(status, 204);
    }
}

#[test]
fn lists_take_a_scim_filter_and_tokens_are_checked() {
    for server in servers(Profile::Full) {
        let name = format!("find-{}", unique());
        server.scim_user(&name);
        let (status, body) = server.admin(
            "GET",
            &format!("/admin/users?filter=userName%20eq%20%22{name}%22"),
            None,
        );
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["totalResults"], 1);
        assert_eq!(body["Resources"][0]["userName"], name.as_str());
        assert_eq!(body["Resources"][0]["managedBy"], "scim");

        let (status, body) = server.admin("GET", "/admin/users?filter=userName%20eq", None);
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_filter"))
        );

        let scim = server.scim.clone();
        for (token, status, code) in [
            (None, 401, "unauthorized"),
            (Some("not-a-token"), 401, "invalid_token"),
            (Some(scim.as_str()), 403, "insufficient_scope"),
        ] {
            let (got, body) = server.send(token, "GET", "/admin/users", "", None);
            assert_eq!((got, body["error"].as_str()), (status, Some(code)));
            let (got, _) = server.send(
                token,
                "POST",
                "/admin/groups",
                "application/json",
                Some(group_doc("x", &[]).to_string()),
            );
            assert_eq!(got, status);
        }
        let (status, body) = server.admin("POST", "/admin/users/some-id", None);
        assert_eq!(
            (status, body["error"].as_str()),
            (405, Some("method_not_allowed"))
        );
    }
}

#[test]
fn the_aws_profile_rules_apply_to_hand_made_users_too() {
    for server in servers(Profile::Aws) {
        // AWS requires displayName, givenName and familyName (research/scim.md); SCIM and the
        // admin API refuse the same document alike.
        let mut doc = user_doc(&format!("aws-{}", unique()));
        doc.as_object_mut().expect("object").remove("displayName");
        let (scim_status, _) = server.scim_call("POST", "/Users", Some(&doc));
        let (status, body) = server.admin("POST", "/admin/users", Some(&doc));
        assert_eq!(status, scim_status, "{body}");
        assert_eq!(status, 400, "{body}");

        // Group members are shown to administrators although AWS's SCIM never returns them.
        let member = server.scim_user(&format!("aws-m-{}", unique()));
        let (status, group) = server.admin(
            "POST",
            "/admin/groups",
            Some(&group_doc(&format!("AWS {}", unique()), &[&member])),
        );
        assert_eq!(status, 201, "{group}");
        let gid = group["id"].as_str().expect("id");
        let (_, shown) = server.admin("GET", &format!("/admin/groups/{gid}"), None);
        assert_eq!(shown["members"][0]["value"], member.as_str());
        let (_, scim) = server.scim_call("GET", &format!("/Groups/{gid}"), None);
        assert!(scim.get("members").is_none(), "{scim}");
    }
}
