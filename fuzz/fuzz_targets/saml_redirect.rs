#![no_main]
//! See fuzz/checks/saml_redirect.rs for what this target checks.

#[path = "../checks/saml_redirect.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::run(data));
