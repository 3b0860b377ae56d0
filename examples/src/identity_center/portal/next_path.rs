//! Where `/login` may send the browser afterwards: a same-origin relative path only, so that a
//! crafted `next` (or RelayState) cannot turn sign-in into an open redirect.

/// The longest `next` kept; longer ones fall back to `/`.
pub const MAX_NEXT_BYTES: usize = 2048;

/// `next` if it is a path on this origin, else `None` (the caller then uses `/`).
///
/// Refused: anything not starting with exactly one `/` (`//evil` and `/\evil` are
/// scheme-relative URLs to browsers, which read `\` as `/`), schemes (`https:`,
/// `javascript:`), any backslash, whitespace or control character (browsers drop tab and
/// newline from URLs, so `/\t/evil` would become `//evil`), non-ASCII, and overlong values.
pub fn safe_next(next: &str) -> Option<&str> {
    let rest = next.strip_prefix('/')?;
    let ok = next.len() <= MAX_NEXT_BYTES
        && !rest.starts_with('/')
        && next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_passes_and_one_more_byte_does_not() {
        let at_limit = format!("/{}", "a".repeat(MAX_NEXT_BYTES - 1));
        assert_eq!(safe_next(&at_limit), Some(at_limit.as_str()));
        let over = format!("/{}", "a".repeat(MAX_NEXT_BYTES));
        assert_eq!(safe_next(&over), None);
    }
}
