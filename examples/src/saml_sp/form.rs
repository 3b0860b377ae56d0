//! `application/x-www-form-urlencoded` bodies and queries, and the Cookie header.

use axum::http::{HeaderMap, header};

pub use crate::html_form::decode_component;

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
