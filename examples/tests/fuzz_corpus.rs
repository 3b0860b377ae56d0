//! Replays every file of the fuzz corpus (`fuzz/corpus/<target>/`, where cargo-fuzz keeps it and
//! where minimised crashes are added) through the same check the fuzz target runs, on stable Rust.
//! A panic here is a regression of a bug a fuzzer once found.

use std::path::{Path, PathBuf};

// Each fuzz target's body; the same files are compiled into the cargo-fuzz binaries. Top-level
// modules, because `#[path]` inside an inline module resolves from `tests/checks/`, which does
// not exist.
#[path = "../../fuzz/checks/c14n_stability.rs"]
mod c14n_stability;
#[path = "../../fuzz/checks/cert_parse.rs"]
mod cert_parse;
#[path = "../../fuzz/checks/filter_roundtrip.rs"]
mod filter_roundtrip;
#[path = "../../fuzz/checks/patch_apply.rs"]
mod patch_apply;
#[path = "../../fuzz/checks/path_parse.rs"]
mod path_parse;
#[path = "../../fuzz/checks/saml_redirect.rs"]
mod saml_redirect;
#[path = "../../fuzz/checks/saml_response.rs"]
mod saml_response;
#[path = "../../fuzz/checks/verify_mutated.rs"]
mod verify_mutated;
#[path = "../../fuzz/checks/xml_parse.rs"]
mod xml_parse;

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("fuzz corpus {} missing: {e}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "fuzz corpus {} is empty", dir.display());
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).expect("read corpus file");
            (p, bytes)
        })
        .collect()
}

/// Declares one test per fuzz target: `replay!(test_name, "target", module::run);`
#[allow(unused_macros)]
macro_rules! replay {
    ($name:ident, $target:literal, $run:path) => {
        #[test]
        fn $name() {
            for (path, bytes) in corpus($target) {
                let result = std::panic::catch_unwind(|| $run(&bytes));
                assert!(
                    result.is_ok(),
                    "fuzz target {} panicked on {}",
                    $target,
                    path.display()
                );
            }
        }
    };
}

replay!(xml_parse, "xml_parse", xml_parse::run);

replay!(verify_mutated, "verify_mutated", verify_mutated::run);
replay!(patch_apply, "patch_apply", patch_apply::run);

replay!(c14n_stability, "c14n_stability", c14n_stability::run);
replay!(cert_parse, "cert_parse", cert_parse::run);
replay!(filter_roundtrip, "filter_roundtrip", filter_roundtrip::run);
replay!(path_parse, "path_parse", path_parse::run);
replay!(saml_response, "saml_response", saml_response::run);
replay!(saml_redirect, "saml_redirect", saml_redirect::run);
