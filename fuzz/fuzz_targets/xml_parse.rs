#![no_main]
//! XML parse: arbitrary bytes never panic; what parses round-trips through the writer. The body
//! is in `fuzz/checks/`.

#[path = "../checks/xml_parse.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::run(data));
