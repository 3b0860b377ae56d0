//! Signing with fedkit, then verifying with fedkit: the signature lands after the Issuer, the
//! written document re-parses and verifies, and any change to signed content breaks it.
//! (libxmlsec1 checks the same documents in crates/interop.)

use chrono::{DateTime, TimeZone, Utc};
use fedkit_certs::{Certificate, PrivateKey, TrustSet, default_provider};
use fedkit_xml::Document;
use fedkit_xmldsig::{DSIG_NS, SignOptions, Verifier, VerifyPolicy, sign_enveloped};

const SAML_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const UNSIGNED: &str = r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r"><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="_a"><saml:Issuer>https://idp.fedkit.test</saml:Issuer><saml:Subject><saml:NameID>bob@fedkit.test</saml:NameID></saml:Subject><saml:AttributeValue xsi:type="xs:string">x &lt; y</saml:AttributeValue></saml:Assertion></samlp:Response>"#;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0)
        .single()
        .expect("date")
}

/// A deterministic RNG is enough here: it only blinds the RSA operation.
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

fn sign(xml: &str, options: &SignOptions) -> String {
    let provider = default_provider();
    let key = PrivateKey::from_pem(include_str!("data/dsig/rsa-a.key.pem")).expect("key");
    let signing = provider.signing_key(&key).expect("signing key");
    let mut doc = Document::parse(xml.as_bytes()).expect("parses");
    let assertion = assertion(&doc);
    sign_enveloped(
        &mut doc,
        assertion,
        signing.as_ref(),
        options,
        provider,
        &mut CountingRng(7),
    )
    .expect("signs");
    doc.to_xml()
}

fn assertion(doc: &Document) -> fedkit_xml::NodeId {
    doc.descendants(doc.root())
        .find(|&n| {
            doc.name(n)
                .is_some_and(|name| name.is(Some(SAML_NS), "Assertion"))
        })
        .expect("assertion")
}

fn verify(xml: &str) -> Result<String, fedkit_xmldsig::Error> {
    let doc = Document::parse(xml.as_bytes())?;
    let mut trust = TrustSet::new();
    trust
        .import(Certificate::parse(include_bytes!("data/dsig/rsa-a.cert.pem")).expect("cert"))
        .expect("import");
    let policy = VerifyPolicy::default();
    let verified = Verifier::new(&trust, &policy, default_provider()).verify_enveloped(
        &doc,
        assertion(&doc),
        now(),
    )?;
    let name_id = doc
        .descendants(verified.element())
        .find(|&n| {
            doc.name(n)
                .is_some_and(|name| name.is(Some(SAML_NS), "NameID"))
        })
        .expect("NameID inside the verified assertion");
    Ok(doc.text_content(name_id).into_owned())
}

#[test]
fn signed_document_verifies_and_signature_follows_issuer() {
    let signed = sign(UNSIGNED, &SignOptions::default());
    assert_eq!(verify(&signed).expect("verifies"), "bob@fedkit.test");
    let doc = Document::parse(signed.as_bytes()).expect("parses");
    let a = assertion(&doc);
    let names: Vec<String> = doc
        .child_elements(a)
        .filter_map(|n| doc.name(n).map(|name| name.local.to_owned()))
        .collect();
    assert_eq!(names, ["Issuer", "Signature", "Subject", "AttributeValue"]);
    let signature = doc.child_elements(a).nth(1).expect("signature");
    assert!(
        doc.name(signature)
            .is_some_and(|n| n.is(Some(DSIG_NS), "Signature"))
    );
}

#[test]
fn prefix_list_and_key_info_options_verify() {
    let cert = Certificate::parse(include_bytes!("data/dsig/rsa-a.cert.pem")).expect("cert");
    let options = SignOptions {
        inclusive_prefixes: vec!["xs".into()],
        certificate: Some(cert),
        ..SignOptions::default()
    };
    let signed = sign(UNSIGNED, &options);
    assert!(signed.contains(r#"PrefixList="xs""#));
    assert!(signed.contains("<ds:X509Certificate>"));
    verify(&signed).expect("verifies");
}

#[test]
fn changing_signed_content_breaks_verification() {
    let signed = sign(UNSIGNED, &SignOptions::default());
    let tampered = signed.replace("bob@", "eve@");
    assert_eq!(
        verify(&tampered).expect_err("tampered").code(),
        "digest_mismatch"
    );
    let signed_info_edit = signed.replace("#_a\"", "#_a\" Id=\"x\"");
    assert_eq!(
        verify(&signed_info_edit).expect_err("edited").code(),
        "signature_invalid"
    );
}

#[test]
fn signing_twice_or_without_id_is_refused() {
    let provider = default_provider();
    let key = PrivateKey::from_pem(include_str!("data/dsig/rsa-a.key.pem")).expect("key");
    let signing = provider.signing_key(&key).expect("signing key");
    let signed = sign(UNSIGNED, &SignOptions::default());
    let mut doc = Document::parse(signed.as_bytes()).expect("parses");
    let a = assertion(&doc);
    let err = sign_enveloped(
        &mut doc,
        a,
        signing.as_ref(),
        &SignOptions::default(),
        provider,
        &mut CountingRng(1),
    )
    .expect_err("already signed");
    assert_eq!(err.code(), "already_signed");
    let mut doc = Document::parse(b"<a><b/></a>").expect("parses");
    let root = doc.document_element();
    let err = sign_enveloped(
        &mut doc,
        root,
        signing.as_ref(),
        &SignOptions::default(),
        provider,
        &mut CountingRng(1),
    )
    .expect_err("no ID");
    assert_eq!(err.code(), "sign_target_without_id");
}
