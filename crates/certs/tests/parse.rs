//! Parsing what real uploads and metadata contain: the table in data/parse-cases.toml, checked
//! against what openssl says about each fixture (data/expected.toml, written from openssl's
//! output by data/make-fixtures.sh).

#[path = "support/fixtures.rs"]
mod fixtures;

use fedkit_certs::{Certificate, DigestAlgorithm, Error, Fingerprint, ParseLimits};

#[derive(serde::Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    file: Option<String>,
    input: Option<String>,
    expect: String,
    #[serde(default)]
    fixtures: Vec<String>,
    reason: String,
}

#[test]
fn every_input_shape_in_the_table() {
    let cases: Cases = toml::from_str(include_str!("data/parse-cases.toml")).unwrap();
    let expected = fixtures::expected();
    assert!(cases.case.len() >= 20);
    for case in &cases.case {
        let bytes: Vec<u8> = match (&case.file, &case.input) {
            (Some(file), None) => fixtures::file(file).to_vec(),
            (None, Some(input)) => input.as_bytes().to_vec(),
            _ => panic!("case needs exactly one of file/input: {}", case.reason),
        };
        let result = Certificate::parse_all(&bytes);
        if case.expect == "ok" {
            let certs = result.unwrap_or_else(|e| panic!("{}: {e:?}", case.reason));
            let got: Vec<String> = certs
                .iter()
                .map(|c| c.sha256_fingerprint().to_string())
                .collect();
            let want: Vec<String> = case
                .fixtures
                .iter()
                .map(|name| expected[name.as_str()].sha256.clone())
                .collect();
            assert_eq!(got, want, "{}", case.reason);
            let single = Certificate::parse(&bytes);
            if want.len() == 1 {
                assert_eq!(single.unwrap(), certs[0], "{}", case.reason);
            } else {
                assert_eq!(
                    single.unwrap_err(),
                    Error::MultipleCertificates { count: want.len() },
                    "{}",
                    case.reason
                );
            }
        } else {
            let err = result.expect_err(&case.reason);
            assert_eq!(err.code(), case.expect, "{}: {err:?}", case.reason);
            assert!(Certificate::parse(&bytes).is_err(), "{}", case.reason);
        }
    }
}

#[test]
fn input_size_limit_holds_at_its_edge() {
    let pem = fixtures::file("idp-rsa2048.pem");
    let exact = ParseLimits {
        max_input_bytes: pem.len(),
        ..ParseLimits::default()
    };
    assert!(Certificate::parse_with_limits(pem, &exact).is_ok());
    let one_less = ParseLimits {
        max_input_bytes: pem.len() - 1,
        ..ParseLimits::default()
    };
    assert_eq!(
        Certificate::parse_with_limits(pem, &one_less).unwrap_err(),
        Error::InputTooLarge {
            actual: pem.len(),
            limit: pem.len() - 1
        }
    );
    assert_eq!(ParseLimits::default().max_input_bytes, 256 * 1024);
}

#[test]
fn certificate_count_limit_holds_at_its_edge_for_pem_and_der_chains() {
    for file in ["chain.pem", "chain-der-concat.b64"] {
        let chain = fixtures::file(file);
        let two = ParseLimits {
            max_certificates: 2,
            ..ParseLimits::default()
        };
        assert_eq!(
            Certificate::parse_all_with_limits(chain, &two)
                .unwrap()
                .len(),
            2
        );
        let one = ParseLimits {
            max_certificates: 1,
            ..ParseLimits::default()
        };
        assert_eq!(
            Certificate::parse_all_with_limits(chain, &one).unwrap_err(),
            Error::TooManyCertificates { limit: 1 },
            "{file}"
        );
    }
    assert_eq!(ParseLimits::default().max_certificates, 16);
}

#[test]
fn default_limit_refuses_a_flood_of_certificates() {
    let pem = String::from_utf8(fixtures::file("idp-rsa2048.pem").to_vec()).unwrap();
    let sixteen = pem.repeat(16);
    assert_eq!(
        Certificate::parse_all(sixteen.as_bytes()).unwrap().len(),
        16
    );
    let seventeen = pem.repeat(17);
    assert_eq!(
        Certificate::parse_all(seventeen.as_bytes())
            .unwrap_err()
            .code(),
        "too_many_certificates"
    );
}

#[test]
fn output_encodings_round_trip() {
    let cert = Certificate::parse(fixtures::file("idp-rsa2048.pem")).unwrap();
    // Our PEM is byte for byte what openssl wrote.
    assert_eq!(cert.to_pem().as_bytes(), fixtures::file("idp-rsa2048.pem"));
    assert_eq!(cert.der(), fixtures::file("idp-rsa2048.der"));
    assert_eq!(
        cert.to_base64().as_bytes(),
        fixtures::file("idp-rsa2048.oneline.b64")
    );
    assert_eq!(Certificate::from_der(cert.der()).unwrap(), cert);
    let mut trailing = cert.der().to_vec();
    trailing.push(0);
    assert_eq!(
        Certificate::from_der(&trailing).unwrap_err().code(),
        "invalid_certificate"
    );
    let fp = Fingerprint::of(DigestAlgorithm::Sha256, cert.der());
    assert_eq!(&fp, cert.sha256_fingerprint());
}

#[test]
fn certificates_serialise_as_base64_der() {
    let cert = Certificate::parse(fixtures::file("idp-rsa2048.pem")).unwrap();
    let json = serde_json::to_string(&cert).unwrap();
    assert_eq!(json, format!("\"{}\"", cert.to_base64()));
    let back: Certificate = serde_json::from_str(&json).unwrap();
    assert_eq!(back, cert);
    assert!(serde_json::from_str::<Certificate>("\"not a cert\"").is_err());
}
