//! The IdP and the SP of this crate against each other, in memory, with a virtual clock.

#[path = "support/fixtures.rs"]
mod fixtures;

use chrono::TimeDelta;
use fedkit_saml::names::{NAMEID_EMAIL, STATUS_AUTHN_FAILED, STATUS_RESPONDER};
use fedkit_saml::{
    Attribute, InMemoryReplayCache, InMemoryRequestTracker, NameId, ResponseParams, SignatureScope,
    Status, ValidationOptions, encode_post,
};
use fixtures::*;

fn params(in_response_to: Option<&str>, scope: SignatureScope) -> ResponseParams {
    let mut p = ResponseParams::new(ACS, SP, NameId::new("alice@example.com", NAMEID_EMAIL));
    p.in_response_to = in_response_to.map(str::to_owned);
    p.scope = scope;
    p.attributes = vec![
        Attribute::strings("email", ["alice@example.com"]),
        Attribute::strings("groups", ["admins", "staff & co <x>"]),
    ];
    p
}

#[test]
fn sp_initiated_each_signature_scope_then_replay() {
    let idp = idp();
    let sp = sp();
    let mut rng = TestRng(42);
    let clock = Clock::start();
    for scope in [
        SignatureScope::Assertion,
        SignatureScope::Response,
        SignatureScope::Both,
    ] {
        let mut tracker = InMemoryRequestTracker::new();
        tracker.track("_req1", clock.now() + TimeDelta::minutes(10));
        let mut replay = InMemoryReplayCache::new();
        let xml = idp
            .response(&params(Some("_req1"), scope), clock.now(), &mut rng)
            .expect("issue");
        let posted = encode_post(&xml);
        let verified = sp
            .validate_post(&posted, clock.now(), &mut tracker, &mut replay)
            .expect("valid");
        assert_eq!(verified.issuer(), IDP);
        assert_eq!(verified.name_id().value, "alice@example.com");
        assert_eq!(verified.name_id().format.as_deref(), Some(NAMEID_EMAIL));
        assert_eq!(verified.in_response_to(), Some("_req1"));
        assert_eq!(verified.audience(), SP);
        assert_eq!(
            verified.not_on_or_after(),
            clock.now() + TimeDelta::minutes(5)
        );
        let groups = verified.attribute("groups").expect("groups");
        let values: Vec<&str> = groups.values.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(values, ["admins", "staff & co <x>"]);
        assert!(verified.session_index().is_some_and(|s| s.starts_with('_')));
        assert_eq!(
            (verified.assertion_signed(), verified.response_signed()),
            match scope {
                SignatureScope::Assertion => (true, false),
                SignatureScope::Response => (false, true),
                SignatureScope::Both => (true, true),
            }
        );
        // The same response again: the request is answered and the assertion ID is spent.
        tracker.track("_req1", clock.now() + TimeDelta::minutes(10));
        let again = sp.validate_post(&posted, clock.now(), &mut tracker, &mut replay);
        assert_eq!(again.unwrap_err().code(), "assertion_replayed");
    }
}

#[test]
fn ids_come_from_the_rng_and_instants_from_now() {
    let idp = idp();
    let p = params(Some("_req1"), SignatureScope::Assertion);
    let a = idp.response(&p, t0(), &mut TestRng(7)).expect("issue");
    let b = idp.response(&p, t0(), &mut TestRng(7)).expect("issue");
    let c = idp.response(&p, t0(), &mut TestRng(8)).expect("issue");
    assert_eq!(a, b, "same RNG and clock give the same bytes");
    assert_ne!(a, c);
    assert!(a.contains("IssueInstant=\"2027-01-01T00:00:00Z\""));
    assert!(a.contains("NotOnOrAfter=\"2027-01-01T00:05:00Z\""));
}

#[test]
fn clock_steps_past_not_on_or_after_and_both_skew_edges() {
    let idp = idp();
    let mut rng = TestRng(3);
    let issued_at = t0();
    let xml = idp
        .response(
            &params(Some("_req1"), SignatureScope::Assertion),
            issued_at,
            &mut rng,
        )
        .expect("issue");
    let sp = sp();
    let check = |offset: i64| {
        let mut tracker = InMemoryRequestTracker::new();
        tracker.track("_req1", issued_at + TimeDelta::hours(1));
        let mut replay = InMemoryReplayCache::new();
        let now = issued_at + TimeDelta::seconds(offset);
        sp.validate_xml(xml.as_bytes(), now, &mut tracker, &mut replay)
            .map(|_| ())
            .map_err(|e| e.code())
    };
    // NotBefore = issue instant; skew 60 s: the SP's clock may lag by up to 60 s.
    let mut clock = Clock(issued_at - TimeDelta::seconds(61));
    assert_eq!(check(-61), Err("assertion_not_yet_valid"));
    clock.advance(1);
    assert_eq!(check((clock.now() - issued_at).num_seconds()), Ok(()));
    assert_eq!(check(0), Ok(()));
    // NotOnOrAfter = +300 s; with skew the last good second is +359.
    assert_eq!(check(359), Ok(()));
    assert_eq!(check(360), Err("confirmation_expired"));

    let strict = sp.clone().with_options(ValidationOptions {
        clock_skew: TimeDelta::zero(),
        ..ValidationOptions::default()
    });
    let mut tracker = InMemoryRequestTracker::new();
    tracker.track("_req1", issued_at + TimeDelta::hours(1));
    let late = strict.validate_xml(
        xml.as_bytes(),
        issued_at + TimeDelta::seconds(300),
        &mut tracker,
        &mut InMemoryReplayCache::new(),
    );
    assert_eq!(late.unwrap_err().code(), "confirmation_expired");
}

#[test]
fn idp_initiated_only_when_allowed() {
    let idp = idp();
    let xml = idp
        .response(
            &params(None, SignatureScope::Assertion),
            t0(),
            &mut TestRng(5),
        )
        .expect("issue");
    let mut tracker = InMemoryRequestTracker::new();
    let refused = sp().validate_xml(
        xml.as_bytes(),
        t0(),
        &mut tracker,
        &mut InMemoryReplayCache::new(),
    );
    assert_eq!(refused.unwrap_err().code(), "unsolicited_response");
    let allowing = sp().with_options(ValidationOptions {
        allow_unsolicited: true,
        ..ValidationOptions::default()
    });
    let verified = allowing
        .validate_xml(
            xml.as_bytes(),
            t0(),
            &mut tracker,
            &mut InMemoryReplayCache::new(),
        )
        .expect("allowed");
    assert_eq!(verified.in_response_to(), None);
}

#[test]
fn error_status_is_reported_with_its_codes() {
    let idp = idp();
    let mut p = params(Some("_req1"), SignatureScope::Assertion);
    p.status = Status {
        code: STATUS_RESPONDER.to_owned(),
        sub_codes: vec![STATUS_AUTHN_FAILED.to_owned()],
        message: Some("wrong password".to_owned()),
    };
    let xml = idp.response(&p, t0(), &mut TestRng(5)).expect("issue");
    let mut tracker = InMemoryRequestTracker::new();
    tracker.track("_req1", t0() + TimeDelta::hours(1));
    let err = sp()
        .validate_xml(
            xml.as_bytes(),
            t0(),
            &mut tracker,
            &mut InMemoryReplayCache::new(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "status_not_success");
    assert_eq!(
        err,
        fedkit_saml::Error::StatusNotSuccess {
            code: STATUS_RESPONDER.to_owned(),
            sub_code: Some(STATUS_AUTHN_FAILED.to_owned()),
            message: Some("wrong password".to_owned()),
        }
    );
}

#[test]
fn a_response_from_an_untrusted_key_is_refused() {
    let attacker = fedkit_saml::IdentityProvider::new(
        IDP,
        &credential(ATTACKER_KEY, ATTACKER_CERT),
        fedkit_certs::default_provider(),
    )
    .expect("idp");
    let xml = attacker
        .response(
            &params(Some("_req1"), SignatureScope::Assertion),
            t0(),
            &mut TestRng(5),
        )
        .expect("issue");
    let mut tracker = InMemoryRequestTracker::new();
    tracker.track("_req1", t0() + TimeDelta::hours(1));
    let err = sp()
        .validate_xml(
            xml.as_bytes(),
            t0(),
            &mut tracker,
            &mut InMemoryReplayCache::new(),
        )
        .unwrap_err();
    // The embedded attacker certificate names no trusted key.
    assert_eq!(err.code(), "untrusted_key");
}

#[test]
fn size_limit_at_its_edge() {
    let idp = idp();
    let xml = idp
        .response(
            &params(Some("_req1"), SignatureScope::Assertion),
            t0(),
            &mut TestRng(5),
        )
        .expect("issue");
    let posted = encode_post(&xml);
    let run = |limit: usize| {
        let sp = sp().with_options(ValidationOptions {
            max_message_bytes: limit,
            ..ValidationOptions::default()
        });
        let mut tracker = InMemoryRequestTracker::new();
        tracker.track("_req1", t0() + TimeDelta::hours(1));
        sp.validate_post(&posted, t0(), &mut tracker, &mut InMemoryReplayCache::new())
            .map(|_| ())
            .map_err(|e| e.code())
    };
    assert_eq!(run(posted.len()), Ok(()));
    assert_eq!(run(posted.len() - 1), Err("message_too_large"));
}

#[test]
fn encrypted_assertions_gcm_and_cbc_decrypt_at_the_sp() {
    use fedkit_certs::{Certificate, PrivateKey};
    use fedkit_saml::{ContentAlgorithm, DecryptPolicy};
    let idp = idp();
    let sp_key = PrivateKey::from_pem(SP_KEY).expect("key");
    let strict = sp().with_decryption_key(sp_key.clone());
    let legacy = sp()
        .with_decryption_key(sp_key)
        .with_decrypt_policy(DecryptPolicy::default().legacy_aes_cbc());
    for (algorithm, scope) in [
        (ContentAlgorithm::Aes256Gcm, SignatureScope::Assertion),
        (ContentAlgorithm::Aes128Gcm, SignatureScope::Both),
        (ContentAlgorithm::Aes256Cbc, SignatureScope::Response),
        (ContentAlgorithm::Aes128Cbc, SignatureScope::Assertion),
    ] {
        let mut p = params(Some("_req1"), scope);
        p.encrypt_to = Some(Certificate::parse(SP_CERT).expect("cert"));
        p.encryption = algorithm;
        let xml = idp.response(&p, t0(), &mut TestRng(9)).expect("issue");
        assert!(xml.contains("EncryptedAssertion") && !xml.contains("alice@example.com"));
        assert!(xml.contains(algorithm.uri()));
        // AES-CBC only with the legacy opt-in: refused by default.
        let sp = if algorithm.is_cbc() {
            let mut tracker = InMemoryRequestTracker::new();
            tracker.track("_req1", t0() + TimeDelta::hours(1));
            let refused = strict.validate_xml(
                xml.as_bytes(),
                t0(),
                &mut tracker,
                &mut InMemoryReplayCache::new(),
            );
            assert_eq!(
                refused.unwrap_err().code(),
                "encryption_method_not_allowed",
                "{algorithm:?}"
            );
            &legacy
        } else {
            &strict
        };
        let mut tracker = InMemoryRequestTracker::new();
        tracker.track("_req1", t0() + TimeDelta::hours(1));
        let verified = sp
            .validate_xml(
                xml.as_bytes(),
                t0(),
                &mut tracker,
                &mut InMemoryReplayCache::new(),
            )
            .unwrap_or_else(|e| panic!("{algorithm:?} {scope:?}: {e}"));
        assert_eq!(verified.name_id().value, "alice@example.com");

        // No key, and the wrong key.
        let mut tracker = InMemoryRequestTracker::new();
        tracker.track("_req1", t0() + TimeDelta::hours(1));
        let no_key = fixtures::sp().validate_xml(
            xml.as_bytes(),
            t0(),
            &mut tracker,
            &mut InMemoryReplayCache::new(),
        );
        assert_eq!(no_key.unwrap_err().code(), "decryption_key_missing");
        let wrong = fixtures::sp()
            .with_decryption_key(PrivateKey::from_pem(ATTACKER_KEY).expect("key"))
            .with_decrypt_policy(DecryptPolicy::default().legacy_aes_cbc())
            .validate_xml(
                xml.as_bytes(),
                t0(),
                &mut tracker,
                &mut InMemoryReplayCache::new(),
            );
        assert_eq!(wrong.unwrap_err().code(), "decryption_failed");
    }
}
