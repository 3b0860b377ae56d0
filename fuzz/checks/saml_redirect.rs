//! HTTP-Redirect decoding from arbitrary bytes: query splitting, percent and base64 decoding,
//! the bounded inflate and the message readers never panic, and never inflate past the limit.
//! Seeds: fuzz/corpus/saml_redirect/.

use chrono::{TimeDelta, TimeZone, Utc};
use fedkit_saml::{AuthnRequest, LogoutRequest, ReceivedMessage, RedirectLimits, RedirectQuery};

pub fn run(data: &[u8]) {
    let limits = RedirectLimits {
        max_query_bytes: 16 << 10,
        max_inflated_bytes: 32 << 10,
    };
    if let Ok(inflated) = fedkit_saml::inflate_bounded(data, limits.max_inflated_bytes) {
        assert!(inflated.len() <= limits.max_inflated_bytes);
    }
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parsed) = RedirectQuery::parse(query, &limits) else {
        return;
    };
    let Ok(message) = parsed.accept_unsigned(&limits) else {
        return;
    };
    assert!(message.xml().len() <= limits.max_inflated_bytes);
    let Ok(received) = ReceivedMessage::from_redirect(&message, &fedkit_xml::Limits::default())
    else {
        return;
    };
    let _ = AuthnRequest::read(
        &received,
        "https://sp.example.com/metadata",
        "https://idp.example.com/sso",
    );
    let now = Utc
        .with_ymd_and_hms(2027, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    // Unsigned here, so this must refuse.
    assert!(
        LogoutRequest::read(
            &received,
            "https://idp.example.com/metadata",
            "https://sp.example.com/slo",
            now,
            TimeDelta::seconds(60),
        )
        .is_err()
    );
}
