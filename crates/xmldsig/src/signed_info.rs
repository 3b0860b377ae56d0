//! `ds:SignedInfo`: the canonicalisation method, the signature method and exactly one Reference.

use crate::Error;
use crate::c14n::C14nMethod;
use crate::policy::VerifyPolicy;
use crate::reference::{Reference, is_dsig, unexpected};
use crate::value::is_whitespace;
use fedkit_certs::SignatureAlgorithm;
use fedkit_xml::{Document, NodeId, NodeKind};

/// Namespace of `InclusiveNamespaces` (Exclusive C14N §3).
const EXC_C14N_NS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// A parsed and checked `ds:SignedInfo`.
#[derive(Debug, Clone)]
pub(crate) struct SignedInfo {
    pub(crate) node: NodeId,
    pub(crate) c14n: C14nMethod,
    pub(crate) signature_method: NodeId,
    pub(crate) algorithm: SignatureAlgorithm,
    pub(crate) reference: Reference,
}

impl SignedInfo {
    pub(crate) fn parse(
        doc: &Document,
        node: NodeId,
        policy: &VerifyPolicy,
    ) -> Result<SignedInfo, Error> {
        let path = || doc.path(node);
        let children = structural_children(doc, node)?;
        let mut iter = children.iter().copied();

        let c14n_node = iter
            .next()
            .filter(|&n| is_dsig(doc, n, "CanonicalizationMethod"))
            .ok_or_else(|| Error::ElementMissing {
                path: path(),
                name: "ds:CanonicalizationMethod",
            })?;
        let c14n_uri = algorithm_of(doc, c14n_node)?;
        let c14n = c14n_method_of(doc, c14n_node, c14n_uri)?.ok_or_else(|| {
            Error::C14nMethodNotAllowed {
                path: doc.path(c14n_node),
                algorithm: c14n_uri.chars().take(200).collect(),
            }
        })?;

        let signature_method = iter
            .next()
            .filter(|&n| is_dsig(doc, n, "SignatureMethod"))
            .ok_or_else(|| Error::ElementMissing {
                path: path(),
                name: "ds:SignatureMethod",
            })?;
        let method_uri = algorithm_of(doc, signature_method)?;
        // HMAC, MD5 and anything unknown fail here: they are not in fedkit-certs' list at all;
        // legacy algorithms fail here unless the policy opted into them.
        let algorithm = SignatureAlgorithm::from_xmldsig_uri(method_uri)
            .ok()
            .filter(|alg| policy.allows_signature(*alg))
            .ok_or_else(|| Error::AlgorithmNotAllowed {
                path: doc.path(signature_method),
                algorithm: method_uri.chars().take(200).collect(),
            })?;
        expect_no_children(doc, signature_method)?;

        let rest: Vec<NodeId> = iter.collect();
        if let Some(&other) = rest.iter().find(|&&n| !is_dsig(doc, n, "Reference")) {
            return Err(unexpected(doc, node, other));
        }
        let [reference] = rest[..] else {
            return Err(Error::ReferenceNotUnique {
                path: path(),
                count: rest.len(),
            });
        };
        let reference = Reference::parse(doc, reference, policy)?;
        Ok(SignedInfo {
            node,
            c14n,
            signature_method,
            algorithm,
            reference,
        })
    }
}

/// The element children of `n`, refusing text other than whitespace between them. Comments and
/// processing instructions between structural elements are skipped: they carry no meaning, and
/// where they are signed (SignedInfo under a `#WithComments` method) c14n keeps them.
pub(crate) fn structural_children(doc: &Document, n: NodeId) -> Result<Vec<NodeId>, Error> {
    let mut elements = Vec::new();
    for child in doc.children(n) {
        match doc.kind(child) {
            NodeKind::Element(_) => elements.push(child),
            NodeKind::Text(text) if !is_whitespace(text) => {
                return Err(Error::UnexpectedContent {
                    path: doc.path(n),
                    found: "text".to_owned(),
                });
            }
            _ => {}
        }
    }
    Ok(elements)
}

/// Refuses element children (and non-whitespace text) of an element that takes none.
pub(crate) fn expect_no_children(doc: &Document, n: NodeId) -> Result<(), Error> {
    match structural_children(doc, n)?.first() {
        Some(&child) => Err(unexpected(doc, n, child)),
        None => Ok(()),
    }
}

/// The `Algorithm` attribute, required.
pub(crate) fn algorithm_of(doc: &Document, n: NodeId) -> Result<&str, Error> {
    doc.attribute(n, None, "Algorithm")
        .ok_or_else(|| Error::AttributeMissing {
            path: doc.path(n),
            name: "Algorithm",
        })
}

/// The c14n method `uri` names, with the `InclusiveNamespaces` child of `n` for exclusive
/// methods; `None` when `uri` names no c14n method. Any other child is refused.
pub(crate) fn c14n_method_of(
    doc: &Document,
    n: NodeId,
    uri: &str,
) -> Result<Option<C14nMethod>, Error> {
    let Some(method) = C14nMethod::from_uri(uri) else {
        return Ok(None);
    };
    let children = structural_children(doc, n)?;
    let C14nMethod::Exclusive10 { with_comments, .. } = method else {
        return match children.first() {
            Some(&child) => Err(unexpected(doc, n, child)),
            None => Ok(Some(method)),
        };
    };
    let inclusive_prefixes = match children[..] {
        [] => Vec::new(),
        [list] => {
            let malformed = || Error::InclusiveNamespacesMalformed {
                path: doc.path(list),
            };
            let is_list = doc
                .name(list)
                .is_some_and(|name| name.is(Some(EXC_C14N_NS), "InclusiveNamespaces"));
            if !is_list || !structural_children(doc, list)?.is_empty() {
                return Err(malformed());
            }
            let prefixes = doc
                .attribute(list, None, "PrefixList")
                .ok_or_else(malformed)?;
            let prefixes: Vec<String> = prefixes
                .split([' ', '\t', '\r', '\n'])
                .filter(|token| !token.is_empty())
                .map(str::to_owned)
                .collect();
            if !prefixes.iter().all(|p| p == "#default" || is_ncname(p)) {
                return Err(malformed());
            }
            prefixes
        }
        [_, second, ..] => {
            return Err(Error::InclusiveNamespacesMalformed {
                path: doc.path(second),
            });
        }
    };
    Ok(Some(C14nMethod::Exclusive10 {
        with_comments,
        inclusive_prefixes,
    }))
}

fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || !c.is_ascii())
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.') || !c.is_ascii())
}
