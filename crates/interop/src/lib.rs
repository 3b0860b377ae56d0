//! Tests only: fedkit checked against libxmlsec1, the `xmlsec1` command, the public c14n,
//! XML-DSig and XML-Enc vectors in `../shared/vectors`, and real SAML and SCIM peers.
//!
//! This crate is not a default member: it needs `libxmlsec1-dev`, `libclang-dev`, `pkg-config`
//! and the `xmlsec1` command, which `.ci/run` installs before it runs `cargo test -p fedkit-interop`.
#![forbid(unsafe_code)]
