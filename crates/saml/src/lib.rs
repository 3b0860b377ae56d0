#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod assertion;
mod error;
mod idp;
pub mod names;
mod post;
mod read;
mod sp;
mod state;
mod status;
mod time;
mod write;

pub use assertion::{
    Assertion, Attribute, AttributeValue, AuthnStatement, Conditions, NameId, Subject,
    SubjectConfirmation, SubjectConfirmationData, ValueType,
};
pub use error::Error;
pub use idp::{IdentityProvider, ResponseParams, SignatureScope};
pub use post::{PostField, decode_post, encode_post, post_form};
pub use sp::{ServiceProvider, ValidationOptions, VerifiedAssertion};
pub use state::{InMemoryReplayCache, InMemoryRequestTracker, ReplayCache, RequestTracker};
pub use status::Status;
