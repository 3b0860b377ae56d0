//! Verification of mutated signed documents: the input is a list of byte edits applied to a
//! document libxmlsec1 signed. Verifying must never panic, and when a mutated document still
//! verifies, the verified element's canonical form (signature omitted) must equal the original
//! assertion's: no edit may change signed content and still verify.

use chrono::{TimeZone, Utc};
use fedkit_certs::{Certificate, TrustSet, default_provider};
use fedkit_xml::{Document, NodeId};
use fedkit_xmldsig::c14n::{C14nMethod, canonicalize};
use fedkit_xmldsig::{DSIG_NS, Verifier, VerifyPolicy};

const SIGNED: [&[u8]; 3] = [
    include_bytes!("../../crates/xmldsig/tests/data/dsig/valid-rsa-sha256.xml"),
    include_bytes!("../../crates/xmldsig/tests/data/dsig/valid-comment-in-name-id.xml"),
    include_bytes!("../../crates/xmldsig/tests/data/dsig/valid-base64-whitespace.xml"),
];
const CERT: &[u8] = include_bytes!("../../crates/xmldsig/tests/data/dsig/rsa-a.cert.pem");
const SAML_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const MAX_EDITS: usize = 16;

/// Each 4-byte chunk is one edit: operation (replace, insert, delete), position (16 bits, taken
/// modulo the length) and byte. The first input byte picks the signed document.
fn mutate(data: &[u8]) -> (usize, Vec<u8>) {
    let Some((&pick, edits)) = data.split_first() else {
        return (0, SIGNED[0].to_vec());
    };
    let which = usize::from(pick) % SIGNED.len();
    let mut doc = SIGNED[which].to_vec();
    for edit in edits.chunks_exact(4).take(MAX_EDITS) {
        let &[op, hi, lo, byte] = edit else { continue };
        let position = usize::from(u16::from_be_bytes([hi, lo])) % (doc.len() + 1);
        match op % 3 {
            0 if position < doc.len() => doc[position] = byte,
            1 => doc.insert(position, byte),
            2 if position < doc.len() => {
                doc.remove(position);
            }
            _ => {}
        }
    }
    (which, doc)
}

fn first_assertion(doc: &Document) -> Option<NodeId> {
    doc.child_elements(doc.document_element()).find(|&n| {
        doc.name(n)
            .is_some_and(|name| name.is(Some(SAML_NS), "Assertion"))
    })
}

fn signed_content(doc: &Document, element: NodeId) -> Vec<u8> {
    let signature = doc.child_elements(element).find(|&n| {
        doc.name(n)
            .is_some_and(|name| name.is(Some(DSIG_NS), "Signature"))
    });
    let method = C14nMethod::Exclusive10 {
        with_comments: false,
        inclusive_prefixes: Vec::new(),
    };
    canonicalize(doc, element, &method, signature).expect("a verified element canonicalises")
}

pub fn run(data: &[u8]) {
    let (which, mutated) = mutate(data);
    let Ok(doc) = Document::parse(&mutated) else {
        return;
    };
    let Some(assertion) = first_assertion(&doc) else {
        return;
    };
    let mut trust = TrustSet::new();
    let Ok(cert) = Certificate::parse(CERT) else {
        panic!("test certificate must parse");
    };
    trust.import(cert).expect("test certificate imports");
    let policy = VerifyPolicy::default();
    let now = Utc
        .with_ymd_and_hms(2027, 1, 1, 0, 0, 0)
        .single()
        .expect("date");
    let Ok(verified) =
        Verifier::new(&trust, &policy, default_provider()).verify_enveloped(&doc, assertion, now)
    else {
        return;
    };
    let original = Document::parse(SIGNED[which]).expect("original parses");
    let original_assertion = first_assertion(&original).expect("original has an assertion");
    assert_eq!(
        verified.element(),
        assertion,
        "verified another element than asked"
    );
    assert!(
        signed_content(&doc, verified.element()) == signed_content(&original, original_assertion),
        "a mutation changed signed content and still verified"
    );
}
