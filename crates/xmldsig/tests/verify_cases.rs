//! The signature fixture table (`data/dsig/cases.toml`): every attack rejected with its own
//! code, every valid document verified, and the verified subtree being the signed one.

use chrono::{DateTime, TimeZone, Utc};
use fedkit_certs::{Certificate, TrustSet, default_provider};
use fedkit_xml::{Document, Limits};
use fedkit_xmldsig::{DSIG_NS, Error, Verifier, VerifyPolicy};

const SAML_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";

#[derive(serde::Deserialize)]
struct Table {
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    file: String,
    trust: Vec<String>,
    #[serde(default)]
    policy: Option<String>,
    #[serde(default)]
    element: Option<String>,
    expect: String,
    #[serde(default)]
    name_id: Option<String>,
    reason: String,
}

fn fixture(name: &str) -> &'static [u8] {
    match name {
        "comment-in-digest-value.xml" => include_bytes!("data/dsig/comment-in-digest-value.xml"),
        "depth-bomb.xml" => include_bytes!("data/dsig/depth-bomb.xml"),
        "doctype-external-entity.xml" => include_bytes!("data/dsig/doctype-external-entity.xml"),
        "doctype-internal-entity.xml" => include_bytes!("data/dsig/doctype-internal-entity.xml"),
        "external-uri.xml" => include_bytes!("data/dsig/external-uri.xml"),
        "hmac-sha256.xml" => include_bytes!("data/dsig/hmac-sha256.xml"),
        "manifest-type.xml" => include_bytes!("data/dsig/manifest-type.xml"),
        "no-enveloped-transform.xml" => include_bytes!("data/dsig/no-enveloped-transform.xml"),
        "object-in-signature.xml" => include_bytes!("data/dsig/object-in-signature.xml"),
        "retrieval-method.xml" => include_bytes!("data/dsig/retrieval-method.xml"),
        "rsa-sha1.xml" => include_bytes!("data/dsig/rsa-sha1.xml"),
        "tampered-name-id.xml" => include_bytes!("data/dsig/tampered-name-id.xml"),
        "tampered-signature-value.xml" => include_bytes!("data/dsig/tampered-signature-value.xml"),
        "two-references.xml" => include_bytes!("data/dsig/two-references.xml"),
        "two-signatures.xml" => include_bytes!("data/dsig/two-signatures.xml"),
        "two-signed-info.xml" => include_bytes!("data/dsig/two-signed-info.xml"),
        "valid-base64-whitespace.xml" => include_bytes!("data/dsig/valid-base64-whitespace.xml"),
        "valid-comment-in-name-id.xml" => include_bytes!("data/dsig/valid-comment-in-name-id.xml"),
        "valid-ecdsa-p256.xml" => include_bytes!("data/dsig/valid-ecdsa-p256.xml"),
        "valid-no-key-info.xml" => include_bytes!("data/dsig/valid-no-key-info.xml"),
        "valid-rsa-b.xml" => include_bytes!("data/dsig/valid-rsa-b.xml"),
        "valid-rsa-sha256.xml" => include_bytes!("data/dsig/valid-rsa-sha256.xml"),
        "valid-two-certs-in-key-info.xml" => {
            include_bytes!("data/dsig/valid-two-certs-in-key-info.xml")
        }
        "xpath-transform.xml" => include_bytes!("data/dsig/xpath-transform.xml"),
        "xpointer-uri.xml" => include_bytes!("data/dsig/xpointer-uri.xml"),
        "xslt-transform.xml" => include_bytes!("data/dsig/xslt-transform.xml"),
        "xsw-evil-twin-same-id.xml" => include_bytes!("data/dsig/xsw-evil-twin-same-id.xml"),
        "xsw-moved-assertion.xml" => include_bytes!("data/dsig/xsw-moved-assertion.xml"),
        other => panic!("no fixture {other}"),
    }
}

fn certificate(name: &str) -> Certificate {
    let pem: &[u8] = match name {
        "rsa-a" => include_bytes!("data/dsig/rsa-a.cert.pem"),
        "rsa-b" => include_bytes!("data/dsig/rsa-b.cert.pem"),
        "ec" => include_bytes!("data/dsig/ec.cert.pem"),
        other => panic!("no certificate {other}"),
    };
    Certificate::parse(pem).expect("test certificate parses")
}

fn trust(names: &[String]) -> TrustSet {
    let mut set = TrustSet::new();
    for name in names {
        set.import(certificate(name)).expect("import");
    }
    set
}

/// Inside the test certificates' validity (made 2026-12-03, valid 100 years).
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0)
        .single()
        .expect("valid date")
}

fn first_assertion(doc: &Document) -> fedkit_xml::NodeId {
    doc.child_elements(doc.document_element())
        .find(|&n| {
            doc.name(n)
                .is_some_and(|name| name.is(Some(SAML_NS), "Assertion"))
        })
        .expect("fixture has an Assertion child")
}

fn name_id_text(doc: &Document, subtree: fedkit_xml::NodeId) -> String {
    let name_id = doc
        .descendants(subtree)
        .find(|&n| {
            doc.name(n)
                .is_some_and(|name| name.is(Some(SAML_NS), "NameID"))
        })
        .expect("verified subtree holds a NameID");
    doc.text_content(name_id).into_owned()
}

fn run(case: &Case) -> Result<String, Error> {
    let doc = Document::parse(fixture(&case.file))?;
    let trust = trust(&case.trust);
    let policy = match case.policy.as_deref() {
        None | Some("default") => VerifyPolicy::default(),
        Some("legacy_sha1") => VerifyPolicy::default().legacy_sha1(),
        Some(other) => panic!("unknown policy {other}"),
    };
    let element = match case.element.as_deref() {
        None | Some("assertion") => first_assertion(&doc),
        Some("response") => doc.document_element(),
        Some(other) => panic!("unknown element {other}"),
    };
    let verifier = Verifier::new(&trust, &policy, default_provider());
    let verified = verifier.verify_enveloped(&doc, element, now())?;
    assert_eq!(
        verified.element(),
        element,
        "{}: verified another element",
        case.file
    );
    assert!(
        doc.name(verified.signature())
            .is_some_and(|n| n.is(Some(DSIG_NS), "Signature"))
    );
    Ok(name_id_text(verified.document(), verified.element()))
}

#[test]
fn every_case_has_its_outcome() {
    let table: Table = toml::from_str(include_str!("data/dsig/cases.toml")).expect("cases.toml");
    let mut failures = Vec::new();
    for case in &table.case {
        let outcome = std::panic::catch_unwind(|| run(case));
        let got = match outcome {
            Err(_) => "panic".to_owned(),
            Ok(Ok(name_id)) => {
                if case.name_id.as_deref().is_some_and(|want| want != name_id) {
                    failures.push(format!("{}: verified NameID {name_id:?}", case.file));
                }
                "verified".to_owned()
            }
            Ok(Err(e)) => e.code().to_owned(),
        };
        if got != case.expect {
            failures.push(format!(
                "{} (trust {:?}): got {got}, expected {} ({})",
                case.file, case.trust, case.expect, case.reason
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[derive(serde::Deserialize)]
struct Edits {
    edit: Vec<Edit>,
}

#[derive(serde::Deserialize)]
struct Edit {
    find: String,
    replace: String,
    expect: String,
    reason: String,
}

#[test]
fn every_structural_edit_is_refused_with_its_code() {
    let edits: Edits = toml::from_str(include_str!("data/dsig/edits.toml")).expect("edits.toml");
    let valid = std::str::from_utf8(fixture("valid-rsa-sha256.xml")).expect("UTF-8 fixture");
    let trust = trust(&["rsa-a".to_owned()]);
    let policy = VerifyPolicy::default();
    let verifier = Verifier::new(&trust, &policy, default_provider());
    let mut failures = Vec::new();
    for edit in &edits.edit {
        assert!(
            valid.contains(&edit.find),
            "edit target missing: {}",
            edit.find
        );
        let edited = valid.replacen(&edit.find, &edit.replace, 1);
        let got = match Document::parse(edited.as_bytes()) {
            Err(e) => e.code().to_owned(),
            Ok(doc) => match verifier.verify_enveloped(&doc, first_assertion(&doc), now()) {
                Ok(_) => "verified".to_owned(),
                Err(e) => e.code().to_owned(),
            },
        };
        if got != edit.expect {
            failures.push(format!(
                "{}: got {got}, expected {}",
                edit.reason, edit.expect
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_fixture_is_in_the_table() {
    let table: Table = toml::from_str(include_str!("data/dsig/cases.toml")).expect("cases.toml");
    for file in [
        "comment-in-digest-value.xml",
        "depth-bomb.xml",
        "doctype-external-entity.xml",
        "doctype-internal-entity.xml",
        "external-uri.xml",
        "hmac-sha256.xml",
        "manifest-type.xml",
        "no-enveloped-transform.xml",
        "object-in-signature.xml",
        "retrieval-method.xml",
        "rsa-sha1.xml",
        "tampered-name-id.xml",
        "tampered-signature-value.xml",
        "two-references.xml",
        "two-signatures.xml",
        "two-signed-info.xml",
        "valid-base64-whitespace.xml",
        "valid-comment-in-name-id.xml",
        "valid-ecdsa-p256.xml",
        "valid-no-key-info.xml",
        "valid-rsa-b.xml",
        "valid-rsa-sha256.xml",
        "valid-two-certs-in-key-info.xml",
        "xpath-transform.xml",
        "xpointer-uri.xml",
        "xslt-transform.xml",
        "xsw-evil-twin-same-id.xml",
        "xsw-moved-assertion.xml",
    ] {
        assert!(
            table.case.iter().any(|c| c.file == file),
            "{file} has no case"
        );
    }
}

#[test]
fn size_bomb_refused_at_the_limit_edge() {
    // The limit is fedkit-xml's; a signed document one byte over it never reaches the verifier.
    let valid = fixture("valid-rsa-sha256.xml");
    let at_limit = Limits {
        max_bytes: valid.len(),
        ..Limits::default()
    };
    assert!(Document::parse_with(valid, &at_limit).is_ok());
    let below = Limits {
        max_bytes: valid.len() - 1,
        ..Limits::default()
    };
    let err = Error::from(Document::parse_with(valid, &below).expect_err("over the limit"));
    assert_eq!(err.code(), "too_large");
}

#[test]
fn empty_trust_set_is_a_caller_error() {
    let doc = Document::parse(fixture("valid-rsa-sha256.xml")).expect("parses");
    let trust = TrustSet::new();
    let policy = VerifyPolicy::default();
    let err = Verifier::new(&trust, &policy, default_provider())
        .verify_enveloped(&doc, first_assertion(&doc), now())
        .expect_err("nothing trusted");
    assert_eq!(err.code(), "no_trusted_keys");
}

#[test]
fn verify_by_id_finds_the_element_or_says_so() {
    let doc = Document::parse(fixture("valid-rsa-sha256.xml")).expect("parses");
    let trust = trust(&["rsa-a".to_owned()]);
    let policy = VerifyPolicy::default();
    let verifier = Verifier::new(&trust, &policy, default_provider());
    let verified = verifier
        .verify_enveloped_id(&doc, "_assert1", now())
        .expect("verifies");
    assert_eq!(verified.element(), first_assertion(&doc));
    let missing = verifier
        .verify_enveloped_id(&doc, "_nope", now())
        .expect_err("no such ID");
    assert_eq!(missing.code(), "reference_not_found");
    // The Response has an ID but no signature of its own.
    let unsigned = verifier
        .verify_enveloped_id(&doc, "_resp1", now())
        .expect_err("unsigned");
    assert_eq!(unsigned.code(), "signature_not_found");
}
