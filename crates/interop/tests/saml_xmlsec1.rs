//! fedkit-saml and fedkit-xmldsig's XML Encryption against the `xmlsec1` command (libxmlsec1
//! with OpenSSL): a response signed by xmlsec1 is accepted by our SP; assertions we encrypt
//! decrypt with `xmlsec1 --decrypt`; data xmlsec1 encrypts (AES-GCM, and AES-CBC with the
//! `legacy_aes_cbc` opt-in, which is refused without it; RSA-OAEP)
//! decrypts with ours.

#[path = "../../saml/tests/support/fixtures.rs"]
mod fixtures;
#[path = "../../saml/tests/support/template.rs"]
mod template;

use fedkit_certs::{Certificate, PrivateKey};
use fedkit_saml::{InMemoryReplayCache, InMemoryRequestTracker};
use fedkit_xml::Document;
use fedkit_xmldsig::xmlenc::{self, ContentAlgorithm, DecryptPolicy, XENC_NS};
use fixtures::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../saml/tests/data/keys");

fn key_path(name: &str) -> PathBuf {
    Path::new(KEYS).join(name)
}

fn xmlsec1(args: &[&std::ffi::OsStr]) -> (bool, Vec<u8>, String) {
    let out = Command::new("xmlsec1")
        .args(args)
        .output()
        .expect("xmlsec1 on PATH (apt-get install xmlsec1)");
    (
        out.status.success(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const SIGNATURE_TEMPLATE: &str = concat!(
    "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>",
    "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>",
    "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>",
    "<ds:Reference URI=\"#_assert1\"><ds:Transforms>",
    "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>",
    "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>",
    "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>",
    "<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/>",
    "<ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>"
);

#[test]
fn a_response_signed_by_xmlsec1_is_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let parts = template::defaults();
    let assertion = template::assertion(&parts).replacen(
        "</saml:Issuer>",
        &format!("</saml:Issuer>{SIGNATURE_TEMPLATE}"),
        1,
    );
    let unsigned = template::response(&parts, &assertion);
    let input = dir.path().join("template.xml");
    std::fs::write(&input, &unsigned).expect("write");
    let (ok, signed, err) = xmlsec1(&[
        "--sign".as_ref(),
        "--privkey-pem".as_ref(),
        format!(
            "{},{}",
            key_path("idp.key.pem").display(),
            key_path("idp.cert.pem").display()
        )
        .as_ref(),
        "--id-attr:ID".as_ref(),
        "urn:oasis:names:tc:SAML:2.0:assertion:Assertion".as_ref(),
        input.as_os_str(),
    ]);
    assert!(ok, "xmlsec1 --sign: {err}");
    let mut tracker = InMemoryRequestTracker::new();
    tracker.track("_req1", "2027-01-01T01:00:00Z".parse().expect("time"));
    let verified = sp()
        .validate_xml(&signed, t0(), &mut tracker, &mut InMemoryReplayCache::new())
        .expect("our SP accepts the xmlsec1-signed response");
    assert_eq!(verified.name_id().value, "alice@example.com");
    // And a byte of signed content changed after xmlsec1 signed it is refused.
    let tampered = String::from_utf8(signed)
        .expect("utf-8")
        .replace(">admins<", ">root<");
    let mut tracker = InMemoryRequestTracker::new();
    tracker.track("_req1", "2027-01-01T01:00:00Z".parse().expect("time"));
    let err = sp()
        .validate_xml(
            tampered.as_bytes(),
            t0(),
            &mut tracker,
            &mut InMemoryReplayCache::new(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "digest_mismatch");
}

#[test]
fn what_we_encrypt_xmlsec1_decrypts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cert = Certificate::parse(SP_CERT).expect("cert");
    let plaintext = template::assertion(&template::defaults());
    for algorithm in [
        ContentAlgorithm::Aes128Gcm,
        ContentAlgorithm::Aes256Gcm,
        ContentAlgorithm::Aes128Cbc,
        ContentAlgorithm::Aes256Cbc,
    ] {
        let encrypted = xmlenc::encrypt(plaintext.as_bytes(), &cert, algorithm, &mut TestRng(31))
            .expect("encrypt");
        let wrapped = format!(
            "<saml:EncryptedAssertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\">{encrypted}</saml:EncryptedAssertion>"
        );
        let input = dir.path().join("encrypted.xml");
        std::fs::write(&input, &wrapped).expect("write");
        let (ok, out, err) = xmlsec1(&[
            "--decrypt".as_ref(),
            "--privkey-pem".as_ref(),
            key_path("sp.key.pem").as_os_str(),
            input.as_os_str(),
        ]);
        assert!(ok, "{algorithm:?}: xmlsec1 --decrypt: {err}");
        let out = String::from_utf8(out).expect("utf-8");
        assert!(
            out.contains("<saml:NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress\">alice@example.com</saml:NameID>"),
            "{algorithm:?}: {out}"
        );
    }
}

#[test]
fn what_xmlsec1_encrypts_we_decrypt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plaintext = template::assertion(&template::defaults());
    let data = dir.path().join("plain.xml");
    std::fs::write(&data, &plaintext).expect("write");
    let key = PrivateKey::from_pem(SP_KEY).expect("key");
    for (uri, session) in [
        ("http://www.w3.org/2009/xmlenc11#aes128-gcm", "aes-128"),
        ("http://www.w3.org/2009/xmlenc11#aes256-gcm", "aes-256"),
        ("http://www.w3.org/2001/04/xmlenc#aes128-cbc", "aes-128"),
        ("http://www.w3.org/2001/04/xmlenc#aes256-cbc", "aes-256"),
    ] {
        let template = format!(
            concat!(
                "<xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\" Type=\"http://www.w3.org/2001/04/xmlenc#Element\">",
                "<xenc:EncryptionMethod Algorithm=\"{uri}\"/>",
                "<ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><xenc:EncryptedKey>",
                "<xenc:EncryptionMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p\"/>",
                "<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>",
                "<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>"
            ),
            uri = uri
        );
        let tmpl = dir.path().join("template.xml");
        std::fs::write(&tmpl, template).expect("write");
        let (ok, out, err) = xmlsec1(&[
            "--encrypt".as_ref(),
            "--pubkey-cert-pem".as_ref(),
            key_path("sp.cert.pem").as_os_str(),
            "--session-key".as_ref(),
            session.as_ref(),
            "--binary-data".as_ref(),
            data.as_os_str(),
            tmpl.as_os_str(),
        ]);
        assert!(ok, "{uri}: xmlsec1 --encrypt: {err}");
        let doc = Document::parse(&out).expect("xmlsec1 output parses");
        let root = doc.document_element();
        assert!(
            doc.name(root)
                .is_some_and(|n| n.is(Some(XENC_NS), "EncryptedData"))
        );
        // AES-CBC is refused by default, before decryption, and decrypts with the opt-in.
        let cbc = uri.ends_with("-cbc");
        let default = xmlenc::decrypt(&doc, root, &[], &key, &DecryptPolicy::default());
        if cbc {
            let err = default.expect_err(uri);
            assert_eq!(err.code(), "encryption_method_not_allowed", "{uri}");
        } else {
            assert_eq!(default.expect(uri), plaintext.as_bytes(), "{uri}");
        }
        let policy = DecryptPolicy::default().legacy_aes_cbc();
        let plain = xmlenc::decrypt(&doc, root, &[], &key, &policy)
            .unwrap_or_else(|e| panic!("{uri}: {e}"));
        assert_eq!(plain, plaintext.as_bytes(), "{uri}");
    }
}
