//! PATCH path parsing on arbitrary text: never panics, and what parses prints to text that
//! parses back to an equal path.

use fedkit_scim::Dialect;
use fedkit_scim::path::Path;

pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for dialect in [Dialect::Strict, Dialect::Lenient] {
        if let Ok(path) = Path::parse(text, dialect) {
            let printed = path.to_string();
            assert_eq!(
                Path::parse(&printed, dialect).as_ref(),
                Ok(&path),
                "{text:?} printed as {printed:?}"
            );
        }
    }
}
