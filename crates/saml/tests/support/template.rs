//! A Response written by hand from named parts, so that each test can break one condition and
//! still sign the result with the trusted key. A part set to `-` is left out.

#![allow(dead_code)]

use std::collections::BTreeMap;

pub fn defaults() -> BTreeMap<&'static str, String> {
    let parts = [
        ("response_id", "_resp1"),
        ("response_destination", "https://sp.example.com/acs"),
        ("response_in_response_to", "_req1"),
        ("response_issuer", "https://idp.example.com/metadata"),
        ("status_code", "urn:oasis:names:tc:SAML:2.0:status:Success"),
        ("assertion_id", "_assert1"),
        ("assertion_issuer", "https://idp.example.com/metadata"),
        ("name_id", "alice@example.com"),
        ("method", "urn:oasis:names:tc:SAML:2.0:cm:bearer"),
        ("recipient", "https://sp.example.com/acs"),
        ("scd_in_response_to", "_req1"),
        ("scd_not_before", "-"),
        ("scd_not_on_or_after", "2027-01-01T00:05:00Z"),
        ("cond_not_before", "2027-01-01T00:00:00Z"),
        ("cond_not_on_or_after", "2027-01-01T00:05:00Z"),
        ("audience", "https://sp.example.com/metadata"),
        ("session_not_on_or_after", "-"),
        ("issue_instant", "2027-01-01T00:00:00Z"),
    ];
    parts.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

fn attr(name: &str, value: &str) -> String {
    if value == "-" {
        String::new()
    } else {
        format!(" {name}=\"{value}\"")
    }
}

pub fn assertion(p: &BTreeMap<&'static str, String>) -> String {
    let g = |k: &str| p.get(k).map(String::as_str).unwrap_or("-");
    let issuer = if g("assertion_issuer") == "-" {
        String::new()
    } else {
        format!("<saml:Issuer>{}</saml:Issuer>", g("assertion_issuer"))
    };
    let name_id = if g("name_id") == "-" {
        String::new()
    } else {
        format!(
            "<saml:NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress\">{}</saml:NameID>",
            g("name_id")
        )
    };
    let audience = if g("audience") == "-" {
        String::new()
    } else {
        format!(
            "<saml:AudienceRestriction><saml:Audience>{}</saml:Audience></saml:AudienceRestriction>",
            g("audience")
        )
    };
    format!(
        concat!(
            "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" ID=\"{id}\" Version=\"2.0\" IssueInstant=\"{ii}\">",
            "{issuer}<saml:Subject>{name_id}<saml:SubjectConfirmation Method=\"{method}\">",
            "<saml:SubjectConfirmationData{scd_irt}{scd_nb}{scd_noa}{recipient}/></saml:SubjectConfirmation></saml:Subject>",
            "<saml:Conditions{cnb}{cnoa}>{audience}</saml:Conditions>",
            "<saml:AuthnStatement AuthnInstant=\"{ii}\" SessionIndex=\"_s1\"{snoa}><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>",
            "<saml:AttributeStatement><saml:Attribute Name=\"email\"><saml:AttributeValue xsi:type=\"xs:string\">alice@example.com</saml:AttributeValue></saml:Attribute>",
            "<saml:Attribute Name=\"groups\"><saml:AttributeValue>admins</saml:AttributeValue><saml:AttributeValue>staff</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>",
            "</saml:Assertion>"
        ),
        id = g("assertion_id"),
        ii = g("issue_instant"),
        issuer = issuer,
        name_id = name_id,
        method = g("method"),
        scd_irt = attr("InResponseTo", g("scd_in_response_to")),
        scd_nb = attr("NotBefore", g("scd_not_before")),
        scd_noa = attr("NotOnOrAfter", g("scd_not_on_or_after")),
        recipient = attr("Recipient", g("recipient")),
        cnb = attr("NotBefore", g("cond_not_before")),
        cnoa = attr("NotOnOrAfter", g("cond_not_on_or_after")),
        audience = audience,
        snoa = attr("SessionNotOnOrAfter", g("session_not_on_or_after")),
    )
}

/// The Response around `assertion` (already signed or not).
pub fn response(p: &BTreeMap<&'static str, String>, assertion: &str) -> String {
    let g = |k: &str| p.get(k).map(String::as_str).unwrap_or("-");
    let issuer = if g("response_issuer") == "-" {
        String::new()
    } else {
        format!("<saml:Issuer>{}</saml:Issuer>", g("response_issuer"))
    };
    format!(
        concat!(
            "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{id}\" Version=\"2.0\" IssueInstant=\"{ii}\"{dest}{irt}>",
            "{issuer}<samlp:Status><samlp:StatusCode Value=\"{status}\"/></samlp:Status>{assertion}</samlp:Response>"
        ),
        id = g("response_id"),
        ii = g("issue_instant"),
        dest = attr("Destination", g("response_destination")),
        irt = attr("InResponseTo", g("response_in_response_to")),
        issuer = issuer,
        status = g("status_code"),
        assertion = assertion,
    )
}
