#![no_main]
//! Filter parse → print → parse round trip, bind, eval and SQL on arbitrary text; the body is in `fuzz/checks/`.

#[path = "../checks/filter_roundtrip.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::run(data));
