//! Metadata: written and read back, KeyDescriptors with and without `use`, nested
//! EntitiesDescriptor, only http(s) endpoints, signed metadata verified against a key.

#[path = "support/fixtures.rs"]
mod fixtures;

use fedkit_certs::{Certificate, default_provider};
use fedkit_saml::names::{BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, NAMEID_EMAIL};
use fedkit_saml::{Endpoint, EntityDescriptor, KeyDescriptor, KeyUse, RoleDescriptor, Signer};
use fedkit_xml::Limits;
use fedkit_xmldsig::VerifyPolicy;
use fixtures::*;

fn endpoint(binding: &str, location: &str) -> Endpoint {
    Endpoint {
        binding: binding.to_owned(),
        location: location.to_owned(),
        response_location: None,
        index: None,
        is_default: false,
    }
}

fn idp_metadata() -> EntityDescriptor {
    EntityDescriptor {
        entity_id: IDP.to_owned(),
        valid_until: None,
        idp: Some(RoleDescriptor {
            keys: vec![
                KeyDescriptor {
                    key_use: KeyUse::Signing,
                    certificates: vec![Certificate::parse(IDP_CERT).expect("cert")],
                },
                // The next key of a rotation, published without `use`.
                KeyDescriptor {
                    key_use: KeyUse::Unspecified,
                    certificates: vec![Certificate::parse(SP_CERT).expect("cert")],
                },
                KeyDescriptor {
                    key_use: KeyUse::Encryption,
                    certificates: vec![Certificate::parse(ATTACKER_CERT).expect("cert")],
                },
            ],
            single_logout: vec![endpoint(
                BINDING_HTTP_REDIRECT,
                "https://idp.example.com/slo",
            )],
            name_id_formats: vec![NAMEID_EMAIL.to_owned()],
            services: vec![
                endpoint(BINDING_HTTP_REDIRECT, "https://idp.example.com/sso"),
                endpoint(BINDING_HTTP_POST, "https://idp.example.com/sso"),
            ],
            requests_signed: true,
            want_assertions_signed: false,
        }),
        sp: None,
    }
}

#[test]
fn written_metadata_reads_back_the_same() {
    let metadata = idp_metadata();
    let xml = metadata.to_xml();
    let read = EntityDescriptor::parse(xml.as_bytes(), &Limits::default()).expect("parse");
    assert_eq!(read, std::slice::from_ref(&metadata));
    let role = read[0].idp.as_ref().expect("idp");
    // Signing: the `use="signing"` key and the one without `use`; never the encryption key.
    let signing: Vec<_> = role.certificates(KeyUse::Signing).collect();
    assert_eq!(signing.len(), 2);
    assert_eq!(read[0].idp_signing_trust().expect("trust").len(), 2);
    assert_eq!(
        role.service(BINDING_HTTP_POST).map(|e| e.location.as_str()),
        Some("https://idp.example.com/sso")
    );
}

#[test]
fn signed_metadata_verifies_and_tampering_is_caught() {
    let mut rng = TestRng(21);
    let signer = Signer::new(&credential(IDP_KEY, IDP_CERT), default_provider()).expect("signer");
    let signed = signer
        .sign_xml(&idp_metadata().to_xml(), &mut rng)
        .expect("sign");
    let policy = VerifyPolicy::default();
    let ok = EntityDescriptor::parse_signed(
        signed.as_bytes(),
        &Limits::default(),
        &trust(IDP_CERT),
        &policy,
        t0(),
    )
    .expect("verified");
    assert_eq!(ok[0].entity_id, IDP);
    let tampered = signed.replace(
        "https://idp.example.com/sso",
        "https://evil.example.com/sso",
    );
    let err = EntityDescriptor::parse_signed(
        tampered.as_bytes(),
        &Limits::default(),
        &trust(IDP_CERT),
        &policy,
        t0(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "digest_mismatch");
    let wrong_key = EntityDescriptor::parse_signed(
        signed.as_bytes(),
        &Limits::default(),
        &trust(ATTACKER_CERT),
        &policy,
        t0(),
    );
    assert_eq!(wrong_key.unwrap_err().code(), "untrusted_key");
    let unsigned = EntityDescriptor::parse_signed(
        idp_metadata().to_xml().as_bytes(),
        &Limits::default(),
        &trust(IDP_CERT),
        &policy,
        t0(),
    );
    assert_eq!(unsigned.unwrap_err().code(), "metadata_unsigned");
}

#[test]
fn script_urls_in_endpoints_are_refused() {
    // CVE-2023-45683 shape: an SP registers a javascript: ACS.
    let xml = br#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example.com/metadata"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="javascript:alert(document.domain)" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>"#;
    let err = EntityDescriptor::parse(xml, &Limits::default()).unwrap_err();
    assert_eq!(err.code(), "endpoint_url_not_http");
}

#[test]
fn nested_entities_are_all_found() {
    let inner = idp_metadata().to_xml();
    let xml = format!(
        r#"<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"><md:EntitiesDescriptor>{inner}</md:EntitiesDescriptor><md:EntityDescriptor entityID="https://sp.example.com/metadata"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" AuthnRequestsSigned="true"><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.com/acs" index="1" isDefault="true"/></md:SPSSODescriptor></md:EntityDescriptor></md:EntitiesDescriptor>"#
    );
    let all = EntityDescriptor::parse(xml.as_bytes(), &Limits::default()).expect("parse");
    let ids: Vec<&str> = all.iter().map(|e| e.entity_id.as_str()).collect();
    assert_eq!(ids, [IDP, SP]);
    let acs = &all[1].sp.as_ref().expect("sp").services[0];
    assert_eq!((acs.index, acs.is_default), (Some(1), true));
    assert!(all[1].sp.as_ref().expect("sp").requests_signed);
}
