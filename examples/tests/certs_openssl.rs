//! fedkit-certs against the openssl command: certificates we make satisfy `openssl x509` and
//! `openssl verify -check_ss_sig`; our signatures verify with `openssl dgst -verify` and
//! openssl's with ours; what `certs show` prints is what openssl prints. These tests need the
//! `openssl` command (.ci/run installs it) and fail, not skip, without it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{TimeZone, Utc};
use fedkit_certs::{
    Certificate, DistinguishedName, PrivateKey, SelfSignedLeaf, SignatureAlgorithm,
    default_provider,
};
use getrandom::rand_core::UnwrapErr;
use serde_json::Value;

fn openssl(args: &[&str]) -> Output {
    match Command::new("openssl").args(args).output() {
        Ok(output) => output,
        Err(e) => panic!(
            "cannot run the openssl command ({e}); these tests need it: apt-get install openssl"
        ),
    }
}

fn openssl_ok(args: &[&str]) -> String {
    let output = openssl(args);
    assert!(
        output.status.success(),
        "openssl {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn certs(args: &[&str]) -> (bool, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_certs"))
        .args(args)
        .output()
        .expect("run the certs binary");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "certs {args:?} printed no JSON ({e}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    // The contract: success is exit 0, bad input exit 1 (clap's usage errors are 2, not JSON).
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "certs {args:?} exited with {:?}",
        output.status
    );
    (output.status.success(), json)
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_string_lossy().into_owned()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/certs/tests/data")
        .join(name)
}

#[test]
fn generated_certificates_satisfy_openssl_x509_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = (path(dir.path(), "key.pem"), path(dir.path(), "cert.pem"));
    let (ok, shown) = certs(&[
        "new",
        "--cn",
        "idp.example.test",
        "--org",
        "Example IdP",
        "--months",
        "24",
        "--key-out",
        &key,
        "--cert-out",
        &cert,
    ]);
    assert!(ok, "{shown}");

    let text = openssl_ok(&["x509", "-in", &cert, "-noout", "-text"]);
    for expected in [
        "Version: 3 (0x2)",
        "Signature Algorithm: sha256WithRSAEncryption",
        "Public-Key: (2048 bit)",
        "X509v3 Basic Constraints: critical",
        "CA:FALSE",
        "X509v3 Key Usage: critical",
        "Digital Signature, Key Encipherment",
        "X509v3 Subject Key Identifier",
        "Subject: O = Example IdP, CN = idp.example.test",
    ] {
        assert!(
            text.contains(expected),
            "openssl -text lacks {expected:?}:\n{text}"
        );
    }
    let verified = openssl_ok(&["verify", "-check_ss_sig", "-CAfile", &cert, &cert]);
    assert_eq!(verified.trim(), format!("{cert}: OK"));
    // The key file is PKCS#8 that openssl checks as consistent.
    assert!(openssl_ok(&["rsa", "-in", &key, "-check", "-noout"]).contains("RSA key ok"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the private key is readable by its owner only"
        );
    }

    // 24 months from notBefore, as `certs new --months 24` asked.
    let not_before: chrono::DateTime<Utc> = shown["not_before"].as_str().unwrap().parse().unwrap();
    let not_after: chrono::DateTime<Utc> = shown["not_after"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        not_before.checked_add_months(chrono::Months::new(24)),
        Some(not_after)
    );
    assert_eq!(shown["status"], "valid");
    assert_show_matches_openssl(&cert, &shown);
}

#[test]
fn bits_option_makes_3072_and_4096_bit_keys() {
    let dir = tempfile::tempdir().unwrap();
    for bits in ["3072", "4096"] {
        let (key, cert) = (path(dir.path(), "k.pem"), path(dir.path(), "c.pem"));
        let (ok, shown) = certs(&[
            "new",
            "--cn",
            "big.example.test",
            "--bits",
            bits,
            "--key-out",
            &key,
            "--cert-out",
            &cert,
        ]);
        assert!(ok, "{shown}");
        assert_eq!(shown["key"]["bits"].to_string(), bits);
        assert!(
            openssl_ok(&["x509", "-in", &cert, "-noout", "-text"])
                .contains(&format!("Public-Key: ({bits} bit)"))
        );
    }
    let (ok, err) = certs(&[
        "new",
        "--cn",
        "x",
        "--bits",
        "1024",
        "--key-out",
        &path(dir.path(), "k"),
        "--cert-out",
        &path(dir.path(), "c"),
    ]);
    assert!(!ok);
    assert_eq!(err["error"]["code"], "unsupported_rsa_key_size");
}

/// Compares `certs show` output with openssl's view of the same file.
fn assert_show_matches_openssl(cert: &str, shown: &Value) {
    let field = |flag: &str| -> String {
        let out = openssl_ok(&["x509", "-in", cert, "-noout", flag, "-nameopt", "RFC2253"]);
        out.trim()
            .split_once('=')
            .map(|(_, v)| v.to_string())
            .unwrap_or_default()
    };
    assert_eq!(shown["subject"], field("-subject"));
    assert_eq!(shown["issuer"], field("-issuer"));
    assert_eq!(shown["serial"], field("-serial"));
    let fingerprint = |md: &str| {
        let out = openssl_ok(&["x509", "-in", cert, "-noout", "-fingerprint", md]);
        out.trim()
            .rsplit_once('=')
            .map(|(_, v)| v.to_string())
            .unwrap_or_default()
    };
    assert_eq!(shown["sha256"], fingerprint("-sha256"));
    assert_eq!(shown["sha1"], fingerprint("-sha1"));
    let dates = openssl_ok(&[
        "x509", "-in", cert, "-noout", "-dates", "-dateopt", "iso_8601",
    ]);
    // iso_8601 prints "notBefore=2026-12-03 12:00:00Z".
    let iso = |key: &str| {
        dates
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|v| v.replace(' ', "T"))
            .unwrap_or_default()
    };
    assert_eq!(shown["not_before"], iso("notBefore="));
    assert_eq!(shown["not_after"], iso("notAfter="));
}

#[test]
fn show_agrees_with_openssl_on_every_fixture_shape() {
    let now = "2026-12-03T00:00:00Z";
    for (file, status) in [
        ("idp-rsa2048.pem", "valid"),
        ("expired.pem", "expired"),
        ("not-yet-valid.pem", "not_yet_valid"),
        ("sha1-signed.pem", "valid"),
        ("p256.pem", "valid"),
    ] {
        let cert = fixture(file);
        let cert = cert.to_string_lossy();
        let (ok, shown) = certs(&["show", &cert, "--now", now]);
        assert!(ok, "{file}: {shown}");
        assert_eq!(shown["status"], status, "{file}");
        assert_show_matches_openssl(&cert, &shown);
    }
    // DER, bare base64 and the other shapes print the same object.
    let (_, reference) = certs(&[
        "show",
        &fixture("idp-rsa2048.pem").to_string_lossy(),
        "--now",
        now,
    ]);
    for shape in [
        "idp-rsa2048.der",
        "idp-rsa2048.oneline.b64",
        "idp-rsa2048.76col.b64",
        "idp-rsa2048.crlf.pem",
        "idp-rsa2048.entity13.b64",
        "idp-rsa2048.text-dump.pem",
    ] {
        let (ok, shown) = certs(&["show", &fixture(shape).to_string_lossy(), "--now", now]);
        assert!(ok, "{shape}: {shown}");
        assert_eq!(shown, reference, "{shape}");
    }
    assert_eq!(
        reference["key"],
        serde_json::json!({"alg": "RSA", "bits": 2048})
    );
}

#[test]
fn show_warns_within_the_window_it_is_given() {
    let cert = fixture("idp-rsa2048.pem");
    let cert = cert.to_string_lossy();
    // notAfter is 2031-01-01T00:00:00Z; 90 days before is 2030-10-03T00:00:00Z.
    let status = |now: &str, days: &str| {
        certs(&["show", &cert, "--now", now, "--warn-days", days]).1["status"].clone()
    };
    assert_eq!(status("2030-10-02T23:59:59Z", "90"), "valid");
    assert_eq!(status("2030-10-03T00:00:00Z", "90"), "expiring");
    assert_eq!(status("2030-10-03T00:00:00Z", "30"), "valid");
    assert_eq!(status("2031-01-01T00:00:01Z", "90"), "expired");
}

#[test]
fn show_fails_with_a_json_error_on_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = path(dir.path(), "garbage.txt");
    std::fs::write(&garbage, "not a certificate at all").unwrap();
    let punctuation = path(dir.path(), "punctuation.txt");
    std::fs::write(&punctuation, "certificate: none!").unwrap();
    for (file, code) in [
        // Twenty letters are valid base64, of bytes that are not DER.
        (garbage.clone(), "invalid_certificate"),
        (punctuation, "invalid_base64"),
        (
            fixture("ed25519.pem").to_string_lossy().into_owned(),
            "unsupported_key_algorithm",
        ),
        (
            fixture("chain.pem").to_string_lossy().into_owned(),
            "multiple_certificates",
        ),
        (
            fixture("cert-and-key.pem").to_string_lossy().into_owned(),
            "malformed_pem",
        ),
        (path(dir.path(), "missing.pem"), "file_unreadable"),
    ] {
        let (ok, err) = certs(&["show", &file]);
        assert!(!ok, "{file}");
        assert_eq!(err["error"]["code"], code, "{file}: {err}");
        assert!(
            err["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let pem = fixture("idp-rsa2048.pem");
    let (ok, err) = certs(&["show", &pem.to_string_lossy(), "--now", "yesterday"]);
    assert!(!ok);
    assert_eq!(err["error"]["code"], "invalid_now");
}

/// DER `SEQUENCE { INTEGER r, INTEGER s }` from XML-DSig's `r || s`, for openssl.
fn ecdsa_der(raw: &[u8]) -> Vec<u8> {
    let integer = |bytes: &[u8]| {
        let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
        let mut body = if trimmed.first().is_some_and(|b| b & 0x80 != 0) {
            vec![0]
        } else {
            vec![]
        };
        body.extend(trimmed);
        let mut out = vec![0x02, body.len() as u8];
        out.extend(body);
        out
    };
    let (r, s) = raw.split_at(32);
    let mut content = integer(r);
    content.extend(integer(s));
    let mut out = vec![0x30, content.len() as u8];
    out.extend(content);
    out
}

#[test]
fn our_signatures_verify_with_openssl_dgst() {
    let dir = tempfile::tempdir().unwrap();
    let message = path(dir.path(), "message.txt");
    std::fs::write(&message, b"<ds:SignedInfo>signed by fedkit</ds:SignedInfo>").unwrap();
    let mut rng = UnwrapErr(getrandom::SysRng);
    let cases: [(&str, SignatureAlgorithm, &str, &[&str]); 7] = [
        (
            "rsa2048.key.pem",
            SignatureAlgorithm::RsaPkcs1Sha256,
            "-sha256",
            &[],
        ),
        (
            "rsa2048.key.pem",
            SignatureAlgorithm::RsaPkcs1Sha384,
            "-sha384",
            &[],
        ),
        (
            "rsa2048.key.pem",
            SignatureAlgorithm::RsaPkcs1Sha512,
            "-sha512",
            &[],
        ),
        (
            "rsa2048.key.pem",
            SignatureAlgorithm::RsaPssSha256,
            "-sha256",
            &[
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                "rsa_pss_saltlen:digest",
            ],
        ),
        (
            "rsa2048.key.pem",
            SignatureAlgorithm::RsaPssSha384,
            "-sha384",
            &[
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                "rsa_pss_saltlen:digest",
            ],
        ),
        (
            "rsa2048.key.pem",
            SignatureAlgorithm::RsaPssSha512,
            "-sha512",
            &[
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                "rsa_pss_saltlen:digest",
            ],
        ),
        (
            "p256.key.pem",
            SignatureAlgorithm::EcdsaP256Sha256,
            "-sha256",
            &[],
        ),
    ];
    for (key_file, alg, md, options) in cases {
        let key =
            PrivateKey::from_pem(&std::fs::read_to_string(fixture(key_file)).unwrap()).unwrap();
        let signer = default_provider().signing_key(&key).unwrap();
        let raw = signer
            .sign(alg, &std::fs::read(&message).unwrap(), &mut rng)
            .unwrap();
        let for_openssl = if alg == SignatureAlgorithm::EcdsaP256Sha256 {
            ecdsa_der(&raw)
        } else {
            raw
        };
        let sig = path(dir.path(), "sig.bin");
        std::fs::write(&sig, for_openssl).unwrap();
        let public = path(dir.path(), "pub.pem");
        std::fs::write(&public, key.public_key().to_pem()).unwrap();
        let mut args = vec!["dgst", md, "-verify", &public, "-signature", &sig];
        args.extend_from_slice(options);
        args.push(&message);
        assert_eq!(openssl_ok(&args).trim(), "Verified OK", "{alg:?}");
        // A changed message fails in openssl too.
        let tampered = path(dir.path(), "tampered.txt");
        std::fs::write(
            &tampered,
            b"<ds:SignedInfo>signed by someone</ds:SignedInfo>",
        )
        .unwrap();
        let last = args.len() - 1;
        args[last] = &tampered;
        assert!(!openssl(&args).status.success(), "{alg:?} tampered");
    }
}

#[test]
fn openssl_signatures_verify_with_ours_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let message = path(dir.path(), "message.txt");
    std::fs::write(
        &message,
        b"<ds:SignedInfo>signed by openssl</ds:SignedInfo>",
    )
    .unwrap();
    let key = fixture("rsa2048.key.pem").to_string_lossy().into_owned();
    let cert = fixture("idp-rsa2048.pem").to_string_lossy().into_owned();
    let sig = path(dir.path(), "sig.bin");
    for (md, alg, options) in [
        ("-sha256", "rsa-sha256", &[][..]),
        ("-sha512", "rsa-sha512", &[][..]),
        (
            "-sha256",
            "rsa-pss-sha256",
            &[
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                "rsa_pss_saltlen:digest",
            ][..],
        ),
    ] {
        let mut args = vec!["dgst", md, "-sign", &key, "-out", &sig];
        args.extend_from_slice(options);
        args.push(&message);
        openssl_ok(&args);
        let (ok, out) = certs(&[
            "verify", "--cert", &cert, "--alg", alg, "--in", &message, "--sig", &sig,
        ]);
        assert!(ok, "{alg}: {out}");
        assert_eq!(out["verified"], true);
        // The other certificate's key does not verify it.
        let other = fixture("idp-rsa2048-next.pem")
            .to_string_lossy()
            .into_owned();
        let (ok, out) = certs(&[
            "verify", "--cert", &other, "--alg", alg, "--in", &message, "--sig", &sig,
        ]);
        assert!(!ok);
        assert_eq!(out["error"]["code"], "signature_invalid");
    }
    // SHA-1 only with --legacy-sha1.
    openssl_ok(&["dgst", "-sha1", "-sign", &key, "-out", &sig, &message]);
    let (ok, out) = certs(&[
        "verify", "--cert", &cert, "--alg", "rsa-sha1", "--in", &message, "--sig", &sig,
    ]);
    assert!(!ok);
    assert_eq!(out["error"]["code"], "algorithm_not_allowed");
    let (ok, out) = certs(&[
        "verify",
        "--cert",
        &cert,
        "--alg",
        "rsa-sha1",
        "--legacy-sha1",
        "--in",
        &message,
        "--sig",
        &sig,
    ]);
    assert!(ok, "{out}");
    // ECDSA from openssl (DER) converted to r || s by hand is checked in the crate's fixtures
    // (message.ecdsa-p256-sha256.sig); here the CLI signs and openssl verifies the other way.
    let ec_key = fixture("p256.key.pem").to_string_lossy().into_owned();
    let (ok, out) = certs(&[
        "sign",
        "--key",
        &ec_key,
        "--alg",
        "ecdsa-p256-sha256",
        "--in",
        &message,
        "--out",
        &sig,
    ]);
    assert!(ok, "{out}");
    assert_eq!(out["bytes"], 64);
}

#[test]
fn library_built_leaves_pass_openssl_verify_for_rsa_and_ec() {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    let mut rng = UnwrapErr(getrandom::SysRng);
    for (key_file, alg, usage) in [
        (
            "rsa2048.key.pem",
            SignatureAlgorithm::RsaPkcs1Sha384,
            "Digital Signature, Key Encipherment",
        ),
        (
            "p256.key.pem",
            SignatureAlgorithm::EcdsaP256Sha256,
            "Digital Signature",
        ),
    ] {
        let key =
            PrivateKey::from_pem(&std::fs::read_to_string(fixture(key_file)).unwrap()).unwrap();
        let subject = DistinguishedName::new()
            .country("DE")
            .organization("Beispiel GmbH")
            .common_name("sp.example.test");
        let cert = SelfSignedLeaf::new(subject)
            .signature_algorithm(alg)
            .validity_months(12)
            .build(&key, now, &mut rng)
            .unwrap();
        let file = path(dir.path(), "leaf.pem");
        std::fs::write(&file, cert.to_pem()).unwrap();
        let text = openssl_ok(&["x509", "-in", &file, "-noout", "-text"]);
        assert!(
            text.contains("Subject: C = DE, O = Beispiel GmbH, CN = sp.example.test"),
            "{text}"
        );
        assert!(text.contains(usage), "{text}");
        assert!(
            text.contains("Not Before: Jun  1 00:00:00 2026 GMT"),
            "{text}"
        );
        assert!(
            text.contains("Not After : Jun  1 00:00:00 2027 GMT"),
            "{text}"
        );
        // -attime: openssl judges validity at a chosen instant too (2026-07-01).
        let verified = openssl_ok(&[
            "verify",
            "-check_ss_sig",
            "-attime",
            "1782864000",
            "-CAfile",
            &file,
            &file,
        ]);
        assert_eq!(verified.trim(), format!("{file}: OK"));
        assert_eq!(
            Certificate::parse(std::fs::read(&file).unwrap()).unwrap(),
            cert
        );
    }
}

#[test]
fn keys_we_export_are_read_by_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let key = PrivateKey::from_pem(&std::fs::read_to_string(fixture("rsa2048.key.pem")).unwrap())
        .unwrap();
    let pkcs1 = path(dir.path(), "pkcs1.pem");
    std::fs::write(&pkcs1, key.to_pkcs1_pem().unwrap().as_bytes()).unwrap();
    assert!(openssl_ok(&["rsa", "-in", &pkcs1, "-check", "-noout"]).contains("RSA key ok"));
    let ec =
        PrivateKey::from_pem(&std::fs::read_to_string(fixture("p256.key.pem")).unwrap()).unwrap();
    let pkcs8 = path(dir.path(), "ec.pem");
    std::fs::write(&pkcs8, ec.to_pkcs8_pem().unwrap().as_bytes()).unwrap();
    let public = openssl_ok(&["pkey", "-in", &pkcs8, "-pubout"]);
    assert_eq!(public, ec.public_key().to_pem());
}
