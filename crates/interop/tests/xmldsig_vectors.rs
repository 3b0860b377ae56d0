//! xmlsec's XML-DSig suite (`$FEDKIT_SHARED/vectors/xmldsig/xmlsec/manifest.toml`, default
//! `../shared` beside the checkout): every `[[signature]]` row is verified with the manifest's key,
//! once with the default policy and default provider, and once in the named legacy mode
//! (`VerifyPolicy::legacy()`, every legacy algorithm, with a trust set on
//! `danger::legacy_rsa_1024_provider()` for RSA-1024 certificates), and the outcome must equal the
//! row in `data/xmldsig_vectors_expected.toml` (the exact error code for every refusal, with the
//! reason). Independently of that table, the manifest's own verdicts are enforced: no `invalid`
//! row ever verifies, and every `valid` row that verifies does so with the manifest's key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use fedkit_certs::{Certificate, CryptoProvider, TrustSet, danger, default_provider};
use fedkit_xml::Document;
use fedkit_xmldsig::{DSIG_NS, Verifier, VerifyPolicy};

#[derive(serde::Deserialize)]
struct Manifest {
    signature: Vec<Row>,
}

#[derive(serde::Deserialize)]
struct Row {
    file: String,
    expected: String,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    key_kind: Option<String>,
    #[serde(default)]
    cert: Option<String>,
    #[serde(default)]
    verification_time: Option<String>,
}

#[derive(serde::Deserialize)]
struct Expected {
    row: Vec<ExpectedRow>,
}

#[derive(serde::Deserialize)]
struct ExpectedRow {
    file: String,
    default: String,
    legacy: String,
    reason: String,
}

fn shared() -> PathBuf {
    let dir = match std::env::var_os("FEDKIT_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    assert!(
        dir.join("vectors/xmldsig/xmlsec/manifest.toml").is_file(),
        "shared folder {} has no vectors/xmldsig/xmlsec: set FEDKIT_SHARED or put shared/ beside the checkout",
        dir.display()
    );
    dir
}

/// The certificate to trust for a row: the manifest's key when it is a certificate, else the
/// row's `cert` (our trust sets hold certificates, not bare keys).
fn trusted(dir: &Path, row: &Row) -> Option<Certificate> {
    let from = |name: &str| {
        let bytes = std::fs::read(dir.join(name)).expect("manifest key file");
        Certificate::parse(bytes).ok()
    };
    match row.key_kind.as_deref() {
        Some("x509-der" | "x509-pem") => row.key.as_deref().and_then(from),
        _ => row.cert.as_deref().and_then(from),
    }
}

fn time(row: &Row) -> DateTime<Utc> {
    match row.verification_time.as_deref() {
        Some(t) if t != "now" => DateTime::parse_from_rfc3339(t)
            .expect("manifest time")
            .to_utc(),
        _ => Utc
            .with_ymd_and_hms(2026, 12, 1, 0, 0, 0)
            .single()
            .expect("date"),
    }
}

fn outcome(
    dir: &Path,
    row: &Row,
    policy: &VerifyPolicy,
    provider: &'static dyn CryptoProvider,
) -> String {
    let bytes = std::fs::read(dir.join(&row.file)).expect("manifest file");
    let doc = match Document::parse(&bytes) {
        Ok(doc) => doc,
        Err(e) => return e.code().to_owned(),
    };
    let Some(signature) = doc.descendants(doc.root()).find(|&n| {
        doc.name(n)
            .is_some_and(|name| name.is(Some(DSIG_NS), "Signature"))
    }) else {
        return "signature_not_found".to_owned();
    };
    let mut trust = TrustSet::with_provider(provider);
    trust.set_expiry_policy(fedkit_certs::ExpiryPolicy::Reject);
    if let Some(cert) = trusted(dir, row) {
        // A certificate the provider refuses (RSA-1024 by default) leaves the set empty.
        let _ = trust.import(cert);
    }
    match Verifier::new(&trust, policy, default_provider()).verify_signature(
        &doc,
        signature,
        time(row),
    ) {
        Ok(_) => "verified".to_owned(),
        Err(e) => e.code().to_owned(),
    }
}

#[test]
fn every_xmlsec_row_has_its_documented_outcome() {
    let dir = shared().join("vectors/xmldsig/xmlsec");
    let manifest: Manifest =
        toml::from_str(&std::fs::read_to_string(dir.join("manifest.toml")).expect("manifest"))
            .expect("manifest parses");
    let expected: Expected = toml::from_str(include_str!("data/xmldsig_vectors_expected.toml"))
        .expect("expected table parses");
    let table: BTreeMap<&str, &ExpectedRow> =
        expected.row.iter().map(|r| (r.file.as_str(), r)).collect();
    assert_eq!(
        table.len(),
        expected.row.len(),
        "a file is listed twice in the expected table"
    );
    assert_eq!(
        table.len(),
        manifest.signature.len(),
        "the expected table must list every manifest row"
    );

    let mut failures = Vec::new();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for row in &manifest.signature {
        let default = outcome(&dir, row, &VerifyPolicy::default(), default_provider());
        let legacy = outcome(
            &dir,
            row,
            &VerifyPolicy::default().legacy(),
            danger::legacy_rsa_1024_provider(),
        );
        if row.expected == "invalid" && (default == "verified" || legacy == "verified") {
            failures.push(format!("{}: an invalid signature verified", row.file));
        }
        let Some(want) = table.get(row.file.as_str()) else {
            failures.push(format!("{}: missing from the expected table", row.file));
            continue;
        };
        if want.default != default || want.legacy != legacy {
            failures.push(format!(
                "{}: got default={default} legacy={legacy}, expected default={} legacy={} ({})",
                row.file, want.default, want.legacy, want.reason
            ));
        }
        let bucket = match (row.expected.as_str(), default.as_str(), legacy.as_str()) {
            (_, "verified", _) => "verified by default",
            (_, _, "verified") => "verified in legacy mode only",
            ("invalid", _, _) => "invalid, rejected as expected",
            _ => "valid upstream, refused by design",
        };
        *counts.entry(bucket).or_default() += 1;
    }
    println!("xmlsec xmldsig rows: {counts:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn expired_signer_certificate_is_refused_at_the_current_time() {
    // The manifest's [[trust_check]]: the signer certificate of enveloping-expired-cert.xml was
    // valid 2026-03-08..2026-03-22, so verification "now" must fail, and at 2026-03-15 succeed.
    let dir = shared().join("vectors/xmldsig/xmlsec");
    let row = |time: &str| Row {
        file: "aleksey-xmldsig-01/enveloping-expired-cert.xml".into(),
        expected: "invalid".into(),
        key: Some("keys/rsa/rsa-expired-cert.pem".into()),
        key_kind: Some("x509-pem".into()),
        cert: None,
        verification_time: Some(time.into()),
    };
    let legacy = VerifyPolicy::default().legacy_sha1();
    let provider = default_provider();
    assert_eq!(
        outcome(&dir, &row("now"), &legacy, provider),
        "certificate_not_valid"
    );
    assert_eq!(
        outcome(&dir, &row("2026-03-15T00:00:00Z"), &legacy, provider),
        "verified"
    );
}
