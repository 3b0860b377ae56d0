//! Case-insensitive string comparison (RFC 7643 §2.2, `caseExact` false). Both sides are folded
//! with [`fold_case`]: the filter side once at bind time, the resource side character by character
//! as it is compared. Every comparison equals the same comparison of the two folded strings, so a
//! SQL translation that folds with the same function (see
//! [`SQL_FOLD_FUNCTION`](super::SQL_FOLD_FUNCTION)) selects the same resources.

use std::borrow::Cow;
use std::cmp::Ordering;

/// Folds `s` for case-insensitive comparison as fedkit-scim's filters and SQL translation do:
/// each character replaced by its Unicode default lowercase mapping ([`char::to_lowercase`],
/// so `İ` becomes `i̇`, the Kelvin sign `k`, `Σ` always `σ` with no final-sigma context, and
/// `ß` stays `ß`). Stores that keep a case-insensitive unique key (a folded `userName`) use this
/// too, so uniqueness and filters agree.
///
/// ```
/// use fedkit_scim::filter::fold_case;
/// assert_eq!(fold_case("Ärger"), "ärger");
/// assert_eq!(fold_case("\u{212A}ELVIN"), "kelvin");
/// assert_eq!(fold_case("ΟΔΟΣ"), "οδοσ");
/// ```
pub fn fold_case(s: &str) -> Cow<'_, str> {
    if s.is_ascii() && !s.bytes().any(|b| b.is_ascii_uppercase()) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(lower(s).collect())
}

fn lower(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().flat_map(char::to_lowercase)
}

/// `value` equals `needle` (already lower-case) ignoring case.
pub(crate) fn eq(value: &str, needle: &str) -> bool {
    if value.is_ascii() && needle.is_ascii() {
        return value.eq_ignore_ascii_case(needle);
    }
    lower(value).eq(needle.chars())
}

/// `value` starts with `needle` (already lower-case) ignoring case.
pub(crate) fn starts_with(value: &str, needle: &str) -> bool {
    if value.is_ascii() && needle.is_ascii() {
        return value
            .as_bytes()
            .get(..needle.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(needle.as_bytes()));
    }
    let mut chars = lower(value);
    needle.chars().all(|c| chars.next() == Some(c))
}

/// `value` ends with `needle` (already lower-case) ignoring case.
pub(crate) fn ends_with(value: &str, needle: &str) -> bool {
    if value.is_ascii() && needle.is_ascii() {
        let from = value.len().checked_sub(needle.len());
        return from
            .and_then(|from| value.as_bytes().get(from..))
            .is_some_and(|tail| tail.eq_ignore_ascii_case(needle.as_bytes()));
    }
    let mut chars = value.chars().rev().flat_map(|c| c.to_lowercase().rev());
    needle.chars().rev().all(|c| chars.next() == Some(c))
}

/// `value` contains `needle` (already lower-case) ignoring case.
pub(crate) fn contains(value: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if value.is_ascii() && needle.is_ascii() {
        return value
            .as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()));
    }
    // On the folded text, not at character starts of `value`: one character may fold to two
    // (`İ` to `i` and U+0307), and SQL's `instr` over the folded text finds a match inside them.
    lower(value).collect::<String>().contains(needle)
}

/// Orders `value` against `needle` (already lower-case) ignoring case.
pub(crate) fn cmp(value: &str, needle: &str) -> Ordering {
    lower(value).cmp(needle.chars())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_unicode_as_well_as_ascii() {
        assert!(eq("MÜLLER", "müller"));
        assert!(starts_with("Ärger", "är"));
        assert!(ends_with("StraSSE", "sse"));
        assert!(contains("O'MALLEY-Éa", "éa"));
        assert!(!contains("abc", "abcd"));
        assert_eq!(cmp("B", "a"), Ordering::Greater);
        assert!(ends_with("x", ""));
        assert!(!ends_with("", "x"));
    }

    #[test]
    fn contains_matches_inside_a_character_that_folds_to_two() {
        // U+0130 lowercases to "i" U+0307 (UnicodeData/SpecialCasing); the folded text contains
        // U+0307 on its own.
        assert!(contains("İ", "\u{307}"));
        assert!(contains("xİy", "i\u{307}y"));
    }
}
