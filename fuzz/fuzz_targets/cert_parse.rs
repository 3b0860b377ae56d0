#![no_main]
//! Certificate and key parsing from arbitrary bytes; the body is in `fuzz/checks/`.

#[path = "../checks/cert_parse.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::run(data));
