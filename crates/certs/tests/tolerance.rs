//! Property: whatever whitespace, line length, CR/LF, `&#13;` leftovers or text around it an
//! upload adds to a certificate's base64, it parses to the same certificate (the one openssl
//! wrote, data/idp-rsa2048.der); and arbitrary bytes never panic the parser.

#[path = "support/fixtures.rs"]
mod fixtures;

use base64::Engine as _;
use fedkit_certs::Certificate;
use proptest::prelude::*;

fn noise() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        " ", "\t", "\n", "\r\n", "&#13;", "&#13;\n", "&#xD;", "  \r\n  ",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_wrapping_and_whitespace_parses_to_the_same_certificate(
        line in 1usize..120,
        separator in noise(),
        lead in noise(),
        with_headers in any::<bool>(),
        preamble in "[A-Za-z :=]{0,40}",
    ) {
        let der = fixtures::file("idp-rsa2048.der");
        let body = base64::engine::general_purpose::STANDARD.encode(der);
        let wrapped: Vec<&str> = body
            .as_bytes()
            .chunks(line)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let mut text = String::new();
        if with_headers {
            // Text before a PEM block is ignored (an openssl -text dump, a note).
            text.push_str(&preamble);
            text.push('\n');
            text.push_str("-----BEGIN CERTIFICATE-----\n");
        }
        text.push_str(lead);
        text.push_str(&wrapped.join(separator));
        text.push_str(lead);
        if with_headers {
            text.push_str("\n-----END CERTIFICATE-----\n");
        }
        let cert = Certificate::parse(text.as_bytes()).unwrap();
        prop_assert_eq!(cert.der(), der);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = Certificate::parse_all(&bytes);
    }

    #[test]
    fn truncated_or_flipped_certificates_are_refused_or_differ(cut in 1usize..828, flip in 0usize..828) {
        let der = fixtures::file("idp-rsa2048.der");
        prop_assert!(Certificate::from_der(&der[..cut.min(der.len() - 1)]).is_err());
        let mut changed = der.to_vec();
        changed[flip % der.len()] ^= 0x01;
        if let Ok(cert) = Certificate::from_der(&changed) {
            prop_assert_ne!(cert.der(), der);
        }
    }
}
