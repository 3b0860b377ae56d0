#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod build;
mod chars;
mod encoding;
mod error;
mod limits;
mod namespace_uri;
mod parse;
mod reference;
mod tree;
mod write;

pub use build::NewElement;
pub use error::{Error, Location};
pub use limits::Limits;
pub use tree::{
    Attribute, Attributes, Children, Document, Edge, Name, NamespaceDeclaration,
    NamespaceDeclarations, NodeId, NodeKind, Traverse, XML_NAMESPACE, XMLNS_NAMESPACE,
};
