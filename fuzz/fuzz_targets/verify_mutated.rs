#![no_main]
//! Mutated signed documents never panic the verifier, and never verify with changed content; the
//! body is in `fuzz/checks/`.

#[path = "../checks/verify_mutated.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::run(data));
