//! fedkit's signatures against libxmlsec1, both ways, through the `xmlsec` crate and the
//! `xmlsec1` command: what we sign verifies there, what libxmlsec1 signs verifies here, and a
//! changed signed byte makes both reject. The documents cover SAML as IdPs send it plus
//! namespaces declared in odd places, default namespaces, attributes needing escapes, CRLF input
//! and non-ASCII text.

use std::io::Write;
use std::process::Command;
use std::sync::Mutex;

use chrono::{DateTime, TimeZone, Utc};
use fedkit_certs::{Certificate, PrivateKey, TrustSet, default_provider};
use fedkit_xml::{Document, NodeId};
use fedkit_xmldsig::{SignOptions, Verifier, VerifyPolicy, sign_enveloped};
use xmlsec::{XmlSecDocumentExt, XmlSecKey, XmlSecKeyFormat, XmlSecSignatureContext};

const SAML_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const KEY_PEM: &str = include_str!("../../xmldsig/tests/data/dsig/rsa-a.key.pem");
const CERT_PEM: &str = include_str!("../../xmldsig/tests/data/dsig/rsa-a.cert.pem");
const KEY_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../xmldsig/tests/data/dsig/rsa-a.key.pem"
);
const CERT_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../xmldsig/tests/data/dsig/rsa-a.cert.pem"
);

/// The marker every document carries in signed text; tampering changes it.
const MARKER: &str = "SIGNED-TEXT";

/// `{SIG}` is where a libxmlsec1 template goes (right after the Assertion's Issuer).
const DOCUMENTS: &[(&str, &str)] = &[
    (
        "saml",
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0"><saml:Issuer>https://idp.example</saml:Issuer><saml:Assertion ID="_a1" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"><saml:Issuer>https://idp.example</saml:Issuer>{SIG}<saml:Subject><saml:NameID>SIGNED-TEXT</saml:NameID></saml:Subject></saml:Assertion></samlp:Response>"#,
    ),
    (
        "odd-namespaces",
        r#"<p:Response xmlns:p="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:unused="urn:unused" xmlns:ds="urn:not-dsig"><a:Assertion xmlns:a="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:x="urn:x" ID="_a1"><a:Issuer xmlns:a="urn:oasis:names:tc:SAML:2.0:assertion">i</a:Issuer>{SIG}<x:Ext xmlns:x="urn:x2" x:k="v"><y:In xmlns:y="urn:y" xmlns:x="urn:x">SIGNED-TEXT</y:In></x:Ext></a:Assertion></p:Response>"#,
    ),
    (
        "default-namespaces",
        r#"<Response xmlns="urn:oasis:names:tc:SAML:2.0:protocol"><Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1"><Issuer>i</Issuer>{SIG}<Subject><NameID>SIGNED-TEXT</NameID><Extra xmlns="">no namespace</Extra></Subject></Assertion></Response>"#,
    ),
    (
        "escaping",
        r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1" b="a&amp;b&lt;c&gt;d&quot;e'f&#9;g&#10;h&#13;i"><saml:Issuer>i</saml:Issuer>{SIG}<saml:AttributeValue q='say "hi"'>SIGNED-TEXT &amp; &lt;tag&gt; ]]&gt; &#13; <![CDATA[<raw & cdata>]]></saml:AttributeValue></saml:Assertion>"#,
    ),
    (
        "crlf",
        "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_a1\">\r\n  <saml:Issuer>i</saml:Issuer>{SIG}\r\n  <saml:NameID>SIGNED-TEXT\r\nline two\rline three</saml:NameID>\r\n</saml:Assertion>\r\n",
    ),
    (
        "non-ascii",
        r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1" name="Zoë Ångström"><saml:Issuer>https://idp.例え.jp</saml:Issuer>{SIG}<saml:NameID>SIGNED-TEXT Zoë 日本語 😀 Ω</saml:NameID></saml:Assertion>"#,
    ),
];

/// libxmlsec1 and libxml2 keep global state; one call at a time.
static LIBXMLSEC: Mutex<()> = Mutex::new(());

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0)
        .single()
        .expect("date")
}

/// Deterministic: it only blinds the RSA operation in these tests.
struct CountingRng(u64);

impl rand_core::TryRng for CountingRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        Ok(self.0)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Self::Error> {
        for byte in dest {
            *byte = self.try_next_u64()? as u8;
        }
        Ok(())
    }
}
impl rand_core::TryCryptoRng for CountingRng {}

fn assertion(doc: &Document) -> NodeId {
    doc.descendants(doc.root())
        .find(|&n| {
            doc.name(n)
                .is_some_and(|name| name.is(Some(SAML_NS), "Assertion"))
        })
        .expect("document has an Assertion")
}

fn ours_sign(xml: &str) -> String {
    let provider = default_provider();
    let key = PrivateKey::from_pem(KEY_PEM).expect("key");
    let signing = provider.signing_key(&key).expect("signing key");
    let mut doc = Document::parse(xml.as_bytes()).expect("parses");
    let target = assertion(&doc);
    let options = SignOptions {
        certificate: Some(Certificate::parse(CERT_PEM).expect("cert")),
        ..SignOptions::default()
    };
    sign_enveloped(
        &mut doc,
        target,
        signing.as_ref(),
        &options,
        provider,
        &mut CountingRng(3),
    )
    .expect("signs");
    doc.to_xml()
}

fn ours_verify(xml: &str) -> Result<(), String> {
    let doc = Document::parse(xml.as_bytes()).map_err(|e| e.code().to_owned())?;
    let mut trust = TrustSet::new();
    trust
        .import(Certificate::parse(CERT_PEM).expect("cert"))
        .expect("import");
    let policy = VerifyPolicy::default();
    let target = assertion(&doc);
    let verified = Verifier::new(&trust, &policy, default_provider())
        .verify_enveloped(&doc, target, now())
        .map_err(|e| e.code().to_owned())?;
    assert_eq!(verified.element(), target);
    Ok(())
}

/// Verifies through the `xmlsec` crate (libxmlsec1 in process), registering SAML `ID`s.
fn libxmlsec_verify(xml: &str) -> bool {
    let _guard = LIBXMLSEC
        .lock()
        .unwrap_or_else(|poison| poison.into_inner());
    let Ok(doc) = libxml::parser::Parser::default().parse_string(xml) else {
        return false;
    };
    doc.specify_idattr("//saml:Assertion", "ID", Some(&[("saml", SAML_NS)]))
        .expect("register ID");
    let mut ctx = XmlSecSignatureContext::new();
    let key = XmlSecKey::from_memory(CERT_PEM.as_bytes(), XmlSecKeyFormat::CertPem, None)
        .expect("load cert into xmlsec");
    ctx.insert_key(key);
    matches!(ctx.verify_document(&doc), Ok(true))
}

fn temp_file(content: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new()
        .suffix(".xml")
        .tempfile()
        .expect("temp file");
    file.write_all(content.as_bytes()).expect("write temp file");
    file
}

fn xmlsec1(args: &[&str], xml: &str) -> (bool, String) {
    let file = temp_file(xml);
    let path = file.path().to_str().expect("utf-8 temp path");
    let output = Command::new("xmlsec1")
        .args(args)
        .args([
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
            path,
        ])
        .output()
        .expect("xmlsec1 must be installed (apt-get install xmlsec1)");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr),
    )
}

fn xmlsec1_verify(xml: &str) -> bool {
    let (ok, out) = xmlsec1(
        &[
            "--verify",
            "--pubkey-cert-pem",
            CERT_PATH,
            "--enabled-key-data",
            "key-name",
        ],
        xml,
    );
    ok && out.contains("OK")
}

fn xmlsec1_sign(template: &str) -> String {
    let key = format!("{KEY_PATH},{CERT_PATH}");
    let file = temp_file(template);
    let path = file.path().to_str().expect("utf-8 temp path");
    let output = Command::new("xmlsec1")
        .args([
            "--sign",
            "--privkey-pem",
            &key,
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
            path,
        ])
        .output()
        .expect("xmlsec1 must be installed");
    assert!(
        output.status.success(),
        "xmlsec1 --sign failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("xmlsec1 writes UTF-8")
}

/// A libxmlsec1 template: enveloped, exc-c14n, RSA-SHA256, KeyInfo with the certificate.
fn template() -> &'static str {
    concat!(
        r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>"#,
        r#"<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#,
        r#"<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>"#,
        r##"<ds:Reference URI="#_a1"><ds:Transforms>"##,
        r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>"#,
        r#"<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>"#,
        r#"<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>"#,
        r#"<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/>"#,
        r#"<ds:KeyInfo><ds:X509Data><ds:X509Certificate/></ds:X509Data></ds:KeyInfo></ds:Signature>"#,
    )
}

fn tamper(xml: &str) -> String {
    assert!(xml.contains(MARKER), "signed document lost its marker");
    xml.replacen(MARKER, "SIGNED-TEXX", 1)
}

#[test]
fn what_we_sign_verifies_in_libxmlsec1_and_tampering_fails_there() {
    for (name, document) in DOCUMENTS {
        let signed = ours_sign(&document.replace("{SIG}", ""));
        assert_eq!(ours_verify(&signed), Ok(()), "{name}: ours");
        assert!(
            libxmlsec_verify(&signed),
            "{name}: xmlsec crate refuses our signature:\n{signed}"
        );
        assert!(
            xmlsec1_verify(&signed),
            "{name}: xmlsec1 --verify refuses our signature:\n{signed}"
        );
        let tampered = tamper(&signed);
        assert_eq!(
            ours_verify(&tampered),
            Err("digest_mismatch".to_owned()),
            "{name}: ours on tampered"
        );
        assert!(
            !libxmlsec_verify(&tampered),
            "{name}: xmlsec crate accepts a tampered document"
        );
        assert!(
            !xmlsec1_verify(&tampered),
            "{name}: xmlsec1 accepts a tampered document"
        );
    }
}

#[test]
fn what_libxmlsec1_signs_verifies_here_and_tampering_fails() {
    for (name, document) in DOCUMENTS {
        let signed = xmlsec1_sign(&document.replace("{SIG}", template()));
        assert!(
            xmlsec1_verify(&signed),
            "{name}: xmlsec1 cannot verify its own signature"
        );
        assert_eq!(
            ours_verify(&signed),
            Ok(()),
            "{name}: we refuse libxmlsec1's signature:\n{signed}"
        );
        let tampered = tamper(&signed);
        assert_eq!(
            ours_verify(&tampered),
            Err("digest_mismatch".to_owned()),
            "{name}: tampered"
        );
        assert!(
            !xmlsec1_verify(&tampered),
            "{name}: xmlsec1 accepts a tampered document"
        );
    }
}

#[test]
fn changing_any_signed_byte_is_rejected_by_both() {
    // Every byte of the NameID text and of the Issuer, one at a time.
    let signed = ours_sign(&DOCUMENTS[0].1.replace("{SIG}", ""));
    let start = signed.find("<saml:NameID>").expect("NameID") + "<saml:NameID>".len();
    for offset in start..start + MARKER.len() {
        let mut bytes = signed.clone().into_bytes();
        bytes[offset] ^= 0x01;
        let tampered = String::from_utf8(bytes).expect("ASCII flip stays UTF-8");
        assert!(
            ours_verify(&tampered).is_err(),
            "ours accepts a flip at {offset}"
        );
        assert!(
            !libxmlsec_verify(&tampered),
            "xmlsec crate accepts a flip at {offset}"
        );
    }
}

#[test]
fn our_ecdsa_p256_signature_verifies_in_xmlsec1() {
    // ECDSA values are r || s (XML-DSig 1.1 §6.4.3), which libxmlsec1 reads the same way.
    const EC_KEY: &str = include_str!("../../xmldsig/tests/data/dsig/ec.key.pem");
    const EC_CERT: &str = include_str!("../../xmldsig/tests/data/dsig/ec.cert.pem");
    const EC_CERT_PATH: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../xmldsig/tests/data/dsig/ec.cert.pem"
    );
    let provider = default_provider();
    let key = PrivateKey::from_pem(EC_KEY).expect("EC key");
    let signing = provider.signing_key(&key).expect("signing key");
    let mut doc = Document::parse(DOCUMENTS[0].1.replace("{SIG}", "").as_bytes()).expect("parses");
    let target = assertion(&doc);
    let options = SignOptions {
        algorithm: fedkit_certs::SignatureAlgorithm::EcdsaP256Sha256,
        certificate: Some(Certificate::parse(EC_CERT).expect("cert")),
        ..SignOptions::default()
    };
    sign_enveloped(
        &mut doc,
        target,
        signing.as_ref(),
        &options,
        provider,
        &mut CountingRng(5),
    )
    .expect("signs");
    let signed = doc.to_xml();
    let verify = |xml: &str| {
        let (ok, out) = xmlsec1(
            &[
                "--verify",
                "--pubkey-cert-pem",
                EC_CERT_PATH,
                "--enabled-key-data",
                "key-name",
            ],
            xml,
        );
        ok && out.contains("OK")
    };
    assert!(
        verify(&signed),
        "xmlsec1 refuses our ECDSA signature:\n{signed}"
    );
    assert!(
        !verify(&tamper(&signed)),
        "xmlsec1 accepts a tampered ECDSA document"
    );
}
