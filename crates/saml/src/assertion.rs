//! The assertion model, read from a verified subtree only (the parsers are crate-private: the
//! public way to an [`Assertion`] is [`VerifiedAssertion`](crate::VerifiedAssertion)).

use crate::error::Error;
use crate::names::{ASSERTION_NS, XSI_NS};
use crate::read::{
    attribute, check_version, optional_child, required_attribute, required_child, required_time,
    text, time_attribute,
};
use chrono::{DateTime, Utc};
use fedkit_xml::{Document, NodeId};

/// A SAML `NameID`: the value and its qualifiers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NameId {
    /// The identifier: the element's whole text content.
    pub value: String,
    /// `Format`, e.g. [`NAMEID_EMAIL`](crate::names::NAMEID_EMAIL).
    pub format: Option<String>,
    /// `NameQualifier`.
    pub name_qualifier: Option<String>,
    /// `SPNameQualifier`.
    pub sp_name_qualifier: Option<String>,
    /// `SPProvidedID`.
    pub sp_provided_id: Option<String>,
}

impl NameId {
    /// A NameID with a value and a format.
    pub fn new(value: impl Into<String>, format: impl Into<String>) -> Self {
        NameId {
            value: value.into(),
            format: Some(format.into()),
            ..NameId::default()
        }
    }
}

/// `SubjectConfirmationData`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubjectConfirmationData {
    /// `NotBefore`.
    pub not_before: Option<DateTime<Utc>>,
    /// `NotOnOrAfter`.
    pub not_on_or_after: Option<DateTime<Utc>>,
    /// `Recipient`: the ACS URL the assertion may be delivered to.
    pub recipient: Option<String>,
    /// `InResponseTo`: the AuthnRequest ID this answers.
    pub in_response_to: Option<String>,
    /// `Address`.
    pub address: Option<String>,
}

/// `SubjectConfirmation`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectConfirmation {
    /// `Method`, e.g. [`CM_BEARER`](crate::names::CM_BEARER).
    pub method: String,
    /// `SubjectConfirmationData`, if present.
    pub data: Option<SubjectConfirmationData>,
}

/// `Subject`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Subject {
    /// The NameID (an `EncryptedID` is not supported and reads as none).
    pub name_id: Option<NameId>,
    /// Every SubjectConfirmation, in order.
    pub confirmations: Vec<SubjectConfirmation>,
}

/// `Conditions`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Conditions {
    /// `NotBefore`.
    pub not_before: Option<DateTime<Utc>>,
    /// `NotOnOrAfter`.
    pub not_on_or_after: Option<DateTime<Utc>>,
    /// Each `AudienceRestriction` as its list of audiences. Every restriction must name the SP.
    pub audience_restrictions: Vec<Vec<String>>,
    /// Whether `OneTimeUse` is present.
    pub one_time_use: bool,
}

/// `AuthnStatement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthnStatement {
    /// `AuthnInstant`.
    pub authn_instant: DateTime<Utc>,
    /// `SessionIndex` (used by SLO).
    pub session_index: Option<String>,
    /// `SessionNotOnOrAfter`.
    pub session_not_on_or_after: Option<DateTime<Utc>>,
    /// `AuthnContext/AuthnContextClassRef`.
    pub authn_context_class_ref: Option<String>,
}

/// The schema type of an attribute value (`xsi:type`), resolved to its namespace.
///
/// The prefix is resolved through the declarations in scope. Exclusive C14N signs a declaration
/// only when an element or attribute name uses it, or when the signer lists the prefix in
/// `InclusiveNamespaces PrefixList` (this crate's IdP does not, as python3-saml refuses it); otherwise the declaration
/// behind `xs:string` is not covered by the signature, so treat `namespace` as a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueType {
    /// The namespace URI the prefix resolved to (e.g. [`XS_NS`](crate::names::XS_NS)).
    pub namespace: Option<String>,
    /// The local type name (`string`, `boolean`, `dateTime`, …).
    pub local: String,
}

/// One `AttributeValue`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeValue {
    /// The whole text content.
    pub text: String,
    /// `xsi:type`, resolved.
    pub value_type: Option<ValueType>,
    /// `xsi:nil="true"`.
    pub nil: bool,
}

impl AttributeValue {
    /// An untyped string value.
    pub fn string(text: impl Into<String>) -> Self {
        AttributeValue {
            text: text.into(),
            value_type: None,
            nil: false,
        }
    }
}

/// One `Attribute` of an AttributeStatement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// `Name`.
    pub name: String,
    /// `NameFormat`.
    pub name_format: Option<String>,
    /// `FriendlyName`.
    pub friendly_name: Option<String>,
    /// The values, in order.
    pub values: Vec<AttributeValue>,
}

impl Attribute {
    /// An attribute with string values and no NameFormat.
    pub fn strings<S: Into<String>>(
        name: impl Into<String>,
        values: impl IntoIterator<Item = S>,
    ) -> Self {
        Attribute {
            name: name.into(),
            name_format: None,
            friendly_name: None,
            values: values.into_iter().map(AttributeValue::string).collect(),
        }
    }
}

/// A SAML `Assertion`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    /// `ID`.
    pub id: String,
    /// `IssueInstant`.
    pub issue_instant: DateTime<Utc>,
    /// `Issuer` text.
    pub issuer: String,
    /// `Subject`.
    pub subject: Subject,
    /// `Conditions`.
    pub conditions: Option<Conditions>,
    /// Every `AuthnStatement`.
    pub authn_statements: Vec<AuthnStatement>,
    /// The attributes of every `AttributeStatement`, in order.
    pub attributes: Vec<Attribute>,
}

impl Assertion {
    /// Reads the assertion at `n`; the caller has established that `n` is covered by a trusted
    /// signature.
    pub(crate) fn read(doc: &Document, n: NodeId) -> Result<Assertion, Error> {
        check_version(doc, n)?;
        let id = required_attribute(doc, n, "ID")?;
        let issue_instant = required_time(doc, n, "IssueInstant")?;
        let issuer = text(doc, required_child(doc, n, ASSERTION_NS, "Issuer")?);
        let subject = match optional_child(doc, n, ASSERTION_NS, "Subject")? {
            Some(s) => read_subject(doc, s)?,
            None => Subject::default(),
        };
        let conditions = optional_child(doc, n, ASSERTION_NS, "Conditions")?
            .map(|c| read_conditions(doc, c))
            .transpose()?;
        let mut authn_statements = Vec::new();
        for s in doc.children_named(n, Some(ASSERTION_NS), "AuthnStatement") {
            authn_statements.push(read_authn_statement(doc, s)?);
        }
        let mut attributes = Vec::new();
        for statement in doc.children_named(n, Some(ASSERTION_NS), "AttributeStatement") {
            for a in doc.children_named(statement, Some(ASSERTION_NS), "Attribute") {
                attributes.push(read_attribute(doc, a)?);
            }
        }
        Ok(Assertion {
            id,
            issue_instant,
            issuer,
            subject,
            conditions,
            authn_statements,
            attributes,
        })
    }
}

pub(crate) fn read_name_id(doc: &Document, n: NodeId) -> NameId {
    NameId {
        value: text(doc, n),
        format: attribute(doc, n, "Format"),
        name_qualifier: attribute(doc, n, "NameQualifier"),
        sp_name_qualifier: attribute(doc, n, "SPNameQualifier"),
        sp_provided_id: attribute(doc, n, "SPProvidedID"),
    }
}

fn read_subject(doc: &Document, n: NodeId) -> Result<Subject, Error> {
    let name_id = optional_child(doc, n, ASSERTION_NS, "NameID")?.map(|id| read_name_id(doc, id));
    let mut confirmations = Vec::new();
    for c in doc.children_named(n, Some(ASSERTION_NS), "SubjectConfirmation") {
        let method = required_attribute(doc, c, "Method")?;
        let data = optional_child(doc, c, ASSERTION_NS, "SubjectConfirmationData")?
            .map(|d| -> Result<_, Error> {
                Ok(SubjectConfirmationData {
                    not_before: time_attribute(doc, d, "NotBefore")?,
                    not_on_or_after: time_attribute(doc, d, "NotOnOrAfter")?,
                    recipient: attribute(doc, d, "Recipient"),
                    in_response_to: attribute(doc, d, "InResponseTo"),
                    address: attribute(doc, d, "Address"),
                })
            })
            .transpose()?;
        confirmations.push(SubjectConfirmation { method, data });
    }
    Ok(Subject {
        name_id,
        confirmations,
    })
}

fn read_conditions(doc: &Document, n: NodeId) -> Result<Conditions, Error> {
    let audience_restrictions = doc
        .children_named(n, Some(ASSERTION_NS), "AudienceRestriction")
        .map(|r| {
            doc.children_named(r, Some(ASSERTION_NS), "Audience")
                .map(|a| text(doc, a))
                .collect()
        })
        .collect();
    Ok(Conditions {
        not_before: time_attribute(doc, n, "NotBefore")?,
        not_on_or_after: time_attribute(doc, n, "NotOnOrAfter")?,
        audience_restrictions,
        one_time_use: doc
            .children_named(n, Some(ASSERTION_NS), "OneTimeUse")
            .next()
            .is_some(),
    })
}

fn read_authn_statement(doc: &Document, n: NodeId) -> Result<AuthnStatement, Error> {
    let class_ref = match optional_child(doc, n, ASSERTION_NS, "AuthnContext")? {
        Some(context) => optional_child(doc, context, ASSERTION_NS, "AuthnContextClassRef")?
            .map(|c| text(doc, c)),
        None => None,
    };
    Ok(AuthnStatement {
        authn_instant: required_time(doc, n, "AuthnInstant")?,
        session_index: attribute(doc, n, "SessionIndex"),
        session_not_on_or_after: time_attribute(doc, n, "SessionNotOnOrAfter")?,
        authn_context_class_ref: class_ref,
    })
}

fn read_attribute(doc: &Document, n: NodeId) -> Result<Attribute, Error> {
    let mut values = Vec::new();
    for v in doc.children_named(n, Some(ASSERTION_NS), "AttributeValue") {
        let value_type = doc.attribute(v, Some(XSI_NS), "type").map(|qname| {
            let (prefix, local) = match qname.split_once(':') {
                Some((p, l)) => (Some(p), l),
                None => (None, qname),
            };
            ValueType {
                namespace: doc.lookup_namespace(v, prefix).map(str::to_owned),
                local: local.to_owned(),
            }
        });
        let nil = matches!(doc.attribute(v, Some(XSI_NS), "nil"), Some("true" | "1"));
        values.push(AttributeValue {
            text: text(doc, v),
            value_type,
            nil,
        });
    }
    Ok(Attribute {
        name: required_attribute(doc, n, "Name")?,
        name_format: attribute(doc, n, "NameFormat"),
        friendly_name: attribute(doc, n, "FriendlyName"),
        values,
    })
}
