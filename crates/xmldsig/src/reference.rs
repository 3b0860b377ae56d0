//! The one `ds:Reference` of a SignedInfo: its URI, transforms and digest, checked strictly.

use crate::c14n::C14nMethod;
use crate::policy::VerifyPolicy;
use crate::signed_info::{algorithm_of, c14n_method_of, expect_no_children, structural_children};
use crate::value::base64_text;
use crate::{DSIG_NS, Error};
use fedkit_certs::DigestAlgorithm;
use fedkit_xml::{Document, NodeId};

/// `Transform Algorithm` of the enveloped-signature transform (XML-DSig §6.6.4).
pub(crate) const ENVELOPED_SIGNATURE: &str =
    "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// `Reference Type` values that name an element reference (a Manifest is refused).
const OBJECT_TYPE: &str = "http://www.w3.org/2000/09/xmldsig#Object";

/// What a same-document URI selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReferenceUri {
    /// `URI=""`: the whole document, comments removed.
    WholeDocument,
    /// `URI="#id"`: the element with that ID.
    Id(String),
}

/// A parsed and checked `ds:Reference`.
#[derive(Debug, Clone)]
pub(crate) struct Reference {
    pub(crate) node: NodeId,
    pub(crate) uri: ReferenceUri,
    pub(crate) enveloped: bool,
    /// The canonicalisation that turns the node-set into octets: the c14n transform if given,
    /// else inclusive C14N 1.0 (XML-DSig §4.4.3.2). Never with comments: a same-document
    /// reference removes them before any transform (§4.4.3.3, xml-crypto #586).
    pub(crate) c14n: C14nMethod,
    pub(crate) digest: DigestAlgorithm,
    pub(crate) digest_value: Vec<u8>,
}

impl Reference {
    pub(crate) fn parse(
        doc: &Document,
        node: NodeId,
        policy: &VerifyPolicy,
    ) -> Result<Reference, Error> {
        let path = || doc.path(node);
        if let Some(type_uri) = doc.attribute(node, None, "Type")
            && type_uri != OBJECT_TYPE
        {
            return Err(Error::ReferenceTypeNotAllowed {
                path: path(),
                type_uri: type_uri.to_owned(),
            });
        }
        let uri = doc
            .attribute(node, None, "URI")
            .ok_or_else(|| Error::AttributeMissing {
                path: path(),
                name: "URI",
            })?;
        let uri = parse_uri(uri).ok_or_else(|| Error::ReferenceUriNotAllowed {
            path: path(),
            uri: uri.chars().take(200).collect(),
        })?;

        let mut children = structural_children(doc, node)?.into_iter().peekable();
        let mut enveloped = false;
        let mut c14n = None;
        if let Some(&transforms) = children.peek()
            && is_dsig(doc, transforms, "Transforms")
        {
            children.next();
            for transform in structural_children(doc, transforms)? {
                if !is_dsig(doc, transform, "Transform") {
                    return Err(unexpected(doc, transforms, transform));
                }
                let algorithm = algorithm_of(doc, transform)?;
                let out_of_order = || Error::TransformOrder {
                    path: doc.path(transform),
                    algorithm: algorithm.to_owned(),
                };
                if algorithm == ENVELOPED_SIGNATURE {
                    // Enveloped first, once: after c14n the input would be octets, which the
                    // enveloped transform cannot take.
                    if enveloped || c14n.is_some() {
                        return Err(out_of_order());
                    }
                    expect_no_children(doc, transform)?;
                    enveloped = true;
                } else if let Some(method) = c14n_method_of(doc, transform, algorithm)? {
                    if c14n.is_some() {
                        return Err(out_of_order());
                    }
                    c14n = Some(method);
                } else {
                    return Err(Error::TransformNotAllowed {
                        path: doc.path(transform),
                        algorithm: algorithm.chars().take(200).collect(),
                    });
                }
            }
        }

        let digest_method = children
            .next()
            .filter(|&n| is_dsig(doc, n, "DigestMethod"))
            .ok_or_else(|| Error::ElementMissing {
                path: path(),
                name: "ds:DigestMethod",
            })?;
        let digest_uri = algorithm_of(doc, digest_method)?;
        let digest = DigestAlgorithm::from_xmldsig_uri(digest_uri)
            .ok()
            .filter(|alg| policy.allows_digest(*alg))
            .ok_or_else(|| Error::DigestAlgorithmNotAllowed {
                path: doc.path(digest_method),
                algorithm: digest_uri.chars().take(200).collect(),
            })?;
        expect_no_children(doc, digest_method)?;

        let digest_value_node = children
            .next()
            .filter(|&n| is_dsig(doc, n, "DigestValue"))
            .ok_or_else(|| Error::ElementMissing {
                path: path(),
                name: "ds:DigestValue",
            })?;
        let digest_value =
            base64_text(doc, digest_value_node).map_err(|fault| Error::DigestValueMalformed {
                path: doc.path(digest_value_node),
                reason: fault.reason(),
            })?;
        if digest_value.len() != digest.output_len() {
            return Err(Error::DigestValueMalformed {
                path: doc.path(digest_value_node),
                reason: "wrong length for the digest algorithm",
            });
        }
        if let Some(extra) = children.next() {
            return Err(unexpected(doc, node, extra));
        }

        let c14n = without_comments(c14n.unwrap_or(C14nMethod::Inclusive10 {
            with_comments: false,
        }));
        Ok(Reference {
            node,
            uri,
            enveloped,
            c14n,
            digest,
            digest_value,
        })
    }
}

/// `""` or a bare name `#id`; XPointer (`#xpointer(...)`) and every other URI are refused.
fn parse_uri(uri: &str) -> Option<ReferenceUri> {
    if uri.is_empty() {
        return Some(ReferenceUri::WholeDocument);
    }
    let id = uri.strip_prefix('#')?;
    let is_ncname = !id.is_empty()
        && !id.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.')
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.') || !c.is_ascii());
    is_ncname.then(|| ReferenceUri::Id(id.to_owned()))
}

fn without_comments(method: C14nMethod) -> C14nMethod {
    match method {
        C14nMethod::Inclusive10 { .. } => C14nMethod::Inclusive10 {
            with_comments: false,
        },
        C14nMethod::Inclusive11 { .. } => C14nMethod::Inclusive11 {
            with_comments: false,
        },
        C14nMethod::Exclusive10 {
            inclusive_prefixes, ..
        } => C14nMethod::Exclusive10 {
            with_comments: false,
            inclusive_prefixes,
        },
    }
}

pub(crate) fn is_dsig(doc: &Document, n: NodeId, local: &str) -> bool {
    doc.name(n)
        .is_some_and(|name| name.is(Some(DSIG_NS), local))
}

pub(crate) fn unexpected(doc: &Document, parent: NodeId, found: NodeId) -> Error {
    Error::UnexpectedContent {
        path: doc.path(parent),
        found: doc
            .name(found)
            .map_or_else(|| "non-element content".to_owned(), |name| name.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_document_uris_only() {
        assert_eq!(parse_uri(""), Some(ReferenceUri::WholeDocument));
        assert_eq!(parse_uri("#_a1"), Some(ReferenceUri::Id("_a1".into())));
        // XPointer, external, relative, and IDs that are not NCNames (XML-DSig §4.4.3.3).
        for refused in [
            "#xpointer(/)",
            "#xpointer(id('a'))",
            "http://example.com/doc.xml",
            "doc.xml#a",
            "#",
            "#1abc",
            "#a b",
            "#a:b",
        ] {
            assert_eq!(parse_uri(refused), None, "{refused}");
        }
    }
}
