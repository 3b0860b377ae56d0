//! The EncryptedAssertion decryption oracle of Jager and Somorovsky, "How to Break XML
//! Encryption" (CCS 2011), against fedkit-saml's SP:
//! - a GCM-encrypted assertion whose EncryptionMethod is switched to AES-256-CBC (the same
//!   256-bit content key) is refused as `encryption_method_not_allowed` by default, before the
//!   key is used;
//! - with `DecryptPolicy::legacy_aes_cbc`, all 256 values of the byte that sets the last
//!   plaintext octet (the CBC padding length) give the same code and message, though 16 of them
//!   have valid padding;
//! - plaintexts that decrypt but are not a well-formed `saml:Assertion` (data/decryption_oracle.toml)
//!   are all `decryption_failed`, under GCM and under opted-in CBC.

#[path = "support/fixtures.rs"]
mod fixtures;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use fedkit_certs::{Certificate, PrivateKey};
use fedkit_saml::{
    Attribute, ContentAlgorithm, DecryptPolicy, InMemoryReplayCache, InMemoryRequestTracker,
    NameId, ResponseParams, ServiceProvider, SignatureScope,
};
use fedkit_xml::Document;
use fedkit_xmldsig::xmlenc::{self, XENC_NS};
use fixtures::*;

const CIPHER_VALUE: &str = "<xenc:CipherValue>";

/// An honest response (assertion signed, then encrypted with AES-256-GCM), as `saml-idp issue
/// --encrypt-to` writes it.
fn encrypted_response() -> String {
    let mut p = ResponseParams::new(
        ACS,
        SP,
        NameId::new("alice@example.com", fedkit_saml::names::NAMEID_EMAIL),
    );
    p.in_response_to = Some("_req1".to_owned());
    p.scope = SignatureScope::Assertion;
    p.attributes = vec![Attribute::strings("email", ["alice@example.com"])];
    p.encrypt_to = Some(Certificate::parse(SP_CERT).expect("cert"));
    let xml = idp().response(&p, t0(), &mut TestRng(17)).expect("issue");
    assert!(
        xml.contains(ContentAlgorithm::Aes256Gcm.uri()),
        "GCM is the default"
    );
    xml
}

fn validate(sp: &ServiceProvider, xml: &str) -> Result<(), (String, String)> {
    let mut tracker = InMemoryRequestTracker::new();
    tracker.track("_req1", t0() + chrono::TimeDelta::hours(1));
    sp.validate_xml(
        xml.as_bytes(),
        t0(),
        &mut tracker,
        &mut InMemoryReplayCache::new(),
    )
    .map(|_| ())
    .map_err(|e| (e.code().to_owned(), e.to_string()))
}

fn sp_with(key: &str, policy: DecryptPolicy) -> ServiceProvider {
    sp().with_decryption_key(PrivateKey::from_pem(key).expect("key"))
        .with_decrypt_policy(policy)
}

/// The content CipherValue is the last one (the EncryptedKey's comes first, inside KeyInfo).
fn content_value_span(xml: &str) -> (usize, usize) {
    let start = xml.rfind(CIPHER_VALUE).expect("CipherValue") + CIPHER_VALUE.len();
    let len = xml[start..].find("</xenc:CipherValue>").expect("end");
    (start, start + len)
}

/// The GCM response switched to AES-256-CBC, its content cut to IV + 3 blocks and byte [-17]
/// (the last octet of the second-to-last block, which XORs into the padding length) set to
/// `value`.
fn switched_to_cbc(xml: &str, value: u8) -> String {
    let switched = xml.replace(
        ContentAlgorithm::Aes256Gcm.uri(),
        ContentAlgorithm::Aes256Cbc.uri(),
    );
    let (start, end) = content_value_span(&switched);
    let mut content = STANDARD.decode(&switched[start..end]).expect("base64");
    content.truncate(16 + 3 * 16);
    assert_eq!(content.len(), 64, "the GCM ciphertext is long enough");
    let at = content.len() - 17;
    content[at] = value;
    format!(
        "{}{}{}",
        &switched[..start],
        STANDARD.encode(&content),
        &switched[end..]
    )
}

#[test]
fn a_gcm_assertion_switched_to_cbc_is_refused_before_decryption() {
    let xml = encrypted_response();
    let honest = validate(&sp_with(SP_KEY, DecryptPolicy::default()), &xml);
    assert_eq!(honest, Ok(()), "the unmodified response verifies");
    for value in [0u8, 0x41, 0xff] {
        let attack = switched_to_cbc(&xml, value);
        // The right key and a key that could decrypt nothing get the same refusal: the
        // algorithm is checked before any key is unwrapped.
        for key in [SP_KEY, ATTACKER_KEY] {
            let (code, _) = validate(&sp_with(key, DecryptPolicy::default()), &attack).unwrap_err();
            assert_eq!(code, "encryption_method_not_allowed", "byte {value:#04x}");
        }
    }
}

#[test]
fn with_cbc_opted_in_every_padding_byte_gives_the_same_answer() {
    let xml = encrypted_response();
    let sp = sp_with(SP_KEY, DecryptPolicy::default().legacy_aes_cbc());
    let key = PrivateKey::from_pem(SP_KEY).expect("key");
    let mut answers = std::collections::BTreeSet::new();
    let mut valid_padding = 0;
    for value in 0..=255u8 {
        let attack = switched_to_cbc(&xml, value);
        // The oracle is real: at the XML-Enc layer, the 16 values that make the last octet
        // 1..=16 (XML-Enc §5.2 padding) decrypt; the other 240 fail.
        let doc = Document::parse(attack.as_bytes()).expect("parses");
        let data = doc
            .descendants(doc.root())
            .find(|&n| {
                doc.name(n)
                    .is_some_and(|name| name.is(Some(XENC_NS), "EncryptedData"))
            })
            .expect("EncryptedData");
        let policy = DecryptPolicy::default().legacy_aes_cbc();
        if xmlenc::decrypt(&doc, data, &[], &key, &policy).is_ok() {
            valid_padding += 1;
        }
        let (code, message) = validate(&sp, &attack).unwrap_err();
        answers.insert((code, message));
    }
    assert_eq!(valid_padding, 16, "one value per padding length 1..=16");
    assert_eq!(
        answers.len(),
        1,
        "every byte value must look the same: {answers:?}"
    );
    let (code, _) = answers.first().expect("one answer");
    assert_eq!(code, "decryption_failed");
}

#[derive(serde::Deserialize)]
struct Table {
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    reason: String,
    plaintext: Option<String>,
    plaintext_hex: Option<String>,
    nest: Option<usize>,
    expect: String,
}

impl Case {
    fn octets(&self) -> Vec<u8> {
        let mut octets = match (&self.plaintext, &self.plaintext_hex) {
            (Some(text), None) => text.clone().into_bytes(),
            (None, Some(hex)) => (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                .collect(),
            _ => panic!("{}: exactly one of plaintext, plaintext_hex", self.reason),
        };
        if let Some(depth) = self.nest {
            let open = octets
                .strip_suffix(b"/>")
                .expect("self-closing root")
                .to_vec();
            octets = open;
            octets.push(b'>');
            octets.extend("<x>".repeat(depth).bytes());
            octets.extend("</x>".repeat(depth).bytes());
            octets.extend(b"</saml:Assertion>");
        }
        octets
    }
}

/// `xml` with its EncryptedData replaced by `plaintext` encrypted to the SP.
fn with_plaintext(xml: &str, plaintext: &[u8], algorithm: ContentAlgorithm) -> String {
    let cert = Certificate::parse(SP_CERT).expect("cert");
    let encrypted =
        xmlenc::encrypt(plaintext, &cert, algorithm, &mut TestRng(23)).expect("encrypt");
    let start = xml.find("<xenc:EncryptedData").expect("EncryptedData");
    let close = "</xenc:EncryptedData>";
    let end = xml.find(close).expect("end") + close.len();
    format!("{}{encrypted}{}", &xml[..start], &xml[end..])
}

#[test]
fn plaintexts_that_are_not_an_assertion_are_all_decryption_failed() {
    let table: Table =
        toml::from_str(include_str!("data/decryption_oracle.toml")).expect("table parses");
    assert!(table.case.len() >= 10);
    let xml = encrypted_response();
    for (algorithm, policy) in [
        (ContentAlgorithm::Aes256Gcm, DecryptPolicy::default()),
        (
            ContentAlgorithm::Aes256Cbc,
            DecryptPolicy::default().legacy_aes_cbc(),
        ),
        (
            ContentAlgorithm::Aes128Cbc,
            DecryptPolicy::default().legacy_aes_cbc(),
        ),
    ] {
        let sp = sp_with(SP_KEY, policy);
        let mut failed_messages = std::collections::BTreeSet::new();
        for case in &table.case {
            let (code, message) = validate(&sp, &with_plaintext(&xml, &case.octets(), algorithm))
                .expect_err(&case.reason);
            assert_eq!(code, case.expect, "{algorithm:?}: {}", case.reason);
            if code == "decryption_failed" {
                failed_messages.insert(message);
            }
        }
        // No detail of the parse error leaks through the message either.
        assert_eq!(
            failed_messages.len(),
            1,
            "{algorithm:?}: {failed_messages:?}"
        );
    }
}
