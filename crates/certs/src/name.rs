//! Distinguished names as RFC 4514 strings, formatted with a short table of attribute names
//! rather than x509-cert's `Display`, which searches its whole OID database per attribute
//! (a third of certificate parsing time when measured).

use core::fmt::Write as _;

use der::Encode as _;
use der::asn1::{Ia5StringRef, PrintableStringRef, TeletexStringRef, Utf8StringRef};
use der::{Tag, Tagged as _};
use x509_cert::name::Name;

/// Short names as `openssl -nameopt RFC2253` prints them: the RFC 4514 §3 keywords plus the
/// few others openssl names (emailAddress, serialNumber).
const SHORT_NAMES: [(&str, &str); 12] = [
    ("2.5.4.3", "CN"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("2.5.4.6", "C"),
    ("2.5.4.9", "STREET"),
    ("0.9.2342.19200300.100.1.25", "DC"),
    ("0.9.2342.19200300.100.1.1", "UID"),
    ("1.2.840.113549.1.9.1", "emailAddress"),
    ("2.5.4.5", "serialNumber"),
    ("2.5.4.12", "title"),
];

/// The name as RFC 4514 (last RDN first; multi-valued RDNs joined with `+`).
pub(crate) fn rfc4514(name: &Name) -> String {
    let mut out = String::new();
    for (i, rdn) in name
        .iter_rdn()
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .enumerate()
    {
        if i > 0 {
            out.push(',');
        }
        for (j, atv) in rdn.iter().enumerate() {
            if j > 0 {
                out.push('+');
            }
            let oid = atv.oid.to_string();
            let text = match atv.value.tag() {
                Tag::Utf8String => Utf8StringRef::try_from(&atv.value).ok().map(|s| s.as_str()),
                Tag::PrintableString => PrintableStringRef::try_from(&atv.value)
                    .ok()
                    .map(|s| s.as_str()),
                Tag::Ia5String => Ia5StringRef::try_from(&atv.value).ok().map(|s| s.as_str()),
                Tag::TeletexString => TeletexStringRef::try_from(&atv.value)
                    .ok()
                    .map(|s| s.as_str()),
                _ => None,
            };
            match (SHORT_NAMES.iter().find(|(o, _)| *o == oid), text) {
                (Some((_, short)), Some(text)) => {
                    out.push_str(short);
                    out.push('=');
                    escape_into(&mut out, text);
                }
                // RFC 4514 §2.4: otherwise the dotted OID and the value's DER in hex.
                _ => {
                    out.push_str(&oid);
                    out.push_str("=#");
                    for byte in atv.value.to_der().unwrap_or_default() {
                        let _ = write!(out, "{byte:02x}");
                    }
                }
            }
        }
    }
    out
}

/// RFC 4514 §2.4 escaping.
fn escape_into(out: &mut String, value: &str) {
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        match c {
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\0'..='\x1f' | '\x7f' => {
                let _ = write!(out, "\\{:02x}", c as u32);
            }
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::str::FromStr as _;

    #[test]
    fn escapes_as_rfc_4514_says() {
        let mut out = String::new();
        escape_into(&mut out, "#a, b+c ");
        assert_eq!(out, "\\#a\\, b\\+c\\ ");
    }

    #[test]
    fn agrees_with_x509_cert_for_known_attributes() {
        let name = Name::from_str("CN=idp.example.test,OU=Sign\\,ing,O=Example,C=US").unwrap();
        assert_eq!(rfc4514(&name), name.to_string());
    }
}
