//! Where to send the browser after sign-in: RelayState carries a path of this SP, and only a
//! same-origin relative path is followed, so RelayState cannot become an open redirect.

/// RelayState is at most 80 bytes (SAML bindings §3.4.3 and §3.5.3).
pub const MAX_RELAY_STATE_BYTES: usize = 80;

/// Why a return path is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnPathFault {
    /// Longer than RelayState may be.
    TooLong,
    /// Does not start with `/` (absolute URLs, `javascript:`, relative paths).
    NotRootRelative,
    /// Starts with `//`: another host to a browser.
    OtherHost,
    /// A backslash, space, control or non-ASCII character: browsers rewrite or strip them
    /// (`/\t/evil` becomes `//evil`), so what we check is not what they follow.
    ForbiddenCharacter,
}

impl ReturnPathFault {
    /// A stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            ReturnPathFault::TooLong => "return_path_too_long",
            ReturnPathFault::NotRootRelative => "return_path_not_root_relative",
            ReturnPathFault::OtherHost => "return_path_other_host",
            ReturnPathFault::ForbiddenCharacter => "return_path_forbidden_character",
        }
    }

    /// What is wrong, for the error page.
    pub fn message(self) -> &'static str {
        match self {
            ReturnPathFault::TooLong => "the return path is longer than RelayState's 80 bytes",
            ReturnPathFault::NotRootRelative => "the return path must start with a single /",
            ReturnPathFault::OtherHost => {
                "the return path starts with //, another host to a browser"
            }
            ReturnPathFault::ForbiddenCharacter => {
                "the return path holds a backslash, space, control or non-ASCII character"
            }
        }
    }
}

/// Accepts `path` if it is a path on this SP: `/`, then printable ASCII without `\`, never
/// `//` at the start, at most 80 bytes.
pub fn check_return_path(path: &str) -> Result<&str, ReturnPathFault> {
    if path.len() > MAX_RELAY_STATE_BYTES {
        return Err(ReturnPathFault::TooLong);
    }
    if path
        .bytes()
        .any(|b| !(b'!'..=b'~').contains(&b) || b == b'\\')
    {
        return Err(ReturnPathFault::ForbiddenCharacter);
    }
    let mut bytes = path.bytes();
    if bytes.next() != Some(b'/') {
        return Err(ReturnPathFault::NotRootRelative);
    }
    if bytes.next() == Some(b'/') {
        return Err(ReturnPathFault::OtherHost);
    }
    Ok(path)
}
