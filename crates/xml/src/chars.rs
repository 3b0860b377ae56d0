//! XML 1.0 character classes (Fifth Edition, productions 2, 3, 4, 4a) and names.

/// `S`: the four XML whitespace characters.
pub(crate) fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

pub(crate) fn is_whitespace_only(s: &str) -> bool {
    s.bytes().all(is_whitespace)
}

/// `Char` (production 2).
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn is_name_start_char(c: char) -> bool {
    matches!(c,
        ':' | 'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(c: char) -> bool {
    is_name_start_char(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// `Name` (production 5).
pub(crate) fn is_name(s: &str) -> bool {
    let bytes = s.as_bytes();
    // ASCII fast path: the names in SAML and XML-DSig.
    if bytes.is_ascii() {
        return match bytes.split_first() {
            Some((first, rest)) => {
                (first.is_ascii_alphabetic() || matches!(first, b'_' | b':'))
                    && rest.iter().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'-' | b'.')
                    })
            }
            None => false,
        };
    }
    let mut chars = s.chars();
    chars.next().is_some_and(is_name_start_char) && chars.all(is_name_char)
}

/// `NCName`: a name without a colon.
pub(crate) fn is_ncname(s: &str) -> bool {
    !s.contains(':') && is_name(s)
}

/// [`ASCII_NAME`] bits: may start an NCName (letters, `_`), may continue one (those, digits,
/// `-`, `.`).
const NAME_START: u8 = 1;
const NAME_CONTINUE: u8 = 2;

/// The NCName classes of ASCII bytes; 0 for every other byte (`:` and bytes above 0x7F included).
static ASCII_NAME: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 128 {
        let b = i as u8;
        table[i] = if b.is_ascii_alphabetic() || b == b'_' {
            NAME_START | NAME_CONTINUE
        } else if b.is_ascii_digit() || b == b'-' || b == b'.' {
            NAME_CONTINUE
        } else {
            0
        };
        i += 1;
    }
    table
};

/// Splits a `QName` into prefix and local part; `None` if it is not one.
pub(crate) fn split_qname(s: &str) -> Option<(Option<&str>, &str)> {
    // One table-driven pass for ASCII names (all of SAML's and XML-DSig's): each part starts with
    // a letter or `_`, at most one inner colon. The first non-ASCII byte hands the whole name to
    // the Unicode rules, which agree with the table on every ASCII byte, so a `None` found before
    // it is the answer either way.
    let bytes = s.as_bytes();
    let mut colon = None;
    let mut want = NAME_START;
    for (i, &b) in bytes.iter().enumerate() {
        if ASCII_NAME[usize::from(b)] & want != 0 {
            want = NAME_CONTINUE;
        } else if b == b':' && colon.is_none() && i > 0 {
            colon = Some(i);
            want = NAME_START;
        } else if b >= 0x80 {
            return split_unicode_qname(s);
        } else {
            return None;
        }
    }
    if want == NAME_START {
        // Empty, or ending with the colon.
        return None;
    }
    match colon {
        Some(i) => Some((Some(s.get(..i)?), s.get(i + 1..)?)),
        None => Some((None, s)),
    }
}

fn split_unicode_qname(s: &str) -> Option<(Option<&str>, &str)> {
    match s.split_once(':') {
        Some((prefix, local)) => {
            (is_ncname(prefix) && is_ncname(local)).then_some((Some(prefix), local))
        }
        None => is_name(s).then_some((None, s)),
    }
}

/// Whether `b` may start a character XML 1.0 does not allow: a C0 control other than tab,
/// newline and carriage return, or `EF`, the first byte of U+FFFE and U+FFFF.
fn is_suspect(b: u8) -> bool {
    (b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r') | (b == 0xEF)
}

/// The first character XML 1.0 does not allow, with its byte offset. `&str` already excludes
/// surrogates, so this leaves C0 controls other than tab, newline and carriage return, and
/// U+FFFE and U+FFFF (UTF-8 `EF BF BE`, `EF BF BF`).
pub(crate) fn find_invalid_char(s: &str) -> Option<(usize, u32)> {
    let bytes = s.as_bytes();
    // Branch-free over 64-byte blocks (the compiler vectorises it); exact check only in a block
    // with a suspect byte.
    for (block_index, block) in bytes.chunks(64).enumerate() {
        if !block.iter().fold(false, |any, b| any | is_suspect(*b)) {
            continue;
        }
        let block_start = block_index * 64;
        for (i, b) in block.iter().enumerate() {
            if !is_suspect(*b) {
                continue;
            }
            let at = block_start + i;
            if *b < 0x20 {
                return Some((at, u32::from(*b)));
            }
            if let Some([0xEF, 0xBF, last @ (0xBE | 0xBF)]) = bytes.get(at..at + 3) {
                return Some((at, 0xFFC0 + u32::from(*last & 0x3F)));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_xml_productions() {
        assert!(is_name("saml:Assertion"));
        assert!(is_name("_a-b.c"));
        assert!(is_name("été"));
        assert!(!is_name("1a"));
        assert!(!is_name("-a"));
        assert!(!is_name(""));
        assert!(!is_name("a b"));
        assert_eq!(split_qname("a:b"), Some((Some("a"), "b")));
        assert_eq!(split_qname("a:b:c"), None);
        assert_eq!(split_qname(":b"), None);
        assert_eq!(split_qname("a:"), None);
        assert_eq!(split_qname("b"), Some((None, "b")));
    }

    #[test]
    fn qnames_split_the_same_on_the_ascii_and_unicode_paths() {
        // (input, expected): the ASCII table and the Unicode rules must agree, whichever path a
        // name takes; the expectations follow Namespaces in XML 1.0 productions 7-10.
        type Split<'a> = Option<(Option<&'a str>, &'a str)>;
        let cases: [(&str, Split); 16] = [
            (
                "saml:SubjectConfirmationData",
                Some((Some("saml"), "SubjectConfirmationData")),
            ),
            ("_x.y-z9", Some((None, "_x.y-z9"))),
            ("a", Some((None, "a"))),
            ("", None),
            (":", None),
            ("a::b", None),
            ("9a", None),
            ("a:9b", None),
            ("a:-b", None),
            ("a b", None),
            ("p:été", Some((Some("p"), "été"))),
            ("été:x", Some((Some("été"), "x"))),
            ("a:b:é", None),
            ("1é", None),
            ("é:", None),
            ("x\u{B7}y", Some((None, "x\u{B7}y"))),
        ];
        for (input, expected) in cases {
            assert_eq!(split_qname(input), expected, "{input:?}");
            assert_eq!(
                split_unicode_qname(input),
                expected,
                "{input:?} (Unicode rules)"
            );
        }
    }

    #[test]
    fn invalid_chars_are_found_with_their_offset() {
        assert_eq!(find_invalid_char("ab\tc\r\n"), None);
        assert_eq!(find_invalid_char("é€\u{FFFD}"), None);
        assert_eq!(find_invalid_char("ab\u{1}"), Some((2, 1)));
        assert_eq!(find_invalid_char("a\u{FFFE}"), Some((1, 0xFFFE)));
        assert_eq!(find_invalid_char("a\u{FFFF}"), Some((1, 0xFFFF)));
    }
}
