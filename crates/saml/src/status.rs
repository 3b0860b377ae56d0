//! `samlp:Status`: a code, nested codes, a message.

use crate::error::Error;
use crate::names::{PROTOCOL_NS, STATUS_SUCCESS};
use crate::read::{optional_child, required_attribute, required_child, text};
use fedkit_xml::{Document, NodeId};

/// How deep nested StatusCodes are followed; deeper ones are ignored (no peer nests more than 2).
const MAX_NESTED_CODES: usize = 8;

/// A SAML status: the top-level code and the nested ones, outermost first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The top-level `StatusCode/@Value`.
    pub code: String,
    /// Nested `StatusCode/@Value`s, outermost first.
    pub sub_codes: Vec<String>,
    /// `StatusMessage`.
    pub message: Option<String>,
}

impl Status {
    /// The success status.
    pub fn success() -> Self {
        Status {
            code: STATUS_SUCCESS.to_owned(),
            sub_codes: Vec::new(),
            message: None,
        }
    }

    /// Whether the top-level code is success.
    pub fn is_success(&self) -> bool {
        self.code == STATUS_SUCCESS
    }

    pub(crate) fn read(doc: &Document, status: NodeId) -> Result<Status, Error> {
        let mut node = required_child(doc, status, PROTOCOL_NS, "StatusCode")?;
        let code = required_attribute(doc, node, "Value")?;
        let mut sub_codes = Vec::new();
        while sub_codes.len() < MAX_NESTED_CODES {
            match optional_child(doc, node, PROTOCOL_NS, "StatusCode")? {
                Some(inner) => {
                    sub_codes.push(required_attribute(doc, inner, "Value")?);
                    node = inner;
                }
                None => break,
            }
        }
        let message =
            optional_child(doc, status, PROTOCOL_NS, "StatusMessage")?.map(|m| text(doc, m));
        Ok(Status {
            code,
            sub_codes,
            message,
        })
    }

    pub(crate) fn into_error(self) -> Error {
        Error::StatusNotSuccess {
            code: self.code,
            sub_code: self.sub_codes.into_iter().next(),
            message: self.message,
        }
    }
}
