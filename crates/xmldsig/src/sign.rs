//! Signing: an enveloped signature placed where SAML's schema wants it.

use crate::DSIG_NS;
use crate::Error;
use crate::c14n::{C14nMethod, canonicalize, canonicalize_into};
use crate::reference::ENVELOPED_SIGNATURE;
use base64::Engine as _;
use fedkit_certs::{
    Certificate, CryptoProvider, CryptoRng, DigestAlgorithm, SignatureAlgorithm, SigningKey,
};
use fedkit_xml::{Document, NewElement, NodeId};

/// SAML 2.0 assertion namespace: its `Issuer` comes before the signature.
const SAML_ASSERTION_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const EXC_C14N_NS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// How [`sign_enveloped`] signs. The default: RSA-SHA256, SHA-256, exclusive C14N without an
/// InclusiveNamespaces list, no KeyInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOptions {
    /// The signature algorithm; it must fit the signing key.
    pub algorithm: SignatureAlgorithm,
    /// The reference's digest.
    pub digest: DigestAlgorithm,
    /// An `InclusiveNamespaces PrefixList` for both exclusive canonicalisations (e.g. `xs` when
    /// `xsi:type` values use that prefix); empty for none.
    pub inclusive_prefixes: Vec<String>,
    /// A certificate to put into `KeyInfo/X509Data/X509Certificate`, so that verifiers trusting
    /// several certificates can pick the right one.
    pub certificate: Option<Certificate>,
}

impl Default for SignOptions {
    fn default() -> Self {
        SignOptions {
            algorithm: SignatureAlgorithm::RsaPkcs1Sha256,
            digest: DigestAlgorithm::Sha256,
            inclusive_prefixes: Vec::new(),
            certificate: None,
        }
    }
}

/// Signs `element` (a SAML Assertion, Response or other request) in place with an enveloped
/// signature: a `ds:Signature` child right after its SAML `Issuer` child (else as first child),
/// covering `element` through `URI="#<ID>"` with the enveloped-signature and exclusive C14N
/// transforms. Returns the new `ds:Signature` element.
///
/// `element` must carry an `ID` (or `Id`) attribute and no `ds:Signature` child yet. Write the
/// document with [`Document::to_xml`] afterwards. `rng` blinds the RSA operation (and salts
/// RSA-PSS).
pub fn sign_enveloped(
    doc: &mut Document,
    element: NodeId,
    key: &dyn SigningKey,
    options: &SignOptions,
    provider: &dyn CryptoProvider,
    rng: &mut dyn CryptoRng,
) -> Result<NodeId, Error> {
    let id = doc
        .attribute(element, None, "ID")
        .or_else(|| doc.attribute(element, None, "Id"))
        .ok_or_else(|| Error::SignTargetWithoutId {
            path: doc.path(element),
        })?
        .to_owned();
    let already_signed = doc.child_elements(element).any(|n| {
        doc.name(n)
            .is_some_and(|name| name.is(Some(DSIG_NS), "Signature"))
    });
    if already_signed {
        return Err(Error::AlreadySigned {
            path: doc.path(element),
        });
    }
    let c14n = C14nMethod::Exclusive10 {
        with_comments: false,
        inclusive_prefixes: options.inclusive_prefixes.clone(),
    };

    // The digest before the signature exists equals the digest with it omitted.
    let mut digest = provider.digest(options.digest);
    canonicalize_into(doc, element, &c14n, None, &mut DigestBytes(&mut *digest))?;
    let digest_value = base64(&digest.finish());

    let reference_uri = format!("#{id}");
    let prefix_list = options.inclusive_prefixes.join(" ");
    let signature = create(
        doc,
        &NewElement::new(Some("ds"), "Signature", Some(DSIG_NS)).declare(Some("ds"), DSIG_NS),
    )?;
    let signed_info = append(doc, signature, "SignedInfo", &[])?;
    let c14n_method = append(
        doc,
        signed_info,
        "CanonicalizationMethod",
        &[("Algorithm", c14n.uri())],
    )?;
    add_prefix_list(doc, c14n_method, &prefix_list)?;
    append(
        doc,
        signed_info,
        "SignatureMethod",
        &[("Algorithm", options.algorithm.xmldsig_uri())],
    )?;
    let reference = append(doc, signed_info, "Reference", &[("URI", &reference_uri)])?;
    let transforms = append(doc, reference, "Transforms", &[])?;
    append(
        doc,
        transforms,
        "Transform",
        &[("Algorithm", ENVELOPED_SIGNATURE)],
    )?;
    let c14n_transform = append(doc, transforms, "Transform", &[("Algorithm", c14n.uri())])?;
    add_prefix_list(doc, c14n_transform, &prefix_list)?;
    append(
        doc,
        reference,
        "DigestMethod",
        &[("Algorithm", options.digest.xmldsig_uri())],
    )?;
    let digest_node = append(doc, reference, "DigestValue", &[])?;
    append_text(doc, digest_node, &digest_value)?;

    place(doc, element, signature)?;

    let message = canonicalize(doc, signed_info, &c14n, None)?;
    let value = key
        .sign(options.algorithm, &message, rng)
        .map_err(|e| Error::SigningFailed {
            reason: e.to_string(),
        })?;
    let value_node = append(doc, signature, "SignatureValue", &[])?;
    append_text(doc, value_node, &base64(&value))?;
    if let Some(certificate) = &options.certificate {
        let key_info = append(doc, signature, "KeyInfo", &[])?;
        let x509_data = append(doc, key_info, "X509Data", &[])?;
        let cert_node = append(doc, x509_data, "X509Certificate", &[])?;
        append_text(doc, cert_node, &certificate.to_base64())?;
    }
    Ok(signature)
}

/// Puts the signature after the SAML `Issuer` child, else first.
fn place(doc: &mut Document, element: NodeId, signature: NodeId) -> Result<(), Error> {
    let first = doc.child_elements(element).next();
    let issuer = first.filter(|&n| {
        doc.name(n)
            .is_some_and(|name| name.is(Some(SAML_ASSERTION_NS), "Issuer"))
    });
    match (issuer, doc.first_child(element)) {
        (Some(issuer), _) => doc.insert_after(issuer, signature)?,
        (None, Some(first_child)) => doc.insert_before(first_child, signature)?,
        (None, None) => doc.append_child(element, signature)?,
    }
    Ok(())
}

fn create(doc: &mut Document, element: &NewElement<'_>) -> Result<NodeId, Error> {
    Ok(doc.create_element(element)?)
}

fn append(
    doc: &mut Document,
    parent: NodeId,
    local: &str,
    attributes: &[(&str, &str)],
) -> Result<NodeId, Error> {
    let mut element = NewElement::new(Some("ds"), local, Some(DSIG_NS));
    for (name, value) in attributes {
        element = element.attribute(name, value);
    }
    let node = doc.create_element(&element)?;
    doc.append_child(parent, node)?;
    Ok(node)
}

fn append_text(doc: &mut Document, parent: NodeId, text: &str) -> Result<(), Error> {
    let node = doc.create_text(text);
    doc.append_child(parent, node)?;
    Ok(())
}

fn add_prefix_list(doc: &mut Document, parent: NodeId, prefix_list: &str) -> Result<(), Error> {
    if prefix_list.is_empty() {
        return Ok(());
    }
    let list = doc.create_element(
        &NewElement::new(Some("ec"), "InclusiveNamespaces", Some(EXC_C14N_NS))
            .declare(Some("ec"), EXC_C14N_NS)
            .attribute("PrefixList", prefix_list),
    )?;
    doc.append_child(parent, list)?;
    Ok(())
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

struct DigestBytes<'a>(&'a mut dyn fedkit_certs::DigestContext);

impl crate::c14n::C14nSink for DigestBytes<'_> {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}
