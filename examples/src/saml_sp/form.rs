//! `application/x-www-form-urlencoded` bodies and queries, and the Cookie header.

use axum::http::{HeaderMap, header};

/// The value of one ASCII hex digit (`u8::from_str_radix` would also take a sign).
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

/// A decoded form or query: name-value pairs in order.
#[derive(Debug, Default)]
pub struct Form {
    pairs: Vec<(String, String)>,
}

/// A form field appeared more than once, so which one counts would be a guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepeatedField(pub &'static str);

impl Form {
    /// Decodes `a=1&b=2`.
    pub fn parse(text: &str) -> Self {
        let pairs = text
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) => (decode_component(k), decode_component(v)),
                None => (decode_component(pair), String::new()),
            })
            .collect();
        Form { pairs }
    }

    /// The value of `name`, if it appears exactly once.
    pub fn single(&self, name: &'static str) -> Result<Option<&str>, RepeatedField> {
        let mut values = self
            .pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str());
        let first = values.next();
        match values.next() {
            Some(_) => Err(RepeatedField(name)),
            None => Ok(first),
        }
    }
}

/// Every value of cookie `name` in the request's Cookie headers (RFC 6265 §5.4: `a=b; c=d`).
pub fn cookie_values<'h>(headers: &'h HeaderMap, name: &str) -> Vec<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
        .collect()
}
