//! Choosing trusted keys with the help of `ds:KeyInfo`.
//!
//! KeyInfo is a hint, never a source of trust. When it carries `X509Certificate`s, only the
//! trusted certificates equal to one of them (exact DER) are tried; if none of them is trusted
//! the signature is refused (`untrusted_key`) instead of quietly trying the other trusted keys:
//! a document naming a key we do not trust is misconfigured or forged, and an honest IdP that
//! rotates names its new certificate, which the caller has already added to the trust set.
//! Without X509Certificate (no KeyInfo, KeyName, KeyValue, …) every trusted key is tried, which
//! is what rotation with two trusted certificates needs. `RetrievalMethod` is refused.

use crate::Error;
use crate::reference::is_dsig;
use crate::value::base64_text;
use fedkit_certs::TrustSet;
use fedkit_xml::{Document, NodeId};

/// Which trusted certificates to try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeySelection {
    /// Every trusted certificate.
    Any,
    /// These trusted certificates (DER), named by KeyInfo.
    Named(Vec<Vec<u8>>),
}

pub(crate) fn select(
    doc: &Document,
    key_info: Option<NodeId>,
    trust: &TrustSet,
) -> Result<KeySelection, Error> {
    let Some(key_info) = key_info else {
        return Ok(KeySelection::Any);
    };
    let mut named = Vec::new();
    for n in doc.descendants(key_info) {
        if is_dsig(doc, n, "RetrievalMethod") {
            return Err(Error::RetrievalMethodNotAllowed { path: doc.path(n) });
        }
        let in_x509_data = doc
            .parent(n)
            .is_some_and(|parent| is_dsig(doc, parent, "X509Data"));
        if in_x509_data && is_dsig(doc, n, "X509Certificate") {
            let der = base64_text(doc, n).map_err(|fault| Error::KeyInfoMalformed {
                path: doc.path(n),
                reason: fault.reason(),
            })?;
            named.push(der);
        }
    }
    if named.is_empty() {
        return Ok(KeySelection::Any);
    }
    named.retain(|der| {
        trust
            .certificates()
            .any(|cert| cert.der() == der.as_slice())
    });
    if named.is_empty() {
        return Err(Error::UntrustedKey {
            path: doc.path(key_info),
        });
    }
    Ok(KeySelection::Named(named))
}
