//! What both web programs (identity-center and `saml-sp serve`) share: HTML escaping and
//! `application/x-www-form-urlencoded` decoding.

/// Text made safe for HTML element content and double- or single-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The value of one ASCII hex digit; `u8::from_str_radix` would also take a sign (`%+4`).
fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|v| u8::try_from(v).ok())
}

/// Form decoding: `+` is a space, `%` HEXDIG HEXDIG an octet (RFC 3986 §2.1); any other `%`
/// stays literal. Invalid UTF-8 becomes U+FFFD.
pub fn decode_component(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let escaped = match (b, bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&high), Some(&low)) => hex_value(high).zip(hex_value(low)),
            _ => None,
        };
        match (b, escaped) {
            (_, Some((high, low))) => {
                out.push(high << 4 | low);
                i += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                i += 1;
            }
            (b, None) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_the_five_html_specials() {
        // The five characters HTML5 §13.1.2.6 needs escaped in text and quoted attributes.
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("plain é"), "plain é");
    }

    /// `%` HEXDIG HEXDIG is an octet (RFC 3986 §2.1); anything else after `%` stays literal,
    /// as this decoder always kept malformed escapes. Expected values by hand.
    const DECODE_CASES: &[(&str, &str, &str)] = &[
        (
            "%+41",
            "% 41",
            "a sign is not a hex digit (from_str_radix took %+4 as 0x04): % stays, + is a space",
        ),
        ("%-1", "%-1", "a minus sign is not a hex digit"),
        ("%4", "%4", "one hex digit at the end"),
        ("%G1", "%G1", "G is not a hex digit"),
        ("%41", "A", "upper-case escape"),
        (
            "%e9%c3%a9",
            "\u{FFFD}é",
            "lower-case hex; a lone 0xE9 is not UTF-8",
        ),
        ("%C3%A9", "é", "two escapes forming one UTF-8 character"),
        ("a%", "a%", "a lone % at the end"),
        ("a+b", "a b", "+ is a space in a form value"),
        ("%2B", "+", "an escaped + stays a +"),
        ("%%41", "%A", "a % before a valid escape is literal"),
    ];

    #[test]
    fn decode_accepts_exactly_two_hex_digits() {
        for (input, expected, reason) in DECODE_CASES {
            assert_eq!(decode_component(input), *expected, "{input}: {reason}");
        }
    }
}
