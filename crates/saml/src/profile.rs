//! Profiles an IdP checks before it sends: what AWS sign-in (the console, AssumeRoleWithSAML)
//! and IAM Identity Center accept as an SP (research/saml.md §4a, §4b). Each check reports every
//! fault it finds, each with a stable code, instead of stopping at the first.

use crate::assertion::{Assertion, Attribute};
use crate::metadata::{EntityDescriptor, KeyUse};
use crate::names::{ASSERTION_NS, CM_BEARER, NAMEID_EMAIL, PROTOCOL_NS};
use fedkit_xml::{Document, Limits};
use fedkit_xmldsig::DSIG_NS;

/// One thing a profile does not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileFault {
    /// Stable snake_case code, e.g. `aws_role`.
    pub code: &'static str,
    /// What is wrong, for a person.
    pub message: String,
}

fn fault(code: &'static str, message: impl Into<String>) -> ProfileFault {
    ProfileFault {
        code,
        message: message.into(),
    }
}

const AWS_ATTR: &str = "https://aws.amazon.com/SAML/Attributes/";
const AWS_SIGNIN: &str = "https://signin.aws.amazon.com/saml";
const AWS_AUDIENCE: &str = "urn:amazon:webservices";
/// IAM Identity Center's limit on IdP metadata, in characters.
pub const IDENTITY_CENTER_MAX_METADATA_CHARS: usize = 75_000;

/// Checks a Response (XML, before it is sent) against what AWS sign-in accepts. An empty list
/// means it passes.
pub fn check_aws_console(response_xml: &str) -> Vec<ProfileFault> {
    let mut faults = Vec::new();
    let Some((doc, assertion, signed)) = read(response_xml, &mut faults) else {
        return faults;
    };
    if !signed {
        faults.push(fault(
            "aws_unsigned",
            "AWS requires a signed response or assertion",
        ));
    }
    let response = doc.document_element();
    if let Some(destination) = doc.attribute(response, None, "Destination")
        && !is_aws_signin(destination)
    {
        faults.push(fault(
            "aws_destination",
            format!("Destination {destination:?} is not an AWS sign-in endpoint"),
        ));
    }
    let bearers: Vec<_> = assertion
        .subject
        .confirmations
        .iter()
        .filter(|c| c.method == CM_BEARER)
        .collect();
    match bearers.as_slice() {
        [one] => {
            let data = one.data.as_ref();
            if data.and_then(|d| d.not_on_or_after).is_none() {
                faults.push(fault(
                    "aws_subject_confirmation",
                    "the bearer confirmation needs NotOnOrAfter",
                ));
            }
            match data.and_then(|d| d.recipient.as_deref()) {
                Some(r) if is_aws_signin(r) => {}
                other => faults.push(fault(
                    "aws_recipient",
                    format!("Recipient {other:?} is not https://signin.aws.amazon.com/saml or a regional one"),
                )),
            }
        }
        _ => faults.push(fault(
            "aws_subject_confirmation",
            format!(
                "exactly one bearer SubjectConfirmation is required, found {}",
                bearers.len()
            ),
        )),
    }
    let audiences: Vec<&String> = assertion
        .conditions
        .iter()
        .flat_map(|c| c.audience_restrictions.iter().flatten())
        .collect();
    if !audiences
        .iter()
        .any(|a| *a == AWS_AUDIENCE || *a == AWS_SIGNIN)
    {
        faults.push(fault(
            "aws_audience",
            "the audience must be urn:amazon:webservices",
        ));
    }
    check_aws_attributes(&assertion, &mut faults);
    faults
}

fn check_aws_attributes(assertion: &Assertion, faults: &mut Vec<ProfileFault>) {
    let attribute = |suffix: &str| -> Vec<&Attribute> {
        assertion
            .attributes
            .iter()
            .filter(|a| a.name == format!("{AWS_ATTR}{suffix}"))
            .collect()
    };
    let values = |attrs: &[&Attribute]| -> Vec<String> {
        attrs
            .iter()
            .flat_map(|a| a.values.iter().map(|v| v.text.clone()))
            .collect()
    };
    let roles = values(&attribute("Role"));
    if roles.is_empty() {
        faults.push(fault(
            "aws_role",
            "the Role attribute needs at least one role-ARN,provider-ARN pair",
        ));
    }
    for role in &roles {
        if !is_role_pair(role) {
            faults.push(fault(
                "aws_role",
                format!("{role:?} is not a role ARN and a saml-provider ARN separated by a comma"),
            ));
        }
    }
    match values(&attribute("RoleSessionName")).as_slice() {
        [one] if is_session_name(one) => {}
        [one] => faults.push(fault(
            "aws_role_session_name",
            format!("RoleSessionName {one:?} must be 2-64 of [A-Za-z0-9_+=,.@-]"),
        )),
        other => faults.push(fault(
            "aws_role_session_name",
            format!(
                "exactly one RoleSessionName value is required, found {}",
                other.len()
            ),
        )),
    }
    let duration = values(&attribute("SessionDuration"));
    match duration.as_slice() {
        [] => {}
        [one]
            if one
                .parse::<u32>()
                .is_ok_and(|d| (900..=43_200).contains(&d)) => {}
        _ => faults.push(fault(
            "aws_session_duration",
            "SessionDuration must be one integer from 900 to 43200",
        )),
    }
    let source = values(&attribute("SourceIdentity"));
    match source.as_slice() {
        [] => {}
        [one] if is_session_name(one) => {}
        _ => faults.push(fault(
            "aws_source_identity",
            "SourceIdentity must be one value of 2-64 of [A-Za-z0-9_+=,.@-]",
        )),
    }
    let tag_prefix = format!("{AWS_ATTR}PrincipalTag:");
    let mut tags = Vec::new();
    for a in &assertion.attributes {
        if let Some(key) = a.name.strip_prefix(&tag_prefix) {
            tags.push(key.to_owned());
            let ok_key = !key.is_empty() && key.chars().count() <= 128;
            let ok_value = matches!(a.values.as_slice(), [v] if v.text.chars().count() <= 256);
            if !ok_key || !ok_value {
                faults.push(fault("aws_principal_tag", format!("PrincipalTag:{key} needs a key of 1-128 characters and one value of at most 256")));
            }
        }
    }
    for key in values(&attribute("TransitiveTagKeys")) {
        if !tags.iter().any(|t| t.eq_ignore_ascii_case(&key)) {
            faults.push(fault(
                "aws_transitive_tag_keys",
                format!("TransitiveTagKeys names {key:?}, which is no PrincipalTag"),
            ));
        }
    }
}

/// Checks a Response against what IAM Identity Center accepts from an external IdP: a signed,
/// unencrypted assertion whose NameID is an e-mail address in the emailAddress format.
pub fn check_identity_center(response_xml: &str) -> Vec<ProfileFault> {
    let mut faults = Vec::new();
    if response_xml.contains("EncryptedAssertion") {
        faults.push(fault(
            "iic_encrypted",
            "IAM Identity Center does not accept encrypted assertions",
        ));
        return faults;
    }
    let Some((_, assertion, signed)) = read(response_xml, &mut faults) else {
        return faults;
    };
    if !signed {
        faults.push(fault(
            "iic_unsigned",
            "the response or the assertion must be signed",
        ));
    }
    match &assertion.subject.name_id {
        Some(n) => {
            if n.format.as_deref() != Some(NAMEID_EMAIL) {
                faults.push(fault(
                    "iic_name_id_format",
                    "the NameID format must be emailAddress",
                ));
            }
            if !is_addr_spec(&n.value) {
                faults.push(fault(
                    "iic_name_id_value",
                    format!("NameID {:?} is not an e-mail address", n.value),
                ));
            }
        }
        None => faults.push(fault("iic_name_id_format", "no NameID")),
    }
    faults
}

/// Checks IdP metadata against what IAM Identity Center accepts: at most 75 000 characters, an
/// entityID, a signing certificate, a SingleSignOnService, and no encryption key.
pub fn check_identity_center_metadata(metadata_xml: &str) -> Vec<ProfileFault> {
    let mut faults = Vec::new();
    let chars = metadata_xml.chars().count();
    if chars > IDENTITY_CENTER_MAX_METADATA_CHARS {
        faults.push(fault(
            "iic_metadata_too_large",
            format!("{chars} characters; the limit is 75000"),
        ));
    }
    let entities = match EntityDescriptor::parse(metadata_xml.as_bytes(), &Limits::default()) {
        Ok(e) => e,
        Err(e) => {
            faults.push(fault("iic_metadata_invalid", format!("{e} ({})", e.code())));
            return faults;
        }
    };
    let Some((entity, idp)) = entities.iter().find_map(|e| e.idp.as_ref().map(|r| (e, r))) else {
        faults.push(fault("iic_metadata_no_idp", "no IDPSSODescriptor"));
        return faults;
    };
    if entity.entity_id.is_empty() {
        faults.push(fault("iic_metadata_no_idp", "empty entityID"));
    }
    if idp.certificates(KeyUse::Signing).next().is_none() {
        faults.push(fault(
            "iic_metadata_no_signing_certificate",
            "no signing certificate",
        ));
    }
    if idp.services.is_empty() {
        faults.push(fault("iic_metadata_no_sso", "no SingleSignOnService"));
    }
    if idp.keys.iter().any(|k| k.key_use == KeyUse::Encryption) {
        faults.push(fault(
            "iic_metadata_encryption_key",
            "an encryption key is not supported",
        ));
    }
    faults
}

fn read(xml: &str, faults: &mut Vec<ProfileFault>) -> Option<(Document, Assertion, bool)> {
    let doc = match Document::parse(xml.as_bytes()) {
        Ok(doc) => doc,
        Err(e) => {
            faults.push(fault("profile_xml_invalid", format!("{e} ({})", e.code())));
            return None;
        }
    };
    let response = doc.document_element();
    if !doc
        .name(response)
        .is_some_and(|n| n.is(Some(PROTOCOL_NS), "Response"))
    {
        faults.push(fault(
            "profile_not_a_response",
            "the document is not a samlp:Response",
        ));
        return None;
    }
    let Some(node) = doc
        .children_named(response, Some(ASSERTION_NS), "Assertion")
        .next()
    else {
        faults.push(fault(
            "profile_no_assertion",
            "no (unencrypted) assertion to check",
        ));
        return None;
    };
    let signed = [response, node].iter().any(|&n| {
        doc.children_named(n, Some(DSIG_NS), "Signature")
            .next()
            .is_some()
    });
    match Assertion::read(&doc, node) {
        Ok(assertion) => Some((doc, assertion, signed)),
        Err(e) => {
            faults.push(fault(
                "profile_assertion_invalid",
                format!("{e} ({})", e.code()),
            ));
            None
        }
    }
}

fn is_aws_signin(url: &str) -> bool {
    if url == AWS_SIGNIN {
        return true;
    }
    url.strip_prefix("https://")
        .and_then(|rest| rest.strip_suffix(".signin.aws.amazon.com/saml"))
        .is_some_and(|region| {
            !region.is_empty()
                && region
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

fn is_arn(arn: &str, resource: &str) -> bool {
    let Some(rest) = arn.strip_prefix("arn:") else {
        return false;
    };
    let mut parts = rest.splitn(5, ':');
    let (Some(partition), Some("iam"), Some(""), Some(account), Some(res)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    partition.starts_with("aws")
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && res
            .strip_prefix(resource)
            .and_then(|r| r.strip_prefix('/'))
            .is_some_and(|name| !name.is_empty())
}

fn is_role_pair(value: &str) -> bool {
    let Some((a, b)) = value.split_once(',') else {
        return false;
    };
    let (a, b) = (a.trim(), b.trim());
    (is_arn(a, "role") && is_arn(b, "saml-provider"))
        || (is_arn(b, "role") && is_arn(a, "saml-provider"))
}

fn is_session_name(value: &str) -> bool {
    (2..=64).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

fn is_addr_spec(value: &str) -> bool {
    let mut parts = value.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(local), Some(domain), None)
        if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'))
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}
