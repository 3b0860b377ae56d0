//! SP-initiated sign-in over HTTP-Redirect then HTTP-POST, and single logout over both
//! bindings, between this crate's IdP and SP on a virtual clock.

#[path = "support/fixtures.rs"]
mod fixtures;

use chrono::TimeDelta;
use fedkit_certs::default_provider;
use fedkit_saml::names::{NAMEID_EMAIL, STATUS_SUCCESS};
use fedkit_saml::{
    AuthnRequest, InMemoryReplayCache, InMemoryRequestTracker, LogoutRequest, LogoutResponse,
    NameId, PostField, ReceivedMessage, RedirectLimits, RedirectQuery, ResponseParams, Signer,
    Status, encode_post, redirect_url,
};
use fedkit_xml::Limits;
use fedkit_xmldsig::VerifyPolicy;
use fixtures::*;

const SSO: &str = "https://idp.example.com/sso";
const SLO_SP: &str = "https://sp.example.com/slo";
const SLO_IDP: &str = "https://idp.example.com/slo";

fn sp_signer() -> Signer {
    Signer::new(&credential(SP_KEY, SP_CERT), default_provider()).expect("signer")
}

fn query(url: &str) -> &str {
    url.split_once('?').expect("query").1
}

#[test]
fn redirect_authn_request_then_post_response() {
    let mut clock = Clock::start();
    let mut rng = TestRng(11);
    let sp = sp();
    let mut tracker = InMemoryRequestTracker::new();
    let mut replay = InMemoryReplayCache::new();

    // SP: a signed AuthnRequest over Redirect, with RelayState.
    let request = AuthnRequest::new(SP, SSO, ACS, clock.now(), &mut rng);
    tracker.track(request.id.clone(), clock.now() + TimeDelta::minutes(10));
    let url = redirect_url(
        SSO,
        PostField::Request,
        &request.to_xml(),
        Some("/app?x=1&y=2"),
        Some(&sp_signer()),
        &mut rng,
    )
    .expect("url");
    assert!(url.starts_with("https://idp.example.com/sso?SAMLRequest="));

    // IdP: verify the query signature, read the request.
    clock.advance(2);
    let limits = RedirectLimits::default();
    let received = RedirectQuery::parse(query(&url), &limits)
        .expect("query")
        .verify(
            &trust(SP_CERT),
            &VerifyPolicy::default(),
            clock.now(),
            &limits,
        )
        .expect("signature");
    assert_eq!(received.relay_state(), Some("/app?x=1&y=2"));
    let message = ReceivedMessage::from_redirect(&received, &Limits::default()).expect("xml");
    let read = AuthnRequest::read(&message, SP, SSO).expect("request");
    assert_eq!(read.id, request.id);
    assert_eq!(read.acs_url.as_deref(), Some(ACS));

    // IdP answers over POST; SP validates.
    clock.advance(3);
    let mut params = ResponseParams::new(ACS, SP, NameId::new("alice@example.com", NAMEID_EMAIL));
    params.in_response_to = Some(read.id.clone());
    let xml = idp()
        .response(&params, clock.now(), &mut rng)
        .expect("issue");
    clock.advance(1);
    let verified = sp
        .validate_post(&encode_post(&xml), clock.now(), &mut tracker, &mut replay)
        .expect("valid");
    assert_eq!(verified.in_response_to(), Some(request.id.as_str()));
    assert!(tracker.is_empty());
}

#[test]
fn redirect_signature_covers_the_exact_query() {
    let mut rng = TestRng(12);
    let limits = RedirectLimits::default();
    let request = AuthnRequest::new(SP, SSO, ACS, t0(), &mut rng);
    let url = redirect_url(
        SSO,
        PostField::Request,
        &request.to_xml(),
        Some("state"),
        Some(&sp_signer()),
        &mut rng,
    )
    .expect("url");
    let q = query(&url);
    let check = |q: &str| {
        RedirectQuery::parse(q, &limits)
            .and_then(|parsed| {
                parsed.verify(&trust(SP_CERT), &VerifyPolicy::default(), t0(), &limits)
            })
            .map(|_| ())
            .map_err(|e| e.code())
    };
    assert_eq!(check(q), Ok(()));
    assert_eq!(
        check(&q.replace("RelayState=state", "RelayState=other")),
        Err("redirect_signature_invalid")
    );
    // The same parameters, encoded differently: the octets differ, so the signature fails.
    assert_eq!(
        check(&q.replace("RelayState=state", "RelayState=%73tate")),
        Err("redirect_signature_invalid")
    );
    let unsigned = q.split("&SigAlg=").next().expect("prefix");
    assert_eq!(check(unsigned), Err("redirect_signature_missing"));
    // RSA-SHA1 is refused before any key is tried.
    let sha1 = q.replace(
        "http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256",
        "http%3A%2F%2Fwww.w3.org%2F2000%2F09%2Fxmldsig%23rsa-sha1",
    );
    assert_ne!(sha1, q);
    assert_eq!(check(&sha1), Err("redirect_algorithm_not_allowed"));
    // Signed by a key nobody trusts.
    let attacker =
        Signer::new(&credential(ATTACKER_KEY, ATTACKER_CERT), default_provider()).expect("signer");
    let forged = redirect_url(
        SSO,
        PostField::Request,
        &request.to_xml(),
        None,
        Some(&attacker),
        &mut rng,
    )
    .expect("url");
    assert_eq!(check(query(&forged)), Err("redirect_signature_invalid"));
}

#[test]
fn signed_post_authn_request() {
    let mut rng = TestRng(13);
    let request = AuthnRequest::new(SP, SSO, ACS, t0(), &mut rng);
    let signed = sp_signer()
        .sign_xml(&request.to_xml(), &mut rng)
        .expect("sign");
    let policy = VerifyPolicy::default();
    let message = ReceivedMessage::from_post(
        &encode_post(&signed),
        None,
        &trust(SP_CERT),
        &policy,
        t0(),
        &Limits::default(),
    )
    .expect("verified");
    assert!(message.is_signed());
    assert_eq!(
        AuthnRequest::read(&message, SP, SSO).expect("read").id,
        request.id
    );
    // Another SSO URL: Destination says it was not meant for us.
    let other = AuthnRequest::read(&message, SP, "https://other.example.com/sso");
    assert_eq!(other.unwrap_err().code(), "destination_mismatch");
    // Unsigned and required: refused.
    let unsigned = ReceivedMessage::from_post(
        &encode_post(&request.to_xml()),
        None,
        &trust(SP_CERT),
        &policy,
        t0(),
        &Limits::default(),
    );
    assert_eq!(unsigned.unwrap_err().code(), "signature_not_found");
}

#[test]
fn single_logout_idp_to_sp_over_redirect_and_back_over_post() {
    let mut clock = Clock::start();
    let mut rng = TestRng(14);
    let idp = idp();
    let limits = RedirectLimits::default();
    let name_id = NameId::new("alice@example.com", NAMEID_EMAIL);

    let request = LogoutRequest::new(
        IDP,
        SLO_SP,
        name_id.clone(),
        Some("_s1".to_owned()),
        TimeDelta::minutes(2),
        clock.now(),
        &mut rng,
    );
    let mut idp_tracker = InMemoryRequestTracker::new();
    idp_tracker.track(request.id.clone(), clock.now() + TimeDelta::minutes(5));
    let url = redirect_url(
        SLO_SP,
        PostField::Request,
        &request.to_xml(),
        None,
        Some(idp.signer()),
        &mut rng,
    )
    .expect("url");

    // SP side.
    clock.advance(1);
    let verified = RedirectQuery::parse(query(&url), &limits)
        .expect("parse")
        .verify(
            &trust(IDP_CERT),
            &VerifyPolicy::default(),
            clock.now(),
            &limits,
        )
        .expect("signature");
    let message = ReceivedMessage::from_redirect(&verified, &Limits::default()).expect("xml");
    let read = LogoutRequest::read(&message, IDP, SLO_SP, clock.now(), TimeDelta::seconds(60))
        .expect("read");
    assert_eq!(read.name_id, name_id);
    assert_eq!(read.session_indexes, ["_s1"]);
    // Past NotOnOrAfter (+2 min) and the skew: refused.
    let late = LogoutRequest::read(
        &message,
        IDP,
        SLO_SP,
        clock.now() + TimeDelta::seconds(180),
        TimeDelta::seconds(60),
    );
    assert_eq!(late.unwrap_err().code(), "assertion_expired");

    let response =
        LogoutResponse::new(SP, SLO_IDP, &read, Status::success(), clock.now(), &mut rng);
    let signed = sp_signer()
        .sign_xml(&response.to_xml(), &mut rng)
        .expect("sign");

    // IdP side.
    clock.advance(1);
    let message = ReceivedMessage::from_post(
        &encode_post(&signed),
        None,
        &trust(SP_CERT),
        &VerifyPolicy::default(),
        clock.now(),
        &Limits::default(),
    )
    .expect("verified");
    let read = LogoutResponse::read(&message, SP, SLO_IDP, clock.now(), &mut idp_tracker)
        .expect("response");
    assert_eq!(read.status.code, STATUS_SUCCESS);
    assert!(idp_tracker.is_empty());
    // The same response again answers nothing outstanding.
    let again = LogoutResponse::read(&message, SP, SLO_IDP, clock.now(), &mut idp_tracker);
    assert_eq!(again.unwrap_err().code(), "in_response_to_unknown");
}

#[test]
fn unsigned_logout_request_is_refused_on_redirect() {
    let mut rng = TestRng(15);
    let limits = RedirectLimits::default();
    let request = LogoutRequest::new(
        IDP,
        SLO_SP,
        NameId::new("alice@example.com", NAMEID_EMAIL),
        None,
        TimeDelta::minutes(2),
        t0(),
        &mut rng,
    );
    let url = redirect_url(
        SLO_SP,
        PostField::Request,
        &request.to_xml(),
        None,
        None,
        &mut rng,
    )
    .expect("url");
    let parsed = RedirectQuery::parse(query(&url), &limits).expect("parse");
    let verify = parsed.verify(&trust(IDP_CERT), &VerifyPolicy::default(), t0(), &limits);
    assert_eq!(verify.unwrap_err().code(), "redirect_signature_missing");
    let accepted = parsed.accept_unsigned(&limits).expect("inflate");
    let message = ReceivedMessage::from_redirect(&accepted, &Limits::default()).expect("xml");
    let read = LogoutRequest::read(&message, IDP, SLO_SP, t0(), TimeDelta::seconds(60));
    assert_eq!(read.unwrap_err().code(), "signature_not_found");
}
