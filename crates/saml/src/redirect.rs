//! The HTTP-Redirect binding (SAML bindings §3.4): raw DEFLATE, base64, URL encoding, and the
//! query signature over the exact octets received.

use crate::error::Error;
use crate::post::PostField;
use crate::signer::Signer;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use fedkit_certs::{CryptoRng, KeyHint, SignatureAlgorithm, TrustSet};
use fedkit_xmldsig::VerifyPolicy;
use std::io::Read as _;

/// Bounds for a received Redirect-binding message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedirectLimits {
    /// Longest query string accepted, checked first. Default 64 KiB (browsers cap URLs lower).
    pub max_query_bytes: usize,
    /// Longest inflated message (a deflate bomb stops here). Default 256 KiB.
    pub max_inflated_bytes: usize,
}

impl Default for RedirectLimits {
    fn default() -> Self {
        RedirectLimits {
            max_query_bytes: 64 << 10,
            max_inflated_bytes: 256 << 10,
        }
    }
}

/// Builds the URL that sends `xml` to `endpoint` over HTTP-Redirect, signed when `signer` is
/// given (SigAlg and Signature over `SAMLRequest=…&RelayState=…&SigAlg=…`).
pub fn redirect_url(
    endpoint: &str,
    field: PostField,
    xml: &str,
    relay_state: Option<&str>,
    signer: Option<&Signer>,
    rng: &mut impl CryptoRng,
) -> Result<String, Error> {
    let mut query = String::new();
    query.push_str(field.name());
    query.push('=');
    url_encode(&mut query, &STANDARD.encode(deflate(xml.as_bytes())));
    if let Some(relay) = relay_state {
        query.push_str("&RelayState=");
        url_encode(&mut query, relay);
    }
    if let Some(signer) = signer {
        query.push_str("&SigAlg=");
        url_encode(&mut query, signer.algorithm().xmldsig_uri());
        let signature = signer.sign_bytes(query.as_bytes(), rng)?;
        query.push_str("&Signature=");
        url_encode(&mut query, &STANDARD.encode(signature));
    }
    let separator = if endpoint.contains('?') { '&' } else { '?' };
    Ok(format!("{endpoint}{separator}{query}"))
}

/// A Redirect-binding query string taken apart, not yet trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectQuery {
    field: PostField,
    message: Vec<u8>,
    relay_state: Option<String>,
    sig_alg: Option<String>,
    signature: Option<Vec<u8>>,
    signed_octets: String,
}

/// A Redirect-binding message whose query signature verified (or that the caller accepted
/// unsigned with [`RedirectQuery::accept_unsigned`]), inflated within the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectMessage {
    pub(crate) field: PostField,
    pub(crate) xml: Vec<u8>,
    pub(crate) relay_state: Option<String>,
    pub(crate) signed: bool,
}

impl RedirectMessage {
    /// The inflated XML.
    pub fn xml(&self) -> &[u8] {
        &self.xml
    }

    /// Whether a request or a response was sent.
    pub fn field(&self) -> PostField {
        self.field
    }

    /// RelayState, decoded (covered by the signature when signed).
    pub fn relay_state(&self) -> Option<&str> {
        self.relay_state.as_deref()
    }

    /// Whether the query signature verified.
    pub fn is_signed(&self) -> bool {
        self.signed
    }
}

impl RedirectQuery {
    /// Splits a received query string (without the leading `?`). Every parameter may appear
    /// once; unknown ones are ignored and not signed.
    pub fn parse(query: &str, limits: &RedirectLimits) -> Result<Self, Error> {
        if query.len() > limits.max_query_bytes {
            return Err(Error::MessageTooLarge {
                limit: limits.max_query_bytes,
                found: query.len(),
            });
        }
        let mut raw: [Option<&str>; 5] = [None; 5];
        const NAMES: [&str; 5] = [
            "SAMLRequest",
            "SAMLResponse",
            "RelayState",
            "SigAlg",
            "Signature",
        ];
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if let Some(index) = NAMES.iter().position(|n| *n == name) {
                let slot = &mut raw[index];
                if slot.is_some() {
                    return Err(Error::QueryMalformed {
                        reason: "a parameter appears twice",
                    });
                }
                *slot = Some(value);
            }
        }
        let [request, response, relay, sig_alg, signature] = raw;
        let (field, message) = match (request, response) {
            (Some(m), None) => (PostField::Request, m),
            (None, Some(m)) => (PostField::Response, m),
            (Some(_), Some(_)) => {
                return Err(Error::QueryMalformed {
                    reason: "both SAMLRequest and SAMLResponse",
                });
            }
            (None, None) => {
                return Err(Error::QueryMalformed {
                    reason: "no SAMLRequest or SAMLResponse",
                });
            }
        };
        // Bindings §3.4.4.1: the signature covers the parameters as received, in this order.
        let mut signed_octets = format!("{}={message}", field.name());
        if let Some(relay) = relay {
            signed_octets.push_str("&RelayState=");
            signed_octets.push_str(relay);
        }
        if let Some(alg) = sig_alg {
            signed_octets.push_str("&SigAlg=");
            signed_octets.push_str(alg);
        }
        let compressed = STANDARD
            .decode(strip_whitespace(&url_decode(message)?))
            .map_err(|_| Error::Base64Invalid)?;
        Ok(RedirectQuery {
            field,
            message: compressed,
            relay_state: relay.map(url_decode_string).transpose()?,
            sig_alg: sig_alg.map(url_decode_string).transpose()?,
            signature: signature
                .map(|s| {
                    STANDARD
                        .decode(strip_whitespace(&url_decode(s)?))
                        .map_err(|_| Error::Base64Invalid)
                })
                .transpose()?,
            signed_octets,
        })
    }

    /// Whether the query carries a signature.
    pub fn is_signed(&self) -> bool {
        self.signature.is_some()
    }

    /// Verifies the query signature with a key from `trust` and an algorithm `policy` allows,
    /// then inflates the message within `limits`.
    pub fn verify(
        &self,
        trust: &TrustSet,
        policy: &VerifyPolicy,
        now: DateTime<Utc>,
        limits: &RedirectLimits,
    ) -> Result<RedirectMessage, Error> {
        let (Some(sig_alg), Some(signature)) = (&self.sig_alg, &self.signature) else {
            return Err(Error::RedirectSignatureMissing);
        };
        let refused = || Error::RedirectAlgorithmNotAllowed {
            algorithm: crate::error::clip(sig_alg),
        };
        let algorithm = SignatureAlgorithm::from_xmldsig_uri(sig_alg).map_err(|_| refused())?;
        if !policy.allows_signature(algorithm) {
            return Err(refused());
        }
        if trust.is_empty() {
            return Err(Error::InvalidConfiguration {
                reason: "no trusted certificates",
            });
        }
        let message = self.signed_octets.as_bytes();
        let outcome = if algorithm.is_legacy() {
            trust.verify_legacy_sha1(message, signature, now, KeyHint::Any)
        } else {
            trust.verify(algorithm, message, signature, now, KeyHint::Any)
        };
        outcome.map_err(|_| Error::RedirectSignatureInvalid)?;
        self.inflate(limits, true)
    }

    /// Takes the message without a query signature (an IdP receiving unsigned AuthnRequests
    /// from SPs whose ACS URLs it checks against metadata). Responses and logout messages
    /// should never be accepted this way.
    pub fn accept_unsigned(&self, limits: &RedirectLimits) -> Result<RedirectMessage, Error> {
        self.inflate(limits, false)
    }

    fn inflate(&self, limits: &RedirectLimits, signed: bool) -> Result<RedirectMessage, Error> {
        Ok(RedirectMessage {
            field: self.field,
            xml: inflate_bounded(&self.message, limits.max_inflated_bytes)?,
            relay_state: self.relay_state.clone(),
            signed,
        })
    }
}

/// Raw DEFLATE (RFC 1951), as the Redirect binding wants.
pub(crate) fn deflate(data: &[u8]) -> Vec<u8> {
    use flate2::write::DeflateEncoder;
    use std::io::Write as _;
    let mut encoder = DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

/// Inflates at most `limit` bytes; one more is a deflate bomb (CVE-2023-28119, CVE-2025-25293).
pub fn inflate_bounded(data: &[u8], limit: usize) -> Result<Vec<u8>, Error> {
    let decoder = flate2::read::DeflateDecoder::new(data);
    let mut out = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    decoder
        .take(cap)
        .read_to_end(&mut out)
        .map_err(|_| Error::InflateFailed)?;
    if out.len() > limit {
        return Err(Error::InflatedTooLarge { limit });
    }
    Ok(out)
}

fn strip_whitespace(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .copied()
        .filter(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .collect()
}

/// The value of one ASCII hex digit; `u8::from_str_radix` would also take a sign (`%+4`).
fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|v| u8::try_from(v).ok())
}

/// Percent-decoding of a form value (`+` is a space); an escape is `%` HEXDIG HEXDIG
/// (RFC 3986 §2.1) and nothing else.
fn url_decode(s: &str) -> Result<Vec<u8>, Error> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let (Some(&high), Some(&low)) = (bytes.get(i + 1), bytes.get(i + 2)) else {
                    return Err(Error::QueryMalformed {
                        reason: "truncated percent-escape",
                    });
                };
                let (Some(high), Some(low)) = (hex_value(high), hex_value(low)) else {
                    return Err(Error::QueryMalformed {
                        reason: "bad percent-escape",
                    });
                };
                out.push(high << 4 | low);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(out)
}

fn url_decode_string(s: &str) -> Result<String, Error> {
    String::from_utf8(url_decode(s)?).map_err(|_| Error::QueryMalformed {
        reason: "a parameter is not UTF-8",
    })
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn url_encode(out: &mut String, s: &str) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflate_limit_at_its_edge() {
        let data = deflate(&[b'a'; 1000]);
        assert_eq!(inflate_bounded(&data, 1000).unwrap().len(), 1000);
        assert_eq!(
            inflate_bounded(&data, 999).unwrap_err().code(),
            "inflated_too_large"
        );
        assert_eq!(
            inflate_bounded(b"\xff\xff", 10).unwrap_err().code(),
            "inflate_failed"
        );
    }

    #[test]
    fn deflate_bomb_stops_at_the_limit() {
        // 8 MiB of zeros deflate to about 8 KiB (ratio ~1000:1, as in CVE-2023-28119).
        let bomb = deflate(&vec![0u8; 8 << 20]);
        assert!(bomb.len() < 16 << 10);
        let err = inflate_bounded(&bomb, 256 << 10).unwrap_err();
        assert_eq!(err.code(), "inflated_too_large");
    }

    #[test]
    fn url_coding_round_trips_and_rejects_bad_escapes() {
        let mut encoded = String::new();
        url_encode(&mut encoded, "a b+c/=&é");
        assert_eq!(encoded, "a%20b%2Bc%2F%3D%26%C3%A9");
        assert_eq!(url_decode_string(&encoded).unwrap(), "a b+c/=&é");
        assert_eq!(url_decode("%2").unwrap_err().code(), "query_malformed");
        assert_eq!(url_decode("%zz").unwrap_err().code(), "query_malformed");
    }

    /// RelayState values and what they decode to (`None`: refused as `query_malformed`).
    /// An escape is `%` HEXDIG HEXDIG (RFC 3986 §2.1); `+` is a space (form encoding, as
    /// browsers send the Redirect binding). Expected values by hand.
    const RELAY_STATE_CASES: &[(&str, Option<&str>, &str)] = &[
        (
            "%+41",
            None,
            "a sign is not a hex digit (from_str_radix took %+4 as 0x04)",
        ),
        ("%-1", None, "a minus sign is not a hex digit"),
        ("%4", None, "one hex digit at the end"),
        ("%G1", None, "G is not a hex digit"),
        ("a%", None, "a lone % at the end"),
        ("%41", Some("A"), "upper-case escape"),
        ("%c3%a9", Some("é"), "lower-case hex"),
        (
            "%e9",
            None,
            "lower-case hex decoding to a lone 0xE9, which is not UTF-8",
        ),
        ("a+b", Some("a b"), "+ is a space in a form value"),
        ("%2B", Some("+"), "an escaped + stays a +"),
        ("", Some(""), "an empty value"),
    ];

    #[test]
    fn percent_escapes_are_exactly_two_hex_digits() {
        let limits = RedirectLimits::default();
        for (relay, expected, reason) in RELAY_STATE_CASES {
            let query = format!("SAMLRequest=QUFB&RelayState={relay}");
            match (RedirectQuery::parse(&query, &limits), expected) {
                (Ok(parsed), Some(value)) => {
                    assert_eq!(
                        parsed.relay_state.as_deref(),
                        Some(*value),
                        "{relay}: {reason}"
                    );
                }
                (Err(err), None) => assert_eq!(err.code(), "query_malformed", "{relay}: {reason}"),
                (outcome, _) => panic!("{relay}: {reason}: {outcome:?}"),
            }
        }
        assert_eq!(url_decode("%e9").unwrap(), [0xE9], "lower-case hex");
    }

    #[test]
    fn duplicate_and_missing_parameters_are_refused() {
        let limits = RedirectLimits::default();
        let twice = RedirectQuery::parse("SAMLRequest=AA&SAMLRequest=AA", &limits);
        assert_eq!(twice.unwrap_err().code(), "query_malformed");
        let none = RedirectQuery::parse("RelayState=x", &limits);
        assert_eq!(none.unwrap_err().code(), "query_malformed");
        let both = RedirectQuery::parse("SAMLRequest=AA&SAMLResponse=AA", &limits);
        assert_eq!(both.unwrap_err().code(), "query_malformed");
    }
}
