#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod error;
pub mod schema;

pub use error::{Error, ScimError, ScimType};
pub use schema::{
    AttributeDef, AttributeType, Mutability, ResourceSchema, Returned, Schema, Uniqueness,
};
