//! The attack corpus of research/saml.md §2, built as our own documents from an honest signed
//! response: none is accepted, each is refused with the code data/attacks.toml names, and
//! nothing panics on any prefix or byte change of a response.

#[path = "support/fixtures.rs"]
mod fixtures;
#[path = "support/template.rs"]
mod template;

use fedkit_saml::{
    InMemoryReplayCache, InMemoryRequestTracker, RedirectLimits, RedirectQuery, ServiceProvider,
};
use fixtures::*;
use std::collections::BTreeMap;

#[derive(serde::Deserialize)]
struct Table {
    attack: Vec<Attack>,
}

#[derive(serde::Deserialize)]
struct Attack {
    name: String,
    expect: String,
    #[allow(dead_code)]
    source: String,
}

fn parts() -> BTreeMap<&'static str, String> {
    template::defaults()
}

/// The honest assertion, signed by the IdP.
fn signed_assertion() -> String {
    sign_id(
        &template::assertion(&parts()),
        "_assert1",
        IDP_KEY,
        IDP_CERT,
    )
}

/// An unsigned assertion for the attacker's user, with its own ID.
fn evil_assertion(id: &str) -> String {
    let mut p = parts();
    p.insert("assertion_id", id.to_owned());
    p.insert("name_id", "admin@example.com".to_owned());
    template::assertion(&p)
}

fn response_with(inner: &str) -> String {
    template::response(&parts(), inner)
}

fn signed_response() -> String {
    sign_id(
        &response_with(&template::assertion(&parts())),
        "_resp1",
        IDP_KEY,
        IDP_CERT,
    )
}

/// The `ds:Signature` element of a signed document, as text.
fn signature_of(xml: &str) -> String {
    let start = xml.find("<ds:Signature").expect("signature");
    let end = xml.find("</ds:Signature>").expect("end") + "</ds:Signature>".len();
    xml[start..end].to_owned()
}

fn without_signature(xml: &str) -> String {
    xml.replace(&signature_of(xml), "")
}

fn build(name: &str) -> String {
    let signed = signed_assertion();
    let sig = signature_of(&signed);
    match name {
        "honest" => response_with(&signed),
        // CVE-2017-11427: the IdP signed alice@example.com.evil.com; a comment splits it.
        "comment_in_name_id" => {
            let mut p = parts();
            p.insert("name_id", "alice@example.com<!---->.evil.com".to_owned());
            let a = sign_id(&template::assertion(&p), "_assert1", IDP_KEY, IDP_CERT);
            response_with(&a)
        }
        // CVE-2022-41912: the signed assertion and an edited unsigned copy.
        "two_assertions" => response_with(&format!("{signed}{}", evil_assertion("_evil"))),
        // SAMLRaider XSW1/XSW2: an evil Response carrying the original signed Response inside its
        // signature (1) or beside it (2).
        "xsw1_response_inside_signature" => {
            let original = signed_response();
            let sig = signature_of(&original);
            let nested = sig.replace(
                "</ds:Signature>",
                &format!("{}</ds:Signature>", without_signature(&original)),
            );
            let mut p = parts();
            p.insert("response_id", "_evilresp".to_owned());
            template::response(&p, &evil_assertion("_evil")).replacen(
                "<samlp:Status>",
                &format!("{nested}<samlp:Status>"),
                1,
            )
        }
        "xsw2_response_beside_signature" => {
            let original = signed_response();
            let sig = signature_of(&original);
            let mut p = parts();
            p.insert("response_id", "_evilresp".to_owned());
            template::response(&p, &evil_assertion("_evil")).replacen(
                "<samlp:Status>",
                &format!("{sig}{}<samlp:Status>", without_signature(&original)),
                1,
            )
        }
        // XSW3/XSW4: an evil assertion before the signed one, or wrapping it.
        "xsw3_evil_assertion_first" => {
            response_with(&format!("{}{signed}", evil_assertion("_evil")))
        }
        "xsw4_evil_assertion_wraps_original" => {
            let evil = evil_assertion("_evil");
            response_with(&evil.replace("</saml:Assertion>", &format!("{signed}</saml:Assertion>")))
        }
        // XSW5–XSW8: the evil assertion carries the original signature; the original sits
        // elsewhere (after, inside the signature, inside an Object, in Extensions).
        "xsw5_signature_copied_original_after" => {
            let evil = evil_assertion("_evil").replacen(
                "</saml:Issuer>",
                &format!("</saml:Issuer>{sig}"),
                1,
            );
            response_with(&format!("{evil}{}", without_signature(&signed)))
        }
        "xsw6_original_inside_copied_signature" => {
            let nested = sig.replace(
                "</ds:Signature>",
                &format!("{}</ds:Signature>", without_signature(&signed)),
            );
            response_with(&evil_assertion("_evil").replacen(
                "</saml:Issuer>",
                &format!("</saml:Issuer>{nested}"),
                1,
            ))
        }
        "xsw8_original_in_signature_object" => {
            let nested = sig.replace(
                "</ds:Signature>",
                &format!(
                    "<ds:Object>{}</ds:Object></ds:Signature>",
                    without_signature(&signed)
                ),
            );
            response_with(&evil_assertion("_evil").replacen(
                "</saml:Issuer>",
                &format!("</saml:Issuer>{nested}"),
                1,
            ))
        }
        "xsw7_original_in_extensions" => response_with(&format!(
            "<samlp:Extensions>{signed}</samlp:Extensions>{}",
            evil_assertion("_evil")
        )),
        // OneUptime #2949: the signed assertion hidden in Extensions, a forged twin with its ID.
        "twin_with_same_id" => response_with(&format!(
            "<samlp:Extensions>{signed}</samlp:Extensions>{}",
            evil_assertion("_assert1")
        )),
        // CVE-2024-32962: re-signed by the attacker, attacker certificate in KeyInfo.
        "attacker_key_in_key_info" => {
            let mut p = parts();
            p.insert("name_id", "admin@example.com".to_owned());
            response_with(&sign_id(
                &template::assertion(&p),
                "_assert1",
                ATTACKER_KEY,
                ATTACKER_CERT,
            ))
        }
        "signature_stripped" => response_with(&without_signature(&signed)),
        // CVE-2025-54419: signed content edited after the signature.
        "signed_content_edited" => response_with(
            &signed.replace("<saml:AttributeValue>admins", "<saml:AttributeValue>root"),
        ),
        // CVE-2018-7644 / xml-crypto <2.0: HMAC with the public key as the secret.
        "hmac_signature_method" => response_with(&signed.replace(
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
        )),
        // CVE-2020-15216 / CVE-2025-29774: two SignedInfo.
        "two_signed_info" => {
            let start = signed.find("<ds:SignedInfo>").expect("si");
            let end = signed.find("</ds:SignedInfo>").expect("si end") + "</ds:SignedInfo>".len();
            let si = &signed[start..end];
            response_with(&signed.replacen(si, &format!("{si}{si}"), 1))
        }
        // CVE-2022-39299: a second document element.
        "two_roots" => format!(
            "{}{}",
            response_with(&signed),
            response_with(&evil_assertion("_evil"))
        ),
        // XXE / billion laughs: any DOCTYPE.
        "doctype" => format!("<!DOCTYPE r [<!ENTITY x \"x\">]>{}", response_with(&signed)),
        // CVE-2026-33487 shape: a second Reference to another element.
        "two_references" => {
            let start = signed.find("<ds:Reference").expect("ref");
            let end = signed.find("</ds:Reference>").expect("ref end") + "</ds:Reference>".len();
            let reference = &signed[start..end];
            response_with(&signed.replacen(
                reference,
                &format!("{reference}{}", reference.replace("#_assert1", "#_resp1")),
                1,
            ))
        }
        // An EncryptedAssertion beside the signed assertion.
        "assertion_and_encrypted_assertion" => response_with(&format!(
            "{signed}<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\"/></saml:EncryptedAssertion>"
        )),
        other => panic!("no builder for {other}"),
    }
}

fn validate(
    sp: &ServiceProvider,
    xml: &[u8],
) -> Result<fedkit_saml::VerifiedAssertion, fedkit_saml::Error> {
    let mut tracker = InMemoryRequestTracker::new();
    tracker.track("_req1", "2027-01-01T01:00:00Z".parse().expect("time"));
    sp.validate_xml(xml, t0(), &mut tracker, &mut InMemoryReplayCache::new())
}

#[test]
fn every_attack_is_refused_with_its_code() {
    let table: Table = toml::from_str(include_str!("data/attacks.toml")).expect("table");
    let sp = sp();
    let mut failures = Vec::new();
    for attack in &table.attack {
        let xml = build(&attack.name);
        let got = match validate(&sp, xml.as_bytes()) {
            Ok(v)
                if attack.expect == "ok_full_text"
                    && v.name_id().value == "alice@example.com.evil.com" =>
            {
                "ok_full_text".to_owned()
            }
            Ok(v) => format!("accepted as {}", v.name_id().value),
            Err(e) => e.code().to_owned(),
        };
        if got != attack.expect {
            failures.push(format!(
                "{}: expected {}, got {got}",
                attack.name, attack.expect
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn deflate_bomb_over_redirect_stops_at_the_limit() {
    use base64::Engine as _;
    use std::io::Write as _;
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&vec![b' '; 4 << 20]).expect("deflate");
    let bomb = base64::engine::general_purpose::STANDARD.encode(encoder.finish().expect("finish"));
    let query = format!(
        "SAMLRequest={}",
        bomb.replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    );
    let limits = RedirectLimits::default();
    let parsed = RedirectQuery::parse(&query, &limits).expect("small enough to parse");
    assert_eq!(
        parsed.accept_unsigned(&limits).unwrap_err().code(),
        "inflated_too_large"
    );
}

#[test]
fn no_prefix_and_no_byte_change_panics_or_verifies() {
    let sp = sp();
    let honest = build("honest");
    assert!(validate(&sp, honest.as_bytes()).is_ok());
    let bytes = honest.as_bytes();
    for end in 0..bytes.len() {
        assert!(
            validate(&sp, &bytes[..end]).is_err(),
            "prefix {end} accepted"
        );
    }
    // Every 13th byte flipped: parse errors, signature failures, or a still-valid document
    // when the byte sits outside what is signed and read (whitespace, the Response's own ID, a
    // namespace declaration exclusive C14N leaves out) — then every claim is unchanged.
    let claims = |v: &fedkit_saml::VerifiedAssertion| {
        let a = v.assertion();
        let texts: Vec<Vec<String>> = a
            .attributes
            .iter()
            .map(|x| x.values.iter().map(|v| v.text.clone()).collect())
            .collect();
        (
            a.id.clone(),
            a.issuer.clone(),
            v.name_id().clone(),
            texts,
            v.not_on_or_after(),
        )
    };
    let expected = claims(&validate(&sp, bytes).expect("honest"));
    for i in (0..bytes.len()).step_by(13) {
        let mut changed = bytes.to_vec();
        changed[i] ^= 0x20;
        if let Ok(v) = validate(&sp, &changed) {
            assert_eq!(claims(&v), expected, "byte {i} changed a claim");
        }
    }
}
