//! Tolerant decoding of what admins upload and metadata carries: PEM with or without
//! BEGIN/END lines, any line length, CRLF, stray spaces, `&#13;` leftovers, text before the PEM,
//! bare base64, DER, and several certificates in one blob.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::{Error, Result};

/// Limits on untrusted certificate input. The defaults suit admin uploads and SAML metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseLimits {
    /// Largest input accepted, in bytes (default 256 KiB).
    pub max_input_bytes: usize,
    /// Most certificates accepted in one input (default 16).
    pub max_certificates: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_input_bytes: 256 * 1024,
            max_certificates: 16,
        }
    }
}

/// One PEM block, decoded.
pub(crate) struct PemBlock {
    pub(crate) label: String,
    pub(crate) der: Vec<u8>,
}

/// Padding optional: some exporters drop the trailing `=`.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Character references XML leaves behind when metadata was copied without decoding it.
const WHITESPACE_REFERENCES: [&[u8]; 7] = [
    b"&#13;", b"&#xD;", b"&#xd;", b"&#10;", b"&#xA;", b"&#xa;", b"&#9;",
];

const BEGIN: &[u8] = b"-----BEGIN";
const END: &[u8] = b"-----END";
const DASHES: &[u8] = b"-----";

/// Splits any accepted certificate input into DER certificates (not yet parsed).
pub(crate) fn certificate_ders(input: &[u8], limits: &ParseLimits) -> Result<Vec<Vec<u8>>> {
    check_size(input, limits)?;
    // 0x30 is both a DER SEQUENCE and the ASCII digit '0': try DER first, then text.
    if input.first() == Some(&0x30) {
        let der = split_der(without_trailing_whitespace_after_der(input), limits);
        if der.is_ok() || matches!(der, Err(Error::TooManyCertificates { .. })) {
            return der;
        }
        return certificate_ders_from_text(input, limits).or(der);
    }
    certificate_ders_from_text(input, limits)
}

/// A DER blob with a newline or spaces appended (an editor or `echo >>`) is still DER, but
/// the whitespace must not be trimmed from the DER itself: its last bytes may be 0x0a or 0x20.
fn without_trailing_whitespace_after_der(input: &[u8]) -> &[u8] {
    let mut end = 0;
    while let Some(rest) = input.get(end..) {
        match der_element_len(rest).map(|len| end.checked_add(len)) {
            Ok(Some(next)) if next <= input.len() && !rest.is_empty() => end = next,
            _ => break,
        }
    }
    match input.get(end..) {
        Some(tail) if end > 0 && tail.iter().all(u8::is_ascii_whitespace) => {
            input.get(..end).unwrap_or(input)
        }
        _ => input,
    }
}

fn certificate_ders_from_text(input: &[u8], limits: &ParseLimits) -> Result<Vec<Vec<u8>>> {
    if find(input, BEGIN).is_some() {
        let mut ders = Vec::new();
        for block in pem_blocks(input, limits)? {
            if block.label != "CERTIFICATE" && block.label != "X509 CERTIFICATE" {
                return Err(Error::MalformedPem {
                    reason: "a PEM block that is not a CERTIFICATE",
                });
            }
            for der in split_der(&block.der, limits)? {
                if ders.len() == limits.max_certificates {
                    return Err(Error::TooManyCertificates {
                        limit: limits.max_certificates,
                    });
                }
                ders.push(der);
            }
        }
        if ders.is_empty() {
            return Err(Error::NoCertificate);
        }
        return Ok(ders);
    }
    // Bare base64, possibly ending in an END line whose BEGIN line was cut off.
    let body = match find(input, END) {
        Some(at) => input.get(..at).unwrap_or_default(),
        None => input,
    };
    let der = decode_base64(body)?;
    if der.is_empty() {
        return Err(Error::NoCertificate);
    }
    split_der(&der, limits)
}

/// Every PEM block in the input, with any text around the blocks ignored.
pub(crate) fn pem_blocks(input: &[u8], limits: &ParseLimits) -> Result<Vec<PemBlock>> {
    check_size(input, limits)?;
    let mut blocks = Vec::new();
    let mut rest = input;
    while let Some(at) = find(rest, BEGIN) {
        rest = rest.get(at + BEGIN.len()..).unwrap_or_default();
        let close = find(rest, DASHES).ok_or(Error::MalformedPem {
            reason: "unterminated BEGIN line",
        })?;
        let label = label_of(rest.get(..close).unwrap_or_default())?;
        rest = rest.get(close + DASHES.len()..).unwrap_or_default();
        let end = find(rest, END).ok_or(Error::MalformedPem {
            reason: "missing END line",
        })?;
        let body = rest.get(..end).unwrap_or_default();
        if body.contains(&b':') {
            return Err(Error::MalformedPem {
                reason: "encapsulated headers (an encrypted PEM?)",
            });
        }
        rest = rest.get(end + END.len()..).unwrap_or_default();
        let close = find(rest, DASHES).ok_or(Error::MalformedPem {
            reason: "unterminated END line",
        })?;
        if label_of(rest.get(..close).unwrap_or_default())? != label {
            return Err(Error::MalformedPem {
                reason: "END label differs from BEGIN label",
            });
        }
        rest = rest.get(close + DASHES.len()..).unwrap_or_default();
        if blocks.len() == limits.max_certificates {
            return Err(Error::TooManyCertificates {
                limit: limits.max_certificates,
            });
        }
        blocks.push(PemBlock {
            label,
            der: decode_base64(body)?,
        });
    }
    Ok(blocks)
}

fn check_size(input: &[u8], limits: &ParseLimits) -> Result<()> {
    if input.len() > limits.max_input_bytes {
        return Err(Error::InputTooLarge {
            actual: input.len(),
            limit: limits.max_input_bytes,
        });
    }
    Ok(())
}

/// The label between `-----BEGIN` and `-----`, with spaces around it dropped (SimpleSAMLphp
/// once wrote `-----BEGINCERTIFICATE-----`).
fn label_of(raw: &[u8]) -> Result<String> {
    let label = trim_ascii_whitespace(raw);
    if label.is_empty()
        || label.len() > 64
        || !label
            .iter()
            .all(|b| b.is_ascii_uppercase() || *b == b' ' || b.is_ascii_digit())
    {
        return Err(Error::MalformedPem {
            reason: "invalid label",
        });
    }
    Ok(String::from_utf8_lossy(label).into_owned())
}

/// Decodes base64 after dropping ASCII whitespace and whitespace character references.
fn decode_base64(text: &[u8]) -> Result<Vec<u8>> {
    let mut clean = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some((&byte, tail)) = rest.split_first() {
        if byte.is_ascii_whitespace() {
            rest = tail;
            continue;
        }
        if byte == b'&'
            && let Some(reference) = WHITESPACE_REFERENCES.iter().find(|r| rest.starts_with(r))
        {
            rest = rest.get(reference.len()..).unwrap_or_default();
            continue;
        }
        clean.push(byte);
        rest = tail;
    }
    BASE64.decode(&clean).map_err(|e| Error::InvalidBase64 {
        offset: match e {
            base64::DecodeError::InvalidByte(offset, _)
            | base64::DecodeError::InvalidLastSymbol { offset, .. } => offset,
            base64::DecodeError::InvalidLength(len) => len,
            base64::DecodeError::InvalidPadding => clean.len(),
        },
    })
}

/// Splits DER certificates laid back to back (a chain in one `X509Certificate` element).
fn split_der(mut der: &[u8], limits: &ParseLimits) -> Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    while !der.is_empty() {
        let len = der_element_len(der)?;
        let (one, rest) = der.split_at_checked(len).ok_or(Error::InvalidCertificate {
            reason: "truncated DER".into(),
        })?;
        if out.len() == limits.max_certificates {
            return Err(Error::TooManyCertificates {
                limit: limits.max_certificates,
            });
        }
        out.push(one.to_vec());
        der = rest;
    }
    if out.is_empty() {
        return Err(Error::NoCertificate);
    }
    Ok(out)
}

/// Total length (header included) of the DER SEQUENCE at the start of `der`.
pub(crate) fn der_element_len(der: &[u8]) -> Result<usize> {
    let bad = |reason: &str| Error::InvalidCertificate {
        reason: reason.into(),
    };
    let (&tag, rest) = der.split_first().ok_or_else(|| bad("empty DER"))?;
    if tag != 0x30 {
        return Err(bad("not a DER SEQUENCE"));
    }
    let (&first, rest) = rest.split_first().ok_or_else(|| bad("truncated DER"))?;
    if first < 0x80 {
        return Ok(2 + usize::from(first));
    }
    let count = usize::from(first & 0x7f);
    if count == 0 || count > 4 {
        return Err(bad("unsupported DER length"));
    }
    let bytes = rest.get(..count).ok_or_else(|| bad("truncated DER"))?;
    let len = bytes
        .iter()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    len.checked_add(2 + count)
        .ok_or_else(|| bad("DER length overflows"))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn trim_ascii_whitespace(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_length_forms() {
        // Short form: 0x30 0x03 + 3 bytes of content is 5 bytes in all (X.690 §8.1.3.4).
        assert_eq!(der_element_len(&[0x30, 0x03, 1, 2, 3]).ok(), Some(5));
        // Long form with two length bytes: 0x0102 = 258 content bytes + 4 header bytes.
        assert_eq!(der_element_len(&[0x30, 0x82, 0x01, 0x02]).ok(), Some(262));
        // Indefinite length (0x80) is BER, not DER.
        assert!(der_element_len(&[0x30, 0x80]).is_err());
        assert!(der_element_len(&[0x31, 0x00]).is_err());
    }

    #[test]
    fn der_ending_in_a_newline_byte_keeps_it() {
        // 30 01 0a: a SEQUENCE whose only content byte is 0x0a (a newline in ASCII).
        assert_eq!(
            without_trailing_whitespace_after_der(&[0x30, 0x01, 0x0a]),
            [0x30, 0x01, 0x0a]
        );
        assert_eq!(
            without_trailing_whitespace_after_der(&[0x30, 0x01, 0x0a, b'\n', b' ']),
            [0x30, 0x01, 0x0a]
        );
        // Trailing bytes that are not whitespace are left for the DER parser to refuse.
        assert_eq!(
            without_trailing_whitespace_after_der(&[0x30, 0x01, 0x0a, 0x00]),
            [0x30, 0x01, 0x0a, 0x00]
        );
    }

    #[test]
    fn base64_ignores_whitespace_and_references() {
        // "hello" is aGVsbG8= in base64 (RFC 4648 alphabet, hand-checked).
        assert_eq!(
            decode_base64(b" aGV\r\nsb&#13;\nG8 =").ok().as_deref(),
            Some(&b"hello"[..])
        );
        assert_eq!(
            decode_base64(b"aGVsbG8").ok().as_deref(),
            Some(&b"hello"[..])
        );
        assert!(matches!(
            decode_base64(b"aGV*bG8="),
            Err(Error::InvalidBase64 { offset: 3 })
        ));
    }

    #[test]
    fn label_tolerates_missing_space() {
        assert_eq!(
            label_of(b"CERTIFICATE").ok().as_deref(),
            Some("CERTIFICATE")
        );
        assert_eq!(
            label_of(b" CERTIFICATE ").ok().as_deref(),
            Some("CERTIFICATE")
        );
        assert!(label_of(b"certificate").is_err());
    }
}
