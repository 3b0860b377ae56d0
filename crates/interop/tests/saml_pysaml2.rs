//! Responses made and signed by pysaml2 (PyPI 7.5.0, signing through the xmlsec1 command) as
//! the IdP are accepted by our SP, signed on the assertion or on the response; pysaml2's
//! default RSA-SHA1 is refused unless the SP opts into `VerifyPolicy::legacy_sha1`. It runs in
//! the virtualenv `.ci/run` makes (`FEDKIT_PEERS_VENV`); pysaml2 stamps the real time, so the
//! SP validates at the real time (interop may read the clock; the libraries never do).

#[path = "../../saml/tests/support/fixtures.rs"]
mod fixtures;

use chrono::{DateTime, TimeDelta, Utc};
use fedkit_saml::{InMemoryReplayCache, InMemoryRequestTracker, ServiceProvider};
use fedkit_xmldsig::VerifyPolicy;
use fixtures::*;
use std::process::Command;

const IDP_SCRIPT: &str = r#"
import json, shutil, sys, warnings
warnings.simplefilter("ignore")
from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.server import Server
from saml2.saml import NameID, NAMEID_FORMAT_EMAILADDRESS
from saml2.authn_context import PASSWORDPROTECTEDTRANSPORT
cfg = json.loads(sys.argv[1])
conf = IdPConfig()
conf.load({
    "entityid": cfg["idp"],
    "service": {"idp": {"endpoints": {"single_sign_on_service": [("https://idp.example.com/sso", BINDING_HTTP_REDIRECT)]},
                        "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                        "policy": {"default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None}}}},
    "key_file": cfg["key"], "cert_file": cfg["cert"],
    "metadata": {"local": [cfg["sp_metadata"]]},
    "xmlsec_binary": shutil.which("xmlsec1"),
})
server = Server(config=conf)
extra = {}
if cfg["sha256"]:
    extra = {"sign_alg": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
             "digest_alg": "http://www.w3.org/2001/04/xmlenc#sha256"}
resp = server.create_authn_response(
    {"groups": ["admins", "staff"]}, in_response_to="_req1", destination=cfg["acs"], sp_entity_id=cfg["sp"],
    name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text="alice@example.com"),
    authn={"class_ref": PASSWORDPROTECTEDTRANSPORT},
    sign_response=cfg["sign_response"], sign_assertion=cfg["sign_assertion"], **extra)
sys.stdout.write(str(resp))
"#;

fn pysaml2(dir: &tempfile::TempDir, sign_response: bool, sha256: bool) -> Vec<u8> {
    let venv = std::env::var("FEDKIT_PEERS_VENV")
        .expect("FEDKIT_PEERS_VENV must name a virtualenv with pysaml2==7.5.0 (.ci/run makes it)");
    let sp_metadata = dir.path().join("sp.xml");
    std::fs::write(
        &sp_metadata,
        format!(
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{SP}"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{ACS}" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>"#
        ),
    )
    .expect("write");
    let keys = concat!(env!("CARGO_MANIFEST_DIR"), "/../saml/tests/data/keys");
    let cfg = serde_json::json!({
        "idp": IDP, "sp": SP, "acs": ACS,
        "key": format!("{keys}/idp.key.pem"), "cert": format!("{keys}/idp.cert.pem"),
        "sp_metadata": sp_metadata, "sign_response": sign_response, "sign_assertion": !sign_response,
        "sha256": sha256,
    });
    let out = Command::new(format!("{venv}/bin/python"))
        .args(["-c", IDP_SCRIPT, &cfg.to_string()])
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn validate(sp: &ServiceProvider, xml: &[u8]) -> Result<String, &'static str> {
    let now = DateTime::<Utc>::from(std::time::SystemTime::now());
    let mut tracker = InMemoryRequestTracker::new();
    tracker.track("_req1", now + TimeDelta::minutes(10));
    sp.validate_xml(xml, now, &mut tracker, &mut InMemoryReplayCache::new())
        .map(|v| v.name_id().value.clone())
        .map_err(|e| e.code())
}

#[test]
fn pysaml2_responses_are_accepted_signed_either_way() {
    let dir = tempfile::tempdir().expect("tempdir");
    for sign_response in [false, true] {
        let xml = pysaml2(&dir, sign_response, true);
        assert_eq!(
            validate(&sp(), &xml),
            Ok("alice@example.com".to_owned()),
            "sign_response={sign_response}"
        );
    }
}

#[test]
fn pysaml2_default_sha1_needs_the_legacy_opt_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let xml = pysaml2(&dir, false, false);
    assert_eq!(validate(&sp(), &xml), Err("algorithm_not_allowed"));
    let legacy = sp().with_policy(VerifyPolicy::default().legacy_sha1());
    assert_eq!(validate(&legacy, &xml), Ok("alice@example.com".to_owned()));
}
