//! SAML metadata: `md:EntityDescriptor` (alone or inside `md:EntitiesDescriptor`) for IdPs and
//! SPs, read and written.

use crate::error::Error;
use crate::names::{METADATA_NS, PROTOCOL_NS};
use crate::post::is_http_url;
use crate::read::{attribute, required_attribute, text, time_attribute};
use crate::write::XmlText;
use chrono::{DateTime, Utc};
use fedkit_certs::{Certificate, TrustSet};
use fedkit_xml::{Document, Limits, NodeId};
use fedkit_xmldsig::{DSIG_NS, Verifier, VerifyPolicy};

/// What a KeyDescriptor's key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUse {
    /// `use="signing"`.
    Signing,
    /// `use="encryption"`.
    Encryption,
    /// No `use`: both.
    Unspecified,
}

/// A `KeyDescriptor`: its use and every certificate in its KeyInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDescriptor {
    /// `use`.
    pub key_use: KeyUse,
    /// The X509Certificate values.
    pub certificates: Vec<Certificate>,
}

/// An endpoint: a binding and a location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `Binding` URI.
    pub binding: String,
    /// `Location` (http or https).
    pub location: String,
    /// `ResponseLocation`.
    pub response_location: Option<String>,
    /// `index` (indexed endpoints such as AssertionConsumerService).
    pub index: Option<u16>,
    /// `isDefault="true"`.
    pub is_default: bool,
}

/// The parts an IdP or SP role descriptor shares.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoleDescriptor {
    /// Every KeyDescriptor, in order.
    pub keys: Vec<KeyDescriptor>,
    /// `SingleLogoutService` endpoints.
    pub single_logout: Vec<Endpoint>,
    /// `NameIDFormat` values.
    pub name_id_formats: Vec<String>,
    /// IdP: `SingleSignOnService`; SP: `AssertionConsumerService`.
    pub services: Vec<Endpoint>,
    /// IdP: `WantAuthnRequestsSigned`; SP: `AuthnRequestsSigned`.
    pub requests_signed: bool,
    /// SP: `WantAssertionsSigned` (false for IdPs).
    pub want_assertions_signed: bool,
}

impl RoleDescriptor {
    /// Certificates usable for `key_use` (those without `use` count for both).
    pub fn certificates(&self, key_use: KeyUse) -> impl Iterator<Item = &Certificate> {
        self.keys
            .iter()
            .filter(move |k| k.key_use == key_use || k.key_use == KeyUse::Unspecified)
            .flat_map(|k| k.certificates.iter())
    }

    /// The first service endpoint with `binding`.
    pub fn service(&self, binding: &str) -> Option<&Endpoint> {
        self.services.iter().find(|e| e.binding == binding)
    }
}

/// One entity's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityDescriptor {
    /// `entityID`.
    pub entity_id: String,
    /// `validUntil`.
    pub valid_until: Option<DateTime<Utc>>,
    /// `IDPSSODescriptor`.
    pub idp: Option<RoleDescriptor>,
    /// `SPSSODescriptor`.
    pub sp: Option<RoleDescriptor>,
}

impl EntityDescriptor {
    /// Reads every EntityDescriptor of a metadata document (one, or an EntitiesDescriptor of
    /// any nesting), unsigned. Use [`parse_signed`](Self::parse_signed) for metadata fetched
    /// from anywhere but a trusted channel.
    pub fn parse(xml: &[u8], limits: &Limits) -> Result<Vec<EntityDescriptor>, Error> {
        let doc = Document::parse_with(xml, limits)?;
        read_all(&doc)
    }

    /// Like [`parse`](Self::parse), but the document element must carry an enveloped signature
    /// by a key in `trust`.
    pub fn parse_signed(
        xml: &[u8],
        limits: &Limits,
        trust: &TrustSet,
        policy: &VerifyPolicy,
        now: DateTime<Utc>,
    ) -> Result<Vec<EntityDescriptor>, Error> {
        let doc = Document::parse_with(xml, limits)?;
        let root = doc.document_element();
        if doc
            .children_named(root, Some(DSIG_NS), "Signature")
            .next()
            .is_none()
        {
            return Err(Error::MetadataUnsigned);
        }
        Verifier::new(trust, policy, fedkit_certs::default_provider())
            .verify_enveloped(&doc, root, now)?;
        read_all(&doc)
    }

    /// A trust set of this entity's IdP signing certificates (the verifying side of rotation:
    /// every one of them verifies).
    pub fn idp_signing_trust(&self) -> Result<TrustSet, Error> {
        let role = self.idp.as_ref().ok_or(Error::MetadataRoleMissing {
            role: "IDPSSODescriptor",
        })?;
        let mut trust = TrustSet::new();
        for certificate in role.certificates(KeyUse::Signing) {
            match trust.import(certificate.clone()) {
                Ok(_) | Err(fedkit_certs::Error::DuplicateCertificate) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(trust)
    }

    /// The metadata as XML, unsigned.
    pub fn to_xml(&self) -> String {
        let valid_until = self.valid_until.map(crate::time::format);
        let mut w = XmlText::new();
        w.start(
            "md:EntityDescriptor",
            &[
                ("xmlns:md", Some(METADATA_NS)),
                ("xmlns:ds", Some(DSIG_NS)),
                ("entityID", Some(&self.entity_id)),
                ("validUntil", valid_until.as_deref()),
                // An ID makes the document signable.
                ("ID", Some(&metadata_id(&self.entity_id))),
            ],
        );
        if let Some(idp) = &self.idp {
            write_role(&mut w, idp, true);
        }
        if let Some(sp) = &self.sp {
            write_role(&mut w, sp, false);
        }
        w.finish()
    }
}

fn metadata_id(entity_id: &str) -> String {
    let mut id = String::from("_md");
    for c in entity_id.chars() {
        id.push(if c.is_ascii_alphanumeric() { c } else { '_' });
    }
    id
}

fn write_role(w: &mut XmlText, role: &RoleDescriptor, idp: bool) {
    let signed = role.requests_signed.then_some("true");
    if idp {
        w.start(
            "md:IDPSSODescriptor",
            &[
                ("protocolSupportEnumeration", Some(PROTOCOL_NS)),
                ("WantAuthnRequestsSigned", signed),
            ],
        );
    } else {
        w.start(
            "md:SPSSODescriptor",
            &[
                ("protocolSupportEnumeration", Some(PROTOCOL_NS)),
                ("AuthnRequestsSigned", signed),
                (
                    "WantAssertionsSigned",
                    role.want_assertions_signed.then_some("true"),
                ),
            ],
        );
    }
    for key in &role.keys {
        let use_attr = match key.key_use {
            KeyUse::Signing => Some("signing"),
            KeyUse::Encryption => Some("encryption"),
            KeyUse::Unspecified => None,
        };
        w.start("md:KeyDescriptor", &[("use", use_attr)]);
        w.start("ds:KeyInfo", &[]);
        w.start("ds:X509Data", &[]);
        for certificate in &key.certificates {
            w.leaf("ds:X509Certificate", &[], &certificate.to_base64());
        }
        w.end();
        w.end();
        w.end();
    }
    for endpoint in &role.single_logout {
        write_endpoint(w, "md:SingleLogoutService", endpoint);
    }
    for format in &role.name_id_formats {
        w.leaf("md:NameIDFormat", &[], format);
    }
    let service = if idp {
        "md:SingleSignOnService"
    } else {
        "md:AssertionConsumerService"
    };
    for endpoint in &role.services {
        write_endpoint(w, service, endpoint);
    }
    w.end();
}

fn write_endpoint(w: &mut XmlText, name: &'static str, e: &Endpoint) {
    let index = e.index.map(|i| i.to_string());
    w.empty(
        name,
        &[
            ("Binding", Some(&e.binding)),
            ("Location", Some(&e.location)),
            ("ResponseLocation", e.response_location.as_deref()),
            ("index", index.as_deref()),
            ("isDefault", e.is_default.then_some("true")),
        ],
    );
}

fn read_all(doc: &Document) -> Result<Vec<EntityDescriptor>, Error> {
    let root = doc.document_element();
    let is_md = |n: NodeId, local: &str| {
        doc.name(n)
            .is_some_and(|name| name.is(Some(METADATA_NS), local))
    };
    if !is_md(root, "EntityDescriptor") && !is_md(root, "EntitiesDescriptor") {
        return Err(Error::UnexpectedRoot {
            expected: "md:EntityDescriptor or md:EntitiesDescriptor",
            found: crate::error::clip(&doc.path(root)),
        });
    }
    // A flat walk, so nesting depth costs no stack.
    let mut entities = Vec::new();
    for n in doc.descendants(doc.root()) {
        if is_md(n, "EntityDescriptor") {
            entities.push(read_entity(doc, n)?);
        }
    }
    Ok(entities)
}

fn read_entity(doc: &Document, n: NodeId) -> Result<EntityDescriptor, Error> {
    let role = |local: &'static str| -> Result<Option<RoleDescriptor>, Error> {
        crate::read::optional_child(doc, n, METADATA_NS, local)?
            .map(|r| read_role(doc, r, local == "IDPSSODescriptor"))
            .transpose()
    };
    Ok(EntityDescriptor {
        entity_id: required_attribute(doc, n, "entityID")?,
        valid_until: time_attribute(doc, n, "validUntil")?,
        idp: role("IDPSSODescriptor")?,
        sp: role("SPSSODescriptor")?,
    })
}

fn read_role(doc: &Document, n: NodeId, idp: bool) -> Result<RoleDescriptor, Error> {
    let mut keys = Vec::new();
    for k in doc.children_named(n, Some(METADATA_NS), "KeyDescriptor") {
        let key_use = match doc.attribute(k, None, "use") {
            None => KeyUse::Unspecified,
            Some("signing") => KeyUse::Signing,
            Some("encryption") => KeyUse::Encryption,
            Some(_) => {
                return Err(Error::InvalidValue {
                    path: doc.path(k),
                    what: "KeyDescriptor use",
                });
            }
        };
        let mut certificates = Vec::new();
        for key_info in doc.children_named(k, Some(DSIG_NS), "KeyInfo") {
            for data in doc.children_named(key_info, Some(DSIG_NS), "X509Data") {
                for cert in doc.children_named(data, Some(DSIG_NS), "X509Certificate") {
                    certificates.push(Certificate::parse(text(doc, cert))?);
                }
            }
        }
        keys.push(KeyDescriptor {
            key_use,
            certificates,
        });
    }
    let endpoints = |local: &'static str| -> Result<Vec<Endpoint>, Error> {
        doc.children_named(n, Some(METADATA_NS), local)
            .map(|e| read_endpoint(doc, e))
            .collect()
    };
    let flag = |local: &str| matches!(doc.attribute(n, None, local), Some("true" | "1"));
    Ok(RoleDescriptor {
        keys,
        single_logout: endpoints("SingleLogoutService")?,
        name_id_formats: doc
            .children_named(n, Some(METADATA_NS), "NameIDFormat")
            .map(|f| text(doc, f))
            .collect(),
        services: endpoints(if idp {
            "SingleSignOnService"
        } else {
            "AssertionConsumerService"
        })?,
        requests_signed: flag(if idp {
            "WantAuthnRequestsSigned"
        } else {
            "AuthnRequestsSigned"
        }),
        want_assertions_signed: !idp && flag("WantAssertionsSigned"),
    })
}

fn read_endpoint(doc: &Document, e: NodeId) -> Result<Endpoint, Error> {
    let location = required_attribute(doc, e, "Location")?;
    let response_location = attribute(doc, e, "ResponseLocation");
    // CVE-2023-45683: a javascript: ACS URL would run in the user's browser.
    if !is_http_url(&location)
        || response_location
            .as_deref()
            .is_some_and(|r| !is_http_url(r))
    {
        return Err(Error::EndpointUrlNotHttp { path: doc.path(e) });
    }
    let index = match doc.attribute(e, None, "index") {
        Some(i) => Some(i.parse::<u16>().map_err(|_| Error::InvalidValue {
            path: doc.path(e),
            what: "endpoint index",
        })?),
        None => None,
    };
    Ok(Endpoint {
        binding: required_attribute(doc, e, "Binding")?,
        location,
        response_location,
        index,
        is_default: matches!(doc.attribute(e, None, "isDefault"), Some("true" | "1")),
    })
}
