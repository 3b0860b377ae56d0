#![no_main]
//! PATCH path parse and round trip on arbitrary text; the body is in `fuzz/checks/`.

#[path = "../checks/path_parse.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::run(data));
