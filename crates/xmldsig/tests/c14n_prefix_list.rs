//! Exclusive C14N with a long `InclusiveNamespaces PrefixList`: the list is bounded
//! (`C14nLimits::max_inclusive_prefixes`), and a document with hundreds of nested declarations,
//! all of them listed, canonicalises to what libxml2 produces.

use fedkit_xml::Document;
use fedkit_xmldsig::c14n::{C14nLimits, C14nMethod, canonicalize_into_with};
use sha2::{Digest as _, Sha256};

const LEVELS: usize = 16;
const PER_LEVEL: usize = 16;
const LEAVES: usize = 5000;

/// 16 nested elements declaring 16 prefixes each; every fourth level rebinds `p0_0`, level 3
/// sets a default namespace and level 7 undoes it; 5 000 leaves use the default namespace, a
/// level-3 prefix, or `p0_0` on an attribute. `/tmp`-free twin of the Python generator that
/// produced the expected digests below.
fn document() -> String {
    let mut xml = String::from(r#"<root xmlns:q="urn:q">"#);
    for i in 0..LEVELS {
        xml.push_str(&format!("<n{i}"));
        for j in 0..PER_LEVEL {
            xml.push_str(&format!(r#" xmlns:p{i}_{j}="urn:{i}:{j}""#));
        }
        if i % 4 == 1 {
            xml.push_str(&format!(r#" xmlns:p0_0="urn:rebound:{i}""#));
        }
        if i == 3 {
            xml.push_str(r#" xmlns="urn:default""#);
        }
        if i == 7 {
            xml.push_str(r#" xmlns="""#);
        }
        xml.push('>');
    }
    for k in 0..LEAVES {
        match k % 3 {
            0 => xml.push_str("<l/>"),
            1 => xml.push_str(&format!(r#"<p3_{}:l a="1"/>"#, k % 16)),
            _ => xml.push_str(r#"<m p0_0:at="v"/>"#),
        }
    }
    for i in (0..LEVELS).rev() {
        xml.push_str(&format!("</n{i}>"));
    }
    xml.push_str("</root>");
    xml
}

/// Every declared prefix, `#default` and `q`, with a few listed twice (the list is a set).
fn all_prefixes() -> Vec<String> {
    let mut prefixes: Vec<String> = (0..LEVELS)
        .flat_map(|i| (0..PER_LEVEL).map(move |j| format!("p{i}_{j}")))
        .collect();
    prefixes.extend(["#default", "q", "p0_0", "p15_15", "#default"].map(String::from));
    prefixes
}

fn exclusive(prefixes: Vec<String>) -> C14nMethod {
    C14nMethod::Exclusive10 {
        with_comments: false,
        inclusive_prefixes: prefixes,
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn many_listed_prefixes_canonicalise_as_libxml2_does() {
    // Expected digests: lxml 6.2.0 over libxml2 2.9.14, `etree.tostring(node, method="c14n",
    // exclusive=True, with_comments=False, inclusive_ns_prefixes=<the list without repeats>)`
    // of the same document (its SHA-256 is checked first, so generator drift shows up as such).
    let xml = document();
    assert_eq!(
        sha256_hex(xml.as_bytes()),
        "69cb5f86502c86fd79e40b75e19e3984a08dfbcd4f31a5c847e58d35d503b15e",
        "the generator drifted from the one the digests were computed with"
    );
    let doc = Document::parse(xml.as_bytes()).unwrap();
    let limits = C14nLimits {
        max_inclusive_prefixes: 1024,
        ..C14nLimits::DEFAULT
    };
    let method = exclusive(all_prefixes());
    let n0 = doc.first_child(doc.document_element()).unwrap();
    for (node, length, digest) in [
        (
            doc.root(),
            88_995,
            "82bdf55f19fa226f6267ad356871dd78f495efd1e32a6c10ccf1bc74e991c2a0",
        ),
        // The subtree below `root`: `q` is in scope from above the apex and must be declared.
        (
            n0,
            88_982,
            "0d2d9603829b830ef33d7cf802cfeac0a195984b46af20bf54dbc7d38a5f9421",
        ),
    ] {
        let mut out = Vec::new();
        canonicalize_into_with(&doc, node, &method, None, &limits, &mut out).unwrap();
        assert_eq!(out.len(), length);
        assert_eq!(sha256_hex(&out), digest);
    }
}

#[test]
fn prefix_list_limit_passes_at_the_default_and_fails_one_entry_later() {
    // 65 prefixes declared on three nested elements (fedkit-xml allows 32 per element), used
    // by nothing: inclusive treatment declares each listed one where the document does; with 65
    // entries the list is refused before any output.
    let mut xml = String::new();
    for (name, range) in [("r", 0..32), ("s", 32..64), ("t", 64..65)] {
        xml.push_str(&format!("<{name}"));
        for i in range {
            xml.push_str(&format!(r#" xmlns:p{i}="urn:{i}""#));
        }
        xml.push('>');
    }
    xml.push_str("<e/></t></s></r>");
    let doc = Document::parse(xml.as_bytes()).unwrap();
    let limits = C14nLimits::DEFAULT;
    assert_eq!(limits.max_inclusive_prefixes, 64);
    let listed: Vec<String> = (0..65).map(|i| format!("p{i}")).collect();

    let mut out = Vec::new();
    let at_limit = exclusive(listed[..64].to_vec());
    canonicalize_into_with(&doc, doc.root(), &at_limit, None, &limits, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.matches(" xmlns:").count(), 64, "{text}");
    assert!(!text.contains("xmlns:p64="), "p64 is not listed: {text}");

    let mut out = Vec::new();
    let error = canonicalize_into_with(
        &doc,
        doc.root(),
        &exclusive(listed),
        None,
        &limits,
        &mut out,
    )
    .unwrap_err();
    assert_eq!(error.code(), "c14n_too_many_inclusive_prefixes");
    assert!(out.is_empty());

    // Repeats count: the limit bounds the list as received, before it is made a set.
    let mut repeated = vec!["p0".to_owned(); 65];
    let error = canonicalize_into_with(
        &doc,
        doc.root(),
        &exclusive(std::mem::take(&mut repeated)),
        None,
        &limits,
        &mut Vec::new(),
    )
    .unwrap_err();
    assert_eq!(error.code(), "c14n_too_many_inclusive_prefixes");
}

#[test]
fn repeated_prefixes_declare_once() {
    // Exclusive C14N §3 (the PrefixList is a set of prefixes); expected by hand.
    let doc = Document::parse(br#"<r xmlns:a="urn:a" xmlns="urn:d"><e/></r>"#).unwrap();
    let method = exclusive(
        ["a", "#default", "a", "#default"]
            .map(String::from)
            .to_vec(),
    );
    let mut out = Vec::new();
    canonicalize_into_with(
        &doc,
        doc.root(),
        &method,
        None,
        &C14nLimits::DEFAULT,
        &mut out,
    )
    .unwrap();
    assert_eq!(out, br#"<r xmlns="urn:d" xmlns:a="urn:a"><e></e></r>"#);
}
