//! The shape of a `ds:Signature` element: exactly one SignedInfo, one SignatureValue, at most
//! one KeyInfo, in schema order, then `ds:Object`s where the caller allows them.

use crate::Error;
use crate::policy::VerifyPolicy;
use crate::reference::{is_dsig, unexpected};
use crate::signed_info::{SignedInfo, structural_children};
use crate::value::base64_text;
use fedkit_xml::{Document, NodeId};

/// A `ds:Signature` whose structure has been checked.
#[derive(Debug, Clone)]
pub(crate) struct SignatureElement {
    pub(crate) node: NodeId,
    pub(crate) signed_info: SignedInfo,
    pub(crate) signature_value: Vec<u8>,
    pub(crate) key_info: Option<NodeId>,
    pub(crate) objects: Vec<NodeId>,
}

impl SignatureElement {
    /// Checks `node` (a `ds:Signature`). `allow_objects` is false for SAML's enveloped shape,
    /// where a `ds:Object` can only be a place to hide a second copy of signed content.
    pub(crate) fn parse(
        doc: &Document,
        node: NodeId,
        policy: &VerifyPolicy,
        allow_objects: bool,
    ) -> Result<SignatureElement, Error> {
        let path = || doc.path(node);
        let children = structural_children(doc, node)?;
        // Count each kind first, so that two SignedInfo (CVE-2020-15216) get their own code
        // rather than "unexpected element".
        let count = |local| children.iter().filter(|&&n| is_dsig(doc, n, local)).count();
        let signed_infos = count("SignedInfo");
        if signed_infos != 1 {
            return Err(Error::SignedInfoNotUnique {
                path: path(),
                count: signed_infos,
            });
        }
        let values = count("SignatureValue");
        if values != 1 {
            return Err(Error::SignatureValueNotUnique {
                path: path(),
                count: values,
            });
        }
        let key_infos = count("KeyInfo");
        if key_infos > 1 {
            return Err(Error::KeyInfoNotUnique {
                path: path(),
                count: key_infos,
            });
        }

        let mut iter = children.iter().copied().peekable();
        let (Some(signed_info), Some(value)) = (iter.next(), iter.next()) else {
            return Err(Error::ElementMissing {
                path: path(),
                name: "ds:SignatureValue",
            });
        };
        if !is_dsig(doc, signed_info, "SignedInfo") {
            return Err(unexpected(doc, node, signed_info));
        }
        if !is_dsig(doc, value, "SignatureValue") {
            return Err(unexpected(doc, node, value));
        }
        let key_info = iter.next_if(|&n| is_dsig(doc, n, "KeyInfo"));
        let objects: Vec<NodeId> = iter.collect();
        if let Some(&other) = objects
            .iter()
            .find(|&&n| !allow_objects || !is_dsig(doc, n, "Object"))
        {
            return Err(unexpected(doc, node, other));
        }

        let signed_info = SignedInfo::parse(doc, signed_info, policy)?;
        let signature_value =
            base64_text(doc, value).map_err(|fault| Error::SignatureValueMalformed {
                path: doc.path(value),
                reason: fault.reason(),
            })?;
        Ok(SignatureElement {
            node,
            signed_info,
            signature_value,
            key_info,
            objects,
        })
    }
}
