#![no_main]
//! parse → c14n → parse → c14n gives the same bytes; the body is in `fuzz/checks/`.

#[path = "../checks/c14n_stability.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::run(data));
