//! Reading SAML elements from a fedkit-xml tree: unique children, required attributes, times,
//! each failure its own error.

use crate::error::{Error, clip};
use crate::time;
use chrono::{DateTime, Utc};
use fedkit_xml::{Document, NodeId};

/// The only `ns:local` child of `parent`, if any; two are an error.
pub(crate) fn optional_child(
    doc: &Document,
    parent: NodeId,
    ns: &str,
    local: &'static str,
) -> Result<Option<NodeId>, Error> {
    let mut found = doc.children_named(parent, Some(ns), local);
    let first = found.next();
    let more = found.count();
    if more > 0 {
        return Err(Error::ElementNotUnique {
            path: doc.path(parent),
            name: local,
            count: more + 1,
        });
    }
    Ok(first)
}

/// The one `ns:local` child of `parent`.
pub(crate) fn required_child(
    doc: &Document,
    parent: NodeId,
    ns: &str,
    local: &'static str,
) -> Result<NodeId, Error> {
    optional_child(doc, parent, ns, local)?.ok_or_else(|| Error::ElementMissing {
        path: doc.path(parent),
        name: local,
    })
}

/// An unprefixed attribute.
pub(crate) fn attribute(doc: &Document, n: NodeId, local: &str) -> Option<String> {
    doc.attribute(n, None, local).map(str::to_owned)
}

/// A required unprefixed attribute.
pub(crate) fn required_attribute(
    doc: &Document,
    n: NodeId,
    local: &'static str,
) -> Result<String, Error> {
    attribute(doc, n, local).ok_or_else(|| Error::AttributeMissing {
        path: doc.path(n),
        name: local,
    })
}

/// An optional `xs:dateTime` attribute.
pub(crate) fn time_attribute(
    doc: &Document,
    n: NodeId,
    local: &str,
) -> Result<Option<DateTime<Utc>>, Error> {
    doc.attribute(n, None, local)
        .map(|value| time::parse(value, || doc.path(n)))
        .transpose()
}

/// A required `xs:dateTime` attribute.
pub(crate) fn required_time(
    doc: &Document,
    n: NodeId,
    local: &'static str,
) -> Result<DateTime<Utc>, Error> {
    time_attribute(doc, n, local)?.ok_or_else(|| Error::AttributeMissing {
        path: doc.path(n),
        name: local,
    })
}

/// Full text content, trimmed of XML whitespace: never the first text node only (CVE-2017-11427).
pub(crate) fn text(doc: &Document, n: NodeId) -> String {
    doc.text_content(n)
        .trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
        .to_owned()
}

/// Checks `Version="2.0"`.
pub(crate) fn check_version(doc: &Document, n: NodeId) -> Result<(), Error> {
    match doc.attribute(n, None, "Version") {
        Some("2.0") => Ok(()),
        _ => Err(Error::VersionUnsupported { path: doc.path(n) }),
    }
}

/// Checks that `n` is `ns:local`.
pub(crate) fn expect_element(
    doc: &Document,
    n: NodeId,
    ns: &str,
    local: &str,
    expected: &'static str,
) -> Result<(), Error> {
    if doc.name(n).is_some_and(|name| name.is(Some(ns), local)) {
        Ok(())
    } else {
        Err(Error::UnexpectedRoot {
            expected,
            found: clip(&doc.path(n)),
        })
    }
}
