//! `saml-idp` and `saml-sp` run as programs, against each other, through their documented
//! contract: JSON on stdout, exit 0 / 1 / 2.

use serde_json::Value;
use std::io::Write as _;
use std::process::{Command, Output, Stdio};

const KEYS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../crates/saml/tests/data/keys"
);
const IDP: &str = "https://idp.example.com/metadata";
const SP: &str = "https://sp.example.com/metadata";
const ACS: &str = "https://sp.example.com/acs";

fn key(name: &str) -> String {
    format!("{KEYS}/{name}")
}

fn run(bin: &str, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    if let Some(input) = stdin {
        // A usage error exits before reading stdin; a broken pipe here is not the point of
        // any test (the exit code and output are).
        let _ = child.stdin.take().expect("stdin").write_all(input);
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

fn idp(args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_saml-idp"), args, None)
}

fn sp(args: &[&str], stdin: &[u8]) -> Output {
    run(env!("CARGO_BIN_EXE_saml-sp"), args, Some(stdin))
}

fn idp_metadata(dir: &tempfile::TempDir) -> String {
    let out = idp(&[
        "metadata",
        "--cert",
        &key("idp.cert.pem"),
        "--idp-entity-id",
        IDP,
        "--sso-url",
        "https://idp.example.com/sso",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = dir.path().join("idp.xml");
    std::fs::write(&path, &out.stdout).expect("write");
    path.to_str().expect("utf-8").to_owned()
}

fn issue(extra: &[&str]) -> Vec<u8> {
    let cert = key("idp.cert.pem");
    let k = key("idp.key.pem");
    let mut args = vec![
        "issue",
        "--key",
        &k,
        "--cert",
        &cert,
        "--idp-entity-id",
        IDP,
        "--name-id",
        "alice@example.com",
        "--name-id-format",
        "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
        "--attr",
        "groups=admins",
        "--attr",
        "groups=staff",
        "--now",
        "2027-01-01T00:00:00Z",
    ];
    args.extend_from_slice(extra);
    let out = idp(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn verify(metadata: &str, extra: &[&str], input: &[u8]) -> (i32, Value) {
    let mut args = vec![
        "verify",
        "--idp-metadata",
        metadata,
        "--sp-entity-id",
        SP,
        "--acs-url",
        ACS,
    ];
    args.extend_from_slice(extra);
    let out = sp(&args, input);
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().expect("exit code"), json)
}

#[test]
fn issued_base64_response_verifies_and_prints_the_assertion() {
    let dir = tempfile::tempdir().expect("tempdir");
    let metadata = idp_metadata(&dir);
    let response = issue(&[
        "--acs-url",
        ACS,
        "--audience",
        SP,
        "--in-response-to",
        "_r1",
        "--base64",
    ]);
    let (code, json) = verify(
        &metadata,
        &["--request-id", "_r1", "--now", "2027-01-01T00:01:00Z"],
        &response,
    );
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["issuer"], IDP);
    assert_eq!(json["name_id"], "alice@example.com");
    assert_eq!(
        json["name_id_format"],
        "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    );
    assert_eq!(json["audience"], SP);
    assert_eq!(json["not_on_or_after"], "2027-01-01T00:05:00Z");
    assert_eq!(
        json["attributes"]["groups"],
        serde_json::json!(["admins", "staff"])
    );
    assert!(json["session_index"].is_string());
}

#[test]
fn raw_xml_from_a_file_signed_on_the_response_verifies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let metadata = idp_metadata(&dir);
    let sp_metadata = dir.path().join("sp.xml");
    std::fs::write(
        &sp_metadata,
        format!(
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{SP}"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://sp.example.com/wrong" index="0"/><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{ACS}" index="1"/></md:SPSSODescriptor></md:EntityDescriptor>"#
        ),
    )
    .expect("write");
    let response = issue(&[
        "--sp-metadata",
        sp_metadata.to_str().expect("utf-8"),
        "--sign",
        "both",
    ]);
    let input = dir.path().join("response.xml");
    std::fs::write(&input, &response).expect("write");
    let (code, json) = verify(
        &metadata,
        &[
            "--allow-idp-initiated",
            "--now",
            "2027-01-01T00:00:30Z",
            "--input",
            input.to_str().expect("utf-8"),
        ],
        b"",
    );
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["name_id"], "alice@example.com");
}

#[test]
fn rejections_exit_1_with_a_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let metadata = idp_metadata(&dir);
    let response = issue(&["--acs-url", ACS, "--audience", SP, "--base64"]);
    // Unsolicited, not allowed.
    let (code, json) = verify(&metadata, &["--now", "2027-01-01T00:01:00Z"], &response);
    assert_eq!(
        (code, json["error"]["code"].as_str()),
        (1, Some("unsolicited_response"))
    );
    // Expired: NotOnOrAfter 00:05:00 + skew 10 s.
    let (code, json) = verify(
        &metadata,
        &[
            "--allow-idp-initiated",
            "--skew",
            "10",
            "--now",
            "2027-01-01T00:05:10Z",
        ],
        &response,
    );
    assert_eq!(
        (code, json["error"]["code"].as_str()),
        (1, Some("confirmation_expired"))
    );
    let (code, _) = verify(
        &metadata,
        &[
            "--allow-idp-initiated",
            "--skew",
            "10",
            "--now",
            "2027-01-01T00:05:09Z",
        ],
        &response,
    );
    assert_eq!(code, 0);
    // Another audience.
    let other = issue(&[
        "--acs-url",
        ACS,
        "--audience",
        "https://other.example.com",
        "--base64",
    ]);
    let (code, json) = verify(
        &metadata,
        &["--allow-idp-initiated", "--now", "2027-01-01T00:01:00Z"],
        &other,
    );
    assert_eq!(
        (code, json["error"]["code"].as_str()),
        (1, Some("audience_mismatch"))
    );
    let (code, json) = verify(
        &metadata,
        &["--now", "2027-01-01T00:01:00Z"],
        b"not base64 !",
    );
    assert_eq!(
        (code, json["error"]["code"].as_str()),
        (1, Some("base64_invalid"))
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let metadata = idp_metadata(&dir);
    assert_eq!(
        sp(&["verify", "--idp-metadata", &metadata], b"")
            .status
            .code(),
        Some(2)
    );
    let (code, _) = verify("/nonexistent/metadata.xml", &[], b"");
    assert_eq!(code, 2);
    let (code, _) = verify(&metadata, &["--now", "yesterday"], b"");
    assert_eq!(code, 2);
    let out = idp(&["issue", "--key", &key("idp.key.pem")]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn encrypted_to_the_sp_and_decrypted_with_its_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let metadata = idp_metadata(&dir);
    let sp_cert = key("sp.cert.pem");
    let response = issue(&["--acs-url", ACS, "--audience", SP, "--encrypt-to", &sp_cert]);
    assert!(String::from_utf8_lossy(&response).contains("EncryptedAssertion"));
    let sp_key = key("sp.key.pem");
    let (code, json) = verify(
        &metadata,
        &[
            "--allow-idp-initiated",
            "--now",
            "2027-01-01T00:01:00Z",
            "--decrypt-key",
            &sp_key,
        ],
        &response,
    );
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["name_id"], "alice@example.com");
    let (code, json) = verify(
        &metadata,
        &["--allow-idp-initiated", "--now", "2027-01-01T00:01:00Z"],
        &response,
    );
    assert_eq!(
        (code, json["error"]["code"].as_str()),
        (1, Some("decryption_key_missing"))
    );
}

/// The security review's reproduction (Jager-Somorovsky 2011): the default AES-256-GCM response
/// switched to AES-256-CBC under the same key, its content cut to IV + 3 blocks and byte [-17]
/// (which sets the padding length) run through all 256 values. Before the fix, 16 values
/// answered `invalid_utf8` and 240 `decryption_failed`.
fn switched_to_cbc(response: &[u8], value: u8) -> Vec<u8> {
    use base64::Engine as _;
    let text = String::from_utf8(response.to_vec())
        .expect("utf-8")
        .replace(
            "http://www.w3.org/2009/xmlenc11#aes256-gcm",
            "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
        );
    let open = "<xenc:CipherValue>";
    // The content CipherValue is the last; the EncryptedKey's comes first.
    let start = text.rfind(open).expect("CipherValue") + open.len();
    let end = start + text[start..].find("</xenc:CipherValue>").expect("end");
    let engine = base64::engine::general_purpose::STANDARD;
    let mut content = engine.decode(&text[start..end]).expect("base64");
    content.truncate(64);
    content[64 - 17] = value;
    format!(
        "{}{}{}",
        &text[..start],
        engine.encode(&content),
        &text[end..]
    )
    .into_bytes()
}

#[test]
fn cbc_switched_response_is_refused_and_every_padding_byte_answers_alike() {
    let dir = tempfile::tempdir().expect("tempdir");
    let metadata = idp_metadata(&dir);
    let response = issue(&[
        "--acs-url",
        ACS,
        "--audience",
        SP,
        "--encrypt-to",
        &key("sp.cert.pem"),
    ]);
    assert!(String::from_utf8_lossy(&response).contains("xmlenc11#aes256-gcm"));
    let sp_key = key("sp.key.pem");
    let base = [
        "--allow-idp-initiated",
        "--now",
        "2027-01-01T00:01:00Z",
        "--decrypt-key",
        &sp_key,
    ];
    // By default AES-CBC is refused before decryption.
    let (code, json) = verify(&metadata, &base, &switched_to_cbc(&response, 0));
    assert_eq!(
        (code, json["error"]["code"].as_str()),
        (1, Some("encryption_method_not_allowed")),
        "{json}"
    );
    // Opted in, one answer for all 256 values.
    let mut opted_in = base.to_vec();
    opted_in.push("--allow-aes-cbc");
    let mut answers = std::collections::BTreeSet::new();
    for value in 0..=255u8 {
        let (code, json) = verify(&metadata, &opted_in, &switched_to_cbc(&response, value));
        assert_eq!(code, 1, "{json}");
        answers.insert(json["error"].to_string());
    }
    assert_eq!(answers.len(), 1, "{answers:?}");
    let only = answers.first().expect("one");
    assert!(only.contains("\"decryption_failed\""), "{only}");
    // The honest GCM response still verifies with the opt-in on.
    let (code, json) = verify(&metadata, &opted_in, &response);
    assert_eq!(code, 0, "{json}");
}
