#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod bulk;
pub mod config;
pub mod dialect;
pub mod error;
pub mod filter;
pub mod meta;
pub mod normalize;
pub mod patch;
pub mod path;
pub mod profile;
pub mod query;
pub mod resource;
pub mod schema;

pub use dialect::Dialect;
pub use error::{Error, ScimError, ScimType};
pub use filter::{BoundFilter, Filter, FilterError};
pub use path::{AttrPath, Path};
pub use schema::{
    AttributeDef, AttributeType, Mutability, ResourceSchema, Returned, Schema, Uniqueness,
};
