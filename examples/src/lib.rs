//! Programs composed from the fedkit libraries. The binaries are in `src/bin/`; this is the
//! only crate of the workspace that reads the clock, the OS RNG, files and sockets.

pub mod html_form;
pub mod identity_center;
pub mod saml_sp;
