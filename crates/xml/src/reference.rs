//! Entity and character references (XML 1.0 §4.1, §4.6). Without a DTD only the five predefined
//! entities exist.

use crate::chars::is_xml_char;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReferenceError {
    UndefinedEntity,
    InvalidCharacterReference,
    Unterminated,
    LessThan,
}

/// The character `&name;` stands for.
pub(crate) fn decode_reference(name: &str) -> Result<char, ReferenceError> {
    match name {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        _ => match name.strip_prefix('#') {
            Some(number) => decode_character_reference(number),
            None => Err(ReferenceError::UndefinedEntity),
        },
    }
}

fn decode_character_reference(number: &str) -> Result<char, ReferenceError> {
    let (digits, radix) = match number.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (number, 10),
    };
    if digits.is_empty() {
        return Err(ReferenceError::InvalidCharacterReference);
    }
    let mut value: u32 = 0;
    for c in digits.chars() {
        let digit = c
            .to_digit(radix)
            .ok_or(ReferenceError::InvalidCharacterReference)?;
        value = value
            .checked_mul(radix)
            .and_then(|v| v.checked_add(digit))
            .filter(|v| *v <= 0x10_FFFF)
            .ok_or(ReferenceError::InvalidCharacterReference)?;
    }
    char::from_u32(value)
        .filter(|c| is_xml_char(*c))
        .ok_or(ReferenceError::InvalidCharacterReference)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predefined_and_character_references_decode() {
        assert_eq!(decode_reference("lt"), Ok('<'));
        assert_eq!(decode_reference("quot"), Ok('"'));
        assert_eq!(decode_reference("#13"), Ok('\r'));
        assert_eq!(decode_reference("#xD"), Ok('\r'));
        assert_eq!(decode_reference("#x0000041"), Ok('A'));
        assert_eq!(decode_reference("#x10FFFF"), Ok('\u{10FFFF}'));
    }

    #[test]
    fn everything_else_is_refused() {
        assert_eq!(
            decode_reference("nbsp"),
            Err(ReferenceError::UndefinedEntity)
        );
        assert_eq!(decode_reference("LT"), Err(ReferenceError::UndefinedEntity));
        for bad in [
            "#",
            "#x",
            "#X41",
            "#0",
            "#x1",
            "#xD800",
            "#xFFFE",
            "#x110000",
            "#99999999999",
            "#1a",
            "#-1",
        ] {
            assert_eq!(
                decode_reference(bad),
                Err(ReferenceError::InvalidCharacterReference),
                "{bad}"
            );
        }
    }
}
