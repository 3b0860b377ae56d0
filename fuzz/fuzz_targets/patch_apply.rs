#![no_main]
//! PATCH apply on arbitrary bodies, both dialects; the body is in `fuzz/checks/`.

#[path = "../checks/patch_apply.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::run(data));
