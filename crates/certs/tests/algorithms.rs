//! Algorithm identifiers: the XML-DSig URIs (RFC 3275, RFC 4051, RFC 6931, XML-Enc) in
//! data/algorithm-uris.toml, one row per algorithm with where the URI is defined.

use fedkit_certs::{DigestAlgorithm, SignatureAlgorithm};

#[derive(serde::Deserialize)]
struct Table {
    signature: Vec<Row>,
    digest: Vec<Row>,
}

#[derive(serde::Deserialize)]
struct Row {
    name: String,
    uri: String,
    #[allow(dead_code)]
    source: String,
}

#[test]
fn every_uri_maps_both_ways() {
    let table: Table = toml::from_str(include_str!("data/algorithm-uris.toml")).unwrap();
    assert_eq!(table.signature.len(), 25);
    for row in &table.signature {
        let alg = SignatureAlgorithm::from_xmldsig_uri(&row.uri).unwrap();
        assert_eq!(alg.name(), row.name);
        assert_eq!(alg.xmldsig_uri(), row.uri);
    }
    assert_eq!(table.digest.len(), 10);
    for row in &table.digest {
        let alg = DigestAlgorithm::from_xmldsig_uri(&row.uri).unwrap();
        assert_eq!(alg.name(), row.name);
        assert_eq!(alg.xmldsig_uri(), row.uri);
    }
}

#[test]
fn unknown_and_near_miss_uris_are_refused() {
    for uri in [
        "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256 ",
        "HTTP://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-md5",
        "",
    ] {
        let err = SignatureAlgorithm::from_xmldsig_uri(uri).unwrap_err();
        assert_eq!(err.code(), "unsupported_algorithm", "{uri:?}");
    }
    assert_eq!(
        DigestAlgorithm::from_xmldsig_uri("http://www.w3.org/2001/04/xmldsig-more#md5")
            .unwrap_err()
            .code(),
        "unsupported_algorithm"
    );
}

#[test]
fn only_rsa_sha1_is_legacy() {
    let legacy: Vec<_> = [
        SignatureAlgorithm::RsaPkcs1Sha1,
        SignatureAlgorithm::RsaPkcs1Sha256,
        SignatureAlgorithm::RsaPssSha256,
        SignatureAlgorithm::EcdsaP256Sha256,
    ]
    .into_iter()
    .filter(|a| a.is_legacy())
    .collect();
    assert_eq!(legacy, [SignatureAlgorithm::RsaPkcs1Sha1]);
}
