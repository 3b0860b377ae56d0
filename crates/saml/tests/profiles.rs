//! The AWS profiles: a good console response passes, each fault of a bad one is reported
//! (rows in data/aws_profiles.toml), and IAM Identity Center's rules for responses and metadata.

#[path = "support/fixtures.rs"]
mod fixtures;

use fedkit_certs::Certificate;
use fedkit_saml::names::{BINDING_HTTP_POST, NAMEID_EMAIL, NAMEID_UNSPECIFIED};
use fedkit_saml::{
    Attribute, AttributeValue, Endpoint, EntityDescriptor, KeyDescriptor, KeyUse, NameId,
    ResponseParams, RoleDescriptor, check_aws_console, check_identity_center,
    check_identity_center_metadata,
};
use fixtures::*;

#[derive(serde::Deserialize)]
struct Table {
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    acs: String,
    audience: String,
    name_id: String,
    attrs: Vec<String>,
    console: Vec<String>,
    identity_center: Vec<String>,
    #[allow(dead_code)]
    reason: String,
}

fn codes(faults: Vec<fedkit_saml::ProfileFault>) -> Vec<String> {
    faults.into_iter().map(|f| f.code.to_owned()).collect()
}

#[test]
fn every_row_reports_its_faults() {
    let table: Table = toml::from_str(include_str!("data/aws_profiles.toml")).expect("table");
    let idp = idp();
    for case in &table.case {
        let mut p = ResponseParams::new(
            &case.acs,
            &case.audience,
            NameId::new(&case.name_id, NAMEID_EMAIL),
        );
        for pair in &case.attrs {
            let (name, value) = pair.split_once('=').expect("NAME=VALUE");
            let name = format!("https://aws.amazon.com/SAML/Attributes/{name}");
            match p.attributes.iter_mut().find(|a| a.name == name) {
                Some(a) => a.values.push(AttributeValue::string(value)),
                None => p.attributes.push(Attribute::strings(name, [value])),
            }
        }
        let xml = idp.response(&p, t0(), &mut TestRng(77)).expect("issue");
        assert_eq!(
            codes(check_aws_console(&xml)),
            case.console,
            "{}: console",
            case.name
        );
        assert_eq!(
            codes(check_identity_center(&xml)),
            case.identity_center,
            "{}: identity center",
            case.name
        );
    }
}

#[test]
fn identity_center_refuses_encryption_other_formats_and_unsigned() {
    let idp = idp();
    let mut p = ResponseParams::new(
        ACS,
        SP,
        NameId::new("alice@example.com", NAMEID_UNSPECIFIED),
    );
    let xml = idp.response(&p, t0(), &mut TestRng(78)).expect("issue");
    assert_eq!(codes(check_identity_center(&xml)), ["iic_name_id_format"]);
    p.name_id = NameId::new("alice@example.com", NAMEID_EMAIL);
    p.encrypt_to = Some(Certificate::parse(SP_CERT).expect("cert"));
    let xml = idp.response(&p, t0(), &mut TestRng(79)).expect("issue");
    assert_eq!(codes(check_identity_center(&xml)), ["iic_encrypted"]);
    let unsigned = r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r" Version="2.0"><saml:Assertion ID="_a" Version="2.0" IssueInstant="2027-01-01T00:00:00Z"><saml:Issuer>i</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">a@example.com</saml:NameID></saml:Subject></saml:Assertion></samlp:Response>"#;
    assert_eq!(codes(check_identity_center(unsigned)), ["iic_unsigned"]);
}

fn metadata(keys: Vec<KeyDescriptor>, extra_formats: usize) -> String {
    EntityDescriptor {
        entity_id: IDP.to_owned(),
        valid_until: None,
        idp: Some(RoleDescriptor {
            keys,
            single_logout: Vec::new(),
            name_id_formats: std::iter::repeat_n(NAMEID_EMAIL.to_owned(), 1 + extra_formats)
                .collect(),
            services: vec![Endpoint {
                binding: BINDING_HTTP_POST.to_owned(),
                location: "https://idp.example.com/sso".to_owned(),
                response_location: None,
                index: None,
                is_default: false,
            }],
            requests_signed: false,
            want_assertions_signed: false,
        }),
        sp: None,
    }
    .to_xml()
}

#[test]
fn identity_center_metadata_rules_and_the_size_limit_at_its_edge() {
    let cert = Certificate::parse(IDP_CERT).expect("cert");
    let signing = KeyDescriptor {
        key_use: KeyUse::Signing,
        certificates: vec![cert.clone()],
    };
    let good = metadata(vec![signing.clone()], 0);
    assert_eq!(
        codes(check_identity_center_metadata(&good)),
        Vec::<String>::new()
    );
    let with_encryption = metadata(
        vec![
            signing.clone(),
            KeyDescriptor {
                key_use: KeyUse::Encryption,
                certificates: vec![cert],
            },
        ],
        0,
    );
    assert_eq!(
        codes(check_identity_center_metadata(&with_encryption)),
        ["iic_metadata_encryption_key"]
    );
    assert_eq!(
        codes(check_identity_center_metadata(&metadata(vec![], 0))),
        ["iic_metadata_no_signing_certificate"]
    );

    // Grow the document with NameIDFormat lines, then pad with whitespace to exactly the limit.
    let big = metadata(vec![signing], 800);
    let cut = big.rfind("</md:IDPSSODescriptor>").expect("end");
    let (head, tail) = big.split_at(cut);
    let short = 75_000 - big.chars().count();
    let at_limit = format!("{head}{}{tail}", " ".repeat(short));
    assert_eq!(at_limit.chars().count(), 75_000);
    assert_eq!(
        codes(check_identity_center_metadata(&at_limit)),
        Vec::<String>::new()
    );
    let over = format!("{head}{} {tail}", " ".repeat(short));
    assert_eq!(
        codes(check_identity_center_metadata(&over)),
        ["iic_metadata_too_large"]
    );
}
