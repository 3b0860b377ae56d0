//! Verification: from a parsed document to the element the signature covers.

use crate::Error;
use crate::c14n::{C14nSink, canonicalize, canonicalize_into};
use crate::key_info::{self, KeySelection};
use crate::policy::VerifyPolicy;
use crate::reference::{ReferenceUri, is_dsig};
use crate::signature::SignatureElement;
use chrono::{DateTime, Utc};
use fedkit_certs::{
    Certificate, CryptoProvider, DigestContext, KeyHint, SignatureAlgorithm, TrustSet,
};
use fedkit_xml::{Document, NodeId};

/// Checks XML signatures against a caller's trusted certificates.
///
/// Keys come only from the [`TrustSet`]; algorithms only from the [`VerifyPolicy`]. Digests
/// are computed with `provider`; signatures with the trust set's own provider.
#[derive(Debug, Clone, Copy)]
pub struct Verifier<'t> {
    trust: &'t TrustSet,
    policy: &'t VerifyPolicy,
    provider: &'t dyn CryptoProvider,
}

/// Proof that a signature verified: the element it covers, in the document that was digested.
///
/// Only the verifier makes these. Read the signed content only through [`Verified::element`]
/// (and its descendants): content elsewhere in the document was not signed.
#[derive(Debug, Clone)]
pub struct Verified<'d> {
    doc: &'d Document,
    element: NodeId,
    signature: NodeId,
    algorithm: SignatureAlgorithm,
    certificate: Certificate,
}

impl<'d> Verified<'d> {
    /// The signed element: the reference's target (the whole document's element for `URI=""`).
    pub fn element(&self) -> NodeId {
        self.element
    }

    /// The document the element belongs to (the one that was verified).
    pub fn document(&self) -> &'d Document {
        self.doc
    }

    /// The `ds:Signature` element that verified.
    pub fn signature(&self) -> NodeId {
        self.signature
    }

    /// The signature algorithm that verified.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    /// The trusted certificate whose key verified the signature.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }
}

/// Where the signature must sit relative to what it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// SAML: a child of the signed element, covering exactly that element; no `ds:Object`.
    Enveloped { signed: NodeId },
    /// Enveloped (covers its parent) or enveloping (covers one of its own `ds:Object`s).
    Either,
}

impl<'t> Verifier<'t> {
    /// A verifier trusting `trust`, accepting what `policy` allows, digesting with `provider`.
    pub fn new(
        trust: &'t TrustSet,
        policy: &'t VerifyPolicy,
        provider: &'t dyn CryptoProvider,
    ) -> Self {
        Verifier {
            trust,
            policy,
            provider,
        }
    }

    /// Verifies the enveloped signature of `signed` (a SAML Response or Assertion): `signed`
    /// must have exactly one `ds:Signature` child, whose single Reference covers `signed` itself.
    /// Certificates are checked for validity at `now` under the trust set's expiry policy.
    pub fn verify_enveloped<'d>(
        &self,
        doc: &'d Document,
        signed: NodeId,
        now: DateTime<Utc>,
    ) -> Result<Verified<'d>, Error> {
        let signatures: Vec<NodeId> = doc
            .child_elements(signed)
            .filter(|&n| is_dsig(doc, n, "Signature"))
            .collect();
        let signature = match signatures[..] {
            [one] => one,
            [] => {
                return Err(Error::SignatureNotFound {
                    path: doc.path(signed),
                });
            }
            _ => {
                return Err(Error::SignatureNotUnique {
                    path: doc.path(signed),
                    count: signatures.len(),
                });
            }
        };
        self.verify_shape(doc, signature, Shape::Enveloped { signed }, now)
    }

    /// [`verify_enveloped`](Self::verify_enveloped) of the element whose ID is `id` (fails with
    /// `reference_not_found` when no element has it).
    pub fn verify_enveloped_id<'d>(
        &self,
        doc: &'d Document,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Verified<'d>, Error> {
        let signed = doc
            .element_by_id(id)
            .ok_or_else(|| Error::ReferenceNotFound {
                path: doc.path(doc.root()),
                id: id.chars().take(200).collect(),
            })?;
        self.verify_enveloped(doc, signed, now)
    }

    /// Verifies one `ds:Signature` element wherever it is, and returns what it covers: its
    /// parent (an enveloped signature, which needs the enveloped-signature transform) or one of
    /// its own `ds:Object` children (an enveloping signature). Still one Reference, same-document
    /// only. Use [`verify_enveloped`](Self::verify_enveloped) for SAML.
    pub fn verify_signature<'d>(
        &self,
        doc: &'d Document,
        signature: NodeId,
        now: DateTime<Utc>,
    ) -> Result<Verified<'d>, Error> {
        if !is_dsig(doc, signature, "Signature") {
            return Err(Error::SignatureNotFound {
                path: doc.path(signature),
            });
        }
        self.verify_shape(doc, signature, Shape::Either, now)
    }

    fn verify_shape<'d>(
        &self,
        doc: &'d Document,
        signature: NodeId,
        shape: Shape,
        now: DateTime<Utc>,
    ) -> Result<Verified<'d>, Error> {
        let allow_objects = shape == Shape::Either;
        let parsed = SignatureElement::parse(doc, signature, self.policy, allow_objects)?;
        let reference = &parsed.signed_info.reference;
        let reference_path = || doc.path(reference.node);

        // What the reference covers: the node to canonicalise and the element to hand back.
        let (target, element) = match &reference.uri {
            ReferenceUri::WholeDocument => (doc.root(), doc.document_element()),
            ReferenceUri::Id(id) => {
                let element = doc
                    .element_by_id(id)
                    .ok_or_else(|| Error::ReferenceNotFound {
                        path: reference_path(),
                        id: id.chars().take(200).collect(),
                    })?;
                (element, element)
            }
        };
        let expected = match shape {
            Shape::Enveloped { signed } => element == signed,
            Shape::Either => {
                doc.parent(signature) == Some(element) || parsed.objects.contains(&element)
            }
        };
        if !expected {
            return Err(Error::ReferenceMismatch {
                path: reference_path(),
                covered: doc.path(element),
            });
        }
        if doc.is_ancestor_or_self(target, signature) && !reference.enveloped {
            return Err(Error::EnvelopedTransformMissing {
                path: reference_path(),
            });
        }
        // After the structural checks, so a broken document gets its own code even when the
        // caller also forgot to trust anything.
        if self.trust.is_empty() {
            return Err(Error::NoTrustedKeys);
        }
        let selection = key_info::select(doc, parsed.key_info, self.trust)?;

        // Signature first: only an authentic SignedInfo's DigestValue means anything.
        let signed_info = &parsed.signed_info;
        let canonical = canonicalize(doc, signed_info.node, &signed_info.c14n, None)?;
        let certificate = self.check_signature(doc, &parsed, &canonical, &selection, now)?;

        let mut digest = DigestSink(self.provider.digest(reference.digest));
        let omit = reference.enveloped.then_some(signature);
        canonicalize_into(doc, target, &reference.c14n, omit, &mut digest)?;
        if !same_bytes(&digest.0.finish(), &reference.digest_value) {
            return Err(Error::DigestMismatch {
                path: reference_path(),
            });
        }
        Ok(Verified {
            doc,
            element,
            signature,
            algorithm: signed_info.algorithm,
            certificate,
        })
    }

    fn check_signature(
        &self,
        doc: &Document,
        parsed: &SignatureElement,
        message: &[u8],
        selection: &KeySelection,
        now: DateTime<Utc>,
    ) -> Result<Certificate, Error> {
        let algorithm = parsed.signed_info.algorithm;
        let hints: Vec<KeyHint<'_>> = match selection {
            KeySelection::Any => vec![KeyHint::Any],
            KeySelection::Named(ders) => ders
                .iter()
                .map(|der| KeyHint::CertificateDer(der))
                .collect(),
        };
        let mut last = None;
        for hint in hints {
            let outcome = if algorithm.is_legacy() {
                self.trust
                    .verify_legacy(algorithm, message, &parsed.signature_value, now, hint)
            } else {
                self.trust
                    .verify(algorithm, message, &parsed.signature_value, now, hint)
            };
            match outcome {
                Ok(verified) => return Ok(verified.certificate.clone()),
                Err(refusal) => last = Some(refusal),
            }
        }
        let path = doc.path(parsed.node);
        Err(match last {
            Some(fedkit_certs::Error::AlgorithmKeyMismatch { .. }) => Error::AlgorithmKeyMismatch {
                path: doc.path(parsed.signed_info.signature_method),
                algorithm: algorithm.xmldsig_uri().to_owned(),
            },
            Some(
                refusal @ (fedkit_certs::Error::CertificateExpired { .. }
                | fedkit_certs::Error::CertificateNotYetValid { .. }),
            ) => Error::CertificateNotValid {
                path,
                reason: refusal.to_string(),
            },
            _ => Error::SignatureInvalid { path },
        })
    }
}

/// Feeds canonical bytes straight into a digest.
struct DigestSink(Box<dyn DigestContext>);

impl C14nSink for DigestSink {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// Compares without an early exit, so timing says nothing about where digests differ.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
