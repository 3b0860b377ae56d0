//! `xs:dateTime` in and out: SAML times are UTC (core §1.3.3); a bad one is a rejection.

use crate::error::{Error, clip};
use chrono::{DateTime, SecondsFormat, Utc};

/// Parses an `xs:dateTime` with a zone (`Z` or an offset); one without a zone is refused, since
/// its instant is unknown.
pub(crate) fn parse(value: &str, path: impl FnOnce() -> String) -> Result<DateTime<Utc>, Error> {
    let trimmed = value.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
    // RFC 3339 also allows a space or lowercase `t`/`z`; xs:dateTime does not.
    let strict =
        trimmed.len() > 10 && trimmed.as_bytes().get(10) == Some(&b'T') && !trimmed.ends_with('z');
    match DateTime::parse_from_rfc3339(trimmed) {
        Ok(time) if strict => Ok(time.with_timezone(&Utc)),
        _ => Err(Error::InvalidTime {
            path: path(),
            value: clip(value),
        }),
    }
}

/// Formats an instant as SAML writes it: `2026-12-03T12:00:00Z`, with milliseconds when the
/// instant has a fraction (finer digits are dropped; peers parse at most that).
pub(crate) fn format(time: DateTime<Utc>) -> String {
    if time.timestamp_subsec_millis() == 0 {
        time.to_rfc3339_opts(SecondsFormat::Secs, true)
    } else {
        time.to_rfc3339_opts(SecondsFormat::Millis, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<DateTime<Utc>, Error> {
        parse(s, String::new)
    }

    #[test]
    fn utc_and_offsets_parse_to_the_same_instant() {
        // Hand calculation: 14:00+02:00 is 12:00Z.
        assert_eq!(p("2026-12-03T12:00:00Z"), p("2026-12-03T14:00:00+02:00"));
        assert!(p("2026-12-03T12:00:00.123Z").is_ok());
    }

    #[test]
    fn zoneless_and_malformed_times_are_rejections() {
        for bad in [
            "2026-12-03T12:00:00",
            "2026-12-03 12:00:00Z",
            "2026-13-03T12:00:00Z",
            "yesterday",
            "",
            "2026-12-03T12:00:00z",
        ] {
            assert_eq!(p(bad).unwrap_err().code(), "invalid_time", "{bad}");
        }
    }

    #[test]
    fn format_round_trips() {
        let t = p("2026-12-03T12:00:00Z").unwrap();
        assert_eq!(format(t), "2026-12-03T12:00:00Z");
    }
}
