//! Interoperability profiles: what a particular service provider accepts, as checks a server
//! can enforce and a client can run on its requests before sending them.
//!
//! - [`aws`]: AWS IAM Identity Center (research/scim.md §1).

pub mod aws;
