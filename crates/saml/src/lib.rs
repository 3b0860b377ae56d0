#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod assertion;
mod authn_request;
mod error;
mod idp;
mod logout;
mod metadata;
pub mod names;
mod post;
mod profile;
mod read;
mod received;
mod redirect;
mod signer;
mod sp;
mod state;
mod status;
mod time;
mod write;

pub use assertion::{
    Assertion, Attribute, AttributeValue, AuthnStatement, Conditions, NameId, Subject,
    SubjectConfirmation, SubjectConfirmationData, ValueType,
};
pub use authn_request::AuthnRequest;
pub use error::Error;
/// XML Encryption choices, from fedkit-xmldsig.
pub use fedkit_xmldsig::xmlenc::{ContentAlgorithm, DecryptPolicy};
pub use idp::{IdentityProvider, ResponseParams, SignatureScope};
pub use logout::{LogoutRequest, LogoutResponse};
pub use metadata::{Endpoint, EntityDescriptor, KeyDescriptor, KeyUse, RoleDescriptor};
pub use post::{PostField, decode_post, encode_post, post_form};
pub use profile::{
    IDENTITY_CENTER_MAX_METADATA_CHARS, ProfileFault, check_aws_console, check_identity_center,
    check_identity_center_metadata,
};
pub use received::ReceivedMessage;
pub use redirect::{RedirectLimits, RedirectMessage, RedirectQuery, inflate_bounded, redirect_url};
pub use signer::Signer;
pub use sp::{ServiceProvider, ValidationOptions, VerifiedAssertion};
pub use state::{InMemoryReplayCache, InMemoryRequestTracker, ReplayCache, RequestTracker};
pub use status::Status;
