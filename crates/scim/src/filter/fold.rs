//! Case-insensitive string comparison without allocating: the resource side is lower-cased
//! character by character as it is compared; the filter side was lower-cased once at bind time.

use std::cmp::Ordering;

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
    value.char_indices().any(|(at, _)| {
        value
            .get(at..)
            .is_some_and(|rest| starts_with(rest, needle))
    })
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
}
