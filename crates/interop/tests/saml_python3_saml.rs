//! python3-saml (OneLogin's toolkit, PyPI 1.16.0, on python-xmlsec/libxmlsec1) as the SP for
//! responses our IdP issues: strict mode, deprecated algorithms rejected, signed assertions
//! (and signed messages) wanted. It runs in the virtualenv `.ci/run` makes
//! (`FEDKIT_PEERS_VENV`). python3-saml reads the system clock, so these responses are issued
//! at the real current time (interop may read the clock; the libraries never do).

#[path = "../../saml/tests/support/fixtures.rs"]
mod fixtures;

use chrono::{DateTime, Utc};
use fedkit_saml::names::NAMEID_EMAIL;
use fedkit_saml::{
    Attribute, IdentityProvider, NameId, ResponseParams, SignatureScope, encode_post,
};
use fixtures::*;
use std::io::Write as _;
use std::process::{Command, Stdio};

const SP_SCRIPT: &str = r#"
import json, sys
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from onelogin.saml2.response import OneLogin_Saml2_Response
cfg = json.loads(sys.argv[1])
settings = OneLogin_Saml2_Settings({
    "strict": True,
    "sp": {"entityId": cfg["sp"],
           "assertionConsumerService": {"url": cfg["acs"], "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"}},
    "idp": {"entityId": cfg["idp"],
            "singleSignOnService": {"url": "https://idp.example.com/sso", "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"},
            "x509cert": cfg["cert"]},
    "security": {"wantAssertionsSigned": cfg["want_assertions_signed"],
                 "wantMessagesSigned": cfg["want_messages_signed"],
                 "rejectDeprecatedAlgorithm": True},
}, sp_validation_only=True)
response = OneLogin_Saml2_Response(settings, sys.stdin.read().strip())
request = {"http_host": "sp.example.com", "script_name": "/acs", "https": "on"}
ok = response.is_valid(request, cfg["request_id"], raise_exceptions=False)
print(json.dumps({"ok": ok, "error": response.get_error(),
                  "name_id": response.get_nameid() if ok else None,
                  "attributes": response.get_attributes() if ok else None}))
"#;

fn python3_saml(posted: &str, want_messages_signed: bool) -> serde_json::Value {
    let venv = std::env::var("FEDKIT_PEERS_VENV").expect(
        "FEDKIT_PEERS_VENV must name a virtualenv with python3-saml==1.16.0 (.ci/run makes it)",
    );
    let cert: String = IDP_CERT
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let cfg = serde_json::json!({
        "sp": SP, "acs": ACS, "idp": IDP, "cert": cert, "request_id": "_req1",
        "want_assertions_signed": !want_messages_signed, "want_messages_signed": want_messages_signed,
    });
    let mut child = Command::new(format!("{venv}/bin/python"))
        .args(["-c", SP_SCRIPT, &cfg.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(posted.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

fn issue(idp: &IdentityProvider, scope: SignatureScope) -> String {
    let mut p = ResponseParams::new(ACS, SP, NameId::new("alice@example.com", NAMEID_EMAIL));
    p.in_response_to = Some("_req1".to_owned());
    p.scope = scope;
    p.attributes
        .push(Attribute::strings("groups", ["admins", "staff"]));
    encode_post(
        &idp.response(
            &p,
            DateTime::<Utc>::from(std::time::SystemTime::now()),
            &mut TestRng(41),
        )
        .expect("issue"),
    )
}

#[test]
fn python3_saml_accepts_assertion_signed_and_response_signed() {
    let idp = idp();
    for (scope, want_messages_signed) in [
        (SignatureScope::Assertion, false),
        (SignatureScope::Response, true),
        (SignatureScope::Both, true),
    ] {
        let verdict = python3_saml(&issue(&idp, scope), want_messages_signed);
        assert_eq!(verdict["ok"], true, "{scope:?}: {verdict}");
        assert_eq!(verdict["name_id"], "alice@example.com");
        assert_eq!(
            verdict["attributes"]["groups"],
            serde_json::json!(["admins", "staff"])
        );
    }
}

#[test]
fn python3_saml_refuses_what_it_should() {
    // The peer is not a rubber stamp: another key, and a missing message signature.
    let attacker = IdentityProvider::new(
        IDP,
        &credential(ATTACKER_KEY, ATTACKER_CERT),
        fedkit_certs::default_provider(),
    )
    .expect("idp");
    let forged = python3_saml(&issue(&attacker, SignatureScope::Assertion), false);
    assert_eq!(forged["ok"], false, "{forged}");
    let unsigned_message = python3_saml(&issue(&idp(), SignatureScope::Assertion), true);
    assert_eq!(unsigned_message["ok"], false, "{unsigned_message}");
}
