//! Shared test fixtures: keys (tests/data/keys, made with OpenSSL), a deterministic RNG, a fake
//! clock, and an IdP and SP configured for each other.

#![allow(dead_code)]

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use fedkit_certs::{Certificate, PrivateKey, SigningCredential, TrustSet, default_provider};
use fedkit_saml::{IdentityProvider, ServiceProvider};
use fedkit_xml::Document;
use fedkit_xmldsig::{SignOptions, sign_enveloped};

pub const IDP: &str = "https://idp.example.com/metadata";
pub const SP: &str = "https://sp.example.com/metadata";
pub const ACS: &str = "https://sp.example.com/acs";
pub const ASSERTION_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";

pub const IDP_KEY: &str = include_str!("../data/keys/idp.key.pem");
pub const IDP_CERT: &str = include_str!("../data/keys/idp.cert.pem");
pub const SP_KEY: &str = include_str!("../data/keys/sp.key.pem");
pub const SP_CERT: &str = include_str!("../data/keys/sp.cert.pem");
pub const ATTACKER_KEY: &str = include_str!("../data/keys/attacker.key.pem");
pub const ATTACKER_CERT: &str = include_str!("../data/keys/attacker.cert.pem");

/// 2027-01-01T00:00:00Z, the start of every scenario.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0)
        .single()
        .expect("date")
}

/// A virtual clock that only moves when a test moves it (quinn-proto style).
pub struct Clock(pub DateTime<Utc>);

impl Clock {
    pub fn start() -> Self {
        Clock(t0())
    }
    pub fn now(&self) -> DateTime<Utc> {
        self.0
    }
    pub fn advance(&mut self, seconds: i64) {
        self.0 += TimeDelta::seconds(seconds);
    }
}

/// SplitMix64: deterministic, so runs repeat; it only feeds IDs and RSA blinding here.
pub struct TestRng(pub u64);

impl rand_core::TryRng for TestRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Ok(z ^ (z >> 31))
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dest.chunks_mut(8) {
            let bytes = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}
impl rand_core::TryCryptoRng for TestRng {}

pub fn credential(key: &str, cert: &str) -> SigningCredential {
    SigningCredential::new(
        PrivateKey::from_pem(key).expect("key"),
        Certificate::parse(cert).expect("cert"),
    )
    .expect("credential")
}

pub fn idp() -> IdentityProvider {
    IdentityProvider::new(IDP, &credential(IDP_KEY, IDP_CERT), default_provider()).expect("idp")
}

pub fn trust(cert: &str) -> TrustSet {
    let mut trust = TrustSet::new();
    trust
        .import(Certificate::parse(cert).expect("cert"))
        .expect("import");
    trust
}

pub fn sp() -> ServiceProvider {
    ServiceProvider::new(SP, ACS, IDP, trust(IDP_CERT))
}

/// Signs the element with `ID="{id}"` in `xml` with `key` and returns the document.
pub fn sign_id(xml: &str, id: &str, key: &str, cert: &str) -> String {
    let provider = default_provider();
    let credential = credential(key, cert);
    let signing = credential.signing_key(provider).expect("signing key");
    let mut doc = Document::parse(xml.as_bytes()).expect("template parses");
    let element = doc.element_by_id(id).expect("element to sign");
    let options = SignOptions {
        certificate: Some(credential.certificate().clone()),
        ..SignOptions::default()
    };
    sign_enveloped(
        &mut doc,
        element,
        signing.as_ref(),
        &options,
        provider,
        &mut TestRng(1),
    )
    .expect("signs");
    doc.to_xml()
}
